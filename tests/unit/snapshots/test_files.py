"""Snapshots are rendered once per machine and shared through files: by the worker after a
publish, or by the first process that needs one, under a lock; the others read the bytes."""

from __future__ import annotations

import gzip
from pathlib import Path

import brotli
import pytest

from statuspage.extensions import db
from statuspage.page.state import bump_version, ensure_page
from statuspage.snapshots.files import SnapshotFiles
from statuspage.snapshots.store import SnapshotStore, build_fingerprint


def page(body: bytes):
    return lambda: (body, "text/plain")


def new_version() -> None:
    bump_version()
    db.session.commit()


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    ensure_page()
    db.session.commit()
    return tmp_path / "snapshots"


def test_a_second_process_reads_the_first_ones_render(shared):
    first = SnapshotStore(0, "public", directory=shared)
    second = SnapshotStore(0, "public", directory=shared)
    rendered = first.get("/", page(b"body"), (("X-Extra", "1"),), endpoint="public.index")
    read = second.get("/", page(b"never rendered"))
    assert (first.renders, second.renders) == (1, 0)
    assert read == rendered  # body, ETag, Last-Modified, headers and endpoint
    new_version()
    assert second.get("/", page(b"new")).body == b"new"  # a new version is rendered again
    assert first.get("/", page(b"never rendered")).body == b"new"
    assert (first.renders, second.renders) == (1, 1)


def test_while_another_process_renders_the_previous_version_is_served(shared):
    store = SnapshotStore(0, "public", directory=shared)
    old = store.get("/", page(b"old"))
    new_version()
    files = SnapshotFiles(shared)
    SnapshotStore(0, "public", directory=shared).get("/warm", page(b""))  # the new version
    directory = files.newest_other("")
    assert directory is not None
    with files.lock(directory, "/") as ours:
        assert ours  # this test is now "the other process", rendering /
        assert store.get("/", page(b"not by us")) is old
    assert store.renders == 1
    assert store.get("/", page(b"new")).body == b"new"  # the lock is free again


def test_web_processes_leave_a_new_version_to_the_worker_for_the_grace_period(shared):
    web = SnapshotStore(0, "public", directory=shared, render_grace=60)
    worker = SnapshotStore(0, "public", directory=shared, render_grace=60)
    old = web.get("/", page(b"old"))
    new_version()
    assert web.get("/", page(b"not yet")) is old  # the worker has the first go
    assert worker.paths_to_render_ahead() == ["/"]
    assert worker.get("/", page(b"new"), wait_for_worker=False).body == b"new"
    assert web.get("/", page(b"never rendered")).body == b"new"
    assert (web.renders, worker.renders) == (1, 1)


def test_with_nothing_to_serve_meanwhile_a_web_process_renders_at_once(shared):
    web = SnapshotStore(0, "public", directory=shared, render_grace=60)
    assert web.get("/", page(b"first")).body == b"first"  # first start: no worker wait
    assert web.renders == 1


def test_the_worker_renders_ahead_what_the_public_read_at_the_previous_version(shared):
    web = SnapshotStore(0, "public", directory=shared)
    worker = SnapshotStore(0, "public", directory=shared)
    web.get("/", page(b"page"))
    web.get("/api/v2/summary.json", page(b"{}"))
    new_version()
    assert worker.paths_to_render_ahead() == ["/", "/api/v2/summary.json"]
    worker.get("/", page(b"page 2"), wait_for_worker=False)
    worker.get("/api/v2/summary.json", page(b"{2}"), wait_for_worker=False)
    web.get("/", page(b"never rendered"))  # read: the public still asks for it
    new_version()
    # summary.json was rendered ahead and nobody asked for it: it drops out.
    assert worker.paths_to_render_ahead() == ["/"]
    assert web.renders == 2


def test_only_the_current_and_previous_versions_stay_on_disk(shared):
    store = SnapshotStore(0, "public", directory=shared)
    for n in range(4):
        store.get("/", page(b"%d" % n))
        new_version()
    store.get("/", page(b"last"))
    assert len([d for d in shared.iterdir() if d.is_dir()]) == 2


def test_publishes_faster_than_the_grace_cannot_keep_a_page_stale(shared):
    now = [0.0]
    web = SnapshotStore(0, "public", directory=shared, render_grace=5, clock=lambda: now[0])
    old = web.get("/", page(b"old"))
    new_version()
    assert web.get("/", page(b"not yet")) is old  # the worker's turn, for 5 seconds
    now[0] = 4.0
    new_version()  # no worker came; another publish
    assert web.get("/", page(b"not yet")) is old
    now[0] = 5.5  # the grace counts from the first stale answer, not from the last publish
    assert web.get("/", page(b"newest")).body == b"newest"
    assert web.renders == 2


def test_a_new_build_renders_anew_what_the_old_one_stored(shared):
    """A deploy that changes a template keeps the page version: its processes must not serve
    the bytes the old build stored for that version."""
    old = SnapshotStore(0, "public", directory=shared, build="build-1")
    assert old.get("/", page(b"old template")).body == b"old template"
    same = SnapshotStore(0, "public", directory=shared, build="build-1")
    assert same.get("/", page(b"never rendered")).body == b"old template"
    new = SnapshotStore(0, "public", directory=shared, build="build-2")
    assert new.get("/", page(b"new template")).body == b"new template"
    assert new.renders == 1


def test_the_build_fingerprint_follows_every_file_that_makes_a_page(tmp_path):
    code, templates = tmp_path / "code", tmp_path / "templates"
    (templates / "public").mkdir(parents=True)
    code.mkdir()
    (code / "render.py").write_text("x = 1\n")
    (templates / "public" / "index.html").write_text("<h1>{{ name }}</h1>")
    first = build_fingerprint(code, templates)
    (code / "__pycache__").mkdir()
    (code / "__pycache__" / "render.cpython-311.pyc").write_bytes(b"\0compiled")
    assert build_fingerprint.__wrapped__(code, templates) == first  # caches are not the build
    (templates / "public" / "index.html").write_text("<h1>{{ name|upper }}</h1>")
    assert build_fingerprint.__wrapped__(code, templates) != first


def test_the_compressed_bodies_are_stored_with_the_plain_one_and_read_back(shared):
    body = b"<li>quiet day</li>" * 500
    first = SnapshotStore(0, "public", directory=shared)
    second = SnapshotStore(0, "public", directory=shared)
    rendered = first.get("/", lambda: (body, "text/html; charset=utf-8"))
    assert rendered.codings == ("br", "gzip")
    read = second.get("/", page(b"never rendered"))
    assert second.renders == 0
    assert read == rendered  # the plain body and every compressed one, byte for byte
    assert gzip.decompress(read.representation("gzip").body) == body
    assert brotli.decompress(read.representation("br").body) == body
    assert read.representation(None).body == body
    assert read.representation("gzip").etag != read.representation("br").etag != read.etag
