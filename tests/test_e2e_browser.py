"""End to end in a real browser: Debian's chromium, driven by Playwright, against the served app.

Opens every page, changes the financial year in the sidebar, and checks that charts and the map
draw with no error on the page. Screenshots go to tests/artifacts/ (kept by CI as artefacts).
Skipped when chromium is not installed, except under CI (CI=true), where it must run.
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
PAGES = {
    "overview": "Overview",
    "people": "People in treatment",
    "substances": "Substances",
    "referrals": "Referrals",
    "treatment_exits": "Treatment and exits",
    "districts_map": "Districts and map",
    "data": "Data",
    "data_quality": "Data quality",
    "about": "Definitions and sources",
}
CHART_PAGES = {"overview", "people", "substances", "referrals", "treatment_exits", "districts_map", "data_quality"}

pytestmark = pytest.mark.e2e

if not Path(CHROMIUM).exists():
    if os.environ.get("CI") == "true":
        raise RuntimeError("CI must install Debian chromium for the browser test (see .ci/run)")
    pytest.skip("Debian chromium is not installed (apt-get install chromium)", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = _free_port()
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


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


def _wait_for_app(page) -> None:
    """Wait until the script run has finished (Streamlit marks the app 'notRunning')."""
    page.wait_for_selector("[data-testid='stSidebar']", timeout=60_000)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=90_000)
    page.wait_for_timeout(1000)


def _assert_no_error(page, name: str) -> None:
    errors = page.locator("[data-testid='stException']")
    assert errors.count() == 0, f"{name}: {errors.first.inner_text()[:500]}"
    body = page.inner_text("body")
    assert "Traceback" not in body, f"{name} shows a traceback"


def test_health_answers_ok(server):
    assert urllib.request.urlopen(f"{server}/_stcore/health").read() == b"ok"


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_renders_in_chromium(server, browser, path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{server}/{path}")
    _wait_for_app(page)
    page.get_by_role("heading", name=PAGES[path]).first.wait_for(timeout=60_000)
    assert "Synthetic demo data" in page.inner_text("body")
    _assert_no_error(page, path)
    if path in CHART_PAGES:
        page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / f"{path}.png"), full_page=True)

    # change the financial year in the sidebar: the page redraws for it, without error
    page.get_by_test_id("stSidebar").get_by_role("combobox").first.click()
    page.get_by_role("option", name="2022/23").click()
    page.wait_for_function("() => window.location.search.includes('year=2022')", timeout=30_000)
    _wait_for_app(page)
    _assert_no_error(page, f"{path} after changing the year")
    if path in CHART_PAGES:
        page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    if path == "districts_map":
        page.wait_for_selector(".js-plotly-plot .choroplethlayer, .js-plotly-plot .maplibregl-canvas, "
                               ".js-plotly-plot canvas", timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / f"{path}_2022-23.png"), full_page=True)
    page.close()


def test_clicking_a_district_on_the_map_filters_by_it(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{server}/districts_map")
    _wait_for_app(page)
    page.wait_for_selector(".js-plotly-plot canvas", timeout=60_000)
    page.wait_for_timeout(3000)  # MapLibre takes a moment after drawing to accept clicks
    box = page.locator(".js-plotly-plot").first.bounding_box()
    # West Oxfordshire is the large district in the west of the map
    page.mouse.click(box["x"] + box["width"] * 0.40, box["y"] + box["height"] * 0.45)
    page.wait_for_function(
        "() => { const bar = document.querySelector(\"[data-testid='stSidebar']\");"
        " return bar.innerText.includes('West Oxfordshire') || [...bar.querySelectorAll('input')]"
        ".some(i => (i.value || '').includes('West Oxfordshire') || (i.getAttribute('aria-label') || '')"
        ".includes('West Oxfordshire')); }",
        timeout=30_000)
    _wait_for_app(page)
    _assert_no_error(page, "districts_map after a click")
    assert "West Oxfordshire" in page.inner_text("[data-testid='stMain']")
    page.screenshot(path=str(ARTIFACTS / "districts_map_clicked.png"), full_page=True)
    page.close()


def _select(page, label: str, option: str) -> None:
    """Choose ``option`` in the sidebar box labelled ``label`` and wait for the page to redraw."""
    box = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").filter(has_text=label)
    box.get_by_role("combobox").click()
    page.get_by_role("option", name=option, exact=True).click()
    _wait_for_app(page)


def _sidebar_value(page, label: str) -> str:
    return page.get_by_test_id("stSidebar").get_by_role("combobox", name=label).input_value()


def _tiles(page) -> list[str]:
    """Every headline tile's text, once the page has settled (no element left over from the last run)."""
    page.wait_for_function("() => !document.querySelector(\"[data-stale='true']\")", timeout=60_000)
    return [tile.inner_text() for tile in page.get_by_test_id("stMetric").all()]


def test_a_shared_link_shows_exactly_what_the_sender_sees(server, browser):
    """Choose a service and change the year twice; the page's URL, opened in a fresh browser context
    (a colleague opening the link), shows the same selection and the same text on every Overview tile."""
    sender = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = sender.new_page()
    # the Overview is the default page, at "/" (opening "/overview" in a second session shows
    # Streamlit's "Page not found" dialog over the page, before and after this change)
    page.goto(f"{server}/")
    _wait_for_app(page)
    _select(page, "Service", "Young people")
    page.wait_for_function("() => window.location.search.includes('service=Young')", timeout=30_000)
    _select(page, "Financial year", "2022/23")
    page.wait_for_function("() => window.location.search.includes('year=2022')", timeout=30_000)
    _select(page, "Financial year", "2024/25")
    page.wait_for_function("() => window.location.search.includes('year=2024')", timeout=30_000)
    _wait_for_app(page)
    shown = _tiles(page)
    assert len(shown) == 8, shown
    assert _sidebar_value(page, "Compared with") == "2023/24", "the comparison follows the year: the year before"
    assert "2024/25 compared with 2023/24" in page.inner_text("[data-testid='stMain']")
    link = page.url
    assert "year=2024%2F25" in link or "year=2024/25" in link, link
    assert "compare=2023%2F24" in link or "compare=2023/24" in link, link
    sender.close()

    receiver = browser.new_context(viewport={"width": 1400, "height": 1000})
    opened = receiver.new_page()
    opened.goto(link)
    _wait_for_app(opened)
    _assert_no_error(opened, "shared link")
    assert [_sidebar_value(opened, box) for box in ("Financial year", "Compared with", "Service")] == [
        "2024/25", "2023/24", "Young people"]
    assert _tiles(opened) == shown, (link, _tiles(opened), shown)
    assert "2024/25 compared with 2023/24" in opened.inner_text("[data-testid='stMain']")
    receiver.close()


def test_the_earliest_year_is_compared_with_nothing(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{server}/?year=2019%2F20")
    _wait_for_app(page)
    _assert_no_error(page, "earliest year")
    main = page.inner_text("[data-testid='stMain']")
    assert "no earlier year in the data" in main
    assert page.get_by_test_id("stMetricDelta").count() == 0, "no tile shows a change"
    page.wait_for_function("() => window.location.search.includes('compare=none')", timeout=30_000)
    page.close()
