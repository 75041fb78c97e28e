"""Who is counted: people in treatment, the 31 March snapshot, new presentations, exits, retention.

Every function follows ``GLOSSARY.md`` and counts **people, not episodes**: a person's
attributes (age band, sex, district, ...) are those of their latest episode (latest triage
date, then episode id) in the year within the selected service ("Which episode describes a
person"), whichever episode put them in the measure's cohort (the 31 March snapshot: the
episodes open that day).
Functions take the prepared episodes table (``prepare_episodes``) and return one row per
person, so every breakdown of a cohort uses the same people.
"""

from __future__ import annotations

import hashlib
import inspect

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.codes import ADULTS, EXIT_GROUPS, OPIATE_CRACK_GROUPS, PLANNED, TRANSFERRED, YOUNG_PEOPLE, exit_group
from analysis.filters import ALL, NOT_KNOWN, Filters, select_people, select_service
from analysis.periods import FinancialYear, age_band

#: 12 weeks, in days (GLOSSARY "12-week retention", "Effective treatment").
TWELVE_WEEKS_DAYS = 84
#: Look-back for new presentations: no episode open in the 12 months before triage.
NEW_PRESENTATION_LOOKBACK = pd.DateOffset(months=12)
#: A date after any real discharge, standing for "still open".
_OPEN = pd.Timestamp("2262-01-01")

#: The order prepared episodes are in: by person, then triage date, then episode id.
EPISODE_ORDER = ["client_id", "triage_date", "episode_id"]
_SORT = EPISODE_ORDER


def _prepared_format() -> str:
    """A fingerprint of the code that prepares episodes (``prepare_episodes``, the functions it calls and
    the constants it uses): episodes saved prepared by other code are prepared again on load
    (``analysis.store``). Other changes to this module leave saved copies in use."""
    from analysis import periods

    functions = (prepare_episodes, in_person_order, person_order, _districts, _person_codes, _previous_cover_end,
                 _earliest_prior_discharge, periods.age_band)
    text = "".join(inspect.getsource(function) for function in functions)
    text += repr((_SORT, _CODE_COLUMNS, _OPEN, periods.AGE_BAND_LABELS))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def prepare_episodes(episodes: pd.DataFrame, district_codes: list[str] | None = None) -> pd.DataFrame:
    """Sort episodes by person and triage date and add the columns every measure uses.

    Adds ``age_band`` (from age at triage), ``district`` (the district code, or
    ``NOT_KNOWN`` when missing or not one of ``district_codes``) and ``episode_end``
    (discharge date, or a far-future date while open). Done once per data load, with the work
    every measure would otherwise repeat: ``person`` (an integer per client, in sort order),
    ``previous_cover_end`` and ``earliest_prior_discharge`` (over the person's earlier episodes),
    and the text code columns stored as categories (same values; cheap to subset).
    """
    if in_person_order(episodes):  # e.g. as the store saves them: no need to sort again
        frame = episodes.reset_index(drop=True)
    else:
        frame = episodes.take(person_order(episodes)).reset_index(drop=True)
    frame["age_band"] = age_band(frame["age_at_triage"])
    frame["district"] = _districts(frame["district_code"], district_codes)
    frame["episode_end"] = frame["discharge_date"].fillna(_OPEN)
    for column in _CODE_COLUMNS:
        if column in frame and not isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype("category")
    frame["person"] = _person_codes(frame["client_id"])
    frame["previous_cover_end"] = _previous_cover_end(frame)
    frame["earliest_prior_discharge"] = _earliest_prior_discharge(frame)
    frame.attrs["prepared"] = True
    return frame


