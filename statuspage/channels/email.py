"""Email over SMTP (one connection per batch), or .eml files in a folder for development.

SMTP_URL: smtp://user:pass@host:25 (STARTTLS when the server offers it), smtps://host:465.
Without it, each message is written to the dev mailbox folder, so the demo shows mail with
no server at all.
"""

from __future__ import annotations

import email.policy
import re
import smtplib
import ssl
from collections.abc import Sequence
from email import message_from_bytes
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import unquote, urlsplit

from statuspage.channels.base import Outgoing, Result

TIMEOUT = 30
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
            connection = self._connect()
        except _TRANSIENT as exc:
            return [Result(o.delivery_id, "retry", error=f"connect: {exc}") for o in batch]
        results: list[Result] = []
        try:
            for index, outgoing in enumerate(batch):
                results.append(self._send_one(connection, outgoing))
                if results[-1].error and results[-1].error.startswith("connection:"):
                    # The connection is gone: everything not yet sent is retried later.
                    results += [
                        Result(o.delivery_id, "retry", error="connection lost in batch")
                        for o in batch[index + 1 :]
                    ]
                    break
        finally:
            try:
                connection.quit()
            except (smtplib.SMTPException, OSError):
                connection.close()
        return results

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

    def _send_one(self, connection: smtplib.SMTP, outgoing: Outgoing) -> Result:
        kept = outgoing.message.mime  # a mail kept whole (a regulator notice): sent as it is
        if outgoing.message.unsendable:
            error = f"unsendable: {outgoing.message.unsendable}"
            return Result(outgoing.delivery_id, "permanent", error=error)
        try:
            message = None if kept is not None else build_email(outgoing, self._sender)
        except ValueError as exc:  # an address no header can hold: no retry will fix it
            return Result(outgoing.delivery_id, "permanent", error=f"unsendable: {exc}")
        try:
            if message is None:
                refused = connection.sendmail(
                    outgoing.return_path or parseaddr(self._sender)[1],
                    list(outgoing.message.envelope_to) or [outgoing.address],
                    kept,
                )
            else:
                # The envelope sender: the delivery's own return path, else From (MAIL_FROM).
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
        provider_id = message["Message-ID"] if message is not None else _message_id_of(kept)
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
