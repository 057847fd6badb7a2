"""Control characters and other hostile-but-Unicode text, and what Herald's one text rule
(statuspage.core.validation.storable) answers to each.

Each sample is a short string with its character *inside* (text is trimmed, so an edge
character would be cleaned away rather than tested). `refused` says where the rule refuses it:
"always" (NUL, C0 but tab/LF/CR, DEL, C1), "one line" (line breaks, in titles and names), or
never (kept: tab, bidi controls, BOM, zero-width characters). A lone surrogate only travels in
JSON (`"\\ud800"`): a form or CSV is UTF-8 bytes, which cannot hold one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Refused = Literal["always", "one line", "never"]


@dataclass(frozen=True)
class Sample:
    label: str
    value: str
    refused: Refused

    def refused_in(self, *, one_line: bool) -> bool:
        return self.refused == "always" or (self.refused == "one line" and one_line)


def _inside(char: str) -> str:
    return f"Edge{char}status"


C0 = [chr(c) for c in range(0x01, 0x20) if chr(c) not in "\t\n\r"]
C1 = [chr(c) for c in range(0x80, 0xA0)]
BIDI = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]

# Every character of interest, one sample each: cheap to check against the rule itself.
FULL = [
    Sample("NUL", _inside("\x00"), "always"),
    Sample("CR", _inside("\r"), "one line"),
    Sample("LF", _inside("\n"), "one line"),
    Sample("CRLF", _inside("\r\n"), "one line"),
    Sample("TAB", _inside("\t"), "never"),
    *(Sample(f"C0 {ord(c):#04x}", _inside(c), "always") for c in C0),
    Sample("DEL", _inside("\x7f"), "always"),
    *(Sample(f"C1 {ord(c):#04x}", _inside(c), "always") for c in C1),
    *(Sample(f"bidi U+{ord(c):04X}", _inside(c), "never") for c in BIDI),
    Sample("LINE SEPARATOR", _inside("\u2028"), "one line"),
    Sample("PARAGRAPH SEPARATOR", _inside("\u2029"), "one line"),
    Sample("BOM", _inside("\ufeff"), "never"),
    Sample("ZWSP and ZWJ", _inside("\u200b\u200d"), "never"),
]
LONE_SURROGATE = Sample("lone surrogate", _inside("\ud800"), "always")

# What goes through every field of every entry point: one of each kind of answer, so a field
# costs a handful of requests. The header injection is a real one: a title that became a
# mail's Subject would add a Bcc, were the break let through.
INJECTION = "Down\r\nBcc: victim@example.com\r\nX-Injected: yes"
COMPACT = [
    Sample("NUL", _inside("\x00"), "always"),
    Sample("ESC and BEL", "Edge\x1b[31m red\x07 status", "always"),
    Sample("C1 NEL and CSI", "Edge\x85next\x9b31m status", "always"),
    Sample("header injection", INJECTION, "one line"),
    Sample("LINE SEPARATOR", _inside("\u2028"), "one line"),
    Sample(
        "bidi, isolates, BOM, tab",
        "Edge \u202etxt.exe\u202c \u2066iso\u2069\ufeff\tstatus",
        "never",
    ),
]
KEPT = COMPACT[-1]
# Past every field's limit, and past none of the request's (MAX_CONTENT_LENGTH is 1 MiB).
LONG = "Edge status " * 9_000  # 108,000 characters
