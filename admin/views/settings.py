"""Page settings (owner only): name, time zone, languages, description, branding, footer
links."""

from __future__ import annotations

from flask import Response, render_template
from flask_babel import gettext as _

from admin.access import actor
from admin.forms.settings import SettingsForm
from admin.outcome import attempt, done, form_status
from statuspage.page.languages import default_language, translation_languages
from statuspage.page.settings import update_settings
from statuspage.page.state import ensure_page


def edit() -> str | tuple[str, int] | Response:
    page = ensure_page()
    form = SettingsForm(
        data={
            "name": page.name,
            "time_zone": page.time_zone,
            "default_language": default_language(page),
            "translations": translation_languages(page),
            "description": page.description,
            "homepage_url": page.homepage_url,
            "logo_url": page.logo_url,
            "brand_color": page.brand_color,
            "footer_links": SettingsForm.footer_text(page.footer_links or []),
        }
    )
    if form.validate_on_submit():
        with attempt(form):
            update_settings(
                actor=actor(),
                name=form.name.data,
                time_zone=form.time_zone.data,
                description=form.description.data or "",
                homepage_url=form.homepage_url.data or "",
                logo_url=form.logo_url.data or "",
                brand_color=form.brand_color.data,
                footer_links=form.parsed_footer_links(),
                default_language=form.default_language.data,
                languages=form.enabled_languages(),
            )
            return done(_("Settings saved."), "admin.settings")
    return render_template("admin/settings.html", form=form), form_status()
