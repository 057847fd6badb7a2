"""The deploy tests' fixture for the suite's own servers, for the real-process tests here."""

from tests.deploy.conftest import suite_servers

__all__ = ["suite_servers"]
