"""Page settings (owner only): saved through the service; its refusals show on the form."""

from __future__ import annotations

import pytest

from statuspage.extensions import db
from statuspage.page.state import get_page
from tests.admin.staff_client import Staff
from tests.admin.world import World

VALID = {
    "name": "Acme Status",
    "time_zone": "Europe/Berlin",
    "description": "How Acme is doing.",
    "logo_url": "https://acme.example/logo.svg",
    "brand_color": "#0055aa",
    "footer_links": "Support | https://acme.example/support\nPrivacy | https://acme.example/privacy",
}


def test_save_settings_and_see_them_on_the_form(owner: Staff, world: World):
    response = owner.submit("/admin/settings", VALID, page="/admin/settings")
    assert response.status_code == 302
    db.session.commit()
    page = get_page()
    assert page.time_zone == "Europe/Berlin"
    assert page.brand_color == "#0055aa"
    assert page.footer_links == [
        {"label": "Support", "url": "https://acme.example/support"},
        {"label": "Privacy", "url": "https://acme.example/privacy"},
    ]
    form = owner.get("/admin/settings").get_data(as_text=True)
    assert "Support | https://acme.example/support" in form
    assert '<option selected value="Europe/Berlin">' in form
    assert "Settings saved." in form


def test_the_owner_sets_the_default_language_and_the_languages_to_translate_into(owner, world):
    data = VALID | {"default_language": "de", "translations": ["ja", "fr"]}
    response = owner.submit("/admin/settings", data, page="/admin/settings")
    assert response.status_code == 302
    db.session.commit()
    page = get_page()
    assert (page.default_language, page.languages) == ("de", ["de", "fr", "ja"])
    form = owner.get("/admin/settings").get_data(as_text=True)
    assert '<option selected value="de">Deutsch</option>' in form
    assert 'checked id="translations-4" name="translations" type="checkbox" value="ja"' in form

    response = owner.submit(
        "/admin/settings", VALID | {"default_language": "xx"}, page="/admin/settings"
    )
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"time_zone": "Mars/Olympus"}, "Unknown time zone &#39;Mars/Olympus&#39;"),
        ({"brand_color": "green"}, "A brand colour looks like #1e7b34"),
        ({"logo_url": "javascript:alert(1)"}, "The logo must be an http(s) URL"),
        ({"footer_links": "Support https://acme.example"}, "A footer link needs a label"),
        ({"footer_links": "Support | ftp://acme.example"}, "Support must be an http(s) URL"),
        ({"name": ""}, "This field is required."),
    ],
)
def test_invalid_settings_are_shown_on_the_form_not_a_500(owner: Staff, world, change, message):
    before = get_page().version
    response = owner.submit("/admin/settings", VALID | change, page="/admin/settings")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    db.session.commit()
    assert get_page().version == before  # nothing saved
    assert get_page().time_zone == "Etc/UTC"
