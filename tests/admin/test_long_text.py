"""Long messages: a textarea never cuts a paste at its limit (no `maxlength`); it carries the
limit for admin.js's counter, and the server refuses a longer text with a clear error."""

from __future__ import annotations

import re

from statuspage.incidents.publishing import MAX_BODY
from tests.admin.staff_client import Staff
from tests.admin.world import World

TEXTAREA = re.compile(r"<textarea[^>]*>")


def test_no_textarea_cuts_silently_and_each_message_knows_its_limit(owner: Staff, world: World):
    for path in (f"/admin/incidents/{world.incident.id}", "/admin/incidents/new"):
        html = owner.get(path).get_data(as_text=True)
        textareas = TEXTAREA.findall(html)
        assert textareas
        assert [t for t in textareas if "maxlength" in t] == []
        assert f'data-max-chars="{MAX_BODY}"' in html


def test_a_message_over_the_limit_is_refused_with_a_clear_error(owner: Staff, world: World):
    path = f"/admin/incidents/{world.incident.id}"
    response = owner.submit(f"{path}/resolve", {"body": "x" * (MAX_BODY + 1)}, page=path)

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"Field cannot be longer than {MAX_BODY} characters." in html
    assert world.incident.status.value != "resolved"
