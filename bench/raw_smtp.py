"""The baseline for bench/fanout_email.py: build and send N emails as plainly as Python can.

Each message is built with the standard `email` package (multipart text + HTML, the headers
Herald sets, the text and HTML of a message Herald rendered) and sent with smtplib on one
reused connection. Prints `sent=<n> seconds=<s> cpu_s=<s> rss_mb=<peak>` as its last line.

    python bench/raw_smtp.py SMTP_PORT COUNT SAMPLE.json
"""

from __future__ import annotations

import email.policy
import json
import resource
import smtplib
import sys
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


def main() -> None:
    port, count, sample_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    with open(sample_path) as file:
        sample = json.load(file)
    start = time.monotonic()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as connection:
        for index in range(count):
            connection.send_message(build(sample, index))
    seconds = time.monotonic() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime
    print(f"sent={count} seconds={seconds:.3f} cpu_s={cpu:.3f} rss_mb={usage.ru_maxrss / 1024:.1f}")


if __name__ == "__main__":
    main()
