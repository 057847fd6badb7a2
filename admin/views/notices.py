"""A notice's progress: its fan-out and deliveries per channel, as a page and as JSON to poll."""

from __future__ import annotations

from flask import Response, jsonify, render_template

from admin.access import STAFF_VIEWER
from statuspage.delivery.progress import COLUMNS, notice_progress
from statuspage.incidents import queries

POLL_MS = 2000


def show(notice_id: int) -> str:
    progress = notice_progress(notice_id)
    incident = queries.get_incident(STAFF_VIEWER, progress.notice.incident_id)
    return render_template(
        "admin/notices/show.html",
        progress=progress,
        incident=incident,
        columns=COLUMNS,
        poll_ms=POLL_MS,
    )


def progress_json(notice_id: int) -> Response:
    return jsonify(notice_progress(notice_id).as_json())
