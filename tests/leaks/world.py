"""Random worlds for the leak test, and what each audience may learn of them.

A `WorldSpec` (drawn by hypothesis) is built into rows through Herald's own services:
segments, organizations (by domain rule and by explicit member), components public or private
to segments, subscribers with email and webhook contact points, the page's Mastodon and X
accounts, public and private incidents and maintenance. Every incident, maintenance and
component carries a unique marker in its name (and an incident's in its body too), and
every incident has an id: those are the *tokens* a surface may or may not show.

What each audience may learn is worked out here from the spec alone, without asking
audience: a token of something public is for everyone; a token of something private
to segments is for the people of the organizations in one of those segments.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from hypothesis import strategies as st
from sqlalchemy import select

from statuspage.audience import organizations, segments
from statuspage.clock import utcnow
from statuspage.components.catalog import create_component
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident, ScheduleMaintenance
from statuspage.incidents.maintenance import schedule_maintenance
from statuspage.incidents.publishing import create_incident
from statuspage.models import Channel, Component, ContactPoint, Incident, Segment, Subscriber
from statuspage.page.state import ensure_page
from statuspage.social import accounts
from tests import factories
from tests.fakes.social import MASTODON_TOKEN

SEGMENT_NAMES = ("Alpha", "Beta", "Gamma")
X_KEYS = {
    "consumer_key": "consumer-key-1234",
    "consumer_secret": "consumer-secret-5678",
    "access_token": "access-token-9012",
    "access_token_secret": "access-secret-3456",
}


# --- the spec hypothesis draws ---------------------------------------------------------------


@dataclass(frozen=True)
class OrgSpec:
    segments: frozenset[int]  # indexes into the world's segments; may be none


@dataclass(frozen=True)
class ComponentSpec:
    segments: frozenset[int]  # none: a public component


@dataclass(frozen=True)
class ItemSpec:
    """An incident or a maintenance window: public (no segments) or private to segments."""

    maintenance: bool
    segments: frozenset[int]
    components: frozenset[int]


@dataclass(frozen=True)
class PersonSpec:
    """A subscriber: in an organization (by its domain or as an explicit member) or in none."""

    org: int | None
    member: bool  # an explicit member address (else an address at the organization's domain)
    all_components: bool
    components: frozenset[int]
    incidents: bool
    maintenance: bool
    paused: bool
    webhook: bool  # a webhook first, the email address second


@dataclass(frozen=True)
class ViewerSpec:
    org: int
    member: bool


@dataclass(frozen=True)
class WorldSpec:
    segments: int
    orgs: tuple[OrgSpec, ...]
    components: tuple[ComponentSpec, ...]
    items: tuple[ItemSpec, ...]
    people: tuple[PersonSpec, ...]
    viewers: tuple[ViewerSpec, ...]  # signed in by magic link
    token_org: int  # the organization whose private JSON API token is used


@st.composite
def worlds(draw: st.DrawFn) -> WorldSpec:
    segments = draw(st.integers(1, len(SEGMENT_NAMES)))
    some_segments = st.frozensets(st.integers(0, segments - 1), max_size=segments)
    private_to = st.frozensets(st.integers(0, segments - 1), min_size=1, max_size=segments)
    orgs = draw(st.lists(st.builds(OrgSpec, some_segments), min_size=1, max_size=3))
    components = draw(
        st.lists(
            st.builds(ComponentSpec, st.one_of(st.just(frozenset()), private_to)),
            min_size=1,
            max_size=3,
        )
    )
    some_components = st.frozensets(st.integers(0, len(components) - 1), max_size=2)

    @st.composite
    def item(draw: st.DrawFn, segments: st.SearchStrategy[frozenset[int]]) -> ItemSpec:
        audience = draw(segments)
        # A notice names only components its whole audience may see: publishing refuses a
        # public one naming a private component. A private one naming a component private to
        # other segments is published, and its emails and webhooks then tell its audience of
        # that component: test_leaks.py keeps that case apart, as a known leak.
        allowed = [
            i
            for i, c in enumerate(components)
            if not c.segments or (audience and audience <= c.segments)
        ]
        touched = draw(st.frozensets(st.sampled_from(allowed), max_size=2)) if allowed else None
        return ItemSpec(draw(st.booleans()), audience, touched or frozenset())

    # At least one private item in every world: that is what may leak.
    items = [
        *draw(st.lists(item(st.one_of(st.just(frozenset()), private_to)), max_size=3)),
        draw(item(private_to)),
    ]
    an_org = st.integers(0, len(orgs) - 1)
    people = draw(
        st.lists(
            st.builds(
                PersonSpec,
                org=st.one_of(st.none(), an_org),
                member=st.booleans(),
                all_components=st.booleans(),
                components=some_components,
                incidents=st.booleans() | st.just(True),
                maintenance=st.booleans() | st.just(True),
                paused=st.sampled_from([False, False, False, True]),
                webhook=st.booleans(),
            ),
            max_size=5,
        )
    )
    viewers = draw(st.lists(st.builds(ViewerSpec, an_org, st.booleans()), max_size=2))
    token_org = draw(an_org)
    return WorldSpec(
        segments=segments,
        orgs=tuple(orgs),
        components=tuple(components),
        items=tuple(items),
        people=tuple(people),
        viewers=tuple(viewers),
        token_org=token_org,
    )


# --- addresses: each belongs to one organization at most, by construction --------------------


def domain_of(org: int) -> str:
    return f"org{org}.example"


def person_email(index: int, spec: PersonSpec) -> str:
    if spec.org is None:
        return f"p{index}@elsewhere.example"
    return f"p{index}@mail.example" if spec.member else f"p{index}@{domain_of(spec.org)}"


def viewer_email(index: int, spec: ViewerSpec) -> str:
    return f"v{index}@mail.example" if spec.member else f"v{index}@{domain_of(spec.org)}"


STRANGER = "nobody@elsewhere.example"


# --- what may be learned ---------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Token:
    """A string that tells of one thing: a marker in its name, or an incident's id."""

    text: str
    what: str  # "incident 2", "component 0": for messages
    segments: frozenset[int]  # none: public
    kind: str  # "marker" or "id"
    item: Item | None = None
    component: int | None = None

    @property
    def public(self) -> bool:
        return not self.segments

    def allowed(self, segments: frozenset[int] | None) -> bool:
        """May someone in `segments` learn it? None: staff, who see everything."""
        return segments is None or self.public or bool(self.segments & segments)


