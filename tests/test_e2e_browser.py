"""End to end in a real browser: Debian's chromium, driven by Playwright, against the served app.

Opens every page, changes the financial year in the sidebar, and checks that charts and the map
draw with no error on the page. Screenshots go to tests/artifacts/ (kept by CI as artefacts).
Skipped when chromium is not installed, except under CI (CI=true), where it must run.
"""

from __future__ import annotations

import urllib.request

import pytest

from analysis import indicators
from tests import served_app
from tests.served_app import ARTIFACTS, CHROMIUM, ROOT  # noqa: F401 (used by other browser tests)

PAGES = {
    "overview": "Overview",
    "people": "People in treatment",
    "substances": "Substances",
    "referrals": "Referrals",
    "treatment_exits": "Treatment and exits",
    "spc": "Monthly trends (SPC)",
    "districts_map": "Districts and map",
    "benchmarks": "Benchmarks and targets",
    "board_pack": "Board pack",
    "data": "Data",
    "data_quality": "Data quality",
    "about": "Definitions and sources",
}
#: Pages whose figures do not depend on the selection: no filters are drawn on them.
NO_FILTER_PAGES = {"data", "about"}
CHART_PAGES = {"overview", "people", "substances", "referrals", "treatment_exits", "spc", "districts_map", "data_quality",
               "benchmarks"}

pytestmark = pytest.mark.e2e

served_app.require_chromium()
_free_port = served_app.free_port
_wait_for_app = served_app.wait_for_app


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with served_app.serve(tmp_path_factory.mktemp("store")) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with served_app.launch_chromium() as chromium:
        yield chromium


def _assert_no_error(page, name: str) -> None:
    errors = page.locator("[data-testid='stException']")
    assert errors.count() == 0, f"{name}: {errors.first.inner_text()[:500]}"
    body = page.inner_text("body")
    assert "Traceback" not in body, f"{name} shows a traceback"
    assert "Page not found" not in body, f"{name}: the address is not a page of the app"


def test_health_answers_ok(server):
    assert urllib.request.urlopen(f"{server}/_stcore/health").read() == b"ok"


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_renders_in_chromium(server, browser, path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{server}/{'' if path == 'overview' else path}")  # the default page lives at the root
    _wait_for_app(page)
    page.get_by_role("heading", name=PAGES[path]).first.wait_for(timeout=60_000)
    assert "Synthetic demo data" in page.inner_text("body")
    _assert_no_error(page, path)
    if path in CHART_PAGES:
        page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / f"{path}.png"), full_page=True)
    if path in NO_FILTER_PAGES:  # the sidebar draws only the filters a page uses (ui.state.PAGE_FILTERS)
        assert page.get_by_test_id("stSidebar").get_by_role("combobox").count() == 0
        page.close()
        return

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


