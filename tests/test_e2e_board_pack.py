"""End to end in a real browser: the Board pack page builds a pack, the download arrives, and it opens.

Serves the app with ``streamlit run`` and drives Debian's chromium with Playwright (as
tests/test_e2e_browser.py does). Screenshots go to tests/artifacts/. Skipped when chromium is not
installed, except under CI (CI=true), where it must run.
"""

from __future__ import annotations

import pytest

from tests import served_app
from tests.served_app import ARTIFACTS

pytestmark = pytest.mark.e2e

served_app.require_chromium()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with served_app.serve(tmp_path_factory.mktemp("store")) as url:
        yield url


def test_board_pack_downloads_and_opens(server, tmp_path):
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with served_app.launch_chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 720}, accept_downloads=True)
        page.goto(f"{server}/board_pack")
        served_app.wait_for_app(page, run_ms=180_000)
        page.get_by_role("heading", name="Board pack").first.wait_for(timeout=60_000)
        assert page.locator("[data-testid='stException']").count() == 0
        page.screenshot(path=str(ARTIFACTS / "board_pack.png"), full_page=True)
        page.get_by_role("button", name="Build the pack").click()
        download_button = page.get_by_role("button", name="Download the pack (.pptx)")
        download_button.wait_for(timeout=240_000)
        page.screenshot(path=str(ARTIFACTS / "board_pack_built.png"), full_page=True)
        download = served_app.download(page, download_button)
        assert download.suggested_filename == "board_pack_2024-25_all-services.pptx"
        target = tmp_path / download.suggested_filename
        download.save_as(target)

    deck = Presentation(str(target))
    assert len(deck.slides) >= 10
    pictures = [s for s in deck.slides if any(x.shape_type == MSO_SHAPE_TYPE.PICTURE for x in s.shapes)]
    assert len(pictures) >= 6
