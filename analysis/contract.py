"""The data contract: the tables the product reads, their columns, types and which are required.

One declaration used by the loaders, the data page, the demo generator and ``data/README.md``.
Column names in a file are matched to these names case-insensitively, ignoring spaces,
underscores and hyphens (``Client ID`` matches ``client_id``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Column kinds. ``code`` columns are mapped to reporting groups by ``analysis.codes``.
ID, TEXT, DATE, INTEGER, NUMBER, CODE = "id", "text", "date", "integer", "number", "code"


@dataclass(frozen=True)
class Column:
    """One column of a table: its name, kind, whether it must be present, and what it holds."""

    name: str
    kind: str
    required: bool
    description: str
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class Table:
    """One table of the contract, with its columns and the columns that identify a row."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    optional: bool = False
    example: str = field(default="")

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


#: Oldest and youngest plausible age at triage; outside this a row is rejected.
MIN_AGE, MAX_AGE = 0, 110

EPISODES = Table(
    "episodes",
    "The treatment population: one row per treatment episode (triage to discharge).",
    (
        Column("client_id", ID, True, "Pseudonymised person identifier, the same across episodes."),
        Column("episode_id", ID, True, "Unique identifier of the treatment episode."),
        Column("sex", CODE, True, "Sex: M / F / X (other) / U (not stated), or words."),
        Column("age_at_triage", INTEGER, True, "Age in whole years on the triage date.", MIN_AGE, MAX_AGE),
        Column("ethnicity", CODE, False, "Ethnic group (ONS 2011 groups, or 'not stated')."),
        Column("district_code", TEXT, True, "ONS code of the district of residence; empty if not known."),
        Column("postcode_district", TEXT, False, "Outward part of the postcode, e.g. OX4; empty if not known."),
        Column("ward_code", TEXT, False, "ONS ward code of residence, where known."),
        Column("service", CODE, True, "young_people or adult."),
        Column("triage_date", DATE, True, "Date of triage (treatment start)."),
        Column("discharge_date", DATE, False, "Date of discharge; empty while the episode is open."),
        Column("discharge_reason", CODE, False, "NDTMS discharge reason; empty while open."),
        Column("accommodation_status", CODE, False, "settled / temporary / nfa (no fixed abode) / empty."),
        Column("in_care", CODE, False, "Looked-after child: Y / N / empty."),
        Column("injecting_status", CODE, False, "currently / previously / never / declined."),
    ),
    key=("episode_id",),
)

REFERRALS = Table(
    "referrals",
    "One row per referral received.",
    (
        Column("referral_id", ID, True, "Unique identifier of the referral."),
        Column("client_id", ID, True, "Person referred (same identifier as in episodes)."),
        Column("referral_date", DATE, True, "Date the referral was received."),
        Column("referral_source", CODE, True, "Who referred: self, gp, hospital, education, ..."),
        Column("episode_id", ID, False, "Episode the referral led to, if any."),
    ),
    key=("referral_id",),
)

SUBSTANCES = Table(
    "substances",
    "Problem substances: up to three per episode (rank 1 primary, 2 secondary, 3 tertiary).",
    (
        Column("episode_id", ID, True, "Episode the substance is recorded for."),
        Column("rank", INTEGER, True, "1 primary, 2 secondary, 3 tertiary.", 1, 3),
        Column("substance", CODE, True, "Substance code, e.g. alcohol, cannabis, heroin, crack."),
    ),
    key=("episode_id", "rank"),
)

INTERVENTIONS = Table(
    "interventions",
    "Interventions delivered in an episode (optional table).",
    (
        Column("episode_id", ID, True, "Episode the intervention belongs to."),
        Column("intervention", CODE, True, "Intervention code, e.g. psychosocial, harm_reduction."),
        Column("start_date", DATE, True, "Date the intervention started."),
        Column("end_date", DATE, False, "Date it ended; empty while continuing."),
    ),
    optional=True,
)

DISTRICTS = Table(
    "districts",
    "Districts of the partnership area (boundaries come separately, as GeoJSON).",
    (
        Column("district_code", TEXT, True, "ONS district code, e.g. E07000178."),
        Column("district_name", TEXT, True, "District name, e.g. Oxford."),
    ),
    key=("district_code",),
)

POPULATION = Table(
    "population",
    "Mid-year population estimates by district, single year of age and sex (e.g. ONS MYE).",
    (
        Column("district_code", TEXT, True, "ONS district code."),
        Column("year", INTEGER, True, "Year of the mid-year estimate (30 June).", 1990, 2100),
        Column("sex", CODE, True, "M / F."),
        Column("age", INTEGER, True, "Single year of age (90 = 90 and over).", 0, 120),
        Column("population", INTEGER, True, "Number of people.", 0, None),
    ),
    key=("district_code", "year", "sex", "age"),
)

PREVALENCE = Table(
    "prevalence",
    "Estimated prevalence of problem drug use in the partnership area (optional table).",
    (
        Column("substance_group", TEXT, True, "e.g. Opiates and/or crack (OCU), Opiates, Crack cocaine."),
        Column("year", INTEGER, True, "First calendar year of the financial year estimated.", 1990, 2100),
        Column("age_band", TEXT, True, "Ages the estimate covers, youngest-oldest: e.g. 15-64 (used for adults and all "
                                       "services), 15-24 (used for the young people's service), 25-34. Any band may "
                                       "be loaded; each selection uses the band that matches it."),
        Column("estimate", NUMBER, True, "Central estimate of the number of people.", 0, None),
        Column("lower", NUMBER, True, "Lower 95% limit.", 0, None),
        Column("upper", NUMBER, True, "Upper 95% limit.", 0, None),
    ),
    optional=True,
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (EPISODES, REFERRALS, SUBSTANCES, INTERVENTIONS, DISTRICTS, POPULATION, PREVALENCE)
}

_NAME_NOISE = re.compile(r"[\s_\-]+")


def normalise_header(name: object) -> str:
    """Header matching key: lower case with spaces, underscores and hyphens removed."""
    return _NAME_NOISE.sub("", str(name).strip().lower().lstrip("\ufeff"))