def _districts(codes: pd.Series, district_codes: list[str] | None) -> pd.Categorical | pd.Series:
    """Each episode's district: its district code trimmed, or ``NOT_KNOWN`` when missing, blank or not one of
    ``district_codes``, as categories of the values found (sorted). For a category column (a loaded table's),
    worked out once per category and taken by the codes: the same values and categories as the text
    column's, without a text copy of every row (issue 12: +170 MB while saving the national episodes)."""
    def mapped(text: pd.Series) -> pd.Series:
        unknown = text.isna() | (text == "")
        if district_codes is not None:
            unknown |= ~text.isin(district_codes)
        return text.where(~unknown, NOT_KNOWN)

    if not isinstance(codes.dtype, pd.CategoricalDtype):
        return mapped(codes.astype("string").str.strip()).astype("category")
    # one value per category, then the missing value's (taken by code -1: numpy's last element)
    values = pd.Series(codes.dtype.categories, dtype=object).astype("string").str.strip()
    values = mapped(pd.concat([values, pd.Series([pd.NA], dtype="string")], ignore_index=True))
    row_codes = codes.array.codes
    used = np.unique(row_codes)
    found = values.take(np.where(used < 0, len(values) - 1, used)).reset_index(drop=True).astype("category")
    new_codes = found.dtype.categories.get_indexer(values)
    return pd.Series(pd.Categorical.from_codes(new_codes[row_codes], dtype=found.dtype), index=codes.index)


def _person_codes(clients: pd.Series) -> np.ndarray:
    """``pd.factorize(clients, sort=False)[0]`` for client ids in person order (each client's rows together):
    a new code where the id changes from the row before, compared in Arrow (or on category codes) instead of
    hashing every id (issue 12: +170 MB while saving the national episodes). Ids with a missing value are
    factorised (missing: -1)."""
    array = clients.array
    if len(clients) > 1 and not clients.isna().any():
        change = None
        if isinstance(clients.dtype, pd.CategoricalDtype):
            codes = array.codes
            change = codes[1:] != codes[:-1]
        elif isinstance(getattr(array, "_pa_array", None), pa.ChunkedArray):
            ids = array._pa_array
            change = pc.not_equal(ids.slice(1), ids.slice(0, len(ids) - 1)).to_numpy(zero_copy_only=False)
        if change is not None:
            return np.concatenate([[0], np.cumsum(change, dtype=np.int64)])
    return pd.factorize(clients, sort=False)[0]


def in_person_order(episodes: pd.DataFrame) -> bool:
    """Whether the rows are already sorted by client id, then triage date, then episode id
    (checked row against next row in Arrow, in milliseconds for millions of rows, so a sort of
    millions of text ids can be skipped when it is not needed)."""
    if len(episodes) < 2 or episodes[_SORT].isna().any().any():
        return len(episodes) < 2
    def column(name: str) -> pa.Array:
        values = episodes[name]
        if isinstance(values.dtype, pd.CategoricalDtype) or values.dtype == object:
            values = values.astype("string[pyarrow]")
        return pa.array(values)
    client, triage, episode = column("client_id"), column("triage_date"), column("episode_id")
    n = len(episodes)
    def pairs(array: pa.Array) -> tuple[pa.Array, pa.Array]:
        return array.slice(0, n - 1), array.slice(1)
    c0, c1 = pairs(client)
    t0, t1 = pairs(triage)
    e0, e1 = pairs(episode)
    same_client, same_day = pc.equal(c0, c1), pc.equal(t0, t1)
    ordered = pc.or_(pc.less(c0, c1), pc.and_(same_client, pc.or_(
        pc.less(t0, t1), pc.and_(same_day, pc.less_equal(e0, e1)))))
    return bool(pc.all(ordered).as_py())


def restore_prepared_types(episodes: pd.DataFrame) -> pd.DataFrame:
    """Prepared episodes read back from Parquet with the types ``prepare_episodes`` gave them: the text code
    columns' categories are text with missing values as ``pd.NA`` ("string"), which Parquet reads back as
    the default text type ("str"). Only the categories change (no row is copied)."""
    for column in (*_CODE_COLUMNS, "district"):
        values = episodes[column] if column in episodes else None
        if values is not None and isinstance(values.dtype, pd.CategoricalDtype) \
                and getattr(values.dtype.categories.dtype, "na_value", pd.NA) is not pd.NA:
            categories = values.dtype.categories.astype("string")
            episodes[column] = pd.Categorical.from_codes(values.array.codes, categories=categories)
    episodes.attrs["prepared"] = True
    return episodes


