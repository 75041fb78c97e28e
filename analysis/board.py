"""Board-safe figures: every measure a page shows passes through here for small-number suppression.

``suppress_comparison`` takes a year-on-year frame (``analysis.yoy.year_on_year``) and hides,
with ``analysis.suppression.apply_suppression``: counts 1 to 4 in either year and the cells
needed to protect them (secondary suppression within each group), every rate, percentage and
interval built on a hidden count, and the change, % change and significance wherever either
year is hidden. A denominator of 1 to 4 people is hidden too, and so is a single proportion
whose complement (denominator - count) is 1 to 4. ``display_table`` then turns the
frame into the strings a table or download shows, with ``*`` for every hidden value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis import suppression
from analysis.errors import InvalidValueError
from analysis.suppression import MIN_SHOWN_COUNT, SUPPRESSED, apply_suppression
from analysis.yoy import COUNT, PROPORTION, RATE, as_floats, column_arrays, frame_of, keys_of

CURRENT_DEPENDENTS = ["value", "lower", "upper"]
PREVIOUS_DEPENDENTS = ["previous_value", "previous_lower", "previous_upper"]
CHANGE_COLUMNS = ["change", "percent_change"]
#: A value and its 95% interval (``VALUE_PARTS``), and each year's flag of a hidden count (``YEAR_FLAGS``,
#: by the prefix of that year's columns).
VALUE_PARTS = ("value", "lower", "upper")
YEAR_FLAGS = {"": "suppressed", "previous_": "previous_suppressed"}
#: Flags ``suppress_comparison`` adds, in this order.
FLAGS = ["suppressed", "previous_suppressed", "change_suppressed", "denominator_suppressed",
         "previous_denominator_suppressed"]


def _small(values: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    return (numbers > 0) & (numbers < MIN_SHOWN_COUNT)


def suppress_measure(frame: pd.DataFrame, group_cols: Sequence[str] = ()) -> pd.DataFrame:
    """A measure with intervals (one year) with hidden values set to NaN and a ``suppressed`` flag."""
    out = apply_suppression(
        frame, "count", [c for c in CURRENT_DEPENDENTS if c in frame], group_cols=list(group_cols),
        placeholder=float("nan"),
    )
    if "denominator" in out:
        hide = _small(frame["denominator"]) & (frame.attrs.get("kind") != RATE)
        out["denominator"] = out["denominator"].astype("float64").mask(hide)
        out["denominator_suppressed"] = hide
    out.attrs.update(frame.attrs)
    return out


def suppress_comparison(
    frame: pd.DataFrame, group_cols: Sequence[str] = (), *, complement: bool = False
) -> pd.DataFrame:
    """A year-on-year frame with hidden values set to NaN and flags ``suppressed`` (this year),
    ``previous_suppressed`` and ``change_suppressed``; significance is blanked where the change is.

    ``complement=True`` is for proportions whose categories do not split the denominator (e.g.
    any-mention substances, where each row is a yes/no split of the same people): a row whose
    "no" side (denominator - count) is 1 to 4 is hidden too. A single proportion always gets it."""
    group_cols = list(group_cols)
    numbers = ["count", "previous_count", *CURRENT_DEPENDENTS, *PREVIOUS_DEPENDENTS, *CHANGE_COLUMNS,
               "denominator", "previous_denominator"]
    suppression.require_columns(frame, [*numbers, "significant", "direction", *group_cols])
    clashing = [flag for flag in FLAGS if flag in frame.columns]
    if clashing:
        raise InvalidValueError(f"The table already has column(s) {clashing}; rename them before suppressing.")
    # Built on arrays and put into one frame at the end (the fixed cost of every comparison on every page).
    columns = column_arrays(frame)
    values = {name: as_floats(columns[name]) for name in numbers}
    # No comparison year (analysis.yoy.no_values): the previous side has no counts at all. It
    # protects nothing and needs no protection, so it is suppressed as zeros and left missing.
    no_comparison = len(frame) > 0 and bool(np.isnan(values["previous_count"]).all())
    suppressed = _count_mask(frame, values["count"], "count", group_cols)
    if no_comparison:
        previous_suppressed = np.zeros(len(frame), bool)
        values["previous_count"] = np.zeros(len(frame))
    else:
        previous_suppressed = _count_mask(frame, values["previous_count"], "previous_count", group_cols)
    counted = dict(values)  # the counts and denominators as given, before anything is hidden
    not_rate = frame.attrs.get("kind") != RATE
    denominator_hidden = {column: _small_values(counted[column]) & not_rate
                          for column in ("denominator", "previous_denominator")}
    if frame.attrs.get("kind") == PROPORTION and (complement or not keys_of(frame)):
        # A single proportion (e.g. the completion rate) shows its count and denominator: the
        # people outside the count (denominator - count) must not be 1 to 4 either.
        suppressed = suppressed | _small_values(counted["denominator"] - counted["count"])
        previous_suppressed = previous_suppressed | _small_values(
            counted["previous_denominator"] - counted["previous_count"])
    change_suppressed = suppressed | previous_suppressed
    for column in ["count", *CURRENT_DEPENDENTS]:
        values[column] = np.where(suppressed, np.nan, values[column])
    for column in ["previous_count", *PREVIOUS_DEPENDENTS]:
        values[column] = np.where(previous_suppressed, np.nan, values[column])
    for column in CHANGE_COLUMNS:
        values[column] = np.where(change_suppressed, np.nan, values[column])
    for column, hide in denominator_hidden.items():
        values[column] = np.where(hide, np.nan, values[column])
    if no_comparison:
        values["previous_count"] = np.full(len(frame), np.nan)
        previous_suppressed = np.zeros(len(frame), bool)
        change_suppressed = suppressed
    columns.update(values)
    significant = np.array(columns["significant"], dtype=object)
    significant[change_suppressed] = None
    direction = np.array(columns["direction"], dtype=object)
    direction[change_suppressed] = SUPPRESSED
    columns.update(
        significant=significant, direction=direction,
        suppressed=suppressed, previous_suppressed=previous_suppressed, change_suppressed=change_suppressed,
        denominator_suppressed=denominator_hidden["denominator"],
        previous_denominator_suppressed=denominator_hidden["previous_denominator"],
    )
    out = frame_of(columns, frame.index)
    out.attrs.update(frame.attrs)
    return out


def _count_mask(frame: pd.DataFrame, counts: np.ndarray, column: str, group_cols: Sequence[str]) -> np.ndarray:
    """``suppression.count_mask(frame, column, group_cols)``, on the counts' float array when there are no
    groups and every count is a whole number of zero or more (else the frame's route, which names a bad count)."""
    mask = None if group_cols else suppression.whole_counts_mask(counts)
    return suppression.count_mask(frame, column, group_cols) if mask is None else mask


def hide_cells(frame: pd.DataFrame, mask: Sequence[bool] | np.ndarray | pd.Series, prefix: str = "", *,
               count: bool = True, denominator: bool = False) -> pd.DataFrame:
    """A suppressed year-on-year frame with more of one year's cells hidden where ``mask``: the
    value and its interval (and the count unless ``count=False``; the denominator when
    ``denominator=True``), the flag set, and the change, its interval and significance hidden.
    Hiding more never reveals what was hidden, so this only ever adds protection."""
    rows = np.asarray(mask, dtype=bool)
    if not rows.any():
        return frame.copy()
    # on arrays, into one frame at the end (this runs many times per page)
    columns: dict[str, object] = column_arrays(frame)

    def floats(name: str) -> np.ndarray:
        return as_floats(columns[name])

    def flags(name: str) -> np.ndarray:
        return np.asarray(columns[name], dtype=bool)

    hidden = [f"{prefix}{c}" for c in VALUE_PARTS] + ([f"{prefix}count"] if count else [])
    hidden += [f"{prefix}{c}" for c in ("all_value", "all_lower", "all_upper") if count and f"{prefix}{c}" in columns]
    for column in hidden:
        columns[column] = np.where(rows, np.nan, floats(column))
    flag = YEAR_FLAGS[prefix]
    columns[flag] = flags(flag) | rows
    if denominator:
        columns[f"{prefix}denominator"] = np.where(rows, np.nan, floats(f"{prefix}denominator"))
        columns[f"{prefix}denominator_suppressed"] = flags(f"{prefix}denominator_suppressed") | rows
    changed = flags("suppressed") | flags("previous_suppressed")
    columns["change_suppressed"] = changed
    for column in ("change", "percent_change", "change_lower", "change_upper"):
        if column in columns:
            columns[column] = np.where(changed, np.nan, floats(column))
    significant = np.array(columns["significant"], dtype=object)
    significant[changed] = None
    direction = np.array(columns["direction"], dtype=object)
    direction[changed] = SUPPRESSED
    columns["significant"] = significant
    columns["direction"] = direction
    out = frame_of(columns, frame.index)
    out.attrs.update(frame.attrs)
    return out


def _small_values(numbers: np.ndarray) -> np.ndarray:
    """Counts from 1 to 4 in a float array (missing: False)."""
    return (numbers > 0) & (numbers < MIN_SHOWN_COUNT)


def _format_number(value: object, decimals: int) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return SUPPRESSED
    return f"{float(value):,.{decimals}f}"


def display_table(
    frame: pd.DataFrame, columns: Sequence[tuple[str, str]], *, year_label: str = "", comparison_label: str = ""
) -> pd.DataFrame:
    """The table shown under a chart (and downloaded): selected ``(column, heading)`` pairs, numbers
    formatted for the measure's kind, and ``*`` for hidden values. Headings may contain ``{year}``
    and ``{comparison}``. Missing values that are not suppressed (no denominator) show as blank."""
    kind = frame.attrs.get("kind", COUNT)
    decimals = 0 if kind == COUNT else 1
    out: dict[str, list[str]] = {}  # text made value by value, into one frame (every table of every page)
    arrays = column_arrays(frame)  # each column read on its array, not as a Series per step
    for column, heading in columns:
        name = heading.format(year=year_label, comparison=comparison_label)
        if column not in arrays:
            raise KeyError(column)
        values = arrays[column]
        missing = np.asarray(pd.isna(values), dtype=bool)
        unavailable = (missing & ~_hidden_flag_array(arrays, column, len(frame))).tolist()
        items = values.tolist()
        if column in ("count", "previous_count", "denominator", "previous_denominator"):
            text = [_format_number(v, 0) for v in items]
        elif column == "significant":
            text = [SUPPRESSED if v is None else ("Yes" if v else "No") for v in items]
        elif pd.api.types.is_numeric_dtype(values.dtype):
            text = [_format_number(v, decimals) for v in items]
        elif all(type(v) is str for v, gone in zip(items, missing.tolist(), strict=True) if not gone):
            text = ["" if gone else v for v, gone in zip(items, missing.tolist(), strict=True)]  # text as it is
        else:
            series = frame[column]
            text = series.astype(object).where(series.notna(), "").astype(str).tolist()
        out[name] = ["" if gone else shown for shown, gone in zip(text, unavailable, strict=True)]
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)), dtype="str") if out else pd.DataFrame(
        index=pd.RangeIndex(len(frame)))


def _hidden_flag_array(arrays: dict[str, Any], column: str, length: int) -> np.ndarray:
    """Whether ``column``'s missing values are missing because they were suppressed (a bool per row), from
    a frame's ``column_arrays``: the previous year's flag for its columns, the change's for the change and
    its test, a denominator's own flag, else this year's (no flag: none)."""
    if column.startswith("previous_") and "previous_suppressed" in arrays:
        flags = arrays["previous_suppressed"]
    elif column in CHANGE_COLUMNS + ["significant", "direction"] and "change_suppressed" in arrays:
        flags = arrays["change_suppressed"]
    elif column in ("denominator", "previous_denominator"):
        flags = arrays.get(f"{column}_suppressed")
    else:
        flags = arrays.get("suppressed")
    return np.zeros(length, dtype=bool) if flags is None else np.asarray(flags).astype(bool)
