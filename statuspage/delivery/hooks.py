"""Steps a channel kind needs around each send, registered per channel, run by the engine.

The engine's loop is the same for every channel; what one kind needs besides (X and Mastodon
posts reply in their incident's thread: social.threads) plugs in here instead of branching
the loop. A hook runs in the engine's transaction: `before_send` after the chunk's lease is
renewed and committed, `after_send` before the results are recorded and committed with them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from statuspage.channels.base import Outgoing, Result
from statuspage.social.accounts import NETWORKS
from statuspage.social.threads import ThreadHook


class SendHook(Protocol):
    def before_send(self, batch: Sequence[Outgoing]) -> list[Outgoing]:
        """The batch as it is to be sent (the same messages, possibly with more set)."""
        ...

    def after_send(self, batch: Sequence[Outgoing], results: Sequence[Result]) -> None:
        """Remember what the send did, in the transaction that records its results."""
        ...


class NoHook:
    """A channel with nothing to do around its sends."""

    def before_send(self, batch: Sequence[Outgoing]) -> list[Outgoing]:
        return list(batch)

    def after_send(self, batch: Sequence[Outgoing], results: Sequence[Result]) -> None:
        return None


HOOKS: Mapping[str, SendHook] = {network.value: ThreadHook(network) for network in NETWORKS}


def hook_for(channel: str) -> SendHook:
    return HOOKS.get(channel, NoHook())
