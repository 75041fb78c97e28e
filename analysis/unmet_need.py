"""Unmet need: people in treatment for a substance group against the estimated prevalence.

Definition (GLOSSARY "Unmet need"): 1 - (people in treatment for that substance group and age
band / estimated prevalence for it), with the estimate's 95% interval carried through: the unmet
need at the estimate's lower limit and at its upper limit bound the range. People in treatment:
people in treatment during the financial year (any service: the estimate covers everyone of its
ages) aged within the prevalence age band, with the substance group recorded at any rank for the
episode that puts them in the cohort. Age band: any band the estimates give; the selected service
picks the matching one (``matching_band``: 15-24 for young people, 15-64 for adults and all
services). Prevalence: the estimate for the financial year's first calendar year, or the latest
earlier one (noted). Estimates cover the whole partnership, so the sidebar's sex, age-band and
district filters do not apply.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import person_year, profiles
from analysis.codes import ADULTS, YOUNG_PEOPLE
from analysis.dataset import Dataset
from analysis.filters import ALL, Filters
from analysis.periods import Comparison, FinancialYear
from analysis.suppression import MIN_SHOWN_COUNT

#: Substance groups of the prevalence table and the reporting groups each covers.
PREVALENCE_GROUPS: dict[str, tuple[str, ...]] = {
    "Opiates and/or crack (OCU)": ("Opiates", "Crack cocaine"),
    "Opiates": ("Opiates",),
    "Crack cocaine": ("Crack cocaine",),
}
#: The age band the headline estimate covers (adults and all services).
PREVALENCE_AGE_BAND = "15-64"
#: Ages a prevalence band must lie within to match the young people's service: the service is for
#: under-18s, "often flexible up to 24" (GLOSSARY "Young people's service"), so 15-24 matches.
YOUNG_PEOPLE_BAND_AGES = (10, 24)
#: A band matches adults (and all services) when it covers these ages: a whole-adult band
#: such as 15-64 or 18-64, not one age group of adults such as 25-34.
ADULT_BAND_COVERS = (18, 64)


def band_ages(label: str) -> tuple[int, int] | None:
    """Youngest and oldest age of a band label like ``15-24``; ``None`` if it is not one."""
    parts = str(label).strip().split("-")
    if len(parts) != 2 or not all(part.strip().isdigit() for part in parts):
        return None
    low, high = int(parts[0]), int(parts[1])
    return (low, high) if low <= high else None


def matching_band(bands: list[str], service: str) -> str | None:
    """The prevalence age band used for a service's selection, among the ``bands`` loaded:
    young people, a band within ages 10-24 (``YOUNG_PEOPLE_BAND_AGES``); adults and all services,
    a band covering 18-64 (``ADULT_BAND_COVERS``). For young people the widest fitting band is
    used (15-24 before 15-17), for adults the narrowest covering one (15-64 before 10-70).
    ``None`` when no loaded band matches."""
    ages = {band: band_ages(band) for band in bands}
    ages = {band: a for band, a in ages.items() if a is not None}
    if service == YOUNG_PEOPLE:
        low, high = YOUNG_PEOPLE_BAND_AGES
        fitting = [b for b, (lo, hi) in ages.items() if lo >= low and hi <= high]
        return max(fitting, key=lambda b: (ages[b][1] - ages[b][0], -ages[b][0]), default=None)
    if service in (ADULTS, ALL):
        low, high = ADULT_BAND_COVERS
        fitting = [b for b, (lo, hi) in ages.items() if lo <= low and hi >= high]
        return min(fitting, key=lambda b: (ages[b][1] - ages[b][0], ages[b][0]), default=None)
    raise ValueError(f"Unknown service '{service}'")


def loaded_bands(prevalence: pd.DataFrame | None) -> list[str]:
    """The age bands of the prevalence estimates loaded, youngest first."""
    if prevalence is None or prevalence.empty:
        return []
    bands = [str(b) for b in prevalence["age_band"].dropna().unique()]
    return sorted(bands, key=lambda b: band_ages(b) or (999, 999))


def band_status(prevalence: pd.DataFrame | None, service: str) -> tuple[str | None, str | None]:
    """The band used for the service's selection and, when there is none, a sentence saying which
    bands are loaded (or that no estimates are)."""
    bands = loaded_bands(prevalence)
    if not bands:
        return None, "No prevalence estimates are loaded, so unmet need cannot be shown."
    band = matching_band(bands, service)
    if band is not None:
        return band, None
    who = {YOUNG_PEOPLE: "the young people's service (a band within ages 10-24, e.g. 15-24)",
           ADULTS: "adults (a band covering ages 18-64, e.g. 15-64)",
           ALL: "all services (a band covering ages 18-64, e.g. 15-64)"}[service]
    return None, (f"No prevalence estimate matches {who}; estimates are loaded for ages "
                  f"{', '.join(bands)}, so unmet need cannot be shown for this selection.")


def estimate_year(prevalence: pd.DataFrame, fy: FinancialYear) -> tuple[int | None, str | None]:
    """The prevalence year used for ``fy`` and, when it is not the year's own, a note saying so."""
    years = sorted(int(y) for y in prevalence["year"].dropna().unique())
    earlier = [y for y in years if y <= fy.start_year]
    if not earlier:
        return None, f"No prevalence estimate is held for {fy.label} or earlier."
    chosen = earlier[-1]
    note = None if chosen == fy.start_year else (
        f"No prevalence estimate for {fy.start_year}; {fy.label} uses the {chosen} estimate.")
    return chosen, note


