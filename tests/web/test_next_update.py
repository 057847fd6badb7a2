"""'Next update by 9:30 AM UTC' (the page's zone, named) on the public pages: shown only when
the page says so, derived from the data, so the snapshot and the static export stay right as
time passes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from statuspage.extensions import db
from statuspage.incidents import cadence
from statuspage.incidents.commands import OpenIncident, PostUpdate
from statuspage.incidents.publishing import create_incident, post_update
from statuspage.page.state import ensure_page
from statuspage.public.export import export_site

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# Babel's time of day in the page's zone (UTC here), zone named; herald.js shows the reader's.
SHOWN = (
    'Next update by <bdi><time datetime="2026-03-02T09:30:00.000Z" data-clock>'
    "9:30\u202fAM UTC</time></bdi>"
)


def _open_incident():
    ensure_page("Acme Status")
    with time_machine.travel(T0, tick=False):
        incident = create_incident(OpenIncident("Checkout errors", "Looking into it."))
    db.session.commit()
    return incident


def test_not_shown_unless_the_page_turns_it_on(client):
    incident = _open_incident()
    assert "Next update by" not in client.get("/").get_data(as_text=True)
    assert "Next update by" not in client.get(f"/incidents/{incident.id}").get_data(as_text=True)


def test_shown_in_the_snapshot_and_the_same_as_time_passes(client, app, tmp_path):
    incident = _open_incident()
    cadence.update_page_cadence(minutes=30, public_next_update=True)
    db.session.commit()
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        first = client.get("/")
        page = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert SHOWN in first.get_data(as_text=True)
    assert SHOWN in page
    # Hours later, with no new update, the snapshot still promises the same time: no clock in it.
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        later = client.get("/")
    assert later.headers["ETag"] == first.headers["ETag"]
    assert SHOWN in later.get_data(as_text=True)

    export_site(app, tmp_path / "site")
    assert SHOWN in (tmp_path / "site" / "index.html").read_text()
    assert SHOWN in (tmp_path / "site" / "incidents" / f"{incident.id}.html").read_text()


def test_a_new_update_or_cadence_moves_the_promise_and_resolving_removes_it(client):
    incident = _open_incident()
    cadence.update_page_cadence(minutes=30, public_next_update=True)
    db.session.commit()
    with time_machine.travel(T0 + timedelta(minutes=25), tick=False):
        post_update(incident, PostUpdate("Cause found.", status="identified"))
    db.session.commit()
    assert '<time datetime="2026-03-02T09:55:00.000Z" data-clock>9:55\u202fAM UTC</time>' in (
        client.get("/").text
    )
    cadence.set_incident_cadence(incident, 60)
    db.session.commit()
    assert 'Next update by <bdi><time datetime="2026-03-02T10:25:00.000Z"' in client.get("/").text
    post_update(incident, PostUpdate("Fixed.", status="resolved"))
    db.session.commit()
    assert "Next update by" not in client.get(f"/incidents/{incident.id}").text
