"""The web UI in a real browser (Debian's chromium driven by Playwright), against
``spoke serve``: googleapis-common-protos pushed twice, then search, a file, a type link
followed to its definition, a diff with its breaking finding, and an archive downloaded.
Screenshots of each step are kept in the test's temporary directory."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.functional.live_server import cli, googleapis_tree, running_server

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def test_browse_search_docs_diff_download(tmp_path: Path) -> None:
    if shutil.which("chromium") is None:
        pytest.fail("chromium is missing: run scripts/install-browser-tools.sh as root")
    from playwright.sync_api import sync_playwright

    shots = tmp_path / "screenshots"
    shots.mkdir()
    v1 = googleapis_tree(tmp_path / "v1")
    v2 = googleapis_tree(tmp_path / "v2")
    date = v2 / "google" / "type" / "date.proto"
    date.write_text(date.read_text().replace("  int32 day = 3;\n", ""))
    with running_server(tmp_path) as server:
        for tree, version in ((v1, "v1.0.0"), (v2, "v1.1.0")):
            pushed = cli(server, "push", str(tree), "-m", "googleapis", "-v", version)
            assert pushed.returncode == 0, pushed.stderr
        with sync_playwright() as playwright:
            # A fresh profile of its own (Playwright passes it as --user-data-dir).
            browser = playwright.chromium.launch_persistent_context(
                tmp_path / "profile",
                executable_path=CHROMIUM,
                args=FLAGS,
                accept_downloads=True,
            )
            try:
                page = browser.new_page()
                page.goto(f"{server.api}/ui/")
                page.fill("#q", "LatLng")
                page.press("#q", "Enter")
                page.wait_for_url("**/ui/search?q=LatLng*")
                page.screenshot(path=shots / "1-search.png", full_page=True)
                page.click("a:text-is('google.type.LatLng')")
                page.wait_for_url("**/docs#google.type.LatLng")
                assert page.locator("[id='google.type.LatLng']").is_visible()

                base = f"{server.api}/ui/modules/googleapis/versions/v1.1.0"
                page.goto(f"{base}/files/google/type/date.proto")
                assert page.locator("h1").inner_text() == "google/type/date.proto"
                page.screenshot(path=shots / "2-file.png", full_page=True)
                page.goto(f"{base}/files/google/type/datetime.proto")
                page.locator("#L92 a[href$='#google.type.TimeZone']").click()  # the field's type
                page.wait_for_url("**/docs#google.type.TimeZone")
                assert page.locator("[id='google.type.TimeZone']").is_visible()
                page.screenshot(path=shots / "3-docs.png")

                page.goto(base)
                page.select_option("#against", "v1.0.0")
                page.click("button:text-is('Diff')")
                page.wait_for_url("**/diff?against=v1.0.0")
                assert "FIELD_NO_DELETE" in page.locator("ul.breaking").inner_text()
                page.screenshot(path=shots / "4-diff.png", full_page=True)

                page.goto(base)
                with page.expect_download() as info:
                    page.click("a:text-is('Download .tar.gz')")
                download = info.value
                saved = tmp_path / download.suggested_filename
                download.save_as(saved)
                assert saved.name == "googleapis-v1.1.0.tar.gz"
                assert saved.read_bytes()[:2] == b"\x1f\x8b"
            finally:
                browser.close()
    assert len(list(shots.glob("*.png"))) == 4
