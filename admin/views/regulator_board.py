"""An incident's regulator board: its trigger times, the regulators it is reportable to, the
countdown to each report, and the regulator notices (compose, edit, approve, send, portal).

Handlers parse a form and call one service in statuspage.regulators; a refusal
(InvalidInput), like a form that does not parse, shows the board again with the reason at the
top, answered 422.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Response, render_template
from flask_babel import format_number, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from admin.access import STAFF_VIEWER, actor
from admin.forms.confirm import ConfirmForm
from admin.forms.regulators import (
    AffectedCountsForm,
    ComposeForm,
    NoticeEditForm,
    PortalForm,
    ReportableForm,
    SendForm,
    TriggerForm,
    regulator_clocks,
    trigger_form,
)
from admin.outcome import ViewResult, attempt, done
from statuspage.clock import utcnow
from statuspage.core.errors import NotFound
from statuspage.extensions import db
from statuspage.i18n.web import current_zone
from statuspage.incidents import queries
from statuspage.models import Incident, Regulator, RegulatorNotice, StaffUser
from statuspage.regulators import facts, notices, obligations, registry
from statuspage.regulators import mail as regulator_mail


def _user() -> Any:
    return current_user._get_current_object()  # the StaffUser row, not the proxy


def _incident(incident_id: str) -> Incident:
    return queries.get_incident(STAFF_VIEWER, incident_id)


def _clock_regulators(incident: Incident) -> list[Regulator]:
    """Whose clocks a trigger time is typed and shown on besides the staff member's: the
    regulators the incident is reportable to, else (before anyone decided) the registry's."""
    return obligations.reportable_to(incident) or registry.list_regulators()


def _trigger_form(incident: Incident, **kwargs: Any) -> TriggerForm:
    return trigger_form(_clock_regulators(incident), **kwargs)


def _board(incident: Incident, error: str | None = None, **forms: Any) -> ViewResult:
    now = utcnow()
    rows = obligations.board(incident, now)
    regulators = registry.list_regulators()
    trigger = forms.get("trigger_form") or _trigger_form(incident, formdata=None)
    reportable = forms.get("reportable_form") or ReportableForm(
        formdata=None, regulator_ids=[r.id for r in obligations.reportable_to(incident)]
    )
    reportable.regulator_ids.choices = [(r.id, r.name) for r in regulators]
    compose = forms.get("compose_form") or ComposeForm(formdata=None)
    compose.obligation_ids.choices = [
        (row.obligation.id, f"{row.regulator.name}: {row.rule.stage}")
        for row in rows
        if row.obligation.sent_at is None
    ]
    counts = forms.get("counts_form") or AffectedCountsForm(formdata=None, obj=incident)
    incident_notices = notices.notices_of(incident)
    body = render_template(
        "admin/regulators/board.html",
        incident=incident,
        now=now,
        rows=rows,
        triggers=obligations.triggers_of(incident),
        trigger_form=trigger,
        # the regulators' clocks the trigger times are also shown on (the form offers them)
        trigger_zones=regulator_clocks(current_zone(), _clock_regulators(incident)),
        counts_form=counts,
        reportable_form=reportable,
        compose_form=compose,
        notices=incident_notices,
        edit_forms={
            n.id: NoticeEditForm(formdata=None, obj=n, prefix=f"notice-{n.id}")
            for n in incident_notices
        },
        outdated={n.id: notices.outdated_facts(n) for n in incident_notices},
        send_forms={n.id: SendForm(formdata=None, prefix=f"send-{n.id}") for n in incident_notices},
        portal_forms={
            row.obligation.id: PortalForm(formdata=None, prefix=f"portal-{row.obligation.id}")
            for row in rows
        },
        confirm=ConfirmForm(formdata=None),
        # four-eyes: whether this user may approve each, and what changed since its approval
        may_approve={n.id: notices.may_approve(n, _user()) for n in incident_notices},
        changes={n.id: notices.changes_since_approval(n) for n in incident_notices},
        # the kept copies of each sent notice's mail, with their hashes (regulators.mail)
        sent_mail={n.id: regulator_mail.sent_copies(n) for n in incident_notices if n.sent_at},
        staff_names=_staff_names(),
        error=error,
    )
    return body, (422 if error else 200)


def _staff_names() -> dict[int, str]:
    return {u.id: u.name or u.email for u in db.session.scalars(select(StaffUser))}


def board(incident_id: str) -> ViewResult:
    return _board(_incident(incident_id))


def record_trigger(incident_id: str) -> ViewResult:
    incident = _incident(incident_id)
    form = _trigger_form(incident)
    if not form.validate_on_submit():
        return _board(
            incident,
            error=_("Choose a trigger and enter when it happened."),
            trigger_form=form,
        )
    with attempt(form) as tried:
        obligations.record_trigger(
            incident, form.kind.data, form.occurred_at.data, user=_user(), actor=actor(),
            now=utcnow(),
        )  # fmt: skip
        return done(
            _("%(trigger)s recorded.", trigger=form.kind.data.capitalize()),
            "admin.incident_regulators",
            incident_id=incident.id,
        )
    return _board(incident, error=tried.refusal, trigger_form=form)


def record_affected(incident_id: str) -> ViewResult:
    """The affected customers and records; a count that is not a whole number from 0 to
    10,000,000,000 shows the board again with the reason, answered 422."""
    incident = _incident(incident_id)
    form = AffectedCountsForm()
    if not form.validate_on_submit():
        reasons = [
            f"{form[name].label.text}: {' '.join(errors)}"
            for name, errors in form.errors.items()
            if name in ("affected_customers", "affected_records")
        ]
        return _board(
            incident,
            error=" ".join(reasons) or _("The form expired: send it again."),
            counts_form=form,
        )
    with attempt(form) as tried:
        facts.record_affected(
            incident, customers=form.affected_customers.data,
            records=form.affected_records.data, user=_user(), actor=actor(), now=utcnow(),
        )  # fmt: skip
        return done(_("Affected counts recorded."), "admin.incident_regulators",
                    incident_id=incident.id)  # fmt: skip
    return _board(incident, error=tried.refusal, counts_form=form)


