"""Run the real job queue in a test, as a consumer would: dequeue from storage, execute."""

from __future__ import annotations

from typing import Any


def drain(queue: Any, limit: int = 1000) -> int:
    """Run what the queue holds until it is empty; returns how many jobs ran."""
    ran = 0
    while ran < limit:
        task = queue.huey.dequeue()
        if task is None:
            return ran
        queue.huey.execute(task)
        ran += 1
    raise AssertionError("the queue did not drain")
