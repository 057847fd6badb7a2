"""Incidents' forms: the composer, an incident page's update, resolve, edit, postmortem, drafts
and notes, scheduled maintenance, and incident templates.

An incident form has a status select per component, added per request (`with_component_fields`)
because components are data, not code; likewise a title and a message per language the page
translates into (`with_translation_fields`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from admin.forms.audience import AudienceMixin
from admin.forms.base import AdminForm
from admin.forms.components import COMPONENT_STATUS_CHOICES, component_label
from admin.forms.fields import MultiCheckboxField, local_time
from admin.preferences import zone_title
from statuspage.clock import utcnow
from statuspage.i18n import LANGUAGES, direction
from statuspage.incidents.commands import Translation
from statuspage.incidents.publishing import MAX_BODY, MAX_NAME
from statuspage.models import Component, ComponentStatus, IncidentStatus
from statuspage.models.enums import INCIDENT_STATUSES, MAINTENANCE_STATUSES

# The order staff move through them, not alphabetical; postmortem has its own form.
INCIDENT_STATUS_CHOICES = [
    SelectChoice(s.value, s.label)
    for s in IncidentStatus
    if s in INCIDENT_STATUSES and s is not IncidentStatus.postmortem
]
MAINTENANCE_STATUS_CHOICES = [
    SelectChoice(s.value, s.label) for s in IncidentStatus if s in MAINTENANCE_STATUSES
]
IMPACT_CHOICES = [
    SelectChoice("", _l("Automatic (from the components)")),
    SelectChoice("none", _l("None")),
    SelectChoice("minor", _l("Minor")),
    SelectChoice("major", _l("Major")),
    SelectChoice("critical", _l("Critical")),
]
# The status a template's components start with in the composer: the mildest bad one, so
# applying a template never declares an outage nobody chose.
TEMPLATE_COMPONENT_STATUS = ComponentStatus.degraded_performance.value
COMPONENT_PREFIX = "component-"
# A little slack for a clock a minute ahead of the server's.
FUTURE_SLACK = timedelta(minutes=5)


def not_in_future(_form: FlaskForm, field: Field) -> None:
    """An update cannot be shown as posted at a time that has not come yet."""
    if field.data and field.data > utcnow() + FUTURE_SLACK:
        zone = zone_title(getattr(field, "zone_name", None))
        raise ValidationError(_("This time is in the future; times are in %(zone)s.", zone=zone))


def body_field(
    label: str = "Message", default: str | None = None, *, field_id: str | None = None
) -> TextAreaField:
    validators = [DataRequired(), Length(max=MAX_BODY)]
    return TextAreaField(label, validators, default=default, id=field_id)


class ComponentStatusesMixin:
    """One select per component: its new status, or blank for "not affected".

    The fields are added per request (`with_component_fields`) because components are data,
    not code; they are named `component-<id>`, so the posted form reads the same as the page.
    """

    components_by_field: dict[str, Component] = {}  # noqa: RUF012 - set per class, read-only

    def component_fields(self) -> list[tuple[Field, Component]]:
        """(select, component) pairs in page order, for the affected-components table."""
        return [(self[name], c) for name, c in self.components_by_field.items()]  # type: ignore[index]

    def component_statuses(self) -> dict[str, str]:
        return {
            component.id: field.data for field, component in self.component_fields() if field.data
        }


def with_component_fields(
    form_cls: type[FlaskForm],
    components: Iterable[Component],
    *,
    blank: str = "Not affected",
    id_prefix: str = "",
) -> type[FlaskForm]:
    """`form_cls` with a status select per component; `id_prefix` keeps the selects' ids
    unique when two such forms share a page (the names stay `component-<id>`)."""
    fields: dict[str, Any] = {}
    by_field: dict[str, Component] = {}
    for component in components:
        name = COMPONENT_PREFIX + component.id
        by_field[name] = component
        fields[name] = SelectField(
            component_label(component),
            choices=[SelectChoice("", blank), *COMPONENT_STATUS_CHOICES],
            default="",
            validators=[Optional()],
            id=id_prefix + name,
        )
    fields["components_by_field"] = by_field
    return type(form_cls.__name__, (form_cls,), fields)


TRANSLATION_PREFIX = "translation-"


class TranslationsMixin:
    """One optional tab per language the page translates into: a title and a message.

    The default language's tab is the form's own `name` (where it has one) and `body`.
    """

    default_language: str = "en"
    translation_languages: tuple[str, ...] = ()

    def translation_fields(self) -> list[tuple[str, Field, Field]]:
        """(language, title, message) in the page's order, for the composer's tabs."""
        return [
            (lang, self[_title(lang)], self[_body(lang)])  # type: ignore[index]
            for lang in self.translation_languages
        ]

    def every_translation(self) -> list[Translation]:
        """Every tab, an empty one too: editing an update's translations removes those."""
        return [
            Translation(lang, (title.data or "").strip() or None, body.data or "")
            for lang, title, body in self.translation_fields()
        ]

    def translations(self) -> list[Translation]:
        """The tabs filled in, as the services take them; an empty tab is no translation."""
        return [
            Translation(lang, (title.data or "").strip() or None, body.data)
            for lang, title, body in self.translation_fields()
            if (body.data or "").strip()
        ]


