"""Blueprint and template wiring, kept out of the factory so it stays a list of calls."""

from __future__ import annotations

from flask import Flask

from statuspage.public.caching import init_snapshots
from statuspage.public.serializers import iso


def register_blueprints(app: Flask) -> None:
    from admin import bp as admin_bp
    from statuspage.api import bp as api_bp
    from statuspage.extensions import csrf
    from statuspage.public import bp as public_bp
    from statuspage.request_hygiene import DatabaseInt, reads_json

    # Before any rule is added: rules bind their converters when they are registered.
    app.url_map.converters["int"] = DatabaseInt
    init_snapshots(app)
    app.register_blueprint(public_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    csrf.exempt(api_bp)  # token-authenticated: no cookie, so nothing for CSRF to forge
    reads_json(api_bp)  # JSON or form bodies (api.bodies)


def register_template_helpers(app: Flask) -> None:
    from statuspage.i18n.web import init_i18n

    init_i18n(app)
    app.jinja_env.filters["iso"] = iso
