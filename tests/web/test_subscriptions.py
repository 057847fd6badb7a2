"""The public subscription flow end to end: real forms with CSRF, a real SMTP server, the
real queue drained as a worker would."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import time_machine
from sqlalchemy import select

from statuspage.clock import utcnow
from statuspage.components.catalog import create_component
from statuspage.extensions import db, limiter
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.links import link
from statuspage.models import ContactPoint, Delivery, Subscriber
from statuspage.subscribers.subscriptions import links_for
from tests.factories import subscriber
from tests.queue import drain

CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
BASE = "http://status.example.test"


@pytest.fixture(autouse=True)
def _fresh_limits() -> Iterator[None]:
    limiter.reset()
    yield
    limiter.reset()


def csrf_token(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return CSRF_INPUT.search(response.get_data(as_text=True))[1]


def subscribe(client, email: str, remote: str = "127.0.0.1", **fields):
    data = {"csrf_token": csrf_token(client, "/subscribe"), "email": email, "scope": "all"}
    data |= {"incidents": "y", "maintenance": "y"} | fields
    return client.post("/subscribe", data=data, environ_overrides={"REMOTE_ADDR": remote})


def path_of(url: str) -> str:
    assert url.startswith(BASE)
    return urlsplit(url).path


def link_in(message, kind: str) -> str:
    text = message.get_body(("plain",)).get_content()
    return path_of(re.search(rf"{BASE}/subscriptions/{kind}/\S+", text)[0])


def verified(email: str, *, components=None) -> Subscriber:
    """A subscriber with a verified email address, committed."""
    person = subscriber(email, components=components)
    db.session.commit()
    return person


def publish(queue, name: str = "Outage", **kwargs) -> None:
    create_incident(OpenIncident(name, "Looking.", **kwargs))
    db.session.commit()
    drain(queue)


def recipients(smtp) -> list[str]:
    return [m["To"] for m in smtp.inbox.messages if not m["Subject"].endswith("subscription")]


def test_opt_in_round_trip_then_updates_arrive(client, smtp, queue):
    response = subscribe(client, "New.Person@Example.com")
    assert response.status_code == 200
    assert "Check your inbox" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "private, no-store"
    contact = db.session.scalars(select(ContactPoint)).one()
    assert (contact.address_key, contact.verified_at) == ("new.person@example.com", None)

    drain(queue)
    (message,) = smtp.inbox.messages
    assert message["To"] == "New.Person@Example.com"
    confirm = link_in(message, "confirm")
    publish(queue, "Before confirming")
    assert len(smtp.inbox.messages) == 1  # an unverified address receives nothing

    page = client.get(confirm)
    assert page.status_code == 200
    assert "Confirm subscription" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ContactPoint, contact.id).verified_at is None  # GET changes nothing

    token = CSRF_INPUT.search(page.get_data(as_text=True))[1]
    done = client.post(confirm, data={"csrf_token": token})
    assert done.status_code == 200
    assert "You are subscribed" in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ContactPoint, contact.id).verified_at is not None

    publish(queue, "After confirming")
    assert smtp.inbox.messages[-1]["Subject"].endswith("After confirming")
    assert smtp.inbox.messages[-1]["To"] == "New.Person@Example.com"


def test_the_answer_is_the_same_for_a_known_and_an_unknown_address(client, smtp, queue):
    verified("known@example.com")
    known = subscribe(client, "known@example.com")
    unknown = subscribe(client, "unknown@example.com")
    assert known.status_code == unknown.status_code == 200
    assert known.get_data() == unknown.get_data()
    assert (
        db.session.scalars(select(ContactPoint.address_key)).all().count("known@example.com") == 1
    )

    drain(queue)
    by_address = {m["To"]: m for m in smtp.inbox.messages}
    assert "already subscribed" in by_address["known@example.com"]["Subject"]
    assert link_in(by_address["known@example.com"], "manage")
    assert link_in(by_address["unknown@example.com"], "confirm")


def test_subscribing_again_changes_nothing_until_the_new_link_is_followed(client, smtp, queue):
    api, web = create_component("API"), create_component("Web")
    person = verified("ann@example.com", components=[api])
    subscribe(client, "ann@example.com", scope="chosen", components=[web.id])
    db.session.expire_all()
    assert [c.id for c in db.session.get(Subscriber, person.id).components] == [api.id]


@pytest.mark.parametrize(
    "email", ["", "not-an-address", "a@b", "two@@example.com", "x" * 250 + "@example.com"]
)
def test_a_malformed_address_is_a_form_error(client, smtp, queue, email):
    response = subscribe(client, email)
    assert response.status_code == 400
    assert 'role="alert"' in response.get_data(as_text=True)
    drain(queue)
    assert smtp.inbox.messages == []


def test_choosing_nothing_to_follow_is_a_form_error(client, queue):
    response = subscribe(client, "a@example.com", incidents="", maintenance="")
    assert response.status_code == 400
    response = subscribe(client, "a@example.com", scope="chosen")
    assert response.status_code == 400
    response = subscribe(client, "a@example.com", scope="chosen", components=["nope"])
    assert response.status_code == 400
    assert db.session.scalars(select(ContactPoint)).all() == []


def test_a_post_without_csrf_token_is_refused(client, queue):
    response = client.post("/subscribe", data={"email": "a@example.com", "scope": "all"})
    assert response.status_code == 400
    assert db.session.scalars(select(ContactPoint)).all() == []


def test_one_address_is_limited_whoever_asks(client, queue):
    for n in range(3):
        assert subscribe(client, "target@example.com", remote=f"10.0.0.{n}").status_code == 200
    assert subscribe(client, "TARGET@example.com ", remote="10.0.0.9").status_code == 429
    assert subscribe(client, "other@example.com", remote="10.0.0.9").status_code == 200


def test_one_client_is_limited_whatever_it_submits(client, queue):
    for n in range(10):
        assert subscribe(client, f"p{n}@example.com").status_code == 200
    assert subscribe(client, "p10@example.com").status_code == 429


def test_one_click_unsubscribe_from_the_list_unsubscribe_header(client, smtp, queue):
    person = verified("ann@example.com")
    publish(queue, "First")
    (message,) = smtp.inbox.messages
    url = message["List-Unsubscribe"].strip("<>")
    response = client.post(path_of(url), data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "Unsubscribed.\n"
    assert response.headers["Cache-Control"] == "private, no-store"
    db.session.expire_all()
    assert db.session.get(Subscriber, person.id).unsubscribed_at is not None
    again = client.post(path_of(url), data={"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200  # idempotent

    publish(queue, "Second")
    assert len(smtp.inbox.messages) == 1


def test_get_on_the_unsubscribe_link_only_shows_a_button(client, queue):
    person = verified("ann@example.com")
    path = path_of(links_for(person)["unsubscribe_url"])
    page = client.get(path)
    assert page.status_code == 200
    assert 'value="One-Click"' in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Subscriber, person.id).unsubscribed_at is None
    assert client.post(path, data={}).status_code == 400  # not a one-click request
    assert (
        client.post(path, data={"List-Unsubscribe": "One-Click", "from": "page"}).status_code == 200
    )
    db.session.expire_all()
    assert db.session.get(Subscriber, person.id).unsubscribed_at is not None


def test_the_preference_centre_narrows_components(client, smtp, queue):
    api, web = create_component("API"), create_component("Web")
    person = verified("ann@example.com")
    manage = path_of(links_for(person)["manage_url"])
    page = client.get(manage)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "private, no-store"
    token = CSRF_INPUT.search(page.get_data(as_text=True))[1]
    saved = client.post(
        manage,
        data={
            "csrf_token": token,
            "action": "save",
            "scope": "chosen",
            "components": [web.id],
            "incidents": "y",
        },
    )
    assert saved.status_code == 200
    db.session.expire_all()
    person = db.session.get(Subscriber, person.id)
    assert (person.all_components, [c.id for c in person.components]) == (False, [web.id])
    assert person.notify_maintenance is False

    publish(queue, "API down", components={api: "major_outage"})
    assert smtp.inbox.messages == []
    publish(queue, "Web down", components={web: "major_outage"})
    assert [m["To"] for m in smtp.inbox.messages] == ["ann@example.com"]


def test_ticking_one_component_with_all_components_still_selected_follows_that_one_only(
    client, smtp, queue
):
    """An outside check ticked one component and left the radio on its default, "All
    components": it was subscribed to everything. A ticked component means "only these"."""
    api, web = create_component("API"), create_component("Web")
    db.session.commit()
    subscribe(client, "ann@example.com", scope="all", components=[web.id])
    drain(queue)
    (mail,) = smtp.inbox.messages
    confirm = link_in(mail, "confirm")
    client.post(confirm, data={"csrf_token": csrf_token(client, confirm)})
    person = db.session.scalars(select(Subscriber)).one()
    assert (person.all_components, [c.id for c in person.components]) == (False, [web.id])

    manage = path_of(links_for(person)["manage_url"])
    page = client.get(manage).get_data(as_text=True)
    assert "Updates go to <strong>ann@example.com</strong>" in page  # whose preferences these are
    publish(queue, "API down", components={api: "major_outage"})
    assert recipients(smtp) == []


