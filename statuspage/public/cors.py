"""Cross-origin reads of the public machine-readable surfaces: the v2 JSON, badges, the widget.

They hold public data only and are served without credentials, so any origin may read them
(`*`, never an echoed origin: the answer is the same for everyone, so no `Vary: Origin`).
The headers travel inside the snapshot (`@snapshotted(headers=CORS)`), so the WSGI fast path
and 304s send exactly what Flask sends. Personal pages and the management API never get them.
"""

from __future__ import annotations

from flask import Response, request

API_PREFIX = "/api/v2/"

CORS = (
    ("Access-Control-Allow-Origin", "*"),
    # Last-Modified and Cache-Control are readable cross-origin anyway; ETag is not.
    ("Access-Control-Expose-Headers", "ETag"),
)

# A conditional fetch (If-None-Match) is not a "simple" request: the browser asks first.
PREFLIGHT = (
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS"),
    ("Access-Control-Allow-Headers", "If-None-Match, If-Modified-Since, Cache-Control"),
    ("Access-Control-Max-Age", "86400"),
)


def answer_preflight(response: Response) -> Response:
    """After-request hook: Flask's automatic OPTIONS answer, with CORS for the v2 JSON."""
    if request.method == "OPTIONS" and request.path.startswith(API_PREFIX):
        response.headers.update(PREFLIGHT)
    return response
