"""Charts of the Benchmarks and targets page: spine chart, compare areas, trajectory, and the outcome measure.

Builders take the page model's suppressed frames and return Plotly figures (``None`` when there is nothing to
draw); hidden values are never plotted. The local marker of the spine chart differs by colour AND shape, so the
comparison with England does not rest on colour alone.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import comparators
from analysis.charts import CURRENT_COLOUR, PREVIOUS_COLOUR, comparison_bars, layout

#: Colour of the local marker by its judgement against England (Okabe-Ito, colour-blind safe), and its shape
#: by the comparison: a triangle up or down when the interval excludes England's value, a circle when not.
JUDGEMENT_COLOURS = {
    comparators.BETTER: "#0072B2",
    comparators.WORSE: "#D55E00",
    comparators.SAME: "#E69F00",
    comparators.HIGHER_NO_JUDGEMENT: "#332288",
    comparators.LOWER_NO_JUDGEMENT: "#332288",
    comparators.NOT_COMPARED: "#FFFFFF",
}
COMPARISON_SYMBOLS = {comparators.HIGHER: "triangle-up", comparators.LOWER: "triangle-down",
                      comparators.SIMILAR: "circle", comparators.NOT_COMPARED: "circle-open"}
RANGE_COLOUR, ENGLAND_COLOUR, LOCAL_COLOUR, AREA_COLOUR = "#D9D9D9", "#000000", "#0072B2", "#7F7F7F"
TARGET_COLOUR = "#000000"
ILLUSTRATIVE_TAG = " [ILLUSTRATIVE comparator values]"


def _number(value: float, unit: str = "") -> str:
    if value is None or pd.isna(value):
        return "*"
    return f"{value:,.1f}{'%' if unit == '%' else ''}"


def spine_chart(spine: pd.DataFrame, title: str, *, illustrative: bool = False) -> go.Figure | None:
    """Fingertips-style spine: one row per indicator, the grey bar from England's worst (left) to best
    (right; lowest to highest for an indicator with no polarity), England's value the black centre line, and
    the local value's marker coloured by the judgement and shaped by the comparison with England."""
    rows = spine[spine["england"].notna()] if len(spine) else spine
    if rows.empty:
        return None
    labels = [html.escape(str(label)) for label in rows["label"]]
    figure = go.Figure()
    figure.add_bar(y=labels, x=(rows["best_position"] - rows["worst_position"]).to_numpy(),
                   base=rows["worst_position"].to_numpy(), orientation="h", marker_color=RANGE_COLOUR,
                   name="England worst to best", hoverinfo="skip", width=0.5)
    for judgement, colour in JUDGEMENT_COLOURS.items():
        part = rows[(rows["judgement"] == judgement) & rows["position"].notna()]
        if part.empty:
            continue
        hover = [f"{html.escape(str(r.label))} ({r.period})<br>Local: {_number(r.value, r.unit)} "
                 f"(95% CI {_number(r.lower, r.unit)} to {_number(r.upper, r.unit)})<br>England: "
                 f"{_number(r.england, r.unit)} ({html.escape(r.comparator_period)})<br>Worst {_number(r.england_worst, r.unit)}"
                 f", best {_number(r.england_best, r.unit)}<br>{r.comparison}" for r in part.itertuples()]
        figure.add_scatter(
            y=[html.escape(str(label)) for label in part["label"]], x=part["position"], mode="markers",
            name=judgement, hovertext=hover, hoverinfo="text",
            marker=dict(size=15, color=colour, symbol=[COMPARISON_SYMBOLS.get(c, "circle") for c in part["comparison"]],
                        line=dict(width=1.5, color="#000000")))
    figure.add_vline(x=0, line=dict(color=ENGLAND_COLOUR, width=2))
    figure.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=labels)
    # which way England's worst and best lie, and where its average is, named under the axis (each bar runs from
    # its own worst to best; one long axis title was cut off at 1280 px, where the indicator names leave the
    # plot area about 370 px wide)
    figure.update_xaxes(range=[-1.3, 1.3], zeroline=False, showgrid=False, tickmode="array",
                        tickvals=[-1, 0, 1], ticktext=["← England worst", "England average", "England best →"],
                        ticklabeloverflow="allow", automargin=True)
    return layout(figure, title + (ILLUSTRATIVE_TAG if illustrative else ""), height=max(320, 110 + 48 * len(rows)))


