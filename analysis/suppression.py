"""Small-number suppression: which counts, totals and figures built on them are shown as ``*``.

Definition (GLOSSARY, "Small-number suppression"): counts 1 to 4 are shown as ``*`` in
anything a board may see (charts, tables, maps, downloads, packs); so is any other cell from
which a suppressed count could be worked out (secondary suppression); rates and percentages
built on suppressed counts are suppressed too. Zero is shown as 0.

Method. A table of counts is treated together with the totals published beside it: the
"augmented" table of interior cells, row totals, column totals and the grand total. Every
published total gives one linear relation (a *line*: the cells of a row, or a column, add up
to its total). Suppression runs in three steps:

1. **Primary**: every count (interior or total) from 1 to 4 is suppressed.
2. **Secondary, line rule** (repeated until stable): any line holding exactly one suppressed
   cell gets a second one: the smallest other non-zero cell of the line; failing that a zero
   (only one that is not already given away by a zero total across it); failing that the
   line's total. Ties go to the first cell in table order, so the result is deterministic.
3. **Audit**: the line rule is necessary but not sufficient (a suppressed cell bridging two
   otherwise separate groups of suppressed cells can still be solved for). Each suppressed
   non-zero cell is therefore checked by linear programming: its smallest and largest
   possible values are found, given every visible cell, every visible total and that counts
   are never negative (``scipy.optimize.linprog``, HiGHS). A cell whose smallest and largest
   values agree could be worked out: one more cell is suppressed beside it and steps 2-3 are
   repeated. Each round suppresses at least one more cell, so this ends.

A suppressed cell that is in truth 0 may still be deducible as 0; that discloses nothing,
since zeros are shown anyway. The audit guarantees that no suppressed non-zero count can be
recovered exactly; it does not impose a minimum width on the range a reader can infer.
This is the cell-suppression approach of statistical disclosure control (Hundepool et al.,
*Statistical Disclosure Control*, Wiley 2012, ch. 4, "primary and secondary suppression",
"audit"), simplified to a greedy choice of secondary cells.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from analysis.errors import InvalidValueError

#: What is shown in place of a suppressed value.
SUPPRESSED = "*"
#: Smallest count shown as a number; counts from 1 to ``MIN_SHOWN_COUNT - 1`` are suppressed.
MIN_SHOWN_COUNT = 5
#: Label of the total row and column that ``suppress_table`` can append.
TOTAL_LABEL = "Total"
#: Name of the flag column ``apply_suppression`` adds for the main count.
SUPPRESSED_FLAG = "suppressed"
#: Suffix of the flag column added for each linked count column (e.g. ``previous_suppressed``).
SUPPRESSED_FLAG_SUFFIX = "_suppressed"

# Linear-programming optimum values of a table with margins are whole numbers (the constraint
# matrix is totally unimodular), so a range narrower than half a count means "one value only".
_SAME_VALUE_TOLERANCE = 0.5


@dataclass(frozen=True)
class SuppressionPattern:
    """Which cells of a count table, and which of its published totals, are shown as ``*``.

    ``cells`` has the labels of the counts. ``row_totals`` / ``column_totals`` are ``None``
    when that margin is not published; ``grand_total`` is ``None`` unless both margins are
    published (the grand total is the corner where they meet).
    """

    cells: pd.DataFrame
    row_totals: pd.Series | None
    column_totals: pd.Series | None
    grand_total: bool | None


@dataclass(frozen=True)
class _Line:
    """One published relation of the augmented table: ``sum(members) == total``."""

    members: np.ndarray
    total: int

    @property
    def cells(self) -> np.ndarray:
        return np.append(self.members, self.total)


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


def _validated_counts(counts: pd.DataFrame) -> np.ndarray:
    """The counts as an int64 array, after checking they are whole numbers of zero or more."""
    if not isinstance(counts, pd.DataFrame):
        raise InvalidValueError(f"counts must be a table (DataFrame), not {type(counts).__name__}.")
    values = np.empty(counts.shape, dtype=np.int64)
    for position, column in enumerate(counts.columns):
        series = counts.iloc[:, position]
        if series.dtype.kind in "iuf":
            # numbers already: check and convert on the array (same result as the general path)
            array = series.to_numpy(dtype=np.float64, na_value=np.nan)
            if not (np.isnan(array) | (array < 0) | (array % 1 != 0)).any():
                values[:, position] = array.astype(np.int64)
                continue
        numbers = pd.to_numeric(series, errors="coerce")
        bad = numbers.isna() | (numbers < 0) | (numbers % 1 != 0)
        if bad.any():
            row = series.index[int(np.flatnonzero(bad.to_numpy())[0])]
            raise InvalidValueError(
                "Counts to suppress must be whole numbers of zero or more; "
                f"found {series.loc[row]} in row {row!r}, column {column!r}."
            )
        values[:, position] = numbers.to_numpy(dtype=np.float64).astype(np.int64)
    return values


def _validated_series(counts: pd.Series, name: str = "counts") -> pd.DataFrame:
    if not isinstance(counts, pd.Series):
        raise InvalidValueError(f"{name} must be a column of counts (Series), not {type(counts).__name__}.")
    return counts.to_frame(name="count")


def _series_values(counts: pd.Series, name: str = "counts") -> np.ndarray:
    """The validated counts of one column (``_validated_series``) as int64, checked on the array when
    they are numbers already (a bad count is named by its row label, as ``_validated_counts`` does)."""
    if isinstance(counts, pd.Series) and counts.dtype.kind in "iuf":
        array = counts.to_numpy(dtype=np.float64, na_value=np.nan)
        if not (np.isnan(array) | (array < 0) | (array % 1 != 0)).any():
            return array.astype(np.int64)
    return _validated_counts(_validated_series(counts, name))[:, 0]


def _is_primary(value: int | float) -> bool:
    return 0 < value < MIN_SHOWN_COUNT


# --------------------------------------------------------------------------------------------
# Core on the augmented table (numpy)
# --------------------------------------------------------------------------------------------


class _Augmented:
    """Interior cells, published totals and the lines linking them, for one count table."""

    def __init__(self, values: np.ndarray, row_totals: bool, column_totals: bool) -> None:
        n_rows, n_columns = values.shape
        self.n_rows, self.n_columns = n_rows, n_columns
        self.n_interior = n_rows * n_columns
        self.row_total_start = self.n_interior
        self.column_total_start = self.row_total_start + (n_rows if row_totals else 0)
        self.grand_total_id = self.column_total_start + (n_columns if column_totals else 0)
        has_grand = row_totals and column_totals
        size = self.grand_total_id + (1 if has_grand else 0)

        row_sums = values.sum(axis=1)
        column_sums = values.sum(axis=0)
        parts = [values.ravel()]
        if row_totals:
            parts.append(row_sums)
        if column_totals:
            parts.append(column_sums)
        if has_grand:
            parts.append(np.array([values.sum()]))
        self.values = np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)
        assert self.values.size == size

        grid = np.arange(self.n_interior).reshape(n_rows, n_columns)
        lines: list[_Line] = []
        if row_totals:
            lines += [_Line(grid[i, :], self.row_total_start + i) for i in range(n_rows)]
        if column_totals:
            lines += [_Line(grid[:, j], self.column_total_start + j) for j in range(n_columns)]
        if has_grand:
            column_total_ids = self.column_total_start + np.arange(n_columns)
            row_total_ids = self.row_total_start + np.arange(n_rows)
            lines += [_Line(column_total_ids, self.grand_total_id), _Line(row_total_ids, self.grand_total_id)]
        self.lines = lines
        self.lines_of: list[list[int]] = [[] for _ in range(size)]
        for index, line in enumerate(lines):
            for cell in line.cells:
                self.lines_of[int(cell)].append(index)
        self.size = size

    # -- choosing a secondary cell ------------------------------------------------------------

    def _zero_is_useful(self, cell: int, line_index: int) -> bool:
        """A suppressed zero protects only if no zero total across it already gives it away."""
        others = [k for k in self.lines_of[cell] if k != line_index]
        return all(self.values[self.lines[k].total] > 0 for k in others)

    def _best_in_line(self, line_index: int, suppressed: np.ndarray) -> int | None:
        """The cell to add in a line: smallest non-zero member, then a useful zero, then the total."""
        line = self.lines[line_index]
        best: tuple | None = None
        best_cell: int | None = None
        for position, cell in enumerate(line.members):
            cell = int(cell)
            if suppressed[cell]:
                continue
            value = self.values[cell]
            if value > 0:
                key = (0, value, position)
            elif self._zero_is_useful(cell, line_index):
                key = (1, 0, position)
            else:
                continue
            if best is None or key < best:
                best, best_cell = key, cell
        if best_cell is None and not suppressed[line.total] and self.values[line.total] > 0:
            best_cell = line.total
        return best_cell

    def _best_anywhere(self, suppressed: np.ndarray) -> int | None:
        """Fallback: the smallest visible non-zero cell of the whole table (interior first)."""
        candidates = [
            (int(self.values[c]) == 0, c >= self.n_interior, int(self.values[c]), c)
            for c in range(self.size)
            if not suppressed[c]
        ]
        return min(candidates)[3] if candidates else None

    # -- steps 2 and 3 --------------------------------------------------------------------------

    def apply_line_rule(self, suppressed: np.ndarray) -> None:
        """Until stable: every line with exactly one suppressed cell gets a second (in place)."""
        changed = True
        while changed:
            changed = False
            for index, line in enumerate(self.lines):
                if suppressed[line.cells].sum() == 1:
                    cell = self._best_in_line(index, suppressed)
                    if cell is not None:
                        suppressed[cell] = True
                        changed = True

    def determined_cells(self, suppressed: np.ndarray) -> list[int]:
        """Suppressed non-zero cells whose value follows from what is shown (smallest = largest)."""
        if len(self.lines) == 1:
            return self._determined_in_one_line(suppressed)
        unknown = np.flatnonzero(suppressed)
        column_of = {int(cell): k for k, cell in enumerate(unknown)}
        rows, rhs = [], []
        for line in self.lines:
            coefficients = np.zeros(unknown.size)
            known = 0.0
            involved = False
            for cell, sign in [(int(c), 1.0) for c in line.members] + [(line.total, -1.0)]:
                if suppressed[cell]:
                    coefficients[column_of[cell]] += sign
                    involved = True
                else:
                    known += sign * self.values[cell]
            if involved:
                rows.append(coefficients)
                rhs.append(-known)
        if not rows:
            return []
        a_eq, b_eq = np.array(rows), np.array(rhs)
        truth = self.values[unknown].astype(float)
        in_a_line = np.abs(a_eq).sum(axis=0) > 0
        # A cell is proven free once some feasible table gives it a value other than its own.
        free = ~in_a_line | (truth == 0)
        for k in range(unknown.size):
            if free[k]:
                continue
            for direction in (-1.0, 1.0):  # maximise, then minimise
                objective = np.zeros(unknown.size)
                objective[k] = direction
                result = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
                if result.status == 3:  # unbounded: the cell can be as large as you like
                    free[k] = True
                elif result.status == 0:
                    free |= np.abs(result.x - truth) > _SAME_VALUE_TOLERANCE
                if free[k]:
                    break
        return [int(unknown[k]) for k in range(unknown.size) if not free[k]]

    def _determined_in_one_line(self, suppressed: np.ndarray) -> list[int]:
        """``determined_cells`` of a table of one line (a column and its published total), worked out
        without a linear programme: a hidden non-zero cell follows from what is shown only when it is
        the line's one hidden cell. With two or more hidden and the total shown, each can be anything
        from 0 to what they add up to (a fixed value only when that is 0, and zeros count as free);
        with the total hidden too, a hidden cell can be as large as you like. Cells outside the line
        are free."""
        hidden = [int(cell) for cell in self.lines[0].cells if suppressed[cell]]
        return hidden if len(hidden) == 1 and self.values[hidden[0]] > 0 else []

    def solve(self) -> np.ndarray:
        """The full suppression pattern (primary, line rule, audit) over the augmented cells."""
        suppressed = np.array([_is_primary(v) for v in self.values], dtype=bool)
        while True:
            self.apply_line_rule(suppressed)
            determined = self.determined_cells(suppressed)
            if not determined:
                return suppressed
            cell = determined[0]
            addition = None
            for line_index in self.lines_of[cell]:
                addition = self._best_in_line(line_index, suppressed)
                if addition is not None:
                    break
            if addition is None:
                addition = self._best_anywhere(suppressed)
            if addition is None:  # everything hidden already: nothing can be determined
                return suppressed
            suppressed[addition] = True


# --------------------------------------------------------------------------------------------
# Public API: tables
# --------------------------------------------------------------------------------------------


def suppression_pattern(
    counts: pd.DataFrame, *, row_totals: bool = True, column_totals: bool = True
) -> SuppressionPattern:
    """Which cells and which published totals of a two-way count table are shown as ``*``.

    ``counts`` holds whole numbers of zero or more, without total rows or columns; the row
    totals and/or column totals are taken to be published beside it when the flags are set
    (and the grand total when both are). Method: primary suppression of counts 1-4 (totals
    included), secondary suppression by the line rule, and a linear-programming audit that no
    suppressed non-zero count can be worked out (see the module docstring). Deterministic.

    Raises ``InvalidValueError`` naming the first cell that is negative, fractional or missing.
    """
    values = _validated_counts(counts)
    augmented = _Augmented(values, row_totals, column_totals)
    suppressed = augmented.solve()
    n = augmented.n_interior
    cells = pd.DataFrame(
        suppressed[:n].reshape(values.shape), index=counts.index, columns=counts.columns, dtype=bool
    )
    row_mask = column_mask = grand = None
    if row_totals:
        start = augmented.row_total_start
        row_mask = pd.Series(suppressed[start : start + augmented.n_rows], index=counts.index, dtype=bool)
    if column_totals:
        start = augmented.column_total_start
        column_mask = pd.Series(
            suppressed[start : start + augmented.n_columns], index=counts.columns, dtype=bool
        )
    if row_totals and column_totals:
        grand = bool(suppressed[augmented.grand_total_id])
    return SuppressionPattern(cells, row_mask, column_mask, grand)


def suppression_mask(
    counts: pd.DataFrame, *, row_totals: bool = True, column_totals: bool = True
) -> pd.DataFrame:
    """Boolean table, True where an interior count must be shown as ``*``.

    Same method as ``suppression_pattern``; when the totals are published too, take their
    suppression from ``suppression_pattern`` (or use ``suppress_table(add_totals=True)``):
    a total from 1 to 4, or one needed to protect a cell, must be hidden as well.
    """
    return suppression_pattern(counts, row_totals=row_totals, column_totals=column_totals).cells


def _display(values: pd.Series | pd.DataFrame, mask, placeholder: object = SUPPRESSED):
    """Object-dtype copy of ``values`` with ``placeholder`` where ``mask`` is True."""
    shown = values.astype(object)
    return shown.mask(mask, placeholder)


def suppress_table(
    counts: pd.DataFrame,
    *,
    row_totals: bool = True,
    column_totals: bool = True,
    add_totals: bool = False,
    total_label: str = TOTAL_LABEL,
) -> pd.DataFrame:
    """The count table as displayed: object dtype, whole numbers, ``"*"`` where suppressed.

    With ``add_totals`` the published totals are appended: a ``total_label`` column of row
    totals (when ``row_totals``), a ``total_label`` row of column totals (when
    ``column_totals``) and the grand total where they meet; each is ``"*"`` when it is 1-4 or
    needed to protect another cell. Suppression as in ``suppression_pattern``.
    """
    pattern = suppression_pattern(counts, row_totals=row_totals, column_totals=column_totals)
    values = pd.DataFrame(_validated_counts(counts), index=counts.index, columns=counts.columns)
    shown = _display(values, pattern.cells)
    if not add_totals:
        return shown
    if row_totals:
        shown[total_label] = _display(values.sum(axis=1), pattern.row_totals)
    if column_totals:
        column_sums = values.sum(axis=0)
        total_row = _display(column_sums, pattern.column_totals)
        if row_totals:
            grand = int(column_sums.sum())
            total_row[total_label] = SUPPRESSED if pattern.grand_total else grand
        shown = pd.concat([shown, total_row.to_frame(name=total_label).T.astype(object)])
    return shown.astype(object)


# --------------------------------------------------------------------------------------------
# Public API: one column of counts
# --------------------------------------------------------------------------------------------


def suppress_counts(counts: pd.Series, *, total_published: bool = True) -> pd.Series:
    """Boolean Series, True where a count of one category must be shown as ``*``.

    The counts are one column of a table (categories such as districts) whose total is
    published when ``total_published``; the method is ``suppression_pattern`` on that column.
    Whether the total itself must be hidden is ``total_suppressed``.
    """
    augmented = _Augmented(_series_values(counts).reshape(-1, 1), False, total_published)
    return pd.Series(augmented.solve()[: augmented.n_interior], index=counts.index, name=counts.name)


def total_suppressed(counts: pd.Series) -> bool:
    """Whether the published total of one column of counts must be shown as ``*``.

    Same method as ``suppress_counts`` with a published total: the total is hidden when it is
    from 1 to 4 (or, in general, when hiding it is needed to protect a category).
    """
    augmented = _Augmented(_series_values(counts).reshape(-1, 1), False, True)
    return bool(augmented.solve()[augmented.column_total_start])


def yoy_suppression_mask(
    current_counts: pd.Series, previous_counts: pd.Series, *, total_published: bool = True
) -> pd.Series:
    """Boolean Series, True where a year-on-year change (count or %) must be shown as ``*``.

    A change is hidden when either year's count is hidden: otherwise the hidden count could be
    worked back from the shown count and the change. Each year is suppressed on its own
    column (``suppress_counts``); the two Series must have the same index.
    """
    _validated_series(current_counts, "current_counts")
    _validated_series(previous_counts, "previous_counts")
    if not current_counts.index.equals(previous_counts.index):
        raise InvalidValueError("current_counts and previous_counts must list the same categories in the same order.")
    current = suppress_counts(current_counts, total_published=total_published)
    previous = suppress_counts(previous_counts, total_published=total_published)
    return (current | previous).rename("change_suppressed")


# --------------------------------------------------------------------------------------------
# Public API: long tables (one row per category), for tables, tooltips, maps and downloads
# --------------------------------------------------------------------------------------------


def require_columns(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    """Raise InvalidValueError naming the columns of ``columns`` that ``frame`` lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InvalidValueError(
            f"Cannot apply suppression: column(s) {missing} are not in the table "
            f"(it has {list(frame.columns)})."
        )


