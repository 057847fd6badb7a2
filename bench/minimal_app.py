"""The baseline for bench/public_page.py: a bare Flask app answering `/` with fixed bytes.

It returns exactly the bytes Herald served for `/`, with the same Content-Type, so the
difference between the two measures Herald's per-request work and nothing else. The body
file and type come from the environment because gunicorn imports this module by name.
"""

import os
from pathlib import Path

from flask import Flask, Response

BODY = Path(os.environ["BENCH_BODY_FILE"]).read_bytes()
CONTENT_TYPE = os.environ["BENCH_CONTENT_TYPE"]

app = Flask(__name__)


@app.get("/")
def index() -> Response:
    return Response(BODY, content_type=CONTENT_TYPE)
