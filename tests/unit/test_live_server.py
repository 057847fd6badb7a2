"""The test harness's live server (tests/live_server.py) closes every response body, even when
the client resets the connection: a CI run failed on a static file left open by Werkzeug's
development server when chromium dropped a favicon request: that server closes the body only
after draining the socket, and the drain raises on a reset connection. Here the body is read
and closed before the server sees it, so nothing the server does afterwards can leak it."""

from __future__ import annotations

from tests.live_server import read_and_closed


class Body:
    """A response body that records whether the server closed it."""

    def __init__(self) -> None:
        self.closed = False

    def __iter__(self):
        yield b"x" * 1_000_000

    def close(self) -> None:
        self.closed = True


def test_the_wrapped_app_returns_the_whole_body_and_closes_it():
    body = Body()

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return body

    served = read_and_closed(app)({}, lambda status, headers: None)
    assert body.closed
    assert b"".join(served) == b"x" * 1_000_000
