"""Readable on a projector (issue 10 item 4): what each chart and sentence says, on hand-built frames.

The browser side (what is cut off at 1280x720) is tests/test_e2e_projector.py; these tests pin the
figures and words behind it: intervals on tiles and trends, what ``*`` means written on the chart,
the other / not stated sex group left out of by-sex charts (and said so), discharge reasons under
their exit group, the legend clear of the panel titles, and sentences that never contradict
themselves after rounding.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import board, charts, charts_activity, charts_profiles, summaries
from analysis.periods import FinancialYear
from analysis.suppression import SUPPRESSED
from analysis.yoy import COUNT, PROPORTION, RATE, measure, with_intervals, year_on_year

FY, COMPARISON = FinancialYear(2024), FinancialYear(2023)
YEAR, BEFORE = FY.label, COMPARISON.label


def compared(keys: dict[str, list], counts: list[int], previous: list[int], denominator, previous_denominator,
             group_cols=(), kind=PROPORTION) -> pd.DataFrame:
    now = measure(pd.DataFrame({**keys, "count": counts, "denominator": denominator}), kind)
    before = measure(pd.DataFrame({**keys, "count": previous, "denominator": previous_denominator}), kind)
    return board.suppress_comparison(year_on_year(now, before), list(group_cols))


def notes(figure) -> list[str]:
    return [a.text for a in figure.layout.annotations if a.name == "note"]


# ------------------------------------------------------------------ * explained on the chart
def test_a_chart_showing_a_star_says_what_it_means_on_the_chart():
    frame = compared({"substance": ["Alcohol", "Cannabis"]}, [40, 3], [35, 20], 100, 100)
    figure = charts.comparison_bars(frame, "substance", "Substances", YEAR, BEFORE)
    assert SUPPRESSED in figure.data[1].text  # Cannabis 2024/25: 3 people
    assert notes(figure) == [charts.SUPPRESSED_NOTE]
    assert "fewer than 5 people" in charts.SUPPRESSED_NOTE
    # the note sits under the plot area, and room is made for it below the axis
    note = next(a for a in figure.layout.annotations if a.name == "note")
    assert note.yref == "paper" and note.y == 0 and note.yshift < 0
    assert figure.layout.margin.b >= charts.NOTE_OFFSET


def test_a_chart_with_no_star_has_no_note():
    frame = compared({"substance": ["Alcohol", "Cannabis"]}, [40, 30], [35, 20], 100, 100)
    assert notes(charts.comparison_bars(frame, "substance", "Substances", YEAR, BEFORE)) == []


def test_a_heat_map_with_hidden_cells_says_what_star_means():
    frame = compared({"age_band": ["18-24", "18-24", "25-34", "25-34"], "substance": ["Alcohol", "Opiates"] * 2},
                     [30, 2, 40, 25], [30, 20, 40, 25], [60, 60, 70, 70], [60, 60, 70, 70], ["age_band"])
    figure = charts_profiles.share_heatmap(frame, "age_band", "substance", "t")
    assert charts.SUPPRESSED_NOTE in notes(figure)


# ------------------------------------------------------------------ trends show each year's interval
def trend(counts: list[int], kind: str = COUNT) -> pd.DataFrame:
    years = [f"{2019 + i}/{20 + i}" for i in range(len(counts))]
    frame = measure(pd.DataFrame({"year": years, "count": counts, "denominator": [1000] * len(counts)}), kind)
    return board.suppress_measure(with_intervals(frame), group_cols=["year"])


def test_a_count_trend_has_each_years_95_percent_interval():
    frame = trend([120, 100, 130])
    figure = charts.trend_line(frame, "People in treatment")
    line = figure.data[0]
    bars = line.error_y
    assert bars.array is not None and bars.arrayminus is not None
    # hand check: 100 people, Byar 95% interval 81.4 to 121.6 (PHE's calculator)
    assert line.y[1] + bars.array[1] == pytest.approx(frame["upper"].iloc[1])
    assert line.y[1] - bars.arrayminus[1] == pytest.approx(frame["lower"].iloc[1])
    assert frame["lower"].iloc[1] == pytest.approx(81.4, abs=0.1) and frame["upper"].iloc[1] == pytest.approx(121.6, abs=0.1)
    assert any("95% interval" in (t.name or "") for t in figure.data)


def test_a_proportion_trend_has_each_years_interval_and_a_hidden_year_shows_star():
    frame = trend([120, 3, 130], kind=PROPORTION)
    figure = charts.trend_line(frame, "Share")
    assert figure.data[0].error_y.array[0] > 0
    stars = [t for t in figure.data if t.mode == "text"]
    assert len(stars) == 1 and list(stars[0].text) == [SUPPRESSED] and list(stars[0].x) == ["2020/21"]
    assert notes(figure) == [charts.SUPPRESSED_NOTE]


# ------------------------------------------------------------------ other / not stated sex not drawn
def by_sex() -> pd.DataFrame:
    sexes = ["Male", "Male", "Female", "Female", "Other / not stated", "Other / not stated"]
    return compared({"sex": sexes, "substance": ["Alcohol", "Opiates"] * 3}, [60, 40, 50, 30, 6, 5],
                    [55, 42, 48, 33, 5, 6], [100, 100, 80, 80, 9, 9], [100, 100, 80, 80, 9, 9], ["sex"])


def test_by_sex_bars_leave_other_sex_out_and_say_so():
    figure = charts_profiles.grouped_comparison_bars(by_sex(), "substance", "sex", "By sex", YEAR, BEFORE,
                                                     groups=["Male", "Female", "Other / not stated"])
    assert {t.name.split(",")[0] for t in figure.data} == {"Male", "Female"}
    assert notes(figure) == [charts.left_out_note(["Other / not stated"])]
    assert "in the table" in notes(figure)[0]


def test_faceted_bars_leave_other_sex_out_say_so_and_keep_the_legend_clear_of_panel_titles():
    frame = by_sex().rename(columns={"substance": "intervention"})
    figure = charts_activity.faceted_comparison_bars(frame, "intervention", "sex", "Interventions", YEAR, BEFORE)
    panel_titles = [a.text for a in figure.layout.annotations if a.name != "note"]
    assert panel_titles == ["Male", "Female"]
    assert notes(figure) == [charts.left_out_note(["Other / not stated"])]
    # the legend sat above the panels (y=1, right) over the last panel's title: now it is under the chart
    assert figure.layout.legend.yref == "container" and figure.layout.legend.y == 0
    assert figure.layout.legend.yanchor == "bottom"


# ------------------------------------------------------------------ discharge reasons under their exit group
def test_discharge_reasons_are_drawn_under_their_exit_group():
    frame = compared({"exit_group": ["Planned", "Planned", "Unplanned"],
                      "discharge_reason": ["Completed Drug Free", "Completed Alcohol Free", "Dropped Out"]},
                     [30, 20, 25], [28, 22, 24], 100, 100, ["exit_group"])
    figure = charts.comparison_bars(frame, "discharge_reason", "Reasons", YEAR, BEFORE, group="exit_group")
    groups, reasons = figure.data[1].y
    assert list(groups) == ["Planned", "Planned", "Unplanned"]
    assert list(reasons) == ["Completed Drug Free", "Completed Alcohol Free", "Dropped Out"]


@pytest.mark.parametrize(("recorded", "shown"), [
    ("dropped out", "Dropped Out"), ("transferred not in custody", "Transferred Not in Custody"),
    ("onward referral refused", "Onward Referral Refused"), ("in custody", "In Custody"),
])
def test_title_case(recorded, shown):
    assert summaries.title_case(recorded) == shown


# ------------------------------------------------------------------ sentences never contradict themselves
def row(now: float, before: float, significant: bool = False) -> pd.Series:
    return pd.Series({"value": now, "previous_value": before, "significant": significant})


def test_a_fall_that_rounds_to_the_same_percent_is_given_to_one_decimal_place():
    sentence = summaries.change_sentence("Injecting", row(8.6, 9.4), PROPORTION, FY, COMPARISON)
    assert sentence == "Injecting: 8.6% in 2024/25, down from 9.4% in 2023/24 (not a significant change)."


def test_a_change_too_small_to_show_to_one_decimal_place_is_about_the_same():
    sentence = summaries.change_sentence("Injecting", row(9.02, 9.04), PROPORTION, FY, COMPARISON)
    assert sentence == "Injecting: 9% in 2024/25, about the same as in 2023/24 (not a significant change)."


def test_a_change_that_rounds_apart_keeps_whole_percents():
    sentence = summaries.change_sentence("Injecting", row(12.2, 9.4, True), PROPORTION, FY, COMPARISON)
    assert sentence == "Injecting: 12% in 2024/25, up from 9% in 2023/24 (a significant change)."


def test_rates_get_a_second_decimal_place_only_when_needed():
    assert summaries.distinct_values(5.71, 5.74, RATE) == ("5.71 per 1,000", "5.74 per 1,000")
    assert summaries.distinct_values(5.71, 5.44, RATE) == ("5.7 per 1,000", "5.4 per 1,000")


# ------------------------------------------------------------------ headline tiles
def tile(kind: str, counts, denominators, per: float = 100) -> pd.Series:
    now = measure(pd.DataFrame({"count": [counts[0]], "denominator": [denominators[0]]}), kind, per=per)
    before = measure(pd.DataFrame({"count": [counts[1]], "denominator": [denominators[1]]}), kind, per=per)
    return board.suppress_comparison(year_on_year(now, before)).iloc[0]


def test_a_proportion_tile_gives_its_interval_and_its_change_in_points_only():
    words = summaries.headline_text(tile(PROPORTION, (53, 56), (100, 100)), PROPORTION, BEFORE)
    assert words["value"] == "53%"
    assert words["delta"] == "-3.0 pts"  # not "-3.0 pts (-5.4%)"
    # Wilson 95% interval of 53/100: 43.3% to 62.5% (hand computed)
    assert words["interval"] == "95% CI 43% to 62%"
    assert words["comparison"] == "2023/24: 56% · not significant"


def test_a_rate_tile_gives_its_interval():
    words = summaries.headline_text(tile(RATE, (100, 80), (20_000, 20_000), per=1000), RATE, BEFORE)
    assert words["value"] == "5.0 per 1,000"
    # Byar 95% interval of 100 people: 81.4 to 121.6, per 20,000 x 1,000
    assert words["interval"] == "95% CI 4.1 to 6.1 per 1,000"
    assert words["delta"] == "+1.0 per 1,000 (+25.0%)"


def test_a_count_tile_gives_no_interval_and_its_change():
    words = summaries.headline_text(tile(COUNT, (138 + 2890, 2890), (None, None)), COUNT, BEFORE)
    assert words["interval"] is None
    assert words["delta"] == "+138 (+4.8%)"
    assert words["comparison"] == "2023/24: 2,890 · not significant"


def test_a_hidden_tile_says_why():
    words = summaries.headline_text(tile(COUNT, (3, 40), (None, None)), COUNT, BEFORE)
    assert words["value"] == SUPPRESSED and words["delta"] is None
    assert "fewer than 5 people" in words["comparison"]
    words = summaries.headline_text(tile(COUNT, (40, 3), (None, None)), COUNT, BEFORE)
    assert words["value"] == "40" and words["delta"] is None
    assert words["comparison"].startswith("2023/24: not shown (fewer than 5 people)")


# ------------------------------------------------------------------ districts: names on the map, a readable funnel
def test_district_names_are_written_on_the_map_with_glyphs_the_map_carries():
    # MapLibre writes map text with glyphs from the style's glyphs address: plotly's own styles send it to
    # fonts.openmaptiles.org; the district map's style carries its glyphs itself (a data: address)
    import json

    import shapely

    from analysis import glyphs, map_labels, maps
    from analysis.dataset import DEMO_BOUNDARIES
    from tests.test_maps import CODES, NAMES, district_frame

    geojson = maps.load_boundaries(DEMO_BOUNDARIES)
    # West Oxfordshire's 3 people are hidden (grey): its name is written all the same
    figure = maps.district_map(district_frame([100, 200, 50, 80, 3], [90, 210, 45, 60, 42]), geojson)
    style = figure.layout.map.style
    assert isinstance(style, dict) and style["glyphs"].startswith("data:")
    layer = next(layer for layer in style["layers"] if layer["id"] == map_labels.LAYER_ID)
    assert layer["layout"]["text-font"] == [glyphs.FONT_STACK]
    points = style["sources"][map_labels.SOURCE_ID]["data"]["features"]
    written = {p["properties"]["name"].replace("\n", " "): p["geometry"]["coordinates"] for p in points}
    assert set(written) == set(NAMES)
    shapes = {f["properties"]["district_code"]: shapely.geometry.shape(f["geometry"]) for f in geojson["features"]}
    for code, name in zip(CODES, NAMES, strict=True):
        assert shapes[code].contains(shapely.geometry.Point(*written[name])), name
    # the areas (grey and coloured) are drawn under the names, so no fill covers a name
    assert {t.below for t in figure.data} == {map_labels.LAYER_ID}
    assert len(figure.data) == 2
    # nothing in the figure names another server
    assert "://" not in json.dumps(figure.to_plotly_json(), default=str)
    # the hover still names each district
    hover = " ".join(" ".join(t.hovertext) for t in figure.data if t.type == "choroplethmap")
    assert all(name in hover for name in NAMES)


def test_ward_map_writes_no_names():
    # 137 wards: their names would bury the map; they are in the hover and the table
    from analysis import maps
    from analysis.dataset import DEMO_WARDS
    from tests.test_maps import ward_frame

    figure = maps.area_count_map(ward_frame([10, 20, 30], [10, 20, 30]), maps.load_boundaries(DEMO_WARDS),
                                 code_property="ward_code")
    assert figure.layout.map.style == "white-bg"


def test_funnel_labels_sit_away_from_the_partnership_line_and_the_axis_starts_near_the_smallest_district():
    import numpy as np

    from analysis import maps, stats
    from tests.test_maps import district_frame

    frame = district_frame([100, 200, 50, 80, 40], [90, 210, 45, 60, 42])
    frame["compared_with_partnership"] = [stats.NOT_SIGNIFICANTLY_DIFFERENT, stats.SIGNIFICANTLY_HIGHER,
                                          stats.SIGNIFICANTLY_LOWER, stats.NOT_SIGNIFICANTLY_DIFFERENT,
                                          stats.SIGNIFICANTLY_LOWER]
    frame["outside_998"] = frame["compared_with_partnership"]
    populations = np.geomspace(40_000, 150_000, 20)
    limits = stats.funnel_limits_rate(0.9, populations)
    limits.insert(0, "population", populations)
    figure = maps.funnel_plot(frame, limits, 0.9, title="f", year_label="2024/25")
    labels = {a.text: a for a in figure.layout.annotations if a.name == "district name"}
    assert set(labels) == set(frame["district"])
    for _, row in frame.iterrows():
        label = labels[row["district"]]
        # plotly's ay is in pixels, positive downwards: above the line the label goes up, below it down
        assert label.ay == (-maps.FUNNEL_LABEL_OFFSET_PX if row["value"] >= 0.9 else maps.FUNNEL_LABEL_OFFSET_PX)
    smallest = float(frame["denominator"].min())
    low, high = figure.layout.xaxis.range
    assert smallest * 0.8 <= low < smallest and high > float(frame["denominator"].max())
    # the legend is under the chart, not over its title
    assert figure.layout.legend.yref == "container" and figure.layout.legend.y == 0


def test_a_map_with_grey_districts_says_what_grey_means_on_the_map():
    from analysis import maps
    from analysis.dataset import DEMO_BOUNDARIES
    from tests.test_maps import district_frame

    geojson = maps.load_boundaries(DEMO_BOUNDARIES)
    hidden = maps.district_map(district_frame([3, 200, 50, 80, 40], [90, 210, 45, 60, 2]), geojson)
    assert notes(hidden) == [maps.GREY_NOTE] and "fewer than 5 people" in maps.GREY_NOTE
    shown = maps.district_map(district_frame([100, 200, 50, 80, 40], [90, 210, 45, 60, 42]), geojson)
    assert notes(shown) == []
