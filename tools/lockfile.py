"""Is requirements/lock.txt still the lock of pyproject.toml? Asked before every install.

`make lock` writes requirements/lock.txt with pip-tools from pyproject.toml: every release that
Herald, its `dev` extra and its build backend need, pinned with `==` and the sha256 hashes of
its files. `make` installs from it with `pip install --require-hashes`, which refuses a release
whose own requirements are not locked, but not a lock that pyproject.toml has moved past (a
dependency added there, or its floor raised, without `make lock`). This module refuses that:

- every line of the lock is one `name==version` pin with at least one `--hash`;
- every requirement of `[project] dependencies`, of the locked extras (`dev`) and of
  `[build-system] requires` (the install builds Herald with the locked setuptools) whose
  markers apply here is pinned in the lock at a version its specifier admits.

An extra newly asked of a dependency (`psycopg[binary]`) is not seen here: its requirements
are in the dependency's metadata, not in either file. Run `make lock` after changing one.

`python tools/lockfile.py` (`make lock-check`) prints what is wrong and exits 1, or 0.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
LOCK_FILE = ROOT / "requirements" / "lock.txt"
PYPROJECT = ROOT / "pyproject.toml"
LOCKED_EXTRAS = ("dev",)  # what `make lock` passes to pip-compile as --extra

_COMMENT = re.compile(r"(^|\s+)#.*$")  # pip's rule: a `#` at the start or after whitespace
_HASH = re.compile(r"\s--hash[=\s]+(\S+)")
_HASH_ALGORITHMS = {"sha256", "sha384", "sha512"}


class LockError(Exception):
    """The lock file is not a list of hashed pins: every line at fault is in the message."""


@dataclass(frozen=True)
class Pin:
    """One release of the lock: `name==version`, with the hashes of its files."""

    name: str  # canonical
    version: Version
    hashes: tuple[str, ...]
    requirement: Requirement
    line: int


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, text) of each requirement, comments stripped, `\\` lines joined."""
    lines: list[tuple[int, str]] = []
    start, parts = 0, []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _COMMENT.sub("", raw).rstrip()
        if not parts:
            start = number
        continued = line.endswith("\\")
        parts.append(line.removesuffix("\\").strip())
        if not continued:
            joined = " ".join(part for part in parts if part)
            if joined:
                lines.append((start, joined))
            parts = []
    if parts and (joined := " ".join(part for part in parts if part)):
        lines.append((start, joined))
    return lines


def _pin(number: int, line: str) -> Pin:
    """One logical line as a Pin, or ValueError saying why it is not one."""
    if line.startswith("-"):
        raise ValueError(f"an option, not a pinned requirement: {line.split()[0]}")
    hashes = tuple(_HASH.findall(" " + line))
    text = line.split(" --", 1)[0].strip()
    try:
        requirement = Requirement(text)
    except InvalidRequirement as exc:
        raise ValueError(f"not a requirement: {exc}") from None
    specifiers = list(requirement.specifier)
    if requirement.url or len(specifiers) != 1 or specifiers[0].operator != "==":
        raise ValueError(f"{text} is not pinned to one version with ==")
    try:
        version = Version(specifiers[0].version)
    except InvalidVersion:
        raise ValueError(f"{text} is not pinned to one version with ==") from None
    if not hashes:
        raise ValueError(f"{text} has no --hash")
    for value in hashes:
        algorithm, _, digest = value.partition(":")
        if algorithm not in _HASH_ALGORITHMS or not digest:
            raise ValueError(f"{text}: not a sha256, sha384 or sha512 hash: {value}")
    name = canonicalize_name(requirement.name)
    return Pin(name, version, hashes, requirement, number)


def read_lock(path: Path) -> dict[str, Pin]:
    """The pins of a lock file by canonical name; LockError names every line at fault."""
    pins: dict[str, Pin] = {}
    faults: list[str] = []
    for number, line in _logical_lines(path.read_text(encoding="utf-8")):
        try:
            pin = _pin(number, line)
        except ValueError as exc:
            faults.append(f"{path.name}:{number}: {exc}")
            continue
        if pin.name in pins:
            faults.append(f"{path.name}:{number}: {pin.name} is pinned twice")
        pins[pin.name] = pin
    if faults:
        raise LockError("\n".join(faults))
    return pins


def project_requirements(
    pyproject: Path, extras: Sequence[str] = LOCKED_EXTRAS
) -> list[tuple[str, Requirement, str]]:
    """(where it is declared, requirement, the extra it belongs to or "") from pyproject.toml."""
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    project = data.get("project", {})
    declared: list[tuple[str, str, str]] = [
        ("[project] dependencies", text, "") for text in project.get("dependencies", [])
    ]
    optional = project.get("optional-dependencies", {})
    for extra in extras:
        if extra not in optional:
            raise ValueError(f"{pyproject.name} has no extra {extra!r}")
        where = f"[project.optional-dependencies] {extra}"
        declared += [(where, text, extra) for text in optional[extra]]
    requires = data.get("build-system", {}).get("requires", [])
    declared += [("[build-system] requires", text, "") for text in requires]
    return [(where, Requirement(text), extra) for where, text, extra in declared]


def stale(pyproject: Path, lock: Path, extras: Sequence[str] = LOCKED_EXTRAS) -> list[str]:
    """What the lock lacks for pyproject.toml here, one line each (empty: it satisfies it)."""
    pins = read_lock(lock)
    problems = []
    for where, requirement, extra in project_requirements(pyproject, extras):
        environment = {**default_environment(), "extra": extra}
        if requirement.marker is not None and not requirement.marker.evaluate(environment):
            continue  # not installed here (another platform or Python)
        pin = pins.get(canonicalize_name(requirement.name))
        if pin is None:
            problems.append(f"{requirement} ({where}): not in {lock.name}")
        elif not requirement.specifier.contains(pin.version, prereleases=True):
            problems.append(f"{requirement} ({where}): {lock.name} pins {pin.name}=={pin.version}")
    return problems


def _shown(path: Path) -> Path:
    """`path` as the messages name it: from the current directory when it lies below it."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lock", type=Path, default=LOCK_FILE, help="the lock file")
    parser.add_argument("--pyproject", type=Path, default=PYPROJECT, help="pyproject.toml")
    parser.add_argument(
        "--extra", action="append", dest="extras", help=f"locked extras (default: {LOCKED_EXTRAS})"
    )
    args = parser.parse_args(argv)
    extras = tuple(args.extras or LOCKED_EXTRAS)
    lock, pyproject = _shown(args.lock), _shown(args.pyproject)
    try:
        problems = stale(args.pyproject, args.lock, extras)
    except (LockError, ValueError, OSError) as exc:
        print(f"lock: {lock} cannot be used:\n{exc}", file=sys.stderr)
        return 1
    if problems:
        print(f"lock: {lock} does not satisfy {pyproject}:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        print("Run `make lock` and commit the lock file.", file=sys.stderr)
        return 1
    count = len(read_lock(args.lock))
    print(f"lock: {lock} ({count} releases) satisfies {pyproject}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