def _long_mask(
    frame: pd.DataFrame,
    count_col: str,
    group_cols: Sequence[str],
    total_published: bool,
    category_col: str | None,
    totals_across_groups: bool,
) -> np.ndarray:
    """Positional boolean mask of ``count_col`` in a long table."""
    counts = frame[count_col]
    values = _validated_column(counts, count_col)
    mask = np.zeros(len(frame), dtype=bool)
    if totals_across_groups:
        keys = frame[[category_col, *group_cols]].reset_index(drop=True)
        if keys.duplicated().any():
            raise InvalidValueError(
                f"Each {category_col!r} must appear once per group of {list(group_cols)} "
                "to suppress across groups; aggregate the table first."
            )
        category = pd.Index(keys[category_col]).factorize()[0]
        group = keys[list(group_cols)].apply(tuple, axis=1).factorize()[0]
        # A category missing from a group is a published zero: the totals include nothing for it.
        table = np.zeros((category.max() + 1, group.max() + 1), dtype=np.int64)
        table[category, group] = values
        cells = suppression_mask(
            pd.DataFrame(table), row_totals=True, column_totals=total_published
        ).to_numpy()
        return cells[category, group]
    if not group_cols:
        return _column_mask(values, total_published)
    for rows in _group_positions(frame, group_cols):
        mask[rows] = _column_mask(values[rows], total_published)
    return mask


