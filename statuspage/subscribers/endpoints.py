"""Endpoints registered for updates: a signed webhook, or a Slack, Teams or Discord hook.

Checks the URL, keeps a webhook's signing secret, and verifies an endpoint by sending it a
test message through the very adapter that will carry its updates.

- Chat (Slack, Teams, Discord): the hook URL is itself the right to post in that channel,
  so whoever holds it may subscribe the channel. Registration posts a welcome message; the
  contact point is verified when the platform accepts it (2xx), and nothing is saved when
  it does not. Registering a URL again updates that channel's subscription.
- Webhook: registration makes a fresh signing secret, shown once to the registrant. The
  contact point stays unverified (it receives nothing) until a signed `{"type": "ping"}`
  is answered 2xx: the registrant sends it ("Verify") once their receiver knows the secret,
  so a receiver that rejects unsigned requests, as it should, can still be registered.
  Each registration is its own contact point with its own secret (the key is the URL and
  the secret together): registering someone else's URL neither replaces their secret nor
  tells whether it is registered.

Which URLs are accepted (https, the platform's own host, public addresses only) is
`endpoint_urls.check_url`'s to say.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from statuspage.audit.trail import Actor, record
from statuspage.channels.base import Channel as ChannelAdapter
from statuspage.channels.base import Message, Outgoing
from statuspage.core.errors import InvalidInput
from statuspage.extensions import db
from statuspage.i18n.web import reading_as
from statuspage.links import link, sign
from statuspage.models import Channel, Component, ContactPoint, Subscriber
from statuspage.page.state import get_page
from statuspage.subscribers.contact_points import find_contact, find_or_create_contact
from statuspage.subscribers.endpoint_urls import LABELS, Resolver, check_url, resolve_addresses
from statuspage.subscribers.subscriptions import (
    Preferences,
    check_preferences,
    normalise_email,
    update_preferences,
)

CHAT = (Channel.slack, Channel.teams, Channel.discord)
# Where `meta.documentation` of every webhook body points: the shapes are Statuspage's.
DOCUMENTATION = "https://support.atlassian.com/statuspage/docs/enable-webhook-notifications/"
SECRET_BYTES = 32  # Standard Webhooks asks for 24 to 64


def new_secret() -> str:
    """A Standard Webhooks signing secret: "whsec_" and base64 of random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _key(*parts: str) -> str:
    return "sha256:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _notify_email(raw: str | None, *, required: bool) -> str | None:
    if not (raw or "").strip():
        if required:
            raise InvalidInput(_("Enter an email address to tell if the endpoint stops working."))
        return None
    return normalise_email(raw or "")[0]


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


def register_webhook(
    raw_url: str,
    preferences: Preferences,
    *,
    notify_email: str | None,
    allow_loopback: bool = False,
    resolve: Resolver = resolve_addresses,
) -> tuple[ContactPoint, str]:
    """A new subscriber with an unverified webhook contact point; returns it and its signing
    secret, which is shown once (send_test then makes it receive updates)."""
    url = check_url(Channel.webhook, raw_url, allow_loopback=allow_loopback, resolve=resolve)
    email = _notify_email(notify_email, required=True)
    check_preferences(preferences)
    secret = new_secret()
    subscriber = Subscriber(name=f"Webhook · {_host(url)}")
    contact = ContactPoint(
        channel=Channel.webhook,
        address=url,
        address_key=_key(url, secret),
        secret=secret,
        meta={"notify_email": email},
    )
    subscriber.contact_points.append(contact)
    db.session.add(subscriber)
    db.session.flush()
    update_preferences(subscriber, preferences)
    return contact, secret


def register_chat(
    channel: Channel,
    raw_url: str,
    preferences: Preferences,
    *,
    adapter: ChannelAdapter,
    now: datetime,
    notify_email: str | None = None,
    allow_loopback: bool = False,
) -> ContactPoint:
    """Post the welcome message, then subscribe the chat channel (or update its
    subscription); InvalidInput when the platform refuses it, and nothing is written."""
    if channel not in CHAT:
        raise InvalidInput(_("Choose Slack, Microsoft Teams or Discord."))
    url = check_url(channel, raw_url, allow_loopback=allow_loopback)
    email = _notify_email(notify_email, required=False)
    check_preferences(preferences)
    welcome = _test_message(
        channel, preferences.component_ids, now, unsubscribe=None, language=preferences.language
    )
    _accepted(adapter, Outgoing(0, url, welcome, f"welcome-{int(now.timestamp())}"))
    key = _key(url)
    contact = find_or_create_contact(
        channel,
        key,
        lambda: Subscriber(name=f"{LABELS[channel]} · {_host(url)}"),
        lambda: ContactPoint(channel=channel, address=url, address_key=key),
    )
    subscriber = contact.subscriber
    subscriber.unsubscribed_at, subscriber.paused = None, False
    contact.meta = {**(contact.meta or {}), "notify_email": email}
    update_preferences(subscriber, preferences)
    _verified(contact, now)
    return contact


def _find(channel: Channel, key: str) -> ContactPoint | None:
    return find_contact(channel, key)


def _scope(component_ids: Iterable[str] | None) -> str:
    """What the endpoint follows, in words (in the language in force)."""
    if component_ids is None:
        return _("every component")
    names = db.session.scalars(
        select(Component.name).where(Component.id.in_(list(component_ids))).order_by(Component.name)
    ).all()
    return ", ".join(names) or _("the components chosen")


