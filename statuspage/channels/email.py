"""Email over SMTP (one connection per batch), or .eml files in a folder for development.

SMTP_URL: smtp://user:pass@host:25 (STARTTLS when the server offers it), smtps://host:465.
Without it, each message is written to the dev mailbox folder, so the demo shows mail with
no server at all.
"""

from __future__ import annotations

import email.policy
import os
import re
import smtplib
import ssl
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import unquote, urlsplit

from statuspage.channels import smtp_pipelining as pipelining
from statuspage.channels.base import Outgoing, Result
from statuspage.channels.email_fill import filled, mail_date

TIMEOUT = 30
# A thread's SMTP session is kept this long after its last chunk (relays close idle sessions
# after minutes; RFC 5321 §4.5.3.2.7 asks servers to wait five).
KEEP_IDLE = 60.0
# Long unbreakable headers (a signed List-Unsubscribe URL) must stay plain text, not turn
# into RFC 2047 encoded words that clients cannot use: fold only at SMTP's hard limit.
_POLICY = email.policy.SMTP.clone(max_line_length=998)
POLICY = _POLICY  # regulator mail (regulators.mail) is built with the same policy
# 4xx replies and lost connections are worth another try; 5xx on a recipient is final.
_TRANSIENT = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    ConnectionError,
    TimeoutError,
    OSError,
)
# Line breaks and other controls, which a header value may not hold (RFC 5322 §2.2: a field
# body is printable characters and folding white space; the policy refuses CR and LF).
_CONTROLS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")


def header_text(value: str) -> str:
    """`value` on one line: a title typed or imported with a line break (or a NUL, an ESC)
    still makes a header, its controls each a space, instead of an error on every try."""
    return " ".join(_CONTROLS.sub(" ", value).split())


# RFC 3463 enhanced status codes that say the address itself is dead (a hard bounce), not
# that this message was refused: X.1.1 bad destination mailbox, X.1.2 bad destination system,
# X.1.3 bad address syntax, X.1.6 mailbox has moved, X.1.10 null MX (RFC 7505).
_DEAD_ADDRESS = re.compile(r"5\.1\.(1|2|3|6|10)\b")


def dead_address(status: str) -> bool:
    """Whether an RFC 3463 status (an SMTP reply's enhanced code, or a bounce's Status field,
    delivery/bounces.py) says the address does not exist: its contact point is disabled at
    once. Any other 5.x.x (a policy, a full mailbox) counts a bounce."""
    return _DEAD_ADDRESS.match(status.lstrip()) is not None


def _dead_address(reply: object) -> bool:
    """A 5xx reply to RCPT whose enhanced code says the address does not exist."""
    return isinstance(reply, bytes) and dead_address(reply.decode("ascii", "replace"))


def _sendmail(
    connection: smtplib.SMTP, from_addr: str, to_addrs: list[str], message: bytes
) -> dict[str, tuple[int, bytes]]:
    """smtplib's own, one command at a time, for a relay without PIPELINING."""
    return connection.sendmail(from_addr, to_addrs, message)


def _message_id_of(mime: bytes) -> str | None:
    """The Message-ID of a mail kept whole."""
    return message_from_bytes(mime, policy=_POLICY)["Message-ID"]


def build_email(outgoing: Outgoing, sender: str) -> EmailMessage:
    """Multipart text + HTML, with the headers the message carries (Message-ID, List-*)."""
    message = EmailMessage(policy=_POLICY)
    message["From"] = sender
    message["To"] = outgoing.address  # an address with a line break is refused: poison
    message["Subject"] = header_text(outgoing.message.subject)
    message["Date"] = formatdate(localtime=False, usegmt=True)
    for name, value in outgoing.message.headers.items():
        message[name] = header_text(value)
    if "Message-ID" not in message:
        message["Message-ID"] = make_msgid(domain="herald.invalid")
    message.set_content(outgoing.message.text)
    if outgoing.message.html:
        message.add_alternative(outgoing.message.html, subtype="html")
    return message


