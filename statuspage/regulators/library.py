"""The built-in regulator library (statuspage/data): list it, add one of its regulators."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from sqlalchemy import select

from statuspage.audit.trail import Actor
from statuspage.core.errors import InvalidInput
from statuspage.extensions import db
from statuspage.models import (
    Regulator,
)
from statuspage.regulators.registry import BoundSpec, add_rule, create_regulator

# -- the library --------------------------------------------------------------------------


def library() -> list[dict[str, Any]]:
    """The shipped regimes (statuspage/data/regulators.json), as editable data."""
    text = resources.files("statuspage.data").joinpath("regulators.json").read_text("utf-8")
    return json.loads(text)["regulators"]


def add_from_library(key: str, *, actor: Actor) -> Regulator:
    """Add the library's regime `key` to the registry, rules and all; refuses a second copy."""
    entry = next((e for e in library() if e["key"] == key), None)
    if entry is None:
        raise InvalidInput(f"no regime {key!r} in the library")
    if db.session.scalar(select(Regulator.id).where(Regulator.library_key == key)):
        raise InvalidInput(f"{entry['name']} is already in the registry")
    regulator = create_regulator(
        name=entry["name"],
        jurisdiction=entry.get("jurisdiction", ""),
        country_code=entry.get("country"),
        subdivision=entry.get("subdivision"),
        timezone=entry.get("timezone", "UTC"),
        source_note=entry.get("source", ""),
        actor=actor,
        library_key=key,
    )
    for rule in entry["rules"]:
        add_rule(
            regulator,
            stage=rule["stage"],
            what_to_send=rule.get("what", ""),
            bounds=[
                BoundSpec(b["trigger"], b["amount"], b["unit"], b.get("after"))
                for b in rule["bounds"]
            ],
            actor=actor,
        )
    return regulator


def load_library(*, actor: Actor) -> list[Regulator]:
    """Add every library regime not in the registry yet; returns those added."""
    present = set(db.session.scalars(select(Regulator.library_key)))
    return [
        add_from_library(entry["key"], actor=actor)
        for entry in library()
        if entry["key"] not in present
    ]
