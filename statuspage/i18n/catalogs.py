"""The translations' compiled form, made from the `.po` files the repository holds.

Only the `.po` files are kept in git (translations/<lang>/LC_MESSAGES/messages.po): a `.mo`
file beside them could fall behind its `.po` after a pull. Each process start compiles them
instead (milliseconds) into the instance folder, under a name made of the `.po` contents, so
processes of one deploy share one compiled set and a changed `.po` is never read stale.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "messages"


def _catalogs(source: Path) -> list[Path]:
    return sorted(source.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def compiled(source: Path, instance: Path) -> Path:
    """A directory of `.mo` files compiled from `source`'s `.po` files, made if missing."""
    catalogs = _catalogs(source)
    digest = hashlib.blake2b(digest_size=8)
    for po in catalogs:
        digest.update(str(po.relative_to(source)).encode() + b"\0" + po.read_bytes())
    target = instance / f"translations-{digest.hexdigest()}"
    if target.is_dir():
        return target
    instance.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".translations-", dir=instance))
    try:
        for po in catalogs:
            out = building / po.relative_to(source).with_suffix(".mo")
            out.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as read:
                catalog = read_po(read, locale=po.parent.parent.name, domain=DOMAIN)
            with out.open("wb") as write:
                write_mo(write, catalog)  # fuzzy entries are left out, as msgfmt does
        try:
            os.rename(building, target)  # atomic: another process may have won the race
        except OSError:
            if not target.is_dir():
                raise
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return target
