"""Updates in several languages: the services write, edit and refuse translations, and the
read side (statuspage/incidents/translations.py) falls back to the default text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from statuspage.core.errors import InvalidInput
from statuspage.incidents.commands import OpenIncident, PostUpdate, ScheduleMaintenance
from statuspage.incidents.maintenance import schedule_maintenance
from statuspage.incidents.publishing import create_incident, edit_translations, post_update
from statuspage.incidents.translations import incident_title, localized
from statuspage.page.settings import update_settings
from statuspage.page.state import page_version


def test_updates_carry_translations_that_can_be_edited_and_fall_back_per_language():
    incident = create_incident(
        OpenIncident(
            "API errors",
            "We are **investigating**.",
            translations=[("de", "API-Fehler", "Wir **untersuchen** das."), ("ja", None, "調査中")],
        )
    )
    first = incident.updates[0]
    assert {t.language: (t.title, t.body) for t in first.translations} == {
        "de": ("API-Fehler", "Wir **untersuchen** das."),
        "ja": (None, "調査中"),
    }
    assert "<strong>untersuchen</strong>" in localized(first, "de").body_html
    assert incident_title(incident, "ja") == "API errors"  # no Japanese title: the default's

    second = post_update(incident, PostUpdate("Fixed.", translations=[("de", None, "Behoben.")]))
    assert localized(second, "de").title == "API-Fehler"  # the earlier update's title holds
    assert localized(second, "ja").body == "Fixed."  # no Japanese translation: the default
    assert localized(second, "fr").language is None

    version = page_version()[1]
    edit_translations(second, [("de", None, "Endgültig behoben."), ("ja", None, "解決済み")])
    assert localized(second, "de").body == "Endgültig behoben."
    assert localized(second, "ja").body == "解決済み"
    edit_translations(second, [("ja", "", "")])  # blank: removed; German untouched
    assert [t.language for t in second.translations] == ["de"]
    assert page_version()[1] > version


def test_maintenance_is_announced_with_its_translations():
    start = datetime(2030, 1, 1, 3, tzinfo=UTC)
    window = schedule_maintenance(
        ScheduleMaintenance(
            "Upgrade",
            "We upgrade.",
            scheduled_for=start,
            scheduled_until=start + timedelta(hours=1),
            translations=[("ja", "アップグレード", "アップグレードします。")],
        )
    )
    assert incident_title(window, "ja") == "アップグレード"


@pytest.mark.parametrize(
    ("translation", "message"),
    [
        (("xx", None, "Hallo"), "'xx' is not a language Herald ships"),
        (("en", None, "Hello"), "'en' is the page's default language"),
        (("fr", None, "Bonjour"), "'fr' is not enabled for translations on this page"),
        (("de", None, "  "), r"the Deutsch \(de\) translation's message is required"),
        (("de", "Zeile\nzwei", "Text"), "translation's title"),
        (("de", None, "x" * 20_001), "translation's message is at most 20000 characters"),
    ],
)
def test_a_translation_in_a_language_not_enabled_or_with_bad_text_is_refused(translation, message):
    update_settings(default_language="en", languages=["en", "de", "ja"])
    with pytest.raises(InvalidInput, match=message):
        create_incident(OpenIncident("Down", "Down.", translations=[translation]))


def test_a_language_given_twice_is_refused():
    with pytest.raises(InvalidInput, match="given twice"):
        create_incident(
            OpenIncident("Down", "Down.", translations=[("de", None, "A"), ("de", None, "B")])
        )
