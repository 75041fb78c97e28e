"""Chart builders of the Referrals and Treatment and exits pages: suppressed frames in, plotly figures out.

Same conventions as ``analysis.charts``: the selected year in ``CURRENT_COLOUR`` beside the
comparison year in ``PREVIOUS_COLOUR``, 95% intervals as error bars, ``*`` as the text and hover
of a suppressed value, and ``None`` for an empty frame so the page shows a sentence instead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis import palette
from analysis.charts import (
    CURRENT_COLOUR, NOT_DRAWN_GROUPS, PREVIOUS_COLOUR, add_note, axis_title, error_bars, hover_text, layout,
    left_out_note,
)
from analysis.suppression import SUPPRESSED
from analysis.yoy import COUNT, PROPORTION

#: Colour and dash of a target line.
TARGET_COLOUR, TARGET_DASH = palette.TARGET, "dash"
#: Pattern that tells a median bar from a mean bar of the same year (colour stays the year's).
MEDIAN_PATTERN = "/"
#: Pixels under a faceted chart for its legend.
LEGEND_MARGIN = 36


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def share_against_target(
    frame: pd.DataFrame, target: float | None, title: str, year_label: str, comparison_label: str
) -> go.Figure | None:
    """The share of the comparison year and the selected year as bars with 95% intervals, and the
    target as a dashed horizontal line (none when ``target`` is None: no target is assumed).
    ``frame`` is a one-row suppressed year-on-year proportion frame (``analysis.views.referrals``);
    a hidden year shows ``*`` and no bar."""
    if frame.empty:
        return None
    figure = go.Figure()
    for prefix, label, colour in [("previous_", comparison_label, PREVIOUS_COLOUR), ("", year_label, CURRENT_COLOUR)]:
        part = frame.iloc[[0]]
        hidden = bool(part[f"{prefix}suppressed"].iloc[0])
        figure.add_bar(
            x=[label], y=part[f"{prefix}value"].astype("float64"), name=label, marker_color=colour,
            error_y=error_bars(part, prefix), hovertext=hover_text(part, prefix), hoverinfo="text+name",
            text=[SUPPRESSED if hidden else ""], textposition="outside",
        )
    if target is not None:
        figure.add_hline(y=target, line_color=TARGET_COLOUR, line_dash=TARGET_DASH,
                         annotation_text=f"Target {target:g}%", annotation_position="top left")
    figure.update_yaxes(title=axis_title(PROPORTION, 100), rangemode="tozero")
    figure.update_xaxes(type="category")
    return layout(figure, title, height=360)


def monthly_bars(frame: pd.DataFrame, title: str) -> go.Figure | None:
    """Counts per ``month`` coloured by ``financial_year`` (the later year in ``CURRENT_COLOUR``),
    with 95% intervals; a suppressed month has no bar and shows ``*``. ``frame`` is a suppressed
    count measure (``board.suppress_measure``)."""
    if frame.empty:
        return None
    years = sorted(frame["financial_year"].unique())
    colours = {year: (CURRENT_COLOUR if year == years[-1] else PREVIOUS_COLOUR) for year in years}
    figure = go.Figure()
    for year in years:
        part = frame[frame["financial_year"] == year]
        figure.add_bar(
            x=part["month"], y=part["count"].astype("float64"), name=year, marker_color=colours[year],
            error_y=error_bars(part), hovertext=hover_text(part), hoverinfo="text+x+name",
            text=[SUPPRESSED if s else "" for s in part["suppressed"]], textposition="outside",
        )
    figure.update_xaxes(title="Month", dtick="M1", tickformat="%b<br>%Y")
    figure.update_yaxes(title=axis_title(COUNT, 1), rangemode="tozero")
    return layout(figure, title, height=380)


def time_summary_bars(frame: pd.DataFrame, title: str, year_label: str, comparison_label: str,
                      category: str = "status") -> go.Figure | None:
    """Mean and median weeks in treatment by ``category`` (status, or exit group) for the comparison
    and selected years (median bars hatched). ``frame`` is ``analysis.activity.time_in_treatment_summary``
    or ``time_by_exit_group_summary``; hidden groups have no bar and show ``*``. ``None`` when
    nobody is counted in either year."""
    if frame.empty or (frame["people"].fillna(0).sum() == 0 and frame["previous_people"].fillna(0).sum() == 0
                       and not frame["suppressed"].any() and not frame["previous_suppressed"].any()):
        return None
    figure = go.Figure()
    for prefix, label, colour in [("previous_", comparison_label, PREVIOUS_COLOUR), ("", year_label, CURRENT_COLOUR)]:
        for statistic, pattern in [("mean", ""), ("median", MEDIAN_PATTERN)]:
            values = frame[f"{prefix}{statistic}_weeks"].astype("float64")
            people = frame[f"{prefix}people"]
            hover = [f"People: {SUPPRESSED}<br>{statistic.title()}: {SUPPRESSED}" if hidden else
                     f"People: {n:,.0f}<br>{statistic.title()}: " + ("no one" if _is_missing(v) else f"{v:,.1f} weeks")
                     for hidden, n, v in zip(frame[f"{prefix}suppressed"], people, values, strict=True)]
            figure.add_bar(
                x=frame[category], y=values, name=f"{label} {statistic}", marker_color=colour,
                marker_pattern_shape=pattern, hovertext=hover, hoverinfo="text+name",
                text=[SUPPRESSED if hidden else "" for hidden in frame[f"{prefix}suppressed"]], textposition="outside",
            )
    figure.update_layout(barmode="group")
    figure.update_yaxes(title="Weeks in treatment", rangemode="tozero")
    figure.update_xaxes(title="", type="category")
    return layout(figure, title, height=400)


def faceted_comparison_bars(
    frame: pd.DataFrame, category: str, facet: str, title: str, year_label: str, comparison_label: str,
    *, left_out: Sequence[str] = NOT_DRAWN_GROUPS,
) -> go.Figure | None:
    """``analysis.charts.comparison_bars`` side by side for each value of ``facet`` (e.g. sex):
    horizontal bars of the comparison and selected years with 95% intervals. A facet with no
    people in either year is left out; so is a facet in ``left_out`` (other / not stated sex, kept
    in the table), which a note on the chart says. ``None`` when no facet is left. The legend sits
    under the panels, clear of their titles."""
    if frame.empty:
        return None
    has_people = frame.groupby(facet, sort=False)[["denominator", "previous_denominator", "count", "previous_count"]]
    facets = [name for name, part in has_people
              if part[["denominator", "previous_denominator"]].fillna(0).to_numpy().sum() > 0
              or part[["count", "previous_count"]].isna().to_numpy().any()]
    dropped = [name for name in facets if name in left_out]
    facets = [name for name in facets if name not in left_out]
    if not facets:
        return None
    kind, per = frame.attrs.get("kind", PROPORTION), frame.attrs.get("per", 100)
    figure = make_subplots(rows=1, cols=len(facets), shared_yaxes=True, subplot_titles=[str(f) for f in facets],
                           horizontal_spacing=0.04)
    for position, name in enumerate(facets, start=1):
        part = frame[frame[facet] == name]
        part.attrs.update(frame.attrs)
        for prefix, label, colour in [("previous_", comparison_label, PREVIOUS_COLOUR), ("", year_label, CURRENT_COLOUR)]:
            figure.add_bar(
                y=part[category].astype(str), x=part[f"{prefix}value"].astype("float64"), orientation="h",
                name=label, legendgroup=label, showlegend=position == 1, marker_color=colour,
                error_x=error_bars(part, prefix), hovertext=hover_text(part, prefix), hoverinfo="text+name",
                text=[SUPPRESSED if s else "" for s in part[f"{prefix}suppressed"]], textposition="outside",
                row=1, col=position,
            )
        figure.update_xaxes(title=axis_title(kind, per), rangemode="tozero", row=1, col=position)
    figure.update_layout(barmode="group")
    figure.update_yaxes(autorange="reversed")
    rows = frame[category].nunique()
    if dropped:
        add_note(figure, left_out_note([str(d) for d in dropped]))
    layout(figure, title, height=max(360, 80 + 45 * rows))
    # the legend above the panels ran into the last panel's title: put it under the chart, in pixels
    # from the figure's bottom edge so it never meets the notes or the axis titles
    figure.update_layout(legend=dict(orientation="h", yref="container", y=0.0, yanchor="bottom", x=0,
                                     xanchor="left"),
                         margin=dict(b=figure.layout.margin.b + LEGEND_MARGIN),
                         height=figure.layout.height + LEGEND_MARGIN)
    return figure


__all__ = ["faceted_comparison_bars", "monthly_bars", "share_against_target", "time_summary_bars"]
