"""The person-year fact table: one row per person x financial year x service scope, built once.

Every row is a person in treatment during the year (GLOSSARY "In treatment during the year") within
a service scope: ``Young people``, ``Adults`` or ``All`` (every service). The person's filter
attributes are those of their latest episode in the year within the scope (latest triage date,
then episode id: GLOSSARY "Which episode describes a person"), and each cohort of ``analysis.cohorts``
is one flag column, so a page's figure for a selection is a masked count or sum over this table
instead of a cohort rebuilt from episodes for every selection. The cohort rules live here, in
``build``; ``analysis.cohorts`` keeps the episode-level functions, against which each column is
tested (``tests/test_person_year.py``).

What is stored (facts12): a person's ``All`` row is worked out for everyone, but stored only when
it is not the same as their one service row, i.e. for people in both services that year (or whose
``All`` row differs from their service row in any column but ``scope`` and the Adults-only ``ocu`` /
``effective``). Otherwise the service row is marked ``in_all`` and stands for it. At national scale
this stores about half the rows (10.4m before). Each year's rows are stored so that every scope is one
run (``STORED_ORDER``: young people, then the kept ``All`` rows, then adults, the rows standing for an
``All`` row next to the kept ones), so ``select`` gives the ``All`` scope as a slice of the table (no
copy), with ``scope`` ``All`` and ``ocu`` / ``effective`` False, as an ``All`` row holds them. A
selection's rows are in the table's order, by person within each group: no figure may depend on it.
Tables saved by older code are read as they are: one holding every ``All`` row and no ``in_all``
(``OLDER_COLUMNS``; its ``All`` rows are a slice), or one from 1 Dec 2026 with ``in_all`` but its rows
by scope ``All``, young people, adults (the ``All`` scope's rows are then taken, in person order).

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
  other or not known) and ``exit_days`` (triage to discharge, whole days; Int16) of the last discharge in the year
  (latest discharge date, then episode id), ``exit_row`` its row in the prepared episodes (-1 when
  none); ``completed``: that exit was planned;
- ``back_in_treatment``: exited, and an episode after the exited one (later triage, or the same day
  and a later episode id), of any service, is open on 31 March;
- ``days_in_treatment`` (int16: up to 89 years; weeks are days / 7, GLOSSARY "Time in treatment"): the describing
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
- ``in_all`` (service rows): the row also stands for the person's ``All`` row, which is not stored (the
  person was in this service only that year); False in an ``All`` row.

Not yet columns (still computed by ``analysis.cohorts`` / ``analysis.profiles`` from episodes):
substances by group, interventions, referrals, completion without re-presentation.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
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
#: The order of each year's scopes in the table, each scope's rows one run (``_parts``): young people not
#: standing for their ``All`` row, young people standing for it (``in_all``), the ``All`` rows kept, adults
#: standing for theirs, other adults; so a year's ``All`` scope is one run too, a slice (``_everyone``).
#: Within each of those five groups, rows are by person.
STORED_ORDER = (YOUNG_PEOPLE, ALL, ADULTS)
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
    "exited": "bool", "exit_group": "category", "exit_days": "Int16", "completed": "bool", "exit_row": "int32",
    "back_in_treatment": "bool",
    "days_in_treatment": "int16", "discharged_by_31_march": "bool",
    "retention_started": "bool", "retained_12_weeks": "bool",
    "ocu": "bool", "effective": "bool",
    "in_all": "bool",
}
#: Columns defined for one service scope only: an ``All`` row holds False in them (so does the ``All``
#: selection for a service row standing for the person's ``All`` row: ``in_all``).
_ONE_SCOPE_COLUMNS = ("ocu", "effective")
#: The columns a person's ``All`` row and their one service row are compared on (``_stands_for_all``).
_COMPARED = tuple(column for column in COLUMNS if column not in ("scope", "in_all", *_ONE_SCOPE_COLUMNS))
#: The columns of a table saved before ``in_all`` (facts12): it holds every ``All`` row, and is read and
#: selected as it was (``select`` takes its ``All`` rows as a slice).
OLDER_COLUMNS = [column for column in COLUMNS if column != "in_all"]
_ATTRIBUTES = ("age_band", "sex_group", "district", "ward_code", "postcode_district", "ethnicity_group",
               "accommodation_status_group", "in_care_group", "injecting_status_group")


def _last_per_person(person: np.ndarray) -> np.ndarray:
    """Mask of each run's last row (rows grouped by person)."""
    return np.concatenate([person[1:] != person[:-1], [True]]) if person.size else np.zeros(0, bool)


def _first_per_person(person: np.ndarray) -> np.ndarray:
    return np.concatenate([[True], person[1:] != person[:-1]]) if person.size else np.zeros(0, bool)


