"""Side effects that wait for the commit: jobs to enqueue once the rows they name exist.

A service calls `after_commit("fan_out", notice.id)`; the queue wiring enqueues it when the
session commits and forgets it on rollback. If the process dies between the commit and the
enqueue, the periodic sweep finds the row still pending and enqueues it then.
"""

from __future__ import annotations

from typing import Any

from statuspage.extensions import db

OUTBOX_KEY = "herald.outbox"


def after_commit(job: str, *args: Any) -> None:
    db.session.info.setdefault(OUTBOX_KEY, []).append((job, args))
