"""CSV cells a spreadsheet shows as text and never runs as a formula (CSV injection).

Exports carry text people typed (incident updates, names, audit entries); a cell starting
with "=", "+", "-" or "@" (or a tab or carriage return, which some spreadsheets skip) is
read as a formula when the file is opened. OWASP's advice: prefix it with a quote. Update
bodies are Markdown, where "- item" is common; the quote shows, the meaning stays.
"""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> str:
    """`value` as CSV cell text: None is empty, and a formula-like start is quoted."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text
