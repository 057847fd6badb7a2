"""Per-channel send hooks: social networks thread their posts, other channels pass through."""

from __future__ import annotations

from statuspage.channels.base import Message, Outgoing, Result
from statuspage.delivery.hooks import hook_for
from statuspage.models import Channel
from statuspage.social.threads import ThreadHook


def test_each_social_network_threads_its_posts():
    assert hook_for("x") == ThreadHook(Channel.x)
    assert hook_for("mastodon") == ThreadHook(Channel.mastodon)


def test_other_channels_send_the_batch_as_it_is():
    message = Message(subject="s", text="t", html="", short_text="t", url="", incident_id="i1")
    batch = [Outgoing(1, "a@example.com", message, "delivery-1")]
    hook = hook_for("email")
    assert hook.before_send(batch) == batch
    assert hook.after_send(batch, [Result(1, "sent", provider_id="m1")]) is None
