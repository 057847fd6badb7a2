"""The admin's WTForms, one module per domain: they parse and check the shape of input; the
services judge its meaning. Every form is a FlaskForm, so each carries the CSRF token that
CSRFProtect checks on every POST.

Import a form from its own module (`from admin.forms.components import ComponentForm`). The
names below are here only for admin/views/incidents.py and admin/views/maintenance.py, which
the incident command-object change owns while this split lands; once they import from
admin.forms.incidents, .components and .confirm, delete them.
"""

from admin.forms.components import component_choices
from admin.forms.confirm import ConfirmForm
from admin.forms.incidents import (
    COMPONENT_PREFIX,
    INCIDENT_STATUS_CHOICES,
    MAINTENANCE_STATUS_CHOICES,
    TEMPLATE_COMPONENT_STATUS,
    DraftForm,
    EditIncidentForm,
    EditMaintenanceForm,
    IncidentForm,
    MaintenanceForm,
    NoteForm,
    PostmortemForm,
    PreviewForm,
    PublishDraftForm,
    ResolveForm,
    UpdateForm,
    with_component_fields,
)

__all__ = [
    "COMPONENT_PREFIX",
    "INCIDENT_STATUS_CHOICES",
    "MAINTENANCE_STATUS_CHOICES",
    "TEMPLATE_COMPONENT_STATUS",
    "ConfirmForm",
    "DraftForm",
    "EditIncidentForm",
    "EditMaintenanceForm",
    "IncidentForm",
    "MaintenanceForm",
    "NoteForm",
    "PostmortemForm",
    "PreviewForm",
    "PublishDraftForm",
    "ResolveForm",
    "UpdateForm",
    "component_choices",
    "with_component_fields",
]
