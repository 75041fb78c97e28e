"""Readable on a projector (issue 10 item 4): the served app in Debian's chromium at 1280x720 and
1440x900. Nothing on a headline tile is cut off, trends draw each year's interval, by-sex charts
leave out the other / not stated group and say so, the Treatment and exits legend is clear of the
panel titles, discharge reasons sit under their exit group, definitions and the district table show
every column, district names are on the map, funnel labels are clear of the limit lines, Data
quality says each thing once, and pages draw only the filters they use.

Screenshots of every page checked go to tests/artifacts/projector_<page>_<width>x<height>.png: the
page as the projector shows it (first screen) and the whole page (``_full``).
"""

from __future__ import annotations

import re

import pytest

from tests.test_e2e_browser import ARTIFACTS, _assert_no_error, _wait_for_app, browser, server  # noqa: F401

pytestmark = pytest.mark.e2e

SIZES = [(1280, 720), (1440, 900)]
#: Text cut off with an ellipsis (what st.metric did to the comparison at 1280 px).
CUT_OFF = """(root) => [...root.querySelectorAll('*')]
    .filter(e => e.children.length === 0 && e.innerText && getComputedStyle(e).textOverflow === 'ellipsis'
                 && e.scrollWidth > e.clientWidth + 1)
    .map(e => e.innerText)"""
#: A sentence that contradicts itself after rounding: "9% in 2024/25, down from 9% in 2023/24".
CONTRADICTION = re.compile(r"(\d[\d,.]*%?)(?: of [^,]*)? in \d{4}/\d{2}, (?:up|down) from \1 in")


def open_at(browser, server, path: str, size: tuple[int, int]):  # noqa: F811
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.goto(f"{server}/{path}")
    _wait_for_app(page)
    _assert_no_error(page, path or "overview")
    return page


def shoot(page, name: str, size: tuple[int, int]) -> None:
    """The first screen, as projected, then the whole page (the viewport grown to the page's height,
    since Streamlit scrolls inside its main element and a full-page screenshot would miss it)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = ARTIFACTS / f"projector_{name}_{size[0]}x{size[1]}"
    page.screenshot(path=f"{stem}.png")
    height = page.evaluate("document.querySelector(\"[data-testid='stMain']\").scrollHeight")
    page.set_viewport_size({"width": size[0], "height": min(int(height), 16_000)})
    page.wait_for_timeout(2000)
    page.screenshot(path=f"{stem}_full.png")
    page.set_viewport_size({"width": size[0], "height": size[1]})


def plots(page) -> list[dict]:
    """Each plotly chart's title, traces (type, mode, name, text) and annotations, from the page."""
    return page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')].map(gd => ({
        title: (gd._fullLayout.title.text || '').replace(/<[^>]+>/g, ''),  // Streamlit wraps it in <b>
        traces: gd.data.map(t => ({type: t.type, mode: t.mode, name: t.name, showlegend: t.showlegend,
                                   text: Array.isArray(t.text) ? t.text.flat().map(String) : [],
                                   error: !!(t.error_y && t.error_y.array), y: t.y})),
        notes: (gd.layout.annotations || []).filter(a => a.name === 'note').map(a => a.text),
    }))""")


def assert_consistent_sentences(page, name: str) -> None:
    text = page.inner_text("[data-testid='stMain']")
    assert not CONTRADICTION.search(text), f"{name}: {CONTRADICTION.search(text).group(0)}"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_overview_tiles_and_trend_read_in_full(server, browser, size):  # noqa: F811
    page = open_at(browser, server, "", size)
    page.wait_for_selector(".js-plotly-plot .errorbar", timeout=60_000)
    tiles = page.get_by_test_id("stMain")
    cut = page.evaluate(CUT_OFF, tiles.element_handle())
    assert cut == [], f"cut off on the Overview at {size}: {cut}"
    text = tiles.inner_text()
    # rates and proportions give their interval on the tile; proportion changes are in points only
    for label in ("Rate per 1,000 population", "Successful completion rate", "12-week retention"):
        tile = page.get_by_test_id("stColumn").filter(has_text=label).first.inner_text()
        assert "95% CI" in tile, tile
        assert "2023/24:" in tile and "significant" in tile, tile
    assert not re.search(r"pts \([+-][\d.]+%\)", text)
    # each year of the trend has its interval drawn
    trend = next(p for p in plots(page) if p["title"].startswith("People in treatment"))
    assert trend["traces"][0]["error"]
    assert_consistent_sentences(page, "overview")
    shoot(page, "overview", size)
    page.close()


@pytest.mark.parametrize("size", SIZES[:1], ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_small_selection_says_why_tiles_are_hidden_and_what_star_means(server, browser, size):  # noqa: F811
    page = open_at(browser, server, "?service=Young+people&sex=Female&district=E07000181&age=Under+15", size)
    text = page.inner_text("[data-testid='stMain']")
    assert "fewer than 5 people" in text
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    for chart in plots(page):
        if any("*" in t["text"] for t in chart["traces"]):
            assert any("* not shown" in n for n in chart["notes"]), chart["title"]
    shoot(page, "overview_small_selection", size)
    page.close()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_by_sex_charts_leave_out_other_sex_and_stars_are_explained(server, browser, size):  # noqa: F811
    page = open_at(browser, server, "substances", size)
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    charts = plots(page)
    by_sex = [c for c in charts if "of each sex" in c["title"]]
    assert len(by_sex) == 2
    for chart in by_sex:
        assert not any("Other / not stated" in (t["name"] or "") for t in chart["traces"]), chart["title"]
        assert any("Other / not stated: in the table below, not drawn" in n for n in chart["notes"])
    for chart in charts:
        if any(t == "*" for trace in chart["traces"] for t in trace["text"]):
            assert any(n.startswith("* not shown") for n in chart["notes"]), chart["title"]
    # the notes are drawn whole inside their chart (not cut at its edge)
    outside = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')].flatMap(gd => {
        const box = gd.getBoundingClientRect();
        return [...gd.querySelectorAll('.annotation-text')].filter(t => {
            const r = t.getBoundingClientRect();
            return r.left < box.left - 1 || r.right > box.right + 1; }).map(t => t.textContent); })""")
    assert outside == []
    assert_consistent_sentences(page, "substances")
    shoot(page, "substances", size)
    page.close()


