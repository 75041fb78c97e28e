"""Where each area's name is written on a map, and the MapLibre style that writes it (no font server).

Positions are worked out here, in the map's pixels at the zoom the map opens at: MapLibre's own
collision handling would hide a name that touches another, and a board needs every name. Distances
between places in pixels depend only on the zoom (web-mercator, 512 px tiles), not on how wide the
chart is drawn, so a layout free of overlaps holds at any chart width. Each name starts at the area's
pole of inaccessibility (the point inside it farthest from its edge: inside even a crescent-shaped
area, and visually central); a name that would touch one already placed is broken over two lines,
then moved a line's height up or down or to either side, whichever touches nothing and keeps most
of it inside its own area. Smaller areas are placed first, since they have least room.

The style is plotly's blank "white-bg" (a white background) plus a GeoJSON source of the name points
and a symbol layer drawing them in DejaVu Sans Bold, dark with a white halo so a name reads on every
fill, its glyphs carried in the style itself (``analysis.glyphs``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import box, shape
from shapely.ops import polylabel

from analysis import glyphs, palette

#: Text size of the names, in pixels (the chart's own text is 13 px; names are bold, so they stand
#: out from the fills without being larger than the title).
NAME_SIZE_PX = 14
#: Line height (MapLibre's ``text-line-height``, in ems) and the white halo round each letter, in pixels.
LINE_HEIGHT_EMS, HALO_PX = 1.2, 2.0
#: Space kept clear between two names, in pixels.
GAP_PX = 4.0
#: MapLibre tile size: the world is 512 x 2**zoom pixels wide.
TILE_PX = 512
#: Ids of the style's name source and layer: choropleth traces are drawn ``below`` the layer.
SOURCE_ID = LAYER_ID = "area-names"
#: A name is never wrapped again by MapLibre (it wraps at this many ems): the layout chose its lines.
NO_WRAP_EMS = 100
#: Precision of the pole of inaccessibility, in degrees (about 10 m).
POLE_TOLERANCE_DEGREES = 1e-4


@dataclass(frozen=True)
class Label:
    """One name as written: its text (lines joined by a newline), the point of its centre (lon, lat),
    and its box (left, top, right, bottom) in web-mercator pixels at the zoom it was laid out for."""

    code: str
    text: str
    lon: float
    lat: float
    box: tuple[float, float, float, float]


def world_px(lon: float, lat: float, zoom: float) -> tuple[float, float]:
    """Web-mercator pixel position (x east, y south) of a point at ``zoom``."""
    size = TILE_PX * 2 ** zoom
    y = math.log(math.tan(math.pi / 4 + math.radians(max(min(lat, 85.0), -85.0)) / 2))
    return size * (lon + 180.0) / 360.0, size * (1 - y / math.pi) / 2


def lon_lat(x: float, y: float, zoom: float) -> tuple[float, float]:
    """The point at web-mercator pixel position (x, y) at ``zoom`` (the inverse of ``world_px``)."""
    size = TILE_PX * 2 ** zoom
    return x / size * 360.0 - 180.0, math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / size))))


def line_options(name: str) -> list[str]:
    """The ways a name can be written: on one line, then broken at the space that best balances two lines."""
    words = name.split(" ")
    options = [name]
    if len(words) > 1:
        splits = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
        first, second = min(splits, key=lambda s: max(glyphs.text_width(s[0], NAME_SIZE_PX),
                                                     glyphs.text_width(s[1], NAME_SIZE_PX)))
        options.append(f"{first}\n{second}")
    return options


def text_box(text: str) -> tuple[float, float]:
    """Width and height in pixels of a name as MapLibre writes it (halo included)."""
    lines = text.split("\n")
    width = max(glyphs.text_width(line, NAME_SIZE_PX) for line in lines)
    return width + 2 * HALO_PX, len(lines) * LINE_HEIGHT_EMS * NAME_SIZE_PX + 2 * HALO_PX


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0]) + GAP_PX
    height = min(a[3], b[3]) - max(a[1], b[1]) + GAP_PX
    return max(width, 0.0) * max(height, 0.0)


def unwritable(names: Iterable[str]) -> list[str]:
    """The names the map font cannot draw (a character outside ``analysis.glyphs``' set): left off the map."""
    return sorted({str(n) for n in names if glyphs.missing(str(n))})


def layout(geojson: Mapping[str, Any], names: Mapping[str, str], zoom: float, code_property: str) -> list[Label]:
    """Where each named area's name goes at ``zoom``: every area of ``geojson`` whose code is in
    ``names`` (code -> name) and whose name the map font can draw (``glyphs.missing``)."""
    areas = []
    for feature in geojson["features"]:
        code = feature["properties"].get(code_property)
        name = names.get(code)
        if name is None or not str(name).strip() or glyphs.missing(str(name)):
            continue
        geometry = shapely.make_valid(shape(feature["geometry"]))
        if geometry.is_empty:
            continue
        largest = max(getattr(geometry, "geoms", [geometry]), key=lambda g: g.area)
        if largest.geom_type != "Polygon":
            largest = largest.convex_hull
        pole = polylabel(largest, POLE_TOLERANCE_DEGREES) if largest.geom_type == "Polygon" else largest.centroid
        outline = shapely.transform(geometry, lambda xy: _to_px(xy, zoom))
        areas.append((geometry.area, str(code), " ".join(str(name).split()), world_px(pole.x, pole.y, zoom), outline))
    placed: list[Label] = []
    for _, code, name, (x, y), outline in sorted(areas, key=lambda a: (a[0], a[1])):
        best: tuple[tuple[float, float, float], str, tuple[float, float, float, float]] | None = None
        for text in line_options(name):
            width, height = text_box(text)
            for dx, dy in ((0, 0), (0, -height), (0, height), (-width / 2, 0), (width / 2, 0)):
                left, top = x + dx - width / 2, y + dy - height / 2
                candidate = (left, top, left + width, top + height)
                clash = sum(_overlap(candidate, p.box) for p in placed)
                inside = outline.intersection(box(*candidate)).area / (width * height) if outline.area else 0.0
                score = (clash, round(1 - inside, 1), abs(dx) + abs(dy))
                if best is None or score < best[0]:
                    best = (score, text, candidate)
        assert best is not None
        _, text, (left, top, right, bottom) = best
        lon, lat = lon_lat((left + right) / 2, (top + bottom) / 2, zoom)
        placed.append(Label(code, text, lon, lat, (left, top, right, bottom)))
    return sorted(placed, key=lambda label: label.code)


def _to_px(xy: np.ndarray, zoom: float) -> np.ndarray:
    size = TILE_PX * 2 ** zoom
    lon, lat = xy[:, 0], np.clip(xy[:, 1], -85.0, 85.0)
    y = np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))
    return np.column_stack([size * (lon + 180.0) / 360.0, size * (1 - y / np.pi) / 2])


