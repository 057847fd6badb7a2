"""Flask extensions, created unbound; the app factory binds them."""

import sqlite3
from typing import Any

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import Engine, MetaData, event
from sqlalchemy.orm import DeclarativeBase

from statuspage.config import REPO_ROOT
from statuspage.infra import throttle_store  # noqa: F401 (registers herald+sqlite://)

# Named constraints: Alembic can only alter (and SQLite batch mode only rebuild) what it can name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base shared by every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)  # batch: ALTERs run on SQLite too
login_manager = LoginManager()
csrf = CSRFProtect()
# Storage from RATELIMIT_STORAGE_URI (config.py): shared by every process, a SQLite file by
# default (infra/throttle_store.py registers its scheme with `limits` on import), or Redis.
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL and a busy timeout let the web server, worker and CLI share one SQLite file."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def engine_options(uri: str, options: dict[str, Any], connect_timeout: float) -> dict[str, Any]:
    """The engine options, with a connect timeout for PostgreSQL.

    libpq waits for a server that accepts and never answers (a half-dead host, a black-holed
    route) for as long as TCP does: /readyz, a page render or a job would hang with it. The
    timeout turns that into an error in seconds, which /readyz reports and the engine retries.
    """
    if not uri.startswith("postgresql") or "connect_timeout" in uri:
        return options
    connect_args = {
        "connect_timeout": max(1, round(connect_timeout)),
        **options.get("connect_args", {}),
    }
    return {**options, "connect_args": connect_args}


def register_extensions(app: Flask) -> None:
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"],
        app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
        app.config.get("CONNECT_TIMEOUT", 5.0),
    )
    db.init_app(app)
    migrate.init_app(app, db, directory=str(REPO_ROOT / "migrations"))
    # No context processor: public pages must never read the session (they are snapshots).
    login_manager.init_app(app, add_context_processor=False)
    csrf.init_app(app)
    limiter.init_app(app)
    if not event.contains(Engine, "connect", _sqlite_pragmas):
        event.listen(Engine, "connect", _sqlite_pragmas)
