"""The owners' Monitoring screens, through their real forms (CSRF on): integrations whose
secret is shown once (no-store) with a snippet for their tool, rules with matchers in
Alertmanager's written form, each component's automation; only owners may reach them."""

from __future__ import annotations

import logging
import re

import pytest
from flask import Flask
from sqlalchemy import select

from statuspage.audit.trail import SYSTEM
from statuspage.extensions import db
from statuspage.models import AuditEvent, Role
from statuspage.models.monitoring import (
    AlertRule,
    AutomationMode,
    ComponentAutomation,
    Integration,
)
from statuspage.monitoring import setup
from statuspage.monitoring.secrets import digest
from statuspage.page.state import ensure_page
from tests.admin.staff_client import Staff, signed_in
from tests.admin.world import World
from tests.hostile.control_corpus import COMPACT, LONG

MONITORING = "/admin/monitoring"
URL_INPUT = re.compile(r'id="intake-url"[^>]*value="([^"]+)"')


def _create(owner: Staff, kind: str = "alertmanager", name: str = "Prod AM") -> tuple[str, str]:
    """Add an integration through the form; (the page's HTML, the URL it shows once)."""
    response = owner.submit(f"{MONITORING}/integrations/new", {"kind": kind, "name": name},
                            page=MONITORING)  # fmt: skip
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    return html, URL_INPUT.search(html).group(1)


def _secret_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


def _rule_form(world: World, **changes: object) -> dict[str, object]:
    return {
        "name": "API down",
        "matchers": 'service="api", severity="critical"',
        "component_id": world.api.id,
        "component_status": "major_outage",
        "integration_id": "",
        **changes,
    }


def _rule(world: World, name: str = "R") -> AlertRule:
    return setup.create_rule(
        ensure_page(),
        name=name,
        matchers=f'n="{name}"',
        component=world.api,
        component_status="major_outage",
        actor=SYSTEM,
    )


def test_the_screen_lists_integrations_rules_and_automation(owner: Staff, world: World):
    page = ensure_page()
    grafana, _ = setup.create_integration(page, "grafana", "Grafana EU", SYSTEM)
    rule = _rule(world, "Checkout errors")
    rule.integration_id = grafana.id
    setup.set_automation(world.web, "status_and_draft", 90, SYSTEM)

    response = owner.get(MONITORING)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1>Monitoring</h1>" in html
    assert "Grafana EU" in html
    rule_row = html[html.index(f'<tr id="rule-{rule.id}">') :].split("</tr>", 1)[0]
    assert "<td>Grafana EU</td>" in rule_row  # the one integration the rule reads
    assert "Grafana alerting" in html  # the tool, by its name
    assert "never" in html  # no alert received yet
    assert "Checkout errors" in html
    assert "n=&#34;Checkout errors&#34;" in html  # the written matchers, escaped
    assert 'value="90"' in html
    assert re.search(r'<option selected value="status_and_draft">|'
                     r'<option value="status_and_draft" selected', html)  # fmt: skip
    assert 'href="/admin/monitoring" aria-current="page"' in html  # the navigation entry


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("alertmanager", ["webhook_configs:", "send_resolved: true", "receivers:"]),
        ("grafana", ["type: webhook", "httpMethod: POST", "Contact points"]),
        ("uptime-kuma", ["Notification Type", "Webhook", "application/json"]),
        ("generic", ["curl -X POST", "Content-Type: application/json", "resolved"]),
    ],
)
def test_an_integration_shows_its_url_once_with_its_tools_snippet(
    app: Flask, owner: Staff, world: World, kind: str, expected: list[str]
):
    html, url = _create(owner, kind)

    integration = db.session.scalars(select(Integration)).one()
    secret = _secret_of(url)
    base = app.config["BASE_URL"]
    assert url == f"{base}/api/v1/pages/{integration.page_id}/integrations/{kind}/{secret}"
    assert integration.secret_digest == digest(secret)
    for text in expected:
        assert text in html
    assert html.count(secret) >= 2  # in the URL field and in the snippet
    # Never again: not on any later page, not in the audit trail, not in the session.
    for later in (
        MONITORING,
        f"{MONITORING}/integrations/{integration.id}/edit",
        f"{MONITORING}/integrations/{integration.id}/rotate",
        "/admin/audit",
    ):
        response = owner.get(later)
        assert response.status_code == 200
        assert secret not in response.get_data(as_text=True)
        assert digest(secret) not in response.get_data(as_text=True)
    with owner.client.session_transaction() as session:
        assert secret not in str(dict(session))


