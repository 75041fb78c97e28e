"""Referrals: who refers, the share from key referring agencies against a target, and referrals per month."""

import streamlit as st

from analysis import activity, board, charts, charts_activity
from analysis.codes import DEFAULT_KEY_REFERRAL_GROUPS, REFERRAL_SOURCE_GROUPS
from analysis.views.referrals import DEFAULT_TARGET_PERCENT, agencies_phrase, referrals
from analysis.yoy import COUNT, PROPORTION
from ui import render, state

data = state.current_dataset()
selection: state.Selection = st.session_state["selection"]
fy, comparison, filters = selection.fy, selection.comparison_fy, selection.filters
labels = dict(year_label=fy.label, comparison_label=comparison.label)

st.title("Referrals")
st.markdown(f"**{fy.label}** compared with **{comparison.label}** · {filters.describe()}")
left, right = st.columns([3, 1])
chosen = left.multiselect("Key referring agencies", REFERRAL_SOURCE_GROUPS, default=list(DEFAULT_KEY_REFERRAL_GROUPS),
                          key="referrals_key_groups", help="The referral sources whose share has a target.")
target = right.number_input("Target share (%)", min_value=0.0, max_value=100.0, value=DEFAULT_TARGET_PERCENT,
                            step=1.0, key="referrals_target")
groups = tuple(group for group in REFERRAL_SOURCE_GROUPS if group in chosen)
figures = state.compute(referrals, data, fy, comparison, filters, groups, float(target))

render.headline("Referrals received", figures.total.iloc[0], COUNT, comparison.label,
                "Referrals with a referral date in the financial year (referrals, not people).")

st.subheader("Referrals by source")
figure = charts.comparison_bars(figures.by_source, "referral_source", f"Referrals by source: {filters.describe()}",
                                fy.label, comparison.label)
table = board.display_table(
    figures.by_source, activity.comparison_columns([("referral_source", "Referral source")], PROPORTION), **labels)
render.figure_block(figure, table, figures.by_source_summary, key="referrals_by_source", filename="referrals_by_source")

st.subheader("Share of referrals from key referring agencies")
if not groups:
    st.info("Choose at least one key referring agency above to see its share against the target.")
else:
    share = figures.key_share
    render.headline(f"Share from {agencies_phrase(groups)}", share.iloc[0], PROPORTION, comparison.label,
                    "Referrals from the chosen agencies as a percentage of all referrals (Wilson 95% CI).")
    figure = charts_activity.share_against_target(share, figures.target, f"Referrals from {agencies_phrase(groups)}",
                                                  fy.label, comparison.label)
    columns = activity.comparison_columns([], PROPORTION) + [
        ("target", "Target %"), ("target_met", "Target met {year}"), ("against_target", "95% CI against target {year}")]
    render.figure_block(figure, board.display_table(share, columns, **labels), figures.key_share_summary,
                        key="referrals_key_share", filename="referrals_key_agencies")

st.subheader("Referrals per month")
st.caption(f"The 24 months to 31 March {fy.end.year}. Months with 1-4 referrals, and months that would reveal "
           "them from the year's total, are shown as *.")
figure = charts_activity.monthly_bars(figures.monthly, f"Referrals per month: {filters.describe()}")
table = board.display_table(figures.monthly, [("month_label", "Month"), ("financial_year", "Financial year"),
                                              ("count", "Referrals"), ("lower", "Lower 95% CI"),
                                              ("upper", "Upper 95% CI")])
render.figure_block(figure, table, figures.monthly_summary, key="referrals_monthly", filename="referrals_per_month")