def narrow_prepared_types(episodes: pd.DataFrame) -> pd.DataFrame:
    """Prepared episodes held in smaller types, the same values: ``person`` as int32 (person codes count
    people) and ``age_at_triage`` as ``Int16`` when every age fits (were int64 and ``Int64``: 48 MB at
    national scale; refs12). In place, like ``restore_prepared_types``: only for a frame just made or read
    (``prepare_episodes``' result, a saved copy read back), as a new frame sharing the other columns cost
    a further 35 MB while loading at national scale."""
    person = episodes["person"] if "person" in episodes else None
    if person is not None and person.dtype == np.int64 and len(person) < 2**31:
        episodes["person"] = person.to_numpy().astype(np.int32)
    age = episodes["age_at_triage"] if "age_at_triage" in episodes else None
    if age is not None and str(age.dtype) in ("Int32", "Int64"):
        low, high = age.min(), age.max()
        if pd.isna(low) or (-(2**15) <= low and high < 2**15):
            episodes["age_at_triage"] = age.astype("Int16")
    return episodes


def person_order(episodes: pd.DataFrame) -> np.ndarray:
    """The row positions that sort the episodes by client id, then triage date, then episode id
    (stable; missing values last in each): ``sort_values(EPISODE_ORDER, kind="stable")``'s order,
    sorted in Arrow (3 times faster than pandas for millions of text ids)."""
    def column(name: str) -> pa.Array:
        values = episodes[name]
        if isinstance(values.dtype, pd.CategoricalDtype) or values.dtype == object:
            values = values.astype("string[pyarrow]")
        return pa.array(values)

    table = pa.table({name: column(name) for name in _SORT})
    order = pc.sort_indices(table, sort_keys=[(name, "ascending", "at_end") for name in _SORT])
    return order.to_numpy()


#: Text code columns of the episodes table, stored as categories once per load.
CODE_COLUMNS = _CODE_COLUMNS = ("sex", "ethnicity", "service", "discharge_reason", "accommodation_status", "in_care",
                 "injecting_status", "district_code", "postcode_district", "ward_code")


def one_per_person(frame: pd.DataFrame, keep: str = "last") -> pd.DataFrame:
    """``frame.drop_duplicates("client_id", keep=keep)`` for rows grouped by person (any subset
    of the prepared episodes in order): the boundary of each run of ``person`` codes, in numpy."""
    if "person" not in frame or len(frame) == 0:
        return frame.drop_duplicates("client_id", keep=keep)  # type: ignore[arg-type]
    codes = frame["person"].to_numpy()
    change = codes[1:] != codes[:-1]
    mask = np.concatenate([change, [True]]) if keep == "last" else np.concatenate([[True], change])
    return frame[mask]


def isin_values(series: pd.Series, values: object) -> pd.Series:
    """``series.isin(values)`` for identifier columns, vectorised in Arrow (pandas' string
    ``isin`` converts every value to a Python object first: seconds for a million values)."""
    if _text_categories(series):  # e.g. a child table's episode ids read from a saved version: by category
        found = isin_values(pd.Series(series.dtype.categories), values).to_numpy(dtype=bool)
        return pd.Series(np.append(found, False)[series.array.codes], index=series.index)
    if not (isinstance(series.dtype, pd.StringDtype) or series.dtype == object):
        return series.isin(values)  # type: ignore[arg-type]
    left = pa.array(series.astype("string[pyarrow]"), type=pa.large_string())
    right = pa.array(_distinct(values).astype("string[pyarrow]"), type=pa.large_string())
    found = pc.fill_null(pc.is_in(left, value_set=pc.unique(right.drop_null())), False)
    return pd.Series(found.to_numpy(zero_copy_only=False), index=series.index)


def positions_in(values: pd.Series, keys: pd.Series) -> np.ndarray:
    """The position in ``keys`` of each of ``values`` (-1 where it is not there, or missing), matched
    as text in Arrow: a left join on an identifier without pandas' merge of millions of text ids.
    ``keys`` must not repeat a value (an identifier: check with ``unique_values``)."""
    def text(series: pd.Series) -> pa.Array:
        return pa.array(series.astype("string[pyarrow]"), type=pa.large_string())

    if _text_categories(values):  # each category looked up once, then taken by the codes
        found = positions_in(pd.Series(values.dtype.categories), keys)
        return np.append(found, -1)[values.array.codes]
    found = pc.index_in(text(values), value_set=text(keys), skip_nulls=True)
    return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)


