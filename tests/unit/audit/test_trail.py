"""The audit trail is append-only and hash-chained: any edit or deletion is detected."""

from __future__ import annotations

from sqlalchemy import delete, update

from statuspage.audit.trail import SYSTEM, Actor, events, record, verify_chain
from statuspage.extensions import db
from statuspage.models import AuditEvent
from statuspage.staff.accounts import create_user


def _three_entries() -> list[AuditEvent]:
    user, _ = create_user("ann@example.com", "comms")
    actor = Actor.staff(user, ip="203.0.113.9")
    made = [
        record(actor, "incident.create", target_type="incident", target_id="abc", incident_id="abc",
               after={"name": "Down", "status": "investigating"}),
        record(actor, "incident.update", target_type="incident", target_id="abc", incident_id="abc",
               before={"status": "investigating"}, after={"status": "resolved"}),
        record(SYSTEM, "component.update", target_type="component", target_id="c1",
               before={"status": "major_outage"}, after={"status": "operational"}),
    ]  # fmt: skip
    db.session.commit()
    return made


def test_an_untouched_chain_verifies():
    _three_entries()
    report = verify_chain()
    assert report.ok
    assert report.checked == 3


def test_each_entry_records_who_when_what_and_from_where():
    first, _, _ = _three_entries()
    assert first.actor.startswith("staff:")
    assert first.actor.endswith("ann@example.com")
    assert first.ip == "203.0.113.9"
    assert first.after == {"name": "Down", "status": "investigating"}
    assert [e.action for e in events(incident_id="abc")] == ["incident.create", "incident.update"]


def test_an_edited_row_is_detected():
    _, second, _ = _three_entries()
    db.session.execute(
        update(AuditEvent).where(AuditEvent.id == second.id).values(after={"status": "monitoring"})
    )
    db.session.commit()
    report = verify_chain()
    assert not report.ok
    assert report.first_bad_id == second.id


def test_a_deleted_row_is_detected():
    _, second, _ = _three_entries()
    db.session.execute(delete(AuditEvent).where(AuditEvent.id == second.id))
    db.session.commit()
    assert not verify_chain().ok


def test_a_row_removed_from_the_end_is_detected():
    _, _, third = _three_entries()
    db.session.execute(delete(AuditEvent).where(AuditEvent.id == third.id))
    db.session.commit()
    assert verify_chain().first_bad_id == -1


def test_the_cli_verifies_and_fails_on_tampering(app):
    _, second, _ = _three_entries()
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0
    assert "intact: 3 entries" in ok.output
    db.session.execute(
        update(AuditEvent).where(AuditEvent.id == second.id).values(actor="staff:9 mallory")
    )
    db.session.commit()
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert f"BROKEN at entry {second.id}" in broken.output


def test_entries_roll_back_with_their_transaction():
    record(SYSTEM, "x", target_type="t", target_id=1)
    db.session.rollback()
    assert list(events()) == []
    assert verify_chain().ok