def _group_positions(frame: pd.DataFrame, group_cols: Sequence[str]) -> list[np.ndarray]:
    """The row positions of each group of ``group_cols`` (missing values a group of their own), in
    the order the groups first appear: what ``groupby(..., sort=False, dropna=False).indices`` gives,
    without a groupby (this runs for every suppressed comparison)."""
    code = np.zeros(len(frame), dtype=np.int64)
    for column in group_cols:
        codes, uniques = pd.factorize(frame[column], use_na_sentinel=False)
        code = code * max(len(uniques), 1) + codes
    groups, first = np.unique(code, return_index=True)
    return [np.flatnonzero(code == group) for group in groups[np.argsort(first)]]


def _validated_column(counts: pd.Series, name: object) -> np.ndarray:
    """``_validated_counts`` of one column, as an int64 array (numbers checked on the array); a bad
    count is named by its position (row 0 first)."""
    if counts.dtype.kind in "iuf":
        array = counts.to_numpy(dtype=np.float64, na_value=np.nan)
        if not (np.isnan(array) | (array < 0) | (array % 1 != 0)).any():
            return array.astype(np.int64)
    return _validated_counts(counts.reset_index(drop=True).to_frame(name=name))[:, 0]


def count_mask(frame: pd.DataFrame, count_col: str, group_cols: Sequence[str] = (), *,
               total_published: bool = True) -> np.ndarray:
    """Which counts of ``count_col`` are hidden (positional bool array): counts 1 to 4 and the cells
    that protect them within each group, the pattern ``apply_suppression`` applies (its ``suppressed``
    flag), for callers that hide their own columns on arrays (``analysis.board``)."""
    require_columns(frame, [count_col, *group_cols])
    return _long_mask(frame, count_col, list(group_cols), total_published, None, False)


