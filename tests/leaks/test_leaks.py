"""[5/7]'s leak test: a private notice's marker appears exactly for its audience, everywhere.

hypothesis draws worlds (tests/leaks/world.py): segments, organizations, components public or
private, subscribers, public and private incidents and maintenance, each with a unique marker.
Each world is published through the services with notifications on, the real queue drained,
and then every surface (tests/leaks/surfaces.py) is read by everyone: anonymous, viewers
signed in by the magic link from the SMTP server, a stranger with a genuine identity cookie,
an organization's API token, staff. Every channel is checked at its far end: the deliveries
made, the emails the SMTP server received, the posts on (fake) Mastodon and X, the webhooks
the receiver verified, the web pushes the push service decrypted. A token present where it is
not allowed is a leak; a token allowed and meant to be there but absent fails too. The test
prints how many cases it checked.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from sqlalchemy import select

from statuspage.audience.organizations import issue_api_token
from statuspage.core.errors import InvalidInput
from statuspage.extensions import db, limiter
from statuspage.models import Channel, ContactPoint, Delivery, Notice, Subscriber
from statuspage.models.types import new_public_id
from statuspage.public.viewing import COOKIE, identity
from statuspage.staff.accounts import create_api_key
from statuspage.subscribers.endpoints import new_secret
from statuspage.vapid import vapid_keys
from tests.conftest import BASE_URL
from tests.fakes.push_service import PushService
from tests.fakes.receiver import Receiver
from tests.fakes.smtp import SmtpServer
from tests.fakes.social import FakeMastodon, FakeX, fake_mastodon, fake_x
from tests.leaks.surfaces import PAGES, Viewer, browser, csrf_token, surfaces
from tests.leaks.world import (
    STRANGER,
    ComponentSpec,
    ItemSpec,
    OrgSpec,
    PersonSpec,
    Token,
    World,
    WorldSpec,
    build_cast,
    post_item,
    viewer_email,
    worlds,
)
from tests.queue import drain

MAX_EXAMPLES = 30  # about a second a world here: the test stays under a minute per database


def empty_tables() -> None:
    """What tests/conftest.py does after each test, done between two worlds."""
    db.session.rollback()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


@dataclass
class FarEnds:
    """Where notices arrive, fresh for each world (their memories of idempotency keys would
    otherwise outlive the rows, whose ids start over): the SMTP server is the test's."""

    receiver: Receiver
    mastodon: FakeMastodon
    x_api: FakeX
    push: PushService


@contextmanager
def far_ends(app: Flask) -> Iterator[FarEnds]:
    receiver, push = Receiver().start(), PushService().start()
    previous = app.config["PUSH_SERVICES"]
    app.config["PUSH_SERVICES"] = "http://127.0.0.1:*"
    try:
        with fake_mastodon() as mastodon, fake_x() as x_api:
            yield FarEnds(receiver, mastodon, x_api, push)
    finally:
        app.config["PUSH_SERVICES"] = previous
        push.stop()
        receiver.stop()


class Findings:
    """Every case checked, and every leak or omission found, for one readable failure.

    Cases are counted by kind: a surface read by a viewer times each token, a message at a
    channel's far end times each token, and single checks (a look-alike 404, validators...).
    """

    def __init__(self, counter: Counter) -> None:
        self.counter = counter
        self.problems: list[str] = []

    def check(
        self,
        where: str,
        who: str,
        text: str,
        tokens: list[Token],
        segments: frozenset[int] | None,
        shows: Callable[[World, Token], bool] | None = None,
        world: World | None = None,
        *,
        kind: str = "channel",
    ) -> None:
        """Each token: present only if `segments` may learn it; present if also meant to be."""
        for token in tokens:
            self.counter[f"{kind} cases"] += 1
            present, allowed = token.text in text, token.allowed(segments)
            if present and not allowed:
                self.problems.append(f"LEAK: {token.what} {token.text} in {where} for {who}")
            elif allowed and not present and shows is not None and shows(world, token):
                self.problems.append(f"MISSING: {token.what} {token.text} in {where} for {who}")

    def expect(self, ok: bool, problem: str) -> None:
        self.counter["single checks"] += 1
        if not ok:
            self.problems.append(problem)


