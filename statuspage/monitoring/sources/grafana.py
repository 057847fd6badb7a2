"""Grafana unified alerting's webhook contact point.

Documented at https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/:
Alertmanager's body (Grafana's alerting is built on it) with Grafana's additions (`orgId`,
`title`, `message`, `state`, and per alert `values`, `valueString`, `dashboardURL`,
`panelURL`, `silenceURL`). Its `version` is Grafana's own ("1"), so it is not checked;
the alerts are read as Alertmanager's are.
"""

from __future__ import annotations

from typing import Any

from statuspage.core.errors import InvalidInput
from statuspage.monitoring.sources import alertmanager
from statuspage.monitoring.sources.reading import ReportedAlert, alert_list, as_object


def read(body: Any) -> list[ReportedAlert]:
    body = as_object(body, "the body")
    if "orgId" not in body and "receiver" not in body:
        raise InvalidInput('not a Grafana webhook body: it has neither "orgId" nor "receiver"')
    return [alertmanager.one(alert, n) for n, alert in enumerate(alert_list(body))]
