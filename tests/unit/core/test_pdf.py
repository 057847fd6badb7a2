"""core/pdf: what Herald writes as PDF reads back, by pypdf (an independent parser), as the
text it was given: headings, facts, bullets, non-Latin names; hostile text never raises."""

from __future__ import annotations

import io

from pypdf import PdfReader

from statuspage.core.pdf import Document, render


def _text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_document_reads_back_as_written():
    data = render(
        Document(
            title="Notice to the MAS: payment outage",
            facts=[("Incident start", "2026-12-07 09:00 SGT"), ("Contact", "Zoë Müller")],
            body_markdown=(
                "## What happened\n\nCard **payments** failed.\n\n"
                "- 1,200 customers\n- Singapore only"
            ),
            footer="Herald",
        )
    )
    assert data.startswith(b"%PDF-")
    text = _text(data)
    for words in (
        "Notice to the MAS",
        "Incident start",
        "Zoë Müller",
        "What happened",
        "payments failed",
        "1,200 customers",
    ):
        assert words in text
    assert "**" not in text
    assert "##" not in text


def test_long_and_hostile_text_stays_a_pdf():
    body = ("\x00\x1b[31m\r\n" + "x" * 5000 + "\n") * 20 + "東京 العربية 🚨"
    data = render(Document(title="\r\nTitle\x07", body_markdown=body))
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) > 1