class _Episodes:
    """The few per-episode arrays ``build`` reads, taken once from the prepared episodes: integers,
    dates as datetime64 and text columns as category codes (no episode frame is copied per year
    and scope, and no text value becomes a Python object)."""

    def __init__(self, ep: pd.DataFrame, substances: pd.DataFrame | None,
                 substance_rows: np.ndarray | None = None) -> None:
        self.n = len(ep)
        self.person = ep["person"].to_numpy()
        self.people = int(self.person.max()) + 1 if self.n else 0
        self.triage = ep["triage_date"].to_numpy()
        self.finish = ep["episode_end"].to_numpy()
        self.discharge = ep["discharge_date"].to_numpy()
        self.previous_cover_end = ep["previous_cover_end"]  # a Series: the look-back is a calendar offset
        self.earliest_prior_discharge = ep["earliest_prior_discharge"].to_numpy()
        self.service = ep["service_group"]
        self.scopes: dict[str, np.ndarray] = {}
        # episode ids in sort order (dense rank): ties of dates are broken by episode id as text
        self.episode_rank = _text_rank(ep["episode_id"])
        age = pd.array(ep["age_at_triage"].to_numpy(dtype="float64", na_value=np.nan), dtype="Float64")
        self.age = age.round().astype("Int16")
        self.planned_reason = (ep["discharge_reason_group"] == PLANNED).to_numpy()
        self.exit_group = exit_group(ep["discharge_reason_group"]).array.codes
        self.ocu: np.ndarray | None = None
        if substances is not None and len(substances):
            opiate_or_crack = substances["substance_group"].isin(OPIATE_CRACK_GROUPS).to_numpy(dtype=bool)
            if substance_rows is not None and len(substance_rows) == len(substances):
                # each substance's episode row, known (episode ids unique): marked by row, not by hashing
                # the episodes' text ids (issue 12: about 3 s of a national build)
                rows = np.asarray(substance_rows)[opiate_or_crack]
                self.ocu = np.zeros(self.n, bool)
                self.ocu[rows[rows >= 0]] = True
            else:
                ids = substances.loc[opiate_or_crack, "episode_id"]
                self.ocu = isin_values(ep["episode_id"], ids).to_numpy(dtype=bool)
        # category columns of the table: (codes per episode, the table's categories)
        self.codes: dict[str, tuple[np.ndarray, pd.CategoricalDtype]] = {}
        for column in ("age_band", *_ATTRIBUTES):
            self.codes[column] = _codes(ep, column, AGE_BAND_LABELS if column == "age_band" else None)
        from analysis.dataset import release_read_buffers

        release_read_buffers()  # Arrow's buffers of the ranking and the OCU look-up, before the table is made

    def in_scope(self, scope: str) -> np.ndarray:
        """Whether each episode is of the scope's services."""
        if scope not in self.scopes:
            self.scopes[scope] = np.ones(self.n, bool) if scope == ALL else (self.service == scope).to_numpy()
        return self.scopes[scope]

    def flag(self, people: np.ndarray, where: np.ndarray) -> np.ndarray:
        """Whether each of ``people`` (person codes) is the person of one of the episodes ``where``."""
        found = np.zeros(self.people + 1, bool)  # slot 0: a missing client id (code -1)
        found[self.person[where] + 1] = True
        return found[people + 1]

    def by_person(self, people: np.ndarray, rows: np.ndarray, values: np.ndarray, default: object) -> np.ndarray:
        """``values`` of the episode rows ``rows`` (one per person) for each of ``people``, ``default`` elsewhere."""
        out = np.full(self.people + 1, default, dtype=values.dtype)
        out[self.person[rows] + 1] = values
        return out[people + 1]


def _text_rank(values: pd.Series) -> np.ndarray:
    """Each value's position among the distinct values sorted as text (-1 when missing):
    ``pd.factorize(values, sort=True)[0]``, ranked in Arrow (at national scale factorizing 3m text ids
    took 4 s and 0.3 GB; ranking them 2.5 s and 40 MB: issue 12)."""
    if not len(values):
        return np.zeros(0, np.int64)
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.array(values.astype("string[pyarrow]").array)
    rank = pc.rank(text, sort_keys="ascending", tiebreaker="dense").to_numpy().astype(np.int64) - 1
    if text.null_count:  # ranked last: missing, as factorize gives them
        rank[text.is_null().to_numpy(zero_copy_only=False)] = -1
    return rank


def _codes(ep: pd.DataFrame, column: str, categories: list[str] | None) -> tuple[np.ndarray, pd.CategoricalDtype]:
    """Each episode's code of ``column`` in the table's categories (``categories``, else the episodes'
    own: their categories, or their values in order of appearance), -1 when missing."""
    if column not in ep:
        dtype = pd.Categorical(np.array([None], dtype=object), categories=categories).dtype
        return np.full(len(ep), -1, np.int8), dtype
    values = ep[column]
    if categories is None:
        known = (values.cat.categories if isinstance(values.dtype, pd.CategoricalDtype)
                 else pd.Index(values.dropna().unique()))
        categories = list(known)
    dtype = pd.Categorical([], categories=categories).dtype
    if isinstance(values.dtype, pd.CategoricalDtype) and list(values.cat.categories) == categories:
        return values.array.codes, dtype
    return pd.Categorical(values.astype(object).where(values.notna(), None), dtype=dtype).codes, dtype


