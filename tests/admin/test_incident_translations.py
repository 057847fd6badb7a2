"""The composer's language tabs: the default language's text first and required, one optional
tab per language the page translates into; what is filled in is published with the update."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.incidents.translations import incident_title, localized
from statuspage.models import Incident
from statuspage.page.settings import update_settings
from tests.admin.staff_client import Staff
from tests.admin.world import World


def _incident(name: str) -> Incident:
    db.session.commit()
    return db.session.scalars(select(Incident).where(Incident.name == name)).one()


def test_the_composer_publishes_an_update_with_its_german_translation(owner: Staff, world: World):
    update_settings(default_language="en", languages=["en", "de", "ja"])
    composer = owner.get("/admin/incidents/new").get_data(as_text=True)
    assert composer.index('<span lang="en">English</span>') < composer.index(
        '<span lang="de">Deutsch</span>'
    )  # the default language's tab first
    assert '<span lang="ja">日本語</span>' in composer
    assert '<span lang="fr">' not in composer  # not enabled on this page
    assert 'dir="ltr" id="translation-de-body" lang="de"' in composer

    response = owner.submit(
        "/admin/incidents/new",
        {
            "name": "Checkout failing",
            "status": "investigating",
            "body": "Payments fail.",
            "translation-de-title": "Bezahlung gestört",
            "translation-de-body": "Zahlungen **schlagen fehl**.",
            "translation-ja-body": "",  # an empty tab is no translation
        },
        page="/admin/incidents/new",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    incident = _incident("Checkout failing")
    assert [t.language for t in incident.updates[0].translations] == ["de"]
    assert incident_title(incident, "de") == "Bezahlung gestört"

    page = f"/admin/incidents/{incident.id}"
    # A title without its message is refused on the form, beside the German tab.
    refused = owner.submit(
        f"{page}/updates",
        {"status": "identified", "body": "Found it.", "translation-de-title": "Gefunden"},
        page=page,
    )
    assert refused.status_code == 422
    assert "Write the message in Deutsch too, or clear its title." in refused.get_data(as_text=True)

    response = owner.submit(
        f"{page}/updates",
        {"status": "identified", "body": "Found it.", "translation-de-body": "Gefunden."},
        page=page,
    )
    assert response.status_code == 302
    newest = _incident("Checkout failing").updates[0]
    assert (localized(newest, "de").title, localized(newest, "de").body) == (
        "Bezahlung gestört",
        "Gefunden.",
    )
    shown = owner.get(page).get_data(as_text=True)
    assert '<section class="translation" lang="de" dir="ltr">' in shown
    assert "Zahlungen <strong>schlagen fehl</strong>." in shown
    assert 'id="retranslate-translation-de-body"' in shown  # the newest update's, to edit
    assert "Gefunden.</textarea>" in shown

    # Corrected afterwards: a Japanese translation added, the German one emptied (removed).
    response = owner.submit(
        f"{page}/translations",
        {"translation-de-body": "", "translation-ja-body": "見つかりました。"},
        page=page,
    )
    assert response.status_code == 302
    newest = _incident("Checkout failing").updates[0]
    assert [(t.language, t.body) for t in newest.translations] == [("ja", "見つかりました。")]


def test_maintenance_is_scheduled_with_a_japanese_translation(owner: Staff, world: World):
    update_settings(default_language="en", languages=["en", "ja"])
    start = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    end = (utcnow() + timedelta(days=2, hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = owner.submit(
        "/admin/maintenance/new",
        {
            "name": "Database upgrade",
            "body": "We upgrade the database.",
            "scheduled_for": start,
            "scheduled_until": end,
            "translation-ja-title": "データベースの更新",
            "translation-ja-body": "データベースを更新します。",
        },
        page="/admin/maintenance/new",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert incident_title(_incident("Database upgrade"), "ja") == "データベースの更新"
