"""The VAPID key pair that signs web push: configured, or generated once into the instance folder.

Browsers bind each push subscription to the public key the page offered when it subscribed
(the "application server key"), so the key must outlive restarts and be the same in every
process that sends: a generated key is written once, 0600, and read back everywhere after.
"""

from __future__ import annotations

import base64
import contextlib
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

KEY_FILE = "vapid_private_key.pem"


@dataclass(frozen=True)
class VapidKeys:
    signer: Vapid02  # what pywebpush signs each request's JWT with
    application_server_key: str  # the public key, base64url of the uncompressed P-256 point


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _to_pem(private_key: ec.EllipticCurvePrivateKey) -> str:
    return private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def parse_private_key(text: str) -> ec.EllipticCurvePrivateKey:
    """A P-256 private key from PEM, base64url DER, or base64url of the raw 32-byte scalar (what
    `vapid --gen` and the web-push npm package print). ValueError says what is wrong."""
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode(), password=None)
        else:
            raw = _b64url_decode("".join(text.split()))
            if len(raw) == 32:
                key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
            else:
                key = serialization.load_der_private_key(raw, password=None)
    except (ValueError, TypeError) as exc:
        raise ValueError("not a PEM, DER or raw base64url P-256 private key") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ValueError("the key must be an EC key on the P-256 curve")
    return key


def _generate_into(path: Path) -> None:
    """Write a new key to `path` unless one is there: whoever links first wins, so two
    processes starting at once end up with the same key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = _to_pem(ec.generate_private_key(ec.SECP256R1()))
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(pem)
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)  # atomic, and never replaces a key already there
    finally:
        temporary.unlink(missing_ok=True)


def private_key_pem(setting: str, instance_path: Path) -> str:
    """The VAPID private key as PEM: `setting` (VAPID_PRIVATE_KEY) when given, else the key in
    the instance folder, generated there on first use. ValueError for a malformed setting."""
    if setting.strip():
        return _to_pem(parse_private_key(setting))
    path = instance_path / KEY_FILE
    if not path.exists():
        _generate_into(path)
    return path.read_text()


@lru_cache(maxsize=4)
def _keys(pem: str) -> VapidKeys:
    key = parse_private_key(pem)
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return VapidKeys(Vapid02(key), base64.urlsafe_b64encode(public).rstrip(b"=").decode())


def vapid_keys(setting: str, instance_path: Path) -> VapidKeys:
    """The signer and public key, parsed once per process (every deliver job asks)."""
    return _keys(private_key_pem(setting, instance_path))
