"""Markdown from staff, rendered once at write time and sanitised, so no page can run its script."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"linkify": False, "typographer": False}).enable("table")

_ALLOWED_TAGS = {
    "a", "p", "br", "hr", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
_SCHEMES = frozenset({"http", "https", "mailto"})


def render_markdown(source: str, *, phone_links: bool = False, headings: bool = False) -> str:
    """Markdown to HTML that carries no script: raw HTML, event handlers and js: URLs go.

    `phone_links` keeps tel: links (a crisis page's one-touch conference bridge). `headings`
    keeps `#` and `##` headings, which a page's own headings otherwise outrank: a document
    of its own (a regulator notice's mail) has sections at those levels."""
    html = _markdown.render(source)
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS | {"h1", "h2"} if headings else _ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes=_SCHEMES | {"tel"} if phone_links else _SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )


def plain_text(source: str) -> str:
    """The text of a Markdown body with every tag removed, for feeds' summaries and social posts."""
    return nh3.clean(_markdown.render(source), tags=set()).strip()
