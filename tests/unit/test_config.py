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


def test_database_url_switches_to_postgresql(tmp_path):
    config = from_environment(
        {"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": "postgres://u@db:5432/herald"}
    )
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db:5432/herald"


def test_a_malformed_number_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="SNAPSHOT_VERSION_TTL must be a number"):
        from_environment({"INSTANCE_PATH": str(tmp_path), "SNAPSHOT_VERSION_TTL": "soon"})
