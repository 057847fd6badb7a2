"""Twilio at the HTTP boundary: its fixed API host answered by `responses`, its webhooks signed
with twilio's own RequestValidator, and the app configured for it for one test."""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs

import responses
from flask import Flask
from twilio.request_validator import RequestValidator

SID = "AC00000000000000000000000000000001"
TOKEN = "twilio-test-auth-token"
SENDER = "+15005550006"
MESSAGES_URL = f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"
BASIC_AUTH = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
INBOUND_PATH = "/sms/inbound"


@contextmanager
def configured(app: Flask, **overrides: Any) -> Iterator[None]:
    """The app with Twilio configured (as TWILIO_* in the environment would) for a while."""
    settings = {"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_FROM": SENDER}
    settings |= overrides
    previous = {key: app.config[key] for key in settings}
    app.config.update(settings)
    try:
        yield
    finally:
        app.config.update(previous)


def accept(mock: responses.RequestsMock) -> None:
    """Twilio takes every message: 201 with a fresh Message SID, as the real API answers."""
    numbers = itertools.count(1)

    def created(request: Any) -> tuple[int, dict[str, str], str]:
        form = parse_qs(request.body)
        message = {"sid": f"SM{next(numbers):032d}", "status": "queued", "to": form["To"][0]}
        return 201, {"Content-Type": "application/json"}, json.dumps(message)

    mock.add_callback(responses.POST, MESSAGES_URL, callback=created)


def refuse(mock: responses.RequestsMock, status: int, code: int, message: str = "no") -> None:
    """Twilio's legacy error body, as its API sends it (code, message, more_info, status)."""
    mock.add(
        responses.POST,
        MESSAGES_URL,
        status=status,
        json={
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
    )


def texts(mock: responses.RequestsMock) -> list[dict[str, str]]:
    """The form bodies posted to Twilio's Messages API, in order (To, From, Body, ...)."""
    sent = []
    for call in mock.calls:
        assert call.request.url == MESSAGES_URL
        form = parse_qs(call.request.body, keep_blank_values=True)
        sent.append({name: values[0] for name, values in form.items()})
    return sent


def sign(url: str, params: dict[str, str], token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


def inbound(client: Any, base_url: str, params: dict[str, str], *, signature: str | None = None):
    """POST a text as Twilio would: form fields signed over the public URL it called."""
    if signature is None:
        signature = sign(base_url + INBOUND_PATH, params)
    headers = {"X-Twilio-Signature": signature} if signature else {}
    return client.post(INBOUND_PATH, data=params, headers=headers)


def text_from(phone: str, body: str) -> dict[str, str]:
    """The fields Twilio posts for an incoming SMS (the ones Herald reads, and some it does not)."""
    return {
        "MessageSid": "SM" + "f" * 32,
        "AccountSid": SID,
        "From": phone,
        "To": SENDER,
        "Body": body,
        "NumMedia": "0",
    }
