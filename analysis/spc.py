"""Statistical process control (SPC): XmR charts with NHS England's "Making Data Count" rules.

The one place the product computes SPC. Method (GLOSSARY "SPC (XmR) chart"), as NHS England's
Making Data Count programme defines it and the NHS-R Community's R package NHSRplotthedots
(v0.2.2) implements it; the tests check this module against that package's own tests and
snapshots (tests/test_spc.py), the code here is written from the definitions:

* **Periods.** The series is split where it is rebased (``rebase_at``); each period has its own
  mean and limits, and every rule is judged within a period.
* **Limits.** mean +/- 2.66 x the average moving range (the mean absolute difference between
  consecutive points). With ``fix_after_n_points`` = n, the mean and moving ranges come from
  the period's first n points only. With ``screen_outliers``, moving ranges of 3.267 x the average
  or more are dropped once and the average recomputed (3.267 is the upper range limit, D4, for
  ranges of two points). Points between 2/3 of the way to a limit and the limit are "close".
* **Special cause rules**, in this order of precedence for the label a point gets:
  1. a point above the upper or below the lower process limit ("Above UCL", "Below LCL");
  2. 7 points in a row each higher (or each lower) than the one before, whichever side of the
     mean they are ("7 Point Trend (Increasing)" / "(Decreasing)");
  3. 2 of 3 consecutive points close to a limit, all three on the same side of the mean
     ("2 in 3 Above CL" / "2 in 3 Below CL"; only the close points are flagged);
  4. 7 points in a row on the same side of the mean, a point on the mean breaking the run
     ("7 Points Above CL" / "7 Points Below CL").
  Otherwise "Common Cause".
* **Point type.** A label naming "Above" or "Increasing" is a high signal, "Below" or
  "Decreasing" a low one; it is an improvement or a concern by the indicator's better direction
  (``improvement``), or "neutral high/low" when no direction is better.
* **Assurance** against a target (``assurance``): the target outside the latest period's limits
  on the side that passes is "consistent_pass", on the side that fails "consistent_fail";
  between the limits "inconsistent"; no target or no better direction: no assurance.
* Fewer than ``SHORT_SERIES_POINTS`` points in a period: the limits are trial limits
  (``short_periods``).

References: NHS England, *Making Data Count* (2019, 2021), "Plot the dots" rules;
NHSRplotthedots v0.2.2 (github.com/nhs-r-community/NHSRplotthedots, MIT licence).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

#: Process limits are this many average moving ranges from the mean (3 / d2, d2 = 1.128).
LIMIT_MULTIPLIER = 2.66
#: "Close to a limit": beyond two thirds of the distance from the mean to the limit.
CLOSE_MULTIPLIER = 2 * LIMIT_MULTIPLIER / 3
#: A moving range this many times the average or more is screened out once (D4 for n = 2).
OUTLIER_RANGE_MULTIPLIER = 3.267
#: Run length of the trend and shift rules.
RUN_LENGTH = 7
#: A period with fewer points than this has trial limits (NHSRplotthedots warns under 12).
SHORT_SERIES_POINTS = 12

IMPROVEMENT_DIRECTIONS = ("increase", "decrease", "neutral")

ABOVE_UCL = "Above UCL"
BELOW_LCL = "Below LCL"
TREND_UP = "7 Point Trend (Increasing)"
TREND_DOWN = "7 Point Trend (Decreasing)"
TWO_IN_THREE_ABOVE = "2 in 3 Above CL"
TWO_IN_THREE_BELOW = "2 in 3 Below CL"
SHIFT_ABOVE = "7 Points Above CL"
SHIFT_BELOW = "7 Points Below CL"
COMMON_CAUSE_LABEL = "Common Cause"

COMMON_CAUSE = "common_cause"
IMPROVEMENT = "special_cause_improvement"
CONCERN = "special_cause_concern"
NEUTRAL_HIGH = "special_cause_neutral_high"
NEUTRAL_LOW = "special_cause_neutral_low"
POINT_TYPES = (COMMON_CAUSE, IMPROVEMENT, CONCERN, NEUTRAL_HIGH, NEUTRAL_LOW)

CONSISTENT_PASS = "consistent_pass"
CONSISTENT_FAIL = "consistent_fail"
INCONSISTENT = "inconsistent"

#: The words a board reads for each point type (Making Data Count's variation icons).
VARIATION_WORDS = {
    COMMON_CAUSE: "Common cause variation",
    IMPROVEMENT: "Special cause: improvement",
    CONCERN: "Special cause: concern",
    NEUTRAL_HIGH: "Special cause: neutral (higher)",
    NEUTRAL_LOW: "Special cause: neutral (lower)",
}
#: The words for each assurance result (Making Data Count's assurance icons).
ASSURANCE_WORDS = {
    CONSISTENT_PASS: "Assurance: consistently meets the target",
    CONSISTENT_FAIL: "Assurance: consistently misses the target",
    INCONSISTENT: "Assurance: may meet or miss the target (the target is inside the process limits)",
}

COLUMNS = ["value", "period", "mean", "lpl", "upl", "relative_to_mean", "outside_limits", "close_to_limits",
           "special_cause", "point_type"]


def _check(values: Sequence[float], improvement: str, fix_after_n_points: int | None) -> np.ndarray:
    if improvement not in IMPROVEMENT_DIRECTIONS:
        raise ValueError(f"improvement must be one of {', '.join(IMPROVEMENT_DIRECTIONS)}, not {improvement!r}")
    if fix_after_n_points is not None and fix_after_n_points < 2:
        raise ValueError(f"fix_after_n_points must be at least 2 (two points give one moving range), "
                         f"not {fix_after_n_points}")
    y = np.asarray(pd.to_numeric(pd.Series(values, dtype="object"), errors="coerce"), dtype="float64")
    if np.isnan(y).any():
        position = int(np.flatnonzero(np.isnan(y))[0])
        raise ValueError(f"every value must be a number: position {position} is missing or not a number")
    return y


def _period_starts(values: pd.Series | Sequence[float], rebase_at: Sequence[object], n: int) -> list[int]:
    """Positions where a period starts (always 0). ``rebase_at`` holds positions, or, when
    ``values`` is a Series, labels of its index (e.g. months); a label not in the index is ignored,
    as NHSRplotthedots ignores a rebase date that is not one of the series' dates."""
    starts = {0}
    index = values.index if isinstance(values, pd.Series) else None
    for item in rebase_at:
        if index is not None and not isinstance(index, pd.RangeIndex):
            if item in index:
                starts.add(int(index.get_loc(item)))
            continue
        position = int(item)  # type: ignore[call-overload]
        if not 0 <= position < n:
            raise ValueError(f"rebase position {position} is outside the series of {n} points")
        starts.add(position)
    return sorted(starts)