def _title(lang: str) -> str:
    return f"{TRANSLATION_PREFIX}{lang}-title"


def _body(lang: str) -> str:
    return f"{TRANSLATION_PREFIX}{lang}-body"


def translation_data(translations: Iterable[Any]) -> dict[str, str | None]:
    """An update's translations (rows with language, title, body) as the tabs' data."""
    data: dict[str, str | None] = {}
    for translation in translations:
        data[_title(translation.language)] = translation.title
        data[_body(translation.language)] = translation.body
    return data


def _message_with_its_title(lang: str) -> Any:
    def check(form: FlaskForm, field: Field) -> None:
        if not (field.data or "").strip() and (form[_title(lang)].data or "").strip():
            raise ValidationError(
                _(
                    "Write the message in %(language)s too, or clear its title.",
                    language=LANGUAGES[lang],
                )
            )

    return check


def with_translation_fields(
    form_cls: type[FlaskForm],
    default_language: str,
    languages: Iterable[str],
    *,
    title_hint: LazyString,
) -> type[FlaskForm]:
    """`form_cls` with a title and a message for each of `languages` (not the default), each
    marked with its language and direction so spelling, fonts and screen readers follow it."""
    fields: dict[str, Any] = {
        "default_language": default_language,
        "translation_languages": tuple(languages),
    }
    for lang in fields["translation_languages"]:
        marks = {"lang": lang, "dir": direction(lang)}
        fields[_title(lang)] = StringField(
            _l("Title in %(language)s", language=LANGUAGES[lang]),
            [Optional(), Length(max=MAX_NAME)],
            description=title_hint,
            render_kw=marks,
        )
        fields[_body(lang)] = TextAreaField(
            _l("Message in %(language)s", language=LANGUAGES[lang]),
            [_message_with_its_title(lang), Length(max=MAX_BODY)],
            render_kw=marks,
        )
    return type(form_cls.__name__, (form_cls,), fields)


class TranslationsForm(TranslationsMixin, AdminForm):
    """An update's translations, edited after it was posted (the newest update's)."""


class PreviewForm(AdminForm):
    body = TextAreaField(validators=[Optional(), Length(max=MAX_BODY)])


class IncidentForm(AudienceMixin, ComponentStatusesMixin, TranslationsMixin, AdminForm):
    """The composer: a new incident and its first update."""

    name = StringField(_l("Title"), [DataRequired(), Length(max=300)])
    status = SelectField(_l("Status"), choices=INCIDENT_STATUS_CHOICES, default="investigating")
    impact = SelectField(_l("Impact"), choices=IMPACT_CHOICES, default="")
    body = body_field()
    display_at = local_time(
        _l("Started at"),
        Optional(),
        not_in_future,
        description="Optional: for an incident posted after it began.",
    )
    # Backfill: the incident, its first update and the component changes are recorded then.
    happened_at = local_time(
        _l("This happened at"),
        Optional(),
        not_in_future,
        description="Optional: to record an incident that is already in the past.",
    )
    notify = BooleanField(_l("Notify subscribers"), default=True)
    ack_minutes = IntegerField(
        _l("Require acknowledgement within (minutes)"),
        [Optional(), NumberRange(min=1, max=7 * 24 * 60)],
        description=_l(
            "Optional: recipients confirm receipt; if they do not in time, their "
            "next contact path is tried."
        ),
    )

    social_text = TextAreaField(
        _l("Custom social text"),
        [Optional(), Length(max=500)],
        description=_l(
            "Optional: what X and Mastodon post instead of the title and message. The "
            "incident link is added if missing; X posts are cut to 280 characters, Mastodon to 500."
        ),
    )

    def ack_window(self) -> timedelta | None:
        return timedelta(minutes=self.ack_minutes.data) if self.ack_minutes.data else None


