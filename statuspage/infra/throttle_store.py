"""The throttles' counters in one SQLite file that every process on the machine shares.

Flask-Limiter counts in the storage RATELIMIT_STORAGE_URI names. `memory://` counts per
process: under gunicorn's two workers a client had twice the tries, unevenly (8 failed
sign-ins before the first 429), and a 429 from one worker did not stop the other. The
embedded default has no server to share a count through, so the counters live in a SQLite
file beside the database (WAL: the web processes and the worker write it at once); with
Redis configured for the queue, the throttles use that Redis (config.py chooses).

Registered with `limits` under the scheme `herald+sqlite:///<path>`. Only the fixed-window
strategy, Flask-Limiter's default and the one Herald uses, is implemented.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from typing import Any, ClassVar

from limits.storage import Storage

SCHEME = "herald+sqlite://"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS counter (
    key TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    expires REAL NOT NULL
)
"""
# One atomic statement per hit: a new window starts when the old one has expired.
_INCR = """
INSERT INTO counter (key, count, expires) VALUES (:key, :amount, :now + :expiry)
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN expires <= :now THEN excluded.count ELSE count + excluded.count END,
    expires = CASE WHEN expires <= :now THEN excluded.expires ELSE expires END
RETURNING count
"""
PURGE_EVERY = 1000  # hits between removals of expired windows


class SQLiteStorage(Storage):
    """limits' Storage over a SQLite file: one connection per thread and process."""

    STORAGE_SCHEME: ClassVar[list[str]] = ["herald+sqlite"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: Any) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._path = uri.removeprefix(SCHEME)
        self._local = threading.local()
        self._hits = 0

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        # Per process too: a connection must not cross a fork (gunicorn's workers).
        held = getattr(self._local, "held", None)
        if held is not None and held[0] == os.getpid():
            return held[1]
        connection = sqlite3.connect(self._path, timeout=10, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")  # a counter may be lost in a crash
        connection.execute(_SCHEMA)
        self._local.held = (os.getpid(), connection)
        return connection

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        connection = self._connection()
        (count,) = connection.execute(
            _INCR, {"key": key, "amount": amount, "now": now, "expiry": expiry}
        ).fetchone()
        self._hits += 1
        if self._hits % PURGE_EVERY == 0:
            connection.execute("DELETE FROM counter WHERE expires <= ?", (now,))
        return int(count)

    def get(self, key: str) -> int:
        row = (
            self._connection()
            .execute("SELECT count FROM counter WHERE key = ? AND expires > ?", (key, time.time()))
            .fetchone()
        )
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        row = (
            self._connection()
            .execute("SELECT expires FROM counter WHERE key = ? AND expires > ?", (key, now))
            .fetchone()
        )
        return float(row[0]) if row else now

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self._connection().execute("DELETE FROM counter").rowcount

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM counter WHERE key = ?", (key,))