class _KeptConnections(threading.local):
    """Each sending thread's SMTP session, kept between chunks for up to KEEP_IDLE seconds.

    Per thread, as smtplib's sessions are not shared; one per thread, for the relay it was
    opened to (a new SMTP_URL drops the old). A session dropped is closed without QUIT: it is
    stale or broken, and waiting on its answer could stall the sender for the whole timeout.
    """

    def __init__(self) -> None:
        self.key: object = None
        self.connection: smtplib.SMTP | None = None
        self.idle_since = 0.0

    def take(self, key: object) -> smtplib.SMTP | None:
        if self.connection is not None and (
            self.key != key or time.monotonic() - self.idle_since > KEEP_IDLE
        ):
            self.drop()
        return self.connection

    def keep(self, key: object, connection: smtplib.SMTP) -> None:
        self.drop()
        self.key, self.connection = key, connection

    def release(self) -> None:
        self.idle_since = time.monotonic()

    def drop(self) -> None:
        connection, self.connection, self.key = self.connection, None, None
        if connection is not None:
            connection.close()


_KEPT = _KeptConnections()
# A process forked while holding a session (a worker that forks its children) must not share
# it with the child: two writers on one SMTP conversation would corrupt both. The child
# closes its copy of the socket (only its descriptor: the parent's session goes on).
os.register_at_fork(after_in_child=_KEPT.drop)


