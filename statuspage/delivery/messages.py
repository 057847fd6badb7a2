"""Render deliveries' messages: the words from templates, the headers that thread them."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import gettext as _
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from statuspage.channels.base import MailTemplate, Message, Outgoing
from statuspage.clock import utcnow
from statuspage.delivery.payloads import followed_components, notice_bodies
from statuspage.delivery.return_path import return_path
from statuspage.extensions import db
from statuspage.i18n import DEFAULT_LANGUAGE, language, zones
from statuspage.i18n.web import reading_as
from statuspage.i18n.zones import DEFAULT_ZONE, is_zone
from statuspage.incidents.richtext import plain_text, render_markdown
from statuspage.incidents.translations import localized
from statuspage.links import link
from statuspage.models import (
    ENDPOINT_CHANNELS,
    Channel,
    CrisisMessage,
    Delivery,
    DeliveryState,
    Incident,
    IncidentUpdate,
    Notice,
    Page,
    Subscriber,
)
from statuspage.models.crisis import CrisisKind
from statuspage.page.state import ensure_page
from statuspage.regulators import mail as regulator_mail

SHORT_TEXT = 160


def _host() -> str:
    return urlsplit(current_app.config["BASE_URL"]).hostname or "herald.invalid"


def event_id(delivery: Delivery) -> str:
    """The delivery's id outside Herald: a webhook's `webhook-id`, Mastodon's Idempotency-Key,
    the mail's Message-ID.

    The same on every retry (a receiver drops the repeat), and unique across every Herald:
    `delivery-<n>` was numbered per database, so two pages, a restored backup or a staging
    copy reused `delivery-1`, a receiver that remembers ids threw real events away and
    Mastodon handed back an old status instead of posting. Opaque too: a count in it told a
    subscriber how many messages others received. A keyed hash of the row (the app's secret
    key, the delivery's id and when it was made) has all three properties.
    """
    made = delivery.created_at.isoformat() if delivery.created_at else ""
    return "evt_" + _keyed("delivery", delivery.id, made)


def message_id(delivery: Delivery) -> str:
    """Stable per delivery: a retry carries the same Message-ID, so it is recognisable."""
    return f"<{event_id(delivery)}@{_host()}>"


def _keyed(*parts: object) -> str:
    digest = hmac.new(
        current_app.config["SECRET_KEY"].encode(),
        ":".join(map(str, parts)).encode(),
        hashlib.sha256,
    ).digest()[:16]
    return base64.b32encode(digest).decode().rstrip("=").lower()


def thread_root(incident: Incident, contact_point_id: int, *, internal: bool = False) -> str:
    """The Message-ID of the first mail about `incident` to one address; every later mail
    to it replies to this one. A real message's id: clients thread on ids they have seen
    (Thunderbird's References threading), and Gmail links a reply to the mail it names.
    Per address, so no two messages anywhere share a Message-ID (Gmail drops a repeat).
    The internal mails (team pages, briefings, regulator notices) make a thread of their
    own, with a root of their own."""
    topic = "thread-internal" if internal else "thread"
    return f"<thread_{_keyed(topic, incident.id, contact_point_id)}@{_host()}>"


def already_threaded(incident: Incident, notice: Notice, contact_point_ids: set[int]) -> set[int]:
    """Those of `contact_point_ids` that an earlier notice of `incident` of the same kind
    (public updates, or internal messages) already went to, or is going to: their mail
    replies to the thread's root instead of being it. A delivery that failed for good never
    arrived, so it started no thread."""
    if not contact_point_ids:
        return set()
    internal = notice.crisis_message_id is not None
    same_kind = (
        Notice.crisis_message_id.is_not(None) if internal else Notice.crisis_message_id.is_(None)
    )
    earlier = (
        select(Delivery.contact_point_id)
        .join(Notice, Notice.id == Delivery.notice_id)
        .where(
            Notice.incident_id == incident.id,
            Notice.id < notice.id,
            same_kind,
            Delivery.contact_point_id.in_(contact_point_ids),
            Delivery.state != DeliveryState.failed,
        )
        .distinct()
    )
    return set(db.session.scalars(earlier))


def thread_headers(delivery: Delivery, root: str, threaded: bool) -> dict[str, str]:
    """The first mail of a thread is its root; a later one replies to it (RFC 5322 §3.6.4:
    In-Reply-To and References name the parent)."""
    if not threaded:
        return {"Message-ID": root}
    return {"Message-ID": message_id(delivery), "In-Reply-To": root, "References": root}


# Stand-ins for the per-recipient links while the templates render once per notice: plain
# letters and digits, so HTML escaping leaves them as they are and each is found again.
_MANAGE, _UNSUBSCRIBE, _ACK = (f"HERALDLINK{name}7Q3Z" for name in ("MANAGE", "UNSUB", "ACK"))
_AT = "HERALDTIME7Q3Z"  # where the update's time goes, in each reader's zone
# And for the thread headers, in a mail's template (channels/email_fill.py fills them).
_ROOT, _OWN_ID = "HERALDROOT7Q3Z", "HERALDMSGID7Q3Z"


def _mail_headers(
    subject: str, list_id: str, *, root: str, own_id: str | None, unsubscribe: str
) -> dict[str, str]:
    """A public update's mail headers: its thread (`own_id` None: the thread's first mail,
    its root), its list and its one-click unsubscribe (RFC 8058). The same function makes a
    recipient's headers and the template's, stand-ins for the values, so they cannot differ."""
    thread = (
        {"Message-ID": root}
        if own_id is None
        else {"Message-ID": own_id, "In-Reply-To": root, "References": root}
    )
    return {
        **thread,
        "Thread-Topic": subject,
        "List-Id": list_id,
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }


def render_message(
    delivery: Delivery, notice: Notice, incident: Incident, update: IncidentUpdate, page: Page
) -> Message:
    return render_messages([delivery], notice, incident, update, page)[0]


def render_messages(
    deliveries: Sequence[Delivery],
    notice: Notice,
    incident: Incident,
    update: IncidentUpdate,
    page: Page,
) -> list[Message]:
    """One message per delivery of one notice, in order, each in its subscriber's language
    and time zone.

    The templates render once per (language, zone) among the batch's recipients, with
    stand-ins where each recipient's signed links go; each message then gets its own links
    (HTML-escaped in the HTML, as Jinja would). Rendering per recipient cost more than
    building and sending the email.
    """
    base = current_app.config["BASE_URL"]
    url = f"{base}/incidents/{incident.id}"
    readers = reader_settings(deliveries, page)
    # Rendered once per language; each zone among its readers then only swaps in the time.
    by_language = {
        lang: _update_words(notice, incident, update, page, url, lang)
        for lang in dict.fromkeys(lang for lang, _zone in readers.values())
    }
    words = {
        (lang, zone): by_language[lang].at(zones.when(update.display_at, zone, lang))
        for lang, zone in dict.fromkeys(readers.values())
    }
    mailed = {d.contact_point_id for d in deliveries if d.channel is Channel.email}
    threaded = already_threaded(incident, notice, mailed)
    first_update = incident.updates[-1].id == update.id if incident.updates else True
    list_id = f"{page.name} <{page.id or 'status'}.{_host()}>"
    # Webhooks and chat carry Statuspage's webhook bodies: built once here, for this batch,
    # in the page's default language (Statuspage's shape has no place for another).
    endpoints = [d.subscriber_id for d in deliveries if d.channel in ENDPOINT_CHANNELS]
    bodies = notice_bodies(incident, update, page, base, utcnow()) if endpoints else None
    follows = followed_components(endpoints)
    templates: dict[tuple[Reading, bool], MailTemplate] = {}  # per reading and thread state
    messages = []
    for delivery in deliveries:
        reading = readers[delivery.subscriber_id]
        said = words[reading]
        mail, endpoint = delivery.channel is Channel.email, delivery.channel in ENDPOINT_CHANNELS
        # Signed links only where they are read: in a mail, in a webhook's or chat's body.
        # Push, SMS and social posts carry none (for a fan-out to push subscribers, signing
        # them cost as much as the encryption).
        links = _recipient_links(delivery, notice) if mail or endpoint else {}
        payload, component_updates = (
            bodies.for_recipient(
                links[_UNSUBSCRIBE], follows.get(delivery.subscriber_id), links.get(_ACK)
            )
            if bodies and endpoint
            else ({}, ())
        )
        in_thread = delivery.contact_point_id in threaded
        own = (
            _mail_parts(delivery, incident, said, links, list_id, in_thread, templates, reading)
            if mail
            else _NOT_MAIL
        )
        messages.append(
            Message(
                subject=said.subject,
                text=own.text,
                html=own.html,
                short_text=said.short_text,
                url=url,
                title=said.title,
                impact=incident.impact.value,
                incident_id=incident.id,
                update_id=update.id,
                status=update.status.value,
                first_update=first_update,
                social_text=update.custom_tweet,
                body_text=said.body_text,
                payload=payload,
                component_updates=component_updates,
                labels=said.labels,
                headers=own.headers,
                mail_template=own.template,
                fills=own.fills,
            )
        )
    return messages


def _recipient_links(delivery: Delivery, notice: Notice) -> dict[str, str]:
    """The recipient's own signed links, by the stand-in the words carry for each."""
    subscriber = {"s": delivery.subscriber_id, "v": 1}
    links = {
        _MANAGE: link("manage", subscriber, "/subscriptions/manage"),
        _UNSUBSCRIBE: link("unsubscribe", subscriber, "/subscriptions/unsubscribe"),
    }
    if notice.requires_ack:
        links[_ACK] = link("ack", {"d": delivery.id}, "/ack")
    return links


@dataclass(frozen=True)
class _MailParts:
    """What only a mail carries: its text and HTML with the recipient's links, its headers,
    and the template they were filled from with the values filled in."""

    text: str = ""
    html: str = ""
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    template: MailTemplate | None = None
    fills: tuple[tuple[str, str], ...] = ()


_NOT_MAIL = _MailParts()


def _mail_parts(
    delivery: Delivery,
    incident: Incident,
    said: _Words,
    links: dict[str, str],
    list_id: str,
    in_thread: bool,
    templates: dict[tuple[Reading, bool], MailTemplate],
    reading: Reading,
) -> _MailParts:
    """A public update's mail to one recipient. Its template is the one of its reading and
    thread state in `templates`, made by the first of those recipients, shared by the rest."""
    root = thread_root(incident, delivery.contact_point_id)
    own_id = message_id(delivery) if in_thread else None
    text, html = said.text, said.html
    for stand_in, value in links.items():
        text = text.replace(stand_in, value)
        html = html.replace(stand_in, str(escape(value)))
    headers = _mail_headers(
        said.subject, list_id, root=root, own_id=own_id, unsubscribe=links[_UNSUBSCRIBE]
    )
    template = templates.get((reading, in_thread))
    if template is None:
        stand_ins = _mail_headers(
            said.subject,
            list_id,
            root=_ROOT,
            own_id=_OWN_ID if in_thread else None,
            unsubscribe=_UNSUBSCRIBE,
        )
        template = templates[(reading, in_thread)] = MailTemplate(
            said.subject, said.text, said.html, tuple(stand_ins.items())
        )
    fills = (*links.items(), (_ROOT, root), *(((_OWN_ID, own_id),) if own_id else ()))
    return _MailParts(text, html, headers, template, fills)


Reading = tuple[str, str]  # (language, time zone) a message is rendered in


def reader_settings(deliveries: Sequence[Delivery], page: Page) -> dict[int, Reading]:
    """Each delivery's subscriber's (language, zone), the page's default for what they left
    unset (or what is no longer shipped or known): one query for the whole batch."""
    default = (
        language(page.default_language) or DEFAULT_LANGUAGE,
        page.time_zone if is_zone(page.time_zone) else DEFAULT_ZONE,
    )
    ids = {d.subscriber_id for d in deliveries}
    rows = db.session.execute(
        select(Subscriber.id, Subscriber.language, Subscriber.time_zone).where(
            Subscriber.id.in_(ids)
        )
    )
    found = {
        sid: (language(lang) or default[0], zone if is_zone(zone) else default[1])
        for sid, lang, zone in rows
    }
    return {sid: found.get(sid, default) for sid in ids}


@dataclass(frozen=True)
class _Words:
    """What one (language, zone) reads: everything of a message but the recipient's links."""

    subject: str
    text: str
    html: str
    short_text: str
    title: str
    body_text: str
    labels: dict[str, str]

    def at(self, shown: str) -> _Words:
        """These words with the update's time as one zone's readers read it."""
        return dataclasses.replace(
            self,
            text=self.text.replace(_AT, shown),
            html=self.html.replace(_AT, str(escape(shown))),
        )


def thread_subject(incident: Incident, lang: str) -> str:
    """The incident's title for the mails' subject in `lang`: its first update's translated
    title, else its name. Neither the newest title (`incident_title`) nor the first one that
    appears later: a subject that changed mid-incident would break the thread (Gmail threads
    on the subject). A subscriber keeps a language, so each keeps one subject."""
    if lang and incident.updates:
        first = min(incident.updates, key=lambda u: (u.display_at, u.created_at))
        title = next((t.title for t in first.translations if t.language == lang), None)
        if title:
            return title
    return incident.name


def _update_words(
    notice: Notice,
    incident: Incident,
    update: IncidentUpdate,
    page: Page,
    url: str,
    lang: str,
) -> _Words:
    """Everything one language's readers read, the update's time left as a stand-in: the
    templates render once per language, whatever zones its readers are in."""
    with reading_as(lang):
        said = localized(update, lang)
        status = update.status.label  # in the language in force (models.enums)
        body_text = plain_text(said.body)
        context = {
            "incident": incident,
            "update": update,
            "page": page,
            "url": url,
            "title": said.title,
            "status_label": status,
            "body_text": body_text,
            "body_html": said.body_html,
            "shown_at": _AT,
            "manage_url": _MANAGE,
            "unsubscribe_url": _UNSUBSCRIBE,
            "ack_url": _ACK if notice.requires_ack else None,
        }
        text = render_template("email/update.txt", **context)
        html = render_template("email/update.html", **context)
        # The same subject on every mail of the incident: Gmail threads only mails whose
        # subjects match, and Outlook's conversations follow the subject (Thread-Topic). The
        # status leads the body and the preheader instead.
        subject = f"[{page.name}] {thread_subject(incident, lang)}"
        short_parts = _short(page, said.title, status, url)
        short = _("%(page)s: %(title)s (%(status)s) %(url)s", **short_parts)
        title = _("%(title)s: %(status)s", title=said.title, status=status)
        labels = {
            "status": status,
            "Status": _("Status"),
            "Affected": _("Affected"),
            "View on the status page": _("View on the status page"),
            "Acknowledge receipt": _("Acknowledge receipt"),
            "Unsubscribe": _("Unsubscribe"),
        }
    return _Words(subject, text, html, short, title, body_text, labels)


def _short(page: Page, title: str, status: str, url: str) -> dict[str, str]:
    """The short text's parts, the title cut so the whole fits SHORT_TEXT: the page, the
    status and the link stay (an ASCII ellipsis: "…" is not GSM-7 and would cut an SMS to
    70 characters)."""
    parts = {"page": page.name, "title": title, "status": status, "url": url}
    whole = len(_("%(page)s: %(title)s (%(status)s) %(url)s", **parts))
    if whole > SHORT_TEXT:
        room = max(0, SHORT_TEXT - whole + len(title) - 3)
        parts["title"] = f"{title[:room].rstrip()}..."
    return parts


# Why an internal recipient receives a crisis message, said at its foot.
_REASONS = {
    "team_page": "its crisis response team",
    "briefing": "executive briefings",
    "regulator_notice": "regulatory notices",
}


def render_crisis_messages(
    deliveries: Sequence[Delivery],
    notice: Notice,
    incident: Incident,
    crisis: CrisisMessage,
    page: Page,
) -> list[Message]:
    """One message per delivery of an internal notice (a team page, a briefing, a regulator
    notice), in order: marked confidential, linking to the incident in the admin (never the
    public page), with no manage or unsubscribe links (staff keep the roster), and each
    recipient's acknowledgement link when the notice asks for one. SMS carries that link
    as its one uncut link; email, chat and the rest carry the whole message."""
    base = current_app.config["BASE_URL"]
    url = f"{base}/admin/incidents/{incident.id}"
    context = {
        "incident": incident,
        "message": crisis,
        "page": page,
        "url": url,
        "body_html": render_markdown(crisis.body, phone_links=True),
        "reason": _REASONS.get(crisis.kind.value, "internal notices"),
        "ack_url": _ACK if notice.requires_ack else None,
    }
    text = render_template("email/crisis.txt", **context)
    html = render_template("email/crisis.html", **context)
    # A mail's subject is the same on every internal mail of the incident, as the public
    # mails' is: Gmail threads only mails whose subjects match, Outlook follows the topic. The
    # message's own subject leads its body instead; chat and the rest still carry it on top.
    topic = f"[{page.name} · CONFIDENTIAL] {incident.name}"
    subject = f"[{page.name} · CONFIDENTIAL] {crisis.subject}"
    short = f"CONFIDENTIAL {page.name}: {crisis.short_text or crisis.subject}"
    mailed = {d.contact_point_id for d in deliveries if d.channel is Channel.email}
    threaded = already_threaded(incident, notice, mailed)
    messages = []
    for delivery in deliveries:
        ack = link("ack", {"d": delivery.id}, "/ack") if notice.requires_ack else None
        own_text, own_html = text, html
        if ack:
            own_text = own_text.replace(_ACK, ack)
            own_html = own_html.replace(_ACK, str(escape(ack)))
        sms = delivery.channel.value == "sms"
        mail = delivery.channel is Channel.email
        messages.append(
            Message(
                subject=topic if mail else subject,
                text=own_text,
                html=own_html,
                short_text=short,
                url=(ack or url) if sms else url,
                title=subject,
                impact=incident.impact.value,
                incident_id=incident.id,
                body_text=f"{crisis.body}\n\nIncident in Herald: {url}",
                # chat reads its acknowledgement button from the webhook body's meta
                payload={"meta": {"acknowledge": ack}} if ack else {"meta": {}},
                headers={
                    **thread_headers(
                        delivery,
                        thread_root(incident, delivery.contact_point_id, internal=True),
                        delivery.contact_point_id in threaded,
                    ),
                    "Thread-Topic": topic,
                    "Auto-Submitted": "auto-generated",
                    "Sensitivity": "company-confidential",
                },
            )
        )
    return messages


def outgoing_by_channel(deliveries: Sequence[Delivery]) -> dict[str, list[Outgoing]]:
    """The deliveries' messages, rendered once per notice, grouped by channel in delivery order.

    Loads what the messages say in one query per kind of row: the notices, their updates
    (or, for internal notices, their crisis messages) and their incidents.
    """
    notices = _by_id(Notice, {d.notice_id for d in deliveries})
    updates = _by_id(IncidentUpdate, {n.update_id for n in notices.values() if n.update_id})
    # Internal notices (team pages, briefings, regulator notices) carry a crisis message.
    crises = _by_id(
        CrisisMessage, {n.crisis_message_id for n in notices.values() if n.crisis_message_id}
    )
    # Every update's translations: the titles in each reader's language (incident_title,
    # thread_subject) read them, two queries for the batch instead of one per update.
    incidents = _by_id(
        Incident,
        {n.incident_id for n in notices.values()},
        selectinload(Incident.updates).selectinload(IncidentUpdate.translations),
    )
    page = ensure_page()
    by_notice: dict[int, list[Delivery]] = defaultdict(list)
    for d in deliveries:
        by_notice[d.notice_id].append(d)
    by_channel: dict[str, list[Outgoing]] = defaultdict(list)
    for notice_id, batch in by_notice.items():
        notice = notices[notice_id]
        incident = incidents[notice.incident_id]
        if notice.crisis_message_id is not None:
            crisis = crises[notice.crisis_message_id]
            messages = render_crisis_messages(batch, notice, incident, crisis, page)
            if crisis.kind is CrisisKind.regulator_notice:  # a regulator's mail is its own
                messages = regulator_mail.with_kept_copies(batch, notice, incident, page, messages)
        else:
            messages = render_messages(batch, notice, incident, updates[notice.update_id], page)
        for d, message in zip(batch, messages, strict=True):
            by_channel[d.channel.value].append(
                Outgoing(
                    d.id,
                    d.contact_point.address,
                    message,
                    idempotency_key=event_id(d),
                    secret=d.contact_point.secret,
                    return_path=return_path(d) if d.channel is Channel.email else None,
                )
            )
    return by_channel


def _by_id(model: Any, ids: set[Any], *options: Any) -> dict[Any, Any]:
    query = select(model).where(model.id.in_(ids)).options(*options)
    return {row.id: row for row in db.session.scalars(query)}
