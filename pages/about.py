"""Definitions and sources: every indicator's definition, the statistical methods, and attributions."""

import streamlit as st

from analysis import indicators, stats
from analysis.dataset import APPROXIMATE_POPULATION_NOTICE, BOUNDARY_ATTRIBUTION, SYNTHETIC_NOTICE
from analysis.filters import SERVICE_AGE_RANGE
from analysis.suppression import MIN_SHOWN_COUNT
from ui import render, state

data = state.current_dataset()
st.title("Definitions and sources")

# Tables that wrap their text (st.table), not st.dataframe, which cuts long definitions off on a
# projector: one per indicator, each field on a row of its own, so every definition is read in full.
st.header("Indicators")
st.caption("Open an indicator to read its definition, numerator, denominator, unit, polarity and source.")
for _, indicator in indicators.registry_table().iterrows():
    with st.expander(indicator["Indicator"]):
        fields = indicator.drop("Indicator").rename_axis("Field").reset_index(name="Text")
        render.static_table(fields.set_index("Field"))

st.header("What changed in this revision of the definitions")
render.static_table(indicators.definition_changes_table().set_index("Topic"))

st.header("Methods")
ranges = ", ".join(f"{service} {lo}-{hi}" for service, (lo, hi) in SERVICE_AGE_RANGE.items())
st.markdown(f"""
- **Financial year**: 1 April to 31 March. People are counted once per measure; a person's age band, sex
  and district are those of their latest episode in the year within the selected service.
- **Rate per 1,000**: people in treatment of the denominator ages ({ranges}) / population of the same ages
  and sex × 1,000, using the mid-year estimate of the year's first calendar year.
- **Intervals**: 95% confidence intervals. Counts and rates: {stats.METHOD_EXACT_POISSON} limits below
  {stats.BYAR_MINIMUM_COUNT}, {stats.METHOD_BYAR} approximation from {stats.BYAR_MINIMUM_COUNT}. Proportions:
  {stats.METHOD_WILSON}. As in England's public-health profiles (PHEindicatormethods).
- **Change since the comparison year**: counts and rates, {stats.METHOD_RATE_RATIO}; proportions,
  {stats.METHOD_NEWCOMBE}. A change is called significant when the 95% interval of the ratio excludes 1 (or
  of the difference excludes 0).
- **Funnel plots**: 95% and 99.8% control limits around the partnership value (PHE method).
- **Monthly trends (SPC)**: XmR charts as NHS England's Making Data Count defines them and the NHS-R
  Community's NHSRplotthedots (v0.2.2) computes them: mean ± 2.66 × average moving range (moving ranges of
  3.267 × the average or more screened out once), recomputed from a rebase month. Special cause, in this order:
  a point beyond a process limit; 7 points in a row rising or falling; 2 of 3 points beyond two thirds of the
  way to a limit, all on one side of the mean; 7 points in a row on one side of the mean. Judged as
  improvement or concern by the indicator's better direction; assurance against a target from the limits.
  A series with any month of 1-4 is not drawn.
- **Small numbers**: counts from 1 to {MIN_SHOWN_COUNT - 1} are shown as `*`, with secondary suppression so a
  hidden count cannot be worked out from totals, and every rate, percentage or change built on one.
""")

st.header("Data shown now")
st.markdown(f"**{data.label}** (version `{data.version}`, loaded {data.loaded_at:%d %b %Y %H:%M}).")
if data.is_demo:
    st.warning(SYNTHETIC_NOTICE)
if data.population_is_approximate:
    st.caption(APPROXIMATE_POPULATION_NOTICE)
for warning in data.warnings:
    st.caption(warning)

st.header("Attribution")
st.markdown(BOUNDARY_ATTRIBUTION)
