"""The static export: the whole public site as files, with every link resolving inside it."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import brotli
import feedparser

from statuspage.extensions import db
from statuspage.incidents.commands import PostUpdate
from statuspage.incidents.publishing import post_update
from statuspage.public.export import export_site, file_for, relative_links

LINK = re.compile(r'(?:href|src)="([^"]+)"')


def _local_links(html: str) -> list[str]:
    return [
        link
        for link in LINK.findall(html)
        if not link.startswith(("http://", "https://", "mailto:", "#", "tel:"))
    ]


def test_every_link_in_the_exported_html_resolves_to_a_file(app, small_page, tmp_path):
    target = tmp_path / "site"
    written = export_site(app, target)
    pages = list(target.rglob("*.html"))
    assert len(pages) >= 5
    assert written == sum(1 for p in target.rglob("*") if p.is_file())
    checked = 0
    for page in pages:
        for link in _local_links(page.read_text()):
            assert not link.startswith("/"), f"{page}: root-relative link {link}"
            resolved = (page.parent / link.split("#")[0]).resolve()
            assert resolved.is_file(), f"{page.relative_to(target)} links to missing {link}"
            assert target.resolve() in resolved.parents
            checked += 1
    assert checked > 50


def test_the_export_holds_every_public_surface(app, small_page, tmp_path):
    target = tmp_path / "site"
    export_site(app, target)
    for name in [
        "index.html",
        "history.html",
        "maintenance.html",
        "history.atom",
        "history.rss",
        "api/v2/summary.json",
        "api/v2/status.json",
        "api/v2/components.json",
        "api/v2/incidents.json",
        "api/v2/incidents/unresolved.json",
        "api/v2/scheduled-maintenances.json",
        "api/v2/scheduled-maintenances/upcoming.json",
        "api/v2/scheduled-maintenances/active.json",
        f"incidents/{small_page.open_incident.id}.html",
        f"incidents/{small_page.old_incident.id}.html",
        f"incidents/{small_page.maintenance.id}.html",
        f"components/{small_page.eu.id}/history.atom",
        "static/css/herald.css",
        "static/js/herald.js",
    ]:
        assert (target / name).is_file(), name
    summary = json.loads((target / "api/v2/summary.json").read_text())
    assert summary["status"]["indicator"] == "minor"
    assert not feedparser.parse((target / "history.atom").read_bytes()).bozo


def test_the_exported_bytes_are_the_served_bytes(app, client, small_page, tmp_path):
    target = tmp_path / "site"
    export_site(app, target)
    assert (target / "api/v2/summary.json").read_bytes() == client.get("/api/v2/summary.json").data


def test_a_new_export_replaces_the_old_one_whole(app, small_page, tmp_path):
    target = tmp_path / "site"
    export_site(app, target)
    (target / "stale.txt").write_text("left from an old export")
    post_update(small_page.open_incident, PostUpdate("Fixed.", status="resolved"))
    db.session.commit()
    export_site(app, target)
    assert not (target / "stale.txt").exists()
    unresolved = json.loads((target / "api/v2/incidents/unresolved.json").read_text())
    assert unresolved["incidents"] == []
    assert [p.name for p in tmp_path.iterdir()] == ["site"]  # no temporary trees left behind


def test_url_paths_map_to_files():
    assert file_for("/") == "index.html"
    assert file_for("/history") == "history.html"
    assert file_for("/history/2026/3") == "history/2026/3.html"
    assert file_for("/api/v2/summary.json") == "api/v2/summary.json"
    assert file_for("/static/css/herald.css") == "static/css/herald.css"


def test_links_are_rewritten_relative_to_the_page():
    html = b'<a href="/">x</a><a href="/incidents/abc#u1">y</a><link href="/static/a.css">'
    assert relative_links(html, "incidents/xyz.html") == (
        b'<a href="../index.html">x</a><a href="abc.html#u1">y</a><link href="../static/a.css">'
    )
    external = b'<a href="https://example.com/x">e</a><a href="//cdn.example/x">p</a>'
    assert relative_links(external, "index.html") == external


def test_the_cli_exports(app, small_page, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["export", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "Exported" in result.output
    assert Path(tmp_path / "out" / "index.html").is_file()


def test_every_text_file_has_its_gzip_and_brotli_copies_beside_it(app, small_page, tmp_path):
    target = tmp_path / "site"
    export_site(app, target)
    texts = [
        p
        for p in target.rglob("*")
        if p.suffix in (".html", ".json", ".atom", ".rss", ".css", ".js") and p.is_file()
    ]
    assert target / "index.html" in texts
    assert target / "static" / "css" / "herald.css" in texts
    for file in texts:
        plain = file.read_bytes()
        zipped = file.with_name(file.name + ".gz")
        squeezed = file.with_name(file.name + ".br")
        if len(plain) >= 1000:  # a tiny file may not shrink: then no copy beats a bigger one
            assert zipped.exists(), file
            assert squeezed.exists(), file
        if zipped.exists():
            assert gzip.decompress(zipped.read_bytes()) == plain, file
            assert len(zipped.read_bytes()) < len(plain)
        if squeezed.exists():
            assert brotli.decompress(squeezed.read_bytes()) == plain, file
    # Images are already compressed: left alone.
    assert not list(target.rglob("*.png.gz"))
