"""Every admin write by every role, plus anonymous: allowed ones succeed, the rest change nothing.

The expected matrix is written out here from the roles' definitions, not read from the admin's
URL table, so a wrong entry in the table fails this test instead of being copied by it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from io import BytesIO

import pytest
from flask import Flask
from sqlalchemy import func, select

from admin import ROUTES
from statuspage.clock import utcnow
from statuspage.crisis import notices
from statuspage.crisis.roster import ensure_default_roles
from statuspage.extensions import db
from statuspage.models import (
    AlertRule,
    ApiKey,
    AuditEvent,
    Channel,
    Component,
    ComponentGroup,
    CrisisKind,
    CrisisMessage,
    CrisisRole,
    EscalationPolicy,
    EscalationTier,
    Incident,
    IncidentDraft,
    IncidentTemplate,
    IncidentUpdate,
    InternalNote,
    Obligation,
    Organization,
    Page,
    Playbook,
    Regulator,
    RegulatorNotice,
    RegulatorNoticeState,
    RegulatorRule,
    Reportable,
    RuleBound,
    Segment,
    SocialAccount,
    StaffUser,
    SubscriberKind,
    TeamCallout,
    TeamMember,
    TriggerKind,
    Unit,
    UpdateDraft,
)
from tests import factories
from tests.admin.staff_client import Staff, signed_in
from tests.admin.world import World
from tests.factories.monitoring import alert_rule, integration

ROLES = ["owner", "comms", "responder", "legal", "viewer"]
PUBLISHERS = {"owner", "comms"}
DRAFTERS = {"owner", "comms", "responder"}
OWNER = {"owner"}
EVERYONE = set(ROLES)


def _with_x_account(url: str) -> str:
    """`url`, once an X account exists to act on (a row only: no audit entry, no page change)."""
    db.session.add(SocialAccount(network=Channel.x, label="@acme", credentials={"k": "v"}))
    return url


def _segment() -> Segment:
    """A segment to act on (a row only: no audit entry, no page change)."""
    return factories.segment("EU")


def _organization(*, token: bool = False) -> Organization:
    """An organization with a domain and a member (rows only), and a token if asked."""
    token_fields = {"api_token_hash": "0" * 64, "api_token_prefix": "hrdo_0000000"}
    return factories.organization(
        "Acme",
        segments=[_segment()],
        domains=["acme.example"],
        members=["ann@partner.example"],
        **(token_fields if token else {}),
    )


def _team_member(*, executive: bool = False) -> TeamMember:
    """A crisis team member with the default roles' first, and an email (rows only)."""
    ensure_default_roles()
    person = factories.subscriber(
        factories.contact_point("ana@acme.example", key=f"internal:ana{executive}"),
        name="Ana",
        kind=SubscriberKind.internal,
    )
    role = db.session.scalars(select(CrisisRole).where(CrisisRole.name == "Comms lead")).one()
    member = TeamMember(name="Ana", subscriber=person, roles=[role], executive=executive)
    db.session.add(member)
    db.session.flush()
    return member


def _crisis_role() -> CrisisRole:
    ensure_default_roles()
    return db.session.scalars(select(CrisisRole).where(CrisisRole.name == "Comms lead")).one()


def _team_data() -> dict:
    return {
        "roles": [str(_crisis_role().id)],
        "mode": "all",
        "bridge_phone": "+15551234567",
        "bridge_pin": "123456",
        "repage_minutes": "5",
        "max_rounds": "3",
    }


def _policy() -> EscalationPolicy:
    """An escalation policy of one tier, the comms lead for 5 minutes (rows only)."""
    policy = EscalationPolicy(
        name="SEV1", tiers=[EscalationTier(position=1, window_minutes=5, roles=[_crisis_role()])]
    )
    db.session.add(policy)
    db.session.flush()
    return policy


def _policy_form(w: World) -> dict:
    return {"name": "SEV2 payments", "tier1_roles": [str(_crisis_role().id)], "tier1_window": "5"}


MEMBER_FORM = {
    "name": "Bo",
    "contacts": "email bo@acme.example",
    "staff_user_id": "0",
    "timezone": "UTC",
}


def _paging(w: World, action: str, *, executive: bool = False) -> str:
    """An incident action's URL, once a team member (or an executive) exists to page."""
    _team_member(executive=executive)
    return f"/admin/incidents/{w.incident.id}/{action}"