@dataclass
class Item:
    spec: ItemSpec
    incident: Incident
    marker: str
    late: bool = False  # the last public item, posted after every private one

    @property
    def private(self) -> bool:
        return bool(self.spec.segments)

    @property
    def kind(self) -> str:
        return "maintenance" if self.spec.maintenance else "incident"


@dataclass
class Person:
    index: int
    spec: PersonSpec
    email: str
    subscriber: Subscriber
    first_contact: ContactPoint  # where a notice for this person goes


@dataclass
class World:
    spec: WorldSpec
    segments: list[Segment] = field(default_factory=list)
    orgs: list = field(default_factory=list)
    components: list[Component] = field(default_factory=list)
    component_markers: list[str] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    social: dict[str, Subscriber] = field(default_factory=dict)  # network -> its subscriber
    push: Subscriber | None = None  # a browser subscribed anonymously: the public push topic
    items: list[Item] = field(default_factory=list)
    page_id: str = ""

    def org_segments(self, org: int | None) -> frozenset[int]:
        return frozenset() if org is None else self.spec.orgs[org].segments

    def segments_of(self, email: str) -> frozenset[int]:
        """The segments a verified address belongs to: its organizations' (one at most here)."""
        for index, person in enumerate(self.spec.people):
            if person_email(index, person) == email:
                return self.org_segments(person.org)
        for index, viewer in enumerate(self.spec.viewers):
            if viewer_email(index, viewer) == email:
                return self.org_segments(viewer.org)
        return frozenset()

    def tokens(self) -> list[Token]:
        found = [
            Token(name, f"component {i}", spec.segments, "marker", component=i)
            for i, (name, spec) in enumerate(
                zip(self.component_markers, self.spec.components, strict=True)
            )
        ]
        for i, item in enumerate(self.items):
            what = f"{'private' if item.private else 'public'} {item.kind} {i}"
            found.append(Token(item.marker, what, item.spec.segments, "marker", item=item))
            found.append(Token(item.incident.id, f"{what} (id)", item.spec.segments, "id", item))
        return found

    def item_token(self, item: Item) -> Token:
        return Token(item.marker, item.kind, item.spec.segments, "marker", item=item)

    def expected_recipients(self, item: Item) -> set[tuple[int, int]]:
        """(subscriber, contact point) pairs the item's notice must reach, from the spec."""
        expected = set()
        touched = item.spec.components
        for person in self.people:
            spec = person.spec
            follows_kind = spec.maintenance if item.spec.maintenance else spec.incidents
            follows_components = not touched or spec.all_components or spec.components & touched
            in_audience = not item.private or self.org_segments(spec.org) & item.spec.segments
            if follows_kind and follows_components and in_audience and not spec.paused:
                expected.add((person.subscriber.id, person.first_contact.id))
        if not item.private:  # these follow everything, and may carry public news only
            for subscriber in [*self.social.values(), *([self.push] if self.push else [])]:
                expected.add((subscriber.id, subscriber.contact_points[0].id))
        return expected


