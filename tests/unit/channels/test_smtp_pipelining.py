"""SMTP pipelining (RFC 2920) against a real SMTP server (aiosmtpd) that offers it."""

from __future__ import annotations

import smtplib
from pathlib import Path

import pytest

from statuspage.channels import email as email_channel
from statuspage.channels import smtp_pipelining as pipelining
from statuspage.channels.base import MailTemplate, Message, Outgoing
from statuspage.channels.email import EmailChannel
from tests.fakes.smtp import SmtpServer

RAW = (
    b"From: s@example.test\r\nTo: a@example.com\r\nSubject: x\r\n\r\n"
    b"line one\r\n.a line that starts with a dot\r\n..two\r\n"
)


class _CountingSocket:
    """The session's socket, counting the writes the client makes."""

    def __init__(self, sock):
        self._sock, self.writes = sock, 0

    def sendall(self, data):
        self.writes += 1
        return self._sock.sendall(data)

    def __getattr__(self, name):
        return getattr(self._sock, name)


@pytest.fixture
def server():
    server = SmtpServer(pipelining=True)
    server.start()
    yield server
    server.stop()


def test_mail_rcpt_and_data_go_in_one_write_and_the_mail_arrives_whole(server):
    with smtplib.SMTP("127.0.0.1", server.port, timeout=10) as connection:
        connection.ehlo()
        assert pipelining.offered(connection)
        connection.sock = counting = _CountingSocket(connection.sock)
        refused = pipelining.sendmail(connection, "s@example.test", ["a@example.com"], RAW)
        assert refused == {}
        assert counting.writes == 2  # MAIL+RCPT+DATA, then the message: two round trips
        # The session carries the next mail.
        pipelining.sendmail(connection, "s@example.test", ["b@example.com"], RAW)
    assert server.inbox.recipients == [["a@example.com"], ["b@example.com"]]
    assert server.inbox.raw[0] == RAW  # dot-stuffing undone by the server (RFC 5321 §4.5.2)


def test_refusals_raise_as_smtplib_does_and_the_session_goes_on(server):
    server.inbox.refuse.add("gone@example.com")
    with smtplib.SMTP("127.0.0.1", server.port, timeout=10) as connection:
        connection.ehlo()
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            pipelining.sendmail(connection, "s@example.test", ["gone@example.com"], RAW)
        assert refused.value.recipients["gone@example.com"][0] == 550
        some = pipelining.sendmail(
            connection, "s@example.test", ["gone@example.com", "a@example.com"], RAW
        )
        assert list(some) == ["gone@example.com"]
    assert server.inbox.recipients == [["a@example.com"]]


def _templated(subject: str) -> Message:
    """A message with a template: filled in and sent as bytes (pipelined where offered); a
    message without one is built whole and goes through smtplib's send_message."""
    template = MailTemplate(subject, "down", "<p>down</p>", ())
    return Message(
        subject=subject,
        text="down",
        html="<p>down</p>",
        short_text="",
        url="",
        mail_template=template,
    )


def test_the_channel_pipelines_each_mail_in_two_writes(server):
    channel = EmailChannel(server.url, "s@example.test", Path("/nonexistent"))
    message = _templated("API down")
    (first,) = channel.send([Outgoing(0, "first@example.com", message, "0")])  # opens a session
    assert first.outcome == "sent"
    session = email_channel._KEPT.connection
    session.sock = counting = _CountingSocket(session.sock)
    batch = [Outgoing(n, f"s{n}@example.com", message, str(n)) for n in range(1, 4)]
    assert [r.outcome for r in channel.send(batch)] == ["sent"] * 3
    # NOOP to check the kept session, then per mail MAIL+RCPT+DATA and the message: 1 + 3 x 2
    # (one command at a time would be 1 + 3 x 4).
    assert counting.writes == 7
    assert len(server.inbox.messages) == 4


def test_the_channel_pipelines_with_the_same_outcomes(server):
    server.inbox.refuse.add("gone@example.com")
    server.inbox.reject["busy@example.com"] = "451 4.3.0 Try again later"
    message = _templated("API down")
    batch = [
        Outgoing(n, address, message, idempotency_key=str(n))
        for n, address in enumerate(["a@example.com", "gone@example.com", "busy@example.com"])
    ]
    results = EmailChannel(server.url, "s@example.test", Path("/nonexistent")).send(batch)
    assert [r.outcome for r in results] == ["sent", "permanent", "retry"]
    assert results[1].gone  # 5.1.1: the address does not exist
    assert [m["To"] for m in server.inbox.messages] == ["a@example.com"]
