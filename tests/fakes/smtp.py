"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, and can be stopped."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """aiosmtpd handler: every accepted message, parsed, in arrival order, with the envelope
    sender (MAIL FROM) and the envelope recipients each was accepted for."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []  # each message's bytes as the DATA command carried them
        self.senders: list[str] = []
        self.recipients: list[list[str]] = []
        self.refuse: set[str] = set()  # recipients answered "550 5.1.1 No such user"
        self.reject: dict[str, str] = {}  # recipients answered with this reply instead
        self.pipelining = False  # offer PIPELINING (RFC 2920) in EHLO, as Postfix does

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname  # aiosmtpd leaves this to a handler with this hook
        if self.pipelining:  # aiosmtpd reads line by line: pipelined commands just work
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such user"
        if address in self.reject:
            return self.reject[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.raw.append(envelope.original_content or envelope.content)
        self.senders.append(envelope.mail_from)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted"


class SmtpServer:
    """With `login=(user, password)` the server requires AUTH (PLAIN/LOGIN) before mail."""

    def __init__(self, login: tuple[str, str] | None = None, *, pipelining: bool = False) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.inbox.pipelining = pipelining
        self.login = login
        self.logins: list[str] = []
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        if self.login:
            return f"smtp://{self.login[0]}:{self.login[1]}@127.0.0.1:{self.port}"
        return f"smtp://127.0.0.1:{self.port}"

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = self.login is not None and (
            isinstance(auth_data, LoginPassword)
            and (auth_data.login.decode(), auth_data.password.decode()) == self.login
        )
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok)

    def start(self) -> None:
        extra = (
            {"authenticator": self._authenticate, "auth_required": True, "auth_require_tls": False}
            if self.login
            else {}
        )
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **extra)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
