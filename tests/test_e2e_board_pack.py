"""End to end in a real browser: the Board pack page builds a pack, the download arrives, and it opens.

Serves the app with ``streamlit run`` and drives Debian's chromium with Playwright (as
tests/test_e2e_browser.py does). Screenshots go to tests/artifacts/. Skipped when chromium is not
installed, except under CI (CI=true), where it must run.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = pytest.mark.e2e

if not Path(CHROMIUM).exists():
    if os.environ.get("CI") == "true":
        raise RuntimeError("CI must install Debian chromium for the browser test (see .ci/run)")
    pytest.skip("Debian chromium is not installed (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DAAT_DASHBOARD_STORE": str(tmp_path_factory.mktemp("store"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless=true",
         f"--server.port={port}", "--server.address=127.0.0.1", "--browser.gatherUsageStats=false"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.5)
    else:
        process.kill()
        raise RuntimeError(f"streamlit did not answer: {process.stdout.read().decode()[-2000:]}")
    yield url
    process.terminate()
    process.wait(timeout=20)


def _wait_for_app(page) -> None:
    page.wait_for_selector("[data-testid='stSidebar']", timeout=60_000)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=180_000)
    page.wait_for_timeout(1000)


def test_board_pack_downloads_and_opens(server, tmp_path):
    from playwright.sync_api import sync_playwright
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1280, "height": 720}, accept_downloads=True)
        page.goto(f"{server}/board_pack")
        _wait_for_app(page)
        page.get_by_role("heading", name="Board pack").first.wait_for(timeout=60_000)
        assert page.locator("[data-testid='stException']").count() == 0
        page.screenshot(path=str(ARTIFACTS / "board_pack.png"), full_page=True)
        page.get_by_role("button", name="Build the pack").click()
        download_button = page.get_by_role("button", name="Download the pack (.pptx)")
        download_button.wait_for(timeout=240_000)
        page.screenshot(path=str(ARTIFACTS / "board_pack_built.png"), full_page=True)
        with page.expect_download(timeout=60_000) as arrived:
            download_button.click()
        download = arrived.value
        assert download.suggested_filename == "board_pack_2024-25_all-services.pptx"
        target = tmp_path / download.suggested_filename
        download.save_as(target)
        browser.close()

    deck = Presentation(str(target))
    assert len(deck.slides) >= 10
    pictures = [s for s in deck.slides if any(x.shape_type == MSO_SHAPE_TYPE.PICTURE for x in s.shapes)]
    assert len(pictures) >= 6
