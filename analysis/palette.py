"""The one place the app's colours are set (issue 14, WCAG 2.2 AA): text, backgrounds, chart colours,
and the plotly template every chart uses. The Streamlit theme (.streamlit/config.toml [theme]) and
ui/style.css repeat the few colours they need, and tests/test_palette.py checks they match.

Contrast (WCAG 2.2): text at 4.5:1 or more against its background (1.4.3); graphics that carry
meaning (bars, markers, lines, suppressed-area fill, focus rings) at 3:1 or more (1.4.11).
tests/test_palette.py computes every ratio with ``contrast_ratio``.
"""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

#: WCAG 2 minimum contrasts: normal text (1.4.3) and graphical objects / focus indicators (1.4.11).
MIN_TEXT_CONTRAST, MIN_GRAPHIC_CONTRAST = 4.5, 3.0

# --- page (the Streamlit theme) ---
BACKGROUND = "#ffffff"
#: Streamlit's light sidebar and input background (theme.secondaryBackgroundColor).
SIDEBAR_BACKGROUND = "#f0f2f6"
#: Body text (19.6:1 on white). Streamlit draws captions and help text as this colour at 60% opacity,
#: which on white gives about #6d6d6d (5.2:1); ui/style.css sets captions to SECONDARY_TEXT outright.
TEXT = "#0b0c0c"
#: Captions and other secondary text (7.1:1 on white, 6.3:1 on the sidebar).
SECONDARY_TEXT = "#505a5f"
#: Buttons, selected options, sliders and links (5.2:1 on white).
PRIMARY = "#0072B2"
#: Keyboard focus ring (ui/style.css): dark on the light page and sidebar.
FOCUS = "#0b0c0c"

# --- charts ---
#: The selected year and the comparison year (comparison bars are a darker grey than before: 5.7:1).
CURRENT, PREVIOUS = "#0072B2", "#666666"
#: "Not recorded" / "Not known" categories and suppressed map areas: a mid grey still at 3:1 (3.4:1).
MISSING = "#8c8c8c"
#: Local codes matching no reporting group.
UNMAPPED = "#4d4d4d"
#: Categorical colours, each at 3:1 or more on white: the Okabe-Ito hues that reach 3:1 (blue,
#: vermillion), Paul Tol's darker hues (green, purple, indigo, wine) and a dark ochre and teal.
CATEGORICAL = ["#0072B2", "#D55E00", "#117733", "#AA4499", "#A86800", "#332288", "#882255", "#007A87", "#000000"]
#: Sex, the same on every chart.
SEX = {"Male": "#0072B2", "Female": "#D55E00", "Other / not stated": "#117733"}
#: Error bars, reference lines, outlines of unfilled bars and map areas.
LINE = "#424242"
OUTLINE = "#333333"
#: Gridlines only help to read values off; they carry no meaning of their own (so need no 3:1).
GRID = "#e5e5e5"
#: Target lines and significantly higher points (3.9:1), significantly lower points (5.7:1).
TARGET, HIGHER, LOWER = "#D55E00", "#D55E00", "#117733"
#: Translucent band of a 95% interval (decoration: the interval is also in the hover and table).
INTERVAL_FILL = "rgba(0,114,178,0.15)"

# --- Monthly trends (SPC): Making Data Count's hues, darkened where a marker was below 3:1 ---
SPC_SHADE = "#e8edee"
SPC_COMMON_CAUSE, SPC_IMPROVEMENT, SPC_CONCERN, SPC_NEUTRAL = "#6b6d6d", "#1f7fc0", "#b36200", "#361475"
SPC_MEAN, SPC_LIMIT = "#231f20", "#5f6161"

#: Chart text (every title, axis, tick label, legend and annotation): dark, in Streamlit's own font.
CHART_FONT = dict(family='"Source Sans", "Source Sans Pro", sans-serif', color=TEXT)
TEMPLATE_NAME = "daat"


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a ``#rrggbb`` colour."""
    code = colour.lstrip("#")
    channels = [int(code[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground: str, background: str = BACKGROUND) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours, (L1 + 0.05) / (L2 + 0.05), from 1 to 21."""
    light, dark = sorted([relative_luminance(foreground), relative_luminance(background)], reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _axis() -> dict:
    return dict(color=TEXT, linecolor=LINE, tickcolor=LINE, gridcolor=GRID, zerolinecolor=LINE,
                title=dict(font=dict(color=TEXT)), tickfont=dict(color=TEXT))


def chart_template() -> go.layout.Template:
    """The plotly template of every chart: dark text everywhere, white backgrounds, the categorical colours."""
    return go.layout.Template(layout=dict(
        font=CHART_FONT, title=dict(font=dict(color=TEXT)), paper_bgcolor=BACKGROUND, plot_bgcolor=BACKGROUND,
        colorway=CATEGORICAL, xaxis=_axis(), yaxis=_axis(),
        legend=dict(font=dict(color=TEXT), title=dict(font=dict(color=TEXT))),
        coloraxis=dict(colorbar=dict(tickfont=dict(color=TEXT), title=dict(font=dict(color=TEXT)))),
        annotationdefaults=dict(font=dict(color=TEXT)),
        hoverlabel=dict(bgcolor=BACKGROUND, bordercolor=LINE, font=dict(color=TEXT)),
    ))


#: The template every chart is drawn with: plotly's white base, then this palette's text and lines, merged
#: once and registered under ``TEMPLATE_NAME``. (Named "plotly_white+daat", plotly merged the two again for
#: every figure made or given the template: about 30 ms each, a second over the board pack's charts.)
TEMPLATE = TEMPLATE_NAME
#: The plotly trace types the charts draw, whose plotly_white defaults the template keeps (a chart of
#: another type would be drawn without them: add its type here).
TRACE_TYPES = ("bar", "scatter", "heatmap", "choropleth", "choroplethmap")


def register_template() -> str:
    """Register the template (once; registering again replaces it with the same) and make it the
    default of every figure built after. Returns its name. Streamlit sets plotly's default template
    to its own when its chart module loads, so charts also name ``TEMPLATE`` themselves
    (``apply_template``) rather than rely on the default."""
    merged = pio.templates.merge_templates("plotly_white", chart_template())
    # plotly_white's defaults for the trace types the charts draw only: every figure copies its template,
    # and the other 20 types' defaults doubled that cost (6.5 -> 3.2 ms a figure) without changing a chart
    merged.data = {kind: traces for kind, traces in merged.data.to_plotly_json().items() if kind in TRACE_TYPES}
    pio.templates[TEMPLATE_NAME] = merged
    pio.templates.default = TEMPLATE
    return TEMPLATE_NAME


def apply_template(figure):
    """``figure`` drawn with this palette's template, whatever plotly's default is at the time."""
    if TEMPLATE_NAME not in pio.templates:
        register_template()
    # Set as plotly sets its default template (BaseFigure._initialize_layout_template): the registered
    # template was validated when it was registered, so it is copied in without validating it again. The
    # figure is the same; the validating way (update_layout(template=...)) deep-copied and re-validated the
    # whole template, about 3.4 ms a call, two calls a chart: 60 ms of the People page's 360 ms script run.
    layout = figure.layout
    layout._validate = False
    try:
        layout.template = pio.templates[TEMPLATE]
    finally:
        layout._validate = figure._validate
    return figure


register_template()
