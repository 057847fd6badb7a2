"""The admin's WTForms: they parse and check the shape of input; the services judge its meaning.

Every form is a FlaskForm, so each carries the CSRF token that CSRFProtect checks on every
POST. Times are entered in UTC: a crisis team spread over time zones reads one clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, timedelta
from typing import Any
from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    ColorField,
    DateField,
    DateTimeLocalField,
    EmailField,
    Field,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from statuspage.clock import utcnow
from statuspage.incidents.publishing import MAX_BODY
from statuspage.models import Component, ComponentStatus, IncidentStatus, Role
from statuspage.models.enums import INCIDENT_STATUSES, MAINTENANCE_STATUSES

COMPONENT_STATUS_CHOICES = [SelectChoice(s.value, s.label) for s in ComponentStatus]
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
    SelectChoice("", "Automatic (from the components)"),
    SelectChoice("none", "None"),
    SelectChoice("minor", "Minor"),
    SelectChoice("major", "Major"),
    SelectChoice("critical", "Critical"),
]
ROLE_CHOICES = [SelectChoice(r.value, r.value.capitalize()) for r in Role]
# The status a template's components start with in the composer: the mildest bad one, so
# applying a template never declares an outage nobody chose.
TEMPLATE_COMPONENT_STATUS = ComponentStatus.degraded_performance.value
COMPONENT_PREFIX = "component-"


# The browser's datetime-local input sends and expects "2026-03-06T12:00"; seconds are accepted.
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
# A little slack for a clock a minute ahead of the server's.
FUTURE_SLACK = timedelta(minutes=5)


def utc_time(label: str, *validators: Any, description: str = "") -> DateTimeLocalField:
    return DateTimeLocalField(
        label,
        list(validators) or [Optional()],
        format=DATETIME_FORMATS,
        tz=UTC,
        description=description,
    )


def not_in_future(_form: FlaskForm, field: Field) -> None:
    """An update cannot be shown as posted at a time that has not come yet."""
    if field.data and field.data > utcnow() + FUTURE_SLACK:
        raise ValidationError("This time is in the future; times are in UTC.")


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes: every option visible at once and reachable with Tab and Space."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


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


def component_label(component: Component) -> str:
    return f"{component.group.name} · {component.name}" if component.group else component.name


def component_choices(components: Iterable[Component]) -> list[SelectChoice]:
    return [SelectChoice(c.id, component_label(c)) for c in components]


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


class LoginForm(FlaskForm):
    email = EmailField("Email", [DataRequired(), Length(max=254)])
    password = PasswordField("Password", [DataRequired(), Length(max=200)])
    next = HiddenField()


class ConfirmForm(FlaskForm):
    """No fields but the CSRF token: logout, delete, revoke, deactivate."""


class MoveForm(FlaskForm):
    direction = HiddenField(validators=[AnyOf(["up", "down"])])


def _segments_chosen(form: FlaskForm, field: Field, switch: str) -> None:
    """Refuse "only these segments" with none ticked: it would mean nobody."""
    if form[switch].data == "segments" and not field.data:
        raise ValidationError("Choose at least one segment.")


def segment_ids_field(label: str, description: str = "") -> MultiCheckboxField:
    """The segments to choose from (set per request: segments are data); values are ids."""
    return MultiCheckboxField(label, choices=[], validate_choice=True, description=description)


class AudienceMixin:
    """Public, or private to chosen segments: the composer's and the maintenance form's."""

    audience = RadioField(
        "Audience",
        choices=[
            SelectChoice("public", "Public: the status page and everyone who follows"),
            SelectChoice("segments", "Private: only the people of these segments"),
        ],
        default="public",
    )
    segment_ids = segment_ids_field(
        "Segments",
        "Only their organizations' people see it (signed in) and are notified; the public "
        "page, feeds and social accounts never carry it.",
    )

    def validate_segment_ids(self, field: Field) -> None:
        _segments_chosen(self, field, "audience")  # type: ignore[arg-type]

    def chosen_segments(self) -> list[int]:
        """The segment ids to scope to; empty for a public notice."""
        if self.audience.data != "segments":  # type: ignore[attr-defined]
            return []
        return [int(value) for value in self.segment_ids.data]  # type: ignore[attr-defined]


class ComponentForm(FlaskForm):
    name = StringField("Name", [DataRequired(), Length(max=200)])
    description = TextAreaField("Description", [Optional(), Length(max=1000)])
    group_id = SelectField("Group", choices=[])
    status = SelectField("Status", choices=COMPONENT_STATUS_CHOICES, default="operational")
    only_show_if_degraded = BooleanField("Only show on the page while not operational")
    showcase = BooleanField("Show its uptime in the API (showcase)", default=True)
    visibility = RadioField(
        "Visible to",
        choices=[
            SelectChoice("public", "Everyone"),
            SelectChoice("segments", "Only these segments"),
        ],
        default="public",
    )
    segment_ids = segment_ids_field(
        "Segments",
        "Signed-in people of these segments' organizations see it; the public page does not.",
    )

    def validate_segment_ids(self, field: Field) -> None:
        _segments_chosen(self, field, "visibility")


class PreviewForm(FlaskForm):
    body = TextAreaField(validators=[Optional(), Length(max=MAX_BODY)])


class ComponentStatusForm(FlaskForm):
    status = SelectField("Status", choices=COMPONENT_STATUS_CHOICES)


class GroupForm(FlaskForm):
    name = StringField("Name", [DataRequired(), Length(max=200)])
    description = TextAreaField("Description", [Optional(), Length(max=1000)])


class IncidentForm(AudienceMixin, ComponentStatusesMixin, FlaskForm):
    """The composer: a new incident and its first update."""

    name = StringField("Title", [DataRequired(), Length(max=300)])
    status = SelectField("Status", choices=INCIDENT_STATUS_CHOICES, default="investigating")
    impact = SelectField("Impact", choices=IMPACT_CHOICES, default="")
    body = body_field()
    display_at = utc_time(
        "Started at (UTC)",
        Optional(),
        not_in_future,
        description="Optional: for an incident posted after it began.",
    )
    # Backfill: the incident, its first update and the component changes are recorded then.
    happened_at = utc_time(
        "This happened at (UTC)",
        Optional(),
        not_in_future,
        description="Optional: to record an incident that is already in the past.",
    )
    notify = BooleanField("Notify subscribers", default=True)
    ack_minutes = IntegerField(
        "Require acknowledgement within (minutes)",
        [Optional(), NumberRange(min=1, max=7 * 24 * 60)],
        description="Optional: recipients confirm receipt; if they do not in time, their "
        "next contact path is tried.",
    )

    social_text = TextAreaField(
        "Custom social text",
        [Optional(), Length(max=500)],
        description="Optional: what X and Mastodon post instead of the title and message. The "
        "incident link is added if missing; X posts are cut to 280 characters, Mastodon to 500.",
    )

    def ack_window(self) -> timedelta | None:
        return timedelta(minutes=self.ack_minutes.data) if self.ack_minutes.data else None


class UpdateForm(ComponentStatusesMixin, FlaskForm):
    status = SelectField("Status", choices=INCIDENT_STATUS_CHOICES)
    body = body_field()
    display_at = utc_time(
        "Posted at (UTC)",
        Optional(),
        not_in_future,
        description="Optional: for an update written up after the fact.",
    )
    notify = BooleanField("Notify subscribers", default=True)
    ack_minutes = IncidentForm.ack_minutes
    social_text = IncidentForm.social_text
    ack_window = IncidentForm.ack_window


class ResolveForm(FlaskForm):
    body = body_field(default="This incident has been resolved.")
    restore = BooleanField("Set the affected components back to operational", default=True)
    notify = BooleanField("Notify subscribers", default=True)


class EditIncidentForm(FlaskForm):
    name = StringField("Title", [DataRequired(), Length(max=300)])
    impact = SelectField("Impact", choices=IMPACT_CHOICES[1:])


class EditMaintenanceForm(FlaskForm):
    name = StringField("Title", [DataRequired(), Length(max=300)])
    scheduled_for = utc_time("Starts (UTC)", InputRequired())
    scheduled_until = utc_time("Ends (UTC)", InputRequired())
    auto_start = BooleanField("Start automatically")
    auto_complete = BooleanField("Complete automatically")
    remind_prior = BooleanField("Remind subscribers an hour before")


class PostmortemForm(FlaskForm):
    body = body_field("Postmortem")


# Drafts and internal notes share the incident page with the update form: their fields carry
# ids of their own so each label points at its own input.
class DraftForm(ComponentStatusesMixin, FlaskForm):
    """A responder's proposed update, for a publisher to review."""

    status = SelectField("Status", choices=INCIDENT_STATUS_CHOICES, id="draft-status")
    body = body_field(field_id="draft-body")


