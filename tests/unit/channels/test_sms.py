"""The SMS channel against Twilio's API, intercepted at the HTTP boundary: what is posted, with
which credentials, how long a body may be, and what each of Twilio's answers means."""

from __future__ import annotations

import pytest
import requests
import responses

from statuspage.channels.base import Message, Outgoing
from statuspage.channels.sms import (
    GSM_LIMIT,
    UCS2_LIMIT,
    SmsChannel,
    from_config,
    is_gsm,
    segment_length,
    sms_body,
)
from statuspage.config import ConfigError, from_environment
from tests.fakes.twilio import BASIC_AUTH, MESSAGES_URL, SENDER, SID, TOKEN, accept, refuse, texts

URL = "https://status.example.test/incidents/a1b2c3d4e5f6"


def _message(short_text: str, url: str = URL) -> Message:
    return Message(subject="", text="", html="", short_text=short_text, url=url)


def _outgoing(delivery_id: int, phone: str, text: str = "Acme: API down (Investigating)"):
    return Outgoing(delivery_id, phone, _message(f"{text} {URL}"), f"delivery-{delivery_id}")


@pytest.fixture
def twilio():
    with responses.RequestsMock() as mock:
        yield mock


def channel(sender: str = SENDER) -> SmsChannel:
    return SmsChannel(SID, TOKEN, sender, timeout=4)


def test_a_batch_posts_one_message_each_with_the_account_credentials(twilio):
    accept(twilio)
    results = channel().send([_outgoing(1, "+447700900001"), _outgoing(2, "+447700900002")])
    assert [(r.delivery_id, r.outcome) for r in results] == [(1, "sent"), (2, "sent")]
    assert results[0].provider_id == "SM" + "0" * 31 + "1"  # the Message SID
    assert texts(twilio) == [
        {"To": "+447700900001", "From": SENDER, "Body": f"Acme: API down (Investigating) {URL}"},
        {"To": "+447700900002", "From": SENDER, "Body": f"Acme: API down (Investigating) {URL}"},
    ]
    for call in twilio.calls:
        assert call.request.headers["Authorization"] == BASIC_AUTH
        assert call.request.req_kwargs["timeout"] == 4  # never waits on Twilio for ever


def test_a_messaging_service_sends_instead_of_a_number(twilio):
    accept(twilio)
    channel("MG" + "a" * 32).send([_outgoing(1, "+447700900001")])
    (sent,) = texts(twilio)
    assert sent["MessagingServiceSid"] == "MG" + "a" * 32
    assert "From" not in sent


@pytest.mark.parametrize(
    ("status", "code", "outcome", "gone"),
    [
        (400, 21211, "permanent", True),  # not a valid phone number
        (400, 21614, "permanent", True),  # not a mobile number
        (400, 21610, "permanent", True),  # the recipient replied STOP
        (400, 21408, "permanent", False),  # sending to that region is not enabled
        (400, 21617, "permanent", False),  # body too long (not ours, but final)
        (500, 20500, "retry", False),
        (503, 20503, "retry", False),
    ],
)
def test_what_each_twilio_error_means(twilio, status, code, outcome, gone):
    refuse(twilio, status, code, "refused")
    accept(twilio)  # the next number in the batch is still tried
    first, second = channel().send([_outgoing(1, "+447700900001"), _outgoing(2, "+447700900002")])
    assert (first.outcome, first.gone) == (outcome, gone)
    assert f"code {code}" in first.error
    assert second.outcome == "sent"
    assert len(twilio.calls) == 2


@pytest.mark.parametrize(("status", "code"), [(429, 20429), (401, 20003), (403, 20003)])
def test_an_account_fault_retries_the_rest_of_the_batch_without_trying_it(twilio, status, code):
    """Too many requests, or credentials refused: no number is to blame, none is failed."""
    refuse(twilio, status, code)
    results = channel().send([_outgoing(n, f"+44770090000{n}") for n in (1, 2, 3)])
    assert [(r.outcome, r.gone) for r in results] == [("retry", False)] * 3
    assert len(twilio.calls) == 1


