"""SMTP command pipelining (RFC 2920) for smtplib, which has none.

Without it each mail waits for four answers in turn (MAIL, RCPT, DATA, the end of data); a
relay that offers PIPELINING (Postfix, Exim, every large provider) takes MAIL, RCPT and DATA in
one write and answers them together, so a mail costs two round trips and two writes instead of
four. `sendmail` has smtplib's `SMTP.sendmail` contract: the same refusals raise the same
exceptions, so the email channel handles both alike.
"""

from __future__ import annotations

import re
import smtplib
from collections.abc import Sequence

_LEADING_DOT = re.compile(rb"(?m)^\.")
CRLF = b"\r\n"


def offered(connection: smtplib.SMTP) -> bool:
    """Whether the relay said PIPELINING in its EHLO answer (RFC 2920 §3: only then)."""
    return bool(connection.does_esmtp and connection.has_extn("pipelining"))


def sendmail(
    connection: smtplib.SMTP, from_addr: str, to_addrs: Sequence[str], message: bytes
) -> dict[str, tuple[int, bytes]]:
    """Send `message` (CRLF lines) as `SMTP.sendmail` does, MAIL, RCPT and DATA in one write.

    Returns the refused recipients when some were accepted; raises SMTPSenderRefused,
    SMTPRecipientsRefused (none accepted) or SMTPDataError as smtplib does, after RSET so the
    session can carry the next mail (a 421 closes it, as smtplib does).
    """
    options = f" SIZE={len(message)}" if connection.has_extn("size") else ""
    commands = [f"MAIL FROM:{smtplib.quoteaddr(from_addr)}{options}"]
    commands += [f"RCPT TO:{smtplib.quoteaddr(address)}" for address in to_addrs]
    commands.append("DATA")
    connection.send(("\r\n".join(commands) + "\r\n").encode("ascii"))
    mail = connection.getreply()
    recipients = [connection.getreply() for _ in to_addrs]
    data = connection.getreply()
    refused = {
        address: reply
        for address, reply in zip(to_addrs, recipients, strict=True)
        if reply[0] not in (250, 251)
    }
    if data[0] == 354 and (mail[0] != 250 or len(refused) == len(to_addrs)):
        # The server took DATA though nothing can be delivered: end it empty (RFC 2920 §3.1).
        connection.send(b"." + CRLF)
        connection.getreply()
    if 421 in (mail[0], data[0], *(reply[0] for reply in recipients)):
        connection.close()
        if mail[0] == 421:
            raise smtplib.SMTPSenderRefused(mail[0], mail[1], from_addr)
        raise smtplib.SMTPServerDisconnected("the server closed the session (421)")
    if mail[0] != 250:
        connection.rset()
        raise smtplib.SMTPSenderRefused(mail[0], mail[1], from_addr)
    if len(refused) == len(to_addrs):
        connection.rset()
        raise smtplib.SMTPRecipientsRefused(refused)
    if data[0] != 354:
        connection.rset()
        raise smtplib.SMTPDataError(data[0], data[1])
    body = _LEADING_DOT.sub(b"..", message)  # dot-stuffing (RFC 5321 §4.5.2)
    if not body.endswith(CRLF):
        body += CRLF
    connection.send(body + b"." + CRLF)
    code, reply = connection.getreply()
    if code != 250:
        if code == 421:
            connection.close()
        else:
            connection.rset()
        raise smtplib.SMTPDataError(code, reply)
    return refused
