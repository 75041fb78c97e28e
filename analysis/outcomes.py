"""The national outcome measure: successful completion without re-presentation within 6 months (PHOF C19 style).

Measures in the ``analysis.yoy`` frame contract (``count`` / ``denominator``, a proportion per 100) built on
``cohorts.completion_without_representation``: people in treatment in the year in a substance group who
completed successfully and did not re-present within 6 months, over all people in treatment in the year in
that group, with the Wilson interval. A year whose 6 months of follow-up the data do not cover has no figure
(``attrs["not_applicable"]`` says why), never a figure counted on too short a follow-up.
"""

from __future__ import annotations

import pandas as pd

from analysis import cohorts
from analysis.cohorts import C19_GROUPS, NO_REPRESENTATION_MONTHS
from analysis.dataset import Dataset
from analysis.filters import Filters
from analysis.periods import FinancialYear
from analysis.yoy import PROPORTION, measure

LABEL = "Successful completion without re-presentation within 6 months"


def data_end(data: Dataset) -> pd.Timestamp | None:
    """The latest date in the data (triage, discharge or referral): how far follow-up reaches."""
    dates = [data.episodes["triage_date"].max(), data.episodes["discharge_date"].max()]
    if len(data.referrals):
        dates.append(data.referrals["referral_date"].max())
    dates = [d for d in dates if pd.notna(d)]
    return max(dates) if dates else None


def follow_up_note(data: Dataset, fy: FinancialYear) -> str | None:
    """Why ``fy`` has no figure (its 6 months of follow-up are not in the data), or None when it has."""
    end = data_end(data)
    if end is not None and cohorts.has_follow_up(end, fy):
        return None
    needed = fy.end + pd.DateOffset(months=NO_REPRESENTATION_MONTHS)
    reached = f"{end:%d %b %Y}" if end is not None else "no date"
    return (f"Not yet available for {fy.label}: it needs {NO_REPRESENTATION_MONTHS} months of follow-up after the "
            f"year, to {needed:%d %b %Y}, and the data end on {reached}")


def by_substance_group(data: Dataset, *, fy: FinancialYear, filters: Filters = Filters()) -> pd.DataFrame:
    """One row per C19 substance group (``substance_group``): people who completed without re-presenting
    (``count``) over people in treatment in the group (``denominator``). No counts when the year lacks its
    follow-up (``attrs["not_applicable"]``)."""
    note = follow_up_note(data, fy)
    if note:
        frame = pd.DataFrame({"substance_group": list(C19_GROUPS), "count": float("nan"),
                              "denominator": float("nan")})
        out = measure(frame, PROPORTION, label=LABEL)
        out.attrs["not_applicable"] = note
        return out
    people = cohorts.completion_without_representation(data.episodes, data.substances, fy, filters)
    grouped = people.groupby("c19_group")["completed"].agg(["sum", "size"])
    grouped = grouped.reindex(list(C19_GROUPS), fill_value=0)
    frame = pd.DataFrame({"substance_group": list(C19_GROUPS), "count": grouped["sum"].astype(int).to_numpy(),
                          "denominator": grouped["size"].astype(int).to_numpy()})
    return measure(frame, PROPORTION, label=LABEL)


def _one_group(group: str, data: Dataset, fy: FinancialYear, filters: Filters) -> pd.DataFrame:
    frame = by_substance_group(data, fy=fy, filters=filters)
    row = frame.loc[frame["substance_group"] == group, ["count", "denominator"]].reset_index(drop=True)
    out = measure(row, PROPORTION, label=f"{LABEL}: {group.lower()}")
    if "not_applicable" in frame.attrs:
        out.attrs["not_applicable"] = frame.attrs["not_applicable"]
    return out


def opiates(data: Dataset, *, fy: FinancialYear, filters: Filters = Filters()) -> pd.DataFrame:
    """C19a style: opiate users (any opiate at any rank of their latest episode)."""
    return _one_group(cohorts.C19_OPIATES, data, fy, filters)


def non_opiates(data: Dataset, *, fy: FinancialYear, filters: Filters = Filters()) -> pd.DataFrame:
    """C19b style: non-opiate drug users (no opiate, no alcohol)."""
    return _one_group(cohorts.C19_NON_OPIATES, data, fy, filters)


def alcohol(data: Dataset, *, fy: FinancialYear, filters: Filters = Filters()) -> pd.DataFrame:
    """C19c style: alcohol only."""
    return _one_group(cohorts.C19_ALCOHOL, data, fy, filters)


def alcohol_non_opiates(data: Dataset, *, fy: FinancialYear, filters: Filters = Filters()) -> pd.DataFrame:
    """C19d style: alcohol and non-opiate drugs (no opiate)."""
    return _one_group(cohorts.C19_ALCOHOL_NON_OPIATES, data, fy, filters)


__all__ = ["LABEL", "alcohol", "alcohol_non_opiates", "by_substance_group", "data_end", "follow_up_note",
           "non_opiates", "opiates"]
