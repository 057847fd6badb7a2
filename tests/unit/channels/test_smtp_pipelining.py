"""SMTP pipelining (RFC 2920) against a real SMTP server (aiosmtpd) that offers it."""

from __future__ import annotations

import smtplib
from pathlib import Path

import pytest

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


def test_the_channel_pipelines_with_the_same_outcomes(server):
    server.inbox.refuse.add("gone@example.com")
    server.inbox.reject["busy@example.com"] = "451 4.3.0 Try again later"
    # A message with a template: filled in, then sent pipelined (a whole build is not).
    template = MailTemplate("API down", "down", "<p>down</p>", ())
    message = Message(
        subject="API down",
        text="down",
        html="<p>down</p>",
        short_text="",
        url="",
        mail_template=template,
    )
    batch = [
        Outgoing(n, address, message, idempotency_key=str(n))
        for n, address in enumerate(["a@example.com", "gone@example.com", "busy@example.com"])
    ]
    channel = EmailChannel(server.url, "s@example.test", Path("/nonexistent"))
    sent = []
    real = pipelining.sendmail

    def observed(connection, *args):
        sent.append(args[1])
        return real(connection, *args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipelining, "sendmail", observed)  # observed, not replaced
        results = channel.send(batch)
    assert sent == [["a@example.com"], ["gone@example.com"], ["busy@example.com"]]
    assert [r.outcome for r in results] == ["sent", "permanent", "retry"]
    assert results[1].gone  # 5.1.1: the address does not exist
    assert [m["To"] for m in server.inbox.messages] == ["a@example.com"]
