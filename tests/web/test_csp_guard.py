"""The Content-Security-Policy guard: no template may need what the policy forbids.

Every page is served with `script-src 'self'; style-src 'self'` (statuspage/security.py), so an
inline <script>, an on*= handler, a javascript: URL, a style= attribute or a <style> element in a
template would be silently blocked by the browser. This reads every template, so a page added
later is caught here rather than by a reader whose button does nothing. Email templates are
exempt: mail clients need inline styles, and they are never served as pages (the dev mailbox
shows them in a sandboxed frame, the one page that allows inline styles).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "templates"
EXEMPT = {TEMPLATES / "email"}

TAG = re.compile(r"<[a-zA-Z][^>]*>", re.S)
CHECKS = {
    "inline <script> (put it in static/js/ and load it with src=)": re.compile(
        r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.I
    ),
    "<style> element (put it in static/css/)": re.compile(r"<style\b", re.I),
    "javascript: URL": re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I),
}
IN_TAG = {
    "on*= event handler (use addEventListener in static/js/)": re.compile(r"\son[a-z]+\s*=", re.I),
    "style= attribute (use a class)": re.compile(r"\sstyle\s*=", re.I),
}


def served_templates() -> list[Path]:
    return sorted(
        path
        for path in TEMPLATES.rglob("*.html")
        if not any(folder in path.parents for folder in EXEMPT)
    )


def violations(text: str) -> list[str]:
    found = [
        f"{what}: {m.group(0)[:80]!r}" for what, rx in CHECKS.items() for m in rx.finditer(text)
    ]
    for tag in TAG.finditer(text):
        found += [
            f"{what}: {tag.group(0)[:80]!r}"
            for what, rx in IN_TAG.items()
            if rx.search(tag.group(0))
        ]
    return found


def test_there_are_templates_to_check():
    assert len(served_templates()) > 20


@pytest.mark.parametrize(
    "template", served_templates(), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_no_template_needs_inline_script_or_style(template: Path):
    assert violations(template.read_text()) == []


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        '<script type="module">import "/x.js"</script>',
        '<button onclick="go()">Go</button>',
        '<body onload = "start()">',
        '<a href="javascript:void(0)">x</a>',
        '<p style="color: red">x</p>',
        "<style>p { color: red }</style>",
    ],
)
def test_the_guard_catches_each_kind(snippet: str):
    assert violations(snippet)


@pytest.mark.parametrize(
    "snippet",
    [
        '<script src="/static/js/herald.js" defer></script>',
        '<p class="online">Back online = yes</p>',
        '<input name="only" value="x">',
        "<p>Turn on = off</p>",
    ],
)
def test_the_guard_lets_files_and_plain_text_through(snippet: str):
    assert violations(snippet) == []
