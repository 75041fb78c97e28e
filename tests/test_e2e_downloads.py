"""Board-ready downloads and an app that stays on its own server, in a real browser (Debian chromium).

A table download's file name carries the page, year and selection; the Excel file holds numbers as
numbers and an "About" sheet naming the selection; the pages make no request to any host other than
the app's own (no fonts, icons, maps or statistics fetched from outside)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from openpyxl import load_workbook

from tests import served_app
from tests.test_e2e_browser import _assert_no_error, _wait_for_app, browser, server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.e2e


def test_excel_download_is_named_for_the_selection_and_carries_its_context(server, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 720}, accept_downloads=True)
    page.goto(f"{server}/referrals?year=2024%2F25&service=Young+people")
    _wait_for_app(page)
    _assert_no_error(page, "referrals")
    page.get_by_text("Table and download").first.click()
    download = served_app.download(page, page.get_by_role("button", name="Download Excel").first)
    # <figure>_<year>_<selection>.xlsx, e.g. referrals_and_people_2024-25_young-people.xlsx
    assert re.fullmatch(r"referrals_[a-z_]+_2024-25_young-people\.xlsx", download.suggested_filename), (
        download.suggested_filename)
    book = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    about = {row[0]: row[1] for row in book["About"].iter_rows(min_row=2, values_only=True)}
    assert about["Selection"] == "young people"
    assert about["Financial year"] == "2024/25"
    assert "Synthetic demo data" in about["Data"]
    numeric = [c for row in book["data"].iter_rows(min_row=2) for c in row if c.data_type == "n"]
    assert numeric, "the data sheet holds no numeric cells"
    page.close()


def test_pages_request_nothing_from_other_hosts(server, browser):  # noqa: F811
    app_host = urlparse(server).netloc
    outside: list[str] = []
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.on("request", lambda request: outside.append(request.url)
            if urlparse(request.url).netloc not in (app_host, "") and not request.url.startswith(("data:", "blob:"))
            else None)
    for path in ("overview", "districts_map", "about"):
        page.goto(f"{server}/{path}")
        _wait_for_app(page)
        page.wait_for_timeout(1500)
    assert not outside, outside
    icon = page.locator("link[rel*='icon']").first.get_attribute("href")
    assert icon and not icon.startswith("http") or urlparse(icon).netloc == app_host, icon
    assert page.get_by_text("Deploy", exact=True).count() == 0
    page.close()
