"""The public forms (subscribe, preferences, endpoints, sign-in, unsubscribe) and the chrome
every public page shares: one look (`class="form"`), each error beside its field and tied to
it, one Subscribe button that opens every way to follow the page, and dark mode."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import html as lxml_html
from lxml.html import HtmlElement

from statuspage.components.catalog import create_component
from statuspage.extensions import limiter
from statuspage.links import sign
from statuspage.page.state import ensure_page
from tests.factories.subscribers import subscriber

CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "herald.css"


@pytest.fixture(autouse=True)
def _fresh_limits() -> Iterator[None]:
    limiter.reset()
    yield
    limiter.reset()


def parsed(response) -> HtmlElement:
    return lxml_html.fromstring(response.get_data(as_text=True))


def by_id(page: HtmlElement, element_id: str) -> HtmlElement | None:
    found = page.xpath("//*[@id=$id]", id=element_id)
    return found[0] if found else None


def ancestor(element: HtmlElement, tag: str = "*", css_class: str | None = None) -> HtmlElement:
    test = f"[contains(concat(' ', @class, ' '), ' {css_class} ')]" if css_class else ""
    return element.xpath(f"ancestor::{tag}{test}[1]")[0]


def post_form(client, path: str, **fields):
    token = CSRF_INPUT.search(client.get(path).get_data(as_text=True))[1]
    return client.post(path, data={"csrf_token": token, **fields})


def assert_tied(page: HtmlElement, field_id: str, words: str) -> None:
    """The field is marked invalid and described by a message that sits beside it."""
    field = by_id(page, field_id)
    assert field.get("aria-invalid") == "true", lxml_html.tostring(field)
    message = by_id(page, field.get("aria-describedby").split()[0])
    assert words in message.text_content(), message.text_content()
    assert ancestor(message, css_class="field") is ancestor(field, css_class="field")


def test_a_bad_address_is_shown_beside_the_email_field(client):
    ensure_page("Acme Status")
    response = post_form(client, "/subscribe", email="not-an-address", scope="all", incidents="y")
    assert response.status_code == 400
    page = parsed(response)
    assert_tied(page, "email", "valid email address")
    assert page.xpath("//*[@role='alert']")  # and listed on top


def test_choosing_nothing_is_shown_on_its_fieldset(client):
    ensure_page("Acme Status")
    create_component("API")
    response = post_form(client, "/subscribe", email="a@example.com", scope="chosen")
    assert response.status_code == 400
    page = parsed(response)
    notify, scope = by_id(page, "notify-error"), by_id(page, "scope-error")
    assert "incidents, maintenance, or both" in notify.text_content()
    assert "at least one component" in scope.text_content()
    assert ancestor(notify, "fieldset").get("aria-describedby") == "notify-error"
    assert ancestor(scope, "fieldset").get("aria-describedby") == "scope-error"
    assert by_id(page, "email").get("aria-invalid") is None  # the address was fine


def test_the_preference_centre_ties_its_errors_too(client):
    ensure_page("Acme Status")
    person = subscriber("ann@example.com")
    path = f"/subscriptions/manage/{sign('manage', {'s': person.id, 'v': person.token_version})}"
    response = post_form(client, path, action="save", scope="all", incidents="", maintenance="")
    assert response.status_code == 400
    page = parsed(response)
    assert "incidents, maintenance, or both" in by_id(page, "notify-error").text_content()
    assert len(page.xpath("//*[@id='csrf_token']")) <= 1  # two forms, no id twice


@pytest.mark.parametrize(
    ("channel", "fields", "field_id", "words"),
    [
        ("slack", {"url": "https://example.com/x"}, "url", "hooks.slack.com"),
        ("webhook", {"url": "https://example.com/x", "notify_email": ""}, "notify_email", "Enter"),
        (
            "discord",
            {"url": "https://example.com/x", "notify_email": "nope"},
            "notify_email",
            "valid",
        ),
    ],
)
def test_an_endpoint_error_is_shown_beside_its_field(client, channel, fields, field_id, words):
    ensure_page("Acme Status")
    response = post_form(client, f"/subscribe/{channel}", scope="all", incidents="y", **fields)
    assert response.status_code == 400
    assert_tied(parsed(response), field_id, words)


def test_a_bad_sign_in_address_is_shown_beside_the_field(client):
    ensure_page("Acme Status")
    response = post_form(client, "/signin", email="nope")
    assert response.status_code == 400
    assert_tied(parsed(response), "email", "valid email address")


@pytest.mark.parametrize(
    "path", ["/subscribe", "/subscribe/webhook", "/subscribe/teams", "/signin", "manage", "unsub"]
)
def test_every_public_form_takes_the_shared_style(client, path):
    ensure_page("Acme Status")
    person = subscriber("ann@example.com")
    payload = {"s": person.id, "v": person.token_version}
    path = {
        "manage": f"/subscriptions/manage/{sign('manage', payload)}",
        "unsub": f"/subscriptions/unsubscribe/{sign('unsubscribe', payload)}",
    }.get(path, path)
    page = parsed(client.get(path))
    forms = page.xpath("//main//form")
    assert forms
    assert all("form" in form.classes for form in forms)
    for field in page.xpath("//main//form//input[@type='email' or @type='url']"):
        label = ancestor(field, css_class="field").xpath("label[@for=$id]", id=field.get("id"))
        assert label, lxml_html.tostring(field)


def test_every_public_page_has_one_subscribe_button_with_every_choice(client):
    ensure_page("Acme Status")
    for path in ("/", "/history", "/maintenance", "/subscribe"):
        menus = parsed(client.get(path)).xpath("//header//details[@class='subscribe-menu']")
        assert len(menus) == 1, path
        links = [a.text_content() for a in menus[0].xpath(".//a")]
        assert links == [
            "Email",
            "Browser notifications",
            "Webhook",
            "Slack",
            "Microsoft Teams",
            "Discord",
            "Atom feed",
            "RSS feed",
        ]


def test_an_incident_page_offers_to_subscribe(client, small_page):
    page = parsed(client.get(f"/incidents/{small_page.open_incident.id}"))
    (cta,) = page.xpath("//main//*[@class='subscribe-cta']/a")
    assert cta.get("href").endswith("/subscribe")


def test_the_public_page_has_a_dark_mode_the_admin_does_not_take():
    css = CSS.read_text()
    dark = css[css.index("@media (prefers-color-scheme: dark)") :]
    assert ":root:not(:has(body.admin))" in dark
    for variable in ("--fg", "--bg", "--card", "--link", "--muted"):
        assert re.search(rf"{variable}: #[0-9a-f]{{6}}", dark), variable


def test_every_field_is_checked_at_once(client):
    ensure_page("Acme Status")
    response = post_form(client, "/subscribe/webhook", url="", notify_email="", scope="all")
    assert response.status_code == 400
    page = parsed(response)
    assert_tied(page, "url", "")
    assert_tied(page, "notify_email", "Enter an email address")
    assert "incidents, maintenance, or both" in by_id(page, "notify-error").text_content()
