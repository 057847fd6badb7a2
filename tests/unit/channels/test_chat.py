"""Slack, Teams and Discord: each platform's documented body, posted to a local receiver, and
how each platform's answers become outcomes."""

from __future__ import annotations

import pytest

from statuspage.channels.base import Message, Outgoing
from statuspage.channels.discord import DiscordChannel
from statuspage.channels.slack import SlackChannel
from statuspage.channels.teams import TeamsChannel
from tests.fakes.receiver import Receiver

URL = "https://status.example.test/incidents/i1"
UNSUBSCRIBE = "https://status.example.test/subscriptions/unsubscribe/tok"
PAYLOAD = {
    "meta": {"unsubscribe": UNSUBSCRIBE},
    "incident": {
        "id": "i1",
        "components": [{"id": "c1", "name": "API"}, {"id": "c2", "name": "Web"}],
        "incident_updates": [{"id": "u1", "display_at": "2030-01-01T10:00:00.000Z"}],
    },
}
ADAPTERS = {"slack": SlackChannel, "teams": TeamsChannel, "discord": DiscordChannel}


def _message(**changes) -> Message:
    fields = {
        "subject": "[Acme Status] API down: Investigating",
        "text": "",
        "html": "",
        "short_text": "API down",
        "url": URL,
        "title": "API down: Investigating",
        "impact": "critical",
        "incident_id": "i1",
        "update_id": "u1",
        "status": "investigating",
        "body_text": "Requests <fail> & time out.",
        "payload": PAYLOAD,
    }
    return Message(**(fields | changes))


def _post(receiver: Receiver, platform: str, message: Message | None = None, *, timeout=5):
    outgoing = Outgoing(1, receiver.url + "/hook", message or _message(), "delivery-1")
    (result,) = ADAPTERS[platform](timeout=timeout, allow_loopback=True).send([outgoing])
    return result


def test_slack_gets_block_kit_with_a_fallback_text_and_a_link(receiver: Receiver):
    assert _post(receiver, "slack").outcome == "sent"
    body = receiver.requests[0].json
    assert body["text"] == f"API down: Investigating {URL}"  # notifications, and no blocks
    header, section, context, actions, footer = body["blocks"]
    assert header == {
        "type": "header",
        "text": {"type": "plain_text", "text": "API down: Investigating"},
    }
    # mrkdwn: &, < and > escaped as Slack documents.
    assert section["text"] == {"type": "mrkdwn", "text": "Requests &lt;fail&gt; &amp; time out."}
    assert [e["text"] for e in context["elements"]] == [
        "*Status:* Investigating",
        "*Affected:* API, Web",
    ]
    (button,) = actions["elements"]
    assert button["type"] == "button"
    assert button["url"] == URL
    assert footer["elements"][0]["text"] == f"<{UNSUBSCRIBE}|Unsubscribe>"


def test_slack_header_and_section_stay_within_slack_limits(receiver: Receiver):
    _post(receiver, "slack", _message(title="x" * 400, body_text="y" * 5000))
    header, section = receiver.requests[0].json["blocks"][:2]
    assert len(header["text"]["text"]) == 150
    assert len(section["text"]["text"]) == 3000
    assert section["text"]["text"].endswith("…")


def test_teams_gets_a_message_with_one_adaptive_card(receiver: Receiver):
    assert _post(receiver, "teams").outcome == "sent"
    body = receiver.requests[0].json
    assert body["type"] == "message"
    (attachment,) = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert card["version"] == "1.4"
    title, text, facts = card["body"]
    assert title["type"] == "TextBlock"
    assert title["text"] == "API down: Investigating"
    assert title["color"] == "Attention"  # critical
    assert text == {"type": "TextBlock", "text": "Requests <fail> & time out.", "wrap": True}
    assert facts["type"] == "FactSet"
    assert facts["facts"] == [
        {"title": "Status", "value": "Investigating"},
        {"title": "Affected", "value": "API, Web"},
    ]
    view, unsubscribe = card["actions"]
    assert view == {"type": "Action.OpenUrl", "title": "View on the status page", "url": URL}
    assert unsubscribe["url"] == UNSUBSCRIBE


