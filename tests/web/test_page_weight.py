"""The page on the wire: `/` with the demo data stays light, plain and as sent compressed.

During an outage everyone reads the page at once, many on phones. A size bound is a
deterministic assertion (the demo's content is fixed), so it holds on any machine.
"""

from __future__ import annotations

import gzip

import brotli

PLAIN_MAX = 60_000  # bytes of HTML
GZIP_MAX = 15_000  # bytes on the wire for a client that takes gzip


def test_the_demo_status_page_is_at_most_60_kb_plain_and_15_kb_gzipped(app, client):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    plain = client.get("/", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200
    assert b"Increased latency in EU West" in plain.data  # the demo, uptime bars and charts
    assert plain.data.count(b'<ol class="bars"') == 12
    assert b'<svg class="chart"' in plain.data
    assert len(plain.data) <= PLAIN_MAX, f"/ is {len(plain.data):,} bytes plain"

    zipped = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert len(zipped.data) <= GZIP_MAX, f"/ is {len(zipped.data):,} bytes gzipped"
    squeezed = client.get("/", headers={"Accept-Encoding": "br"})
    assert brotli.decompress(squeezed.data) == plain.data
    assert len(squeezed.data) < len(zipped.data)
