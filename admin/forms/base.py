"""The admin forms' one base: a FlaskForm (CSRF) whose one-line fields hold one line.

A text input (StringField and its kinds: email, URL, hidden) is one line in every browser, so a
line break in one came from something other than a person typing: it is refused with the
words of the one text rule (core.validation), as the services refuse it in titles and names
that reach them from the API. Multi-line fields are TextAreaFields; their control characters
are refused for every form before any view runs (request_hygiene).
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, StringField, TextAreaField
from wtforms.validators import ValidationError

from statuspage.core.errors import InvalidInput
from statuspage.core.validation import storable


def one_line(_form: FlaskForm, field: Field) -> None:
    if isinstance(field.data, str):
        try:
            storable(field.data.strip(), "this field", one_line=True)
        except InvalidInput as exc:
            raise ValidationError(str(exc).capitalize() + ".") from exc


class AdminForm(FlaskForm):
    class Meta:
        def bind_field(self, form: FlaskForm, unbound_field: Any, options: dict[str, Any]) -> Field:
            field = super().bind_field(form, unbound_field, options)  # type: ignore[misc]
            if isinstance(field, StringField) and not isinstance(field, TextAreaField):
                field.validators = [*field.validators, one_line]
            return field
