"""Chart builders of the People and Substances pages on normal, small (suppressed) and empty frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import board, yoy
from analysis import charts_profiles as cp
from analysis.charts import PREVIOUS_COLOUR, colour_for
from analysis.suppression import SUPPRESSED
from analysis.views.people import in_order

YEAR, COMPARISON = "2024/25", "2023/24"


def compared(keys: dict[str, list], counts: list[int], previous: list[int], denominator: list[int] | int,
             previous_denominator: list[int] | int, group_cols=()) -> pd.DataFrame:
    """A suppressed year-on-year frame built from hand-set counts."""
    current = yoy.measure(pd.DataFrame({**keys, "count": counts, "denominator": denominator}), yoy.PROPORTION)
    before = yoy.measure(pd.DataFrame({**keys, "count": previous, "denominator": previous_denominator}),
                         yoy.PROPORTION)
    # the year-on-year join does not keep row order: put rows back in the order given, as the views do
    frame = in_order(yoy.year_on_year(current, before), {k: list(dict.fromkeys(v)) for k, v in keys.items()})
    return board.suppress_comparison(frame, list(group_cols))


def pyramid(counts_male, counts_female, previous_male, previous_female):
    bands = ["Under 15", "15-17", "18-24"]
    keys = {"age_band": [b for b in bands for _ in range(2)], "sex": ["Male", "Female"] * 3}
    counts = [c for pair in zip(counts_male, counts_female) for c in pair]
    previous = [c for pair in zip(previous_male, previous_female) for c in pair]
    return compared(keys, counts, previous, sum(counts), sum(previous), ["sex"])


def test_pyramid_puts_males_left_females_right_and_outlines_comparison():
    frame = pyramid([20, 30, 40], [10, 15, 25], [18, 28, 35], [12, 14, 20])
    figure = cp.age_sex_pyramid(frame, "t", YEAR, COMPARISON, scale=cp.SCALE_COUNT)
    traces = {t.name: t for t in figure.data}
    assert list(traces["Male, 2024/25"].x) == [-20, -30, -40]
    assert list(traces["Female, 2024/25"].x) == [10, 15, 25]
    assert list(traces["Female, 2023/24"].x) == [12, 14, 20]
    assert traces["Male, 2023/24"].marker.color == cp.NO_FILL
    assert traces["Male, 2023/24"].marker.line.color == PREVIOUS_COLOUR
    assert traces["Female, 2024/25"].marker.color == colour_for("Female")
    assert figure.layout.barmode == "overlay"
    # tick labels show sizes, not signs
    assert all(not str(t).startswith("-") for t in figure.layout.xaxis.ticktext)


def test_pyramid_percent_scale_mirrors_male_error_bars():
    frame = pyramid([20, 30, 40], [10, 15, 25], [18, 28, 35], [12, 14, 20])
    figure = cp.age_sex_pyramid(frame, "t", YEAR, COMPARISON, scale=cp.SCALE_PERCENT)
    male = next(t for t in figure.data if t.name == "Male, 2024/25")
    row = frame[(frame["sex"] == "Male") & (frame["age_band"] == "Under 15")].iloc[0]
    assert male.x[0] == pytest.approx(-row["value"])
    # on the left, the bar's upper limit lies further left: the "minus" arm is upper - value
    assert male.error_x.arrayminus[0] == pytest.approx(row["upper"] - row["value"])
    assert male.error_x.array[0] == pytest.approx(row["value"] - row["lower"])


def test_pyramid_small_counts_show_star_not_number():
    frame = pyramid([2, 30, 40], [10, 15, 25], [18, 28, 35], [12, 14, 20])
    figure = cp.age_sex_pyramid(frame, "t", YEAR, COMPARISON, scale=cp.SCALE_COUNT)
    male = next(t for t in figure.data if t.name == "Male, 2024/25")
    assert male.text[0] == SUPPRESSED
    assert male.x[0] == 0  # drawn as nothing; never the hidden count
    assert "Count: *" in male.hovertext[0]
    for trace in figure.data:
        for value in trace.x:
            assert not 0 < abs(value) < 5


def test_pyramid_leaves_out_bands_with_nobody_and_returns_none_when_empty():
    frame = pyramid([0, 30, 40], [0, 15, 25], [0, 28, 35], [0, 14, 20])
    figure = cp.age_sex_pyramid(frame, "t", YEAR, COMPARISON)
    assert list(figure.layout.yaxis.categoryarray) == ["15-17", "18-24"]
    assert cp.age_sex_pyramid(frame.iloc[0:0], "t", YEAR, COMPARISON) is None


def by_sex(small: bool = False):
    keys = {"sex": ["Male", "Male", "Female", "Female"], "substance": ["Alcohol", "Cannabis"] * 2}
    counts = [30, 3 if small else 20, 25, 10]
    return compared(keys, counts, [28, 22, 20, 12], [50, 50, 40, 40], [45, 45, 35, 35], ["sex"])


def test_grouped_bars_share_slot_between_years():
    figure = cp.grouped_comparison_bars(by_sex(), "substance", "sex", "t", YEAR, COMPARISON)
    names = [t.name for t in figure.data]
    assert names == ["Male, 2024/25", "Male, 2023/24", "Female, 2024/25", "Female, 2023/24"]
    assert figure.data[0].offsetgroup == figure.data[1].offsetgroup == "Male"
    assert list(figure.data[0].x) == pytest.approx([60.0, 40.0])
    assert figure.data[1].marker.color == cp.NO_FILL


def test_grouped_bars_small_and_empty():
    frame = by_sex(small=True)
    figure = cp.grouped_comparison_bars(frame, "substance", "sex", "t", YEAR, COMPARISON)
    male = figure.data[0]
    assert SUPPRESSED in list(male.text)
    assert cp.grouped_comparison_bars(frame.iloc[0:0], "substance", "sex", "t", YEAR, COMPARISON) is None


def test_heatmap_values_and_suppressed_cells():
    keys = {"age_band": ["15-17", "15-17", "18-24", "18-24"], "substance": ["Alcohol", "Cannabis"] * 2}
    frame = compared(keys, [30, 2, 10, 20], [30, 20, 10, 20], [50, 50, 40, 40], [50, 50, 40, 40], ["age_band"])
    figure = cp.share_heatmap(frame, "age_band", "substance", "t")
    heat = figure.data[0]
    assert list(heat.y) == ["15-17", "18-24"] and list(heat.x) == ["Alcohol", "Cannabis"]
    assert heat.z[0][1] is None and heat.text[0][1] == SUPPRESSED
    assert heat.z[1][1] == pytest.approx(50.0) and heat.text[1][1] == "50%"
    # the line rule hides a second cell in the 15-17 line: it too is a star, not a number
    assert heat.text[0][0] == SUPPRESSED
    assert figure.layout.plot_bgcolor == cp.MISSING_COLOUR
    assert cp.share_heatmap(frame.iloc[0:0], "age_band", "substance", "t") is None


def test_change_dots_interval_significance_and_hidden():
    keys = {"substance": ["Alcohol", "Cannabis", "Solvents", "Other"]}
    frame = compared(keys, [300, 200, 3, 6], [200, 205, 8, 9], 500, 500)
    assert list(frame["change_suppressed"]) == [False, False, True, True]  # Other hides Solvents
    frame["change_lower"] = [10.0, -7.0, np.nan, np.nan]
    frame["change_upper"] = [30.0, 5.0, np.nan, np.nan]
    figure = cp.change_dots(frame, "substance", "t", COMPARISON)
    by_name = {t.name: t for t in figure.data}
    significant = by_name["Significant change"]
    assert list(significant.y) == ["Alcohol"]
    assert significant.x[0] == pytest.approx(20.0)
    assert significant.error_x.array[0] == pytest.approx(10.0)
    assert significant.error_x.arrayminus[0] == pytest.approx(10.0)
    assert list(by_name["Not significant"].y) == ["Cannabis"]
    hidden = by_name["Not shown (fewer than 5 people)"]
    assert list(hidden.text) == [SUPPRESSED] * 2 and list(hidden.x) == [0, 0]
    assert cp.change_dots(frame.iloc[0:0], "substance", "t", COMPARISON) is None


def test_comparison_table_headings_and_stars():
    keys = {"substance": ["Alcohol", "Solvents", "Other"]}
    frame = compared(keys, [300, 3, 6], [200, 8, 9], 500, 500)
    frame["change_lower"], frame["change_upper"] = [10.0, 1.0, 1.0], [30.0, 2.0, 2.0]
    table = cp.comparison_table(frame, [("substance", "Substance")], YEAR, COMPARISON)
    assert list(table.columns[:4]) == ["Substance", "People 2024/25", "Of people 2024/25", "% 2024/25"]
    assert table.loc[0, "People 2024/25"] == "300" and table.loc[0, "% 2024/25"] == "60.0"
    assert table.loc[1, "People 2024/25"] == SUPPRESSED
    assert table.loc[1, "Change lower 95% CI"] == SUPPRESSED
    assert table.loc[0, "Change lower 95% CI"] == "10.0"


def test_pyramid_does_not_depend_on_row_order():
    frame = pyramid([20, 30, 40], [10, 15, 25], [18, 28, 35], [12, 14, 20])
    shuffled = frame.iloc[::-1].reset_index(drop=True)
    shuffled.attrs.update(frame.attrs)
    figure = cp.age_sex_pyramid(shuffled, "t", YEAR, COMPARISON, scale=cp.SCALE_COUNT)
    male = next(t for t in figure.data if t.name == "Male, 2024/25")
    assert list(male.y) == ["Under 15", "15-17", "18-24"] and list(male.x) == [-20, -30, -40]


# ------------------------------------------------------------------ issue 9: shares among the recorded, single age
from analysis.views.people import hide  # noqa: E402


def among_frame():
    """Settled 60 / Temporary 30 / No fixed abode 10 of 100 recorded (120 people, so 50%, 25%, 8.3% of all);
    last year No fixed abode 3 (hidden)."""
    frame = compared({"accommodation_status": ["Settled", "Temporary", "No fixed abode"]}, [60, 30, 10],
                     [50, 40, 3], 100, 93)
    for prefix, values in (("", [50.0, 25.0, 10 / 120 * 100]), ("previous_", [45.0, 36.0, np.nan])):
        for part in ("value", "lower", "upper"):
            frame[f"{prefix}all_{part}"] = values
    return frame


def completeness_frame(hidden_previous: bool = False):
    frame = compared({"field": ["accommodation_status"]}, [100], [93], 120, 110)
    return hide(frame, [hidden_previous], "previous_")


def test_recorded_share_bars_draw_share_of_all_beside_share_of_recorded():
    frame = among_frame()
    figure = cp.recorded_share_bars(frame, "accommodation_status", "t", YEAR, COMPARISON)
    traces = {t.name: t for t in figure.data}
    assert set(traces) == {f"{cp.SHARE_OF_ALL}, {YEAR}", f"{cp.SHARE_OF_ALL}, {COMPARISON}",
                           f"{cp.SHARE_OF_RECORDED}, {YEAR}", f"{cp.SHARE_OF_RECORDED}, {COMPARISON}"}
    assert list(traces[f"{cp.SHARE_OF_RECORDED}, {YEAR}"].x) == pytest.approx([60.0, 30.0, 10.0])
    assert list(traces[f"{cp.SHARE_OF_ALL}, {YEAR}"].x) == pytest.approx([50.0, 25.0, 10 / 120 * 100])
    assert traces[f"{cp.SHARE_OF_RECORDED}, {YEAR}"].marker.color == cp.SHARE_COLOURS[cp.SHARE_OF_RECORDED]
    assert list(traces[f"{cp.SHARE_OF_RECORDED}, {COMPARISON}"].text) == ["", "*", "*"]
    assert cp.recorded_share_bars(frame.iloc[0:0], "accommodation_status", "t", YEAR, COMPARISON) is None


def test_recorded_share_table_adds_the_completeness_row_and_stars_hidden_cells():
    table = cp.recorded_share_table(among_frame(), completeness_frame(hidden_previous=True), "accommodation_status",
                                    "Accommodation status", YEAR, COMPARISON)
    nfa = table.set_index("Accommodation status").loc["No fixed abode"]
    assert nfa["People 2024/25"] == "10" and nfa["% of recorded 2024/25"] == "10.0"
    assert nfa["% of all 2024/25"] == "8.3" and nfa["Of people recorded 2024/25"] == "100"
    assert nfa["People 2023/24"] == SUPPRESSED and nfa["% of recorded 2023/24"] == SUPPRESSED
    last = table.iloc[-1]
    assert last["Accommodation status"] == "All recorded (completeness)"
    assert (last["People 2024/25"], last["% of all 2024/25"]) == ("100", "83.3")
    assert (last["People 2023/24"], last["% of all 2023/24"]) == (SUPPRESSED, SUPPRESSED)


def test_single_age_bars_label_ages_with_their_band_and_star_hidden_counts():
    current = yoy.measure(pd.DataFrame({"sex": ["Male"] * 3, "age": [15, 16, 17], "age_band": ["15-17"] * 3,
                                        "count": [12, 3, 9]}), yoy.COUNT)
    before = yoy.measure(pd.DataFrame({"sex": ["Male"] * 3, "age": [15, 16, 17], "age_band": ["15-17"] * 3,
                                       "count": [10, 11, 7]}), yoy.COUNT)
    frame = board.suppress_comparison(in_order(yoy.year_on_year(current, before), {"age": [15, 16, 17]}),
                                      ["sex", "age_band"])
    figure = cp.single_age_bars(frame, "t", YEAR, COMPARISON)
    bars = next(t for t in figure.data if t.name == f"Male, {YEAR}")
    assert list(bars.y) == ["15 (15-17)", "16 (15-17)", "17 (15-17)"]
    assert list(bars.text) == ["", "*", "*"]  # 3 hidden, and 9 with it so it can't be worked out from the band
    table = cp.count_comparison_table(frame, [("sex", "Sex"), ("age", "Age")], YEAR, COMPARISON)
    assert list(table["People 2024/25"]) == ["12", SUPPRESSED, SUPPRESSED]
    assert list(table["People 2023/24"]) == ["10", "11", "7"]
    assert cp.single_age_bars(frame.iloc[0:0], "t", YEAR, COMPARISON) is None
