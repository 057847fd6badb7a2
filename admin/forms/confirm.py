"""The form with no fields but its CSRF token, behind every confirmation button."""

from __future__ import annotations

from admin.forms.base import AdminForm


class ConfirmForm(AdminForm):
    """No fields but the CSRF token: logout, delete, revoke, deactivate."""