def limits(y: np.ndarray, *, screen_outliers: bool = True, fix_after_n_points: int | None = None
           ) -> tuple[float, float]:
    """(mean, average moving range) of one period's values (see the module docstring)."""
    base = y[:fix_after_n_points] if fix_after_n_points else y
    mean = float(base.mean())
    ranges = np.abs(np.diff(base))
    if len(ranges) == 0:
        return mean, float("nan")
    average = float(ranges.mean())
    if screen_outliers:
        kept = ranges[ranges < OUTLIER_RANGE_MULTIPLIER * average]
        average = float(kept.mean()) if len(kept) else float("nan")
    return mean, average


def seven_on_one_side(relative_to_mean: Sequence[int]) -> np.ndarray:
    """1 at each point that ends a run of 7 on the same side of the mean (a 0 breaks a run)."""
    side = np.asarray(relative_to_mean, dtype="float64")
    out = np.zeros(len(side))
    for i in range(RUN_LENGTH - 1, len(side)):
        window = side[i - RUN_LENGTH + 1: i + 1]
        out[i] = float(side[i] != 0 and bool(np.all(window == side[i])))
    return out


def seven_point_trend(y: Sequence[float]) -> np.ndarray:
    """1 (or -1) at each point that ends 7 points each higher (lower) than the one before."""
    y = np.asarray(y, dtype="float64")
    out = np.zeros(len(y))
    for i in range(RUN_LENGTH - 1, len(y)):
        steps = np.sign(np.diff(y[i - RUN_LENGTH + 1: i + 1]))
        if np.all(steps == 1):
            out[i] = 1
        elif np.all(steps == -1):
            out[i] = -1
    return out


