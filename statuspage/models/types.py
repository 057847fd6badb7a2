"""Column types shared by the models: public ids and UTC datetimes that survive SQLite."""

from __future__ import annotations

import secrets
import string
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, String
from sqlalchemy.types import TypeDecorator

_ID_ALPHABET = string.ascii_lowercase + string.digits


def new_public_id() -> str:
    """A 12-character random id, the shape Statuspage uses; unguessable, so it leaks nothing."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(12))


PublicId = String(12)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC, returns timezone-aware UTC on every database.

    PostgreSQL keeps the offset; SQLite keeps none, so values are normalised to naive UTC
    on the way in and marked UTC on the way out. A naive datetime is refused: it is always
    a bug here.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: Herald stores aware UTC times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