def whole_counts_mask(counts: np.ndarray, *, total_published: bool = True) -> np.ndarray | None:
    """``count_mask`` of one column of counts given as a float array (no groups), or None when a count is
    not a whole number of zero or more (``count_mask`` then names it): for callers that hold the counts as
    arrays already (``analysis.board``), without a Series per check."""
    if (np.isnan(counts) | (counts < 0) | (counts % 1 != 0)).any():
        return None
    return _column_mask(counts.astype(np.int64), total_published)


def _column_mask(values: np.ndarray, total_published: bool) -> np.ndarray:
    """``suppress_counts`` on an array of validated counts: the same pattern, without the frames."""
    augmented = _Augmented(values.reshape(-1, 1), False, total_published)
    return augmented.solve()[: augmented.n_interior].copy()


def _hide(series: pd.Series, mask: np.ndarray, placeholder: object) -> pd.Series:
    """``series`` with ``placeholder`` where ``mask``; NaN placeholders keep numbers numeric."""
    if isinstance(placeholder, float) and math.isnan(placeholder) and pd.api.types.is_numeric_dtype(series):
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        return pd.Series(np.where(mask, np.nan, values), index=series.index, name=series.name)
    return _display(series, pd.Series(mask, index=series.index), placeholder)


def apply_suppression(
    frame: pd.DataFrame,
    count_col: str,
    dependent_cols: Sequence[str] = (),
    *,
    group_cols: Sequence[str] | None = None,
    total_published: bool = True,
    linked_count_cols: Mapping[str, Sequence[str]] | None = None,
    joint_cols: Sequence[str] = (),
    category_col: str | None = None,
    totals_across_groups: bool = False,
    placeholder: object = SUPPRESSED,
) -> pd.DataFrame:
    """Copy of a long table with suppressed counts, and everything built on them, hidden.

    One row per category (e.g. district), optionally within groups (``group_cols``, e.g.
    service). ``count_col`` is suppressed within each group as one column whose total is
    published (``total_published``), by the method of ``suppression_pattern``; where it is
    hidden, so are ``dependent_cols`` (rate, percentage, interval bounds...).
    ``linked_count_cols`` maps further count columns shown beside it (e.g. the previous
    year's count) to their own dependent columns; each is suppressed on its own counts.
    ``joint_cols`` (e.g. change and % change) are hidden where any of the counts is hidden,
    since a shown count and a shown change would give away the hidden count.

    With ``totals_across_groups`` (needs ``category_col`` and ``group_cols``) the counts are
    treated as one two-way table, category by group, whose totals per category across groups
    are published too; suppression is then two-way.

    Hidden values become ``placeholder``: ``"*"`` (the default) for tables and downloads, or
    ``float("nan")`` for charts and maps, which keeps numeric columns numeric. A bool column
    ``suppressed`` (count hidden) is added, and ``<col>_suppressed`` for each linked count.
    Totals of each group are given by ``suppressed_totals``. The input is not changed.
    """
    group_cols = list(group_cols or [])
    linked = dict(linked_count_cols or {})
    count_cols = [count_col, *linked]
    all_dependents = [*dependent_cols, *(c for deps in linked.values() for c in deps), *joint_cols]
    needed = [*count_cols, *all_dependents, *group_cols] + ([category_col] if category_col else [])
    require_columns(frame, needed)
    flags = [SUPPRESSED_FLAG] + [f"{c}{SUPPRESSED_FLAG_SUFFIX}" for c in linked]
    clashing = [f for f in flags if f in frame.columns]
    if clashing:
        raise InvalidValueError(f"The table already has column(s) {clashing}; rename them before suppressing.")
    if totals_across_groups and (not category_col or not group_cols):
        raise InvalidValueError("Suppressing across groups needs both category_col and group_cols.")

    masks = {
        col: _long_mask(frame, col, group_cols, total_published, category_col, totals_across_groups)
        for col in count_cols
    }
    result = frame.copy()
    hidden: dict[str, np.ndarray] = {}
    for col, deps in [(count_col, list(dependent_cols)), *linked.items()]:
        for target in [col, *deps]:
            hidden[target] = hidden.get(target, np.zeros(len(frame), bool)) | masks[col]
    any_count = np.logical_or.reduce(list(masks.values()))
    for target in joint_cols:
        hidden[target] = hidden.get(target, np.zeros(len(frame), bool)) | any_count
    for target, mask in hidden.items():
        result[target] = _hide(result[target], mask, placeholder)
    for flag, col in zip(flags, count_cols, strict=True):
        result[flag] = pd.Series(masks[col], index=frame.index, dtype=bool)
    return result


