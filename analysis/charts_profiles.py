"""Chart builders of the People and Substances pages: suppressed year-on-year frames in, plotly figures out.

Every builder takes a frame that has been through ``analysis.board.suppress_comparison``; a hidden
value is missing there and is drawn as ``*`` (text on the chart and in the hover), never as a
number. The comparison year is drawn as an unfilled outline over the selected year's filled bar,
so the two years share one slot. Every builder returns ``None`` for an empty frame.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import board, palette
from analysis.charts import (
    CURRENT_COLOUR, MISSING_COLOUR, NOT_DRAWN_GROUPS, PREVIOUS_COLOUR, add_note, error_bars, layout, axis_title,
    colour_for, hover_text, left_out_note,
)
from analysis.periods import AGE_BAND_LABELS
from analysis.suppression import SUPPRESSED
from analysis.yoy import COUNT, PROPORTION

#: Scales of the age-sex pyramid: counts of people or % of all people in the selection.
SCALE_PERCENT, SCALE_COUNT = "percent", "count"
#: The two sides of the pyramid (other / not stated sex is in the table, too few to draw as a side).
PYRAMID_SIDES = ("Male", "Female")
#: Outline width of the comparison year's unfilled bars.
OUTLINE_WIDTH = 2
#: A see-through fill, so a comparison bar is an outline only.
NO_FILL = "rgba(0,0,0,0)"
#: Number of tick steps each side of the pyramid's axis, and the "nice" step multipliers tried.
PYRAMID_TICKS = 4
NICE_STEPS = (1, 2, 2.5, 5, 10)
#: Sequential colour scale of the heat map (light = low share, dark = high), colour-blind safe.
HEATMAP_SCALE = "Blues"
#: Row heights (pixels) used to size the horizontal charts.
ROW_HEIGHT, BASE_HEIGHT, MIN_HEIGHT = 34, 120, 320

#: Columns of the table under a comparison chart: (column, heading); headings name the years.
COMPARISON_COLUMNS: list[tuple[str, str]] = [
    ("count", "People {year}"),
    ("denominator", "Of people {year}"),
    ("value", "% {year}"),
    ("lower", "Lower 95% CI {year}"),
    ("upper", "Upper 95% CI {year}"),
    ("previous_count", "People {comparison}"),
    ("previous_denominator", "Of people {comparison}"),
    ("previous_value", "% {comparison}"),
    ("previous_lower", "Lower 95% CI {comparison}"),
    ("previous_upper", "Upper 95% CI {comparison}"),
    ("change", "Change (percentage points)"),
    ("significant", "Significant change"),
]
CHANGE_INTERVAL_COLUMNS: list[tuple[str, str]] = [
    ("change_lower", "Change lower 95% CI"),
    ("change_upper", "Change upper 95% CI"),
]


def comparison_table(
    frame: pd.DataFrame, keys: Sequence[tuple[str, str]], year_label: str, comparison_label: str
) -> pd.DataFrame:
    """The table (and download) under a chart: key columns, both years' counts, percentages and
    95% intervals, the change and its significance (and its interval when the frame has one),
    with ``*`` for every hidden value (``analysis.board.display_table``)."""
    columns = [*keys, *COMPARISON_COLUMNS]
    extra = [c for c in CHANGE_INTERVAL_COLUMNS if c[0] in frame]
    table = board.display_table(frame, [*columns, *extra], year_label=year_label, comparison_label=comparison_label)
    hidden = frame["change_suppressed"].astype(bool).to_numpy() if "change_suppressed" in frame else None
    for _, heading in extra:  # the change's interval is hidden wherever the change is
        if hidden is not None:
            table.loc[hidden, heading] = SUPPRESSED
    return table


def _nice_step(largest: float) -> float:
    """A round tick step so that about ``PYRAMID_TICKS`` steps cover ``largest``."""
    if not largest or math.isnan(largest) or largest <= 0:
        return 1.0
    raw = largest / PYRAMID_TICKS
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in NICE_STEPS if m * magnitude >= raw)


def age_sex_pyramid(
    frame: pd.DataFrame, title: str, year_label: str, comparison_label: str, *, scale: str = SCALE_PERCENT
) -> go.Figure | None:
    """Age-sex pyramid: people by age band, males to the left and females to the right, as counts
    or % of all people in the selection (``scale``); the selected year as filled bars with 95%
    intervals (percentages), the comparison year as unfilled outlines. Hidden cells show ``*``.
    ``frame`` is the suppressed frame of ``analysis.profiles.people_by_age_and_sex`` compared by year."""
    if frame.empty:
        return None
    column = "value" if scale == SCALE_PERCENT else "count"
    sides = frame[frame["sex"].isin(PYRAMID_SIDES)]
    # Age bands with nobody of either sex in either year (e.g. adult bands of a young people's service) are left out.
    shown = (sides["count"].fillna(0) > 0) | (sides["previous_count"].fillna(0) > 0) | sides["suppressed"] \
        | sides["previous_suppressed"]
    bands = [b for b in AGE_BAND_LABELS if b in set(sides.loc[shown, "age_band"])]
    if not bands:
        return None
    rank = {band: i for i, band in enumerate(bands)}
    sides = sides[sides["age_band"].isin(bands)]
    sides = sides.iloc[np.argsort(sides["age_band"].map(rank).to_numpy(), kind="stable")]
    figure = go.Figure()
    largest = 0.0
    for sex in PYRAMID_SIDES:
        part = sides[sides["sex"] == sex]
        sign = -1 if sex == "Male" else 1
        for prefix, label in [("", year_label), ("previous_", comparison_label)]:
            values = part[f"{prefix}{column}"].astype("float64")
            largest = max(largest, float(np.nanmax(values.to_numpy(), initial=0)))
            hidden = part[f"{prefix}suppressed"].astype(bool)
            bar = dict(
                y=part["age_band"], x=sign * values.fillna(0), orientation="h", name=f"{sex}, {label}",
                hovertext=hover_text(part, prefix), hoverinfo="text+name",
                text=[SUPPRESSED if h else "" for h in hidden], textposition="outside",
            )
            if prefix:
                figure.add_bar(**bar, marker=dict(color=NO_FILL, line=dict(color=PREVIOUS_COLOUR if sex == "Male"
                                                                          else palette.LINE, width=OUTLINE_WIDTH)))
            else:
                errors = None
                if scale == SCALE_PERCENT:
                    errors = error_bars(part, prefix)
                    if sign < 0:  # mirrored: the upper limit lies further left
                        errors["array"], errors["arrayminus"] = errors["arrayminus"], errors["array"]
                figure.add_bar(**bar, marker=dict(color=colour_for(sex)), error_x=errors)
    step = _nice_step(largest)
    ticks = np.arange(-PYRAMID_TICKS - 1, PYRAMID_TICKS + 2) * step
    unit = "%" if scale == SCALE_PERCENT else ""
    figure.update_xaxes(
        tickvals=ticks, ticktext=[f"{abs(t):,.{0 if step >= 1 else 1}f}{unit}" for t in ticks],
        range=[-(largest * 1.15 or 1), largest * 1.15 or 1],
        title=("% of people in the selection" if scale == SCALE_PERCENT else "Number of people")
        + " (males left, females right)",
        zeroline=True,
    )
    figure.update_yaxes(categoryorder="array", categoryarray=bands, title="Age band")
    figure.update_layout(barmode="overlay", bargap=0.15)
    return layout(figure, title, height=max(MIN_HEIGHT, BASE_HEIGHT + ROW_HEIGHT * len(bands)))


def grouped_comparison_bars(
    frame: pd.DataFrame, category: str, group: str, title: str, year_label: str, comparison_label: str,
    *, groups: Sequence[str] | None = None, colours: dict[str, str] | None = None,
    left_out: Sequence[str] = NOT_DRAWN_GROUPS,
) -> go.Figure | None:
    """Horizontal bars of each ``category`` (e.g. substance) for each ``group`` (e.g. sex), side by
    side: the selected year filled with its 95% interval, the comparison year as an unfilled outline
    in the same slot. ``frame`` is a suppressed year-on-year frame with ``group`` and ``category``.
    Groups in ``left_out`` (other / not stated sex) are not drawn; a note on the chart says so."""
    if frame.empty:
        return None
    kind, per = frame.attrs.get("kind", PROPORTION), frame.attrs.get("per", 100)
    column = "count" if kind == COUNT else "value"
    present = list(dict.fromkeys(frame[group]))
    dropped = [g for g in present if g in left_out]
    order = [g for g in (groups or present) if g in present and g not in left_out]
    if not order:
        return None
    figure = go.Figure()
    for name in order:
        part = frame[(frame[group] == name).to_numpy()]
        for prefix, label in [("", year_label), ("previous_", comparison_label)]:
            hidden = part[f"{prefix}suppressed"].to_numpy(dtype=bool)
            bar = dict(  # lists and arrays, not Series: plotly checks and copies a Series first
                y=part[category].astype(str).tolist(),
                x=np.nan_to_num(part[f"{prefix}{column}"].to_numpy(dtype="float64", na_value=np.nan), nan=0.0),
                orientation="h", name=f"{name}, {label}", offsetgroup=str(name), legendgroup=str(name),
                hovertext=hover_text(part, prefix), hoverinfo="text+name",
                text=[SUPPRESSED if h else "" for h in hidden], textposition="outside",
            )
            if prefix:
                figure.add_bar(**bar, marker=dict(color=NO_FILL, line=dict(color=palette.LINE, width=OUTLINE_WIDTH)))
            else:
                colour = (colours or {}).get(str(name)) or colour_for(name)
                figure.add_bar(**bar, marker=dict(color=colour), error_x=error_bars(part, prefix))
    figure.update_layout(barmode="group")
    figure.update_yaxes(autorange="reversed")
    figure.update_xaxes(title=axis_title(kind, per), rangemode="tozero")
    rows = frame[category].nunique() * max(1, len(order))
    if dropped:
        add_note(figure, left_out_note(dropped))
    return layout(figure, title, height=max(MIN_HEIGHT, BASE_HEIGHT + ROW_HEIGHT // 2 * rows))


def share_heatmap(frame: pd.DataFrame, row: str, column: str, title: str) -> go.Figure | None:
    """Heat map of the selected year's percentage for each ``row`` (e.g. age band) and ``column``
    (e.g. substance), labelled in each cell; hidden cells show ``*`` on a neutral grey.
    ``frame`` is a suppressed year-on-year frame (its current-year columns are used)."""
    if frame.empty:
        return None
    rows = list(dict.fromkeys(frame[row]))
    columns = list(dict.fromkeys(frame[column]))
    index = {(r, c): i for i, (r, c) in enumerate(zip(frame[row], frame[column], strict=True))}
    hovers = hover_text(frame)
    z, text, hover = [], [], []
    for r in rows:
        z_row, text_row, hover_row = [], [], []
        for c in columns:
            i = index.get((r, c))
            value = np.nan if i is None else float(frame["value"].iloc[i])
            hidden = i is not None and bool(frame["suppressed"].iloc[i])
            z_row.append(None if hidden or math.isnan(value) else value)
            text_row.append(SUPPRESSED if hidden else ("" if math.isnan(value) else f"{value:.0f}%"))
            hover_row.append("" if i is None else f"{r} · {c}<br>{hovers[i]}")
        z.append(z_row)
        text.append(text_row)
        hover.append(hover_row)
    figure = go.Figure(go.Heatmap(
        z=z, x=columns, y=rows, text=text, texttemplate="%{text}", hovertext=hover, hoverinfo="text",
        colorscale=HEATMAP_SCALE, zmin=0, colorbar=dict(title="%"), xgap=2, ygap=2, textfont=dict(size=14),
    ))
    figure.update_yaxes(autorange="reversed", title=row.replace("_", " ").capitalize(), type="category", showgrid=False)
    figure.update_xaxes(type="category", tickangle=-30, showgrid=False)
    # Hidden cells are gaps in the heat map: the grey plot background shows through them.
    figure.update_layout(plot_bgcolor=MISSING_COLOUR)
    return layout(figure, title, height=max(MIN_HEIGHT, BASE_HEIGHT + 2 * ROW_HEIGHT * len(rows)))


def change_dots(frame: pd.DataFrame, category: str, title: str, comparison_label: str) -> go.Figure | None:
    """The change in percentage points since the comparison year for each ``category``, as a dot
    with its 95% interval (``change_lower`` / ``change_upper``, Newcombe); significant changes
    filled in the selected year's colour, others grey and open; hidden changes show ``*`` at 0."""
    if frame.empty:
        return None
    figure = go.Figure()
    hidden = frame["change_suppressed"].astype(bool)
    significant = frame["significant"].fillna(False).astype(bool) & ~hidden
    for chosen, name, colour, symbol in [
        (significant, "Significant change", CURRENT_COLOUR, "circle"),
        (~significant & ~hidden, "Not significant", PREVIOUS_COLOUR, "circle-open"),
    ]:
        part = frame[chosen]
        if part.empty:
            continue
        change = part["change"].astype("float64")
        hover = [
            f"Change: {c:+.1f} points<br>95% CI {lo:+.1f} to {hi:+.1f}<br>{v:.1f}% vs {p:.1f}%"
            for c, lo, hi, v, p in zip(change, part["change_lower"], part["change_upper"], part["value"],
                                       part["previous_value"], strict=True)
        ]
        figure.add_scatter(
            x=change, y=part[category].astype(str), mode="markers", name=name, hovertext=hover,
            hoverinfo="text+y", marker=dict(color=colour, symbol=symbol, size=11, line=dict(width=2, color=colour)),
            error_x=dict(type="data", symmetric=False, array=(part["change_upper"] - change).clip(lower=0),
                         arrayminus=(change - part["change_lower"]).clip(lower=0), color=colour, thickness=1.5),
        )
    if hidden.any():
        part = frame[hidden]
        figure.add_scatter(x=[0] * len(part), y=part[category].astype(str), mode="text", text=[SUPPRESSED] * len(part),
                           name="Not shown (fewer than 5 people)", hovertext=[f"Change: {SUPPRESSED}"] * len(part),
                           hoverinfo="text+y", textfont=dict(size=16))
    figure.add_vline(x=0, line_color=palette.LINE, line_width=1)
    figure.update_yaxes(categoryorder="array", categoryarray=list(frame[category].astype(str)), autorange="reversed")
    figure.update_xaxes(title=f"Change since {comparison_label} (percentage points, 95% CI)", zeroline=False)
    return layout(figure, title, height=max(MIN_HEIGHT, BASE_HEIGHT + ROW_HEIGHT * len(frame)))