def test_discord_gets_content_and_an_embed_coloured_by_impact(receiver: Receiver):
    assert _post(receiver, "discord").outcome == "sent"
    body = receiver.requests[0].json
    assert body["content"] == "[Acme Status] API down: Investigating"
    assert body["allowed_mentions"] == {"parse": []}  # an update never pings @everyone
    (embed,) = body["embeds"]
    assert embed["title"] == "API down: Investigating"
    assert embed["url"] == URL
    assert embed["description"].startswith("Requests <fail> & time out.")
    assert f"[Unsubscribe]({UNSUBSCRIBE})" in embed["description"]
    assert embed["color"] == 0xE74C3C  # critical: red
    assert embed["timestamp"] == "2030-01-01T10:00:00.000Z"
    assert {f["name"]: f["value"] for f in embed["fields"]} == {
        "Status": "Investigating",
        "Affected": "API, Web",
    }


@pytest.mark.parametrize(
    ("impact", "status", "colour"),
    [
        ("minor", "identified", 0xF1C40F),
        ("major", "investigating", 0xE67E22),
        ("critical", "resolved", 0x2FCC66),  # a resolution is green whatever the impact
        ("maintenance", "in_progress", 0x3498DB),
    ],
)
def test_discord_colour_follows_impact_and_resolution(receiver: Receiver, impact, status, colour):
    _post(receiver, "discord", _message(impact=impact, status=status))
    assert receiver.requests[0].json["embeds"][0]["color"] == colour


def test_discord_embed_stays_within_discord_limits(receiver: Receiver):
    _post(receiver, "discord", _message(title="t" * 300, body_text="d" * 5000, payload={}))
    embed = receiver.requests[0].json["embeds"][0]
    assert len(embed["title"]) == 256
    assert len(embed["description"]) == 4096


@pytest.mark.parametrize("platform", sorted(ADAPTERS))
@pytest.mark.parametrize(
    ("answer", "outcome", "gone"),
    [
        (200, "sent", False),
        (204, "sent", False),
        (404, "permanent", True),  # the hook was deleted
        (410, "permanent", True),  # Slack: channel_is_archived
        (400, "permanent", False),
        (403, "permanent", False),
        (429, "retry", False),
        (500, "retry", False),
    ],
)
def test_platform_answers_map_to_outcomes(receiver: Receiver, platform, answer, outcome, gone):
    receiver.answer(answer)
    result = _post(receiver, platform)
    assert (result.outcome, result.gone) == (outcome, gone)


def test_teams_throttling_answered_with_a_200_is_retried(receiver: Receiver):
    text = "Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0"
    receiver.answer((200, {"body": text}))
    result = _post(receiver, "teams")
    assert result.outcome == "retry"
    assert "HTTP error 429" in result.error


def test_a_batch_shares_one_connection(receiver: Receiver):
    batch = [Outgoing(n, receiver.url, _message(), f"delivery-{n}") for n in (1, 2, 3)]
    assert [r.outcome for r in SlackChannel(timeout=5, allow_loopback=True).send(batch)] == [
        "sent"
    ] * 3
    assert len({r.client_port for r in receiver.requests}) == 1


def test_a_notice_that_asks_for_acknowledgement_gets_a_button_on_every_platform(receiver):
    ack = "https://status.example.test/ack/tok"
    payload = PAYLOAD | {"meta": {"unsubscribe": UNSUBSCRIBE, "acknowledge": ack}}
    for platform in ("slack", "teams", "discord"):
        _post(receiver, platform, _message(payload=payload))
    slack, teams, discord = receiver.bodies()
    actions = next(b for b in slack["blocks"] if b["type"] == "actions")
    assert actions["elements"][0]["url"] == ack
    assert actions["elements"][0]["text"]["text"] == "Acknowledge receipt"
    assert teams["attachments"][0]["content"]["actions"][0]["url"] == ack
    assert f"[Acknowledge receipt]({ack})" in discord["embeds"][0]["description"]