def test_the_snippet_is_the_url_alertmanager_reads(owner: Staff, world: World):
    """Alertmanager's webhook_config takes `url` and `send_resolved` (its configuration
    reference, <webhook_config>); the snippet is that YAML with the one-time URL in it."""
    html, url = _create(owner, "alertmanager")
    assert f'- url: "{url}"\n        send_resolved: true' in html.replace("&#34;", '"')


def test_rotating_shows_a_new_secret_once_and_the_old_one_stops(owner: Staff, world: World):
    _, first = _create(owner)
    integration = db.session.scalars(select(Integration)).one()
    rotate = f"{MONITORING}/integrations/{integration.id}/rotate"
    assert "stops working at once" in owner.get(rotate).get_data(as_text=True)

    response = owner.submit(rotate, page=rotate)

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    second = URL_INPUT.search(response.get_data(as_text=True)).group(1)
    assert second != first
    db.session.expire_all()
    assert integration.secret_digest == digest(_secret_of(second))
    assert integration.secret_digest != digest(_secret_of(first))


def test_rename_and_delete_an_integration(owner: Staff, world: World):
    _create(owner, "grafana", "Grafana")
    integration = db.session.scalars(select(Integration)).one()
    edit = f"{MONITORING}/integrations/{integration.id}/edit"
    response = owner.submit(edit, {"name": "Grafana EU"}, page=edit)
    assert response.status_code == 302
    db.session.expire_all()
    assert integration.name == "Grafana EU"

    delete = f"{MONITORING}/integrations/{integration.id}/delete"
    assert "Delete the integration" in owner.get(delete).get_data(as_text=True)
    assert owner.submit(delete, page=delete).status_code == 302
    assert db.session.scalars(select(Integration)).all() == []
    actions = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.action.like("integration.%"))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["integration.create", "integration.rename", "integration.delete"]


def test_an_integration_needs_a_known_tool_and_a_name(owner: Staff, world: World):
    url = f"{MONITORING}/integrations/new"
    response = owner.submit(url, {"kind": "nagios", "name": "N"}, page=MONITORING)
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)
    response = owner.submit(url, {"kind": "grafana", "name": ""}, page=MONITORING)
    assert response.status_code == 422
    assert db.session.scalars(select(Integration)).all() == []


def test_create_edit_and_delete_a_rule(owner: Staff, world: World):
    new = f"{MONITORING}/rules/new"
    response = owner.submit(new, _rule_form(world), page=new)
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    rule = db.session.scalars(select(AlertRule)).one()
    assert rule.matchers == [["service", "=", "api"], ["severity", "=", "critical"]]
    assert rule.publish_automatically is False

    edit = f"{MONITORING}/rules/{rule.id}/edit"
    form = owner.get(edit).get_data(as_text=True)
    assert "service=&#34;api&#34;, severity=&#34;critical&#34;" in form  # shown back written
    changed = _rule_form(world, matchers='service=~"api|gateway"', component_id=world.web.id,
                         component_status="partial_outage", publish_automatically="y")  # fmt: skip
    assert owner.submit(edit, changed, page=edit).status_code == 302
    db.session.expire_all()
    assert rule.matchers == [["service", "=~", "api|gateway"]]
    assert rule.component_id == world.web.id
    assert rule.publish_automatically is True
    choice = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "alert_rule.publish_automatically")
    ).one()
    assert choice.after == {"publish_automatically": True}
    assert choice.actor.endswith("owner@example.com")

    delete = f"{MONITORING}/rules/{rule.id}/delete"
    assert owner.submit(delete, page=delete).status_code == 302
    assert db.session.scalars(select(AlertRule)).all() == []


