"""Settings, read from the environment once, with embedded defaults for the one-command start."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from statuspage.vapid import private_key_pem

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE_PATH = REPO_ROOT / "instance"


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message says which and how to fix it."""


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    raw = env.get(name) or choices[0]
    if raw not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return raw


def _secret_key(env: Mapping[str, str], instance_path: Path, production: bool) -> str:
    """SECRET_KEY from the environment; in development one is generated and kept on disk.

    A generated key is kept in the instance folder so sessions and signed links survive a
    restart. In production a missing key stops the start: a key that silently changes would
    invalidate every signed link Herald has sent.
    """
    key = env.get("SECRET_KEY")
    if key:
        return key
    if production:
        raise ConfigError("SECRET_KEY must be set when HERALD_ENV=production")
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


# Chrome/Edge (FCM), Firefox (Mozilla autopush), Windows (WNS), Safari (Apple).
DEFAULT_PUSH_SERVICES = (
    "https://fcm.googleapis.com https://*.googleapis.com https://*.push.services.mozilla.com"
    " https://*.notify.windows.com https://web.push.apple.com https://*.push.apple.com"
)


def _vapid_private_key(env: Mapping[str, str], instance_path: Path) -> str:
    """VAPID_PRIVATE_KEY as PEM, or the key kept in the instance folder (made on first start)."""
    try:
        return private_key_pem(env.get("VAPID_PRIVATE_KEY", ""), instance_path)
    except ValueError as exc:
        raise ConfigError(f"VAPID_PRIVATE_KEY is malformed: {exc}") from exc


DEV_MAIL_FROM = "Herald Status <status@herald.invalid>"


def _mail_from(env: Mapping[str, str], production: bool) -> str:
    """The sender of every mail, and so where bounces and replies go. The default's domain,
    `.invalid` (RFC 2606), exists nowhere: fine for the dev mailbox, but in production the
    bounces of real mail would be lost, so a start without a real sender is refused."""
    sender = env.get("MAIL_FROM") or DEV_MAIL_FROM
    _, address = parseaddr(sender)
    local, at, domain = address.rpartition("@")
    domain = domain.lower()
    if production and (
        not (local and at and domain) or domain == "invalid" or domain.endswith(".invalid")
    ):
        raise ConfigError(
            "MAIL_FROM must be a real sender when HERALD_ENV=production "
            "(e.g. 'Acme Status <status@acme.example>'): bounces and replies go to it"
        )
    return sender


