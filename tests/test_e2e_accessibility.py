"""Accessibility (issue 14, WCAG 2.2 AA) in a real browser: axe-core over every page with every
expander open, a keyboard walk of the sidebar filters, and the 400% zoom (320 CSS px) check.

axe-core comes from the npm registry, pinned (AXE_VERSION), fetched at test time into a cache
folder with `npm install` (node and npm are on the CI machine), and injected with Playwright's
add_script_tag. The test fails on any serious or critical violation of the WCAG 2.0/2.1/2.2 A
and AA rules. It also checks what ui/style.css does to Streamlit's own elements (focus ring on
sidebar links, hidden sidebar out of the tab order), so a Streamlit upgrade that breaks it is caught.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from analysis import palette
from tests.test_e2e_browser import ARTIFACTS, CHROMIUM, PAGES, _wait_for_app, browser, server  # noqa: F401

pytestmark = pytest.mark.e2e

AXE_VERSION = "4.10.3"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "daat-dashboard" / f"axe-core-{AXE_VERSION}"
ALL_PAGES = {**PAGES, "accessibility": "Accessibility statement"}
TITLE_SUFFIX = ": drug and alcohol needs assessment"

if not Path(CHROMIUM).exists():  # pragma: no cover - test_e2e_browser already skips or fails
    pytest.skip("Debian chromium is not installed", allow_module_level=True)


@pytest.fixture(scope="module")
def axe_script() -> Path:
    """axe.min.js of the pinned axe-core, from the npm registry into the cache (once per machine)."""
    script = CACHE / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        npm = shutil.which("npm")
        assert npm, "npm is needed to fetch axe-core for the accessibility test"
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run([npm, "install", "--prefix", str(CACHE), f"axe-core@{AXE_VERSION}", "--no-save",
                        "--no-audit", "--no-fund", "--loglevel=error"], check=True, timeout=300)
    version = json.loads((script.parent / "package.json").read_text())["version"]
    assert version == AXE_VERSION, f"cached axe-core is {version}, not the pinned {AXE_VERSION}"
    return script


def _open(browser, url: str, width: int = 1400, height: int = 1000):  # noqa: F811
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(url)
    if width >= 640:
        _wait_for_app(page)
    else:  # a narrow window starts with the sidebar collapsed (hidden), so wait for the script alone
        page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=90_000)
        page.wait_for_timeout(1000)
    return page


def _page_url(server: str, path: str) -> str:  # noqa: F811
    return f"{server}/{'' if path == 'overview' else path}"


def _open_every_expander(page) -> None:
    for summary in page.locator("[data-testid='stExpander'] details:not([open]) > summary").all():
        if summary.is_visible():
            summary.click()
    page.wait_for_timeout(1500)  # the tables inside draw after the expander opens


def _content_height(page) -> int:
    """Streamlit's main area scrolls inside its own container: the height of everything in it."""
    return page.evaluate(
        "() => Math.max(document.documentElement.scrollHeight,"
        " ...[...document.querySelectorAll('*')].map(e => e.scrollHeight))")


def _serious(page, axe_script: Path) -> list[dict]:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(axe_script))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})", AXE_TAGS)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [(n["target"], n.get("failureSummary", "")[:300]) for n in v["nodes"][:5]],
             "count": len(v["nodes"])}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("path", list(ALL_PAGES))
def test_axe_finds_no_serious_violation_with_every_expander_open(server, browser, axe_script, path):  # noqa: F811
    page = _open(browser, _page_url(server, path))
    page.get_by_role("heading", level=1, name=ALL_PAGES[path]).first.wait_for(timeout=60_000)
    if path in {"overview", "people", "substances", "referrals", "treatment_exits", "spc", "districts_map"}:
        page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    violations = []
    tabs = page.get_by_role("tab")
    # every tab of every tab set in turn (a hidden tab's content is not checked by axe)
    for view in [None, *range(tabs.count())]:
        if view is not None:
            if tabs.nth(view).get_attribute("aria-selected") == "true" and view == 0:
                continue
            tabs.nth(view).click()
            page.wait_for_timeout(1000)
        _open_every_expander(page)
        page.set_viewport_size({"width": 1400, "height": min(_content_height(page) + 100, 30_000)})
        page.wait_for_timeout(1500)
        violations += _serious(page, axe_script)
    title = page.title()
    page.close()
    assert violations == [], json.dumps(violations, indent=1)
    assert title == f"{ALL_PAGES[path]}{TITLE_SUFFIX}", "each page has its own tab title"



