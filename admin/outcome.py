"""How a form submission ends: committed, flashed and redirected, or shown again with its errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import flash, redirect, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from statuspage.core.errors import InvalidInput
from statuspage.extensions import db

# What a view returns: a page, a page with its status code, or a redirect.
ViewResult = str | tuple[str, int] | Response


def done(message: str, endpoint: str, **values: object) -> Response:
    """Commit the request's one change, say so, and go where the staff member looks next."""
    db.session.commit()
    flash(message)
    return redirect(url_for(endpoint, **values))


def rejected(form: FlaskForm, error: InvalidInput) -> None:
    """Undo whatever the service flushed before it refused, and show why on the form."""
    db.session.rollback()
    form.form_errors.append(str(error))


@dataclass
class Attempt:
    """Why the service refused the change; None while nothing was refused."""

    refusal: str | None = None


@contextmanager
def attempt(form: FlaskForm) -> Iterator[Attempt]:
    """Try a submitted form's change: the block calls the service and returns its answer
    (`done`, or a page that commits); a refusal (InvalidInput) leaves the block `rejected`
    (rolled back, the reason on `form`), and the view goes on to show the form again.

    One place for this, so that every admin screen undoes a refused change the same way and
    no view can commit half of one. The answer stands inside the block, after the service:
    `done` and the templates raise no InvalidInput, so only the service's refusal is caught.
    A screen that shows refusals elsewhere than on the form reads `Attempt.refusal`.
    """
    tried = Attempt()
    try:
        yield tried
    except InvalidInput as error:
        rejected(form, error)
        tried.refusal = str(error)


def form_status() -> int:
    """A form shown again after a POST did not go through is answered 422, not 200."""
    return 422 if request.method == "POST" else 200
