"""Treatment and exits: interventions, time in treatment, exits, completion, retention and presentations."""

import streamlit as st

from analysis import activity, board, charts, charts_activity
from analysis.views.treatment_exits import treatment_exits
from analysis.yoy import COUNT, PROPORTION
from analysis.text import as_text
from ui import render, state

data = state.current_dataset()
selection: state.Selection = st.session_state["selection"]
fy, comparison, filters = selection.fy, selection.comparison_fy, selection.filters
figures = state.compute(treatment_exits, data, fy, comparison, filters)
labels = dict(year_label=fy.label, comparison_label=comparison.label)
who = filters.describe()

st.title("Treatment and exits")
st.markdown(f"**{fy.label}** compared with **{comparison.label}** · {as_text(filters.describe(data.district_names))}")


def block(name: str, figure, keys: list[tuple[str, str]], kind: str = PROPORTION) -> None:
    """Draw one figure with its summary and its table (the page's only repeated pattern)."""
    table = board.display_table(getattr(figures, name), activity.comparison_columns(keys, kind), **labels)
    render.figure_block(figure, table, figures.summaries[name], key=f"treatment_{name}", filename=f"treatment_{name}")


st.header("Interventions by sex")
block("interventions", charts_activity.faceted_comparison_bars(
    figures.interventions, "intervention", "sex", f"Interventions received, % of people of each sex: {who}",
    fy.label, comparison.label), [("sex", "Sex"), ("intervention", "Intervention")])

st.header("Time in treatment")
st.caption("Weeks from triage to discharge, or to 31 March for people still in treatment (each person's latest "
           "episode). Means and medians of fewer than 5 people are shown as *.")
block("time_bins", charts.comparison_bars(figures.time_bins, "weeks", f"People in treatment by weeks in treatment: {who}",
                                          fy.label, comparison.label, horizontal=False), [("weeks", "Weeks in treatment")])
render.figure_block(
    charts_activity.time_summary_bars(figures.time_summary, f"Mean and median weeks in treatment: {who}",
                                      fy.label, comparison.label),
    activity.time_summary_table(figures.time_summary, fy.label, comparison.label), figures.summaries["time_summary"],
    key="treatment_time_summary", filename="treatment_time_summary")

st.header("Exits")
block("exit_groups", charts.comparison_bars(figures.exit_groups, "exit_group", f"People discharged by exit group: {who}",
                                            fy.label, comparison.label), [("exit_group", "Exit group")])
block("exit_reasons", charts.comparison_bars(figures.exit_reasons, "discharge_reason",
                                             f"People discharged by discharge reason: {who}", fy.label,
                                             comparison.label, group="exit_group"), [("exit_group", "Exit group"),
                                                                 ("discharge_reason", "Discharge reason")])
st.markdown(figures.summaries["unknown_exits"])

st.header("Time in treatment by exit group")
st.caption("People discharged in the year, each by their last discharge in the year: weeks from that episode's "
           "triage to its discharge. Means and medians of fewer than 5 people (or of a group hidden so that one "
           "cannot be worked out) are shown as *.")
render.figure_block(
    charts_activity.time_summary_bars(figures.exit_time, f"Mean and median weeks in treatment by exit group: {who}",
                                      fy.label, comparison.label, category="exit_group"),
    activity.time_summary_table(figures.exit_time, fy.label, comparison.label, category="exit_group",
                                heading="Exit group"),
    figures.summaries["exit_time"], key="treatment_exit_time", filename="treatment_exit_time")

st.header("Back in treatment")
st.caption("People discharged in the year (by their last discharge in it) who are in treatment again on 31 March: "
           "a later episode, in any service, open on that day. Wilson 95% intervals; change judged by Newcombe's "
           "interval.")
block("back", charts.comparison_bars(figures.back, "measure", f"Back in treatment on 31 March: {who}",
                                     fy.label, comparison.label), [("measure", "Measure")])

st.header("Successful completion and 12-week retention")
st.caption("Successful completion: planned exits / (all exits - transfers); exits with no known reason stay in. "
           "12-week retention: people whose first triage in the year was at least 12 weeks before 31 March, "
           "retained when that episode lasted 12 weeks or more. Wilson 95% intervals; change judged by Newcombe's "
           "interval.")
block("outcomes", charts.comparison_bars(figures.outcomes, "indicator", f"Completion and retention: {who}",
                                         fy.label, comparison.label), [("indicator", "Indicator")])

st.header("New presentations and re-presentations")
for sentence in figures.lookback.values():
    st.caption(sentence)
block("presentations", charts.comparison_bars(figures.presentations, "presentation", f"People presenting: {who}",
                                              fy.label, comparison.label, horizontal=False),
      [("presentation", "Presentation")], kind=COUNT)
