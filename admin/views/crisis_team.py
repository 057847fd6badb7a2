"""The crisis team: the roster screen (roles, members, their contact points and quiet hours),
and the incident page's actions: assemble the team, messaging guidelines, executive briefings.

Named crisis_team (its forms too), not team: the same screens speak of Microsoft Teams, the
`teams` channel a member or subscriber is reached on. Endpoints and URLs keep `team`.
"""

from __future__ import annotations

from datetime import timedelta

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from admin.access import STAFF_VIEWER, actor, can
from admin.forms.confirm import ConfirmForm
from admin.forms.crisis_team import BriefingForm, MemberForm, RoleForm
from admin.outcome import ViewResult, attempt, done, form_status
from admin.unreachable import warn_stranded_members, warn_unreachable_paths
from admin.views.crisis_team_sections import (
    BRIEFING_IDS,
    assemble_form,
    guidelines_form,
    role_choices,
)
from admin.views.incidents import _page as incident_page
from statuspage.channels import registry
from statuspage.clock import utcnow
from statuspage.crisis import assembly, executives, roster
from statuspage.crisis.notices import current_contacts
from statuspage.crisis.roster import QUIET
from statuspage.extensions import db
from statuspage.incidents import queries
from statuspage.models import StaffUser, TeamCallout, TeamMember


def _staff_choices() -> list[SelectChoice]:
    people = db.session.scalars(select(StaffUser).order_by(StaffUser.email))
    return [SelectChoice(0, _("Not a staff member"))] + [
        SelectChoice(u.id, u.name or u.email) for u in people
    ]


def _member_form(member: TeamMember | None, *, bound: bool) -> MemberForm:
    if bound:
        form = MemberForm()
    elif member is None:
        form = MemberForm(formdata=None)
    else:
        form = MemberForm(
            formdata=None,
            obj=member,
            roles=[r.id for r in member.roles],
            staff_user_id=member.staff_user_id or 0,
            contacts="\n".join(
                f"{c.channel.value} {c.address}{' quiet' if (c.meta or {}).get(QUIET) else ''}"
                for c in current_contacts(member.subscriber)
            ),
        )
    form.roles.choices = role_choices()
    form.staff_user_id.choices = _staff_choices()
    return form


def roster_screen(role_form: RoleForm | None = None) -> ViewResult:
    # The default roles are seeded the first time anyone opens the roster.
    roster.ensure_default_roles()
    db.session.commit()
    return render_template(
        "admin/team/index.html",
        roles=roster.list_roles(),
        members=roster.list_members(),
        role_form=role_form or RoleForm(formdata=None),
        delete_form=ConfirmForm(formdata=None),
        show_addresses=can("manage_team"),
        contacts_of=current_contacts,
        quiet_key=QUIET,
        unconfigured=registry.unconfigured(),
    ), form_status()


def role_add() -> ViewResult:
    form = RoleForm()
    if form.validate_on_submit():
        with attempt(form):
            role = roster.add_role(form.name.data, actor=actor())
            return done(_("Role “%(name)s” added.", name=role.name), "admin.team")
    return roster_screen(form)


def role_delete(role_id: int) -> ViewResult:
    roster.delete_role(role_id, actor=actor())
    return done(_("Role deleted."), "admin.team")


def _save(member: TeamMember | None, form: MemberForm) -> TeamMember:
    return roster.save_member(
        member,
        name=form.name.data,
        role_ids=form.roles.data or [],
        contacts=roster.parse_contacts(form.contacts.data),
        executive=form.executive.data,
        staff_user_id=form.staff_user_id.data or None,
        timezone=form.timezone.data,
        quiet_start=form.quiet_start.data,
        quiet_end=form.quiet_end.data,
        actor=actor(),
    )


def member_new() -> ViewResult:
    form = _member_form(None, bound=True)
    if form.validate_on_submit():
        with attempt(form):
            member = _save(None, form)
            warn_unreachable_paths(current_contacts(member.subscriber))
            return done(_("%(name)s added to the team.", name=member.name), "admin.team")
    return render_template("admin/team/member.html", form=form, member=None), form_status()


