"""`make audit`: the real pip-audit, through tools/pip_audit_bridge, against a PyPI on loopback.

PyPI is replaced at the HTTP boundary only (a local server speaking its project-JSON shape);
pip-audit runs for real over a site directory of fake installed distributions, so what is
checked is what pip-audit itself concludes from the bridge's answers.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from tools import pip_audit_bridge as bridge

ADVISORY = {
    "id": "PYSEC-2099-1",
    "aliases": ["CVE-2099-0001"],
    "summary": "Remote code execution in widget parsing",
    "details": "A crafted widget runs code.",
    "fixed_in": ["2.0.1"],
    "withdrawn": None,
}
UNFIXED = {**ADVISORY, "id": "GHSA-aaaa-bbbb-cccc", "aliases": [], "fixed_in": []}


class FakePyPI:
    """Project JSON by name; a name mapped to an int answers with that HTTP status."""

    def __init__(self) -> None:
        self.projects: dict[str, dict | int] = {}
        self.requests: list[str] = []

    def project(
        self, name: str, newest: str, *advisories: dict, published: datetime | None = None
    ) -> None:
        """`published`: when the newest release's files were uploaded (PyPI's `urls`)."""
        self.projects[name] = {"info": {"version": newest}, "vulnerabilities": list(advisories)}
        if published is not None:
            stamp = published.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            self.projects[name]["urls"] = [{"upload_time_iso_8601": stamp}]


@pytest.fixture
def pypi() -> Iterator[tuple[FakePyPI, str]]:
    fake = FakePyPI()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fake.requests.append(self.path)
            name = self.path.removeprefix("/pypi/").removesuffix("/json")
            body = fake.projects.get(name, 404)
            status, payload = (body, b"{}") if isinstance(body, int) else (200, b"")
            payload = payload or json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield fake, f"http://127.0.0.1:{server.server_address[1]}/pypi"
    server.shutdown()
    server.server_close()


def site_with(tmp_path: Path, *releases: tuple[str, str]) -> str:
    """A site directory in which `releases` look installed."""
    site = tmp_path / "site"
    for name, version in releases:
        info = site / f"{name}-{version}.dist-info"
        info.mkdir(parents=True)
        info.joinpath("METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8"
        )
    return str(site)


def audit(capfd, base_url: str, site: str, exceptions=None, *args: str) -> tuple[int, str]:
    status = bridge.main(list(args), base_url, [site], exceptions or {})
    captured = capfd.readouterr()
    return status, captured.out + captured.err


def test_newest_releases_without_advisories_pass(pypi, tmp_path, capfd):
    fake, url = pypi
    fake.project("widget", "2.0.1")
    fake.project("gadget", "1.4")
    status, out = audit(capfd, url, site_with(tmp_path, ("widget", "2.0.1"), ("gadget", "1.4")))
    assert status == 0, out
    assert "No known vulnerabilities found" in out
    assert "2 packages checked at their newest release, 0 held back by exception" in out
    assert ", 0 unchecked" in out
    assert sorted(fake.requests) == ["/pypi/gadget/json", "/pypi/widget/json"]


def test_an_advisory_on_the_newest_release_fails_the_audit(pypi, tmp_path, capfd):
    fake, url = pypi
    fake.project("widget", "2.0.0", ADVISORY)
    status, out = audit(capfd, url, site_with(tmp_path, ("widget", "2.0.0")))
    assert status == 1, out
    assert "PYSEC-2099-1" in out
    assert "2.0.1" in out  # the fix version, from the advisory's fixed_in


def test_an_accepted_advisory_is_ignored_by_id(pypi, tmp_path, capfd):
    fake, url = pypi
    fake.project("widget", "2.0.0", ADVISORY)
    site = site_with(tmp_path, ("widget", "2.0.0"))
    status, out = audit(capfd, url, site, None, "--ignore-vuln", "CVE-2099-0001")
    assert status == 0, out


def test_an_older_release_without_an_exception_fails_as_unchecked(pypi, tmp_path, capfd):
    fake, url = pypi
    fake.project("widget", "3.0", ADVISORY)
    status, out = audit(capfd, url, site_with(tmp_path, ("widget", "2.0.0")))
    assert status == 1, out
    assert "HERALD-UNCHECKED-widget" in out
    assert "unchecked: widget 2.0.0 (newest 3.0)" in out


def test_a_held_release_passes_but_its_newest_unfixed_advisories_still_fail(pypi, tmp_path, capfd):
    fake, url = pypi
    held = {"widget": bridge.HeldRelease("widget", SpecifierSet("<3"), "a dependency caps it")}
    fake.project("widget", "3.0", ADVISORY)  # fixed in 2.0.1: not known to reach back
    site = site_with(tmp_path, ("widget", "2.0.0"))
    status, out = audit(capfd, url, site, held)
    assert status == 0, out
    assert "held: widget 2.0.0 (newest 3.0): only its unfixed advisories are known." in out
    assert "a dependency caps it" in out

    fake.project("widget", "3.0", ADVISORY, UNFIXED)  # unfixed at the newest: may reach back
    status, out = audit(capfd, url, site, held)
    assert status == 1, out
    assert "GHSA-aaaa-bbbb-cccc" in out
    assert "PYSEC-2099-1" not in out


def test_a_release_outside_its_held_range_is_unchecked(pypi, tmp_path, capfd):
    fake, url = pypi
    held = {"widget": bridge.HeldRelease("widget", SpecifierSet("<2"), "capped below 2")}
    fake.project("widget", "3.0")
    status, out = audit(capfd, url, site_with(tmp_path, ("widget", "2.0.0")), held)
    assert status == 1, out
    assert "HERALD-UNCHECKED-widget" in out


def test_a_package_pypi_does_not_know_is_unchecked(pypi, tmp_path, capfd):
    _, url = pypi
    status, out = audit(capfd, url, site_with(tmp_path, ("in-house-only", "1.0")))
    assert status == 1, out
    assert "HERALD-UNCHECKED-in-house-only" in out


def test_pypi_failing_fails_the_audit(pypi, tmp_path, capfd):
    fake, url = pypi
    fake.projects["widget"] = 503
    status, out = audit(capfd, url, site_with(tmp_path, ("widget", "2.0.0")))
    assert status != 0, out
    assert "No known vulnerabilities found" not in out
    assert fake.requests.count("/pypi/widget/json") == bridge.FETCH_ATTEMPTS


def test_every_exception_says_what_it_holds_and_why(tmp_path):
    exceptions = bridge.load_exceptions()
    assert exceptions, "the committed exceptions file is read"
    for held in exceptions.values():
        assert held.why
        assert str(held.held)

    bad = tmp_path / "exceptions.toml"
    bad.write_text('[widget]\nheld = "<3"\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"\[widget\] needs both `held` and `why`"):
        bridge.load_exceptions(bad)
    bad.write_text('[widget]\nheld = "three"\nwhy = "x"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="held = 'three'"):
        bridge.load_exceptions(bad)


def lock_with(tmp_path: Path, *releases: tuple[str, str], hashed: bool = True) -> Path:
    """A lock file in pip-compile's shape that pins `releases`."""
    lock = tmp_path / "lock.txt"
    entries = []
    for name, version in releases:
        digest = f" \\\n    --hash=sha256:{'0' * 64}" if hashed else ""
        entries.append(f"{name}=={version}{digest}\n    # via herald (pyproject.toml)\n")
    lock.write_text("# make lock\n" + "".join(entries), encoding="utf-8")
    return lock


