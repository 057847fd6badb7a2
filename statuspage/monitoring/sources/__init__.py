"""Payload readers: each monitoring tool's webhook body into the same small alerts.

One module per tool turns a JSON body into a list of `ReportedAlert`; a body that is not
the tool's shape is an InvalidInput naming what is wrong (a 422 at the endpoint), never a
500. Everything a reader keeps is bounded and storable text (core.validation.storable), so
the intake can write it as it is. `READERS` maps each integration kind to its reader.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from statuspage.models import IntegrationKind
from statuspage.monitoring.sources import alertmanager, generic, grafana, uptime_kuma
from statuspage.monitoring.sources.reading import ReportedAlert

Reader = Callable[[Any], list[ReportedAlert]]

READERS: dict[IntegrationKind, Reader] = {
    IntegrationKind.alertmanager: alertmanager.read,
    IntegrationKind.grafana: grafana.read,
    IntegrationKind.uptime_kuma: uptime_kuma.read,
    IntegrationKind.generic: generic.read,
}

__all__ = ["READERS", "ReportedAlert"]
