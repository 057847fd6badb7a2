"""The admin forms' one base: a FlaskForm (CSRF) whose one-line fields hold one line.

A text input (StringField and its kinds: email, URL, hidden) is one line in every browser, so a
line break in one came from something other than a person typing: it is refused with the
words of the one text rule (core.validation), as the services refuse it in titles and names
that reach them from the API. Multi-line fields are TextAreaFields; their control characters
are refused for every form before any view runs (request_hygiene).
"""

from __future__ import annotations

from typing import Any

from flask_babel import LazyString
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import Field, StringField, TextAreaField
from wtforms.csrf.core import CSRFTokenField
from wtforms.validators import ValidationError
from wtforms.widgets import HiddenInput

from statuspage.core.errors import InvalidInput
from statuspage.core.validation import storable


def one_line(_form: FlaskForm, field: Field) -> None:
    if isinstance(field.data, str):
        try:
            storable(field.data.strip(), "this field", one_line=True)
        except InvalidInput as exc:
            raise ValidationError(str(exc).capitalize() + ".") from exc


class _HiddenWithoutId(HiddenInput):
    """The CSRF token's input: nothing labels it, and an id would repeat in every form."""

    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        kwargs.setdefault("id", False)  # html_params leaves a False attribute out
        return super().__call__(field, **kwargs)


class AdminForm(FlaskForm):
    """Pass `meta={"id_prefix": "resolve-"}` to a form that shares its page with others: its
    fields' ids (and their labels' `for`) take the prefix, their names stay as they are."""

    class Meta:
        id_prefix = ""

        def bind_field(self, form: FlaskForm, unbound_field: Any, options: dict[str, Any]) -> Field:
            field = super().bind_field(form, unbound_field, options)  # type: ignore[misc]
            # A lazy label or hint (lazy_gettext) renders unescaped (its __html__ is the bare
            # text): made plain text here, in the request's language, it is escaped like any.
            if isinstance(field.label.text, LazyString):
                field.label.text = str(field.label.text)
            if isinstance(field.description, LazyString):
                field.description = str(field.description)
            if isinstance(field, StringField) and not isinstance(field, TextAreaField):
                field.validators = [*field.validators, one_line]
            if isinstance(field, CSRFTokenField):
                field.widget = _HiddenWithoutId()
            elif self.id_prefix:
                field.id = self.id_prefix + field.id
                field.label.field_id = field.id
            return field