def names_style(labels: list[Label]) -> dict[str, Any]:
    """A MapLibre style: a white background and the names of ``labels``, with the glyphs they use inside it."""
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [label.lon, label.lat]},
                 "properties": {"name": label.text}} for label in labels]
    return {
        "version": 8, "id": "white-bg-names", "name": "White background with area names",
        "glyphs": glyphs.glyphs_url(label.text for label in labels),
        "sources": {SOURCE_ID: {"type": "geojson", "data": {"type": "FeatureCollection", "features": features}}},
        "layers": [
            {"id": "white-bg", "type": "background", "paint": {"background-color": palette.BACKGROUND}},
            {"id": LAYER_ID, "type": "symbol", "source": SOURCE_ID,
             "layout": {"text-field": ["get", "name"], "text-font": [glyphs.FONT_STACK], "text-size": NAME_SIZE_PX,
                        "text-line-height": LINE_HEIGHT_EMS, "text-max-width": NO_WRAP_EMS,
                        "text-anchor": "center", "text-justify": "center",
                        # every name is drawn: the layout keeps them apart at the opening zoom
                        "text-allow-overlap": True, "text-ignore-placement": True},
             "paint": {"text-color": palette.TEXT, "text-halo-color": palette.BACKGROUND,
                       "text-halo-width": HALO_PX}},
        ],
    }
