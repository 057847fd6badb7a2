"""The development mailbox: what the email channel wrote to disk, newest first, one by one.

A message's HTML is shown only inside a sandboxed iframe (srcdoc, no scripts, no same
origin), never inline: it is content someone else rendered, not part of the admin.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app, render_template

from statuspage.infra import dev_mailbox
from statuspage.security import allow_inline_styles


def _folder() -> Path:
    return Path(current_app.config["INSTANCE_PATH"]) / "mail"


def index() -> str:
    return render_template(
        "admin/mailbox.html",
        messages=dev_mailbox.list_messages(_folder()),
        limit=dev_mailbox.LIST_LIMIT,
        smtp=bool(current_app.config.get("SMTP_URL")),
    )


def show(name: str) -> str:
    allow_inline_styles()  # the srcdoc iframe inherits the page's CSP; email HTML styles inline
    return render_template(
        "admin/mailbox_message.html", message=dev_mailbox.read_message(_folder(), name)
    )
