"""The app's colours (analysis.palette) meet WCAG 2.2 AA contrast, and the theme, stylesheet and
charts use them (issue 14)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
import pytest

from analysis import charts, charts_activity, charts_profiles, charts_spc, maps, palette

ROOT = Path(__file__).resolve().parent.parent
TEXT, GRAPHIC = palette.MIN_TEXT_CONTRAST, palette.MIN_GRAPHIC_CONTRAST


def test_contrast_ratio_matches_hand_computed_wcag_values():
    # black on white: (1 + 0.05) / (0 + 0.05) = 21; white on white = 1
    assert palette.contrast_ratio("#000000") == pytest.approx(21)
    assert palette.contrast_ratio("#ffffff") == pytest.approx(1)
    # #767676: channel 118/255 = 0.46275 -> ((0.46275 + 0.055) / 1.055) ** 2.4 = 0.18116 (all channels,
    # so L = 0.18116); (1.05) / (0.18116 + 0.05) = 4.542
    assert palette.contrast_ratio("#767676") == pytest.approx(4.542, abs=0.001)
    # order does not matter
    assert palette.contrast_ratio("#ffffff", "#767676") == pytest.approx(palette.contrast_ratio("#767676"))
    # Streamlit's default caption colour measured by axe-core in Chromium: 3.88:1 (issue 14)
    assert palette.contrast_ratio("#828180") == pytest.approx(3.88, abs=0.01)


@pytest.mark.parametrize("background", [palette.BACKGROUND, palette.SIDEBAR_BACKGROUND])
def test_text_colours_reach_4_5_to_1_on_the_page_and_the_sidebar(background):
    for name in ("TEXT", "SECONDARY_TEXT", "PRIMARY"):
        assert palette.contrast_ratio(getattr(palette, name), background) >= TEXT, name
    # the focus ring is a graphic: 3:1 against both backgrounds (WCAG 2.4.13 / 1.4.11)
    assert palette.contrast_ratio(palette.FOCUS, background) >= GRAPHIC


def test_streamlits_faded_caption_of_the_theme_text_reaches_4_5_to_1():
    # Streamlit draws captions as the text colour at 60% opacity: blend it on white by hand
    text = palette.TEXT.lstrip("#")
    blended = "#" + "".join(f"{round(0.6 * int(text[i:i + 2], 16) + 0.4 * 255):02x}" for i in (0, 2, 4))
    assert palette.contrast_ratio(blended) >= TEXT


def test_chart_graphics_reach_3_to_1_on_white():
    graphics = {"CURRENT": palette.CURRENT, "PREVIOUS": palette.PREVIOUS, "MISSING": palette.MISSING,
                "UNMAPPED": palette.UNMAPPED, "LINE": palette.LINE, "OUTLINE": palette.OUTLINE,
                "TARGET": palette.TARGET, "HIGHER": palette.HIGHER, "LOWER": palette.LOWER,
                **{f"CATEGORICAL[{i}]": c for i, c in enumerate(palette.CATEGORICAL)},
                **{f"SEX {k}": c for k, c in palette.SEX.items()}}
    low = {name: round(palette.contrast_ratio(colour), 2) for name, colour in graphics.items()
           if palette.contrast_ratio(colour) < GRAPHIC}
    assert low == {}


def test_the_comparison_year_grey_was_below_3_to_1_and_is_now_above():
    assert palette.contrast_ratio("#9E9E9E") < GRAPHIC  # the old grey: 2.7:1 (issue 14)
    assert palette.contrast_ratio(palette.PREVIOUS) >= TEXT  # dark enough for text too


def test_spc_markers_reach_3_to_1_on_white_and_on_the_years_shading():
    for colour in charts_spc.POINT_COLOURS.values():
        assert palette.contrast_ratio(colour) >= GRAPHIC
        assert palette.contrast_ratio(colour, palette.SPC_SHADE) >= GRAPHIC
    for colour in (palette.SPC_MEAN, palette.SPC_LIMIT):
        assert palette.contrast_ratio(colour, palette.SPC_SHADE) >= GRAPHIC


def test_categories_keep_distinct_colours():
    assert len(set(palette.CATEGORICAL)) == len(palette.CATEGORICAL)
    assert len(set(palette.SEX.values())) == len(palette.SEX)
    assert palette.PREVIOUS != palette.MISSING != palette.UNMAPPED


def test_the_chart_modules_use_the_palette():
    assert (charts.CURRENT_COLOUR, charts.PREVIOUS_COLOUR, charts.MISSING_COLOUR) == (
        palette.CURRENT, palette.PREVIOUS, palette.MISSING)
    assert charts_activity.TARGET_COLOUR == palette.TARGET
    assert charts_profiles.SHARE_COLOURS[charts_profiles.SHARE_OF_ALL] == palette.PREVIOUS
    assert maps.OUTLINE_COLOUR == palette.OUTLINE and maps.MISSING_COLOUR == palette.MISSING
    assert charts_spc.SHADE_COLOUR == palette.SPC_SHADE
    every_colour = {c.lower() for c in [*palette.CATEGORICAL, *palette.SEX.values(), palette.MISSING,
                                        palette.UNMAPPED]}
    assert {c.lower() for c in charts.CATEGORY_COLOURS.values()} <= every_colour
    # no colour left written into the chart modules outside the palette, but white backgrounds
    for module in ("charts.py", "charts_activity.py", "charts_profiles.py", "maps.py", "map_labels.py"):
        source = (ROOT / "analysis" / module).read_text()
        assert set(re.findall(r'"(#[0-9a-fA-F]{6})"', source)) <= {"#000000", "#ffffff"}, module


def test_every_figure_gets_the_template_with_dark_text():
    assert palette.TEMPLATE_NAME in pio.templates
    pio.templates.default = "streamlit" if "streamlit" in pio.templates else "plotly"  # as Streamlit leaves it
    figure = charts.layout(go.Figure([go.Bar(x=["a"], y=[1], name="one"), go.Bar(x=["a"], y=[2], name="two")]), "A title")
    full = figure.full_figure_for_development(warn=False)
    assert full.layout.font.color == palette.TEXT
    assert full.layout.title.font.color == palette.TEXT
    assert full.layout.xaxis.tickfont.color == palette.TEXT
    assert full.layout.yaxis.title.font.color == palette.TEXT
    assert full.layout.legend.font.color == palette.TEXT


def test_the_template_is_plotly_white_under_the_palette_merged_once():
    # registered already merged: a "plotly_white+daat" name was merged again for every figure (30 ms each)
    assert palette.TEMPLATE == palette.TEMPLATE_NAME
    expected = pio.templates.merge_templates("plotly_white", palette.chart_template())
    # plotly_white's trace defaults are kept for the trace types the charts draw, and only those
    expected.data = {kind: traces for kind, traces in expected.data.to_plotly_json().items()
                     if kind in palette.TRACE_TYPES}
    assert pio.templates[palette.TEMPLATE] == expected
    assert palette.apply_template(go.Figure()).layout.template == expected
    assert set(expected.data.to_plotly_json()) == {"bar", "scatter", "heatmap", "choropleth"}  # plotly_white has no choroplethmap
    # plotly_white's own settings are kept where the palette sets nothing (its white plot area and grid)
    assert expected.layout.plot_bgcolor == palette.BACKGROUND and expected.layout.xaxis.gridcolor == palette.GRID
    assert expected.data.bar and expected.layout.scene.xaxis.gridcolor == pio.templates["plotly_white"].layout.scene.xaxis.gridcolor


def test_every_trace_type_the_charts_draw_keeps_its_template_defaults():
    """The template keeps plotly_white's trace defaults only for ``palette.TRACE_TYPES``: every trace the
    chart modules build must be one of them (else it would be drawn without plotly_white's look)."""
    import re
    from pathlib import Path

    built = set()
    for module in Path(palette.__file__).parent.glob("*.py"):
        text = module.read_text()
        built |= {name.lower() for name in re.findall(r"go\.([A-Z][A-Za-z]+)\(", text)}
        built |= set(re.findall(r"\.add_(bar|scatter|heatmap|choropleth|choroplethmap|pie|histogram|box|violin)\(", text))
    built -= {"figure"}
    assert built and built <= set(palette.TRACE_TYPES), built - set(palette.TRACE_TYPES)


def test_the_streamlit_theme_and_stylesheet_use_the_palette():
    theme = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["theme"]
    assert theme["textColor"].lower() == palette.TEXT
    assert theme["backgroundColor"].lower() == palette.BACKGROUND
    assert theme["secondaryBackgroundColor"].lower() == palette.SIDEBAR_BACKGROUND
    assert theme["primaryColor"].lower() == palette.PRIMARY.lower()
    style = (ROOT / "ui" / "style.css").read_text().lower()
    assert palette.SECONDARY_TEXT in style and palette.FOCUS in style


def test_applying_the_template_does_not_validate_it_again_and_gives_the_same_figure(monkeypatch):
    """Issue 12 (browser): the registered template was validated once when registered; applying it to a
    chart copies it in as plotly sets its default template, without re-validating it (3.4 ms a call, two
    calls a chart). The figure sent to the browser is exactly the one the validating way gives."""
    from _plotly_utils.basevalidators import BaseTemplateValidator

    def built():
        return go.Figure([go.Bar(x=["a", "b"], y=[1, 2], name="one")]).update_layout(title="A title")

    validated = built().update_layout(template=palette.TEMPLATE)
    calls = []
    original = BaseTemplateValidator.validate_coerce

    def counting(self, value, skip_invalid=False):
        calls.append(value)
        return original(self, value, skip_invalid=skip_invalid)

    monkeypatch.setattr(BaseTemplateValidator, "validate_coerce", counting)
    figure = palette.apply_template(built())
    assert calls == []  # not validated again
    assert figure.to_plotly_json() == validated.to_plotly_json()
    assert pio.to_json(figure, validate=False) == pio.to_json(validated, validate=False)
    # applied twice (charts.layout, then ui.render.figure_block): still the same figure
    assert palette.apply_template(figure).to_plotly_json() == validated.to_plotly_json()
    # and the template can still be read and changed through plotly afterwards
    assert figure.layout.template.layout.font.color == palette.TEXT