def _stand_down(w: World) -> str:
    """The stand-down URL of a call-out of the team on the incident (rows only)."""
    message = CrisisMessage(
        incident_id=w.incident.id, kind=CrisisKind.team_page, subject="Team", body="Paged."
    )
    db.session.add(message)
    db.session.flush()
    callout = TeamCallout(incident_id=w.incident.id, crisis_message_id=message.id)
    db.session.add(callout)
    db.session.flush()
    return f"/admin/incidents/{w.incident.id}/team/{callout.id}/stand-down"


def _playbook(*, team: bool = False) -> Playbook:
    """A playbook chosen on incidents, paging the comms lead on a bridge (rows only); with
    `team`, someone in that role to page."""
    if team:
        _team_member()
    playbook = Playbook(
        name="SEV1 payments", auto_run=False, impacts=["critical"], roles=[_crisis_role()],
        bridge_phone="+15551234567", cadence_minutes=15,
    )  # fmt: skip
    db.session.add(playbook)
    db.session.flush()
    return playbook


PLAYBOOK_FORM = {
    "name": "SEV2 cards",
    "auto_run": "y",
    "impacts": ["major"],
    "mode": "all",
    "meeting_url": "https://meet.example.com/sev2",
    "repage_minutes": "5",
    "max_rounds": "3",
}


def _later(hours: int) -> str:
    return (utcnow() + timedelta(days=2, hours=hours)).strftime("%Y-%m-%dT%H:%M")


REGISTRARS = {"owner", "legal"}  # manage_regulators
REPORTERS = {"owner", "comms", "legal"}  # notify_regulators
APPROVERS = {"owner", "legal"}  # approve


