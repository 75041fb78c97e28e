"""Monthly trends (SPC): referrals, new presentations and successful completions per month as XmR charts."""

import streamlit as st

from analysis import charts_spc
from analysis.views import spc as model
from analysis.text import as_text
from ui import render, state

NO_REBASE = "No rebase"

data = state.current_dataset()
selection: state.Selection = st.session_state["selection"]
fy, filters = selection.fy, selection.filters

st.title("Monthly trends (SPC)")
st.markdown(f"Every month to the end of **{fy.label}** (shaded) · {as_text(filters.describe(data.district_names))}")
st.caption("Statistical process control as NHS England's Making Data Count defines it: the mean and process limits "
           "(mean ± 2.66 × average moving range); special cause is a point beyond a limit, 7 points rising or "
           "falling, 2 of 3 points near a limit, or 7 points on one side of the mean. Small numbers: a series with "
           "any month of 1-4 is not drawn.")
months = state.compute(model.series_months, data, fy)
labels = {f"{m:%b %Y}": m for m in months[1:]}
kept_rebase, kept_targets = state.spc_settings()  # this session's, kept when another page was shown
options = [NO_REBASE, *labels]
kept_label = f"{kept_rebase:%b %Y}" if kept_rebase is not None else NO_REBASE
left, right = st.columns(2)
rebase_label = left.selectbox("Rebase the limits from", options, key="spc_rebase",
                              index=options.index(kept_label) if kept_label in options else 0,
                              help="A month where the process changed, e.g. a new contract's start: the mean and "
                                   "limits are worked out again from that month.")
target = right.number_input("Target: successful completions per month", min_value=0.0,
                            value=dict(kept_targets).get("planned_exits"), step=1.0,
                            key="spc_target_planned_exits", help="Optional. Gives the assurance: whether the "
                            "process can be expected to meet it. Referrals and new presentations have no better "
                            "direction, so no assurance.")
targets = (("planned_exits", float(target)),) if target is not None else ()
state.remember_spc_settings(labels.get(rebase_label), targets)  # the board pack's slides use them too
figures = state.compute(model.spc_page, data, fy, filters, labels.get(rebase_label), targets)

for chart in figures.charts:
    st.header(chart.series.title)
    table = model.table(chart)
    if chart.too_small:
        st.info(chart.summary)
        with st.expander("Table and download"):
            render.table_with_downloads(table, [chart.summary], key=f"spc_{chart.series.key}",
                                        filename=f"spc_{chart.series.key}", title=chart.series.title,
                                        definition=chart.series.definition)
        continue
    if chart.variation:
        st.markdown(f"**{chart.variation_words}** · {chart.assurance_words}")
    if chart.short_series:
        st.warning("Fewer than 12 months since the last rebase: these are trial limits, revised with each new month.")
    figure = charts_spc.xmr_chart(
        chart.monthly, f"{chart.series.title}: {filters.describe()}", unit=chart.series.unit,
        variation_words=chart.variation_words, variation=chart.variation or "common_cause",
        assurance_words=chart.assurance_words, assurance=chart.assurance, selected_year=fy,
        rebase_month=chart.rebase_month, target=chart.target,
    ) if chart.variation else None
    render.figure_block(figure, table, chart.summary, key=f"spc_{chart.series.key}",
                        filename=f"spc_{chart.series.key}", empty_message=chart.summary,
                        definition=chart.series.definition)
    st.caption(chart.series.definition)

if not months:
    st.info("No months to show for this data set.")
