"""The development mailbox: what the email channel wrote to disk, newest first, one by one.

A message's HTML is shown only inside a sandboxed iframe (srcdoc, no scripts, no same
origin), never inline: it is content someone else rendered, not part of the admin. Its links
open in a new tab (target=_blank and allow-popups), never inside the frame, where the
target's own framing rules would block them; the text part's URLs are links too.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import current_app, render_template
from markupsafe import Markup, escape

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


# An http(s) URL in plain text, up to whitespace or a closing bracket or quote.
URL = re.compile(r"https?://[^\s<>\"')\]]+")
# A link of the preview without a target of its own: it opens in a new tab, not in the frame
# (the admin's CSP has base-uri 'none', which a <base target> would need).
LINK_IN_FRAME = re.compile(r"<a\b(?![^>]*\btarget=)", re.IGNORECASE)


def linked(text: str) -> Markup:
    """`text`, escaped, with each http(s) URL in it a link that opens in a new tab."""
    parts: list[str] = []
    last = 0
    for match in URL.finditer(text):
        url = match.group(0).rstrip(".,;:!?")
        parts.append(escape(text[last : match.start()]))
        parts.append(
            Markup('<a href="{0}" target="_blank" rel="noopener noreferrer">{0}</a>').format(url)
        )
        last = match.start() + len(url)
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def in_new_tabs(html: str) -> str:
    """The message's HTML for the sandboxed preview, each link opening in a new tab."""
    return LINK_IN_FRAME.sub('<a target="_blank" rel="noopener noreferrer"', html)


def show(name: str) -> str:
    allow_inline_styles()  # the srcdoc iframe inherits the page's CSP; email HTML styles inline
    message = dev_mailbox.read_message(_folder(), name)
    return render_template(
        "admin/mailbox_message.html",
        message=message,
        text=linked(message.text) if message.text is not None else None,
        preview=in_new_tabs(message.html) if message.html is not None else None,
    )
