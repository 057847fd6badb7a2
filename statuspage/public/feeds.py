"""Atom and RSS feeds of incident updates, for the page and for each component, and each
private viewer's own feed.

The page's and components' feeds are public channels: snapshots of public notices only,
whoever asks, one feed per language (`?lang=de`; without it, the page's default language): the
fixed words and the updates' text (their translation, else the default text) in that language.
A private viewer's feed lives at a secret URL (audience.viewers makes and revokes its token)
and carries public notices plus their segments' private ones, marked.
"""

from __future__ import annotations

import re

from feedgen.feed import FeedGenerator
from flask import Response, abort
from flask_babel import gettext as _

from statuspage.audience.membership import viewer_for
from statuspage.audience.viewers import email_for_feed_token, shared_with
from statuspage.audience.visibility import PUBLIC, Viewer
from statuspage.components.catalog import visible_component
from statuspage.i18n import LANG_PARAM
from statuspage.i18n.web import current_language, page_language
from statuspage.incidents import queries
from statuspage.incidents.richtext import plain_text
from statuspage.incidents.translations import localized
from statuspage.models import Incident
from statuspage.public.caching import snapshotted
from statuspage.public.context import base_url, current_page, public_viewer
from statuspage.public.subscriptions import private

MAX_ENTRIES = 100
# What XML 1.0 may not carry at all (§2.2 Char): C0 controls other than tab, LF and CR, lone
# surrogates, U+FFFE and U+FFFF. Stored text may hold them (an ESC in a title is kept), and
# lxml refuses the whole feed for one of them: they are dropped here, for every reader.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    """`value` without the characters XML 1.0 cannot hold."""
    return _NOT_XML.sub("", value)


ATOM = "application/atom+xml; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"


def _feed(
    title: str, path: str, incidents: list[Incident], viewer: Viewer = PUBLIC
) -> FeedGenerator:
    """One entry per update, newest first, ids stable across renders and restarts; a private
    incident's entries say so in their title."""
    url, page, lang = base_url(), current_page(), current_language()
    if lang != page_language():  # the default language's feed keeps its address and id
        path = f"{path}?{LANG_PARAM}={lang}"
    feed = FeedGenerator()
    feed.id(f"{url}{path}")
    feed.title(xml_text(title))
    # RFC 4287 §4.1.1: a feed MUST name an author unless every entry does; the page speaks.
    feed.author(name=xml_text(page.name), uri=f"{url}/")
    feed.link(href=f"{url}/", rel="alternate")
    feed.link(href=f"{url}{path}", rel="self")
    feed.description(xml_text(_("Status updates from %(page)s", page=page.name)))
    feed.language(lang)
    updates = sorted(
        ((incident, update) for incident in incidents for update in incident.updates),
        key=lambda pair: pair[1].display_at,
        reverse=True,
    )[:MAX_ENTRIES]
    feed.updated(updates[0][1].display_at if updates else page.updated_at)
    for incident, update in updates:
        link = f"{url}/incidents/{incident.id}"
        entry = feed.add_entry(order="append")
        entry.id(f"{link}#update-{update.id}")
        entry.guid(f"{link}#update-{update.id}", permalink=True)
        names = shared_with(viewer, incident)
        mark = _("[Private — shared with %(names)s]", names=", ".join(names)) + " " if names else ""
        text = localized(update, lang)
        entry.title(xml_text(f"{mark}{text.title} — {update.status.label}"))
        entry.link(href=link)
        entry.published(update.display_at)
        entry.updated(update.updated_at)
        entry.description(xml_text(plain_text(text.body)))
        entry.content(xml_text(text.body_html), type="html")
    return feed


def _page_feed(path: str) -> FeedGenerator:
    incidents = queries.recently_updated(public_viewer())
    return _feed(_("%(page)s status history", page=current_page().name), path, incidents)


def _component_feed(component_id: str, path: str) -> FeedGenerator:
    component = visible_component(PUBLIC, component_id)
    if component is None:
        abort(404)  # a private component has no public feed: as if it did not exist
    incidents = queries.recently_updated(public_viewer(), component_id=component.id)
    title = _(
        "%(page)s: %(component)s status history", page=current_page().name, component=component.name
    )
    return _feed(title, path, incidents)


@snapshotted
def history_atom() -> tuple[bytes, str]:
    return _page_feed("/history.atom").atom_str(pretty=False), ATOM


@snapshotted
def history_rss() -> tuple[bytes, str]:
    return _page_feed("/history.rss").rss_str(pretty=False), RSS


@snapshotted
def component_atom(component_id: str) -> tuple[bytes, str]:
    path = f"/components/{component_id}/history.atom"
    return _component_feed(component_id, path).atom_str(pretty=False), ATOM


@snapshotted
def component_rss(component_id: str) -> tuple[bytes, str]:
    path = f"/components/{component_id}/history.rss"
    return _component_feed(component_id, path).rss_str(pretty=False), RSS


def _private_feed(token: str, kind: str) -> FeedGenerator:
    email = email_for_feed_token(token)
    if email is None:
        abort(404)  # unknown or revoked
    viewer = viewer_for(email)  # read now: a membership change applies at once
    incidents = queries.recently_updated(viewer)
    title = _("%(page)s status history (private)", page=current_page().name)
    return _feed(title, f"/private/feed/{token}.{kind}", incidents, viewer)


@private
def private_atom(token: str) -> Response:
    return Response(_private_feed(token, "atom").atom_str(pretty=False), content_type=ATOM)


@private
def private_rss(token: str) -> Response:
    return Response(_private_feed(token, "rss").rss_str(pretty=False), content_type=RSS)
