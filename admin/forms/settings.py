"""The page's settings form: name, time zone, languages, description, branding and footer
links."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from wtforms import ColorField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from admin.forms.base import AdminForm
from admin.forms.fields import MultiCheckboxField
from statuspage.i18n import LANGUAGES

LANGUAGE_CHOICES = [SelectChoice(code, name) for code, name in LANGUAGES.items()]


class SettingsForm(AdminForm):
    name = StringField(_l("Page name"), [DataRequired(), Length(max=200)])
    time_zone = SelectField(_l("Time zone"), choices=[], validate_choice=False)
    default_language = SelectField(
        _l("Default language"),
        choices=LANGUAGE_CHOICES,
        description=_l(
            "Readers who name no language read the page in it; incidents are written in it first."
        ),
    )
    translations = MultiCheckboxField(
        _l("Incidents may also be translated into"),
        choices=LANGUAGE_CHOICES,
        description=_l("The composer shows a tab for each; the default language is always on."),
    )
    description = TextAreaField(_l("Description"), [Optional(), Length(max=2000)])
    homepage_url = StringField(
        _l("Company website"),
        [Optional(), Length(max=500)],
        description=_l("Linked from the page header"),
    )
    logo_url = StringField(_l("Logo URL"), [Optional(), Length(max=500)])
    brand_color = ColorField(_l("Brand colour"), [DataRequired()])
    footer_links = TextAreaField(
        _l("Footer links"),
        [Optional(), Length(max=5000)],
        description=_l("One per line: Label | https://example.com/page"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.time_zone.choices = sorted(available_timezones())

    def parsed_footer_links(self) -> list[dict[str, str]]:
        """`Label | URL` lines as the service takes them; the service judges the URLs."""
        links = []
        for line in (self.footer_links.data or "").splitlines():
            if not line.strip():
                continue
            label, _, url = line.rpartition("|")
            links.append({"label": label.strip(), "url": url.strip()})
        return links

    def enabled_languages(self) -> list[str]:
        """The default language and the ones ticked, as the service takes them."""
        return [self.default_language.data, *(self.translations.data or [])]

    @staticmethod
    def footer_text(links: Iterable[dict[str, str]]) -> str:
        return "\n".join(f"{link['label']} | {link['url']}" for link in links)
