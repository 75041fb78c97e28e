"""Seeded generator of the product's synthetic demo data (Oxfordshire geography), its samples and data/README.md.

Run from the repository root::

    python data/make_demo_data.py            # data/demo/*.parquet, metadata.json, data/samples/*.csv, data/README.md
    python data/make_demo_data.py --out DIR  # only the demo Parquet files and metadata.json, into DIR

The people are synthetic: not real people and not real Oxfordshire treatment figures. The
tables are written in the *raw extract* form of the data contract (``analysis/contract.py``):
contract column names, and codes as a case-management system would export them (keys of the
code lists in ``analysis/codes.py``). Generation is vectorised numpy driven by one
``numpy.random.Generator`` with a fixed seed, and the Parquet writer options are fixed, so two
runs give byte-identical files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make ``analysis`` importable
    sys.path.insert(0, str(ROOT))

from analysis import codes  # noqa: E402
from analysis.contract import (  # noqa: E402
    DATE,
    DISTRICT_CODE_CHANGES_FILE,
    HEADER_SYNONYMS,
    ID,
    INTEGER,
    NUMBER,
    TABLES,
    TEXT,
)

DATA_DIR = ROOT / "data"
DEMO_DIR = DATA_DIR / "demo"
SAMPLES_DIR = DATA_DIR / "samples"
GEO_DIR = DATA_DIR / "geo"
WARDS_FILE = GEO_DIR / "oxfordshire_wards_2013.geojson"
README_FILE = DATA_DIR / "README.md"

SEED = 20250331
GENERATOR_VERSION = "1"

# ---------------------------------------------------------------- time
#: Date of the data extract: nothing in the demo happens after it.
EXTRACT_DATE = np.datetime64("2025-03-31", "D")
#: Financial years the demo covers (first calendar year of each FY): 2019/20 to 2024/25.
FIRST_FY, LAST_FY = 2019, 2024
#: First episodes are simulated from this month so that long episodes (years of opiate
#: substitution treatment) are already open when the covered years start ...
SIMULATION_START = np.datetime64("2014-04", "M")
#: ... and episodes that ended before this date are left out of the extract.
KEEP_FROM = np.datetime64("2018-04-01", "D")
DAYS_PER_YEAR = 365.2425
DAYS_PER_WEEK = 7

# ---------------------------------------------------------------- geography
DISTRICTS: dict[str, str] = {
    "E07000177": "Cherwell",
    "E07000178": "Oxford",
    "E07000179": "South Oxfordshire",
    "E07000180": "Vale of White Horse",
    "E07000181": "West Oxfordshire",
}
#: Approximate Census 2021 usual-resident totals from the reference data README (not verified
#: against the ONS release; approximate).
CENSUS_2021_TOTAL: dict[str, int] = {
    "E07000177": 161_000,
    "E07000178": 162_000,
    "E07000179": 149_000,
    "E07000180": 139_000,
    "E07000181": 114_000,
}
#: Relative treatment rate per head by district (the story: Oxford highest, the rural south lowest).
DISTRICT_RATE = {
    "young_people": {"E07000177": 1.10, "E07000178": 1.35, "E07000179": 0.80, "E07000180": 0.85, "E07000181": 0.90},
    "adult": {"E07000177": 1.05, "E07000178": 1.75, "E07000179": 0.70, "E07000180": 0.75, "E07000181": 0.85},
}
#: Postcode districts (outward codes) per district, with weights for a plausible spread.
POSTCODE_DISTRICTS: dict[str, dict[str, float]] = {
    "E07000177": {"OX16": 0.38, "OX26": 0.30, "OX5": 0.12, "OX15": 0.07, "OX17": 0.05, "OX25": 0.05, "OX27": 0.03},
    "E07000178": {"OX4": 0.38, "OX3": 0.25, "OX2": 0.20, "OX1": 0.17},
    "E07000179": {"OX10": 0.30, "RG9": 0.24, "OX9": 0.20, "OX44": 0.12, "OX49": 0.08, "OX39": 0.06},
    "E07000180": {"OX14": 0.38, "OX11": 0.22, "OX12": 0.18, "SN7": 0.12, "OX13": 0.10},
    "E07000181": {"OX28": 0.35, "OX29": 0.22, "OX7": 0.16, "OX18": 0.15, "OX20": 0.12},
}
#: Share of people whose district (and so postcode and ward) is not known.
UNKNOWN_DISTRICT_SHARE = 0.04
#: Further share with a known district and postcode but no ward.
UNKNOWN_WARD_SHARE = 0.03

# ---------------------------------------------------------------- volumes and trends
SERVICES = ("young_people", "adult")
#: First episodes (new people) per year, before the yearly multipliers.
FIRST_EPISODES_PER_YEAR = {"young_people": 255.0, "adult": 900.0}
#: Yearly multiplier of new people by financial year (YP dip in 2020/21, then rising; adults growing).
FY_MULTIPLIER = {
    "young_people": {2018: 1.00, 2019: 1.00, 2020: 0.78, 2021: 0.86, 2022: 0.97, 2023: 1.08, 2024: 1.16},
    "adult": {2018: 1.00, 2019: 1.00, 2020: 1.01, 2021: 1.06, 2022: 1.11, 2023: 1.17, 2024: 1.24},
}
#: Month factors, April first (YP referrals dip in the school summer holidays and December).
MONTH_FACTOR = {
    "young_people": (1.0, 1.05, 1.05, 0.90, 0.70, 1.00, 1.10, 1.10, 0.85, 1.05, 1.05, 1.10),
    "adult": (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.90, 1.05, 1.0, 1.0),
}
#: First COVID-19 lockdown: fewer starts in April to June 2020.
LOCKDOWN_MONTHS = (np.datetime64("2020-04", "M"), np.datetime64("2020-06", "M"))
LOCKDOWN_FACTOR = 0.7

# ---------------------------------------------------------------- people
#: Age at first triage: YP 10-24 (peak 15-18, mostly under 18); adults 18-80 (mode 30-49).
YP_AGE_WEIGHTS = {10: 0.5, 11: 1, 12: 2, 13: 5, 14: 9, 15: 14, 16: 17, 17: 16, 18: 9, 19: 5, 20: 3, 21: 2, 22: 1.5, 23: 1, 24: 0.5}
ADULT_AGE_BAND_WEIGHTS = {
    (18, 24): 7, (25, 29): 10, (30, 34): 15, (35, 39): 17, (40, 44): 16, (45, 49): 13,
    (50, 54): 10, (55, 59): 6, (60, 64): 3.5, (65, 69): 1.7, (70, 74): 0.6, (75, 80): 0.2,
}
#: Adults' ages drift older for opiate/crack users (an ageing cohort) and younger for non-opiates.
ADULT_AGE_SHIFT = {"ocu": 3, "alcohol": 4, "non_opiate": -6}
SEX_SHARES = {"young_people": {"M": 0.600, "F": 0.392, "X": 0.008}, "adult": {"M": 0.665, "F": 0.330, "X": 0.005}}
ETHNICITY_SHARES = {  # codes.ETHNICITY keys; None = not recorded (empty cell)
    "default": {"white british": 0.80, "white irish": 0.01, "white other": 0.05, "gypsy or irish traveller": 0.005,
                "mixed": 0.035, "asian": 0.025, "black": 0.015, "other": 0.01, "not stated": 0.03, None: 0.02},
    "E07000178": {"white british": 0.64, "white irish": 0.015, "white other": 0.09, "gypsy or irish traveller": 0.005,
                  "mixed": 0.06, "asian": 0.065, "black": 0.05, "other": 0.02, "not stated": 0.035, None: 0.02},
}
#: Adult "types" drive substances, durations and exits; shares move from opiates to cocaine over time.
ADULT_TYPES = ("ocu", "alcohol", "non_opiate")
ADULT_TYPE_SHARES_FIRST = (0.52, 0.33, 0.15)
ADULT_TYPE_SHARES_LAST = (0.44, 0.33, 0.23)
#: YP who re-present at 18 or over go to the adult service as one of these types.
EX_YP_ADULT_TYPES = {"alcohol": 0.4, "non_opiate": 0.6}

# ---------------------------------------------------------------- substances
#: Substance profile: code -> (probability of being recorded at any rank, weight for being ranked first).
SUBSTANCE_PROFILES: dict[str, dict[str, tuple[float, float]]] = {
    "yp_male": {"alcohol": (0.60, 3), "cannabis": (0.64, 3.2), "cocaine": (0.10, 1), "ketamine": (0.04, 0.8),
                "ecstasy": (0.07, 0.6), "nps": (0.04, 0.8), "benzodiazepine": (0.03, 0.6), "solvents": (0.015, 0.6)},
    "yp_female": {"alcohol": (0.70, 3.4), "cannabis": (0.44, 2.6), "cocaine": (0.09, 1), "ketamine": (0.04, 0.8),
                  "ecstasy": (0.07, 0.6), "nps": (0.03, 0.8), "benzodiazepine": (0.04, 0.6), "solvents": (0.02, 0.6)},
    "ocu": {"heroin": (0.84, 6), "crack": (0.62, 3), "methadone": (0.05, 0.5), "benzodiazepine": (0.10, 0.3),
            "alcohol": (0.18, 0.4), "cannabis": (0.15, 0.2), "cocaine": (0.05, 0.2), "amphetamine": (0.02, 0.2)},
    "alcohol": {"alcohol": (1.0, 30), "cocaine": (0.12, 1), "cannabis": (0.12, 1), "benzodiazepine": (0.02, 1)},
    "non_opiate": {"cocaine": (0.50, 3), "cannabis": (0.45, 2), "alcohol": (0.35, 1.5), "ketamine": (0.06, 1),
                   "amphetamine": (0.08, 1), "ecstasy": (0.04, 0.8), "nps": (0.04, 0.8), "benzodiazepine": (0.06, 0.6)},
}
#: Yearly relative growth in the chance of recording these substances (cocaine and ketamine rising).
SUBSTANCE_TREND = {"cocaine": 0.09, "ketamine": 0.10}
MAX_SUBSTANCES = 3

# ---------------------------------------------------------------- durations and exits
#: Episode length in weeks: lognormal (median, sigma) by profile (YP shorter; opiate users years).
DURATION_WEEKS = {"young_people": (15, 0.75), "ocu": (55, 0.95), "alcohol": (22, 0.75), "non_opiate": (16, 0.75)}
MIN_DURATION_DAYS = 3
#: Exit probabilities by profile: (planned, transferred); the rest are unplanned.
EXIT_SHARES = {"young_people": (0.77, 0.06), "ocu": (0.30, 0.12), "alcohol": (0.60, 0.06), "non_opiate": (0.63, 0.05)}
#: Episodes shorter than this rarely complete as planned.
SHORT_EPISODE_WEEKS = 6
SHORT_EPISODE_PLANNED_FACTOR = 0.4
UNPLANNED_REASONS = {
    "young_people": {"dropped_out": 0.55, "declined": 0.30, "treatment_withdrawn": 0.08,
                     "retained_in_custody": 0.03, "onward_referral_refused": 0.04},
    "ocu": {"dropped_out": 0.58, "treatment_withdrawn": 0.07, "retained_in_custody": 0.12, "declined": 0.10,
            "onward_referral_refused": 0.04, "died": 0.09},
    "other": {"dropped_out": 0.62, "treatment_withdrawn": 0.07, "retained_in_custody": 0.04, "declined": 0.20,
              "onward_referral_refused": 0.05, "died": 0.02},
}
TRANSFER_IN_CUSTODY_SHARE = {"young_people": 0.05, "adult": 0.20}
OCCASIONAL_USER_SHARE = 0.4
#: Chance of a later episode after each kind of exit, and the gap before it.
RETURN_PROBABILITY = {"young_people": {"planned": 0.06, "transferred": 0.04, "unplanned": 0.14},
                      "adult": {"planned": 0.14, "transferred": 0.08, "unplanned": 0.36}}
RETURN_GAP_MIN_DAYS, RETURN_GAP_MEAN_DAYS = 14, 245
MAX_EPISODES_PER_PERSON = 6

# ---------------------------------------------------------------- other fields
ACCOMMODATION_SHARES = {
    "young_people": {"settled": 0.88, "temporary": 0.06, "nfa": 0.01, None: 0.05},
    "ocu": {"settled": 0.58, "temporary": 0.21, "nfa": 0.14, None: 0.07},
    "other": {"settled": 0.82, "temporary": 0.09, "nfa": 0.03, None: 0.06},
}
IN_CARE_SHARES = {"young_people": {"Y": 0.12, "N": 0.82, None: 0.06}, "adult": {"N": 0.03, None: 0.97}}
INJECTING_SHARES = {
    "young_people": {"never": 0.93, "previously": 0.005, "declined": 0.035, None: 0.03},
    "ocu": {"currently": 0.24, "previously": 0.35, "never": 0.30, "declined": 0.08, None: 0.03},
    "other": {"currently": 0.01, "previously": 0.04, "never": 0.85, "declined": 0.07, None: 0.03},
}

# ---------------------------------------------------------------- referrals
REFERRAL_SOURCES = {  # codes.REFERRAL_SOURCE keys
    "young_people": {"education": 0.24, "children and family services": 0.21, "youth justice": 0.14, "camhs": 0.10,
                     "self": 0.13, "gp": 0.05, "hospital": 0.05, "other": 0.08},
    "ocu": {"self": 0.42, "gp": 0.10, "criminal justice": 0.10, "probation": 0.08, "prison": 0.06,
            "hospital": 0.08, "mental health": 0.03, "social care": 0.03, "other": 0.10},
    "other": {"self": 0.45, "gp": 0.20, "criminal justice": 0.05, "probation": 0.03, "hospital": 0.12,
              "mental health": 0.05, "social care": 0.03, "other": 0.07},
}
#: Share of episodes with a referral record, and the referral-to-triage wait (days, exponential).
REFERRAL_RECORDED_SHARE = 0.96
REFERRAL_WAIT_MEAN_DAYS = {"young_people": 18.0, "adult": 10.0}
REFERRAL_WAIT_MAX_DAYS = 120
#: Referrals that led to no episode, as a share of linked referrals; some are people already known.
UNLINKED_REFERRAL_SHARE = 0.16
UNLINKED_KNOWN_PERSON_SHARE = 0.4
UNLINKED_YP_SHARE = 0.2

# ---------------------------------------------------------------- interventions
INTERVENTION_PROFILES: dict[str, dict[str, tuple[float, float]]] = {  # code -> (probability, weight first)
    "young_people": {"psychosocial": (0.97, 6), "harm_reduction": (0.45, 1), "family_work": (0.30, 1),
                     "recovery_support": (0.05, 0.5)},
    "ocu": {"pharmacological": (0.88, 6), "psychosocial": (0.62, 2), "harm_reduction": (0.55, 1),
            "recovery_support": (0.25, 0.5), "inpatient_detox": (0.03, 0.5), "residential": (0.02, 0.5)},
    "alcohol": {"psychosocial": (0.90, 6), "pharmacological": (0.25, 1), "recovery_support": (0.30, 0.5),
                "inpatient_detox": (0.05, 0.5), "residential": (0.03, 0.5), "harm_reduction": (0.10, 0.5)},
    "non_opiate": {"psychosocial": (0.95, 6), "harm_reduction": (0.30, 1), "recovery_support": (0.25, 0.5),
                   "pharmacological": (0.05, 0.5), "residential": (0.01, 0.5)},
}
MAX_INTERVENTIONS = 3
FIRST_INTERVENTION_MAX_WAIT_DAYS = 14
#: Share of later interventions that end before the episode does.
EARLY_END_SHARE = 0.5

# ---------------------------------------------------------------- population (APPROXIMATE)
#: Approximate, rounded England age structure, stated here, not an ONS release: percentage of
#: all residents in each five-year band (last band 90 and over), and the male share of the band.
#: Built from general knowledge of the 2021 Census shape; replace with ONS mid-year estimates.
ENGLAND_AGE_STRUCTURE: tuple[tuple[int, int, float, float], ...] = (
    (0, 4, 5.4, 0.512), (5, 9, 6.0, 0.512), (10, 14, 6.0, 0.512), (15, 19, 5.6, 0.513),
    (20, 24, 6.0, 0.505), (25, 29, 6.6, 0.495), (30, 34, 6.9, 0.492), (35, 39, 6.7, 0.492),
    (40, 44, 6.3, 0.494), (45, 49, 6.4, 0.493), (50, 54, 6.9, 0.492), (55, 59, 6.7, 0.491),
    (60, 64, 5.8, 0.488), (65, 69, 5.0, 0.482), (70, 74, 5.2, 0.475), (75, 79, 3.7, 0.462),
    (80, 84, 2.5, 0.440), (85, 89, 1.5, 0.400), (90, 90, 0.8, 0.310),
)
POPULATION_BASE_YEAR = 2021
POPULATION_YEARS = range(2018, 2025)
#: Assumed yearly population growth around the 2021 totals.
POPULATION_GROWTH_PER_YEAR = 0.006

# ---------------------------------------------------------------- prevalence (ILLUSTRATIVE)
OCU_GROUP, OPIATE_GROUP, CRACK_GROUP = "Opiates and/or crack (OCU)", "Opiates", "Crack cocaine"
#: Illustrative OCU prevalence, ages 15-64, for the first year, and its yearly change.
OCU_PREVALENCE_FIRST_YEAR = 1900.0
OCU_PREVALENCE_TREND = 0.012
#: Relative half-widths of the 95% interval (lower, upper): asymmetric, as capture-recapture gives.
PREVALENCE_INTERVAL = (0.16, 0.24)
#: Share of the 15-64 estimate per age band (15-24 small and shrinking: an ageing cohort).
PREVALENCE_AGE_SHARES = {"15-24": 0.06, "25-34": 0.27, "35-64": 0.67}
#: Opiate and crack groups relative to the OCU total (they overlap, so they sum past 1).
PREVALENCE_GROUP_FACTOR = {OCU_GROUP: 1.0, OPIATE_GROUP: 0.86, CRACK_GROUP: 0.62}

# ---------------------------------------------------------------- comparators (ILLUSTRATIVE)
#: Every comparator value of the demo is made up, and says so in its source column: the demo never shows a
#: published figure as if it were one, nor a made-up figure under a real area's name (the neighbours are
#: "Illustrative neighbour 1..8", not councils).
COMPARATOR_SOURCE = "Illustrative values for the synthetic demo: not published figures"
#: Indicator id -> (unit denominator for a made-up count, England value in the first year, change a year,
#: England lowest and highest as offsets from England's value). Percentages for proportions, per 1,000 for the
#: rate, per 100,000 for the context admissions.
COMPARATOR_INDICATORS: dict[str, tuple[int, float, float, float, float]] = {
    "successful_completion": (400, 48.0, 0.4, -22.0, 24.0),
    "retention_12_weeks": (300, 80.0, 0.3, -15.0, 12.0),
    "rate_per_1000": (150_000, 3.2, 0.05, -2.2, 5.5),
    "completion_no_representation_opiates": (1500, 5.0, 0.0, -3.5, 6.0),
    "completion_no_representation_non_opiates": (300, 31.0, 0.5, -18.0, 25.0),
    "completion_no_representation_alcohol": (600, 35.0, 0.4, -20.0, 25.0),
    "completion_no_representation_alcohol_non_opiates": (250, 28.0, 0.4, -17.0, 24.0),
    "alcohol_admissions_under_18": (100_000, 29.0, -1.5, -20.0, 40.0),
    "substance_misuse_admissions_15_24": (100_000, 60.0, -1.0, -35.0, 80.0),
}
#: Context indicators (not from treatment records): id -> name; the demo gives the partnership's value too.
COMPARATOR_CONTEXT_NAMES = {
    "alcohol_admissions_under_18": "Admission episodes for alcohol-specific conditions, under 18s (per 100,000)",
    "substance_misuse_admissions_15_24": "Hospital admissions due to substance misuse, 15 to 24 years (per 100,000)",
}
#: The C19-style measure needs 6 months of follow-up after the year: no demo value for the last year.
COMPARATOR_FOLLOW_UP_IDS = tuple(i for i in COMPARATOR_INDICATORS if i.startswith("completion_no_representation"))
#: Offsets of the region, the eight illustrative neighbours and (context indicators only) the partnership from
#: England's value, as shares of the England lowest-to-highest spread.
COMPARATOR_REGION_OFFSET = 0.05
COMPARATOR_NEIGHBOUR_OFFSETS = (-0.30, -0.18, -0.10, -0.04, 0.03, 0.09, 0.16, 0.27)
COMPARATOR_PARTNERSHIP_OFFSET = -0.12
#: Size of the region and of a neighbour relative to the unit denominator (made-up counts give the intervals).
COMPARATOR_REGION_SIZE, COMPARATOR_NEIGHBOUR_SIZE, COMPARATOR_ENGLAND_SIZE = 9.0, 1.0, 150.0

# ---------------------------------------------------------------- output
PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 9, "use_dictionary": True,
                   "write_statistics": True, "version": "2.6", "row_group_size": 1_000_000}
DEMO_NOTE = ("synthetic demo data: not real people, not real Oxfordshire treatment figures; "
             "population APPROXIMATE; prevalence illustrative")
ATTRIBUTION = (
    "Boundary data: Martin Chorley, UK-GeoJSON (github.com/martinjc/UK-GeoJSON), CC BY 4.0.",
    "Contains Ordnance Survey data © Crown copyright and database right 2014. "
    "Contains National Statistics data © Crown copyright and database right 2014.",
)
SAMPLE_ROWS = 10
#: Samples show recent episodes (typical lengths), not the long ones open since before 2018.
SAMPLE_FROM = np.datetime64("2023-04-01", "D")


# ================================================================= helpers
def _choice(rng: np.random.Generator, shares: Mapping[object, float], size: int) -> np.ndarray:
    """Draw ``size`` values from ``shares`` (value -> weight) as an object array (``None`` kept)."""
    values = list(shares)
    weights = np.array([shares[v] for v in values], dtype=float)
    picks = rng.choice(len(values), size=size, p=weights / weights.sum())
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out[picks]


def _choice_by_group(rng: np.random.Generator, groups: np.ndarray, tables: Mapping[str, Mapping[object, float]]) -> np.ndarray:
    """Draw one value per row from the share table named by that row's group."""
    out = np.empty(len(groups), dtype=object)
    for name in sorted(tables):
        rows = np.flatnonzero(groups == name)
        out[rows] = _choice(rng, tables[name], rows.size)
    return out


