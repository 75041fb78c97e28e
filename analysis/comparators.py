"""Benchmarks: local values against England (its average, lowest and highest areas) and the comparator group.

Pure functions on the ``comparators`` table (``analysis.contract.COMPARATORS``) and on local values that have
already been computed and board-suppressed by the page models. Against a fixed comparator (England) a local value
is *significantly higher* or *lower* when its 95% interval excludes England's value (GLOSSARY "Significance",
as Fingertips judges it: ``stats.compare_with_baseline``), and *better* or *worse* by the indicator's polarity.

Spine chart (Fingertips style): for each indicator England's value is the centre (0) and the farther of
England's worst and best areas from it is 1 (so both fit on the bar), with the best side on the right; an
indicator with no polarity has its highest side on the right. A local value beyond the bar is drawn at its end.
"""

from __future__ import annotations

import functools
import re
import weakref
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import stats
from analysis.contract import (
    AREA_COMPARATOR_GROUP,
    AREA_ENGLAND,
    AREA_ENGLAND_HIGHEST,
    AREA_ENGLAND_LOWEST,
    AREA_PARTNERSHIP,
    AREA_REGION,
)
from analysis.periods import FinancialYear

HIGHER_IS_BETTER, LOWER_IS_BETTER = "higher is better", "lower is better"
#: Comparison with England (words of ``stats.compare_with_baseline``) and what they mean by polarity.
HIGHER, LOWER, SIMILAR = stats.SIGNIFICANTLY_HIGHER, stats.SIGNIFICANTLY_LOWER, stats.NOT_SIGNIFICANTLY_DIFFERENT
BETTER, WORSE, SAME = "Better than England", "Worse than England", "Similar to England"
HIGHER_NO_JUDGEMENT, LOWER_NO_JUDGEMENT = "Higher than England", "Lower than England"
NOT_COMPARED = "Not compared"
#: Spine positions are clipped to this, so a local value beyond England's range is drawn at the bar's end.
SPINE_LIMIT = 1.0
_PERIOD_YEAR = re.compile(r"(\d{2,4})\s*/\s*(\d{2})")


