"""The README and docs/ stay in step with the code: links resolve, named paths exist, and
nothing points outside the repository (a clone is all a newcomer has)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

# [text](target): Markdown inline links; the target up to a closing parenthesis or a space.
LINK = re.compile(r"\]\(([^)\s]+)\)")
# A path into the code named in backticks, e.g. `statuspage/audience/visibility.py` or
# `statuspage/regulators/deadlines.py`; a trailing `.name` after .py (a function) is allowed.
CODE_PATH = re.compile(r"`((?:statuspage|admin|tests|bench|deploy|tools|migrations)/[\w./-]*?)`")
# What the suite and the benchmarks write when they run, named so a reader finds it.
GENERATED = ("bench/out/", "tests/e2e/artifacts/")


def _ids(paths: list[Path]) -> list[str]:
    return [str(path.relative_to(ROOT)) for path in paths]


def test_the_docs_folder_holds_the_architecture() -> None:
    assert (ROOT / "docs" / "ARCHITECTURE.md").is_file()
    assert len(DOCS) > 2


@pytest.mark.parametrize("doc", DOCS, ids=_ids(DOCS))
def test_links_resolve_inside_the_repository(doc: Path) -> None:
    for target in LINK.findall(doc.read_text()):
        if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue  # a URL or an anchor on the same page
        path = (doc.parent / target.split("#", 1)[0]).resolve()
        assert path.is_relative_to(ROOT), f"{doc.name} links outside the repository: {target}"
        assert path.exists(), f"{doc.name} links to a missing file: {target}"


@pytest.mark.parametrize("doc", DOCS, ids=_ids(DOCS))
def test_nothing_points_outside_the_repository(doc: Path) -> None:
    text = doc.read_text()
    assert "../shared" not in text
    assert not re.search(r"(?<![\w.])/work/", text), f"{doc.name} names a path of one machine"


@pytest.mark.parametrize("doc", DOCS, ids=_ids(DOCS))
def test_code_paths_named_in_the_docs_exist(doc: Path) -> None:
    missing = []
    for named in CODE_PATH.findall(doc.read_text()):
        if named.startswith(GENERATED):
            continue
        # `statuspage/audience/recipients.reachable_contact`: a module and one of its names.
        module = re.sub(r"\.(?!py$)\w+$", "", named) if not named.endswith("/") else named
        candidates = [named, module, module + ".py", named.rstrip("/")]
        if not any((ROOT / candidate).exists() for candidate in candidates):
            missing.append(named)
    assert not missing, f"{doc.name} names paths that do not exist: {missing}"