def _ranked_picks(rng: np.random.Generator, profiles: Mapping[str, Mapping[str, tuple[float, float]]],
                  profile: np.ndarray, limit: int, fallback: Mapping[str, str],
                  boost: Mapping[str, np.ndarray] | None = None) -> np.ndarray:
    """Pick up to ``limit`` codes per row, ranked: each code is recorded with its probability,
    then ranked by an exponential race on its weight (a weighted random order). Rows with none
    get their profile's fallback code. ``boost`` multiplies a code's probability per row."""
    vocabulary = sorted({code for p in profiles.values() for code in p})
    names = sorted(profiles)
    prob = np.array([[profiles[n].get(c, (0.0, 1.0))[0] for c in vocabulary] for n in names])
    weight = np.array([[profiles[n].get(c, (0.0, 1.0))[1] for c in vocabulary] for n in names])
    index = np.searchsorted(names, profile)
    p = prob[index]
    if boost:
        for code, factor in boost.items():
            if code in vocabulary:
                j = vocabulary.index(code)
                p[:, j] = np.clip(p[:, j] * factor, 0.0, 1.0)
    recorded = rng.random(p.shape) < p
    none = ~recorded.any(axis=1)
    fallback_column = np.array([vocabulary.index(fallback[n]) for n in names])[index]
    recorded[np.flatnonzero(none), fallback_column[none]] = True
    race = -np.log(rng.random(p.shape)) / weight[index]
    race = np.where(recorded, race, np.inf)
    order = np.argsort(race, axis=1, kind="stable")[:, :limit]
    taken = np.take_along_axis(race, order, axis=1)
    codes_out = np.asarray(vocabulary, dtype=object)[order]
    return np.where(np.isfinite(taken), codes_out, None)