@pytest.mark.parametrize(
    ("matchers", "message"),
    [
        ("service", "“service” is not a matcher"),
        ('1abc="x"', "“1abc” is not a label name"),
        ('severity=~"(crit"', "is not a regular expression"),
        ('service="api" severity="x"', "is not a matcher"),
        (", ".join(f'l{i}="v"' for i in range(21)), "at most 20 matchers"),
    ],
)
def test_bad_matchers_show_the_parsers_message(
    owner: Staff, world: World, matchers: str, message: str
):
    new = f"{MONITORING}/rules/new"
    response = owner.submit(new, _rule_form(world, matchers=matchers), page=new)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html.replace("&#34;", '"')
    assert 'id="matchers-error"' in html  # under the field it is about
    assert db.session.scalars(select(AlertRule)).all() == []


def test_a_rule_cannot_map_to_operational_or_an_unknown_component(owner: Staff, world: World):
    new = f"{MONITORING}/rules/new"
    for bad in ({"component_status": "operational"}, {"component_id": "nope"},
                {"integration_id": "nope"}):  # fmt: skip
        response = owner.submit(new, _rule_form(world, **bad), page=new)
        assert response.status_code == 422, bad
    assert db.session.scalars(select(AlertRule)).all() == []


def test_rules_move_up_and_down(owner: Staff, world: World):
    rules = [_rule(world, name) for name in ("one", "two", "three")]
    db.session.commit()
    move = f"{MONITORING}/rules/{rules[2].id}/move"
    assert owner.submit(move, {"direction": "up"}, page=MONITORING).status_code == 302
    assert [r.name for r in setup.list_rules(ensure_page())] == ["one", "three", "two"]
    move = f"{MONITORING}/rules/{rules[0].id}/move"
    assert owner.submit(move, {"direction": "down"}, page=MONITORING).status_code == 302
    assert [r.name for r in setup.list_rules(ensure_page())] == ["three", "one", "two"]
    assert owner.submit(move, {"direction": "left"}, page=MONITORING).status_code == 400


def test_set_a_components_automation(owner: Staff, world: World):
    url = f"{MONITORING}/components/{world.api.id}/automation"
    response = owner.submit(url, {"mode": "status", "hold_seconds": "120"}, page=MONITORING)
    assert response.status_code == 302
    row = db.session.get(ComponentAutomation, world.api.id)
    assert (row.mode, row.hold_seconds) == (AutomationMode.status, 120)
    assert "Automation of “API” saved." in owner.get(MONITORING).get_data(as_text=True)


@pytest.mark.parametrize("hold", ["-1", "3601", "9" * 5000, "sixty", ""])
def test_an_out_of_range_hold_is_a_clear_form_error(owner: Staff, world: World, hold: str):
    url = f"{MONITORING}/components/{world.api.id}/automation"
    response = owner.submit(url, {"mode": "status", "hold_seconds": hold}, page=MONITORING)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="hold_seconds-error"' in html
    assert "Automation of “API”" in html  # the form names its component
    assert db.session.get(ComponentAutomation, world.api.id) is None


def test_the_automation_page_shows_the_defaults(owner: Staff, world: World):
    html = owner.get(f"{MONITORING}/components/{world.api.id}/automation").get_data(as_text=True)
    assert 'value="60"' in html
    assert re.search(r'<option selected value="off">|<option value="off" selected', html)


