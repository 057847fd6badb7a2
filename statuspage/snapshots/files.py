"""Snapshots on disk: one file per (page version, path) that every process on the machine reads.

A snapshot is rendered once per machine, by the worker after a publish or by the first web
process that needs it, under a per-file lock; the others read the bytes. Files rather than a
database row: reading one is an `open` and a `read` with no connection taken from the pool and
no transaction, a version's files are written once and never updated (no row churn or bloat on
PostgreSQL every second while publishing), and the lock is the operating system's `flock`,
the same on SQLite and PostgreSQL. A machine that shares no instance folder (scaled out)
renders its own copy, once, under its own lock.

Layout: `<root>/<version key>/<blake2b of the path>`, each file a JSON header line (path,
content type, ETag, Last-Modified, headers, and the coding and size of each compressed body)
then the plain body and the compressed ones after it; written to a temporary file and
renamed into place, so a reader sees a whole file or none.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

LOCK_SUFFIX = ".lock"
SEEN_SUFFIX = ".seen"  # beside a file the worker rendered, once a web process has served it


def _name(path: str) -> str:
    return hashlib.blake2b(path.encode(), digest_size=16).hexdigest()


class SnapshotFiles:
    """The snapshot directory of one machine (the instance folder's `snapshots/`)."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def load(self, key: str, path: str) -> tuple[dict[str, Any], bytes] | None:
        """The stored (header, body) of `path` for version `key`, or None when none is stored."""
        try:
            raw = (self._root / key / _name(path)).read_bytes()
        except OSError:
            return None
        head, _, body = raw.partition(b"\n")
        try:
            meta = json.loads(head)
        except ValueError:  # not a file we wrote (they appear whole): render again
            return None
        if meta.get("path") != path:  # a hash collision: never serve another path's bytes
            return None
        return meta, body

    def save(self, key: str, path: str, head: dict[str, Any], body: bytes) -> None:
        """Store `body` with its `head`er atomically; a failure (disk full, read-only) only loses
        the sharing: the caller still serves what it rendered."""
        directory = self._root / key
        head = {**head, "path": path}
        with contextlib.suppress(OSError):
            directory.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as file:
                    file.write(json.dumps(head).encode() + b"\n" + body)
                os.replace(temporary, directory / _name(path))
            except OSError:
                os.unlink(temporary)
                raise

    @contextlib.contextmanager
    def lock(self, key: str, path: str) -> Iterator[bool]:
        """Try to become the one process rendering `path` for `key`: yields whether it did.

        Never blocks: a caller that does not get the lock serves what it has or tries again.
        The lock is released on exit, and by the kernel if the process dies while rendering.
        """
        directory = self._root / key
        try:
            directory.mkdir(parents=True, exist_ok=True)
            fd = os.open(directory / (_name(path) + LOCK_SUFFIX), os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            yield True  # no shared directory: render alone, as a process without files would
            return
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            os.close(fd)  # closing releases the lock

    def mark_seen(self, key: str, path: str) -> None:
        """Note that the public asked for `path` at `key` (a file the worker rendered)."""
        with contextlib.suppress(OSError):
            os.close(os.open(self._root / key / (_name(path) + SEEN_SUFFIX), os.O_CREAT, 0o644))

    def paths(self, key: str) -> list[str]:
        """The paths the public read at `key`: rendered for a request, or rendered ahead by
        the worker and then served. A path nobody asked for drops out after one version."""
        directory = self._root / key
        found = []
        with contextlib.suppress(OSError):
            for file in directory.iterdir():
                if file.name.startswith(".") or file.suffix in (LOCK_SUFFIX, SEEN_SUFFIX):
                    continue
                with contextlib.suppress(OSError, ValueError, KeyError), file.open("rb") as f:
                    head = json.loads(f.readline())
                    if not head.get("ahead") or (directory / (file.name + SEEN_SUFFIX)).exists():
                        found.append(head["path"])
        return sorted(found)

    def newest_other(self, key: str) -> str | None:
        """The most recently written version directory other than `key`."""
        with contextlib.suppress(OSError):
            others = [d for d in self._root.iterdir() if d.is_dir() and d.name != key]
            if others:
                return max(others, key=lambda d: d.stat().st_mtime).name
        return None

    def prune(self, current: str) -> None:
        """Remove the directories of every version but `current` and the newest other one
        (what the worker renders ahead from). A process still serving an older version holds
        its bytes in memory, not open files."""
        keep = {current, self.newest_other(current)}
        with contextlib.suppress(OSError):
            for directory in self._root.iterdir():
                if directory.is_dir() and directory.name not in keep:
                    shutil.rmtree(directory, ignore_errors=True)
