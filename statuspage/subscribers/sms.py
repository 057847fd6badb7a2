"""SMS subscriptions: a phone number asks on the web, its owner opts in by replying YES, and
the keywords a phone can send (STOP, START, HELP) act on that number alone.

As with email, a web request changes nothing anyone could observe about an existing number:
what was asked for waits in the contact point's `meta["pending"]` and takes effect only when
the phone itself replies YES. `meta["all_updates"]` (a JSON boolean) is the number's own
choice to be texted every update, not only an incident's start and end and a maintenance's
start (audience reads it).
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select

from statuspage.core.errors import InvalidInput
from statuspage.core.validation import phone_number
from statuspage.delivery.outbox import SEND_SMS_OPT_IN, after_commit
from statuspage.extensions import db
from statuspage.models import Channel, ContactPoint, Subscriber, SubscriberKind
from statuspage.subscribers.contact_points import find_contact, find_or_create_contact
from statuspage.subscribers.subscriptions import (
    Preferences,
    check_preferences,
    is_subscribed,
    new_subscriber,
    update_preferences,
)

# Twilio's default opt-in and opt-out keywords (Advanced Opt-Out), and Y for YES.
OPT_IN = frozenset({"YES", "Y", "START", "UNSTOP"})
OPT_OUT = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
HELP = frozenset({"HELP", "INFO"})
STOPPED = "STOP"  # disabled_reason of a number whose owner replied STOP


class Reply(StrEnum):
    """What the phone is told back (the web layer words it); `none`: nothing at all."""

    none = "none"
    subscribed = "subscribed"
    already = "already"
    help = "help"


def normalise_phone(raw: str) -> str:
    """The number in E.164 (+447700900123), or InvalidInput in the subscribe form's words."""
    return phone_number(
        raw, problem="Enter a mobile number with its country code, like +44 7700 900123."
    )


def find_sms_contact(phone: str) -> ContactPoint | None:
    return find_contact(Channel.sms, phone)


def reading_of(raw_from: str) -> tuple[str | None, str | None]:
    """The (language, zone) the number's subscriber reads texts in; (None, None) for a
    number Herald does not know (the page's then)."""
    try:
        contact = find_sms_contact(normalise_phone(raw_from))
    except InvalidInput:
        return None, None
    if contact is None:
        return None, None
    return contact.subscriber.language, contact.subscriber.time_zone


def request_sms_subscription(
    raw_phone: str, preferences: Preferences, *, all_updates: bool = False
) -> None:
    """Find or create the number's contact point (unverified when new), remember what was
    asked for until the phone replies YES, and queue the opt-in text after commit.

    Raises InvalidInput for a malformed number or empty preferences; otherwise behaves the
    same whatever the number's state (a number that replied STOP is not texted: the job
    decides that from the database).
    """
    phone = normalise_phone(raw_phone)
    check_preferences(preferences)
    contact = find_or_create_contact(
        Channel.sms,
        phone,
        lambda: new_subscriber(preferences),
        lambda: ContactPoint(channel=Channel.sms, address=phone, address_key=phone),
    )
    if not opted_out(contact):
        # A new dict: SQLAlchemy sees an assignment, not an in-place change of the JSON.
        # (A number that replied STOP keeps what it had: its owner restarts it by text.)
        pending = {"preferences": preferences.to_payload(), "all_updates": all_updates}
        contact.meta = {**(contact.meta or {}), "pending": pending}
    db.session.flush()
    after_commit(SEND_SMS_OPT_IN, contact.id)


def opted_out(contact: ContactPoint) -> bool:
    """The phone replied STOP: nothing is sent to it until it replies START (or YES)."""
    return not contact.active and contact.disabled_reason == STOPPED


def keyword(body: str) -> str:
    """The keyword a reply says ("Stop." -> STOP): its one word, or its first word when that
    asks to stop ("Stop sending these"); empty otherwise. Stopping is the safe misreading."""
    words = [w.upper() for w in re.findall(r"[A-Za-z]+", body or "")]
    if len(words) == 1 or (words and words[0] in OPT_OUT):
        return words[0]
    return ""


def crisis_paths(phone: str) -> list[ContactPoint]:
    """The internal contact points (team members, executives, regulators) that text `phone`.

    They have keys of their own (crisis.notices), so `find_sms_contact` never
    returns them; but a STOP from the phone is its owner's, whichever list holds the number,
    and Twilio refuses to text it after one.
    """
    return list(
        db.session.scalars(
            select(ContactPoint)
            .join(Subscriber, ContactPoint.subscriber_id == Subscriber.id)
            .where(
                Subscriber.kind == SubscriberKind.internal,
                ContactPoint.channel == Channel.sms,
                ContactPoint.address == phone,
            )
        )
    )


def handle_reply(raw_from: str, body: str, now: datetime) -> Reply:
    """Act on a text from a phone; returns what to answer. An unknown number, or a text
    that is no keyword, changes nothing and is answered with nothing.

    STOP and START act on the number's crisis paths too: a stopped path is skipped, so the
    engine pages that person on their next path instead of failing on this one. Those
    paths are never answered (nothing may tell a texter that a number is on a crisis list).
    """
    try:
        phone = normalise_phone(raw_from)
    except InvalidInput:
        return Reply.none
    contact, internal = find_sms_contact(phone), crisis_paths(phone)
    word = keyword(body)
    if word in OPT_OUT:
        for point in internal if contact is None else [contact, *internal]:
            stop(point, now)
        # Twilio confirms a STOP itself and would refuse to deliver anything after it.
        return Reply.none
    if word in OPT_IN:
        for point in internal:
            if opted_out(point):  # a path staff removed stays removed
                point.active, point.disabled_at, point.disabled_reason = True, None, None
        db.session.flush()
    if contact is None:
        return Reply.none
    if word in OPT_IN:
        return Reply.subscribed if opt_in(contact, now) else Reply.already
    if word in HELP:
        return Reply.help
    return Reply.none


def opt_in(contact: ContactPoint, now: datetime) -> bool:
    """The phone said YES (or START): verify, re-activate, and apply what the last web
    request asked for. True if this changed anything."""
    meta = dict(contact.meta or {})
    pending = meta.pop("pending", None)
    if is_subscribed(contact) and pending is None:
        return False
    subscriber = contact.subscriber
    contact.verified_at = contact.verified_at or now
    contact.active, contact.bounces, contact.failures_in_row = True, 0, 0
    contact.disabled_at = contact.disabled_reason = None
    subscriber.unsubscribed_at = None
    subscriber.paused = False
    if pending is not None:
        meta["all_updates"] = bool(pending.get("all_updates"))
        update_preferences(subscriber, Preferences.from_payload(pending.get("preferences", {})))
    contact.meta = meta
    db.session.flush()
    return True


def stop(contact: ContactPoint, now: datetime) -> None:
    """The phone said STOP: no more texts, and a pending web request is forgotten."""
    meta = dict(contact.meta or {})
    meta.pop("pending", None)
    contact.meta = meta
    contact.active = False
    contact.disabled_at = now
    contact.disabled_reason = STOPPED
    db.session.flush()