def period_end_year(period: object) -> int | None:
    """Start year of the last financial year a period names: "2024/25" -> 2024; "2021/22 - 23/24" -> 2023;
    None when it names none."""
    found = _PERIOD_YEAR.findall(str(period))
    if not found:
        return None
    year = int(found[-1][0])
    if year < 100:  # "23/24" in "2021/22 - 23/24": the century of the first year named
        first = int(found[0][0])
        year += (first // 100) * 100 if first >= 100 else 2000
    return year


def rows_for_year(comparators: pd.DataFrame | None, indicator: str, fy: FinancialYear) -> pd.DataFrame:
    """The comparator rows of ``indicator`` for the period ending in ``fy``, or else for the latest period
    ending before it (a published value lags the data; the period is shown with it). Empty when none."""
    if comparators is None or comparators.empty:
        return pd.DataFrame(columns=[] if comparators is None else comparators.columns)
    positions = _positions_for_year(comparators, indicator, fy)
    return comparators.iloc[positions] if len(positions) else comparators.iloc[0:0]


def _positions_for_year(comparators: pd.DataFrame, indicator: str, fy: FinancialYear) -> np.ndarray:
    """The positions in ``comparators`` (not empty) of the rows ``rows_for_year`` gives."""
    periods = _period_index(comparators).get(indicator)
    if periods is None:
        return np.empty(0, dtype=np.int64)
    ends, positions = periods
    usable = int(np.searchsorted(ends, fy.start_year, side="right"))  # periods ending in fy or before
    return positions[usable - 1] if usable else np.empty(0, dtype=np.int64)


@dataclass(frozen=True)
class _FrameIndex:
    """What the pages read of a comparators frame on every view, worked out once per frame: the rows of
    each indicator by period (``_period_index``) and each row's area type as compared (stripped, lower case)."""

    periods: dict[str, tuple[np.ndarray, list[np.ndarray]]]
    kinds: np.ndarray


#: ``_FrameIndex`` of each comparators frame, by ``id`` (a weak reference tells a frame from a new one
#: at the same address): pages read the rows of every indicator for a year on every view.
_INDEXES: dict[int, tuple[weakref.ref, tuple[int, tuple[object, ...]], _FrameIndex]] = {}


def _period_index(comparators: pd.DataFrame) -> dict[str, tuple[np.ndarray, list[np.ndarray]]]:
    """For each indicator (as text) of ``comparators``: the distinct end years of its periods
    (``period_end_year``, ascending) and, for each, the positions of its rows for that period as
    ``rows_for_year`` gives them (in the frame's order; of rows repeating an area code and type, the
    last given: a period can be written two ways in one file, "2021/22 - 23/24" and a later edition).
    Worked out once per frame (the data set's tables never change after loading)."""
    return _frame_index(comparators).periods


def _frame_index(comparators: pd.DataFrame) -> _FrameIndex:
    """``_FrameIndex`` of ``comparators``, worked out once per frame."""
    shape = (len(comparators), tuple(comparators.columns))
    found = _INDEXES.get(id(comparators))
    if found is not None and found[0]() is comparators and found[1] == shape:
        return found[2]
    ends = comparators["period"].map(_end_year_of_text)
    usable = np.flatnonzero(ends.notna().to_numpy(dtype=bool))
    keys = pd.DataFrame({"indicator": comparators["indicator"].astype(str).to_numpy()[usable],
                         "end": ends.to_numpy()[usable].astype(np.int64),
                         "area_code": comparators["area_code"].to_numpy()[usable],
                         "area_type": comparators["area_type"].to_numpy()[usable]})
    kept = ~keys.duplicated(keep="last").to_numpy(dtype=bool)
    names, years, positions = keys["indicator"].to_numpy()[kept], keys["end"].to_numpy()[kept], usable[kept]
    index: dict[str, tuple[np.ndarray, list[np.ndarray]]] = {}
    for name in dict.fromkeys(names):
        mine = names == name
        distinct = np.unique(years[mine])
        index[str(name)] = (distinct, [positions[mine & (years == year)] for year in distinct])
    kinds = comparators["area_type"].astype(str).str.strip().str.lower().to_numpy(dtype=object)
    made = _FrameIndex(index, kinds)
    key = id(comparators)
    _INDEXES[key] = (weakref.ref(comparators, lambda _, key=key: _INDEXES.pop(key, None)), shape, made)
    return made


@functools.lru_cache(maxsize=4096)  # a few distinct periods, read for every indicator on every page view
def _end_year_of_text(period: object) -> int | None:
    """``period_end_year``, remembered for each period."""
    return period_end_year(period)


def area_value(rows: pd.DataFrame, area_type: str) -> pd.Series | None:
    """The (first) row of ``rows`` for ``area_type``, or None."""
    found = rows[rows["area_type"].astype(str).str.strip().str.lower() == area_type.lower()]
    return None if found.empty else found.iloc[0]


def _area_values(rows: pd.DataFrame, area_types: tuple[str, ...]) -> list[pd.Series | None]:
    """``area_value`` of each of ``area_types``, the rows' area types read once."""
    kinds = rows["area_type"].astype(str).str.strip().str.lower().tolist()
    return [rows.iloc[kinds.index(t.lower())] if t.lower() in kinds else None for t in area_types]


def context_indicators(comparators: pd.DataFrame | None, registry_ids: set[str]) -> dict[str, str]:
    """Indicators of the comparators table that are not in the registry (context indicators such as hospital
    admissions), id -> name (the ``indicator_name`` given, else the id), in the order the table gives them."""
    if comparators is None or comparators.empty:
        return {}
    rows = comparators[~comparators["indicator"].astype(str).isin(registry_ids)]
    names: dict[str, str] = {}
    for row in rows.itertuples():
        name = getattr(row, "indicator_name", None)
        names.setdefault(str(row.indicator), str(name) if isinstance(name, str) and name.strip() else str(row.indicator))
    return names


def source_text(row: pd.Series) -> str:
    """A comparator row's source with its publication date where given, e.g. "OHID Fingertips, published 2025-02-04"."""
    published = row.get("published")
    source = str(row.get("source", "") or "")
    if published is None or pd.isna(published) or not str(published).strip():
        return source
    return f"{source}, published {str(published).strip()}"


def judgement(comparison: str | None, polarity: str) -> str:
    """``comparison`` with England (``HIGHER`` / ``LOWER`` / ``SIMILAR``) in words of the indicator's polarity."""
    if comparison not in (HIGHER, LOWER, SIMILAR):
        return NOT_COMPARED
    if comparison == SIMILAR:
        return SAME
    if polarity == HIGHER_IS_BETTER:
        return BETTER if comparison == HIGHER else WORSE
    if polarity == LOWER_IS_BETTER:
        return WORSE if comparison == HIGHER else BETTER
    return HIGHER_NO_JUDGEMENT if comparison == HIGHER else LOWER_NO_JUDGEMENT


def worst_and_best(lowest: float, highest: float, polarity: str) -> tuple[float, float]:
    """England's worst and best values from its lowest and highest by polarity (no polarity: lowest, highest)."""
    return (highest, lowest) if polarity == LOWER_IS_BETTER else (lowest, highest)


def spine_position(value: float, england: float, worst: float, best: float, polarity: str) -> float:
    """Where ``value`` sits on the spine: England 0, the farther of worst and best 1 (best side right;
    highest side right with no polarity), clipped to +/- ``SPINE_LIMIT``. NaN when it cannot be placed."""
    if any(pd.isna(v) for v in (value, england, worst, best)):
        return float("nan")
    spread = max(abs(worst - england), abs(best - england))
    if spread == 0:
        return 0.0
    right = -1.0 if polarity == LOWER_IS_BETTER else 1.0
    return float(np.clip(right * (value - england) / spread, -SPINE_LIMIT, SPINE_LIMIT))


def spine_table(local: pd.DataFrame, comparators: pd.DataFrame | None) -> pd.DataFrame:
    """One row per indicator of ``local`` (``indicator``, ``label``, ``unit``, ``polarity``, ``period``
    (financial year label), ``count``, ``value``, ``lower``, ``upper``, ``suppressed``, ``note``) with England's
    ``england`` value, ``england_worst``, ``england_best``, the ``comparator_period`` and ``source``,
    ``comparison`` with England (interval excludes it or not), ``judgement`` by polarity, and the spine positions
    ``position`` (local), ``worst_position`` and ``best_position`` (always -1 and 1 unless England sits at an end).
    A hidden local value (1-4, board suppression) or one with no England value is not compared."""
    usable = comparators is not None and not comparators.empty
    kinds = _frame_index(comparators).kinds if usable else np.empty(0, dtype=object)
    values = comparators["value"].to_numpy() if usable else np.empty(0)
    wanted = (AREA_ENGLAND.lower(), AREA_ENGLAND_LOWEST.lower(), AREA_ENGLAND_HIGHEST.lower())
    found = []
    for row in local.itertuples(index=False):
        positions = _positions_for_year(comparators, row.indicator, FinancialYear.from_label(row.period)) \
            if usable else np.empty(0, dtype=np.int64)
        # the first of the rows (in the frame's order) of each area type, as _area_values reads them
        of_kind = {kind: position for position, kind in zip(positions[::-1], kinds[positions][::-1], strict=True)}
        found.append([of_kind.get(kind) for kind in wanted])
    # each local interval against England's value, in one call (a hidden value, or none, is not compared)
    lower = local["lower"].to_numpy(dtype=float, na_value=np.nan) if len(local) else np.empty(0)
    upper = local["upper"].to_numpy(dtype=float, na_value=np.nan) if len(local) else np.empty(0)
    england_values = np.array([float(values[e]) if e is not None else np.nan for e, _, _ in found], dtype=float)
    compared = [not bool(r.suppressed) and not pd.isna(r.lower) and not pd.isna(e)
                for r, e in zip(local.itertuples(index=False), england_values, strict=True)]
    labels = stats.compare_with_baseline(lower, upper, england_values).tolist() if len(local) else []
    rows = []
    for row, (england, low, high), england_value, use, label in zip(
            local.itertuples(index=False), found, england_values, compared, labels, strict=True):
        england_row = comparators.iloc[england] if england is not None else None
        lowest = float(values[low]) if low is not None else np.nan
        highest = float(values[high]) if high is not None else np.nan
        worst, best = worst_and_best(lowest, highest, row.polarity)
        comparison = label if use else None
        rows.append({
            "indicator": row.indicator, "label": row.label, "unit": row.unit, "polarity": row.polarity,
            "period": row.period, "count": row.count, "value": row.value, "lower": row.lower, "upper": row.upper,
            "suppressed": bool(row.suppressed), "note": row.note,
            "england": england_value, "england_worst": worst, "england_best": best,
            "comparator_period": "" if england_row is None else str(england_row["period"]),
            "source": "" if england_row is None else source_text(england_row),
            "comparison": comparison or NOT_COMPARED, "judgement": judgement(comparison, row.polarity),
            "position": np.nan if row.suppressed else spine_position(row.value, england_value, worst, best,
                                                                     row.polarity),
            "worst_position": spine_position(worst, england_value, worst, best, row.polarity),
            "best_position": spine_position(best, england_value, worst, best, row.polarity),
        })
    return pd.DataFrame(rows)


def compare_areas(comparators: pd.DataFrame | None, indicator: str, fy: FinancialYear,
                  local: Mapping[str, object] | None, local_name: str) -> pd.DataFrame:
    """The partnership among its comparator group (and region) for ``indicator``: one row per area with
    ``area_name``, ``area_type``, ``value``, ``lower``, ``upper``, ``period``, ``source`` and ``is_local``,
    ordered by value (lowest first), plus England's value in ``attrs["england"]``. ``local`` is the
    partnership's own value (``value``, ``lower``, ``upper``, ``period``, ``suppressed``; a hidden one is left
    out of the ranking and ``attrs["local_hidden"]`` says so); without it the table's partnership row is used
    (context indicators)."""
    found = rows_for_year(comparators, indicator, fy)
    kinds = found["area_type"].astype(str).str.strip().str.lower() if len(found) else pd.Series(dtype=str)
    others = found[kinds.isin([AREA_COMPARATOR_GROUP.lower(), AREA_REGION.lower()])] if len(found) else found
    frame = pd.DataFrame({
        "area_name": others.get("area_name", pd.Series(dtype=str)).astype(str).to_numpy(),
        "area_type": others.get("area_type", pd.Series(dtype=str)).astype(str).to_numpy(),
        "value": pd.to_numeric(others.get("value"), errors="coerce").to_numpy() if len(others) else [],
        "lower": pd.to_numeric(others.get("lower"), errors="coerce").to_numpy() if len(others) else [],
        "upper": pd.to_numeric(others.get("upper"), errors="coerce").to_numpy() if len(others) else [],
        "period": others.get("period", pd.Series(dtype=str)).astype(str).to_numpy(),
        "source": [source_text(r) for _, r in others.iterrows()],
    })
    frame["is_local"] = False
    hidden = False
    if local is None:
        own = area_value(found, AREA_PARTNERSHIP) if len(found) else None
        if own is not None:
            local = {"value": own["value"], "lower": own["lower"], "upper": own["upper"], "period": own["period"],
                     "suppressed": False, "source": source_text(own)}
    if local is not None:
        hidden = bool(local.get("suppressed"))
        if not hidden and not pd.isna(local.get("value")):
            mine = pd.DataFrame([{"area_name": local_name, "area_type": AREA_PARTNERSHIP,
                                  "value": float(local["value"]), "lower": float(local["lower"]),
                                  "upper": float(local["upper"]), "period": str(local.get("period", "")),
                                  "source": str(local.get("source", "Local records (this dashboard)")),
                                  "is_local": True}])
            frame = pd.concat([frame, mine], ignore_index=True) if len(frame) else mine
    frame = frame.sort_values(["value", "area_name"], kind="stable", na_position="first").reset_index(drop=True)
    england = area_value(found, AREA_ENGLAND) if len(found) else None
    frame.attrs.update(england=float(england["value"]) if england is not None else float("nan"),
                       england_period=str(england["period"]) if england is not None else "",
                       local_hidden=hidden)
    return frame


__all__ = ["BETTER", "HIGHER", "LOWER", "NOT_COMPARED", "SAME", "SIMILAR", "WORSE", "area_value", "compare_areas",
           "context_indicators", "judgement", "period_end_year", "rows_for_year", "spine_position", "spine_table",
           "worst_and_best"]
