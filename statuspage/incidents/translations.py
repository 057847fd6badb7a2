"""An update's text in a reader's language, falling back to the page's default.

Every surface that shows or sends an update's title or message (the public pages, the v2
API, the feeds, every channel) reads it through here, so a missing translation falls back
the same way everywhere: to the update's own text, written in the page's default language.
"""

from __future__ import annotations

from dataclasses import dataclass

from statuspage.models import Incident, IncidentUpdate, UpdateTranslation


@dataclass(frozen=True)
class Localized:
    language: str | None  # the translation's language, or None for the default text
    title: str
    body: str
    body_html: str


def _translation(update: IncidentUpdate, lang: str | None) -> UpdateTranslation | None:
    if not lang:
        return None
    return next((t for t in update.translations if t.language == lang), None)


def incident_title(incident: Incident, lang: str | None) -> str:
    """The incident's name in `lang`: the newest update's translated title, else its name."""
    for update in sorted(incident.updates, key=lambda u: u.display_at, reverse=True):
        translation = _translation(update, lang)
        if translation is not None and translation.title:
            return translation.title
    return incident.name


def localized(update: IncidentUpdate, lang: str | None) -> Localized:
    """The update's title and message in `lang`, or the default language's."""
    translation = _translation(update, lang)
    title = incident_title(update.incident, lang)
    if translation is None:
        return Localized(None, title, update.body, update.body_html)
    return Localized(lang, title, translation.body, translation.body_html)
