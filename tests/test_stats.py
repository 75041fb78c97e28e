"""Tests for analysis.stats against independent golden values (tests/data/stats_golden_*.csv)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import stats
from analysis.errors import InvalidValueError

DATA = Path(__file__).resolve().parent / "data"
RELATIVE_TOLERANCE = 1e-6


def golden(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / f"stats_golden_{name}.csv")


def assert_close(actual: float, expected: float, rel_tol: float = RELATIVE_TOLERANCE, abs_tol: float = 0.0) -> None:
    if math.isinf(expected):
        assert actual == expected
        return
    assert math.isclose(actual, expected, rel_tol=rel_tol, abs_tol=abs_tol), (actual, expected)


def tolerances(row: pd.Series) -> dict[str, float]:
    rel = row.get("rel_tol", RELATIVE_TOLERANCE)
    absolute = row.get("abs_tol", 0.0)
    return {
        "rel_tol": 0.0 if pd.isna(rel) else float(rel),
        "abs_tol": 0.0 if pd.isna(absolute) else float(absolute),
    }


# --- rates and counts -----------------------------------------------------------------------


@pytest.mark.parametrize("row", golden("rate").to_dict("records"), ids=lambda r: f"{r['count']}-{r['confidence']}")
def test_rate_ci_matches_golden(row: dict) -> None:
    result = stats.rate_ci(row["count"], row["population"], per=row["per"], confidence=row["confidence"])
    assert len(result) == 1
    got = result.iloc[0]
    for column in ("value", "lower", "upper"):
        assert_close(got[column], row[column])
    assert got["method"] == row["method"]
    assert got["confidence"] == row["confidence"]


def test_rate_ci_vectorised_equals_row_by_row_golden() -> None:
    table = golden("rate")
    for confidence, part in table.groupby("confidence"):
        result = stats.rate_ci(part["count"], part["population"], per=1000, confidence=confidence)
        np.testing.assert_allclose(result["lower"], part["lower"], rtol=RELATIVE_TOLERANCE)
        np.testing.assert_allclose(result["upper"], part["upper"], rtol=RELATIVE_TOLERANCE)
        assert list(result.index) == list(part.index)


@pytest.mark.parametrize(("count", "method"), [(9, stats.METHOD_EXACT_POISSON), (10, stats.METHOD_BYAR)])
def test_rate_ci_switches_from_exact_to_byar_at_ten(count: int, method: str) -> None:
    assert stats.rate_ci(count, 1000)["method"].iloc[0] == method


def test_rate_ci_zero_count_has_zero_lower_and_exact_upper() -> None:
    result = stats.rate_ci(0, 1000, per=1000).iloc[0]
    assert result["value"] == 0
    assert result["lower"] == 0
    # Exact upper limit for zero events is -ln(0.025) (chi-square with 2 df / 2).
    assert_close(result["upper"], -math.log(0.025))


def test_count_ci_is_rate_ci_with_population_one() -> None:
    result = stats.count_ci([0, 9, 10, 65])
    assert list(result["value"]) == [0, 9, 10, 65]
    # Byar's limits for 65 at 95%, written out by hand.
    z = 1.959963984540054
    assert_close(result["lower"].iloc[3], 65 * (1 - 1 / (9 * 65) - z / (3 * math.sqrt(65))) ** 3)
    assert_close(result["upper"].iloc[3], 66 * (1 - 1 / (9 * 66) + z / (3 * math.sqrt(66))) ** 3)


def test_rate_ci_missing_input_gives_nan_row() -> None:
    result = stats.rate_ci([5, None, np.nan, 20], [100, 100, 100, None])
    assert result[["value", "lower", "upper"]].iloc[[1, 2, 3]].isna().all().all()
    assert result["value"].iloc[0] == 50
    assert result["method"].isna().tolist() == [False, True, True, True]


def test_rate_ci_keeps_series_index() -> None:
    counts = pd.Series([4, 12], index=["Ashford", "Dover"])
    result = stats.rate_ci(counts, pd.Series([2000, 3000], index=["Ashford", "Dover"]))
    assert list(result.index) == ["Ashford", "Dover"]
    assert list(result.columns) == ["value", "lower", "upper", "confidence", "method"]


def test_rate_ci_scalar_population_broadcasts() -> None:
    result = stats.rate_ci([1, 2, 3], 1000)
    assert list(result["value"]) == [1.0, 2.0, 3.0]


@pytest.mark.parametrize(
    ("count", "population", "message"),
    [
        ([5, 6, 7, -1], [10, 10, 10, 10], "count must be zero or more in row 3"),
        ([5, 6, 7, 8], [10, 10, 10, 0], "population must be greater than zero in row 3"),
        ([5, 6], [10, -4], "population must be greater than zero in row 1"),
        ([5, "x"], [10, 10], "count must be a number in row 1"),
        ([5, np.inf], [10, 10], "count must be a finite number in row 1"),
        ([1, 2, 3], [10, 10], r"inputs must have the same number of rows \(count has 3, population has 2\)"),
    ],
)
def test_rate_ci_invalid_input_names_the_row(count, population, message) -> None:
    with pytest.raises(InvalidValueError, match=message):
        stats.rate_ci(count, population)


def test_rate_ci_error_names_the_series_label() -> None:
    population = pd.Series([100, 0], index=["Canterbury", "Thanet"])
    with pytest.raises(InvalidValueError, match="population must be greater than zero in row Thanet"):
        stats.rate_ci(pd.Series([1, 2], index=population.index), population)


@pytest.mark.parametrize("confidence", [0.9, 0.99, 95, 1.0])
def test_rate_ci_rejects_other_confidence_levels(confidence: float) -> None:
    with pytest.raises(InvalidValueError, match="confidence must be 0.95 or 0.998"):
        stats.rate_ci(5, 100, confidence=confidence)


# --- proportions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "row", golden("proportion").to_dict("records"), ids=lambda r: f"{r['numerator']}/{r['denominator']}-{r['confidence']}"
)
def test_proportion_ci_matches_golden(row: dict) -> None:
    got = stats.proportion_ci(
        row["numerator"], row["denominator"], per=row["per"], confidence=row["confidence"]
    ).iloc[0]
    tol = tolerances(pd.Series(row))
    assert_close(got["value"], row["value"])
    assert_close(got["lower"], row["lower"], **tol)
    assert_close(got["upper"], row["upper"], **tol)
    assert got["method"] == stats.METHOD_WILSON


def test_proportion_ci_zero_and_full_numerators_reach_the_ends() -> None:
    result = stats.proportion_ci([0, 10], [10, 10])
    assert result["lower"].iloc[0] == 0
    assert result["upper"].iloc[1] == 100


@pytest.mark.parametrize(
    ("numerator", "denominator", "message"),
    [
        ([1, -2], [10, 10], "numerator must be zero or more in row 1"),
        ([1, 2, 3], [10, 10, 0], "denominator must be greater than zero in row 2"),
        ([1, 11], [10, 10], "numerator must not be greater than denominator in row 1"),
    ],
)
def test_proportion_ci_invalid_input_names_the_row(numerator, denominator, message) -> None:
    with pytest.raises(InvalidValueError, match=message):
        stats.proportion_ci(numerator, denominator)


def test_proportion_ci_missing_input_gives_nan_row() -> None:
    result = stats.proportion_ci([1, None], [10, 10])
    assert result.iloc[1][["value", "lower", "upper"]].isna().all()


# --- funnels --------------------------------------------------------------------------------


def test_funnel_limits_rate_matches_phe_published_and_hand_values() -> None:
    table = golden("funnel_rate")
    for row in table.itertuples():
        got = stats.funnel_limits_rate(row.baseline_rate, row.population, per=row.per)
        assert list(got.columns) == ["lower_95", "upper_95", "lower_998", "upper_998"]
        assert_close(got[row.column].iloc[0], row.expected, rel_tol=row.rel_tol)


def test_funnel_limits_proportion_matches_phe_published_values() -> None:
    table = golden("funnel_proportion")
    got = stats.funnel_limits_proportion(table["baseline_proportion"].iloc[0], table["denominator"], per=100)
    for column in stats.FUNNEL_COLUMNS:
        np.testing.assert_allclose(got[column], table[column], rtol=0, atol=table["abs_tol"].iloc[0])


def test_funnel_limits_rate_small_population_lower_limit_is_zero() -> None:
    # Expected 0.5 events: even zero events is within the 95% limits, so the lower limit is 0.
    got = stats.funnel_limits_rate(5, 100, per=1000).iloc[0]
    assert got["lower_95"] == 0
    assert got["upper_95"] > 5


def test_funnel_limits_rate_invalid_population_names_the_row() -> None:
    with pytest.raises(InvalidValueError, match="populations must be greater than zero in row 2"):
        stats.funnel_limits_rate(5.0, [100, 200, 0])


def test_funnel_limits_proportion_rejects_baseline_above_per() -> None:
    with pytest.raises(InvalidValueError, match="baseline_proportion must not be greater than 100"):
        stats.funnel_limits_proportion(120, [10, 20])


def test_funnel_significance_labels() -> None:
    labels = stats.funnel_significance([1, 2, 5, 8, 10, np.nan], 2, 8)
    assert labels.tolist()[:5] == [
        stats.SIGNIFICANTLY_LOWER,
        stats.NOT_SIGNIFICANTLY_DIFFERENT,
        stats.NOT_SIGNIFICANTLY_DIFFERENT,
        stats.NOT_SIGNIFICANTLY_DIFFERENT,
        stats.SIGNIFICANTLY_HIGHER,
    ]
    assert pd.isna(labels.iloc[5])


def test_compare_with_baseline_labels() -> None:
    labels = stats.compare_with_baseline([11, 5, 1, None], [15, 12, 9, 3], 10)
    assert labels.tolist()[:3] == [
        stats.SIGNIFICANTLY_HIGHER,
        stats.NOT_SIGNIFICANTLY_DIFFERENT,
        stats.SIGNIFICANTLY_LOWER,
    ]
    assert pd.isna(labels.iloc[3])


# --- comparing two periods ------------------------------------------------------------------


@pytest.mark.parametrize("row", golden("compare_rates").to_dict("records"), ids=lambda r: f"{r['count1']}v{r['count2']}-{r['confidence']}")
def test_compare_rates_matches_golden(row: dict) -> None:
    got = stats.compare_rates(
        row["count1"], row["pop1"], row["count2"], row["pop2"], confidence=row["confidence"]
    ).iloc[0]
    for column in ("ratio", "ratio_lower", "ratio_upper"):
        assert_close(got[column], row[column])
    assert bool(got["significant"]) is bool(row["significant"])
    assert got["method"] == stats.METHOD_RATE_RATIO


def test_compare_rates_both_zero_is_not_significant() -> None:
    got = stats.compare_rates(0, 1, 0, 1).iloc[0]
    assert math.isnan(got["ratio"]) and math.isnan(got["ratio_lower"]) and math.isnan(got["ratio_upper"])
    assert not got["significant"]


def test_compare_rates_missing_row_is_nan_and_not_significant() -> None:
    got = stats.compare_rates([10, None], [1, 1], [20, 5], [1, 1])
    assert got["ratio"].isna().tolist() == [False, True]
    assert got["significant"].tolist()[1] is False
    assert got["significant"].dtype == bool


def test_compare_rates_invalid_input_names_the_row() -> None:
    with pytest.raises(InvalidValueError, match="pop2 must be greater than zero in row 1"):
        stats.compare_rates([1, 2], [10, 10], [3, 4], [10, 0])
    with pytest.raises(InvalidValueError, match="count1 must be zero or more in row 0"):
        stats.compare_rates([-1, 2], 10, [3, 4], 10)


@pytest.mark.parametrize(
    "row",
    golden("compare_proportions").to_dict("records"),
    ids=lambda r: f"{r['num1']}/{r['den1']}v{r['num2']}/{r['den2']}-{r['confidence']}",
)
def test_compare_proportions_matches_golden(row: dict) -> None:
    got = stats.compare_proportions(
        row["num1"], row["den1"], row["num2"], row["den2"], per=1, confidence=row["confidence"]
    ).iloc[0]
    tol = tolerances(pd.Series(row))
    assert_close(got["difference"], row["difference"], rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-12)
    assert_close(got["diff_lower"], row["diff_lower"], **tol)
    assert_close(got["diff_upper"], row["diff_upper"], **tol)
    assert bool(got["significant"]) is bool(row["significant"])


def test_compare_proportions_uses_percentage_points_by_default() -> None:
    got = stats.compare_proportions(56, 70, 48, 80).iloc[0]
    assert_close(got["difference"], 20.0)
    assert_close(got["diff_lower"], 5.24, abs_tol=5e-3)
    assert got["method"] == stats.METHOD_NEWCOMBE


def test_compare_proportions_invalid_input_names_the_row() -> None:
    with pytest.raises(InvalidValueError, match="num2 must not be greater than den2 in row 1"):
        stats.compare_proportions([1, 2], [10, 10], [3, 40], [10, 10])


def test_module_does_not_import_streamlit() -> None:
    source = (Path(stats.__file__)).read_text()
    assert "streamlit" not in source


# --- properties -----------------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=2_000_000)
populations = st.floats(min_value=1.0, max_value=1e8, allow_nan=False, allow_infinity=False)
confidences = st.sampled_from(stats.ALLOWED_CONFIDENCE)


@settings(max_examples=200, deadline=None)
@given(count=counts, population=populations, confidence=confidences)
def test_rate_interval_contains_value(count: int, population: float, confidence: float) -> None:
    got = stats.rate_ci(count, population, confidence=confidence).iloc[0]
    assert 0 <= got["lower"] <= got["value"] <= got["upper"]


@settings(max_examples=200, deadline=None)
@given(data=st.data(), denominator=st.integers(min_value=1, max_value=10_000_000), confidence=confidences)
def test_proportion_interval_within_zero_and_per(data, denominator: int, confidence: float) -> None:
    numerator = data.draw(st.integers(min_value=0, max_value=denominator))
    got = stats.proportion_ci(numerator, denominator, confidence=confidence).iloc[0]
    assert 0 <= got["lower"] <= got["value"] <= got["upper"] <= 100


@settings(max_examples=100, deadline=None)
@given(baseline=st.floats(min_value=0.01, max_value=500), population=populations)
def test_rate_funnel_limits_bracket_baseline(baseline: float, population: float) -> None:
    got = stats.funnel_limits_rate(baseline, population).iloc[0]
    assert 0 <= got["lower_998"] <= got["lower_95"] <= baseline <= got["upper_95"] <= got["upper_998"]


@settings(max_examples=100, deadline=None)
@given(
    baseline=st.floats(min_value=0, max_value=100, allow_subnormal=False),
    denominator=st.floats(min_value=1, max_value=1e7),
)
def test_proportion_funnel_limits_within_zero_and_per(baseline: float, denominator: float) -> None:
    got = stats.funnel_limits_proportion(baseline, denominator).iloc[0]
    assert 0 <= got["lower_998"] <= got["lower_95"] <= baseline <= got["upper_95"] <= got["upper_998"] <= 100


@settings(max_examples=100, deadline=None)
@given(x1=st.integers(0, 5000), x2=st.integers(0, 5000), confidence=confidences)
def test_rate_ratio_interval_contains_ratio(x1: int, x2: int, confidence: float) -> None:
    got = stats.compare_rates(x1, 1, x2, 1, confidence=confidence).iloc[0]
    if x1 + x2 == 0:
        assert math.isnan(got["ratio"]) and not got["significant"]
    else:
        assert got["ratio_lower"] <= got["ratio"] <= got["ratio_upper"]


@settings(max_examples=100, deadline=None)
@given(data=st.data(), den1=st.integers(1, 5000), den2=st.integers(1, 5000))
def test_difference_interval_contains_difference(data, den1: int, den2: int) -> None:
    num1 = data.draw(st.integers(0, den1))
    num2 = data.draw(st.integers(0, den2))
    got = stats.compare_proportions(num1, den1, num2, den2).iloc[0]
    assert -100 <= got["diff_lower"] <= got["difference"] + 1e-9
    assert got["difference"] - 1e-9 <= got["diff_upper"] <= 100


def test_array_limits_are_the_frame_functions_numbers_and_checks():
    """issue 12: ``rate_limits`` / ``proportion_limits`` (arrays, for yoy) give exactly the values of
    ``rate_ci`` / ``count_ci`` / ``proportion_ci``, missing rows included, and the same row-naming errors."""
    index = pd.Index(["a", "b", "c", "d", "e"])
    counts = np.array([0.0, 3.0, 9.0, 10.0, np.nan])
    populations = np.array([50.0, 50.0, 2000.0, 123.0, 10.0])
    frame = stats.rate_ci(pd.Series(counts, index=index), pd.Series(populations, index=index), per=1000)
    value, lower, upper = stats.rate_limits(counts, populations, index, per=1000)
    np.testing.assert_array_equal(np.c_[value, lower, upper], frame[["value", "lower", "upper"]].to_numpy())
    frame = stats.count_ci(pd.Series(counts, index=index))
    value, lower, upper = stats.rate_limits(counts, np.ones(5), index, per=1.0)
    np.testing.assert_array_equal(np.c_[value, lower, upper], frame[["value", "lower", "upper"]].to_numpy())
    assert frame.loc["b", "upper"] == pytest.approx(8.767, abs=1e-3)  # exact Poisson upper limit of 3
    numerators = np.array([0.0, 1.0, 5.0, 10.0, np.nan])
    frame = stats.proportion_ci(pd.Series(numerators, index=index), pd.Series([10.0] * 5, index=index))
    value, lower, upper = stats.proportion_limits(numerators, np.full(5, 10.0), index)
    np.testing.assert_array_equal(np.c_[value, lower, upper], frame[["value", "lower", "upper"]].to_numpy())
    assert frame.loc["c", "lower"] == pytest.approx(23.66, abs=0.01)  # Wilson 5/10
    with pytest.raises(InvalidValueError, match="in row c"):
        stats.rate_limits(np.array([1.0, 2.0, -1.0, 0, 0]), np.ones(5), index)
    with pytest.raises(InvalidValueError, match="in row b"):
        stats.proportion_limits(np.array([1.0, 11.0, 1, 1, 1]), np.full(5, 10.0), index)
