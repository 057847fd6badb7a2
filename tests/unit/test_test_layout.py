"""The suite's own layout: what collecting the unit tests may import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# In its own interpreter: this run may have loaded the browser folders' plugin already.
COLLECT_UNIT_TESTS = """
import sys
import pytest
code = pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", "tests/unit"])
print("playwright" in sys.modules)
sys.exit(code)
"""


def test_collecting_the_unit_tests_does_not_import_playwright():
    """Only tests/e2e and tests/hostile load tests/chromium.py, the one module (with their
    tests) that imports Playwright."""
    run = subprocess.run(
        [sys.executable, "-c", COLLECT_UNIT_TESTS],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert run.stdout.splitlines()[-1] == "False"
