"""The one place Herald asks what time it is; always timezone-aware UTC."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

# A drill (statuspage/drills) runs a crisis in accelerated time: while it holds this, every
# `utcnow()` (model defaults, services, the sweep) reads the simulated time instead of the
# wall clock. Context-local, so a web request in another thread never sees it.
_simulated: ContextVar[datetime | None] = ContextVar("herald_simulated_now", default=None)


def utcnow() -> datetime:
    return _simulated.get() or datetime.now(UTC)


class SimulatedClock:
    """A clock the caller moves (`set`); `utcnow()` reads it while `running()`."""

    def __init__(self, at: datetime) -> None:
        self.now = at.astimezone(UTC)

    def set(self, at: datetime) -> None:
        self.now = at.astimezone(UTC)
        _simulated.set(self.now)

    @contextmanager
    def running(self) -> Iterator[SimulatedClock]:
        token = _simulated.set(self.now)
        try:
            yield self
        finally:
            _simulated.reset(token)
