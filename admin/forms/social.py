"""The page's social accounts' forms: X and Mastodon credentials.

Secrets are password inputs that are never filled back in: a blank one keeps what is saved.
Both forms share a page, so their fields carry their own ids.
"""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import Length, Optional

from admin.forms.base import AdminForm


def _secret(label: LazyString, field_id: str, description: LazyString | str = "") -> PasswordField:
    return PasswordField(label, [Optional(), Length(max=500)], id=field_id, description=description)


class XAccountForm(AdminForm):
    """An X developer app's keys, with read and write permission (OAuth 1.0a user context)."""

    label = StringField(
        _l("Account"),
        [Optional(), Length(max=200)],
        id="x-label",
        description=_l("Like @acmestatus"),
    )
    consumer_key = _secret(_l("API key (consumer key)"), "x-consumer_key")
    consumer_secret = _secret(_l("API key secret"), "x-consumer_secret")
    access_token = _secret(_l("Access token"), "x-access_token")
    access_token_secret = _secret(_l("Access token secret"), "x-access_token_secret")
    enabled = BooleanField(_l("Post every public update here"), default=True, id="x-enabled")

    def credentials(self) -> dict[str, str | None]:
        return {
            "consumer_key": self.consumer_key.data,
            "consumer_secret": self.consumer_secret.data,
            "access_token": self.access_token.data,
            "access_token_secret": self.access_token_secret.data,
        }


class MastodonAccountForm(AdminForm):
    """A Mastodon server and an access token with the write:statuses scope."""

    label = StringField(
        _l("Account"),
        [Optional(), Length(max=200)],
        id="mastodon-label",
        description=_l("Like @acme@mastodon.social"),
    )
    base_url = StringField(
        _l("Server"),
        [Optional(), Length(max=500)],
        id="mastodon-base_url",
        description=_l("Its address, like https://mastodon.social"),
    )
    access_token = _secret(
        _l("Access token"),
        "mastodon-access_token",
        _l("Preferences → Development → New application, with the write:statuses scope."),
    )
    enabled = BooleanField(_l("Post every public update here"), default=True, id="mastodon-enabled")

    def credentials(self) -> dict[str, str | None]:
        return {"base_url": self.base_url.data, "access_token": self.access_token.data}
