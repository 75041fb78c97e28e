"""Chart builders: suppressed measure frames in, plotly figures out (pages only draw them).

Colours come from ``analysis.palette`` (colour-blind safe, each at 3:1 or more on white), and a
category has the same colour on every page (``colour_for``). Every builder takes a frame that
has been through ``analysis.board.suppress_comparison`` (or ``suppress_measure``), so a
suppressed value is missing and its hover says ``*``; every builder returns ``None`` for an
empty frame so the page shows a sentence instead of a blank chart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import palette
from analysis.codes import GROUP_ORDER, NOT_RECORDED, UNMAPPED
from analysis.filters import NOT_KNOWN
from analysis.periods import AGE_BAND_LABELS
from analysis.suppression import SUPPRESSED
from analysis.yoy import COUNT, PROPORTION, RATE

#: Categorical colours (analysis.palette: colour-blind safe, each at 3:1 or more on white).
OKABE_ITO = palette.CATEGORICAL
#: Colours of the selected year and the comparison year on every chart.
CURRENT_COLOUR, PREVIOUS_COLOUR = palette.CURRENT, palette.PREVIOUS
MISSING_COLOUR = palette.MISSING


def _category_colours() -> dict[str, str]:
    colours: dict[str, str] = {NOT_RECORDED: MISSING_COLOUR, UNMAPPED: palette.UNMAPPED, NOT_KNOWN: MISSING_COLOUR}
    for column, groups in [*GROUP_ORDER.items(), ("age_band", AGE_BAND_LABELS)]:
        for i, group in enumerate(g for g in groups if g not in colours):
            colours.setdefault(group, OKABE_ITO[i % len(OKABE_ITO)])
    colours.update(palette.SEX)
    return colours


CATEGORY_COLOURS = _category_colours()


def colour_for(category: str) -> str:
    """The colour of a category (the same on every page)."""
    return CATEGORY_COLOURS.get(str(category), CURRENT_COLOUR)


def axis_title(kind: str, per: float) -> str:
    """Axis label of a measure's value."""
    return {COUNT: "Number", RATE: f"Rate per {per:,.0f} population", PROPORTION: "Percentage (%)"}[kind]


def _fmt(value: float, kind: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return SUPPRESSED
    return f"{value:,.0f}" if kind == COUNT else f"{value:,.1f}"


def hover_text(frame: pd.DataFrame, prefix: str = "") -> list[str]:
    """Hover lines: count, denominator, value and 95% interval, or * where suppressed."""
    kind = frame.attrs.get("kind", PROPORTION)

    def column(name: str, default: object = None) -> list:  # read by column, not row by row
        return frame[name].tolist() if name in frame.columns else [default] * len(frame)

    hidden, counts, denominators = column(f"{prefix}suppressed", False), column(f"{prefix}count"), \
        column(f"{prefix}denominator")
    values, lowers, uppers = column(f"{prefix}value"), column(f"{prefix}lower", np.nan), column(f"{prefix}upper")
    lines = []
    for i in range(len(frame)):
        if hidden[i]:
            lines.append(f"Count: {SUPPRESSED}<br>Value: {SUPPRESSED}")
            continue
        text = f"Count: {_fmt(counts[i], COUNT)}"
        denominator = denominators[i]
        if kind != COUNT and denominator is not None and not pd.isna(denominator):
            text += f"<br>Denominator: {_fmt(denominator, COUNT)}"
        if kind != COUNT:
            text += f"<br>Value: {_fmt(values[i], kind)}"
        if not pd.isna(lowers[i]):
            text += f"<br>95% CI: {_fmt(lowers[i], kind)} to {_fmt(uppers[i], kind)}"
        lines.append(text)
    return lines


def error_bars(frame: pd.DataFrame, prefix: str = "") -> dict:
    def floats(name: str) -> np.ndarray:  # arrays, not Series: plotly checks and copies a Series first
        return frame[f"{prefix}{name}"].to_numpy(dtype="float64", na_value=np.nan)

    value = floats("value")
    return dict(
        type="data",
        symmetric=False,
        array=np.clip(floats("upper") - value, 0, None),
        arrayminus=np.clip(value - floats("lower"), 0, None),
        color=palette.LINE,
        thickness=1,
        width=3,
    )


#: What ``*`` means, written on every chart that shows one (a projected chart has no table beside it).
SUPPRESSED_NOTE = "* not shown: fewer than 5 people,<br>or a figure that would reveal such a count"
#: Pixels from the plot area's bottom edge to the first note under it (clear of the x axis's tick
#: labels and title), and the height of each note's line.
NOTE_OFFSET, NOTE_LINE = 72, 18


def shows_suppressed(figure: go.Figure) -> bool:
    """True when a trace of the figure writes ``*`` (a hidden value) on the chart."""
    def texts(trace) -> list:
        text = getattr(trace, "text", None)
        if text is None or isinstance(text, str):
            return [text]
        flat = []
        for item in text:
            flat.extend(item if isinstance(item, (list, tuple)) else [item])
        return flat
    return any(t == SUPPRESSED for trace in figure.data for t in texts(trace))


def _note_lines(figure: go.Figure) -> int:
    return sum(str(a.text).count("<br>") + 1 for a in figure.layout.annotations if getattr(a, "name", None) == "note")


def add_note(figure: go.Figure, text: str) -> go.Figure:
    """Write a note under the plot area, on the chart itself (it travels with a saved picture).
    Notes are stacked below the axes, anchored at the right edge so that a note in a half-width
    chart can use the width under the axis labels too (short lines, broken with <br>)."""
    figure.add_annotation(
        text=text, name="note", showarrow=False, xref="paper", yref="paper", x=1, xanchor="right",
        y=0, yanchor="top", yshift=-NOTE_OFFSET - NOTE_LINE * _note_lines(figure), align="left",
        font=dict(size=12),
    )
    return figure


#: The sex group kept in the tables but not drawn beside male and female: so few people that its
#: wide intervals would dwarf the chart. Charts that leave it out say so on the chart.
NOT_DRAWN_GROUPS: tuple[str, ...] = ("Other / not stated",)


def left_out_note(names: Sequence[str]) -> str:
    """The note under a chart that leaves groups out (they stay in the table)."""
    return (f"{' and '.join(names)}: in the table below, not drawn<br>(too few people: "
            "its wide intervals would dwarf the chart)")


def layout(figure: go.Figure, title: str, height: int = 420) -> go.Figure:
    """Title, height, legend and font of every chart; and, when a value is shown as ``*``, what
    ``*`` means, written under the chart."""
    if shows_suppressed(figure) and not any(a.text == SUPPRESSED_NOTE for a in figure.layout.annotations):
        add_note(figure, SUPPRESSED_NOTE)
    lines = _note_lines(figure)
    below = NOTE_OFFSET + NOTE_LINE * lines if lines else 0
    figure.update_layout(
        title=title, height=height + below, margin=dict(l=10, r=10, t=60, b=10 + below),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1),
        font=dict(size=13),
    )
    return palette.apply_template(figure)


