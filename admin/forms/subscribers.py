"""Subscribers' forms: the search, the CSV import, and a webhook or chat contact point."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from admin.forms.base import AdminForm


class SubscriberSearchForm(AdminForm):
    """Read from the query string, like the audit filters: no CSRF token."""

    class Meta:
        csrf = False

    q = StringField(_l("Email, address or name contains"), [Optional(), Length(max=200)])


class SubscriberImportForm(AdminForm):
    file = FileField(
        _l("CSV file"),
        [FileRequired(_l("Choose a CSV file."))],
        description=_l(
            "One person a line: email[,name][,components][,language][,time_zone], "
            "or any order a header row names. Components are ids or names separated by ; (none: "
            "every component); language a code like de, time zone a name like Europe/Berlin "
            "(empty: the page's). At most 1 MB, UTF-8."
        ),
    )
    opted_in = BooleanField(
        _l("These people already opted in"),
        description=_l(
            "Tick only if every address on the list agreed to receive status updates: "
            "they are imported verified and receive the next notice. Otherwise they are imported "
            "unverified and receive nothing until they confirm."
        ),
    )
    check = SubmitField(_l("Check the file (dry run)"))
    confirm = SubmitField(_l("Import"))


class EndpointContactForm(AdminForm):
    """Staff add a webhook or chat contact point to one person, tried after their others."""

    channel = SelectField(
        _l("Channel"),
        choices=[
            SelectChoice("webhook", _l("Webhook (signed, Statuspage format)")),
            SelectChoice("slack", _l("Slack incoming webhook")),
            SelectChoice("teams", _l("Microsoft Teams webhook or workflow")),
            SelectChoice("discord", _l("Discord webhook")),
        ],
        default="webhook",
        id="endpoint-channel",
    )
    url = StringField(_l("URL"), [DataRequired(), Length(max=2000)], id="endpoint-url")
    notify_email = EmailField(
        _l("Email to tell if it stops working"),
        [Optional(), Length(max=254)],
        id="endpoint-notify",
        description=_l("Owners are told too."),
    )
