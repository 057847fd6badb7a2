"""Command-line verbs: `flask --app wsgi demo|export|rollup-uptime|drill`."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import click
from flask import Flask, current_app

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.regulators import library

DEMO_OWNER = "owner@herald.example"


@click.command("demo")
def demo_command() -> None:
    """Load the demo page into an empty database, and a demo owner when there is no staff."""
    from statuspage.audit.trail import Actor
    from statuspage.infra.demo import has_data, load_demo_data
    from statuspage.staff.accounts import add_staff, staff_count

    if has_data():
        click.echo("Database already has data; demo not loaded.")
    else:
        load_demo_data(utcnow(), current_app.config["PAGE_NAME"])
        click.echo("Demo data loaded.")
    if staff_count() == 0:
        user, password = add_staff(DEMO_OWNER, "owner", name="Demo Owner", actor=Actor("cli:demo"))
        click.echo(
            f"Demo owner created. Sign in at {current_app.config['BASE_URL']}/admin/ with\n"
            f"  email:    {user.email}\n  password: {password}\n"
            "(shown only now; `flask --app wsgi create-user` makes more accounts)"
        )
    db.session.commit()


@click.command("export")
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
def export_command(target: Path) -> None:
    """Write the whole public site to TARGET, atomically, for any web server or bucket."""
    from statuspage.public.export import export_site

    written = export_site(current_app, target)
    click.echo(f"Exported {written} files to {target}")


@click.command("rollup-uptime")
def rollup_command() -> None:
    """Bring every component's stored uptime up to now (the periodic job does this later)."""
    from statuspage.components.uptime import rollup_all

    now = utcnow()
    rollup_all(now.date(), now)
    db.session.commit()
    click.echo("Uptime rolled up.")


@click.command("create-user")
@click.argument("email")
@click.option(
    "--role", default="owner", show_default=True, help="owner, comms, responder, legal, viewer"
)
@click.option("--name", default="")
def create_user_command(email: str, role: str, name: str) -> None:
    """Create a staff account and print its generated password."""
    from statuspage.audit.trail import Actor
    from statuspage.core.errors import InvalidInput
    from statuspage.staff.accounts import add_staff

    try:
        user, password = add_staff(email, role, name=name, actor=Actor("cli:create-user"))
    except InvalidInput as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email}")
    click.echo(f"Password: {password}")


@click.command("create-api-key")
@click.argument("name")
@click.option("--role", default="comms", show_default=True, help="the role the key acts with")
def create_api_key_command(name: str, role: str) -> None:
    """Create a management API key; the key is printed once, on the last line."""
    from statuspage.audit.trail import Actor
    from statuspage.core.errors import InvalidInput
    from statuspage.staff.accounts import issue_api_key

    try:
        key, secret = issue_api_key(name, role, actor=Actor("cli:create-api-key"))
    except InvalidInput as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created API key {key.name!r} ({key.role.value}); it is shown only now:")
    click.echo(secret)


@click.group("audit")
def audit_group() -> None:
    """The audit trail."""


@audit_group.command("verify")
def audit_verify_command() -> None:
    """Check the hash chain; exits 1 at the first tampered entry."""
    from statuspage.audit.trail import verify_chain

    report = verify_chain()
    if report.ok:
        click.echo(f"Audit trail intact: {report.checked} entries.")
        return
    where = (
        "at the end (entries removed)"
        if report.first_bad_id == -1
        else (f"at entry {report.first_bad_id}")
    )
    click.echo(f"Audit trail BROKEN {where}; {report.checked} entries before it hold.", err=True)
    raise SystemExit(1)


@click.group("regulators")
def regulators_group() -> None:
    """The regulator registry."""


@regulators_group.command("load-library")
@click.option("--key", "keys", multiple=True, help="only these regimes (e.g. --key dora)")
def regulators_load_command(keys: tuple[str, ...]) -> None:
    """Add the library's regimes (statuspage/data/regulators.json) not in the registry yet."""

    from statuspage.audit.trail import Actor

    actor = Actor("cli:regulators")
    if keys:
        added = [library.add_from_library(key, actor=actor) for key in keys]
    else:
        added = library.load_library(actor=actor)
    db.session.commit()
    click.echo(f"Added {len(added)} regulators: {', '.join(r.name for r in added) or 'none'}.")


@click.command("worker")
@click.option("--workers", default=2, show_default=True, help="worker threads")
def worker_command(workers: int) -> None:
    """Run the task queue's consumer: jobs and the periodic schedule."""
    from huey.consumer import Consumer

    from statuspage.jobs.queue import QUEUE_KEY

    queue = current_app.extensions[QUEUE_KEY]
    click.echo(f"Herald worker: {type(queue.huey).__name__}, {workers} threads")
    # An idle thread polls a SQLite queue ever more slowly (Huey's default backs off to 10 s);
    # capping that at 0.5 s keeps the first message of a fan-out within a second of publishing.
    Consumer(queue.huey, workers=workers, periodic=True, worker_type="thread", max_delay=0.5).run()


@click.command("sweep")
def sweep_command() -> None:
    """Run the periodic sweep once, now (the worker runs it every minute)."""
    from statuspage.jobs.every_minute import sweep

    sweep()
    db.session.commit()
    click.echo("Swept.")