def _text_categories(values: object) -> bool:
    """Whether ``values`` is a category Series of text (ids held as codes)."""
    return (isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype)
            and (isinstance(values.dtype.categories.dtype, pd.StringDtype) or values.dtype.categories.dtype == object))


def _distinct(values: object) -> pd.Series:
    """``values`` as a Series; of a category Series, only the categories it uses (each once)."""
    if _text_categories(values):
        codes = values.array.codes
        return pd.Series(values.dtype.categories.take(np.unique(codes[codes >= 0])))
    return pd.Series(values)


def unique_values(keys: pd.Series) -> bool:
    """Whether no value of an identifier column repeats (missing values count as one value): pandas'
    ``is_unique`` (hashes the values once; 0.35 s for 3.3 million referral ids, against 0.9 s through
    Arrow's ``unique``)."""
    return bool(keys.is_unique)


def taken(values: pd.Series, positions: np.ndarray) -> pd.Series:
    """``values`` at ``positions`` (missing where a position is -1), with a fresh 0, 1, 2... index."""
    found = positions >= 0
    if not len(values):
        return pd.Series(pd.NA, index=pd.RangeIndex(len(positions)), dtype=values.dtype)
    out = values.take(np.where(found, positions, 0)).reset_index(drop=True)
    return out if found.all() else out.where(found)


def _prepared(episodes: pd.DataFrame) -> pd.DataFrame:
    return episodes if episodes.attrs.get("prepared") else prepare_episodes(episodes)