def part_of_run(ends: Sequence[float]) -> np.ndarray:
    """1 at every point of a run of 7 whose last points are marked non-zero in ``ends``."""
    ends = np.abs(np.asarray(ends, dtype="float64")) == 1
    out = np.zeros(len(ends))
    for i in range(len(ends)):
        out[i] = float(ends[i: i + RUN_LENGTH].any())
    return out


def two_in_three(close: Sequence[float], relative_to_mean: Sequence[int]) -> np.ndarray:
    """1 at each point inside some 3 consecutive points of which 2 or more are close to a limit
    and all 3 are on the same side of the mean."""
    close = np.asarray(close, dtype="float64")
    side = np.asarray(relative_to_mean, dtype="float64")
    n = len(close)
    out = np.zeros(n)
    for start in range(n - 2):
        window = slice(start, start + 3)
        if close[window].sum() >= 2 and abs(side[window].sum()) == 3:
            out[window] = 1
    return out


def part_of_two_in_three(flags: Sequence[float], close: Sequence[float]) -> np.ndarray:
    """Only the close points of a 2-in-3 group are special cause."""
    return ((np.asarray(flags) == 1) & (np.abs(np.asarray(close, dtype="float64")) == 1)).astype("float64")


def special_cause_labels(y: Sequence[float], relative_to_mean: Sequence[int], *, outside: Sequence[float],
                         trend: Sequence[float], two_of_three: Sequence[float], shift: Sequence[float]) -> list[str]:
    """Each point's rule label, given which points are outside the limits and part of a trend,
    a 2-in-3 group or a shift, in the module's order of precedence. A trend point's direction is
    the step to the next point when that point is in the trend too, else the step from the last."""
    y = np.asarray(y, dtype="float64")
    steps = np.sign(np.diff(y))
    labels = []
    for i in range(len(y)):
        above = relative_to_mean[i] > 0
        if outside[i] != 0:
            labels.append(ABOVE_UCL if relative_to_mean[i] == 1 else BELOW_LCL)
        elif trend[i] != 0:
            next_in_trend = i + 1 < len(y) and trend[i + 1] != 0
            if next_in_trend:
                step = steps[i]
            else:
                step = steps[i - 1] if i > 0 else 0
            labels.append(TREND_UP if step == 1 else TREND_DOWN)
        elif two_of_three[i] != 0:
            labels.append(TWO_IN_THREE_ABOVE if above else TWO_IN_THREE_BELOW)
        elif shift[i] != 0:
            labels.append(SHIFT_ABOVE if above else SHIFT_BELOW)
        else:
            labels.append(COMMON_CAUSE_LABEL)
    return labels


def point_type(label: str, improvement: str) -> str:
    """The point's type from its rule label and the indicator's better direction."""
    high = ("Above" in label) or ("Increasing" in label)
    low = ("Below" in label) or ("Decreasing" in label)
    if not (high or low):
        return COMMON_CAUSE
    if improvement == "neutral":
        return NEUTRAL_HIGH if high else NEUTRAL_LOW
    better_high = improvement == "increase"
    return IMPROVEMENT if high == better_high else CONCERN


