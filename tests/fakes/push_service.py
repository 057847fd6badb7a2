"""A web push service on loopback for tests: checks each request as a real one would, and reads
it as the browser would.

Subscriptions are made like a browser's `PushManager.subscribe()`: a P-256 key pair and a
16-byte auth secret per subscriber, an endpoint on this service. A POST to an endpoint must
carry a VAPID `Authorization: vapid t=<JWT>,k=<public key>` whose ES256 signature verifies
against `k`, whose `aud` is this service's origin and whose `exp` is in the next 24 hours; a
`TTL`; and an aes128gcm body, which is decrypted with the subscriber's private key and auth
secret. What arrived (decrypted JSON, headers, claims) is recorded; what was wrong is recorded
in `problems` and answered 400/401/403, as a push service would.

A test can queue answers for an endpoint (410, 429, 500, a redirect) to play a push service
that has forgotten a subscription or is overloaded.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

MAX_BODY = 4096  # RFC 8030 §7.2: push services must accept 4096 bytes, may refuse more
_TOPIC = re.compile(r"[A-Za-z0-9_-]{1,32}")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    """One subscriber's side of a subscription: what the browser keeps and what it hands out."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    application_server_key: str | None = None  # the VAPID key it subscribed with, if known

    @classmethod
    def create(cls, endpoint: str, application_server_key: str | None = None) -> Browser:
        """Fresh keys, as PushManager.subscribe() makes them."""
        return cls(
            endpoint,
            ec.generate_private_key(ec.SECP256R1()),
            secrets.token_bytes(16),
            application_server_key,
        )

    @property
    def p256dh(self) -> str:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(point)

    def subscription(self) -> dict[str, Any]:
        """PushSubscription.toJSON(), as the page posts it to Herald."""
        keys = {"p256dh": self.p256dh, "auth": b64url(self.auth)}
        return {"endpoint": self.endpoint, "expirationTime": None, "keys": keys}


@dataclass
class Received:
    endpoint: str
    message: dict[str, Any]  # the decrypted payload
    headers: dict[str, str]
    claims: dict[str, Any]


@dataclass
class _State:
    browsers: dict[str, Browser] = field(default_factory=dict)  # by path
    answers: dict[str, deque[tuple[int, dict[str, str]]]] = field(
        default_factory=lambda: defaultdict(deque)
    )
    received: list[Received] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    requests: int = 0
    clients: set[tuple[str, int]] = field(default_factory=set)  # the connections pushes came on
    lock: threading.Lock = field(default_factory=threading.Lock)


