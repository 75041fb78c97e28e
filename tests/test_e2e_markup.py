"""In a real browser, a district named with Markdown and HTML is shown as written (issue 11 item 5):
the page's visible text holds the literal ``**bold**`` and no <img> element is made from the name."""

from __future__ import annotations

import os

import pytest

from analysis import store
from tests import served_app
from tests.test_e2e_browser import _assert_no_error, _wait_for_app, browser  # noqa: F401 (fixture)
from tests.test_markup import save_hostile_store

pytestmark = pytest.mark.e2e
PAGES = ["overview", "districts_map", "people"]


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile_store")
    os.environ[store.STORE_ENV], before = str(root), os.environ.get(store.STORE_ENV)
    try:
        save_hostile_store()
    finally:
        os.environ.pop(store.STORE_ENV) if before is None else os.environ.__setitem__(store.STORE_ENV, before)
    with served_app.serve(root) as url:
        yield url


@pytest.mark.parametrize("path", PAGES)
def test_a_hostile_district_name_is_shown_literally_in_chromium(hostile_server, browser, path):  # noqa: F811
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    alerts: list[str] = []
    page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
    page.goto(f"{hostile_server}/{'' if path == 'overview' else path}")
    _wait_for_app(page)
    page.get_by_test_id("stSidebar").get_by_role("combobox", name="District").click()
    page.keyboard.type("**bold**")
    page.get_by_role("option").filter(has_text="**bold**").first.click(timeout=60_000)  # the option shows the name as written
    page.wait_for_timeout(500)
    _wait_for_app(page)
    _assert_no_error(page, path)
    main = page.locator("[data-testid='stMain']").inner_text()
    assert "**bold** [link](https:\u2060//example.org)" in main, main[:1500]  # as written (a word joiner keeps it no link)
    assert page.locator("img[src='x']").count() == 0
    links = page.locator("a[href='https://example.org']")
    assert links.count() == 0, [links.nth(i).evaluate("a => a.parentElement.parentElement.outerHTML.slice(0, 600)")
                                for i in range(links.count())]  # the name made no link
    assert not alerts
    page.close()
