"""deploy/nginx/herald.conf: it passes `nginx -t`, proxies to the app, falls back to the export.

The site file is used as shipped, with only its documented placeholders (ports, certificate,
export folder) filled in on a copy, inside a minimal nginx.conf that keeps every path in tmp.
"""

from __future__ import annotations

import getpass
import gzip
import http.client
import shutil
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask

from statuspage import create_app
from statuspage.components.catalog import create_component
from statuspage.extensions import db
from statuspage.page.state import ensure_page
from statuspage.public.export import export_site
from tests.deploy.conftest import DEPLOY, free_port, self_signed
from tests.live_server import LiveServer

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
pytestmark = pytest.mark.skipif(
    not Path(NGINX).exists(), reason="nginx is not installed (make browser installs it)"
)

MAIN = """
user {user};
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/herald.conf;
}}
"""


@dataclass
class Site:
    conf: Path
    http_port: int
    https_port: int
    cert: Path
    export: Path


def site_config(tmp: Path, app_port: int) -> Site:
    """The shipped site file with its placeholders filled in, inside a throwaway nginx.conf."""
    cert, key = self_signed(tmp)
    export = tmp / "export"
    export.mkdir()
    http_port, https_port = free_port(), free_port()
    text = (DEPLOY / "nginx" / "herald.conf").read_text()
    for shipped, filled in [
        ("listen [::]:80;", ""),
        ("listen [::]:443 ssl http2;", ""),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("/etc/ssl/herald/fullchain.pem", str(cert)),
        ("/etc/ssl/herald/privkey.pem", str(key)),
        ("127.0.0.1:8000", f"127.0.0.1:{app_port}"),
        ("/var/lib/herald/export", str(export)),
        ("/var/www/letsencrypt", str(tmp / "acme")),
    ]:
        assert shipped in text, f"the site file no longer has {shipped!r}"
        text = text.replace(shipped, filled)
    (tmp / "herald.conf").write_text(text)
    conf = tmp / "nginx.conf"
    # Workers run as the test's own user: pytest's tmp folders are private to it.
    conf.write_text(MAIN.format(tmp=tmp, user=getpass.getuser()))
    return Site(conf, http_port, https_port, cert, export)


def nginx(site: Site, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [NGINX, "-e", str(site.conf.parent / "error.log"), "-c", str(site.conf), *args],
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.fixture
def running(site: Site) -> Iterator[Site]:
    process = subprocess.Popen(
        [
            NGINX,
            "-e",
            str(site.conf.parent / "error.log"),
            "-c",
            str(site.conf),
            "-g",
            "daemon off;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # nginx writes to error.log in tmp
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                get(site, "/healthz")
                break
            except OSError:
                time.sleep(0.05)
        yield site
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def proxied_app(app: Flask) -> Iterator[tuple[Flask, LiveServer]]:
    """An app that trusts one proxy hop (as herald.env.example sets), served on a port."""
    ensure_page("Acme Status")
    create_component("API")
    db.session.commit()
    behind_nginx = create_app({**app.config, "TRUSTED_PROXIES": 1})
    live = LiveServer(behind_nginx)
    yield behind_nginx, live
    live.stop()
    with behind_nginx.app_context():
        db.engine.dispose()


@pytest.fixture
def site(tmp_path: Path, proxied_app: tuple[Flask, LiveServer]) -> Site:
    return site_config(tmp_path, proxied_app[1].port)


def get(
    site: Site, path: str, *, https: bool = True, headers: dict[str, str] | None = None
) -> http.client.HTTPResponse:
    if https:
        context = ssl.create_default_context(cafile=str(site.cert))
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            "127.0.0.1", site.https_port, context=context, timeout=10
        )
    else:
        connection = http.client.HTTPConnection("127.0.0.1", site.http_port, timeout=10)
    connection.request("GET", path, headers={"Host": "status.example.com", **(headers or {})})
    response = connection.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    connection.close()
    return response


def test_the_shipped_site_config_passes_nginx_t(site):
    result = nginx(site, "-t", "-q")
    assert result.returncode == 0, result.stderr


def test_nginx_proxies_to_the_app_which_sees_https_and_the_client(running, proxied_app):
    page = get(running, "/")
    assert page.status == 200
    assert b"Acme Status" in page.body
    assert page.getheader("X-Herald-Served-From") is None
    # The app learnt the scheme from X-Forwarded-Proto (TRUSTED_PROXIES=1): HSTS, once.
    assert page.getheader("Strict-Transport-Security", "").startswith("max-age=")
    assert len(page.headers.get_all("Content-Security-Policy")) == 1
    # The app's stored gzip passes through as it is: one coding, one Vary line.
    zipped = get(running, "/", headers={"Accept-Encoding": "gzip"})
    assert zipped.getheader("Content-Encoding") == "gzip"
    assert gzip.decompress(zipped.body) == page.body
    assert zipped.headers.get_all("Vary") == ["Accept-Language, Cookie, Accept-Encoding"]
    assert get(running, "/metrics").status == 200  # loopback is on the allowlist
    redirect = get(running, "/history", https=False)
    assert redirect.status == 301
    assert redirect.getheader("Location") == "https://status.example.com/history"


def test_with_the_app_down_readers_get_the_static_export(running, proxied_app):
    flask_app, live = proxied_app
    export_site(flask_app, running.export)
    live.stop()
    for path, marker in [("/", b"Acme Status"), ("/history", b"History")]:
        page = get(running, path)
        assert page.status == 200, (path, page.status)
        assert marker in page.body
        assert page.getheader("X-Herald-Served-From") == "static-export"
        assert "frame-ancestors 'none'" in page.getheader("Content-Security-Policy", "")
        assert page.getheader("X-Frame-Options") == "DENY"
    summary = get(running, "/api/v2/summary.json")
    assert summary.status == 200
    assert summary.getheader("Access-Control-Allow-Origin") == "*"
    widget = get(running, "/embed/status.html")
    assert widget.status == 200
    assert "frame-ancestors *" in widget.getheader("Content-Security-Policy", "")
    assert widget.getheader("X-Frame-Options") is None
    assert get(running, "/static/css/herald.css").status == 200
    # The export's .gz copies, sent as they are to clients that take gzip (gzip_static).
    gzip_please = {"Accept-Encoding": "gzip"}
    for path in ("/", "/api/v2/summary.json", "/static/css/herald.css"):
        plain, zipped = get(running, path), get(running, path, headers=gzip_please)
        assert zipped.status == 200, path
        assert zipped.getheader("Content-Encoding") == "gzip", path
        assert "Accept-Encoding" in zipped.getheader("Vary", ""), path
        assert int(zipped.getheader("Content-Length")) == len(zipped.body) < len(plain.body)
        assert gzip.decompress(zipped.body) == plain.body, path
        assert plain.getheader("Content-Encoding") is None
    # Staff and per-person pages never fall back to a stale copy: they say the app is down.
    assert get(running, "/admin/").status == 502
    assert get(running, "/subscribe").status == 502
