"""An NDTMS-shaped young people's extract (tests/data/ndtms_young_people: local labels, UK dates,
dates of birth, pre-2009 district codes, a title line above the headers, substances in columns, no
boundaries) from the files to the Overview in a real browser (Debian chromium, Playwright), with
every click and code choice counted, and the Overview's tiles checked against the hand counts
written out in tests/test_ndtms_extract.py. Its own server and store (module-scoped fixtures)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_e2e_browser import ARTIFACTS, _assert_no_error, _wait_for_app, browser, server  # noqa: F401
from tests.test_e2e_onepass import CODE_BOX, FILE_DIALOG_CLICKS, MAX_CLICKS

pytestmark = pytest.mark.e2e
EXTRACT = Path(__file__).parent / "data" / "ndtms_young_people"


def tile(page, label: str) -> str:
    metric = page.get_by_test_id("stMetric").filter(has_text=label).first
    return metric.get_by_test_id("stMetricValue").inner_text().strip()


def test_an_ndtms_young_peoples_extract_reaches_the_overview_with_no_code_choice(server, browser):  # noqa: F811
    paths = sorted(EXTRACT.glob("*.csv"))
    clicks = 0

    def click(locator) -> None:
        nonlocal clicks
        clicks += 1
        locator.click()

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server)
    _wait_for_app(page)
    click(page.get_by_test_id("stSidebarNav").get_by_role("link", name="Data", exact=True))
    page.get_by_role("heading", name="Upload your extract").wait_for(timeout=60_000)
    _wait_for_app(page)
    with page.expect_file_chooser() as chooser:
        click(page.get_by_role("region", name="Files of the extract"))
    chooser.value.set_files([str(p) for p in paths])
    clicks += FILE_DIALOG_CLICKS
    page.get_by_role("heading", name="Validation report").wait_for(timeout=120_000)
    _wait_for_app(page)
    _assert_no_error(page, "data page after the NDTMS-shaped upload")
    page.screenshot(path=str(ARTIFACTS / "onepass_ndtms_review.png"), full_page=True)
    labels = page.locator("[data-testid='stWidgetLabel']").all_inner_texts()
    code_choices = sum(1 for label in labels if CODE_BOX.match(label.strip()))
    click(page.get_by_role("button", name=f"Save {len(paths)} tables as one version"))
    page.get_by_text("Saved as version").first.wait_for(timeout=120_000)
    _wait_for_app(page)
    assert "Every page now shows these saved data" in page.inner_text("[data-testid='stMain']")
    click(page.get_by_role("link", name="Open the Overview on the saved data"))
    page.get_by_role("heading", name="Overview").first.wait_for(timeout=60_000)
    _wait_for_app(page)
    figures = {"files": len(paths), "clicks": clicks, "code_choices": code_choices}
    print("ONE-PASS-NDTMS " + json.dumps(figures))
    assert clicks <= MAX_CLICKS and code_choices == 0

    # the figures of 2024/25, against the hand counts (tests/test_ndtms_extract.py); the service
    # filter starts on the only service in the data
    page.goto(f"{server}/?year=2024%2F25&compare=2023%2F24")
    _wait_for_app(page)
    page.wait_for_selector("[data-testid='stMetricValue']", timeout=60_000)
    _assert_no_error(page, "overview on the NDTMS-shaped extract")
    page.screenshot(path=str(ARTIFACTS / "onepass_ndtms_overview.png"), full_page=True)
    main = page.inner_text("[data-testid='stMain']")
    assert "young people" in main and "aged 10-19" in main  # the service filter started on the only service
    assert tile(page, "People in treatment") == "30"
    assert tile(page, "New presentations") == "14"
    assert tile(page, "In treatment on 31 March") == "14"
    assert tile(page, "Rate per 1,000").startswith("3.0")
    page.close()
