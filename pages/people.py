"""People in treatment: age and sex (single year of age for young people), ethnicity, accommodation, in care and
injecting (also as shares of those recorded), against the comparison year."""

import streamlit as st

from analysis import charts, charts_profiles
from analysis.views.people import BREAKDOWNS, people
from analysis.text import as_text
from ui import render, state

data = state.current_dataset()
selection = state.selection()
fy, comparison, filters = selection.fy, selection.comparison_fy, selection.filters
figures = state.compute(people, data, fy, comparison, filters)
years = dict(year_label=fy.label, comparison_label=comparison.label)

st.title("People in treatment")
st.markdown(f"**{fy.label}** compared with **{comparison.label}** · {as_text(filters.describe(data.district_names))}. "
            "People in treatment during the year, each counted once, with 95% intervals (Wilson).")

st.header("Age and sex")
scales = {"% of people": charts_profiles.SCALE_PERCENT, "Number of people": charts_profiles.SCALE_COUNT}
scale = scales[st.radio("Show", list(scales), horizontal=True, key="people_pyramid_scale")]
pyramid = figures.pyramid
render.figure_block(
    charts_profiles.age_sex_pyramid(pyramid, f"Age and sex, {fy.label} (outline: {comparison.label})",
                                    fy.label, comparison.label, scale=scale),
    charts_profiles.comparison_table(pyramid, [("age_band", "Age band"), ("sex", "Sex")], **years),
    figures.summaries["pyramid"], key="people_pyramid", filename="people_age_sex",
)

st.header("Single year of age")
if "single_age" in figures.notes:
    st.info(figures.notes["single_age"])
else:
    render.figure_block(
        charts_profiles.single_age_bars(figures.single_age, f"People by single year of age (at triage), {fy.label} "
                                        f"(outline: {comparison.label})", fy.label, comparison.label),
        charts_profiles.count_comparison_table(figures.single_age, [("sex", "Sex"), ("age", "Age"),
                                                                    ("age_band", "Age band")], **years),
        figures.summaries["single_age"], key="people_single_age", filename="people_single_year_of_age",
    )

for attribute, words in BREAKDOWNS.items():
    st.header(words)
    if attribute in figures.notes:
        st.caption(figures.notes[attribute])
    if attribute == "accommodation_status":
        row = figures.accommodation_recorded
        render.headline("Accommodation status recorded", row.iloc[0], row.attrs["kind"], comparison.label,
                        "People whose accommodation status is recorded (settled, temporary or no fixed abode), "
                        "as % of people in treatment.")
        st.caption(figures.summaries["accommodation_recorded"])
    frame = figures.breakdowns[attribute]
    render.figure_block(
        charts.comparison_bars(frame, attribute, f"{words}, % of people", fy.label, comparison.label),
        charts_profiles.comparison_table(frame, [(attribute, words)], **years),
        figures.summaries[attribute], key=f"people_{attribute}", filename=f"people_{attribute}",
        empty_message=figures.notes.get(attribute, "No people match the selected filters for this chart."),
    )
    among = figures.among_recorded.get(attribute)
    if among is not None and not among.empty:
        st.markdown(f"**{words}: share of all people and of those with it recorded**")
        render.figure_block(
            charts_profiles.recorded_share_bars(among, attribute, f"{words}: % of all and % of those recorded",
                                                fy.label, comparison.label),
            charts_profiles.recorded_share_table(among, figures.completeness[attribute], attribute, words, **years),
            figures.summaries[f"among_recorded:{attribute}"], key=f"people_{attribute}_recorded",
            filename=f"people_{attribute}_among_recorded",
        )
