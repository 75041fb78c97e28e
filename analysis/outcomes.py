"""The national outcome measure: successful completion without re-presentation within 6 months (PHOF C19 style).

Measures in the ``analysis.yoy`` frame contract (``count`` / ``denominator``, a proportion per 100) built on
``cohorts.completion_without_representation``: people in treatment in the year in a substance group who
completed successfully and did not re-present within 6 months, over all people in treatment in the year in
that group, with the Wilson interval. A year whose 6 months of follow-up the data do not cover has no figure
(``attrs["not_applicable"]`` says why), never a figure counted on too short a follow-up.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import cohorts, person_year, profiles
from analysis.codes import PLANNED
from analysis.cohorts import C19_GROUPS, NO_REPRESENTATION_MONTHS
from analysis.dataset import Dataset
from analysis.filters import Filters
from analysis.periods import FinancialYear
from analysis.yoy import PROPORTION, evaluate, measure

LABEL = "Successful completion without re-presentation within 6 months"
_OPIATES, _ALCOHOL = "Opiates", "Alcohol"  # the substance groups C19's groups are built from


def data_end(data: Dataset) -> pd.Timestamp | None:
    """The latest date in the data (triage, discharge or referral): how far follow-up reaches. Worked out
    once per data set (``Dataset.derived``): every outcome figure of a page asks for it (16 on the
    Benchmarks page), and each time it read every episode's and referral's dates."""
    if "data_end" not in data.derived:
        dates = [data.episodes["triage_date"].max(), data.episodes["discharge_date"].max()]
        if len(data.referrals):
            dates.append(data.referrals["referral_date"].max())
        dates = [d for d in dates if pd.notna(d)]
        data.derived["data_end"] = max(dates) if dates else None
    return data.derived["data_end"]


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
    rows = person_year.rows(data, fy, filters)
    group = episode_c19_groups(data)[rows["episode_row"].to_numpy()]
    exit_rows = rows["exit_row"].to_numpy()
    completed = (rows["exited"].to_numpy(dtype=bool) & (rows["exit_group"] == PLANNED).to_numpy(dtype=bool)
                 & ~returned_after_discharge(data)[np.where(exit_rows >= 0, exit_rows, 0)])
    frame = pd.DataFrame({"substance_group": list(C19_GROUPS),
                          "count": [int((completed & (group == g)).sum()) for g in range(len(C19_GROUPS))],
                          "denominator": [int((group == g).sum()) for g in range(len(C19_GROUPS))]})
    return measure(frame, PROPORTION, label=LABEL)


def episode_c19_groups(data: Dataset) -> np.ndarray:
    """The C19 substance group of every prepared episode, as a position in ``C19_GROUPS`` (-1: no
    substance recorded), from its substances at any rank (``cohorts.c19_substance_group``'s rule:
    any opiate; else alcohol with any other group; else any other group; else alcohol), from the
    episode x group matrix (``profiles.episode_substances``), once per data set."""
    if "episode_c19_groups" not in data.derived:
        recorded = profiles.episode_substances(data)
        names = np.asarray(recorded.groups, dtype=object)
        held = recorded.combinations  # worked out for each combination of groups, then given to its episodes
        opiate = held[:, names == _OPIATES].any(axis=1)
        alcohol = held[:, names == _ALCOHOL].any(axis=1)
        other = held[:, (names != _OPIATES) & (names != _ALCOHOL)].any(axis=1)
        positions = [C19_GROUPS.index(g) for g in (cohorts.C19_OPIATES, cohorts.C19_ALCOHOL_NON_OPIATES,
                                                   cohorts.C19_NON_OPIATES, cohorts.C19_ALCOHOL)]
        group = np.select([opiate, alcohol & other, other, alcohol], positions, default=-1)
        data.derived["episode_c19_groups"] = group[recorded.combination]
    return data.derived["episode_c19_groups"]


def returned_after_discharge(data: Dataset) -> np.ndarray:
    """For every prepared episode: whether, on its discharge date, another episode of the same person
    (any service) was still open (triaged on or before that day, not discharged by it), or the person
    was triaged again after it and within ``NO_REPRESENTATION_MONTHS`` months (PHOF C19: a re-presentation).
    False for an episode not discharged. Once per data set; by person, on arrays."""
    if "returned_after_discharge" not in data.derived:
        episodes = data.episodes
        person = episodes["person"].to_numpy()
        discharge = episodes["discharge_date"]
        ended = np.flatnonzero(discharge.notna().to_numpy())
        starts = np.flatnonzero(np.concatenate([[True], person[1:] != person[:-1]])) if len(person) else person
        counts = np.diff(np.append(starts, len(person)))
        first = np.repeat(starts, counts)  # each row's person's first row
        size = np.repeat(counts, counts)
        # every (discharged episode, other episode of the same person) pair
        pair_episode = np.repeat(ended, size[ended])
        offset = np.arange(len(pair_episode)) - np.repeat(np.cumsum(size[ended]) - size[ended], size[ended])
        pair_other = first[pair_episode] + offset
        keep = pair_other != pair_episode
        pair_episode, pair_other = pair_episode[keep], pair_other[keep]
        day = discharge.to_numpy()[pair_episode]
        limit = (discharge.iloc[ended] + pd.DateOffset(months=NO_REPRESENTATION_MONTHS)).to_numpy()
        limit_of = np.empty(len(person), dtype="datetime64[ns]")
        limit_of[ended] = limit
        triage = episodes["triage_date"].to_numpy()[pair_other]
        end = episodes["episode_end"].to_numpy()[pair_other]
        still_open = (triage <= day) & (end > day)
        came_back = (triage > day) & (triage <= limit_of[pair_episode])
        returned = np.zeros(len(person), bool)
        returned[pair_episode[still_open | came_back]] = True
        data.derived["returned_after_discharge"] = returned
    return data.derived["returned_after_discharge"]


def _one_group(group: str, data: Dataset, fy: FinancialYear, filters: Filters) -> pd.DataFrame:
    # every group's figures come from one by_substance_group, remembered per data set (yoy.evaluate): the
    # four groups' indicators and the table by group share it instead of each counting every group again
    frame = evaluate(by_substance_group, fy, data, filters=filters)
    found = [position for position, name in enumerate(frame["substance_group"].tolist()) if name == group]
    row = pd.DataFrame({"count": frame["count"].to_numpy()[found],
                        "denominator": frame["denominator"].to_numpy()[found]})
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
