"""How a form submission ends: committed, flashed and redirected, or shown again with its errors."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from statuspage.core.errors import InvalidInput
from statuspage.extensions import db


def done(message: str, endpoint: str, **values: object) -> Response:
    """Commit the request's one change, say so, and go where the staff member looks next."""
    db.session.commit()
    flash(message)
    return redirect(url_for(endpoint, **values))


def rejected(form: FlaskForm, error: InvalidInput) -> None:
    """Undo whatever the service flushed before it refused, and show why on the form."""
    db.session.rollback()
    form.form_errors.append(str(error))


def form_status() -> int:
    """A form shown again after a POST did not go through is answered 422, not 200."""
    return 422 if request.method == "POST" else 200
