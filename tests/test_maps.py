"""Map and funnel builders: boundaries as plotly wants them, suppressed areas grey with *, outliers marked."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from analysis import board, maps, stats, yoy
from analysis.dataset import DEMO_BOUNDARIES, DEMO_WARDS
from analysis.suppression import SUPPRESSED

CODES = ["E07000177", "E07000178", "E07000179", "E07000180", "E07000181"]
NAMES = ["Cherwell", "Oxford", "South Oxfordshire", "Vale of White Horse", "West Oxfordshire"]


def district_frame(counts, previous, population=100_000.0) -> pd.DataFrame:
    """A suppressed year-on-year district frame built by hand through yoy and board."""
    def one(values):
        frame = pd.DataFrame({"district_code": CODES, "district": NAMES, "count": values,
                              "denominator": population})
        return yoy.measure(frame, yoy.RATE)
    out = board.suppress_comparison(yoy.year_on_year(one(counts), one(previous)))
    out["compared_with_partnership"] = stats.NOT_SIGNIFICANTLY_DIFFERENT
    out["outside_998"] = stats.NOT_SIGNIFICANTLY_DIFFERENT
    return out


def signed_area(ring) -> float:
    """Shoelace formula: positive for an anticlockwise ring (x = longitude, y = latitude)."""
    x, y = np.asarray(ring).T
    return 0.5 * float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))


def test_boundaries_are_simplified_clockwise_and_keep_their_properties():
    geojson = maps.load_boundaries(DEMO_BOUNDARIES)
    raw = json.loads(DEMO_BOUNDARIES.read_text())
    assert geojson["type"] == "FeatureCollection"
    assert sorted(f["properties"]["district_code"] for f in geojson["features"]) == CODES
    points = lambda g: sum(len(r) for f in g["features"] for r in f["geometry"]["coordinates"])  # noqa: E731
    assert points(geojson) < points(raw)
    for feature in geojson["features"]:
        # d3-geo (plotly's geo maps) needs exterior rings clockwise, i.e. a negative shoelace area.
        assert signed_area(feature["geometry"]["coordinates"][0]) < 0
    assert maps.load_boundaries(DEMO_BOUNDARIES) is geojson  # read once


def test_boundary_names():
    wards = maps.load_boundaries(DEMO_WARDS)
    names = maps.boundary_names(wards, "ward_code", "ward_name")
    assert len(names) == 137
    assert names["E05006517"] == "Adderbury"
    assert maps.boundary_names(maps.load_boundaries(DEMO_BOUNDARIES), "district_code", "district_name") == dict(
        zip(CODES, NAMES, strict=True))


def areas(figure) -> list:
    """The map's coloured areas (not the layer of district names written on them)."""
    return [t for t in figure.data if t.type == "choroplethmap"]


def test_rate_map_colours_each_district_by_its_rate():
    frame = district_frame([100, 200, 50, 80, 40], [90, 210, 45, 60, 42])
    figure = maps.district_map(frame, maps.load_boundaries(DEMO_BOUNDARIES), title="t", year_label="2024/25",
                               comparison_label="2023/24")
    (trace,) = areas(figure)
    assert list(trace.locations) == CODES
    # rate = count / 100,000 x 1,000
    assert list(trace.z) == pytest.approx([1.0, 2.0, 0.5, 0.8, 0.4])
    assert "People in 2024/25: 200" in trace.hovertext[1]
    assert "Rate in 2023/24: 2.1 per 1,000" in trace.hovertext[1]
    # drawn offline on a blank white style (plus the district names: tests/test_projector.py), centred
    # and zoomed on Oxfordshire
    background = figure.layout.map.style["layers"][0]
    assert background["type"] == "background" and background["paint"]["background-color"] == "#ffffff"
    assert -1.7 < figure.layout.map.center.lon < -0.9 and 51.4 < figure.layout.map.center.lat < 52.2
    assert 7 < figure.layout.map.zoom < 11


