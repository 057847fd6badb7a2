"""What every screen must pass in the browser, at every width: the one check the route walks
of the public site and the admin share (tests/e2e/test_every_*_route.py).

- No horizontal overflow: a phone at 390 px never scrolls sideways.
- No duplicate ids: a label must focus its own field, not another form's.
- No axe-core violations (axe-playwright-python bundles axe-core and runs it in the page).
"""

from __future__ import annotations

from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

WIDTHS = (1280, 390)  # a laptop and a phone (iPhone 12-15 are 390 px wide)
HEIGHT = 900

_AXE = Axe()

OVERFLOW = """() => {
  const root = document.documentElement;
  const wide = [...document.querySelectorAll('body *')]
    .filter((el) => el.getBoundingClientRect().right > root.clientWidth + 1)
    .slice(0, 3)
    .map((el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + (typeof el.className === 'string' && el.className ? '.' + el.className.split(' ')[0] : ''));
  const over = root.scrollWidth > root.clientWidth + 1;
  return over ? wide.concat(['scrollWidth ' + root.scrollWidth]) : [];
}"""

DUPLICATE_IDS = """() => {
  const seen = {};
  document.querySelectorAll('[id]').forEach((el) => { seen[el.id] = (seen[el.id] || 0) + 1; });
  return Object.keys(seen).filter((id) => seen[id] > 1);
}"""


def problems(page: Page) -> list[str]:
    """Everything wrong with the page as it is now shown; empty when it passes."""
    found = [f"overflows sideways: {', '.join(wide)}" for wide in [page.evaluate(OVERFLOW)] if wide]
    duplicates = page.evaluate(DUPLICATE_IDS)
    if duplicates:
        found.append(f"duplicate ids: {', '.join(sorted(duplicates))}")
    results = _AXE.run(page)
    for violation in results.response["violations"]:
        targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
        found.append(f"axe {violation['id']} ({violation['impact']}): {' | '.join(targets)}")
    return found


def screenshot_name(path: str, width: int, scheme: str = "light") -> str:
    """A file name for a screenshot of `path` at `width` (artifacts are not committed)."""
    slug = path.strip("/").replace("/", "_").replace("?", "_").replace("=", "-") or "index"
    return f"{slug}-{width}-{scheme}.png"


def inspect(page: Page, path: str, width: int, artifacts: Path, scheme: str = "light") -> list[str]:
    """Open `path` at `width`, save a full-page screenshot, and list its problems. `scheme`
    names the screenshot only: the caller emulates it (`page.emulate_media`)."""
    page.set_viewport_size({"width": width, "height": HEIGHT})
    response = page.goto(path)
    assert response is not None
    assert response.status < 400, (path, response.status)
    page.screenshot(path=artifacts / screenshot_name(path, width, scheme), full_page=True)
    return [f"{path} at {width} px ({scheme}): {problem}" for problem in problems(page)]
