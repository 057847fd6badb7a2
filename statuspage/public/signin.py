"""Private viewers: sign in by magic link, sign out, and "Your private access" (the feed URL).

Sign-in answers the same words for every address, rate limited per address and per client;
the worker decides whether to email a link (audience.sign_in_mail). Following the link shows a
button: link scanners only GET, and a POST spends the single-use link and sets the identity
cookie (public.viewing). Every page here is for one person: `private, no-store`, and not in
the static export.
"""

from __future__ import annotations

from flask import current_app, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from wtforms import StringField
from wtforms.validators import Length

from statuspage.audience import viewers
from statuspage.audience.membership import organizations_of, viewer_for
from statuspage.clock import utcnow
from statuspage.core.errors import InvalidInput
from statuspage.delivery.outbox import SEND_SIGN_IN_LINK, after_commit
from statuspage.extensions import db, limiter
from statuspage.i18n.web import current_language
from statuspage.links import BadLink, verify
from statuspage.public.context import current_page
from statuspage.public.subscriptions import private
from statuspage.public.viewing import (
    clear_identity,
    end_identity,
    identity,
    set_identity,
    signed_in_email,
)
from statuspage.subscribers.subscriptions import normalise_email

SIGN_IN_PER_CLIENT = "10 per hour"
SIGN_IN_PER_ADDRESS = "3 per hour"
# The browser may hold the anonymous pages (public, max-age): on signing in or out, it drops
# them, so the next page it shows is the one for who is now looking.
CLEAR_CACHE = ("Clear-Site-Data", '"cache"')


class SignInForm(FlaskForm):
    email = StringField("Email address", validators=[Length(max=254)])


def _submitted_address() -> str:
    # Counted whatever the address is, known or not: the limit tells nothing about it.
    return "sign-in:" + request.form.get("email", "").strip().lower()


def _invalid_link() -> tuple[str, int]:
    return render_template("public/signin_invalid.html", page=current_page()), 400


@private
@limiter.limit(SIGN_IN_PER_CLIENT, methods=["POST"])
@limiter.limit(SIGN_IN_PER_ADDRESS, key_func=_submitted_address, methods=["POST"])
def sign_in():
    form = SignInForm()
    errors: list[str] = []
    if request.method == "POST" and form.validate():
        try:
            _, address = normalise_email(form.email.data or "")
        except InvalidInput as exc:
            form.email.errors = [*form.email.errors, str(exc)]  # shown beside the field
        else:
            # Whatever the address: the worker decides whether it may sign in.
            # The mail reads in the language this form was read in.
            after_commit(SEND_SIGN_IN_LINK, address, current_language())
            db.session.commit()
            return render_template("public/signin_sent.html", page=current_page())
    errors += [e for field_errors in form.errors.values() for e in field_errors]
    body = render_template("public/signin.html", page=current_page(), form=form, errors=errors)
    return body, 400 if errors else 200


@private
def follow_sign_in_link(token: str):
    try:
        payload = verify("sign_in", token)
    except BadLink:
        return _invalid_link()
    email = viewers.sign_in_email(payload)
    if email is None:
        return _invalid_link()
    form = FlaskForm()
    if request.method == "GET" or not form.validate():
        return render_template(
            "public/signin_confirm.html", page=current_page(), form=form, email=email
        )
    try:
        viewers.use_sign_in_link(payload, utcnow())
        cookie = identity(email)
        db.session.commit()
    except (viewers.LinkAlreadyUsed, IntegrityError):  # used meanwhile, maybe concurrently
        db.session.rollback()
        return _invalid_link()
    response = redirect(url_for("public.index"), 303)
    set_identity(response, cookie)
    response.headers.set(*CLEAR_CACHE)
    return response


@private
def sign_out():
    form = FlaskForm()
    if request.method == "GET" or not form.validate():
        return render_template("public/signout.html", page=current_page(), form=form)
    end_identity()
    db.session.commit()
    response = redirect(url_for("public.index"), 303)
    clear_identity(response)
    response.headers.set(*CLEAR_CACHE)
    return response


@private
def access():
    """The signed-in viewer's organizations and segments, and their private feed URL."""
    email = signed_in_email()
    if email is None:
        return redirect(url_for("public.sign_in"), 303)
    viewer = g.viewer = viewer_for(email)
    form = FlaskForm()
    secret = None
    if request.method == "POST" and form.validate():
        if request.form.get("action") == "new":
            secret = viewers.create_feed_token(email, utcnow())
        elif request.form.get("action") == "revoke":
            viewers.revoke_feed_tokens(email, utcnow())
        db.session.commit()
    feed_url = f"{current_app.config['BASE_URL']}/private/feed/{secret}" if secret else None
    return render_template(
        "public/access.html",
        page=current_page(),
        form=form,
        email=email,
        organizations=organizations_of(email),
        segments=viewers.segment_names(viewer),
        tokens=viewers.feed_tokens(email),
        feed_url=feed_url,
    )