def _one_row_per_person(episodes: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """Keep each person's latest episode (input sorted by person then triage), then filter people."""
    latest = one_per_person(episodes, keep="last")
    return select_people(latest, filters)


def active_episodes(episodes: pd.DataFrame, fy: FinancialYear) -> pd.DataFrame:
    """Episodes in treatment at some point in the year: triage on or before 31 March and
    discharge empty or on or after 1 April (GLOSSARY "In treatment during the year")."""
    episodes = _prepared(episodes)
    mask = (episodes["triage_date"] <= fy.end) & (episodes["episode_end"] >= fy.start)
    return episodes[mask]


def in_treatment(episodes: pd.DataFrame, fy: FinancialYear, filters: Filters = Filters()) -> pd.DataFrame:
    """People in treatment during the financial year (one row per person)."""
    return _one_row_per_person(select_service(active_episodes(episodes, fy), filters), filters)


def snapshot(episodes: pd.DataFrame, fy: FinancialYear, filters: Filters = Filters()) -> pd.DataFrame:
    """People in treatment on 31 March: an episode triaged on or before 31 March and not
    discharged by then (discharge empty or after 31 March; a discharge on 31 March has ended)."""
    episodes = _prepared(episodes)
    mask = (episodes["triage_date"] <= fy.end) & (episodes["episode_end"] > fy.end)
    return _one_row_per_person(select_service(episodes[mask], filters), filters)


def _previous_cover_end(episodes: pd.DataFrame) -> pd.Series:
    """For each episode, the latest end of the same person's earlier episodes (NaT if none)."""
    if "previous_cover_end" in episodes:
        return episodes["previous_cover_end"]
    key = episodes["person"] if "person" in episodes else episodes["client_id"]
    cover = episodes["episode_end"].groupby(key, sort=False, observed=True).cummax()
    previous = cover.groupby(key, sort=False, observed=True).shift(1)
    return previous


def _triaged_in_year(episodes: pd.DataFrame, fy: FinancialYear) -> pd.Series:
    return (episodes["triage_date"] >= fy.start) & (episodes["triage_date"] <= fy.end)


def new_presentations(
    episodes: pd.DataFrame, fy: FinancialYear, filters: Filters = Filters()
) -> pd.DataFrame:
    """People triaged in the year with no episode (of any service) open in the 12 months
    before that triage. A person's first triage in the year (selected service) decides; the age
    band, sex and district filters use their latest episode in the year (GLOSSARY "Which episode
    describes a person"), while the rows are those first triages."""
    episodes = _prepared(episodes)
    in_year = episodes[_triaged_in_year(episodes, fy)]
    first = one_per_person(in_year, keep="first")
    previous_end = _previous_cover_end(episodes).loc[first.index]
    is_new = previous_end.isna() | (previous_end < first["triage_date"] - NEW_PRESENTATION_LOOKBACK)
    chosen = select_service(first[is_new], filters)
    return _described_by_latest(chosen, episodes, fy, filters)


def re_presentations(
    episodes: pd.DataFrame, fy: FinancialYear, filters: Filters = Filters()
) -> pd.DataFrame:
    """People triaged in the year who had an earlier episode already discharged before that
    triage (look-back: all records held). One row per person, from their first such triage; the
    person filters use their latest episode in the year (GLOSSARY "Which episode describes a person")."""
    episodes = _prepared(episodes)
    in_year = _triaged_in_year(episodes, fy)
    had_earlier = _earliest_prior_discharge(episodes) < episodes["triage_date"]
    chosen = select_service(episodes[in_year & had_earlier], filters)
    first = one_per_person(chosen, keep="first")
    return _described_by_latest(first, episodes, fy, filters)


def _earliest_prior_discharge(episodes: pd.DataFrame) -> pd.Series:
    """Earliest discharge date among each episode's earlier episodes of the same person."""
    if "earliest_prior_discharge" in episodes:
        return episodes["earliest_prior_discharge"]
    key = episodes["person"] if "person" in episodes else episodes["client_id"]
    discharge = episodes["discharge_date"].fillna(_OPEN)
    running_min = discharge.groupby(key, sort=False, observed=True).cummin()
    return running_min.groupby(key, sort=False, observed=True).shift(1).fillna(_OPEN)


def _described_by_latest(people: pd.DataFrame, episodes: pd.DataFrame, fy: FinancialYear,
                         filters: Filters) -> pd.DataFrame:
    """``people`` (one row per person, all in treatment in the year in the selected service) kept when
    their latest episode in the year within the selected service matches the age band, sex and
    district filters (GLOSSARY "Which episode describes a person"), whichever episode put them in
    the measure's cohort."""
    if (filters.age_band, filters.sex, filters.district) == (ALL, ALL, ALL):
        return people
    described = in_treatment(episodes, fy, filters)
    return people[isin_values(people["client_id"], described["client_id"])]


def exits(episodes: pd.DataFrame, fy: FinancialYear, filters: Filters = Filters()) -> pd.DataFrame:
    """People discharged in the year, one row each from their last discharge in the year (latest
    discharge date, then episode id; the person filters use their latest episode in the year,
    GLOSSARY "Which episode describes a person"), with ``exit_group`` planned / unplanned / transferred /
    other or not known (GLOSSARY "Exits"; ``codes.exit_group``: an empty or unmapped reason is an
    exit of the group "Other / not known", never dropped)."""
    episodes = _prepared(episodes)
    d = episodes["discharge_date"]
    discharged = episodes[(d >= fy.start) & (d <= fy.end)]
    discharged = select_service(discharged, filters)
    order = ["person", "discharge_date", "episode_id"] if "person" in discharged else ["client_id", "discharge_date",
                                                                                         "episode_id"]
    last = one_per_person(discharged.sort_values(order), keep="last")
    people = _described_by_latest(last, episodes, fy, filters).copy()
    people["exit_group"] = exit_group(people["discharge_reason_group"])
    return people


def successful_completions(
    episodes: pd.DataFrame, fy: FinancialYear, filters: Filters = Filters()
) -> tuple[int, int]:
    """Successful completion rate parts: (planned exits, all exits - transfers), people counted by
    their last discharge in the year (GLOSSARY). Exits with the "other" reason, an empty reason or
    an unmapped code ("Other / not known") stay in the denominator."""
    people = exits(episodes, fy, filters)
    planned = int((people["exit_group"] == PLANNED).sum())
    transferred = int((people["exit_group"] == TRANSFERRED).sum())
    return planned, len(people) - transferred


def time_in_treatment(
    episodes: pd.DataFrame, fy: FinancialYear, filters: Filters = Filters()
) -> pd.DataFrame:
    """Weeks in treatment for each person in treatment in the year (their latest episode):
    triage to discharge for those discharged by 31 March, triage to 31 March for those still
    open (``status`` "Discharged" or "Open")."""
    people = in_treatment(episodes, fy, filters).copy()
    end = people["episode_end"].where(people["episode_end"] <= fy.end, fy.end)
    people["weeks"] = (end - people["triage_date"]).dt.days / 7.0
    people["status"] = np.where(people["episode_end"] <= fy.end, "Discharged", "Open")
    return people


def summarise_time_in_treatment(people: pd.DataFrame) -> pd.DataFrame:
    """Mean and median weeks in treatment by status (Discharged, Open) and for all people."""
    weeks = people["weeks"].to_numpy(dtype="float64", na_value=np.nan)
    rows = []
    for status, part in [("Discharged", weeks[(people["status"] == "Discharged").to_numpy(dtype=bool)]),
                         ("Open", weeks[(people["status"] == "Open").to_numpy(dtype=bool)]), ("All", weeks)]:
        mean, median = _mean_and_median(part)
        rows.append({"status": status, "people": int(len(part)), "mean_weeks": mean, "median_weeks": median})
    return pd.DataFrame(rows)


def _mean_and_median(weeks: np.ndarray) -> tuple[float, float]:
    """Mean and median of the weeks that are not missing (as pandas' ``mean`` and ``median`` give
    them), or missing when there are none."""
    missing = np.isnan(weeks)
    known = int(len(weeks) - missing.sum())
    if not known:
        return np.nan, np.nan
    # pandas' sum: missing values as 0 in place, so the pairwise sum adds in the same order
    total = np.where(missing, 0.0, weeks).sum() if missing.any() else weeks.sum()
    return float(total / known), float(np.median(weeks[~missing]))


def retention_12_weeks(
    episodes: pd.DataFrame, fy: FinancialYear, filters: Filters = Filters()
) -> tuple[int, int]:
    """12-week retention parts: (people retained 12 weeks or more, people started).

    Cohort: people with an episode triaged in the year at least 12 weeks (84 days) before
    31 March (their first such episode; the person filters use their latest episode in the year).
    Retained: that episode lasted 84 days or more, i.e.
    still open on 31 March or discharged 84 or more days after triage (exactly 12 weeks counts)."""
    episodes = _prepared(episodes)
    latest_start = fy.end - pd.Timedelta(days=TWELVE_WEEKS_DAYS)
    started = episodes[(episodes["triage_date"] >= fy.start) & (episodes["triage_date"] <= latest_start)]
    started = one_per_person(select_service(started, filters), keep="first")
    started = _described_by_latest(started, episodes, fy, filters)
    days = (started["episode_end"].where(started["episode_end"] <= fy.end, fy.end)
            - started["triage_date"]).dt.days
    retained = (days >= TWELVE_WEEKS_DAYS) | (started["episode_end"] > fy.end)
    return int(retained.sum()), int(len(started))


def time_by_exit_group(episodes: pd.DataFrame, fy: FinancialYear, filters: Filters = Filters()) -> pd.DataFrame:
    """Weeks in treatment of each person discharged in the year, by exit group (GLOSSARY "Time in
    treatment", split by exit group for those discharged): the people of ``exits`` (each person's
    last discharge in the year), weeks from that episode's triage to its discharge."""
    people = exits(episodes, fy, filters)
    people["weeks"] = (people["discharge_date"] - people["triage_date"]).dt.days / 7.0
    return people


def summarise_time_by_exit_group(people: pd.DataFrame) -> pd.DataFrame:
    """People, mean and median weeks in treatment for each exit group (``codes.EXIT_GROUPS`` order,
    groups with nobody kept with 0 people and no mean)."""
    all_weeks = people["weeks"].to_numpy(dtype="float64", na_value=np.nan)
    rows = []
    for group in EXIT_GROUPS:
        weeks = all_weeks[(people["exit_group"] == group).to_numpy(dtype=bool)]
        mean, median = _mean_and_median(weeks)
        rows.append({"exit_group": group, "people": int(len(weeks)), "mean_weeks": mean, "median_weeks": median})
    return pd.DataFrame(rows)


def back_in_treatment(
    episodes: pd.DataFrame, fy: FinancialYear, filters: Filters = Filters()
) -> tuple[int, int]:
    """Back in treatment parts: (people discharged in the year who are in treatment again on 31
    March, people discharged in the year) (GLOSSARY "Back in treatment").

    Discharged: the people of ``exits`` (last discharge in the year, selected service and
    people). In treatment again: an episode that comes after that discharged one (later triage, or
    the same day and a later episode id) is open on 31 March (triaged by then, not discharged by
    then), in any service, so a young person who moves on to an adult service counts. An earlier
    episode open all along is not "again"."""
    episodes = _prepared(episodes)
    people = exits(episodes, fy, filters)
    open_then = episodes[(episodes["triage_date"] <= fy.end) & (episodes["episode_end"] > fy.end)]
    key = "person" if "person" in episodes else "client_id"
    # the latest open episode of each person, in episode order (a later open one beats an earlier)
    latest_open = (one_per_person(open_then, keep="last").set_index(key)[["triage_date", "episode_id"]]
                   .rename(columns=lambda c: f"{c}_open"))
    found = people[[key, "triage_date", "episode_id"]].join(latest_open, on=key)
    later = found["triage_date_open"].notna() & (
        (found["triage_date_open"] > found["triage_date"])
        | ((found["triage_date_open"] == found["triage_date"])
           & (found["episode_id_open"].astype("string") > found["episode_id"].astype("string"))))
    return int(later.sum()), int(len(people))


def effective_treatment(
    episodes: pd.DataFrame,
    substances: pd.DataFrame,
    fy: FinancialYear,
    filters: Filters = Filters(),
) -> tuple[int, int] | None:
    """Effective treatment parts (NI 40): (adult opiate and/or crack users in effective treatment,
    adult OCU in treatment in the year); ``None`` for the young people's service, to which the
    indicator does not apply (never the adult figure).

    Cohort: people with an adult episode in treatment in the year whose latest such episode records
    opiates or crack at any rank (GLOSSARY "Which episode describes a person"); age band, sex and
    district filters apply to that episode. Effective: ANY of the person's adult episodes that
    overlap the year was retained 12 weeks (84 days) or more, counted to its discharge or to 31 March
    if open then, or ended in a planned exit (treatment completed) by 31 March within 12 weeks."""
    if filters.service == YOUNG_PEOPLE:
        return None
    adult = Filters(ADULTS, filters.age_band, filters.sex, filters.district)
    active = select_service(active_episodes(episodes, fy), adult)
    end = active["episode_end"].where(active["episode_end"] <= fy.end, fy.end)
    retained = (end - active["triage_date"]).dt.days >= TWELVE_WEEKS_DAYS
    completed = (active["episode_end"] <= fy.end) & (active["discharge_reason_group"] == PLANNED)
    qualifying = active.loc[retained | completed, "client_id"]
    people = select_people(one_per_person(active, keep="last"), adult)
    ocu_episodes = substances.loc[substances["substance_group"].isin(OPIATE_CRACK_GROUPS), "episode_id"]
    people = people[isin_values(people["episode_id"], ocu_episodes)]
    effective = isin_values(people["client_id"], qualifying)
    return int(effective.sum()), int(len(people))


#: Follow-up after a successful completion before it counts as "no re-presentation" (PHOF C19).
NO_REPRESENTATION_MONTHS = 6
#: Substance groups of the national outcome measure (PHOF C19a-d), from the substances of a person's latest
#: episode in the year at any rank: opiates (any opiate); non-opiates (drugs other than opiates, no alcohol);
#: alcohol (alcohol only); alcohol and non-opiates (both, no opiates). Crack without opiates is non-opiate.
C19_OPIATES, C19_NON_OPIATES, C19_ALCOHOL, C19_ALCOHOL_NON_OPIATES = (
    "Opiates", "Non-opiates", "Alcohol", "Alcohol and non-opiates")
C19_GROUPS = (C19_OPIATES, C19_NON_OPIATES, C19_ALCOHOL, C19_ALCOHOL_NON_OPIATES)
_OPIATE_GROUP, _ALCOHOL_GROUP = "Opiates", "Alcohol"


def c19_substance_group(substances: pd.DataFrame, episode_ids: pd.Series) -> pd.Series:
    """The C19 substance group of each episode in ``episode_ids`` (``C19_GROUPS``, or missing when the
    episode records no substance), from its substances at any rank (``substance_group`` column)."""
    rows = substances[isin_values(substances["episode_id"], episode_ids)]
    group = rows["substance_group"].astype("string")
    flags = pd.DataFrame({"episode_id": rows["episode_id"].astype("string").to_numpy(),
                          "opiate": (group == _OPIATE_GROUP).fillna(False).to_numpy(),
                          "alcohol": (group == _ALCOHOL_GROUP).fillna(False).to_numpy(),
                          "other": (group.notna() & (group != _OPIATE_GROUP) & (group != _ALCOHOL_GROUP))
                          .fillna(False).to_numpy()}).groupby("episode_id").any()
    chosen = flags.reindex(episode_ids.astype("string").to_numpy())
    opiate, alcohol, other = (chosen[c].astype("boolean").fillna(False).to_numpy() for c in ("opiate", "alcohol", "other"))
    result = np.select([opiate, alcohol & other, other, alcohol],
                       [C19_OPIATES, C19_ALCOHOL_NON_OPIATES, C19_NON_OPIATES, C19_ALCOHOL], default=None)
    return pd.Series(result, index=episode_ids.index, dtype=object)


def has_follow_up(data_end: pd.Timestamp, fy: FinancialYear) -> bool:
    """Whether the data (ending ``data_end``) cover the 6 months after the year's end that the successful
    completion without re-presentation measure needs (PHOF C19)."""
    return pd.Timestamp(data_end) >= fy.end + pd.DateOffset(months=NO_REPRESENTATION_MONTHS)


def completion_without_representation(
    episodes: pd.DataFrame, substances: pd.DataFrame, fy: FinancialYear, filters: Filters = Filters()
) -> pd.DataFrame:
    """Successful completion without re-presentation within 6 months (PHOF C19 style; GLOSSARY "Successful
    completion and no re-presentation"): one row per person in treatment in the year (``in_treatment``: the
    denominator), with ``c19_group`` (``C19_GROUPS`` from their latest episode's substances, missing when none
    is recorded) and ``completed`` (bool, the numerator).

    Completed: the person's last discharge in the year (``exits``) was a planned exit (treatment completed),
    no other episode of theirs (any service) was still open on that day, and they did not re-present: no
    episode of theirs (any service) was triaged after that discharge and on or before the date 6 months
    later. Needs data to 6 months after the year's end (``has_follow_up``); the caller checks it."""
    episodes = _prepared(episodes)
    people = in_treatment(episodes, fy, filters)[["client_id", "episode_id"]].copy()
    people["c19_group"] = c19_substance_group(substances, people["episode_id"]).to_numpy()
    done = exits(episodes, fy, filters)
    done = done.loc[done["exit_group"] == PLANNED, ["client_id", "episode_id", "discharge_date"]]
    mine = episodes[isin_values(episodes["client_id"], done["client_id"])][
        ["client_id", "episode_id", "triage_date", "episode_end"]]
    joined = mine.merge(done.rename(columns={"episode_id": "completed_episode"}), on="client_id")
    others = joined[joined["episode_id"].astype("string") != joined["completed_episode"].astype("string")]
    limit = others["discharge_date"] + pd.DateOffset(months=NO_REPRESENTATION_MONTHS)
    still_open = (others["triage_date"] <= others["discharge_date"]) & (others["episode_end"] > others["discharge_date"])
    came_back = (others["triage_date"] > others["discharge_date"]) & (others["triage_date"] <= limit)
    failed = set(others.loc[still_open | came_back, "client_id"].astype("string"))
    completed = set(done["client_id"].astype("string")) - failed
    people["completed"] = people["client_id"].astype("string").isin(completed).to_numpy()
    return people.reset_index(drop=True)

#: The fingerprint of the code that prepared a saved copy of the episodes (``_prepared_format``).
PREPARED_FORMAT = _prepared_format()


__all__ = [
    "TWELVE_WEEKS_DAYS",
    "active_episodes",
    "back_in_treatment",
    "completion_without_representation",
    "effective_treatment",
    "exits",
    "in_treatment",
    "isin_values",
    "new_presentations",
    "one_per_person",
    "prepare_episodes",
    "re_presentations",
    "retention_12_weeks",
    "snapshot",
    "successful_completions",
    "summarise_time_by_exit_group",
    "time_by_exit_group",
    "summarise_time_in_treatment",
    "time_in_treatment",
]