#: Columns of the table under a count chart (e.g. people by single year of age).
COUNT_COMPARISON_COLUMNS: list[tuple[str, str]] = [
    ("count", "People {year}"),
    ("lower", "Lower 95% CI {year}"),
    ("upper", "Upper 95% CI {year}"),
    ("previous_count", "People {comparison}"),
    ("previous_lower", "Lower 95% CI {comparison}"),
    ("previous_upper", "Upper 95% CI {comparison}"),
    ("change", "Change (people)"),
    ("percent_change", "Change (%)"),
    ("significant", "Significant change"),
]
#: The two shares drawn for each recorded category, and their colours.
SHARE_OF_ALL, SHARE_OF_RECORDED = "% of all people", "% of those recorded"
SHARE_COLOURS = {SHARE_OF_ALL: PREVIOUS_COLOUR, SHARE_OF_RECORDED: CURRENT_COLOUR}


def count_comparison_table(
    frame: pd.DataFrame, keys: Sequence[tuple[str, str]], year_label: str, comparison_label: str
) -> pd.DataFrame:
    """The table (and download) under a count chart: key columns, both years' counts with their
    95% intervals (Byar / exact Poisson), the change and its significance, ``*`` where hidden."""
    return board.display_table(frame, [*keys, *COUNT_COMPARISON_COLUMNS], year_label=year_label,
                               comparison_label=comparison_label)


