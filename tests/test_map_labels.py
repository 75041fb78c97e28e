"""Names on the map: web-mercator arithmetic checked by hand, names broken where the lines balance,
the demo's five districts written apart and each on its own district, neighbours too close for their
names pushed apart, a name the font cannot draw left off, and a style that asks no server for anything."""

from __future__ import annotations

import itertools
import json

import pytest
import shapely
from shapely.geometry import Point, shape

from analysis import glyphs, map_labels, maps
from analysis.dataset import DEMO_BOUNDARIES
from tests.test_maps import CODES, NAMES

#: Web-mercator pixel positions worked by hand: at zoom 0 the world is 512 px square, (0, 0) its centre;
#: at zoom 1 it is 1,024 px, and 180 degrees east is its right edge.
PIXELS = [((0.0, 0.0, 0.0), (256.0, 256.0)), ((180.0, 0.0, 1.0), (1024.0, 512.0)),
          ((-90.0, 0.0, 2.0), (512.0, 1024.0))]


@pytest.mark.parametrize(("point", "expected"), PIXELS)
def test_web_mercator_pixels(point, expected):
    assert map_labels.world_px(*point) == pytest.approx(expected)
    lon, lat, zoom = point
    assert map_labels.lon_lat(*expected, zoom) == pytest.approx((lon, lat))


def test_latitude_round_trips():
    x, y = map_labels.world_px(-1.25, 51.75, 8.3)
    assert map_labels.lon_lat(x, y, 8.3) == pytest.approx((-1.25, 51.75))


def test_a_name_breaks_where_its_two_lines_are_most_even():
    # "Vale of" / "White Horse" (longer line 11 characters) beats "Vale" / "of White Horse" and "Vale of White" / "Horse"
    assert map_labels.line_options("Vale of White Horse") == ["Vale of White Horse", "Vale of\nWhite Horse"]
    assert map_labels.line_options("Oxford") == ["Oxford"]
    width, height = map_labels.text_box("South\nOxfordshire")
    assert width == glyphs.text_width("Oxfordshire", map_labels.NAME_SIZE_PX) + 2 * map_labels.HALO_PX
    assert height == pytest.approx(2 * 1.2 * 14 + 4)


def demo_layout() -> list[map_labels.Label]:
    geojson = maps.load_boundaries(DEMO_BOUNDARIES)
    return map_labels.layout(geojson, dict(zip(CODES, NAMES, strict=True)), maps._view_of(geojson)["zoom"],
                             "district_code")


def apart(a, b) -> bool:
    return (a[2] + map_labels.GAP_PX <= b[0] or b[2] + map_labels.GAP_PX <= a[0]
            or a[3] + map_labels.GAP_PX <= b[1] or b[3] + map_labels.GAP_PX <= a[1])


def test_the_demo_districts_names_are_apart_and_each_on_its_own_district():
    labels = demo_layout()
    assert [label.code for label in labels] == CODES
    assert {label.text.replace("\n", " ") for label in labels} == set(NAMES)
    for a, b in itertools.combinations(labels, 2):
        assert apart(a.box, b.box), (a.text, b.text)
    shapes = {f["properties"]["district_code"]: shape(f["geometry"])
              for f in maps.load_boundaries(DEMO_BOUNDARIES)["features"]}
    for label in labels:
        assert shapes[label.code].contains(Point(label.lon, label.lat)), label.text


def square(code: str, west: float) -> dict:
    ring = [[west, 51.0], [west + 0.02, 51.0], [west + 0.02, 51.02], [west, 51.02], [west, 51.0]]
    return {"type": "Feature", "properties": {"code": code}, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_neighbours_too_small_for_their_names_get_names_that_do_not_touch():
    # two squares 0.02 degrees wide side by side: at zoom 9 each is about 29 px wide, far narrower than
    # its name, so written at their centres the names would run into each other
    geojson = {"type": "FeatureCollection", "features": [square("A", -1.02), square("B", -1.0)]}
    names = {"A": "Abingdon-on-Thames", "B": "Berinsfield and Dorchester"}
    labels = map_labels.layout(geojson, names, 9.0, "code")
    assert len(labels) == 2
    centres = [map_labels.world_px(-1.01, 51.01, 9.0), map_labels.world_px(-0.99, 51.01, 9.0)]
    width = glyphs.text_width("Abingdon-on-Thames", map_labels.NAME_SIZE_PX)
    assert centres[1][0] - centres[0][0] < width  # the premise: at the centres they would overlap
    assert apart(labels[0].box, labels[1].box)


def test_a_name_the_font_cannot_draw_is_left_off_and_named():
    geojson = maps.load_boundaries(DEMO_BOUNDARIES)
    names = dict(zip(CODES, NAMES, strict=True)) | {CODES[0]: "Łódź"}
    labels = map_labels.layout(geojson, names, 8.0, "district_code")
    assert [label.code for label in labels] == CODES[1:]
    assert map_labels.unwritable(names.values()) == ["Łódź"]


def test_the_style_writes_the_names_with_glyphs_it_carries():
    labels = demo_layout()
    style = map_labels.names_style(labels)
    assert style["glyphs"] == glyphs.glyphs_url(label.text for label in labels)
    layer = next(layer for layer in style["layers"] if layer["id"] == map_labels.LAYER_ID)
    assert layer["type"] == "symbol" and layer["layout"]["text-font"] == [glyphs.FONT_STACK]
    assert layer["layout"]["text-allow-overlap"] is True  # MapLibre never hides a name: the layout keeps them apart
    points = style["sources"][map_labels.SOURCE_ID]["data"]["features"]
    assert [p["properties"]["name"] for p in points] == [label.text for label in labels]
    assert "://" not in json.dumps(style)  # no address of any server
    assert shapely.geometry.shape(points[0]["geometry"]).equals(Point(labels[0].lon, labels[0].lat))