def marker(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:16]}"


# --- building it through the services --------------------------------------------------------


def build_cast(spec: WorldSpec, *, mastodon_url: str, webhook_url: str, secret: str) -> World:
    """Everything but the incidents: segments, components, subscribers, organizations."""
    world = World(spec, page_id=ensure_page().id)
    now = utcnow()
    world.segments = [segments.create_segment(SEGMENT_NAMES[i]) for i in range(spec.segments)]
    for component_spec in spec.components:
        name = marker("COMPONENT")
        component = create_component(f"{name} service", at=now - timedelta(days=1))
        if component_spec.segments:
            segments.set_component_audience(
                component, "segments", [world.segments[s] for s in sorted(component_spec.segments)]
            )
        world.components.append(component)
        world.component_markers.append(name)
    accounts.save_account(
        Channel.mastodon,
        label="@acme@fake.example",
        credentials={"base_url": mastodon_url, "access_token": MASTODON_TOKEN},
        enabled=True,
        allow_loopback=True,  # the fake Mastodon runs on this machine
    )
    accounts.save_account(Channel.x, label="@acmestatus", credentials=X_KEYS, enabled=True)
    for index, person_spec in enumerate(spec.people):
        world.people.append(_person(world, index, person_spec, webhook_url, secret, now))
    db.session.flush()
    # Organizations last: adding a domain or a member resolves who belongs (the real path).
    for o, org_spec in enumerate(spec.orgs):
        org = organizations.create_organization(
            f"Org {o}", segments=[world.segments[s] for s in sorted(org_spec.segments)]
        )
        organizations.add_domain(org, domain_of(o))
        members = [person_email(i, p) for i, p in enumerate(spec.people) if p.org == o]
        members += [viewer_email(i, v) for i, v in enumerate(spec.viewers) if v.org == o]
        for email in members:
            if email.endswith("@mail.example"):
                organizations.add_member(org, email)
        world.orgs.append(org)
    world.social = {
        network: db.session.scalars(
            select(Subscriber).join(ContactPoint).where(ContactPoint.channel == Channel(network))
        ).one()
        for network in ("mastodon", "x")
    }
    db.session.commit()
    return world


def _person(
    world: World, index: int, spec: PersonSpec, webhook_url: str, secret: str, now
) -> Person:
    email = person_email(index, spec)
    contacts = [factories.contact_point(email, priority=2 if spec.webhook else 1, at=now)]
    if spec.webhook:
        url = f"{webhook_url}/hooks/{index}"
        contacts.insert(
            0,
            factories.contact_point(
                url,
                Channel.webhook,
                key=f"hook-{index}",
                at=now,
                secret=secret,
                meta={"notify_email": email},
            ),
        )
    person = factories.subscriber(
        *contacts,
        name=f"Person {index}",
        components=[world.components[c] for c in sorted(spec.components)],
        all_components=spec.all_components,
        notify_incidents=spec.incidents,
        notify_maintenance=spec.maintenance,
        paused=spec.paused,
    )
    return Person(index, spec, email, person, contacts[0])


def post_item(world: World, spec: ItemSpec, *, late: bool = False) -> Item:
    """Publish one incident or maintenance with notifications on; its marker names it."""
    name = marker("LEAK")
    segments = [world.segments[s] for s in sorted(spec.segments)]
    components = [world.components[c] for c in sorted(spec.components)]
    if spec.maintenance:
        start = utcnow() + timedelta(hours=2)
        incident = schedule_maintenance(
            ScheduleMaintenance(
                f"{name} window",
                f"Planned work, reference {name}.",
                scheduled_for=start,
                scheduled_until=start + timedelta(hours=1),
                components=components,
                segments=segments,
            )
        )
    else:
        incident = create_incident(
            OpenIncident(
                f"{name} outage",
                f"We are looking into **{name}**.",
                components={c: "partial_outage" for c in components},
                segments=segments,
            )
        )
    item = Item(spec, incident, name, late)
    world.items.append(item)
    return item
