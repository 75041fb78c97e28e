"""Map and funnel-plot builders: boundaries loaded once, suppressed frames in, plotly figures out.

Maps use plotly's ``go.Choroplethmap`` (MapLibre) on a blank white style, centred and zoomed on
the areas drawn: no tile server, font or outline file is fetched, so the maps draw on a network
that blocks content-delivery sites (plotly's ``go.Choropleth`` fetches a world outline from
cdn.plot.ly even for custom boundaries, and draws nothing without it). District names are written on
the district map by a symbol layer whose glyphs travel inside the map's own style
(``analysis.map_labels``, ``analysis.glyphs``), not from a font server. Colour scales are ColorBrewer
sequential "Blues" for rates and counts and diverging "PuOr" for changes, both safe for the
common colour-vision deficiencies. Every builder takes frames that have been through
``analysis.board.suppress_comparison``: a suppressed area is drawn in neutral grey with ``*``
in its tooltip, and every builder returns ``None`` for an empty frame.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely

from analysis import map_labels, palette
from analysis.charts import CURRENT_COLOUR, MISSING_COLOUR
from analysis.stats import NOT_SIGNIFICANTLY_DIFFERENT, SIGNIFICANTLY_HIGHER, SIGNIFICANTLY_LOWER
from analysis.suppression import SUPPRESSED

#: Boundaries are simplified once on load to this tolerance (degrees, about 35-55 m in
#: Oxfordshire): invisible at district and ward scale, and it shrinks the files sent to the
#: browser by about two thirds.
SIMPLIFY_TOLERANCE_DEGREES = 0.0005
#: Coordinates are rounded to this grid (degrees, about 1 m) after simplifying.
COORDINATE_PRECISION_DEGREES = 1e-5
#: The two things the district map can show.
RATE_VIEW, CHANGE_VIEW = "Rate per 1,000", "Change since the comparison year"
#: ColorBrewer scales (colour-blind safe): sequential for rates/counts, diverging for changes.
SEQUENTIAL_SCALE, DIVERGING_SCALE = "Blues", "PuOr_r"
#: Outline of areas, and of the district selected in the sidebar.
OUTLINE_COLOUR, SELECTED_OUTLINE_WIDTH, OUTLINE_WIDTH = palette.OUTLINE, 4, 0.8
#: Funnel plot: marker per judgement (shape as well as colour, so it reads in greyscale).
FUNNEL_MARKERS = {
    SIGNIFICANTLY_HIGHER: ("triangle-up", palette.HIGHER),
    SIGNIFICANTLY_LOWER: ("triangle-down", palette.LOWER),
    NOT_SIGNIFICANTLY_DIFFERENT: ("circle", CURRENT_COLOUR),
}
MAP_HEIGHT, FUNNEL_HEIGHT = 520, 480
#: Funnel plot: labels sit this many pixels beyond their marker, on the side away from the
#: partnership line, so they clear the control limits; the population axis starts this share
#: below the smallest district (not at 0, which squeezed the districts to the right).
FUNNEL_LABEL_OFFSET_PX, FUNNEL_AXIS_MARGIN = 42, 0.12
#: Pixels under the funnel plot for its legend.
FUNNEL_LEGEND_PX = 40


@functools.lru_cache(maxsize=8)
def load_boundaries(path: str | Path, tolerance: float = SIMPLIFY_TOLERANCE_DEGREES) -> dict[str, Any]:
    """A boundary file (GeoJSON in WGS84) as a GeoJSON dict ready for plotly, read once per path.

    Method: read with geopandas (reprojected to EPSG:4326 if needed), simplify each geometry
    with topology preserved (Douglas-Peucker, ``tolerance`` degrees), wind exterior rings
    clockwise as d3-geo (which draws plotly's geo maps) expects -- a ring wound the other way
    fills the whole globe instead of the area -- and round coordinates to about a metre.
    Feature properties are kept. The returned dict is shared between callers: do not change it.
    """
    frame = gpd.read_file(path)
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    geometry = frame.geometry.make_valid()  # an invalid ring (crossing itself) would draw wrongly; repair it
    geometry = geometry.simplify(tolerance, preserve_topology=True).to_numpy()
    geometry = shapely.set_precision(shapely.orient_polygons(geometry, exterior_cw=True), COORDINATE_PRECISION_DEGREES)
    return frame.set_geometry(gpd.GeoSeries(geometry, index=frame.index, crs=frame.crs)).to_geo_dict(drop_id=True)


@functools.lru_cache(maxsize=16)
def _feature_codes(path: str, code_property: str) -> frozenset[str]:
    import json

    features = json.loads(Path(path).read_text("utf-8")).get("features", [])
    return frozenset(str(f.get("properties", {}).get(code_property)) for f in features)


def boundary_codes(path: str | Path, code_property: str = "district_code") -> frozenset[str]:
    """The area codes (``code_property`` of each feature) a GeoJSON boundary file holds, read once per path."""
    return _feature_codes(str(path), code_property)


def matches_any(path: str | Path, codes: object, code_property: str = "district_code") -> bool:
    """Whether the boundary file has a boundary for at least one of ``codes`` (a map can be drawn)."""
    return bool(boundary_codes(path, code_property) & {str(c) for c in codes})  # type: ignore[attr-defined]


def covers(path: str | Path, codes: object, code_property: str = "district_code") -> bool:
    """Whether the boundary file has a boundary for every one of ``codes`` (e.g. the bundled
    Oxfordshire districts for a data set whose districts are all Oxfordshire's)."""
    wanted = {str(c) for c in codes}  # type: ignore[attr-defined]
    return bool(wanted) and wanted <= boundary_codes(path, code_property)


#: An empty boundary set: no map is drawn (``district_map`` and ``area_count_map`` return None).
NO_BOUNDARIES: dict[str, Any] = {"type": "FeatureCollection", "features": []}


def boundary_names(geojson: dict[str, Any], code_property: str, name_property: str) -> dict[str, str]:
    """Code to name of each feature of a GeoJSON dict (e.g. ward_code to ward_name)."""
    return {f["properties"][code_property]: f["properties"][name_property] for f in geojson["features"]}


def _number(value: Any, decimals: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return SUPPRESSED
    return f"{float(value):,.{decimals}f}"


def _text(value: Any) -> str:
    return SUPPRESSED if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) else str(value)


def district_hover(frame: pd.DataFrame, year_label: str, comparison_label: str) -> list[str]:
    """Tooltip per district: name, people, population, rate with 95% CI, the comparison year's
    rate, the change and whether it is significant, and the comparison with the partnership.
    Hidden values (suppressed counts and everything built on them) show as ``*``."""
    lines = []
    for _, row in frame.iterrows():
        hidden = bool(row["suppressed"])
        rate = SUPPRESSED if hidden else (
            f"{_number(row['value'], 1)} per 1,000 (95% CI {_number(row['lower'], 1)} to {_number(row['upper'], 1)})"
        )
        change = SUPPRESSED if row["change_suppressed"] else f"{row['change']:+,.1f} per 1,000"
        significance = SUPPRESSED if row["change_suppressed"] else _text(row["direction"])
        lines.append(
            f"<b>{row['district']}</b><br>People in {year_label}: {_number(row['count'], 0)}"
            f"<br>Population: {_number(row['denominator'], 0)}<br>Rate: {rate}"
            f"<br>Rate in {comparison_label}: {_number(row['previous_value'], 1)} per 1,000"
            f"<br>Change: {change} ({significance})"
            f"<br>Against the partnership: {_text(row.get('compared_with_partnership'))}"
        )
    return lines


#: Pixel size the automatic zoom aims to fit the areas into (the chart is about this size).
_FIT_WIDTH_PX, _FIT_HEIGHT_PX, _TILE_PX = 640, MAP_HEIGHT - 80, 512


def _view_of(geojson: dict[str, Any]) -> dict[str, Any]:
    """Centre and zoom that fit every feature of ``geojson`` (web-mercator arithmetic)."""
    bounds = gpd.GeoDataFrame.from_features(geojson["features"]).total_bounds  # west, south, east, north
    west, south, east, north = (float(b) for b in bounds)

    def mercator_y(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    lon_fraction = max(east - west, 1e-6) / 360.0
    lat_fraction = max(mercator_y(north) - mercator_y(south), 1e-6) / (2 * math.pi)
    zoom = min(math.log2(_FIT_WIDTH_PX / _TILE_PX / lon_fraction), math.log2(_FIT_HEIGHT_PX / _TILE_PX / lat_fraction))
    centre_lat = math.degrees(math.atan(math.sinh((mercator_y(north) + mercator_y(south)) / 2)))
    return dict(center=dict(lon=(west + east) / 2, lat=centre_lat), zoom=zoom)


#: Written on a map with grey (hidden) areas: what grey means, on the map itself.
GREY_NOTE = "Grey: not shown (*): fewer than 5 people, or a figure that would reveal such a count"


def _geo_layout(figure: go.Figure, title: str, geojson: dict[str, Any], names: dict[str, str] | None = None,
                code_property: str = "district_code") -> go.Figure:
    """Title, size and view of a map; with ``names`` (code -> name) each area's name is written on it
    (``analysis.map_labels``: laid out clear of each other, glyphs inside the map's style)."""
    view = _view_of(geojson)
    style: str | dict[str, Any] = "white-bg"
    if names:
        style = map_labels.names_style(map_labels.layout(geojson, names, view["zoom"], code_property))
        for trace in figure.data:  # the areas are drawn under the names
            trace.below = map_labels.LAYER_ID
    if any(getattr(t, "name", None) == "Not shown (*)" for t in figure.data):
        figure.add_annotation(text=GREY_NOTE, name="note", showarrow=False, xref="paper", yref="paper", x=0, y=0,
                              xanchor="left", yanchor="bottom", align="left", bgcolor="rgba(255,255,255,0.85)",
                              font=dict(size=12))
    figure.update_layout(map=dict(style=style, **view), title=title, height=MAP_HEIGHT,
                         margin=dict(l=0, r=0, t=60, b=0), font=dict(size=13), clickmode="event+select")
    return palette.apply_template(figure)


def features_of(geojson: dict[str, Any], key: str, locations: Any) -> dict[str, Any]:
    """The features of ``geojson`` whose ``key`` property is one of ``locations``, in the file's order:
    what a choropleth trace of those locations draws. Each trace carries only its own areas (plotly draws
    a trace's locations only), so a map of grey and coloured areas no longer sends every boundary twice:
    the ward map's figure was 447 KB, each trace holding all 137 wards, and plotly deep-copies each."""
    wanted = {str(code) for code in locations}
    return {"type": geojson.get("type", "FeatureCollection"),
            "features": [f for f in geojson["features"] if str(f["properties"].get(key)) in wanted]}


def _grey_layer(figure: go.Figure, geojson: dict, locations: pd.Series, key: str, hover: list[str],
                name: str) -> None:
    """Suppressed areas: one flat neutral grey, no colour scale, ``*`` in the tooltip."""
    if len(locations) == 0:
        return
    figure.add_trace(go.Choroplethmap(
        geojson=features_of(geojson, key, locations), featureidkey=f"properties.{key}", locations=locations, z=np.zeros(len(locations)),
        colorscale=[[0, MISSING_COLOUR], [1, MISSING_COLOUR]], showscale=False, name=name,
        marker_line=dict(color=OUTLINE_COLOUR, width=OUTLINE_WIDTH), hovertext=hover, hoverinfo="text",
        customdata=np.asarray(locations)[:, None],
    ))


def district_map(
    frame: pd.DataFrame, geojson: dict[str, Any], *, view: str = RATE_VIEW, title: str = "",
    year_label: str = "", comparison_label: str = "", selected: str | None = None,
) -> go.Figure | None:
    """Choropleth of districts coloured by rate per 1,000 (``view=RATE_VIEW``) or by the change
    in that rate since the comparison year (``CHANGE_VIEW``, diverging scale centred on 0).

    ``frame`` is a suppressed year-on-year frame of ``analysis.districts.people_by_district``
    (rows without a boundary, such as "Not known", are left out). Districts whose shown value is
    hidden are grey. ``selected`` (a district code) is outlined. ``customdata`` carries the code."""
    if view not in (RATE_VIEW, CHANGE_VIEW):
        raise ValueError(f"view must be {RATE_VIEW!r} or {CHANGE_VIEW!r}, not {view!r}")
    codes = {f["properties"]["district_code"] for f in geojson["features"]}
    shown = frame[frame["district_code"].isin(codes)].reset_index(drop=True)
    if shown.empty:
        return None
    column = "value" if view == RATE_VIEW else "change"
    values = shown[column].astype("float64")
    hover = district_hover(shown, year_label, comparison_label)
    coloured = values.notna().to_numpy()
    figure = go.Figure()
    _grey_layer(figure, geojson, shown.loc[~coloured, "district_code"], "district_code",
                [h for h, c in zip(hover, coloured, strict=True) if not c], "Not shown (*)")
    if coloured.any():
        scale = dict(colorscale=SEQUENTIAL_SCALE) if view == RATE_VIEW else dict(
            colorscale=DIVERGING_SCALE, zmid=0)
        widths = [SELECTED_OUTLINE_WIDTH if c == selected else OUTLINE_WIDTH for c in shown.loc[coloured, "district_code"]]
        figure.add_trace(go.Choroplethmap(
            geojson=features_of(geojson, "district_code", shown.loc[coloured, "district_code"]),
            featureidkey="properties.district_code", locations=shown.loc[coloured, "district_code"],
            z=values[coloured], name=view, marker_line=dict(color=OUTLINE_COLOUR, width=widths),
            colorbar=dict(title="per 1,000" if view == RATE_VIEW else "change<br>per 1,000"),
            hovertext=[h for h, c in zip(hover, coloured, strict=True) if c], hoverinfo="text",
            customdata=shown.loc[coloured, "district_code"].to_numpy()[:, None], **scale,
        ))
    names = dict(zip(shown["district_code"].astype(str), shown["district"].astype(str), strict=True))
    return _geo_layout(figure, title, geojson, names)


#: Said under the map when names are left off it (``names_left_off``): ``{names}`` is filled with them.
NAMES_LEFT_OFF_NOTE = ("Not written on the map (a character the map's font lacks): {names}. "
                       "Their names are in the hover text and the table below.")


def names_left_off(frame: pd.DataFrame, geojson: dict[str, Any]) -> list[str]:
    """Names of the districts ``district_map`` draws but cannot write on the map (a character the
    map font lacks, ``analysis.map_labels.unwritable``): they are in the hover text and the table."""
    codes = {f["properties"]["district_code"] for f in geojson["features"]}
    return map_labels.unwritable(frame.loc[frame["district_code"].isin(codes), "district"].astype(str))


def area_count_map(
    frame: pd.DataFrame, geojson: dict[str, Any], *, code_property: str, title: str = "", year_label: str = "",
) -> go.Figure | None:
    """Choropleth of people in treatment by a small area (e.g. ward), as counts: no population is
    held at that level, so no rate. ``frame`` is a suppressed year-on-year frame with ``area``
    (the code), ``name``, ``count``, ``value`` (% of people in treatment); hidden counts are grey."""
    codes = {f["properties"][code_property] for f in geojson["features"]}
    shown = frame[frame["area"].isin(codes)].reset_index(drop=True)
    if shown.empty:
        return None
    hidden = shown["suppressed"].astype(bool).to_numpy()
    hover = [
        f"<b>{row['name']}</b><br>People in {year_label}: {_number(row['count'], 0)}"
        f"<br>Share of people in treatment: {_number(row['value'], 1)}%"
        for _, row in shown.iterrows()
    ]
    figure = go.Figure()
    _grey_layer(figure, geojson, shown.loc[hidden, "area"], code_property,
                [h for h, x in zip(hover, hidden, strict=True) if x], "Not shown (*)")
    if (~hidden).any():
        figure.add_trace(go.Choroplethmap(
            geojson=features_of(geojson, code_property, shown.loc[~hidden, "area"]),
            featureidkey=f"properties.{code_property}", locations=shown.loc[~hidden, "area"],
            z=shown.loc[~hidden, "count"].astype("float64"), colorscale=SEQUENTIAL_SCALE, zmin=0,
            zmax=max(float(shown.loc[~hidden, "count"].max()), 1.0),
            marker_line=dict(color=OUTLINE_COLOUR, width=OUTLINE_WIDTH / 2), colorbar=dict(title="people"),
            hovertext=[h for h, x in zip(hover, hidden, strict=True) if not x], hoverinfo="text", name="People",
        ))
    return _geo_layout(figure, title, geojson)


def funnel_plot(
    frame: pd.DataFrame, limits: pd.DataFrame, baseline: float, *, title: str = "", year_label: str = "",
) -> go.Figure | None:
    """Funnel plot: each district's rate per 1,000 against its population, with the partnership
    rate and its 95% and 99.8% control limits (``analysis.stats.funnel_limits_rate`` over a range of
    populations, columns ``population``, ``lower_95``, ``upper_95``, ``lower_998``, ``upper_998``).

    ``frame``: suppressed district rows with ``compared_with_partnership`` (judged at 95%) and
    ``outside_998`` (judged at 99.8%). Districts whose rate is hidden are not plotted; markers are
    labelled with the district's name, and their shape and colour give the judgement."""
    plotted = frame[frame["value"].notna() & frame["denominator"].notna()]
    if plotted.empty or limits.empty or baseline is None or math.isnan(baseline):
        return None
    figure = go.Figure()
    population = limits["population"]
    for level, dash in (("998", "dot"), ("95", "dash")):
        label = "99.8% limits" if level == "998" else "95% limits"
        for side in ("lower", "upper"):
            figure.add_scatter(x=population, y=limits[f"{side}_{level}"], mode="lines", name=label,
                               line=dict(color=palette.LINE, dash=dash, width=1), legendgroup=label,
                               showlegend=side == "upper", hoverinfo="skip")
    figure.add_scatter(x=population, y=np.full(len(population), baseline), mode="lines",
                       name=f"Partnership: {baseline:,.1f}", line=dict(color="#000000", width=1.5), hoverinfo="skip")
    for judgement, (symbol, colour) in FUNNEL_MARKERS.items():
        rows = plotted[plotted["compared_with_partnership"] == judgement]
        if rows.empty:
            continue
        outer = rows["outside_998"] != NOT_SIGNIFICANTLY_DIFFERENT
        hover = [
            f"<b>{r['district']}</b><br>People: {_number(r['count'], 0)}<br>Population: {_number(r['denominator'], 0)}"
            f"<br>Rate: {_number(r['value'], 1)} per 1,000 (95% CI {_number(r['lower'], 1)} to {_number(r['upper'], 1)})"
            f"<br>{judgement} than the partnership" + (" (beyond the 99.8% limit)" if o else "")
            for (_, r), o in zip(rows.iterrows(), outer, strict=True)
        ]
        figure.add_scatter(
            x=rows["denominator"], y=rows["value"], mode="markers", name=judgement, hovertext=hover,
            hoverinfo="text",
            marker=dict(symbol=symbol, color=colour, size=[16 if o else 12 for o in outer],
                        line=dict(color="#000000", width=[2 if o else 0.5 for o in outer])),
        )
    for _, r in plotted.iterrows():
        # the name goes on the side away from the partnership line, beyond the control limits
        above = float(r["value"]) >= baseline
        figure.add_annotation(
            x=float(r["denominator"]), y=float(r["value"]), text=str(r["district"]), name="district name",
            showarrow=True, arrowhead=0, arrowwidth=1, arrowcolor=palette.LINE, ax=0,
            ay=-FUNNEL_LABEL_OFFSET_PX if above else FUNNEL_LABEL_OFFSET_PX,
            yanchor="bottom" if above else "top", bgcolor="rgba(255,255,255,0.85)", font=dict(size=13),
        )
    smallest, largest = float(plotted["denominator"].min()), float(plotted["denominator"].max())
    figure.update_xaxes(title=f"Population ({year_label})",
                        range=[smallest * (1 - FUNNEL_AXIS_MARGIN), largest * (1 + FUNNEL_AXIS_MARGIN)])
    figure.update_yaxes(title="Rate per 1,000 population", rangemode="tozero")
    # the legend under the chart: above it, it ran into the title
    figure.update_layout(title=title, height=FUNNEL_HEIGHT + FUNNEL_LEGEND_PX, font=dict(size=13),
                         margin=dict(l=10, r=10, t=60, b=10 + FUNNEL_LEGEND_PX),
                         legend=dict(orientation="h", yref="container", y=0, yanchor="bottom", x=0, xanchor="left"))
    return figure