def test_pause_resume_and_unsubscribe_from_the_preference_centre(client, smtp, queue):
    person = verified("ann@example.com")
    manage = path_of(links_for(person)["manage_url"])

    def press(action: str) -> None:
        token = csrf_token(client, manage)
        assert client.post(manage, data={"csrf_token": token, "action": action}).status_code == 200

    press("pause")
    publish(queue, "While paused")
    assert smtp.inbox.messages == []
    press("resume")
    publish(queue, "Resumed")
    assert len(smtp.inbox.messages) == 1
    press("unsubscribe")
    publish(queue, "Gone")
    assert len(smtp.inbox.messages) == 1
    press("resubscribe")
    publish(queue, "Back")
    assert len(smtp.inbox.messages) == 2


def _ack_path(queue) -> tuple[Delivery, str]:
    person = verified("acker@example.com")
    publish(queue, "Datacentre fire")
    delivery = db.session.scalars(select(Delivery).where(Delivery.subscriber_id == person.id)).one()
    return delivery, path_of(link("ack", {"d": delivery.id}, "/ack"))


def test_acknowledging_by_link_records_when_and_how(client, smtp, queue):
    delivery, path = _ack_path(queue)
    page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Datacentre fire" in html
    assert "Confirm receipt" in html
    assert page.headers["Cache-Control"] == "private, no-store"
    db.session.expire_all()
    assert db.session.get(Delivery, delivery.id).acknowledged_at is None  # GET is not an ack

    token = CSRF_INPUT.search(html)[1]
    assert client.post(path, data={"csrf_token": token}).status_code == 200
    db.session.expire_all()
    acked = db.session.get(Delivery, delivery.id)
    assert acked.ack_path == "email-link"
    first = acked.acknowledged_at
    assert first is not None

    assert client.post(path, data={"csrf_token": token}).status_code == 200
    db.session.expire_all()
    assert db.session.get(Delivery, delivery.id).acknowledged_at == first  # idempotent


