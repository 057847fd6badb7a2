"""The baseline for bench/fanout_push.py: send N web pushes as plainly as pywebpush allows.

One `requests` session for the whole run and the VAPID key loaded once; per message what any
web push needs: a fresh claims dict (pywebpush writes `aud` and `exp` into it), aes128gcm
encryption for that subscriber, and the payload, TTL, Urgency and Topic Herald sends.
Prints `sent=<n> seconds=<s> cpu_s=<s> rss_mb=<peak>` as its last line.

    python bench/raw_push.py SAMPLE.json COUNT
"""

from __future__ import annotations

import json
import resource
import sys
import time

import requests
from py_vapid import Vapid
from pywebpush import webpush


def main() -> None:
    sample_path, count = sys.argv[1], int(sys.argv[2])
    with open(sample_path) as file:
        sample = json.load(file)
    signer = Vapid.from_file(sample["vapid_key_file"])
    keys = sample["keys"]
    start = time.monotonic()
    with requests.Session() as session:
        for index in range(count):
            p256dh, auth = keys[index % len(keys)]
            webpush(
                {
                    "endpoint": f"{sample['origin']}/raw/{index}",
                    "keys": {"p256dh": p256dh, "auth": auth},
                },
                data=sample["payload"],
                vapid_private_key=signer,
                vapid_claims={"sub": sample["subject"]},
                ttl=sample["ttl"],
                headers=dict(sample["headers"]),
                timeout=sample["timeout"],
                requests_session=session,
            )
    seconds = time.monotonic() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime
    print(f"sent={count} seconds={seconds:.3f} cpu_s={cpu:.3f} rss_mb={usage.ru_maxrss / 1024:.1f}")


if __name__ == "__main__":
    main()
