"""The board pack on the demo data: PowerPoint and PDF opened back, no count of 1-4 anywhere, figures the pages'.

Packs are built for the whole demo and for a small selection (young people, one district, one sex),
read back with python-pptx and pypdf, and every table cell, text box, speaker note and page text is
searched for a count of 1 to 4. Chart pictures need Debian's chromium: where it is missing, those
tests skip and the rest build the pack without pictures.
"""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pypdf import PdfReader

from analysis import findings, pack
from analysis.dataset import load_demo
from analysis.filters import Filters

HAS_CHROMIUM = pack.chromium_available()
needs_chromium = pytest.mark.skipif(not HAS_CHROMIUM, reason="chart pictures need /usr/bin/chromium")
SMALL = Filters(service="Young people", sex="Female", district="E07000178")  # Oxford

#: What a count reads like in a sentence: a whole number followed by what was counted, a number in
#: brackets, or "N in 2024/25". A number with a decimal point, a %, "1 district" or the rule's range
#: ("1-4 referrals", "1 to 4 people") is not a count.
COUNT_NOUNS = (r"people|person|young people|adults?|males?|females?|referrals?|episodes?|records?|exits?|"
               r"discharges?|presentations?|clients?|men|women|children")
SMALL_COUNT_PATTERNS = [
    re.compile(rf"(?<![\d.,\-–])(?<!to )\b[1-4]\b(?![.,]\d)(?:\s+(?:more|fewer|new|other))?\s+(?:{COUNT_NOUNS})\b",
               re.I),
    re.compile(r"\(\s*[1-4]\s*\)"),
    re.compile(r"(?<![\d.,])\b[1-4]\b(?![.,]\d)\s+in\s+\d{4}/\d{2}"),
    re.compile(r"\bn\s*=\s*[1-4]\b", re.I),
]


def small_counts_in(text: str) -> list[str]:
    """Every place ``text`` states a count of 1 to 4."""
    return [m.group(0) for pattern in SMALL_COUNT_PATTERNS for m in pattern.finditer(text)]


def small_count_cell(text: str) -> bool:
    """A table cell that is a whole number from 1 to 4 (a CI "3.4 to 15.8", a rate "3.2" or "*" is not)."""
    return re.fullmatch(r"\s*[1-4]\s*", text) is not None


@pytest.mark.parametrize("text, found", [
    ("3 people were discharged", ["3 people"]),
    ("Most in Sep 2023 (4), fewest in Jun 2023 (0)", ["(4)"]),
    ("New presentations: 2 in 2024/25", ["2 in 2024/25"]),
    ("8 in 2024/25 (95% CI 3.4 to 15.8); 1 district is within the limits; Key findings (1 of 2)", []),
    ("rate of 3.6 per 1,000; 4.5% of referrals; 12 people; fewer than 5 people", []),
    ("months of 1-4 referrals are hidden; counts of 1 to 4 people are shown as *", []),
])
def test_the_small_count_search_finds_counts_and_only_counts(text, found):
    assert small_counts_in(text) == found


@pytest.fixture(scope="module")
def data():
    return load_demo()


def make(data, filters: Filters, *, pictures: bool) -> pack.Pack:
    """Every section (the default leaves out SPC and C19), so each check here covers every kind of slide."""
    fy, comparison = data.years[-1], data.years[-2]
    figures = pack.compute_figures(data, fy, comparison, filters, tuple(pack.SECTIONS))
    content = pack.build_pack(data, fy, comparison, filters, figures)
    if pictures:
        pack.draw_pictures(content)
    return content


@pytest.fixture(scope="module", params=["demo", "small"])
def built(request, data):
    """(pack, pptx bytes, pdf bytes) with pictures where chromium is installed."""
    content = make(data, Filters() if request.param == "demo" else SMALL, pictures=HAS_CHROMIUM)
    return content, pack.pack_bytes(content, "pptx"), pack.pack_bytes(content, "pdf")


def pptx_texts(deck) -> tuple[list[str], list[str]]:
    """(table cells, other text: text boxes and speaker notes) of every slide."""
    cells, texts = [], []
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.has_table:
                cells += [cell.text for row in shape.table.rows for cell in row.cells]
            elif shape.has_text_frame:
                texts.append(shape.text_frame.text)
        if slide.has_notes_slide:
            texts.append(slide.notes_slide.notes_text_frame.text)
    return cells, texts


def test_pptx_opens_with_every_slide_of_the_preview(built):
    content, pptx, _ = built
    deck = Presentation(io.BytesIO(pptx))
    assert len(deck.slides) == len(content.slide_titles) >= 10
    assert deck.slide_width / deck.slide_height == pytest.approx(16 / 9, rel=0.01)
    first = " ".join(s.text_frame.text for s in deck.slides[0].shapes if s.has_text_frame)
    assert "Synthetic demo data" in first and "2024/25 compared with 2023/24" in first
    for slide, title in zip(list(deck.slides)[1:], content.slide_titles[1:], strict=True):
        assert any(s.has_text_frame and s.text_frame.text == title for s in slide.shapes), title


