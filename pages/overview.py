"""Overview: the headline figures of the selected year beside the comparison year, and their trends."""

import streamlit as st

from analysis import board, charts, districts, indicators
from analysis.views.overview import overview, overview_trend
from analysis.text import as_text
from ui import render, state

data = state.current_dataset()
selection = state.selection()
fy, comparison, filters = selection.fy, selection.comparison_fy, selection.filters
figures = state.compute(overview, data, fy, comparison, filters)

st.title("Overview")
compared = f"compared with **{comparison.label}**" if comparison else f"· {comparison.label}, so no change is shown"
st.markdown(f"**{fy.label}** {compared} · {as_text(filters.describe(data.district_names))} · "
            f"rates per 1,000 population {districts.age_range_label(filters)}")
# three tiles a row: at 1280 px (a projector) four tiles cut their labels and comparisons short
TILES_PER_ROW = 3
for position, indicator in enumerate(indicators.INDICATORS):
    if position % TILES_PER_ROW == 0:
        columns = st.columns(TILES_PER_ROW)
    with columns[position % TILES_PER_ROW]:
        if indicator.id in figures.not_applicable:
            render.not_applicable(indicator.label, figures.not_applicable[indicator.id], indicator.definition)
            continue
        row = figures.headlines[indicator.id]
        whose = f" {render.escape(figures.rate_whose)}." if indicator.id == "rate_per_1000" else ""
        render.headline(indicator.label, row.iloc[0], row.attrs["kind"], comparison.label, indicator.definition + whose)
        if indicator.id in figures.contexts:
            st.caption(figures.contexts[indicator.id])
st.caption(render.escape(f"Rate per 1,000 population: {figures.rate_whose}."), help=indicators.BY_ID["rate_per_1000"].definition)
if figures.unmet_need_band:
    st.caption(figures.unmet_need_band)
st.markdown(figures.most_common_substance)
for note in figures.notes:
    st.caption(note)

st.header("Trends over every year in the data")
labels = {i.label: i for i in indicators.INDICATORS}
indicator = labels[st.selectbox("Indicator", list(labels), key="trend_indicator")]
trend = state.compute(overview_trend, data, indicator.id, filters)
if trend.attrs.get("not_applicable"):
    st.info(f"{indicator.label}: {trend.attrs['not_applicable']}.")
else:
    figure = charts.trend_line(trend, f"{indicator.label}: {filters.describe(data.district_names)}",
                               highlight=[fy.label, comparison.label] if comparison else [fy.label])
    table = board.display_table(trend, [("year", "Financial year"), ("count", "Count"), ("denominator", "Denominator"),
                                        ("value", "Value"), ("lower", "Lower 95% CI"), ("upper", "Upper 95% CI")])
    render.figure_block(figure, table, figures.summaries[indicator.id], key="trend_chart",
                        filename=f"trend_{indicator.id}")

st.header("Unmet need")
st.markdown(figures.unmet_need_sentence)
st.caption("Prevalence estimates cover the whole partnership for an age band: the selected service picks the band "
           "(young people 15-24, adults and all services 15-64, as loaded), and people in treatment of those ages in "
           "any service are counted; the sex, age-band and district filters do not apply here. "
           "Unmet need = 1 - people in treatment / estimated prevalence; the range comes from the estimate's "
           "95% interval." + (" The demo's prevalence estimates are illustrative, not published." if data.is_demo else ""))
render.static_table(figures.unmet_need_table, hide_index=True)  # wraps: every column on screen at 1280 px
