"""Subscribers in the admin: search and paging, one person's record, CSV import and export."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from statuspage.clock import utcnow
from statuspage.components.catalog import create_component
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.models import (
    AuditEvent,
    Channel,
    ContactPoint,
    DeliveryState,
    Subscriber,
)
from tests import factories
from tests.admin.staff_client import Staff, signed_in

IMPORT_PAGE = "/admin/subscribers/import"


def rows_on(html: str) -> list[str]:
    return re.findall(r'href="/admin/subscribers/(\d+)"', html)


def upload(staff: Staff, content: bytes, *, real: bool = False, opted_in: bool = False):
    data: dict[str, object] = {
        "csrf_token": staff.token(IMPORT_PAGE),
        "file": (io.BytesIO(content), "people.csv"),
        ("confirm" if real else "check"): "x",
    }
    if opted_in:
        data["opted_in"] = "y"
    return staff.open("POST", IMPORT_PAGE, data=data)


def count(model, *where) -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_the_list_pages_newest_first_and_searches_names_and_addresses(owner: Staff):
    for n in range(57):
        factories.subscriber(f"user{n:02d}@example.com", name=f"User {n}")
    factories.subscriber("alice@Example.org", name="Alice Liddell")
    factories.subscriber("someone@example.net", name="Bob 100%_")
    db.session.commit()

    first = owner.get("/admin/subscribers").get_data(as_text=True)
    assert len(rows_on(first)) == 50
    assert "Bob 100%_" in first  # the newest first
    older = re.search(r'href="(/admin/subscribers\?before=\d+)"', first).group(1)
    second = owner.get(older).get_data(as_text=True)
    assert len(rows_on(second)) == 9
    assert set(rows_on(first)).isdisjoint(rows_on(second))
    assert "Older subscribers" not in second

    found = owner.get("/admin/subscribers?q=EXAMPLE.ORG").get_data(as_text=True)
    assert len(rows_on(found)) == 1
    assert "alice@Example.org" in found
    assert len(rows_on(owner.get("/admin/subscribers?q=liddell").get_data(as_text=True))) == 1
    # % and _ are matched as themselves, not as wildcards
    assert len(rows_on(owner.get("/admin/subscribers?q=0%25_").get_data(as_text=True))) == 1
    assert "No subscriber matches" in owner.get("/admin/subscribers?q=nobody").get_data(
        as_text=True
    )
    assert owner.get("/admin/subscribers?before=abc").status_code == 400
    # Past a 64-bit integer (SQLite's overflow), and digits that are not ASCII (int() fails).
    for before in ("9223372036854775808", "9" * 40, "²"):
        assert owner.get(f"/admin/subscribers?before={before}").status_code == 400, before


def test_a_persons_page_shows_contact_points_and_deliveries(owner: Staff):
    fallback = factories.contact_point(
        "ann@backup.example",
        priority=2,
        verified=False,
        active=False,
        bounces=3,
        disabled_reason="3 permanent failures; last: 550 no such user",
    )
    someone = factories.subscriber("ann@example.com", fallback, name="Ann")
    incident = create_incident(OpenIncident("Slow API", "Looking.", deliver_notifications=False))
    db.session.flush()
    notice = factories.notice(incident)
    now = utcnow()
    factories.delivery(
        notice,
        someone.contact_points[0],
        state=DeliveryState.sent,
        attempts=1,
        sent_at=now - timedelta(minutes=5),
        acknowledged_at=now,
        ack_path="email-link",
    )
    factories.delivery(
        notice,
        fallback,
        state=DeliveryState.failed,
        attempts=8,
        last_error="550 mailbox unavailable",
    )
    db.session.commit()

    html = owner.get(f"/admin/subscribers/{someone.id}").get_data(as_text=True)
    assert "ann@backup.example" in html
    assert "3 permanent failures; last: 550 no such user" in html
    assert "550 mailbox unavailable" in html
    assert "via email-link" in html
    assert f'href="/admin/notices/{notice.id}"' in html
    assert f'href="/admin/incidents/{incident.id}"' in html
    assert "Slow API" in html
    assert owner.get("/admin/subscribers/999999").status_code == 404


CSV = (
    "email,name,components\n"  # line 1: a header
    "new@example.com,New Person\n"  # 2
    "OLD@example.com,Already here\n"  # 3: exists (case differs)
    "not-an-address,Nope\n"  # 4: invalid
    "new@example.com,Again\n"  # 5: repeats line 2
    "\n"  # 6: blank
    "api@example.com,,API;Web\n"  # 7: two components by name
    "bad@example.com,,Nowhere\n"  # 8: unknown component
    '"quoted, name"@x,\n'  # 9: invalid (comma inside)
)


def test_a_dry_run_reports_what_an_import_would_do_and_writes_nothing(owner: Staff):
    create_component("API")
    create_component("Web")
    factories.subscriber("old@example.com")
    db.session.commit()
    audit_before = count(AuditEvent)

    response = upload(owner, CSV.encode())

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Dry run: nothing was imported" in html
    assert "<strong>2</strong> would be created" in html
    assert "<strong>1</strong> already subscribed" in html
    assert "<strong>1</strong> repeated in the file (lines 5)" in html
    assert "<strong>3</strong> invalid" in html
    for line in ("<td>4</td>", "<td>8</td>", "<td>9</td>"):
        assert line in html
    assert "no such component: Nowhere" in html
    assert count(Subscriber) == 1
    assert count(AuditEvent) == audit_before


def test_a_real_import_creates_unverified_people_unless_they_opted_in(owner: Staff):
    api, web = create_component("API"), create_component("Web")
    factories.subscriber("old@example.com")
    db.session.commit()

    response = upload(owner, CSV.encode(), real=True)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<strong>2</strong> created" in html
    assert count(Subscriber) == 3
    new = db.session.scalars(
        select(ContactPoint).where(ContactPoint.address_key == "new@example.com")
    ).one()
    assert new.verified_at is None
    assert new.subscriber.name == "New Person"
    assert new.subscriber.all_components
    scoped = db.session.scalars(
        select(ContactPoint).where(ContactPoint.address_key == "api@example.com")
    ).one()
    assert not scoped.subscriber.all_components
    assert {c.id for c in scoped.subscriber.components} == {api.id, web.id}
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "subscribers.import")
    ).one()
    assert event.actor.endswith("owner@example.com")
    assert event.after == {
        "created": 2,
        "existing": 1,
        "duplicates": 1,
        "invalid": 3,
        "opted_in": False,
    }

    again = upload(owner, b"new@example.com\nfresh@example.com\n", real=True, opted_in=True)
    assert "<strong>1</strong> already subscribed" in again.get_data(as_text=True)
    fresh = db.session.scalars(
        select(ContactPoint).where(ContactPoint.address_key == "fresh@example.com")
    ).one()
    assert fresh.verified_at is not None  # the box was ticked


def test_an_oversized_upload_is_refused_with_a_clear_message(owner: Staff, app: Flask):
    limit = app.config["MAX_CONTENT_LENGTH"]
    big = b"someone@example.com,A name\n" * (limit // 20)
    # Encoded here, not by the test client: it would spool a body this size to a temporary
    # file that nothing closes once the app refuses to read it.
    boundary, body = encode_multipart(
        {
            "csrf_token": owner.token(IMPORT_PAGE),
            "file": FileStorage(io.BytesIO(big), "people.csv"),
            "confirm": "x",
        }
    )
    response = owner.open(
        "POST", IMPORT_PAGE, data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 413
    assert "larger than 1 MB" in response.get_data(as_text=True)
    assert count(Subscriber) == 0


def test_a_file_that_is_not_utf8_is_refused_on_the_form(owner: Staff):
    response = upload(owner, "zoë@example.com\n".encode("latin-1"), real=True)
    assert response.status_code == 422
    assert "not UTF-8" in response.get_data(as_text=True)
    assert count(Subscriber) == 0


def test_a_post_without_a_file_is_shown_again(owner: Staff):
    response = owner.submit(IMPORT_PAGE, {"check": "x"}, page=IMPORT_PAGE)
    assert response.status_code == 422
    assert "Choose a CSV file." in response.get_data(as_text=True)


def test_the_export_streams_every_email_address_and_is_audited(owner: Staff):
    api = create_component("API")
    factories.subscriber("ann@example.com", name="Ann")
    scoped = factories.subscriber(
        factories.contact_point("=cmd@example.com", verified=False), name="Eve"
    )
    scoped.all_components = False
    scoped.components = [api]
    factories.subscriber(
        factories.contact_point("https://h", Channel.webhook, key="h", verified=False)
    )
    db.session.commit()

    response = owner.get("/admin/subscribers/export.csv")

    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == [
        "email", "name", "components", "verified", "active", "created_at", "language", "time_zone"
    ]  # fmt: skip
    assert [r[:5] for r in rows[1:]] == [
        ["ann@example.com", "Ann", "", "yes", "yes"],
        ["'=cmd@example.com", "Eve", "API", "no", "yes"],  # a formula is quoted
    ]
    assert count(AuditEvent, AuditEvent.action == "subscribers.export") == 1
    filtered = owner.get("/admin/subscribers/export.csv?q=ann").get_data(as_text=True)
    assert filtered.count("\n") == 2


@pytest.mark.parametrize(
    ("role", "url", "status"),
    [
        ("viewer", "/admin/subscribers", 200),
        ("responder", "/admin/subscribers", 200),
        ("viewer", "/admin/subscribers/export.csv", 403),
        ("responder", "/admin/subscribers/export.csv", 403),
        ("legal", "/admin/subscribers/export.csv", 200),
        ("comms", "/admin/subscribers/export.csv", 200),
        ("legal", IMPORT_PAGE, 403),
        ("viewer", IMPORT_PAGE, 403),
        ("comms", IMPORT_PAGE, 200),
    ],
)
def test_subscriber_screens_by_role(app: Flask, role: str, url: str, status: int):
    assert signed_in(app, role).get(url).status_code == status


def test_read_only_roles_are_not_offered_import_or_export(app: Flask):
    html = signed_in(app, "viewer").get("/admin/subscribers").get_data(as_text=True)
    assert "Import CSV" not in html
    assert "Export CSV" not in html
    legal = signed_in(app, "legal").get("/admin/subscribers").get_data(as_text=True)
    assert "Import CSV" not in legal
    assert "Export CSV" in legal