def _overlaps(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_treatment_exits_legend_clear_of_panel_titles_and_reasons_under_groups(server, browser, size):  # noqa: F811
    page = open_at(browser, server, "treatment_exits", size)
    page.wait_for_selector(".js-plotly-plot .legend", timeout=60_000)
    boxes = page.evaluate("""() => { const gd = document.querySelector('.js-plotly-plot');
        const r = e => { const b = e.getBoundingClientRect(); return {left: b.left, right: b.right, top: b.top,
                                                                      bottom: b.bottom}; };
        return {legend: r(gd.querySelector('.legend')),
                titles: [...gd.querySelectorAll('.annotation')].filter(a => !a.textContent.includes('not drawn'))
                        .map(a => ({text: a.textContent, ...r(a)}))}; }""")
    assert [t["text"] for t in boxes["titles"]] == ["Male", "Female"]
    for title in boxes["titles"]:
        assert not _overlaps(boxes["legend"], title), (boxes["legend"], title)
    reasons = next(c for c in plots(page) if c["title"].startswith("People discharged by discharge reason"))
    groups, names = reasons["traces"][1]["y"]
    assert "Planned" in groups and "Unplanned" in groups
    assert "Dropped Out" in names and "Completed Drug Free" in names
    assert_consistent_sentences(page, "treatment_exits")
    shoot(page, "treatment_exits", size)
    page.close()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_definitions_read_in_full_and_no_filters_drawn(server, browser, size):  # noqa: F811
    page = open_at(browser, server, "about", size)
    assert page.get_by_test_id("stDataFrame").count() == 0
    assert filter_labels(page) == []
    page.get_by_text("Successful completion rate", exact=True).first.click()
    page.wait_for_timeout(500)
    body = page.inner_text("[data-testid='stMain']")
    assert "Planned exits (treatment completed) / (all exits in the year - transfers)" in body
    wide = page.evaluate("""() => [...document.querySelectorAll("[data-testid='stTable']")]
        .filter(t => t.scrollWidth > t.clientWidth + 1).length""")
    assert wide == 0
    shoot(page, "about", size)
    page.close()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_districts_table_and_funnel(server, browser, size):  # noqa: F811
    page = open_at(browser, server, "districts_map", size)
    page.wait_for_selector(".js-plotly-plot canvas", timeout=60_000)
    page.wait_for_timeout(2000)
    # every column of the district table on screen, none scrolled out of view
    table = page.get_by_test_id("stTable").filter(has_text="Compared with partnership (99.8%)").first
    assert table.evaluate("t => t.scrollWidth <= t.clientWidth + 1")
    box = table.bounding_box()
    assert box["x"] + box["width"] <= size[0]
    # funnel: no limit or partnership line passes through a district's name; the axis starts near the
    # smallest district, not at 0
    funnel = page.evaluate("""() => {
        const gd = [...document.querySelectorAll('.js-plotly-plot')]
            .find(g => (g._fullLayout.title.text || '').replace(/<[^>]+>/g, '').startsWith('Funnel plot'));
        const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
        const svg = gd.querySelector('.main-svg').getBoundingClientRect();
        const labels = [...gd.querySelectorAll('.annotation')].map(a => {
            const b = a.querySelector('.annotation-text-g').getBoundingClientRect();
            return {text: a.textContent, left: b.left, right: b.right, top: b.top, bottom: b.bottom}; });
        const hits = [];
        // _fullData: x and y decoded (plotly sends numbers as typed arrays)
        gd._fullData.filter(t => t.mode === 'lines').forEach(t => { const ys = Array.from(t.y);
            Array.from(t.x).forEach((x, i) => {
            const px = svg.left + xa._offset + xa.l2p(x), py = svg.top + ya._offset + ya.l2p(ys[i]);
            labels.forEach(l => { if (px > l.left && px < l.right && py > l.top && py < l.bottom)
                hits.push(l.text + ' / ' + t.name); }); }); });
        const smallest = Math.min(...gd._fullData.filter(t => t.mode === 'markers').flatMap(t => Array.from(t.x)));
        return {hits: [...new Set(hits)], start: xa.range[0], smallest, labels: labels.length}; }""")
    assert funnel["labels"] == 5
    assert funnel["hits"] == []
    assert 0.8 * funnel["smallest"] <= funnel["start"] < funnel["smallest"]
    assert_consistent_sentences(page, "districts_map")
    shoot(page, "districts_map", size)
    page.close()


#: Where MapLibre drew each district's name: the map canvas on the page and each name's centre on it.
RENDERED_NAMES = """() => {
    const gd = [...document.querySelectorAll('.js-plotly-plot')].find(g => g._fullLayout.map);
    const map = gd._fullLayout.map._subplot.map, rect = map.getCanvas().getBoundingClientRect();
    return {canvas: {x: rect.left, y: rect.top, width: rect.width, height: rect.height},
            glyphs: map.getStyle().glyphs,
            names: map.queryRenderedFeatures({layers: ['area-names']}).map(f => {
                const at = map.project(f.geometry.coordinates);
                return {name: f.properties.name, x: at.x, y: at.y}; })};
}"""
#: A pixel of a name's letters (palette.TEXT, #0b0c0c): darker than anything else on the map, whose
#: darkest colours are the outlines (#333333) and the darkest blue fill (#08306b).
LETTER_MAX_CHANNEL = 40


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_district_names_are_drawn_on_the_map(server, browser, size):  # noqa: F811
    import io

    import numpy as np
    from PIL import Image

    from analysis import glyphs, map_labels

    page = open_at(browser, server, "districts_map", size)
    page.wait_for_selector(".js-plotly-plot canvas", timeout=60_000)
    page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
    page.wait_for_timeout(2000)
    drawn = page.evaluate(RENDERED_NAMES)
    # the glyphs come from the map's own style, not a font server
    assert drawn["glyphs"].startswith("data:")
    assert sorted(n["name"].replace("\n", " ") for n in drawn["names"]) == [
        "Cherwell", "Oxford", "South Oxfordshire", "Vale of White Horse", "West Oxfordshire"]
    canvas = drawn["canvas"]
    picture = Image.open(io.BytesIO(page.screenshot(clip=canvas))).convert("RGB")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    picture.save(ARTIFACTS / f"projector_districts_map_names_{size[0]}x{size[1]}.png")
    rows, columns = np.nonzero(np.asarray(picture).max(axis=2) <= LETTER_MAX_CHANNEL)
    scale = picture.width / canvas["width"]  # the screenshot's pixels per CSS pixel
    boxes = []
    for name in drawn["names"]:
        lines = name["name"].split("\n")
        half_width = max(glyphs.text_width(line, map_labels.NAME_SIZE_PX) for line in lines) / 2 + 2
        half_height = len(lines) * map_labels.LINE_HEIGHT_EMS * map_labels.NAME_SIZE_PX / 2 + 2
        boxes.append((name["name"], (name["x"] - half_width) * scale, (name["y"] - half_height) * scale,
                      (name["x"] + half_width) * scale, (name["y"] + half_height) * scale))
    placed = np.zeros(len(rows), dtype=bool)
    for text, left, top, right, bottom in boxes:
        inside = (columns >= left) & (columns <= right) & (rows >= top) & (rows <= bottom)
        placed |= inside
        assert inside.sum() >= 40 * len(text.split("\n")), f"{text!r}: {inside.sum()} letter pixels where it is written"
    # the names are where they were placed, and nothing else on the map is as dark as their letters
    assert (~placed).sum() < 10, list(zip(columns[~placed][:20], rows[~placed][:20], strict=True))
    # on screen: no name runs off the map's visible area
    for text, left, top, right, bottom in boxes:
        assert left >= 0 and top >= 0 and right <= picture.width and bottom <= picture.height, text
    page.close()


@pytest.mark.parametrize("size", SIZES[:1], ids=lambda s: f"{s[0]}x{s[1]}")
def test_data_quality_says_each_thing_once_and_draws_only_its_filters(server, browser, size):  # noqa: F811
    page = open_at(browser, server, "data_quality", size)
    main = page.inner_text("[data-testid='stMain']")
    assert "No problems found by" in main
    sentences = [s.strip() for s in re.split(r"(?<=\.)\s+", main) if len(s.strip()) > 40]
    repeated = {s for s in sentences if sentences.count(s) > 1}
    assert repeated == set(), repeated
    assert filter_labels(page) == ["Financial year", "Compared with", "Service"]
    shoot(page, "data_quality", size)
    page.goto(page.url.replace("/data_quality", "/data"))
    _wait_for_app(page)
    assert filter_labels(page) == []
    page.close()


def filter_labels(page) -> list[str]:
    """The labels of the filters drawn in the sidebar."""
    return [t.strip() for t in page.get_by_test_id("stSidebar").get_by_test_id("stWidgetLabel").all_inner_texts()
            if t.strip()]
