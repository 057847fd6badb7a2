"""Alert intake: where monitoring tools post their alerts (Alertmanager, Grafana, Uptime
Kuma, the generic JSON), one integration's secret in the URL path or as a bearer token.

These routes take no API key: the integration's secret is the credential, looked up by
its digest (monitoring.secrets), and the page and kind in the path must be the
integration's own. Whatever is wrong (no secret, a wrong one, another page's, another
kind's) gets the same 401, so an answer never tells which part was right. Then: JSON
only (415), bounded (413), the tool's shape (422 naming what is wrong), one commit.
"""

from __future__ import annotations

import json
from typing import Any

from flask import request
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge, Unauthorized, UnsupportedMediaType

from statuspage.api.bodies import MalformedBody
from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.models import Integration
from statuspage.monitoring.intake import take_alerts
from statuspage.monitoring.secrets import digest
from statuspage.monitoring.sources import READERS

MAX_BODY = 1024 * 1024  # bytes: 500 alerts with their labels fit with room to spare
MAX_SECRET = 200
REFUSED = "unknown integration: check the URL and its secret"


def receive(page_id: str, kind: str, secret: str | None = None) -> tuple[dict[str, Any], int]:
    integration = _integration(page_id, kind, secret)
    if not request.is_json:
        raise UnsupportedMediaType("send the alerts as application/json")
    if (request.content_length or 0) > MAX_BODY:
        raise RequestEntityTooLarge(f"a body is at most {MAX_BODY} bytes")
    alerts = READERS[integration.kind](_json(request.get_data()))
    summary = take_alerts(integration, alerts, utcnow())
    db.session.commit()
    return summary.as_json(), 200


def _integration(page_id: str, kind: str, secret: str | None) -> Integration:
    """The integration the secret names, if the path's page and kind are its own; else 401."""
    secret = secret if secret is not None else _bearer()
    if not secret or len(secret) > MAX_SECRET or not secret.isascii() or "\x00" in secret:
        raise Unauthorized(REFUSED)
    integration = db.session.scalar(
        select(Integration).where(Integration.secret_digest == digest(secret))
    )
    if integration is None or integration.page_id != page_id or integration.kind != kind:
        raise Unauthorized(REFUSED)
    return integration


def _bearer() -> str | None:
    scheme, _, secret = request.headers.get("Authorization", "").strip().partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else None


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:  # ValueError covers bad UTF-8 too
        raise MalformedBody(f"the body is not valid JSON: {str(exc)[:200]}") from exc