@pytest.mark.parametrize(
    "path",
    [
        "/subscriptions/confirm/forged",
        "/subscriptions/manage/forged",
        "/subscriptions/unsubscribe/forged",
        "/ack/forged",
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_forged_link_is_a_clear_400(client, queue, path, method):
    data = {"csrf_token": csrf_token(client, "/subscribe"), "List-Unsubscribe": "One-Click"}
    response = client.open(path, method=method, data=data)
    assert response.status_code == 400
    assert "This link is not valid" in response.get_data(as_text=True)


def test_a_link_for_another_purpose_is_refused(client, queue):
    person = verified("ann@example.com")
    manage_token = links_for(person)["manage_url"].rsplit("/", 1)[1]
    assert client.get(f"/subscriptions/unsubscribe/{manage_token}").status_code == 400
    assert client.get(f"/ack/{manage_token}").status_code == 400


def test_expired_links_are_a_clear_400(client, queue):
    person = verified("ann@example.com")
    links = links_for(person)
    confirm = link("confirm", {"c": person.contact_points[0].id, "p": {}}, "/subscriptions/confirm")
    _, ack = _ack_path(queue)
    with time_machine.travel(utcnow() + timedelta(days=61), tick=False):
        for url in (links["manage_url"], links["unsubscribe_url"], confirm):
            assert client.get(path_of(url)).status_code == 400
        assert client.get(ack).status_code == 400
        one_click = {"List-Unsubscribe": "One-Click"}
        assert client.post(path_of(links["unsubscribe_url"]), data=one_click).status_code == 400
    db.session.expire_all()
    assert db.session.get(Subscriber, person.id).unsubscribed_at is None


def test_links_from_an_older_token_version_are_refused(client, queue):
    person = verified("ann@example.com")
    links = links_for(person)
    person.token_version += 1
    db.session.commit()
    assert client.get(path_of(links["manage_url"])).status_code == 400
    assert client.get(path_of(links_for(person)["manage_url"])).status_code == 200


def test_subscription_pages_are_not_in_the_static_export():
    from statuspage.public.export import public_paths

    paths = set(public_paths())
    assert not any(p.startswith(("/subscribe", "/subscriptions", "/ack")) for p in paths)


def test_the_form_offers_components_by_group_and_is_private(client, small_page):
    response = client.get("/subscribe")
    html = response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in response.headers
    assert re.search(r"<legend>Core</legend>.*API.*Web", html, re.S)
    assert re.search(r"<legend>Regions</legend>.*EU West", html, re.S)
    assert f'value="{small_page.standalone.id}"' in html
    home = client.get("/").get_data(as_text=True)
    assert f'href="{BASE}/subscribe"' in home


def test_without_smtp_the_confirmation_lands_in_the_dev_mailbox(app, client, queue):
    assert subscribe(client, "dev@example.com").status_code == 200
    drain(queue)
    mailbox = Path(app.config["INSTANCE_PATH"]) / "mail"
    contact = db.session.scalars(select(ContactPoint)).one()
    written = [p for p in mailbox.iterdir() if p.name.endswith(f"{contact.id}.eml")]
    (path,) = [p for p in written if int(p.stem) > 10**12]
    assert re.fullmatch(r"\d+\.eml", path.name)  # a name the dev mailbox lists
    assert "/subscriptions/confirm/" in path.read_text()


def test_a_confirmation_survives_an_smtp_outage(client, smtp, queue):
    smtp.stop()
    subscribe(client, "patient@example.com")
    drain(queue)  # the relay is down: the job fails and the queue schedules a retry
    assert smtp.inbox.messages == []
    (retry,) = queue.huey.scheduled()
    assert retry.retries == 9  # one of ten used
    smtp.start()
    queue.huey.execute(retry, timestamp=retry.eta)  # as the scheduler does when it is due
    assert [m["To"] for m in smtp.inbox.messages] == ["patient@example.com"]
    assert link_in(smtp.inbox.messages[0], "confirm")
