"""Every word the admin's templates show goes through gettext: text between tags and the
title, aria-label, placeholder and alt attributes outside `{{ _() }}` / `{% trans %}` fail.

The templates are read with Jinja's own lexer (text outside tags and outside trans blocks)
and the standard library's HTML parser, not with Herald's code. Database-free, so it runs in
the SQLite pass only.
"""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import Environment

ADMIN_TEMPLATES = Path(__file__).resolve().parents[3] / "templates" / "admin"
SHOWN_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}
EXPRESSION = " "  # stands for every {{ }} and {% %}, inside a tag as between tags
WORD = re.compile(r"[A-Za-z]{2,}")
NOT_TRANSLATED = {"Herald", "CSV", "JSON"}  # the product's name, file formats
LITERAL = ("script", "style", "code")

pytestmark = pytest.mark.skipif(
    (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql"),
    reason="no database: `make test` runs these in its SQLite pass",
)


class _Shown(HTMLParser):
    """The text a reader sees or hears: data outside script and style, and the attributes
    screen readers and tooltips read. Code (a snippet of configuration or a command to
    paste) is literal in every language, so it is left out too."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.shown: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._hidden += tag in LITERAL
        self.shown += [value for name, value in attrs if name in SHOWN_ATTRIBUTES and value]

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in LITERAL

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.shown.append(data)


def _template_text(source: str) -> str:
    """The template with every tag replaced by EXPRESSION and every trans block left out."""
    tokens = list(Environment(extensions=["jinja2.ext.i18n"], autoescape=True).lex(source))
    kept, in_trans = [], False
    for index, (_line, kind, value) in enumerate(tokens):
        if kind == "block_begin":
            name = next((v for _, k, v in tokens[index + 1 :] if k == "name"), "")
            in_trans = name == "trans" or (in_trans and name != "endtrans")
        if kind == "data" and not in_trans:
            kept.append(value)
        elif kind in ("variable_begin", "block_begin"):
            kept.append(EXPRESSION)
    return "".join(kept)


def unmarked(source: str) -> list[str]:
    parser = _Shown()
    parser.feed(_template_text(source))
    return [
        text.strip()
        for text in parser.shown
        if any(word not in NOT_TRANSLATED for word in WORD.findall(text))
    ]


def test_the_check_finds_unmarked_text_and_passes_marked_text():
    assert unmarked('<h1>Incidents</h1><a title="Move up">↑</a>') == ["Incidents", "Move up"]
    assert unmarked('<h1>{{ _("Incidents") }}</h1><a title="{{ _("Move up") }}">↑</a>') == []
    assert unmarked("<p>{% trans n=1 %}Page {{ n }}{% endtrans %} {{ x }}</p>") == []
    assert unmarked("<script>let a = 'text';</script><span>Herald</span>") == []


@pytest.mark.parametrize(
    "template",
    sorted(ADMIN_TEMPLATES.rglob("*.html")),
    ids=lambda path: str(path.relative_to(ADMIN_TEMPLATES)),
)
def test_admin_template_shows_no_unmarked_text(template: Path):
    assert unmarked(template.read_text(encoding="utf-8")) == []
