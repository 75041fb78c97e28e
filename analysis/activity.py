"""Measures and cross-figure disclosure checks for the Referrals and Treatment and exits pages.

The measures build on ``analysis.cohorts`` and ``analysis.profiles``. The checks cover what
``analysis.board`` cannot see from one frame alone: counts that another figure on the same page
(or a total published elsewhere) would let a reader work out by subtraction. Each check returns
which rows to hide; :func:`hide_rows` hides them the way ``board.suppress_comparison`` does,
so hiding only ever adds to the board's suppression (hiding more never reveals more).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis import board, cohorts, person_year, profiles, stats, yoy
from analysis.codes import GROUP_ORDER
from analysis.dataset import Dataset
from analysis.filters import Filters, select_service
from analysis.periods import Comparison, FinancialYear
from analysis.suppression import MIN_SHOWN_COUNT, SUPPRESSED, suppress_counts, total_suppressed
from analysis.yoy import COUNT, PROPORTION, measure

#: Time-in-treatment bins (label, from weeks inclusive, to weeks exclusive). 12 weeks is an
#: edge because it is the retention threshold; 26, 52 and 104 weeks are half, one and two years.
TIME_BINS: tuple[tuple[str, float, float], ...] = (
    ("Under 4 weeks", 0.0, 4.0),
    ("4 to under 12 weeks", 4.0, 12.0),
    ("12 to under 26 weeks", 12.0, 26.0),
    ("26 to under 52 weeks", 26.0, 52.0),
    ("52 to under 104 weeks", 52.0, 104.0),
    ("104 weeks or more", 104.0, math.inf),
)
TIME_BIN_LABELS = [label for label, _, _ in TIME_BINS]
#: Statuses of ``cohorts.summarise_time_in_treatment``: the two parts, then their total.
TIME_PARTS, TIME_TOTAL = ("Discharged", "Open"), "All"
#: Label of discharge reasons left empty.
REASON_NOT_RECORDED = "not recorded"


def _small(values: pd.Series) -> pd.Series:
    """True where a count is from 1 to 4 (a count a board may not see)."""
    numbers = pd.to_numeric(values, errors="coerce")
    return (numbers > 0) & (numbers < MIN_SHOWN_COUNT)


# ------------------------------------------------------------------ hiding rows of a year-on-year frame
def hide_rows(
    frame: pd.DataFrame,
    current: pd.Series | np.ndarray,
    previous: pd.Series | np.ndarray,
    *,
    denominators: bool = False,
) -> pd.DataFrame:
    """A suppressed year-on-year frame (``board.suppress_comparison``) with more rows hidden:
    where ``current`` is True the selected year's count, value and interval; where ``previous``
    is True the comparison year's; and the change and significance wherever either is hidden.
    With ``denominators`` the hidden year's denominator is hidden as well."""
    out = board.hide_cells(frame, np.asarray(current, dtype=bool), denominator=denominators)
    out = board.hide_cells(out, np.asarray(previous, dtype=bool), "previous_", denominator=denominators)
    return out


