"""Every message to a subscriber in their language and time zone: chosen on the forms, kept in
the preference centre and the CSV roster, and rendered once per (language, zone) on fan-out.

Real SMTP (tests/fakes/smtp.py), a push service that decrypts with the browser's own keys, the
real queue drained as a worker would; templates counted by Flask's `template_rendered` signal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from statuspage.audit.trail import SYSTEM
from statuspage.delivery.messages import render_messages
from statuspage.extensions import db, limiter
from statuspage.incidents.commands import OpenIncident, PostUpdate
from statuspage.incidents.publishing import create_incident, post_update
from statuspage.incidents.richtext import render_markdown
from statuspage.models import Channel, ContactPoint, Subscriber, UpdateTranslation
from statuspage.page.state import ensure_page
from statuspage.subscribers.roster import export_rows, import_subscribers
from statuspage.subscribers.subscriptions import links_for
from statuspage.vapid import vapid_keys
from tests.factories import contact_point, delivery, notice, subscriber
from tests.queue import drain

BASE = "http://status.example.test"
CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
AT = datetime(2026, 12, 6, 13, 18, tzinfo=UTC)  # 22:18 JST, 14:18 in Berlin
JA_TITLE, JA_BODY = "決済の障害", "一部のお客様で決済が失敗しています。"


@pytest.fixture(autouse=True)
def _fresh_limits() -> Iterator[None]:
    limiter.reset()
    yield
    limiter.reset()


def csrf_token(client, path: str, **headers: str) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, path
    return CSRF_INPUT.search(response.get_data(as_text=True))[1]


def translate(update, title: str, body: str) -> None:
    update.translations.append(
        UpdateTranslation(language="ja", title=title, body=body, body_html=render_markdown(body))
    )


def mail_to(smtp, address: str) -> list:
    return [m for m in smtp.inbox.messages if m["To"] == address]


def plain(message) -> str:
    return message.get_body(("plain",)).get_content()


def html(message) -> str:
    return message.get_body(("html",)).get_content()


def test_each_subscriber_reads_the_update_in_their_language_and_zone_rendered_once_per_reading(
    app, client, smtp, queue, push_service, receiver, rendered
):
    ensure_page().time_zone = "Etc/UTC"
    slack = contact_point(f"{receiver.url}/services/T0/B0/ja", Channel.slack, key="slack-ja")
    subscriber(slack, language="ja", time_zone="Asia/Tokyo")
    subscriber("ja@example.com", language="ja", time_zone="Asia/Tokyo")
    subscriber("ja2@example.com", language="ja", time_zone="Asia/Tokyo")
    subscriber("de@example.com", language="de", time_zone="Europe/Berlin")
    subscriber("en@example.com")  # no language, no zone: the page's
    subscriber("en2@example.com")
    db.session.commit()
    key = vapid_keys(app.config["VAPID_PRIVATE_KEY"], app.instance_path).application_server_key
    browser = push_service.browser(application_server_key=key)
    body = {"subscription": browser.subscription(), "language": "ja", "time_zone": "Asia/Tokyo"}
    refused = client.post(
        "/push/subscriptions",
        data=json.dumps({**body, "language": "xx"}),
        headers={"Content-Type": "application/json", "Origin": BASE},
    )
    assert refused.status_code == 400  # a language Herald does not ship: said, not a 500
    subscribed = client.post(
        "/push/subscriptions",
        data=json.dumps(body),
        headers={"Content-Type": "application/json", "Origin": BASE},
    )
    assert subscribed.status_code == 200, subscribed.get_data(as_text=True)

    incident = create_incident(
        OpenIncident("Payments failing", "Payments **fail** for some customers.", display_at=AT)
    )
    translate(incident.updates[0], JA_TITLE, JA_BODY)
    db.session.commit()
    rendered.clear()
    drain(queue)

    # Seven recipients, three readings (ja/Tokyo, de/Berlin, en/UTC): three renders, not seven.
    assert len(smtp.inbox.messages) == 5
    assert rendered["email/update.txt"] == rendered["email/update.html"] == 3
    (ja,) = mail_to(smtp, "ja@example.com")
    assert JA_TITLE in ja["Subject"]
    assert JA_BODY in plain(ja)
    assert JA_TITLE in plain(ja)
    assert "22:18" in plain(ja)
    assert "JST" in plain(ja)
    assert JA_BODY in html(ja)
    assert 'lang="ja"' in html(ja)
    assert "Payments" not in plain(ja).split("--")[0]  # the message is all Japanese
    (de,) = mail_to(smtp, "de@example.com")
    assert "Payments fail for some customers." in plain(de)  # no German text: the default
    assert "14:18" in plain(de)
    assert "MEZ" in plain(de)
    (en,) = mail_to(smtp, "en@example.com")
    assert en["Subject"].endswith("Payments failing")
    assert "Payments fail for some customers." in plain(en)
    assert "1:18" in plain(en)
    assert "UTC" in plain(en)
    assert "JST" not in plain(en)
    # The browser, decrypted with its own keys: Japanese too.
    assert push_service.problems == []
    (push,) = push_service.received
    assert JA_TITLE in push.message["title"]
    assert JA_BODY in push.message["body"]
    # Slack: the update's words and the status in Japanese; its shape (the webhook body it
    # is built from) stays Statuspage's, in the default language.
    (posted,) = [r.json for r in receiver.requests if r.path.endswith("/ja")]
    assert JA_TITLE in posted["text"]
    assert JA_BODY in json.dumps(posted, ensure_ascii=False)

    # A further update without a Japanese text: the ja reader gets the default words, in
    # the same thread (the subject is the one the first mail had), times still in JST.
    post_update(
        incident,
        PostUpdate("A certificate expired; renewing it.", status="identified", display_at=AT),
    )
    db.session.commit()
    drain(queue)
    first, second = mail_to(smtp, "ja@example.com")
    assert second["Subject"] == first["Subject"]
    assert "A certificate expired; renewing it." in plain(second)
    assert "JST" in plain(second)
    assert "A certificate expired" in push_service.received[-1].message["body"]
    assert second["Subject"] != mail_to(smtp, "en@example.com")[1]["Subject"]


def test_the_subscribe_form_keeps_the_chosen_language_and_zone_and_refuses_a_bad_one(
    client, smtp, queue
):
    shown = client.get("/subscribe", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert re.search(
        r'<option[^>]*selected[^>]*value="fr"|<option[^>]*value="fr"[^>]*selected', shown
    )
    assert 'name="time_zone"' in shown
    assert "data-browser-zone" in shown

    def subscribe(email: str, **fields: str):
        data = {"csrf_token": csrf_token(client, "/subscribe"), "email": email, "scope": "all"}
        data |= {"incidents": "y", "maintenance": "y"} | fields
        return client.post("/subscribe", data=data)

    assert subscribe("fr@example.com", language="fr", time_zone="Europe/Paris").status_code == 200
    person = db.session.scalars(select(Subscriber)).one()
    assert (person.language, person.time_zone) == ("fr", "Europe/Paris")
    drain(queue)
    (confirmation,) = smtp.inbox.messages
    assert 'lang="fr"' in html(confirmation)

    refused = subscribe("xx@example.com", language="xx", time_zone="Europe/Paris")
    assert refused.status_code == 400
    assert "Choose one of the languages offered" in refused.get_data(as_text=True)
    # A zone the browser named that this machine does not know: the page's, silently.
    assert subscribe("mars@example.com", language="de", time_zone="Mars/Olympus").status_code == 200
    mars = db.session.scalars(
        select(Subscriber).join(ContactPoint).where(ContactPoint.address == "mars@example.com")
    ).one()
    assert (mars.language, mars.time_zone) == ("de", None)


def test_the_preference_centre_changes_language_and_zone(client):
    person = subscriber("ann@example.com", language="en")
    db.session.commit()
    manage = links_for(person)["manage_url"].removeprefix(BASE)
    page = client.get(manage).get_data(as_text=True)
    assert '<option value="Asia/Tokyo">' in page

    def save(**fields: str):
        data = {"csrf_token": csrf_token(client, manage), "action": "save", "scope": "all"}
        return client.post(manage, data={**data, "incidents": "y", "maintenance": "y", **fields})

    assert save(language="ja", time_zone="Asia/Tokyo").status_code == 200
    db.session.refresh(person)
    assert (person.language, person.time_zone) == ("ja", "Asia/Tokyo")
    bad = save(language="ja", time_zone="Mars/Olympus")
    assert bad.status_code == 400
    assert "Choose a time zone by its name" in bad.get_data(as_text=True)
    assert save(language="klingon", time_zone="Asia/Tokyo").status_code == 400
    db.session.refresh(person)
    assert (person.language, person.time_zone) == ("ja", "Asia/Tokyo")
    # The select's first choice sets the zone back to the page's.
    assert save(language="ja", time_zone="").status_code == 200
    db.session.refresh(person)
    assert (person.language, person.time_zone) == ("ja", None)


def test_the_csv_roster_imports_and_exports_language_and_zone():
    report = import_subscribers(
        [
            "email,name,components,language,time_zone\n",
            "ken@example.com,Ken,,ja,Asia/Tokyo\n",
            "ada@example.com,Ada,,,\n",
            "bad@example.com,Bad,,tlh,Europe/Berlin\n",
            "far@example.com,Far,,de,Mars/Olympus\n",
        ],
        opted_in=True,
        dry_run=False,
        actor=SYSTEM,
    )
    assert report.created == 2
    reasons = dict(report.invalid)
    assert "unknown language 'tlh'" in reasons[4]
    assert "unknown time zone 'Mars/Olympus'" in reasons[5]
    rows = list(export_rows())
    header = rows[0]
    by_email = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert by_email["ken@example.com"]["language"] == "ja"
    assert by_email["ken@example.com"]["time_zone"] == "Asia/Tokyo"
    assert by_email["ada@example.com"]["language"] == ""
    # Without a header the columns are email, name, components, language, time_zone.
    again = import_subscribers(
        ["eve@example.com,Eve,,es,America/Mexico_City\n"],
        opted_in=True,
        dry_run=False,
        actor=SYSTEM,
    )
    assert again.created == 1
    eve = db.session.scalars(select(Subscriber).where(Subscriber.name == "Eve")).one()
    assert (eve.language, eve.time_zone) == ("es", "America/Mexico_City")


def test_a_text_message_says_the_title_and_status_in_the_readers_language():
    page = ensure_page()
    ja = subscriber(
        contact_point("+819012345678", Channel.sms), language="ja", time_zone="Asia/Tokyo"
    )
    en = subscriber(contact_point("+447700900123", Channel.sms))
    incident = create_incident(OpenIncident("Payments failing", "Payments fail.", display_at=AT))
    translate(incident.updates[0], JA_TITLE, JA_BODY)
    db.session.flush()
    sent = notice(incident)
    for_ja, for_en = render_messages(
        [delivery(sent, ja.contact_points[0]), delivery(sent, en.contact_points[0])],
        sent,
        incident,
        incident.updates[0],
        page,
    )
    assert JA_TITLE in for_ja.short_text
    assert for_ja.body_text == JA_BODY
    assert "Payments failing" in for_en.short_text
    assert "(Investigating)" in for_en.short_text
