"""Run pip-audit against PyPI's advisories, through the one PyPI endpoint these machines reach.

Why this exists: pip-audit asks a vulnerability service about each installed release, either
PyPI's per-release JSON (`/pypi/NAME/VERSION/json`) or osv.dev. The machines Herald is built
and tested on reach neither; pip-audit then marks every package "skipped" and passes, which
proves nothing. They do reach PyPI's project JSON (`/pypi/NAME/json`), which carries the known
vulnerabilities of the project's newest release, from the same PyPA advisory data that
pip-audit's default service reads. This module answers pip-audit's OSV queries (its
`--osv-url`) from that endpoint, on loopback:

- The release is the project's newest: its vulnerabilities, as PyPI lists them. This is a
  complete answer, and it is the usual case while the lock is fresh (`make lock-upgrade`
  moves every pin of requirements/lock.txt to its newest release).
- An older release held back on purpose, named with its reason in `audit_exceptions.toml`
  (a dependency caps it, or newer releases need a newer Python): the newest release's
  vulnerabilities that have no fixed version yet (they may well reach back), and the held
  release is listed at the end as not fully checkable, with its reason.
- A locked release whose project published a newer one less than `LOCK_GRACE` (3 days) ago:
  the newest release's unfixed vulnerabilities, and the release is listed at the end as due
  for `make lock-upgrade`. A lock is a snapshot, and projects such as hypothesis publish
  several times a week: without this, CI on an unchanged checkout would turn red within
  hours of any upstream release. Three days bounds how long a fix in that newer release can
  go unseen; past them the release is unchecked, as below.
- Any other release: a finding `HERALD-UNCHECKED-<name>`, so pip-audit fails rather than pass
  a release nobody could check. Its fix version is the newest release; the way out is to
  upgrade (`make lock-upgrade`), or to add an exception with its reason.

`main()` starts the bridge, runs `pip-audit -s osv --osv-url <bridge>` with the arguments it
was given (e.g. `--ignore-vuln ID`), and exits with pip-audit's status. It audits this
virtualenv, or with `--lock PATH` (`make audit`) the releases pinned in that hashed lock file,
which is what every install from it gets. A PyPI that cannot be reached is an error, never a
pass, and so is a release of the virtualenv or the lock that pip-audit did not ask about.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import subprocess
import sys
import threading
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

if __package__:  # imported as tools.pip_audit_bridge (the tests)
    from tools.lockfile import LockError, read_lock
else:  # run as a script, `python tools/pip_audit_bridge.py`: tools/ is on sys.path
    from lockfile import LockError, read_lock

PYPI_JSON_URL = "https://pypi.org/pypi"
EXCEPTIONS_FILE = Path(__file__).with_name("audit_exceptions.toml")
FETCH_ATTEMPTS = 3
FETCH_TIMEOUT_S = 30
# How long a lock may lag a project's newest release before the audit calls its pin unchecked.
LOCK_GRACE = timedelta(days=3)


class BridgeError(Exception):
    """PyPI could not answer for a package: the audit must fail, not pass unchecked."""


@dataclass(frozen=True)
class HeldRelease:
    """An exception: releases of `name` matching `held` are accepted below the newest."""

    name: str
    held: SpecifierSet
    why: str


def load_exceptions(path: Path = EXCEPTIONS_FILE) -> dict[str, HeldRelease]:
    """Read the exceptions file; every entry must say which releases it holds and why."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    exceptions: dict[str, HeldRelease] = {}
    for name, entry in data.items():
        held, why = entry.get("held"), (entry.get("why") or "").strip()
        if not held or not why:
            raise ValueError(f"{path.name}: [{name}] needs both `held` and `why`")
        try:
            specifier = SpecifierSet(held)
        except InvalidSpecifier as exc:
            raise ValueError(f"{path.name}: [{name}] held = {held!r}: {exc}") from None
        exceptions[canonicalize_name(name)] = HeldRelease(name, specifier, why)
    return exceptions


def _osv_entry(name: str, advisory: dict[str, Any]) -> dict[str, Any]:
    """One advisory of PyPI's project JSON, in the OSV shape pip-audit reads."""
    events: list[dict[str, str]] = [{"introduced": "0"}]
    events += [{"fixed": version} for version in advisory.get("fixed_in") or []]
    return {
        "schema_version": "1.6.0",
        "id": advisory["id"],
        "aliases": advisory.get("aliases") or [],
        "summary": advisory.get("summary"),
        "details": advisory.get("details"),
        "withdrawn": advisory.get("withdrawn"),
        "affected": [
            {
                "package": {"name": name, "ecosystem": "PyPI"},
                "ranges": [{"type": "ECOSYSTEM", "events": events}],
            }
        ],
    }


