"""Tests of small-number suppression: hand-worked patterns, boundaries and disclosure properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal, assert_series_equal
from scipy.optimize import linprog

from analysis.errors import InvalidValueError
from analysis.suppression import (
    MIN_SHOWN_COUNT,
    SUPPRESSED,
    TOTAL_LABEL,
    apply_suppression,
    disclosive_cells,
    is_disclosive,
    suppress_counts,
    suppress_table,
    suppressed_totals,
    suppression_mask,
    suppression_pattern,
    total_suppressed,
    yoy_suppression_mask,
)

T, F = True, False


def table(rows: list[list[int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, index=[f"r{i}" for i in range(len(rows))], columns=list("abcde")[: len(rows[0])])


def mask(rows: list[list[bool]]) -> pd.DataFrame:
    return table(rows).astype(bool)


# ---------------------------------------------------------------------------------------------
# Constants and boundaries
# ---------------------------------------------------------------------------------------------


def test_constants_match_glossary():
    assert SUPPRESSED == "*"
    assert MIN_SHOWN_COUNT == 5


@pytest.mark.parametrize(("value", "hidden"), [(0, False), (1, True), (4, True), (5, False)])
def test_primary_boundaries_without_total(value, hidden):
    # No total published, so nothing but the value itself decides.
    counts = pd.Series([value, 10, 20], name="n")
    expected = pd.Series([hidden, False, False], name="n")
    assert_series_equal(suppress_counts(counts, total_published=False), expected)


@pytest.mark.parametrize(("value", "hidden"), [(0, False), (1, True), (4, True), (5, False)])
def test_primary_boundaries_in_a_table_without_margins(value, hidden):
    counts = table([[value, 10], [20, 30]])
    expected = mask([[hidden, F], [F, F]])
    assert_frame_equal(suppression_mask(counts, row_totals=False, column_totals=False), expected)


# ---------------------------------------------------------------------------------------------
# One column of counts with its total
# ---------------------------------------------------------------------------------------------


def test_single_suppressed_count_gets_smallest_other_nonzero():
    # 4 is hidden; total 15 shown, so the smallest other non-zero count (5) must go too.
    counts = pd.Series([5, 4, 6, 0], index=list("pqrs"), name="n")
    assert_series_equal(suppress_counts(counts), pd.Series([T, T, F, F], index=list("pqrs"), name="n"))
    assert total_suppressed(counts) is False


def test_ties_go_to_the_first_category():
    counts = pd.Series([7, 3, 7], index=list("pqr"), name="n")
    assert_series_equal(suppress_counts(counts), pd.Series([T, T, F], index=list("pqr"), name="n"))


def test_total_from_one_to_four_is_itself_hidden():
    # [3, 0, 0]: the total is 3, so it is hidden and protects the 3 without touching the zeros.
    counts = pd.Series([3, 0, 0], index=list("pqr"), name="n")
    assert_series_equal(suppress_counts(counts), pd.Series([T, F, F], index=list("pqr"), name="n"))
    assert total_suppressed(counts) is True


def test_single_category_is_hidden_with_its_total():
    assert suppress_counts(pd.Series([3], name="n")).tolist() == [True]
    assert total_suppressed(pd.Series([3], name="n")) is True
    assert suppress_counts(pd.Series([7], name="n")).tolist() == [False]
    assert total_suppressed(pd.Series([7], name="n")) is False


def test_all_zero_column_is_shown():
    counts = pd.Series([0, 0, 0], name="n")
    assert suppress_counts(counts).tolist() == [False, False, False]
    assert total_suppressed(counts) is False


# ---------------------------------------------------------------------------------------------
# Two-way tables (worked by hand)
# ---------------------------------------------------------------------------------------------


def test_secondary_in_row_and_column():
    # 3 at (r0,a). Row r0: smallest other is 9 (r0,c). Column a: 10 (r1,a). Column c then has
    # one: smallest other 8 (r1,c). Row r1 now has two. Totals 24/33/57 and 33/34/47 are shown.
    counts = table([[3, 12, 9], [10, 15, 8], [20, 7, 30]])
    expected = mask([[T, F, T], [T, F, T], [F, F, F]])
    assert_frame_equal(suppression_mask(counts), expected)


def test_secondary_cascades_across_rows_and_columns():
    # Worked by hand: r0 -> (r0,b)=6; column a -> (r2,a)=8; column b -> (r1,b)=50 (tie with
    # (r2,b), first wins); r1 -> (r1,c)=7; r2 -> (r2,b)=50 (tie, first); column c -> (r0,c)=50.
    counts = table([[3, 6, 50], [50, 50, 7], [8, 50, 50]])
    expected = mask([[T, T, T], [F, T, T], [T, T, F]])
    assert_frame_equal(suppression_mask(counts), expected)


def test_only_rows_published_leaves_columns_free():
    # Row r0: 3 -> first of the tied 7s; row r1: 2 -> 9. Columns have no totals: no cascade.
    counts = table([[3, 7, 7], [2, 9, 20]])
    expected = mask([[T, T, F], [T, T, F]])
    assert_frame_equal(suppression_mask(counts, row_totals=True, column_totals=False), expected)


def test_zero_is_used_when_only_zeros_remain():
    # 2 at (r0,a) -> row r0 takes 6, column a takes 7; column b then has only a zero left,
    # whose row total (7) is not zero, so the zero is hidden rather than the column total.
    # Check: (r0,a)=t, (r0,b)=8-t, (r1,a)=9-t, (r1,b)=t-2 gives 2 <= t <= 8: not determined.
    counts = table([[2, 6], [7, 0]])
    pattern = suppression_pattern(counts)
    assert_frame_equal(pattern.cells, mask([[T, T], [T, T]]))
    assert not pattern.row_totals.any() and not pattern.column_totals.any()
    assert pattern.grand_total is False


def test_zero_row_stays_visible_and_total_is_hidden_instead():
    # 2 at (r0,b), row r0 takes 6. Column a has only a zero whose row total is 0 (hiding it
    # would protect nothing), so the column total 6 is hidden; column total 2 is primary.
    counts = table([[6, 2], [0, 0]])
    pattern = suppression_pattern(counts)
    assert_frame_equal(pattern.cells, mask([[T, T], [F, F]]))
    assert_series_equal(pattern.row_totals, pd.Series([F, F], index=["r0", "r1"]))
    assert_series_equal(pattern.column_totals, pd.Series([T, T], index=["a", "b"]))
    assert pattern.grand_total is False
    shown = suppress_table(counts, add_totals=True)
    expected = pd.DataFrame(
        [["*", "*", 8], [0, 0, 0], ["*", "*", 8]],
        index=["r0", "r1", TOTAL_LABEL],
        columns=["a", "b", TOTAL_LABEL],
        dtype=object,
    )
    assert_frame_equal(shown, expected)


def test_total_hidden_when_line_has_no_other_cell():
    # One row: column a holds only the 3, so its total (3) is hidden; column b only the 7
    # taken as secondary, so its total 7 must be hidden too. The row total 10 stays.
    counts = table([[3, 7]])
    pattern = suppression_pattern(counts)
    assert_frame_equal(pattern.cells, mask([[T, T]]))
    assert_series_equal(pattern.column_totals, pd.Series([T, T], index=["a", "b"]))
    assert_series_equal(pattern.row_totals, pd.Series([F], index=["r0"]))
    assert pattern.grand_total is False


def test_audit_breaks_a_bridge_the_line_rule_misses():
    # Two blocks of primaries joined by one primary (r0,c). Every line has 0 or >= 2 hidden
    # cells, yet (r0,c) = (hidden part of rows r0+r1) - (hidden part of columns a+b). The audit
    # hides the smallest visible cell of row r0, (r0,d) = 20, which puts (r0,c) on a cycle.
    counts = table(
        [
            [1, 2, 3, 20, 30],
            [2, 1, 20, 20, 30],
            [20, 20, 1, 2, 30],
            [20, 20, 2, 1, 30],
        ]
    )
    expected = mask(
        [
            [T, T, T, T, F],
            [T, T, F, F, F],
            [F, F, T, T, F],
            [F, F, T, T, F],
        ]
    )
    result = suppression_mask(counts)
    assert_frame_equal(result, expected)
    assert recoverable_cells(counts, suppression_pattern(counts), True, True) == []


def test_no_small_counts_means_nothing_hidden():
    counts = table([[0, 5, 12], [0, 0, 40]])
    assert_frame_equal(suppression_mask(counts), mask([[F, F, F], [F, F, F]]))
    shown = suppress_table(counts, add_totals=True)
    assert shown.loc[TOTAL_LABEL, TOTAL_LABEL] == 57
    assert shown.loc["r1", "a"] == 0


def test_suppress_table_without_totals_is_object_with_stars():
    counts = table([[3, 12, 9], [10, 15, 8], [20, 7, 30]])
    expected = pd.DataFrame(
        [["*", 12, "*"], ["*", 15, "*"], [20, 7, 30]], index=counts.index, columns=counts.columns, dtype=object
    )
    assert_frame_equal(suppress_table(counts), expected)


def test_empty_table():
    counts = pd.DataFrame({"a": pd.Series([], dtype="int64")})
    assert suppression_mask(counts).empty


def test_inputs_not_modified():
    counts = table([[3, 12], [10, 15]])
    before = counts.copy()
    suppress_table(counts, add_totals=True)
    suppression_pattern(counts)
    assert_frame_equal(counts, before)


@pytest.mark.parametrize(
    ("bad", "shown"), [(-1, "-1.0"), (2.5, "2.5"), (np.nan, "nan")]
)
def test_invalid_counts_name_the_cell(bad, shown):
    counts = pd.DataFrame({"a": [5.0, bad]}, index=["x", "y"])
    with pytest.raises(InvalidValueError, match=rf"found {shown} in row 'y', column 'a'"):
        suppression_mask(counts)


# ---------------------------------------------------------------------------------------------
# Year on year and long tables
# ---------------------------------------------------------------------------------------------


def test_change_hidden_when_either_year_is_hidden():
    # Current [3,10,12]: 3 and 10 hidden. Previous [8,9,2]: 2 and 8 hidden. Change: all three.
    current = pd.Series([3, 10, 12], index=list("xyz"))
    previous = pd.Series([8, 9, 2], index=list("xyz"))
    expected = pd.Series([T, T, T], index=list("xyz"), name="change_suppressed")
    assert_series_equal(yoy_suppression_mask(current, previous), expected)


def test_change_shown_when_both_years_shown():
    current = pd.Series([30, 10, 12], index=list("xyz"))
    previous = pd.Series([8, 9, 20], index=list("xyz"))
    assert not yoy_suppression_mask(current, previous).any()


def test_change_needs_matching_categories():
    with pytest.raises(InvalidValueError, match="same categories"):
        yoy_suppression_mask(pd.Series([1, 2], index=["x", "y"]), pd.Series([1, 2], index=["y", "x"]))


def long_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "service": ["a", "a", "a", "b", "b", "b"],
            "district": ["x", "y", "z", "x", "y", "z"],
            "count": [3, 10, 12, 20, 25, 30],
            "rate": [1.5, 2.0, 3.0, 4.0, 5.0, 6.0],
            "previous": [8, 9, 2, 20, 20, 20],
            "change": [-5, 1, 10, 0, 5, 10],
        },
        index=[10, 11, 12, 13, 14, 15],
    )


def test_apply_suppression_hides_counts_dependents_and_changes():
    frame = long_frame()
    before = frame.copy()
    result = apply_suppression(
        frame, "count", ["rate"], group_cols=["service"], linked_count_cols={"previous": []}, joint_cols=["change"]
    )
    # Service a: count 3 -> also 10; previous 2 -> also 8. Service b: nothing below 5.
    expected = before.copy()
    expected["count"] = pd.Series(["*", "*", 12, 20, 25, 30], index=frame.index, dtype=object)
    expected["rate"] = pd.Series(["*", "*", 3.0, 4.0, 5.0, 6.0], index=frame.index, dtype=object)
    expected["previous"] = pd.Series(["*", 9, "*", 20, 20, 20], index=frame.index, dtype=object)
    expected["change"] = pd.Series(["*", "*", "*", 0, 5, 10], index=frame.index, dtype=object)
    expected["suppressed"] = pd.Series([T, T, F, F, F, F], index=frame.index)
    expected["previous_suppressed"] = pd.Series([T, F, T, F, F, F], index=frame.index)
    assert_frame_equal(result, expected)
    assert_frame_equal(frame, before)
    assert not is_disclosive(result, ["count", "previous"])


def test_apply_suppression_nan_placeholder_keeps_numbers_numeric():
    frame = long_frame()
    result = apply_suppression(frame, "count", ["rate"], group_cols=["service"], placeholder=float("nan"))
    expected_count = pd.Series([np.nan, np.nan, 12, 20, 25, 30], index=frame.index, name="count")
    expected_rate = pd.Series([np.nan, np.nan, 3.0, 4.0, 5.0, 6.0], index=frame.index, name="rate")
    assert_series_equal(result["count"], expected_count)
    assert_series_equal(result["rate"], expected_rate)
    assert result["suppressed"].tolist() == [T, T, F, F, F, F]


def test_apply_suppression_without_groups_is_one_column():
    frame = long_frame()
    result = apply_suppression(frame, "count", ["rate"])
    # All six in one column with one total: 3 is hidden, then the smallest other, 10.
    assert result["suppressed"].tolist() == [T, T, F, F, F, F]


def test_apply_suppression_across_groups_is_two_way():
    # District by service [[3,20],[10,25],[12,30]] with both margins: row x -> 20 hidden;
    # column a -> 10; column b -> 25; row y then has two.
    frame = long_frame()
    result = apply_suppression(
        frame, "count", ["rate"], group_cols=["service"], category_col="district", totals_across_groups=True
    )
    assert result["suppressed"].tolist() == [T, T, F, T, T, F]
    assert result["rate"].tolist() == ["*", "*", 3.0, "*", "*", 6.0]


def test_apply_suppression_errors():
    frame = long_frame()
    with pytest.raises(InvalidValueError, match=r"column\(s\) \['people'\] are not in the table"):
        apply_suppression(frame, "people")
    with pytest.raises(InvalidValueError, match="already has column"):
        apply_suppression(frame.assign(suppressed=False), "count")
    with pytest.raises(InvalidValueError, match="needs both category_col and group_cols"):
        apply_suppression(frame, "count", totals_across_groups=True)


def test_suppressed_totals_per_group():
    frame = pd.DataFrame({"service": ["a", "a", "b"], "count": [3, 0, 20]})
    result = suppressed_totals(frame, "count", group_cols=["service"])
    expected = pd.DataFrame(
        {
            "service": pd.Series(["a", "b"], dtype=frame["service"].dtype),
            "count": pd.Series(["*", 20], dtype=object),
            "suppressed": [T, F],
        }
    )
    assert_frame_equal(result, expected)


# ---------------------------------------------------------------------------------------------
# The checker for other modules' tests
# ---------------------------------------------------------------------------------------------


def test_disclosive_checker():
    shown = pd.DataFrame({"count": ["*", 0, 5, "1,234"], "rate": [3.2, 1.0, 2.0, "*"]})
    assert not is_disclosive(shown, ["count"])
    # Checking every column, rates 3.2, 1.0 and 2.0 look like small counts.
    assert disclosive_cells(shown) == [(0, "rate"), (1, "rate"), (2, "rate")]
    assert is_disclosive(pd.Series(["*", "3", 7], name="n"))
    assert disclosive_cells(pd.DataFrame({"n": [4.0, 5, 0, np.nan, None]})) == [(0, "n")]


# ---------------------------------------------------------------------------------------------
# Properties on random small tables
# ---------------------------------------------------------------------------------------------


def augmented(counts: pd.DataFrame, pattern, row_totals: bool, column_totals: bool):
    """Values, hidden flags and published lines of the table with its totals, built afresh.

    Cells are named ("cell", i, j), ("row", i), ("column", j), ("grand",); each line is
    (members, total). Written independently of the module's own bookkeeping.
    """
    values, hidden, lines = {}, {}, []
    array = counts.to_numpy()
    n_rows, n_columns = array.shape
    for i in range(n_rows):
        for j in range(n_columns):
            values["cell", i, j] = int(array[i, j])
            hidden["cell", i, j] = bool(pattern.cells.iat[i, j])
    if row_totals:
        for i in range(n_rows):
            values["row", i] = int(array[i].sum())
            hidden["row", i] = bool(pattern.row_totals.iat[i])
            lines.append(([("cell", i, j) for j in range(n_columns)], ("row", i)))
    if column_totals:
        for j in range(n_columns):
            values["column", j] = int(array[:, j].sum())
            hidden["column", j] = bool(pattern.column_totals.iat[j])
            lines.append(([("cell", i, j) for i in range(n_rows)], ("column", j)))
    if row_totals and column_totals:
        values["grand",] = int(array.sum())
        hidden["grand",] = bool(pattern.grand_total)
        lines.append(([("column", j) for j in range(n_columns)], ("grand",)))
        lines.append(([("row", i) for i in range(n_rows)], ("grand",)))
    return values, hidden, lines


def recoverable_cells(counts, pattern, row_totals, column_totals) -> list:
    """Hidden non-zero cells whose least and greatest possible values agree.

    All cells are variables; shown ones are fixed at their value, hidden ones range over
    [0, inf). Each published line is an equation. (A hidden zero found to be 0 gives nothing away.)
    """
    values, hidden, lines = augmented(counts, pattern, row_totals, column_totals)
    names = list(values)
    position = {name: k for k, name in enumerate(names)}
    a_eq = np.zeros((len(lines), len(names)))
    for row, (members, total) in enumerate(lines):
        for member in members:
            a_eq[row, position[member]] = 1
        a_eq[row, position[total]] = -1
    bounds = [(0, None) if hidden[name] else (values[name], values[name]) for name in names]
    found = []
    for name in names:
        if not hidden[name] or values[name] == 0:
            continue
        objective = np.zeros(len(names))
        objective[position[name]] = 1
        low = linprog(objective, A_eq=a_eq if lines else None, b_eq=np.zeros(len(lines)) if lines else None,
                      bounds=bounds, method="highs")
        high = linprog(-objective, A_eq=a_eq if lines else None, b_eq=np.zeros(len(lines)) if lines else None,
                       bounds=bounds, method="highs")
        assert low.status == 0
        if high.status == 3:  # unbounded above
            continue
        assert high.status == 0
        if -high.fun - low.fun < 0.5:
            found.append(name)
    return found


@st.composite
def count_tables(draw):
    n_rows = draw(st.integers(1, 4))
    n_columns = draw(st.integers(1, 4))
    # Mostly small counts and zeros, so suppression is exercised hard.
    cell = st.one_of(st.integers(0, 6), st.integers(0, 30))
    rows = draw(st.lists(st.lists(cell, min_size=n_columns, max_size=n_columns), min_size=n_rows, max_size=n_rows))
    return pd.DataFrame(rows, columns=[f"c{j}" for j in range(n_columns)])


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(count_tables(), st.booleans(), st.booleans())
def test_property_no_small_count_is_displayed(counts, row_totals, column_totals):
    shown = suppress_table(counts, row_totals=row_totals, column_totals=column_totals, add_totals=True)
    for value in shown.to_numpy().ravel():
        assert value == SUPPRESSED or not (1 <= value <= 4)
    assert not is_disclosive(shown)


@FAST
@given(count_tables(), st.booleans(), st.booleans())
def test_property_every_line_hides_none_or_at_least_two(counts, row_totals, column_totals):
    pattern = suppression_pattern(counts, row_totals=row_totals, column_totals=column_totals)
    _, hidden, lines = augmented(counts, pattern, row_totals, column_totals)
    for members, total in lines:
        assert sum(hidden[c] for c in [*members, total]) != 1


@FAST
@given(count_tables(), st.booleans(), st.booleans())
def test_property_no_hidden_count_can_be_worked_out(counts, row_totals, column_totals):
    pattern = suppression_pattern(counts, row_totals=row_totals, column_totals=column_totals)
    assert recoverable_cells(counts, pattern, row_totals, column_totals) == []


@FAST
@given(count_tables(), st.booleans(), st.booleans())
def test_property_zeros_shown_unless_needed(counts, row_totals, column_totals):
    pattern = suppression_pattern(counts, row_totals=row_totals, column_totals=column_totals)
    values, hidden, lines = augmented(counts, pattern, row_totals, column_totals)
    if not any(1 <= v <= 4 for v in values.values()):
        assert not any(hidden.values())  # nothing small: everything shown, zeros included
    for name, value in values.items():
        if value != 0 or not hidden[name]:
            continue
        through = [(members, total) for members, total in lines if name in [*members, total]]
        # A hidden zero is only ever a partner of another hidden cell in a published line...
        assert any(sum(hidden[c] for c in [*m, t]) >= 2 for m, t in through)
        # ...and never one that a zero total across it would give away.
        assert all(values[t] > 0 for _, t in through)


@FAST
@given(st.lists(st.integers(0, 12), min_size=1, max_size=8), st.booleans())
def test_property_one_column_matches_table_of_one_column(values, total_published):
    counts = pd.Series(values, name="n")
    primary = pd.Series([1 <= v <= 4 for v in values], name="n")
    result = suppress_counts(counts, total_published=total_published)
    assert (result | ~primary).all()  # every count 1-4 is hidden
    hidden = int(result.sum()) + int(total_suppressed(counts) and total_published)
    if total_published:
        assert hidden != 1
    else:
        assert_series_equal(result, primary)


def test_one_line_shortcut_matches_the_linear_programme():
    """A column with its total (one line) is audited without a linear programme: the pattern must be
    the one the general audit (``linprog``) finds, on every kind of column."""
    from analysis.suppression import _Augmented

    class ByProgramme(_Augmented):
        def determined_cells(self, suppressed):  # the general audit, whatever the number of lines
            lines, self.lines = self.lines, self.lines + self.lines  # the same line twice: same equations
            try:
                return super().determined_cells(suppressed)
            finally:
                self.lines = lines

    rng = np.random.default_rng(12)
    for _ in range(600):
        values = rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 9, 20, 100], size=int(rng.integers(1, 8))).reshape(-1, 1)
        for total_published in (True, False):
            quick = _Augmented(values, False, total_published).solve()
            general = ByProgramme(values, False, total_published).solve()
            assert (quick == general).all(), (values.ravel(), total_published)
    # hand-checked: 3 and 9 with the total shown -> 3 hidden, and 9 too (else 9 gives 3 back)
    assert list(_Augmented(np.array([[3], [9]]), False, True).solve()) == [True, True, False]


def test_one_column_helpers_equal_the_table_method():
    """``suppress_counts`` and ``total_suppressed`` (worked on the column's array) give the pattern
    ``suppression_mask`` / ``suppression_pattern`` give for the same column as a one-column table."""
    from analysis.suppression import suppress_counts, suppression_mask, suppression_pattern, total_suppressed

    rng = np.random.default_rng(21)
    for _ in range(300):
        values = rng.choice([0, 1, 2, 3, 4, 5, 7, 12, 40], size=int(rng.integers(1, 7)))
        counts = pd.Series(values, index=[f"area {i}" for i in range(len(values))], name="people")
        table = counts.to_frame(name="count")
        for published in (True, False):
            expected = suppression_mask(table, row_totals=False, column_totals=published)["count"].rename("people")
            assert_series_equal(suppress_counts(counts, total_published=published), expected)
        pattern = suppression_pattern(table, row_totals=False, column_totals=True)
        assert total_suppressed(counts) == bool(pattern.column_totals.iloc[0])


def test_whole_counts_mask_is_count_mask_of_the_column_and_refuses_other_numbers():
    from analysis.suppression import count_mask, whole_counts_mask

    for counts in ([20.0, 3.0, 7.0, 0.0], [50.0, 60.0, 0.0], [2.0, 2.0], [0.0, 0.0], [4.0]):
        frame = pd.DataFrame({"count": counts})
        assert whole_counts_mask(np.array(counts)).tolist() == count_mask(frame, "count").tolist()
    assert whole_counts_mask(np.array([20.0, 3.0, 7.0])).tolist() == [False, True, True]
    for bad in ([1.5, 3.0], [np.nan, 3.0], [-1.0, 8.0]):
        assert whole_counts_mask(np.array(bad)) is None
