"""The status page's "Past incidents" (the last 15 days, day by day) and the history's impact
colours, filter and search, which is rendered per request and never a snapshot."""

from __future__ import annotations

from datetime import timedelta

from lxml import html as lxml_html

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.models import Visibility
from tests.factories.segments import segment


def parsed(response):
    assert response.status_code == 200, response.status_code
    return lxml_html.fromstring(response.get_data(as_text=True))


def texts(page, xpath: str) -> list[str]:
    return [" ".join(e.text_content().split()) for e in page.xpath(xpath)]


def test_the_status_page_shows_the_last_15_days_day_by_day(client, small_page):
    page = parsed(client.get("/"))
    days = page.xpath("//section[@class='past-day']")
    today = utcnow().date()
    assert len(days) == 15
    assert texts(page, "//section[@class='past-day']/h3")[0] == (
        f"{today:%b} {today.day}, {today.year}"
    )
    first = days[0]
    assert first.xpath(".//article[contains(@class, 'past-incident')]//a")[0].text_content() == (
        small_page.open_incident.name
    )
    assert "impact-minor" in first.xpath(".//article")[0].get("class")
    quiet = [d for d in days if not d.xpath(".//article")]
    assert quiet
    assert all(texts(d, "p")[0] == "No incidents reported." for d in quiet)
    # 35 days ago is not among the last 15
    assert small_page.old_incident.name not in texts(page, "//section[@class='past-day']//a")


def test_the_history_colours_each_incident_by_impact_and_offers_the_filter(client, small_page):
    page = parsed(client.get("/history"))
    item = page.xpath(f"//li[a[text()='{small_page.open_incident.name}']]")[0]
    assert "impact-minor" in item.get("class")
    assert "Minor impact" in item.text_content()
    (search,) = page.xpath("//form[@role='search']")
    assert search.get("method") == "get"
    assert search.get("action").endswith("/history/search")
    assert page.xpath("//select[@name='component']/option[text()='API']")


def test_the_filtered_history_is_rendered_per_request_and_private(client, small_page):
    response = client.get("/history/search?q=slow")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in response.headers
    assert texts(parsed(response), "//article/h3/a") == [small_page.open_incident.name]
    # the snapshot of /history is the path's alone: a query string there changes nothing
    assert client.get("/history?q=slow").data == client.get("/history").data


def test_the_history_filters_by_impact_component_and_words(client, small_page):
    def names(query: str) -> list[str]:
        return texts(parsed(client.get(f"/history/search?{query}")), "//article/h3/a")

    old, current = small_page.old_incident, small_page.open_incident
    assert old.impact != current.impact
    assert names(f"impact={old.impact.value}") == [old.name]
    assert names(f"impact={current.impact.value}") == [current.name]
    assert names(f"component={small_page.eu.id}") == [small_page.open_incident.name]
    assert names("impact=bogus&component=nope") == names("")  # unknown: no filter
    assert names("q=100%25") == []  # a LIKE wildcard is taken literally
    assert small_page.maintenance.name in names("impact=maintenance")


def test_a_private_incident_is_never_found_by_the_public(client, small_page):
    secret = create_incident(
        OpenIncident("Breach at customer X", "Only for customer X.", impact="critical")
    )
    secret.visibility = Visibility.segments
    secret.segments = [segment("Customer X")]
    db.session.commit()
    found = texts(parsed(client.get("/history/search?q=Breach")), "//article/h3/a")
    assert found == []
    every = texts(parsed(client.get("/history/search?impact=critical")), "//article/h3/a")
    assert secret.name not in every
    assert "Breach" not in client.get("/").get_data(as_text=True)


def test_a_search_with_a_control_character_is_a_clear_400(client, small_page):
    response = client.get("/history/search?q=a%00b")
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)


def test_past_incidents_fall_on_their_utc_day(client, small_page):
    three_days = utcnow() - timedelta(days=3)
    create_incident(OpenIncident("Old blip", "Brief.", impact="minor", at=three_days))
    db.session.commit()
    page = parsed(client.get("/"))
    day = page.xpath(f"//section[@aria-labelledby='day-{three_days.date().isoformat()}']")[0]
    assert texts(day, ".//h4/a") == ["Old blip"]
