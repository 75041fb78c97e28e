"""Districts and map: rates per 1,000 by district on a map and a funnel plot, and people by ward and postcode district."""

import streamlit as st

from analysis import charts, maps
from analysis.views.districts_map import districts_map
from analysis.text import as_text
from ui import render, state

data = state.current_dataset()
selection = state.selection()
fy, comparison, filters = selection.fy, selection.comparison_fy, selection.filters
figures = state.compute(districts_map, data, fy, comparison, filters,
                        district_boundaries=state.district_boundaries(data), ward_boundaries=state.ward_boundaries(data))
labels = dict(year_label=fy.label, comparison_label=comparison.label)


def choose_district() -> None:
    """A district clicked on the map becomes the sidebar's district filter (runs before the rerun)."""
    points = st.session_state["districts_map"]["selection"]["points"]
    codes = [p.get("location") for p in points if p.get("location") in data.district_names]
    if codes:
        st.session_state["district"] = codes[0]


st.title("Districts and map")
st.markdown(f"**{fy.label}** compared with **{comparison.label}** · {as_text(filters.describe(data.district_names))} · "
            f"people in treatment per 1,000 population {figures.ages}")
st.caption("Every district is shown so they can be compared. Click a district on the map to filter every page by it.")

view = st.radio("Colour the map by", [maps.RATE_VIEW, maps.CHANGE_VIEW], horizontal=True, key="districts_map_view")
title = (f"People in treatment per 1,000 population {figures.ages}, {fy.label}" if view == maps.RATE_VIEW
         else f"Change in the rate per 1,000 population {figures.ages}, {comparison.label} to {fy.label}")
figure = maps.district_map(figures.districts, figures.district_geojson, view=view, title=title,
                           selected=filters.district, **labels)
if figure is None:
    st.warning(figures.boundaries_note or "No district boundaries match the data set's districts.",
               icon=":material/map:")
    st.page_link("pages/data.py", label="Upload your district boundaries on the Data page", icon=":material/upload:")
    st.caption(figures.rate_summary if view == maps.RATE_VIEW else figures.change_summary)
else:
    if figures.boundaries_note:
        st.caption(figures.boundaries_note)
    st.plotly_chart(figure, key="districts_map", on_select=choose_district, selection_mode="points", width="stretch",
                    alt=f"Map: {render.chart_name(title)}", config=render.chart_config("district_map"), theme=None)
    render.attribution()
    left_off = maps.names_left_off(figures.districts, figures.district_geojson)
    if left_off:
        st.caption(render.escape(maps.NAMES_LEFT_OFF_NOTE.format(names=", ".join(left_off))))
    st.caption(figures.rate_summary if view == maps.RATE_VIEW else figures.change_summary)
    st.caption(f"Grey districts: figures rest on fewer than 5 people (shown as *). {render.SUPPRESSION_NOTE}")

st.header("Rates by district")
st.caption(render.escape(f"Partnership rate per 1,000 population: {figures.rate_whose}. Each district's people are "
                         f"those {figures.ages} (age at triage of their latest episode in the year), over the "
                         f"population of the same ages and sex."))
st.markdown(figures.not_known)
render.table_with_downloads(figures.district_table, [figures.rate_summary, figures.not_known],
                            key="districts_map_rates", filename="district_rates", wrap=True)

st.header("Districts against the partnership rate")
funnel = maps.funnel_plot(figures.districts, figures.funnel_limits, float(figures.partnership["value"].iloc[0]),
                          title=f"Funnel plot: rate per 1,000 population {figures.ages} by population, {fy.label}",
                          year_label=fy.label)
render.figure_block(funnel, figures.funnel_table, figures.funnel_summary, key="districts_map_funnel",
                    filename="district_funnel", empty_message=figures.funnel_summary)

st.header("Finer areas")
wards, postcodes = st.tabs(["Wards", "Postcode districts"])
with wards:
    ward_map = maps.area_count_map(figures.wards, figures.ward_geojson, code_property="ward_code",
                                   title=f"People in treatment by ward (2013 wards), {fy.label}", year_label=fy.label)
    if ward_map is None and not figures.ward_geojson["features"]:
        st.info("No ward boundaries are held for these districts, so wards are listed by code without a map.")
        st.caption(figures.ward_summary)
        render.table_with_downloads(figures.ward_table, [figures.ward_summary], key="districts_map_wards",
                                    filename="people_by_ward")
    else:
        render.figure_block(ward_map, figures.ward_table, figures.ward_summary, key="districts_map_wards",
                            filename="people_by_ward", empty_message=figures.ward_summary)
        render.attribution()
with postcodes:
    bars = charts.comparison_bars(figures.postcodes, "name", f"Share of people in treatment by postcode district, "
                                  f"{fy.label}", fy.label, comparison.label)
    render.figure_block(bars, figures.postcode_table, figures.postcode_summary, key="districts_map_postcodes",
                        filename="people_by_postcode_district", empty_message=figures.postcode_summary)
