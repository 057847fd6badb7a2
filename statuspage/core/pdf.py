"""A document as PDF: the crisis report and regulator notices, for people who file them.

Regulators and boards keep what they are sent; a PDF is what their systems take. The text is
laid out from the same Markdown the notice or report is written in, kept simple on purpose
(headings, paragraphs, bullet lists, `key: value` facts), so what is filed reads like what was
approved. A Unicode font (DejaVu Sans, Debian's fonts-dejavu-core) is used when the system has
it, so names and non-Latin text survive; without it the core Helvetica font takes the text with
every character it cannot show replaced by "?", never an error.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fpdf import FPDF

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"),)
REGULAR = "DejaVuSans.ttf"
BOLD = "DejaVuSans-Bold.ttf"
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_INLINE = re.compile(r"(\*\*|__|`)")


@dataclass(frozen=True)
class Document:
    """What goes on paper: a title, facts shown as a table of `label: value`, then Markdown."""

    title: str
    body_markdown: str = ""
    facts: Sequence[tuple[str, str]] = field(default_factory=tuple)
    footer: str = ""


def _font_dir() -> Path | None:
    for folder in FONT_DIRS:
        if (folder / REGULAR).is_file() and (folder / BOLD).is_file():
            return folder
    return None


class _Writer:
    """fpdf2 with one font family, Unicode when the system has it."""

    def __init__(self, footer: str) -> None:
        self.pdf = FPDF(format="A4")
        self.pdf.set_auto_page_break(auto=True, margin=18)
        self.pdf.set_margins(18, 18, 18)
        folder = _font_dir()
        if folder is not None:
            self.pdf.add_font("Body", "", str(folder / REGULAR))
            self.pdf.add_font("Body", "B", str(folder / BOLD))
            self.family, self.unicode = "Body", True
        else:
            self.family, self.unicode = "Helvetica", False
        self.footer = footer
        self.pdf.add_page()

    def text(self, value: str) -> str:
        cleaned = "".join(ch if ch.isprintable() or ch == "\n" else " " for ch in value)
        if self.unicode:
            return cleaned
        return cleaned.encode("latin-1", "replace").decode("latin-1")

    def line(self, value: str, *, size: float = 10.5, bold: bool = False, gap: float = 1.5) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", size)
        self.pdf.multi_cell(0, size * 0.5, self.text(value), new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(gap)


def _plain(value: str) -> str:
    """Inline Markdown marks dropped: the words stay, the asterisks do not."""
    return _INLINE.sub("", value).strip()


def render(document: Document) -> bytes:
    """The document as PDF bytes (deterministic apart from fpdf2's creation date)."""
    writer = _Writer(document.footer)
    writer.pdf.set_title(writer.text(document.title)[:200])
    writer.pdf.set_creator("Herald")
    writer.line(document.title, size=16, bold=True, gap=3)
    for label, value in document.facts:
        writer.pdf.set_font(writer.family, "B", 10)
        writer.pdf.cell(48, 5.5, writer.text(label)[:60])
        writer.pdf.set_font(writer.family, "", 10)
        writer.pdf.multi_cell(0, 5.5, writer.text(value), new_x="LMARGIN", new_y="NEXT")
    if document.facts:
        writer.pdf.ln(3)
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            writer.line(" ".join(paragraph))
            paragraph.clear()

    for raw in document.body_markdown.splitlines():
        heading, bullet = _HEADING.match(raw), _BULLET.match(raw)
        if not raw.strip():
            flush()
        elif heading:
            flush()
            level = len(heading.group(1))
            writer.line(_plain(heading.group(2)), size=max(11.0, 15 - level), bold=True, gap=2)
        elif bullet:
            flush()
            writer.line(
                "\u2022 " + _plain(bullet.group(1))
                if writer.unicode
                else "- " + _plain(bullet.group(1))
            )
        else:
            paragraph.append(_plain(raw))
    flush()
    if document.footer:
        writer.pdf.ln(4)
        writer.line(document.footer, size=8.5)
    return bytes(writer.pdf.output())
