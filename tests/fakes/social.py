"""Fake social networks at their HTTP boundary: a Mastodon server on loopback, and X's fixed
host intercepted with `responses`. Both keep every post they were sent, and can be told to
fail the next ones."""

from __future__ import annotations

import dataclasses
import itertools
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import responses

MASTODON_TOKEN = "mastodon-token-0123456789"
X_TWEETS = "https://api.twitter.com/2/tweets"


@dataclass(frozen=True)
class Post:
    """One request to post, as the network received it."""

    text: str
    reply_to: str | None
    id: str | None = None  # the post's id, once the network made it
    headers: dict[str, str] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class Failure:
    status: int
    body: dict[str, Any] | Exception  # an exception: raised instead of answering
    headers: dict[str, str] = field(default_factory=dict)


class FakeMastodon:
    """POST /api/v1/statuses as Mastodon answers it: bearer token checked, idempotency keys
    honoured (a repeated key returns the status made the first time, posting nothing)."""

    def __init__(self, token: str = MASTODON_TOKEN) -> None:
        self.token = token
        self.requests: list[Post] = []  # every request to post, in order, failed ones too
        self.statuses: dict[str, dict[str, Any]] = {}  # id -> status actually posted
        self.failures: list[Failure] = []  # answered in order before posting again
        self.delay = 0.0  # seconds to wait before answering (after posting): a lost response
        self._by_key: dict[str, str] = {}
        self._ids = itertools.count(109_000_000_000_000_001)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def posted(self) -> list[dict[str, Any]]:
        return list(self.statuses.values())

    def fail_next(
        self, status: int, error: str = "", headers: dict[str, str] | None = None
    ) -> None:
        self.failures.append(Failure(status, {"error": error or f"error {status}"}, headers or {}))

    def start(self) -> FakeMastodon:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, post: Post, authorization: str) -> tuple[int, dict[str, Any], dict]:
        with self._lock:
            self.requests.append(post)
            if authorization != f"Bearer {self.token}":
                return 401, {"error": "The access token is invalid"}, {}
            if self.failures:
                failure = self.failures.pop(0)
                return failure.status, failure.body, failure.headers
            key = post.headers.get("Idempotency-Key")
            if key and key in self._by_key:
                return 200, self.statuses[self._by_key[key]], {}
            status_id = str(next(self._ids))
            status = {
                "id": status_id,
                "uri": f"{self.url}/users/acme/statuses/{status_id}",
                "url": f"{self.url}/@acme/{status_id}",
                "created_at": "2026-01-01T00:00:00.000Z",
                "content": f"<p>{post.text}</p>",
                "visibility": post.fields.get("visibility"),
                "in_reply_to_id": post.reply_to,
            }
            self.statuses[status_id] = status
            if key:
                self._by_key[key] = status_id
            return 200, status, {}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep the test output quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                if self.path != "/api/v1/statuses":
                    return self._send(404, {"error": "Record not found"}, {})
                if "json" in (self.headers.get("Content-Type") or ""):
                    fields = json.loads(raw or "{}")
                else:
                    fields = {k: v[-1] for k, v in parse_qs(raw).items()}
                post = Post(
                    text=fields.get("status", ""),
                    reply_to=fields.get("in_reply_to_id"),
                    headers=dict(self.headers.items()),
                    fields=fields,
                )
                status, body, headers = fake._answer(post, self.headers.get("Authorization", ""))
                if fake.delay:
                    time.sleep(fake.delay)
                self._send(status, body, headers)

            def _send(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        return Handler


class FakeX:
    """X's POST /2/tweets, intercepted by `responses`: OAuth 1.0a header required, a new id
    per post, scripted failures answered first. Loopback (the fake Mastodon) passes through."""

    def __init__(self, mock: responses.RequestsMock) -> None:
        self.mock = mock
        self.requests: list[Post] = []
        self.posted: list[Post] = []
        self.failures: list[Failure] = []
        self._ids = itertools.count(1_800_000_000_000_000_001)
        mock.add_callback(responses.POST, X_TWEETS, callback=self._tweet)
        mock.add_passthru("http://127.0.0.1")

    def fail_next(
        self, status: int, body: dict[str, Any] | Exception, headers: dict[str, str] | None = None
    ) -> None:
        self.failures.append(Failure(status, body, headers or {}))

    def _tweet(self, request: Any) -> tuple[int, dict[str, str], str]:
        body = json.loads(request.body)
        post = Post(
            text=body.get("text", ""),
            reply_to=(body.get("reply") or {}).get("in_reply_to_tweet_id"),
            headers=dict(request.headers),
            fields=body,
        )
        self.requests.append(post)
        json_type = {"Content-Type": "application/json"}
        if not request.headers.get("Authorization", "").startswith("OAuth "):
            return 401, json_type, json.dumps({"title": "Unauthorized", "status": 401})
        if self.failures:
            failure = self.failures.pop(0)
            if isinstance(failure.body, Exception):
                raise failure.body
            return failure.status, json_type | failure.headers, json.dumps(failure.body)
        tweet_id = str(next(self._ids))
        self.posted.append(dataclasses.replace(post, id=tweet_id))
        return 201, json_type, json.dumps({"data": {"id": tweet_id, "text": post.text}})


@contextmanager
def fake_mastodon() -> Iterator[FakeMastodon]:
    server = FakeMastodon().start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def fake_x() -> Iterator[FakeX]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeX(mock)
