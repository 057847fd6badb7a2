"""Admin fixtures: a signed-in owner, an anonymous visitor, and a small world to edit; sign-in
attempts are forgotten between tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from statuspage.extensions import limiter
from statuspage.models import Role
from tests.admin.staff_client import Staff, signed_in
from tests.admin.world import World, build_world


@pytest.fixture(autouse=True)
def fresh_limits() -> Iterator[None]:
    """Each test starts with no sign-in attempts counted."""
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture
def anonymous(app: Flask) -> Staff:
    return Staff(app.test_client())


@pytest.fixture
def owner(app: Flask) -> Staff:
    return signed_in(app, Role.owner)


@pytest.fixture
def world() -> World:
    return build_world()
