"""The person-year fact table: one row per person x financial year x service scope, built once.

Every row is a person in treatment during the year (GLOSSARY "In treatment during the year") within
a service scope: ``Young people``, ``Adults`` or ``All`` (every service). The person's filter
attributes are those of their latest episode in the year within the scope (latest triage date,
then episode id: GLOSSARY "Which episode describes a person"), and each cohort of ``analysis.cohorts``
is one flag column, so a page's figure for a selection is a masked count or sum over this table
instead of a cohort rebuilt from episodes for every selection. The cohort rules live here, in
``build``; ``analysis.cohorts`` keeps the episode-level functions, against which each column is
tested (``tests/test_person_year.py``).

Columns (GLOSSARY definitions, one-to-one):

- ``year`` (int16: first calendar year of the financial year), ``scope`` (category: ``All``,
  ``Young people``, ``Adults``), ``person`` (int32: the prepared episodes' person code),
  ``episode_row`` (int32: the describing episode's row in the prepared episodes, to reach its
  substances and interventions by integer position);
- filter attributes of the describing episode: ``age`` (single year of age at triage, Int16),
  ``age_band``, ``sex_group``, ``district`` (a partnership district or "Not known"), ``ward_code``,
  ``postcode_district`` (categories);
- ``open_31_march``: an episode in scope open on 31 March (triaged by then, not discharged by
  then); the 31 March snapshot is described by its latest open episode: ``snapshot_age_band``,
  ``snapshot_sex_group``, ``snapshot_district``;
- ``new_presentation``: the person's first triage in the year (any service) had no episode of any
  service open in the 12 months before it, and that episode is in scope; ``new_row`` its row in the
  prepared episodes (-1 when not new);
- ``re_presentation``: an episode in scope triaged in the year after an earlier episode of the
  person had been discharged;
- ``exited``: discharged in the year in scope; ``exit_group`` (planned / unplanned / transferred /
  other or not known) and ``exit_days`` (triage to discharge, whole days) of the last discharge in the year
  (latest discharge date, then episode id), ``exit_row`` its row in the prepared episodes (-1 when
  none); ``completed``: that exit was planned;
- ``back_in_treatment``: exited, and an episode after the exited one (later triage, or the same day
  and a later episode id), of any service, is open on 31 March;
- ``days_in_treatment`` (int32; weeks are days / 7, GLOSSARY "Time in treatment"): the describing
  episode's triage to its discharge, or to 31 March when open then; ``discharged_by_31_march``: the
  describing episode was discharged by 31 March;
- ``retention_started``: an episode in scope triaged in the year at least 12 weeks (84 days)
  before 31 March; ``retained_12_weeks``: the first such episode lasted 84 days or more (open on 31
  March, or discharged 84 or more days after triage).

- ``ethnicity_group``, ``accommodation_status_group``, ``in_care_group``, ``injecting_status_group``:
  the describing episode's recorded status fields (categories);
- ``ocu`` (Adults scope only): the describing episode records opiates or crack at any rank;
  ``effective`` (Adults scope only): any of the person's adult episodes overlapping the year was
  retained 12 weeks (84 days) or more, counted to its discharge or to 31 March if open then, or
  ended in a planned exit by 31 March (GLOSSARY "Effective treatment", NI 40: the count is
  ``ocu & effective``).

Not yet columns (still computed by ``analysis.cohorts`` / ``analysis.profiles`` from episodes):
substances by group, interventions, referrals, completion without re-presentation.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.codes import ADULTS, EXIT_GROUPS, OPIATE_CRACK_GROUPS, PLANNED, YOUNG_PEOPLE, exit_group
from analysis.cohorts import NEW_PRESENTATION_LOOKBACK, TWELVE_WEEKS_DAYS, isin_values, prepare_episodes
from analysis.filters import ALL, Filters
from analysis.periods import AGE_BAND_LABELS, FinancialYear

if TYPE_CHECKING:
    from analysis.dataset import Dataset

#: Service scopes of the table's rows: every service, then each service group.
SCOPES = (ALL, YOUNG_PEOPLE, ADULTS)
#: Columns and their types (the order of the table).
COLUMNS: dict[str, str] = {
    "year": "int16", "scope": "category", "person": "int32", "episode_row": "int32",
    "age": "Int16", "age_band": "category", "sex_group": "category", "district": "category",
    "ward_code": "category", "postcode_district": "category",
    "ethnicity_group": "category", "accommodation_status_group": "category", "in_care_group": "category",
    "injecting_status_group": "category",
    "open_31_march": "bool", "snapshot_age_band": "category", "snapshot_sex_group": "category",
    "snapshot_district": "category",
    "new_presentation": "bool", "re_presentation": "bool",
    "new_row": "int32",
    "exited": "bool", "exit_group": "category", "exit_days": "Int32", "completed": "bool", "exit_row": "int32",
    "back_in_treatment": "bool",
    "days_in_treatment": "int32", "discharged_by_31_march": "bool",
    "retention_started": "bool", "retained_12_weeks": "bool",
    "ocu": "bool", "effective": "bool",
}
_ATTRIBUTES = ("age_band", "sex_group", "district", "ward_code", "postcode_district", "ethnicity_group",
               "accommodation_status_group", "in_care_group", "injecting_status_group")


def _last_per_person(person: np.ndarray) -> np.ndarray:
    """Mask of each run's last row (rows grouped by person)."""
    return np.concatenate([person[1:] != person[:-1], [True]]) if person.size else np.zeros(0, bool)


