"""A Flask app served from a thread on a loopback port, for tests that need a real HTTP client
(chromium, nginx, curl) in front of it.

Werkzeug's development server closes a response's body in a `finally` that first drains the
socket; when the client has already reset the connection (chromium closing a context while
the favicon is in flight), the drain raises and the body (an open static file) is never
closed. The leak is the test server's, not the app's (gunicorn closes it), but under
`filterwarnings = error` it fails whichever test is running when the file is collected. So
the served app hands the server a body that is already read and closed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server


def read_and_closed(app: Any) -> Any:
    """`app` as a WSGI app whose responses are read into memory and closed before sending."""

    def wsgi(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    return wsgi


class LiveServer:
    """`app` served on 127.0.0.1 from a daemon thread until `stop()`."""

    def __init__(self, app: Any, name: str = "live-server") -> None:
        self.server: BaseWSGIServer = make_server(
            "127.0.0.1", 0, read_and_closed(app), threaded=True
        )
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, name=name, daemon=True)
        self._thread.start()
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.server.shutdown()
            self._thread.join(timeout=10)
            self.server.server_close()
            self.running = False