def _last_of_runs(rows: np.ndarray, person: np.ndarray) -> np.ndarray:
    """The last of ``rows`` (episode rows in person order) of each person."""
    return rows[_last_per_person(person[rows])]


def _first_of_runs(rows: np.ndarray, person: np.ndarray) -> np.ndarray:
    return rows[_first_per_person(person[rows])]


def _days(later: np.ndarray, earlier: np.ndarray) -> np.ndarray:
    """Whole days from ``earlier`` to ``later`` (datetime64 arrays), as ``Series.dt.days``."""
    return (later - earlier) // np.timedelta64(1, "D")


#: The most whole days ``days_in_treatment`` and ``exit_days`` (int16) hold either way: 89 years. The
#: loaders reject event dates before 1990 or after today, so a span of loaded dates is at most ~37 years.
MOST_DAYS = int(np.iinfo(np.int16).max)


def _small_days(days: np.ndarray) -> np.ndarray:
    """``days`` as int16 (the table's type), refused (ValueError) when a value does not fit rather than
    wrapped round into a wrong figure."""
    if days.size and (days.max() > MOST_DAYS or days.min() < -MOST_DAYS):
        raise ValueError(f"a span of {int(np.abs(days).max()):,} days between an episode's dates: dates before "
                         "1990 or after today should have been rejected when the data were loaded")
    return days.astype(np.int16)


def _new_presentations(e: _Episodes, fy: FinancialYear) -> np.ndarray:
    """The rows of the first triage in the year (any service) of each person who had no episode open in
    the 12 months before it (GLOSSARY "New presentation")."""
    in_year = np.flatnonzero((e.triage >= np.datetime64(fy.start)) & (e.triage <= np.datetime64(fy.end)))
    first = _first_of_runs(in_year, e.person)
    previous = e.previous_cover_end.iloc[first]
    triaged = pd.Series(e.triage[first], index=previous.index)
    new = (previous.isna() | (previous < triaged - NEW_PRESENTATION_LOOKBACK)).to_numpy()
    return first[new]


def _one_scope(e: _Episodes, fy: FinancialYear, scope: str, new_rows: np.ndarray) -> dict[str, object]:
    """The columns of one year and scope (arrays; category columns as codes)."""
    start, end = np.datetime64(fy.start), np.datetime64(fy.end)
    person, triage, finish = e.person, e.triage, e.finish
    in_scope = e.in_scope(scope)
    active = np.flatnonzero(in_scope & (triage <= end) & (finish >= start))
    latest = _last_of_runs(active, person)
    people = person[latest]
    n = len(latest)
    out: dict[str, object] = {"year": np.full(n, fy.start_year, np.int16), "person": people.astype(np.int32),
                              "episode_row": latest.astype(np.int32), "age": e.age[latest]}
    for column, (codes, _) in e.codes.items():
        out[column] = codes[latest]
    closed = finish[latest] <= end
    out["days_in_treatment"] = _small_days(_days(np.where(closed, finish[latest], end), triage[latest]))
    out["discharged_by_31_march"] = closed

    # the 31 March snapshot, described by the latest open episode
    opened = _last_of_runs(np.flatnonzero(in_scope & (triage <= end) & (finish > end)), person)
    out["open_31_march"] = e.flag(people, opened)
    for column in ("age_band", "sex_group", "district"):
        codes = e.codes[column][0]
        out[f"snapshot_{column}"] = e.by_person(people, opened, codes[opened], -1)

    # new presentations: the first triage in the year (any service) decides, in scope
    here = new_rows if scope == ALL else new_rows[in_scope[new_rows]]
    out["new_presentation"] = e.flag(people, here)
    out["new_row"] = e.by_person(people, here, here.astype(np.int32), -1)

    # re-presentations
    in_year = (triage >= start) & (triage <= end)
    out["re_presentation"] = e.flag(people, in_scope & in_year & (e.earliest_prior_discharge < triage))

    # exits: the last discharge in the year (latest discharge date, then episode id)
    leaving = np.flatnonzero(in_scope & (e.discharge >= start) & (e.discharge <= end))
    leaving = leaving[np.lexsort((e.episode_rank[leaving], e.discharge[leaving], person[leaving]))]
    last_exit = _last_of_runs(leaving, person)
    out["exited"] = exited = e.flag(people, last_exit)
    out["exit_group"] = e.by_person(people, last_exit, e.exit_group[last_exit], -1)
    exit_days = e.by_person(people, last_exit, _days(e.discharge[last_exit], triage[last_exit]), 0)
    out["exit_days"] = pd.arrays.IntegerArray(_small_days(exit_days), ~exited)
    out["completed"] = out["exit_group"] == EXIT_GROUPS.index(PLANNED)
    out["exit_row"] = e.by_person(people, last_exit, last_exit.astype(np.int32), -1)

    # back in treatment: a later episode (any service) open on 31 March
    open_rows = _last_of_runs(np.flatnonzero((triage <= end) & (finish > end)), person)
    then = e.by_person(person[last_exit], open_rows, open_rows, -1)
    has = then >= 0
    left, back = last_exit[has], then[has]
    later = (triage[back] > triage[left]) | ((triage[back] == triage[left])
                                             & (e.episode_rank[back] > e.episode_rank[left]))
    out["back_in_treatment"] = e.flag(people, left[later])

    # 12-week retention: the first episode triaged from 1 April to 84 days before 31 March
    latest_start = np.datetime64(fy.end - pd.Timedelta(days=TWELVE_WEEKS_DAYS))
    began = _first_of_runs(np.flatnonzero(in_scope & (triage >= start) & (triage <= latest_start)), person)
    days = _days(np.where(finish[began] <= end, finish[began], end), triage[began])
    retained = (days >= TWELVE_WEEKS_DAYS) | (finish[began] > end)
    out["retention_started"] = e.flag(people, began)
    out["retained_12_weeks"] = e.by_person(people, began, retained, False)
    # effective treatment (NI 40): adults' scope only
    if scope == ADULTS and e.ocu is not None:
        out["ocu"] = e.ocu[latest]
        kept = _days(np.where(finish[active] <= end, finish[active], end), triage[active]) >= TWELVE_WEEKS_DAYS
        done = (finish[active] <= end) & e.planned_reason[active]
        out["effective"] = e.flag(people, active[kept | done])
    else:
        out["ocu"] = out["effective"] = np.zeros(n, bool)
    out["scope"] = np.full(n, SCOPES.index(scope), np.int8)
    return out


