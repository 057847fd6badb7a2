"""An SMTP sink on loopback (aiosmtpd) that only counts: per recipient, with first/last times.

Parsing 100,000 messages would cost the sink more than the senders it measures, so it keeps
no message but the first (the benchmark compares its size with the raw loop's).

Run as a process of its own (so it has a CPU of its own and no sender shares its GIL):

    python bench/smtp_sink.py PORT STATS_FILE

It rewrites STATS_FILE every 50 ms with `generation total unique first_at last_at size`
(times from CLOCK_MONOTONIC, which every process on the machine shares); SIGUSR1 zeroes the
counters and bumps the generation.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from aiosmtpd.controller import Controller


class CountingHandler:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.per_recipient: Counter[str] = Counter()
            self.total = 0
            self.first_at: float | None = None
            self.last_at: float | None = None
            self.first_message: bytes | None = None

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        """Offer PIPELINING (RFC 2920) as the relays Herald sends through do (Postfix, Exim,
        the large providers); aiosmtpd reads commands line by line, so it just works. The
        raw loop (smtplib) never pipelines; Herald does where it is offered."""
        session.host_name = hostname
        responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_DATA(self, server, session, envelope):
        now = time.monotonic()
        with self._lock:
            self.per_recipient.update(envelope.rcpt_tos)
            self.total += len(envelope.rcpt_tos)
            if self.first_at is None:
                self.first_at = now
                self.first_message = envelope.content
            self.last_at = now
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class CountingSink:
    """Start, stop and start again on the same port (the outage test needs that)."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.handler = CountingHandler()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def serve(port: int, stats: Path) -> None:
    sink = CountingSink(port)
    generation = 0

    def reset(_signum: int, _frame: object) -> None:
        nonlocal generation
        sink.handler.reset()
        generation += 1

    stopping = threading.Event()
    signal.signal(signal.SIGUSR1, reset)
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    sink.start()
    try:
        while not stopping.is_set():
            h = sink.handler
            line = (
                f"{generation} {h.total} {len(h.per_recipient)} {h.first_at or 0:.6f}"
                f" {h.last_at or 0:.6f} {len(h.first_message or b'')}\n"
            )
            temporary = stats.with_suffix(".tmp")
            temporary.write_text(line)
            os.replace(temporary, stats)
            stopping.wait(0.05)
    finally:
        sink.stop()


if __name__ == "__main__":
    serve(int(sys.argv[1]), Path(sys.argv[2]))
