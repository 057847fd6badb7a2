"""Content codings of a snapshot: compressed once when it is rendered, chosen per request.

A snapshot's body is compressed (gzip, and brotli) at the moment it is rendered, that is
once per page version and path on a machine (by the worker after a publish, as a rule), and
stored beside the plain bytes in memory and on disk. A request only picks one of the stored
representations by its `Accept-Encoding` (RFC 9110 §12.5.3): nothing is compressed per
request. Each representation has its own strong ETag (RFC 9110 §8.8.3: a validator belongs
to one representation), and every one of them says `Vary: Accept-Encoding`.
"""

from __future__ import annotations

import functools
import gzip
from collections.abc import Sequence

import brotli

IDENTITY = "identity"
GZIP = "gzip"
BR = "br"
# The server's preference when the client weighs codings equally: the smallest first.
PREFERENCE = (BR, GZIP, IDENTITY)
# Bodies worth compressing: text of every kind the public site serves. Images (PNG) and
# anything already compressed are left alone.
_COMPRESSIBLE = (
    "text/",
    "application/json",
    "application/javascript",
    "application/xml",
    "application/atom+xml",
    "application/rss+xml",
    "application/manifest+json",
    "image/svg+xml",
)
GZIP_LEVEL = 9  # once per version: the smallest bytes are worth the millisecond or two
# Brotli's quality 11 saves another 14% on `/` but costs some 100-400 ms per body on this
# 2-core machine, and the worker renders every path after each publish (one a second under
# bench/public_page.py's publisher): quality 5 is about as fast as gzip and still 13% smaller.
BROTLI_QUALITY = 5
_UNNAMED_IDENTITY = 1e-6
_ALIASES = {"x-gzip": GZIP}  # RFC 9110 §8.4.1.3: a recipient treats x-gzip as gzip


def compressible(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media.startswith(_COMPRESSIBLE) or media.endswith(("+json", "+xml"))


def encode(body: bytes, content_type: str) -> tuple[tuple[str, bytes], ...]:
    """The compressed representations of `body` worth keeping: those smaller than it.
    `mtime=0` makes gzip's bytes (and so the ETag derived from them) the same in every
    process that renders the same body."""
    if not compressible(content_type):
        return ()
    encoded = (
        (BR, brotli.compress(body, mode=brotli.MODE_TEXT, quality=BROTLI_QUALITY)),
        (GZIP, gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)),
    )
    return tuple((coding, data) for coding, data in encoded if len(data) < len(body))


def _weight(text: str) -> float | None:
    """A qvalue (RFC 9110 §12.4.2: 0 to 1, three decimals at most), or None when malformed."""
    text = text.strip()
    try:
        value = float(text)
    except ValueError:
        return None
    if not 0 <= value <= 1 or len(text) > 5 or not text[0].isdigit():
        return None
    return value


@functools.lru_cache(maxsize=512)  # clients send a handful of distinct headers
def _weights(header: str) -> dict[str, float]:
    weights: dict[str, float] = {}
    for element in header.split(","):
        coding, *params = (part.strip() for part in element.split(";"))
        coding = _ALIASES.get(coding.lower(), coding.lower())
        if not coding:
            continue
        q: float | None = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                q = _weight(value)
        if q is None:  # a malformed weight: ignore that element, not the whole header
            continue
        weights[coding] = q
    return weights


@functools.lru_cache(maxsize=512)
def choose(header: str | None, available: tuple[str, ...]) -> str:
    """The coding to send, among `available` (and identity), for an `Accept-Encoding` value.

    RFC 9110 §12.5.3: no header, or an empty one, asks for no coding; a coding the header
    names takes its weight, one it does not name takes `*`'s, and identity is acceptable
    unless `identity;q=0` (or `*;q=0` without naming identity) refuses it, and comes after
    any coding the client weighs above zero. The highest weight
    wins, ties going to the smallest representation. When every coding on offer is refused,
    identity is sent all the same (§12.1 lets a server disregard negotiation rather than
    fail a public page).
    """
    if not header or not available:
        return IDENTITY
    weights = _weights(header)
    star = weights.get("*")
    best, best_q = IDENTITY, 0.0
    for coding in PREFERENCE:
        if coding != IDENTITY and coding not in available:
            continue
        if coding in weights:
            q = weights[coding]
        elif star is not None:
            q = star
        else:
            # Identity unnamed is acceptable (§12.5.3) but wanted least: "gzip;q=0.5" still
            # means gzip. A weight below any a client can write (0.001).
            q = _UNNAMED_IDENTITY if coding == IDENTITY else 0.0
        if q > best_q:
            best, best_q = coding, q
    return best


def with_vary(headers: Sequence[tuple[str, str]], field: str) -> tuple[tuple[str, str], ...]:
    """`headers` with `field` added to their Vary (one Vary line, merged), or a Vary of its own."""
    out, merged = [], False
    for name, value in headers:
        if name.lower() == "vary" and not merged:
            names = [part.strip() for part in value.split(",") if part.strip()]
            if field.lower() not in (n.lower() for n in names):
                names.append(field)
            value, merged = ", ".join(names), True
        out.append((name, value))
    if not merged:
        out.append(("Vary", field))
    return tuple(out)
