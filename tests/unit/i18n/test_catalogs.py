"""The catalogs: every marked string is in the English catalog, every public string is
translated in every shipped language, and each translation keeps its placeholders.

Checked with Babel's own reader and checkers (the same ones `pybabel compile` runs), not
with Herald's code. Database-free, so they run in the SQLite pass only.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from statuspage.i18n import DEFAULT_LANGUAGE, LANGUAGES

REPO = Path(__file__).resolve().parents[3]
TRANSLATIONS = REPO / "translations"
SHIPPED = sorted(set(LANGUAGES) - {DEFAULT_LANGUAGE})
# Strings only staff read: the admin's catalog must be complete in English, others may lag.
STAFF_ONLY = ("admin/", "templates/admin/")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            "lazy_ngettext": (1, 2)}  # fmt: skip
METHODS = [("**.py", "python"), ("**.html", "jinja2"), ("**.txt", "jinja2")]

pytestmark = pytest.mark.skipif(
    (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql"),
    reason="no database: `make test` runs these in its SQLite pass",
)


def _marked() -> dict[str, set[str]]:
    """Every msgid marked in the code and templates now, with the files it is in."""
    found: dict[str, set[str]] = {}
    for folder in ("statuspage", "admin", "templates"):
        for filename, _line, message, _comments, _context in extract_from_dir(
            REPO / folder, METHODS, keywords=KEYWORDS
        ):
            msgid = message[0] if isinstance(message, tuple) else message
            found.setdefault(msgid, set()).add(f"{folder}/{filename}")
    return found


@pytest.fixture(scope="module")
def marked() -> dict[str, set[str]]:
    return _marked()


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as po:
        return read_po(po, locale=locale)


def _public(files: set[str]) -> bool:
    return any(not f.startswith(STAFF_ONLY) for f in files)


def test_the_english_catalog_holds_every_marked_string(marked):
    """`make translations` was run after the last string was marked (or changed)."""
    template = {m.id if isinstance(m.id, str) else m.id[0] for m in _read(
        TRANSLATIONS / "messages.pot") if m.id}  # fmt: skip
    missing = sorted(set(marked) - template)
    assert not missing, f"run `make translations`; not in messages.pot: {missing[:20]}"


@pytest.mark.parametrize("lang", SHIPPED)
def test_every_public_string_is_translated(marked, lang):
    catalog = _read(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", lang)
    untranslated = []
    for msgid, files in marked.items():
        if not _public(files):
            continue
        message = catalog.get(msgid)
        strings = message.string if message is not None else None
        if isinstance(strings, tuple | list):
            done = len(strings) == catalog.num_plurals and all(strings)
        else:
            done = bool(strings)
        if message is None or not done or message.fuzzy:
            untranslated.append(msgid)
    assert not untranslated, f"{lang}: {len(untranslated)} untranslated, e.g. {untranslated[:10]}"


@pytest.mark.parametrize("lang", SHIPPED)
def test_translations_keep_their_placeholders(lang):
    """Babel's checkers (python-format placeholders, plural forms), as `pybabel compile`
    runs them: a translation that drops %(name)s or adds one would fail at render time."""
    catalog = _read(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", lang)
    problems = [
        (message.id, [str(error) for error in errors])
        for message, errors in catalog.check()
        if errors
    ]
    assert not problems, problems[:10]
