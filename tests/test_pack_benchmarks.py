"""The board pack's sections from issue 13: against England and neighbours, targets, monthly trends (SPC) and
completion without re-presentation, on the demo data, read back with python-pptx and pypdf.

The demo has no targets (none is ever assumed); the NI 40 style target here is entered as an analyst would:
effective treatment 2024/25, target 1,500. Hand count of the gap: the Overview's effective treatment figure for
2024/25 (an independent count in tests/test_page_benchmarks.py) against 1,500.
"""

from __future__ import annotations

import io

import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pypdf import PdfReader

from analysis import pack, profiles
from analysis.dataset import load_demo
from analysis.filters import Filters
from tests.test_pack import small_count_cell, small_counts_in, pptx_texts

HAS_CHROMIUM = pack.chromium_available()
NEW_SECTIONS = ("benchmarks", "targets", "spc", "c19")
RECORD = {"rows": [{"indicator": "effective_treatment", "period": "2024/25", "target": 1500.0, "source": "Plan"},
                   {"indicator": "effective_treatment", "period": "2025/26", "target": 1550.0, "source": "Plan"}],
          "set_by": "A. Analyst", "set_at": "2026-11-30T16:00:00"}


@pytest.fixture(scope="module")
def data():
    return load_demo()


@pytest.fixture(scope="module")
def built(data):
    fy, comparison = data.years[-1], data.years[-2]
    figures = pack.compute_figures(data, fy, comparison, Filters(), NEW_SECTIONS, target_record=RECORD)
    content = pack.build_pack(data, fy, comparison, Filters(), figures)
    if HAS_CHROMIUM:
        pack.draw_pictures(content)
    return content, pack.pack_bytes(content, "pptx"), pack.pack_bytes(content, "pdf")


def slide_text(slide) -> str:
    return " ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)


def test_new_sections_are_slides_with_chart_pictures_footers_and_notes(built):
    content, pptx, _ = built
    assert [c.section for c in content.charts] == ["benchmarks", "benchmarks", "targets", "spc", "spc", "spc", "c19"]
    deck = Presentation(io.BytesIO(pptx))
    assert len(deck.slides) == len(content.slide_titles)
    chart_slides = list(deck.slides)[-2 - len(content.charts):-2]
    for chart, slide in zip(content.charts, chart_slides, strict=True):
        text = slide_text(slide)
        assert pack.SECTIONS[chart.section].upper() in text and chart.title in text
        assert f"Definition: {chart.definition}" in text and "95% CI" in text and pack.SUPPRESSION_NOTE in text
        assert slide.notes_slide.notes_text_frame.text == "\n\n".join(chart.notes)
        if HAS_CHROMIUM:
            assert any(s.shape_type == MSO_SHAPE_TYPE.PICTURE for s in slide.shapes), chart.label
    # compact suppressed tables beside the spine, compare areas, trajectory and C19 charts
    tables = [next((s.table for s in slide.shapes if s.has_table), None) for slide in chart_slides]
    assert [t is not None for t in tables] == [True, True, True, False, False, False, True]
    spine_headings = [c.text for c in tables[0].rows[0].cells]
    assert spine_headings == ["Indicator", "Local", "95% CI", "England (ILLUSTRATIVE)", "Against England"]
    # the demo's comparator values are labelled illustrative on the slide and in its findings
    assert "ILLUSTRATIVE" in slide_text(chart_slides[0])


def test_the_target_slide_and_finding_give_the_hand_counted_gap(data, built):
    content, pptx, _ = built
    actual = int(profiles.effective_treatment(data, fy=data.years[-1])["count"].iloc[0])
    gap = f"{1500 - actual:,} more people in effective treatment are needed by Q4 2024/25"
    target = next(c for c in content.charts if c.section == "targets")
    assert gap in target.title and "RAG status Red" in target.title
    assert "Targets set by A. Analyst on 30 Nov 2026" in target.source
    assert target.table.iloc[3].tolist() == ["Q4", f"{actual:,}", "1,500", f"{1500 - actual:,}", "Red"]
    assert any(gap in f.text for f in content.findings)


def test_the_default_pack_stays_near_20_slides_and_leaves_out_spc_and_c19(data):
    fy, comparison = data.years[-1], data.years[-2]
    figures = pack.compute_figures(data, fy, comparison, Filters())
    content = pack.build_pack(data, fy, comparison, Filters(), figures)
    assert {c.section for c in content.charts} >= {"benchmarks"}
    assert not {c.section for c in content.charts} & {"spc", "c19", "targets"}  # no target set: no target slide
    assert len(content.slide_titles) <= 23