def set_reportable(incident_id: str) -> ViewResult:
    incident = _incident(incident_id)
    form = ReportableForm()
    form.regulator_ids.choices = [(r.id, r.name) for r in registry.list_regulators()]
    if not form.validate_on_submit():
        return _board(incident, error=_("Choose among the registry's regulators."))
    with attempt(form) as tried:
        chosen = obligations.set_reportable(
            incident, form.regulator_ids.data or [], user=_user(), actor=actor()
        )
        return done(
            ngettext(
                "Reportable to %(count)s regulator.",
                "Reportable to %(count)s regulators.",
                len(chosen),
                count=format_number(len(chosen)),
            ),
            "admin.incident_regulators",
            incident_id=incident.id,
        )
    return _board(incident, error=tried.refusal)


def compose(incident_id: str) -> ViewResult:
    incident = _incident(incident_id)
    form = ComposeForm()
    form.obligation_ids.choices = [
        (r.obligation.id, "") for r in obligations.board(incident, utcnow())
    ]
    if not form.validate_on_submit():
        return _board(incident, error=_("Choose the reports this notice submits."))
    with attempt(form) as tried:
        notices.compose_notice(incident, form.obligation_ids.data, author=_user(), actor=actor())
        return done(
            _("Notice drafted: a legal user other than its author approves it before it is sent."),
            "admin.incident_regulators",
            incident_id=incident.id,
        )
    return _board(incident, error=tried.refusal)


def _notice(notice_id: int) -> tuple[RegulatorNotice, Incident]:
    notice = notices.get_notice(notice_id)
    return notice, _incident(notice.incident_id)


def edit_notice(notice_id: int) -> ViewResult:
    notice, incident = _notice(notice_id)
    form = NoticeEditForm(prefix=f"notice-{notice.id}")
    if not form.validate_on_submit():
        return _board(incident, error=_("A notice needs a subject and a body."))
    with attempt(form) as tried:
        notices.edit_notice(
            notice,
            subject=form.subject.data,
            body=form.body.data,
            editor=_user(),
            actor=actor(),
        )
        return done(_("Notice saved."), "admin.incident_regulators", incident_id=incident.id)
    return _board(incident, error=tried.refusal)


def refresh_notice(notice_id: int) -> ViewResult:
    notice, incident = _notice(notice_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _board(incident, error=_("The form expired; try again."))
    with attempt(form) as tried:
        notices.refresh_notice(notice, user=_user(), actor=actor())
        return done(
            _("Notice composed again from the incident's current facts: it needs approving."),
            "admin.incident_regulators",
            incident_id=incident.id,
        )
    return _board(incident, error=tried.refusal)


def approve_notice(notice_id: int) -> ViewResult:
    notice, incident = _notice(notice_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _board(incident, error=_("The form expired; try again."))
    with attempt(form) as tried:
        notices.approve_notice(notice, approver=_user(), actor=actor(), now=utcnow())
        return done(
            _("Notice approved: it can be sent."),
            "admin.incident_regulators",
            incident_id=incident.id,
        )
    return _board(incident, error=tried.refusal)


def send_notice(notice_id: int) -> ViewResult:
    notice, incident = _notice(notice_id)
    form = SendForm(prefix=f"send-{notice.id}")
    if not form.validate_on_submit():
        return _board(incident, error=_("The acknowledgement window is 1 to 10080 minutes."))
    with attempt(form) as tried:
        notices.send_notice(
            notice,
            sender=_user(),
            actor=actor(),
            now=utcnow(),
            late_reason=form.late_reason.data or "",
            ack_window=timedelta(minutes=form.ack_minutes.data or 60),
        )
        return done(
            _("Notice sent to the regulators; acknowledgement requested."),
            "admin.incident_regulators",
            incident_id=incident.id,
        )
    return _board(incident, error=tried.refusal)


def record_portal(obligation_id: int) -> ViewResult:
    obligation = obligations.get_obligation(obligation_id)
    incident = _incident(obligation.incident_id)
    form = PortalForm(prefix=f"portal-{obligation.id}")
    if not form.validate_on_submit():
        return _board(incident, error=_("Enter the portal's reference and when it was submitted."))
    with attempt(form) as tried:
        obligations.record_portal_submission(
            obligation,
            reference=form.reference.data,
            submitted_at=form.submitted_at.data,
            late_reason=form.late_reason.data or "",
            filed_text=form.filed_text.data or "",
            user=_user(),
            actor=actor(),
            now=utcnow(),
        )
        return done(
            _("Portal submission recorded."), "admin.incident_regulators", incident_id=incident.id
        )
    return _board(incident, error=tried.refusal)


def mail_copy(notice_id: int, copy_id: int) -> Response:
    """The kept copy of a regulator mail, byte for byte, as an .eml download."""
    notice, _visible = _notice(notice_id)  # the incident must be one staff may see
    copy = regulator_mail.get_copy(notice, copy_id)
    if copy is None:
        raise NotFound("no such copy of this notice's mail")
    return Response(
        copy.mime,
        mimetype="message/rfc822",
        headers={
            "Content-Disposition": (
                f'attachment; filename="regulator-notice-{notice.id}-{copy.id}.eml"'
            ),
            "X-Content-SHA256": copy.sha256,
            "Cache-Control": "no-store",
        },
    )
