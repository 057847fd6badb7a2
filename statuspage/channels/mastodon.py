"""Mastodon: post each update with Mastodon.py, public, as a reply in the incident's thread.

Every post carries the delivery's idempotency key, so a retry after a lost response returns
the status Mastodon already made instead of posting it twice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from mastodon import (
    Mastodon,
    MastodonAPIError,
    MastodonNetworkError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)

from statuspage.channels.base import Outgoing, Result
from statuspage.channels.http import endpoint_session
from statuspage.channels.social_text import MASTODON_RULES, post_threaded, render_post

log = logging.getLogger(__name__)

TIMEOUT = 10.0  # seconds, to connect and for each read
# Answers worth asking again: a timeout at a proxy, a conflict while the same idempotency key
# is still being processed.
RETRY_STATUSES = frozenset({408, 409, 425})


def _status_code(error: MastodonAPIError) -> int | None:
    """Mastodon.py raises ('Mastodon API returned error', status, reason, message)."""
    return error.args[1] if len(error.args) > 1 and isinstance(error.args[1], int) else None


class MastodonChannel:
    """The page's Mastodon account: its server's address and a token with write:statuses."""

    name = "mastodon"

    def __init__(
        self,
        base_url: str,
        access_token: str,
        *,
        timeout: float = TIMEOUT,
        allow_loopback: bool = False,
    ) -> None:
        self.base_url = base_url
        self._token = access_token
        self.timeout = timeout
        self._allow_loopback = allow_loopback

    def _client(self) -> Mastodon:
        return Mastodon(
            api_base_url=self.base_url,
            access_token=self._token,
            request_timeout=self.timeout,
            ratelimit_method="throw",  # never sleep in a worker: the engine retries later
            # Public addresses only, as webhooks: a server address that resolves inside the
            # network (or turns to one later) gets no request, and so never the token.
            session=endpoint_session(allow_loopback=self._allow_loopback),
        )

    def send(self, batch: Sequence[Outgoing]) -> list[Result]:
        """Post each message in order; one HTTP session for the batch.

        Two updates of one incident in the same batch thread onto each other: the later one
        replies to the post the earlier one just made.
        """
        client = self._client()
        try:
            return post_threaded(
                batch, lambda outgoing, reply_to: self._post(client, outgoing, reply_to)
            )
        finally:
            client.session.close()

    def _post(self, client: Mastodon, outgoing: Outgoing, reply_to: str | None) -> Result:
        delivery = outgoing.delivery_id
        try:
            status = client.status_post(
                render_post(outgoing.message, MASTODON_RULES),
                in_reply_to_id=reply_to,
                idempotency_key=outgoing.idempotency_key,
                visibility="public",
            )
        except MastodonRatelimitError as error:
            reset = client.ratelimit_reset  # from the X-RateLimit-Reset header, if it came
            not_before = datetime.fromtimestamp(reset, UTC) if reset else None
            return Result(
                delivery, "retry", error=f"Mastodon rate limit: {error}", not_before=not_before
            )
        except (MastodonNetworkError, MastodonServerError) as error:  # no connection, 5xx
            return Result(delivery, "retry", error=f"Mastodon unreachable: {error}"[:500])
        except MastodonUnauthorizedError as error:
            log.warning("Mastodon refused the account's access token: %s", error)
            return Result(delivery, "permanent", error=f"Mastodon refused the token: {error}"[:500])
        except MastodonAPIError as error:
            code = _status_code(error)
            if code in RETRY_STATUSES:
                return Result(delivery, "retry", error=f"Mastodon: {error}"[:500])
            # 403 (a token without write:statuses, a suspended account), 422 (refused text) ...
            log.warning("Mastodon refused delivery %s: %s", delivery, error)
            return Result(delivery, "permanent", error=f"Mastodon refused the post: {error}"[:500])
        return Result(delivery, "sent", provider_id=str(status["id"]))
