"""The communication report of one incident: who was told what, when, and who confirmed.

One function, `communication_report`, gathers it from the record (updates and the audit trail's
actors; notices, deliveries and their acknowledgements; crisis messages and the team roster;
regulatory obligations: `crisis.report_sections` reads each); the admin renders it as a
printable page, a CSV and a JSON document, so the three can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from statuspage.clock import utcnow
from statuspage.core.errors import NotFound
from statuspage.crisis.report_sections import (
    DeliveryCount,
    InternalNotice,
    RegulatorObligation,
    TimelineEntry,
    cadence_section,
    delivery_counts,
    internal_notices,
    obligations_of,
    timeline_of,
)
from statuspage.extensions import db
from statuspage.incidents.cadence_compliance import Compliance
from statuspage.models import Incident

CSV_COLUMNS = (
    "section", "time", "audience", "channel", "who", "what", "status", "deliveries",
    "attempted", "delivered", "failed", "acknowledged", "due_at", "sent_at", "acknowledged_at",
    "how",
)  # fmt: skip


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


@dataclass(frozen=True)
class Report:
    incident_id: str
    name: str
    kind: str
    status: str
    impact: str
    visibility: str
    started_at: datetime
    resolved_at: datetime | None
    generated_at: datetime
    timeline: tuple[TimelineEntry, ...]
    deliveries: tuple[DeliveryCount, ...]
    internal: tuple[InternalNotice, ...]
    obligations: tuple[RegulatorObligation, ...]
    totals: dict[str, int] = field(default_factory=dict)
    cadence: Compliance = field(default_factory=lambda: Compliance(()))

    def as_json(self) -> dict[str, Any]:
        return {
            "incident": {
                "id": self.incident_id,
                "name": self.name,
                "kind": self.kind,
                "status": self.status,
                "impact": self.impact,
                "visibility": self.visibility,
                "started_at": _iso(self.started_at),
                "resolved_at": _iso(self.resolved_at),
            },
            "generated_at": _iso(self.generated_at),
            "timeline": [
                {
                    "update_id": e.update_id,
                    "posted_at": _iso(e.posted_at),
                    "display_at": _iso(e.display_at),
                    "status": e.status,
                    "posted_by": e.posted_by,
                    "notified": e.notified,
                    "body": e.body,
                }
                for e in self.timeline
            ],
            "deliveries": [vars(c) for c in self.deliveries],
            "totals": self.totals,
            "stuck": self.stuck,
            "internal": [
                {
                    "notice_id": n.notice_id,
                    "audience": n.audience,
                    "kind": n.kind,
                    "subject": n.subject,
                    "sent_at": _iso(n.sent_at),
                    "sent_by": n.sent_by,
                    "sent_by_system": n.sent_by_system,
                    "started_by": n.started_by,
                    "body": n.body,
                    "channel_states": n.channel_states,
                    "requires_ack": n.requires_ack,
                    "recipients": [
                        {
                            "subscriber_id": r.subscriber_id,
                            "name": r.name,
                            "roles": list(r.roles),
                            "acknowledged_at": _iso(ack.acknowledged_at) if ack else None,
                            "acknowledged_how": ack.ack_path if ack else None,
                            "acknowledged_channel": ack.channel if ack else None,
                            "paths": [
                                {
                                    "channel": p.channel,
                                    "address": p.address,
                                    "state": p.state,
                                    "status": p.status,
                                    "attempts": p.attempts,
                                    "sent_at": _iso(p.sent_at),
                                    "acknowledged_at": _iso(p.acknowledged_at),
                                    "ack_path": p.ack_path,
                                }
                                for p in r.paths
                            ],
                        }
                        for r in n.recipients
                        for ack in [r.acknowledgement]
                    ],
                }
                for n in self.internal
            ],
            "obligations": [
                {
                    "regulator": o.regulator,
                    "what": o.what,
                    "due_at": _iso(o.due_at),
                    "sent_at": _iso(o.sent_at),
                    "acknowledged_at": _iso(o.acknowledged_at),
                    "status": o.status,
                    "note": o.note,
                }
                for o in self.obligations
            ],
            "cadence": self.cadence.as_json(),
        }

    @property
    def stuck(self) -> int:
        """Deliveries parked because their channel is not configured (SMS without Twilio):
        neither delivered nor failed, counted here so they are never silently nothing."""
        return sum(c.stuck for c in self.deliveries)

    def as_dict(self) -> dict[str, Any]:
        """The report as plain data (JSON-ready): what the JSON download and drills write."""
        return self.as_json()

    def csv_rows(self) -> list[dict[str, Any]]:
        """Every section as rows of the same columns (CSV_COLUMNS); `section` says which."""
        rows: list[dict[str, Any]] = []

        def row(section: str, **values: Any) -> None:
            rows.append(
                {column: values.get(column, "") for column in CSV_COLUMNS} | {"section": section}
            )

        for e in self.timeline:
            row(
                "update",
                time=_iso(e.posted_at),
                who=e.posted_by,
                what=e.body,
                status=e.status,
                how="notified" if e.notified else "not notified",
            )
        for c in self.deliveries:
            row(
                "deliveries",
                audience=c.audience,
                channel=c.channel,
                deliveries=c.deliveries,
                attempted=c.attempted,
                delivered=c.delivered,
                failed=c.failed,
                acknowledged=c.acknowledged,
                how=f"{c.stuck} stuck: channel not configured" if c.stuck else "",
            )
        for n in self.internal:
            for r in n.recipients:
                for p in r.paths:
                    row(
                        "internal",
                        time=_iso(n.sent_at),
                        audience=n.audience,
                        channel=p.channel,
                        who=f"{r.name} ({', '.join(r.roles)})" if r.roles else r.name,
                        what=f"{n.kind}: {n.subject}",
                        status=p.status if p.state == "stuck" or p.stood_down else p.state,
                        sent_at=_iso(p.sent_at),
                        acknowledged_at=_iso(p.acknowledged_at),
                        how=p.ack_path or "",
                    )
        for o in self.obligations:
            row(
                "obligation",
                who=o.regulator,
                what=o.what,
                status=o.status,
                due_at=_iso(o.due_at),
                sent_at=_iso(o.sent_at),
                acknowledged_at=_iso(o.acknowledged_at),
                how=o.note,
            )
        for d in self.cadence.rows:
            row(
                "cadence",
                due_at=_iso(d.due_at),
                sent_at=_iso(d.posted_at),
                status="on time" if d.on_time else f"{d.overdue_minutes} min late",
                how=f"reminded {_iso(d.reminded_at) or '-'}; "
                f"escalated {_iso(d.escalated_at) or '-'}",
            )
        return rows


def communication_report(incident_id: str, *, now: datetime | None = None) -> Report:
    """Everything the record holds about how this incident was communicated (staff only:
    it names internal recipients and their contact points)."""
    incident = db.session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"no incident {incident_id!r}")
    now = now or utcnow()
    deliveries = delivery_counts(incident.id)
    totals = {
        name: sum(getattr(c, name) for c in deliveries)
        for name in ("deliveries", "attempted", "delivered", "failed", "acknowledged")
    }
    return Report(
        incident_id=incident.id,
        name=incident.name,
        kind=incident.kind.value,
        status=incident.status.value,
        impact=incident.impact.value,
        visibility=incident.visibility.value,
        started_at=incident.started_at,
        resolved_at=incident.resolved_at,
        generated_at=now,
        timeline=timeline_of(incident),
        deliveries=deliveries,
        internal=internal_notices(incident.id),
        obligations=obligations_of(incident.id, now),
        totals=totals,
        cadence=cadence_section(incident, now),
    )
