"""Configuration comes from the environment, with defaults that make the one-command start work."""

from __future__ import annotations

import pytest

from statuspage.config import ConfigError, from_environment


def test_embedded_defaults_use_sqlite_in_the_instance_folder(tmp_path):
    config = from_environment({"INSTANCE_PATH": str(tmp_path)})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'herald.db'}"
    assert config["BASE_URL"] == "http://127.0.0.1:5000"


def test_a_generated_secret_key_is_kept_across_restarts(tmp_path):
    first = from_environment({"INSTANCE_PATH": str(tmp_path)})["SECRET_KEY"]
    second = from_environment({"INSTANCE_PATH": str(tmp_path)})["SECRET_KEY"]
    assert first == second
    assert len(first) >= 40


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY must be set"):
        from_environment({"HERALD_ENV": "production", "INSTANCE_PATH": str(tmp_path)})


@pytest.mark.parametrize(
    "mail_from", [None, "", "Herald Status <status@herald.invalid>", "ops@status.invalid", "nobody"]
)
def test_production_refuses_to_start_without_a_real_sender(tmp_path, mail_from):
    """Bounces and replies go to MAIL_FROM: `.invalid` (RFC 2606) exists nowhere."""
    env = {"HERALD_ENV": "production", "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k" * 40}
    if mail_from is not None:
        env["MAIL_FROM"] = mail_from
    with pytest.raises(ConfigError, match="MAIL_FROM must be a real sender"):
        from_environment(env)
    env["MAIL_FROM"] = "Acme Status <status@acme.example>"
    assert from_environment(env)["MAIL_FROM"] == "Acme Status <status@acme.example>"


def test_a_bounce_address_is_a_bare_address_with_room_for_each_delivery_s_token(tmp_path):
    env = {"INSTANCE_PATH": str(tmp_path)}
    assert from_environment(env)["BOUNCE_ADDRESS"] == ""  # unset: bounces go to MAIL_FROM
    env["BOUNCE_ADDRESS"] = "bounces@Status.Example.com"
    assert from_environment(env)["BOUNCE_ADDRESS"] == "bounces@status.example.com"
    # a display name, the "+" that delimits the token, no room left in 64 (RFC 5321), spaces
    for bad in ("Bounces <b@acme.example>", "b+x@acme.example", "b" * 30 + "@acme.example",
                "b c@acme.example", "bounces"):  # fmt: skip
        env["BOUNCE_ADDRESS"] = bad
        with pytest.raises(ConfigError, match="BOUNCE_ADDRESS must be a bare address"):
            from_environment(env)


@pytest.mark.parametrize("address", ["bounces@herald.invalid", "bounces@localhost"])
def test_production_refuses_a_bounce_address_with_no_real_domain(tmp_path, address):
    env = {
        "HERALD_ENV": "production",
        "INSTANCE_PATH": str(tmp_path),
        "SECRET_KEY": "k" * 40,
        "MAIL_FROM": "Acme Status <status@acme.example>",
        "BOUNCE_ADDRESS": address,
    }
    with pytest.raises(ConfigError, match="BOUNCE_ADDRESS must have a real domain"):
        from_environment(env)
    env["BOUNCE_ADDRESS"] = "bounces@status.acme.example"
    assert from_environment(env)["BOUNCE_ADDRESS"] == "bounces@status.acme.example"


def test_a_bounce_webhook_token_is_a_long_secret(tmp_path):
    env = {"INSTANCE_PATH": str(tmp_path)}
    assert from_environment(env)["BOUNCE_WEBHOOK_TOKEN"] == ""  # no webhook
    for weak in ("short", "a" * 31, "a" * 40 + "/../x"):
        env["BOUNCE_WEBHOOK_TOKEN"] = weak
        with pytest.raises(ConfigError, match="BOUNCE_WEBHOOK_TOKEN must be at least 32"):
            from_environment(env)
    env["BOUNCE_WEBHOOK_TOKEN"] = "Zx9_-" * 8
    assert from_environment(env)["BOUNCE_WEBHOOK_TOKEN"] == "Zx9_-" * 8


def test_database_url_switches_to_postgresql(tmp_path):
    config = from_environment(
        {"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": "postgres://u@db:5432/herald"}
    )
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db:5432/herald"


def test_a_malformed_number_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="SNAPSHOT_VERSION_TTL must be a number"):
        from_environment({"INSTANCE_PATH": str(tmp_path), "SNAPSHOT_VERSION_TTL": "soon"})