def test_change_map_uses_a_diverging_scale_centred_on_zero():
    frame = district_frame([100, 200, 50, 80, 40], [90, 210, 45, 60, 42])
    figure = maps.district_map(frame, maps.load_boundaries(DEMO_BOUNDARIES), view=maps.CHANGE_VIEW)
    (trace,) = areas(figure)
    assert trace.zmid == 0
    assert list(trace.z) == pytest.approx([0.1, -0.1, 0.05, 0.2, -0.02])


def test_suppressed_districts_are_grey_and_show_no_small_count():
    frame = district_frame([3, 200, 50, 80, 40], [90, 210, 45, 60, 2])
    figure = maps.district_map(frame, maps.load_boundaries(DEMO_BOUNDARIES), view=maps.RATE_VIEW,
                               year_label="2024/25", comparison_label="2023/24")
    grey = next(t for t in figure.data if t.showscale is False)
    assert grey.colorscale[0][1] == grey.colorscale[-1][1] == maps.MISSING_COLOUR
    hidden = set(frame.loc[frame["suppressed"], "district_code"])
    assert "E07000177" in hidden and set(grey.locations) == hidden
    hover = " ".join(t for trace in areas(figure) for t in trace.hovertext)
    assert not re.search(r"People[^:]*: [1-4](<|$)", hover)
    assert f"People in 2024/25: {SUPPRESSED}" in grey.hovertext[0]


def test_selected_district_is_outlined_and_empty_or_unknown_input_gives_none():
    frame = district_frame([100, 200, 50, 80, 40], [90, 210, 45, 60, 42])
    figure = maps.district_map(frame, maps.load_boundaries(DEMO_BOUNDARIES), selected="E07000178")
    widths = list(figure.data[0].marker.line.width)
    assert widths[1] == maps.SELECTED_OUTLINE_WIDTH and widths[0] == maps.OUTLINE_WIDTH
    assert maps.district_map(frame.iloc[0:0], maps.load_boundaries(DEMO_BOUNDARIES)) is None
    with pytest.raises(ValueError, match="view must be"):
        maps.district_map(frame, maps.load_boundaries(DEMO_BOUNDARIES), view="colour")


def ward_frame(counts, previous):
    def one(values):
        frame = pd.DataFrame({"area": ["E05006517", "E05006518", "E05006519"], "count": values})
        frame["denominator"] = float(sum(values))
        return yoy.measure(frame, yoy.PROPORTION)
    out = board.suppress_comparison(yoy.year_on_year(one(counts), one(previous)))
    out["name"] = ["Adderbury", "Ambrosden", "Banbury"]
    return out


def test_ward_map_shows_counts_and_greys_hidden_wards():
    figure = maps.area_count_map(ward_frame([10, 20, 30], [10, 20, 30]), maps.load_boundaries(DEMO_WARDS),
                                 code_property="ward_code", year_label="2024/25")
    (trace,) = figure.data
    assert list(trace.z) == [10, 20, 30] and trace.zmin == 0
    assert "Share of people in treatment: 16.7%" in trace.hovertext[0]  # 10 / 60
    small = maps.area_count_map(ward_frame([2, 20, 30], [10, 20, 30]), maps.load_boundaries(DEMO_WARDS),
                                code_property="ward_code", year_label="2024/25")
    grey = next(t for t in small.data if t.showscale is False)
    # 2 is hidden, and one more ward with it so the total of 52 does not give it away.
    assert len(grey.locations) == 2
    assert all(SUPPRESSED in h for h in grey.hovertext)
    assert maps.area_count_map(ward_frame([10, 20, 30], [1, 2, 3]).iloc[0:0], maps.load_boundaries(DEMO_WARDS),
                               code_property="ward_code") is None


