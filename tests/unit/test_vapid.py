"""The VAPID key pair: generated once into the instance folder, or taken from the config."""

from __future__ import annotations

import base64
import stat

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from statuspage.config import ConfigError, from_environment
from statuspage.vapid import KEY_FILE, vapid_keys


def test_a_key_is_generated_on_first_start_kept_private_and_reused(tmp_path):
    first = from_environment({"INSTANCE_PATH": str(tmp_path)})["VAPID_PRIVATE_KEY"]
    key_file = tmp_path / KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    second = from_environment({"INSTANCE_PATH": str(tmp_path)})["VAPID_PRIVATE_KEY"]
    assert first == second == key_file.read_text()
    public = vapid_keys(first, tmp_path).application_server_key
    point = base64.urlsafe_b64decode(public + "=" * (-len(public) % 4))
    assert len(point) == 65
    assert point[0] == 4  # uncompressed, as PushManager.subscribe() wants it
    assert "=" not in public


def _raw_and_der(key: ec.EllipticCurvePrivateKey) -> tuple[str, str]:
    raw = key.private_numbers().private_value.to_bytes(32, "big")
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return (
        base64.urlsafe_b64encode(raw).rstrip(b"=").decode(),
        base64.urlsafe_b64encode(der).rstrip(b"=").decode(),
    )


def test_a_configured_key_wins_in_any_of_its_usual_forms(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    raw, der = _raw_and_der(key)
    publics = set()
    for form in (pem, raw, der):
        config = from_environment({"INSTANCE_PATH": str(tmp_path), "VAPID_PRIVATE_KEY": form})
        publics.add(vapid_keys(config["VAPID_PRIVATE_KEY"], tmp_path).application_server_key)
    assert len(publics) == 1
    assert not (tmp_path / KEY_FILE).exists()


@pytest.mark.parametrize(
    "value",
    [
        "not a key",
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
        base64.urlsafe_b64encode(
            ec.generate_private_key(ec.SECP384R1()).private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ).decode(),
    ],
)
def test_a_malformed_key_stops_the_start_with_a_clear_message(tmp_path, value):
    with pytest.raises(ConfigError, match="VAPID_PRIVATE_KEY is malformed"):
        from_environment({"INSTANCE_PATH": str(tmp_path), "VAPID_PRIVATE_KEY": value})
