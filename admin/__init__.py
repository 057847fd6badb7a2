"""The admin panel for comms staff: sign-in, roles, and forms over the domain packages of statuspage.

The URL table below is the whole admin surface and its permission table: each route names
the action its GET needs and the action its POST needs (staff.permissions decides which
roles hold them). Every route except sign-in needs a signed-in, active staff member.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint

from admin import access, auth, layout, preferences
from admin.views import (
    api_keys,
    audience,
    audit,
    cadence,
    components,
    crisis_team,
    dashboard,
    escalation_policies,
    incident_drafts,
    incidents,
    mailbox,
    maintenance,
    metrics,
    monitoring,
    notices,
    organizations,
    playbooks,
    profile,
    regulator_board,
    regulators,
    report,
    segments,
    settings,
    social,
    staff,
    subscribers,
    templates,
)
from statuspage.staff.permissions import Action

bp = Blueprint("admin", __name__)


@dataclass(frozen=True)
class Route:
    rule: str
    endpoint: str
    view: Callable[..., Any]
    read: Action | None  # what a GET needs; None: no GET
    write: Action | None = None  # what a POST needs; None: no POST

    @property
    def methods(self) -> list[str]:
        return (["GET"] if self.read else []) + (["POST"] if self.write else [])


A = Action
# Subscriber rights borrow existing actions (no new ones until permissions.py is free to edit):
IMPORT_SUBSCRIBERS = A.publish  # owner, comms: who may notify people may add them
EXPORT_SUBSCRIBERS = A.read_audit  # owner, comms, legal: personal data out, for a request or audit
READ_MAILBOX = A.publish  # owner, comms: the dev mailbox holds whole messages to subscribers
# Owners only, like the page's settings: integrations' secrets and what alerts may publish.
MONITORING = A.manage_settings
ROUTES = [
    Route("/", "dashboard", dashboard.dashboard, A.read_admin),
    Route("/logout", "logout", auth.logout, None, A.read_admin),
    # every role sets its own zone and language (the view edits the signed-in account only)
    Route("/profile", "profile", profile.edit, A.read_admin, A.read_admin),
    Route("/preview", "preview", incidents.preview, None, A.draft),
    # incidents (maintenance shares the incident page and its actions)
    Route("/incidents", "incidents", incidents.index, A.read_admin),
    Route("/incidents/new", "incident_new", incidents.new, A.draft, A.publish),
    Route("/incidents/<incident_id>", "incident", incidents.show, A.read_admin),
    Route("/incidents/<incident_id>/updates", "incident_update", incidents.post_update, None, A.publish),
    Route("/incidents/<incident_id>/resolve", "incident_resolve", incidents.resolve, None, A.publish),
    Route("/incidents/<incident_id>/edit", "incident_edit", incidents.edit, None, A.publish),
    Route("/incidents/<incident_id>/translations", "incident_translations", incidents.edit_translations, None, A.publish),
    Route("/incidents/<incident_id>/postmortem", "incident_postmortem", incidents.postmortem, None, A.publish),
    Route("/incidents/<incident_id>/delete", "incident_delete", incidents.delete, A.publish, A.publish),
    # responders' drafts and internal notes; publishing or discarding a draft is a publisher's
    Route("/incidents/<incident_id>/drafts", "incident_draft", incidents.save_draft, None, A.draft),
    Route("/incidents/<incident_id>/notes", "incident_note", incidents.add_note, None, A.draft),
    Route("/incidents/<incident_id>/drafts/<int:draft_id>/publish", "incident_draft_publish", incidents.publish_draft, None, A.publish),
    Route("/incidents/<incident_id>/drafts/<int:draft_id>/discard", "incident_draft_discard", incidents.discard_draft, None, A.publish),
    # update cadence: an incident's own, and the one-click "no new information" update
    Route("/incidents/<incident_id>/cadence", "incident_cadence", cadence.set_cadence, None, A.publish),
    Route("/incidents/<incident_id>/no-news", "incident_no_news", cadence.post_no_news, None, A.publish),
    # the communication report: an audit artifact (names internal recipients), for audit readers
    Route("/incidents/<incident_id>/report", "incident_report", report.show, A.read_audit),
    Route("/incidents/<incident_id>/report.csv", "incident_report_csv", report.export_csv, A.read_audit),
    Route("/incidents/<incident_id>/report.json", "incident_report_json", report.export_json, A.read_audit),
    Route("/incidents/<incident_id>/report.pdf", "incident_report_pdf", report.export_pdf, A.read_audit),
    # incidents automation drafted from alerts: a publisher reviews, publishes or discards
    Route("/incident-drafts", "incident_drafts", incident_drafts.index, A.publish),
    Route("/incident-drafts/<int:draft_id>/publish", "incident_draft_review_publish", incident_drafts.publish, None, A.publish),
    Route("/incident-drafts/<int:draft_id>/discard", "incident_draft_review_discard", incident_drafts.discard, None, A.publish),
    Route("/maintenance", "maintenance", maintenance.index, A.read_admin),
    Route("/maintenance/new", "maintenance_new", maintenance.new, A.draft, A.publish),
    # the composer's live reach preview (a read: GET with the form's fields)
    Route("/reach.json", "reach", audience.reach_json, A.draft),
    # incident templates ("use" is the composer's ?template=<id>)
    Route("/templates", "templates", templates.index, A.read_admin),
    Route("/templates/new", "template_new", templates.new, A.manage_templates, A.manage_templates),
    Route("/templates/<template_id>/edit", "template_edit", templates.edit, A.manage_templates, A.manage_templates),
    Route("/templates/<template_id>/delete", "template_delete", templates.delete, A.manage_templates, A.manage_templates),
    # components and groups
    Route("/components", "components", components.index, A.read_admin),
    Route("/components/new", "component_new", components.new_component, A.manage_components, A.manage_components),
    Route("/components/<component_id>/edit", "component_edit", components.edit_component, A.manage_components, A.manage_components),
    Route("/components/<component_id>/status", "component_status", components.set_status, None, A.manage_components),
    Route("/components/<component_id>/move", "component_move", components.move_component, None, A.manage_components),
    Route("/components/<component_id>/delete", "component_delete", components.delete_component, A.manage_components, A.manage_components),
    Route("/groups/new", "group_new", components.new_group, A.manage_components, A.manage_components),
    Route("/groups/<group_id>/edit", "group_edit", components.edit_group, A.manage_components, A.manage_components),
    Route("/groups/<group_id>/move", "group_move", components.move_group, None, A.manage_components),
    Route("/groups/<group_id>/delete", "group_delete", components.delete_group, A.manage_components, A.manage_components),
    # segments and organizations: everyone reads them, owners decide who belongs
    Route("/segments", "segments", segments.index, A.read_admin),
    Route("/segments/new", "segment_new", segments.create, None, A.manage_segments),
    Route("/segments/<int:segment_id>/edit", "segment_edit", segments.edit, A.manage_segments, A.manage_segments),
    Route("/segments/<int:segment_id>/delete", "segment_delete", segments.delete, A.manage_segments, A.manage_segments),
    Route("/organizations", "organizations", organizations.index, A.read_admin),
    Route("/organizations/new", "organization_new", organizations.create, None, A.manage_segments),
    Route("/organizations/<int:organization_id>", "organization", organizations.show, A.read_admin),
    Route("/organizations/<int:organization_id>/edit", "organization_edit", organizations.edit, None, A.manage_segments),
    Route("/organizations/<int:organization_id>/domains", "organization_domain_add", organizations.add_domain, None, A.manage_segments),
    Route("/organizations/<int:organization_id>/domains/<int:domain_id>/remove", "organization_domain_remove", organizations.remove_domain, None, A.manage_segments),
    Route("/organizations/<int:organization_id>/members", "organization_member_add", organizations.add_member, None, A.manage_segments),
    Route("/organizations/<int:organization_id>/members/<int:member_id>/remove", "organization_member_remove", organizations.remove_member, None, A.manage_segments),
    Route("/organizations/<int:organization_id>/token", "organization_token", organizations.issue_token, None, A.manage_segments),
    Route("/organizations/<int:organization_id>/token/revoke", "organization_token_revoke", organizations.revoke_token, A.manage_segments, A.manage_segments),
    Route("/organizations/<int:organization_id>/delete", "organization_delete", organizations.delete, A.manage_segments, A.manage_segments),
    # owner's screens
    Route("/settings", "settings", settings.edit, A.manage_settings, A.manage_settings),
    Route("/settings/cadence", "settings_cadence", cadence.settings, A.manage_settings, A.manage_settings),
    # monitoring: integrations (the secret shown once), alert rules, each component's automation
    Route("/monitoring", "monitoring", monitoring.index, MONITORING),
    Route("/monitoring/integrations/new", "monitoring_integration_new", monitoring.integration_new, None, MONITORING),
    Route("/monitoring/integrations/<integration_id>/edit", "monitoring_integration_edit", monitoring.integration_edit, MONITORING, MONITORING),
    Route("/monitoring/integrations/<integration_id>/rotate", "monitoring_integration_rotate", monitoring.integration_rotate, MONITORING, MONITORING),
    Route("/monitoring/integrations/<integration_id>/delete", "monitoring_integration_delete", monitoring.integration_delete, MONITORING, MONITORING),
    Route("/monitoring/rules/new", "monitoring_rule_new", monitoring.rule_new, MONITORING, MONITORING),
    Route("/monitoring/rules/<int:rule_id>/edit", "monitoring_rule_edit", monitoring.rule_edit, MONITORING, MONITORING),
    Route("/monitoring/rules/<int:rule_id>/move", "monitoring_rule_move", monitoring.rule_move, None, MONITORING),
    Route("/monitoring/rules/<int:rule_id>/delete", "monitoring_rule_delete", monitoring.rule_delete, MONITORING, MONITORING),
    Route("/monitoring/components/<component_id>/automation", "monitoring_automation", monitoring.automation, MONITORING, MONITORING),
    # metrics: their sources (pushed, or Prometheus) and the charts the page shows
    Route("/metrics", "metrics", metrics.index, A.manage_settings),
    Route("/metrics/sources/new", "metrics_provider_new", metrics.new_provider, None, A.manage_settings),
    Route("/metrics/sources/<provider_id>/edit", "metrics_provider_edit", metrics.edit_provider, A.manage_settings, A.manage_settings),
    Route("/metrics/sources/<provider_id>/delete", "metrics_provider_delete", metrics.delete_provider, A.manage_settings, A.manage_settings),
    Route("/metrics/new", "metric_new", metrics.new_metric, A.manage_settings, A.manage_settings),
    Route("/metrics/<metric_id>/edit", "metric_edit", metrics.edit_metric, A.manage_settings, A.manage_settings),
    Route("/metrics/<metric_id>/delete", "metric_delete", metrics.delete_metric, A.manage_settings, A.manage_settings),
    Route("/api-keys", "api_keys", api_keys.index, A.manage_api_keys),
    Route("/api-keys/new", "api_key_new", api_keys.create, None, A.manage_api_keys),
    Route("/api-keys/<int:key_id>/revoke", "api_key_revoke", api_keys.revoke, A.manage_api_keys, A.manage_api_keys),
    Route("/social", "social", social.index, A.manage_social),
    Route("/social/<network>", "social_save", social.save, None, A.manage_social),
    Route("/social/<network>/test", "social_test", social.test_post, None, A.manage_social),
    Route("/social/<network>/remove", "social_remove", social.remove, None, A.manage_social),
    Route("/staff", "staff", staff.index, A.manage_staff),
    Route("/staff/new", "staff_new", staff.create, None, A.manage_staff),
    Route("/staff/<int:user_id>/deactivate", "staff_deactivate", staff.deactivate, A.manage_staff, A.manage_staff),
    # subscribers, what reached them, and the dev mailbox
    Route("/subscribers", "subscribers", subscribers.index, A.read_admin),
    Route("/subscribers/<int:subscriber_id>", "subscriber", subscribers.show, A.read_admin),
    Route("/subscribers/<int:subscriber_id>/endpoints", "subscriber_endpoint", subscribers.add_endpoint, None, IMPORT_SUBSCRIBERS),
    Route("/subscribers/import", "subscribers_import", subscribers.import_csv, IMPORT_SUBSCRIBERS, IMPORT_SUBSCRIBERS),
    Route("/subscribers/export.csv", "subscribers_csv", subscribers.export_csv, EXPORT_SUBSCRIBERS),
    Route("/notices/<int:notice_id>", "notice", notices.show, A.read_admin),
    Route("/notices/<int:notice_id>/progress.json", "notice_progress", notices.progress_json, A.read_admin),
    Route("/mailbox", "mailbox", mailbox.index, READ_MAILBOX),
    # the crisis team: the roster, and on an incident: assemble it, guidelines, briefings
    Route("/team", "team", crisis_team.roster_screen, A.read_admin),
    Route("/team/roles", "team_role_add", crisis_team.role_add, None, A.manage_team),
    Route("/team/roles/<int:role_id>/delete", "team_role_delete", crisis_team.role_delete, None, A.manage_team),
    Route("/team/members/new", "team_member_new", crisis_team.member_new, A.manage_team, A.manage_team),
    Route("/team/members/<int:member_id>", "team_member_edit", crisis_team.member_edit, A.manage_team, A.manage_team),
    Route("/team/members/<int:member_id>/delete", "team_member_delete", crisis_team.member_delete, None, A.manage_team),
    # escalation policies: tiers of the team paged in turn (crisis.escalation)
    Route("/team/policies", "team_policies", escalation_policies.policies_screen, A.read_admin),
    Route("/team/policies/new", "team_policy_new", escalation_policies.policy_new, A.manage_team, A.manage_team),
    Route("/team/policies/<int:policy_id>", "team_policy_edit", escalation_policies.policy_edit, A.manage_team, A.manage_team),
    Route("/team/policies/<int:policy_id>/delete", "team_policy_delete", escalation_policies.policy_delete, None, A.manage_team),
    Route("/incidents/<incident_id>/team", "incident_team", crisis_team.assemble, None, A.page_team),
    Route("/incidents/<incident_id>/team/<int:callout_id>/stand-down", "incident_team_stand_down", crisis_team.stand_down, None, A.page_team),
    Route("/incidents/<incident_id>/guidelines", "incident_guidelines", crisis_team.guidelines, None, A.brief),
    Route("/incidents/<incident_id>/briefings", "incident_briefing", crisis_team.briefing, None, A.brief),
    # playbooks: owners write them; comms (and owners) run one on an incident
    Route("/playbooks", "playbooks", playbooks.index, A.read_admin),
    Route("/playbooks/new", "playbook_new", playbooks.new, A.manage_playbooks, A.manage_playbooks),
    Route("/playbooks/<int:playbook_id>/edit", "playbook_edit", playbooks.edit, A.manage_playbooks, A.manage_playbooks),
    Route("/playbooks/<int:playbook_id>/delete", "playbook_delete", playbooks.delete, A.manage_playbooks, A.manage_playbooks),
    Route("/incidents/<incident_id>/playbooks", "incident_playbook_run", playbooks.run, None, A.run_playbook),
    Route("/mailbox/<name>", "mailbox_message", mailbox.show, READ_MAILBOX),
    # regulators: the registry (owners, legal) and each incident's obligations and notices
    Route("/regulators", "regulators", regulators.index, A.read_admin),
    Route("/regulators/new", "regulator_new", regulators.create, None, A.manage_regulators),
    Route("/regulators/library", "regulator_library", regulators.add_from_library, None, A.manage_regulators),
    Route("/regulators/<int:regulator_id>", "regulator", regulators.show, A.read_admin),
    Route("/regulators/<int:regulator_id>/edit", "regulator_edit", regulators.edit, None, A.manage_regulators),
    Route("/regulators/<int:regulator_id>/contacts", "regulator_contacts", regulators.contacts, None, A.manage_regulators),
    Route("/regulators/<int:regulator_id>/rules", "regulator_rule_add", regulators.add_rule, None, A.manage_regulators),
    Route("/regulators/<int:regulator_id>/rules/<int:rule_id>/delete", "regulator_rule_delete", regulators.delete_rule, None, A.manage_regulators),
    Route("/regulators/<int:regulator_id>/delete", "regulator_delete", regulators.delete, None, A.manage_regulators),
    # regulator mail: sender name, Reply-To and CC, each regulator's and the page-wide default
    Route("/regulators/<int:regulator_id>/mail", "regulator_mail", regulators.mail, None, A.manage_regulators),
    Route("/regulators/mail", "regulator_mail_defaults", regulators.mail_defaults, None, A.manage_regulators),
    Route("/incidents/<incident_id>/regulators", "incident_regulators", regulator_board.board, A.read_admin),
    Route("/incidents/<incident_id>/regulators/triggers", "incident_regulators_trigger", regulator_board.record_trigger, None, A.notify_regulators),
    Route("/incidents/<incident_id>/regulators/affected", "incident_regulators_affected", regulator_board.record_affected, None, A.notify_regulators),
    Route("/incidents/<incident_id>/regulators/reportable", "incident_regulators_reportable", regulator_board.set_reportable, None, A.notify_regulators),
    Route("/incidents/<incident_id>/regulators/notices", "incident_regulators_compose", regulator_board.compose, None, A.notify_regulators),
    Route("/regulator-notices/<int:notice_id>/edit", "regulator_notice_edit", regulator_board.edit_notice, None, A.notify_regulators),
    Route("/regulator-notices/<int:notice_id>/refresh", "regulator_notice_refresh", regulator_board.refresh_notice, None, A.notify_regulators),
    Route("/regulator-notices/<int:notice_id>/approve", "regulator_notice_approve", regulator_board.approve_notice, None, A.approve),
    Route("/regulator-notices/<int:notice_id>/send", "regulator_notice_send", regulator_board.send_notice, None, A.notify_regulators),
    # the kept copy of a sent notice's mail (it holds the regulator's acknowledgement link)
    Route("/regulator-notices/<int:notice_id>/mail/<int:copy_id>.eml", "regulator_mail_copy", regulator_board.mail_copy, A.read_audit),
    Route("/obligations/<int:obligation_id>/portal", "obligation_portal", regulator_board.record_portal, None, A.notify_regulators),
    # the audit trail
    Route("/audit", "audit", audit.index, A.read_audit),
    Route("/audit/export.csv", "audit_csv", audit.export_csv, A.read_audit),
    Route("/audit/export.json", "audit_json", audit.export_json, A.read_audit),
]  # fmt: skip

bp.add_url_rule("/login", "login", auth.login, methods=["GET", "POST"])
for _route in ROUTES:
    bp.add_url_rule(
        _route.rule,
        _route.endpoint,
        access.guarded(_route.view, _route.read, _route.write),
        methods=_route.methods,
    )
bp.before_request(access.require_login)
bp.before_request(preferences.read_as_staff)  # the staff member's zone and language
bp.after_request(access.security_headers)
# For admin templates only (not app-wide): public pages are snapshots, never reading the session.
bp.context_processor(layout.admin_context)
for _error, _handler in layout.ERROR_HANDLERS:
    bp.register_error_handler(_error, _handler)
bp.register_error_handler(413, subscribers.too_large)  # an upload over MAX_CONTENT_LENGTH
