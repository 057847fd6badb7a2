"""One-off messages: one range of outgoing ids per kind, so dev-mailbox files never collide."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest
from flask import Flask

from statuspage.channels.base import Message
from statuspage.delivery import transactional
from statuspage.delivery.transactional import (
    CONFIRMATION,
    ENDPOINT_DISABLED,
    KINDS,
    SIGN_IN,
    SPAN,
    NotSent,
)


@pytest.fixture
def mailbox(app: Flask, tmp_path: Path) -> Iterator[Path]:
    """The email channel writing to a dev mailbox of this test's own (no SMTP_URL)."""
    previous = app.config["INSTANCE_PATH"], app.config["SMTP_URL"]
    app.config["INSTANCE_PATH"], app.config["SMTP_URL"] = str(tmp_path), ""
    yield tmp_path / "mail"
    app.config["INSTANCE_PATH"], app.config["SMTP_URL"] = previous


def _message(subject: str) -> Message:
    return Message(subject=subject, text=subject, html="", short_text=subject, url="")


def test_two_kinds_with_the_same_source_id_write_two_mailbox_files(mailbox: Path):
    (confirmation,) = transactional.send(CONFIRMATION, 5, ["a@example.com"], _message("Confirm"))
    (notice,) = transactional.send(ENDPOINT_DISABLED, 5, ["a@example.com"], _message("Stopped"))

    assert (confirmation.outcome, notice.outcome) == ("sent", "sent")
    assert confirmation.delivery_id != notice.delivery_id
    files = sorted(mailbox.iterdir())
    assert len(files) == 2
    assert sorted("Subject: Confirm" in f.read_text() for f in files) == [False, True]


def test_each_kind_has_a_range_of_its_own_above_every_delivery():
    ranges = sorted((kind.first_id, kind.first_id + SPAN) for kind in KINDS)
    assert ranges[0][0] >= SPAN  # deliveries' ids stay below
    assert all(end <= start for (_, end), (start, _) in pairwise(ranges))
    assert len({kind.name for kind in KINDS}) == len(KINDS)


def test_an_id_out_of_its_kinds_range_is_refused():
    assert SIGN_IN.outgoing_id(SPAN - 1) == SIGN_IN.first_id + SPAN - 1
    with pytest.raises(ValueError, match="no id for source"):
        SIGN_IN.outgoing_id(SPAN)
    with pytest.raises(ValueError, match="no id for source"):
        ENDPOINT_DISABLED.outgoing_id(1, ENDPOINT_DISABLED.per_source)  # the next source's


def test_a_relay_that_cannot_take_it_now_raises_for_the_queue_to_retry(app: Flask):
    previous = app.config["SMTP_URL"]
    app.config["SMTP_URL"] = "smtp://127.0.0.1:9"  # nothing listens: connection refused
    try:
        with pytest.raises(NotSent):
            transactional.send(CONFIRMATION, 5, ["a@example.com"], _message("Confirm"))
    finally:
        app.config["SMTP_URL"] = previous


def test_no_address_sends_nothing(mailbox: Path):
    assert transactional.send(ENDPOINT_DISABLED, 5, [], _message("Stopped")) == []
    assert not mailbox.exists()
