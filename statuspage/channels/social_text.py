"""The words of a social post: one update, fitted to a network's length rules, with its link.

X and Mastodon count a link as 23 characters whatever its length; X also counts most CJK
characters and emoji twice and links bare domains. The length is counted as the network does
(or over-counted where it is cheaper to be safe), so a post is never refused for its length.
`post_threaded` is how both networks walk a batch so an incident's posts form one thread.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from statuspage.channels.base import Message, Outgoing, Result

ELLIPSIS = "…"
# A link ends before the punctuation that closes a sentence: the networks count that apart.
_END = r"(?=[.,;:!?)\]}'\"]*(?:\s|$))"
_LINK = re.compile(rf"https?://\S+?{_END}")
# What X may turn into a link without a scheme ("status.acme.io/x"): counted as a link too.
_LINK_OR_DOMAIN = re.compile(
    rf"{_LINK.pattern}|(?<![\w@.-])[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{{2,}}(?:/\S*?)?{_END}"
)
# twitter-text v3: code points in these ranges weigh 1, every other one 2.
_X_LIGHT = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))


@dataclass(frozen=True)
class Rules:
    limit: int
    link_length: int = 23
    weighted: bool = False  # X: CJK, emoji and most non-Latin scripts count twice
    bare_domains: bool = False  # X: "acme.io" is a link as well


X_RULES = Rules(280, weighted=True, bare_domains=True)
MASTODON_RULES = Rules(500)


def _char_weight(char: str, rules: Rules) -> int:
    if not rules.weighted:
        return 1
    point = ord(char)
    return 1 if any(low <= point <= high for low, high in _X_LIGHT) else 2


def _tokens(text: str, rules: Rules) -> Iterator[tuple[str, int]]:
    """The text as (piece, weight): whole links (never cut), and single characters."""
    pattern = _LINK_OR_DOMAIN if rules.bare_domains else _LINK
    position = 0
    for match in pattern.finditer(text):
        for char in text[position : match.start()]:
            yield char, _char_weight(char, rules)
        link = match.group()
        # A scheme-less word X might not link counts at least as itself: never under-counted.
        weight = rules.link_length if _LINK.match(link) else max(len(link), rules.link_length)
        yield link, weight
        position = match.end()
    for char in text[position:]:
        yield char, _char_weight(char, rules)


def post_length(text: str, rules: Rules) -> int:
    """The length the network counts for `text`."""
    return sum(weight for _piece, weight in _tokens(text, rules))


def _fit(text: str, budget: int, rules: Rules) -> str:
    """`text` if it fits in `budget`, else its longest start that fits with "…" after it."""
    if post_length(text, rules) <= budget:
        return text
    kept: list[str] = []
    used = 0
    room = budget - _char_weight(ELLIPSIS, rules)
    for piece, weight in _tokens(text, rules):
        if used + weight > room:
            break
        kept.append(piece)
        used += weight
    return "".join(kept).rstrip() + ELLIPSIS


def render_post(message: Message, rules: Rules) -> str:
    """The post for one update: staff's own social text if they wrote one, else the title and
    the update's words; the incident link always included, and the whole within the limit."""
    own = (message.social_text or "").strip()
    text = own or f"{message.title}\n{message.body_text.strip()}".strip()
    text = unicodedata.normalize("NFC", re.sub(r"\n{3,}", "\n\n", text))
    link = message.url
    if link and link in text and post_length(text, rules) <= rules.limit:
        return text  # staff placed the link themselves, and it all fits
    if not link:
        return _fit(text, rules.limit, rules)
    # Cut the words, never the link: it goes last, on its own line.
    words = re.sub(r"[ \t]{2,}", " ", text.replace(link, "")).strip()
    budget = rules.limit - rules.link_length - 1
    return f"{_fit(words, budget, rules)}\n{link}" if words else link


def post_threaded(
    batch: Sequence[Outgoing], post: Callable[[Outgoing, str | None], Result]
) -> list[Result]:
    """Post each message in order, each replying in its incident's thread.

    Two updates of one incident in the same batch thread onto each other: the later one
    replies to the post the earlier one just made; otherwise to the thread's latest known post
    (`Outgoing.reply_to`, from the database).
    """
    latest: dict[str, str] = {}
    results = []
    for outgoing in batch:
        incident = outgoing.message.incident_id
        result = post(outgoing, latest.get(incident) or outgoing.reply_to)
        if incident and result.provider_id:
            latest[incident] = result.provider_id
        results.append(result)
    return results
