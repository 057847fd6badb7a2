"""The real Prometheus Alertmanager (Debian's prometheus-alertmanager, which `make browser`
installs) in a test: a temporary config and storage, a free port, one route whose webhook
receiver is Herald, and alerts posted to Alertmanager's own API (POST /api/v2/alerts).

Resolving is what Prometheus does: the same alert again with `endsAt` in the past
(https://prometheus.io/docs/alerting/latest/clients/). Grouping is quick so a test takes
seconds: `group_wait` is how long a new group waits before its first notification,
`group_interval` how long before a changed group (a resolved alert) notifies again
(https://prometheus.io/docs/alerting/latest/configuration/#route).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.conftest import free_port

BINARY = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
needs_alertmanager = pytest.mark.skipif(
    BINARY is None, reason="Alertmanager is not installed (make browser installs it)"
)

CONFIG = """
route:
  receiver: herald
  group_by: ['alertname']
  group_wait: 100ms
  group_interval: 500ms
  repeat_interval: 1h
receivers:
  - name: herald
    webhook_configs:
      - url: {url}
        send_resolved: true
"""


class Alertmanager:
    """One Alertmanager process posting to `webhook_url`, stopped by `stop()`."""

    def __init__(self, folder: Path, webhook_url: str) -> None:
        assert BINARY is not None
        folder.mkdir(parents=True, exist_ok=True)
        config = folder / "alertmanager.yml"
        config.write_text(CONFIG.format(url=json.dumps(webhook_url)))
        self.base = f"http://127.0.0.1:{free_port()}"
        self.log = folder / "alertmanager.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    BINARY,
                    f"--config.file={config}",
                    f"--storage.path={folder / 'data'}",
                    f"--web.listen-address={self.base.removeprefix('http://')}",
                    "--cluster.listen-address=",  # one instance: no gossip port
                    "--log.level=debug",
                ],
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        deadline = time.monotonic() + 30
        while not self._ready():
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            assert time.monotonic() < deadline, "Alertmanager did not start"
            time.sleep(0.1)

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base}/-/ready", timeout=2) as response:  # noqa: S310
                return response.status == 200
        except (OSError, urllib.error.URLError):
            return False

    def post(self, alerts: list[dict[str, Any]]) -> None:
        request = urllib.request.Request(  # noqa: S310 (loopback only)
            f"{self.base}/api/v2/alerts",
            data=json.dumps(alerts).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            assert response.status == 200, response.read()

    def fire(self, labels: dict[str, str], summary: str = "") -> None:
        now = datetime.now(UTC)
        self.post([{
            "labels": labels,
            "annotations": {"summary": summary} if summary else {},
            "startsAt": _rfc3339(now - timedelta(seconds=1)),
            "endsAt": _rfc3339(now + timedelta(minutes=10)),
        }])  # fmt: skip

    def resolve(self, labels: dict[str, str]) -> None:
        now = datetime.now(UTC)
        self.post([{
            "labels": labels,
            "startsAt": _rfc3339(now - timedelta(seconds=10)),
            "endsAt": _rfc3339(now - timedelta(seconds=1)),
        }])  # fmt: skip

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def wait_for(check: Any, what: str, timeout: float = 30.0) -> Any:
    """Poll `check` until it returns something true; fail naming `what` after `timeout`
    (a bound on a hang, not a measured promise)."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)