class EmailChannel:
    name = "email"

    def __init__(
        self, smtp_url: str, sender: str, mailbox: Path, *, timeout: float = TIMEOUT
    ) -> None:
        self._url = urlsplit(smtp_url) if smtp_url else None
        self._timeout = timeout
        self._sender = sender
        self._mailbox = mailbox

    def send(self, batch: Sequence[Outgoing]) -> list[Result]:
        if self._url is None:
            return self._to_mailbox(batch)
        try:
            connection = self._connection()
        except _TRANSIENT as exc:
            return [Result(o.delivery_id, "retry", error=f"connect: {exc}") for o in batch]
        date = mail_date(datetime.now(UTC))  # one Date for the chunk's mails
        results: list[Result] = []
        try:
            for index, outgoing in enumerate(batch):
                results.append(self._send_one(connection, outgoing, date))
                if results[-1].error and results[-1].error.startswith("connection:"):
                    # The connection is gone: everything not yet sent is retried later.
                    _KEPT.drop()
                    results += [
                        Result(o.delivery_id, "retry", error="connection lost in batch")
                        for o in batch[index + 1 :]
                    ]
                    break
        except BaseException:
            _KEPT.drop()  # mid-conversation: the session's state is unknown
            raise
        _KEPT.release()
        return results

    def _connection(self) -> smtplib.SMTP:
        """This thread's open session with the relay, kept from its last chunk when it still
        answers (NOOP), else a new one: a fan-out sends chunk after chunk, and a TCP, TLS and
        login handshake per chunk cost more than the chunk's NOOP."""
        key = (self._url, self._timeout)
        kept = _KEPT.take(key)
        if kept is not None:
            try:
                if kept.noop()[0] == 250:
                    return kept
            except (smtplib.SMTPException, OSError):
                pass
            _KEPT.drop()
        connection = self._connect()
        _KEPT.keep(key, connection)
        return connection

    def _connect(self) -> smtplib.SMTP:
        url = self._url
        assert url is not None
        host, port = url.hostname or "localhost", url.port
        if url.scheme == "smtps":
            connection: smtplib.SMTP = smtplib.SMTP_SSL(
                host, port or 465, timeout=self._timeout, context=ssl.create_default_context()
            )
        else:
            connection = smtplib.SMTP(host, port or 25, timeout=self._timeout)
            connection.ehlo()
            if connection.has_extn("starttls"):
                connection.starttls(context=ssl.create_default_context())
                connection.ehlo()
        if url.username:
            try:
                connection.login(unquote(url.username), unquote(url.password or ""))
            except smtplib.SMTPException:
                connection.close()  # never leave a half-open session on the relay
                raise
        return connection

    def _send_one(self, connection: smtplib.SMTP, outgoing: Outgoing, date: str) -> Result:
        kept = outgoing.message.mime  # a mail kept whole (a regulator notice): sent as it is
        if outgoing.message.unsendable:
            error = f"unsendable: {outgoing.message.unsendable}"
            return Result(outgoing.delivery_id, "permanent", error=error)
        # The envelope sender: the delivery's own return path, else From (MAIL_FROM).
        envelope_from = outgoing.return_path or parseaddr(self._sender)[1]
        raw = kept
        if raw is None and envelope_from.isascii():
            raw = filled(outgoing, self._sender, date)  # its template's bytes, its values in
        try:
            message = None if raw is not None else build_email(outgoing, self._sender)
        except ValueError as exc:  # an address no header can hold: no retry will fix it
            return Result(outgoing.delivery_id, "permanent", error=f"unsendable: {exc}")
        try:
            if message is None:
                recipients = list(outgoing.message.envelope_to) if kept is not None else []
                send = pipelining.sendmail if pipelining.offered(connection) else _sendmail
                refused = send(connection, envelope_from, recipients or [outgoing.address], raw)
            else:
                refused = connection.send_message(message, from_addr=outgoing.return_path)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values())) if exc.recipients else (550, b"")
            outcome = "retry" if 400 <= code < 500 else "permanent"
            detail = reply.decode("utf-8", "replace")[:200] if isinstance(reply, bytes) else ""
            return Result(
                outgoing.delivery_id,
                outcome,
                error=f"recipient refused: {code} {detail}".rstrip(),
                gone=outcome == "permanent" and _dead_address(reply),
            )
        except smtplib.SMTPResponseException as exc:
            outcome = "retry" if 400 <= exc.smtp_code < 500 else "permanent"
            return Result(
                outgoing.delivery_id, outcome, error=f"{exc.smtp_code} {exc.smtp_error!r}"
            )
        except _TRANSIENT as exc:
            return Result(outgoing.delivery_id, "retry", error=f"connection: {exc}")
        if refused:
            return Result(outgoing.delivery_id, "permanent", error=f"refused: {refused}")
        if message is not None:
            provider_id = message["Message-ID"]
        elif kept is not None:
            provider_id = _message_id_of(kept)
        else:
            provider_id = outgoing.message.headers.get("Message-ID")
        return Result(outgoing.delivery_id, "sent", provider_id=provider_id)

    def _to_mailbox(self, batch: Sequence[Outgoing]) -> list[Result]:
        self._mailbox.mkdir(parents=True, exist_ok=True)
        results = []
        for outgoing in batch:
            if outgoing.message.unsendable:
                error = f"unsendable: {outgoing.message.unsendable}"
                results.append(Result(outgoing.delivery_id, "permanent", error=error))
                continue
            try:
                kept = outgoing.message.mime
                message = (
                    message_from_bytes(kept, policy=_POLICY)
                    if kept is not None
                    else build_email(outgoing, self._sender)
                )
            except ValueError as exc:
                results.append(
                    Result(outgoing.delivery_id, "permanent", error=f"unsendable: {exc}")
                )
                continue
            path = self._mailbox / f"{outgoing.delivery_id:012d}.eml"
            temporary = path.with_suffix(".tmp")
            # What the receiving server would record of the envelope sender (RFC 5321 §4.4).
            envelope = f"Return-Path: <{outgoing.return_path}>\r\n" if outgoing.return_path else ""
            raw = kept if kept is not None else bytes(message)
            temporary.write_bytes(envelope.encode() + raw)
            temporary.replace(path)  # a reader never sees half a message
            results.append(Result(outgoing.delivery_id, "sent", provider_id=message["Message-ID"]))
        return results
