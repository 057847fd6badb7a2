"""The crisis playbook between the real processes: gunicorn with two workers, the queue worker,
a real SMTP server, everything asserted over HTTP, SMTP and the CLI.

A saved playbook "SEV1 payments" (roles on email, a bridge, a cadence, guidelines, an
executive, a regulator) must run by itself when comms opens a critical incident through the
admin form: the worker pages the team (the bridge in the mail) and briefs the executive (the
guidelines in the mail) with no further request. A member acknowledges through the link in the
mail and the admin's team screen shows it, whichever web worker answers; the stand-down button
tells each paged member once and the re-page sweep, run ten minutes on, pages nobody again;
the audit screen and its export hold the page sent, the acknowledgement and the stand-down,
and `flask audit verify` finds the chain intact. The processes run in Singapore's zone, and
the reminder ahead of the playbook's cadence must be in the queue for its exact second.
On the PostgreSQL run (suite_servers) the queue is Redis.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from flask import Flask
from sqlalchemy import func, select

from statuspage import create_app
from statuspage.audit.trail import Actor
from statuspage.clock import utcnow
from statuspage.config import from_environment
from statuspage.crisis import assembly, playbooks
from statuspage.crisis.roster import ContactLine
from statuspage.delivery.outbox import CADENCE_STEP
from statuspage.extensions import db
from statuspage.incidents.cadence import cadence_of
from statuspage.jobs.queue import QUEUE_KEY
from statuspage.models import Incident, Notice, Regulator, TeamCallout
from statuspage.page.state import ensure_page
from statuspage.regulators import library
from statuspage.staff.accounts import add_staff
from tests.deploy.conftest import flask_command, gunicorn, herald_env, queue_worker
from tests.factories import crisis_role, team_member
from tests.fakes.smtp import SmtpServer

SEED = Actor("cli:seed")
PAGED = {"ana@bank.example": "Ana", "bob@bank.example": "Bob"}
EXECUTIVE = "eve@bank.example"
HOLDING = "We are aware of a payments issue and are working on it."
BRIEFING = "Card payments are failing in Singapore."
# What tells the mails apart (all carry the incident's name as their subject).
PAGE, STAND_DOWN = "Join the bridge", "stand down."


def wait_for(
    condition: Callable[[], bool], seconds: float, what: str, seen: Callable[[], object] = list
) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}; saw {seen()}"
        time.sleep(0.1)


class Fields(HTMLParser):
    """The fields of the one `<form>` whose action ends with `action`, as a browser would
    submit them untouched: inputs' values (checked boxes only), selects' selected (or first)
    options, textareas' text. A form without an action posts to its `page`."""

    def __init__(self, action: str, page: str) -> None:
        super().__init__()
        self.action, self.page, self.inside, self.values = action, page, False, {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            target = urlsplit(a.get("action") or self.page).path
            self.inside = target.endswith(self.action)
        elif not self.inside:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button"):
                self.values[a["name"]] = a.get("value", "y" if kind == "checkbox" else "")
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select:
            if self._select not in self.values or "selected" in a:
                self.values[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.values[self._textarea or ""] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data


def form_of(html: str, action: str, page: str) -> dict[str, str]:
    parser = Fields(action, page)
    parser.feed(html)
    assert "csrf_token" in parser.values, f"no form posting to …{action} on the page"
    return parser.values


class Browser:
    """A browser's cookies over fresh connections (both gunicorn workers answer in turn)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> tuple[int, str, str]:
        return self._open(urllib.request.Request(self._url(path)))  # noqa: S310 (loopback)

    def post(self, path: str, fields: dict[str, str]) -> tuple[int, str, str]:
        request = urllib.request.Request(self._url(path), urlencode(fields).encode())  # noqa: S310
        return self._open(request)

    def submit(self, page: str, action: str, **changes: str) -> tuple[int, str, str]:
        """Post the form of `page` that posts to `action`, with `changes`; follows redirects."""
        status, html, _ = self.get(page)
        assert status == 200, (page, status)
        return self.post(action, form_of(html, action, page) | changes)

    def _url(self, path: str) -> str:
        return path if path.startswith("http") else self.base + path

    def _open(self, request: urllib.request.Request) -> tuple[int, str, str]:
        try:
            with self.opener.open(request, timeout=15) as response:
                return response.status, response.read().decode(), response.geturl()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), error.geturl()


@contextmanager
def app_of(env: dict[str, str]) -> Iterator[Flask]:
    """The app of those processes, in this one, inside its context; its connections closed
    after."""
    app: Flask = create_app(from_environment(env))
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def seed(env: dict[str, str]) -> tuple[dict[str, int], str]:
    """The roster and the playbook, written as the admin's screens would leave them; the
    member ids by email, and a comms account's password."""
    with app_of(env):
        ensure_page("Acme Bank Status")
        members = {
            address: team_member(name, [role], ContactLine("email", address)).id
            for (address, name), role in zip(
                PAGED.items(), ("Comms lead", "Technical liaison"), strict=True
            )
        }
        team_member("Eve", ["Executive sponsor"], ContactLine("email", EXECUTIVE), executive=True)
        library.load_library(actor=SEED)
        mas = db.session.scalars(select(Regulator).where(Regulator.library_key == "mas")).one()
        playbooks.save_playbook(
            None,
            playbooks.PlaybookFields(
                name="SEV1 payments",
                impacts=("critical",),
                role_ids=(crisis_role("Comms lead").id, crisis_role("Technical liaison").id),
                repage_minutes=1,  # the shortest: a stood-down call-out must not use it
                max_rounds=3,
                bridge_phone="+65 6123 4567",
                bridge_pin="424242",
                meeting_url="https://meet.example.com/sev1",
                cadence_minutes=15,
                briefing_subject="Payments down",
                briefing_body=BRIEFING,
                holding_statement=HOLDING,
                do_not_say="No root cause, no time to fix.",
                regulator_ids=(mas.id,),
            ),
            actor=SEED,
            now=utcnow(),
        )
        _comms, password = add_staff("cora@bank.example", "comms", name="Cora", actor=SEED)
        db.session.commit()
    return members, password


def repage_sweep(env: dict[str, str], callout_id: int, *, commit: bool) -> list[int]:
    """The re-page step of the minute's sweep, run ten minutes from now (past every re-page
    the call-out could have due), as the worker's sweep would run it: the notices it sent.
    Without `commit` it is rolled back: nothing it did reaches the database or the queue."""
    with app_of(env):
        assert db.session.get(TeamCallout, callout_id) is not None
        notices = assembly.escalate(utcnow() + timedelta(minutes=10))
        if commit:
            db.session.commit()
        else:
            db.session.rollback()
    return notices


def cadence_steps(env: dict[str, str], incident_id: str) -> tuple[datetime, list[datetime]]:
    """The incident's next update's due time (from its cadence, as the admin shows it), and
    the etas of the cadence steps the queue holds for it (aware, UTC)."""
    with app_of(env) as app:
        schedule = cadence_of(db.session.get(Incident, incident_id))
        assert schedule is not None
        assert schedule.minutes == 15  # the playbook's cadence
        huey = app.extensions[QUEUE_KEY].huey
        etas = [
            task.eta.replace(tzinfo=UTC)  # Huey keeps etas as naive UTC
            for task in huey.scheduled()
            if task.name == CADENCE_STEP.name and task.args == (incident_id,)
        ]
    return schedule.next_update_by, etas


def page_notices(env: dict[str, str], callout_id: int) -> int:
    with app_of(env):
        callout = db.session.get(TeamCallout, callout_id)
        assert callout is not None
        count = db.session.scalar(
            select(func.count(Notice.id)).where(
                Notice.crisis_message_id == callout.crisis_message_id
            )
        )
    return count or 0


def text(mail) -> str:
    return mail.get_body(("plain",)).get_content()


def test_a_playbook_pages_briefs_acknowledges_and_stands_down_between_processes(
    tmp_path: Path, suite_servers: dict[str, str]
):
    smtp = SmtpServer()
    smtp.start()
    # Every process in a zone that is not UTC: a naive time taken for UTC (or the reverse)
    # would move a queued step by eight hours.
    settings = {**suite_servers, "SMTP_URL": smtp.url, "TZ": "Asia/Singapore"}
    env = herald_env(tmp_path, **settings)
    inbox = smtp.inbox

    def mails(marker: str) -> list[tuple[str, str]]:
        """(to, text) of the mails whose text holds `marker`."""
        return [(m["To"], text(m)) for m in inbox.messages if marker in text(m)]

    try:
        flask_command(env, "db", "upgrade")
        members, password = seed(env)
        with gunicorn(tmp_path, **settings) as (base, _):  # the queue worker not yet
            staff = Browser(base)
            status, _html, _url = staff.submit(
                "/admin/login", "/admin/login", email="cora@bank.example", password=password
            )
            assert status == 200
            assert "/admin/login" not in _url, "comms did not sign in"

            # 2. Comms opens a critical incident through the composer.
            status, html, url = staff.submit(
                "/admin/incidents/new",
                "/admin/incidents/new",
                name="Card payments failing",
                body="We are investigating failed card payments.",
                impact="critical",
                status="investigating",
            )
            assert status == 200, html[-2000:]
            incident_id = re.search(r"/admin/incidents/([^/?#]+)$", urlsplit(url).path).group(1)
            # The request is over and nothing was sent from it: sending is the worker's.
            assert inbox.messages == []
            with queue_worker(tmp_path, **settings):
                wait_for(
                    lambda: len(mails(PAGE)) == 2 and len(mails(BRIEFING)) == 1,
                    30,
                    "the team's pages and the executive's briefing",
                    lambda: [(m["To"], m["Subject"]) for m in inbox.messages],
                )
                pages = dict(mails(PAGE))
                assert sorted(pages) == sorted(PAGED)
                for body in pages.values():
                    assert "tel:+6561234567,,424242#" in body
                    assert "https://meet.example.com/sev1" in body
                [(to, briefing)] = mails(BRIEFING)
                assert to == EXECUTIVE
                assert HOLDING in briefing
                assert "No root cause, no time to fix." in briefing

                # The reminder ahead of the playbook's cadence is queued for its second: the
                # page's lead (5 minutes) before the due time, 15 minutes after the update.
                due, etas = cadence_steps(env, incident_id)
                assert due - timedelta(minutes=5) in etas, (due, etas)

                # The incident is reportable to the playbook's regulator, its clocks running.
                status, html, _ = staff.get(f"/admin/incidents/{incident_id}/regulators")
                assert status == 200
                assert "Not reportable to any regulator yet." not in html
                assert 'id="obligation-' in html

                # 3. Ana acknowledges through the link in her mail (a browser of her own).
                link = re.search(r"https?://\S+?(/ack/[A-Za-z0-9._-]+)", pages["ana@bank.example"])
                assert link, "no acknowledgement link in the page"
                ana = Browser(base)
                status, html, _ = ana.submit(link.group(1), link.group(1))
                assert status == 200
                assert "your receipt was recorded" in html, html[-2000:]

                status, html, _ = staff.get(f"/admin/incidents/{incident_id}")
                assert status == 200
                [callout_id] = {
                    int(c) for c in re.findall(r"/team/(\d+)/stand-down", html)
                }  # the call-out the playbook made
                row = f'id="team-page-{callout_id}-member-{{}}" class="{{}}"'
                assert row.format(members["ana@bank.example"], "acknowledged") in html
                assert row.format(members["bob@bank.example"], "waiting") in html
                assert "1 of 2 acknowledged" in html

                # Bob has not acknowledged: ten minutes on, the sweep would page him again
                # (rolled back here, so this proves only that the check below can fail).
                assert repage_sweep(env, callout_id, commit=False) != []

                # 4. The stand-down button: each paged member is told once.
                action = f"/admin/incidents/{incident_id}/team/{callout_id}/stand-down"
                status, html, _ = staff.submit(f"/admin/incidents/{incident_id}", action)
                assert status == 200, html[-2000:]
                wait_for(lambda: len(mails(STAND_DOWN)) == 2, 30, "the stand-down mails")
                assert sorted(to for to, _ in mails(STAND_DOWN)) == sorted(PAGED)
                # Ten minutes on, the re-page sweep finds nobody to page.
                assert repage_sweep(env, callout_id, commit=True) == []
                assert page_notices(env, callout_id) == 1  # the first round alone

                # 5. The audit screen and its export; the chain holds.
                status, html, _ = staff.get(f"/admin/audit?incident_id={incident_id}")
                assert status == 200
                for action_name in ("team.page_sent", "team.acknowledged", "team.stand_down"):
                    assert action_name in html, f"{action_name} not on the audit screen"
                status, exported, _ = staff.get(
                    f"/admin/audit/export.json?incident_id={incident_id}"
                )
                assert status == 200
                entries = json.loads(exported)
                paged = [
                    e["after"]["who"]
                    for e in entries
                    if e["action"] == "team.page_sent" and e["target_id"] == str(callout_id)
                ]
                assert sorted(paged) == sorted(PAGED.values()), paged  # sent by the worker
                [acknowledged] = [e for e in entries if e["action"] == "team.acknowledged"]
                assert acknowledged["after"]["who"] == "Ana"
                assert acknowledged["after"]["how"] == "email-link"
                assert [e["action"] for e in entries].count("team.stand_down") == 1
                assert "intact" in flask_command(env, "audit", "verify")

                # Nothing more reached the team: two pages, two stand-downs, one briefing.
                assert len(mails(PAGE)) == 2
                assert len(mails(STAND_DOWN)) == 2
    finally:
        smtp.stop()
