"""gunicorn in production: `gunicorn --config deploy/gunicorn.conf.py wsgi:app`.

The same app as `make run`; only settings differ, all from the environment (the systemd unit
reads /etc/herald/herald.env). Every web process's Prometheus counters go to one directory so a
scrape answered by any worker sums them all (statuspage/metrics.py).
"""

import os
import tempfile
from pathlib import Path

# Behind nginx on the same machine by default; GUNICORN_BIND=0.0.0.0:8000 when nginx (or a load
# balancer) runs elsewhere, with a firewall letting only it in.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# gthread: a request waiting on the database or SMTP holds a thread, not a process. Two to four
# processes per core; threads cover the waits.
workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1))))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5  # seconds; nginx keeps upstream connections alive (deploy/nginx/herald.conf)
# Recycle workers now and then (jittered, so not all at once): bounds any slow leak.
max_requests = 10000
max_requests_jitter = 1000
# gunicorn trusts X-Forwarded-Proto only from these addresses (nginx). The app itself trusts
# TRUSTED_PROXIES hops of X-Forwarded-* (ProxyFix), which also gives it the client's address.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# The app logs one line per request itself with LOG_REQUESTS=1 (request id, duration, JSON with
# LOG_FORMAT=json); gunicorn's access log only when asked.
accesslog = "-" if os.environ.get("ACCESS_LOG") else None
errorlog = "-"

# prometheus_client reads this variable when it is first imported, in each worker: set it here,
# in the master, before any worker loads the app. systemd's RuntimeDirectory gives /run/herald.
_metrics_default = (
    "/run/herald/prometheus"
    if Path("/run/herald").is_dir()
    else str(Path(tempfile.gettempdir()) / f"herald-prometheus-{os.getuid()}")
)
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", _metrics_default)

if os.environ.get("LOG_FORMAT") == "json":
    # gunicorn's own lines (worker boots, timeouts) as JSON too, with the app's formatter.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "statuspage.logs.JsonFormatter"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": "INFO", "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
        },
    }


def on_starting(server):
    """Start from an empty metrics directory: files of a previous run would be summed in."""
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(parents=True, mode=0o700, exist_ok=True)
    for stale in directory.glob("*.db"):  # only prometheus_client's files, whatever the dir
        stale.unlink()


def child_exit(server, worker):
    """A worker that exits takes its live gauges with it (counters stay summed)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
