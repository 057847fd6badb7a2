"""Request bodies of the management API: JSON or Rails-style form fields, read into one shape.

Statuspage clients send either `{"incident": {"name": ...}}` as JSON or the same thing as
form fields, `incident[name]=...&incident[component_ids][]=...`. Both become the same nested
dict here, and `Fields` reads one resource out of it with the types the API promises, so the
views never care which encoding arrived.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Any

from flask import request
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from statuspage.core.errors import InvalidInput, NotFound
from statuspage.core.validation import choice, storable

FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
# `name`, then any number of `[key]`, then an optional `[]` that makes the value a list.
_FIELD_NAME = re.compile(r"^(?P<root>[^\[\]]+)(?P<keys>(?:\[[^\[\]]+\])*)(?P<list>\[\])?$")
_TRUE = frozenset({"true", "t", "1"})
_FALSE = frozenset({"false", "f", "0"})
# PostgreSQL and SQLite both take these years; outside them a time is a typo, not a plan.
_YEARS = range(1970, 9999)


class MalformedBody(BadRequest):
    """The body cannot be read at all (broken JSON, clashing form fields): a 400."""


def read_body() -> dict[str, Any]:
    """The request body as a nested dict; empty when there is none."""
    if request.mimetype in FORM_TYPES:
        body = parse_brackets(request.form.lists())
    elif request.is_json:
        body = _json_object(request.get_data())
    elif not request.get_data():
        body = {}
    else:
        raise UnsupportedMediaType(
            "send application/json or application/x-www-form-urlencoded bodies"
        )
    _refuse_unstorable(body)
    return body


def _json_object(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # ValueError covers bad UTF-8 too
        raise MalformedBody(f"the body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise MalformedBody("the body must be a JSON object")
    return body


def parse_brackets(pairs: Iterable[tuple[str, list[str]]]) -> dict[str, Any]:
    """Rails-style field names into nested dicts: `a[b][]=1&a[b][]=2` is {"a": {"b": ["1", "2"]}}.

    A repeated scalar field keeps its last value, as Rails does; a name that is both a value
    and a container (`a=1&a[b]=2`) is refused rather than guessed at.
    """
    root: dict[str, Any] = {}
    for name, values in pairs:
        match = _FIELD_NAME.match(name)
        if match is None:
            raise MalformedBody(f"cannot read the form field name {name!r}")
        path = [match["root"], *re.findall(r"\[([^\[\]]+)\]", match["keys"])]
        node = root
        for key in path[:-1]:
            node = node.setdefault(key, {})
            if not isinstance(node, dict):
                raise MalformedBody(f"form field {name!r} clashes with another field")
        leaf = path[-1]
        if isinstance(node.get(leaf), dict):
            raise MalformedBody(f"form field {name!r} clashes with another field")
        node[leaf] = list(values) if match["list"] else values[-1]
    return root


def _refuse_unstorable(body: dict[str, Any]) -> None:
    """No NUL characters or lone surrogates anywhere: no database keeps them, so they never
    reach one.

    Walked with a stack, not recursion, so a deeply nested body cannot exhaust Python's.
    """
    pending: list[Any] = [body]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            storable(value)
        if isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)


def parse_moment(value: Any, what: str) -> datetime:
    """An ISO 8601 time with a zone (or a bare date, read as midnight UTC), in UTC."""
    if not isinstance(value, str):
        raise InvalidInput(f"{what} must be an ISO 8601 time")
    try:
        moment = _date_or_time(value)
    except ValueError as exc:
        raise InvalidInput(f"{what} must be an ISO 8601 time; got {value[:40]!r}") from exc
    if moment.tzinfo is None:
        raise InvalidInput(f"{what} needs a time zone, e.g. {value[:40]}Z")
    try:
        moment = moment.astimezone(UTC)
    except OverflowError as exc:
        raise InvalidInput(f"{what} is out of range") from exc
    if moment.year not in _YEARS:
        raise InvalidInput(f"{what} must fall between {_YEARS.start} and {_YEARS.stop - 1}")
    return moment


def _date_or_time(value: str) -> datetime:
    if len(value) == len("YYYY-MM-DD"):
        return datetime.combine(date.fromisoformat(value), time(), UTC)
    return datetime.fromisoformat(value)


class Fields:
    """One resource's fields in a body (`{"incident": {...}}`), read with the promised types.

    Every reader returns None when the field is absent or null, so a PATCH touches only
    what it names; a field of the wrong type is a 422 naming the field as the client sent it.
    """

    def __init__(self, body: Mapping[str, Any], resource: str | None) -> None:
        """`resource` None: the fields are the body's own (`{"component_ids": [...]}`)."""
        raw = body if resource is None else body.get(resource)
        if raw is None:
            raise InvalidInput(f"the body needs a {resource!r} object")
        if not isinstance(raw, dict):
            raise InvalidInput(f"{resource!r} must be an object")
        self.resource = resource
        self.raw: dict[str, Any] = dict(raw)

    def _label(self, name: str) -> str:
        return name if self.resource is None else f"{self.resource}[{name}]"

    def __contains__(self, name: str) -> bool:
        return name in self.raw

    def text(self, name: str, *, max_length: int | None = None) -> str | None:
        value = self.raw.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise InvalidInput(f"{self._label(name)} must be a string")
        if max_length is not None and len(value) > max_length:
            raise InvalidInput(f"{self._label(name)} is at most {max_length} characters")
        return value

    def flag(self, name: str) -> bool | None:
        value = self.raw.get(name)
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str | int) and str(value).strip().lower() in _TRUE | _FALSE:
            return str(value).strip().lower() in _TRUE
        raise InvalidInput(f"{self._label(name)} must be true or false")

    def choice(self, name: str, enum_cls: type[StrEnum]) -> str | None:
        """One of an enum's values (a Statuspage status or impact), as the string sent."""
        value = self.text(name)
        if value is not None:
            choice(enum_cls, value, self._label(name))
        return value

    def moment(self, name: str) -> datetime | None:
        value = self.raw.get(name)
        return None if value is None else parse_moment(value, self._label(name))

    def day(self, name: str) -> date | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return None
        problem = f"{self._label(name)} must be a date, YYYY-MM-DD"
        if not isinstance(value, str):
            raise InvalidInput(problem)
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise InvalidInput(problem) from exc

    def ids(self, name: str) -> list[str] | None:
        """A list of ids; one id alone (a form sending `x[ids]=a`) counts as a list of one."""
        value = self.raw.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InvalidInput(f"{self._label(name)} must be a list of ids")
        return list(dict.fromkeys(v for v in value if v))

    def translations(self, name: str) -> list[tuple[str, str | None, str]] | None:
        """Herald's extension: `{"de": {"name": ..., "body": ...}, ...}`, an update's title
        and message per language; null (or a blank message and name) for a language removes
        its translation when the update's translations are edited."""
        value = self.raw.get(name)
        if value is None:
            return None
        label = self._label(name)
        if not isinstance(value, dict):
            raise InvalidInput(f'{label} must map languages to {{"name": ..., "body": ...}}')
        found: list[tuple[str, str | None, str]] = []
        for language, item in value.items():
            if item is None:
                found.append((language, None, ""))
                continue
            if not isinstance(item, dict) or set(item) - {"name", "body"}:
                raise InvalidInput(f"{label}[{language}] takes a name and a body")
            title, body = item.get("name"), item.get("body")
            if not isinstance(title, str | None) or not isinstance(body, str | None):
                raise InvalidInput(f"{label}[{language}]'s name and body must be strings")
            found.append((language, title, body or ""))
        return found

    def statuses(self, name: str) -> dict[str, str] | None:
        """A map of component id to status, as Statuspage's `components` field."""
        value = self.raw.get(name)
        if value is None:
            return None
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise InvalidInput(f"{self._label(name)} must map component ids to statuses")
        return dict(value)


def query_int(name: str, default: int, *, low: int, high: int) -> int:
    """An integer query parameter within bounds (paging), or a 422 saying which."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise InvalidInput(f"{name} must be a whole number") from exc
    if not low <= value <= high:
        raise InvalidInput(f"{name} must be between {low} and {high}")
    return value


def query_text(name: str, *, max_length: int = 200) -> str | None:
    """A free-text query parameter (a search), bounded and free of NUL characters."""
    raw = (request.args.get(name) or "").strip()
    if "\x00" in raw or len(raw) > max_length:
        raise InvalidInput(f"{name} must be at most {max_length} characters of text")
    return raw or None


@contextmanager
def body_references() -> Iterator[None]:
    """Ids named in a body that do not exist are a 422: the request is wrong, not its URL.

    Path ids that do not exist stay 404s; they are looked up before this is entered.
    """
    try:
        yield
    except NotFound as exc:
        raise InvalidInput(str(exc)) from exc