def build(episodes: pd.DataFrame, years: Sequence[FinancialYear], substances: pd.DataFrame | None = None,
          substance_rows: np.ndarray | None = None) -> pd.DataFrame:
    """The fact table for ``years`` from the episodes (prepared by ``cohorts.prepare_episodes``, or
    raw: prepared here) and their substances (for ``ocu``; without them ``ocu`` is False), typed as
    ``COLUMNS``; rows by year, then scope (``STORED_ORDER``), then person within the groups it names.
    ``substance_rows`` (optional, only where the episode ids do not repeat): each substance row's episode
    row in the prepared episodes (-1: none), so ``ocu`` is marked by row instead of by matching ids.

    Every ``All`` row is worked out, but one that equals the person's only service row (every column
    but ``scope`` and the one-scope columns ``ocu`` / ``effective``) is not kept: that service row is
    marked ``in_all`` instead (``_stands_for_all``), and ``select`` gives it back as the ``All`` row.
    Built from a few per-episode arrays (``_Episodes``), one year at a time, each part already in the
    table's types, so what it holds beside the episodes is about the size of the table."""
    ep = episodes if episodes.attrs.get("prepared") else prepare_episodes(episodes)
    if not years:
        return typed(pd.DataFrame(columns=list(COLUMNS)), ep)
    e = _Episodes(ep, substances, substance_rows if ep is episodes else None)  # rows of these prepared episodes
    dtypes = {column: dtype for column, (_, dtype) in e.codes.items()}
    dtypes |= {f"snapshot_{column}": dtypes[column] for column in ("age_band", "sex_group", "district")}
    dtypes["scope"] = pd.CategoricalDtype(list(SCOPES))
    dtypes["exit_group"] = pd.CategoricalDtype(list(EXIT_GROUPS))
    # each year's rows are counted first, so every column is made once at (about) its full length and
    # each part written into it as it is computed: holding every part until they were joined (small
    # arrays, freed after the join) left the process 0.4 GB larger at national scale (issue 12). A
    # person's All row is kept when they are in both services (or in neither: a service not grouped),
    # or when it differs from their one service row (never found: the columns grow if it happens)
    sizes = {(fy.start_year, scope): _people_in(e, fy, scope) for fy in years for scope in SCOPES}
    full = [sum(sizes[(fy.start_year, scope)] for scope in SCOPES) for fy in years]
    expected = [sizes[(fy.start_year, YOUNG_PEOPLE)] + sizes[(fy.start_year, ADULTS)]
                + max(0, sizes[(fy.start_year, YOUNG_PEOPLE)] + sizes[(fy.start_year, ADULTS)]
                      - sizes[(fy.start_year, ALL)]) for fy in years]
    columns: dict[str, np.ndarray] = {}
    masks: dict[str, np.ndarray] = {}
    capacity, start = sum(expected), 0
    for index, fy in enumerate(years):
        new_rows = _new_presentations(e, fy)
        parts = {scope: _one_scope(e, fy, scope, new_rows) for scope in SCOPES}
        _stands_for_all(parts, e.people)
        need = start + sum(len(part["person"]) for part in parts.values())
        if need > capacity:  # grown once, to hold the rest in full
            capacity = need + sum(full[index + 1:])
            for store in (columns, masks):
                for column, values in store.items():
                    grown = np.empty(capacity, values.dtype)
                    grown[:start] = values[:start]
                    store[column] = grown
        for scope in STORED_ORDER:
            part = parts.pop(scope)
            n = len(part["person"])
            if scope != ALL:  # the rows standing for the All row next to the kept All rows (see STORED_ORDER)
                marked = np.asarray(part["in_all"])
                order = np.argsort(marked if scope == YOUNG_PEOPLE else ~marked, kind="stable")
            for column, kind in COLUMNS.items():
                values = part.pop(column)
                if scope != ALL:
                    values = values[order]
                if kind in ("Int16", "Int32"):  # values and missing flags
                    values = values if isinstance(values, pd.arrays.IntegerArray) else pd.array(values, dtype=kind)
                    if column not in columns:
                        columns[column] = np.empty(capacity, dtype=np.dtype(kind.lower()))
                        masks[column] = np.empty(capacity, dtype=bool)
                    columns[column][start:start + n] = values._data
                    masks[column][start:start + n] = values._mask
                    continue
                if column not in columns:
                    columns[column] = np.empty(capacity, dtype=_codes_dtype(dtypes[column]) if kind == "category"
                                               else np.dtype(kind))
                columns[column][start:start + n] = values
            start += n
    table = {}
    for column, kind in COLUMNS.items():
        values = columns.pop(column)
        values = values if start == capacity else values[:start].copy()  # one column at a time
        if kind == "category":
            table[column] = pd.Categorical.from_codes(values, dtype=dtypes[column], validate=False)
        elif kind in ("Int16", "Int32"):
            mask = masks.pop(column)
            table[column] = pd.arrays.IntegerArray(values, mask if start == capacity else mask[:start].copy())
        else:
            table[column] = values
    return pd.DataFrame(table, copy=False)


