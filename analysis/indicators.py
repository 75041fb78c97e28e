"""The indicator registry: every headline figure declared once, as data, with its definition."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from analysis import activity, districts, outcomes, profiles
from analysis.codes import YOUNG_PEOPLE
from analysis.filters import Filters

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
    #: Services the indicator does not apply to: shown as "not applicable", never as another
    #: service's figure (GLOSSARY "Effective treatment").
    not_applicable_to: tuple[str, ...] = ()
    #: A proportion shown beside the headline as its context (e.g. NI 40's share of adult OCU).
    context: Callable[..., pd.DataFrame] | None = None

    def not_applicable(self, filters: Filters) -> str | None:
        """Why the indicator has no figure for this selection, or ``None`` when it applies."""
        if filters.service in self.not_applicable_to:
            return profiles.NOT_APPLICABLE_TO_YOUNG_PEOPLE
        return None


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
        "Planned exits (treatment completed) / (all exits in the year - transfers); people, each counted "
        "once by their last discharge in the year. Exits with the \"other\" reason, no reason or a code "
        "mapped to no group (\"Other / not known\") stay in the denominator.",
        "People with a planned exit", "People discharged in the year, excluding transfers", 100,
        HIGHER_IS_BETTER, "%", SOURCE_TREATMENT, profiles.successful_completion_rate,
    ),
    Indicator(
        "retention_12_weeks", "12-week retention",
        "People whose first triage in the year was at least 12 weeks (84 days) before 31 March, retained "
        "when that episode lasted 84 days or more (still open on 31 March, or discharged 84 or more days "
        "after triage), as a percentage of them. People, not episodes.",
        "People retained 12 weeks or more", "People whose first triage in the year was at least 12 weeks "
        "before 31 March", 100, HIGHER_IS_BETTER, "%", SOURCE_TREATMENT, profiles.retention_12_weeks,
    ),
    Indicator(
        "effective_treatment", "Effective treatment (NI 40, adult OCU)",
        "NI 40: the number of adult opiate and/or crack users (opiates or crack recorded at any rank on "
        "their latest adult episode in the year) in treatment in the year for whom any adult episode "
        "overlapping the year was retained 12 weeks (84 days) or more (to discharge, or to 31 March if "
        "open) or ended in a planned exit within 12 weeks. A count of people; the share of adult OCU in "
        "treatment is its context. Not applicable to the young people's service.",
        "Adult OCU in effective treatment", "", 1, HIGHER_IS_BETTER, "people", SOURCE_TREATMENT,
        profiles.effective_treatment, not_applicable_to=(YOUNG_PEOPLE,), context=profiles.effective_treatment_share,
    ),
)


_C19_DEFINITION = (
    "People in treatment in the financial year whose substances (latest episode in the year, any rank) put them "
    "in the group, who completed treatment successfully (their last discharge in the year a planned exit, no other "
    "episode open that day) and did not re-present (no episode triaged in the 6 months after that discharge), as "
    "a percentage of all people in treatment in the year in the group (Wilson interval). Groups as PHOF C19a-d: "
    "opiates (any opiate); non-opiates (other drugs, no alcohol, no opiate); alcohol (alcohol only); alcohol and "
    "non-opiates. Needs 6 months of follow-up after the year: a year the data do not follow up that far has no "
    "figure.")
_C19_SOURCE = (f"{SOURCE_TREATMENT}. Method as the Public Health Outcomes Framework indicator C19a-d (OHID, "
               "successful completion of drug and alcohol treatment), computed locally from the records")


def _c19(id_: str, group: str, compute: Callable[..., pd.DataFrame]) -> Indicator:
    return Indicator(
        id_, f"Completion without re-presentation: {group.lower()}", _C19_DEFINITION,
        f"People in the {group.lower()} group who completed successfully and did not re-present within 6 months",
        f"People in treatment in the year in the {group.lower()} group", 100, HIGHER_IS_BETTER, "%", _C19_SOURCE,
        compute,
    )


#: The national outcome measure by substance group (issue 13 item 5). Not headline tiles of the Overview
#: (``INDICATORS``): shown on the Benchmarks and targets page for the years whose follow-up the data cover.
OUTCOME_INDICATORS: tuple[Indicator, ...] = (
    _c19("completion_no_representation_opiates", "Opiates", outcomes.opiates),
    _c19("completion_no_representation_non_opiates", "Non-opiates", outcomes.non_opiates),
    _c19("completion_no_representation_alcohol", "Alcohol", outcomes.alcohol),
    _c19("completion_no_representation_alcohol_non_opiates", "Alcohol and non-opiates", outcomes.alcohol_non_opiates),
)
#: Every indicator of the registry: the headline ones, then the outcome measures.
ALL_INDICATORS: tuple[Indicator, ...] = INDICATORS + OUTCOME_INDICATORS

BY_ID: dict[str, Indicator] = {indicator.id: indicator for indicator in ALL_INDICATORS}


#: What changed in the current revision of the definitions (docs/GLOSSARY.md), as (topic, change) pairs,
#: shown on the Definitions page so a reader comparing with an earlier board paper knows why a figure moved.
DEFINITION_CHANGES: tuple[tuple[str, str], ...] = (
    ("Comparison year",
     "The default is the year before the one selected; only earlier years are offered; the earliest year "
     "in the data has no comparison, and the page says so."),
    ("Effective treatment (NI 40)",
     "A person counts when ANY of their adult episodes overlapping the year was retained 12 weeks or more or "
     "ended in a planned exit within 12 weeks (before, only their latest episode was looked at). Shown as the "
     "count of people (NI 40 is a count), with the share of adult OCU in treatment as context; \"not "
     "applicable\" for the young people's service instead of the adult figure."),
    ("Exits with an \"other\" or unknown reason",
     "The NDTMS \"other\" reason, an empty reason and a code mapped to no group are exits of a new group, "
     "\"Other / not known\". The successful completion rate is planned exits / (all exits - transfers), so "
     "these exits stay in its denominator (before, an unmapped or empty reason dropped out of it)."),
    ("12-week retention",
     "Now defined on people: those whose first triage in the year was at least 12 weeks (84 days) before "
     "31 March, retained when that episode lasted 84 days or more. The figures were already counted this way "
     "(checked), so they do not move."),
    ("Which episode describes a person (exits, retention, presentations)",
     "With an age band, sex or district selected, a person discharged, starting treatment or presenting in the "
     "year is placed by their latest episode in the year (within the selected service), as everywhere else; "
     "before, by the episode that put them in the measure (e.g. the one discharged)."),
    ("Time in treatment by exit group; back in treatment",
     "New: mean and median weeks in treatment of people discharged in the year, by exit group; and people "
     "discharged in the year who are in treatment again on 31 March."),
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
    ("Successful completion without re-presentation (new)",
     "The national outcome measure (PHOF C19 style) by substance group: opiates; non-opiates; alcohol; alcohol and "
     "non-opiates, as a percentage of all in treatment in the group, shown only for years with 6 months of "
     "follow-up in the data (Benchmarks and targets page)."),
    ("Benchmarks and targets (new)",
     "Local values against England's value (significantly higher or lower when the local 95% interval excludes "
     "it), its lowest and highest areas and the comparator group, from the optional comparators table; targets by "
     "year or quarter against the year-to-date figures."),
    ("Against England with filters set",
     "England's and comparator areas' values are published by service, never by age band, sex or district, so the "
     "spine and compare-areas charts follow the service filter only: with any other filter they show the whole "
     "service (said on the page, the slide and each finding), and the outcome measure's table, which follows every "
     "filter, shows no England value. Before, a filtered group (e.g. young women in one district) was set against "
     "England's whole-area value."),
    ("Key findings (new sources)",
     "Key findings now also state indicators whose 95% interval excludes England's value, the gap to a target in "
     "people with its RAG status (only where a target is set), special-cause variation in the latest 6 months of "
     "the SPC charts, and significant changes in completion without re-presentation by substance group."),
    ("Referrals: the referral's own service (new optional column)",
     "A referrals file may now give each referral's service (young_people or adult). The glossary already counted a "
     "referral under its own service first, but the data contract had no such column, so an uploaded service was "
     "not read: every referral took its episode's service, and a person never treated was under \"Not known\"."),
    ("Board pack: monthly trends slides",
     "The slides use the rebase month and the target set on the Monthly trends page in the same session, and their "
     "notes say which (before, the pack always drew them with no rebase and no target, whatever the page showed); "
     "the Board pack page states the settings used. The page keeps them when the user comes back to it."),
)


def definition_changes_table() -> pd.DataFrame:
    """The changes in this revision of the definitions, as the Definitions page shows them."""
    return pd.DataFrame(list(DEFINITION_CHANGES), columns=["Topic", "What changed"])


def registry_table() -> pd.DataFrame:
    """The registry as the table the Definitions page shows (one row per indicator)."""
    return pd.DataFrame([{
        "Indicator": i.label, "Definition": i.definition, "Numerator": i.numerator,
        "Denominator": i.denominator or "none (a count)", "Unit": i.unit, "Polarity": i.polarity, "Source": i.source,
    } for i in ALL_INDICATORS])