def recorded_share_table(
    frame: pd.DataFrame, completeness: pd.DataFrame, category: str, heading: str, year_label: str,
    comparison_label: str,
) -> pd.DataFrame:
    """The table under a "shares among the recorded" chart: for each recorded category, people,
    % of all people, the number recorded, % of those recorded with its 95% interval, for both
    years, and the change in the share of those recorded; then a last row "All recorded" with the
    number recorded and its % of all people (the field's completeness). ``*`` where hidden.
    ``frame`` is ``analysis.views.people.shares_among_recorded``'s first frame."""
    columns = [
        (category, heading), ("count", "People {year}"), ("all_value", "% of all {year}"),
        ("denominator", "Of people recorded {year}"), ("value", "% of recorded {year}"),
        ("lower", "Lower 95% CI {year}"), ("upper", "Upper 95% CI {year}"),
        ("previous_count", "People {comparison}"), ("previous_all_value", "% of all {comparison}"),
        ("previous_denominator", "Of people recorded {comparison}"), ("previous_value", "% of recorded {comparison}"),
        ("previous_lower", "Lower 95% CI {comparison}"), ("previous_upper", "Upper 95% CI {comparison}"),
        ("change", "Change in % of recorded (percentage points)"), ("significant", "Significant change"),
    ]
    table = board.display_table(frame, columns, year_label=year_label, comparison_label=comparison_label)
    row = completeness.iloc[0]
    names = [heading.format(year=year_label, comparison=comparison_label)
             for _, heading in columns]
    total = {name: "" for name in names}
    total[names[0]] = "All recorded (completeness)"
    for prefix, count_name, share_name, flag in (
        ("", names[1], names[2], "suppressed"), ("previous_", names[7], names[8], "previous_suppressed"),
    ):
        hidden = bool(row[flag])
        total[count_name] = SUPPRESSED if hidden else f"{row[f'{prefix}count']:,.0f}"
        total[share_name] = SUPPRESSED if hidden else f"{row[f'{prefix}value']:,.1f}"
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)


