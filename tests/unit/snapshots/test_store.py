"""The snapshot store renders a path once per version, even when requests arrive together."""

from __future__ import annotations

import threading

from statuspage.snapshots.store import SnapshotStore


def test_concurrent_misses_render_a_path_once():
    store = SnapshotStore(version_ttl=60, cache_control="public")
    store.get("/warm", lambda: (b"", "text/plain"))  # the version is read here, in the app context
    rendering, release = threading.Event(), threading.Event()

    def render() -> tuple[bytes, str]:
        rendering.set()
        release.wait(5)
        return b"body", "text/plain"

    results = []
    threads = [
        threading.Thread(target=lambda: results.append(store.get("/", render))) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    assert rendering.wait(5)
    release.set()
    for thread in threads:
        thread.join(5)
    assert store.renders == 2  # /warm, then / once for all four
    assert [snapshot.body for snapshot in results] == [b"body"] * 4


def test_fresh_is_none_until_rendered_and_once_the_version_check_is_due():
    store = SnapshotStore(version_ttl=60, cache_control="public")
    assert store.fresh("/") is None
    snapshot = store.get("/", lambda: (b"body", "text/plain"))
    assert store.fresh("/") is snapshot
    due = SnapshotStore(version_ttl=0, cache_control="public")
    due.get("/", lambda: (b"body", "text/plain"))
    assert due.fresh("/") is None
