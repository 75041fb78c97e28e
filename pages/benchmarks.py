"""Benchmarks and targets: the partnership against England and its comparator group, the national outcome
measure by substance group, and targets by year or quarter against the year to date."""

import streamlit as st

from analysis import charts_benchmarks as charts
from analysis import indicators, targets
from analysis.views import benchmarks as model
from ui import indicator_targets, render, state

data = state.current_dataset()
selection = state.selection()
fy, comparison, filters = selection.fy, selection.comparison_fy, selection.filters
where = filters.describe(data.district_names)
figures = state.compute(model.benchmarks, data, fy, comparison, filters)

st.title("Benchmarks and targets")
st.text(f"{fy.label} · {where}")
if figures.illustrative:
    st.warning(model.ILLUSTRATIVE_NOTICE, icon=":material/science:")

st.header("Against England")
if not figures.has_comparators:
    st.info(model.NO_COMPARATORS)
else:
    if figures.scope_note:
        st.info(figures.scope_note)
    st.caption("Each indicator's local value against England's average (the centre line), worst (left) and best "
               "(right). Marker: a triangle when the local 95% interval excludes England's value (up: higher, down: "
               "lower), a circle when it does not; colour: better (blue), worse (vermilion), similar (amber), or "
               "higher/lower (indigo) where neither direction is better.")
    render.figure_block(charts.spine_chart(figures.spine, f"Spine chart: {model.scope_label(figures, where)}", illustrative=figures.illustrative),
                        model.spine_display(figures.spine, figures.illustrative), figures.spine_summary,
                        key="benchmarks_spine", filename="spine_chart",
                        empty_message="No indicator has an England value for this year.")
    st.header("Compared with similar areas")
    if figures.compare_choices:
        chosen = st.selectbox("Indicator", list(figures.compare_choices), key="benchmarks_compare",
                              format_func=figures.compare_choices.get)
        areas = model.compare_areas(data, figures, chosen, fy, "Partnership (this data)")
        label = figures.compare_choices[chosen]
        unit = indicators.BY_ID[chosen].unit if chosen in indicators.BY_ID else ""
        render.figure_block(charts.compare_areas_chart(areas, f"{label}: comparator group", unit,
                                                       illustrative=figures.illustrative),
                            model.compare_display(areas),
                            model.compare_sentence(areas, label if chosen in indicators.BY_ID else
                                                   indicator_targets.plain(label), figures.illustrative),
                            key="benchmarks_areas", filename="compare_areas")
    else:
        st.info("The comparators table has no comparator group (e.g. CIPFA nearest neighbours) for these indicators.")

st.header("Successful completion without re-presentation within 6 months")
for note in figures.notes:
    st.caption(note)
if figures.c19_year is not None and figures.c19_comparison is not None:
    render.figure_block(
        charts.outcome_chart(figures.c19, f"Completion without re-presentation by substance group: {where}",
                             figures.c19_year.label, figures.c19_comparison.label, illustrative=figures.illustrative),
        model.c19_display(figures.c19, figures.c19_year, figures.c19_comparison, figures.illustrative),
        figures.c19_summary,
        key="benchmarks_c19", filename="completion_without_representation",
        definition=indicators.OUTCOME_INDICATORS[0].definition)
else:
    st.info(figures.c19_summary)

st.header("Targets and trajectories")
st.caption(f"RAG rule: {targets.RAG_RULE} Quarters: Q1 April-June, Q2 July-September, Q3 October-December, Q4 "
           "January-March; actual figures count the year to date, so Q4 is the whole year.")
record = indicator_targets.stored(data)
indicator_targets.controls(data, record)
chosen_target = st.selectbox("Indicator", list(targets.QUARTERLY_INDICATORS), key="benchmarks_target_indicator",
                             format_func=lambda i: indicators.BY_ID[i].label)
words = targets.QUARTERLY_INDICATORS[chosen_target]
plan = state.compute(model.target_figures, data, fy, filters, tuple(tuple(sorted(r.items()))
                     for r in (record or {}).get("rows", [])), chosen_target)
if plan.not_applicable:
    st.info(plan.sentence)
else:
    st.markdown(f"**{plan.sentence}** {targets.rag_sentence(plan.quarterly, fy)}")
    if plan.note:
        st.text(plan.note)
    render.figure_block(charts.trajectory_chart(plan.quarterly, f"{indicators.BY_ID[chosen_target].label}, "
                                                f"{fy.label} by quarter: {where}", words),
                        model.trajectory_display(plan.quarterly), plan.sentence, key="benchmarks_trajectory",
                        filename="trajectory", definition=indicators.BY_ID[chosen_target].definition)
    render.figure_block(charts.annual_trajectory_chart(plan.annual, f"{indicators.BY_ID[chosen_target].label}: "
                                                       f"plan by year: {where}", words),
                        model.annual_display(plan.annual), plan.sentence, key="benchmarks_annual",
                        filename="targets_by_year", empty_message="No year targets set for this indicator.")
