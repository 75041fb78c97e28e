"""The data contract: the tables the product reads, their columns, types and which are required.

One declaration used by the loaders, the data page, the demo generator and ``data/README.md``.
Column names in a file are matched to these names case-insensitively, ignoring spaces,
underscores, hyphens and punctuation (``Client ID`` matches ``client_id``), and to the headers real extracts
use for them (``HEADER_SYNONYMS``: ``DOB``, ``Gender``, ``Client reference``, ``District``...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

#: Pre-2009 ONS district codes (and district names) and the current code of each district, applied
#: to every ``district_code`` column at load (see ``data/README.md``).
DISTRICT_CODE_CHANGES_FILE = Path(__file__).resolve().parent.parent / "data" / "district_code_changes.csv"

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
    #: False for a column read only to derive another and never kept (``date_of_birth``).
    stored: bool = True
    #: The column this one may stand in for when that column is not in the file.
    instead_of: str | None = None


@dataclass(frozen=True)
class Table:
    """One table of the contract, with its columns and the columns that identify a row."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    optional: bool = False
    example: str = field(default="")
    #: Columns a file may give that are read only to derive a column of the table, never stored.
    inputs: tuple[Column, ...] = ()

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def for_reading(self) -> Table:
        """The table as a file is read: its columns, then the input-only columns (``date_of_birth``)."""
        return replace(self, columns=self.columns + self.inputs, inputs=())

    def alternative(self, name: str) -> str | None:
        """The column that may stand in for required column ``name`` (``date_of_birth`` for age)."""
        return next((c.name for c in self.columns + self.inputs if c.instead_of == name), None)

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
        Column("age_at_triage", INTEGER, True, "Age in whole years on the triage date (or give date_of_birth).",
               MIN_AGE, MAX_AGE),
        Column("ethnicity", CODE, False, "Ethnic group (ONS 2011 groups, or 'not stated')."),
        Column("district_code", TEXT, True,
               "ONS code of the district of residence; empty if not known. Pre-2009 ONS codes (e.g. 38UC) "
               "are changed to current codes at load (data/district_code_changes.csv)."),
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
    inputs=(
        Column("date_of_birth", DATE, False,
               "Accepted instead of age_at_triage: age at triage (whole years on the triage date) is computed "
               "from it at load, then the date of birth is dropped and never stored (data minimisation).",
               stored=False, instead_of="age_at_triage"),
    ),
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
        Column("service", CODE, False, "Service the referral is to: young_people or adult; empty if not known "
               "(then the service of the episode it led to, else of the person's latest episode)."),
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

#: Area types of the ``comparators`` table. "England lowest" and "England highest" are the worst and best
#: areas in England as a published indicator table quotes them (which is worst depends on the polarity).
AREA_ENGLAND, AREA_ENGLAND_LOWEST, AREA_ENGLAND_HIGHEST = "England", "England lowest", "England highest"
AREA_REGION, AREA_COMPARATOR_GROUP, AREA_PARTNERSHIP = "region", "comparator group", "partnership"
AREA_TYPES = (AREA_ENGLAND, AREA_ENGLAND_LOWEST, AREA_ENGLAND_HIGHEST, AREA_REGION, AREA_COMPARATOR_GROUP,
              AREA_PARTNERSHIP)

COMPARATORS = Table(
    "comparators",
    "Published values of indicators for other areas (England, its lowest and highest areas, the region, the "
    "partnership's comparator group such as its CIPFA nearest neighbours), and the local value of context "
    "indicators that do not come from treatment records (optional table). Each value keeps its source and "
    "publication date.",
    (
        Column("area_code", TEXT, True, "ONS code of the area (E92000001 for England), or the group's own code."),
        Column("area_name", TEXT, True, "Name of the area, e.g. England, South East, Buckinghamshire."),
        Column("area_type", TEXT, True, "England / England lowest / England highest / region / comparator group / "
               "partnership (the partnership's own value of a context indicator)."),
        Column("indicator", TEXT, True, "An indicator id of the registry (e.g. successful_completion), or the id "
               "of a context indicator (e.g. alcohol_admissions_under_18)."),
        Column("indicator_name", TEXT, False, "Name of a context indicator (registry indicators have theirs)."),
        Column("period", TEXT, True, "Financial year as 2024/25 (or the period the source publishes, e.g. "
               "2021/22 - 23/24)."),
        Column("value", NUMBER, True, "The published value, in the indicator's unit (% , per 1,000, per 100,000)."),
        Column("lower", NUMBER, False, "Lower 95% confidence limit, where published."),
        Column("upper", NUMBER, False, "Upper 95% confidence limit, where published."),
        Column("count", NUMBER, False, "The numerator, where published.", 0, None),
        Column("denominator", NUMBER, False, "The denominator, where published.", 0, None),
        Column("source", TEXT, True, "Where the value comes from (e.g. OHID Fingertips, indicator 92447)."),
        Column("published", TEXT, False, "When the source published it (e.g. 2025-02-04)."),
    ),
    key=("area_code", "area_type", "indicator", "period"),
    optional=True,
)

