"""Management API fixtures: API keys per role, the page id, and fresh rate limits per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from statuspage.extensions import db, limiter
from statuspage.models import ApiKey
from statuspage.page.state import ensure_page
from statuspage.staff.accounts import create_api_key

ROLES = ("owner", "comms", "responder", "legal", "viewer")


@dataclass(frozen=True)
class Caller:
    """An API key as a client holds it: the record (for assertions) and the secret."""

    key: ApiKey
    secret: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}"}

    @property
    def oauth(self) -> dict[str, str]:
        """Statuspage's own header form."""
        return {"Authorization": f"OAuth {self.secret}"}

    @property
    def audit_label(self) -> str:
        return f"api:{self.key.id} {self.key.name}"


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    """Limits live in memory across tests; key ids repeat once tables are emptied."""
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture
def make_caller() -> Callable[[str], Caller]:
    def make(role: str) -> Caller:
        key, secret = create_api_key(f"{role}-bot", role)
        db.session.commit()
        return Caller(key, secret)

    return make


@pytest.fixture
def owner(make_caller) -> Caller:
    return make_caller("owner")


@pytest.fixture
def page_id() -> str:
    page = ensure_page("Acme Status")
    db.session.commit()
    return page.id


@pytest.fixture
def base(page_id: str) -> str:
    """The management API path of the page: every resource lives under it."""
    return f"/api/v1/pages/{page_id}"
