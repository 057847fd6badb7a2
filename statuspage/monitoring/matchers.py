"""Label matchers, written and read as Alertmanager writes them: `service="api"`,
`severity=~"critical|page"`, `env!="staging"`, `team!~"qa.*"`.

An alert matches a rule when every matcher holds for its labels. As in Alertmanager, a
regular expression is anchored at both ends (`=~"crit"` does not match "critical"), and a
missing label reads as the empty string, so `env!="staging"` matches an alert with no env.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

from statuspage.core.errors import InvalidInput
from statuspage.core.validation import storable

OPERATORS = ("=~", "!~", "!=", "=")
MAX_MATCHERS = 20
MAX_VALUE = 500
_LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")
_ONE = re.compile(
    r"""\s*(?P<label>[^\s=!~,"]+)\s*(?P<op>=~|!~|!=|=)\s*
        (?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<bare>[^\s,"]*))\s*(?:,|\Z)""",
    re.VERBOSE,
)

Matcher = tuple[str, str, str]


def parse(source: str) -> list[Matcher]:
    """Matchers from their written form, comma- or newline-separated; a clear InvalidInput
    names the first part that is not a matcher. `{...}` around the list is allowed."""
    source = storable(source, "matchers").strip()
    if source.startswith("{") and source.endswith("}"):
        source = source[1:-1]
    source = source.replace("\r\n", ",").replace("\n", ",").strip().strip(",")
    if not source:
        raise InvalidInput('give at least one matcher, e.g. service="api"')
    found: list[Matcher] = []
    position = 0
    while position < len(source):
        match = _ONE.match(source, position)
        if match is None or match.end() == position:
            shown = source[position : position + 40].strip()
            raise InvalidInput(f'“{shown}” is not a matcher: write label="value" (or !=, =~, !~)')
        value = match["quoted"]
        value = _unescape(value) if value is not None else match["bare"]
        found.append(checked(match["label"], match["op"], value))
        position = match.end()
    if len(found) > MAX_MATCHERS:
        raise InvalidInput(f"a rule takes at most {MAX_MATCHERS} matchers")
    return found


def checked(label: str, op: str, value: str) -> Matcher:
    """One matcher, refused clearly if its label, operator or expression is not valid."""
    if not _LABEL.match(label):
        raise InvalidInput(f"“{label[:60]}” is not a label name (letters, digits and _)")
    if op not in OPERATORS:
        raise InvalidInput(f"“{op[:10]}” is not a matcher operator (=, !=, =~, !~)")
    value = storable(value, "a matcher's value", one_line=True)
    if len(value) > MAX_VALUE:
        raise InvalidInput(f"a matcher's value is at most {MAX_VALUE} characters")
    if op in ("=~", "!~"):
        try:
            _regex(value)
        except re.error as error:
            raise InvalidInput(f"“{value[:60]}” is not a regular expression: {error}") from None
    return (label, op, value)


def written(matchers: Sequence[Sequence[str]]) -> str:
    """The written form `parse` reads back."""
    return ", ".join(f"{label}{op}{_quote(value)}" for label, op, value in matchers)


def matches(matchers: Sequence[Sequence[str]], labels: Mapping[str, object]) -> bool:
    """Whether every matcher holds for `labels` (an alert's labels; values read as text)."""
    for label, op, value in matchers:
        actual = labels.get(label)
        actual = "" if actual is None else str(actual)
        if op == "=":
            held = actual == value
        elif op == "!=":
            held = actual != value
        elif op == "=~":
            held = _regex(value).fullmatch(actual) is not None
        else:
            held = _regex(value).fullmatch(actual) is None
        if not held:
            return False
    return True


@lru_cache(maxsize=512)
def _regex(expression: str) -> re.Pattern[str]:
    return re.compile(expression)


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n"}.get(m[1], m[1]), value)


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