@needs_chromium
def test_pptx_carries_a_chart_picture_on_every_chart_slide(built):
    content, pptx, _ = built
    deck = Presentation(io.BytesIO(pptx))
    with_picture = [i for i, slide in enumerate(deck.slides)
                    if any(s.shape_type == MSO_SHAPE_TYPE.PICTURE for s in slide.shapes)]
    assert len(with_picture) >= 6
    assert len(with_picture) == sum(c.figure is not None for c in content.charts)


@needs_chromium
def test_the_district_map_picture_has_the_district_names_written_on_it(built):
    # kaleido's page has no server of its own: the map's glyphs travel inside its style (analysis.glyphs)
    import numpy as np
    from PIL import Image

    content, _, _ = built
    slide = next(c for c in content.charts if c.label == "District rates")
    picture = np.asarray(Image.open(io.BytesIO(slide.image)).convert("RGB"))
    # the names' letters are palette.TEXT (#0b0c0c); the slide's title, scale and note are plotly_white's
    # #2a3f5f, the outlines #333333, the darkest fill #08306b: nothing else is this dark
    rows, columns = np.nonzero(picture.max(axis=2) <= 40)
    height, width = picture.shape[:2]
    assert len(rows) >= 5 * 150, "five names, each of well over 150 letter pixels at 14 px x 1.5"
    assert rows.min() > 0.1 * height and columns.max() < 0.85 * width  # on the map: not the title or the scale


def _without_empty(value):
    """A figure spec less its empty objects (a copied figure spells out e.g. an axis's unset title as {},
    which draws exactly as leaving it out)."""
    if isinstance(value, dict):
        kept = {key: _without_empty(item) for key, item in value.items()}
        return {key: item for key, item in kept.items() if not (isinstance(item, dict) and not item)}
    if isinstance(value, list):
        return [_without_empty(item) for item in value]
    return value


def test_a_chart_for_a_slide_is_the_figure_with_the_white_template_and_the_slides_size(data):
    import json

    import plotly.graph_objects as go

    content = make(data, Filters(), pictures=False)
    for chart in content.charts:
        if chart.figure is None:
            continue
        # what the figure object gives with the template and size set on a copy of it
        expected = go.Figure(chart.figure).update_layout(template="plotly_white", width=864, height=516,
                                                         paper_bgcolor="white").to_dict()
        spec = pack.for_slide(chart.figure, 864, 516)
        assert json.dumps(_without_empty(spec), sort_keys=True, default=str) == json.dumps(
            _without_empty(expected), sort_keys=True, default=str), chart.label
    drawn = next(c.figure for c in content.charts if c.figure is not None)
    pack.for_slide(drawn, 864, 516)
    assert drawn.layout.width is None and drawn.layout.template.layout.font.color == "#0b0c0c"  # left as it was


@needs_chromium
def test_pictures_drawn_together_without_page_reloads_are_those_kaleido_draws_one_by_one(data):
    # the renderer skips kaleido's page reload between pictures and draws two at a time (the pack's speed):
    # the pictures must be byte for byte what kaleido's own one-at-a-time, reload-every-time drawing gives
    content = make(data, Filters(), pictures=False)
    slides = [c for c in content.charts if c.figure is not None]
    chosen = [slides[0], slides[1], next(c for c in slides if c.label == "District rates"), slides[-1]]
    with pack.PictureRenderer(reload_between_pictures=True) as one_by_one:
        expected = [one_by_one.picture(c.figure, *pack.picture_size(c)) for c in chosen]
    subset = pack.Pack(**{**content.__dict__, "charts": chosen})
    pack.draw_pictures(subset)
    assert [c.image for c in chosen] == expected


def test_chart_slides_have_the_footer_and_the_full_summaries_as_notes(built):
    content, pptx, _ = built
    deck = Presentation(io.BytesIO(pptx))
    by_title = {next(s.text_frame.text for s in slide.shapes if s.has_text_frame and s.text_frame.text in
                     content.slide_titles[1:]): slide for slide in list(deck.slides)[1:]}
    for chart in content.charts:
        slide = by_title[chart.title]
        text = " ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
        assert f"Definition: {chart.definition}" in text
        assert "95% CI" in text and pack.SUPPRESSION_NOTE in text and "Source: " in text
        assert slide.notes_slide.notes_text_frame.text == "\n\n".join(chart.notes)