def audit_lock(capfd, base_url: str, lock: Path, exceptions=None, *args: str) -> tuple[int, str]:
    status = bridge.main(["--lock", str(lock), *args], base_url, None, exceptions or {})
    captured = capfd.readouterr()
    return status, captured.out + captured.err


def test_the_lock_is_audited_pin_by_pin(pypi, tmp_path, capfd):
    fake, url = pypi
    fake.project("widget", "2.0.1")
    fake.project("gadget", "1.4")
    status, out = audit_lock(
        capfd, url, lock_with(tmp_path, ("widget", "2.0.1"), ("Gadget", "1.4"))
    )
    assert status == 0, out
    assert "No known vulnerabilities found" in out
    assert "2 packages checked at their newest release, 0 held back by exception" in out
    assert sorted(fake.requests) == ["/pypi/gadget/json", "/pypi/widget/json"]


def test_the_locked_release_is_audited_not_the_installed_one(pypi, tmp_path, capfd):
    # This virtualenv has none of these: the lock's own versions are what pip-audit asks about.
    fake, url = pypi
    fake.project("widget", "3.0", ADVISORY)
    fake.project("gadget", "1.4", ADVISORY)
    lock = lock_with(tmp_path, ("widget", "2.0.0"), ("gadget", "1.4"))
    status, out = audit_lock(capfd, url, lock)
    assert status == 1, out
    assert "HERALD-UNCHECKED-widget" in out
    assert "unchecked: widget 2.0.0 (newest 3.0)" in out
    assert "PYSEC-2099-1" in out  # gadget 1.4, the newest, has the advisory

    status, out = audit_lock(capfd, url, lock, None, "--ignore-vuln", "CVE-2099-0001")
    assert "PYSEC-2099-1" not in out  # pip-audit's own options still pass through
    assert "HERALD-UNCHECKED-widget" in out


