"""The app's URL map as the hostile tests walk it: every (endpoint, method, URL) the app serves.

Walking `app.url_map` rather than a list kept by hand means a route added tomorrow is in every
matrix the moment it is registered. Path arguments are filled from a lookup the caller gives
(real records, so a request reaches the view's own code) and otherwise with a value the
converter accepts, so the request still reaches the guards.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask
from werkzeug.routing import AnyConverter, IntegerConverter, Rule

# Flask answers these itself (HEAD runs the GET view; OPTIONS lists the methods).
AUTOMATIC = frozenset({"HEAD", "OPTIONS"})
READS = frozenset({"GET"})
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Served:
    endpoint: str
    method: str
    rule: Rule

    @property
    def blueprint(self) -> str:
        return self.endpoint.rpartition(".")[0]

    def __str__(self) -> str:
        return f"{self.method} {self.rule.rule} ({self.endpoint})"


def served(app: Flask) -> Iterator[Served]:
    """Every endpoint and method the app routes, HEAD and OPTIONS aside, in a stable order."""
    rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))
    for rule in rules:
        for method in sorted((rule.methods or set()) - AUTOMATIC):
            yield Served(rule.endpoint, method, rule)


def _fallback(converter: Any) -> str:
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    if isinstance(converter, IntegerConverter):
        return "1"
    return "1"


def url_for_rule(rule: Rule, values: Mapping[str, object] | None = None) -> str:
    """`rule`'s path with each argument from `values` (by name) or a value its converter takes."""
    values = values or {}
    parts = []
    for is_dynamic, data in rule._trace:  # (False, text) or (True, argument name)
        if not is_dynamic:
            parts.append(data)
        elif data in values:
            parts.append(str(values[data]))
        else:
            parts.append(_fallback(rule._converters[data]))
    path = "".join(parts)
    # The trace starts with the (empty) host part, separated by "|".
    return path.partition("|")[2] or path