class UpdateForm(ComponentStatusesMixin, TranslationsMixin, AdminForm):
    status = SelectField(_l("Status"), choices=INCIDENT_STATUS_CHOICES)
    body = body_field()
    display_at = local_time(
        _l("Posted at"),
        Optional(),
        not_in_future,
        description="Optional: for an update written up after the fact.",
    )
    notify = BooleanField(_l("Notify subscribers"), default=True)
    ack_minutes = IncidentForm.ack_minutes
    social_text = IncidentForm.social_text
    ack_window = IncidentForm.ack_window


class ResolveForm(AdminForm):
    body = body_field(default="This incident has been resolved.")
    restore = BooleanField(_l("Set the affected components back to operational"), default=True)
    notify = BooleanField(_l("Notify subscribers"), default=True)


class EditIncidentForm(AdminForm):
    name = StringField(_l("Title"), [DataRequired(), Length(max=300)])
    impact = SelectField(_l("Impact"), choices=IMPACT_CHOICES[1:])


class EditMaintenanceForm(AdminForm):
    name = StringField(_l("Title"), [DataRequired(), Length(max=300)])
    scheduled_for = local_time(_l("Starts"), InputRequired())
    scheduled_until = local_time(_l("Ends"), InputRequired())
    auto_start = BooleanField(_l("Start automatically"))
    auto_complete = BooleanField(_l("Complete automatically"))
    remind_prior = BooleanField(_l("Remind subscribers an hour before"))


class PostmortemForm(AdminForm):
    body = body_field("Postmortem")


# Drafts and internal notes share the incident page with the update form: their fields carry
# ids of their own so each label points at its own input.
class DraftForm(ComponentStatusesMixin, AdminForm):
    """A responder's proposed update, for a publisher to review."""

    status = SelectField(_l("Status"), choices=INCIDENT_STATUS_CHOICES, id="draft-status")
    body = body_field(field_id="draft-body")


class NoteForm(AdminForm):
    body = body_field("Internal note", field_id="note-body")


class PublishDraftForm(AdminForm):
    """Review a draft: its words may be edited; status and components are published as drafted."""

    body = body_field()
    notify = BooleanField(_l("Notify subscribers"), default=True)


class MaintenanceForm(AudienceMixin, TranslationsMixin, AdminForm):
    name = StringField(_l("Title"), [DataRequired(), Length(max=300)])
    body = body_field()
    scheduled_for = local_time(_l("Starts"), InputRequired())
    scheduled_until = local_time(_l("Ends"), InputRequired())
    components = MultiCheckboxField(_l("Affected components"), choices=[], validate_choice=True)
    # On by default: a window left manual stays "Scheduled" past its start until staff act.
    auto_start = BooleanField(
        _l("Start automatically: components go under maintenance at the start"), default=True
    )
    auto_complete = BooleanField(
        _l("Complete automatically: components are operational at the end"), default=True
    )
    remind_prior = BooleanField(_l("Remind subscribers an hour before it starts"))
    notify = BooleanField(_l("Notify subscribers now"), default=True)


class TemplateForm(AdminForm):
    name = StringField(_l("Template name"), [DataRequired(), Length(max=200)])
    title = StringField(_l("Incident title"), [DataRequired(), Length(max=300)])
    body = body_field()
    update_status = SelectField(
        _l("Status"), choices=INCIDENT_STATUS_CHOICES, default="investigating"
    )
    components = MultiCheckboxField(_l("Affected components"), choices=[])
    should_send_notifications = BooleanField(_l("Notify subscribers"), default=True)
