"""Public responses rendered once per page version and kept in this process.

A public request costs a dictionary lookup: the page version is read from the database at
most once per `version_ttl` seconds per process, and a response body is rendered only when
the version (or the UTC day, which moves the uptime bars) changes. Private responses never
come here.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import format_datetime

from statuspage.clock import utcnow
from statuspage.services.page import page_version

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
RENDER_WAIT = 10.0  # seconds a request waits for another thread's first render of a path


@dataclass(frozen=True)
class Snapshot:
    body: bytes
    content_type: str
    etag: str  # the opaque tag, without quotes
    last_modified: datetime
    headers: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class _Key:
    page_id: str
    version: int
    updated_at: datetime
    day: date


class SnapshotStore:
    """Rendered bodies for the current (version, day), and the previous ones while re-rendering.

    One thread per process renders a path for a new version; requests for that path arriving
    meanwhile get the previous version's snapshot (no staler than the version check already
    allows) or, when there is none, wait for that render instead of starting their own.
    """

    def __init__(self, version_ttl: float, cache_control: str) -> None:
        self._version_ttl = version_ttl
        self._cache_control = cache_control
        self._lock = threading.Lock()
        self._checking = threading.Lock()
        self._checked_at = float("-inf")
        self._key = _Key("", 0, EPOCH, date.min)
        self._last_modified = EPOCH
        self._entries: dict[str, Snapshot] = {}
        self._previous: dict[str, Snapshot] = {}
        self._rendering: dict[str, threading.Event] = {}
        self.renders = 0  # how many bodies this process rendered: for tests and metrics

    def fresh(self, path: str) -> Snapshot | None:
        """The snapshot of `path` if it is rendered and the version check is not due; no I/O."""
        if time.monotonic() - self._checked_at >= self._version_ttl:
            return None
        return self._entries.get(path)

    def _current(self) -> tuple[_Key, datetime]:
        now = time.monotonic()
        # One thread asks the database; the others go on with the version it last saw.
        if now - self._checked_at >= self._version_ttl and self._checking.acquire(blocking=False):
            try:
                page_id, version, updated_at = page_version() or ("", 0, EPOCH)
                key = _Key(page_id, version, updated_at, utcnow().date())
                with self._lock:
                    if key != self._key:
                        self._key = key
                        self._previous, self._entries = self._entries, {}
                    self._last_modified = updated_at
                    self._checked_at = now
            finally:
                self._checking.release()
        return self._key, self._last_modified

    def get(
        self,
        path: str,
        render: Callable[[], tuple[bytes, str]],
        extra_headers: tuple[tuple[str, str], ...] = (),
    ) -> Snapshot:
        """The snapshot of `path` for the current version, rendering it on first ask.

        `extra_headers` are sent with the body (and with its 304s), after the standard ones.
        """
        key, last_modified = self._current()
        snapshot = self._entries.get(path)
        if snapshot is not None:
            return snapshot
        with self._lock:
            rendering = self._rendering.get(path)
            if rendering is None:
                self._rendering[path] = threading.Event()
            stale = self._previous.get(path)
        if rendering is None:
            try:
                return self._render(key, last_modified, path, render, extra_headers)
            finally:
                with self._lock:
                    self._rendering.pop(path).set()
        if stale is not None:
            return stale
        rendering.wait(RENDER_WAIT)
        return self._entries.get(path) or self._render(
            key, last_modified, path, render, extra_headers
        )

    def _render(
        self,
        key: _Key,
        last_modified: datetime,
        path: str,
        render: Callable[[], tuple[bytes, str]],
        extra_headers: tuple[tuple[str, str], ...],
    ) -> Snapshot:
        body, content_type = render()
        self.renders += 1
        etag = hashlib.blake2b(body, digest_size=12).hexdigest()
        snapshot = Snapshot(
            body=body,
            content_type=content_type,
            etag=etag,
            last_modified=last_modified,
            headers=(
                ("Content-Type", content_type),
                ("ETag", f'"{etag}"'),
                ("Last-Modified", format_datetime(last_modified, usegmt=True)),
                ("Cache-Control", self._cache_control),
                *extra_headers,
            ),
        )
        with self._lock:
            if self._key == key:
                self._entries[path] = snapshot
        return snapshot
