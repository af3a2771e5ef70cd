"""A real browser opens report.html: every image decodes, no console error, screenshots taken.

Headless Chromium from Debian (/usr/bin/chromium, installed by .ci/run) driven by
Playwright, which never downloads a browser here. The test skips only when no
Chromium or Playwright is available outside CI; with CI=true it fails instead.
"""

from __future__ import annotations

import os
import shutil

import pytest
from report_fixtures import REPORT_FIGURES, report_html, report_run  # noqa: F401

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]
VIEWPORTS = {"phone": 390, "desktop": 1280}


def chromium_path() -> str | None:
    """Debian's chromium, if installed."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    in_ci = os.environ.get("CI", "").lower() == "true"
    path = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if path is None or sync_playwright is None:
        missing = "chromium" if path is None else "the playwright package"
        if in_ci:
            pytest.fail(f"CI=true but {missing} is not installed: the browser check must run")
        pytest.skip(f"{missing} not installed (outside CI)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        launched = p.chromium.launch_persistent_context(
            str(profile), executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.mark.parametrize("name", list(VIEWPORTS))
def test_report_opens_in_chromium_with_every_image_decoded(
        browser, report_html, name, tmp_path):  # noqa: F811
    page = browser.new_page()
    page.set_viewport_size({"width": VIEWPORTS[name], "height": 900})
    errors, outside = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: None if r.url.startswith(("data:", "file:"))
            else outside.append(r.url))
    page.goto(report_html.as_uri(), wait_until="load")
    images = page.evaluate("""() => Array.from(document.images).map(i => ({
        src: i.currentSrc.slice(0, 22), width: i.naturalWidth, done: i.complete,
        shown: i.getBoundingClientRect().width}))""")
    assert len(images) == len(REPORT_FIGURES)
    for image in images:
        assert image["done"] and image["width"] > 0, image
        assert image["src"] == "data:image/png;base64,"
        assert 0 < image["shown"] <= VIEWPORTS[name]  # fits the screen, no sideways scroll
    # phones get the compact drawings, desktops the wide ones
    widths = {image["width"] for image in images}
    assert widths == ({782} if name == "phone" else {1500})
    scroll = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll <= VIEWPORTS[name]
    shot = tmp_path / f"report-{name}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
    assert errors == [] and outside == []
    page.close()
