"""The baseline for bench/fanout_email.py: build and send N emails as plainly as Python can,
with the same concurrency as Herald's workers (PROCESSES processes x THREADS threads).

Each message is built with the standard `email` package (multipart text + HTML, the headers
Herald sets, the text and HTML of a message Herald rendered) and sent with smtplib; each
thread sends its share of the messages on one reused connection of its own.
Prints `sent=<n> seconds=<s> cpu_s=<s> rss_mb=<peak>` as its last line; cpu_s is the CPU of
the sending processes (getrusage of the children, all their threads), rss_mb the largest
one's peak RSS.

    python bench/raw_smtp.py SMTP_PORT COUNT SAMPLE.json [--processes P] [--threads T]
"""

from __future__ import annotations

import argparse
import email.policy
import json
import multiprocessing
import resource
import smtplib
import threading
import time
from email.message import EmailMessage
from email.utils import formatdate

POLICY = email.policy.SMTP.clone(max_line_length=998)


def build(sample: dict, index: int) -> EmailMessage:
    message = EmailMessage(policy=POLICY)
    message["From"] = sample["from"]
    message["To"] = f"raw{index}@example.com"
    message["Subject"] = sample["subject"]
    message["Date"] = formatdate(localtime=False, usegmt=True)
    for name, value in sample["headers"].items():
        message[name] = value.replace("{i}", str(index))
    message.set_content(sample["text"])
    message.add_alternative(sample["html"], subtype="html")
    return message


def send_range(port: int, sample: dict, indices: range) -> None:
    if not indices:
        return  # more threads than messages: no connection to open
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as connection:
        for index in indices:
            connection.send_message(build(sample, index))


def process(port: int, sample: dict, indices: range, threads: int) -> None:
    """One sending process: its share of the messages over `threads` threads."""
    failures: list[BaseException] = []

    def send(share: range) -> None:
        try:
            send_range(port, sample, share)
        except BaseException as error:  # a thread's exception would otherwise only be logged
            failures.append(error)
            raise

    workers = [threading.Thread(target=send, args=(indices[t::threads],)) for t in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if failures:
        raise SystemExit(f"{len(failures)} sending thread(s) failed: {failures[0]!r}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("count", type=int)
    parser.add_argument("sample")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    with open(args.sample) as file:
        sample = json.load(file)
    everything = range(args.count)
    # Children even for one process, so cpu_s always comes from RUSAGE_CHILDREN and never
    # counts this parent's start-up (the interpreter, the sample's JSON).
    context = multiprocessing.get_context("fork")
    start = time.monotonic()
    children = [
        context.Process(
            target=process,
            args=(args.port, sample, everything[p :: args.processes], args.threads),
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