def _earlier(hours: int) -> str:
    return (utcnow() - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def _regulator() -> Regulator:
    """A regulator with one rule and a reachable contact point (rows only: no audit entry)."""
    regulator = Regulator(name="Data Authority", timezone="UTC")
    regulator.rules.append(
        RegulatorRule(
            stage="initial",
            bounds=[RuleBound(trigger=TriggerKind.awareness, amount=72, unit=Unit.hours)],
        )
    )
    holder = notices.internal_subscriber("Regulator: Data Authority")
    notices.set_contacts(holder, [("email", "reg@regulator.example")])
    regulator.subscriber_id = holder.id
    db.session.add(regulator)
    db.session.flush()
    return regulator


def _obligation(w: World) -> Obligation:
    regulator = _regulator()
    db.session.add(Reportable(incident_id=w.incident.id, regulator_id=regulator.id))
    obligation = Obligation(incident_id=w.incident.id, rule_id=regulator.rules[0].id)
    db.session.add(obligation)
    db.session.flush()
    return obligation


def _regulator_notice(w: World, *, approved: bool = False) -> RegulatorNotice:
    notice = RegulatorNotice(
        incident_id=w.incident.id, subject="Notice", body="Body", obligations=[_obligation(w)]
    )
    if approved:
        notice.state = RegulatorNoticeState.approved
    db.session.add(notice)
    db.session.flush()
    return notice


def _last_notice_id() -> int:
    return db.session.scalar(select(func.max(RegulatorNotice.id)))


def _last_obligation_id() -> int:
    return db.session.scalar(select(func.max(Obligation.id)))


def _second_rule(w: World) -> AlertRule:
    """The second of two alert rules (rows only), so it can move up."""
    alert_rule(w.api)
    return alert_rule(w.web)


@dataclass(frozen=True)
class Case:
    url: Callable[[World], str]
    data: Callable[[World], dict]
    allowed: set[str]
    changes: bool = True  # whether an allowed POST changes the database
    ok_status: int = 302


def _incident_draft(world: World) -> int:
    """An incident automation drafted for the API (a row only: no audit entry of its own)."""
    draft = IncidentDraft(
        page_id=world.api.page_id, title="API is down", body="Requests fail.",
        components={world.api.id: "major_outage"},
    )  # fmt: skip
    db.session.add(draft)
    db.session.commit()
    return draft.id


CASES: dict[str, Case] = {
    "logout": Case(lambda w: "/admin/logout", lambda w: {}, EVERYONE, changes=False),
    # every role sets its own zone and language (audited: the state's audit count moves)
    "profile": Case(
        lambda w: "/admin/profile", lambda w: {"time_zone": "Europe/Berlin", "language": "de"},
        EVERYONE,
    ),
    "preview": Case(
        lambda w: "/admin/preview", lambda w: {"body": "**hi**"}, DRAFTERS, False, 200
    ),
    "incident_new": Case(
        lambda w: "/admin/incidents/new",
        lambda w: {"name": "New", "status": "investigating", "body": "Looking.", "notify": "y"},
        PUBLISHERS,
    ),
    "incident_update": Case(
        lambda w: f"/admin/incidents/{w.incident.id}/updates",
        lambda w: {"status": "identified", "body": "Ok", f"component-{w.web.id}": "major_outage"},
        PUBLISHERS,
    ),
    "incident_resolve": Case(
        lambda w: f"/admin/incidents/{w.incident.id}/resolve",
        lambda w: {"body": "Fixed.", "restore": "y"},
        PUBLISHERS,
    ),
    "incident_edit": Case(
        lambda w: f"/admin/incidents/{w.incident.id}/edit",
        lambda w: {"name": "Slow API (EU)", "impact": "major"},
        PUBLISHERS,
    ),
    "incident_translations": Case(
        lambda w: f"/admin/incidents/{w.incident.id}/translations",
        lambda w: {"translation-de-body": "Die API ist langsam."},
        PUBLISHERS,
    ),
    "incident_postmortem": Case(
        lambda w: f"/admin/incidents/{w.resolved.id}/postmortem",
        lambda w: {"body": "## What happened\n\nA disk filled up."},
        PUBLISHERS,
    ),
    "incident_delete": Case(
        lambda w: f"/admin/incidents/{w.incident.id}/delete", lambda w: {}, PUBLISHERS
    ),
    "maintenance_new": Case(
        lambda w: "/admin/maintenance/new",
        lambda w: {
            "name": "DB upgrade",
            "body": "Read-only for a while.",
            "scheduled_for": _later(0),
            "scheduled_until": _later(2),
            "components": [w.api.id],
            "auto_start": "y",
        },
        PUBLISHERS,
    ),
    "template_new": Case(
        lambda w: "/admin/templates/new",
        lambda w: {"name": "DNS", "title": "DNS", "body": "Hm.", "update_status": "investigating"},
        PUBLISHERS,
    ),
    "template_edit": Case(
        lambda w: f"/admin/templates/{w.template.id}/edit",
        lambda w: {"name": "API", "title": "Down", "body": "Yes.", "update_status": "identified"},
        PUBLISHERS,
    ),
    "template_delete": Case(
        lambda w: f"/admin/templates/{w.template.id}/delete", lambda w: {}, PUBLISHERS
    ),
    "component_new": Case(
        lambda w: "/admin/components/new",
        lambda w: {"name": "Search", "group_id": w.core.id, "status": "operational"},
        PUBLISHERS,
    ),
    "component_edit": Case(
        lambda w: f"/admin/components/{w.api.id}/edit",
        lambda w: {"name": "Public API", "group_id": w.core.id, "status": "partial_outage"},
        PUBLISHERS,
    ),
    "component_status": Case(
        lambda w: f"/admin/components/{w.billing.id}/status",
        lambda w: {"status": "major_outage"},
        PUBLISHERS,
    ),
    "component_move": Case(
        lambda w: f"/admin/components/{w.api.id}/move", lambda w: {"direction": "down"}, PUBLISHERS
    ),
    "component_delete": Case(
        lambda w: f"/admin/components/{w.billing.id}/delete", lambda w: {}, PUBLISHERS
    ),
    "group_new": Case(lambda w: "/admin/groups/new", lambda w: {"name": "Regions"}, PUBLISHERS),
    "group_edit": Case(
        lambda w: f"/admin/groups/{w.core.id}/edit", lambda w: {"name": "Core services"}, PUBLISHERS
    ),
    "group_move": Case(
        lambda w: f"/admin/groups/{w.edge.id}/move", lambda w: {"direction": "up"}, PUBLISHERS
    ),
    "group_delete": Case(lambda w: f"/admin/groups/{w.edge.id}/delete", lambda w: {}, PUBLISHERS),
    "settings": Case(
        lambda w: "/admin/settings",
        lambda w: {"name": "Acme", "time_zone": "Europe/Paris", "brand_color": "#123456"},
        OWNER,
    ),
    "api_key_new": Case(
        lambda w: "/admin/api-keys/new", lambda w: {"name": "ci", "role": "comms"}, OWNER, True, 200
    ),
    "api_key_revoke": Case(
        lambda w: f"/admin/api-keys/{w.api_key.id}/revoke", lambda w: {}, OWNER
    ),
    "staff_new": Case(
        lambda w: "/admin/staff/new",
        lambda w: {"email": "new@example.com", "role": "viewer"},
        OWNER,
        True,
        200,
    ),
    "subscribers_import": Case(
        lambda w: "/admin/subscribers/import",
        lambda w: {"file": (BytesIO(b"new@example.com,New\n"), "people.csv"), "confirm": "Import"},
        PUBLISHERS,
        True,
        200,
    ),
    # a webhook (a literal public address: nothing is posted, its secret is shown once)
    "subscriber_endpoint": Case(
        lambda w: f"/admin/subscribers/{w.subscriber.id}/endpoints",
        lambda w: {"channel": "webhook", "url": "https://93.184.215.14/hook"},
        PUBLISHERS,
        True,
        200,
    ),
    # drafts and internal notes: responders write them, publishers publish or discard drafts
    "incident_draft": Case(
        lambda w: f"/admin/incidents/{w.incident.id}/drafts",
        lambda w: {
            "status": "identified",
            "body": "Cause found.",
            f"component-{w.api.id}": "partial_outage",
        },
        DRAFTERS,
    ),
    "incident_note": Case(
        lambda w: f"/admin/incidents/{w.incident.id}/notes",
        lambda w: {"body": "Paged the DBA."},
        DRAFTERS,
    ),
    "incident_draft_publish": Case(
        lambda w: f"/admin/incidents/{w.incident.id}/drafts/{w.draft.id}/publish",
        lambda w: {"body": "Web is slow too; we are on it.", "notify": "y"},
        PUBLISHERS,
    ),
    "incident_draft_discard": Case(
        lambda w: f"/admin/incidents/{w.incident.id}/drafts/{w.draft.id}/discard",
        lambda w: {},
        PUBLISHERS,
    ),
    # incidents automation drafted (monitoring.drafts): a publisher's to publish or discard
    "incident_draft_review_publish": Case(
        lambda w: f"/admin/incident-drafts/{_incident_draft(w)}/publish",
        lambda w: {"title": "API down", "body": "Errors.", "status": "investigating"},
        PUBLISHERS,
    ),
    "incident_draft_review_discard": Case(
        lambda w: f"/admin/incident-drafts/{_incident_draft(w)}/discard", lambda w: {}, PUBLISHERS
    ),
    "staff_deactivate": Case(
        lambda w: f"/admin/staff/{w.colleague.id}/deactivate", lambda w: {}, OWNER
    ),
    # the page's social accounts; a test post without an account is refused on the page
    "social_save": Case(
        lambda w: "/admin/social/mastodon",
        lambda w: {"base_url": "https://mastodon.example", "access_token": "token-0123456789"},
        OWNER,
    ),
    "social_test": Case(lambda w: "/admin/social/x/test", lambda w: {}, OWNER, False, 422),
    "social_remove": Case(lambda w: _with_x_account("/admin/social/x/remove"), lambda w: {}, OWNER),
    # segments and organizations: who reads private notices is an owner's decision
    "segment_new": Case(lambda w: "/admin/segments/new", lambda w: {"name": "APAC"}, OWNER),
    "segment_edit": Case(
        lambda w: f"/admin/segments/{_segment().id}/edit", lambda w: {"name": "Europe"}, OWNER
    ),
    "segment_delete": Case(
        lambda w: f"/admin/segments/{_segment().id}/delete", lambda w: {}, OWNER
    ),
    "organization_new": Case(
        lambda w: "/admin/organizations/new", lambda w: {"name": "Initech"}, OWNER
    ),
    "organization_edit": Case(
        lambda w: f"/admin/organizations/{_organization().id}/edit",
        lambda w: {"name": "Acme Corp"},
        OWNER,
    ),
    "organization_domain_add": Case(
        lambda w: f"/admin/organizations/{_organization().id}/domains",
        lambda w: {"domain": "acme.io"},
        OWNER,
    ),
    "organization_domain_remove": Case(
        lambda w: (lambda o: f"/admin/organizations/{o.id}/domains/{o.domains[0].id}/remove")(
            _organization()
        ),
        lambda w: {},
        OWNER,
    ),
    "organization_member_add": Case(
        lambda w: f"/admin/organizations/{_organization().id}/members",
        lambda w: {"email": "bob@partner.example"},
        OWNER,
    ),
    "organization_member_remove": Case(
        lambda w: (lambda o: f"/admin/organizations/{o.id}/members/{o.members[0].id}/remove")(
            _organization()
        ),
        lambda w: {},
        OWNER,
    ),
    "organization_token": Case(
        lambda w: f"/admin/organizations/{_organization().id}/token", lambda w: {}, OWNER, True, 200
    ),
    "organization_token_revoke": Case(
        lambda w: f"/admin/organizations/{_organization(token=True).id}/token/revoke",
        lambda w: {},
        OWNER,
    ),
    "organization_delete": Case(
        lambda w: f"/admin/organizations/{_organization().id}/delete", lambda w: {}, OWNER
    ),
    # update cadence: an incident's (publishers), the one-click update, the page's (owners)
    "incident_cadence": Case(
        lambda w: f"/admin/incidents/{w.incident.id}/cadence",
        lambda w: {"minutes": "15"},
        PUBLISHERS,
    ),
    "incident_no_news": Case(
        lambda w: f"/admin/incidents/{w.incident.id}/no-news", lambda w: {}, PUBLISHERS
    ),
    "settings_cadence": Case(
        lambda w: "/admin/settings/cadence",
        lambda w: {"minutes": "45", "public_next_update": "y"},
        OWNER,
    ),
    # metrics: their sources and the charts the page shows (owners)
    "metrics_provider_new": Case(
        lambda w: "/admin/metrics/sources/new",
        lambda w: {"type": "Prometheus", "metric_base_uri": "http://prometheus:9090"},
        OWNER,
    ),
    "metrics_provider_edit": Case(
        lambda w: f"/admin/metrics/sources/{w.metric.metrics_provider_id}/edit",
        lambda w: {"type": "Self", "disabled": "y"},
        OWNER,
    ),
    "metrics_provider_delete": Case(
        lambda w: f"/admin/metrics/sources/{w.metric.metrics_provider_id}/delete", lambda w: {},
        OWNER,
    ),
    "metric_new": Case(
        lambda w: "/admin/metrics/new",
        lambda w: {"metrics_provider_id": w.metric.metrics_provider_id, "name": "Errors",
                   "decimal_places": "0", "display": "y"},
        OWNER,
    ),
    "metric_edit": Case(
        lambda w: f"/admin/metrics/{w.metric.id}/edit",
        lambda w: {"metrics_provider_id": w.metric.metrics_provider_id, "name": "Latency p95",
                   "decimal_places": "1"},
        OWNER,
    ),
    "metric_delete": Case(lambda w: f"/admin/metrics/{w.metric.id}/delete", lambda w: {}, OWNER),
    # the crisis team: the roster (owners, comms) and, on an incident, paging and briefing
    "team_role_add": Case(lambda w: "/admin/team/roles", lambda w: {"name": "Scribe"}, PUBLISHERS),
    "team_role_delete": Case(
        lambda w: f"/admin/team/roles/{_crisis_role().id}/delete", lambda w: {}, PUBLISHERS
    ),
    "team_member_new": Case(lambda w: "/admin/team/members/new", lambda w: MEMBER_FORM, PUBLISHERS),
    "team_member_edit": Case(
        lambda w: f"/admin/team/members/{_team_member().id}", lambda w: MEMBER_FORM, PUBLISHERS
    ),
    "team_member_delete": Case(
        lambda w: f"/admin/team/members/{_team_member().id}/delete", lambda w: {}, PUBLISHERS
    ),
    # escalation policies (owners, comms: they decide who the team's tiers page)
    "team_policy_new": Case(lambda w: "/admin/team/policies/new", _policy_form, PUBLISHERS),
    "team_policy_edit": Case(
        lambda w: f"/admin/team/policies/{_policy().id}", _policy_form, PUBLISHERS
    ),
    "team_policy_delete": Case(
        lambda w: f"/admin/team/policies/{_policy().id}/delete", lambda w: {}, PUBLISHERS
    ),
    "incident_team": Case(
        lambda w: _paging(w, "team"),
        lambda w: _team_data(),
        DRAFTERS,
    ),
    "incident_team_stand_down": Case(_stand_down, lambda w: {}, DRAFTERS),
    "incident_guidelines": Case(
        lambda w: f"/admin/incidents/{w.incident.id}/guidelines",
        lambda w: {"holding_statement": "We are looking into it."},
        PUBLISHERS,
    ),
    "incident_briefing": Case(
        lambda w: _paging(w, "briefings", executive=True),
        lambda w: {"subject": "First hour", "body": "Contained.", "ack_minutes": "30"},
        PUBLISHERS,
    ),
    # playbooks: owners write them; publishers run one on an incident
    "playbook_new": Case(lambda w: "/admin/playbooks/new", lambda w: PLAYBOOK_FORM, OWNER),
    "playbook_edit": Case(
        lambda w: f"/admin/playbooks/{_playbook().id}/edit", lambda w: PLAYBOOK_FORM, OWNER
    ),
    "playbook_delete": Case(
        lambda w: f"/admin/playbooks/{_playbook().id}/delete", lambda w: {}, OWNER
    ),
    "incident_playbook_run": Case(
        lambda w: f"/admin/incidents/{w.incident.id}/playbooks",
        lambda w: {"playbook_id": str(_playbook(team=True).id)},
        PUBLISHERS,
    ),
    # regulators: the registry (owners, legal); an incident's obligations and notices
    "regulator_new": Case(
        lambda w: "/admin/regulators/new", lambda w: {"name": "New", "timezone": "UTC"}, REGISTRARS
    ),
    "regulator_library": Case(
        lambda w: "/admin/regulators/library", lambda w: {"key": "gdpr"}, REGISTRARS
    ),
    "regulator_edit": Case(
        lambda w: f"/admin/regulators/{_regulator().id}/edit",
        lambda w: {"name": "Renamed", "timezone": "UTC"},
        REGISTRARS,
    ),
    "regulator_contacts": Case(
        lambda w: f"/admin/regulators/{_regulator().id}/contacts",
        lambda w: {"contacts": "email reg@regulator.example"},
        REGISTRARS,
    ),
    "regulator_rule_add": Case(
        lambda w: f"/admin/regulators/{_regulator().id}/rules",
        lambda w: {"stage": "final", "trigger": "awareness", "amount": "5", "unit": "days",
                   "trigger2": "", "unit2": "hours"},
        REGISTRARS,
    ),
    "regulator_rule_delete": Case(
        lambda w: f"/admin/regulators/{(r := _regulator()).id}/rules/{r.rules[0].id}/delete",
        lambda w: {},
        REGISTRARS,
    ),
    "regulator_delete": Case(
        lambda w: f"/admin/regulators/{_regulator().id}/delete", lambda w: {}, REGISTRARS
    ),
    "regulator_mail": Case(
        lambda w: f"/admin/regulators/{_regulator().id}/mail",
        lambda w: {"sender_name": "Example Bank", "reply_to": "compliance@bank.example",
                   "cc": "legal@bank.example"},
        REGISTRARS,
    ),
    "regulator_mail_defaults": Case(
        lambda w: "/admin/regulators/mail",
        lambda w: {"sender_name": "Example Bank", "reply_to": "compliance@bank.example",
                   "cc": ""},
        REGISTRARS,
    ),
    "incident_regulators_trigger": Case(
        lambda w: f"/admin/incidents/{w.incident.id}/regulators/triggers",
        lambda w: {"kind": "awareness", "occurred_at": _earlier(2)},
        REPORTERS,
    ),
    "incident_regulators_affected": Case(
        lambda w: f"/admin/incidents/{w.incident.id}/regulators/affected",
        lambda w: {"affected_customers": "1200", "affected_records": ""},
        REPORTERS,
    ),
    "incident_regulators_reportable": Case(
        lambda w: f"/admin/incidents/{w.incident.id}/regulators/reportable",
        lambda w: {"regulator_ids": str(_regulator().id)},
        REPORTERS,
    ),
    "incident_regulators_compose": Case(
        lambda w: f"/admin/incidents/{w.incident.id}/regulators/notices",
        lambda w: {"obligation_ids": str(_obligation(w).id)},
        REPORTERS,
    ),
    "regulator_notice_edit": Case(
        lambda w: f"/admin/regulator-notices/{_regulator_notice(w).id}/edit",
        lambda w: {f"notice-{_last_notice_id()}-subject": "S",
                   f"notice-{_last_notice_id()}-body": "B"},
        REPORTERS,
    ),
    "regulator_notice_refresh": Case(
        lambda w: f"/admin/regulator-notices/{_regulator_notice(w).id}/refresh",
        lambda w: {},
        REPORTERS,
    ),
    "regulator_notice_approve": Case(
        lambda w: f"/admin/regulator-notices/{_regulator_notice(w).id}/approve",
        lambda w: {},
        APPROVERS,
    ),
    "regulator_notice_send": Case(
        lambda w: f"/admin/regulator-notices/{_regulator_notice(w, approved=True).id}/send",
        lambda w: {f"send-{_last_notice_id()}-ack_minutes": "60"},
        REPORTERS,
    ),
    "obligation_portal": Case(
        lambda w: f"/admin/obligations/{_obligation(w).id}/portal",
        lambda w: {f"portal-{_last_obligation_id()}-reference": "REF-1",
                   f"portal-{_last_obligation_id()}-submitted_at": _earlier(1)},
        REPORTERS,
    ),
    # monitoring (owners): integrations (a new one's secret is shown on the POST's own page),
    # alert rules, each component's automation
    "monitoring_integration_new": Case(
        lambda w: "/admin/monitoring/integrations/new",
        lambda w: {"kind": "alertmanager", "name": "Prod"},
        OWNER, True, 200,
    ),
    "monitoring_integration_edit": Case(
        lambda w: f"/admin/monitoring/integrations/{integration()[0].id}/edit",
        lambda w: {"name": "Renamed"},
        OWNER,
    ),
    "monitoring_integration_rotate": Case(
        lambda w: f"/admin/monitoring/integrations/{integration()[0].id}/rotate",
        lambda w: {}, OWNER, True, 200,
    ),
    "monitoring_integration_delete": Case(
        lambda w: f"/admin/monitoring/integrations/{integration()[0].id}/delete",
        lambda w: {}, OWNER,
    ),
    "monitoring_rule_new": Case(
        lambda w: "/admin/monitoring/rules/new",
        lambda w: {"name": "API", "matchers": 'service="api"', "component_id": w.api.id,
                   "component_status": "major_outage", "integration_id": ""},
        OWNER,
    ),
    "monitoring_rule_edit": Case(
        lambda w: f"/admin/monitoring/rules/{alert_rule(w.api).id}/edit",
        lambda w: {"name": "Web", "matchers": 'service="web"', "component_id": w.web.id,
                   "component_status": "partial_outage", "integration_id": ""},
        OWNER,
    ),
    "monitoring_rule_move": Case(
        lambda w: f"/admin/monitoring/rules/{_second_rule(w).id}/move",
        lambda w: {"direction": "up"},
        OWNER,
    ),
    "monitoring_rule_delete": Case(
        lambda w: f"/admin/monitoring/rules/{alert_rule(w.api).id}/delete",
        lambda w: {}, OWNER,
    ),
    "monitoring_automation": Case(
        lambda w: f"/admin/monitoring/components/{w.api.id}/automation",
        lambda w: {"mode": "status_and_draft", "hold_seconds": "120"},
        OWNER,
    ),
}  # fmt: skip


def state() -> tuple:
    """Everything a write could touch, counted: equal before and after means nothing changed."""

    def count(model, *where) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(*where))

    db.session.commit()  # end the test's transaction: read what the requests committed
    page = db.session.scalars(select(Page)).one()
    return (
        count(AuditEvent),
        count(Incident),
        count(IncidentUpdate),
        count(Component),
        count(ComponentGroup),
        count(IncidentTemplate),
        count(ApiKey),
        count(ApiKey, ApiKey.revoked_at.is_(None)),
        count(StaffUser),
        count(StaffUser, StaffUser.active.is_(True)),
        count(UpdateDraft),
        count(UpdateDraft, UpdateDraft.published_at.is_(None), UpdateDraft.discarded_at.is_(None)),
        count(InternalNote),
        page.version,
        page.name,
        page.time_zone,
    )