def test_pdf_has_the_same_pages_and_embeds_its_fonts(built):
    content, _, pdf = built
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == len(content.slide_titles) >= 10
    fonts = {font["/BaseFont"] for page in reader.pages for font in page["/Resources"]["/Font"].values()}
    assert all("DejaVu" in str(name) for name in fonts)
    embedded = [font["/DescendantFonts"][0]["/FontDescriptor"].get("/FontFile2")
                for page in reader.pages for font in page["/Resources"]["/Font"].values()]
    assert all(f is not None for f in embedded)
    text = reader.pages[1].extract_text()
    assert "Key findings" in text


def test_no_count_of_1_to_4_in_any_table_cell_or_sentence(built):
    content, pptx, pdf = built
    cells, texts = pptx_texts(Presentation(io.BytesIO(pptx)))
    assert cells and texts
    assert [c for c in cells if small_count_cell(c)] == []
    assert [hit for t in texts for hit in small_counts_in(t)] == []
    pdf_text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert [hit for hit in small_counts_in(pdf_text)] == []
    for chart in content.charts:
        if chart.table is not None:
            assert not any(small_count_cell(str(v)) for v in chart.table.to_numpy().ravel()), chart.label


def test_the_small_selection_hides_small_numbers(data):
    """The small selection does have counts of 1 to 4 underneath: the pack shows them as *."""
    content = make(data, SMALL, pictures=False)
    cells = [str(v) for c in content.charts if c.table is not None for v in c.table.to_numpy().ravel()]
    assert "*" in cells
    fy, comparison = data.years[-1], data.years[-2]
    every = pack.compute_figures(data, fy, comparison, SMALL).findings(fy, comparison, SMALL)
    assert any(f.kind == findings.NOT_SHOWN for f in every)
    assert any("fewer than 5" in n for c in content.charts for n in c.notes)


def test_headline_figure_is_an_independent_count_of_the_demo(data):
    """People in treatment in 2024/25: triaged by 31 March 2025, not discharged before 1 April 2024, each once."""
    episodes = data.episodes
    active = episodes[(episodes["triage_date"] <= "2025-03-31")
                      & (episodes["discharge_date"].isna() | (episodes["discharge_date"] >= "2024-04-01"))]
    people = active["client_id"].nunique()
    content = make(data, Filters(), pictures=False)
    row = content.headlines.set_index("Indicator").loc["People in treatment"]
    assert row["2024/25"] == f"{people:,}"
    assert content.charts[0].title.startswith(f"People in treatment: {people:,} in 2024/25 (95% CI ")


def test_the_pack_uses_the_edited_findings(data):
    fy, comparison = data.years[-1], data.years[-2]
    figures = pack.compute_figures(data, fy, comparison, Filters(), ["overview"])
    table = findings.findings_table(figures.findings(fy, comparison, Filters()), ticked=1)
    table.loc[0, findings.TEXT] = "Edited by the analyst."
    content = pack.build_pack(data, fy, comparison, Filters(), figures, key_findings=findings.from_table(table))
    assert [f.text for f in content.findings] == ["Edited by the analyst."]
    deck = Presentation(io.BytesIO(pack.pack_bytes(content, "pptx")))
    assert "1. Edited by the analyst." in [s.text_frame.text for s in deck.slides[1].shapes if s.has_text_frame]
    assert content.slide_titles[1] == "Key findings"


def test_pack_without_pictures_still_writes_both_formats(data):
    content = make(data, Filters(), pictures=False)
    assert all(c.image is None for c in content.charts)
    assert len(Presentation(io.BytesIO(pack.pack_bytes(content, "pptx"))).slides) == len(content.slide_titles)
    assert len(PdfReader(io.BytesIO(pack.pack_bytes(content, "pdf"))).pages) == len(content.slide_titles)


def test_file_name_carries_year_and_selection(data):
    assert pack.file_name(data.years[-1], SMALL, data.district_names, "pptx") == \
        "board_pack_2024-25_young-people-female-oxford.pptx"