# sysexits.h: an MTA's pipe transport keeps the message and tries again later.
EX_TEMPFAIL = 75


@click.command("bounce-intake")
@click.option(
    "--recipient",
    "recipients",
    multiple=True,
    help="the envelope recipient (e.g. Postfix's $ORIGINAL_RECIPIENT); without it, the "
    "Delivered-To, X-Original-To and To headers are read",
)
@click.argument("message", type=click.File("rb"), default="-")
def bounce_intake_command(recipients: tuple[str, ...], message: BinaryIO) -> None:
    """Read one bounce (an RFC 5322 message) from MESSAGE, or stdin as an MTA's pipe hands
    it over; a delivery status report to a return path fails its delivery, anything else is
    ignored (a line says which)."""
    from sqlalchemy.exc import SQLAlchemyError

    from statuspage.delivery.bounces import MAX_BYTES, take_bounce

    if not current_app.config["BOUNCE_ADDRESS"]:
        raise click.ClickException("BOUNCE_ADDRESS is not set: no mail carries a return path")
    raw = message.read(MAX_BYTES + 1)
    try:
        taken = take_bounce(raw, recipients)
        db.session.commit()
    except SQLAlchemyError as exc:
        db.session.rollback()
        click.echo(f"bounce not recorded, try again later: {exc}", err=True)
        raise SystemExit(EX_TEMPFAIL) from exc
    click.echo(f"{taken.outcome}: {taken.reason}")


@click.command("bounce-sink")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=2525, show_default=True, type=int)
def bounce_sink_command(host: str, port: int) -> None:
    """Run an SMTP server that takes bounces for BOUNCE_ADDRESS's return paths only, until
    Ctrl-C or SIGTERM."""
    import signal
    import threading

    from statuspage.infra.bounce_sink import serve

    if not current_app.config["BOUNCE_ADDRESS"]:
        raise click.ClickException("BOUNCE_ADDRESS is not set: no mail carries a return path")
    controller = serve(current_app._get_current_object(), host, port)
    click.echo(f"Bounce sink on {host}:{port} for {current_app.config['BOUNCE_ADDRESS']}")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())  # systemd's stop: close cleanly
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


@click.command("drill")
@click.argument("scenario_path", metavar="SCENARIO")
@click.option("--json", "json_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--sandbox",
    "sandbox_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="keep the sandbox (its database and dev mailbox) in this new folder",
)
def drill_command(
    scenario_path: str, json_path: Path, html_path: Path | None, sandbox_dir: Path | None
) -> None:
    """Run a crisis drill (drills/SCENARIO.yaml) in accelerated time in a sandbox on a drill
    copy of the roster; write its report. Exits 0 when every promise held, 1 when one did
    not, 2 on a bad scenario."""
    import json
    import tempfile

    from statuspage.drills import report_html, sandbox, scenario
    from statuspage.drills.runner import drill_document

    try:
        loaded = scenario.load(scenario_path)
    except scenario.ScenarioError as exc:
        click.echo(f"Bad scenario: {exc}", err=True)
        raise SystemExit(2) from None
    for target in (json_path, html_path):
        if target is not None and not target.resolve().parent.is_dir():
            click.echo(f"Cannot write {target}: there is no folder {target.parent}", err=True)
            raise SystemExit(2)
    if sandbox_dir is not None and sandbox_dir.exists() and any(sandbox_dir.iterdir()):
        click.echo(f"--sandbox {sandbox_dir} is not empty: give a new folder", err=True)
        raise SystemExit(2)
    live = sandbox.read_live_roster()  # the live database is read, never written
    with tempfile.TemporaryDirectory(prefix="herald-drill-") as temporary:
        folder = sandbox_dir or Path(temporary)
        box = sandbox.build_sandbox(folder, page_name=live.page_name or loaded.name)
        try:
            doc = drill_document(loaded, box, live, start=utcnow())
        except scenario.ScenarioError as exc:
            click.echo(f"Bad scenario: {exc}", err=True)
            raise SystemExit(2) from None
        finally:
            with box.app.app_context():
                db.engine.dispose()
    json_path.write_text(json.dumps(doc, indent=2, default=str) + "\n", "utf-8")
    if html_path is not None:
        html_path.write_text(report_html.render(doc), "utf-8")
    broken = [key for key, value in doc["promises"].items() if value is not True]
    for key, value in doc["promises"].items():
        click.echo(
            f"{'held' if value is True else 'NOT HELD'}: {key}"
            + ("" if value is True else f" ({value['why']})")
        )
    click.echo(f"Report written to {json_path}" + (f" and {html_path}" if html_path else ""))
    if sandbox_dir is not None:
        click.echo(f"Sandbox kept in {sandbox_dir} (its mail in {box.mailbox})")
    raise SystemExit(1 if broken else 0)


def register_cli(app: Flask) -> None:
    for command in (
        worker_command,
        sweep_command,
        bounce_intake_command,
        bounce_sink_command,
        demo_command,
        export_command,
        rollup_command,
        create_user_command,
        create_api_key_command,
        audit_group,
        regulators_group,
        drill_command,
    ):
        app.cli.add_command(command)