class NoteForm(FlaskForm):
    body = body_field("Internal note", field_id="note-body")


class PublishDraftForm(FlaskForm):
    """Review a draft: its words may be edited; status and components are published as drafted."""

    body = body_field()
    notify = BooleanField("Notify subscribers", default=True)


class MaintenanceForm(AudienceMixin, FlaskForm):
    name = StringField("Title", [DataRequired(), Length(max=300)])
    body = body_field()
    scheduled_for = utc_time("Starts (UTC)", InputRequired())
    scheduled_until = utc_time("Ends (UTC)", InputRequired())
    components = MultiCheckboxField("Affected components", choices=[], validate_choice=True)
    auto_start = BooleanField("Start automatically: components go under maintenance at the start")
    auto_complete = BooleanField("Complete automatically: components are operational at the end")
    remind_prior = BooleanField("Remind subscribers an hour before it starts")
    notify = BooleanField("Notify subscribers now", default=True)


class TemplateForm(FlaskForm):
    name = StringField("Template name", [DataRequired(), Length(max=200)])
    title = StringField("Incident title", [DataRequired(), Length(max=300)])
    body = body_field()
    update_status = SelectField("Status", choices=INCIDENT_STATUS_CHOICES, default="investigating")
    components = MultiCheckboxField("Affected components", choices=[])
    should_send_notifications = BooleanField("Notify subscribers", default=True)


