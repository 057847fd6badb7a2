"""INSERT ... ON CONFLICT, on whichever of Herald's two databases the session is bound to.

SQLAlchemy's generic `insert` has no ON CONFLICT clause: PostgreSQL and SQLite each have one
(with the same `on_conflict_do_nothing` / `on_conflict_do_update` API) in their dialect
module. Every idempotent write (a delivery made once, a thread's latest post) asks here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from statuspage.extensions import db

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def conflict_insert(table: Any) -> postgresql.Insert | sqlite.Insert:
    """An INSERT into `table` (a model or Table) that takes an ON CONFLICT clause, for the
    database the session writes to."""
    dialect = db.session.get_bind().dialect.name
    try:
        return _INSERTS[dialect](table)
    except KeyError:
        raise RuntimeError(f"Herald runs on PostgreSQL or SQLite, not {dialect}") from None
