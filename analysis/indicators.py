"""The indicator registry: every headline figure declared once, as data, with its definition."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from analysis import districts, profiles

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
        "Referrals with a referral date in the financial year (referrals, not people).",
        "Referrals received", "", 1, NO_POLARITY, "referrals", SOURCE_REFERRALS, profiles.referrals,
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
    ("Comparison year in a shared link",
     "The page's link always carries both years, so a shared link shows the same comparison as the sender's "
     "screen. Changing the year resets the comparison to the year before it."),
    ("Rate per 1,000: whose rate",
     "Every rate says whose rate it is: the people of the denominator ages among all people in treatment "
     "(e.g. \"5.7 per 1,000 aged 10-64: 2,935 of the 3,028 people in treatment\"). The rate itself is unchanged."),
    ("Rate per 1,000: starting selection",
     "With one service in the data, the service filter, and so the rate's ages, start on it: young people's "
     "data alone give rates per 1,000 aged 10-19, not 10-64."),
    ("Unmet need: age band",
     "Any age band of the prevalence estimates is used for the matching selection: a band within ages 10-24 "
     "(e.g. 15-24) for the young people's service, a whole-adult band (e.g. 15-64) for adults and all services; "
     "people in treatment of the band's ages in any service are counted, and the band is stated beside the "
     "tiles. Before, 15-64 was used whatever the service. When no loaded band matches, the page says which "
     "bands are loaded."),
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
