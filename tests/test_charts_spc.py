"""The XmR chart builder: colours and their contrast, lines per period, icons in words; normal, small and empty data."""

import pandas as pd
import pytest

from analysis import charts_spc, spc
from analysis.periods import FinancialYear
from analysis.views import spc as model

FY = FinancialYear(2024)


def chart_frame(values, rebase=None):
    counts = pd.DataFrame({"month": pd.date_range("2023-04-01", periods=len(values), freq="MS"), "count": values})
    return model.spc_chart(model.SERIES[2], counts, FY, rebase_month=rebase)


def draw(chart, target=None):
    return charts_spc.xmr_chart(chart.monthly, "Title", unit="people", variation_words=chart.variation_words,
                                variation=chart.variation, assurance_words=chart.assurance_words,
                                assurance=chart.assurance, selected_year=FY, rebase_month=chart.rebase_month,
                                target=target)


def test_contrast_ratio_matches_wcag_examples():
    assert charts_spc.contrast_ratio("#000000") == pytest.approx(21)
    assert charts_spc.contrast_ratio("#ffffff") == pytest.approx(1)
    assert charts_spc.contrast_ratio("#767676") == pytest.approx(4.54, abs=0.01)  # the usual 4.5:1 grey


def test_text_colours_reach_4_5_to_1_and_points_3_to_1_in_making_data_counts_hues():
    assert charts_spc.POINT_COLOURS[spc.NEUTRAL_HIGH] == "#361475"  # Making Data Count's purple, dark enough
    # Making Data Count's blue #289de0 (3.0:1) and orange #fab428 (1.8:1) are too light for a marker
    # (WCAG 1.4.11 asks 3:1, on white and on the selected year's shading): darker shades of the hues
    for colour in charts_spc.POINT_COLOURS.values():
        assert charts_spc.contrast_ratio(colour) >= 3.0
        assert charts_spc.contrast_ratio(colour, charts_spc.SHADE_COLOUR) >= 3.0
    for colour in [*charts_spc.TEXT_COLOURS.values(), *charts_spc.ASSURANCE_TEXT_COLOURS.values()]:
        assert charts_spc.contrast_ratio(colour) >= 4.5


def test_a_normal_chart_has_points_by_type_lines_and_words():
    chart = chart_frame([10, 20, 30, 40, 50, 60, 70])
    figure = draw(chart, target=75)
    names = [trace.name for trace in figure.data]
    assert "Mean" in names and "Process limits" in names
    assert {"Special cause: improvement", "Special cause: concern"} <= set(names)
    concern = next(t for t in figure.data if t.name == "Special cause: concern")
    assert concern.marker.color == charts_spc.POINT_COLOURS[spc.CONCERN] and list(concern.y) == [10.0]
    texts = {a.text: a.font.color for a in figure.layout.annotations}
    assert texts["Special cause: improvement"] == charts_spc.TEXT_COLOURS[spc.IMPROVEMENT]
    assert "Assurance: consistently misses the target" not in texts  # no target passed to the model
    assert figure.layout.yaxis.range[1] > 75  # the target line is inside the plot


def test_a_rebased_chart_draws_a_mean_per_period():
    chart = chart_frame([20, 22, 19, 21, 20, 18, 40, 42, 39, 41, 40, 43], rebase=pd.Timestamp("2023-10-01"))
    figure = draw(chart)
    mean = next(t for t in figure.data if t.name == "Mean")
    assert [y for y in mean.y if y is not None] == pytest.approx([20, 20, 245 / 6, 245 / 6])
    assert any(a.text == "Rebased Oct 2023" for a in figure.layout.annotations)


def test_small_and_empty_series_draw_nothing():
    small = chart_frame([10, 3, 12, 11])
    assert small.too_small and draw(small) is None
    empty = model.spc_chart(model.SERIES[0], pd.DataFrame({"month": pd.Series(dtype="datetime64[ns]"),
                                                            "count": pd.Series(dtype="int64")}), FY)
    assert charts_spc.xmr_chart(empty.monthly, "t", unit="people", variation_words="", variation="common_cause",
                                assurance_words="", assurance=None, selected_year=FY) is None


def test_special_cause_points_differ_by_shape_as_well_as_colour():
    """WCAG 1.4.1: improvement, concern and common cause are told apart without colour (issue 14)."""
    chart = chart_frame([10, 20, 30, 40, 50, 60, 70])
    figure = draw(chart, target=75)
    symbols = {t.name: t.marker.symbol for t in figure.data if t.mode == "markers"}
    special = {name: symbol for name, symbol in symbols.items() if name.startswith("Special cause")}
    assert len(special) >= 2 and len(set(special.values())) == len(special), symbols
    assert "circle" not in special.values(), symbols