def test_headings_run_in_order_and_charts_are_named(server, browser):  # noqa: F811
    for path in ALL_PAGES:
        page = _open(browser, _page_url(server, path))
        page.get_by_role("heading", level=1, name=ALL_PAGES[path]).first.wait_for(timeout=60_000)
        levels = page.evaluate(
            "() => [...document.querySelectorAll('[data-testid=stMain] h1, [data-testid=stMain] h2,"
            " [data-testid=stMain] h3, [data-testid=stMain] h4')].filter(h => h.innerText.trim())"
            ".map(h => Number(h.tagName[1]))")
        assert levels and levels[0] == 1 and levels.count(1) == 1, (path, levels)
        jumps = [(a, b) for a, b in zip(levels, levels[1:]) if b > a + 1]
        assert not jumps, f"{path}: heading levels jump {jumps} in {levels}"
        # every chart is named (its title) for assistive technology, and has at most 2 toolbar stops
        charts = page.locator("[data-testid='stPlotlyChart']")
        for number in range(charts.count()):
            chart = charts.nth(number)
            label = chart.get_attribute("aria-label") or chart.locator("[role='img'], [role='figure']").first.get_attribute("aria-label")
            assert label and label.strip(), f"{path}: chart {number} has no accessible name"
            assert chart.locator(".modebar-btn").count() <= 2, f"{path}: chart {number} keeps a long toolbar"
        # chart text (titles, axes, ticks, legends, annotations, colour bars) at 4.5:1 on white
        fills = page.evaluate(
            "() => [...document.querySelectorAll('.js-plotly-plot .gtitle, .js-plotly-plot .xtick text,"
            " .js-plotly-plot .ytick text, .js-plotly-plot .g-xtitle text, .js-plotly-plot .g-ytitle text,"
            " .js-plotly-plot .legendtext, .js-plotly-plot .annotation-text, .js-plotly-plot .cbtitle text,"
            " .js-plotly-plot .cbaxis text')].map(t => [getComputedStyle(t).fill, t.textContent.slice(0, 30)])")
        for fill, text in fills:
            colour = "#" + "".join(f"{int(v):02x}" for v in re.findall(r"\d+", fill)[:3])
            assert palette.contrast_ratio(colour) >= palette.MIN_TEXT_CONTRAST, f"{path}: {text!r} in {fill}"
        if path == "districts_map":
            names = [charts.nth(i).get_attribute("aria-label") for i in range(charts.count())]
            assert len(set(names)) == len(names), f"the maps share a name: {names}"
        page.close()


def test_sidebar_filters_work_by_keyboard_with_a_visible_focus(server, browser):  # noqa: F811
    page = _open(browser, server)
    stops = []
    for _ in range(40):
        page.keyboard.press("Tab")
        page.wait_for_timeout(150)  # the focus ring's style is read once focus has settled (a CI run read 'none')
        stop = page.evaluate(
            "() => { const e = document.activeElement; const s = getComputedStyle(e);"
            " return {inSidebar: !!e.closest('[data-testid=stSidebar]'), tag: e.tagName,"
            " label: e.getAttribute('aria-label') || e.innerText?.slice(0, 40) || '',"
            " outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 ? s.outlineColor : '',"
            " boxShadow: s.boxShadow, visible: !!(e.offsetWidth || e.offsetHeight)}; }")
        stops.append(stop)
    sidebar = [s for s in stops if s["inSidebar"]]
    assert sidebar, "no sidebar control is reachable by Tab"
    links = [s for s in sidebar if s["tag"] == "A"]
    assert links, "the navigation links are not reachable by Tab"
    for stop in links:  # ui/style.css: a 3:1 focus ring on Streamlit's sidebar links
        assert stop["outline"], f"no focus ring on the sidebar link {stop['label']!r} (only {stop['boxShadow']})"
        ring = "#" + "".join(f"{int(v):02x}" for v in re.findall(r"\d+", stop["outline"])[:3])
        assert palette.contrast_ratio(ring, palette.SIDEBAR_BACKGROUND) >= palette.MIN_GRAPHIC_CONTRAST, ring
    assert all(s["visible"] for s in stops), [s for s in stops if not s["visible"]]
    # change the financial year with the keyboard alone
    year = page.get_by_test_id("stSidebar").get_by_role("combobox").first
    year.focus()
    page.keyboard.type("2022/23")
    page.get_by_role("option", name="2022/23").wait_for(timeout=10_000)
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.location.search.includes('year=2022')", timeout=30_000)
    _wait_for_app(page)
    page.close()


@pytest.mark.parametrize("path", ["overview", "districts_map"])
def test_at_400_percent_zoom_pages_reflow_and_the_hidden_sidebar_takes_no_focus(server, browser, path):  # noqa: F811
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = _open(browser, _page_url(server, path), width=320, height=256)
    page.get_by_role("heading", level=1, name=ALL_PAGES[path]).first.wait_for(timeout=60_000)
    page.wait_for_timeout(1500)
    # reflow: nothing wider than the window, so no sideways scrolling to read a line
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= 320, f"{path} at 320 px is {wide} px wide"
    past = page.evaluate(
        "() => [...document.querySelectorAll('[data-testid=stMain] p, [data-testid=stMain] h1,"
        " [data-testid=stMain] h2, [data-testid=stMain] h3, [data-testid=stMain] li')]"
        ".filter(e => e.getBoundingClientRect().right > 321 && e.getBoundingClientRect().width > 0)"
        # a data table keeps its two-dimensional layout and scrolls inside its own box (WCAG 1.4.10's
        # exception for data tables); the box itself must fit, checked below
        ".filter(e => !e.closest('[data-testid=stTable]'))"
        ".map(e => [e.tagName, Math.round(e.getBoundingClientRect().right), e.innerText.slice(0, 60),"
        " e.closest('[data-testid]')?.getAttribute('data-testid')])")
    assert past == [], f"{path}: text runs past the 320 px window: {past}"
    tables = page.evaluate(
        "() => [...document.querySelectorAll('[data-testid=stTable]')].map(t => [Math.round("
        "t.getBoundingClientRect().right), t.scrollWidth > t.clientWidth, getComputedStyle(t).overflowX])")
    assert all(right <= 321 and (not scrolls or overflow in ("auto", "scroll")) for right, scrolls, overflow in tables), (
        f"{path}: a table is wider than the window and does not scroll in its own box: {tables}")
    # the collapsed sidebar takes no keyboard focus
    for _ in range(25):
        page.keyboard.press("Tab")
        hidden = page.evaluate(
            "() => { const e = document.activeElement; const bar = e.closest('[data-testid=stSidebar]');"
            " return !!bar && bar.getAttribute('data-collapsed') === 'true'; }")
        assert not hidden, f"{path}: Tab reached a control in the collapsed sidebar"
    page.set_viewport_size({"width": 320, "height": min(_content_height(page) + 50, 20_000)})
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ARTIFACTS / f"zoom400_{path}.png"), full_page=True)
    page.close()
