"""Herald: a self-hosted status page and crisis-communication hub."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from statuspage.config import REPO_ROOT, from_environment


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Wire the app: config, extensions, blueprints, CLI and error pages. Nothing else.

    `config` replaces the environment entirely (tests pass theirs straight in).
    """
    settings = dict(config) if config is not None else from_environment()
    app = Flask(
        __name__,
        instance_path=settings.get("INSTANCE_PATH") or str(REPO_ROOT / "instance"),
        template_folder=str(REPO_ROOT / "templates"),
        static_folder=str(REPO_ROOT / "static"),
    )
    app.config.update(settings)

    from statuspage.cli import register_cli
    from statuspage.errors import register_error_handlers
    from statuspage.extensions import register_extensions
    from statuspage.jobs.queue import init_queue
    from statuspage.logs import register_logging
    from statuspage.ops import register_ops
    from statuspage.request_hygiene import register_request_hygiene
    from statuspage.security import register_security
    from statuspage.web import register_blueprints, register_template_helpers

    register_extensions(app)
    init_queue(app)
    register_blueprints(app)
    register_template_helpers(app)
    register_error_handlers(app)
    register_request_hygiene(app)
    register_cli(app)
    # After register_blueprints: these wrap the WSGI app around the snapshot fast path; the
    # proxy fix (register_security) goes outermost, so logs and metrics see the client.
    register_ops(app)
    register_logging(app)
    register_security(app)
    return app