def recorded_share_bars(
    frame: pd.DataFrame, category: str, title: str, year_label: str, comparison_label: str
) -> go.Figure | None:
    """For each recorded category, two bars side by side: its % of all people and its % of the
    people with the field recorded, each with its 95% interval (Wilson), the comparison year as
    an unfilled outline. ``frame`` is ``analysis.views.people.shares_among_recorded``'s first frame."""
    if frame.empty:
        return None
    parts = []
    for name, source in ((SHARE_OF_ALL, "all_"), (SHARE_OF_RECORDED, "")):
        columns: dict[str, object] = {category: frame[category].to_numpy(), "suppressed": None,
                                      "previous_suppressed": None}
        for prefix in ("", "previous_"):
            columns[f"{prefix}count"] = frame[f"{prefix}count"].to_numpy()
            columns[f"{prefix}denominator"] = np.full(len(frame), np.nan) if source else \
                frame[f"{prefix}denominator"].to_numpy()
            for column in ("value", "lower", "upper"):
                columns[f"{prefix}{column}"] = frame[f"{prefix}{source}{column}"].to_numpy()
            # a share hidden by suppression is drawn as *; one with no denominator is left blank
            columns[f"{prefix}suppressed"] = (frame[f"{prefix}suppressed"].to_numpy(dtype=bool)
                                              & frame[f"{prefix}{source}value"].isna().to_numpy())
        columns["share"] = [name] * len(frame)
        parts.append(pd.DataFrame(columns))
    long = pd.concat(parts, ignore_index=True)
    long.attrs.update(kind=PROPORTION, per=100)
    return grouped_comparison_bars(long, category, "share", title, year_label, comparison_label,
                                   groups=[SHARE_OF_ALL, SHARE_OF_RECORDED], colours=SHARE_COLOURS)


