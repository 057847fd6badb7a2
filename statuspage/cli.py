"""Command-line verbs: `flask --app wsgi demo|export|rollup-uptime`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app

from statuspage.clock import utcnow
from statuspage.extensions import db


@click.command("demo")
def demo_command() -> None:
    """Load the demo page, only when the database has no components yet."""
    from statuspage.services.demo import has_data, load_demo_data

    if has_data():
        click.echo("Database already has data; demo not loaded.")
        return
    load_demo_data(utcnow(), current_app.config["PAGE_NAME"])
    db.session.commit()
    click.echo("Demo data loaded.")


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
    from statuspage.services.uptime import rollup_all

    now = utcnow()
    rollup_all(now.date(), now)
    db.session.commit()
    click.echo("Uptime rolled up.")


def register_cli(app: Flask) -> None:
    for command in (demo_command, export_command, rollup_command):
        app.cli.add_command(command)
