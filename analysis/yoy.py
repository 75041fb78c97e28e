"""Year-on-year comparison: the one place where a figure meets its previous-year value.

A *measure* is a frame with key columns plus ``count`` and ``denominator`` and, in its
``attrs``, ``kind`` (``"count"``, ``"rate"`` or ``"proportion"``) and ``per`` (1,000 for rates,
100 for percentages). :func:`with_intervals` turns counts into values with 95% intervals;
:func:`year_on_year` puts two years side by side with the change and its significance.
Every page gets its comparisons from here; none computes its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis import stats
from analysis.periods import Comparison, FinancialYear

COUNT, RATE, PROPORTION = "count", "rate", "proportion"
#: Words used for the direction of a significant change.
HIGHER, LOWER, NO_CHANGE = "Significantly higher", "Significantly lower", "Not significantly different"
#: Direction (and test) when there is no comparison year.
NOT_COMPARED = "No comparison year"

VALUE_COLUMNS = ["count", "denominator", "value", "lower", "upper"]
#: Columns ``year_on_year`` adds besides the previous year's values.
COMPARISON_COLUMNS = ["change", "percent_change", "significant", "test", "direction"]


def measure(
    frame: pd.DataFrame, kind: str, per: float | None = None, label: str = ""
) -> pd.DataFrame:
    """Declare ``frame`` (keys + ``count`` + ``denominator``) a measure of ``kind`` per ``per``."""
    if kind not in (COUNT, RATE, PROPORTION):
        raise ValueError(f"kind must be count, rate or proportion, not {kind!r}")
    out = frame.copy(deep=False)  # copy-on-write: the caller's frame is never written to
    if "denominator" not in out:
        out["denominator"] = np.nan
    out.attrs.update(kind=kind, per=per or {COUNT: 1, RATE: 1000, PROPORTION: 100}[kind], label=label)
    return out


def keys_of(frame: pd.DataFrame) -> list[str]:
    """The key columns of a measure frame (everything that is not a value column)."""
    return [c for c in frame.columns if c not in VALUE_COLUMNS + COMPARISON_COLUMNS
            and not c.startswith("previous_") and not c.endswith("suppressed")]


def column_arrays(frame: pd.DataFrame) -> dict[str, Any]:
    """Each column of ``frame`` as its array (numpy or pandas extension array), by name, without
    making a Series per column: comparisons and suppression run this for every figure on every page.
    The arrays are the frame's own (read them, do not write to them). A name given twice maps to its
    first column."""
    get = getattr(frame, "_get_column_array", None)  # pandas' own accessor; the public route as fallback
    if get is None:
        def get(i: int) -> Any:
            return frame.iloc[:, i].array
    arrays: dict[str, Any] = {}
    for i, name in enumerate(frame.columns):
        if name not in arrays:
            arrays[name] = get(i)
    return arrays


def frame_of(columns: dict[str, Any], index: pd.Index) -> pd.DataFrame:
    """One frame of ``columns``: numpy arrays or pandas arrays (or Series, by their values), each of
    ``len(index)`` and each copied in. Made without pandas' inference of types, which is most of the
    cost of building the small frames every comparison on every page makes: numbers and flags keep
    their numpy type, an object array stays object, and text must come as a pandas array (e.g.
    ``pd.array(values, dtype="str")``; a numpy text array is refused). ``tests/test_yoy.py`` holds
    it equal to ``pandas.DataFrame(columns, index=index)`` for the types used."""
    arrays = []
    for name, values in columns.items():
        values = values.array if isinstance(values, pd.Series) else values
        if isinstance(values, np.ndarray) and values.dtype.kind in "US":
            raise TypeError(f"Column {name!r} is numpy text; give it as a pandas array of text.")
        arrays.append(values.copy())
    return pd.DataFrame._from_arrays(arrays, columns=pd.Index(list(columns)), index=index, verify_integrity=False)


def as_floats(values: Any) -> np.ndarray:
    """A numeric column (array or Series) as float64, missing values as NaN."""
    if isinstance(values, np.ndarray):
        if values.dtype.kind in "biuf":
            return values.astype("float64", copy=False)
        values = pd.Series(values)  # objects: missing values (None, pd.NA) as NaN
    return values.to_numpy(dtype="float64", na_value=np.nan)


def _interval_arrays(count: np.ndarray, denominator: np.ndarray, kind: str, per: float, index: pd.Index
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``value``, ``lower`` and ``upper`` of counts and denominators (float arrays) of a measure of
    ``kind`` per ``per`` (``with_intervals``); ``index`` names rows in errors."""
    if kind == COUNT:
        return stats.rate_limits(count, np.ones(len(count)), index, per=1.0)
    usable = ~np.isnan(denominator) & (denominator > 0)
    safe_den = np.where(usable, denominator, np.nan)
    safe_count = np.where(usable, count, np.nan)
    if kind == RATE:
        return stats.rate_limits(safe_count, safe_den, index, per=per)
    return stats.proportion_limits(safe_count, safe_den, index, per=per)