def _unchecked_entry(name: str, version: str, newest: str | None) -> dict[str, Any]:
    """A finding for a release the bridge cannot vouch for, so that pip-audit fails on it."""
    if newest is None:
        details = f"{name} is not on PyPI: its advisories cannot be read."
        fixed: list[dict[str, str]] = []
    else:
        details = (
            f"{name} {version} is not the newest release ({newest}), and PyPI's advisories "
            f"reachable here describe only the newest. Upgrade it, or hold it in "
            f"tools/{EXCEPTIONS_FILE.name} with the reason."
        )
        fixed = [{"fixed": newest}]
    return {
        "schema_version": "1.6.0",
        "id": f"HERALD-UNCHECKED-{name}",
        "details": details,
        "affected": [
            {
                "package": {"name": name, "ecosystem": "PyPI"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, *fixed]}],
            }
        ],
    }


@dataclass
class Ledger:
    """What the bridge answered, for the summary printed after pip-audit's own report."""

    newest: set[str] = field(default_factory=set)
    held: set[tuple[str, str]] = field(default_factory=set)
    lagging: set[str] = field(default_factory=set)  # behind a release out for < LOCK_GRACE
    unchecked: set[str] = field(default_factory=set)
    answered: set[str] = field(default_factory=set)  # "name version", whatever the answer
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, bucket: str, item: Any) -> None:
        with self.lock:
            getattr(self, bucket).add(item)


def fetch_project(session: requests.Session, base_url: str, name: str) -> dict | None:
    """PyPI's project JSON for `name` (None if PyPI has no such project), retried."""
    last_error: Exception | None = None
    for _ in range(FETCH_ATTEMPTS):
        try:
            response = session.get(f"{base_url}/{name}/json", timeout=FETCH_TIMEOUT_S)
        except requests.RequestException as exc:
            last_error = exc
            continue
        if response.status_code == 404:
            return None
        if response.ok:
            return response.json()
        last_error = BridgeError(f"HTTP {response.status_code}")
    raise BridgeError(f"PyPI did not answer for {name}: {last_error}")


def newest_published(project: dict) -> datetime | None:
    """When the project's newest release was first uploaded (its earliest file), if PyPI says."""
    times = [
        datetime.fromisoformat(url["upload_time_iso_8601"].replace("Z", "+00:00"))
        for url in project.get("urls") or []
        if url.get("upload_time_iso_8601")
    ]
    return min(times) if times else None