def test_no_count_of_1_to_4_on_the_new_slides_for_a_small_selection(data):
    small = Filters(service="Young people", sex="Female", district="E07000178")
    fy, comparison = data.years[-1], data.years[-2]
    figures = pack.compute_figures(data, fy, comparison, small, NEW_SECTIONS, target_record=RECORD)
    content = pack.build_pack(data, fy, comparison, small, figures)
    cells, texts = pptx_texts(Presentation(io.BytesIO(pack.pack_bytes(content, "pptx"))))
    assert [c for c in cells if small_count_cell(c)] == []
    assert [hit for t in texts for hit in small_counts_in(t)] == []
    pdf_text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pack.pack_bytes(content, "pdf"))).pages)
    assert small_counts_in(pdf_text) == []
    # NI 40 does not apply to the young people's service: its target slide says so, with no figure
    target = next(c for c in content.charts if c.section == "targets")
    assert target.figure is None and "Not applicable" in target.empty_message


@pytest.mark.skipif(not HAS_CHROMIUM, reason="chart pictures need /usr/bin/chromium")
def test_command_line_takes_the_new_sections(tmp_path, capsys):
    out = tmp_path / "pack.pdf"
    assert pack.main(["--source", "demo", "--sections", "c19", "--out", str(out)]) == 0
    assert "1 charts" in capsys.readouterr().out
    reader = PdfReader(str(out))
    assert any("COMPLETION WITHOUT RE-PRESENTATION" in page.extract_text() for page in reader.pages)


def test_board_pack_page_offers_the_new_sections_with_the_stored_targets(tmp_path, monkeypatch, data):
    """On the page: the new sections are offered (SPC and C19 off by default), targets stored on the Data page are
    used, and their findings are in the table the analyst edits."""
    from analysis import store
    from tests import apptest_support

    monkeypatch.setenv(store.STORE_ENV, str(tmp_path / "store"))
    store.Store.open().set_indicator_targets(store.DEMO, RECORD["rows"], set_by="A. Analyst")
    at = apptest_support.open_page("board_pack")
    chosen = at.multiselect(key="pack_sections")
    assert list(chosen.value) == list(pack.DEFAULT_SECTIONS) and set(chosen.options) >= {
        pack.SECTIONS[s] for s in NEW_SECTIONS}
    chosen.set_value([*NEW_SECTIONS]).run()
    assert not at.exception, at.exception
    titles = list(next(df.value for df in at.dataframe if "Title" in df.value.columns)["Title"])
    actual = int(profiles.effective_treatment(data, fy=data.years[-1])["count"].iloc[0])
    assert any(f"{1500 - actual:,} more people in effective treatment are needed by Q4 2024/25" in t for t in titles)
    assert sum(t.startswith(("Referrals received per month", "New presentations per month",
                             "Successful completions (planned exits) per month")) for t in titles) == 3
    kinds = set(at.data_editor[0].value["Kind"])
    assert {"Target not met", "Against England", "Special cause variation"} <= kinds


def test_the_spc_slides_use_the_pages_rebase_and_target(data):
    """The Monthly trends slides are the charts the page shows with its rebase and target; without them the
    notes say there is none (the pack said "No rebase" even when the page had one)."""
    import pandas as pd

    from analysis.views import spc as spc_view

    fy, comparison = data.years[-1], data.years[-2]
    april = pd.Timestamp("2023-04-01")
    figures = pack.compute_figures(data, fy, comparison, Filters(), ("spc",), spc_rebase=april,
                                   spc_targets=(("planned_exits", 500.0),))
    page = spc_view.spc_page(data, fy, Filters(), april, (("planned_exits", 500.0),))
    assert [c.rebase_month for c in figures.spc.charts] == [april] * 3 == [c.rebase_month for c in page.charts]
    assert [c.target for c in figures.spc.charts] == [None, None, 500.0]
    slides = [c for c in pack.build_pack(data, fy, comparison, Filters(), figures).charts if c.section == "spc"]
    assert [n for s in slides for n in s.notes if "ebase" in n] == [
        "Rebased at Apr 2023: the mean and limits are worked out from that month on.",
        "Rebased at Apr 2023: the mean and limits are worked out from that month on.",
        "Rebased at Apr 2023: the mean and limits are worked out from that month on. Target: 500 a month."]
    plain = pack.compute_figures(data, fy, comparison, Filters(), ("spc",))
    notes = [n for s in pack.build_pack(data, fy, comparison, Filters(), plain).charts for n in s.notes if "ebase" in n]
    assert notes == ["No rebase: the limits are worked out from every month shown."] * 2 + [
        "No rebase: the limits are worked out from every month shown. No target."]
    assert spc_view.settings_note(plain.spc) == ("The Monthly trends slides use that page's settings: no rebase "
                                                 "(limits from every month shown); no target for successful "
                                                 "completions (planned exits). Change them on that page.")
