"""Load for bench/public_page.py: post one incident update per second to Herald's database.

Runs in its own process through the app's services, as staff publishing during an outage
would: each update commits, bumps the page version and enqueues its jobs (the fan-out, and
the render of the new version's snapshots, which Herald's job worker runs), so every web
process must notice the new version and serve the new `/` while the benchmark hits it.
Prints `ready` once the incident exists, and `published=<n>` when it stops (SIGTERM, or
--max-seconds).
"""

from __future__ import annotations

import argparse
import signal
import time
from types import FrameType

from statuspage import create_app
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident, PostUpdate
from statuspage.incidents.publishing import create_incident, post_update


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between updates")
    parser.add_argument("--max-seconds", type=float, default=600.0, help="hard stop")
    args = parser.parse_args()

    stopping = False

    def stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    app = create_app()
    published = 0
    with app.app_context():
        incident = create_incident(
            OpenIncident(
                "Benchmark: elevated error rates",
                "We are investigating reports of errors.",
                components={},
            )
        )
        db.session.commit()
        print("ready", flush=True)
        started = time.monotonic()
        deadline = started + args.max_seconds
        while not stopping and time.monotonic() < deadline:
            published += 1
            post_update(
                incident, PostUpdate(f"Update {published}: still investigating, next in a second.")
            )
            db.session.commit()
            pause = started + published * args.interval - time.monotonic()
            if pause > 0:
                time.sleep(pause)
    print(f"published={published}", flush=True)


if __name__ == "__main__":
    main()
