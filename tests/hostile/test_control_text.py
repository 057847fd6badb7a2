"""Control characters through every text field of every entry point, then out through every
public surface, the static export and every channel.

The corpus is tests/hostile/control_corpus.py; the rule is statuspage.core.validation's
`storable` (NUL, C0 but tab/LF/CR, DEL and C1 refused everywhere; line breaks refused in
one-line text too; bidi controls, BOM and tab kept). Each entry point answers every sample
with a clear 4xx or takes it, as the rule says, never with a 500 or a traceback; then whatever
was taken is read back from every public surface (no 500, feeds that parse), exported with
`flask export`, and delivered by email (a real SMTP server: no header injected), webhook and
web push until every delivery is sent or failed.

Each test builds one world and walks its whole table in a loop, collecting what went wrong:
a test per field and sample would build the world hundreds of times.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import feedparser
import pytest
from flask import Flask
from sqlalchemy import String, Text, select
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from statuspage.clock import utcnow
from statuspage.extensions import db, limiter
from statuspage.models import (
    Channel,
    Component,
    ComponentGroup,
    ContactPoint,
    CrisisRole,
    Delivery,
    DeliveryState,
    Incident,
    Obligation,
    Regulator,
    RegulatorNotice,
    Role,
)
from statuspage.public.export import export_site
from statuspage.social import accounts
from statuspage.staff.accounts import create_api_key
from statuspage.subscribers.subscriptions import links_for
from statuspage.vapid import vapid_keys
from tests.admin.staff_client import Staff, csrf_from, signed_in
from tests.admin.world import World
from tests.factories import contact_point, subscriber, webhook_subscriber
from tests.factories.monitoring import integration
from tests.fakes.push_service import Browser as PushBrowser
from tests.fakes.push_service import PushService
from tests.fakes.receiver import Receiver
from tests.fakes.smtp import SmtpServer
from tests.fakes.social import MASTODON_TOKEN
from tests.fakes.twilio import MESSAGES_URL, accept, configured
from tests.hostile.control_corpus import (
    COMPACT,
    FULL,
    KEPT,
    LONE_SURROGATE,
    LONG,
    Sample,
)
from tests.hostile.url_map import served, url_for_rule
from tests.queue import drain

BASE = "http://status.example.test"
# What the rule refuses everywhere: no row of any table may hold one after any entry point.
NEVER_STORED = frozenset(
    chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0))
)


def _later(hours: int) -> str:
    return (utcnow() + timedelta(days=2, hours=hours)).strftime("%Y-%m-%dT%H:%M")


@dataclass
class Problems:
    found: list[str] = field(default_factory=list)

    def check(self, what: str, response: TestResponse, *, refused: bool | None) -> None:
        """`refused`: True (a 4xx), False (taken), None (either, so long as no 500)."""
        status, body = response.status_code, response.get_data(as_text=True)
        if status >= 500 or "Traceback" in body:
            self.found.append(f"{what}: {status} {body[:200]!r}")
        elif refused is True and not 400 <= status < 500:
            self.found.append(f"{what}: taken ({status}), should be refused")
        elif refused is False and (
            status >= 400 or 'class="error"' in body or "alert-error" in body
        ):
            errors = re.findall(r'(?:class="error"|role="alert")[^>]*>\s*(?:<p>)?([^<]+)', body)
            self.found.append(
                f"{what}: refused ({status}), should be taken: {errors or body[:300]}"
            )


def _unclean_rows() -> list[str]:
    """Every text cell of every table holding a character the rule refuses everywhere."""
    found = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text)]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)):
            for column, value in zip(columns, row, strict=True):
                if isinstance(value, str) and NEVER_STORED & set(value):
                    found.append(f"{table.name}.{column.name}: {value[:80]!r}")
    return found


# --- the admin's forms -----------------------------------------------------------------------

ONE, MULTI, NONE = "one line", "multi-line", "no sample fits"  # what a field takes


@dataclass(frozen=True)
class AdminForm:
    """A form: where it posts, the rest of a valid submission ({n} makes names unique), and
    its text fields with what each takes; `shapes` gives a field whose value has a shape of
    its own (a footer link's "label | URL") the line the sample is put in."""

    url: str
    base: dict[str, Any]
    fields: dict[str, str]
    shapes: dict[str, str] = field(default_factory=dict)


def _admin_forms(world: World) -> list[AdminForm]:
    incident = f"/admin/incidents/{world.incident.id}"
    regulator = db.session.scalars(select(Regulator)).first()
    role = db.session.scalars(select(CrisisRole.id)).first()
    notice = db.session.scalars(select(RegulatorNotice.id)).first()
    forms = [
        AdminForm(
            "/admin/incidents/new",
            {"name": "Down {n}", "status": "investigating", "body": "Looking.",
             "audience": "public", "notify": ""},
            {"name": ONE, "body": MULTI, "social_text": MULTI},
        ),
        AdminForm(
            f"{incident}/updates",
            {"status": "identified", "body": "Found it.", "notify": ""},
            {"body": MULTI, "social_text": MULTI},
        ),
        AdminForm(f"{incident}/edit", {"name": "Slow API", "impact": "minor"}, {"name": ONE}),
        AdminForm(f"{incident}/drafts", {"status": "monitoring", "body": "Draft."},
                  {"body": MULTI}),
        AdminForm(f"{incident}/notes", {"body": "Note."}, {"body": MULTI}),
        AdminForm(f"/admin/incidents/{world.resolved.id}/postmortem", {"body": "Why."},
                  {"body": MULTI}),
        AdminForm(
            f"{incident}/guidelines",
            {"holding_statement": "Hold.", "approved_qa": "Q.", "do_not_say": "No."},
            {"holding_statement": MULTI, "approved_qa": MULTI, "do_not_say": MULTI},
        ),
        AdminForm(
            "/admin/maintenance/new",
            {"name": "Swap {n}", "body": "Blips.", "scheduled_for": _later(0),
             "scheduled_until": _later(2), "components": [world.api.id], "audience": "public",
             "notify": ""},
            {"name": ONE, "body": MULTI},
        ),
        AdminForm(
            "/admin/templates/new",
            {"name": "Tpl {n}", "title": "Down", "body": "We know.",
             "update_status": "investigating"},
            {"name": ONE, "title": ONE, "body": MULTI},
        ),
        AdminForm(
            "/admin/components/new",
            {"name": "Comp {n}", "group_id": world.core.id, "status": "operational",
             "visibility": "public"},
            {"name": ONE, "description": MULTI},
        ),
        AdminForm(
            f"/admin/components/{world.billing.id}/edit",
            {"name": "Billing", "group_id": "", "status": "operational", "visibility": "public"},
            {"name": ONE, "description": MULTI},
        ),
        AdminForm("/admin/groups/new", {"name": "Group {n}"}, {"name": ONE, "description": MULTI}),
        AdminForm(f"/admin/groups/{world.edge.id}/edit", {"name": "Edge"},
                  {"name": ONE, "description": MULTI}),
        AdminForm("/admin/segments/new", {"name": "Seg {n}"},
                  {"name": ONE, "kind": ONE, "description": MULTI}),
        AdminForm("/admin/organizations/new", {"name": "Org {n}"}, {"name": ONE}),
        AdminForm(f"/admin/organizations/{world.organization.id}/members", {"email": "x@y.example"},
                  {"email": NONE}),
        AdminForm(f"/admin/organizations/{world.organization.id}/domains",
                  {"domain": "z.example"}, {"domain": NONE}),
        AdminForm("/admin/api-keys/new", {"name": "Key {n}", "role": "viewer"}, {"name": ONE}),
        AdminForm("/admin/staff/new", {"name": "Staff", "email": "staff{n}@example.com",
                                       "role": "viewer"}, {"name": ONE}),
        AdminForm(
            "/admin/settings",
            {"name": "Acme Status", "time_zone": "Etc/UTC", "brand_color": "#123456"},
            {"name": ONE, "description": MULTI, "footer_links": ONE},
            {"footer_links": "{sample} | https://acme.example/help"},
        ),
        AdminForm(
            f"{incident}/team",
            {"roles": [role], "mode": "all", "repage_minutes": "30", "max_rounds": "2",
             "meeting_url": "https://meet.example.com/bridge"},
            {"note": MULTI, "bridge_pin": NONE, "meeting_url": NONE},
        ),
        AdminForm(f"/admin/subscribers/{world.subscriber.id}/endpoints",
                  {"channel": "webhook", "url": "https://93.184.215.14/h{n}"},
                  {"url": NONE, "notify_email": NONE}),
        AdminForm("/admin/team/roles", {"name": "Role {n}"}, {"name": ONE}),
        AdminForm(
            "/admin/team/members/new",
            {"name": "Member {n}", "contacts": "email m{n}@example.com", "staff_user_id": "0",
             "timezone": "UTC"},
            {"name": ONE, "timezone": NONE},
        ),
        AdminForm(
            "/admin/regulators/new",
            {"name": "Reg {n}", "timezone": "UTC"},
            {"name": ONE, "jurisdiction": ONE, "source_note": MULTI},
        ),
        AdminForm(
            f"{incident}/briefings",
            {"subject": "Brief", "body": "Read.", "ack_minutes": "60"},
            {"subject": ONE, "body": MULTI},
        ),
        # monitoring: no sample is a matcher or a number of seconds
        AdminForm("/admin/monitoring/integrations/new", {"kind": "generic", "name": "Int {n}"},
                  {"name": ONE}),
        AdminForm(f"/admin/monitoring/integrations/{integration()[0].id}/edit", {"name": "Cron"},
                  {"name": ONE}),
        AdminForm(
            "/admin/monitoring/rules/new",
            {"name": "Rule {n}", "matchers": 'service="api"', "component_id": world.api.id,
             "component_status": "major_outage", "integration_id": ""},
            {"name": ONE, "matchers": NONE},
        ),
        AdminForm(f"/admin/monitoring/components/{world.api.id}/automation",
                  {"mode": "status", "hold_seconds": "60"}, {"hold_seconds": NONE}),
        AdminForm(
            "/admin/playbooks/new",
            {"name": "Playbook {n}", "mode": "all", "meeting_url": "https://meet.example.com/x",
             "repage_minutes": "5", "max_rounds": "3"},
            {"name": ONE, "page_note": MULTI, "briefing_subject": ONE, "briefing_body": MULTI,
             "holding_statement": MULTI, "approved_qa": MULTI, "do_not_say": MULTI},
        ),
        AdminForm("/admin/metrics/sources/new", {"type": "Prometheus"}, {"metric_base_uri": NONE}),
        AdminForm(
            "/admin/metrics/new",
            {"metrics_provider_id": world.metric.metrics_provider_id, "name": "Metric {n}",
             "decimal_places": "0", "display": "y"},
            {"name": ONE, "suffix": ONE, "tooltip_description": MULTI, "metric_identifier": MULTI},
        ),
    ]  # fmt: skip
    if notice is not None:
        forms.append(
            AdminForm(
                f"/admin/regulator-notices/{notice}/edit",
                {f"notice-{notice}-subject": "Notice", f"notice-{notice}-body": "Facts."},
                {f"notice-{notice}-subject": ONE, f"notice-{notice}-body": MULTI},
            )
        )
    if regulator is not None:
        forms.append(
            AdminForm(
                f"/admin/regulators/{regulator.id}/rules",
                {
                    "stage": "stage {n}",
                    "what_to_send": "Facts.",
                    "trigger": "awareness",
                    "amount": "1",
                    "unit": "hours",
                    "trigger2": "",
                    "unit2": "hours",
                },
                {"stage": ONE, "what_to_send": MULTI},
            )
        )  # fmt: skip
    return forms


def _regulator_notice(owner: Staff, world: World) -> None:
    """A draft notice to the regulator on the open incident, for its subject and body."""
    regulator = db.session.scalars(select(Regulator)).one()
    page = f"/admin/regulators/{regulator.id}"
    rule = {"stage": "initial", "what_to_send": "Facts.", "trigger": "awareness",
            "amount": "1", "unit": "hours", "trigger2": "", "unit2": "hours"}  # fmt: skip
    assert owner.submit(f"{page}/rules", rule, page=page).status_code == 302
    board = f"/admin/incidents/{world.incident.id}/regulators"
    reportable = {"regulator_ids": [str(regulator.id)]}
    assert owner.submit(f"{board}/reportable", reportable, page=board).status_code == 302
    aware = {"kind": "awareness", "occurred_at": utcnow().strftime("%Y-%m-%dT%H:%M")}
    assert owner.submit(f"{board}/triggers", aware, page=board).status_code == 302
    obligation = db.session.scalars(select(Obligation.id)).one()
    compose = {"obligation_ids": [str(obligation)]}
    assert owner.submit(f"{board}/notices", compose, page=board).status_code == 302


def _expect(sample: Sample, takes: str) -> bool | None:
    """Whether `sample` is refused in a field that takes `takes`."""
    if takes == NONE:
        return True
    return sample.refused_in(one_line=takes == ONE)


def test_every_admin_text_field_refuses_or_takes_each_sample_by_the_rule(app: Flask, world):
    owner = signed_in(app, Role.owner)
    token = owner.token("/admin/")
    owner.submit("/admin/regulators/new", {"name": "FCA", "timezone": "UTC"})
    owner.submit("/admin/team/roles", {"name": "Board"})  # an executive, for the briefing
    role = db.session.scalars(select(CrisisRole.id)).one()
    executive = {"name": "Boss", "roles": [role], "contacts": "email boss@example.com",
                 "executive": "y", "staff_user_id": "0", "timezone": "UTC"}  # fmt: skip
    assert owner.submit("/admin/team/members/new", executive).status_code == 302
    _regulator_notice(owner, world)
    problems = Problems()
    n = 0
    for form in _admin_forms(world):
        for name, takes in form.fields.items():
            for sample in [*COMPACT, Sample("long", LONG, "always")]:
                n += 1
                base = {k: v.format(n=n) if isinstance(v, str) else v for k, v in form.base.items()}
                value = f"{sample.value} {n}"
                value = form.shapes.get(name, "{sample}").replace("{sample}", value)
                data = {"csrf_token": token, **base, name: value}
                response = owner.post(form.url, data)
                what = f"POST {form.url} {name}={sample.label}"
                problems.check(what, response, refused=_expect(sample, takes))
    assert problems.found == [], "\n".join(problems.found)
    assert _unclean_rows() == []
    _every_public_surface_answers(app, problems)
    assert problems.found == [], "\n".join(problems.found)


# --- the management API ----------------------------------------------------------------------


@dataclass(frozen=True)
class ApiWrite:
    method: str
    path: str  # under /api/v1/pages/<page_id>
    resource: str
    base: dict[str, Any]
    fields: dict[str, str]


def _api_writes(world: World) -> list[ApiWrite]:
    return [
        ApiWrite("POST", "/incidents", "incident",
                 {"name": "Down {n}", "status": "investigating", "body": "Looking."},
                 {"name": ONE, "body": MULTI}),
        ApiWrite("PATCH", f"/incidents/{world.incident.id}", "incident", {},
                 {"name": ONE, "body": MULTI}),
        ApiWrite("POST", "/components", "component", {"name": "Comp {n}"},
                 {"name": ONE, "description": MULTI}),
        ApiWrite("PATCH", f"/components/{world.billing.id}", "component", {},
                 {"name": ONE, "description": MULTI}),
        ApiWrite("POST", "/component-groups", "component_group",
                 {"name": "Group {n}", "components": [world.billing.id]},
                 {"name": ONE, "description": MULTI}),
        ApiWrite("POST", "/incident_templates", "template",
                 {"name": "Tpl {n}", "title": "Down", "body": "We know."},
                 {"name": ONE, "title": ONE, "body": MULTI}),
        ApiWrite("POST", "/page_access_groups", "page_access_group", {"name": "Grp {n}"},
                 {"name": ONE}),
        ApiWrite("POST", "/page_access_users", "page_access_user", {"email": "u{n}@x.example"},
                 {"email": NONE}),
        ApiWrite("POST", "/metrics_providers", "metrics_provider", {"type": "Prometheus"},
                 {"metric_base_uri": NONE}),
        ApiWrite("POST", f"/metrics_providers/{world.metric.metrics_provider_id}/metrics",
                 "metric", {"name": "Metric {n}"},
                 {"name": ONE, "suffix": ONE, "tooltip_description": MULTI,
                  "metric_identifier": MULTI}),
        ApiWrite("PATCH", f"/metrics/{world.metric.id}", "metric", {},
                 {"name": ONE, "suffix": ONE}),
    ]  # fmt: skip


def _form_pairs(resource: str, body: dict[str, Any]) -> list[tuple[str, str]]:
    pairs = []
    for key, value in body.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((f"{resource}[{key}]{'[]' if isinstance(value, list) else ''}", item))
    return pairs


def test_every_api_text_field_refuses_or_takes_each_sample_by_the_rule(
    app: Flask, world, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "100000 per minute")
    _, secret = create_api_key("control-bot", "owner")
    db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    base = f"/api/v1/pages/{world.api.page_id}"
    problems = Problems()
    n = 0
    for write in _api_writes(world):
        for name, takes in write.fields.items():
            for sample in [*COMPACT, LONE_SURROGATE, Sample("long", LONG, "always")]:
                n += 1
                fields = {
                    k: v.format(n=n) if isinstance(v, str) else v for k, v in write.base.items()
                }
                body = {write.resource: {**fields, name: f"{sample.value} {n}"}}
                what = f"{write.method} {write.path} {name}={sample.label}"
                # JSON escapes the surrogate (ensure_ascii), as a client's encoder would.
                response = client.open(
                    base + write.path,
                    method=write.method,
                    data=json.dumps(body),
                    content_type="application/json",
                    headers=headers,
                )
                problems.check(f"{what} (JSON)", response, refused=_expect(sample, takes))
                if sample is LONE_SURROGATE:
                    continue  # a form is UTF-8 bytes: it cannot carry one
                n += 1
                fields = {
                    k: v.format(n=n) if isinstance(v, str) else v for k, v in write.base.items()
                }
                pairs = _form_pairs(write.resource, {**fields, name: f"{sample.value} {n}"})
                response = client.open(
                    base + write.path, method=write.method, data=MultiDict(pairs), headers=headers
                )
                problems.check(f"{what} (form)", response, refused=_expect(sample, takes))
    assert problems.found == [], "\n".join(problems.found)
    assert _unclean_rows() == []
    _every_public_surface_answers(app, problems)
    assert problems.found == [], "\n".join(problems.found)


# --- the CSV import and the public's forms ---------------------------------------------------


def test_a_csv_import_refuses_each_row_the_rule_refuses_and_takes_the_rest(app: Flask, world):
    owner = signed_in(app, Role.owner)
    samples = [s for s in FULL if s.label != "NUL"] + [Sample("long", LONG[:300], "always")]
    rows = [f'csv{n}@example.com,"{s.value}"' for n, s in enumerate(samples)]  # name: the sample
    rows.append("nul@example.com,Edge\x00status")
    upload = {
        "file": (BytesIO(("\ufeffemail,name\n" + "\n".join(rows)).encode()), "people.csv"),
        "confirm": "Import",
        "opted_in": "y",
    }
    response = owner.submit("/admin/subscribers/import", upload, page="/admin/subscribers/import")
    problems = Problems()
    problems.check("CSV import", response, refused=None)
    assert problems.found == [], "\n".join(problems.found)
    kept = {a for a in db.session.scalars(select(ContactPoint.address)) if a.startswith("csv")}
    expected = {
        f"csv{n}@example.com" for n, s in enumerate(samples) if not s.refused_in(one_line=True)
    }
    assert kept == expected
    assert _unclean_rows() == []


def test_the_public_forms_refuse_every_sample_with_a_4xx(app: Flask, world):
    visitor = Staff(app.test_client())
    forms = {
        "/subscribe": ({"scope": "all", "incidents": "y", "maintenance": "y"},
                       ["email", "phone"]),
        "/signin": ({}, ["email"]),
        "/subscribe/webhook": ({}, ["url", "notify_email"]),
        "/subscribe/slack": ({}, ["url", "notify_email"]),
    }  # fmt: skip
    problems = Problems()
    for url, (base, names) in forms.items():
        token = csrf_from(visitor.get(url).get_data(as_text=True))
        for name in names:
            for sample in COMPACT:
                limiter.reset()
                data = {"csrf_token": token, **base, name: sample.value}
                problems.check(f"POST {url} {name}={sample.label}", visitor.post(url, data),
                               refused=True)  # fmt: skip
    # The preference centre has no text field: a sample in its choices is refused all the same.
    manage = links_for(world.subscriber)["manage_url"].removeprefix(BASE)
    token = csrf_from(visitor.get(manage).get_data(as_text=True))
    for name in ("scope", "components", "action"):
        for sample in COMPACT:
            data = {"csrf_token": token, "scope": "chosen", "incidents": "y", name: sample.value}
            problems.check(f"POST manage {name}={sample.label}", visitor.post(manage, data),
                           refused=True)  # fmt: skip
    for sample in [*COMPACT, LONE_SURROGATE]:
        limiter.reset()
        endpoint = f"https://fcm.googleapis.com/fcm/send/{sample.value}"
        keys = {"p256dh": sample.value, "auth": sample.value}
        body = {"subscription": {"endpoint": endpoint, "keys": keys}}
        response = visitor.client.post(
            "/push/subscriptions", data=json.dumps(body), content_type="application/json",
            headers={"Sec-Fetch-Site": "same-origin"},
        )  # fmt: skip
        problems.check(f"push subscribe {sample.label}", response, refused=True)
        # A real browser's keys, the sample in the endpoint's path: only the endpoint refuses.
        subscription = PushBrowser.create(endpoint).subscription()
        response = visitor.client.post(
            "/push/subscriptions", data=json.dumps({"subscription": subscription}),
            content_type="application/json", headers={"Sec-Fetch-Site": "same-origin"},
        )  # fmt: skip
        refused = sample.refused_in(one_line=True)
        problems.check(f"push subscribe endpoint {sample.label}", response, refused=refused)
    assert problems.found == [], "\n".join(problems.found)
    assert _unclean_rows() == []


# --- what was taken, out through every surface and channel -----------------------------------


def _public_paths(app: Flask) -> list[str]:
    """Every public GET path of the URL map, with real records in it."""
    incident = db.session.scalars(select(Incident).order_by(Incident.created_at)).first()
    component = db.session.scalars(select(Component)).first()
    now = utcnow()
    values = {
        "incident_id": incident.id if incident else "x",
        "component_id": component.id if component else "x",
        "year": now.year,
        "month": now.month,
        "filename": "css/status.css",
    }
    paths = set()
    for target in served(app):
        if target.method == "GET" and target.blueprint == "public":
            paths.add(url_for_rule(target.rule, values))
    for incident in db.session.scalars(select(Incident)):
        paths.add(f"/incidents/{incident.id}")
    for component in db.session.scalars(select(Component)):
        paths |= {f"/components/{component.id}/{p}" for p in ("history.atom", "history.rss",
                                                              "badge.svg")}  # fmt: skip
    return sorted(paths)


def _every_public_surface_answers(app: Flask, problems: Problems) -> None:
    """Every public GET: no 500; every feed parses without an XML error; JSON is JSON."""
    db.session.commit()
    client = app.test_client()
    for path in _public_paths(app):
        with app.app_context():
            response = client.get(path)
            body = response.get_data()
        if response.status_code >= 500:
            problems.found.append(f"GET {path}: {response.status_code}")
            continue
        if response.status_code != 200:
            continue
        if path.endswith((".atom", ".rss")):
            feed = feedparser.parse(body)
            if feed.bozo:
                problems.found.append(f"GET {path}: feed bozo {feed.bozo_exception!r}")
        elif path.endswith(".json"):
            try:
                json.loads(body)
            except ValueError as exc:
                problems.found.append(f"GET {path}: not JSON ({exc})")


@pytest.fixture
def chat() -> Iterator[Receiver]:
    """A second receiver, for Slack: the first checks webhook signatures, and Slack's posts
    carry none (it would answer them 401)."""
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def social_and_sms(app: Flask, mastodon, x_api) -> Iterator[Any]:
    """The page's X and Mastodon accounts (X and Twilio answered by `responses` at their fixed
    hosts, Mastodon by a server on loopback) and Twilio configured: the channels that carry
    an incident's text beyond mail, push and hooks."""
    accounts.save_account(
        Channel.mastodon,
        label="@acme@fake.example",
        credentials={"base_url": mastodon.url, "access_token": MASTODON_TOKEN},
        enabled=True,
        allow_loopback=True,  # the fake Mastodon runs on this machine
    )
    x_keys = {"consumer_key": "ck-1234", "consumer_secret": "cs-5678",
              "access_token": "at-9012", "access_token_secret": "as-3456"}  # fmt: skip
    accounts.save_account(Channel.x, label="@acmestatus", credentials=x_keys, enabled=True)
    subscriber(contact_point("+447700900123", Channel.sms))
    db.session.commit()
    accept(x_api.mock)
    with configured(app):
        yield x_api


def _social_and_sms_arrived(mastodon, x_api) -> None:
    """Each of them took a post or a text."""
    assert mastodon.posted, "nothing reached Mastodon"
    assert x_api.posted, "nothing reached X"
    assert [c for c in x_api.mock.calls if c.request.url == MESSAGES_URL], "no text sent"


def _subscribe_everywhere(
    app: Flask, client, receiver: Receiver, chat: Receiver, push_service: PushService
) -> None:
    subscriber("ann@example.com", name=KEPT.value)
    webhook_subscriber(receiver)
    subscriber(contact_point(f"{chat.url}/services/T0/B0/slack", Channel.slack, key="slack-acme"))
    db.session.commit()
    key = vapid_keys(app.config["VAPID_PRIVATE_KEY"], app.instance_path).application_server_key
    browser = push_service.browser(application_server_key=key)
    subscribed = client.post(
        "/push/subscriptions",
        data=json.dumps({"subscription": browser.subscription()}),
        headers={"Content-Type": "application/json", "Origin": BASE},
    )
    assert subscribed.status_code in (200, 201), subscribed.get_data(as_text=True)


def _mail_problems(smtp: SmtpServer) -> list[str]:
    """Headers of each message as the server parsed its bytes (stdlib email, policy.default):
    no injected header, none twice, no value holding a line break."""
    found = []
    for raw in smtp.inbox.messages:
        names = [name.lower() for name in raw]
        if "bcc" in names or "x-injected" in names:
            found.append(f"injected header in {raw['Subject']!r}: {names}")
        if len(names) != len(set(names)):
            found.append(f"a header twice: {names}")
        for name, value in raw.items():
            if any(c in str(value) for c in "\r\n\x00"):
                found.append(f"{name} holds a line break: {value!r}")
    return found


def _stuck(app: Flask) -> list[str]:
    done = {DeliveryState.sent, DeliveryState.failed, DeliveryState.superseded}
    return [
        f"delivery {d.id} ({d.channel}) {d.state}: {d.last_error}"
        for d in db.session.scalars(select(Delivery))
        if d.state not in done
    ]


def test_taken_text_reaches_every_surface_export_and_channel(
    app: Flask, client, smtp, queue, receiver, chat, push_service, mastodon, social_and_sms,
    tmp_path: Path,
):  # fmt: skip
    """The samples the rule keeps (bidi controls, BOM, tab in titles; line breaks in bodies),
    posted through the admin with notifications on: every surface answers, feeds parse, the
    export runs, and every channel's deliveries (email, webhook, Slack, push, SMS, X,
    Mastodon) end sent."""
    owner = signed_in(app, Role.owner)
    group = owner.submit("/admin/groups/new", {"name": KEPT.value, "description": INJECT_BODY})
    assert group.status_code == 302, group.get_data(as_text=True)[:500]
    group_id = db.session.scalars(select(ComponentGroup.id)).one()
    data = {"name": KEPT.value, "description": INJECT_BODY, "group_id": group_id,
            "status": "operational", "visibility": "public"}  # fmt: skip
    assert owner.submit("/admin/components/new", data).status_code == 302
    component = db.session.scalars(select(Component)).one()
    settings = {"name": KEPT.value, "time_zone": "Etc/UTC", "brand_color": "#123456",
                "description": INJECT_BODY}  # fmt: skip
    assert owner.submit("/admin/settings", settings).status_code == 302
    _subscribe_everywhere(app, client, receiver, chat, push_service)
    incident = {
        "name": KEPT.value,
        "status": "investigating",
        "body": INJECT_BODY,
        "social_text": INJECT_BODY,
        "audience": "public",
        "notify": "y",
        f"component-{component.id}": "major_outage",
    }
    posted = owner.submit("/admin/incidents/new", incident, page="/admin/incidents/new")
    assert posted.status_code == 302, posted.get_data(as_text=True)[:500]
    drain(queue)

    problems = Problems()
    _every_public_surface_answers(app, problems)
    assert problems.found == [], "\n".join(problems.found)
    export_site(app, tmp_path / "site")
    for path in (tmp_path / "site").rglob("*.atom"):
        assert not feedparser.parse(path.read_bytes()).bozo, path
    assert _stuck(app) == []
    assert {d.state for d in db.session.scalars(select(Delivery))} == {DeliveryState.sent}, [
        (d.channel, d.last_error) for d in db.session.scalars(select(Delivery))
    ]
    assert {d.channel for d in db.session.scalars(select(Delivery))} == {
        Channel.email, Channel.webhook, Channel.slack, Channel.webpush,
        Channel.sms, Channel.x, Channel.mastodon,
    }  # fmt: skip
    _social_and_sms_arrived(mastodon, social_and_sms)
    assert len(smtp.inbox.messages) == 1
    assert "\u202etxt.exe\u202c \u2066iso\u2069" in smtp.inbox.messages[0]["Subject"]
    assert _mail_problems(smtp) == []
    assert [r for r in receiver.requests if r.path.startswith("/hooks/")]
    assert chat.requests  # Slack
    assert push_service.problems == []
    assert push_service.received


INJECT_BODY = "First line\r\nBcc: victim@example.com\n\u2028second \u202eline\u202c\tend"


def test_text_stored_before_the_rule_still_goes_out_and_injects_nothing(
    app: Flask, client, smtp, queue, receiver, chat, push_service, mastodon, social_and_sms
):
    """Rows written before the rule (or by hand) may hold what it now refuses: every surface
    and channel still copes. NUL is left out: PostgreSQL never kept one."""
    owner = signed_in(app, Role.owner)
    _subscribe_everywhere(app, client, receiver, chat, push_service)
    incident = {"name": "Clean", "status": "investigating", "body": "Clean.",
                "audience": "public", "notify": ""}  # fmt: skip
    assert (
        owner.submit("/admin/incidents/new", incident, page="/admin/incidents/new").status_code
        == 302
    )
    row = db.session.scalars(select(Incident)).one()
    row.name = "Down\r\nBcc: victim@example.com\x1b[31m\x07\x85\u2028"
    row.updates[0].body = "Body\x0b\x0c\x1b\x7f\x9b text"
    db.session.commit()
    update = {"status": "resolved", "body": "Next.", "notify": "y"}  # an end: texted too
    assert owner.submit(f"/admin/incidents/{row.id}/updates", update).status_code == 302
    drain(queue)

    problems = Problems()
    _every_public_surface_answers(app, problems)
    assert problems.found == [], "\n".join(problems.found)
    assert _stuck(app) == []
    sent = [(d.channel, d.state, d.last_error) for d in db.session.scalars(select(Delivery))]
    assert {state for _, state, _ in sent} == {DeliveryState.sent}, sent
    assert _mail_problems(smtp) == []
    (mail,) = smtp.inbox.messages
    assert "] Down Bcc: victim@example.com" in mail["Subject"]  # one line, as text
    assert [r for r in receiver.requests if r.path.startswith("/hooks/")]
    assert chat.requests  # Slack
    assert push_service.problems == []
    assert push_service.received
    assert {channel for channel, _, _ in sent} >= {Channel.sms, Channel.x, Channel.mastodon}
    _social_and_sms_arrived(mastodon, social_and_sms)


def test_a_providers_raw_text_is_read_not_judged_by_the_typed_text_rule(
    app: Flask, client, monkeypatch: pytest.MonkeyPatch
):
    """A bounce posted raw holds what mail holds (ISO-2022-JP switches charset with ESC): the
    provider routes are not forms people type into, so the rule leaves them to their view,
    while a person's form with the same bytes is refused."""
    token = "t" * 40
    monkeypatch.setitem(app.config, "BOUNCE_WEBHOOK_TOKEN", token)
    monkeypatch.setitem(app.config, "BOUNCE_ADDRESS", "bounces@status.example.com")
    raw = "Subject: =?ISO-2022-JP?B?GyRCJEgbKEI=?=\r\n\r\n\x1b$B$3$s$K$A$O\x1b(B\r\n"
    answer = client.post(f"/bounces/inbound/{token}", data={"email": raw})
    assert (answer.status_code, answer.get_data(as_text=True)) == (200, "ignored\n")
    refused = client.post("/subscribe", data={"email": raw})
    assert refused.status_code == 400
    assert "may not contain control characters" in refused.get_data(as_text=True)
