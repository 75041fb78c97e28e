"""Unmet need: people in treatment for a substance group against the estimated prevalence.

Definition (GLOSSARY "Unmet need"): 1 - (people in treatment for that substance group /
estimated prevalence), with the estimate's 95% interval carried through: the unmet need at the
estimate's lower limit and at its upper limit bound the range. People in treatment: people in
treatment during the financial year (any service) aged within the prevalence age band, with the
substance group recorded at any rank for the episode that puts them in the cohort. Prevalence:
the estimate for the financial year's first calendar year, or the latest earlier one (noted).
Estimates cover the whole partnership, so the sidebar's sex, age-band and district filters do
not apply.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import cohorts
from analysis.dataset import Dataset
from analysis.periods import FinancialYear
from analysis.suppression import MIN_SHOWN_COUNT

#: Substance groups of the prevalence table and the reporting groups each covers.
PREVALENCE_GROUPS: dict[str, tuple[str, ...]] = {
    "Opiates and/or crack (OCU)": ("Opiates", "Crack cocaine"),
    "Opiates": ("Opiates",),
    "Crack cocaine": ("Crack cocaine",),
}
#: The age band the headline estimate covers.
PREVALENCE_AGE_BAND = "15-64"


def _band_ages(label: str) -> tuple[int, int]:
    low, high = label.split("-")
    return int(low), int(high)


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


def unmet_need(data: Dataset, *, fy: FinancialYear, age_band: str = PREVALENCE_AGE_BAND) -> pd.DataFrame:
    """Per prevalence substance group: people in treatment (``count``), the estimate with its
    95% limits, and unmet need as a percentage with the range carried from the estimate's
    limits (``unmet_lower`` from the lower estimate, ``unmet_upper`` from the upper). A count of
    1 to 4 is suppressed (missing, ``suppressed`` True) with everything built on it. Empty
    when no prevalence table is loaded."""
    columns = ["substance_group", "count", "estimate", "lower", "upper", "unmet", "unmet_lower", "unmet_upper",
               "suppressed", "estimate_year", "note"]
    prevalence = data.prevalence
    if prevalence is None or prevalence.empty:
        return pd.DataFrame(columns=columns)
    year, note = estimate_year(prevalence, fy)
    if year is None:
        return pd.DataFrame(columns=columns)
    rows = prevalence[(prevalence["year"] == year) & (prevalence["age_band"] == age_band)]
    low, high = _band_ages(age_band)
    people = cohorts.in_treatment(data.episodes, fy)
    people = people[people["age_at_triage"].between(low, high)]
    recorded = data.substances[cohorts.isin_values(data.substances["episode_id"], people["episode_id"])]
    out = []
    for _, estimate in rows.iterrows():
        groups = PREVALENCE_GROUPS.get(str(estimate["substance_group"]))
        if groups is None:
            continue
        episodes = recorded.loc[recorded["substance_group"].isin(groups), "episode_id"].unique()
        count = int(cohorts.isin_values(people["episode_id"], episodes).sum())
        hidden = 0 < count < MIN_SHOWN_COUNT
        shown = np.nan if hidden else float(count)
        out.append({
            "substance_group": estimate["substance_group"], "count": shown,
            "estimate": float(estimate["estimate"]), "lower": float(estimate["lower"]),
            "upper": float(estimate["upper"]),
            "unmet": (1 - shown / float(estimate["estimate"])) * 100,
            "unmet_lower": (1 - shown / float(estimate["lower"])) * 100,
            "unmet_upper": (1 - shown / float(estimate["upper"])) * 100,
            "suppressed": hidden, "estimate_year": year, "note": note or "",
        })
    return pd.DataFrame(out, columns=columns)


def unmet_need_sentence(frame: pd.DataFrame, fy: FinancialYear) -> str:
    """e.g. 'An estimated 27% of opiate and/or crack users aged 15-64 were not in treatment in
    2024/25 (range 10% to 40% from the prevalence estimate's 95% interval).'"""
    if frame.empty:
        return "No prevalence estimates are loaded, so unmet need cannot be shown."
    row = frame.iloc[0]
    if row["suppressed"]:
        return f"{row['substance_group']}: fewer than 5 people in treatment in {fy.label}; not shown."
    return (f"An estimated {row['unmet']:.0f}% of people using {str(row['substance_group']).lower()} aged "
            f"{PREVALENCE_AGE_BAND} were not in treatment in {fy.label} ({row['count']:,.0f} in treatment against "
            f"an estimated {row['estimate']:,.0f}; range {row['unmet_lower']:.0f}% to {row['unmet_upper']:.0f}% "
            f"from the estimate's 95% interval).")


def unmet_need_table(current: pd.DataFrame, previous: pd.DataFrame, fy: FinancialYear,
                     comparison: FinancialYear) -> pd.DataFrame:
    """The table shown and downloaded: each group's people in treatment, estimate (95% limits)
    and unmet need (range) in both years; ``*`` where a count of 1 to 4 is hidden."""
    def text(value: float, pattern: str) -> str:
        return "*" if pd.isna(value) else pattern.format(value)

    rows = []
    for _, now in current.iterrows():
        before = previous[previous["substance_group"] == now["substance_group"]]
        before = before.iloc[0] if len(before) else None
        row = {"Substance group": now["substance_group"],
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
