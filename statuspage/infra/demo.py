"""Demo data: a realistic page with 90 days of history, so the first start shows something real."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from statuspage.audit.trail import Actor
from statuspage.components.catalog import create_component, create_group
from statuspage.crisis import executives, playbooks, roster
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident, PostUpdate, ScheduleMaintenance
from statuspage.incidents.maintenance import schedule_maintenance
from statuspage.incidents.publishing import add_postmortem, create_incident, post_update
from statuspage.infra.demo_translations import translated
from statuspage.models import Component, ComponentStatus, Incident, IncidentStatus
from statuspage.page.state import ensure_page
from statuspage.regulators import library, obligations, periodic
from statuspage.system_metrics import data, metrics, providers, store

GROUPS = {
    "Core Platform": ["API", "Web Dashboard", "Authentication", "Database Cluster"],
    "Notifications": ["Email Delivery", "Webhooks", "Push Notifications", "SMS Gateway"],
    "Regions": ["US East", "EU West", "Asia Pacific", "South America"],
}
DESCRIPTIONS = {
    "API": "Public REST and GraphQL endpoints.",
    "Authentication": "Sign-in, SSO and API tokens.",
    "Email Delivery": "Outbound transactional and campaign email.",
}

PAST_INCIDENTS = [
    # days ago, hour, name, components with the status they fell to, minutes to resolve
    (83, 14, "Elevated API error rates", {"API": "partial_outage"}, 95),
    (71, 3, "Delayed email delivery", {"Email Delivery": "degraded_performance"}, 240),
    (58, 9, "Database failover caused brief outage", {"Database Cluster": "major_outage",
        "API": "major_outage", "Web Dashboard": "major_outage"}, 38),
    (44, 17, "Webhook deliveries delayed", {"Webhooks": "degraded_performance"}, 180),
    (31, 22, "Sign-in failures for SSO users", {"Authentication": "partial_outage"}, 70),
    (19, 6, "Asia Pacific network disruption", {"Asia Pacific": "major_outage"}, 130),
    (8, 12, "iOS push notifications delayed", {"Push Notifications": "partial_outage"}, 300),
    (3, 15, "Slow dashboard loading", {"Web Dashboard": "degraded_performance"}, 55),
]  # fmt: skip


UPGRADE = "We will upgrade the database engine. Brief read-only periods are expected."
SWITCHES = "Our provider will replace core switches. Connections may drop for a few seconds."
LATENCY = "Some requests routed through **EU West** are slower than usual. We are investigating."

# The demo's incidents and windows are its past: nobody is sent anything about them, and no
# notice is left waiting for the worker (a subscriber who joins later never hears of them).
QUIET = False


def _update(body: str, **fields: Any) -> PostUpdate:
    """An update written in English with its German and Japanese (demo_translations)."""
    return PostUpdate(body, translations=translated(body), **fields)


def has_data() -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(Component)))


def load_demo_data(now: datetime, page_name: str = "Herald Status") -> None:
    """Fill an empty database with the demo page (flushes; the caller commits)."""
    rng = random.Random(7)  # noqa: S311 - repeatable demo minutes, not a secret
    ensure_page(page_name)
    start = now - timedelta(days=90)
    components: dict[str, Component] = {}
    for group_name, names in GROUPS.items():
        group = create_group(group_name, description=f"{group_name} services")
        for name in names:
            components[name] = create_component(
                name, group=group, description=DESCRIPTIONS.get(name), at=start
            )

    for days_ago, hour, name, hit, minutes in PAST_INCIDENTS:
        began = (now - timedelta(days=days_ago)).replace(hour=hour, minute=rng.randrange(60))
        affected = {components[c]: s for c, s in hit.items()}
        opening = "We are investigating reports of problems. More details soon."
        incident = create_incident(
            OpenIncident(
                name,
                opening,
                components=affected,
                at=began,
                deliver_notifications=QUIET,
                translations=translated(opening, name),
            )
        )
        post_update(
            incident,
            _update(
                "We have identified the cause and are rolling out a fix.",
                status=IncidentStatus.identified,
                at=began + timedelta(minutes=minutes // 3),
                deliver_notifications=QUIET,
            ),
        )
        post_update(
            incident,
            _update(
                "A fix is in place and we are monitoring the results.",
                status=IncidentStatus.monitoring,
                components=dict.fromkeys(affected, ComponentStatus.operational),
                at=began + timedelta(minutes=minutes * 2 // 3),
                deliver_notifications=QUIET,
            ),
        )
        post_update(
            incident,
            _update(
                "This incident has been resolved. Thank you for your patience.",
                status=IncidentStatus.resolved,
                at=began + timedelta(minutes=minutes),
                deliver_notifications=QUIET,
            ),
        )
        if days_ago == 58:
            add_postmortem(
                incident,
                "## What happened\n\nA planned failover of the primary database node took "
                "**38 minutes** instead of seconds because a replica was behind.\n\n"
                "## What we are changing\n\n- Replica lag now blocks failover.\n"
                "- Failover drills run weekly.",
                at=began + timedelta(days=2),
            )

    done = (now - timedelta(days=20)).replace(hour=2, minute=0, second=0, microsecond=0)
    maintenance = schedule_maintenance(
        ScheduleMaintenance(
            "Database engine upgrade",
            UPGRADE,
            scheduled_for=done,
            scheduled_until=done + timedelta(hours=2),
            components=[components["Database Cluster"]],
            at=done - timedelta(days=7),
            deliver_notifications=QUIET,
            translations=translated(UPGRADE, "Database engine upgrade"),
        )
    )
    post_update(
        maintenance,
        _update(
            "Maintenance is under way.",
            status=IncidentStatus.in_progress,
            components={components["Database Cluster"]: ComponentStatus.under_maintenance},
            at=done,
            deliver_notifications=QUIET,
        ),
    )
    post_update(
        maintenance,
        _update(
            "The upgrade is complete.",
            status=IncidentStatus.completed,
            components={components["Database Cluster"]: ComponentStatus.operational},
            at=done + timedelta(hours=1, minutes=40),
            deliver_notifications=QUIET,
        ),
    )

    upcoming = (now + timedelta(days=3)).replace(hour=3, minute=0, second=0, microsecond=0)
    schedule_maintenance(
        ScheduleMaintenance(
            "Network maintenance in EU West",
            SWITCHES,
            scheduled_for=upcoming,
            scheduled_until=upcoming + timedelta(hours=2),
            components=[components["EU West"]],
            at=now - timedelta(hours=6),
            deliver_notifications=QUIET,
            translations=translated(SWITCHES, "Network maintenance in EU West"),
        )
    )

    began = now - timedelta(minutes=47)
    ongoing = create_incident(
        OpenIncident(
            "Increased latency in EU West",
            LATENCY,
            components={components["EU West"]: ComponentStatus.degraded_performance},
            at=began,
            deliver_notifications=QUIET,
            translations=translated(LATENCY, "Increased latency in EU West"),
        )
    )
    post_update(
        ongoing,
        _update(
            "We traced the latency to an overloaded load balancer and are adding capacity.",
            status=IncidentStatus.identified,
            at=now - timedelta(minutes=10),
            deliver_notifications=QUIET,
        ),
    )
    ongoing.update_cadence_minutes = 60  # the next update is due in 50 minutes, not at once
    # The regulator library, and the ongoing incident's clocks ticking on its board.
    demo = Actor("cli:demo")
    by_key = {r.library_key: r for r in library.load_library(actor=demo)}
    obligations.set_reportable(
        ongoing, [by_key[k].id for k in ("gdpr", "uk-ico", "nis2")], user=None, actor=demo
    )
    obligations.record_trigger(
        ongoing, "awareness", began + timedelta(minutes=10), user=None, actor=demo, now=now
    )
    # Deadlines within a day are reminded of at once; the demo's past had them sent already,
    # so a first start mails nobody about a fictional incident.
    periodic.remind(now, mail=False)
    _demo_team(ongoing, demo, now)
    _demo_playbook([by_key["mas"].id, by_key["gdpr"].id], demo, now)
    _demo_metrics(now)


# name, roles, contact points (channel, address, held in quiet hours), executive, time zone
DEMO_TEAM = [
    ("Priya Shah", ["Comms lead"], [("email", "priya@example.com", False),
        ("sms", "+447700900101", True)], False, "Europe/London"),
    ("Marcus Lee", ["Technical liaison"], [("sms", "+15555550102", False),
        ("email", "marcus@example.com", False)], False, "America/New_York"),
    ("Dana Ortiz", ["Legal adviser"], [("email", "dana@example.com", False)], False, "UTC"),
    ("Sam Whitfield", ["Executive sponsor"], [("email", "sam@example.com", False),
        ("sms", "+15555550104", True)], True, "America/New_York"),
]  # fmt: skip


def _demo_team(incident: Incident, actor: Actor, now: datetime) -> None:
    """A small crisis team roster, and messaging guidelines on the ongoing incident."""
    roster.ensure_default_roles()
    roles = {r.name: r.id for r in roster.list_roles()}
    for name, role_names, contacts, executive, zone in DEMO_TEAM:
        roster.save_member(
            None,
            name=name,
            role_ids=[roles[r] for r in role_names],
            contacts=[roster.ContactLine(c, a, q) for c, a, q in contacts],
            executive=executive,
            timezone=zone,
            quiet_start=time(22) if any(q for *_, q in contacts) else None,
            quiet_end=time(7) if any(q for *_, q in contacts) else None,
            actor=actor,
        )
    executives.save_guidelines(
        incident,
        holding_statement="We are aware of slower requests in EU West and are adding capacity.",
        approved_qa="Q: Is data affected? A: No. This is a performance issue only.",
        do_not_say="Do not name the load balancer vendor or guess at a time to resolve.",
        actor=actor,
        now=now,
    )


def _demo_playbook(regulator_ids: list[int], actor: Actor, now: datetime) -> None:
    """ "SEV1 payments": a critical incident pages the team on the bridge, sets a 30-minute
    cadence, briefs the executive and starts the MAS and GDPR clocks, by itself."""
    roles = {r.name: r.id for r in roster.list_roles()}
    playbooks.save_playbook(
        None,
        playbooks.PlaybookFields(
            name="SEV1 payments",
            impacts=("critical",),
            role_ids=tuple(roles[r] for r in ("Comms lead", "Technical liaison", "Legal adviser")),
            bridge_phone="+6531234567",
            bridge_pin="424242",
            meeting_url="https://meet.example.com/sev1-payments",
            repage_minutes=5,
            max_rounds=3,
            cadence_minutes=30,
            briefing_subject="SEV1: payments",
            briefing_body=(
                "Card payments are failing or degraded. The crisis team is on the bridge; "
                "MAS is owed a notification within the hour."
            ),
            holding_statement="We are aware some card payments are failing and are working "
            "to restore them. We will update within 30 minutes.",
            approved_qa="Q: Is customer money at risk? A: No funds have been lost.",
            do_not_say="Do not speculate on the cause, name suppliers, or promise a fix time.",
            regulator_ids=tuple(regulator_ids),
        ),
        actor=actor,
        now=now,
    )


def _demo_metrics(now: datetime) -> None:
    """A month of API response times and error rates, a point every five minutes, pushed as
    a monitoring agent would (the ongoing EU West slowdown shows in the last hour)."""
    pushed = providers.create_provider("Self")
    latency = metrics.create_metric(
        pushed, name="API response time", suffix="ms", position=0,
        tooltip_description="Median time to answer an API request, measured from three regions.",
    )  # fmt: skip
    errors = metrics.create_metric(
        pushed, name="API error rate", suffix="%", decimal_places=2, position=1
    )
    rng = random.Random(11)  # noqa: S311 - a repeatable demo month, not a secret
    end = int(now.timestamp()) // 300 * 300
    stamps = range(end - 30 * 86400, end + 1, 300)
    slow_since = end - 3600
    data.record(
        latency, [(t, round(rng.gauss(180 if t >= slow_since else 95, 8), 1)) for t in stamps]
    )
    data.record(errors, [(t, round(abs(rng.gauss(0.05, 0.02)), 3)) for t in stamps])
    store.prune(now)