def _first_per_person(person: np.ndarray) -> np.ndarray:
    return np.concatenate([[True], person[1:] != person[:-1]]) if person.size else np.zeros(0, bool)


def _by_person(rows: pd.DataFrame, people: np.ndarray, column: str, default: object) -> np.ndarray:
    """``rows[column]`` (one row per person) aligned to ``people`` (sorted person codes), ``default`` elsewhere."""
    values = pd.Series(rows[column].to_numpy(), index=rows["person"].to_numpy())
    return values.reindex(people, fill_value=default).to_numpy()


def _one_scope(ep: pd.DataFrame, fy: FinancialYear, scope: str, first_new: tuple[np.ndarray, np.ndarray],
               ocu_episodes: pd.Series | None = None) -> pd.DataFrame:
    """The rows of one year and scope (``ep``: prepared episodes; ``first_new``: person codes whose first
    triage in the year, any service, is a new presentation, with that episode's service group)."""
    start, end = fy.start, fy.end
    in_scope = np.ones(len(ep), bool) if scope == ALL else (ep["service_group"] == scope).to_numpy()
    triage, finish = ep["triage_date"].to_numpy(), ep["episode_end"].to_numpy()
    person = ep["person"].to_numpy()
    active = in_scope & (triage <= np.datetime64(end)) & (finish >= np.datetime64(start))
    act = ep[active]
    last = _last_per_person(act["person"].to_numpy())
    latest = act[last]
    people = latest["person"].to_numpy()
    out = pd.DataFrame({"person": people.astype("int32"), "episode_row": np.flatnonzero(active)[last].astype("int32")})
    out["age"] = pd.array(latest["age_at_triage"].to_numpy(dtype="float64", na_value=np.nan), dtype="Float64"
                          ).round().astype("Int16")
    for column in _ATTRIBUTES:
        out[column] = latest[column].to_numpy() if column in latest else None
    closed = (latest["episode_end"] <= end).to_numpy()
    clipped = latest["episode_end"].where(latest["episode_end"] <= end, end)
    out["days_in_treatment"] = (clipped - latest["triage_date"]).dt.days.to_numpy()
    out["discharged_by_31_march"] = closed

    # the 31 March snapshot, described by the latest open episode
    open_mask = in_scope & (triage <= np.datetime64(end)) & (finish > np.datetime64(end))
    opened = ep[open_mask]
    opened = opened[_last_per_person(opened["person"].to_numpy())]
    out["open_31_march"] = np.isin(people, opened["person"].to_numpy())
    for column in ("age_band", "sex_group", "district"):
        out[f"snapshot_{column}"] = _by_person(opened, people, column, None)

    # new presentations: the first triage in the year (any service) decides, in scope
    new_people, new_service, new_rows = first_new
    here = slice(None) if scope == ALL else new_service == scope
    out["new_presentation"] = np.isin(people, new_people[here])
    out["new_row"] = pd.Series(new_rows[here], index=new_people[here]).reindex(people, fill_value=-1).to_numpy()

    # re-presentations
    in_year = (triage >= np.datetime64(start)) & (triage <= np.datetime64(end))
    again = in_scope & in_year & (ep["earliest_prior_discharge"].to_numpy() < triage)
    out["re_presentation"] = np.isin(people, person[again])

    # exits: the last discharge in the year (latest discharge date, then episode id)
    discharge = ep["discharge_date"]
    leaving = in_scope & ((discharge >= start) & (discharge <= end)).to_numpy()
    left = ep[leaving].assign(exit_row=np.flatnonzero(leaving))
    left = left.sort_values(["person", "discharge_date", "episode_id"])
    last_exit = left[_last_per_person(left["person"].to_numpy())].copy()
    last_exit["exit_group"] = exit_group(last_exit["discharge_reason_group"]).to_numpy()
    last_exit["exit_days"] = (last_exit["discharge_date"] - last_exit["triage_date"]).dt.days.to_numpy()
    out["exited"] = np.isin(people, last_exit["person"].to_numpy())
    out["exit_group"] = _by_person(last_exit, people, "exit_group", None)
    out["exit_days"] = pd.array(_by_person(last_exit, people, "exit_days", pd.NA), dtype="Int32")
    out["completed"] = out["exit_group"].to_numpy() == PLANNED
    out["exit_row"] = _by_person(last_exit, people, "exit_row", -1)

    # back in treatment: a later episode (any service) open on 31 March
    any_open = ep[(triage <= np.datetime64(end)) & (finish > np.datetime64(end))]
    any_open = any_open[_last_per_person(any_open["person"].to_numpy())]
    found = last_exit[["person", "triage_date", "episode_id"]].merge(
        any_open[["person", "triage_date", "episode_id"]], on="person", how="inner", suffixes=("", "_open"))
    later = (found["triage_date_open"] > found["triage_date"]) | (
        (found["triage_date_open"] == found["triage_date"])
        & (found["episode_id_open"].astype("string") > found["episode_id"].astype("string")))
    out["back_in_treatment"] = np.isin(people, found.loc[later.to_numpy(), "person"].to_numpy())

    # 12-week retention: the first episode triaged from 1 April to 84 days before 31 March
    latest_start = end - pd.Timedelta(days=TWELVE_WEEKS_DAYS)
    began = ep[in_scope & (triage >= np.datetime64(start)) & (triage <= np.datetime64(latest_start))]
    began = began[_first_per_person(began["person"].to_numpy())]
    days = (began["episode_end"].where(began["episode_end"] <= end, end) - began["triage_date"]).dt.days
    began = began.assign(retained=((days >= TWELVE_WEEKS_DAYS) | (began["episode_end"] > end)).to_numpy())
    out["retention_started"] = np.isin(people, began["person"].to_numpy())
    out["retained_12_weeks"] = _by_person(began, people, "retained", False).astype(bool)
    # effective treatment (NI 40): adults' scope only
    out["ocu"] = False
    out["effective"] = False
    if scope == ADULTS and ocu_episodes is not None:
        out["ocu"] = isin_values(latest["episode_id"], ocu_episodes).to_numpy()
        act_end = act["episode_end"]
        kept = (act_end.where(act_end <= end, end) - act["triage_date"]).dt.days >= TWELVE_WEEKS_DAYS
        done = (act_end <= end) & (act["discharge_reason_group"] == PLANNED)
        out["effective"] = np.isin(people, act.loc[(kept | done).to_numpy(), "person"].to_numpy())
    out.insert(0, "scope", scope)
    out.insert(0, "year", fy.start_year)
    return out


