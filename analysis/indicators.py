"""The indicator registry: every headline figure declared once, as data, with its definition."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from analysis import activity, districts, profiles

#: Polarity: whether a higher value is better, worse, or neither (for need, not performance).
HIGHER_IS_BETTER, LOWER_IS_BETTER, NO_POLARITY = "higher is better", "lower is better", "no judgement"
SOURCE_TREATMENT = "Treatment episodes (NDTMS-style client-level extract)"
SOURCE_REFERRALS = "Referral records"
SOURCE_POPULATION = "Mid-year population estimates by district, single year of age and sex"


@dataclass(frozen=True)
class Indicator:
    """One headline indicator: what it counts, over what, how it is judged, and where from."""

    id: str
    label: str
    definition: str
    numerator: str
    denominator: str
    per: int
    polarity: str
    unit: str
    source: str
    compute: Callable[..., pd.DataFrame]


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "people_in_treatment", "People in treatment",
        "People with at least one episode in treatment during the financial year: triage on or before "
        "31 March and discharge empty or on or after 1 April. Each person counted once.",
        "People in treatment during the year", "", 1, NO_POLARITY, "people", SOURCE_TREATMENT,
        profiles.people_in_treatment,
    ),
    Indicator(
        "rate_per_1000", "Rate per 1,000 population",
        "People in treatment of the service's denominator ages (young people 10-19, adults 18-64, "
        "all services 10-64) per 1,000 population of the same ages and sex (mid-year estimate of "
        "the year's first calendar year).",
        "People in treatment in the age group", "Population of the age group", 1000, NO_POLARITY,
        "per 1,000", f"{SOURCE_TREATMENT}; {SOURCE_POPULATION}", districts.partnership_rate,
    ),
    Indicator(
        "new_presentations", "New presentations",
        "People triaged in the year with no episode open in the 12 months before that triage.",
        "People newly presenting", "", 1, NO_POLARITY, "people", SOURCE_TREATMENT,
        profiles.new_presentations,
    ),
    Indicator(
        "snapshot", "In treatment on 31 March",
        "People with an episode open on 31 March: triaged on or before it and not discharged by it.",
        "People in treatment on 31 March", "", 1, NO_POLARITY, "people", SOURCE_TREATMENT,
        profiles.in_treatment_on_31_march,
    ),
    Indicator(
        "referrals", "Referrals received",
        "Referrals with a referral date in the financial year (referrals, not people). A referral is counted "
        "under the sex, age band and district of the episode it led to, else of the person's latest episode; "
        "referrals of people never treated are counted in the total and under district, sex and service "
        "\"Not known\" (their service is the referral's own where recorded).",
        "Referrals received", "", 1, NO_POLARITY, "referrals", SOURCE_REFERRALS, profiles.referrals,
    ),
    Indicator(
        "people_referred", "People referred",
        "Distinct people with at least one referral received in the financial year (each person once, "
        "however many referrals they had), shown beside the number of referrals.",
        "People referred", "", 1, NO_POLARITY, "people", SOURCE_REFERRALS, activity.people_referred,
    ),
    Indicator(
        "referrals_led_to_triage", "Referrals that led to triage in the year",
        activity.LED_TO_TRIAGE_DEFINITION[activity.LINK_BY_EPISODE] + " When the referrals table records no "
        "episode ids, a referral is tied to its triage by person instead: an episode of the same person triaged "
        "on or after the referral date and on or before 31 March.",
        "Referrals received in the year that led to triage in the year", "Referrals received in the year", 100,
        NO_POLARITY, "%", f"{SOURCE_REFERRALS}; {SOURCE_TREATMENT}", activity.referrals_led_to_triage,
    ),
    Indicator(
        "successful_completion", "Successful completion rate",
        "Planned exits (treatment completed) as a percentage of all exits in the year excluding "
        "transfers; each person once, by their last discharge in the year.",
        "People with a planned exit", "People with a planned or unplanned exit", 100,
        HIGHER_IS_BETTER, "%", SOURCE_TREATMENT, profiles.successful_completion_rate,
    ),
    Indicator(
        "retention_12_weeks", "12-week retention",
        "People starting treatment in the year at least 12 weeks before 31 March whose episode lasted "
        "12 weeks (84 days) or more, as a percentage of them.",
        "People retained 12 weeks or more", "People starting treatment", 100, HIGHER_IS_BETTER, "%",
        SOURCE_TREATMENT, profiles.retention_12_weeks,
    ),
    Indicator(
        "effective_treatment", "Effective treatment (adult OCU)",
        "Adult opiate and/or crack users in treatment in the year who were retained 12 weeks or more "
        "or discharged as completed within 12 weeks, as a percentage of them (NI 40).",
        "Adult OCU effectively treated", "Adult OCU in treatment", 100, HIGHER_IS_BETTER, "%",
        SOURCE_TREATMENT, profiles.effective_treatment,
    ),
)

BY_ID: dict[str, Indicator] = {indicator.id: indicator for indicator in INDICATORS}


#: What changed in the current revision of the definitions (docs/GLOSSARY.md), as (topic, change) pairs,
#: shown on the Definitions page so a reader comparing with an earlier board paper knows why a figure moved.
DEFINITION_CHANGES: tuple[tuple[str, str], ...] = (
    ("Comparison year",
     "The default is the year before the one selected; only earlier years are offered; the earliest year "
     "in the data has no comparison, and the page says so."),
    ("Referrals of people never treated",
     "Counted in the total and now also under district \"Not known\" and sex \"Not known\" (before, about 150 "
     "a year were in the total but in no district); their service is the referral's own where recorded, else "
     "the service of the person's latest episode, else \"Not known\"."),
    ("Key referring agencies target",
     "No target is assumed (before, 20% was filled in): until the partnership sets one, the Referrals page says "
     "\"no target set\". A target set on the page is stored with the data, with who set it and when."),
    ("People referred (new)",
     "Distinct people with a referral in the year, shown beside referrals received."),
    ("Referrals that led to triage (new)",
     "The share of referrals received in the year whose episode (the referral's episode_id) was triaged on or "
     "after the referral date within the same year, with its Wilson 95% interval."),
)


def definition_changes_table() -> pd.DataFrame:
    """The changes in this revision of the definitions, as the Definitions page shows them."""
    return pd.DataFrame(list(DEFINITION_CHANGES), columns=["Topic", "What changed"])


def registry_table() -> pd.DataFrame:
    """The registry as the table the Definitions page shows (one row per indicator)."""
    return pd.DataFrame([{
        "Indicator": i.label, "Definition": i.definition, "Numerator": i.numerator,
        "Denominator": i.denominator or "none (a count)", "Unit": i.unit, "Polarity": i.polarity, "Source": i.source,
    } for i in INDICATORS])
