"""After a publish the worker renders the public snapshots; web processes only read them."""

from __future__ import annotations

from flask import Flask

from statuspage import create_app
from statuspage.components.catalog import set_component_status
from statuspage.extensions import db
from statuspage.snapshots.store import STORE_KEY
from tests.queue import drain


def test_after_a_publish_the_worker_job_renders_and_web_processes_only_read(
    app: Flask, small_page, queue
):
    web = create_app({**app.config, "SNAPSHOT_RENDER_GRACE": 60.0})  # another process
    client = web.test_client()
    before = client.get("/")
    set_component_status(small_page.api, "major_outage")  # bumps the version, enqueues the job
    db.session.commit()
    assert drain(queue) >= 1
    store = web.extensions[STORE_KEY]
    renders = store.renders
    after = client.get("/")
    assert store.renders == renders  # read from the worker's file, not rendered
    assert after.headers["ETag"] != before.headers["ETag"]
    assert after.data == app.test_client().get("/").data  # the new version's page
    with web.app_context():
        db.engine.dispose()