def xmr(
    values: pd.Series | Sequence[float],
    *,
    improvement: str = "increase",
    screen_outliers: bool = True,
    fix_after_n_points: int | None = None,
    rebase_at: Sequence[object] = (),
) -> pd.DataFrame:
    """An XmR chart of ``values`` (in time order) with Making Data Count's special-cause rules.

    Returns one row per point, in input order (with the Series' index when ``values`` is one):
    ``value``, ``period`` (0, 1, ... from each rebase), ``mean``, ``lpl`` and ``upl`` (lower and
    upper process limits), ``relative_to_mean`` (-1, 0, 1), ``outside_limits``,
    ``close_to_limits``, ``special_cause`` (the rule's label) and ``point_type``. ``rebase_at``:
    positions where a new period starts, or index labels when ``values`` is a Series with a
    non-default index (labels not in it are ignored). Definitions: the module docstring.
    A period of one point has no moving range: its limits are missing and no point is special."""
    y = _check(values, improvement, fix_after_n_points)
    n = len(y)
    index = values.index if isinstance(values, pd.Series) else pd.RangeIndex(n)
    if n == 0:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS}, index=index)
    starts = _period_starts(values, rebase_at, n) + [n]
    parts = []
    for number, (start, end) in enumerate(zip(starts[:-1], starts[1:], strict=True)):
        parts.append(_period(y[start:end], number, improvement, screen_outliers, fix_after_n_points))
    out = pd.concat(parts, ignore_index=True)
    out.index = index
    return out[COLUMNS]


def _period(y: np.ndarray, number: int, improvement: str, screen_outliers: bool,
            fix_after_n_points: int | None) -> pd.DataFrame:
    mean, average_range = limits(y, screen_outliers=screen_outliers, fix_after_n_points=fix_after_n_points)
    lpl, upl = mean - LIMIT_MULTIPLIER * average_range, mean + LIMIT_MULTIPLIER * average_range
    near_low, near_high = mean - CLOSE_MULTIPLIER * average_range, mean + CLOSE_MULTIPLIER * average_range
    relative = np.sign(y - mean).astype(int)
    outside = (y > upl) | (y < lpl)
    close = ~outside & ((y < near_low) | (y > near_high))
    trend = part_of_run(seven_point_trend(y))
    two = part_of_two_in_three(two_in_three(close, relative), close)
    shift = part_of_run(seven_on_one_side(relative))
    labels = special_cause_labels(y, relative, outside=outside.astype(float), trend=trend, two_of_three=two,
                                  shift=shift)
    return pd.DataFrame({
        "value": y, "period": number, "mean": mean, "lpl": lpl, "upl": upl, "relative_to_mean": relative,
        "outside_limits": outside, "close_to_limits": close, "special_cause": labels,
        "point_type": [point_type(label, improvement) for label in labels],
    })


def assurance(lpl: float, upl: float, target: float | None, improvement: str) -> str | None:
    """Whether the process will meet ``target``: "consistent_pass" when the target lies beyond the
    limits on the failing side (every expected value passes), "consistent_fail" beyond them on the
    passing side, "inconsistent" between them (inclusive); None with no target or when neither
    direction is better. Use the latest period's limits."""
    if improvement not in IMPROVEMENT_DIRECTIONS:
        raise ValueError(f"improvement must be one of {', '.join(IMPROVEMENT_DIRECTIONS)}, not {improvement!r}")
    if target is None or (isinstance(target, float) and np.isnan(target)) or improvement == "neutral":
        return None
    increasing = improvement == "increase"
    if target > upl:
        return CONSISTENT_FAIL if increasing else CONSISTENT_PASS
    if target < lpl:
        return CONSISTENT_PASS if increasing else CONSISTENT_FAIL
    return INCONSISTENT


def short_periods(chart: pd.DataFrame) -> list[int]:
    """Periods (numbers) of an ``xmr`` result with fewer than ``SHORT_SERIES_POINTS`` points."""
    sizes = chart.groupby("period").size()
    return [int(p) for p, size in sizes.items() if size < SHORT_SERIES_POINTS]


def variation(chart: pd.DataFrame) -> str:
    """The chart's variation icon: the latest point's type (Making Data Count), or common cause."""
    return str(chart["point_type"].iloc[-1]) if len(chart) else COMMON_CAUSE


__all__ = ["assurance", "short_periods", "variation", "xmr"]