def compare_areas_chart(frame: pd.DataFrame, title: str, unit: str = "", *, illustrative: bool = False
                        ) -> go.Figure | None:
    """The partnership among its comparator group: each area's value with its 95% interval, ordered by value
    (highest at the top), the partnership highlighted, England's value the dashed line."""
    if frame.empty:
        return None
    shown = frame[frame["value"].notna()]
    if shown.empty:
        return None
    figure = go.Figure()
    for is_local, colour, name in ((False, AREA_COLOUR, "Comparator areas"), (True, LOCAL_COLOUR, "Partnership")):
        part = shown[shown["is_local"] == is_local]
        if part.empty:
            continue
        value = part["value"].astype("float64")
        figure.add_scatter(
            y=[html.escape(str(n)) for n in part["area_name"]], x=value, mode="markers", name=name,
            marker=dict(size=14 if is_local else 10, color=colour, symbol="diamond" if is_local else "circle"),
            error_x=dict(type="data", symmetric=False, array=(part["upper"] - value).clip(lower=0),
                         arrayminus=(value - part["lower"]).clip(lower=0), color=colour, thickness=1.5),
            hovertext=[f"{html.escape(str(r.area_name))} ({html.escape(str(r.period))}): {_number(r.value, unit)} "
                       f"(95% CI {_number(r.lower, unit)} to {_number(r.upper, unit)})<br>{html.escape(str(r.source))}"
                       for r in part.itertuples()], hoverinfo="text")
    order = [html.escape(str(n)) for n in shown.sort_values("value", ascending=False)["area_name"]]
    england = frame.attrs.get("england", np.nan)
    if not pd.isna(england):
        figure.add_vline(x=england, line=dict(color=ENGLAND_COLOUR, width=2, dash="dash"),
                         annotation_text=f"England {_number(england, unit)}", annotation_position="top")
    figure.update_yaxes(categoryorder="array", categoryarray=order, autorange="reversed")
    figure.update_xaxes(title="Value" + (" (%)" if unit == "%" else f" ({unit})" if unit else ""))
    # the title holds an indicator name, which for a context indicator comes from a file: text, never markup
    return layout(figure, html.escape(title) + (ILLUSTRATIVE_TAG if illustrative else ""),
                  height=max(320, 100 + 34 * len(shown)))


def trajectory_chart(frame: pd.DataFrame, title: str, words: str) -> go.Figure | None:
    """Actual (year to date) against target by quarter: the actual line, the targets as black diamonds, the
    quarter-alone counts as pale bars where there are any. Hidden counts (1 to 4) are not drawn."""
    if frame["year_to_date"].isna().all() and frame["target"].isna().all():
        return None
    x = frame["quarter_label"]
    figure = go.Figure()
    if frame["in_quarter"].notna().any():
        figure.add_bar(x=x, y=frame["in_quarter"], name="In the quarter alone", marker_color=PREVIOUS_COLOUR,
                       opacity=0.5)
    figure.add_scatter(x=x, y=frame["year_to_date"], mode="lines+markers", name="Actual, year to date",
                       line=dict(color=CURRENT_COLOUR, width=3), marker=dict(size=10))
    targeted = frame[frame["target"].notna()]
    if len(targeted):
        figure.add_scatter(x=targeted["quarter_label"], y=targeted["target"], mode="markers+lines+text", name="Target",
                           line=dict(color=TARGET_COLOUR, dash="dot"),
                           marker=dict(size=13, symbol="diamond", color=TARGET_COLOUR),
                           text=[f"Target {r.target:,.0f}" + (f": {r.rag}" if r.rag else "") for r in targeted.itertuples()],
                           textposition="top center")
    figure.update_yaxes(title=f"Number of {words}", rangemode="tozero")
    # the four quarters with room either side, so the target labels over Q1 and Q4 are not cut off
    figure.update_xaxes(title="Quarter (Q1 April-June ... Q4 January-March)", type="category",
                        categoryorder="array", categoryarray=list(x), range=[-0.7, len(frame) - 0.3])
    return layout(figure, title)


def annual_trajectory_chart(frame: pd.DataFrame, title: str, words: str) -> go.Figure | None:
    """A multi-year plan: each year's actual figure and the year targets (e.g. NI 40's baseline and targets)."""
    if frame.empty or frame["target"].isna().all():
        return None
    figure = go.Figure()
    figure.add_scatter(x=frame["year"], y=frame["actual"], mode="lines+markers", name="Actual (whole year)",
                       line=dict(color=CURRENT_COLOUR, width=3), marker=dict(size=10))
    targeted = frame[frame["target"].notna()]
    figure.add_scatter(x=targeted["year"], y=targeted["target"], mode="lines+markers", name="Target",
                       line=dict(color=TARGET_COLOUR, dash="dot"), marker=dict(size=13, symbol="diamond"))
    figure.update_yaxes(title=f"Number of {words}", rangemode="tozero")
    figure.update_xaxes(title="Financial year", type="category")
    return layout(figure, title)


def outcome_chart(frame: pd.DataFrame, title: str, year_label: str, comparison_label: str, *,
                  illustrative: bool = False) -> go.Figure | None:
    """The outcome measure by substance group, this year beside the comparison year with 95% intervals, and
    England's value as a black line marker where the comparators table gives one."""
    figure = comparison_bars(frame, "substance_group", title + (ILLUSTRATIVE_TAG if illustrative and
                                                                frame["england"].notna().any() else ""),
                             year_label, comparison_label)
    if figure is None:
        return None
    england = frame[frame["england"].notna()]
    if len(england):
        figure.add_scatter(y=england["substance_group"].astype(str), x=england["england"], mode="markers",
                           name="England", marker=dict(symbol="line-ns", size=30, line=dict(width=3, color="#000000")),
                           hovertext=[f"England {v:.1f}% ({p})" for v, p in zip(england["england"],
                                                                                england["england_period"])],
                           hoverinfo="text")
    return figure


__all__ = ["annual_trajectory_chart", "compare_areas_chart", "outcome_chart", "spine_chart", "trajectory_chart"]
