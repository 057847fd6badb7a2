"""After a publish: render the public snapshots for the new page version, once, in the worker.

Web processes then only read the stored files (services/snapshot.py); while this runs they
serve the previous version for at most SNAPSHOT_RENDER_GRACE seconds. Each path is fetched
through the app itself, as the static export does, so the stored bytes and headers are
exactly what a web process would have rendered.
"""

from __future__ import annotations

from flask import current_app

from statuspage.snapshots.store import PRERENDER, STORE_KEY, SnapshotStore


def render_snapshots() -> int:
    """Render the status page and every path the public read at the previous version, for the
    version current now; returns how many were rendered. Safe to run twice, and enqueued
    once per change (several changes in a row render only the newest): a path already stored
    for the version is read, not rendered again."""
    store: SnapshotStore = current_app.extensions[STORE_KEY]
    before = store.renders
    client = current_app.test_client()
    for path in store.paths_to_render_ahead():
        client.get(path, environ_base={PRERENDER: True})
    return store.renders - before
