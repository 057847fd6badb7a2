"""Herald's `translations` extension of the v1 incident: written with an update, edited on
the newest one, read back in `incident_updates`, refused in a language the page lacks."""

from __future__ import annotations

from statuspage.extensions import db
from statuspage.page.settings import update_settings


def _ok(response, status: int = 200):
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def test_translations_are_written_returned_edited_and_refused_when_not_enabled(client, owner, base):
    created = _ok(
        client.post(
            f"{base}/incidents",
            headers=owner.headers,
            json={
                "incident": {
                    "name": "API errors",
                    "body": "We are investigating.",
                    "translations": {
                        "de": {"name": "API-Fehler", "body": "Wir prüfen das."},
                        "ja": {"body": "調査中です。"},
                    },
                }
            },
        ),
        201,
    )
    (first,) = created["incident_updates"]
    assert first["body"] == "We are investigating."
    assert first["translations"] == {
        "de": {"name": "API-Fehler", "body": "Wir prüfen das."},
        "ja": {"name": None, "body": "調査中です。"},
    }
    path = f"{base}/incidents/{created['id']}"

    # A form-encoded update carries them too, Rails-style.
    updated = _ok(
        client.patch(
            path,
            headers=owner.headers,
            data={
                "incident[status]": "identified",
                "incident[body]": "Found it.",
                "incident[translations][de][body]": "Gefunden.",
            },
        )
    )
    newest = updated["incident_updates"][0]
    assert (newest["body"], newest["translations"]) == (
        "Found it.",
        {"de": {"name": None, "body": "Gefunden."}},
    )

    # Without a new update's fields, translations edit the newest update's; null removes one.
    edited = _ok(
        client.patch(
            path,
            headers=owner.headers,
            json={"incident": {"translations": {"de": None, "ja": {"body": "見つかりました。"}}}},
        )
    )
    assert len(edited["incident_updates"]) == 2  # nothing posted
    assert edited["incident_updates"][0]["translations"] == {
        "ja": {"name": None, "body": "見つかりました。"}
    }

    update_settings(languages=["en", "de"])
    db.session.commit()
    for translations, message in [
        ({"ja": {"body": "x"}}, "'ja' is not enabled for translations"),
        ({"en": {"body": "x"}}, "'en' is the page's default language"),
        ({"tlh": {"body": "x"}}, "'tlh' is not a language Herald ships"),
        ({"de": "Hallo"}, "incident[translations][de] takes a name and a body"),
        ({"de": {"body": 3}}, "must be strings"),
        ({"de": {"name": "Nur ein Titel"}}, "translation's message is required"),
    ]:
        response = client.post(
            f"{base}/incidents",
            headers=owner.headers,
            json={"incident": {"name": "X", "body": "Y", "translations": translations}},
        )
        assert response.status_code == 422, translations
        assert message in response.get_json()["error"]
