"""Chart builders of analysis.charts_activity on normal, small (suppressed) and empty frames."""

import math

import pandas as pd
import pytest

from analysis import board, charts_activity
from analysis.charts import CURRENT_COLOUR, PREVIOUS_COLOUR
from analysis.suppression import SUPPRESSED
from analysis.yoy import COUNT, PROPORTION, measure, with_intervals, year_on_year


def share(count: int, denominator: int, previous: int, previous_denominator: int) -> pd.DataFrame:
    now = measure(pd.DataFrame({"count": [count], "denominator": [denominator]}), PROPORTION)
    before = measure(pd.DataFrame({"count": [previous], "denominator": [previous_denominator]}), PROPORTION)
    return board.suppress_comparison(year_on_year(now, before))


def test_share_against_target_draws_both_years_and_the_target():
    figure = charts_activity.share_against_target(share(30, 100, 20, 100), 25.0, "Key agencies", "2024/25", "2023/24")
    bars = [t for t in figure.data if t.type == "bar"]
    assert [b.name for b in bars] == ["2023/24", "2024/25"]
    assert [b.marker.color for b in bars] == [PREVIOUS_COLOUR, CURRENT_COLOUR]
    assert bars[1].y[0] == pytest.approx(30.0) and bars[0].y[0] == pytest.approx(20.0)
    # the 95% interval is drawn as an error bar above and below the value
    assert bars[1].error_y.array[0] > 0 and bars[1].error_y.arrayminus[0] > 0
    lines = [s for s in figure.layout.shapes if s.type == "line"]
    assert len(lines) == 1 and lines[0].y0 == lines[0].y1 == 25.0
    assert "Count: 30" in bars[1].hovertext[0] and "95% CI" in bars[1].hovertext[0]


def test_share_without_a_target_draws_no_target_line():
    figure = charts_activity.share_against_target(share(30, 100, 20, 100), None, "Key agencies", "2024/25", "2023/24")
    assert [s for s in figure.layout.shapes if s.type == "line"] == []
    assert not any("Target" in str(a.text) for a in figure.layout.annotations)
    assert len([t for t in figure.data if t.type == "bar"]) == 2


def test_share_against_target_small_year_shows_star():
    figure = charts_activity.share_against_target(share(3, 50, 20, 100), 25.0, "Key agencies", "2024/25", "2023/24")
    current = figure.data[1]
    assert math.isnan(current.y[0]) and current.text[0] == SUPPRESSED
    assert "Count: *" in current.hovertext[0]


def test_share_against_target_empty():
    assert charts_activity.share_against_target(pd.DataFrame(), 20.0, "t", "a", "b") is None


def months(counts: list[int]) -> pd.DataFrame:
    stamps = pd.date_range("2023-04-01", periods=len(counts), freq="MS")
    frame = measure(pd.DataFrame({"month": stamps, "count": counts}), COUNT)
    frame["financial_year"] = ["2023/24" if m < pd.Timestamp("2024-04-01") else "2024/25" for m in stamps]
    return board.suppress_measure(with_intervals(frame), group_cols=["financial_year"])


def test_monthly_bars_one_trace_per_financial_year():
    figure = charts_activity.monthly_bars(months([10 + i for i in range(24)]), "Referrals per month")
    assert [t.name for t in figure.data] == ["2023/24", "2024/25"]
    assert figure.data[1].marker.color == CURRENT_COLOUR and figure.data[0].marker.color == PREVIOUS_COLOUR
    assert list(figure.data[0].y) == [10 + i for i in range(12)]


def test_monthly_bars_small_months_show_star_and_no_bar():
    figure = charts_activity.monthly_bars(months([3] + [20] * 23), "Referrals per month")
    first = figure.data[0]
    assert math.isnan(first.y[0]) and first.text[0] == SUPPRESSED
    assert sum(t == SUPPRESSED for t in first.text) >= 2  # a second month protects it from the year's total
    assert all(t == "" for t in figure.data[1].text)


def test_monthly_bars_empty():
    assert charts_activity.monthly_bars(months([]).iloc[0:0], "t") is None


def summary(people: list[float], hidden: list[bool]) -> pd.DataFrame:
    return pd.DataFrame({
        "status": ["Discharged", "Open", "All"], "people": people, "mean_weeks": [10.0, 20.0, 15.0],
        "median_weeks": [8.0, 18.0, 12.0], "suppressed": hidden, "previous_people": people,
        "previous_mean_weeks": [11.0, 21.0, 16.0], "previous_median_weeks": [9.0, 19.0, 13.0],
        "previous_suppressed": hidden,
    })


def test_time_summary_bars_mean_and_median_per_year():
    figure = charts_activity.time_summary_bars(summary([10, 10, 20], [False] * 3), "t", "2024/25", "2023/24")
    assert [t.name for t in figure.data] == ["2023/24 mean", "2023/24 median", "2024/25 mean", "2024/25 median"]
    assert list(figure.data[3].y) == [8.0, 18.0, 12.0]
    assert figure.data[3].marker.pattern.shape == charts_activity.MEDIAN_PATTERN
    assert "People: 10" in figure.data[2].hovertext[0]


def test_time_summary_bars_hidden_group_shows_star():
    frame = summary([float("nan"), float("nan"), 20], [True, True, False])
    frame.loc[[0, 1], ["mean_weeks", "median_weeks"]] = float("nan")
    figure = charts_activity.time_summary_bars(frame, "t", "2024/25", "2023/24")
    assert figure.data[2].text[0] == SUPPRESSED and "People: *" in figure.data[2].hovertext[0]


def test_time_summary_bars_empty():
    assert charts_activity.time_summary_bars(summary([0, 0, 0], [False] * 3), "t", "a", "b") is None


def by_sex(female: int, other: int) -> pd.DataFrame:
    rows = lambda n_female, n_other: measure(pd.DataFrame({  # noqa: E731
        "sex": ["Female", "Female", "Other"], "intervention": ["Psychosocial", "Family work", "Psychosocial"],
        "count": [n_female, 10, n_other], "denominator": [50, 50, 10]}), PROPORTION)
    return board.suppress_comparison(year_on_year(rows(female, other), rows(female, other)), group_cols=["sex"])


def test_faceted_bars_one_panel_per_sex():
    figure = charts_activity.faceted_comparison_bars(by_sex(30, 8), "intervention", "sex", "t", "2024/25", "2023/24")
    assert [a.text for a in figure.layout.annotations] == ["Female", "Other"]
    assert len(figure.data) == 4 and [t.showlegend for t in figure.data] == [True, True, False, False]
    female = dict(zip(figure.data[1].y, figure.data[1].x, strict=True))
    assert female == pytest.approx({"Psychosocial": 60.0, "Family work": 20.0})


def test_faceted_bars_small_counts_show_star():
    figure = charts_activity.faceted_comparison_bars(by_sex(30, 3), "intervention", "sex", "t", "2024/25", "2023/24")
    other = figure.data[3]
    assert math.isnan(other.x[0]) and other.text[0] == SUPPRESSED


def test_faceted_bars_empty():
    assert charts_activity.faceted_comparison_bars(pd.DataFrame(), "intervention", "sex", "t", "a", "b") is None


def test_time_summary_bars_by_exit_group():
    frame = summary([10, 10, 20], [False] * 3).rename(columns={"status": "exit_group"})
    frame["exit_group"] = ["Planned", "Unplanned", "Other / not known"]
    figure = charts_activity.time_summary_bars(frame, "t", "2024/25", "2023/24", category="exit_group")
    assert list(figure.data[3].x) == ["Planned", "Unplanned", "Other / not known"]
