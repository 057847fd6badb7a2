"""The bounce sink: an SMTP server (aiosmtpd) that takes bounces for the return paths only.

`flask bounce-sink --host --port` runs it; point the MX of BOUNCE_ADDRESS's domain (or a
transport of the MTA in front) at it. It accepts RCPT for the VERP form of BOUNCE_ADDRESS
alone (delivery/return_path.py), so it relays nothing and takes no other mail, and hands each
message to delivery.bounces.take_bounce. A message it cannot read, or whose token is forged,
is still accepted (250) and ignored: refusing it would only make the sender bounce the bounce.
A database that is down answers 451, so the sending server keeps the bounce and tries again.
"""

from __future__ import annotations

import asyncio
import logging

from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from statuspage.delivery.bounces import MAX_BYTES, take_bounce
from statuspage.delivery.return_path import is_return_path
from statuspage.extensions import db

log = logging.getLogger(__name__)


class BounceHandler:
    """aiosmtpd's handler: RCPT for return paths only; DATA to take_bounce, committed."""

    def __init__(self, app: Flask) -> None:
        self._app = app

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self._app.app_context():
            ours = is_return_path(address)
        if not ours:
            return "550 5.1.1 No such mailbox: this server takes bounces only"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        # The database work runs beside the event loop, which keeps serving other senders.
        taken = await asyncio.to_thread(self._take, bytes(raw), list(envelope.rcpt_tos))
        return "250 OK" if taken else "451 4.3.0 Cannot record the bounce now; try again later"

    def _take(self, raw: bytes, recipients: list[str]) -> bool:
        with self._app.app_context():
            try:
                take_bounce(raw, recipients)
                db.session.commit()
            except SQLAlchemyError:
                db.session.rollback()
                log.exception("bounce sink: the database refused the bounce; deferred")
                return False
        return True


def serve(app: Flask, host: str, port: int) -> Controller:
    """Start the sink on host:port in a thread of its own; stop it with `.stop()`."""
    controller = Controller(
        BounceHandler(app),
        hostname=host,
        port=port,
        data_size_limit=MAX_BYTES,
    )
    controller.start()
    return controller
