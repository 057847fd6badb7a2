"""A webhook receiver on 127.0.0.1 for the webhook and chat tests.

It keeps every request it gets, checks Standard Webhooks signatures with the
`standardwebhooks` package when it knows the secret (answering 401 to a bad one, as a
real receiver should), and answers as a test tells it: a status, a status with headers,
or "hang" (no answer before the client's timeout).
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

HANG = "hang"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    client_port: int
    verified: bool | None  # None: no secret to check with

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a client's session reuses its connection
    timeout = 5  # an idle kept-alive connection ends on its own
    server: _Server

    def do_POST(self) -> None:
        receiver = self.server.receiver
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {name.lower(): value for name, value in self.headers.items()}
        verified = None
        if receiver.secret:
            try:
                Webhook(receiver.secret).verify(body, headers)
                verified = True
            except WebhookVerificationError:
                verified = False
        with receiver.lock:
            receiver.requests.append(
                Received(self.path, headers, body, self.client_address[1], verified)
            )
            answer = receiver.script.popleft() if receiver.script else receiver.default
        if verified is False:
            answer = 401
        if answer == HANG:
            receiver.release.wait(receiver.hang_seconds)
            answer = 200
        status, extra = answer if isinstance(answer, tuple) else (answer, {})
        reply = b"ok" if status < 300 else f"error {status}".encode()
        if isinstance(extra, dict) and "body" in extra:
            reply = extra.pop("body").encode()
        self.send_response(status)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    receiver: Receiver

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up (a timeout test) closes the socket under a handler


class Receiver:
    """`answer(500, 200)` scripts the next answers; after them, `default` (200)."""

    def __init__(self, secret: str | None = None) -> None:
        self.secret = secret
        self.requests: list[Received] = []
        self.script: deque[Any] = deque()
        self.default: Any = 200
        self.hang_seconds = 3.0
        self.lock = threading.Lock()
        self.release = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.receiver = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def answer(self, *answers: Any) -> None:
        self.script.extend(answers)

    def bodies(self) -> list[Any]:
        return [r.json for r in self.requests]

    def start(self) -> Receiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
