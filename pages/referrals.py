"""Referrals: referrals and people referred, the share that led to triage, who refers, the share from key
referring agencies against the partnership's own target, and referrals per month."""

import streamlit as st

from analysis import activity, board, charts, charts_activity
from analysis.codes import DEFAULT_KEY_REFERRAL_GROUPS, REFERRAL_SOURCE_GROUPS
from analysis.views.referrals import agencies_phrase, referrals
from analysis.yoy import COUNT, PROPORTION
from analysis.text import as_text
from ui import render, state, targets

data = state.current_dataset()
selection: state.Selection = st.session_state["selection"]
fy, comparison, filters = selection.fy, selection.comparison_fy, selection.filters
labels = dict(year_label=fy.label, comparison_label=comparison.label)
stored = targets.stored_target(data)

st.title("Referrals")
st.markdown(f"**{fy.label}** compared with **{comparison.label}** · {as_text(filters.describe(data.district_names))}")
chosen = st.multiselect("Key referring agencies", REFERRAL_SOURCE_GROUPS, key="referrals_key_groups",
                        default=list(stored.groups if stored else DEFAULT_KEY_REFERRAL_GROUPS),
                        help="The referral sources whose share is shown against the partnership's target.")
groups = tuple(group for group in REFERRAL_SOURCE_GROUPS if group in chosen)
figures = state.compute(referrals, data, fy, comparison, filters, groups, targets.applied_target(stored, groups))

tiles = st.columns(3)
with tiles[0]:
    render.headline("Referrals received", figures.total.iloc[0], COUNT, comparison.label,
                    "Referrals with a referral date in the financial year (referrals, not people).")
with tiles[1]:
    render.headline("People referred", figures.people.iloc[0], COUNT, comparison.label,
                    "Distinct people with at least one referral in the financial year (95% CI: Byar).")
with tiles[2]:
    render.headline("Referrals that led to triage", figures.led_to_triage.iloc[0], PROPORTION, comparison.label,
                    f"{figures.led_to_triage_definition} As a % of referrals received (Wilson 95% CI).")

st.header("Referrals and people referred")
figure = charts.comparison_bars(figures.volume, "measure", f"Referrals and people referred: {filters.describe()}",
                                fy.label, comparison.label)
table = board.display_table(figures.volume, activity.comparison_columns([("measure", "Measure")], COUNT), **labels)
render.figure_block(figure, table, figures.volume_summary, key="referrals_volume", filename="referrals_and_people")

st.header("Referrals that led to triage in the year")
st.caption(figures.led_to_triage_definition)
figure = charts_activity.share_against_target(figures.led_to_triage, None, "Referrals that led to triage in the year",
                                              fy.label, comparison.label)
table = board.display_table(figures.led_to_triage, activity.comparison_columns([], PROPORTION), **labels)
render.figure_block(figure, table, figures.led_to_triage_summary, key="referrals_led_to_triage",
                    filename="referrals_led_to_triage")

st.header("Referrals by source")
figure = charts.comparison_bars(figures.by_source, "referral_source", f"Referrals by source: {filters.describe()}",
                                fy.label, comparison.label)
table = board.display_table(
    figures.by_source, activity.comparison_columns([("referral_source", "Referral source")], PROPORTION), **labels)
render.figure_block(figure, table, figures.by_source_summary, key="referrals_by_source", filename="referrals_by_source")

st.header("Share of referrals from key referring agencies")
targets.controls(data, stored, groups)
if not groups:
    st.info("Choose at least one key referring agency above to see its share.")
else:
    share = figures.key_share
    render.headline(f"Share from {agencies_phrase(groups)}", share.iloc[0], PROPORTION, comparison.label,
                    "Referrals from the chosen agencies as a percentage of all referrals (Wilson 95% CI).")
    figure = charts_activity.share_against_target(share, figures.target, f"Referrals from {agencies_phrase(groups)}",
                                                  fy.label, comparison.label)
    columns = activity.comparison_columns([], PROPORTION) + [("target", "Target %")]
    if figures.target is not None:
        columns += [("target_met", "Target met {year}"), ("against_target", "95% CI against target {year}")]
    render.figure_block(figure, board.display_table(share, columns, **labels), figures.key_share_summary,
                        key="referrals_key_share", filename="referrals_key_agencies")

st.header("Referrals per month")
st.caption(f"The 24 months to 31 March {fy.end.year}. Months with 1-4 referrals, and months that would reveal "
           "them from the year's total, are shown as *.")
figure = charts_activity.monthly_bars(figures.monthly, f"Referrals per month: {filters.describe()}")
table = board.display_table(figures.monthly, [("month_label", "Month"), ("financial_year", "Financial year"),
                                              ("count", "Referrals"), ("lower", "Lower 95% CI"),
                                              ("upper", "Upper 95% CI")])
render.figure_block(figure, table, figures.monthly_summary, key="referrals_monthly", filename="referrals_per_month")
