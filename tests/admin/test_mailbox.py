"""The dev mailbox: newest first, one message's headers and parts, and no way out of its folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import Flask

from tests.admin.staff_client import Staff, signed_in


@pytest.fixture
def mailbox(app: Flask, tmp_path: Path) -> Iterator[Path]:
    previous = app.config["INSTANCE_PATH"]
    app.config["INSTANCE_PATH"] = str(tmp_path)
    folder = tmp_path / "mail"
    folder.mkdir()
    yield folder
    app.config["INSTANCE_PATH"] = previous


def write(folder: Path, number: int, subject: str, *, at: int) -> str:
    message = EmailMessage()
    message["From"] = "Acme Status <status@example.com>"
    message["To"] = "ann@example.com"
    message["Subject"] = subject
    message["Message-ID"] = f"<m{number}@example.com>"
    message["In-Reply-To"] = "<incident-1@status.example.test>"
    message["List-Unsubscribe"] = "<http://status.example.test/subscriptions/x/unsubscribe>"
    message.set_content(f"Plain text of {subject}.")
    message.add_alternative(
        f'<p onclick="x()">HTML of {subject}</p><script>alert("owned")</script>', subtype="html"
    )
    name = f"{number:012d}.eml"
    path = folder / name
    path.write_bytes(bytes(message))
    os.utime(path, (at, at))
    return name


def test_the_list_is_newest_first_and_ignores_other_files(owner: Staff, mailbox: Path):
    old = write(mailbox, 2, "Older", at=1_700_000_000)
    new = write(mailbox, 1, "Newer", at=1_700_000_100)
    (mailbox / "000000000003.tmp").write_text("half written")
    (mailbox / "notes.txt").write_text("not mail")

    html = owner.get("/admin/mailbox").get_data(as_text=True)

    assert html.index(new) < html.index(old)
    assert ".tmp" not in html
    assert "notes.txt" not in html


def test_a_message_shows_its_headers_text_and_html_only_sandboxed(owner: Staff, mailbox: Path):
    name = write(mailbox, 7, "Slow API", at=1_700_000_000)

    response = owner.get(f"/admin/mailbox/{name}")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for header in ("From", "To", "Subject", "Message-ID", "In-Reply-To", "List-Unsubscribe"):
        assert f'<th scope="row">{header}</th>' in html
    assert "&lt;m7@example.com&gt;" in html
    assert "Plain text of Slow API." in html
    assert '<iframe class="mail-html"' in html
    # No script and no same origin in the frame; its links may only open a new tab.
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in html
    assert "<script>alert" not in html  # the message's HTML never runs in the admin page
    assert '<p onclick="x()">' not in html
    assert 'srcdoc="&lt;p onclick=&#34;x()&#34;&gt;HTML of Slow API&lt;/p&gt;' in html


def test_the_list_names_each_message_by_subject_and_addressee(owner: Staff, mailbox: Path):
    name = write(mailbox, 4, "[Acme Status] Slow API", at=1_700_000_000)

    html = owner.get("/admin/mailbox").get_data(as_text=True)

    assert f'<a href="/admin/mailbox/{name}">[Acme Status] Slow API</a>' in html
    assert "ann@example.com" in html


def test_links_open_in_a_new_tab_and_urls_in_the_text_are_links(owner: Staff, mailbox: Path):
    message = EmailMessage()
    message["To"] = "ann@example.com"
    message["Subject"] = "Links"
    message.set_content("Manage: https://status.example.test/manage/abc?x=1&y=2.\n<b>not html</b>")
    message.add_alternative(
        '<p><a href="https://status.example.test/manage/abc">Manage</a></p>', subtype="html"
    )
    (mailbox / "000000000009.eml").write_bytes(bytes(message))

    html = owner.get("/admin/mailbox/000000000009.eml").get_data(as_text=True)

    url = "https://status.example.test/manage/abc?x=1&amp;y=2"
    assert f'<a href="{url}" target="_blank" rel="noopener noreferrer">{url}</a>.' in html
    assert "&lt;b&gt;not html&lt;/b&gt;" in html  # the rest of the text stays text
    # In the preview (escaped into srcdoc), the link opens a new tab, not the blocked frame.
    assert "&lt;a target=&#34;_blank&#34; rel=&#34;noopener noreferrer&#34; href=" in html


@pytest.mark.parametrize(
    "name",
    ["..%2F..%2Fetc%2Fpasswd", "..%2Fmail%2F000000000007.eml", "notes.txt", "7.eml.bak", "%2E%2E"],
)
def test_only_mailbox_message_names_are_served(owner: Staff, mailbox: Path, name: str):
    write(mailbox, 7, "Slow API", at=1_700_000_000)
    (mailbox / "notes.txt").write_text("secret")
    assert owner.get(f"/admin/mailbox/{name}").status_code == 404


def test_a_missing_message_or_folder_is_handled(owner: Staff, mailbox: Path):
    assert owner.get("/admin/mailbox/000000000099.eml").status_code == 404
    mailbox.rmdir()
    assert "The mailbox is empty." in owner.get("/admin/mailbox").get_data(as_text=True)


@pytest.mark.parametrize(
    ("role", "status"), [("comms", 200), ("responder", 403), ("legal", 403), ("viewer", 403)]
)
def test_the_mailbox_is_for_owners_and_comms(app: Flask, mailbox: Path, role: str, status: int):
    assert signed_in(app, role).get("/admin/mailbox").status_code == status