def test_benchmarks_page_at_projector_size(server, browser):
    """The Benchmarks and targets page at 1280x720: the spine chart draws with its markers, the compare-areas,
    outcome and trajectory charts follow, and the demo's comparator values are labelled illustrative."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{server}/benchmarks")
    _wait_for_app(page)
    page.get_by_role("heading", name="Benchmarks and targets").first.wait_for(timeout=60_000)
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 4", timeout=60_000)
    _assert_no_error(page, "benchmarks")
    body = page.inner_text("body")
    assert "ILLUSTRATIVE comparator values" in body and "Synthetic demo data" in body
    page.screenshot(path=str(ARTIFACTS / "benchmarks_1280x720_top.png"))
    spine = page.locator(".js-plotly-plot").first
    spine.scroll_into_view_if_needed()
    assert spine.locator(".scatterlayer .point").count() >= 5  # the local markers
    page.screenshot(path=str(ARTIFACTS / "benchmarks_1280x720.png"))
    for number in range(1, page.locator(".js-plotly-plot").count()):  # the page scrolls inside the app
        page.locator(".js-plotly-plot").nth(number).scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"benchmarks_1280x720_chart{number + 1}.png"))
    # targets uploaded as a file on the page: the trajectory, its gap in people and the plan by year are drawn
    plan = ("indicator,period,target,source\n" + "".join(
        f"effective_treatment,{period},{target},Illustrative plan\n" for period, target in
        [("2024/25 Q1", 1000), ("2024/25 Q2", 1150), ("2024/25 Q3", 1300), ("2024/25", 1437), ("2025/26", 1450),
         ("2026/27", 1480)])).encode()
    page.get_by_text("Enter, upload or clear targets").click()
    page.locator("input[type='file']").set_input_files(
        files=[{"name": "targets.csv", "mimeType": "text/csv", "buffer": plan}])
    _wait_for_app(page)
    page.get_by_role("button", name="Save the targets").click()
    page.get_by_text("more people in effective treatment are needed by Q4 2024/25").first.wait_for(timeout=60_000)
    _wait_for_app(page)
    _assert_no_error(page, "benchmarks with targets")
    assert page.locator(".js-plotly-plot").count() == 5
    page.locator(".js-plotly-plot").nth(3).scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "benchmarks_1280x720_trajectory.png"))
    page.locator(".js-plotly-plot").nth(4).scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "benchmarks_1280x720_plan.png"))
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


def test_effective_treatment_not_applicable_to_young_people_and_new_exit_figures(server, browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{server}/?service=Young+people")
    _wait_for_app(page)
    _assert_no_error(page, "overview, young people")
    tile = page.get_by_test_id("stMetric").filter(has_text="Effective treatment (NI 40, adult OCU)")
    assert "Not applicable" in tile.inner_text()
    assert "Not applicable to the young people's service" in page.inner_text("body")
    page.screenshot(path=str(ARTIFACTS / "overview_young_people.png"), full_page=True)
    page.goto(f"{server}/treatment_exits")
    _wait_for_app(page)
    _assert_no_error(page, "treatment_exits")
    for heading in ("Time in treatment by exit group", "Back in treatment"):
        page.get_by_role("heading", name=heading).first.wait_for(timeout=60_000)
    body = page.inner_text("body")
    assert "did so after a median of" in body and "Exits with no known reason" in body
    page.screenshot(path=str(ARTIFACTS / "treatment_exits_exit_groups.png"), full_page=True)
    page.close()


def test_a_referral_target_set_in_the_browser_is_kept_with_who_set_it(server, browser):
    """No target is assumed; one set on the Referrals page is stored with the user's name and shown
    again in a fresh browser session, with its line on the chart."""
    context = browser.new_context(viewport={"width": 1400, "height": 1200})
    page = context.new_page()
    page.goto(f"{server}/referrals")
    _wait_for_app(page)
    assert "No target set." in page.inner_text("body")
    page.get_by_text("Set or clear the target").click()
    target = page.get_by_label("Target share (%)", exact=True).and_(page.locator("input"))
    target.fill("15")
    target.press("Enter")
    _wait_for_app(page)
    name = page.get_by_label("Set by", exact=True).and_(page.locator("input"))
    name.fill("Browser Tester")
    name.press("Enter")
    _wait_for_app(page)
    page.get_by_role("button", name="Save the target for").click()
    page.get_by_text("Target 15% set by Browser Tester on").first.wait_for(timeout=60_000)
    _wait_for_app(page)
    _assert_no_error(page, "referrals target")
    context.close()

    fresh = browser.new_context(viewport={"width": 1400, "height": 1200})
    again = fresh.new_page()
    again.goto(f"{server}/referrals")
    _wait_for_app(again)
    again.wait_for_selector(".js-plotly-plot", timeout=60_000)
    body = again.inner_text("body")
    assert "Target 15% set by Browser Tester on" in body and "No target set." not in body
    assert again.locator(".js-plotly-plot text", has_text="Target 15%").count() >= 1
    again.screenshot(path=str(ARTIFACTS / "referrals_target.png"), full_page=True)
    fresh.close()


def test_spc_page_at_1280x720_draws_three_xmr_charts_and_rebases(server, browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{server}/spc")
    _wait_for_app(page)
    page.get_by_role("heading", name="Monthly trends (SPC)").first.wait_for(timeout=60_000)
    _assert_no_error(page, "spc")
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length === 3", timeout=60_000)
    body = page.inner_text("body")
    assert "Synthetic demo data" in body
    assert "Common cause variation" in body or "Special cause:" in body
    page.screenshot(path=str(ARTIFACTS / "spc.png"))
    for number, name in enumerate(("referrals", "new_presentations", "planned_exits")):
        page.locator(".js-plotly-plot").nth(number).screenshot(path=str(ARTIFACTS / f"spc_chart_{name}.png"))
    # rebase at April 2023: every chart is drawn again, marked as rebased
    page.get_by_role("combobox", name="Rebase the limits from").click()
    page.keyboard.type("Apr 2023")
    page.get_by_role("option", name="Apr 2023", exact=True).click()
    _wait_for_app(page)
    _assert_no_error(page, "spc rebased")
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length === 3", timeout=60_000)
    assert page.get_by_text("Rebased Apr 2023").count() >= 1
    page.locator(".js-plotly-plot").nth(2).screenshot(path=str(ARTIFACTS / "spc_chart_planned_exits_rebased.png"))
    # a small selection: too small to draw without revealing months of 1-4
    page.goto(f"{server}/spc?service=Young+people&sex=Female")
    _wait_for_app(page)
    _assert_no_error(page, "spc small selection")
    assert page.get_by_text("not shown as a chart").count() == 3
    assert page.locator(".js-plotly-plot").count() == 0
    page.get_by_text("not shown as a chart").first.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "spc_small.png"))


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
    assert len(shown) == len(indicators.INDICATORS), shown  # every headline tile
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
    # every tile drawn before they are read (a fresh session's Overview can show its title before its tiles)
    opened.wait_for_function(f"() => document.querySelectorAll(\"[data-testid='stMetric']\").length >= {len(shown)}",
                             timeout=90_000)
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


def test_ward_map_draws_each_layer_from_only_its_own_boundaries_at_1280(server, browser):
    """Issue 12 (browser): the ward map's grey and coloured layers each reach the browser with only the
    boundaries of their own wards (before, each carried all of them), and the map still draws both layers in
    MapLibre at 1280x720, under the district map and the funnel plot, after a filter change too."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{server}/districts_map?sex=Female")
    _wait_for_app(page)
    _assert_no_error(page, "districts_map, female")
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 3", timeout=60_000)
    layers = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')]
        .filter(plot => (plot.data || []).some(t => t.type === 'choroplethmap' && t.featureidkey === 'properties.ward_code'))
        .map(plot => plot.data.map(t => ({name: t.name, locations: [...t.locations].map(String).sort(),
            features: t.geojson.features.map(f => String(f.properties.ward_code)).sort()})))""")
    assert len(layers) == 1, layers  # the ward map
    (ward_layers,) = layers
    assert {layer["name"] for layer in ward_layers} == {"Not shown (*)", "People"}
    for layer in ward_layers:
        assert layer["features"] == layer["locations"] and layer["features"]
    assert not set(ward_layers[0]["features"]) & set(ward_layers[1]["features"])  # no boundary sent twice
    ward_map = page.locator(".js-plotly-plot").filter(has=page.locator(".maplibregl-map")).nth(1)
    ward_map.scroll_into_view_if_needed()
    page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot')].every("
                           "p => !p.querySelector('.maplibregl-map') || p.querySelector('canvas'))", timeout=60_000)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "districts_map_wards_1280x720.png"))
    page.close()


def test_tables_offer_no_unaudited_download_only_the_apps_own(server, browser):
    """Every export is written to the audit log: a table's own toolbar has no "Download as CSV" (Streamlit's
    ``client.disableDataExport``), and the page's own (audited) download buttons are there."""
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{server}/people")
    _wait_for_app(page)
    _assert_no_error(page, "people")
    # the tables and their toolbars are drawn (a table's grid can be drawn after the run has finished)
    page.wait_for_selector("[data-testid='stElementToolbar'] button", state="attached", timeout=60_000)
    toolbar_buttons = page.locator("[data-testid='stElementToolbar'] button")
    labels = {b.get_attribute("aria-label") for b in toolbar_buttons.all()}
    assert "Search" in labels and "Download as CSV" not in labels
    assert page.get_by_test_id("stDownloadButton").count() > 0
    page.close()
