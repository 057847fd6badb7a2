"""The communication report on paper: `report_document` lays a `Report` out as a PDF document
(core.pdf), with every message's words, who sent each round and each path's state."""

from __future__ import annotations

from datetime import UTC, datetime

from statuspage.core.pdf import Document, render
from statuspage.crisis.report import Report
from statuspage.crisis.report_sections import InternalNotice


def _at(at: datetime | None) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if at else "-"


def _sender(notice: InternalNotice) -> str:
    if notice.sent_by_system:
        started = f" (started by {notice.started_by})" if notice.started_by else ""
        return f"the system{started}"
    return notice.sent_by or "unknown"


def _notice_lines(notice: InternalNotice) -> list[str]:
    title = notice.kind.replace("_", " ")
    lines = [
        f"### {notice.audience.capitalize()} · {title}: {notice.subject}",
        "",
        f"Notice #{notice.notice_id}, sent {_at(notice.sent_at)} by {_sender(notice)}; "
        + ("acknowledgement required." if notice.requires_ack else "no acknowledgement asked."),
        "",
    ]
    if notice.body:
        lines += ["Message as sent:", "", *notice.body.splitlines(), ""]
    for channel, states in notice.channel_states.items():
        counted = ", ".join(f"{state} {n}" for state, n in states.items() if n)
        lines.append(f"- {channel}: {counted or 'no path'}")
    lines.append("")
    for person in notice.recipients:
        roles = f" ({', '.join(person.roles)})" if person.roles else ""
        lines.append(f"- {person.name}{roles}")
        for path in person.paths:
            how = f" via {path.ack_path}" if path.ack_path else ""
            lines.append(f"- {person.name}, {path.channel} {path.address}: {path.status}{how}")
        if not person.paths:
            lines.append(f"- {person.name}: no contact point reached")
    lines.append("")
    return lines


def report_markdown(report: Report) -> str:
    lines = ["## Timeline of updates", ""]
    for entry in report.timeline:
        lines += [
            f"### {_at(entry.posted_at)} · {entry.status.replace('_', ' ')} · {entry.posted_by}",
            "",
            *entry.body.splitlines(),
            "",
        ]
    lines += ["## Deliveries by audience and channel", ""]
    for c in report.deliveries:
        lines.append(
            f"- {c.audience} {c.channel}: {c.deliveries} deliveries, {c.attempted} attempted, "
            f"{c.delivered} delivered, {c.failed} failed, {c.acknowledged} acknowledged, "
            f"{c.stuck} stuck: channel not configured"
        )
    lines += ["", "## Team pages, briefings and regulator notices", ""]
    for notice in report.internal:
        lines += _notice_lines(notice)
    lines += ["## Regulator obligations", ""]
    for o in report.obligations:
        note = f" ({o.note})" if o.note else ""
        lines.append(
            f"- {o.regulator} {o.what}: due {_at(o.due_at)}, sent {_at(o.sent_at)}, "
            f"acknowledged {_at(o.acknowledged_at)}: {o.status}{note}"
        )
    return "\n".join(lines) + "\n"


def report_document(report: Report) -> Document:
    facts = [
        ("Incident", f"{report.kind} {report.incident_id}"),
        ("Status", report.status.replace("_", " ")),
        ("Impact", report.impact),
        ("Started", _at(report.started_at)),
        ("Resolved", _at(report.resolved_at)),
        ("Delivered", str(report.totals.get("delivered", 0))),
        ("Failed", str(report.totals.get("failed", 0))),
        ("Stuck", f"{report.stuck} (channel not configured)"),
    ]
    return Document(
        title=f"Communication report: {report.name}",
        body_markdown=report_markdown(report),
        facts=facts,
        footer=f"Generated {_at(report.generated_at)} from Herald's record.",
    )


def report_pdf(report: Report) -> bytes:
    return render(report_document(report))
