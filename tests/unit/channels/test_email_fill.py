"""Email filled in from a template: the very bytes a whole build makes, or a whole build.

The comparison is against `build_email` flattened as smtplib's `send_message` flattens it, with
the one thing the `email` package picks at random, the MIME boundary, made the same.
"""

from __future__ import annotations

import os
import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from markupsafe import escape

from statuspage.channels.base import MailTemplate, Message, Outgoing
from statuspage.channels.email import EmailChannel, build_email
from statuspage.channels.email_fill import filled, flatten
from tests.fakes.smtp import SmtpServer

SENDER = "Acme Status <status@example.test>"
DATE = "Mon, 07 Dec 2026 17:00:00 +0000"
MANAGE, UNSUB, ROOT, OWN = "XMANAGEX", "XUNSUBX", "XROOTX", "XOWNX"
BODIES = {
    "en": ("Database failover", "We are watching replication lag."),
    "de": ("Datenbank-Failover", "Wir beobachten die Replikationsverzögerung. Äpfel, Öl, Übel."),
    "ja": ("データベース", "レプリケーションの遅延を監視しています。"),
    "ar": ("قاعدة البيانات", "نراقب تأخر النسخ المتماثل."),
}
VALUES = {
    MANAGE: "https://status.example.test/subscriptions/manage/eyJzIjo0Mn0.Z3x-_ab",
    UNSUB: "https://status.example.test/subscriptions/unsubscribe/x?a=1&b=<2>",
    ROOT: "<thread_abc@status.example.test>",
    OWN: "<evt_def@status.example.test>",
}


def _message(lang: str, *, threaded: bool, values: dict[str, str] = VALUES) -> Message:
    title, body = BODIES[lang]
    text = f"{title}\n\n{body}\n\nManage: {MANAGE}\nUnsubscribe: {UNSUB}\n"
    html = f'<h1>{title}</h1><p>{body}</p><a href="{MANAGE}">m</a> <a href="{UNSUB}">u</a>'
    thread = (
        {"Message-ID": OWN, "In-Reply-To": ROOT, "References": ROOT}
        if threaded
        else {"Message-ID": ROOT}
    )
    headers = {**thread, "Thread-Topic": f"[Acme] {title}", "List-Unsubscribe": f"<{UNSUB}>"}
    template = MailTemplate(f"[Acme] {title}", text, html, tuple(headers.items()))
    fills = tuple((k, values[k]) for k in (MANAGE, UNSUB, ROOT, *((OWN,) if threaded else ())))

    def fill(value: str, html: bool = False) -> str:
        for stand_in, own in fills:
            value = value.replace(stand_in, str(escape(own)) if html else own)
        return value

    return Message(
        subject=template.subject,
        text=fill(text),
        html=fill(html, html=True),
        short_text="",
        url="",
        headers={name: fill(value) for name, value in headers.items()},
        mail_template=template,
        fills=fills,
    )


def _whole(outgoing: Outgoing) -> bytes:
    built = build_email(outgoing, SENDER)
    built.replace_header("Date", DATE)
    return flatten(built)


def _same_boundary(fast: bytes, whole: bytes) -> bytes:
    ours = re.search(rb'boundary="([^"]+)"', fast).group(1)
    theirs = re.search(rb'boundary="([^"]+)"', whole).group(1)
    return whole.replace(theirs, ours)


@pytest.mark.parametrize("lang", sorted(BODIES))
@pytest.mark.parametrize("threaded", [False, True], ids=["thread root", "reply"])
@pytest.mark.parametrize(
    "address", ["sub@example.com", "First.Last+status@mail.example.co.uk", "o'neil#1@x-y.example"]
)
def test_filled_bytes_are_the_whole_build(lang, threaded, address):
    outgoing = Outgoing(7, address, _message(lang, threaded=threaded), idempotency_key="k")
    fast = filled(outgoing, SENDER, DATE)
    assert fast is not None
    assert fast == _same_boundary(fast, _whole(outgoing))
    parsed = message_from_bytes(fast, policy=policy.default)
    assert parsed["To"] == address
    assert parsed["List-Unsubscribe"] == f"<{VALUES[UNSUB]}>"
    html = parsed.get_body(("html",)).get_content()
    assert str(escape(VALUES[UNSUB])) in html  # escaped in HTML, as Jinja escapes a link


