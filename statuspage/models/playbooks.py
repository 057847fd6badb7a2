"""Playbooks: the routine a crisis of one kind runs (who to page, the bridge, the update
cadence, the executives' briefing and guidelines, the regulators it is reportable to), and
each run of one on an incident."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.models.components import Component
from statuspage.models.crisis_team import CrisisRole
from statuspage.models.escalation import EscalationPolicy
from statuspage.models.regulators import Regulator
from statuspage.models.types import PublicId, UTCDateTime

playbook_role = Table(
    "playbook_role",
    db.Model.metadata,
    Column("playbook_id", ForeignKey("playbook.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("crisis_role.id", ondelete="CASCADE"), primary_key=True),
)

playbook_component = Table(
    "playbook_component",
    db.Model.metadata,
    Column("playbook_id", ForeignKey("playbook.id", ondelete="CASCADE"), primary_key=True),
    Column("component_id", ForeignKey("component.id", ondelete="CASCADE"), primary_key=True),
)

playbook_regulator = Table(
    "playbook_regulator",
    db.Model.metadata,
    Column("playbook_id", ForeignKey("playbook.id", ondelete="CASCADE"), primary_key=True),
    Column("regulator_id", ForeignKey("regulator.id", ondelete="CASCADE"), primary_key=True),
)


class Playbook(db.Model):
    """A saved response ("SEV1 payments"): it runs by itself on an incident that opens with a
    matching impact and/or component (when `auto_run`), or when staff choose it."""

    __tablename__ = "playbook"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    auto_run: Mapped[bool] = mapped_column(Boolean, default=True)
    # Match conditions: impact values ("critical", ...); empty means any impact.
    impacts: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Paging (crisis.assembly.assemble's arguments).
    all_paths: Mapped[bool] = mapped_column(Boolean, default=True)
    repage_minutes: Mapped[int] = mapped_column(Integer, default=5)
    max_rounds: Mapped[int] = mapped_column(Integer, default=3)
    bridge_phone: Mapped[str] = mapped_column(String(40), default="")
    bridge_pin: Mapped[str] = mapped_column(String(20), default="")
    meeting_url: Mapped[str] = mapped_column(String(500), default="")
    page_note: Mapped[str] = mapped_column(Text, default="")
    # Or page by an escalation policy (its tiers in turn, the commander told) instead of the
    # roles: one or the other, never both (crisis.playbooks).
    policy_id: Mapped[int | None] = mapped_column(
        ForeignKey("escalation_policy.id", ondelete="SET NULL")
    )
    # The incident's update cadence; None leaves the page's default.
    cadence_minutes: Mapped[int | None] = mapped_column(Integer)
    # The executives' briefing and the messaging guidelines it carries.
    briefing_subject: Mapped[str] = mapped_column(String(200), default="")
    briefing_body: Mapped[str] = mapped_column(Text, default="")
    holding_statement: Mapped[str] = mapped_column(Text, default="")
    approved_qa: Mapped[str] = mapped_column(Text, default="")
    do_not_say: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    roles: Mapped[list[CrisisRole]] = relationship(
        secondary=playbook_role, order_by="CrisisRole.name"
    )
    components: Mapped[list[Component]] = relationship(
        secondary=playbook_component, order_by=Component.position
    )
    regulators: Mapped[list[Regulator]] = relationship(
        secondary=playbook_regulator, order_by="Regulator.name"
    )
    policy: Mapped[EscalationPolicy | None] = relationship()


class PlaybookRun(db.Model):
    """A playbook run on an incident, once per (incident, playbook): what it did and skipped."""

    __tablename__ = "playbook_run"
    __table_args__ = (UniqueConstraint("incident_id", "playbook_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[str] = mapped_column(
        PublicId, ForeignKey("incident.id", ondelete="CASCADE"), index=True
    )
    # Kept with its name when the playbook is deleted later.
    playbook_id: Mapped[int | None] = mapped_column(ForeignKey("playbook.id", ondelete="SET NULL"))
    playbook_name: Mapped[str] = mapped_column(String(200))
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    callout_id: Mapped[int | None] = mapped_column(ForeignKey("team_page.id", ondelete="SET NULL"))
    # {"done": [step, ...], "skipped": {step: reason}}
    outcome: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    run_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    run_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
