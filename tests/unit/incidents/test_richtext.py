"""Staff Markdown is rendered and sanitised: nothing in it can run script."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from statuspage.incidents.richtext import plain_text, render_markdown


def test_markdown_renders_to_html():
    html = render_markdown("**Bold** and [a link](https://example.com)\n\n- one\n- two")
    assert "<strong>Bold</strong>" in html
    assert '<a href="https://example.com" rel="nofollow noopener noreferrer">a link</a>' in html
    assert "<li>one</li>" in html


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<svg onload=alert(1)>",
        '<iframe src="https://evil.example"></iframe>',
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    ],
)
def test_no_script_survives(hostile):
    elements = _elements(render_markdown(hostile))
    tags = {tag for tag, _ in elements}
    assert not tags & {"script", "img", "svg", "iframe", "object", "embed", "style"}
    for _tag, attrs in elements:
        assert not [name for name, _ in attrs if name.startswith("on")]
        for name, value in attrs:
            if name in ("href", "src"):
                assert not (value or "").strip().lower().startswith(("javascript:", "data:"))


def _elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Every start tag in `html`, parsed as a browser's tokenizer would."""
    found: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collector().feed(html)
    return found


def test_plain_text_strips_all_markup():
    assert plain_text("**Down** <b>now</b>") == "Down now"
