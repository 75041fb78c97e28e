"""Substances: problem substances (any mention and primary), drug class, by sex and age band, and change since the comparison year."""

import streamlit as st

from analysis import charts, charts_profiles, profiles
from analysis.codes import SEX_GROUPS
from analysis.views.substances import VIEW_LABELS, VIEWS, substances
from analysis.text import as_text
from ui import render, state

data = state.current_dataset()
selection = state.selection()
fy, comparison, filters = selection.fy, selection.comparison_fy, selection.filters
figures = state.compute(substances, data, fy, comparison, filters)
years = dict(year_label=fy.label, comparison_label=comparison.label)
keys = [("substance", "Substance group")]

st.title("Substances")
st.markdown(f"**{fy.label}** compared with **{comparison.label}** · {as_text(filters.describe(data.district_names))}. "
            "Percentages of people in treatment during the year. **Any mention** counts a person for every "
            "substance recorded (so shares can sum past 100%); **primary** counts the main substance only.")

columns = st.columns(2)
for column, view in zip(columns, VIEWS, strict=True):
    with column:
        frame = figures.overall[view]
        render.figure_block(
            charts.comparison_bars(frame, "substance", VIEW_LABELS[view], fy.label, comparison.label),
            charts_profiles.comparison_table(frame, keys, **years), figures.summaries[f"overall:{view}"],
            key=f"substances_overall_{view.replace(' ', '_')}", filename=f"substances_{view.replace(' ', '_')}",
        )

st.header("Drug class (Misuse of Drugs Act 1971)")
st.caption("Any mention: a person counts in every class any of their substances (latest episode in the year) "
           "falls in. \"Not controlled / other\" also holds codes naming drugs of several classes (other opiates).")
frame = figures.drug_class
render.figure_block(
    charts_profiles.grouped_comparison_bars(frame, "drug_class", "sex", "Drug class (any mention): % of people of "
                                            "each sex", fy.label, comparison.label, groups=SEX_GROUPS),
    charts_profiles.comparison_table(frame, [("sex", "Sex"), ("drug_class", "Drug class")], **years),
    figures.summaries["drug_class"], key="substances_drug_class", filename="substances_drug_class",
)
with st.expander("Which substance is in which class"):
    st.dataframe(profiles.drug_class_table(), hide_index=True, key="substances_drug_class_mapping")

labels = {VIEW_LABELS[v]: v for v in VIEWS}
view = labels[st.radio("Breakdowns below use", list(labels), horizontal=True, key="substances_view")]
name = view.replace(" ", "_")

st.header("By sex")
frame = figures.by_sex[view]
render.figure_block(
    charts_profiles.grouped_comparison_bars(frame, "substance", "sex", f"{VIEW_LABELS[view]}: % of people of each sex",
                                            fy.label, comparison.label, groups=SEX_GROUPS),
    charts_profiles.comparison_table(frame, [("sex", "Sex"), *keys], **years),
    figures.summaries[f"by_sex:{view}"], key="substances_by_sex", filename=f"substances_by_sex_{name}",
)

st.header("By age band")
frame = figures.by_age[view]
render.figure_block(
    charts_profiles.share_heatmap(frame, "age_band", "substance",
                                  f"{VIEW_LABELS[view]}: % of people in each age band, {fy.label}"),
    charts_profiles.comparison_table(frame, [("age_band", "Age band"), *keys], **years),
    figures.summaries[f"by_age:{view}"], key="substances_by_age", filename=f"substances_by_age_{name}",
)

st.header(f"Change since {comparison.label}")
frame = figures.change[view]
render.figure_block(
    charts_profiles.change_dots(frame, "substance", f"{VIEW_LABELS[view]}: change in share", comparison.label),
    charts_profiles.comparison_table(frame, keys, **years),
    figures.summaries[f"change:{view}"], key="substances_change", filename=f"substances_change_{name}",
)
