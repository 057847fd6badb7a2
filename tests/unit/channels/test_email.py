"""The email channel against real SMTP servers: plain, with AUTH, refusing, and absent."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest

from statuspage.channels.base import Message, Outgoing
from statuspage.channels.email import EmailChannel
from tests.fakes.smtp import SmtpServer, free_port

SENDER = "Status <status@example.test>"

# aiosmtpd warns when a server asks for AUTH without TLS: here that is the loopback test
# server on purpose (the client's STARTTLS path needs a CA the client trusts; not covered).
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


def _outgoing(delivery_id: int, address: str) -> Outgoing:
    message = Message(
        subject="API down",
        text="The API is down.",
        html="<p>The API is <strong>down</strong>.</p>",
        short_text="API down",
        url="https://status.example.test/incidents/x",
        headers={"Message-ID": f"<delivery-{delivery_id}@status.example.test>"},
    )
    return Outgoing(delivery_id, address, message, idempotency_key=f"delivery-{delivery_id}")


def test_one_connection_sends_a_batch_with_auth():
    server = SmtpServer(login=("relay-user", "s3cret pass"))
    server.start()
    try:
        results = EmailChannel(server.url, SENDER, Path("/nonexistent")).send(
            [_outgoing(1, "a@example.com"), _outgoing(2, "b@example.com")]
        )
    finally:
        server.stop()
    assert [(r.delivery_id, r.outcome) for r in results] == [(1, "sent"), (2, "sent")]
    assert results[0].provider_id == "<delivery-1@status.example.test>"
    assert server.logins == ["relay-user"]  # one login: one connection for the batch
    assert sorted(m["To"] for m in server.inbox.messages) == ["a@example.com", "b@example.com"]


def test_wrong_credentials_are_retried_later_not_lost():
    server = SmtpServer(login=("relay-user", "right"))
    server.start()
    wrong = server.url.replace(":right@", ":wrong@")
    try:
        # aiosmtpd answers a failed AUTH slowly; a short timeout keeps the test quick.
        (result,) = EmailChannel(wrong, SENDER, Path("/nonexistent"), timeout=2).send(
            [_outgoing(1, "a@example.com")]
        )
    finally:
        server.stop()
    assert result.outcome == "retry"
    assert server.inbox.messages == []


def test_a_refused_recipient_is_permanent_and_the_rest_of_the_batch_goes_out():
    server = SmtpServer()
    server.inbox.refuse.add("gone@example.com")
    server.start()
    try:
        results = EmailChannel(server.url, SENDER, Path("/nonexistent")).send(
            [_outgoing(1, "gone@example.com"), _outgoing(2, "here@example.com")]
        )
    finally:
        server.stop()
    assert [r.outcome for r in results] == ["permanent", "sent"]
    assert "550" in results[0].error


def test_no_server_means_retry_for_the_whole_batch():
    url = f"smtp://127.0.0.1:{free_port()}"  # nothing listens there
    results = EmailChannel(url, SENDER, Path("/nonexistent")).send(
        [_outgoing(1, "a@example.com"), _outgoing(2, "b@example.com")]
    )
    assert [r.outcome for r in results] == ["retry", "retry"]


def test_without_smtp_url_mail_goes_to_the_dev_mailbox(tmp_path):
    results = EmailChannel("", SENDER, tmp_path).send([_outgoing(7, "a@example.com")])
    assert results[0].outcome == "sent"
    (eml,) = tmp_path.glob("*.eml")
    assert eml.name == "000000000007.eml"
    message = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert message["To"] == "a@example.com"
    assert "down" in message.get_body(("html",)).get_content()
    assert not list(tmp_path.glob("*.tmp"))
