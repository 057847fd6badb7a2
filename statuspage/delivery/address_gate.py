"""One send at a time per address in this process, so the next send learns from the last.

A backlog of notices is sent by several worker threads at once, each a chunk of one notice,
and their chunks name the same addresses. A push subscription answering 410 Gone to one
thread was sent the next notice by another thread in the same instant, before the first had
saved the disable (an outside run counted four more pushes after the first 410). So a thread
waits while another is sending to, and recording the answers of, any of its chunk's
addresses; then it reads which contact points are disabled (`ledger.fail_disabled`) and
sends to the rest. Other worker processes read the committed disable at their next chunk.
A chunk of one notice names each address once, so a single fan-out never waits on itself;
notices to the same people go out one after another, in the order their chunks came.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

WAIT = 120.0  # seconds at most behind another thread's chunk (its sends time out before that)


class AddressGate:
    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._busy: set[str] = set()

    @contextmanager
    def holding(self, addresses: Iterable[str]) -> Iterator[None]:
        """Hold `addresses` for a send and the commit of its results; waits while another
        thread holds any of them."""
        wanted = set(addresses)
        with self._changed:
            self._changed.wait_for(lambda: not (wanted & self._busy), timeout=WAIT)
            held = wanted - self._busy  # after a timeout, only what is free
            self._busy |= held
        try:
            yield
        finally:
            with self._changed:
                self._busy -= held
                self._changed.notify_all()


GATE = AddressGate()  # one per process: the worker's threads share it