def test_every_admin_write_is_in_the_matrix():
    writes = {route.endpoint for route in ROUTES if route.write}
    assert writes == set(CASES)


MATRIX = [(endpoint, role) for endpoint in CASES for role in [*ROLES, None]]


@pytest.mark.parametrize(
    ("endpoint", "role"), MATRIX, ids=[f"{e}-{r or 'anonymous'}" for e, r in MATRIX]
)
def test_role_matrix(app: Flask, world: World, endpoint: str, role: str | None):
    case = CASES[endpoint]
    staff = signed_in(app, role) if role else Staff(app.test_client())
    token = staff.token("/admin/" if role else "/admin/login")
    before = state()

    response = staff.post(case.url(world), {"csrf_token": token, **case.data(world)})

    after = state()
    if role is None:
        assert response.status_code == 302
        assert response.location.startswith("/admin/login")
        assert after == before
    elif role in case.allowed:
        assert response.status_code == case.ok_status, response.get_data(as_text=True)[:2000]
        if case.changes:
            assert after != before
            assert after[0] > before[0], "an allowed write leaves an audit entry"
        else:
            assert after == before
    else:
        assert response.status_code == 403
        assert after == before  # forbidden: no row, no audit entry, no page version


@pytest.mark.parametrize("endpoint", sorted(CASES))
def test_a_post_without_csrf_token_is_refused_and_changes_nothing(
    app: Flask, world: World, endpoint: str
):
    case = CASES[endpoint]
    staff = signed_in(app, "owner")
    before = state()
    response = staff.post(case.url(world), case.data(world))
    assert response.status_code == 400
    assert state() == before
    assert staff.get("/admin/").status_code == 200  # still signed in: only the form failed


