"""Admin panel for comms staff: a placeholder until [2/7] brings staff login, roles and forms."""

from __future__ import annotations

from flask import Blueprint, render_template

from statuspage.extensions import db, login_manager
from statuspage.models import StaffUser

bp = Blueprint("admin", __name__)


@login_manager.user_loader
def load_staff_user(user_id: str) -> StaffUser | None:
    return db.session.get(StaffUser, int(user_id)) if user_id.isdigit() else None


@bp.get("/")
def dashboard() -> str:
    return render_template("admin/placeholder.html")