def test_each_map_trace_carries_only_the_boundaries_of_the_areas_it_draws():
    """Issue 12 (browser): a map of grey (hidden) and coloured areas sent every boundary in both traces (the
    demo's ward map: 447 KB). Each trace now holds exactly the features of its own locations, in the file's
    order, so the same areas are drawn with the same outlines from half the JSON."""
    wards = maps.load_boundaries(DEMO_WARDS)
    small = maps.area_count_map(ward_frame([2, 20, 30], [10, 20, 30]), wards, code_property="ward_code",
                                year_label="2024/25")
    districts = maps.district_map(district_frame([3, 200, 50, 80, 40], [90, 210, 45, 60, 2]),
                                  maps.load_boundaries(DEMO_BOUNDARIES), year_label="2024/25",
                                  comparison_label="2023/24")
    for figure, geojson, key in [(small, wards, "ward_code"), (districts, maps.load_boundaries(DEMO_BOUNDARIES),
                                                                "district_code")]:
        assert len(figure.data) == 2  # grey and coloured
        drawn = []
        for trace in figure.data:
            codes = [f["properties"][key] for f in trace.geojson["features"]]
            assert sorted(codes) == sorted(trace.locations)  # its own areas, and only those
            order = [f["properties"][key] for f in geojson["features"] if f["properties"][key] in set(codes)]
            assert codes == order
            # each feature exactly as loaded (same outline)
            by_code = {f["properties"][key]: f for f in geojson["features"]}
            assert all(f == by_code[f["properties"][key]] for f in trace.geojson["features"])
            drawn += codes
        assert len(drawn) == len(set(drawn))  # no boundary sent twice
    assert len(json.dumps(small.data[0].geojson)) < len(json.dumps(wards)) / 10


def test_funnel_marks_outliers_and_leaves_out_hidden_districts():
    frame = district_frame([3, 200, 50, 80, 40], [90, 210, 45, 60, 42])
    frame["compared_with_partnership"] = [None, stats.SIGNIFICANTLY_HIGHER, stats.SIGNIFICANTLY_LOWER,
                                          stats.NOT_SIGNIFICANTLY_DIFFERENT, stats.SIGNIFICANTLY_LOWER]
    frame["outside_998"] = [None, stats.SIGNIFICANTLY_HIGHER, stats.NOT_SIGNIFICANTLY_DIFFERENT,
                            stats.NOT_SIGNIFICANTLY_DIFFERENT, stats.NOT_SIGNIFICANTLY_DIFFERENT]
    populations = np.geomspace(50_000, 150_000, 20)
    limits = stats.funnel_limits_rate(0.9, populations)
    limits.insert(0, "population", populations)
    figure = maps.funnel_plot(frame, limits, 0.9, title="f", year_label="2024/25")
    markers = {t.name: t for t in figure.data if t.mode == "markers"}
    plotted = [a.text for a in figure.layout.annotations if a.name == "district name"]
    hidden = frame.loc[frame["value"].isna(), "district"].tolist()
    assert hidden and not set(hidden) & set(plotted)
    higher = markers[stats.SIGNIFICANTLY_HIGHER]
    assert list(higher.y) == [frame.loc[frame["district"] == "Oxford", "value"].iloc[0]]
    assert higher.marker.symbol == "triangle-up"
    assert list(higher.marker.size) == [16]  # beyond the 99.8% limit: larger marker
    assert markers[stats.SIGNIFICANTLY_LOWER].marker.symbol == "triangle-down"
    assert sum(1 for t in figure.data if t.name == "95% limits") == 2
    assert maps.funnel_plot(frame, limits.iloc[0:0], 0.9) is None
    assert maps.funnel_plot(frame.iloc[0:0], limits, 0.9) is None
    assert maps.funnel_plot(frame, limits, float("nan")) is None


def test_boundary_codes_match_and_cover():
    oxfordshire = {"E07000177", "E07000178", "E07000179", "E07000180", "E07000181"}
    assert maps.boundary_codes(DEMO_BOUNDARIES) == oxfordshire
    assert maps.matches_any(DEMO_BOUNDARIES, ["E07000178", "E09000001"])
    assert not maps.matches_any(DEMO_BOUNDARIES, ["E09000001"])
    assert maps.covers(DEMO_BOUNDARIES, ["E07000178", "E07000181"])
    assert not maps.covers(DEMO_BOUNDARIES, ["E07000178", "E09000001"]) and not maps.covers(DEMO_BOUNDARIES, [])
    assert maps.district_map(pd.DataFrame({"district_code": ["E07000178"]}), maps.NO_BOUNDARIES) is None
