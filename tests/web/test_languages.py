"""The public pages in the reader's language and the page's time zone: who decides the language
(URL, cookie, browser, page), the snapshot kept per language, the picker, and updates read in
their translation with a fallback to the default text."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from babel.dates import format_date

from statuspage import create_app
from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.i18n import LANG_COOKIE
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.models import UpdateTranslation
from statuspage.page.state import bump_version, get_page

GERMAN = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}


def _html_lang(html: str) -> tuple[str, str]:
    found = re.search(r'<html lang="([^"]+)" dir="([^"]+)">', html)
    assert found, html[:200]
    return found.group(1), found.group(2)


def _german_today() -> str:
    # Babel's German date, on the page's "Past incidents" heading for today (UTC).
    return format_date(utcnow().date(), "medium", locale="de")


def test_the_reader_language_comes_from_the_url_then_the_cookie_then_the_browser(
    app, client, small_page
):
    german = client.get("/", headers=GERMAN)
    assert _html_lang(german.text) == ("de", "ltr")
    assert german.headers["Content-Language"] == "de"
    assert "Accept-Language" in german.headers["Vary"]
    assert "Cookie" in german.headers["Vary"]
    assert _german_today() in german.text

    arabic = client.get("/", headers={"Accept-Language": "ar"})
    assert _html_lang(arabic.text) == ("ar", "rtl")
    assert arabic.headers["Content-Language"] == "ar"

    # ?lang= wins over the browser and the cookie; the cookie wins over the browser.
    client.set_cookie(LANG_COOKIE, "ja")
    assert _html_lang(client.get("/?lang=fr", headers=GERMAN).text)[0] == "fr"
    chosen = client.get("/", headers=GERMAN)
    assert _html_lang(chosen.text)[0] == "ja"
    assert chosen.headers["Content-Language"] == "ja"
    client.delete_cookie(LANG_COOKIE)
    assert _html_lang(client.get("/").text)[0] == "en"  # nothing asked: the page's default

    # The picker is on the page: every language by its own name, with its lang attribute.
    assert '<option value="ar" lang="ar">العربية</option>' in german.text
    assert '<option value="de" lang="de" selected>Deutsch</option>' in german.text
    assert '<input type="hidden" name="next" value="/">' in german.text
    base = app.config["BASE_URL"]
    assert f'<link rel="alternate" hreflang="fr" href="{base}/?lang=fr">' in german.text
    # The feeds it offers are the reader's language's.
    assert 'href="/history.atom?lang=de"' in german.text


def test_the_snapshot_in_french_is_never_served_to_a_german_reader(app, small_page):
    cached = create_app({**app.config, "SNAPSHOT_VERSION_TTL": 60.0})  # the fast path may serve
    client = cached.test_client()
    store = cached.extensions["herald.snapshots"]
    french = [client.get("/?lang=fr"), client.get("/?lang=fr")]  # Flask, then the fast path
    assert store.renders == 1
    assert all(_html_lang(r.text)[0] == "fr" for r in french)

    by_browser = [client.get("/", headers=GERMAN), client.get("/", headers=GERMAN)]
    client.set_cookie(LANG_COOKIE, "de")
    by_cookie = [client.get("/"), client.get("/")]
    assert store.renders == 2  # one German rendering, answered again by the fast path
    for answer in (*by_browser, *by_cookie):
        assert answer.headers["Content-Language"] == "de"
        assert _html_lang(answer.text)[0] == "de"
        assert _german_today() in answer.text
        assert answer.data != french[0].data
    assert by_cookie[1].data == by_browser[0].data
    with cached.app_context():
        db.engine.dispose()  # this second app has its own pool; close it, not the GC


@pytest.mark.parametrize(
    ("next_path", "goes_to"),
    [
        ("/history", "/history"),
        ("/incidents/abc?x=1", "/incidents/abc?x=1"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("/\r\nSet-Cookie: x=1", "/"),
        ("", "/"),
    ],
)
def test_the_picker_sets_the_cookie_and_goes_back_only_to_this_site(
    client, small_page, next_path, goes_to
):
    answer = client.get("/language", query_string={"lang": "de", "next": next_path})
    assert answer.status_code == 303
    assert answer.headers["Location"] == goes_to
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith(f"{LANG_COOKIE}=de;")
    assert "Max-Age=31536000" in cookie
    assert "Path=/" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # http here; https sets Secure
    assert "no-store" in answer.headers["Cache-Control"]


def test_the_picker_refuses_a_language_it_does_not_offer(client, small_page):
    for asked in ({"lang": "xx"}, {}, {"lang": "english"}, {"lang": "<script>"}):
        answer = client.get("/language", query_string={**asked, "next": "/"})
        assert answer.status_code == 400
        assert "Set-Cookie" not in answer.headers
        assert "Choose one of the languages offered: en, de, fr, es, ja, ar." in answer.text
        assert "<script>" not in answer.text
    secure = client.get("/language?lang=fr&next=/", base_url="https://localhost")
    assert "Secure" in secure.headers["Set-Cookie"]
    # A regional variant is its language, as `?lang=` is anywhere.
    regional = client.get("/language?lang=de-AT&next=/")
    assert regional.headers["Set-Cookie"].startswith(f"{LANG_COOKIE}=de;")


def test_times_are_shown_in_the_pages_zone_with_the_zone_named(client, small_page):
    page = get_page()
    page.time_zone = "Asia/Singapore"
    bump_version()
    db.session.commit()
    html = client.get("/").text
    stamps = re.findall(r'<time datetime="([^"]+)">([^<]+)</time>', html)
    assert stamps
    for machine, shown in stamps:
        assert machine.endswith("Z")  # the machine-readable time stays UTC
        at = datetime.fromisoformat(machine.replace("Z", "+00:00")).astimezone(UTC)
        assert shown.endswith("GMT+08:00"), shown
        assert f"{(at.hour + 8) % 24 % 12 or 12}:{at:%M}" in shown  # the wall clock there
    assert "Times are shown in GMT+08:00." in html


def test_an_update_reads_in_its_translation_and_falls_back_to_the_default(client, small_page):
    incident = create_incident(OpenIncident("Checkout errors", "We are looking into it."))
    update = incident.updates[0]
    db.session.add(
        UpdateTranslation(
            update_id=update.id,
            language="de",
            title="Fehler beim Bezahlen",
            body="Wir sehen uns das an.",
            body_html="<p>Wir sehen uns das an.</p>",
        )
    )
    bump_version()
    db.session.commit()
    for path in ("/", f"/incidents/{incident.id}", "/history"):
        german = client.get(path, headers=GERMAN).text
        assert "Fehler beim Bezahlen" in german, path
        assert "Checkout errors" not in german, path
        japanese = client.get(path, headers={"Accept-Language": "ja"}).text
        assert "Checkout errors" in japanese, path
        assert "Fehler beim Bezahlen" not in japanese, path
    assert "Wir sehen uns das an." in client.get(f"/incidents/{incident.id}", headers=GERMAN).text
    assert "We are looking into it." in client.get(f"/incidents/{incident.id}?lang=ja").text
    # The feed in German carries the translation; the default feed the default text.
    assert "Fehler beim Bezahlen" in client.get("/history.atom?lang=de").text
    assert "Fehler beim Bezahlen" not in client.get("/history.atom").text
    # The JSON API keeps the machine values, not the labels.
    summary = client.get("/api/v2/summary.json", headers=GERMAN).get_json()
    assert summary["status"]["description"] in {"Partial System Outage", "Minor Service Outage"}
    assert {i["status"] for i in summary["incidents"]} <= {"investigating", "identified"}