def _first_triage_new(ep: pd.DataFrame, fy: FinancialYear) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Person codes whose first triage in the year (any service) had no episode open in the 12 months
    before, that episode's service group and its row in ``ep``."""
    triage = ep["triage_date"]
    mask = ((triage >= fy.start) & (triage <= fy.end)).to_numpy()
    in_year = ep[mask]
    firsts = _first_per_person(in_year["person"].to_numpy())
    first = in_year[firsts]
    previous = first["previous_cover_end"]
    new = (previous.isna() | (previous < first["triage_date"] - NEW_PRESENTATION_LOOKBACK)).to_numpy()
    chosen = first[new]
    return (chosen["person"].to_numpy(), chosen["service_group"].astype(object).to_numpy(),
            np.flatnonzero(mask)[firsts][new])


def build(episodes: pd.DataFrame, years: Sequence[FinancialYear], substances: pd.DataFrame | None = None
          ) -> pd.DataFrame:
    """The fact table for ``years`` from the episodes (prepared by ``cohorts.prepare_episodes``, or
    raw: prepared here) and their substances (for ``ocu``; without them ``ocu`` is False), typed as
    ``COLUMNS``; rows by year, scope (``SCOPES`` order), person."""
    ep = episodes if episodes.attrs.get("prepared") else prepare_episodes(episodes)
    ocu = None
    if substances is not None and len(substances):
        ocu = substances.loc[substances["substance_group"].isin(OPIATE_CRACK_GROUPS).to_numpy(), "episode_id"]
    parts = [_one_scope(ep, fy, scope, _first_triage_new(ep, fy), ocu) for fy in years for scope in SCOPES]
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(COLUMNS))
    return typed(table, ep)


