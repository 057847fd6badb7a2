"""The outbox names jobs by constants: a job the queue cannot run is refused at the call."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from statuspage.delivery.outbox import (
    FAN_OUT,
    JOBS,
    OUTBOX_KEY,
    RENDER_SNAPSHOTS,
    Job,
    UnknownJob,
    after_commit,
    after_commit_once,
)
from statuspage.extensions import db
from statuspage.jobs.queue import QUEUE_KEY
from statuspage.jobs.tasks import TASKS


@pytest.mark.parametrize("job", ["fan_out", Job("fan_otu"), None])
def test_an_unknown_job_is_refused_at_the_call_not_when_the_queue_runs_it(job):
    with pytest.raises(UnknownJob):
        after_commit(job, 1)
    with pytest.raises(UnknownJob):
        after_commit_once(job, 1)
    assert db.session.info.get(OUTBOX_KEY, []) == []


def test_every_job_has_a_name_of_its_own():
    names = [job.name for job in JOBS]
    assert len(set(names)) == len(names)


def test_every_job_is_registered_with_the_queue_under_its_name(app):
    assert sorted(task.job.name for task in TASKS) == sorted(job.name for job in JOBS)
    assert set(app.extensions[QUEUE_KEY].jobs) == {job.name for job in JOBS}
    # What a running deployment has queued must still resolve: the stored names never change.
    assert {job.name for job in JOBS} >= {"fan_out", "deliver", "send_confirmation"}


def test_a_known_job_waits_for_the_commit_and_once_means_once():
    db.session.execute(select(1))  # a transaction to roll back
    after_commit(FAN_OUT, 7)
    after_commit_once(RENDER_SNAPSHOTS)
    after_commit_once(RENDER_SNAPSHOTS)
    assert db.session.info[OUTBOX_KEY] == [("fan_out", (7,), None), ("render_snapshots", (), None)]
    db.session.rollback()
    assert OUTBOX_KEY not in db.session.info
