"""Side effects that wait for the commit: jobs to enqueue once the rows they name exist.

A service calls `after_commit(FAN_OUT, notice.id)`; the queue wiring (jobs.queue) enqueues it
when the session commits and forgets it on rollback. If the process dies between the commit
and the enqueue, the periodic sweep finds the row still pending and enqueues it then.

Jobs are named by the constants below, not by strings: a misspelt name fails at import, and
anything that is not one of them is refused at the call, in the request or job that made
the mistake, instead of when a worker picks up a message nobody can run. The names are what
the queue stores, so they never change (a running deployment's queued jobs must resolve).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from statuspage.extensions import db

OUTBOX_KEY = "herald.outbox"


@dataclass(frozen=True)
class Job:
    """A job the queue runs, by the name the queue stores it under (jobs.tasks binds each)."""

    name: str


FAN_OUT = Job("fan_out")
DELIVER = Job("deliver")
SEND_CONFIRMATION = Job("send_confirmation")
SEND_SMS_OPT_IN = Job("send_sms_opt_in")
ENDPOINT_DISABLED = Job("endpoint_disabled")
SEND_SIGN_IN_LINK = Job("send_sign_in_link")
RENDER_SNAPSHOTS = Job("render_snapshots")
SEND_OBLIGATION_REMINDER = Job("send_obligation_reminder")
SEND_CADENCE_REMINDER = Job("send_cadence_reminder")
ADVANCE_MAINTENANCE = Job("advance_maintenance")
SETTLE_AUTOMATION = Job("settle_automation")
CADENCE_STEP = Job("cadence_step")

JOBS: tuple[Job, ...] = (
    FAN_OUT,
    DELIVER,
    SEND_CONFIRMATION,
    SEND_SMS_OPT_IN,
    ENDPOINT_DISABLED,
    SEND_SIGN_IN_LINK,
    RENDER_SNAPSHOTS,
    SEND_OBLIGATION_REMINDER,
    SEND_CADENCE_REMINDER,
    ADVANCE_MAINTENANCE,
    SETTLE_AUTOMATION,
    CADENCE_STEP,
)
if len({job.name for job in JOBS}) != len(JOBS):
    raise RuntimeError("two jobs share a queue name")  # both would run as whichever won


class UnknownJob(TypeError):
    """Asked for a job that is not in JOBS (a bare string, or a Job made up on the spot)."""


def after_commit(job: Job, *args: Any) -> None:
    """Enqueue `job(*args)` once the session commits; nothing if it rolls back."""
    db.session.info.setdefault(OUTBOX_KEY, []).append(_entry(job, args))


def after_commit_at(job: Job, eta: datetime, *args: Any) -> None:
    """As after_commit, for the queue to run at `eta` (a retry's due time), not at once."""
    db.session.info.setdefault(OUTBOX_KEY, []).append(_entry(job, args, eta))


def after_commit_once(job: Job, *args: Any) -> None:
    """As after_commit, unless this transaction already asked for the same job and args."""
    entry = _entry(job, args)
    pending = db.session.info.setdefault(OUTBOX_KEY, [])
    if entry not in pending:
        pending.append(entry)


Entry = tuple[str, tuple[Any, ...], datetime | None]  # job name, arguments, when (None: now)


def _entry(job: Job, args: tuple[Any, ...], eta: datetime | None = None) -> Entry:
    if job not in JOBS:
        raise UnknownJob(f"{job!r} is not a job the queue runs (delivery.outbox.JOBS)")
    return job.name, args, eta