def _year_month_day(dates: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    months = dates.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(int) + 1970
    month = months.astype(int) % 12 + 1
    day = (dates - months.astype("datetime64[D]")).astype(int) + 1
    return year, month, day


def _financial_year(dates: np.ndarray) -> np.ndarray:
    year, month, _ = _year_month_day(dates)
    return year - (month < 4)


def _age_on(birth: np.ndarray, on: np.ndarray) -> np.ndarray:
    """Whole years between birth date and ``on`` (birthday not yet reached counts one fewer)."""
    by, bm, bd = _year_month_day(birth)
    y, m, d = _year_month_day(on)
    return y - by - ((m < bm) | ((m == bm) & (d < bd)))


def _adult_type_shares(fy: np.ndarray) -> np.ndarray:
    """Row-wise adult type shares, moving linearly from the first to the last covered year."""
    t = np.clip((fy - FIRST_FY) / (LAST_FY - FIRST_FY), 0.0, 1.0)[:, None]
    first, last = np.array(ADULT_TYPE_SHARES_FIRST), np.array(ADULT_TYPE_SHARES_LAST)
    return first + (last - first) * t


def _draw_by_rows(rng: np.random.Generator, values: Sequence[str], shares: np.ndarray) -> np.ndarray:
    """Draw one of ``values`` per row with that row's shares (inverse CDF)."""
    cumulative = np.cumsum(shares, axis=1)
    u = rng.random(len(shares))[:, None] * cumulative[:, -1:]
    return np.asarray(values, dtype=object)[(u > cumulative).sum(axis=1)]


# ================================================================= people and episodes
def _wards_by_district() -> dict[str, np.ndarray]:
    features = json.loads(WARDS_FILE.read_text(encoding="utf-8"))["features"]
    wards: dict[str, list[str]] = {code: [] for code in DISTRICTS}
    for feature in features:
        props = feature["properties"]
        wards[props["district_code"]].append(props["ward_code"])
    return {code: np.array(sorted(found), dtype=object) for code, found in wards.items()}


def _first_episodes(rng: np.random.Generator, service: str) -> tuple[np.ndarray, np.ndarray]:
    """Triage dates of people's first episodes: Poisson counts per month with trends and seasons."""
    months = np.arange(SIMULATION_START, EXTRACT_DATE.astype("datetime64[M]") + 1)
    fy = _financial_year(months.astype("datetime64[D]"))
    multiplier = np.array([FY_MULTIPLIER[service].get(int(y), 1.0) for y in fy])
    season = np.array(MONTH_FACTOR[service])[(months.astype(int) % 12 - 3) % 12]
    lockdown = np.where((months >= LOCKDOWN_MONTHS[0]) & (months <= LOCKDOWN_MONTHS[1]), LOCKDOWN_FACTOR, 1.0)
    counts = rng.poisson(FIRST_EPISODES_PER_YEAR[service] / 12 * multiplier * season * lockdown)
    starts = np.repeat(months.astype("datetime64[D]"), counts)
    lengths = np.repeat((months + 1).astype("datetime64[D]") - months.astype("datetime64[D]"), counts).astype(int)
    dates = starts + np.floor(rng.random(starts.size) * lengths).astype(int)
    return dates, np.full(dates.size, service, dtype=object)


def _people(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """One row per synthetic person: first triage date, service, sex, birth date, area, ethnicity, type."""
    yp_dates, yp_service = _first_episodes(rng, "young_people")
    ad_dates, ad_service = _first_episodes(rng, "adult")
    first = np.concatenate([yp_dates, ad_dates])
    service = np.concatenate([yp_service, ad_service])
    n = first.size
    is_yp = service == "young_people"

    sex = _choice_by_group(rng, service, SEX_SHARES)
    adult_type = _draw_by_rows(rng, ADULT_TYPES, _adult_type_shares(_financial_year(first)))
    adult_type[is_yp] = _choice(rng, EX_YP_ADULT_TYPES, int(is_yp.sum()))

    age = np.empty(n, dtype=int)
    yp_ages = np.array(list(YP_AGE_WEIGHTS))
    yp_w = np.array(list(YP_AGE_WEIGHTS.values()), dtype=float)
    age[is_yp] = rng.choice(yp_ages, size=int(is_yp.sum()), p=yp_w / yp_w.sum())
    adult_ages = np.concatenate([np.arange(lo, hi + 1) for lo, hi in ADULT_AGE_BAND_WEIGHTS])
    adult_w = np.concatenate([np.full(hi - lo + 1, w / (hi - lo + 1)) for (lo, hi), w in ADULT_AGE_BAND_WEIGHTS.items()])
    adult_age = rng.choice(adult_ages, size=int((~is_yp).sum()), p=adult_w / adult_w.sum())
    shift = np.array([ADULT_AGE_SHIFT[t] for t in adult_type[~is_yp]])
    age[~is_yp] = np.clip(adult_age + shift, adult_ages.min(), adult_ages.max())
    # A birth date that makes the person exactly ``age`` on their first triage date.
    offset = np.floor((age + 0.002 + 0.996 * rng.random(n)) * DAYS_PER_YEAR).astype(int)
    birth = first - offset

    # District: proportional to population x the service's relative rate; some not known.
    district = np.empty(n, dtype=object)
    for svc in SERVICES:
        rows = np.flatnonzero(service == svc)
        weights = {code: CENSUS_2021_TOTAL[code] * DISTRICT_RATE[svc][code] for code in DISTRICTS}
        district[rows] = _choice(rng, weights, rows.size)
    district[rng.random(n) < UNKNOWN_DISTRICT_SHARE] = None
    postcode = np.empty(n, dtype=object)
    ward = np.empty(n, dtype=object)
    wards = _wards_by_district()
    for code in DISTRICTS:
        rows = np.flatnonzero(district == code)
        postcode[rows] = _choice(rng, POSTCODE_DISTRICTS[code], rows.size)
        ward[rows] = wards[code][rng.integers(0, wards[code].size, rows.size)]
    ward[rng.random(n) < UNKNOWN_WARD_SHARE] = None

    eth_group = np.where(district == "E07000178", "E07000178", "default").astype(object)
    ethnicity = _choice_by_group(rng, eth_group, ETHNICITY_SHARES)
    return {"first": first, "service": service, "sex": sex, "birth": birth, "district": district,
            "postcode": postcode, "ward": ward, "ethnicity": ethnicity, "adult_type": adult_type}


def _episode_round(rng: np.random.Generator, people: Mapping[str, np.ndarray], person: np.ndarray,
                   triage: np.ndarray) -> dict[str, np.ndarray]:
    """Draw everything about one episode for each (person, triage date) pair."""
    n = person.size
    age = _age_on(people["birth"][person], triage)
    first_service = people["service"][person]
    # Young people who come back at 18 or over are seen by the adult service.
    service = np.where((first_service == "young_people") & (age >= 18) & (triage > people["first"][person]),
                       "adult", first_service).astype(object)
    is_yp = service == "young_people"
    profile = np.where(is_yp, "young_people", people["adult_type"][person]).astype(object)
    fy = _financial_year(triage)
    sex = people["sex"][person]

    substance_profile = np.where(is_yp, np.where(sex == "M", "yp_male", "yp_female"), profile).astype(object)
    years_on = (fy - FIRST_FY).astype(float)
    boost = {code: np.maximum(1.0 + rate * years_on, 0.3) for code, rate in SUBSTANCE_TREND.items()}
    fallback = {"yp_male": "cannabis", "yp_female": "alcohol", "ocu": "heroin", "alcohol": "alcohol",
                "non_opiate": "cocaine"}
    substances = _ranked_picks(rng, SUBSTANCE_PROFILES, substance_profile, MAX_SUBSTANCES, fallback, boost)

    median = np.array([DURATION_WEEKS[p][0] for p in profile], dtype=float)
    sigma = np.array([DURATION_WEEKS[p][1] for p in profile], dtype=float)
    weeks = median * np.exp(sigma * rng.standard_normal(n))
    days = np.maximum(np.round(weeks * DAYS_PER_WEEK).astype(int), MIN_DURATION_DAYS)
    discharge = triage + days

    planned_p = np.array([EXIT_SHARES[p][0] for p in profile])
    transfer_p = np.array([EXIT_SHARES[p][1] for p in profile])
    planned_p = np.where(weeks < SHORT_EPISODE_WEEKS, planned_p * SHORT_EPISODE_PLANNED_FACTOR, planned_p)
    u = rng.random(n)
    outcome = np.where(u < planned_p, "planned", np.where(u < planned_p + transfer_p, "transferred", "unplanned")).astype(object)

    primary = substances[:, 0]
    occasional = rng.random(n) < OCCASIONAL_USER_SHARE
    planned_reason = np.where(primary == "alcohol", "completed_alcohol_free",
                              np.where((profile != "ocu") & occasional, "completed_occasional_user",
                                       "completed_drug_free"))
    unplanned_group = np.where(is_yp, "young_people", np.where(profile == "ocu", "ocu", "other")).astype(object)
    unplanned_reason = _choice_by_group(rng, unplanned_group, UNPLANNED_REASONS)
    custody_share = np.where(is_yp, TRANSFER_IN_CUSTODY_SHARE["young_people"], TRANSFER_IN_CUSTODY_SHARE["adult"])
    transfer_reason = np.where(rng.random(n) < custody_share, "transferred_in_custody", "transferred_not_in_custody")
    reason = np.where(outcome == "planned", planned_reason,
                      np.where(outcome == "transferred", transfer_reason, unplanned_reason)).astype(object)

    field_group = np.where(is_yp, "young_people", np.where(profile == "ocu", "ocu", "other")).astype(object)
    accommodation = _choice_by_group(rng, field_group, ACCOMMODATION_SHARES)
    injecting = _choice_by_group(rng, field_group, INJECTING_SHARES)
    in_care = _choice_by_group(rng, np.where(is_yp, "young_people", "adult").astype(object), IN_CARE_SHARES)

    return_p = np.array([RETURN_PROBABILITY[s][o] for s, o in zip(service, outcome, strict=True)])
    returns = rng.random(n) < return_p
    gap = RETURN_GAP_MIN_DAYS + np.round(rng.exponential(RETURN_GAP_MEAN_DAYS, n)).astype(int)
    return {"person": person, "triage": triage, "age": age, "service": service, "profile": profile,
            "substances": substances, "discharge": discharge, "reason": reason, "accommodation": accommodation,
            "injecting": injecting, "in_care": in_care, "next_triage": np.where(returns, discharge + gap,
                                                                                np.datetime64("NaT", "D"))}


def _episodes(rng: np.random.Generator, people: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """All episodes: each person's first, then re-presentations, round by round (vectorised per round)."""
    rounds = []
    person = np.arange(people["first"].size)
    triage = people["first"]
    for _ in range(MAX_EPISODES_PER_PERSON):
        if person.size == 0:
            break
        drawn = _episode_round(rng, people, person, triage)
        rounds.append(drawn)
        nxt = drawn["next_triage"]
        again = ~np.isnat(nxt) & (nxt <= EXTRACT_DATE)
        person, triage = person[again], nxt[again]
    episodes = {key: np.concatenate([r[key] for r in rounds]) for key in rounds[0] if key != "next_triage"}

    # The extract: episodes open on or after KEEP_FROM, censored at the extract date.
    keep = episodes["discharge"] >= KEEP_FROM
    episodes = {key: value[keep] for key, value in episodes.items()}
    still_open = episodes["discharge"] > EXTRACT_DATE
    episodes["discharge"] = np.where(still_open, np.datetime64("NaT", "D"), episodes["discharge"])
    episodes["reason"] = np.where(still_open, None, episodes["reason"])
    order = np.lexsort((episodes["person"], episodes["triage"]))
    episodes = {key: value[order] for key, value in episodes.items()}
    return episodes


def _ids(prefix: str, numbers: np.ndarray, width: int = 6) -> np.ndarray:
    return np.array([f"{prefix}{k:0{width}d}" for k in numbers], dtype=object)


# ================================================================= tables
def _episode_tables(rng: np.random.Generator) -> dict[str, dict[str, np.ndarray]]:
    people = _people(rng)
    ep = _episodes(rng, people)
    n = ep["person"].size
    # Pseudonymised client ids: a shuffled number per person who appears in the extract.
    known = np.unique(ep["person"])
    pseudonym = np.zeros(people["first"].size, dtype=int)
    pseudonym[known] = rng.permutation(known.size) + 100_001
    client_id = _ids("C", pseudonym[ep["person"]])
    episode_id = _ids("E", np.arange(1, n + 1))
    p = ep["person"]
    episodes = {
        "client_id": client_id, "episode_id": episode_id, "sex": people["sex"][p], "age_at_triage": ep["age"],
        "ethnicity": people["ethnicity"][p], "district_code": people["district"][p],
        "postcode_district": people["postcode"][p], "ward_code": people["ward"][p], "service": ep["service"],
        "triage_date": ep["triage"], "discharge_date": ep["discharge"], "discharge_reason": ep["reason"],
        "accommodation_status": ep["accommodation"], "in_care": ep["in_care"], "injecting_status": ep["injecting"],
    }

    ranks = np.tile(np.arange(1, MAX_SUBSTANCES + 1), n)
    flat = ep["substances"].reshape(-1)
    present = flat != None  # noqa: E711 - elementwise comparison on an object array
    substances = {"episode_id": np.repeat(episode_id, MAX_SUBSTANCES)[present], "rank": ranks[present],
                  "substance": flat[present]}

    interventions = _interventions(rng, ep, episode_id)
    referrals = _referrals(rng, ep, client_id, episode_id, people, pseudonym)
    return {"episodes": episodes, "substances": substances, "interventions": interventions, "referrals": referrals}


def _interventions(rng: np.random.Generator, ep: Mapping[str, np.ndarray], episode_id: np.ndarray) -> dict[str, np.ndarray]:
    """1-3 interventions per episode; the first starts within two weeks of triage and runs to discharge."""
    n = episode_id.size
    fallback = {name: "psychosocial" for name in INTERVENTION_PROFILES}
    picks = _ranked_picks(rng, INTERVENTION_PROFILES, ep["profile"], MAX_INTERVENTIONS, fallback)
    open_ = np.isnat(ep["discharge"])
    end_of_episode = np.where(open_, EXTRACT_DATE, ep["discharge"])
    length = (end_of_episode - ep["triage"]).astype(int)
    starts = np.empty((n, MAX_INTERVENTIONS), dtype="datetime64[D]")
    ends = np.empty((n, MAX_INTERVENTIONS), dtype="datetime64[D]")
    first_wait = np.minimum(rng.integers(0, FIRST_INTERVENTION_MAX_WAIT_DAYS + 1, n), length)
    starts[:, 0] = ep["triage"] + first_wait
    ends[:, 0] = np.where(open_, np.datetime64("NaT", "D"), ep["discharge"])
    for k in range(1, MAX_INTERVENTIONS):
        start_offset = np.floor(rng.random(n) * 0.5 * length).astype(int)
        starts[:, k] = ep["triage"] + start_offset
        early = rng.random(n) < EARLY_END_SHARE
        end_offset = start_offset + np.floor(rng.random(n) * (length - start_offset)).astype(int)
        ends[:, k] = np.where(early, ep["triage"] + end_offset,
                              np.where(open_, np.datetime64("NaT", "D"), ep["discharge"]))
    flat = picks.reshape(-1)
    present = flat != None  # noqa: E711
    return {"episode_id": np.repeat(episode_id, MAX_INTERVENTIONS)[present], "intervention": flat[present],
            "start_date": starts.reshape(-1)[present], "end_date": ends.reshape(-1)[present]}


def _referrals(rng: np.random.Generator, ep: Mapping[str, np.ndarray], client_id: np.ndarray,
               episode_id: np.ndarray, people: Mapping[str, np.ndarray], pseudonym: np.ndarray) -> dict[str, np.ndarray]:
    """One referral for most episodes (just before triage), plus referrals that led to no episode."""
    n = episode_id.size
    linked = rng.random(n) < REFERRAL_RECORDED_SHARE
    is_yp = ep["service"] == "young_people"
    wait_mean = np.where(is_yp, REFERRAL_WAIT_MEAN_DAYS["young_people"], REFERRAL_WAIT_MEAN_DAYS["adult"])
    wait = np.minimum(np.round(rng.exponential(wait_mean)).astype(int), REFERRAL_WAIT_MAX_DAYS)
    group = np.where(is_yp, "young_people", np.where(ep["profile"] == "ocu", "ocu", "other")).astype(object)
    source = _choice_by_group(rng, group, REFERRAL_SOURCES)

    m = int(round(linked.sum() * UNLINKED_REFERRAL_SHARE))
    span = int((EXTRACT_DATE - KEEP_FROM).astype(int)) + 1
    unlinked_date = KEEP_FROM + rng.integers(0, span, m)
    known_person = rng.random(m) < UNLINKED_KNOWN_PERSON_SHARE
    existing = client_id[rng.integers(0, n, m)]
    new_numbers = pseudonym.max() + 1 + np.arange(m)
    unlinked_client = np.where(known_person, existing, _ids("C", new_numbers))
    unlinked_group = np.where(rng.random(m) < UNLINKED_YP_SHARE, "young_people",
                              _choice(rng, {"ocu": 0.45, "other": 0.55}, m)).astype(object)
    unlinked_source = _choice_by_group(rng, unlinked_group, REFERRAL_SOURCES)

    dates = np.concatenate([(ep["triage"] - wait)[linked], unlinked_date])
    clients = np.concatenate([client_id[linked], unlinked_client])
    episodes = np.concatenate([episode_id[linked], np.full(m, None, dtype=object)])
    sources = np.concatenate([source[linked], unlinked_source])
    order = np.lexsort((clients, dates))
    return {"referral_id": _ids("R", np.arange(1, order.size + 1)), "client_id": clients[order],
            "referral_date": dates[order], "referral_source": sources[order], "episode_id": episodes[order],
            # the service referred to is not recorded, as in many extracts: each referral takes its episode's
            "service": np.full(order.size, None, dtype=object)}


def _districts_table() -> dict[str, np.ndarray]:
    return {"district_code": np.array(list(DISTRICTS), dtype=object),
            "district_name": np.array(list(DISTRICTS.values()), dtype=object)}


def population_table() -> dict[str, np.ndarray]:
    """APPROXIMATE single-year-of-age population by district, sex and mid-year (2018-2024).

    Method: each district's approximate Census 2021 total x the stated England share of each
    five-year band (split evenly across its single years; 90 = 90 and over) x the band's male
    (or female) share, grown or shrunk by ``POPULATION_GROWTH_PER_YEAR`` a year from 2021,
    rounded to whole people. Not an ONS release: replace it with the ONS mid-year estimates.
    """
    band_total = sum(share for _, _, share, _ in ENGLAND_AGE_STRUCTURE)
    ages, male, female = [], [], []
    for lo, hi, share, male_share in ENGLAND_AGE_STRUCTURE:
        for age in range(lo, hi + 1):
            per_age = share / band_total / (hi - lo + 1)
            ages.append(age)
            male.append(per_age * male_share)
            female.append(per_age * (1 - male_share))
    columns: dict[str, list] = {"district_code": [], "year": [], "sex": [], "age": [], "population": []}
    for code in DISTRICTS:
        for year in POPULATION_YEARS:
            total = CENSUS_2021_TOTAL[code] * (1 + POPULATION_GROWTH_PER_YEAR) ** (year - POPULATION_BASE_YEAR)
            for sex, shares in (("M", male), ("F", female)):
                columns["district_code"] += [code] * len(ages)
                columns["year"] += [year] * len(ages)
                columns["sex"] += [sex] * len(ages)
                columns["age"] += ages
                columns["population"] += [int(round(total * s)) for s in shares]
    return {k: np.array(v, dtype=object if k in ("district_code", "sex") else np.int64) for k, v in columns.items()}


def prevalence_table() -> dict[str, np.ndarray]:
    """ILLUSTRATIVE opiate and/or crack prevalence for the partnership (not a published estimate).

    A 15-64 central estimate growing ``OCU_PREVALENCE_TREND`` a year from
    ``OCU_PREVALENCE_FIRST_YEAR``, split into age bands by fixed shares, for the OCU, opiate and
    crack groups, with an asymmetric 95% interval of fixed relative width; rounded to 10
    (the 35-64 band takes the rounding so that the bands sum to the 15-64 estimate).
    """
    rows: dict[str, list] = {"substance_group": [], "year": [], "age_band": [], "estimate": [], "lower": [], "upper": []}
    for year in range(FIRST_FY, LAST_FY + 1):
        total = OCU_PREVALENCE_FIRST_YEAR * (1 + OCU_PREVALENCE_TREND) ** (year - FIRST_FY)
        for group, factor in PREVALENCE_GROUP_FACTOR.items():
            whole = round(total * factor, -1)
            bands = {band: round(whole * share, -1) for band, share in PREVALENCE_AGE_SHARES.items()}
            last = list(bands)[-1]  # the oldest band takes the rounding, so the bands sum to 15-64
            bands[last] = whole - sum(v for b, v in bands.items() if b != last)
            for band, estimate in {"15-64": whole, **bands}.items():
                rows["substance_group"].append(group)
                rows["year"].append(year)
                rows["age_band"].append(band)
                rows["estimate"].append(estimate)
                rows["lower"].append(round(estimate * (1 - PREVALENCE_INTERVAL[0]), -1))
                rows["upper"].append(round(estimate * (1 + PREVALENCE_INTERVAL[1]), -1))
    return {k: np.array(v, dtype=object if k in ("substance_group", "age_band") else None) for k, v in rows.items()}


def comparators_table() -> dict[str, np.ndarray]:
    """ILLUSTRATIVE comparator values (not published figures) for England, England's lowest and highest areas,
    the region, eight illustrative neighbours and, for the context indicators, the partnership.

    Deterministic arithmetic, no random draws (so adding the table changes no other demo table): England's
    value moves by a fixed step a year; every other area sits a fixed share of England's spread from it; a
    made-up count and denominator give each area its 95% interval (Wilson for percentages, Byar for rates).
    The source column of every row says the values are illustrative."""
    from analysis import stats

    rows: dict[str, list] = {c: [] for c in TABLES["comparators"].names}
    areas = ([("E92000001", "England", "England", 0.0, COMPARATOR_ENGLAND_SIZE),
              ("DEMO-LOW", "England lowest (illustrative)", "England lowest", None, COMPARATOR_NEIGHBOUR_SIZE),
              ("DEMO-HIGH", "England highest (illustrative)", "England highest", None, COMPARATOR_NEIGHBOUR_SIZE),
              ("E12000008", "South East (illustrative)", "region", COMPARATOR_REGION_OFFSET, COMPARATOR_REGION_SIZE)]
             + [(f"DEMO-N{i}", f"Illustrative neighbour {i}", "comparator group", offset, COMPARATOR_NEIGHBOUR_SIZE)
                for i, offset in enumerate(COMPARATOR_NEIGHBOUR_OFFSETS, start=1)])
    for indicator, (unit, first, step, low, high) in COMPARATOR_INDICATORS.items():
        context = indicator in COMPARATOR_CONTEXT_NAMES
        last = LAST_FY - 1 if indicator in COMPARATOR_FOLLOW_UP_IDS else LAST_FY
        chosen = areas + ([("E10000025", "Oxfordshire partnership (illustrative)", "partnership",
                            COMPARATOR_PARTNERSHIP_OFFSET, COMPARATOR_NEIGHBOUR_SIZE)] if context else [])
        for year in range(FIRST_FY, last + 1):
            england = first + step * (year - FIRST_FY)
            for code, name, area_type, offset, size in chosen:
                if offset is None:
                    value = england + (low if area_type == "England lowest" else high)
                else:
                    value = england + offset * (high - low)
                denominator = round(unit * size)
                if unit <= 1000:  # a percentage
                    count = round(value / 100 * denominator)
                    ci = stats.proportion_ci([count], [denominator], per=100)
                else:
                    per = 1000 if unit < 100_000 else 100_000
                    count = round(value / per * denominator)
                    ci = stats.rate_ci([count], [denominator], per=per)
                period = f"{year}/{(year + 1) % 100:02d}"
                values = {"area_code": code, "area_name": name, "area_type": area_type, "indicator": indicator,
                          "indicator_name": COMPARATOR_CONTEXT_NAMES.get(indicator), "period": period,
                          "value": round(float(ci["value"].iloc[0]), 1), "lower": round(float(ci["lower"].iloc[0]), 1),
                          "upper": round(float(ci["upper"].iloc[0]), 1), "count": float(count),
                          "denominator": float(denominator), "source": COMPARATOR_SOURCE, "published": None}
                for column, value in values.items():
                    rows[column].append(value)
    return {k: np.array(v, dtype=np.float64 if k in ("value", "lower", "upper", "count", "denominator") else object)
            for k, v in rows.items()}


def build_tables(seed: int = SEED) -> dict[str, dict[str, np.ndarray]]:
    """All seven demo tables as column arrays, in contract column order, from one seeded generator."""
    rng = np.random.default_rng(seed)
    tables = _episode_tables(rng)
    tables["districts"] = _districts_table()
    tables["population"] = population_table()
    tables["prevalence"] = prevalence_table()
    tables["comparators"] = comparators_table()
    return {name: {col: tables[name][col] for col in TABLES[name].names} for name in TABLES}


# ================================================================= writing
_ARROW_TYPE = {ID: pa.string(), TEXT: pa.string(), "code": pa.string(), DATE: pa.date32(),
               INTEGER: pa.int64(), NUMBER: pa.float64()}


def to_arrow(name: str, columns: Mapping[str, np.ndarray]) -> pa.Table:
    """Columns to an Arrow table typed from the contract (dates as date32, ids and codes as strings)."""
    arrays, fields = [], []
    for column in TABLES[name].columns:
        values = columns[column.name]
        kind = _ARROW_TYPE[column.kind]
        if column.kind == DATE:
            array = pa.array(values.astype("datetime64[D]"), type=kind, mask=np.isnat(values))
        elif kind == pa.string():
            array = pa.array(list(values), type=kind)
        else:
            array = pa.array(values.astype(np.int64 if column.kind == INTEGER else np.float64), type=kind)
        arrays.append(array)
        fields.append(pa.field(column.name, kind, nullable=True))
    schema = pa.schema(fields, metadata={"source": DEMO_NOTE, "table": name})
    return pa.Table.from_arrays(arrays, schema=schema)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_demo(out_dir: Path = DEMO_DIR, seed: int = SEED) -> dict[str, Path]:
    """Write ``<table>.parquet`` for every contract table and ``metadata.json`` into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    rows: dict[str, int] = {}
    for name, columns in build_tables(seed).items():
        table = to_arrow(name, columns)
        path = out_dir / f"{name}.parquet"
        pq.write_table(table, path, **PARQUET_OPTIONS)
        written[name] = path
        rows[name] = table.num_rows
    metadata = {
        "description": DEMO_NOTE,
        "generator": "data/make_demo_data.py",
        "generator_version": GENERATOR_VERSION,
        "version": f"demo {GENERATOR_VERSION} (seed {seed})",
        "synthetic": True,
        "population_approximate": True,
        "seed": seed,
        "extract_date": str(EXTRACT_DATE),
        "financial_years": f"{FIRST_FY}/{(FIRST_FY + 1) % 100:02d} to {LAST_FY}/{(LAST_FY + 1) % 100:02d}",
        # Earlier years hold only the long episodes still open in 2018: not complete years to report.
        "complete_years": [f"{fy}/{(fy + 1) % 100:02d}" for fy in range(FIRST_FY, LAST_FY + 1)],
        "area": "Oxfordshire (five districts)",
        "population": ("APPROXIMATE: approximate Census 2021 district totals x a stated, approximate England "
                       "age-sex structure, +0.6% a year; not ONS mid-year estimates. Replace with the ONS "
                       "mid-year estimates through the population table."),
        "prevalence": "ILLUSTRATIVE: synthetic opiate and/or crack prevalence, not a published estimate.",
        "comparators": f"ILLUSTRATIVE: {COMPARATOR_SOURCE}.",
        "boundaries_attribution": list(ATTRIBUTION),
        "rows": rows,
        "sha256": {f"{name}.parquet": _sha256(path) for name, path in written.items()},
    }
    meta_path = out_dir / "metadata.json"
    meta_path.write_text(json.dumps(metadata, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    written["metadata"] = meta_path
    return written


def _sample_frames(tables: Mapping[str, Mapping[str, np.ndarray]]) -> dict[str, list[dict[str, object]]]:
    """About ten rows per table, chosen to show the formats: YP and adult, open, unknown district."""
    ep = tables["episodes"]
    open_ = np.isnat(ep["discharge_date"])
    unknown = np.array([d is None for d in ep["district_code"]])
    yp = ep["service"] == "young_people"
    recent = ep["triage_date"] >= SAMPLE_FROM
    candidates = [np.flatnonzero(recent & yp & ~open_)[:3], np.flatnonzero(recent & ~yp & ~open_)[:3],
                  np.flatnonzero(recent & open_ & ~yp)[:2], np.flatnonzero(recent & open_ & yp)[:1],
                  np.flatnonzero(recent & unknown & ~open_)[:1]]
    picked = np.unique(np.concatenate(candidates))[:SAMPLE_ROWS]
    chosen = set(ep["episode_id"][picked])

    def rows_of(table: Mapping[str, np.ndarray], index: np.ndarray) -> list[dict[str, object]]:
        return [{col: values[i] for col, values in table.items()} for i in index]

    def where_episode(table: Mapping[str, np.ndarray], limit: int) -> np.ndarray:
        hits = np.flatnonzero(np.array([e in chosen for e in table["episode_id"]]))
        return hits[:limit]

    referrals = tables["referrals"]
    unlinked = np.flatnonzero(np.array([e is None for e in referrals["episode_id"]])
                              & (referrals["referral_date"] >= SAMPLE_FROM))[:2]
    linked = where_episode(referrals, SAMPLE_ROWS - unlinked.size)
    population = tables["population"]
    pop_rows = np.flatnonzero((population["year"] == LAST_FY) & np.isin(population["age"], (15, 16, 17, 18, 90))
                              & (population["district_code"] == "E07000178"))[:SAMPLE_ROWS]
    prevalence = tables["prevalence"]
    prev_rows = np.flatnonzero(prevalence["year"] >= LAST_FY - 1)[:SAMPLE_ROWS]
    comparators = tables["comparators"]
    latest = f"{LAST_FY}/{(LAST_FY + 1) % 100:02d}"
    comparator_rows = np.concatenate([
        np.flatnonzero((comparators["indicator"] == "successful_completion") & (comparators["period"] == latest))[:6],
        np.flatnonzero((comparators["indicator"] == "alcohol_admissions_under_18") & (comparators["period"] == latest)
                       & np.isin(comparators["area_type"], ["England", "partnership"]))])[:SAMPLE_ROWS]
    return {
        "episodes": rows_of(ep, picked),
        "referrals": rows_of(referrals, np.sort(np.concatenate([linked, unlinked]))),
        "substances": rows_of(tables["substances"], where_episode(tables["substances"], SAMPLE_ROWS)),
        "interventions": rows_of(tables["interventions"], where_episode(tables["interventions"], SAMPLE_ROWS)),
        "districts": rows_of(tables["districts"], np.arange(len(DISTRICTS))),
        "population": rows_of(population, pop_rows),
        "prevalence": rows_of(prevalence, prev_rows),
        "comparators": rows_of(comparators, comparator_rows),
    }


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, np.datetime64):
        return "" if np.isnat(value) else str(value.astype("datetime64[D]"))
    if isinstance(value, float | np.floating):
        return f"{value:g}"
    return str(value)


def write_samples(tables: Mapping[str, Mapping[str, np.ndarray]], samples_dir: Path = SAMPLES_DIR) -> list[Path]:
    """Write one small CSV per table (contract column names, ISO dates, empty = not known)."""
    samples_dir = Path(samples_dir)
    samples_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, rows in _sample_frames(tables).items():
        header = TABLES[name].names
        lines = [",".join(header)]
        for row in rows:
            cells = [_cell(row[col]) for col in header]
            lines.append(",".join(f'"{c}"' if "," in c else c for c in cells))
        path = samples_dir / f"{name}.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


# ================================================================= data/README.md
def contract_markdown() -> str:
    """The data contract as Markdown: one column table per contract table, from ``analysis.contract.TABLES``."""
    parts = []
    for table in TABLES.values():
        status = "optional table" if table.optional else "required table"
        key = f" Each row is identified by: {', '.join(f'`{k}`' for k in table.key)}." if table.key else ""
        parts.append(f"### `{table.name}` ({status})\n\n{table.description}{key}\n")
        parts.append("| column | kind | required | allowed range | description | also read from headers |\n"
                     "|---|---|---|---|---|---|")
        for c in table.columns + table.inputs:
            bounds = ""
            if c.minimum is not None or c.maximum is not None:
                lo = "" if c.minimum is None else f"{c.minimum:g}"
                hi = "" if c.maximum is None else f"{c.maximum:g}"
                bounds = f"{lo} to {hi}" if hi else f"{lo} or more"
            required = "**required**" if c.required else ("optional, **not stored**" if not c.stored else "optional")
            synonyms = ", ".join(f"`{h}`" for h in HEADER_SYNONYMS.get(c.name, ()))
            parts.append(f"| `{c.name}` | {c.kind} | {required} | {bounds} | {c.description} | {synonyms} |")
        parts.append("")
    return "\n".join(parts)


def codes_markdown() -> str:
    """The code lists of ``analysis.codes`` as Markdown: every accepted code and its reporting group."""
    parts = []
    for column, mapping in codes.CODE_LISTS.items():
        parts.append(f"### `{column}`\n\nReporting groups, in display order: "
                     + ", ".join(codes.GROUP_ORDER[column]) + ".\n")
        parts.append("| code | reporting group |\n|---|---|")
        for code, group in mapping.items():
            parts.append(f"| `{code}` | {group} |")
        parts.append("")
    return "\n".join(parts)


def district_code_changes_markdown() -> str:
    """The lookup of pre-2009 district codes as a Markdown table, from ``data/district_code_changes.csv``."""
    lines = ["| old code | current code | district |", "|---|---|---|"]
    rows = DISTRICT_CODE_CHANGES_FILE.read_text(encoding="utf-8").splitlines()[1:]
    for row in rows:
        old, new, name = row.split(",")
        lines.append(f"| `{old}` | `{new}` | {name} |")
    return "\n".join(lines)


def age_structure_markdown() -> str:
    parts = ["| ages | % of all residents | male share |", "|---|---|---|"]
    for lo, hi, share, male in ENGLAND_AGE_STRUCTURE:
        ages = f"{lo} and over" if lo == hi == 90 else f"{lo}-{hi}"
        parts.append(f"| {ages} | {share:.1f} | {male:.3f} |")
    return "\n".join(parts)


def people_in_treatment(episodes: Mapping[str, np.ndarray]) -> dict[tuple[int, str], int]:
    """People in treatment during each covered financial year, by service and in all services
    (key ``ALL_SERVICES``), by the GLOSSARY definition.

    A person counts in a year if one of their episodes was triaged on or before 31 March
    ending it and was open on 1 April starting it (no discharge date, or discharged on or after).
    A person in both services in a year counts once in each service and once in all services,
    so the all-services figure is distinct people, not the sum of the services.
    """
    triage, discharge = episodes["triage_date"], episodes["discharge_date"]
    counts = {}
    for fy in range(FIRST_FY, LAST_FY + 1):
        start, end = np.datetime64(f"{fy}-04-01", "D"), np.datetime64(f"{fy + 1}-03-31", "D")
        active = (triage <= end) & (np.isnat(discharge) | (discharge >= start))
        for service in SERVICES:
            chosen = active & (episodes["service"] == service)
            counts[(fy, service)] = int(np.unique(episodes["client_id"][chosen]).size)
        counts[(fy, ALL_SERVICES)] = int(np.unique(episodes["client_id"][active]).size)
    return counts


#: Key of the all-services count in ``people_in_treatment``.
ALL_SERVICES = "all"


def headline_markdown(episodes: Mapping[str, np.ndarray]) -> str:
    counts = people_in_treatment(episodes)
    lines = ["| financial year | young people | adults | all services (distinct people) |", "|---|---|---|---|"]
    for fy in range(FIRST_FY, LAST_FY + 1):
        yp, adult, everyone = counts[(fy, "young_people")], counts[(fy, "adult")], counts[(fy, ALL_SERVICES)]
        lines.append(f"| {fy}/{(fy + 1) % 100:02d} | {yp:,} | {adult:,} | {everyone:,} |")
    return "\n".join(lines)


def render_readme(tables: Mapping[str, Mapping[str, np.ndarray]] | None = None) -> str:
    """The full text of ``data/README.md``: generated so it cannot drift from the contract and code lists."""
    tables = build_tables() if tables is None else tables
    totals = "\n".join(f"| {code} | {name} | about {CENSUS_2021_TOTAL[code]:,} |" for code, name in DISTRICTS.items())
    return f"""# Data: the data contract, the demo data and the boundaries

<!-- Generated by data/make_demo_data.py from analysis/contract.py and analysis/codes.py: do not edit by hand.
     Regenerate with `python data/make_demo_data.py`. -->

**The demo data is synthetic: not real people, not real Oxfordshire treatment figures.** It exists
so that every page of the product can be seen working before a partnership loads its own extract.
Its population is **APPROXIMATE** and its prevalence and comparators are **illustrative** (see below).

| path | what |
|---|---|
| `demo/*.parquet` | the demo tables, one file per contract table, in the raw extract form (contract column names, codes as a case-management system exports them, dates as dates, identifiers as text) |
| `demo/metadata.json` | source notes, seed, extract date, row counts and SHA-256 of each demo file |
| `samples/*.csv` | about ten rows of each table, showing the expected column names and formats for your own files |
| `geo/*.geojson` | real boundaries (Oxfordshire districts, wards 2013, LSOAs 2011; English local authority districts 2013) |
| `make_demo_data.py` | the seeded generator of `demo/`, `samples/` and this README |

## The data contract

A partnership's extract is a set of tables. Column names are matched case-insensitively, ignoring
spaces, underscores, hyphens and other punctuation (`Client ID` matches `client_id`), and the headers
real extracts use are read without any mapping (the last column of each table below, declared once in
`analysis/contract.py` as `HEADER_SYNONYMS`; a file's own contract name wins over a synonym).
**Required** columns must be present; optional columns may be left out (the measures that need them
say so). Dates are read as dates: `YYYY-MM-DD` or UK day-first `DD/MM/YYYY` (also `15-06-2024`,
`15.06.2024`, `15 Jun 2024`; never US month-first); an empty cell means "not known" (or, for a
discharge date, "still open"). Code columns (kind `code`) are mapped to reporting groups by the code
lists below.

- **Date of birth instead of age**: an episodes file may give `date_of_birth` (e.g. a `DOB` column)
  instead of `age_at_triage`. The age in whole years on the triage date is computed when the file is
  read (someone born on 29 February turns a year older on 1 March in other years), and the date of
  birth is then dropped: it is **never stored**, not even with rejected rows (data minimisation).
  Where a file has both, the age given is used.
- **Substances in ranked columns**: a substances file with one row per episode and columns headed
  like `Primary substance`, `Secondary substance`, `Tertiary substance` (also `Substance 1`..`3`,
  `Drug 1`..`3`), and no `rank` or `substance` column, is read as one row per substance given, with
  its rank; an empty cell gives no row.

{contract_markdown()}
## Code lists

Codes are matched ignoring case, spaces and punctuation (`completed_drug_free` matches `completed
drug free`; `Dropped out/left` matches `dropped out left`). The lists hold the NDTMS reference labels
and common local variants, so an NDTMS-shaped extract needs no code choices. A reporting group's own
name is also accepted. An empty cell is counted as "{codes.NOT_RECORDED}"; a code that is in no list
is kept, counted as "{codes.UNMAPPED}" and reported, never guessed: the Data page lists it with its
count and a **suggested** group (the closest known label; for a service, from its clients' ages: all
under 25 and mostly under 18 suggests young people, all 18 or over adults), which is used only when
the user confirms it. A partnership can map its local codes to these through a code mapping. A
discharge with an empty or unmapped reason is still an exit: it counts in the exit group
"{codes.OTHER_NOT_KNOWN}" (and stays in the completion rate's denominator).

{codes_markdown()}
## District codes changed since 2009

Extracts from older systems give districts by their pre-2009 ONS codes (`38UC` for Oxford) or by
name. Every `district_code` column (episodes, districts, population) is read through
`district_code_changes.csv`, which changes such codes, and the names of the districts it lists, to
the current ONS code; the validation report lists what was changed. The lookup holds the districts of
the demo's partnership, matched to its districts table by name (a national lookup was not available
here; add rows `old_code,new_code,district_name` for other areas):

{district_code_changes_markdown()}

## The demo data

Made by `python data/make_demo_data.py` (seed {SEED}; running it twice gives byte-identical files).

- **Area**: Oxfordshire's five districts. Each synthetic person gets a district (in proportion to its
  population times a relative treatment rate, highest in Oxford), a real 2013 ward of that district
  (from `geo/oxfordshire_wards_2013.geojson`) and a plausible postcode district of it (e.g. Oxford
  OX1-OX4). Ward and postcode district are drawn independently within the district, so they need not
  match each other. About {UNKNOWN_DISTRICT_SHARE:.0%} of people have no district, postcode or ward ("not known").
- **Years**: financial years {FIRST_FY}/{(FIRST_FY + 1) % 100:02d} to {LAST_FY}/{(LAST_FY + 1) % 100:02d};
  data extract date {EXTRACT_DATE} (nothing happens after it; episodes still open then have no
  discharge date). People's first episodes are simulated from {SIMULATION_START} so that long episodes
  are already open in 2018; episodes that ended before {KEEP_FROM} are left out of the extract.
- **Volumes and story**: about 300-450 young people and 2,000-2,800 adults in treatment a year; the
  young people's service dips in 2020/21 and then rises; adults grow; powder cocaine and ketamine rise;
  opiate and/or crack users fall as a share of new adults. Young people: alcohol the most common
  substance, cannabis close behind and more common among young males; ages peak at 15-18. Adults:
  mostly opiates, crack and alcohol; ages 18-80, mostly 30-49.
- **Episodes**: weeks to years long (young people shorter; opiate users longest); about three in four
  young people's exits and four to five in ten adults' exits are planned; some transfers; some people
  re-present after an earlier episode (more often after an unplanned exit).
- **Headline figures**: people in treatment during the year (GLOSSARY definition; a person in both
  services in a year counts once in each service, and once in all services, so the last column is
  less than the sum of the two services):

{headline_markdown(tables["episodes"])}

- **Substances**: one to three per episode (rank 1 primary, 2, 3). **Interventions**: one to three per
  episode. **Referrals**: one for most episodes (linked by `episode_id` and `client_id`), plus referrals
  that led to no episode (empty `episode_id`).

## Population: APPROXIMATE

ONS mid-year population estimates by district, age and sex were not available when the demo was
built, so the demo's `population` table is **APPROXIMATE**. It was built as follows:

1. District totals: approximate Census 2021 usual-resident totals (not verified against the ONS release):

| district code | district | Census 2021 total (approximate) |
|---|---|---|
{totals}

2. Age and sex: an approximate, rounded England age structure, stated here, not an ONS release
   (percentage of all residents in each five-year band, split evenly across its single years of
   age; 90 stands for 90 and over; and the male share of the band):

{age_structure_markdown()}

3. Years: mid-years {POPULATION_YEARS.start} to {POPULATION_YEARS.stop - 1}, changing by
   {POPULATION_GROWTH_PER_YEAR:+.1%} a year around {POPULATION_BASE_YEAR}; rounded to whole people.

The same national structure is used for every district, so districts with many students (Oxford)
have too few people aged 18-24 in it. **Replace it with the ONS mid-year estimates** (district,
single year of age, sex) through the `population` table of the data contract before using any rate.

## Prevalence: illustrative

The demo `prevalence` table is **synthetic and illustrative**, not a published estimate: about
{OCU_PREVALENCE_FIRST_YEAR:,.0f} opiate and/or crack users aged 15-64 in {FIRST_FY}/{(FIRST_FY + 1) % 100:02d}, rising
{OCU_PREVALENCE_TREND:.1%} a year, with a 95% interval from {1 - PREVALENCE_INTERVAL[0]:.0%} to
{1 + PREVALENCE_INTERVAL[1]:.0%} of the estimate, split into the bands 15-24, 25-34 and 35-64, and
given for opiates and for crack as well. Replace it with the national estimates for your area.

## Comparators: illustrative

The demo `comparators` table is **made up for the synthetic demo: not published figures**. Every row's
`source` says "{COMPARATOR_SOURCE}", and every chart and table that uses it says so. England's value moves
by a fixed step a year; England's lowest and highest areas, the region (named "South East (illustrative)")
and eight neighbours named "Illustrative neighbour 1" to "8" (not real councils) sit fixed shares of
England's spread from it; made-up counts and denominators give the 95% intervals. Two context indicators
(hospital admissions for alcohol-specific conditions in under-18s, and for substance misuse at 15-24) have
an illustrative partnership value too. Replace the table with the published values for your area (OHID
Fingertips exports: Area Code, Area Name, Indicator Name, Time period, Value, Lower/Upper CI 95.0 limit,
Count, Denominator are read without mapping).

## Boundaries: source and attribution

`geo/` holds copies, unchanged, of the reference boundary files: Oxfordshire districts (dissolved
from the 2013 wards, simplified to 25 m), Oxfordshire electoral wards 2013 (`ward_code`, `ward_name`,
`district_code`, `district_name`; 20 m), Oxfordshire 2011 LSOAs (`lsoa_code`, `lsoa_name`,
`district_code`; 15 m), and all English local authority districts 2013 (`district_code`,
`district_name`; 200 m); all WGS84 (EPSG:4326). They come from the repository `martinjc/UK-GeoJSON`
(GitHub), commit `88339000fc8711feb9c146d5cd7d145bf286350d`, converted to GeoJSON, repaired and
simplified; no code from that repository is used. "GeoJSON and TopoJSON UK Boundary Data by Martin
Chorley" is licensed under Creative Commons Attribution 4.0 International; the underlying boundaries
are ONS/Ordnance Survey data under the Open Government Licence / OS OpenData licence.

Attribution to carry with the data and to show wherever a map is drawn (verbatim):

- "{ATTRIBUTION[0]}"
- "{ATTRIBUTION[1]}"
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None,
                        help="write only the demo Parquet files and metadata.json into this folder")
    args = parser.parse_args(argv)
    if args.out is not None:
        written = write_demo(args.out)
    else:
        written = write_demo(DEMO_DIR)
        tables = build_tables()
        write_samples(tables)
        README_FILE.write_text(render_readme(tables), encoding="utf-8")
    for name, path in written.items():
        print(f"{name:>14}: {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
