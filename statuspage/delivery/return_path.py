"""Each mail's return path (VERP): BOUNCE_ADDRESS with the delivery's token, and back again.

With BOUNCE_ADDRESS `bounces@status.example.com`, delivery 42's envelope sender (SMTP MAIL
FROM, the Return-Path the receiver records) is `bounces+42-<mac>@status.example.com`, and a
bounce comes back to that very address: the address alone names the delivery that failed.
The MAC is a keyed hash (the app's SECRET_KEY) of the delivery's id and when it was made, so
nobody can make the address of another delivery, and a restored backup or a staging copy
with other rows never matches; base32 in lower case, so only letters and digits, which any
RFC 5321 local part may hold and an MTA that folds case does not spoil.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable

from flask import current_app

from statuspage.extensions import db
from statuspage.models import Delivery

_TOKEN = re.compile(r"(\d{1,18})-([a-z2-7]{26})")


def _mac(delivery: Delivery) -> str:
    made = delivery.created_at.isoformat() if delivery.created_at else ""
    digest = hmac.new(
        current_app.config["SECRET_KEY"].encode(),
        f"bounce:{delivery.id}:{made}".encode(),
        hashlib.sha256,
    ).digest()[:16]
    return base64.b32encode(digest).decode().rstrip("=").lower()


def return_path(delivery: Delivery) -> str | None:
    """The envelope sender of the delivery's mail; None without BOUNCE_ADDRESS (MAIL_FROM)."""
    bounce_address = current_app.config.get("BOUNCE_ADDRESS")
    if not bounce_address:
        return None
    local, _, domain = bounce_address.rpartition("@")
    return f"{local}+{delivery.id}-{_mac(delivery)}@{domain}"


def is_return_path(address: str) -> bool:
    """Whether `address` has the form of a return path (the token is not checked): what the
    bounce sink accepts RCPT for."""
    return _token(address) is not None


def delivery_for(addresses: Iterable[str]) -> Delivery | None:
    """The delivery whose return path is the first of `addresses` with a genuine token;
    None when none has one (no such form, an unknown delivery, a forged MAC)."""
    for address in addresses:
        token = _token(address)
        if token is None:
            continue
        delivery_id, mac = token
        delivery = db.session.get(Delivery, delivery_id)
        if delivery is not None and hmac.compare_digest(_mac(delivery), mac):
            return delivery
    return None


def _token(address: str) -> tuple[int, str] | None:
    """(delivery id, MAC) of a return path of BOUNCE_ADDRESS, else None. The local part's
    case is ignored (RFC 5321 lets a receiver keep it, some fold it), as the domain's is."""
    bounce_address = current_app.config.get("BOUNCE_ADDRESS")
    if not bounce_address:
        return None
    own_local, _, own_domain = bounce_address.lower().rpartition("@")
    local, _, domain = address.strip().strip("<>").lower().rpartition("@")
    if domain != own_domain or not local.startswith(f"{own_local}+"):
        return None
    match = _TOKEN.fullmatch(local.removeprefix(f"{own_local}+"))
    if match is None:
        return None
    return int(match.group(1)), match.group(2)