def _intervals(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``value``, ``lower`` and ``upper`` of a measure frame as arrays (``with_intervals``)."""
    count = as_floats(frame["count"])
    denominator = as_floats(frame["denominator"]) if frame.attrs["kind"] != COUNT else count
    return _interval_arrays(count, denominator, frame.attrs["kind"], frame.attrs["per"], frame.index)


def with_intervals(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``value``, ``lower`` and ``upper`` (95%) to a measure frame.

    Counts: the count with exact Poisson / Byar limits; rates: count / denominator x per with
    the same limits (PHE ``phe_rate``); proportions: Wilson score interval (PHE ``phe_proportion``).
    Rows without a usable denominator (missing, or zero) get missing values."""
    value, lower, upper = _intervals(frame)
    out = frame.copy()
    out["value"], out["lower"], out["upper"] = value, lower, upper
    out.attrs.update(frame.attrs)
    return out


def _on_keys(frame: pd.DataFrame, order: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``frame`` with one row per key in ``order``: a category it lacks gets count 0 and, when the
    frame has one denominator for every row, that denominator."""
    def index_of(table: pd.DataFrame) -> pd.Index:
        return pd.MultiIndex.from_frame(table[keys]) if len(keys) > 1 else pd.Index(table[keys[0]])

    if len(frame) == len(order) and all(_same(frame[key], order[key]) for key in keys):
        out = frame[keys + ["count", "denominator"]].reset_index(drop=True)  # already in that order
        out.attrs.update(frame.attrs)
        return out
    found = index_of(frame)
    if not found.is_unique:  # a key given twice: the join repeats the order's row, as a merge does
        return _on_keys_merged(frame, order, keys)
    positions = found.get_indexer(index_of(order))
    added = positions < 0
    out = order[keys].reset_index(drop=True)
    for column in ("count", "denominator"):
        values = frame[column]
        if added.any():
            known = values.to_numpy(dtype="float64", na_value=np.nan)
            # a year with no rows at all (e.g. a check that found nothing) has nothing to take
            taken = known[np.where(added, 0, positions)] if len(known) else np.full(len(positions), np.nan)
            out[column] = np.where(added, np.nan, taken)
        else:
            out[column] = values.take(positions).reset_index(drop=True)
    return _fill_added(out, added, frame)


def _fill_added(out: pd.DataFrame, added: np.ndarray, frame: pd.DataFrame) -> pd.DataFrame:
    """``out`` (``frame`` on the comparison's keys) with count 0 on the ``added`` rows and, when
    ``frame`` has one denominator for every row, that denominator."""
    if added.any():
        out.loc[added, "count"] = 0
        shared = frame["denominator"].dropna().unique()
        if len(shared) == 1:
            out.loc[added, "denominator"] = shared[0]
    out.attrs.update(frame.attrs)
    return out


def _same(left: pd.Series, right: pd.Series) -> bool:
    """The same values in the same order (missing values in the same places)."""
    a, b = left.to_numpy(dtype=object), right.to_numpy(dtype=object)
    return bool((pd.isna(a) == pd.isna(b)).all() and (a[~pd.isna(a)] == b[~pd.isna(b)]).all())


def same_keys(current: pd.DataFrame, previous: pd.DataFrame, keys: Sequence[str]) -> bool:
    """Both years have the same keys in the same order (the usual case: nothing to join)."""
    if len(current) != len(previous):
        return False
    for key in keys:
        left, right = current[key], previous[key]
        same = left.array.equals(right.array) if left.dtype == right.dtype else _same(left, right)
        if not same:
            return False
    return True


def _on_keys_merged(frame: pd.DataFrame, order: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``_on_keys`` by a merge, for a frame whose keys repeat."""
    out = order.merge(frame[keys + ["count", "denominator"]], on=keys, how="left", indicator="_found")
    added = (out.pop("_found") == "left_only").to_numpy()
    return _fill_added(out, added, frame)


def year_on_year(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """Join a measure for the selected year with the same measure for the comparison year.

    Returns the keys (this year's categories in order, then any found only last year), the
    current ``count``/``denominator``/``value``/``lower``/``upper``, the same with a
    ``previous_`` prefix, ``change`` (value difference), ``percent_change`` (change / previous
    value x 100), ``significant`` (bool), ``direction`` and ``test``: counts and rates use the
    exact conditional (binomial) test of the ratio of the two Poisson rates; proportions use
    Newcombe's hybrid score interval for the difference (method 10). The change is significant
    when that 95% interval excludes no change."""
    kind = current.attrs["kind"]
    if previous.attrs.get("kind") != kind:
        previous = measure(previous, kind, current.attrs["per"])
    keys = keys_of(current)
    if keys and not same_keys(current, previous, keys):
        order = pd.concat([current[keys], previous[keys]], ignore_index=True).drop_duplicates(ignore_index=True)
        current, previous = _on_keys(current, order, keys), _on_keys(previous, order, keys)
    # built on arrays into one frame (the fixed cost of every comparison on every page)
    kind, per = current.attrs["kind"], current.attrs["per"]
    source = column_arrays(current)
    if keys:  # the keys in the comparison's order, then the counts (as ``_on_keys`` gives them)
        source = {c: source[c] for c in keys + ["count", "denominator"]}
    errors_index = pd.RangeIndex(len(current)) if keys else current.index
    count, denominator = as_floats(source["count"]), as_floats(source["denominator"])
    previous_arrays = column_arrays(previous)  # read once, as arrays (not a Series per column)
    previous_count = as_floats(previous_arrays["count"])
    previous_denominator = as_floats(previous_arrays["denominator"])
    value, lower, upper = _interval_arrays(count, denominator, kind, per, errors_index)
    previous_value, previous_lower, previous_upper = _interval_arrays(
        previous_count, previous_denominator, kind, per, pd.RangeIndex(len(previous)) if keys else previous.index)
    columns: dict[str, Any] = dict(source)
    columns.update(value=value, lower=lower, upper=upper)
    columns.update(previous_count=previous_arrays["count"], previous_denominator=previous_arrays["denominator"])
    change = value - previous_value
    with np.errstate(divide="ignore", invalid="ignore"):
        percent_change = np.where(previous_value > 0, change / previous_value * 100, np.nan)
    columns.update(previous_value=previous_value, previous_lower=previous_lower, previous_upper=previous_upper,
                   change=change, percent_change=percent_change)
    index = pd.RangeIndex(len(value))
    significant, method = _significance(columns, kind, index)
    direction = np.select([significant & (change > 0), significant & (change < 0)], [HIGHER, LOWER], default=NO_CHANGE)
    columns.update(significant=np.asarray(significant, dtype=bool), test=pd.array([method] * len(value), dtype="str"),
                   direction=pd.array(direction.astype(object), dtype="str"))
    merged = frame_of(columns, index)
    merged.attrs.update(current.attrs)
    return merged


def _significance(columns: dict[str, Any], kind: str, index: pd.Index) -> tuple[np.ndarray, str]:
    """Two-period test per row (significant, as bools) and its method; rows whose inputs are
    missing, or whose denominator is zero or missing, get no test and are not significant."""
    def floats(name: str) -> np.ndarray:
        return as_floats(columns[name])

    def usable(denominator: np.ndarray) -> np.ndarray:
        return np.where(denominator > 0, denominator, np.nan)

    count, previous_count = floats("count"), floats("previous_count")
    if kind == COUNT:
        now = before = np.ones(len(index))
    else:
        now, before = usable(floats("denominator")), usable(floats("previous_denominator"))
    count = np.where(np.isnan(now), np.nan, count)
    previous_count = np.where(np.isnan(before), np.nan, previous_count)
    if kind == PROPORTION:
        *_, significant = stats.proportion_difference_limits(count, now, previous_count, before, index)
        return significant, stats.METHOD_NEWCOMBE
    *_, significant = stats.rate_ratio_limits(count, now, previous_count, before, index)
    return significant, stats.METHOD_RATE_RATIO


def evaluate(measure_function: Callable[..., pd.DataFrame], fy: FinancialYear, *args: Any, **kwargs: Any) -> pd.DataFrame:
    """``measure_function(*args, fy=fy, **kwargs)``, remembered by the data set (the first
    argument, when it has ``remember``) so each measure, year and selection is computed once."""
    data = args[0] if args else None
    remember = getattr(data, "remember", None)
    key = (measure_function.__module__, measure_function.__qualname__, fy, args[1:], tuple(sorted(kwargs.items())))
    try:
        hash(key)
    except TypeError:
        remember = None
    if remember is None:
        return measure_function(*args, fy=fy, **kwargs)
    result = remember(key, lambda: measure_function(*args, fy=fy, **kwargs))
    return result


def no_values(frame: pd.DataFrame) -> pd.DataFrame:
    """The same rows as a measure frame with no count or denominator: the comparison-year side
    when there is no comparison year (``analysis.periods.NO_COMPARISON``), so every previous
    value, change and test comes out missing and not significant."""
    out = frame.copy()
    out["count"] = np.nan
    out["denominator"] = np.nan
    out.attrs.update(frame.attrs)
    return out


def without_comparison(current: pd.DataFrame) -> pd.DataFrame:
    """``year_on_year`` of a measure with nothing: the selected year's values and intervals, and
    missing previous values, change and test (direction ``NOT_COMPARED``)."""
    out = year_on_year(current, no_values(current))
    out["test"] = NOT_COMPARED
    out["direction"] = NOT_COMPARED
    return out


def compare_years(
    measure_function: Callable[..., pd.DataFrame],
    fy: FinancialYear,
    comparison_fy: Comparison,
    *args: Any,
    **kwargs: Any,
) -> pd.DataFrame:
    """Run ``measure_function(*args, fy=..., **kwargs)`` for both years and compare them. With no
    comparison year (``NO_COMPARISON``) the previous values, change and test are missing."""
    current = evaluate(measure_function, fy, *args, **kwargs)
    if not isinstance(comparison_fy, FinancialYear):
        return without_comparison(current)
    previous = evaluate(measure_function, comparison_fy, *args, **kwargs)
    return year_on_year(current, previous)


def trend(
    measure_function: Callable[..., pd.DataFrame],
    years: Sequence[FinancialYear],
    *args: Any,
    **kwargs: Any,
) -> pd.DataFrame:
    """The measure for every year in ``years``, with intervals, and a ``year`` label column."""
    frames = []
    for fy in years:
        result = with_intervals(evaluate(measure_function, fy, *args, **kwargs))
        frames.append(result.assign(year=fy.label))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if frames:
        out.attrs.update(frames[0].attrs)
    return out
