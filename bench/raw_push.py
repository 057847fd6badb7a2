"""The baseline for bench/fanout_push.py: send N web pushes as plainly as pywebpush allows, with
the same concurrency as Herald's workers (PROCESSES processes x THREADS threads).

Per message, what the pywebpush documentation shows: one `webpush()` call (a fresh claims dict,
which it fills with `aud` and `exp` and signs; aes128gcm encryption for that subscriber; one
POST), with the payload, TTL, Urgency and Topic Herald sends and the VAPID key loaded once.
`--session` gives each thread one reused `requests` session (keep-alive) instead of
`requests.post` per push.
Prints `sent=<n> seconds=<s> cpu_s=<s> rss_mb=<peak>` as its last line; cpu_s is the CPU of
the sending processes (getrusage of the children, all their threads).

    python bench/raw_push.py SAMPLE.json COUNT [--processes P] [--threads T] [--session]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import threading
import time

import requests
from py_vapid import Vapid
from pywebpush import webpush


def send_range(sample: dict, indices: range, signer: Vapid, reuse_session: bool) -> None:
    keys = sample["keys"]
    session = requests.Session() if reuse_session else None
    for index in indices:
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
    if session is not None:
        session.close()


def process(sample: dict, indices: range, threads: int, reuse_session: bool) -> None:
    """One sending process: its share of the pushes over `threads` threads."""
    signer = Vapid.from_file(sample["vapid_key_file"])
    workers = [
        threading.Thread(
            target=send_range,
            args=(sample, indices[t::threads], signer, reuse_session),
        )
        for t in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sample")
    parser.add_argument("count", type=int)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--session", action="store_true")
    args = parser.parse_args()
    with open(args.sample) as file:
        sample = json.load(file)
    everything = range(args.count)
    context = multiprocessing.get_context("fork")  # pywebpush is imported once, here
    start = time.monotonic()
    children = [
        context.Process(
            target=process,
            args=(sample, everything[p :: args.processes], args.threads, args.session),
        )
        for p in range(args.processes)
    ]
    for child in children:
        child.start()
    for child in children:
        child.join()
        if child.exitcode:
            raise SystemExit(f"a sending process exited with {child.exitcode}")
    seconds = time.monotonic() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime
    print(
        f"sent={args.count} seconds={seconds:.3f} cpu_s={cpu:.3f}"
        f" rss_mb={usage.ru_maxrss / 1024:.1f}"
    )


if __name__ == "__main__":
    main()
