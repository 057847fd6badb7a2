"""One throttle count per client across every web process (gunicorn with two workers).

An outside check found the sign-in limit (5 a minute) counted per worker: 8 failures before
the first 429, and after a 429 the other worker let the right password in. Here real
gunicorn serves the suite run's configuration (the embedded default, SQLite with the counts
in a shared SQLite file; or PostgreSQL with Redis, which then holds them) and the client
signs in wrongly on fresh connections, so both workers answer, as the request log's pids
show.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import urlencode

from admin.auth import LOGIN_LIMIT
from tests.deploy.conftest import fetch, gunicorn, request_lines

ALLOWED = int(LOGIN_LIMIT.split()[0])


def test_the_sign_in_limit_is_one_count_across_both_workers(
    tmp_path: Path, suite_servers: dict[str, str]
):
    with gunicorn(tmp_path, migrate=True, **suite_servers) as (base, stderr):
        form = fetch(f"{base}/admin/login")
        cookie = form.headers["Set-Cookie"].split(";", 1)[0]
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form.read().decode())
        assert token, "no CSRF token on the sign-in form"
        body = urlencode(
            {"csrf_token": token.group(1), "email": "ann@example.com", "password": "wrong"}
        ).encode()
        statuses = []
        for _ in range(ALLOWED + 20):
            response = fetch(f"{base}/admin/login", body, {"Cookie": cookie})
            statuses.append(response.status)
            response.read()
        time.sleep(0.3)  # let the last log lines reach the file
        pids = {e["pid"] for e in request_lines(stderr) if e["path"] == "/admin/login"}
    assert len(pids) == 2, "only one worker answered: the test proves nothing"
    assert statuses[:ALLOWED] == [422] * ALLOWED, statuses
    assert statuses[ALLOWED:] == [429] * 20, statuses  # whichever worker answers
