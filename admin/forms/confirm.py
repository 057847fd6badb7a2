"""The form with no fields but its CSRF token, behind every confirmation button."""

from __future__ import annotations

from flask_wtf import FlaskForm


class ConfirmForm(FlaskForm):
    """No fields but the CSRF token: logout, delete, revoke, deactivate."""