class SettingsForm(FlaskForm):
    name = StringField("Page name", [DataRequired(), Length(max=200)])
    time_zone = SelectField("Time zone", choices=[], validate_choice=False)
    description = TextAreaField("Description", [Optional(), Length(max=2000)])
    homepage_url = StringField(
        "Company website", [Optional(), Length(max=500)], description="Linked from the page header"
    )
    logo_url = StringField("Logo URL", [Optional(), Length(max=500)])
    brand_color = ColorField("Brand colour", [DataRequired()])
    footer_links = TextAreaField(
        "Footer links",
        [Optional(), Length(max=5000)],
        description="One per line: Label | https://example.com/page",
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

    @staticmethod
    def footer_text(links: Iterable[dict[str, str]]) -> str:
        return "\n".join(f"{link['label']} | {link['url']}" for link in links)


class ApiKeyForm(FlaskForm):
    name = StringField("Name", [DataRequired(), Length(max=200)])
    role = SelectField("Role", choices=ROLE_CHOICES, default="comms")


class StaffForm(FlaskForm):
    email = EmailField("Email", [DataRequired(), Length(max=254)])
    name = StringField("Name", [Optional(), Length(max=200)])
    role = SelectField("Role", choices=ROLE_CHOICES, default="comms")


class AuditFilterForm(FlaskForm):
    """Read from the query string; a filter changes nothing, so it carries no CSRF token."""

    class Meta:
        csrf = False

    incident_id = StringField("Incident id", [Optional(), Length(max=12)])
    action = StringField("Action", [Optional(), Length(max=100)])
    since = DateField("From (UTC)", [Optional()])
    until = DateField("To (UTC, inclusive)", [Optional()])


class SubscriberSearchForm(FlaskForm):
    """Read from the query string, like the audit filters: no CSRF token."""

    class Meta:
        csrf = False

    q = StringField("Email, address or name contains", [Optional(), Length(max=200)])


class SubscriberImportForm(FlaskForm):
    file = FileField(
        "CSV file",
        [FileRequired("Choose a CSV file.")],
        description="One person a line: email[,name][,components]. Components are ids or "
        "names separated by ; (none: every component). At most 1 MB, UTF-8.",
    )
    opted_in = BooleanField(
        "These people already opted in",
        description="Tick only if every address on the list agreed to receive status updates: "
        "they are imported verified and receive the next notice. Otherwise they are imported "
        "unverified and receive nothing until they confirm.",
    )
    check = SubmitField("Check the file (dry run)")
    confirm = SubmitField("Import")


# The page's social accounts. Secrets are password inputs that are never filled back in: a
# blank one keeps what is saved. Both forms share a page, so their fields carry their own ids.
def _secret(label: str, field_id: str, description: str = "") -> PasswordField:
    return PasswordField(label, [Optional(), Length(max=500)], id=field_id, description=description)


class XAccountForm(FlaskForm):
    """An X developer app's keys, with read and write permission (OAuth 1.0a user context)."""

    label = StringField(
        "Account", [Optional(), Length(max=200)], id="x-label", description="Like @acmestatus"
    )
    consumer_key = _secret("API key (consumer key)", "x-consumer_key")
    consumer_secret = _secret("API key secret", "x-consumer_secret")
    access_token = _secret("Access token", "x-access_token")
    access_token_secret = _secret("Access token secret", "x-access_token_secret")
    enabled = BooleanField("Post every public update here", default=True, id="x-enabled")

    def credentials(self) -> dict[str, str | None]:
        return {
            "consumer_key": self.consumer_key.data,
            "consumer_secret": self.consumer_secret.data,
            "access_token": self.access_token.data,
            "access_token_secret": self.access_token_secret.data,
        }


class MastodonAccountForm(FlaskForm):
    """A Mastodon server and an access token with the write:statuses scope."""

    label = StringField(
        "Account",
        [Optional(), Length(max=200)],
        id="mastodon-label",
        description="Like @acme@mastodon.social",
    )
    base_url = StringField(
        "Server",
        [Optional(), Length(max=500)],
        id="mastodon-base_url",
        description="Its address, like https://mastodon.social",
    )
    access_token = _secret(
        "Access token",
        "mastodon-access_token",
        "Preferences → Development → New application, with the write:statuses scope.",
    )
    enabled = BooleanField("Post every public update here", default=True, id="mastodon-enabled")

    def credentials(self) -> dict[str, str | None]:
        return {"base_url": self.base_url.data, "access_token": self.access_token.data}


class EndpointContactForm(FlaskForm):
    """Staff add a webhook or chat contact point to one person, tried after their others."""

    channel = SelectField(
        "Channel",
        choices=[
            SelectChoice("webhook", "Webhook (signed, Statuspage format)"),
            SelectChoice("slack", "Slack incoming webhook"),
            SelectChoice("teams", "Microsoft Teams webhook or workflow"),
            SelectChoice("discord", "Discord webhook"),
        ],
        default="webhook",
        id="endpoint-channel",
    )
    url = StringField("URL", [DataRequired(), Length(max=2000)], id="endpoint-url")
    notify_email = EmailField(
        "Email to tell if it stops working",
        [Optional(), Length(max=254)],
        id="endpoint-notify",
        description="Owners are told too.",
    )


# Segments and organizations (owners change them; every staff member reads them).


class SegmentForm(FlaskForm):
    name = StringField("Name", [DataRequired(), Length(max=100)])
    kind = StringField(
        "Kind", [Optional(), Length(max=50)], description="Optional: region, plan, tenant…"
    )
    description = TextAreaField("Description", [Optional(), Length(max=2000)])


class OrganizationForm(FlaskForm):
    name = StringField("Name", [DataRequired(), Length(max=200)])
    segment_ids = segment_ids_field(
        "Segments", "Its people see, and are notified of, these segments' private notices."
    )


class DomainForm(FlaskForm):
    domain = StringField(
        "Domain",
        [DataRequired(), Length(max=253)],
        description="Everyone with a verified address at this domain belongs to the "
        "organization, like example.com.",
    )


class MemberForm(FlaskForm):
    email = EmailField(
        "Email",
        [DataRequired(), Length(max=254)],
        description="This address belongs to the organization, whatever its domain.",
    )
