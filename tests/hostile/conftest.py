"""Hostile-input fixtures: fresh rate limits, a world with something of every kind, and the
session's chromium for test_xss.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from statuspage.extensions import limiter
from tests.admin.world import World, build_world


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.import_plugin("tests.chromium")  # the `browser` of test_xss.py


@pytest.fixture(autouse=True)
def fresh_limits() -> Iterator[None]:
    """Sign-ins, subscriptions and API calls are throttled; each test starts with none counted."""
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture
def world() -> World:
    return build_world()
