"""What the queue runs: one line each over the domain function that does the work.

Every job takes ids and is safe to run twice; the database, not the queue, is the record.
TASKS binds each job name the outbox knows (delivery.outbox.JOBS) to its wrapper, with the
queue's own retries where no row can carry a retry; SCHEDULE lists the periodic ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from huey import crontab

from statuspage.audience import sign_in_mail
from statuspage.channels.base import Result
from statuspage.clock import utcnow
from statuspage.delivery import engine, outbox
from statuspage.incidents import cadence_escalation, cadence_reminders, maintenance
from statuspage.jobs import every_minute
from statuspage.monitoring import automation
from statuspage.regulators import reminder_mail
from statuspage.snapshots import render_job
from statuspage.subscribers import confirmation_mail, endpoint_notices, sms_opt_in
from statuspage.system_metrics import prometheus


def sweep() -> None:
    every_minute.sweep()


def pull_metrics() -> int:
    return prometheus.pull_all().read


def fan_out(notice_id: int) -> int:
    return engine.fan_out(notice_id)


def deliver(delivery_ids: list[int]) -> list[Result]:
    return engine.deliver(delivery_ids)


def send_confirmation(contact_point_id: int, preferences: dict) -> Result | None:
    return confirmation_mail.send_confirmation(contact_point_id, preferences)


def send_sms_opt_in(contact_point_id: int) -> Result | None:
    return sms_opt_in.send_sms_opt_in(contact_point_id)


def endpoint_disabled(contact_point_id: int) -> list[Result]:
    return endpoint_notices.endpoint_disabled(contact_point_id)


def send_sign_in_link(email: str, language: str | None = None) -> Result | None:
    return sign_in_mail.send_sign_in_link(email, language)


def render_snapshots() -> int:
    return render_job.render_snapshots()


def send_obligation_reminder(reminder_id: int) -> list[Result]:
    return reminder_mail.send_obligation_reminder(reminder_id)


def send_cadence_reminder(audit_event_id: int) -> list[Result]:
    return cadence_reminders.send_cadence_reminder(audit_event_id)


def cadence_step(incident_id: str) -> int:
    return len(cadence_escalation.step(incident_id, utcnow()))


def advance_maintenance() -> int:
    return len(maintenance.advance_maintenance(utcnow()))


def settle_automation(component_id: str) -> int:
    return len(automation.settle(component_id, utcnow()))


@dataclass(frozen=True)
class Task:
    job: outbox.Job
    run: Callable[..., Any]
    retries: int = 0
    retry_delay: int = 0  # seconds


# The one schedule of periodic jobs: (task function, crontab); the name is the function's.
SCHEDULE: list[tuple[Callable[[], Any], crontab]] = [
    (sweep, crontab(minute="*")),
    # Its own task, not a step of the sweep: a slow Prometheus must not delay the sweep.
    (pull_metrics, crontab(minute="*")),
]

# Deliveries retry through their rows (the sweep); the one-off messages (delivery.transactional)
# have no row, so their jobs retry in the queue itself.
TASKS: tuple[Task, ...] = (
    Task(outbox.FAN_OUT, fan_out),
    Task(outbox.DELIVER, deliver),
    Task(outbox.SEND_CONFIRMATION, send_confirmation, retries=10, retry_delay=60),
    Task(outbox.SEND_SMS_OPT_IN, send_sms_opt_in, retries=10, retry_delay=60),
    # The notice of a disabled webhook or chat endpoint.
    Task(outbox.ENDPOINT_DISABLED, endpoint_disabled, retries=10, retry_delay=60),
    # A sign-in link is good for 30 minutes: past that, retrying would only annoy.
    Task(outbox.SEND_SIGN_IN_LINK, send_sign_in_link, retries=5, retry_delay=60),
    Task(outbox.RENDER_SNAPSHOTS, render_snapshots),
    # A deadline reminder is worth retrying until its deadline is long past.
    Task(outbox.SEND_OBLIGATION_REMINDER, send_obligation_reminder, retries=10, retry_delay=60),
    # A reminder that an update is due: useful for a cadence, not forever.
    Task(outbox.SEND_CADENCE_REMINDER, send_cadence_reminder, retries=5, retry_delay=60),
    # A window's start or end, at its second (queued by incidents.recording.queue_window_edges);
    # the minute's sweep advances it too, should this one be lost.
    Task(outbox.ADVANCE_MAINTENANCE, advance_maintenance),
    # A component's pending status at the second its hold ends (monitoring.automation);
    # the minute's sweep reconsiders it too, should this one be lost.
    Task(outbox.SETTLE_AUTOMATION, settle_automation),
    # An open incident's cadence reminder ahead of its due time, or its escalation after it,
    # at its second (incidents.cadence_times); the minute's sweep takes them too.
    Task(outbox.CADENCE_STEP, cadence_step),
)


def _check(tasks: tuple[Task, ...]) -> None:
    """Every job the outbox may enqueue has exactly one task, named as the queue stores it."""
    if sorted(task.job.name for task in tasks) != sorted(job.name for job in outbox.JOBS):
        raise RuntimeError("jobs.tasks.TASKS must bind each of delivery.outbox.JOBS once")
    for task in tasks:
        if task.run.__name__ != task.job.name:
            raise RuntimeError(f"the task for {task.job.name!r} is named {task.run.__name__!r}")


_check(TASKS)
