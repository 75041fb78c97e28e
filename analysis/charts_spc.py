"""Chart builder of the Monthly trends (SPC) page: an XmR chart in Making Data Count's colours.

Points are coloured by type (improvement blue, concern orange, neutral purple, common cause grey:
the Making Data Count palette); the mean is a solid line and the process limits dashed, drawn per
period when the series is rebased; the selected financial year is shaded. The variation and
assurance icons are given in words, in a box coloured like the icon: text on white uses a darker
shade of the icon's colour wherever the icon colour itself is below WCAG's 4.5:1 contrast.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analysis import palette, spc
from analysis.charts import layout
from analysis.charts_activity import TARGET_COLOUR, TARGET_DASH
from analysis.periods import FinancialYear

#: Making Data Count's hues for each point type (fills and lines), darkened where the published colour
#: is below WCAG's 3:1 for graphics on white or on the year's shading (analysis.palette; tests/test_palette.py).
POINT_COLOURS = {
    spc.COMMON_CAUSE: palette.SPC_COMMON_CAUSE,
    spc.IMPROVEMENT: palette.SPC_IMPROVEMENT,
    spc.CONCERN: palette.SPC_CONCERN,
    spc.NEUTRAL_HIGH: palette.SPC_NEUTRAL,
    spc.NEUTRAL_LOW: palette.SPC_NEUTRAL,
}
#: Text on white in each type's colour: a shade of the hue at 4.5:1 or more (Making Data Count's own
#: #289de0 is 3.0:1, #fab428 1.8:1, #7B7D7D 4.1:1 on white; the darker shades are 5.5, 5.2 and 6.2:1).
TEXT_COLOURS = {
    spc.COMMON_CAUSE: "#5f6161",
    spc.IMPROVEMENT: "#1b6fa3",
    spc.CONCERN: "#946200",
    spc.NEUTRAL_HIGH: "#361475",
    spc.NEUTRAL_LOW: "#361475",
}
#: Assurance colours (Making Data Count: pass blue, fail orange, inconsistent grey).
ASSURANCE_TEXT_COLOURS = {spc.CONSISTENT_PASS: TEXT_COLOURS[spc.IMPROVEMENT],
                          spc.CONSISTENT_FAIL: TEXT_COLOURS[spc.CONCERN],
                          spc.INCONSISTENT: TEXT_COLOURS[spc.COMMON_CAUSE]}
ASSURANCE_COLOURS = {spc.CONSISTENT_PASS: POINT_COLOURS[spc.IMPROVEMENT],
                     spc.CONSISTENT_FAIL: POINT_COLOURS[spc.CONCERN],
                     spc.INCONSISTENT: POINT_COLOURS[spc.COMMON_CAUSE]}
#: Marker shapes, so special-cause points differ from common cause, and from each other, by more
#: than colour (WCAG 1.4.1): improvement a diamond, concern a square, neutral high and low triangles.
POINT_SYMBOLS = {spc.IMPROVEMENT: "diamond", spc.CONCERN: "square",
                 spc.NEUTRAL_HIGH: "triangle-up", spc.NEUTRAL_LOW: "triangle-down"}
MEAN_COLOUR, LIMIT_COLOUR = palette.SPC_MEAN, palette.SPC_LIMIT
SHADE_COLOUR = palette.SPC_SHADE
#: WCAG 2 minimum contrast of normal text.
MIN_TEXT_CONTRAST = 4.5


# one WCAG contrast computation for the whole app (analysis.palette), named here as before
relative_luminance, contrast_ratio = palette.relative_luminance, palette.contrast_ratio


def _period_lines(monthly: pd.DataFrame, column: str) -> tuple[list, list]:
    """x and y of a line drawn flat across each period, with a gap between periods."""
    xs: list = []
    ys: list = []
    for _, part in monthly.groupby("period", sort=True):
        xs += [part["month"].iloc[0], part["month"].iloc[-1], None]
        ys += [part[column].iloc[0], part[column].iloc[-1], None]
    return xs, ys


def xmr_chart(
    monthly: pd.DataFrame,
    title: str,
    *,
    unit: str,
    variation_words: str,
    variation: str,
    assurance_words: str,
    assurance: str | None,
    selected_year: FinancialYear,
    rebase_month: pd.Timestamp | None = None,
    target: float | None = None,
) -> go.Figure | None:
    """The XmR chart of one monthly series (``analysis.views.spc.SpcChart.monthly`` with its SPC
    columns), or None when there is nothing to draw (no months, or the series is too small to show)."""
    if monthly.empty or "point_type" not in monthly:
        return None
    figure = go.Figure()
    start, end = pd.Timestamp(selected_year.start), pd.Timestamp(selected_year.end)
    first, last = monthly["month"].min(), monthly["month"].max()
    if end >= first and start <= last:
        figure.add_vrect(x0=max(start, first) - pd.Timedelta(days=15), x1=min(end, last + pd.Timedelta(days=16)),
                         fillcolor=SHADE_COLOUR, opacity=1, layer="below", line_width=0,
                         annotation_text=f"{selected_year.label} (selected year)", annotation_position="top left",
                         annotation_font=dict(size=12, color="#231f20"),
                         annotation_bgcolor="rgba(255,255,255,0.85)")
    for column, name, dash in [("upl", "Process limits", "dash"), ("lpl", "Process limits", "dash"),
                               ("mean", "Mean", "solid")]:
        xs, ys = _period_lines(monthly, column)
        figure.add_scatter(x=xs, y=ys, mode="lines", name=name, line=dict(color=MEAN_COLOUR if column == "mean"
                                                                          else LIMIT_COLOUR, dash=dash, width=1.5),
                           hoverinfo="skip", showlegend=column != "lpl", legendgroup=name)
    figure.add_scatter(x=monthly["month"], y=monthly["count"].astype("float64"), mode="lines",
                       line=dict(color=POINT_COLOURS[spc.COMMON_CAUSE], width=1.5), hoverinfo="skip",
                       showlegend=False)
    for point_type in spc.POINT_TYPES:
        part = monthly[monthly["point_type"] == point_type]
        if part.empty:
            continue
        hover = [f"{label}: {count:,.0f} {unit}<br>{rule}" for label, count, rule
                 in zip(part["month_label"], part["count"], part["special_cause"], strict=True)]
        figure.add_scatter(x=part["month"], y=part["count"].astype("float64"), mode="markers",
                           name=spc.VARIATION_WORDS[point_type],
                           marker=dict(color=POINT_COLOURS[point_type],
                                       size=10 if point_type in POINT_SYMBOLS else 8,
                                       symbol=POINT_SYMBOLS.get(point_type, "circle"),
                                       line=dict(color="#ffffff", width=1)),
                           hovertext=hover, hoverinfo="text")
    if target is not None:
        figure.add_hline(y=target, line_color=TARGET_COLOUR, line_dash=TARGET_DASH,
                         annotation_text=f"Target {target:,g}", annotation_position="bottom right")
    if rebase_month is not None:
        figure.add_vline(x=rebase_month - pd.Timedelta(days=15), line_color=MEAN_COLOUR, line_width=1, line_dash="dot")
        figure.add_annotation(x=rebase_month, y=0, yref="paper", yanchor="bottom", xanchor="left", showarrow=False,
                              text=f"Rebased {rebase_month:%b %Y}", font=dict(size=12, color="#231f20"),
                              bgcolor="rgba(255,255,255,0.85)")
    icons = [(variation_words, TEXT_COLOURS[variation], POINT_COLOURS[variation])]
    if assurance is not None:
        icons.append((assurance_words, ASSURANCE_TEXT_COLOURS[assurance], ASSURANCE_COLOURS[assurance]))
    else:
        icons.append((assurance_words, TEXT_COLOURS[spc.COMMON_CAUSE], POINT_COLOURS[spc.COMMON_CAUSE]))
    for (text, text_colour, border), x, anchor in zip(icons, (0, 1), ("left", "right"), strict=True):
        figure.add_annotation(x=x, y=1.02, xref="paper", yref="paper", xanchor=anchor, yanchor="bottom",
                              showarrow=False, align=anchor, text=text, font=dict(size=13, color=text_colour),
                              bordercolor=border, borderwidth=2, borderpad=3, bgcolor="#ffffff")
    figure.update_xaxes(title=None, dtick="M6", tickformat="%b %Y", ticklabelmode="instant")
    # room above and below the points, limits and target, so no marker sits on the plot's edge
    shown = [monthly["count"].min(), monthly["count"].max(), monthly["lpl"].min(), monthly["upl"].max()]
    shown += [target] if target is not None else []
    low, high = float(min(shown)), float(max(shown))
    pad = 0.08 * (high - low or 1)
    figure.update_yaxes(title=f"{unit.capitalize()} per month", range=[low - pad, high + pad])
    figure = layout(figure, title, height=500)
    figure.update_layout(margin=dict(l=10, r=10, t=100, b=10),
                         legend=dict(orientation="h", yanchor="top", y=-0.08, xanchor="left", x=0),
                         plot_bgcolor="#ffffff")
    return figure


__all__ = ["POINT_COLOURS", "TEXT_COLOURS", "contrast_ratio", "xmr_chart"]