def small_complement(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Rows (this year, comparison year) of an *unsuppressed* proportion frame where
    denominator - count is from 1 to 4: showing the count and the denominator would give away
    that small number (e.g. 2 people not retained), so the count must be hidden."""
    return (_small(frame["denominator"] - frame["count"]),
            _small(frame["previous_denominator"] - frame["previous_count"]))


def year_on_year_union(
    current: pd.DataFrame, previous: pd.DataFrame, key: str | Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Give two years of a category measure the same categories (the union of ``key`` values,
    this year's order first), with a zero count and that year's denominator for a category a
    year lacks, so every row of the year-on-year frame has both years' percentages."""
    keys = [key] if isinstance(key, str) else list(key)
    if _unique_same_keys(current, previous, keys):  # nothing to add: the same frames, typed as the join gives them
        return _as_union(current, keys), _as_union(previous, keys)
    order = pd.MultiIndex.from_frame(pd.concat([current[keys], previous[keys]], ignore_index=True)
                                     .drop_duplicates().astype(object))
    out = []
    for frame in (current, previous):
        denominator = frame["denominator"].iloc[0] if len(frame) else 0
        indexed = frame.astype({k: object for k in keys}).set_index(keys)
        indexed.index = pd.MultiIndex.from_tuples([i if isinstance(i, tuple) else (i,) for i in indexed.index],
                                                  names=keys)
        full = indexed.reindex(order).reset_index()
        full["count"] = full["count"].fillna(0).astype("int64")
        full["denominator"] = full["denominator"].fillna(denominator)
        full.attrs.update(frame.attrs)
        out.append(full)
    return out[0], out[1]


def _unique_same_keys(current: pd.DataFrame, previous: pd.DataFrame, keys: list[str]) -> bool:
    """Both years have the same categories in the same order, each once."""
    if not yoy.same_keys(current, previous, keys):
        return False
    index = pd.MultiIndex.from_frame(current[keys]) if len(keys) > 1 else pd.Index(current[keys[0]])
    return bool(index.is_unique)


def _as_union(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``frame`` as ``year_on_year_union`` gives it back when the other year has the same categories:
    keys first (typed as the join's index gives them: text as text), a whole-number count (missing as 0),
    missing denominators as the first."""
    index = pd.RangeIndex(len(frame))
    arrays = yoy.column_arrays(frame)  # built on arrays (every comparison of the Treatment page runs this)
    columns: dict[str, Any] = {k: pd.Index(np.asarray(arrays[k], dtype=object)).array for k in keys}
    columns.update((c, values) for c, values in arrays.items() if c not in keys)
    counts = yoy.as_floats(arrays["count"])
    columns["count"] = np.where(np.isnan(counts), 0, counts).astype("int64")
    full = pd.DataFrame(columns, index=index)
    if full["denominator"].isna().any():
        full["denominator"] = full["denominator"].fillna(frame["denominator"].iloc[0])
    full.attrs.update(frame.attrs)
    return full


def compare(
    measure_function: Callable[..., pd.DataFrame],
    data: Dataset,
    fy: FinancialYear,
    comparison: FinancialYear,
    *,
    key: str | Sequence[str] | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """``yoy.year_on_year`` of ``measure_function(data, fy=..., **kwargs)`` for the two years.

    With ``key`` the two years get the same categories (``year_on_year_union``). A denominator
    of 0 (nobody in the group) becomes missing, so the row has no percentage and is not
    significant instead of failing the interval and the test."""
    current = measure_function(data, fy=fy, **kwargs)
    compared = isinstance(comparison, FinancialYear)  # else no comparison year: this year alone
    previous = measure_function(data, fy=comparison, **kwargs) if compared else current
    keys = None if key is None else [key] if isinstance(key, str) else list(key)
    in_order = keys is None or _unique_same_keys(current, previous, keys)
    if keys is not None:  # the same categories in the same order: nothing to join
        current, previous = (_as_union(current, keys), _as_union(previous, keys)) if in_order else \
            year_on_year_union(current, previous, keys)
    if not compared:
        previous = yoy.no_values(current)
    frames = []
    for frame in (current, previous):
        denominator = frame["denominator"]
        if (denominator.to_numpy(dtype="float64", na_value=np.nan) > 0).all():
            frames.append(frame)  # nothing to blank (year_on_year does not write to its inputs)
            continue
        usable = frame.assign(denominator=denominator.where(denominator > 0))
        usable.attrs.update(frame.attrs)
        frames.append(usable)
    out = yoy.year_on_year(frames[0], frames[1])
    if not in_order:  # the outer join sorts its keys; put the categories back in display order
        position = {tuple(row): i for i, row in enumerate(frames[0][keys].itertuples(index=False))}
        rank = [position.get(tuple(row), len(position)) for row in out[keys].itertuples(index=False)]
        out = out.iloc[np.argsort(rank, kind="stable")].reset_index(drop=True)
        out.attrs.update(frames[0].attrs)
    if not compared:
        out["test"] = out["direction"] = yoy.NOT_COMPARED
    return out


# ------------------------------------------------------------------ referrals
#: How a referral is tied to its triage: by the referral's ``episode_id`` (the contract's "episode the
#: referral led to") or, when the referrals table records no episode at all, by person.
LINK_BY_EPISODE, LINK_BY_PERSON = "episode", "person"
#: The definition of "led to triage", for each way of linking, as the page and the registry state it.
LED_TO_TRIAGE_DEFINITION = {
    LINK_BY_EPISODE: ("A referral received in the year led to triage in the year when the episode it led to "
                      "(the referral's episode_id) was triaged on or after the referral date and on or before "
                      "31 March of the same financial year."),
    LINK_BY_PERSON: ("The referrals table records no episode ids, so a referral received in the year led to "
                     "triage in the year when the same person had an episode (in the selected service) triaged "
                     "on or after the referral date and on or before 31 March of the same financial year."),
}


def referral_link(data: Dataset) -> str:
    """``LINK_BY_EPISODE`` when any referral records the episode it led to, else ``LINK_BY_PERSON``."""
    ref = data.referrals
    return LINK_BY_EPISODE if "episode_id" in ref and ref["episode_id"].notna().any() else LINK_BY_PERSON


def people_referred(data: Dataset, *, fy: FinancialYear, filters: Filters = Filters()) -> pd.DataFrame:
    """People referred (GLOSSARY): distinct people (``client_id``) with at least one referral received
    in the year in the selection (``profiles.referrals_in_year``), a person once however many
    referrals they had."""
    count = profiles.referral_people(data, fy, filters)
    return measure(pd.DataFrame({"count": [count]}), COUNT, label="People referred")


def _led_by_linked_episode(data: Dataset, fy: FinancialYear, filters: Filters) -> np.ndarray | None:
    """``led_to_triage_flags(data, fy, filters)``'s values (bool, in the same order) when each referral
    is one row (linked by episode, triage dates joined once, referral ids not repeated in the year); None
    otherwise. Reads only the referral dates: no text id is taken for a selection."""
    if referral_link(data) != LINK_BY_EPISODE:
        return None
    linked_dates = profiles.linked_triage_dates(data, fy)
    if linked_dates is None or not _unique_referral_ids(data, fy):
        return None
    ref = profiles.referrals_in_year(data, fy, filters, ["referral_date"])
    triage = linked_dates[ref.index.to_numpy()]
    dates = ref["referral_date"].to_numpy()
    return (triage >= dates) & (triage <= fy.end.to_datetime64())


def led_to_triage_flags(data: Dataset, fy: FinancialYear, filters: Filters = Filters()) -> pd.Series:
    """For each referral received in the year in the selection (index ``referral_id``), whether it
    led to triage in the year (``LED_TO_TRIAGE_DEFINITION`` for ``referral_link(data)``)."""
    linked_dates = profiles.linked_triage_dates(data, fy) if referral_link(data) == LINK_BY_EPISODE else None
    if linked_dates is not None:
        # the same join, done once per data set: the rows of ``ref`` are numbered within the year
        ref = profiles.referrals_in_year(data, fy, filters, ["referral_id", "referral_date"])
        triage = ref.reset_index(drop=True).assign(triage_date=linked_dates[ref.index.to_numpy()])
    else:
        ref = profiles.referrals_in_year(data, fy, filters, ["referral_id", "client_id", "referral_date", "episode_id"]
                                         if "episode_id" in data.referrals else
                                         ["referral_id", "client_id", "referral_date"])
        if referral_link(data) == LINK_BY_EPISODE:
            triage = ref.merge(data.episodes[["episode_id", "triage_date"]], on="episode_id", how="left")
        else:
            own = select_service(data.episodes, filters)[["client_id", "triage_date"]].astype({"client_id": "object"})
            triage = ref.astype({"client_id": "object"}).merge(own, on="client_id", how="left")
    led = ((triage["triage_date"] >= triage["referral_date"]) & (triage["triage_date"] <= fy.end)).fillna(False)
    if linked_dates is not None and _unique_referral_ids(data, fy):  # one row per referral: nothing to group
        return pd.Series(led.to_numpy(dtype=bool), index=triage["referral_id"].to_numpy())
    return led.groupby(triage["referral_id"].to_numpy(), sort=False).any()


#: Set in ``Dataset.derived`` (``analysis.store.load_dataset``) when the referral ids are known not to repeat:
#: a saved version's are the contract's key (the loaders reject a repeated key; every save merges on it).
KEYS_UNIQUE = "referral_ids_unique"


def _unique_referral_ids(data: Dataset, fy: FinancialYear) -> bool:
    """Whether no referral id of the year's referrals repeats (the contract's key; checked once per data
    set and year: a selection's referrals are some of them). One year's ids, not every referral's: hashing
    3.3 million ids raised the first Overview's peak by 0.2 GB at national scale (issue 12)."""
    if data.derived.get(KEYS_UNIQUE):  # a saved version's (the contract's key, kept by every load and save)
        return True
    checked = data.derived.setdefault("unique_referral_ids", {})
    if fy.start_year not in checked:
        checked[fy.start_year] = cohorts.unique_values(profiles.referrals_in_year(data, fy, columns=["referral_id"])
                                                       ["referral_id"])
    return bool(checked[fy.start_year])


def referrals_led_to_triage(data: Dataset, *, fy: FinancialYear, filters: Filters = Filters()) -> pd.DataFrame:
    """Referrals received in the year that led to triage in the same year, as a % of referrals
    received in the year (``LED_TO_TRIAGE_DEFINITION``; Wilson 95% interval)."""
    led = _led_by_linked_episode(data, fy, filters)  # the year's text ids not needed to count them
    flags = led if led is not None else led_to_triage_flags(data, fy, filters).to_numpy()
    frame = pd.DataFrame({"count": [int(flags.sum())], "denominator": [len(flags)]})
    out = measure(frame, PROPORTION, label="Referrals that led to triage in the year")
    out.attrs["link"] = referral_link(data)
    return out


def split_hidden_sources(by_source: pd.DataFrame, groups: Sequence[str]) -> tuple[bool, bool]:
    """Whether the key-agency count would give away a hidden source (this year, comparison year).

    ``by_source`` is the suppressed referrals-by-source frame. The key-agency count is the sum of
    the chosen groups; if the chosen groups hold some but not all of a year's hidden sources,
    that sum minus the shown chosen sources is a new figure for a part of the hidden cells and can
    reveal one exactly, so the share must be hidden. (All or none of them reveals nothing new.)"""
    chosen = by_source["referral_source"].isin(list(groups))
    result = []
    for flag in ("suppressed", "previous_suppressed"):
        hidden = by_source[flag].astype(bool)
        inside = int((hidden & chosen).sum())
        result.append(0 < inside < int(hidden.sum()))
    return result[0], result[1]


def target_status(row: pd.Series, target: float) -> dict[str, object]:
    """A share against a target (both percentages): whether the value meets it (value >= target)
    and whether the 95% interval lies above it, below it, or includes it (PHE "compared with
    benchmark", ``stats.compare_with_baseline``). ``None`` values when the share is hidden."""
    value, lower, upper = row.get("value"), row.get("lower"), row.get("upper")
    if value is None or pd.isna(value):
        return {"met": None, "against_target": None}
    verdict = stats.compare_with_baseline(float(lower), float(upper), float(target)).iloc[0]
    return {"met": bool(value >= target), "against_target": verdict}


# ------------------------------------------------------------------ time in treatment
def time_in_treatment_bins(data: Dataset, *, fy: FinancialYear, filters: Filters = Filters()) -> pd.DataFrame:
    """People in treatment during the year by weeks in treatment (``TIME_BINS``), as % of all of
    them. Weeks: triage to discharge, or to 31 March for people still open (GLOSSARY "Time in
    treatment"; ``cohorts.time_in_treatment``, each person's latest episode)."""
    people = person_year.time_in_treatment(person_year.rows(data, fy, filters))
    edges = [lo for _, lo, _ in TIME_BINS] + [TIME_BINS[-1][2]]
    bins = pd.cut(people["weeks"], bins=edges, right=False, labels=TIME_BIN_LABELS)
    counts = bins.value_counts()
    out = pd.DataFrame({"weeks": TIME_BIN_LABELS, "count": [int(counts.get(b, 0)) for b in TIME_BIN_LABELS]})
    out["denominator"] = len(people)
    return measure(out, PROPORTION, label="People in treatment by time in treatment")


def _suppress_time_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """One year's ``summarise_time_in_treatment`` with people counts 1-4 (and the counts that
    would give them away: Discharged + Open = All) hidden, and the mean and median of every
    hidden group of people hidden with them (a mean over fewer than 5 people is not shown)."""
    statuses = summary["status"].tolist()
    people = summary["people"].to_numpy()
    parts = pd.Series(people[[statuses.index(part) for part in TIME_PARTS]].astype("int64"), index=list(TIME_PARTS))
    hidden = suppress_counts(parts, total_published=True)
    flags = np.array([bool(hidden[status]) if status in hidden.index else False for status in statuses], dtype=bool)
    flags[statuses.index(TIME_TOTAL)] = total_suppressed(parts)
    return _with_hidden(summary, flags)


def _with_hidden(summary: pd.DataFrame, flags: np.ndarray) -> pd.DataFrame:
    """A time summary (``status`` or ``exit_group``, ``people``, ``mean_weeks``, ``median_weeks``) with its
    people, mean and median hidden (missing) where ``flags``, and ``suppressed`` (the flags) added last:
    built on arrays into one frame (the time figures of the Treatment page run this four times)."""
    columns = yoy.column_arrays(summary)
    for column in ("people", "mean_weeks", "median_weeks"):
        columns[column] = np.where(flags, np.nan, yoy.as_floats(columns[column]))
    columns["suppressed"] = flags
    return yoy.frame_of(columns, pd.RangeIndex(len(summary)))


def _side_by_side(now: pd.DataFrame, before: pd.DataFrame, key: str) -> pd.DataFrame:
    """``now.merge(before, on=key)`` for two summaries of the same groups in the same order (the usual
    case: each summary lists every group): the columns put side by side, without a join."""
    if now[key].tolist() != before[key].tolist() or not now[key].is_unique:
        return now.merge(before, on=key)
    columns = yoy.column_arrays(now)
    columns.update((name, values) for name, values in yoy.column_arrays(before).items() if name != key)
    return yoy.frame_of(columns, pd.RangeIndex(len(now)))


def time_in_treatment_summary(
    data: Dataset, fy: FinancialYear, comparison: FinancialYear, filters: Filters = Filters()
) -> pd.DataFrame:
    """Mean and median weeks in treatment for people discharged by 31 March, people still open,
    and all, in the selected and comparison years (``cohorts.summarise_time_in_treatment``), with
    groups of 1-4 people hidden. Columns: status, people, mean_weeks, median_weeks, suppressed and
    the same with a ``previous_`` prefix. Descriptive only: no significance test is applied."""
    def year(when: FinancialYear) -> pd.DataFrame:
        weeks = person_year.time_in_treatment(person_year.rows(data, when, filters))
        return _suppress_time_summary(cohorts.summarise_time_in_treatment(weeks))

    now = year(fy)
    before = year(comparison if isinstance(comparison, FinancialYear) else fy)
    if not isinstance(comparison, FinancialYear):  # no comparison year: nothing to show beside this one
        before = before.assign(**{c: np.nan for c in before.columns if c not in ("status", "suppressed")},
                               suppressed=False)
    before = before.rename(columns={c: f"previous_{c}" for c in before.columns if c != "status"})
    return _side_by_side(now, before, "status")


# ------------------------------------------------------------------ time in treatment by exit group
def _suppress_exit_time(summary: pd.DataFrame) -> pd.DataFrame:
    """One year's ``cohorts.summarise_time_by_exit_group`` with people counts 1-4 hidden, and the
    counts that would give them away (all exits, their total, are published), and the mean and
    median of every hidden group hidden with them (a mean over 1-4 people is never shown)."""
    people = pd.Series(summary["people"].to_numpy().astype("int64"))
    return _with_hidden(summary, suppress_counts(people, total_published=True).to_numpy(dtype=bool))


def time_by_exit_group_summary(
    data: Dataset, fy: FinancialYear, comparison: Comparison, filters: Filters = Filters()
) -> pd.DataFrame:
    """Mean and median weeks in treatment of people discharged in the year, by exit group (completed,
    dropped out or left, transferred, other / not known), in the selected and comparison years
    (``cohorts.time_by_exit_group``: each person's last discharge in the year, triage to discharge).
    Columns: exit_group, people, mean_weeks, median_weeks, suppressed and the same with ``previous_``.
    Descriptive only: no significance test is applied."""
    def year(when: FinancialYear) -> pd.DataFrame:
        return _suppress_exit_time(cohorts.summarise_time_by_exit_group(
            person_year.time_by_exit_group(person_year.rows(data, when, filters))))

    now = year(fy)
    if isinstance(comparison, FinancialYear):
        before = year(comparison)
    else:  # no comparison year (``NO_COMPARISON``): nothing to show beside this year
        before = now.assign(people=np.nan, mean_weeks=np.nan, median_weeks=np.nan, suppressed=False)
    before = before.rename(columns={c: f"previous_{c}" for c in before.columns if c != "exit_group"})
    return _side_by_side(now, before, "exit_group")


def hide_time_groups(summary: pd.DataFrame, exit_groups: pd.DataFrame) -> pd.DataFrame:
    """``time_by_exit_group_summary`` with every group the exits-by-group figure hides hidden too (its
    people are the same count, which must not show on one figure while hidden on the other)."""
    columns = yoy.column_arrays(summary)  # on arrays, into one frame
    groups = summary["exit_group"].tolist()
    for prefix, flag in (("", "suppressed"), ("previous_", "previous_suppressed")):
        # each group's flag in the exits-by-group figure (a group not there: not hidden by it)
        there = dict(zip(exit_groups["exit_group"].tolist(), exit_groups[flag].to_numpy().astype(bool).tolist()))
        hidden = np.array([there.get(group, False) for group in groups], dtype=bool) | np.asarray(
            columns[flag]).astype(bool)
        for column in ("people", "mean_weeks", "median_weeks"):
            columns[f"{prefix}{column}"] = np.where(hidden, np.nan, yoy.as_floats(columns[f"{prefix}{column}"]))
        columns[flag] = hidden
    out = yoy.frame_of(columns, summary.index)
    out.attrs.update(summary.attrs)
    return out


# ------------------------------------------------------------------ exits
def exits_by_discharge_reason(data: Dataset, *, fy: FinancialYear, filters: Filters = Filters()) -> pd.DataFrame:
    """People discharged in the year by recorded discharge reason, with its exit group, as % of
    all people discharged (each person once, by their last discharge in the year; the same
    people as ``profiles.exits_by_reason``). Reasons are shown as recorded, lower case, with
    spaces for underscores; ordered by exit group, then reason."""
    rows = person_year.rows(data, fy, filters)
    groups = profiles.exited_groups(rows)  # the people of person_year.exits, without taking their episodes
    positions = rows["exit_row"].to_numpy()[rows["exited"].to_numpy(dtype=bool)]
    out = _reason_counts(groups, pd.Series(data.episodes["discharge_reason"].array.take(positions)))
    order = {group: position for position, group in enumerate(GROUP_ORDER["discharge_reason"])}
    rank, reasons = [order.get(g, len(order)) for g in out["exit_group"].tolist()], out["discharge_reason"].tolist()
    out = out.take(sorted(range(len(out)), key=lambda i: (rank[i], reasons[i]))).reset_index(drop=True)
    out["count"] = out["count"].astype("int64")
    out["denominator"] = len(groups)
    return measure(out, PROPORTION, label="Exits by discharge reason")


def _reason_counts(groups: pd.Series, reasons: pd.Series) -> pd.DataFrame:
    """People by (exit group, reason as shown: ``reason_text``), counted on integer codes (not on a text
    pair per person). Columns exit_group, discharge_reason, count; only pairs with people."""
    if isinstance(groups.dtype, pd.CategoricalDtype):  # factorized on the codes: the same codes and names
        group_codes, seen = pd.factorize(groups.array.codes)
        group_names = [groups.dtype.categories[code] if code >= 0 else np.nan for code in seen]
    else:
        group_codes, group_names = pd.factorize(groups.astype(object), use_na_sentinel=False)
    if isinstance(reasons.dtype, pd.CategoricalDtype):  # the text of each category, then its code per person
        shown = _category_text(tuple(reasons.dtype.categories))
        per_category, reason_names = pd.factorize(np.append(shown, REASON_NOT_RECORDED))  # last: missing
        codes = reasons.array.codes
        reason_codes = per_category[np.where(codes >= 0, codes, len(shown))]
    else:
        reason_codes, reason_names = pd.factorize(reason_text(reasons), use_na_sentinel=False)
    width = max(len(reason_names), 1)
    pairs, counts = np.unique(group_codes.astype(np.int64) * width + reason_codes, return_counts=True)
    return pd.DataFrame({"exit_group": [str(group_names[p // width]) for p in pairs],
                         "discharge_reason": [reason_names[p % width] for p in pairs],
                         "count": counts.astype("int64")})


@functools.lru_cache(maxsize=16)
def _category_text(categories: tuple[object, ...]) -> np.ndarray:
    """``reason_text`` of each of a category column's categories (worked out once per set of categories: a
    handful of reasons, asked for by every exits figure). Read only."""
    shown = reason_text(pd.Series(pd.Categorical.from_codes(np.arange(len(categories)), categories=list(categories))))
    shown.flags.writeable = False
    return shown


def reason_text(reasons: pd.Series) -> np.ndarray:
    """Discharge reasons as shown: as recorded, trimmed, lower case, each run of spaces, underscores
    and hyphens one space; missing as ``REASON_NOT_RECORDED`` (worked out once per category)."""
    def shown(values: pd.Series) -> pd.Series:
        return (values.astype("string").str.strip().str.lower()
                .str.replace(r"[\s_\-]+", " ", regex=True).fillna(REASON_NOT_RECORDED))

    if isinstance(reasons.dtype, pd.CategoricalDtype):
        names = shown(pd.Series(reasons.dtype.categories)).to_numpy(dtype=object)
        codes = reasons.array.codes
        return np.where(codes >= 0, names[np.maximum(codes, 0)] if len(names) else REASON_NOT_RECORDED,
                        REASON_NOT_RECORDED).astype(object)
    return shown(reasons).to_numpy(dtype=object)


def hidden_reasons_of_hidden_groups(
    reasons: pd.DataFrame, groups: pd.DataFrame, flag: str, count: str
) -> pd.Series:
    """Reasons to hide so that a hidden exit group cannot be worked out by adding up its reasons.

    ``reasons`` is suppressed within each exit group (its group total taken as published);
    ``groups`` is the suppressed exits-by-group frame. For a group hidden there (as a secondary
    cell) whose reasons are all shown, the smallest non-zero reason is hidden too, so the group's
    total is no longer the sum of shown figures. ``flag``/``count`` name the year's columns."""
    extra = pd.Series(False, index=reasons.index)
    hidden_groups = set(groups.loc[groups[flag].astype(bool), "exit_group"])
    for group in hidden_groups:
        rows = reasons["exit_group"] == group
        if reasons.loc[rows, flag].astype(bool).any():
            continue
        candidates = reasons.loc[rows & (reasons[count] > 0), count]
        if len(candidates):
            extra[candidates.astype("float64").idxmin()] = True
    return extra


def completion_hidden_by_groups(groups: pd.DataFrame) -> tuple[bool, bool]:
    """Whether the successful completion rate must be hidden (this year, comparison year).

    The rate shows planned exits and all exits - transfers, and the exits-by-group figure
    publishes all exits: so the rate gives away the planned count, the transfers and the sum of the
    other groups. Any exit group hidden there could be worked out, so the rate is hidden with it."""
    return bool(groups["suppressed"].astype(bool).any()), bool(groups["previous_suppressed"].astype(bool).any())


# ------------------------------------------------------------------ interventions
def hidden_group_denominators(frame: pd.DataFrame, group: str) -> tuple[pd.Series, pd.Series]:
    """Rows whose group denominator must be hidden (this year, comparison year).

    The denominators of ``group`` (e.g. people of each sex) add up to a total published on
    other pages (people in treatment), so they are suppressed as one column of counts with a
    published total (``suppression.suppress_counts``): 1-4 and the cells protecting them."""
    result = []
    for column in ("denominator", "previous_denominator"):
        per_group = frame.groupby(group, sort=False)[column].first().fillna(0).astype("int64")
        hidden = suppress_counts(per_group, total_published=True)
        result.append(frame[group].map(hidden).fillna(False).astype(bool))
    return result[0], result[1]


# ------------------------------------------------------------------ tables shown under the charts
def comparison_columns(keys: Sequence[tuple[str, str]], kind: str) -> list[tuple[str, str]]:
    """The ``(column, heading)`` pairs of a year-on-year table for ``board.display_table``: the
    keys, then each year's count, denominator (proportions), value and 95% interval, then the
    change and whether it is significant. Headings use ``{year}`` and ``{comparison}``."""
    columns = list(keys)
    for prefix, year in [("", "{year}"), ("previous_", "{comparison}")]:
        columns.append((f"{prefix}count", f"Count {year}"))
        if kind != COUNT:
            columns += [(f"{prefix}denominator", f"Denominator {year}"), (f"{prefix}value", f"% {year}")]
        columns += [(f"{prefix}lower", f"Lower 95% CI {year}"), (f"{prefix}upper", f"Upper 95% CI {year}")]
    change = [("change", "Change"), ("percent_change", "% change")] if kind == COUNT else [
        ("change", "Change (% points)")]
    return columns + change + [("significant", "Significant change")]


def time_summary_table(summary: pd.DataFrame, year_label: str, comparison_label: str, *,
                       category: str = "status", heading: str = "Status") -> pd.DataFrame:
    """A time-in-treatment summary (by ``category``: status, or exit group) as shown and downloaded:
    people as whole numbers, weeks to one decimal, ``*`` for a hidden group and blank where there is
    nobody."""
    def text(value: object, hidden: bool, decimals: int) -> str:
        if hidden:
            return SUPPRESSED
        return "" if value is None or pd.isna(value) else f"{float(value):,.{decimals}f}"

    rows = []
    for _, row in summary.iterrows():
        shown = {heading: row[category]}
        for prefix, label in [("", year_label), ("previous_", comparison_label)]:
            hidden = bool(row[f"{prefix}suppressed"])
            shown[f"People {label}"] = text(row[f"{prefix}people"], hidden, 0)
            shown[f"Mean weeks {label}"] = text(row[f"{prefix}mean_weeks"], hidden, 1)
            shown[f"Median weeks {label}"] = text(row[f"{prefix}median_weeks"], hidden, 1)
        rows.append(shown)
    return pd.DataFrame(rows)


__all__ = [
    "LED_TO_TRIAGE_DEFINITION",
    "LINK_BY_EPISODE",
    "LINK_BY_PERSON",
    "REASON_NOT_RECORDED",
    "TIME_BINS",
    "TIME_BIN_LABELS",
    "TIME_PARTS",
    "TIME_TOTAL",
    "compare",
    "comparison_columns",
    "completion_hidden_by_groups",
    "exits_by_discharge_reason",
    "hidden_group_denominators",
    "hidden_reasons_of_hidden_groups",
    "hide_time_groups",
    "hide_rows",
    "led_to_triage_flags",
    "people_referred",
    "referral_link",
    "referrals_led_to_triage",
    "small_complement",
    "split_hidden_sources",
    "target_status",
    "time_in_treatment_bins",
    "time_by_exit_group_summary",
    "time_in_treatment_summary",
    "time_summary_table",
    "year_on_year_union",
]