def _stands_for_all(parts: dict[str, dict[str, object]], people: int) -> None:
    """Mark (``in_all``) each service row that equals the person's ``All`` row, the person being in that
    service only, and drop that ``All`` row from ``parts`` (one year's columns by scope, rows by
    person): equal on every column but ``scope`` and the one-scope columns (``_ONE_SCOPE_COLUMNS``,
    False in an ``All`` row). About half the rows at national scale, stored once instead of twice."""
    everyone = parts[ALL]
    person = np.asarray(everyone["person"])
    keep = np.ones(len(person), bool)
    rows: dict[str, np.ndarray] = {}
    for scope in SCOPES[1:]:  # each All row's row in the service's part (-1: not in it)
        where = np.full(people + 1, -1, np.int64)  # slot 0: a missing client id (code -1)
        where[np.asarray(parts[scope]["person"]) + 1] = np.arange(len(parts[scope]["person"]))
        rows[scope] = where[person + 1]
    found = [rows[scope] >= 0 for scope in SCOPES[1:]]
    for scope, own, other in zip(SCOPES[1:], found, found[::-1], strict=True):
        part = parts[scope]
        part["in_all"] = marked = np.zeros(len(part["person"]), bool)
        chosen = np.flatnonzero(own & ~other)  # All rows of people in this service only
        there = rows[scope][chosen]
        equal = np.ones(len(chosen), bool)
        for column in _COMPARED:
            a, b = everyone[column], part[column]
            if isinstance(a, pd.arrays.IntegerArray) or isinstance(b, pd.arrays.IntegerArray):
                a, b = pd.array(a), pd.array(b)
                a_mask, b_mask = a._mask[chosen], b._mask[there]
                equal &= (a_mask == b_mask) & ((a._data[chosen] == b._data[there]) | a_mask)
            else:
                equal &= np.asarray(a)[chosen] == np.asarray(b)[there]
        marked[there[equal]] = True
        keep[chosen[equal]] = False
    everyone["in_all"] = np.zeros(len(person), bool)
    if not keep.all():
        for column, values in everyone.items():
            everyone[column] = values[keep]


def _codes_dtype(dtype: pd.CategoricalDtype) -> np.dtype:
    """The integer type pandas keeps the codes of a category column of ``dtype`` in."""
    return pd.Categorical.from_codes(np.zeros(0, np.int64), dtype=dtype).codes.dtype


def _people_in(e: _Episodes, fy: FinancialYear, scope: str) -> int:
    """The number of rows ``_one_scope`` gives for ``fy`` and ``scope``: people with an episode of the
    scope in treatment during the year."""
    start, end = np.datetime64(fy.start), np.datetime64(fy.end)
    active = np.flatnonzero(e.in_scope(scope) & (e.triage <= end) & (e.finish >= start))
    return int(_first_per_person(e.person[active]).sum())


