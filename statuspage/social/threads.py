"""Incidents' threads on the social networks: each post replies to its incident's latest one.

Each incident's posts on a network form one thread. The first post sent starts it; every
later one replies to the latest post known, whatever order retries deliver them in. The
delivery engine runs a network's `ThreadHook` around each of its sends (delivery.hooks).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select

from statuspage.channels.base import Outgoing, Result
from statuspage.clock import utcnow
from statuspage.core.upsert import conflict_insert
from statuspage.extensions import db
from statuspage.models import Channel, SocialThread
from statuspage.social.accounts import network_of


@dataclass(frozen=True)
class ThreadHook:
    """Threads one network's posts: a delivery.hooks.SendHook."""

    network: Channel

    def before_send(self, batch: Sequence[Outgoing]) -> list[Outgoing]:
        """The batch, each post set to reply to the latest known post of its incident's
        thread on this network (none yet: it starts the thread)."""
        incidents = {o.message.incident_id for o in batch if o.message.incident_id}
        latest = dict(
            db.session.execute(
                select(SocialThread.incident_id, SocialThread.last_post_id).where(
                    SocialThread.network == self.network, SocialThread.incident_id.in_(incidents)
                )
            ).all()
        )
        return [replace(o, reply_to=latest.get(o.message.incident_id)) for o in batch]

    def after_send(self, batch: Sequence[Outgoing], results: Sequence[Result]) -> None:
        """Record each new post as its incident's latest on this network; the first one posted
        starts the thread (root). In the caller's transaction, committed with the results."""
        incident_of = {o.delivery_id: o.message.incident_id for o in batch}
        now = utcnow()
        for result in results:
            incident_id = incident_of.get(result.delivery_id)
            if result.outcome != "sent" or not result.provider_id or not incident_id:
                continue
            post = result.provider_id
            statement = conflict_insert(SocialThread).values(
                incident_id=incident_id,
                network=self.network,
                root_post_id=post,
                last_post_id=post,
                updated_at=now,
            )
            db.session.execute(
                statement.on_conflict_do_update(
                    index_elements=["incident_id", "network"],
                    set_={"last_post_id": post, "updated_at": now},
                )
            )


def thread_of(incident_id: str, network: Channel | str) -> SocialThread | None:
    return db.session.scalar(
        select(SocialThread).where(
            SocialThread.incident_id == incident_id, SocialThread.network == network_of(network)
        )
    )