def comparison_bars(
    frame: pd.DataFrame, category: str, title: str, year_label: str, comparison_label: str,
    *, horizontal: bool = True, group: str | None = None,
) -> go.Figure | None:
    """Bars of the selected year beside the comparison year for each category, with 95% intervals.
    ``frame`` is a suppressed year-on-year frame (``analysis.board.suppress_comparison``). With
    ``group`` (horizontal only, e.g. each discharge reason's exit group) the categories are drawn
    under their group's name on a two-level axis, in the frame's order."""
    if frame.empty:
        return None
    names = frame[category].astype(str).tolist()  # lists and arrays, not Series: plotly checks and copies a Series
    if group is not None and horizontal:
        names = [frame[group].astype(str).tolist(), names]
    kind, per = frame.attrs.get("kind", PROPORTION), frame.attrs.get("per", 100)
    use_value = "value" if kind != COUNT else "count"
    figure = go.Figure()
    # no comparison year (analysis.yoy.without_comparison): the previous side has no values, so one year is drawn
    compared = frame[f"previous_{use_value}"].notna().any() or frame["previous_suppressed"].astype(bool).any()
    series = [("previous_", comparison_label, PREVIOUS_COLOUR)] if compared else []
    for prefix, label, colour in [*series, ("", year_label, CURRENT_COLOUR)]:
        values = frame[f"{prefix}{use_value}"].to_numpy(dtype="float64", na_value=np.nan)
        text = [SUPPRESSED if s else "" for s in frame[f"{prefix}suppressed"].tolist()]
        bar_args = dict(
            name=label, marker_color=colour, hovertext=hover_text(frame, prefix), hoverinfo="text+name",
            text=text, textposition="outside", error_x=error_bars(frame, prefix) if horizontal else None,
            error_y=None if horizontal else error_bars(frame, prefix),
        )
        if horizontal:
            figure.add_bar(y=names, x=values, orientation="h", **bar_args)
        else:
            figure.add_bar(x=names, y=values, **bar_args)
    figure.update_layout(barmode="group")
    if horizontal:
        figure.update_yaxes(autorange="reversed")
        figure.update_xaxes(title=axis_title(kind, per), rangemode="tozero")
    else:
        figure.update_yaxes(title=axis_title(kind, per), rangemode="tozero")
    return layout(figure, title, height=max(320, 60 + 45 * len(frame)) if horizontal else 420)


def trend_line(frame: pd.DataFrame, title: str, *, highlight: Sequence[str] = ()) -> go.Figure | None:
    """A measure over financial years (``year`` column), each year's value with its 95% interval
    as an error bar (counts too: a dip on a small selection is read against its interval). A
    suppressed year has no point and shows ``*``."""
    if frame.empty:
        return None
    kind, per = frame.attrs.get("kind", COUNT), frame.attrs.get("per", 1)
    value = frame["value"].astype("float64")
    hidden = frame["suppressed"].astype(bool) if "suppressed" in frame else pd.Series(False, index=frame.index)
    figure = go.Figure()
    bars = error_bars(frame) if {"lower", "upper"} <= set(frame.columns) else None
    figure.add_scatter(x=frame["year"], y=value, mode="lines+markers", name=frame.attrs.get("label", ""),
                       line=dict(color=CURRENT_COLOUR), hovertext=hover_text(frame), hoverinfo="text+x",
                       error_y=bars)
    if hidden.any():  # a hidden year: a * on the axis, not a point
        figure.add_scatter(x=frame.loc[hidden, "year"], y=[0] * int(hidden.sum()), mode="text",
                           text=[SUPPRESSED] * int(hidden.sum()), showlegend=False, hoverinfo="skip",
                           textfont=dict(size=16))
    if bars is not None:
        figure.add_scatter(x=[None], y=[None], mode="markers", name="95% interval (bars)",
                           marker=dict(color=palette.LINE, symbol="line-ns-open", size=12), hoverinfo="skip")
    marked = frame[frame["year"].isin(list(highlight))]
    if len(marked):
        figure.add_scatter(x=marked["year"], y=marked["value"], mode="markers", showlegend=False,
                           marker=dict(size=12, color=CURRENT_COLOUR, line=dict(width=2, color=palette.TEXT)),
                           hoverinfo="skip")
    figure.update_yaxes(title=axis_title(kind, per), rangemode="tozero")
    figure.update_xaxes(title="Financial year", type="category")
    return layout(figure, title, height=320)
