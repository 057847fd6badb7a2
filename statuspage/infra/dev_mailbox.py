"""The development mailbox: the .eml files the email channel writes when no SMTP_URL is set.

Names are checked against the channel's own pattern before any path is built, so a request
can never name a file outside the folder.
"""

from __future__ import annotations

import email
import email.policy
import heapq
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from pathlib import Path

from statuspage.core.errors import NotFound

MESSAGE_NAME = re.compile(r"^\d+\.eml$")
LIST_LIMIT = 200
MAX_MESSAGE_BYTES = 5 * 1024 * 1024
HEAD_BYTES = 16 * 1024  # enough for any header block the email channel writes
SHOWN_HEADERS = ("From", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "List-Unsubscribe")


@dataclass(frozen=True)
class MailboxEntry:
    name: str
    modified_at: datetime
    size: int
    to: str = ""
    subject: str = ""


@dataclass(frozen=True)
class MailboxMessage:
    name: str
    headers: list[tuple[str, str]]  # SHOWN_HEADERS that the message has, in that order
    text: str | None
    html: str | None


def list_messages(folder: Path, limit: int = LIST_LIMIT) -> list[MailboxEntry]:
    """The newest `limit` messages (by the time they were written), newest first."""
    if not folder.is_dir():
        return []
    entries = []
    for path in folder.iterdir():
        if not MESSAGE_NAME.match(path.name):
            continue  # a .tmp being written, or something that is not ours
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue  # removed while we looked
        entries.append(
            MailboxEntry(path.name, datetime.fromtimestamp(stat.st_mtime, UTC), stat.st_size)
        )
    newest = heapq.nlargest(limit, entries, key=lambda e: (e.modified_at, e.name))
    return [_addressed(folder / entry.name, entry) for entry in newest]


def _addressed(path: Path, entry: MailboxEntry) -> MailboxEntry:
    """`entry` with its To and Subject, read from the message's head only."""
    try:
        with path.open("rb") as file:
            head = file.read(HEAD_BYTES)
    except FileNotFoundError:
        return entry  # removed while we looked
    headers = BytesHeaderParser(policy=email.policy.default).parsebytes(head)
    return replace(entry, to=str(headers["To"] or ""), subject=str(headers["Subject"] or ""))


def read_message(folder: Path, name: str) -> MailboxMessage:
    """One message's headers and its text and HTML parts; NotFound for any other name."""
    if not MESSAGE_NAME.match(name):
        raise NotFound(f"no message {name!r}")
    path = folder / name
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_MESSAGE_BYTES)
    except (FileNotFoundError, IsADirectoryError) as exc:
        raise NotFound(f"no message {name!r}") from exc
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    headers = [(h, str(message[h])) for h in SHOWN_HEADERS if message[h] is not None]
    return MailboxMessage(name, headers, _part(message, "plain"), _part(message, "html"))


def _part(message: EmailMessage, subtype: str) -> str | None:
    body = message.get_body(preferencelist=(subtype,))
    if body is None or body.get_content_subtype() != subtype:
        return None
    return body.get_content()