@needs_chromium
def test_command_line_writes_the_file_the_extension_names(tmp_path, capsys):
    out = tmp_path / "pack.pdf"
    code = pack.main(["--source", "demo", "--year", "2024/25", "--compare", "2023/24", "--service", "Young people",
                      "--sex", "Female", "--district", "oxford", "--sections", "overview,districts", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    reader = PdfReader(str(out))
    assert "young people, female, Oxford" in reader.pages[0].extract_text()


@pytest.mark.parametrize("arguments, message", [
    (["--district", "Atlantis"], "No district 'Atlantis'"),
    (["--year", "2030/31"], "No year 2030/31 in the data"),
    (["--sections", "overview,weather"], "Unknown section(s) weather"),
    (["--compare", "2024/25"], "The comparison year must be an earlier year"),
])
def test_command_line_says_what_is_wrong(tmp_path, capsys, arguments, message):
    code = pack.main(["--source", "demo", *arguments, "--out", str(tmp_path / "pack.pptx")])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "pack.pptx").exists()


def test_command_line_refuses_other_file_types(tmp_path, capsys):
    assert pack.main(["--source", "demo", "--out", str(tmp_path / "pack.docx")]) == 2
    assert "--out must end in .pptx or .pdf" in capsys.readouterr().err


def test_headline_table_changes_are_percent_or_points(data):
    content = make(data, Filters(), pictures=False)
    table = content.headlines.set_index("Indicator")
    assert table.loc["People in treatment", "Change"].endswith("%")
    assert table.loc["Successful completion rate", "Change"].endswith(" pts")
    assert isinstance(table, pd.DataFrame)


def test_effective_treatment_is_not_applicable_in_a_young_peoples_pack(data):
    # GLOSSARY "Effective treatment": never the adult figure for the young people's service
    young = make(data, Filters(service="Young people"), pictures=False).headlines.set_index("Indicator")
    row = young.loc["Effective treatment (NI 40, adult OCU)"]
    assert row.iloc[0] == "Not applicable to the young people's service"
    assert (row.iloc[1:] == "").all()
    everyone = make(data, Filters(), pictures=False).headlines.set_index("Indicator")
    assert everyone.loc["Effective treatment (NI 40, adult OCU)"].iloc[0].replace(",", "").isdigit()


@pytest.fixture
def saved_store(tmp_path, monkeypatch):
    """A store of its own holding the demo's tables as saved data (through the Data page's intake)."""
    from analysis import intake, store
    from analysis.dataset import DEMO_DIR, TABLE_FILES

    monkeypatch.setenv(store.STORE_ENV, str(tmp_path / "store"))
    saved = store.Store.open()
    uploads = []
    for table in TABLE_FILES:
        path = DEMO_DIR / f"{table}.parquet"
        if path.exists():
            result = intake.read_file(path.read_bytes(), path.name, table)
            uploads.append(store.Upload(result, store.REPLACE, {}, {}))
    saved.save(uploads)
    return saved


def test_saved_data_are_used_when_the_app_would_show_them(saved_store):
    from analysis import store

    data, _ = pack.load_data(None)
    assert data.is_demo  # the app shows the demo until the saved data are chosen
    saved_store.set_preferred_source(store.SAVED)
    data, boundaries = pack.load_data(None)
    assert not data.is_demo and data.label.startswith("Saved data")
    content = pack.build_pack(data, data.years[-1], data.years[-2], Filters(),
                              pack.compute_figures(data, data.years[-1], data.years[-2], Filters(), ["overview"],
                                                   district_boundaries=boundaries))
    assert content.data_label == data.label and not content.is_demo
    assert all("Synthetic" not in text for _, text in content.methods)


def test_nothing_saved_is_said_plainly(tmp_path, monkeypatch, capsys):
    from analysis import store

    monkeypatch.setenv(store.STORE_ENV, str(tmp_path / "empty"))
    assert pack.main(["--source", "saved", "--out", str(tmp_path / "pack.pdf")]) == 2
    assert "Nothing has been saved" in capsys.readouterr().err


def test_slides_draw_their_charts_and_tables_only_when_the_pack_is_built(data, monkeypatch):
    """Issue 12 (browser): the Board pack page makes the pack on every rerun for its slide titles and findings;
    the charts (and compact tables) are drawn only when asked for (building the file), and then they are the
    very figures the builders draw."""
    import plotly.graph_objects as go
    import plotly.io as pio

    from analysis import charts, charts_spc

    drawn = []
    for module, name in [(charts, "comparison_bars"), (charts, "trend_line"), (charts_spc, "xmr_chart"),
                         (pack.maps, "district_map")]:
        original = getattr(module, name)

        def counting(*args, _original=original, _name=name, **kwargs):
            drawn.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, name, counting)
    fy, comparison = data.years[-1], data.years[-2]
    figures = pack.compute_figures(data, fy, comparison, Filters(), tuple(pack.SECTIONS))
    content = pack.build_pack(data, fy, comparison, Filters(), figures)
    assert len(content.slide_titles) > 10 and content.findings  # what the page shows, made
    assert drawn == []  # no chart drawn for it
    first = content.charts[0]
    assert isinstance(first.figure, go.Figure) and drawn == ["trend_line"]
    assert first.figure is first.figure and drawn == ["trend_line"]  # drawn once
    expected = charts.trend_line(figures.trends[pack.TREND_INDICATORS[0]],
                                 f"{first.label.removeprefix('Trend: ')}: {Filters().describe(data.district_names)}",
                                 highlight=[fy.label])
    assert pio.to_json(first.figure, validate=False) == pio.to_json(expected, validate=False)
    every = [(slide.figure, slide.table) for slide in content.charts]
    assert {"comparison_bars", "xmr_chart", "district_map"} <= set(drawn)
    assert sum(figure is not None for figure, _ in every) >= len(every) - 2