def typed(table: pd.DataFrame, episodes: pd.DataFrame | None = None,
          only: Sequence[str] | None = None) -> pd.DataFrame:
    """``table`` with the column types of ``COLUMNS`` (categories with the same categories as the
    episodes' columns where given, so codes compare across tables); with ``only``, just those
    columns are converted (e.g. the few a saved table read back with another type)."""
    table = table.reindex(columns=list(COLUMNS))
    categories: dict[str, list[object]] = {
        "scope": list(SCOPES), "age_band": AGE_BAND_LABELS, "snapshot_age_band": AGE_BAND_LABELS,
        "exit_group": list(EXIT_GROUPS)}
    if episodes is not None:
        for column in ("sex_group", "district", "ward_code", "postcode_district", "ethnicity_group",
                       "accommodation_status_group", "in_care_group", "injecting_status_group"):
            if column in episodes:
                values = episodes[column]
                known = (values.cat.categories if isinstance(values.dtype, pd.CategoricalDtype)
                         else pd.Index(values.dropna().unique()))
                categories[column] = list(known)
        for column in ("sex_group", "district"):
            if column in categories:
                categories[f"snapshot_{column}"] = categories[column]
    for column, kind in COLUMNS.items():
        if only is not None and column not in only:
            continue
        if kind == "category":
            values = table[column].astype(object).where(table[column].notna(), None)
            table[column] = pd.Categorical(values, categories=categories.get(column))
        elif kind == "bool":
            table[column] = table[column].fillna(False).astype(bool)
        else:
            table[column] = table[column].astype(kind)
    return table


class _Parts(dict):
    """(year, scope) -> (start, stop) rows of a fact table. Never changed once made, so a copy is the
    same object: pandas deep-copies a frame's ``attrs`` into every column, slice and mask taken from
    it, and copying this dict each time was the largest fixed cost of a page (issue 12)."""

    def __copy__(self) -> _Parts:
        return self

    def __deepcopy__(self, memo: dict) -> _Parts:
        return self


def _parts(table: pd.DataFrame) -> dict[tuple[int, str], tuple[int, int]]:
    """Where each (year, scope) lies in the table (rows grouped by year, then scope), worked out once
    per table and kept in its ``attrs``."""
    parts = table.attrs.get("parts")
    if parts is None:
        # on arrays (10 million rows at national scale): the scope's category codes, named where they change
        year, scope = table["year"].to_numpy(), table["scope"]
        if isinstance(scope.dtype, pd.CategoricalDtype):
            codes, names = scope.array.codes, [str(c) for c in scope.dtype.categories] + ["nan"]
        else:
            codes, uniques = pd.factorize(scope.astype(object).to_numpy(), use_na_sentinel=False)
            names = [str(u) for u in uniques]
        change = (np.flatnonzero(np.concatenate([[True], (year[1:] != year[:-1]) | (codes[1:] != codes[:-1])]))
                  if len(year) else np.zeros(0, np.int64))
        ends = [*change[1:], len(table)]
        parts = {(int(year[s]), names[codes[s]]): (int(s), int(e)) for s, e in zip(change, ends)}
        if len(parts) != len(change):  # not grouped: no slices
            parts = {}
        parts = _Parts(parts)
        table.attrs["parts"] = parts
    return parts


def _part(table: pd.DataFrame, year: int, scope: str) -> pd.DataFrame:
    """The rows of one year and scope: a slice of the table, no scan."""
    parts = _parts(table)
    if parts or not len(table):
        start, stop = parts.get((year, scope), (0, 0))
        return table.iloc[start:stop]
    return table[(table["year"].to_numpy() == year) & (table["scope"] == scope).to_numpy()]


def select(table: pd.DataFrame, fy: FinancialYear, filters: Filters, *, snapshot: bool = False) -> pd.DataFrame:
    """The rows of ``fy`` in the selection's service scope whose describing episode matches the age
    band, sex and district filters (the 31 March snapshot's own episode with ``snapshot``)."""
    prefix = "snapshot_" if snapshot else ""
    rows = _part(table, fy.start_year, filters.service)
    mask = np.ones(len(rows), bool)
    for name, value in ((f"{prefix}age_band", filters.age_band), (f"{prefix}sex_group", filters.sex),
                        (f"{prefix}district", filters.district)):
        if value != ALL:
            mask &= _equals(rows[name], value)
    return rows if mask.all() else rows.take(np.flatnonzero(mask))


