"""Public responses rendered once per page version, shared through files, kept in each process.

A public request costs a dictionary lookup: the page version is read from the database at
most once per `version_ttl` seconds per process, and a response body is rendered only when
the version (or the UTC day, which moves the uptime bars) changes: once per machine, by the
worker after a publish (jobs/snapshots.py) or else by the first web process that needs it,
under a lock (snapshot_files.py); every other process reads the stored bytes. Private
responses never come here.
"""

from __future__ import annotations

import functools
import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from statuspage.clock import utcnow
from statuspage.metrics import SNAPSHOT_RENDERS
from statuspage.page.state import page_key
from statuspage.snapshots.encoding import IDENTITY, choose, encode, with_vary
from statuspage.snapshots.files import SnapshotFiles

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
RENDER_WAIT = 10.0  # seconds a request waits for another thread's first render of a path
LOCK_POLL = 0.01  # seconds between looks at a path another process is rendering
STORE_KEY = "herald.snapshots"  # app.extensions[STORE_KEY]: the process's SnapshotStore
# Set in the environ of the worker's own requests (jobs/snapshots.py): it renders at once. An
# environ key, not a header, so no client can ask for it.
PRERENDER = "herald.prerender"


@dataclass(frozen=True)
class Snapshot:
    body: bytes
    content_type: str
    etag: str  # the opaque tag, without quotes
    last_modified: datetime
    headers: tuple[tuple[str, str], ...]
    endpoint: str = ""  # the view's endpoint, so requests served from here are counted by it
    # The body compressed when it was rendered (snapshots/encoding.py): (coding, bytes), for
    # the requests whose Accept-Encoding takes one. Never compressed per request.
    encoded: tuple[tuple[str, bytes], ...] = ()

    @functools.cached_property
    def codings(self) -> tuple[str, ...]:
        return tuple(coding for coding, _ in self.encoded)

    @functools.cached_property
    def _representations(self) -> dict[str, Representation]:
        """Each coding's bytes and headers, made once: a request only picks one."""
        if not self.encoded:
            return {IDENTITY: Representation(self.body, self.etag, self.headers)}
        out = {}
        for coding, body in ((IDENTITY, self.body), *self.encoded):
            etag = self.etag if coding == IDENTITY else f"{self.etag}-{coding}"
            headers = tuple(
                (name, f'"{etag}"' if name == "ETag" else value) for name, value in self.headers
            )
            if coding != IDENTITY:
                headers += (("Content-Encoding", coding),)
            out[coding] = Representation(body, etag, with_vary(headers, "Accept-Encoding"))
        return out

    def representation(self, accept_encoding: str | None) -> Representation:
        """What to send for a request's `Accept-Encoding` (RFC 9110 §12.5.3)."""
        if not self.encoded:
            return self._representations[IDENTITY]
        return self._representations[choose(accept_encoding, self.codings)]


@dataclass(frozen=True)
class Representation:
    """One content coding of a snapshot: its bytes, its own strong ETag, its headers (the
    snapshot's, with that ETag, `Content-Encoding` and `Vary: Accept-Encoding`)."""

    body: bytes
    etag: str
    headers: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class _Key:
    page_id: str
    version: int
    updated_at: datetime
    day: date
    default_language: str = ""  # the page's, for requests that name none


@dataclass(frozen=True)
class _Made:
    """What one `get` needs to obtain a path's snapshot for a key."""

    key: _Key
    last_modified: datetime
    path: str
    render: Callable[[], tuple[bytes, str]]
    extra_headers: tuple[tuple[str, str], ...]
    endpoint: str