def typed(table: pd.DataFrame, episodes: pd.DataFrame | None = None, only: Collection[str] | None = None
          ) -> pd.DataFrame:
    """``table`` with the column types of ``COLUMNS`` (categories with the same categories as the
    episodes' columns where given, so codes compare across tables); with ``only``, just those columns
    are converted (e.g. the columns a Parquet file gave back with another type, or left out because it
    held no value: such a column is added, with no value)."""
    missing = [column for column in COLUMNS if column not in table]
    table = table.reindex(columns=list(COLUMNS)) if only is None else table.copy(deep=False)
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
    for position, (column, kind) in enumerate(COLUMNS.items()):
        if only is not None and column not in only and column not in missing:
            continue
        if column in missing and only is not None:  # added here, in its place, with no value
            table.insert(position, column, np.zeros(len(table), bool) if kind == "bool" else
                         np.full(len(table), np.nan) if kind != "category" else
                         pd.Categorical.from_codes(np.full(len(table), -1, np.int8),
                                                   dtype=_no_value_dtype(categories.get(column))))
        if kind == "category":
            if len(table) and table[column].isna().all():  # e.g. no wards: read back from Parquet as objects
                table[column] = pd.Categorical.from_codes(np.full(len(table), -1, np.int8),
                                                          dtype=_no_value_dtype(categories.get(column)))
                continue
            values = table[column].astype(object).where(table[column].notna(), None)
            table[column] = pd.Categorical(values, categories=categories.get(column))
        elif kind == "bool":
            table[column] = table[column].fillna(False).astype(bool)
        else:
            table[column] = table[column].astype(kind)
    return table


def _no_value_dtype(categories: list[object] | None) -> pd.CategoricalDtype:
    """The type ``pd.Categorical`` gives a column with no value and these categories."""
    return pd.Categorical(np.array([None], dtype=object), categories=categories).dtype


class _Parts(dict):
    """(year, scope) -> (start, stop) rows of a fact table, and (``everyone``, filled on first use) each
    year's ``All`` rows as positions (``_everyone``). Never changed once made but for that cache, so a
    copy is the same object: pandas deep-copies a frame's ``attrs`` into every column, slice and mask
    taken from it, and copying this dict each time was the largest fixed cost of a page (issue 12)."""

    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        self.everyone: dict[int, tuple[np.ndarray, np.ndarray] | None] = {}

    def __copy__(self) -> _Parts:
        return self

    def __deepcopy__(self, memo: dict) -> _Parts:
        return self


def _parts(table: pd.DataFrame) -> _Parts:
    """Where each (year, scope) lies in the table (rows grouped by year, then scope), worked out once
    per table and kept in its ``attrs``."""
    parts = table.attrs.get("parts")
    if parts is None:
        # on the year and the scope's category codes (as text, the scopes of 10m rows took 1 GB: issue 12)
        year = table["year"].to_numpy()
        scope = pd.Categorical(table["scope"])
        codes, names = scope.codes, scope.categories
        change = np.flatnonzero(np.concatenate([[True], (year[1:] != year[:-1]) | (codes[1:] != codes[:-1])])
                                | (codes < 0)) if len(table) else np.zeros(0, np.int64)  # a missing scope: alone
        ends = [*change[1:], len(table)]
        parts = {(int(year[s]), str(names[codes[s]]) if codes[s] >= 0 else "nan"): (int(s), int(e))
                 for s, e in zip(change, ends)}
        if len(parts) != len(change):  # not grouped: no slices
            parts = {}
        parts = _Parts(parts)
        table.attrs["parts"] = parts
    return parts


def _part(table: pd.DataFrame, year: int, scope: str) -> pd.DataFrame:
    """The rows of one year and scope as stored: a slice of the table, no scan (for ``All``, the
    ``All`` rows kept, without the service rows standing for the others: see ``_everyone``)."""
    parts = _parts(table)
    if parts or not len(table):
        start, stop = parts.get((year, scope), (0, 0))
        return table.iloc[start:stop]
    return table[(table["year"].to_numpy() == year) & (table["scope"] == scope).to_numpy()]


