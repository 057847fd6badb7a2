"""An incident's communication report: a printable page, a CSV, a JSON and a PDF download, all
from the one service function (crisis.report.communication_report)."""

from __future__ import annotations

import csv
import io
import json
import re

from flask import Response, render_template

from admin.access import STAFF_VIEWER
from statuspage.core.csv_safety import spreadsheet_cell
from statuspage.crisis.report import CSV_COLUMNS, Report, communication_report
from statuspage.crisis.report_pdf import report_pdf
from statuspage.incidents import queries


def _report(incident_id: str) -> Report:
    incident = queries.get_incident(STAFF_VIEWER, incident_id)  # NotFound: 404
    return communication_report(incident.id)


def _download(report: Report, extension: str, body: str | bytes, content_type: str) -> Response:
    name = re.sub(r"[^A-Za-z0-9._-]", "_", f"herald-report-{report.incident_id}")
    response = Response(body, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
    return response


def show(incident_id: str) -> str:
    return render_template("admin/incidents/report.html", report=_report(incident_id))


def export_csv(incident_id: str) -> Response:
    report = _report(incident_id)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for row in report.csv_rows():
        writer.writerow({column: spreadsheet_cell(value) for column, value in row.items()})
    return _download(report, "csv", buffer.getvalue(), "text/csv; charset=utf-8")


def export_json(incident_id: str) -> Response:
    report = _report(incident_id)
    body = json.dumps(report.as_json(), indent=2, sort_keys=True) + "\n"
    return _download(report, "json", body, "application/json")


def export_pdf(incident_id: str) -> Response:
    report = _report(incident_id)
    return _download(report, "pdf", report_pdf(report), "application/pdf")