def suppressed_totals(
    frame: pd.DataFrame,
    count_col: str,
    *,
    group_cols: Sequence[str] | None = None,
    placeholder: object = SUPPRESSED,
) -> pd.DataFrame:
    """The published total of ``count_col`` for each group, hidden where it must be.

    One row per group (one row in all when ``group_cols`` is empty) with the group columns,
    ``count_col`` (the total, or ``placeholder``) and ``suppressed``. Method as
    ``total_suppressed``: the totals that go with ``apply_suppression(total_published=True)``.
    """
    group_cols = list(group_cols or [])
    require_columns(frame, [count_col, *group_cols])
    _validated_counts(frame[[count_col]])
    if group_cols:
        groups = frame.groupby(group_cols, sort=False, dropna=False)[count_col]
        totals = groups.sum().reset_index()
        flags = groups.apply(total_suppressed).to_numpy()
    else:
        totals = pd.DataFrame({count_col: [int(frame[count_col].sum())]})
        flags = np.array([total_suppressed(frame[count_col])], dtype=bool)
    totals[count_col] = _hide(totals[count_col], flags, placeholder)
    totals[SUPPRESSED_FLAG] = flags.astype(bool)
    return totals


# --------------------------------------------------------------------------------------------
# Checks usable in other modules' tests
# --------------------------------------------------------------------------------------------


