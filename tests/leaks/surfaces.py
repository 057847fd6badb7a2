"""Every read surface of the leak test, one entry each: `fetch(browser, world, viewer) -> text`.

Each entry says who reads it (anonymous, a signed-in viewer, an organization's API token,
staff), whether it answers per viewer (`personal`: public tokens plus the viewer's segments')
or is a public channel (public tokens only, whoever asks), and which tokens it is meant to
show (`shows`), so a token that should be there and is not fails too: a surface that shows
nothing to anyone would otherwise pass every leak check.

A surface being built may be added here as one more entry; the test walks the table.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from statuspage.clock import utcnow
from statuspage.public.export import export_site
from statuspage.public.pages import recent_months
from tests.leaks.world import Item, Token, World

PRIVATE = "private, no-store"
CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


class Browser(FlaskClient):
    """A test client whose every request has an app context of its own, as in production
    (the test's context would otherwise share `g`, and a CSRF token, between browsers)."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        with self.application.app_context():
            return super().open(*args, **kwargs)


def browser(app: Flask) -> Browser:
    return Browser(app, app.response_class, use_cookies=True)


def csrf_token(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return CSRF_INPUT.search(response.get_data(as_text=True))[1]


@dataclass
class Viewer:
    """Someone reading the site: `segments` are what they may see (None: staff, everything)."""

    label: str
    kinds: frozenset[str]  # "anonymous", "signed-in", "feed", "token", "staff"
    segments: frozenset[int] | None
    browser: Browser
    headers: dict[str, str] = field(default_factory=dict)
    feed: str | None = None  # a signed-in viewer's private feed path, without the extension
    identified: bool = False  # answered for them alone: private, no-store


@dataclass(frozen=True)
class Surface:
    name: str
    fetch: Callable[[Browser, World, Viewer], str]
    readers: frozenset[str]  # the viewer kinds that read it
    personal: bool  # answers per viewer; else a public channel
    shows: Callable[[World, Token], bool] | None = None  # None: checked for leaks only


# --- what a surface is meant to show ---------------------------------------------------------


def _items(token: Token) -> Item | None:
    return token.item if token.kind == "marker" else None


def every_item(world: World, token: Token) -> bool:
    return _items(token) is not None


def incidents(world: World, token: Token) -> bool:
    return (item := _items(token)) is not None and not item.spec.maintenance


def maintenance(world: World, token: Token) -> bool:
    return (item := _items(token)) is not None and item.spec.maintenance


def components(world: World, token: Token) -> bool:
    return token.component is not None


def items_and_components(world: World, token: Token) -> bool:
    return every_item(world, token) or components(world, token)


def recent(world: World, token: Token) -> bool:
    """Items that began in the months /history shows in full."""
    item = _items(token)
    if item is None:
        return False
    started = item.incident.started_at.date().replace(day=1)
    return started in recent_months(utcnow().date())


def public_item_ids(world: World, token: Token) -> bool:
    return token.kind == "id"


def touching_a_public_component(world: World, token: Token) -> bool:
    """A component's feed lists the items touching it; its badge and feed carry its name."""
    if token.component is not None:
        return True
    item = _items(token)
    return item is not None and any(
        not world.spec.components[c].segments for c in item.spec.components
    )


def exported(world: World, token: Token) -> bool:
    return token.kind == "marker"


# --- fetching --------------------------------------------------------------------------------


def read(
    browser: Browser, viewer: Viewer, path: str, *, status: int = 200, personal: bool = True
) -> str:
    """GET `path` as `viewer`; an answer for an identified viewer alone is never cached."""
    response = browser.get(path, headers=viewer.headers)
    answered = response.status_code
    assert answered == status, f"{viewer.label}: GET {path} answered {answered}, not {status}"
    if personal and viewer.identified and status == 200:
        cache = response.headers.get("Cache-Control")
        assert cache == PRIVATE, f"{viewer.label}: GET {path} is cached ({cache})"
    return response.get_data(as_text=True)


def page(path: str, *, personal: bool = True) -> Callable[[Browser, World, Viewer], str]:
    return lambda browser, world, viewer: read(browser, viewer, path, personal=personal)


def history_months(browser: Browser, world: World, viewer: Viewer) -> str:
    return "".join(
        read(browser, viewer, f"/history/{m.year}/{m.month}")
        for m in recent_months(utcnow().date())
    )


def incident_pages(browser: Browser, world: World, viewer: Viewer) -> str:
    """Every item's page: shown to whom may see it, 404 to anyone else."""
    return "".join(
        read(
            browser,
            viewer,
            f"/incidents/{item.incident.id}",
            status=200 if world.item_token(item).allowed(viewer.segments) else 404,
        )
        for item in world.items
    )


def component_feeds(browser: Browser, world: World, viewer: Viewer) -> str:
    """Each component's Atom and RSS feed and badge: a private component has none (404)."""
    texts = []
    for component, spec in zip(world.components, world.spec.components, strict=True):
        status = 404 if spec.segments else 200
        for suffix in ("history.atom", "history.rss", "badge.svg"):
            path = f"/components/{component.id}/{suffix}"
            texts.append(read(browser, viewer, path, status=status, personal=False))
    return "".join(texts)


def private_feed(browser: Browser, world: World, viewer: Viewer) -> str:
    assert viewer.feed is not None, viewer.label
    return "".join(read(browser, viewer, viewer.feed + suffix) for suffix in (".atom", ".rss"))


def static_export(target: Path) -> Callable[[Browser, World, Viewer], str]:
    """Every file of `flask export`, and its path (incident pages are named by id)."""

    def fetch(browser: Browser, world: World, viewer: Viewer) -> str:
        export_site(browser.application, target)
        files = sorted(p for p in target.rglob("*") if p.is_file() and "static" not in p.parts)
        return "".join(f"{p.relative_to(target)}\n{p.read_text(errors='replace')}" for p in files)

    return fetch


def embed(browser: Browser, world: World, viewer: Viewer) -> str:
    return "".join(
        read(browser, viewer, f"/embed/status.{ext}", personal=False)
        for ext in ("js", "css", "html")
    )


def management_api(browser: Browser, world: World, viewer: Viewer) -> str:
    """Incidents, components and page access (segments, private viewers) as staff read them."""
    base = f"/api/v1/pages/{world.page_id}"
    resources = ("incidents", "components", "page_access_groups", "page_access_users")
    return "".join(read(browser, viewer, f"{base}/{resource}") for resource in resources)


# --- the table -------------------------------------------------------------------------------

PAGES = frozenset({"anonymous", "signed-in"})
JSON_READERS = frozenset({"anonymous", "signed-in", "token"})
ANONYMOUS = frozenset({"anonymous"})
V2 = "/api/v2"


def surfaces(export_to: Path) -> list[Surface]:
    return [
        # HTML, per viewer
        Surface("status page", page("/"), PAGES, True, items_and_components),
        Surface("history", page("/history"), PAGES, True, recent),
        Surface("history months", history_months, PAGES, True, recent),
        Surface("maintenance page", page("/maintenance"), PAGES, True, maintenance),
        Surface("incident pages", incident_pages, PAGES, True, every_item),
        # JSON API v2, per viewer (an organization's token too)
        Surface(
            "summary.json", page(f"{V2}/summary.json"), JSON_READERS, True, items_and_components
        ),
        Surface("status.json", page(f"{V2}/status.json"), JSON_READERS, True),
        Surface("components.json", page(f"{V2}/components.json"), JSON_READERS, True, components),
        Surface("incidents.json", page(f"{V2}/incidents.json"), JSON_READERS, True, incidents),
        Surface(
            "unresolved.json",
            page(f"{V2}/incidents/unresolved.json"),
            JSON_READERS,
            True,
            incidents,
        ),
        Surface(
            "scheduled-maintenances.json",
            page(f"{V2}/scheduled-maintenances.json"),
            JSON_READERS,
            True,
            maintenance,
        ),
        Surface(
            "upcoming.json",
            page(f"{V2}/scheduled-maintenances/upcoming.json"),
            JSON_READERS,
            True,
            maintenance,
        ),
        Surface(
            "active.json", page(f"{V2}/scheduled-maintenances/active.json"), JSON_READERS, True
        ),
        # Public channels: the same for everyone, signed in or not
        Surface("history.atom", page("/history.atom", personal=False), PAGES, False, every_item),
        Surface("history.rss", page("/history.rss", personal=False), PAGES, False, every_item),
        Surface(
            "component feeds and badges", component_feeds, PAGES, False, touching_a_public_component
        ),
        Surface("badge.svg", page("/badge.svg", personal=False), PAGES, False),
        Surface("embed", embed, PAGES, False),
        Surface("sitemap.xml", page("/sitemap.xml", personal=False), PAGES, False, public_item_ids),
        Surface("static export", static_export(export_to), ANONYMOUS, False, exported),
        # A signed-in viewer's own feed, at its secret address
        Surface("private feed", private_feed, frozenset({"feed"}), True, every_item),
        # The management API (v1, page access groups and users too): staff see everything
        Surface("v1 API (staff)", management_api, frozenset({"staff"}), True, items_and_components),
    ]
