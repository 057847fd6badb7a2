"""Admin panel for comms staff: a placeholder until [2/7] brings staff login, roles and forms."""

from flask import Blueprint, render_template

bp = Blueprint("admin", __name__)


@bp.get("/")
def dashboard() -> str:
    return render_template("admin/placeholder.html")
