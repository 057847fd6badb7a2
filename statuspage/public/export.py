"""Static export: the public site as files, so any web server or bucket can serve it.

Every page is fetched through the app itself (the same snapshot bytes the live site
serves), links are rewritten to relative file paths, and the new tree replaces the old
one in one atomic step. Each text file gets its compressed copies beside it (`index.html.gz`,
`index.html.br`), which nginx's `gzip_static` serves as they are (deploy/nginx/herald.conf).
"""

from __future__ import annotations

import ctypes
import mimetypes
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from flask import Flask

from statuspage.audience.visibility import PUBLIC
from statuspage.clock import utcnow
from statuspage.components.catalog import list_components
from statuspage.incidents import queries
from statuspage.public import ROUTES
from statuspage.public.pages import recent_months
from statuspage.snapshots.encoding import BR, GZIP, encode

_LINK = re.compile(rb'(?P<attr>\b(?:href|src))="(?P<url>/(?!/)[^"#?]*)(?P<rest>[#?][^"]*)?"')
_SUFFIXES = {GZIP: ".gz", BR: ".br"}  # what nginx's gzip_static (and brotli_static) look for
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class ExportError(RuntimeError):
    """A public page could not be fetched; nothing was replaced."""


def public_paths() -> Iterator[str]:
    """Every URL of the public site, as the public sees it."""
    yield from (path for path, _endpoint, _view in ROUTES if "<" not in path)
    for incident_id in queries.visible_ids(PUBLIC):
        yield f"/incidents/{incident_id}"
    today = utcnow().date()
    months = {*recent_months(today), *queries.months_with_incidents(PUBLIC)}
    # A month still to come (maintenance scheduled into it) has no archive page yet: a 404.
    for month in sorted(m for m in months if m <= today):
        yield f"/history/{month.year}/{month.month}"
    per_component = [path for path, _endpoint, _view in ROUTES if "<component_id>" in path]
    for component in list_components(PUBLIC):
        for path in per_component:  # feeds and badges
            yield path.replace("<component_id>", component.id)


def file_for(url_path: str) -> str:
    """The file a URL path is written to: `/` -> index.html, `/history` -> history.html."""
    if url_path.endswith("/"):
        return url_path.lstrip("/") + "index.html"
    last = url_path.rsplit("/", 1)[-1]
    return url_path.lstrip("/") + ("" if "." in last else ".html")


def relative_links(html: bytes, own_file: str) -> bytes:
    """Rewrite root-relative links to paths relative to `own_file`."""
    here = PurePosixPath(own_file).parent

    def rewrite(match: re.Match[bytes]) -> bytes:
        target = file_for(match["url"].decode())
        relative = os.path.relpath(target, here.as_posix() or ".")
        rest = (match["rest"] or b"").split(b"?")[0]  # query strings have no file of their own
        return match["attr"] + b'="' + relative.encode() + rest + b'"'

    return _LINK.sub(rewrite, html)


def write_with_codings(destination: Path, body: bytes, content_type: str | None) -> None:
    """Write `body`, and beside it each compressed copy worth having (text, smaller)."""
    destination.write_bytes(body)
    if content_type is None:
        return
    for coding, data in encode(body, content_type):
        destination.with_name(destination.name + _SUFFIXES[coding]).write_bytes(data)


def compress_tree(root: Path) -> None:
    """Give every text file under `root` (the copied static folder) its compressed copies."""
    for file in sorted(p for p in root.rglob("*") if p.is_file()):
        if file.suffix in _SUFFIXES.values():
            continue
        content_type, _ = mimetypes.guess_type(file.name)
        if content_type is not None:
            for coding, data in encode(file.read_bytes(), content_type):
                file.with_name(file.name + _SUFFIXES[coding]).write_bytes(data)


def _swap_into_place(built: Path, target: Path) -> None:
    """Exchange the new tree with the old atomically where Linux allows (renameat2)."""
    if not target.exists():
        built.rename(target)
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        exchanged = libc.renameat2(
            _AT_FDCWD, bytes(built), _AT_FDCWD, bytes(target), _RENAME_EXCHANGE
        )
    except AttributeError:
        exchanged = -1
    if exchanged == 0:
        shutil.rmtree(built)  # `built` now holds the old tree
        return
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    target.rename(old)
    built.rename(target)
    shutil.rmtree(old)


def export_site(app: Flask, target: Path) -> int:
    """Write the public site to `target`; returns how many files were written."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    built = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        client = app.test_client()
        with app.app_context():
            paths = list(public_paths())
        for path in paths:
            response = client.get(path)
            if response.status_code != 200:
                raise ExportError(f"GET {path} answered {response.status_code}")
            name = file_for(path)
            body = response.data
            if response.mimetype == "text/html":
                body = relative_links(body, name)
            destination = built / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            write_with_codings(destination, body, response.content_type)
        shutil.copytree(app.static_folder, built / "static")
        compress_tree(built / "static")
        built.chmod(0o755)
        count = sum(1 for p in built.rglob("*") if p.is_file())
        _swap_into_place(built, target)
        return count
    finally:
        if built.exists():
            shutil.rmtree(built, ignore_errors=True)
