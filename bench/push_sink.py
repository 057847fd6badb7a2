"""A web push service on loopback (aiohttp) that accepts every push (201) and only counts.

Decrypting 20,000 messages would cost the sink more than the senders it measures, so it checks
only that each request looks like a web push (a VAPID Authorization, aes128gcm, a TTL) and
counts the ones that do not as `bad`.

Run as a process of its own (so it has a CPU of its own and no sender shares its GIL):

    python bench/push_sink.py PORT STATS_FILE

It rewrites STATS_FILE every 50 ms with `generation total unique bad first_at last_at size`
(times from CLOCK_MONOTONIC, which every process on the machine shares); SIGUSR1 zeroes the
counters and bumps the generation.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from pathlib import Path

from aiohttp import web


class Counts:
    def __init__(self) -> None:
        self.generation = 0
        self.reset()

    def reset(self) -> None:
        self.paths: set[str] = set()
        self.total = self.bad = self.size = 0
        self.first_at = self.last_at = 0.0

    def line(self) -> str:
        return (
            f"{self.generation} {self.total} {len(self.paths)} {self.bad}"
            f" {self.first_at:.6f} {self.last_at:.6f} {self.size}\n"
        )


async def serve(port: int, stats: Path) -> None:
    counts = Counts()

    async def accept(request: web.Request) -> web.Response:
        body = await request.read()
        now = time.monotonic()
        headers = request.headers
        if not (
            headers.get("Authorization", "").startswith("vapid t=")
            and headers.get("Content-Encoding") == "aes128gcm"
            and headers.get("TTL", "").isdigit()
            and body
        ):
            counts.bad += 1
        counts.total += 1
        counts.paths.add(request.path)
        if not counts.first_at:
            counts.first_at, counts.size = now, len(body)
        counts.last_at = now
        return web.Response(status=201, headers={"Location": f"/messages/{counts.total}"})

    app = web.Application()
    app.router.add_post("/{tail:.*}", accept)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port, backlog=1024).start()

    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()

    def reset() -> None:
        counts.reset()
        counts.generation += 1

    loop.add_signal_handler(signal.SIGUSR1, reset)
    loop.add_signal_handler(signal.SIGTERM, stopping.set)
    temporary = stats.with_suffix(".tmp")
    try:
        while not stopping.is_set():
            temporary.write_text(counts.line())
            os.replace(temporary, stats)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), 0.05)
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), Path(sys.argv[2])))
