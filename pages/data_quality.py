"""Data quality: completeness of each field against the comparison year, and checks listing records to correct."""

import datetime

import streamlit as st

from analysis import board
from analysis.filters import Filters
from analysis.views.data_quality import completeness_chart, data_quality, nothing_found_sentence
from ui import auth, render, state

data = state.current_dataset()
selection = state.selection()
fy, comparison, filters = selection.fy, selection.comparison_fy, selection.filters
rejected = {} if data.is_demo else state.saved_store().rejected()
figures = state.compute(data_quality, data, fy, comparison, Filters(service=filters.service), rejected=rejected,
                        today=datetime.date.today().isoformat())

st.title("Data quality")
st.markdown(f"**{fy.label}** compared with **{comparison.label}** · {filters.service.lower()} "
            "(only the service filter applies: these are counts of records, not people).")
st.header("Completeness")
for finding in figures.findings:
    st.markdown(f"- {finding}")
render.figure_block(completeness_chart(figures, fy, comparison), figures.completeness_table,
                    f"% of records with each field recorded, {fy.label} beside {comparison.label}, with 95% intervals.",
                    key="quality_completeness", filename="completeness", notes=figures.findings,
                    empty_message="No records match the selected service in this year.")
with st.expander("Completeness by financial year (%)"):
    st.dataframe(figures.completeness_by_year, hide_index=True, key="quality_by_year")
    st.caption(render.SUPPRESSION_NOTE)

# login and roles (issue 11): record-level lists are for analysts; viewers see the suppressed summaries
show_records = auth.is_analyst() and st.toggle(
    "Show the records to correct (record-level identifiers: for the data owner, not for a board)",
    key="quality_show_records")
for check in figures.checks:
    if not check.found:  # listed together on one line below
        continue
    st.header(check.title)
    st.markdown(check.detail)
    if not check.table.empty:
        st.dataframe(check.table, hide_index=True, key=f"quality_{check.id}_table")
    if show_records and len(check.records):
        st.dataframe(check.records, hide_index=True, key=f"quality_{check.id}_records")
if clear := nothing_found_sentence(figures.checks, fy, comparison):
    st.subheader("Checks that found nothing")
    st.markdown(clear)
st.caption(f"{render.SUPPRESSION_NOTE} Checks of whole data (duplicates, dates) ignore the year. "
           f"Counts below {board.MIN_SHOWN_COUNT} are not given in sentences.")