#: Targets are a partnership's decisions, not records: uploaded or entered on the Benchmarks and targets page
#: and stored with who set them and when (``analysis.store``, targets.json), never as a data version.
TARGETS = Table(
    "targets",
    "Targets the partnership set: one row per indicator and period (a financial year as 2024/25 or a quarter "
    "as 2024/25 Q3: Q1 April-June ... Q4 January-March). Uploaded or entered on the Benchmarks and targets page "
    "and stored with who set them and when, not as a version of the data.",
    (
        Column("indicator", TEXT, True, "Indicator id: effective_treatment, people_in_treatment or "
               "new_presentations (the counts with quarterly figures)."),
        Column("period", TEXT, True, "2024/25 (the year, judged at Q4) or 2024/25 Q3 (judged on the year to date)."),
        Column("target", NUMBER, True, "The planned number of people by the end of the period (year to date).",
               0, None),
        Column("source", TEXT, False, "Where the target comes from, e.g. the treatment plan or grant conditions."),
    ),
    key=("indicator", "period"),
    optional=True,
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (EPISODES, REFERRALS, SUBSTANCES, INTERVENTIONS, DISTRICTS, POPULATION, PREVALENCE, COMPARATORS)
}

#: Headers real extracts (NDTMS-shaped, case-management exports) use for a contract column, by
#: column name (the same name means the same thing in every table). Matched like contract names
#: (case, spaces and punctuation ignored), after the exact names, so a file's own
#: ``client_id`` always wins over its ``Client reference``. A header listed for two columns of
#: one table (``District``) goes to the first of them the file does not already supply.
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "client_id": ("Client ID", "Client reference", "Client ref", "Client number", "Person ID", "Person reference",
                  "Unique client identifier"),
    "episode_id": ("Episode ID", "Episode reference", "Episode ref", "Journey ID", "Treatment episode ID"),
    "sex": ("Gender", "Sex at birth"),
    "age_at_triage": ("Age", "Age at triage", "Age at start", "Age at treatment start"),
    "date_of_birth": ("DOB", "D.O.B.", "Date of birth", "Birth date", "Birthdate"),
    "ethnicity": ("Ethnic group", "Ethnic origin", "Ethnicity code"),
    "district_code": ("District", "District code", "District of residence", "Local authority",
                      "Local authority code", "LA code", "LAD code", "LAD22CD", "LAD23CD", "LAD24CD"),
    "district_name": ("District name", "District", "Local authority name", "LA name", "LAD name", "LAD22NM",
                      "LAD23NM", "LAD24NM"),
    "postcode_district": ("Postcode district", "Outcode", "Partial postcode", "Postcode (outward)"),
    "ward_code": ("Ward", "Ward code", "WD22CD", "WD23CD"),
    "service": ("Service", "Service name", "Service type", "Treatment service"),
    "triage_date": ("Triage date", "Triage", "Date of triage", "Start date", "Treatment start date",
                    "Episode start date"),
    "discharge_date": ("Discharge date", "Discharge", "Date of discharge", "End date", "Treatment end date",
                       "Exit date", "Episode end date"),
    "discharge_reason": ("Discharge reason", "Reason for discharge", "Exit reason", "Discharge code"),
    "accommodation_status": ("Accommodation", "Accommodation status", "Accommodation need", "Housing",
                             "Housing need", "Housing situation"),
    "in_care": ("In care", "Looked after", "Looked after child", "LAC", "LAC status"),
    "injecting_status": ("Injecting", "Injecting status", "Injecting behaviour"),
    "referral_id": ("Referral ID", "Referral reference", "Referral ref"),
    "referral_date": ("Referral date", "Date of referral", "Date referral received", "Referral received"),
    "referral_source": ("Referral source", "Source of referral", "Referred by", "Referrer"),
    "rank": ("Rank", "Substance rank", "Substance order"),
    "substance": ("Substance", "Primary substance", "Problem substance", "Substance name", "Drug"),
    "intervention": ("Intervention", "Intervention type", "Modality"),
    "start_date": ("Intervention start date", "Intervention start"),
    "end_date": ("Intervention end date", "Intervention end"),
    "year": ("Mid year", "Mid-year", "Year of estimate"),
    "population": ("Population", "Persons", "Count"),
    "area_code": ("Area code", "AreaCode", "Geography code"),
    "area_name": ("Area name", "AreaName", "Geography"),
    "area_type": ("Area type", "AreaType"),
    "indicator_name": ("Indicator name", "IndicatorName"),
    "period": ("Time period", "TimePeriod", "Timeperiod"),
    "lower": ("Lower CI 95.0 limit", "Lower CI 95 limit", "LCL"),
    "upper": ("Upper CI 95.0 limit", "Upper CI 95 limit", "UCL"),
    "count": ("Count", "Numerator"),
    "published": ("Published", "Date published", "Release date"),
}
#: Substance columns whose header says the rank, as NDTMS-shaped extracts hold them (one row per
#: episode: "Primary substance", "Secondary substance", "Tertiary substance"). A substances file with
#: these and no ``rank`` or ``substance`` column is read as one row per substance given, with its rank.
RANKED_SUBSTANCE_HEADERS: dict[str, int] = {
    "primarysubstance": 1, "secondarysubstance": 2, "tertiarysubstance": 3,
    "substance1": 1, "substance2": 2, "substance3": 3,
    "primarydrug": 1, "secondarydrug": 2, "tertiarydrug": 3,
    "drug1": 1, "drug2": 2, "drug3": 3,
}

#: Spaces, underscores, hyphens and other punctuation are ignored in headers ("D.O.B." is "dob").
_NAME_NOISE = re.compile(r"[\W_]+")


def normalise_header(name: object) -> str:
    """Header matching key: lower case with spaces, underscores, hyphens and punctuation removed."""
    return _NAME_NOISE.sub("", str(name).strip().lower().lstrip("\ufeff"))


def synonym_columns(header: object, table: Table) -> list[str]:
    """The columns of ``table`` a header is a known synonym for, in the table's column order."""
    key = normalise_header(header)
    return [c.name for c in table.columns if key in {normalise_header(h) for h in HEADER_SYNONYMS.get(c.name, ())}]