def test_recipients_of_one_template_get_their_own_values():
    first = _message("de", threaded=True)
    other_values = {**VALUES, MANAGE: "https://status.example.test/m/other", OWN: "<evt_2@h>"}
    second = _message("de", threaded=True, values=other_values)
    assert first.mail_template == second.mail_template
    a = filled(Outgoing(1, "a@example.com", first, idempotency_key="a"), SENDER, DATE)
    b = filled(Outgoing(2, "b@example.com", second, idempotency_key="b"), SENDER, DATE)
    assert b"/m/other" in b
    assert b"/m/other" not in a
    assert message_from_bytes(b, policy=policy.default)["Message-ID"] == "<evt_2@h>"


@pytest.mark.parametrize(
    ("address", "values"),
    [
        ('"quoted local"@example.com', VALUES),  # quoted: the package renders it its own way
        ("jörg@example.com", VALUES),  # non-ASCII: SMTPUTF8, the package decides
        ("a@example.com\r\nBcc: x@evil.test", VALUES),  # a header injection: refused whole
        ("a@example.com", {**VALUES, MANAGE: "https://x.test/a b"}),  # a space in a value
        ("a@example.com", {**VALUES, OWN: "<evt\r\nBcc: x@evil.test>"}),  # CR/LF in a value
        ("a@example.com", {**VALUES, MANAGE: "https://x.test/" + "a" * 990}),  # line > 998
    ],
    ids=["quoted", "non-ascii", "crlf address", "space", "crlf value", "too long"],
)
def test_what_cannot_be_filled_exactly_is_left_to_the_whole_build(address, values):
    message = _message("en", threaded=True, values=values)
    assert filled(Outgoing(1, address, message, idempotency_key="k"), SENDER, DATE) is None


def test_a_body_the_package_would_encode_is_never_filled():
    """A line over 998 octets makes the `email` package encode the part (quoted-printable or
    base64), which would hide the tokens: such a template is built whole every time."""
    message = _message("en", threaded=False)
    long_text = message.mail_template.text + "x" * 1200 + "\n"
    template = MailTemplate(message.subject, long_text, "", message.mail_template.headers)
    odd = Message(**{**message.__dict__, "mail_template": template})
    assert filled(Outgoing(1, "a@example.com", odd, idempotency_key="k"), SENDER, DATE) is None


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_one_session_carries_chunk_after_chunk_and_a_dropped_one_is_replaced():
    """A fan-out sends chunk after chunk: one login for all of them while the relay keeps the
    session; after the relay restarts (the session is gone), the next chunk opens a new one
    and loses nothing."""
    server = SmtpServer(login=("relay-user", "pw"))
    server.start()
    channel = EmailChannel(server.url, SENDER, Path("/nonexistent"))
    try:
        for n in range(3):
            message = _message("en", threaded=False)
            (result,) = channel.send([Outgoing(n, f"s{n}@example.com", message, "k")])
            assert result.outcome == "sent"
        assert server.logins == ["relay-user"]
        server.stop()
        server.start()
        (result,) = channel.send([Outgoing(9, "s9@example.com", message, "k")])
        assert result.outcome == "sent"
        assert server.logins == ["relay-user", "relay-user"]
    finally:
        server.stop()
    assert [m["To"] for m in server.inbox.messages] == [f"s{n}@example.com" for n in (0, 1, 2, 9)]


def test_a_forked_child_never_shares_the_parents_session():
    """Two writers on one SMTP conversation would corrupt it: a child forked while a session
    is kept starts without it, and the parent's session goes on."""
    from statuspage.channels import email as email_channel

    server = SmtpServer()
    server.start()
    channel = EmailChannel(server.url, SENDER, Path("/nonexistent"))
    message = _message("en", threaded=False)
    try:
        assert channel.send([Outgoing(1, "a@example.com", message, "k")])[0].outcome == "sent"
        assert email_channel._KEPT.connection is not None
        child = os.fork()
        if child == 0:  # the child: nothing kept
            os._exit(0 if email_channel._KEPT.connection is None else 1)
        _pid, status = os.waitpid(child, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert channel.send([Outgoing(2, "b@example.com", message, "k")])[0].outcome == "sent"
    finally:
        server.stop()
    assert [m["To"] for m in server.inbox.messages] == ["a@example.com", "b@example.com"]