def verify_link(contact: ContactPoint) -> str:
    """The signed token of a webhook's "Verify" button (it carries no secret)."""
    return sign("endpoint", {"c": contact.id})


def contact_for_verification(payload: object) -> ContactPoint | None:
    """The webhook contact point a verified "endpoint" payload names, if it still exists."""
    contact_id = payload.get("c") if isinstance(payload, dict) else None
    if not isinstance(contact_id, int):
        return None
    contact = db.session.get(ContactPoint, contact_id)
    return contact if contact is not None and contact.channel is Channel.webhook else None


def send_test(contact: ContactPoint, adapter: ChannelAdapter, now: datetime) -> None:
    """Send a saved endpoint its test message (a webhook's signed ping, a chat welcome); on
    a 2xx it is verified and active again, otherwise InvalidInput says what came back."""
    subscriber = contact.subscriber
    message = _test_message(
        contact.channel,
        None if subscriber.all_components else [c.id for c in subscriber.components],
        now,
        language=subscriber.language,
        unsubscribe=link(
            "unsubscribe",
            {"s": subscriber.id, "v": subscriber.token_version},
            "/subscriptions/unsubscribe",
        ),
    )
    key = f"ping-{contact.id}-{int(now.timestamp())}"
    _accepted(adapter, Outgoing(0, contact.address, message, key, secret=contact.secret))
    _verified(contact, now)


def _accepted(adapter: ChannelAdapter, outgoing: Outgoing) -> None:
    (result,) = adapter.send([outgoing])
    if result.outcome != "sent":
        raise InvalidInput(
            _(
                "The endpoint did not accept Herald's test message (%(problem)s). "
                "Check the URL and that it answers with a 2xx status, then try again.",
                problem=result.error,
            )
        )


def _verified(contact: ContactPoint, now: datetime) -> None:
    contact.verified_at = contact.verified_at or now
    contact.active, contact.failures_in_row, contact.bounces = True, 0, 0
    contact.disabled_at = contact.disabled_reason = None
    db.session.flush()


def _test_message(
    channel: Channel,
    component_ids: Iterable[str] | None,
    now: datetime,
    *,
    unsubscribe: str | None,
    language: str | None,
) -> Message:
    """A webhook's ping (`{"type": "ping", "meta", "page"}`) or a chat welcome: one message,
    each adapter using its part; its words in `language` (the one chosen on the form), else
    the page's."""
    page = get_page()
    name = page.name if page else current_app.config["PAGE_NAME"]
    base_url = current_app.config["BASE_URL"]
    with reading_as(language or (page.default_language if page else None)):
        title = _("%(page)s: updates will be posted here", page=name)
        text = _(
            "This %(channel)s endpoint is subscribed to %(page)s. Incidents and maintenance "
            "affecting %(scope)s will be posted here as they are published.",
            channel=LABELS[channel],
            page=name,
            scope=_scope(component_ids),
        )
        labels = {word: _(word) for word in ("View on the status page", "Unsubscribe")}
    meta = {
        "unsubscribe": unsubscribe,
        "documentation": DOCUMENTATION,
        "generated_at": now.astimezone(UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
    }
    return Message(
        subject=title,
        text=text,
        html="",
        short_text=title,
        url=base_url,
        title=title,
        body_text=text,
        labels=labels,
        payload={
            "type": "ping",
            "meta": meta,
            "page": {"id": page.id if page else None, "name": name, "url": base_url},
        },
    )


def add_endpoint(
    subscriber: Subscriber,
    channel: Channel,
    raw_url: str,
    *,
    adapter: ChannelAdapter,
    actor: Actor,
    now: datetime,
    notify_email: str | None = None,
    allow_loopback: bool = False,
    resolve: Resolver = resolve_addresses,
) -> tuple[ContactPoint, str | None]:
    """Staff add a webhook or chat contact point to a person, after their others (a fallback
    when those fail). A chat hook must take the welcome message; a webhook is verified on
    staff's word and its secret returned, to be shown once. Audited."""
    if channel not in LABELS:
        raise InvalidInput(_("Choose a webhook, Slack, Microsoft Teams or Discord."))
    url = check_url(channel, raw_url, allow_loopback=allow_loopback, resolve=resolve)
    email = _notify_email(notify_email, required=False)
    secret = new_secret() if channel is Channel.webhook else None
    key = _key(url, secret) if secret else _key(url)
    if secret is None and _find(channel, key) is not None:
        raise InvalidInput(
            _("That %(service)s URL is already registered.", service=LABELS[channel])
        )
    last = db.session.scalar(
        select(func.max(ContactPoint.priority)).where(ContactPoint.subscriber_id == subscriber.id)
    )
    contact = ContactPoint(
        subscriber=subscriber,
        channel=channel,
        address=url,
        address_key=key,
        priority=(last or 0) + 1,
        secret=secret,
        meta={"notify_email": email},
    )
    db.session.add(contact)
    db.session.flush()
    if secret is None:
        send_test(contact, adapter, now)
    else:
        contact.verified_at = now
    record(
        actor,
        "subscriber.endpoint_added",
        target_type="subscriber",
        target_id=subscriber.id,
        after={"channel": channel.value, "host": _host(url), "priority": contact.priority},
        at=now,
    )
    db.session.flush()
    return contact, secret
