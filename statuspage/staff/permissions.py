"""What each staff role may do: one table, asked by the admin, the API and the CLI alike."""

from __future__ import annotations

from enum import StrEnum

from statuspage.core.errors import DomainError
from statuspage.models import Role


class Action(StrEnum):
    read_admin = "read_admin"
    draft = "draft"  # draft updates and internal notes
    publish = "publish"  # incidents, updates, maintenance, postmortems
    manage_components = "manage_components"
    manage_templates = "manage_templates"
    approve = "approve"
    manage_staff = "manage_staff"
    manage_settings = "manage_settings"
    manage_api_keys = "manage_api_keys"
    manage_social = "manage_social"  # the page's X and Mastodon accounts and their credentials
    # Segments, organizations and who belongs to them, and organizations' API tokens: who may
    # read confidential notices. Owners only; comms choose a notice's audience among the
    # segments (publish) but do not redraw who is in them.
    manage_segments = "manage_segments"
    read_audit = "read_audit"
    # The regulator registry (regimes, rules, contact points): owners and legal.
    manage_regulators = "manage_regulators"
    # An incident's trigger times, reportability, regulator notices and portal submissions.
    notify_regulators = "notify_regulators"
    # The crisis team roster: roles, members, their contact points and quiet hours.
    manage_team = "manage_team"
    # Assemble the team on an incident (page it, with the bridge).
    page_team = "page_team"
    # An incident's messaging guidelines and the executive briefings that carry them.
    brief = "brief"
    # Playbooks (crisis.playbooks): owners write them; whoever may run the routine they
    # automate (page, brief, set the cadence, mark regulators) may run one on an incident.
    manage_playbooks = "manage_playbooks"
    run_playbook = "run_playbook"


_ALL = frozenset(Action)
ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.owner: _ALL,
    Role.comms: frozenset(
        {
            Action.read_admin,
            Action.draft,
            Action.publish,
            Action.manage_components,
            Action.manage_templates,
            Action.read_audit,
            Action.notify_regulators,
            Action.manage_team,
            Action.page_team,
            Action.brief,
            Action.run_playbook,
        }
    ),
    # Responders may call the team in: the first person on an incident is often one of them.
    Role.responder: frozenset({Action.read_admin, Action.draft, Action.page_team}),
    Role.legal: frozenset(
        {
            Action.read_admin,
            Action.approve,
            Action.read_audit,
            Action.manage_regulators,
            Action.notify_regulators,
        }
    ),
    Role.viewer: frozenset({Action.read_admin}),
}


class Forbidden(DomainError):
    """The actor's role does not allow this action."""


def allows(role: Role, action: Action) -> bool:
    return action in ROLE_ACTIONS[role]


def require(role: Role, action: Action) -> None:
    if not allows(role, action):
        raise Forbidden(f"the {role.value} role may not {action.value.replace('_', ' ')}")