def test_private_notices_reach_exactly_their_audience_on_every_surface(
    app: Flask, smtp: SmtpServer, queue, tmp_path: Path
):
    counter: Counter = Counter()

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,  # no example database in the working tree
        suppress_health_check=[HealthCheck.too_slow],
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],  # no slow explain
    )
    @given(spec=worlds())
    def one_world(spec: WorldSpec) -> None:
        findings = examine(
            app, spec, smtp, queue, tmp_path / f"export-{counter['worlds']}", counter
        )
        assert not findings.problems, "\n".join(findings.problems)

    one_world()
    surfaces_read = sorted(k.removeprefix("read ") for k in counter if k.startswith("read "))
    print(
        f"\nleak test, {counter['worlds']} worlds ({counter['private items']} private incidents "
        f"and maintenance): {counter['surface cases']:,} surface x token x viewer cases, "
        f"{counter['channel cases']:,} message x token cases at the channels' far ends, "
        f"{counter['single checks']:,} single checks (deliveries per recipient, look-alike "
        f"404s, validators); no leak.\nsurfaces: {', '.join(surfaces_read)}; channels: "
        "deliveries, email, webhook, Mastodon, X, web push"
    )
    assert counter["surface cases"] > 0
    assert counter["channel cases"] > 0
    assert counter["private items"] > 0


def examine(
    app: Flask, spec: WorldSpec, smtp: SmtpServer, queue, export_to: Path, counter: Counter
) -> Findings:
    """Build and publish one world, then read every surface as everyone, and every channel."""
    empty_tables()
    queue.huey.flush()
    limiter.reset()
    smtp.inbox.messages.clear()
    findings = Findings(counter)
    with far_ends(app) as ends:
        world = publish(app, spec, queue, ends, findings)
        viewers = sign_everyone_in(app, world, smtp, queue)
        for surface in surfaces(export_to):
            for viewer in viewers:
                if not surface.readers & viewer.kinds:
                    continue
                text = surface.fetch(viewer.browser, world, viewer)
                scope = viewer.segments if surface.personal else frozenset()
                tokens = world.tokens()
                findings.check(
                    surface.name, viewer.label, text, tokens, scope, surface.shows, world,
                    kind="surface",
                )  # fmt: skip
                counter[f"read {surface.name}"] += 1
        private_pages_look_missing(world, viewers, findings)
        check_deliveries(world, findings)
        check_emails(world, smtp, findings)
        check_webhooks(world, ends.receiver, findings)
        check_social(world, ends.mastodon, ends.x_api, findings)
        check_push(world, ends.push, findings)
    counter["worlds"] += 1
    counter["private items"] += sum(item.private for item in world.items)
    return findings


def test_a_private_notice_may_not_name_another_segments_component(
    app: Flask, smtp: SmtpServer, queue, tmp_path: Path
):
    """The leak this test found once: a notice private to Alpha naming a component private
    to Beta would name it in Alpha's emails and webhook bodies. Publishing refuses it now,
    so the worlds never hold it (`allowed` in world.py); the refusal is what is checked."""
    alpha, beta = frozenset({0}), frozenset({1})
    emailed = PersonSpec(0, False, True, frozenset(), True, True, False, webhook=False)
    hooked = PersonSpec(0, False, True, frozenset(), True, True, False, webhook=True)
    spec = WorldSpec(
        segments=2,
        orgs=(OrgSpec(alpha), OrgSpec(beta)),
        components=(ComponentSpec(beta),),  # private to Beta
        items=(ItemSpec(maintenance=False, segments=alpha, components=frozenset({0})),),
        people=(emailed, hooked),  # both at Org 0, in Alpha
        viewers=(),
        token_org=0,
    )
    with pytest.raises(InvalidInput, match="may not see private components"):
        examine(app, spec, smtp, queue, tmp_path / "export", Counter())
    assert smtp.inbox.messages == []


def publish(app: Flask, spec: WorldSpec, queue, ends: FarEnds, findings: Findings) -> World:
    """Public news, then private news (which must not move the public page's validators),
    then one more public item, so every public snapshot is rendered with the private ones
    present; the queue drained: fan-outs, emails, webhooks, posts, pushes."""
    ends.receiver.secret = new_secret()
    world = build_cast(
        spec,
        mastodon_url=ends.mastodon.url,
        webhook_url=ends.receiver.url,
        secret=ends.receiver.secret,
    )
    world.push = subscribe_to_push(app, ends.push)
    for item_spec in spec.items:
        if not item_spec.segments:
            post_item(world, item_spec)
    db.session.commit()
    anonymous = browser(app)
    before = validators(anonymous)
    for item_spec in spec.items:
        if item_spec.segments:
            post_item(world, item_spec)
    db.session.commit()
    findings.expect(
        validators(anonymous) == before,
        f"the public page's ETag or Last-Modified moved for private news: {before}",
    )
    post_item(world, ItemSpec(False, frozenset(), frozenset()), late=True)
    db.session.commit()
    drain(queue)
    return world