def answer(
    name: str,
    version: str,
    project: dict | None,
    exceptions: dict[str, HeldRelease],
    ledger: Ledger,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """The OSV `vulns` for `name` at `version`, given PyPI's project JSON for it."""
    name = canonicalize_name(name)
    ledger.note("answered", f"{name} {version}")
    if project is None:
        ledger.note("unchecked", f"{name} {version}")
        return [_unchecked_entry(name, version, None)]
    newest = project["info"]["version"]
    advisories = project.get("vulnerabilities") or []
    try:
        is_newest = Version(version) == Version(newest)
    except InvalidVersion:
        is_newest = version == newest
    if is_newest:
        ledger.note("newest", f"{name} {version}")
        return [_osv_entry(name, advisory) for advisory in advisories]
    held = exceptions.get(name)
    if held is not None and held.held.contains(version, prereleases=True):
        ledger.note("held", (f"{name} {version} (newest {newest})", held.why))
        unfixed = [advisory for advisory in advisories if not advisory.get("fixed_in")]
        return [_osv_entry(name, advisory) for advisory in unfixed]
    published = newest_published(project)
    if published is not None and (now or datetime.now(UTC)) - published < LOCK_GRACE:
        ledger.note("lagging", f"{name} {version} (newest {newest}, out {published:%Y-%m-%d})")
        unfixed = [advisory for advisory in advisories if not advisory.get("fixed_in")]
        return [_osv_entry(name, advisory) for advisory in unfixed]
    ledger.note("unchecked", f"{name} {version} (newest {newest})")
    return [_unchecked_entry(name, version, newest)]


def make_server(
    base_url: str = PYPI_JSON_URL,
    exceptions: dict[str, HeldRelease] | None = None,
    ledger: Ledger | None = None,
) -> ThreadingHTTPServer:
    """An OSV `/v1/query` endpoint on 127.0.0.1 (an ephemeral port), backed by PyPI."""
    exceptions = load_exceptions() if exceptions is None else exceptions
    ledger = Ledger() if ledger is None else ledger
    session = requests.Session()

    class QueryHandler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            try:
                query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                package = query["package"]
                if package.get("ecosystem") != "PyPI":
                    raise ValueError("only the PyPI ecosystem is served")
                name, version = package["name"], query["version"]
            except (KeyError, TypeError, ValueError) as exc:
                self._reply(400, {"message": f"bad query: {exc}"})
                return
            try:
                project = fetch_project(session, base_url, canonicalize_name(name))
            except BridgeError as exc:
                self._reply(502, {"message": str(exc)})
                return
            self._reply(200, {"vulns": answer(name, version, project, exceptions, ledger)})

        def _reply(self, status: int, body: dict) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: pip-audit's own report is the output."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), QueryHandler)
    server.ledger = ledger  # type: ignore[attr-defined]
    server.pypi_session = session  # type: ignore[attr-defined]
    return server


def summary(ledger: Ledger) -> str:
    """The lines printed after pip-audit's report: what was checked, and how fully."""
    lines = [
        f"audit: {len(ledger.newest)} packages checked at their newest release, "
        f"{len(ledger.held)} held back by exception, {len(ledger.lagging)} behind a release "
        f"out less than {LOCK_GRACE.days} days, {len(ledger.unchecked)} unchecked"
    ]
    for release, why in sorted(ledger.held):
        lines.append(f"  held: {release}: only its unfixed advisories are known. {why}")
    for release in sorted(ledger.lagging):
        lines.append(
            f"  lagging: {release}: only its unfixed advisories are known; make lock-upgrade"
        )
    for release in sorted(ledger.unchecked):
        lines.append(f"  unchecked: {release}")
    return "\n".join(lines)


def installed_releases(paths: list[str] | None = None) -> set[str]:
    """`name version` of every distribution pip-audit should audit (editable ones aside)."""
    releases = set()
    for dist in importlib.metadata.distributions(**({"path": paths} if paths else {})):
        direct_url = dist.read_text("direct_url.json")
        if direct_url and json.loads(direct_url).get("dir_info", {}).get("editable"):
            continue  # Herald itself, installed from this checkout: not a PyPI release
        releases.add(f"{canonicalize_name(dist.metadata['Name'])} {dist.version}")
    return releases


def locked_releases(lock: Path) -> set[str]:
    """`name version` of every release pinned in a lock file (tools/lockfile.py reads it)."""
    return {f"{pin.name} {pin.version}" for pin in read_lock(lock).values()}


def main(
    argv: list[str] | None = None,
    base_url: str = PYPI_JSON_URL,
    paths: list[str] | None = None,
    exceptions: dict[str, HeldRelease] | None = None,
) -> int:
    """Serve the bridge, run pip-audit through it over this environment (or `paths`), or
    over the lock file named by `--lock PATH` in `argv`; the rest of `argv` is pip-audit's.

    pip-audit's --strict cannot be used (it fails on the editable checkout it was told to
    skip), so the same guarantee is kept here: every installed release, or every locked one,
    must have been answered by the bridge, or the audit fails.
    """
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--lock", type=Path)
    options, pip_audit_args = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    locked: set[str] | None = None
    if options.lock is not None:
        if paths:
            raise ValueError("--lock audits the lock file, not installation paths")
        try:
            locked = locked_releases(options.lock)
        except (LockError, OSError) as exc:
            print(f"audit: {options.lock} is not a lock of hashed pins:\n{exc}", file=sys.stderr)
            return 1
    server = make_server(base_url, exceptions)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1/query"
    command = [sys.executable, "-m", "pip_audit", "--skip-editable", "--progress-spinner", "off"]
    command += ["--vulnerability-service", "osv", "--osv-url", url]
    if options.lock is not None:
        # The pins as they stand (each hashed, read_lock saw to it): pip resolves and installs
        # nothing to audit them.
        command += ["--requirement", str(options.lock), "--disable-pip"]
    for path in paths or []:
        command += ["--path", path]
    command += pip_audit_args
    try:
        status = subprocess.run(command, check=False).returncode  # noqa: S603
    finally:
        server.shutdown()
        server.server_close()
        server.pypi_session.close()  # type: ignore[attr-defined]
    ledger: Ledger = server.ledger  # type: ignore[attr-defined]
    print(summary(ledger))
    expected = installed_releases(paths) if locked is None else locked
    missed = sorted(expected - ledger.answered)
    if missed:
        print(f"audit: not checked by pip-audit at all: {', '.join(missed)}")
        return status or 1
    return status


if __name__ == "__main__":
    sys.exit(main())