def _as_number(value: object) -> float | None:
    """A displayed value as a number, or None for ``*``, blanks and words."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return None if math.isnan(float(value)) else float(value)
    if isinstance(value, str):
        try:
            return float(value.replace(",", "").strip())
        except ValueError:
            return None
    return None


def disclosive_cells(
    display: pd.DataFrame | pd.Series, count_cols: Sequence[Hashable] | None = None
) -> list[tuple[Hashable, Hashable]]:
    """(row, column) of every displayed count that is more than 0 and below ``MIN_SHOWN_COUNT``.

    ``display`` is what a reader sees (numbers, numeric text such as ``"1,234"``, ``"*"``).
    Only ``count_cols`` are checked (all columns when None), since a rate of 3.2 is not a count.
    A Series is checked as one column named by its name.
    """
    table = display.to_frame() if isinstance(display, pd.Series) else display
    columns = list(table.columns) if count_cols is None else list(count_cols)
    found = []
    for column in columns:
        for row, value in table[column].items():
            number = _as_number(value)
            if number is not None and _is_primary(number):
                found.append((row, column))
    return found


def is_disclosive(
    display: pd.DataFrame | pd.Series, count_cols: Sequence[Hashable] | None = None
) -> bool:
    """True when a displayed table shows a count from 1 to 4 (see ``disclosive_cells``)."""
    return bool(disclosive_cells(display, count_cols))