def unmet_need(data: Dataset, *, fy: Comparison, age_band: str | None = PREVALENCE_AGE_BAND) -> pd.DataFrame:
    """Per prevalence substance group: people in treatment (``count``) aged within ``age_band``
    (the selection's band: ``band_status``), the estimate with its 95% limits, and unmet need as
    a percentage with the range carried from the estimate's limits (``unmet_lower`` from the
    lower estimate, ``unmet_upper`` from the upper). A count of 1 to 4 is suppressed (missing,
    ``suppressed`` True) with everything built on it. Empty when no prevalence table, no band
    (``None``: none matches the selection) or no comparison year (``NO_COMPARISON``)."""
    columns = ["substance_group", "age_band", "count", "estimate", "lower", "upper", "unmet", "unmet_lower",
               "unmet_upper", "suppressed", "estimate_year", "note"]
    prevalence = data.prevalence
    if prevalence is None or prevalence.empty or age_band is None or not isinstance(fy, FinancialYear):
        return pd.DataFrame(columns=columns)
    year, note = estimate_year(prevalence, fy)
    ages = band_ages(age_band)
    if year is None or ages is None:
        return pd.DataFrame(columns=columns)
    rows = prevalence[(prevalence["year"] == year) & (prevalence["age_band"] == age_band)]
    low, high = ages
    episode_rows = person_year.rows(data, fy, Filters())["episode_row"].to_numpy()
    ages = data.episodes["age_at_triage"].take(episode_rows).to_numpy(dtype="float64", na_value=np.nan)
    in_band = episode_rows[(ages >= low) & (ages <= high)]
    recorded = profiles.episode_substances(data)
    known_groups, mentioned = recorded.groups, recorded.mentioned(in_band)
    out = []
    for _, estimate in rows.iterrows():
        groups = PREVALENCE_GROUPS.get(str(estimate["substance_group"]))
        if groups is None:
            continue
        positions = [position for position in known_groups.get_indexer(list(groups)) if position >= 0]
        count = int(mentioned[:, positions].any(axis=1).sum()) if positions else 0
        hidden = 0 < count < MIN_SHOWN_COUNT
        shown = np.nan if hidden else float(count)
        out.append({
            "substance_group": estimate["substance_group"], "age_band": age_band, "count": shown,
            "estimate": float(estimate["estimate"]), "lower": float(estimate["lower"]),
            "upper": float(estimate["upper"]),
            "unmet": (1 - shown / float(estimate["estimate"])) * 100,
            "unmet_lower": (1 - shown / float(estimate["lower"])) * 100,
            "unmet_upper": (1 - shown / float(estimate["upper"])) * 100,
            "suppressed": hidden, "estimate_year": year, "note": note or "",
        })
    return pd.DataFrame(out, columns=columns)


def unmet_need_sentence(frame: pd.DataFrame, fy: FinancialYear, missing: str | None = None) -> str:
    """e.g. 'An estimated 27% of opiate and/or crack users aged 15-64 were not in treatment in
    2024/25 (range 10% to 40% from the prevalence estimate's 95% interval).' ``missing`` is what
    to say when ``frame`` is empty (``band_status``'s sentence)."""
    if frame.empty:
        return missing or f"No prevalence estimate is held for {fy.label} or earlier, so unmet need cannot be shown."
    row = frame.iloc[0]
    band = row.get("age_band", PREVALENCE_AGE_BAND)
    if row["suppressed"]:
        return f"{row['substance_group']}, aged {band}: fewer than 5 people in treatment in {fy.label}; not shown."
    group = str(row["substance_group"])
    group = group[:1].lower() + group[1:]  # "opiates and/or crack (OCU)": the abbreviation stays in capitals
    return (f"An estimated {row['unmet']:.0f}% of people using {group} aged "
            f"{band} were not in treatment in {fy.label} ({row['count']:,.0f} in treatment against "
            f"an estimated {row['estimate']:,.0f}; range {row['unmet_lower']:.0f}% to {row['unmet_upper']:.0f}% "
            f"from the estimate's 95% interval).")


def unmet_need_table(current: pd.DataFrame, previous: pd.DataFrame, fy: FinancialYear,
                     comparison: Comparison) -> pd.DataFrame:
    """The table shown and downloaded: each group's people in treatment, estimate (95% limits)
    and unmet need (range) in both years; ``*`` where a count of 1 to 4 is hidden."""
    def text(value: float, pattern: str) -> str:
        return "*" if pd.isna(value) else pattern.format(value)

    rows = []
    for _, now in current.iterrows():
        before = previous[previous["substance_group"] == now["substance_group"]]
        before = before.iloc[0] if len(before) else None
        row = {"Substance group": now["substance_group"], "Age band": now["age_band"],
               f"In treatment {fy.label}": text(now["count"], "{:,.0f}"),
               f"Estimate {fy.label} (95% limits)": f"{now['estimate']:,.0f} ({now['lower']:,.0f} to {now['upper']:,.0f})",
               f"Unmet need {fy.label}": text(now["unmet"], "{:.0f}%"),
               f"Range {fy.label}": "*" if pd.isna(now["unmet"]) else
               f"{now['unmet_lower']:.0f}% to {now['unmet_upper']:.0f}%"}
        if before is not None:
            row[f"Unmet need {comparison.label}"] = text(before["unmet"], "{:.0f}%")
            row[f"Range {comparison.label}"] = "*" if pd.isna(before["unmet"]) else (
                f"{before['unmet_lower']:.0f}% to {before['unmet_upper']:.0f}%")
        rows.append(row)
    return pd.DataFrame(rows)