def _equals(values: pd.Series, value: object) -> np.ndarray:
    """``(values == value).to_numpy()``, on a categorical column's codes (no Series built)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = values.dtype.categories
        if value not in categories:
            return np.zeros(len(values), bool)
        return values.array.codes == categories.get_loc(value)
    return (values == value).to_numpy()


#: How many selections (year, filters, snapshot) of a data set's fact table ``rows`` keeps, most
#: recently used first: one page asks for the same rows for each of its measures.
KEPT_SELECTIONS = 24


def rows(data: Dataset, fy: FinancialYear, filters: Filters, *, snapshot: bool = False) -> pd.DataFrame:
    """The fact table's rows of the selection in ``fy`` for a data set: from its table
    (``Dataset.person_year``), or, for a year it does not cover, from a table of that year built once.
    The last ``KEPT_SELECTIONS`` selections are kept with the data set's remembered results
    (``Dataset.memo``), so the measures of a page select their rows once; each caller gets its own
    (copy-on-write) frame."""
    kept = data.memo.setdefault(("person_year", "selections"), OrderedDict())
    key = (fy.start_year, filters, snapshot)
    if key in kept:
        kept.move_to_end(key)
    else:
        table = data.person_year()
        if fy.start_year not in {year.start_year for year in data.years}:
            table = data.remember(("person_year", fy.start_year), lambda: build(data.episodes, [fy], data.substances))
        kept[key] = select(table, fy, filters, snapshot=snapshot)
        while len(kept) > KEPT_SELECTIONS:
            kept.popitem(last=False)
    return kept[key].copy(deep=False)


def people(data: Dataset, fy: FinancialYear, filters: Filters) -> pd.DataFrame:
    """The describing episode of each person in treatment in the selection (the prepared episodes'
    rows, in person order): what ``cohorts.in_treatment`` gives, taken by ``episode_row`` instead
    of rebuilt from every episode."""
    return data.episodes.iloc[rows(data, fy, filters)["episode_row"].to_numpy()]


def exits(data: Dataset, fy: FinancialYear, filters: Filters) -> pd.DataFrame:
    """The episode of each person's last discharge in the year in the selection, with ``exit_group``:
    what ``cohorts.exits`` gives, taken by ``exit_row``."""
    chosen = rows(data, fy, filters)
    out = data.episodes.iloc[chosen.loc[chosen["exited"].to_numpy(), "exit_row"].to_numpy()].copy()
    out["exit_group"] = exit_group(out["discharge_reason_group"])
    return out


def new_presentations(data: Dataset, fy: FinancialYear, filters: Filters) -> pd.DataFrame:
    """The first triage in the year of each person newly presenting in the selection: the rows of
    ``cohorts.new_presentations``, taken by ``new_row``."""
    chosen = rows(data, fy, filters)
    return data.episodes.iloc[chosen.loc[chosen["new_presentation"].to_numpy(), "new_row"].to_numpy()]


def time_in_treatment(rows: pd.DataFrame) -> pd.DataFrame:
    """Weeks in treatment (``days_in_treatment`` / 7) and ``status`` ("Discharged" by 31 March, else
    "Open") of each row, as ``cohorts.time_in_treatment`` gives them (GLOSSARY "Time in treatment")."""
    return pd.DataFrame({"weeks": rows["days_in_treatment"].to_numpy(dtype="float64") / 7.0,
                         "status": np.where(rows["discharged_by_31_march"].to_numpy(), "Discharged", "Open")})


def time_by_exit_group(rows: pd.DataFrame) -> pd.DataFrame:
    """Each exited row's ``exit_group`` and weeks from triage to its last discharge in the year
    (``exit_days`` / 7), as ``cohorts.time_by_exit_group`` gives them."""
    left = rows[rows["exited"].to_numpy()]
    return pd.DataFrame({"exit_group": left["exit_group"].to_numpy(),
                         "weeks": left["exit_days"].to_numpy(dtype="float64", na_value=np.nan) / 7.0})


__all__ = ["COLUMNS", "SCOPES", "build", "exits", "new_presentations", "people", "rows", "select", "time_by_exit_group",
           "time_in_treatment", "typed"]