def _verify_vapid(header: str, origin: str, expected_key: str | None) -> tuple[int, str, dict]:
    """(0, "", claims) when the Authorization header is a valid VAPID one for `origin`."""
    scheme, _, params = header.partition(" ")
    if scheme.lower() != "vapid":
        return 401, f"not a vapid Authorization header: {header[:40]!r}", {}
    parts = dict(p.strip().split("=", 1) for p in params.split(",") if "=" in p)
    token, key = parts.get("t", ""), parts.get("k", "")
    try:
        encoded_header, encoded_claims, encoded_signature = token.split(".")
        jwt_header = json.loads(unb64url(encoded_header))
        claims = json.loads(unb64url(encoded_claims))
        signature = unb64url(encoded_signature)
        public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
    except ValueError as exc:
        return 401, f"malformed VAPID token or key: {exc}", {}
    if jwt_header.get("alg") != "ES256" or len(signature) != 64:
        return 401, f"not an ES256 JWT: {jwt_header}", {}
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    try:
        public_key.verify(
            encode_dss_signature(r, s),
            f"{encoded_header}.{encoded_claims}".encode(),
            ec.ECDSA(hashes.SHA256()),
        )
    except InvalidSignature:
        return 401, "the VAPID signature does not verify", claims
    if expected_key is not None and key.rstrip("=") != expected_key.rstrip("="):
        return 403, "signed with another key than the subscription was made for", claims
    if claims.get("aud") != origin:
        return 403, f"aud {claims.get('aud')!r} is not {origin!r}", claims
    exp, now = claims.get("exp"), time.time()
    if not isinstance(exp, int) or not now < exp <= now + 24 * 3600:
        return 403, f"exp {exp!r} is not within the next 24 hours", claims
    if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
        return 403, f"sub {claims.get('sub')!r} is not a mailto: or https: URL", claims
    return 0, "", claims


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, as the sender's session expects

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, headers: dict[str, str] | None = None, body: bytes = b"") -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _refuse(self, status: int, problem: str) -> None:
        state = self.server.state
        with state.lock:
            state.problems.append(f"{self.path}: {problem}")
        self._reply(status, body=problem.encode())

    def do_POST(self) -> None:
        state = self.server.state
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with state.lock:
            state.requests += 1
            state.clients.add(self.client_address)
            browser = state.browsers.get(self.path)
        if browser is None:
            self._reply(404)
            return
        code, problem, claims = _verify_vapid(
            self.headers.get("Authorization", ""),
            self.server.origin,
            browser.application_server_key,
        )
        if code:
            self._refuse(code, problem)
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        if not headers.get("ttl", "").isdigit():
            self._refuse(400, f"TTL missing or not a number: {headers.get('ttl')!r}")
            return
        if "topic" in headers and not _TOPIC.fullmatch(headers["topic"]):
            self._refuse(400, f"Topic {headers['topic']!r} is not ≤ 32 base64url characters")
            return
        if headers.get("urgency", "normal") not in ("very-low", "low", "normal", "high"):
            self._refuse(400, f"Urgency {headers['urgency']!r} is not an RFC 8030 value")
            return
        if len(body) > MAX_BODY:
            self._refuse(413, f"body of {len(body)} bytes")
            return
        if headers.get("content-encoding") != "aes128gcm":
            self._refuse(400, f"Content-Encoding {headers.get('content-encoding')!r}")
            return
        with state.lock:
            queued = state.answers[self.path].popleft() if state.answers[self.path] else None
        if queued is not None:
            self._reply(queued[0], queued[1])
            return
        try:
            # aes128gcm carries the sender's ephemeral public key (the `dh` of ECDH) in the
            # body's header; http_ece reads it from there when given the receiver's key.
            plain = http_ece.decrypt(
                body, private_key=browser.private_key, auth_secret=browser.auth, version="aes128gcm"
            )
            message = json.loads(plain)
        except (http_ece.ECEException, ValueError) as exc:
            self._refuse(400, f"cannot decrypt: {exc!r}")
            return
        with state.lock:
            state.received.append(Received(browser.endpoint, message, headers, claims))
            number = len(state.received)
        self._reply(201, {"Location": f"{self.server.origin}/messages/{number}"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State
    origin: str


class PushService:
    """Start, make subscriptions, queue answers, read what arrived, stop."""

    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = _State()
        self.origin = f"http://127.0.0.1:{self._server.server_port}"
        self._server.origin = self.origin
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self) -> PushService:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def browser(self, application_server_key: str | None = None) -> Browser:
        """A new subscription on this service, with fresh keys, as a browser would make it."""
        path = f"/push/{secrets.token_urlsafe(16)}"
        made = Browser.create(f"{self.origin}{path}", application_server_key)
        with self._server.state.lock:
            self._server.state.browsers[path] = made
        return made

    def answer(self, browser: Browser, status: int, headers: dict[str, str] | None = None) -> None:
        """Answer the next push to `browser` with `status` (after checking it as usual)."""
        path = browser.endpoint.removeprefix(self.origin)
        with self._server.state.lock:
            self._server.state.answers[path].append((status, headers or {}))

    @property
    def received(self) -> list[Received]:
        with self._server.state.lock:
            return list(self._server.state.received)

    @property
    def problems(self) -> list[str]:
        with self._server.state.lock:
            return list(self._server.state.problems)

    @property
    def connections(self) -> int:
        """How many TCP connections the pushes so far came on (keep-alive keeps it low)."""
        with self._server.state.lock:
            return len(self._server.state.clients)

    @property
    def requests(self) -> int:
        with self._server.state.lock:
            return self._server.state.requests
