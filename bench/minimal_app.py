"""The baseline for bench/public_page.py: a bare Flask app answering `/` with fixed bytes.

It returns exactly the bytes Herald served for `/` (its gzipped ones too, to clients that take
gzip), with the same Content-Type, so the difference between the two measures Herald's
per-request work and nothing else. The body files and type come from the environment
because gunicorn imports this module by name.
"""

import os
from pathlib import Path

from flask import Flask, Response, request

BODY = Path(os.environ["BENCH_BODY_FILE"]).read_bytes()
# The same page gzipped once at start, sent to clients that take gzip (as Herald's stored one).
GZIP_FILE = os.environ.get("BENCH_GZIP_FILE")
GZIPPED = Path(GZIP_FILE).read_bytes() if GZIP_FILE else None
CONTENT_TYPE = os.environ["BENCH_CONTENT_TYPE"]

app = Flask(__name__)


@app.get("/")
def index() -> Response:
    if GZIPPED is not None and "gzip" in request.headers.get("Accept-Encoding", ""):
        headers = {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
        return Response(GZIPPED, content_type=CONTENT_TYPE, headers=headers)
    return Response(BODY, content_type=CONTENT_TYPE)