# The longest VERP token (delivery/return_path.py): "+", a delivery id, "-", a 26-letter MAC.
_VERP_TOKEN_ROOM = 1 + 18 + 1 + 26
_LOCAL_PART_MAX = 64  # RFC 5321 §4.5.3.1.1
# RFC 5321 dot-atom letters without "+" (the token's delimiter); a host name.
_BOUNCE_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*/=?^_`{|}~-]+)*")
_BOUNCE_DOMAIN = re.compile(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*")


def _bounce_address(env: Mapping[str, str], production: bool) -> str:
    """BOUNCE_ADDRESS: the mailbox bounces come back to, one address per delivery (VERP:
    `bounces+<token>@domain`); empty: the envelope sender stays MAIL_FROM, as before. A bare
    address whose local part holds no `+` (the delimiter) and leaves room for the token; in
    production a real domain, as MAIL_FROM's, or every bounce would be lost."""
    raw = (env.get("BOUNCE_ADDRESS") or "").strip()
    if not raw:
        return ""
    local, _, domain = raw.rpartition("@")
    if not (
        _BOUNCE_LOCAL.fullmatch(local)
        and _BOUNCE_DOMAIN.fullmatch(domain)
        and len(local) + _VERP_TOKEN_ROOM <= _LOCAL_PART_MAX
    ):
        raise ConfigError(
            "BOUNCE_ADDRESS must be a bare address such as bounces@status.example.com, its "
            f"local part without '+' and at most {_LOCAL_PART_MAX - _VERP_TOKEN_ROOM} "
            f"characters (each delivery's token is added to it), got {raw!r}"
        )
    domain = domain.lower()
    if production and ("." not in domain or domain.endswith((".invalid", ".localhost"))):
        raise ConfigError(
            "BOUNCE_ADDRESS must have a real domain when HERALD_ENV=production "
            "(e.g. bounces@status.acme.example): bounces come back to it"
        )
    return f"{local}@{domain}"


WEBHOOK_TOKEN_MIN = 32


def _webhook_token(env: Mapping[str, str], name: str) -> str:
    """A secret a provider presents in a webhook's URL: long enough that guessing is hopeless."""
    token = (env.get(name) or "").strip()
    if token and (len(token) < WEBHOOK_TOKEN_MIN or not re.fullmatch(r"[A-Za-z0-9_-]+", token)):
        raise ConfigError(
            f"{name} must be at least {WEBHOOK_TOKEN_MIN} letters, digits, '-' or '_' "
            "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    return token


def _throttle_storage(env: Mapping[str, str], instance_path: Path) -> str:
    """Where the throttles count, one count per client across every process: the queue's
    Redis when the queue is on Redis, else a SQLite file in the instance folder that every
    process on this machine shares (infra/throttle_store.py); RATELIMIT_STORAGE_URI wins."""
    if env.get("RATELIMIT_STORAGE_URI"):
        return env["RATELIMIT_STORAGE_URI"]
    queue_url = env.get("QUEUE_URL", "")
    if queue_url.startswith(("redis://", "rediss://")):
        return queue_url
    instance_path.mkdir(parents=True, exist_ok=True)
    return f"herald+sqlite://{instance_path.resolve() / 'throttles.sqlite'}"


def from_environment(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from environment variables."""
    env = os.environ if env is None else env
    production = env.get("HERALD_ENV", "development") == "production"
    instance_path = Path(env.get("INSTANCE_PATH") or DEFAULT_INSTANCE_PATH)
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'herald.db'}"
    if database_url.startswith("postgres://"):
        # Heroku-style URLs name no driver; Herald speaks psycopg 3.
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgres://")
    port = env.get("PORT", "5000")
    if env.get("TWILIO_ACCOUNT_SID") and not (
        env.get("TWILIO_AUTH_TOKEN") and env.get("TWILIO_FROM")
    ):
        raise ConfigError(
            "TWILIO_ACCOUNT_SID is set: set TWILIO_AUTH_TOKEN and TWILIO_FROM (a phone number "
            "in E.164 or a Messaging Service SID) too, or unset it to turn SMS off"
        )
    return {
        "HERALD_ENV": "production" if production else "development",
        "INSTANCE_PATH": str(instance_path),
        "SECRET_KEY": _secret_key(env, instance_path, production),
        "SQLALCHEMY_DATABASE_URI": database_url,
        # A pooled connection is tested before use: after a database restart or failover a
        # worker's idle connections are dead, and without the ping each would fail one job.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "BASE_URL": (env.get("BASE_URL") or f"http://127.0.0.1:{port}").rstrip("/"),
        "PAGE_NAME": env.get("PAGE_NAME", "Herald Status"),
        # How long a process trusts its last look at the page version before asking the
        # database again. Bounds how stale a snapshot can be; keeps the database off the
        # hot path of every public request.
        "SNAPSHOT_VERSION_TTL": _float(env, "SNAPSHOT_VERSION_TTL", 1.0),
        # How long a web process keeps serving the previous version's snapshot while the
        # worker renders the new one (it does so within a second of a publish); past that,
        # or with no worker running, the web process renders it itself, once per machine.
        "SNAPSHOT_RENDER_GRACE": _float(env, "SNAPSHOT_RENDER_GRACE", 2.0),
        # A browser or CDN may keep a public page this long (then this long more while it asks
        # again): short, because what a reader sees must follow a publish within seconds.
        "PUBLIC_MAX_AGE": int(_float(env, "PUBLIC_MAX_AGE", 3)),
        "PUBLIC_STALE_WHILE_REVALIDATE": int(_float(env, "PUBLIC_STALE_WHILE_REVALIDATE", 2)),
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        # Empty: Huey on a SQLite file in the instance folder; redis://... for many workers.
        "QUEUE_URL": env.get("QUEUE_URL", ""),
        # Seconds to wait for PostgreSQL or Redis to answer a new connection before failing.
        "CONNECT_TIMEOUT": _float(env, "CONNECT_TIMEOUT", 5.0),
        # Empty: mail is written to instance/mail/ (the dev mailbox) instead of being sent.
        "SMTP_URL": env.get("SMTP_URL", ""),
        "MAIL_FROM": _mail_from(env, production),
        # Empty: bounces go to MAIL_FROM. Set: each mail's envelope sender is this mailbox
        # with the delivery's token (bounces+<token>@...), and a bounce that comes back to it
        # (flask bounce-intake, flask bounce-sink) fails that very delivery.
        "BOUNCE_ADDRESS": _bounce_address(env, production),
        # Empty: no bounce webhook. Set: POST /bounces/inbound/<token> takes bounces from a
        # mail provider (public/bounces.py); a long random secret, it is the only password.
        "BOUNCE_WEBHOOK_TOKEN": _webhook_token(env, "BOUNCE_WEBHOOK_TOKEN"),
        # The delivery engine's clocks. The defaults suit production; the fault tests set a
        # few seconds so a killed worker's leases expire within the test.
        "DELIVERY_LEASE_SECONDS": _float(env, "DELIVERY_LEASE_SECONDS", 120),
        "FANOUT_STALE_SECONDS": _float(env, "FANOUT_STALE_SECONDS", 120),
        "LOST_PENDING_SECONDS": _float(env, "LOST_PENDING_SECONDS", 120),
        "DELIVERY_BASE_BACKOFF_SECONDS": _float(env, "DELIVERY_BASE_BACKOFF_SECONDS", 30),
        # Web push: the VAPID key pair is generated into the instance folder on first start
        # unless VAPID_PRIVATE_KEY (PEM, base64url DER or raw) is given; the subject is who the
        # push services may contact (a mailto: or https: URL).
        "VAPID_PRIVATE_KEY": _vapid_private_key(env, instance_path),
        "VAPID_SUBJECT": env.get("VAPID_SUBJECT") or "mailto:status@herald.invalid",
        "PUSH_TTL_SECONDS": int(_float(env, "PUSH_TTL_SECONDS", 24 * 3600)),
        # The push services a browser's subscription may point at (scheme://host patterns,
        # space-separated): Herald posts to the endpoint it is given, so anything else is
        # refused rather than letting anyone make it post to an internal address.
        "PUSH_SERVICES": env.get("PUSH_SERVICES") or DEFAULT_PUSH_SERVICES,
        # Outgoing HTTP (push services, webhooks, chat, social, SMS): one timeout for each call.
        "HTTP_TIMEOUT_SECONDS": _float(env, "HTTP_TIMEOUT_SECONDS", 10),
        # SMS through Twilio; empty: SMS is not offered.
        "TWILIO_ACCOUNT_SID": env.get("TWILIO_ACCOUNT_SID", ""),
        "TWILIO_AUTH_TOKEN": env.get("TWILIO_AUTH_TOKEN", ""),
        "TWILIO_FROM": env.get("TWILIO_FROM", ""),
        "RATELIMIT_STORAGE_URI": _throttle_storage(env, instance_path),
        "RATELIMIT_HEADERS_ENABLED": True,
        "API_RATE_LIMIT": env.get("API_RATE_LIMIT") or "60 per minute",  # per management API key
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": (env.get("BASE_URL") or "").startswith("https://"),
        "REMEMBER_COOKIE_SECURE": (env.get("BASE_URL") or "").startswith("https://"),
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,  # a long incident shift must not lose its form
        # Operations (statuspage/ops.py, logs.py, security.py; deploy/ and the README's
        # "Production deployment"). Text logs by default; json: one object per line.
        "LOG_FORMAT": _choice(env, "LOG_FORMAT", ("text", "json")),
        "LOG_LEVEL": env.get("LOG_LEVEL") or "INFO",
        "LOG_REQUESTS": env.get("LOG_REQUESTS", "") not in ("", "0", "false", "no"),
        # How many reverse proxies in front set X-Forwarded-For/-Proto/-Host (nginx: 1). With 0
        # those headers are ignored, since any client could send them.
        "TRUSTED_PROXIES": int(_float(env, "TRUSTED_PROXIES", 0)),
        # Empty: /metrics answers loopback only (a Prometheus on this machine), unless
        # METRICS_OPEN=1 opens it to every address (one the nginx site already restricts).
        "METRICS_TOKEN": env.get("METRICS_TOKEN", ""),
        # Webhooks, chat hooks and a Mastodon server on this machine (127.0.0.1, ::1,
        # localhost): off by default, as every target must be a public host; on for a test
        # rig or a self-hosted receiver beside Herald. The test suite turns it on.
        "ALLOW_LOOPBACK_TARGETS": env.get("ALLOW_LOOPBACK_TARGETS", "")
        not in ("", "0", "false", "no"),
        "METRICS_OPEN": env.get("METRICS_OPEN", "") not in ("", "0", "false", "no"),
        # Set by deploy/gunicorn.conf.py: every worker's counters in one directory, summed on
        # scrape. prometheus_client reads the variable itself; it is mirrored here for /metrics.
        "PROMETHEUS_MULTIPROC_DIR": env.get("PROMETHEUS_MULTIPROC_DIR", ""),
    }