def test_a_lost_connection_is_retried_later(twilio):
    twilio.add(responses.POST, MESSAGES_URL, body=requests.ConnectionError("reset by peer"))
    results = channel().send([_outgoing(1, "+447700900001"), _outgoing(2, "+447700900002")])
    assert [r.outcome for r in results] == ["retry", "retry"]
    assert "reset by peer" in results[0].error
    assert len(twilio.calls) == 1


def test_a_timeout_is_retried_later(twilio):
    twilio.add(responses.POST, MESSAGES_URL, body=requests.ReadTimeout("read timed out"))
    (result,) = channel().send([_outgoing(1, "+447700900001")])
    assert result.outcome == "retry"


def test_a_short_status_goes_as_it_is():
    assert sms_body(_message(f"Acme: API down (Resolved) {URL}")) == (
        f"Acme: API down (Resolved) {URL}"
    )


def test_a_long_status_is_cut_to_one_segment_keeping_status_and_link():
    name = "The primary database cluster in the EU region is refusing connections " * 3
    body = sms_body(_message(f"Acme Status: {name} (Investigating) {URL}"))
    assert len(body) <= GSM_LIMIT
    assert segment_length(body, True) <= GSM_LIMIT
    assert body.startswith("Acme Status: The primary database")
    assert body.endswith(f"... (Investigating) {URL}")
    assert is_gsm(body)


def test_typographic_punctuation_is_brought_into_gsm_so_160_still_fit():
    # Curly quotes, an en dash, a right single quote, an ellipsis: what editors type.
    text = "Acme: \u201cLogin\u201d fails \u2013 we\u2019re on it\u2026 (Investigating) " + "x" * 40
    body = sms_body(_message(f"{text} {URL}"))
    assert is_gsm(body)
    assert body.startswith('Acme: "Login" fails - we\'re on it... (Investigating)')
    assert len(body) <= GSM_LIMIT


def test_extension_characters_count_twice():
    text = "{[|]}" * 30  # 150 characters, 300 septets
    body = sms_body(_message(f"{text} (Investigating) {URL}"))
    assert segment_length(body, True) <= GSM_LIMIT
    assert body.endswith(f"... (Investigating) {URL}")
    assert "{" in body


def test_text_that_cannot_be_gsm_fits_seventy_characters():
    body = sms_body(_message(f"Статус: {'сбой ' * 20}(Расследуем) {URL}", url=URL))
    assert not is_gsm(body)
    assert segment_length(body, False) == len(body) <= UCS2_LIMIT
    assert body == f"Ста... (Расследуем) {URL}"
    emoji = sms_body(_message("🔥 Fire in the data centre (Investigating)", url=""))
    assert emoji == "🔥 Fire in the data centre (Investigating)"  # 43 UTF-16 units: fits 70
    long_emoji = sms_body(_message("🔥 " + "Fire in the data centre " * 4, url=""))
    assert segment_length(long_emoji, False) <= UCS2_LIMIT
    assert long_emoji.endswith("...")


def test_a_text_without_a_link_is_sent_as_it_is():
    body = sms_body(_message("Reply YES to get Acme status updates. Reply STOP to stop.", url=""))
    assert body == "Reply YES to get Acme status updates. Reply STOP to stop."


def test_sms_is_offered_only_when_twilio_is_configured():
    assert from_config({"TWILIO_ACCOUNT_SID": ""}) == {}
    config = {"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_FROM": SENDER}
    assert isinstance(from_config(config)["sms"], SmsChannel)


def test_a_half_configured_twilio_stops_the_start_with_a_clear_message(tmp_path):
    env = {"SECRET_KEY": "k", "INSTANCE_PATH": str(tmp_path), "TWILIO_ACCOUNT_SID": SID}
    with pytest.raises(ConfigError, match="TWILIO_AUTH_TOKEN and TWILIO_FROM"):
        from_environment(env)
    config = from_environment(env | {"TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_FROM": SENDER})
    assert config["TWILIO_FROM"] == SENDER