def subscribe_to_push(app: Flask, push: PushService) -> Subscriber:
    """A browser subscribes on the status page, anonymously: the public push topic."""
    key = vapid_keys(app.config["VAPID_PRIVATE_KEY"], app.instance_path).application_server_key
    subscription = push.browser(application_server_key=key).subscription()
    made = browser(app).post(
        "/push/subscriptions",
        data=json.dumps({"subscription": subscription}),
        headers={"Content-Type": "application/json", "Origin": BASE_URL},
    )
    assert made.status_code in (200, 201), made.get_data(as_text=True)
    return db.session.scalars(
        select(Subscriber).join(ContactPoint).where(ContactPoint.channel == Channel.webpush)
    ).one()


def validators(client) -> tuple[str | None, ...]:
    page, summary = client.get("/"), client.get("/api/v2/summary.json")
    return (
        page.headers.get("ETag"),
        page.headers.get("Last-Modified"),
        summary.headers.get("ETag"),
        summary.headers.get("Last-Modified"),
    )


# --- who reads --------------------------------------------------------------------------------


def sign_everyone_in(app: Flask, world: World, smtp: SmtpServer, queue) -> list[Viewer]:
    viewers = [Viewer("anonymous", frozenset({"anonymous"}), frozenset(), browser(app))]
    for index, spec in enumerate(world.spec.viewers):
        email = viewer_email(index, spec)
        signed_in = sign_in_by_link(app, smtp, queue, email, remote=f"10.0.0.{index + 1}")
        viewers.append(
            Viewer(
                email,
                frozenset({"signed-in", "feed"}),
                world.segments_of(email),
                signed_in,
                feed=private_feed_path(signed_in),
                identified=True,
            )
        )
    # An address of no organization with a genuine identity cookie (as after its organization
    # let it go): the real sign-in never mails it a link, so the cookie is made as the
    # sign-in makes it.
    stranger = browser(app)
    stranger.set_cookie(COOKIE, identity(STRANGER))
    viewers.append(Viewer(STRANGER, frozenset({"signed-in"}), frozenset(), stranger))
    organization = world.orgs[world.spec.token_org]
    token = issue_api_token(organization)
    _, staff_secret = create_api_key("leak-test", "viewer")
    db.session.commit()
    viewers.append(
        Viewer(
            f"the API token of {organization.name}",
            frozenset({"token"}),
            world.org_segments(world.spec.token_org),
            browser(app),
            headers={"Authorization": f"Bearer {token}"},
            identified=True,
        )
    )
    viewers.append(
        Viewer(
            "staff (v1 API)",
            frozenset({"staff"}),
            None,
            browser(app),
            headers={"Authorization": f"Bearer {staff_secret}"},
        )
    )
    return viewers


def sign_in_by_link(app: Flask, smtp: SmtpServer, queue, email: str, remote: str):
    """A browser signed in the real way: the form, the queue, the email, the button."""
    client = browser(app)
    data = {"csrf_token": csrf_token(client, "/signin"), "email": email}
    asked = client.post("/signin", data=data, environ_overrides={"REMOTE_ADDR": remote})
    assert asked.status_code == 200, asked.get_data(as_text=True)
    drain(queue)
    (message, *_) = [m for m in reversed(smtp.inbox.messages) if m["To"] == email]
    text = message.get_body(("plain",)).get_content()
    path = urlsplit(re.search(rf"{BASE_URL}/signin/\S+", text)[0]).path
    pressed = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert pressed.status_code == 303, pressed.get_data(as_text=True)
    return client


def private_feed_path(client) -> str:
    made = client.post(
        "/access", data={"csrf_token": csrf_token(client, "/access"), "action": "new"}
    )
    assert made.status_code == 200, made.get_data(as_text=True)
    found = re.search(r"/private/feed/([A-Za-z0-9_\-]+)\.atom", made.get_data(as_text=True))
    assert found, "no private feed address on the access page"
    return f"/private/feed/{found[1]}"


# --- what must look like nothing --------------------------------------------------------------


def _seen(response, secret: str) -> tuple:
    """A response with one id blanked out: what a reader can compare."""
    body = response.get_data(as_text=True).replace(secret, "<id>")
    headers = sorted((k, v.replace(secret, "<id>")) for k, v in response.headers.items())
    return response.status_code, headers, body