def test_a_held_locked_release_passes_as_held(pypi, tmp_path, capfd):
    fake, url = pypi
    held = {"widget": bridge.HeldRelease("widget", SpecifierSet("<3"), "a dependency caps it")}
    fake.project("widget", "3.0", ADVISORY)
    status, out = audit_lock(capfd, url, lock_with(tmp_path, ("widget", "2.0.0")), held)
    assert status == 0, out
    assert "held: widget 2.0.0 (newest 3.0)" in out


def test_a_lock_without_hashes_is_not_audited(pypi, tmp_path, capfd):
    fake, url = pypi
    fake.project("widget", "2.0.1")
    status, out = audit_lock(capfd, url, lock_with(tmp_path, ("widget", "2.0.1"), hashed=False))
    assert status == 1, out
    assert "is not a lock of hashed pins" in out
    assert "widget==2.0.1 has no --hash" in out
    assert fake.requests == []  # refused before pip-audit ran


def test_a_locked_release_that_pip_audit_skips_fails_the_audit(pypi, tmp_path, capfd):
    # pip-audit leaves out a pin whose marker does not apply here; the bridge notices.
    fake, url = pypi
    fake.project("widget", "2.0.1")
    fake.project("pywin32", "306")
    lock = lock_with(tmp_path, ("widget", "2.0.1"))
    with lock.open("a", encoding="utf-8") as file:
        file.write(f"pywin32==306 ; sys_platform == 'win32' \\\n    --hash=sha256:{'0' * 64}\n")
    status, out = audit_lock(capfd, url, lock)
    assert status == 1, out
    assert "No known vulnerabilities found" in out
    assert "audit: not checked by pip-audit at all: pywin32 306" in out


def test_pypi_failing_fails_the_lock_audit(pypi, tmp_path, capfd):
    fake, url = pypi
    fake.projects["widget"] = 503
    status, out = audit_lock(capfd, url, lock_with(tmp_path, ("widget", "2.0.0")))
    assert status != 0, out
    assert "No known vulnerabilities found" not in out


def test_a_lock_behind_a_release_out_for_a_day_passes_as_lagging(pypi, tmp_path, capfd):
    # hypothesis publishes several times a week: an unchanged checkout's CI must not turn red
    # the hour it does. The newest release's unfixed advisories still reach back and fail.
    fake, url = pypi
    yesterday = datetime.now(UTC) - timedelta(days=1)
    fake.project("widget", "3.0", ADVISORY, published=yesterday)
    lock = lock_with(tmp_path, ("widget", "2.0.0"))
    status, out = audit_lock(capfd, url, lock)
    assert status == 0, out
    assert "1 behind a release out less than 3 days, 0 unchecked" in out
    assert "lagging: widget 2.0.0 (newest 3.0" in out

    fake.project("widget", "3.0", UNFIXED, published=yesterday)
    status, out = audit_lock(capfd, url, lock)
    assert status == 1, out
    assert "GHSA-aaaa-bbbb-cccc" in out


def test_a_lock_behind_a_release_out_past_the_grace_is_unchecked(pypi, tmp_path, capfd):
    fake, url = pypi
    fake.project("widget", "3.0", published=datetime.now(UTC) - bridge.LOCK_GRACE - timedelta(1))
    status, out = audit_lock(capfd, url, lock_with(tmp_path, ("widget", "2.0.0")))
    assert status == 1, out
    assert "HERALD-UNCHECKED-widget" in out
    assert "unchecked: widget 2.0.0 (newest 3.0)" in out