def member_edit(member_id: int) -> ViewResult:
    member = roster.get_member(member_id)
    form = _member_form(member, bound=request.method == "POST")
    if form.validate_on_submit():
        with attempt(form):
            _save(member, form)
            warn_unreachable_paths(current_contacts(member.subscriber))
            return done(_("%(name)s saved.", name=member.name), "admin.team")
    return render_template("admin/team/member.html", form=form, member=member), form_status()


def member_delete(member_id: int) -> ViewResult:
    member = roster.get_member(member_id)
    name = member.name
    roster.delete_member(member, actor=actor())
    return done(_("%(name)s taken off the team.", name=name), "admin.team")


# --- the incident page's actions -------------------------------------------------------------


def assemble(incident_id: str) -> ViewResult:
    incident = queries.get_incident(STAFF_VIEWER, incident_id)
    form = assemble_form(bound=True)
    if form.validate_on_submit():
        with attempt(form):
            bridge = assembly.check_bridge(
                form.bridge_phone.data, form.bridge_pin.data, form.meeting_url.data
            )
            page = assembly.assemble(
                incident,
                role_ids=form.roles.data or [],
                all_paths=form.mode.data == "all",
                bridge=bridge,
                repage_minutes=form.repage_minutes.data,
                max_rounds=form.max_rounds.data,
                note=form.note.data or "",
                actor=actor(),
                now=utcnow(),
                policy_id=form.policy.data or None,
            )
            warn_stranded_members(assembly.members_with_roles(r.id for r in page.roles))
            return done(
                _(
                    "Team paged: %(roles)s. Acknowledgements appear below.",
                    roles=", ".join(r.name for r in page.roles) or _("the policy's first tier"),
                ),
                "admin.incident",
                incident_id=incident.id,
                _anchor="response-team",
            )
    return incident_page(incident, assemble_form=form)


def stand_down(incident_id: str, callout_id: int) -> ViewResult:
    """Stand the call-out down: no more pages or re-pages of it, and the team told once (a
    second press, or a resolve before it, tells nobody again)."""
    incident = queries.get_incident(STAFF_VIEWER, incident_id)
    callout = db.session.get(TeamCallout, callout_id)
    if callout is None or callout.incident_id != incident.id:
        abort(404)
    if callout.stood_down_at is not None:
        return done(_("This call-out was already stood down."), "admin.incident",
                    incident_id=incident.id, _anchor="response-team")  # fmt: skip
    assembly.stand_down(
        incident, [callout], reason="stood down by staff", actor=actor(), now=utcnow()
    )
    return done(
        _("Team stood down: no more pages; the members paged are told once."),
        "admin.incident",
        incident_id=incident.id,
        _anchor="response-team",
    )


def guidelines(incident_id: str) -> ViewResult:
    incident = queries.get_incident(STAFF_VIEWER, incident_id)
    form = guidelines_form(incident, bound=True)
    if form.validate_on_submit():
        executives.save_guidelines(
            incident,
            holding_statement=form.holding_statement.data,
            approved_qa=form.approved_qa.data,
            do_not_say=form.do_not_say.data,
            actor=actor(),
            now=utcnow(),
            staff_user_id=current_user.id,
        )
        return done(
            _("Messaging guidelines saved."),
            "admin.incident",
            incident_id=incident.id,
            _anchor="executives",
        )
    return incident_page(incident, guidelines_form=form)


def briefing(incident_id: str) -> ViewResult:
    incident = queries.get_incident(STAFF_VIEWER, incident_id)
    form = BriefingForm(meta=BRIEFING_IDS)
    if form.validate_on_submit():
        with attempt(form):
            executives.brief(
                incident,
                subject=form.subject.data,
                body=form.body.data,
                actor=actor(),
                ack_window=timedelta(minutes=form.ack_minutes.data),
            )
            warn_stranded_members(executives.executives())
            return done(
                _("Briefing sent to the executives."),
                "admin.incident",
                incident_id=incident.id,
                _anchor="executives",
            )
    return incident_page(incident, briefing_form=form)