@pytest.mark.parametrize("role", [Role.comms, Role.responder, Role.legal, Role.viewer])
def test_only_owners_see_or_change_monitoring(app: Flask, world: World, role: Role):
    rule = _rule(world)
    integration, _ = setup.create_integration(ensure_page(), "generic", "G", SYSTEM)
    db.session.commit()
    staff = signed_in(app, role)
    token = staff.token("/admin/")
    assert "/admin/monitoring" not in staff.get("/admin/").get_data(as_text=True)  # no nav entry
    reads = [
        MONITORING,
        f"{MONITORING}/rules/new",
        f"{MONITORING}/rules/{rule.id}/edit",
        f"{MONITORING}/integrations/{integration.id}/rotate",
        f"{MONITORING}/components/{world.api.id}/automation",
    ]
    for url in reads:
        assert staff.get(url).status_code == 403, url
    writes = {
        f"{MONITORING}/integrations/new": {"kind": "generic", "name": "X"},
        f"{MONITORING}/integrations/{integration.id}/rotate": {},
        f"{MONITORING}/integrations/{integration.id}/delete": {},
        f"{MONITORING}/rules/new": _rule_form(world),
        f"{MONITORING}/rules/{rule.id}/move": {"direction": "down"},
        f"{MONITORING}/rules/{rule.id}/delete": {},
        f"{MONITORING}/components/{world.api.id}/automation": {"mode": "status",
                                                                "hold_seconds": "5"},
    }  # fmt: skip
    entries = db.session.scalar(select(db.func.count(AuditEvent.id)))
    digest_before = integration.secret_digest
    for url, data in writes.items():
        assert staff.post(url, {"csrf_token": token, **data}).status_code == 403, url
    db.session.expire_all()
    assert db.session.scalar(select(db.func.count(AuditEvent.id))) == entries
    assert integration.secret_digest == digest_before
    assert db.session.get(ComponentAutomation, world.api.id) is None


def test_a_write_without_a_csrf_token_is_refused(owner: Staff, world: World):
    response = owner.post(f"{MONITORING}/integrations/new", {"kind": "generic", "name": "X"})
    assert response.status_code == 400
    assert db.session.scalars(select(Integration)).all() == []


def test_the_control_corpus_in_every_field(owner: Staff, world: World):
    """Each field refuses what the one text rule refuses (tests/hostile/control_corpus.py) with
    a 422, takes what it keeps, and never answers 500; matchers and the hold take none of
    the samples (none is a matcher or a number)."""
    integration, _ = setup.create_integration(ensure_page(), "generic", "G", SYSTEM)
    db.session.commit()
    token = owner.token(MONITORING)
    forms = [
        (f"{MONITORING}/integrations/new", {"kind": "generic", "name": "N"}, "name", True),
        (f"{MONITORING}/integrations/{integration.id}/edit", {"name": "N"}, "name", True),
        (f"{MONITORING}/rules/new", _rule_form(world), "name", True),
        (f"{MONITORING}/rules/new", _rule_form(world), "matchers", False),
        (f"{MONITORING}/components/{world.api.id}/automation",
         {"mode": "status", "hold_seconds": "60"}, "hold_seconds", False),
    ]  # fmt: skip
    for url, base, name, one_line in forms:
        for sample in COMPACT:
            data = {"csrf_token": token, **base, name: sample.value}
            response = owner.post(url, data)
            refused = sample.refused_in(one_line=True) if one_line else True
            what = (url, name, sample.label, response.status_code)
            if refused:  # 400 from request_hygiene (before any view) or the form's 422
                assert response.status_code in (400, 422), what
            else:
                assert response.status_code == (200 if "integrations/new" in url else 302), what
        response = owner.post(url, {"csrf_token": token, **base, name: LONG})
        assert response.status_code == 422, (url, name, "long")
    # The kept sample, taken as a name, is shown back as the text it is.
    kept = COMPACT[-1].value
    assert db.session.scalars(select(Integration).where(Integration.name == kept)).first()


def test_no_log_line_holds_the_secret(owner: Staff, world: World, caplog: pytest.LogCaptureFixture):
    """Every logger at DEBUG, SQLAlchemy's statements and parameters too, while a secret is
    made and replaced: no line holds it (the request log names the path only, and the
    admin's paths never carry a secret: it travels in a response body)."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    _, first = _create(owner, "generic")
    integration = db.session.scalars(select(Integration)).one()
    rotate = f"{MONITORING}/integrations/{integration.id}/rotate"
    second = URL_INPUT.search(owner.submit(rotate, page=rotate).get_data(as_text=True)).group(1)
    assert "INSERT INTO integration" in caplog.text  # real lines were written and read here
    for url in (first, second):
        assert _secret_of(url) not in caplog.text