def _everyone(table: pd.DataFrame, year: int) -> tuple[int, int, bool] | tuple[np.ndarray, np.ndarray]:
    """Where the year's ``All`` scope lies: ``(start, stop, stands)`` when it is the slice
    ``table[start:stop]`` (a table built by ``build``: ``STORED_ORDER``; or one holding every ``All``
    row, saved before ``in_all``), ``stands`` whether the slice holds service rows marked ``in_all``;
    otherwise (a table saved between facts12 and this order, its ``All`` scope's rows interleaved)
    their positions in the table, in person order, and whether each is a service row. Worked out once
    per table and year, kept with its parts."""
    parts = _parts(table)
    if year in parts.everyone:
        return parts.everyone[year]
    marked = table["in_all"].to_numpy(dtype=bool) if "in_all" in table else np.zeros(len(table), bool)
    if parts or not len(table):
        kept = parts.get((year, ALL))
        young, adults = parts.get((year, YOUNG_PEOPLE), (0, 0)), parts.get((year, ADULTS), (0, 0))
        tail = int(marked[young[0]:young[1]].sum())  # the young people standing for their All row, if last
        head = int(marked[adults[0]:adults[1]].sum())  # the adults standing for theirs, if first
        runs = [run for run in ((young[1] - tail, young[1]), kept, (adults[0], adults[0] + head))
                if run is not None and run[1] > run[0]]
        if not runs:
            found = (0, 0, False)
        elif (all(a[1] == b[0] for a, b in zip(runs, runs[1:])) and marked[young[1] - tail:young[1]].all()
              and marked[adults[0]:adults[0] + head].all()):
            found = (runs[0][0], runs[-1][1], bool(tail or head))
        else:  # interleaved: the kept All rows and the marked service rows, put in person order
            stop = np.concatenate([np.arange(*kept) if kept else np.zeros(0, np.int64),
                                   *(s + np.flatnonzero(marked[s:e]) for s, e in (young, adults))])
            found = _in_person_order(table, stop, np.arange(len(stop)) >= (kept[1] - kept[0] if kept else 0))
    else:  # not grouped: found by a scan
        in_year = table["year"].to_numpy() == year
        kept = np.flatnonzero(in_year & _equals(table["scope"], ALL))
        stand = np.flatnonzero(in_year & marked)
        found = _in_person_order(table, np.concatenate([kept, stand]), np.arange(len(kept) + len(stand)) >= len(kept))
    parts.everyone[year] = found
    return found