@functools.cache
def build_fingerprint(*roots: Path) -> str:
    """A digest of every file under `roots` (the code, templates and static files that make
    a page): equal in every process of one deploy, different after a deploy that changes
    what a page looks like. Read once per process, at start."""
    digest = hashlib.blake2b(digest_size=8)
    for root in roots:
        for file in sorted(p for p in root.rglob("*") if p.is_file()):
            if "__pycache__" in file.parts:
                continue
            digest.update(str(file.relative_to(root)).encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


class SnapshotStore:
    """Rendered bodies for the current (version, day), and the previous ones while re-rendering.

    One thread per process obtains a path for a new version; requests for that path arriving
    meanwhile get the previous version's snapshot (no staler than the version check already
    allows) or, when there is none, wait for it instead of starting their own.

    With a `directory`, that thread first looks for the stored file. When none is stored yet
    and it has an older version to serve, it serves that for up to `render_grace` seconds
    (counted from the first time it did, however many versions go by meanwhile), the time
    the worker's render normally takes to appear, and then renders under the machine-wide
    lock itself, so a stopped worker costs at most that much staleness. Without an older
    version (first start, a new path) it renders at once, under the same lock. Without a
    directory (unit tests) the process renders alone.
    """

    def __init__(
        self,
        version_ttl: float,
        cache_control: str,
        directory: Path | None = None,
        render_grace: float = 0.0,
        clock: Callable[[], float] = time.monotonic,  # for the grace; tests pass their own
        build: str = "",  # what renders the pages (build_fingerprint): a deploy renders anew
    ) -> None:
        self._version_ttl = version_ttl
        self._cache_control = cache_control
        self._build = build
        self._files = SnapshotFiles(directory) if directory is not None else None
        self._render_grace = render_grace
        self._clock = clock
        # Since when each path has been served from an older version: the grace counts from
        # there, so a stream of publishes faster than the grace cannot keep a page stale.
        self._stale_since: dict[str, float] = {}
        self._lock = threading.Lock()
        self._checking = threading.Lock()
        self._checked_at = float("-inf")
        self._key = _Key("", 0, EPOCH, date.min)
        self._last_modified = EPOCH
        self._entries: dict[str, Snapshot] = {}
        self._previous: dict[str, Snapshot] = {}
        self._rendering: dict[str, threading.Event] = {}
        self.renders = 0  # how many bodies this process rendered: for tests and metrics

    def fresh(self, key: str) -> Snapshot | None:
        """The snapshot stored under `key` (a snapshot key or a request key) if it is rendered
        and the version check is not due; no I/O."""
        if time.monotonic() - self._checked_at >= self._version_ttl:
            return None
        return self._entries.get(key)

    def _current(self) -> tuple[_Key, datetime]:
        now = time.monotonic()
        # One thread asks the database; the others go on with the version it last saw.
        if now - self._checked_at >= self._version_ttl and self._checking.acquire(blocking=False):
            try:
                page_id, version, updated_at, lang = page_key() or ("", 0, EPOCH, "")
                key = _Key(page_id, version, updated_at, utcnow().date(), lang)
                with self._lock:
                    previous = self._key
                    if key != previous:
                        self._key = key
                        # The newest snapshot of each path, even one no one asked for at the
                        # last version: what to serve while the new one is on its way.
                        self._previous, self._entries = {**self._previous, **self._entries}, {}
                    self._last_modified = updated_at
                    self._checked_at = now
                if key != previous and self._files is not None:
                    self._files.prune(current=self._dirname(key))
            finally:
                self._checking.release()
        return self._key, self._last_modified

    def default_language(self) -> str:
        """The page's default language as of the last version check (checked like the
        version: at most once per `version_ttl`), so a request needs no query for it."""
        key, _ = self._current()
        return key.default_language

    def paths_to_render_ahead(self) -> list[str]:
        """For the worker after a publish: look at the version now, and list what to render
        for it: the status page, and every path the public read at the previous version."""
        self._checked_at = float("-inf")
        key, _ = self._current()
        paths = {"/"}
        if self._files is not None:
            previous = self._files.newest_other(self._dirname(key))
            if previous is not None:
                paths.update(self._files.paths(previous))
        return sorted(paths)

    def _dirname(self, key: _Key) -> str:
        """The directory of a key's files: readable, unique to the key, to the headers this
        store adds (two configurations sharing an instance folder never share bytes) and to
        the build (a deploy that changes a template or the code is not served old bytes)."""
        identity = repr((key, self._cache_control, self._build)).encode()
        digest = hashlib.blake2b(identity, digest_size=8)
        return f"v{key.version}-{key.day.isoformat()}-{digest.hexdigest()}"

    def get(
        self,
        path: str,
        render: Callable[[], tuple[bytes, str]],
        extra_headers: tuple[tuple[str, str], ...] = (),
        endpoint: str = "",
        *,
        wait_for_worker: bool = True,
        alias: str | None = None,
    ) -> Snapshot:
        """The snapshot of `path` (a snapshot key: path and language) for the current
        version, rendering it on first ask.

        `extra_headers` are sent with the body (and with its 304s), after the standard ones.
        `wait_for_worker=False` is the worker itself: render now, no grace. `alias` is the
        request's own key (i18n.request_key), under which `fresh` finds it too until the
        version changes.
        """
        snapshot = self._get(path, render, extra_headers, endpoint, wait_for_worker)
        if alias is not None and alias != path:
            with self._lock:
                if self._entries.get(path) is snapshot:  # current: not an older version's
                    self._entries[alias] = snapshot
        return snapshot

    def _get(
        self,
        path: str,
        render: Callable[[], tuple[bytes, str]],
        extra_headers: tuple[tuple[str, str], ...],
        endpoint: str,
        wait_for_worker: bool,
    ) -> Snapshot:
        key, last_modified = self._current()
        made = _Made(key, last_modified, path, render, extra_headers, endpoint)
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
                return self._obtain(made, stale, wait_for_worker)
            finally:
                with self._lock:
                    self._rendering.pop(path).set()
        if stale is not None:
            return stale
        rendering.wait(RENDER_WAIT)
        return self._entries.get(path) or self._obtain(made, None, wait_for_worker)

    def _obtain(self, made: _Made, stale: Snapshot | None, wait_for_worker: bool) -> Snapshot:
        """The stored file of `made.path`, or a render of it: by this process under the
        machine-wide lock, or by another one while this serves `stale` or waits."""
        files = self._files
        if files is None:
            return self._keep(made, self._render(made))
        directory = self._dirname(made.key)
        deadline = time.monotonic() + RENDER_WAIT
        while True:
            stored = self._load(files, directory, made, served=wait_for_worker)
            if stored is not None:
                return stored
            # Give the worker, which renders after every publish, the first go at a new version.
            now = self._clock()
            grace = now < self._stale_since.setdefault(made.path, now) + self._render_grace
            if not (stale is not None and wait_for_worker and grace):
                with files.lock(directory, made.path) as ours:
                    if ours:
                        return self._load(files, directory, made) or self._save(
                            files, directory, made, ahead=not wait_for_worker
                        )
            if stale is not None:
                return stale
            if time.monotonic() >= deadline:  # the lock's holder is stuck: do not wait forever
                return self._keep(made, self._render(made))
            time.sleep(LOCK_POLL)

    def _load(
        self, files: SnapshotFiles, directory: str, made: _Made, served: bool = True
    ) -> Snapshot | None:
        stored = files.load(directory, made.path)
        if stored is None:
            return None
        head, data = stored
        encoded, end = [], len(data)
        for coding, size in reversed(head.get("encoded", [])):  # stored after the body
            encoded.insert(0, (coding, data[end - size : end]))
            end -= size
        body = data[:end]
        if served and head.get("ahead"):
            files.mark_seen(directory, made.path)  # so the worker renders it ahead next time
        snapshot = Snapshot(
            body=body,
            content_type=head["content_type"],
            etag=head["etag"],
            last_modified=datetime.fromisoformat(head["last_modified"]),
            headers=tuple((name, value) for name, value in head["headers"]),
            endpoint=head["endpoint"],
            encoded=tuple(encoded),
        )
        return self._keep(made, snapshot)

    def _save(self, files: SnapshotFiles, directory: str, made: _Made, ahead: bool) -> Snapshot:
        snapshot = self._render(made)
        head: dict[str, Any] = {
            "ahead": ahead,  # rendered by the worker before anyone asked
            "content_type": snapshot.content_type,
            "etag": snapshot.etag,
            "last_modified": snapshot.last_modified.isoformat(),
            "headers": snapshot.headers,
            "endpoint": snapshot.endpoint,
            # The compressed bodies follow the plain one in the file, in this order and size.
            "encoded": [[coding, len(data)] for coding, data in snapshot.encoded],
        }
        files.save(
            directory, made.path, head, b"".join([snapshot.body, *(d for _, d in snapshot.encoded)])
        )
        return self._keep(made, snapshot)

    def _keep(self, made: _Made, snapshot: Snapshot) -> Snapshot:
        with self._lock:
            if self._key == made.key:
                self._entries[made.path] = snapshot
                self._stale_since.pop(made.path, None)
        return snapshot

    def _render(self, made: _Made) -> Snapshot:
        body, content_type = made.render()
        self.renders += 1
        SNAPSHOT_RENDERS.inc()
        etag = hashlib.blake2b(body, digest_size=12).hexdigest()
        return Snapshot(
            body=body,
            content_type=content_type,
            etag=etag,
            last_modified=made.last_modified,
            headers=(
                ("Content-Type", content_type),
                ("ETag", f'"{etag}"'),
                ("Last-Modified", format_datetime(made.last_modified, usegmt=True)),
                ("Cache-Control", self._cache_control),
                *made.extra_headers,
            ),
            endpoint=made.endpoint,
            encoded=encode(body, content_type),
        )
