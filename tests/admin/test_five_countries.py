"""[11/14]'s "done means", as one scenario with the clock moving: a bank with customers in
five countries posts one update with its translations, and every customer reads it in their
own language and time zone, on the page and on every channel.

A comms lead in Singapore writes in the admin's composer (real forms, CSRF on); subscribers
in Berlin, Paris, Madrid, Tokyo and Riyadh (and one who chose nothing) read their mail at the
aiosmtpd server, a Tokyo browser decrypts its push, and readers in each language open the
page, the v2 JSON and their feed (feedparser). What each should read is computed here with
Babel and the catalogs' own files (babel.messages.pofile), not with Herald's code.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import time_machine
from babel.dates import format_time
from babel.messages.pofile import read_po
from sqlalchemy import select

from statuspage.extensions import db
from statuspage.models import Incident, Role, StaffUser
from statuspage.page.settings import update_settings
from statuspage.page.state import ensure_page
from statuspage.vapid import vapid_keys
from tests.admin.staff_client import signed_in
from tests.factories import subscriber
from tests.queue import drain

CATALOGS = Path(__file__).resolve().parents[2] / "translations"
BASE = "http://status.example.test"
T0 = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)  # 06:00 in Berlin, 14:00 in Tokyo

# Who reads, where: (address, language, zone). The last chose nothing: the page's.
READERS = [
    ("anna@bank.de", "de", "Europe/Berlin"),
    ("luc@bank.fr", "fr", "Europe/Paris"),
    ("ines@bank.es", "es", "Europe/Madrid"),
    ("haruto@bank.jp", "ja", "Asia/Tokyo"),
    ("layla@bank.sa", "ar", "Asia/Riyadh"),
    ("sam@bank.co.uk", None, None),
    ("kim@bank.com", "en", "America/New_York"),
]
PAGE_ZONE = "Europe/London"
TITLE = "Card payments failing"
BODY = "Card payments fail for some customers. We are investigating."
TRANSLATED = {
    "de": ("Kartenzahlungen gestört", "Kartenzahlungen schlagen bei einigen Kunden fehl."),
    "fr": ("Paiements par carte en échec", "Les paiements par carte échouent pour certains."),
    "es": ("Fallan los pagos con tarjeta", "Los pagos con tarjeta fallan para algunos clientes."),
    "ja": ("カード決済の障害", "一部のお客様でカード決済が失敗しています。"),
    "ar": ("تعطل المدفوعات بالبطاقات", "تفشل المدفوعات بالبطاقات لدى بعض العملاء."),
}
FOUND = "A certificate expired at the card processor; renewing it."
FOUND_IN = {
    "de": "Ein Zertifikat beim Kartenverarbeiter ist abgelaufen.",
    "ja": "証明書が失効しました。",
}


@cache
def catalog_word(lang: str, msgid: str) -> str:
    """`msgid` as the shipped catalog of `lang` translates it (English when none)."""
    if lang == "en":
        return msgid
    with (CATALOGS / lang / "LC_MESSAGES" / "messages.po").open("rb") as po:
        message = read_po(po, locale=lang).get(msgid)
    return (message.string if message is not None else "") or msgid


def clock(at: datetime, lang: str, zone: str) -> str:
    """The time of day as Babel writes it for a reader of `lang` in `zone`."""
    return format_time(at, "short", tzinfo=ZoneInfo(zone), locale=lang)


def _mails(smtp, address: str) -> list:
    return [m for m in smtp.inbox.messages if m["To"] == address]


def _plain(message) -> str:
    return message.get_body(("plain",)).get_content()


def _composer_fields(translations: dict[str, tuple[str, str]]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for lang, (title, body) in translations.items():
        fields[f"translation-{lang}-title"] = title
        fields[f"translation-{lang}-body"] = body
    return fields


def test_a_bank_in_five_countries_posts_one_update_and_each_customer_reads_their_own(
    app, client, smtp, queue, push_service, rendered
):
    with time_machine.travel(T0, tick=False) as traveller:
        owner = signed_in(app, Role.owner)  # signed in on the scenario's clock
        update_settings(default_language="en", languages=None, time_zone=PAGE_ZONE)
        staff = db.session.scalars(select(StaffUser).where(StaffUser.role == Role.owner)).one()
        staff.time_zone = "Asia/Singapore"
        for address, lang, zone in READERS:
            subscriber(address, language=lang, time_zone=zone)
        db.session.commit()
        key = vapid_keys(app.config["VAPID_PRIVATE_KEY"], app.instance_path)
        browser = push_service.browser(application_server_key=key.application_server_key)
        subscribed = client.post(
            "/push/subscriptions",
            data=json.dumps(
                {
                    "subscription": browser.subscription(),
                    "language": "ja",
                    "time_zone": "Asia/Tokyo",
                }
            ),
            headers={"Content-Type": "application/json", "Origin": BASE},
        )
        assert subscribed.status_code == 200, subscribed.get_data(as_text=True)

        # 05:00 UTC: the comms lead opens the incident with all five translations.
        opened = owner.submit(
            "/admin/incidents/new",
            {
                "name": TITLE,
                "status": "investigating",
                "body": BODY,
                "notify": "y",
                **_composer_fields(TRANSLATED),
            },
            page="/admin/incidents/new",
        )
        assert opened.status_code == 302, opened.get_data(as_text=True)[:2000]
        incident = db.session.scalars(select(Incident).where(Incident.name == TITLE)).one()
        rendered.clear()
        drain(queue)
        # Seven readings (language, zone) in six languages: the mail renders once per language,
        # each zone only swapping its time in.
        assert rendered["email/update.txt"] == rendered["email/update.html"] == 6

        for address, lang, zone in READERS:
            (mail,) = _mails(smtp, address)
            text = _plain(mail)
            reading, where = lang or "en", zone or PAGE_ZONE
            title, body = TRANSLATED.get(reading, (TITLE, BODY))
            assert title in mail["Subject"], (address, mail["Subject"])
            assert body in text, address
            assert clock(T0, reading, where) in text, (address, text)
            assert catalog_word(reading, "Investigating") in text, address
            if reading != "en":
                assert BODY not in text, address
                assert "Investigating" not in text, address
        (push,) = push_service.received
        assert push_service.problems == []
        assert TRANSLATED["ja"][0] in push.message["title"]
        assert TRANSLATED["ja"][1] in push.message["body"]

        # Every reader's page, JSON and feed, in their language (the page's zone, named).
        for lang, (title, _body) in TRANSLATED.items():
            page = client.get("/", headers={"Accept-Language": f"{lang},en;q=0.5"})
            shown = page.get_data(as_text=True)
            assert page.headers["Content-Language"] == lang
            assert f'lang="{lang}"' in shown, lang
            assert title in shown, lang
            assert ('dir="rtl"' in shown) == (lang == "ar")
            summary = client.get(f"/api/v2/summary.json?lang={lang}").get_json()
            assert [i["name"] for i in summary["incidents"]] == [title]
            feed = feedparser.parse(client.get(f"/history.atom?lang={lang}").data)
            assert feed.bozo == 0, feed.bozo_exception
            assert feed.entries[0].title.startswith(title) or title in feed.entries[0].title
        assert client.get("/api/v2/summary.json").get_json()["incidents"][0]["name"] == TITLE

        # 05:25: the cause, translated into German and Japanese only: the others read the
        # default text, their fixed words and clock still their own.
        traveller.shift(timedelta(minutes=25))
        found = owner.submit(
            f"/admin/incidents/{incident.id}/updates",
            {
                "status": "identified",
                "body": FOUND,
                "notify": "y",
                **{f"translation-{lang}-body": text for lang, text in FOUND_IN.items()},
            },
            page=f"/admin/incidents/{incident.id}",
        )
        assert found.status_code == 302, found.get_data(as_text=True)[:2000]
        drain(queue)
        at = T0 + timedelta(minutes=25)
        for address, lang, zone in READERS:
            first, second = _mails(smtp, address)
            text = _plain(second)
            reading = lang or "en"
            assert second["Subject"] == first["Subject"], address  # one thread per reader
            assert FOUND_IN.get(reading, FOUND) in text, address
            assert clock(at, reading, zone or PAGE_ZONE) in text, address
            assert catalog_word(reading, "Identified") in text, address
        assert FOUND_IN["ja"] in push_service.received[-1].message["body"]
    db.session.remove()
    assert ensure_page().time_zone == PAGE_ZONE