def test_a_post_with_a_token_from_another_session_is_refused(app: Flask, world: World):
    mallory = signed_in(app, "viewer")
    stolen = mallory.token("/admin/")
    owner = signed_in(app, "owner")
    before = state()
    response = owner.post("/admin/groups/new", {"csrf_token": stolen, "name": "Forged"})
    assert response.status_code == 400
    assert state() == before


def test_a_responder_sees_the_composer_but_cannot_publish(app: Flask, world: World):
    responder = signed_in(app, "responder")
    page = responder.get("/admin/incidents/new").get_data(as_text=True)
    assert "Publish incident" not in page
    assert "can read this but not publish" in page
    assert '<fieldset class="bare" disabled>' in page
    incident_page = responder.get(f"/admin/incidents/{world.incident.id}").get_data(as_text=True)
    assert "Post update" not in incident_page
    assert "Resolve incident" not in incident_page


@pytest.mark.parametrize(
    ("role", "visible", "hidden"),
    [
        ("owner", ["Settings", "API keys", "Staff", "Audit"], []),
        ("comms", ["Audit"], ["Settings", "API keys", ">Staff<"]),
        ("legal", ["Audit"], ["Settings", "API keys", ">Staff<", "New incident"]),
        ("viewer", [], ["Audit", "Settings", "New incident", "New component"]),
    ],
)
def test_the_navigation_offers_only_what_the_role_may_do(app, world, role, visible, hidden):
    staff = signed_in(app, role)
    html = staff.get("/admin/").get_data(as_text=True) + staff.get("/admin/components").get_data(
        as_text=True
    )
    for label in visible:
        assert label in html, label
    for label in hidden:
        assert label not in html, label


@pytest.mark.parametrize(
    ("role", "url", "status"),
    [
        ("viewer", "/admin/settings", 403),
        ("comms", "/admin/settings", 403),
        ("comms", "/admin/api-keys", 403),
        ("comms", "/admin/staff", 403),
        ("viewer", "/admin/audit", 403),
        ("responder", "/admin/audit/export.csv", 403),
        ("legal", "/admin/audit", 200),
        ("legal", "/admin/audit/export.json", 200),
        ("viewer", "/admin/incidents/new", 403),
        ("responder", "/admin/incidents/new", 200),
        ("viewer", "/admin/components/new", 403),
    ],
)
def test_reading_an_owner_or_auditor_screen_needs_the_role(app, world, role, url, status):
    assert signed_in(app, role).get(url).status_code == status
