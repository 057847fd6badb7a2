"""X (Twitter): post each update with tweepy's v2 client, as a reply in the incident's thread.

X has no idempotency key. A post whose response was lost (a timeout after X accepted it) is
sent again by the retry, and X refuses it as duplicate content: that answer is taken as
"sent" (the words are on X, which is what the delivery promised), logged with the reason, and
never retried; the thread then goes on from the post before it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import requests
import tweepy

from statuspage.channels.base import Outgoing, Result
from statuspage.channels.social_text import X_RULES, post_threaded, render_post

log = logging.getLogger(__name__)

TIMEOUT = 10.0  # seconds, to connect and for each read
# How X words the refusal of a post it already has (v2 "detail", v1.1 code 187).
DUPLICATE = "duplicate content"
DUPLICATE_CODE = 187


class _TimedSession(requests.Session):
    """A session whose every request has a timeout: tweepy passes none of its own."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", self.timeout)
        return super().request(*args, **kwargs)


def _duplicate(error: tweepy.HTTPException) -> bool:
    return DUPLICATE_CODE in error.api_codes or any(
        DUPLICATE in str(message).lower() for message in error.api_messages
    )


def _reset_time(error: tweepy.TooManyRequests) -> datetime | None:
    if error.reset_time is None:
        return None
    return datetime.fromtimestamp(error.reset_time, UTC)


class XChannel:
    """The page's X account (OAuth 1.0a user context: the four keys of a developer app)."""

    name = "x"

    def __init__(
        self,
        consumer_key: str,
        consumer_secret: str,
        access_token: str,
        access_token_secret: str,
        *,
        timeout: float = TIMEOUT,
    ) -> None:
        self._keys = (consumer_key, consumer_secret, access_token, access_token_secret)
        self.timeout = timeout

    def send(self, batch: Sequence[Outgoing]) -> list[Result]:
        """Post each message in order; one HTTP session for the batch.

        Two updates of one incident in the same batch thread onto each other: the later one
        replies to the post the earlier one just made.
        """
        consumer_key, consumer_secret, access_token, access_token_secret = self._keys
        client = tweepy.Client(
            consumer_key=consumer_key,
            consumer_secret=consumer_secret,
            access_token=access_token,
            access_token_secret=access_token_secret,
        )
        client.session = _TimedSession(self.timeout)
        try:
            return post_threaded(
                batch, lambda outgoing, reply_to: self._post(client, outgoing, reply_to)
            )
        finally:
            client.session.close()

    def _post(self, client: tweepy.Client, outgoing: Outgoing, reply_to: str | None) -> Result:
        delivery = outgoing.delivery_id
        text = render_post(outgoing.message, X_RULES)
        try:
            response = client.create_tweet(text=text, in_reply_to_tweet_id=reply_to)
        except tweepy.TooManyRequests as error:
            return Result(
                delivery,
                "retry",
                error=f"X rate limit: {error}"[:500],
                not_before=_reset_time(error),
            )
        except tweepy.TwitterServerError as error:
            return Result(delivery, "retry", error=f"X server error: {error}"[:500])
        except (tweepy.Unauthorized, tweepy.Forbidden) as error:
            if isinstance(error, tweepy.Forbidden) and _duplicate(error):
                log.info("X refused delivery %s as duplicate content: already posted", delivery)
                why = f"X: duplicate content, not posted again ({error})"
                return Result(delivery, "sent", error=why[:500])
            log.warning("X refused the account's credentials or rights: %s", error)
            return Result(delivery, "permanent", error=f"X refused the account: {error}"[:500])
        except tweepy.HTTPException as error:  # 400 (too long, a deleted reply target), 404 ...
            log.warning("X refused delivery %s: %s", delivery, error)
            return Result(delivery, "permanent", error=f"X refused the post: {error}"[:500])
        except requests.RequestException as error:  # no connection, a timeout
            return Result(delivery, "retry", error=f"X unreachable: {error}"[:500])
        return Result(delivery, "sent", provider_id=str(response.data["id"]))
