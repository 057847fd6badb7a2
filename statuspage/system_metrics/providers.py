"""Metrics providers: where a page's metrics come from.

Two of Statuspage's provider types mean something in Herald: "Self" (the data is pushed
through the v1 API) and "Prometheus" (Herald's own type: `metric_base_uri` is the server's
http(s) URL, each metric's identifier a PromQL query the worker reads every minute).
Statuspage's hosted integrations (Pingdom, NewRelic, Librato, Datadog) would need their
vendors' credentials and APIs; they are refused by name, with what to use instead, rather
than accepted and left silently empty.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from statuspage.audit.changes import record_change, record_created, record_removed
from statuspage.audit.trail import SYSTEM, Actor
from statuspage.clock import utcnow
from statuspage.core.errors import InvalidInput, NotFound
from statuspage.core.validation import one_line
from statuspage.extensions import db
from statuspage.models import Metric, MetricsProvider
from statuspage.page.state import bump_version, ensure_page

SELF, PROMETHEUS = "Self", "Prometheus"
TYPES = (SELF, PROMETHEUS)
# Statuspage's other types: named so the refusal can say why, not just "unknown".
HOSTED = ("Pingdom", "NewRelic", "Librato", "Datadog")
MAX_URI = 500
FIELDS = ("type", "metric_base_uri", "disabled")
TARGET = "metrics_provider"


def list_providers() -> list[MetricsProvider]:
    return list(
        db.session.scalars(
            select(MetricsProvider).order_by(MetricsProvider.created_at, MetricsProvider.id)
        )
    )


def get_provider(provider_id: str) -> MetricsProvider:
    provider = db.session.get(MetricsProvider, provider_id)
    if provider is None:
        raise NotFound(f"no metrics provider {provider_id!r}")
    return provider


def provider_type(value: str | None) -> str:
    """The type as stored ("Self" or "Prometheus", any case accepted), or a refusal."""
    wanted = (value or "").strip()
    for known in TYPES:
        if wanted.lower() == known.lower():
            return known
    if wanted.lower() in {name.lower() for name in HOSTED}:
        raise InvalidInput(
            f"Herald cannot read metrics from {wanted}: use the type Self and push the data "
            "with POST /pages/{page_id}/metrics/{metric_id}/data, or Prometheus with the "
            "server's URL"
        )
    raise InvalidInput(f"a metrics provider's type must be Self or Prometheus; got {wanted[:40]!r}")


def base_uri(value: str | None) -> str:
    """A Prometheus server's URL: http or https, a host, no query, fragment or credentials."""
    uri = one_line(value, "metric_base_uri", MAX_URI, missing="a Prometheus provider needs "
                   "metric_base_uri, the server's URL (http://prometheus:9090)")  # fmt: skip
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - a port out of range raises here
    except ValueError as exc:
        raise InvalidInput(f"metric_base_uri is not a URL: {exc}") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("metric_base_uri must be an http:// or https:// URL with a host")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise InvalidInput("metric_base_uri takes no query, fragment or credentials")
    return uri.rstrip("/")


def _check(provider_kind: str, uri: str | None) -> str | None:
    if provider_kind == PROMETHEUS:
        return base_uri(uri)
    if uri:
        raise InvalidInput("metric_base_uri is for Prometheus providers; Self takes none")
    return None


def create_provider(
    kind: str | None,
    *,
    metric_base_uri: str | None = None,
    disabled: bool = False,
    actor: Actor = SYSTEM,
) -> MetricsProvider:
    stored = provider_type(kind)
    provider = MetricsProvider(
        page_id=ensure_page().id,
        type=stored,
        metric_base_uri=_check(stored, metric_base_uri),
        disabled=disabled,
    )
    db.session.add(provider)
    db.session.flush()
    record_created(actor, "metrics_provider.create", provider, FIELDS, target_type=TARGET)
    return provider


def update_provider(
    provider: MetricsProvider, *, actor: Actor = SYSTEM, **changes: Any
) -> MetricsProvider:
    """Change the type, the URL or `disabled` (a disabled Prometheus provider is not read).

    A provider's metrics keep their identifiers when its type changes: a PromQL query left
    on a Self provider is inert, and pushing is refused on a Prometheus one.
    """
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise InvalidInput(f"unknown metrics provider field {sorted(unknown)[0]!r}")
    with record_change(actor, "metrics_provider.update", provider, FIELDS, target_type=TARGET):
        kind = provider_type(changes["type"]) if changes.get("type") else provider.type
        uri = changes.get("metric_base_uri", provider.metric_base_uri)
        if kind == SELF and "metric_base_uri" not in changes:
            uri = None  # a provider turned into Self leaves its server behind
        provider.metric_base_uri = _check(kind, uri)
        provider.type = kind
        if changes.get("disabled") is not None:
            provider.disabled = bool(changes["disabled"])
        provider.updated_at = utcnow()
        db.session.flush()
    return provider


def delete_provider(provider: MetricsProvider, *, actor: Actor = SYSTEM) -> None:
    """Its metrics and their data go with it (the database cascades)."""
    shown = db.session.scalar(
        select(Metric.id).where(Metric.metrics_provider_id == provider.id, Metric.display).limit(1)
    )
    record_removed(actor, "metrics_provider.delete", provider, FIELDS, target_type=TARGET)
    of_provider = select(Metric).where(Metric.metrics_provider_id == provider.id)
    for metric in db.session.scalars(of_provider):
        db.session.delete(metric)
    db.session.delete(provider)
    db.session.flush()
    if shown is not None:
        bump_version()  # a chart leaves the public page