def _in_person_order(table: pd.DataFrame, positions: np.ndarray, stand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``positions`` (and whether each is a service row standing for an ``All`` row) ordered by the
    describing episode's row, i.e. by person."""
    order = np.argsort(table["episode_row"].to_numpy()[positions], kind="stable")
    return positions[order].astype(np.int32 if len(table) < 2**31 else np.int64), stand[order]


def select(table: pd.DataFrame, fy: FinancialYear, filters: Filters, *, snapshot: bool = False) -> pd.DataFrame:
    """The rows of ``fy`` in the selection's service scope whose describing episode matches the age
    band, sex and district filters (the 31 March snapshot's own episode with ``snapshot``). The ``All``
    scope's rows are those a table holding every ``All`` row gives, with the same values (``scope``
    ``All``, ``ocu`` and ``effective`` False), whether or not the table stores them; the order of rows
    is the table's (``STORED_ORDER``), so a figure must not depend on it. Without a filter, a scope's
    rows are a slice of the table (no copy)."""
    prefix = "snapshot_" if snapshot else ""
    wanted = [(f"{prefix}age_band", filters.age_band), (f"{prefix}sex_group", filters.sex),
              (f"{prefix}district", filters.district)]
    found = _everyone(table, fy.start_year) if filters.service == ALL else None
    if found is None or len(found) == 3:
        if found is None:
            rows, stands = _part(table, fy.start_year, filters.service), False
        else:
            start, stop, stands = found
            rows = table.iloc[start:stop]
        mask = np.ones(len(rows), bool)
        for name, value in wanted:
            if value != ALL:
                mask &= _equals(rows[name], value)
        if not mask.all():
            rows = rows.take(np.flatnonzero(mask))
        if stands:  # service rows standing for the person's All row: every row of the scope holds its All values
            rows = rows.copy(deep=False)
            _as_all_rows(rows)
        return rows
    positions, stand = found
    mask = np.ones(len(positions), bool)
    for name, value in wanted:
        if value != ALL:
            mask &= _equals(table[name], value, positions)
    if not mask.all():
        positions, stand = positions[mask], stand[mask]
    rows = table.take(positions)
    if stand.any():
        _as_all_rows(rows)
    return rows


def _as_all_rows(rows: pd.DataFrame) -> None:
    """Give every row of an ``All`` selection an ``All`` row's values where a service row standing for it
    differs: ``scope`` ``All``, and False in the one-scope columns (``_ONE_SCOPE_COLUMNS``, False in
    every stored ``All`` row)."""
    rows["scope"] = pd.Categorical.from_codes(
        np.full(len(rows), rows["scope"].dtype.categories.get_loc(ALL), np.int8), dtype=rows["scope"].dtype)
    for column in _ONE_SCOPE_COLUMNS:
        rows[column] = np.zeros(len(rows), bool)


def _equals(values: pd.Series, value: object, positions: np.ndarray | None = None) -> np.ndarray:
    """``(values == value).to_numpy()`` (at ``positions`` only, when given), on a categorical column's
    codes (no Series built)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = values.dtype.categories
        if value not in categories:
            return np.zeros(len(values) if positions is None else len(positions), bool)
        codes = values.array.codes
        return (codes if positions is None else codes[positions]) == categories.get_loc(value)
    found = (values == value).to_numpy()
    return found if positions is None else found[positions]


#: How many selections (year, filters, snapshot) of a data set's fact table ``rows`` keeps, most
#: recently used first: a page asks for the same rows (this year's and the comparison year's, with and
#: without the snapshot) for each of its measures. Few, as a filtered selection is a copy of its rows
#: (tens of MB at national scale: keeping 24 raised the product's peak memory there).
KEPT_SELECTIONS = 4
#: The name the selections are kept under (``Dataset.remember_recent``).
SELECTIONS = ("person_year", "selections")


def rows(data: Dataset, fy: FinancialYear, filters: Filters, *, snapshot: bool = False) -> pd.DataFrame:
    """The fact table's rows of the selection in ``fy`` for a data set: from its table
    (``Dataset.person_year``), or, for a year it does not cover, from a table of that year built once.
    The last ``KEPT_SELECTIONS`` selections are kept with the data set's remembered results
    (``Dataset.memo``), so the measures of a page select their rows once; each caller gets its own
    (copy-on-write) frame."""
    def selected() -> pd.DataFrame:
        table = data.person_year()
        if not data.offers(fy):
            table = data.remember(("person_year", fy.start_year), lambda: build(data.episodes, [fy], data.substances))
        return select(table, fy, filters, snapshot=snapshot)

    # with no age band, sex or district chosen the snapshot's rows are the same rows: kept once
    snapshot = snapshot and any(value != ALL for value in (filters.age_band, filters.sex, filters.district))
    return data.remember_recent(SELECTIONS, (fy.start_year, filters, snapshot), selected, KEPT_SELECTIONS)


def people(data: Dataset, fy: FinancialYear, filters: Filters) -> pd.DataFrame:
    """The describing episode of each person in treatment in the selection (the prepared episodes'
    rows, in the selection's order): the rows ``cohorts.in_treatment`` gives, taken by ``episode_row``
    instead of rebuilt from every episode."""
    return data.episodes.iloc[rows(data, fy, filters)["episode_row"].to_numpy()]


def exits(data: Dataset, fy: FinancialYear, filters: Filters, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The episode of each person's last discharge in the year in the selection, with ``exit_group``:
    what ``cohorts.exits`` gives, taken by ``exit_row``; only the episodes' ``columns`` when given
    (the rest are not copied)."""
    chosen = rows(data, fy, filters)
    positions = chosen.loc[chosen["exited"].to_numpy(), "exit_row"].to_numpy()
    episodes = data.episodes
    if columns is None:
        out = episodes.iloc[positions].copy()
    else:  # each listed column taken on its own (not a two-way take over every column)
        wanted = list(dict.fromkeys([*columns, "discharge_reason_group"]))
        out = pd.DataFrame({c: episodes[c].array.take(positions) for c in wanted}, index=episodes.index[positions])
    out["exit_group"] = exit_group(out["discharge_reason_group"])
    return out


def new_presentations(data: Dataset, fy: FinancialYear, filters: Filters,
                      columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The first triage in the year of each person newly presenting in the selection: the rows of
    ``cohorts.new_presentations``, taken by ``new_row``; only the episodes' ``columns`` when given (the
    rest are not copied: the Monthly trends page reads one column of six years' presentations)."""
    chosen = rows(data, fy, filters)
    positions = chosen.loc[chosen["new_presentation"].to_numpy(), "new_row"].to_numpy()
    episodes = data.episodes
    if columns is None:
        return episodes.iloc[positions]
    return pd.DataFrame({c: episodes[c].array.take(positions) for c in columns}, index=episodes.index[positions])


def time_in_treatment(rows: pd.DataFrame) -> pd.DataFrame:
    """Weeks in treatment (``days_in_treatment`` / 7) and ``status`` ("Discharged" by 31 March, else
    "Open") of each row, as ``cohorts.time_in_treatment`` gives them (GLOSSARY "Time in treatment")."""
    discharged = rows["discharged_by_31_march"].to_numpy(dtype=bool)
    return pd.DataFrame({"weeks": rows["days_in_treatment"].to_numpy(dtype="float64") / 7.0,
                         # a category, not a text value per person (a million at national scale)
                         "status": pd.Categorical.from_codes(discharged.astype(np.int8), categories=["Open", "Discharged"])})


def time_by_exit_group(rows: pd.DataFrame) -> pd.DataFrame:
    """Each exited row's ``exit_group`` and weeks from triage to its last discharge in the year
    (``exit_days`` / 7), as ``cohorts.time_by_exit_group`` gives them."""
    left = rows["exited"].to_numpy(dtype=bool)  # two columns taken, not every column of the rows
    return pd.DataFrame({"exit_group": rows["exit_group"].array[left],  # kept a category (not text per person)
                         "weeks": rows["exit_days"].to_numpy(dtype="float64", na_value=np.nan)[left] / 7.0})


__all__ = ["COLUMNS", "OLDER_COLUMNS", "SCOPES", "build", "exits", "new_presentations", "people", "rows", "select", "time_by_exit_group",
           "time_in_treatment", "typed"]