def private_pages_look_missing(world: World, viewers: list[Viewer], findings: Findings) -> None:
    """A private incident's page, and a private component's feeds and badge, answer whoever may
    not see them exactly as an id that never existed does."""
    for viewer in viewers:
        if not viewer.kinds & PAGES:
            continue
        for item in world.items:
            if world.item_token(item).allowed(viewer.segments):
                continue
            ghost = new_public_id()
            real = viewer.browser.get(f"/incidents/{item.incident.id}")
            none = viewer.browser.get(f"/incidents/{ghost}")
            findings.expect(
                _seen(real, item.incident.id) == _seen(none, ghost),
                f"LEAK: {item.incident.id}'s page differs from a missing one for {viewer.label}",
            )
        for component, spec in zip(world.components, world.spec.components, strict=True):
            if not spec.segments:
                continue
            ghost = new_public_id()
            for suffix in ("history.atom", "history.rss", "badge.svg"):
                real = viewer.browser.get(f"/components/{component.id}/{suffix}")
                none = viewer.browser.get(f"/components/{ghost}/{suffix}")
                findings.expect(
                    _seen(real, component.id) == _seen(none, ghost),
                    f"LEAK: private component's {suffix} differs from a missing one "
                    f"for {viewer.label}",
                )


# --- the channels, at their far ends ----------------------------------------------------------


def check_deliveries(world: World, findings: Findings) -> None:
    """Which subscriber got a delivery for which notice, through which contact point."""
    made: dict[str, set[tuple[int, int]]] = defaultdict(set)
    rows = db.session.execute(
        select(Notice.incident_id, Delivery.subscriber_id, Delivery.contact_point_id).join(
            Notice, Delivery.notice_id == Notice.id
        )
    )
    for incident_id, subscriber_id, contact_point_id in rows:
        made[incident_id].add((subscriber_id, contact_point_id))
    for item in world.items:
        expected = world.expected_recipients(item)
        findings.counter["single checks"] += len(world.people) + len(world.social) + 1
        if made[item.incident.id] != expected:
            findings.problems.append(
                f"DELIVERIES of {item.kind} {item.marker}: made for "
                f"{sorted(made[item.incident.id] - expected)} outside its audience, "
                f"missing {sorted(expected - made[item.incident.id])}"
            )


def _expected_at(world: World, channel: Channel) -> Iterator[tuple[str, str]]:
    """(person's email, marker) for every delivery the spec says goes through `channel`."""
    for item in world.items:
        expected = world.expected_recipients(item)
        for person in world.people:
            reached = (person.subscriber.id, person.first_contact.id) in expected
            if person.first_contact.channel is channel and reached:
                yield person.email, item.marker


def _message_text(message) -> str:
    parts = [message["Subject"] or ""]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            parts.append(part.get_content())
    return "\n".join(parts)


def check_emails(world: World, smtp: SmtpServer, findings: Findings) -> None:
    tokens = world.tokens()
    received: dict[str, str] = defaultdict(str)
    for message in smtp.inbox.messages:
        address, text = message["To"], _message_text(message)
        received[address] += text
        findings.check("email", address, text, tokens, world.segments_of(address))
    for email, name in _expected_at(world, Channel.email):
        findings.expect(name in received[email], f"MISSING: {name} in no email to {email}")


def check_webhooks(world: World, receiver: Receiver, findings: Findings) -> None:
    tokens = world.tokens()
    received: dict[str, str] = defaultdict(str)
    for request in receiver.requests:
        person = world.people[int(request.path.removeprefix("/hooks/"))]
        findings.expect(request.verified is True, f"an unsigned webhook to {request.path}")
        text = request.body.decode()
        received[person.email] += text
        findings.check("webhook", request.path, text, tokens, world.org_segments(person.spec.org))
    for email, name in _expected_at(world, Channel.webhook):
        findings.expect(name in received[email], f"MISSING: {name} in no webhook of {email}")


def check_social(world: World, mastodon: FakeMastodon, x_api: FakeX, findings: Findings) -> None:
    """The page's own accounts are world-readable: public news only, and all of it."""
    tokens = world.tokens()
    toots = [status["content"] for status in mastodon.statuses.values()]
    tweets = [post.text for post in x_api.posted]
    for network, posts in (("Mastodon", toots), ("X", tweets)):
        for text in posts:
            findings.check(network, "the public", text, tokens, frozenset())
        for item in world.items:
            if not item.private:
                findings.expect(
                    any(item.marker in text for text in posts),
                    f"MISSING: public {item.kind} {item.marker} was not posted on {network}",
                )


def check_push(world: World, push: PushService, findings: Findings) -> None:
    """The public push topic: public news only, every public item, decrypted as sent."""
    tokens = world.tokens()
    findings.expect(push.problems == [], f"the push service refused: {push.problems}")
    texts = [json.dumps(received.message, ensure_ascii=False) for received in push.received]
    for text in texts:
        findings.check("web push", "the public", text, tokens, frozenset())
    for item in world.items:
        if not item.private:
            findings.expect(
                any(item.marker in text for text in texts),
                f"MISSING: public {item.kind} {item.marker} was not pushed",
            )