def single_age_bars(frame: pd.DataFrame, title: str, year_label: str, comparison_label: str) -> go.Figure | None:
    """People by single year of age, one bar per sex at each age (counts, 95% interval), the
    comparison year as an unfilled outline; ages labelled with their band ("16 (15-17)").
    ``frame`` is ``analysis.views.people.single_year_of_age``."""
    if frame.empty:
        return None
    labelled = frame.assign(age_label=[f"{a} ({b})" for a, b in zip(frame["age"], frame["age_band"], strict=True)])
    labelled.attrs.update(frame.attrs)
    return grouped_comparison_bars(labelled, "age_label", "sex", title, year_label, comparison_label,
                                   groups=list(PYRAMID_SIDES) + ["Other / not stated"])


__all__ = [
    "CHANGE_INTERVAL_COLUMNS", "COMPARISON_COLUMNS", "COUNT_COMPARISON_COLUMNS", "SHARE_COLOURS", "SHARE_OF_ALL",
    "SHARE_OF_RECORDED", "count_comparison_table", "recorded_share_bars", "recorded_share_table", "single_age_bars", "SCALE_COUNT", "SCALE_PERCENT", "age_sex_pyramid",
    "change_dots", "comparison_table", "grouped_comparison_bars", "share_heatmap",
]
