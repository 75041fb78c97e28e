"""Confidence intervals, funnel-plot limits and period comparisons, by the methods of England's public-health profiles."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from analysis.errors import InvalidValueError

#: The two confidence levels England's public-health profiles publish (about 2 and 3 standard deviations).
CONFIDENCE_95 = 0.95
CONFIDENCE_998 = 0.998
ALLOWED_CONFIDENCE = (CONFIDENCE_95, CONFIDENCE_998)

#: Default multipliers: rates per 1,000 people (see the glossary), proportions as percentages.
RATE_PER_1000 = 1000
PERCENT = 100

#: Below this count Byar's approximation is poor, so the exact Poisson interval is used (as PHEindicatormethods).
BYAR_MINIMUM_COUNT = 10

#: Method names, as written in the ``method`` column of each result.
METHOD_EXACT_POISSON = "Exact Poisson"
METHOD_BYAR = "Byar's"
METHOD_WILSON = "Wilson score"
METHOD_FUNNEL_RATE = "Funnel limits: exact Poisson (PHE)"
METHOD_FUNNEL_PROPORTION = "Funnel limits: Wilson score (PHE)"
METHOD_RATE_RATIO = "Exact conditional binomial test with Clopper-Pearson interval for the rate ratio"
METHOD_NEWCOMBE = "Newcombe hybrid score interval (method 10) for a difference of proportions"

#: Labels for a value compared with a comparator (funnel limits or a baseline).
SIGNIFICANTLY_HIGHER = "Significantly higher"
SIGNIFICANTLY_LOWER = "Significantly lower"
NOT_SIGNIFICANTLY_DIFFERENT = "Not significantly different"

#: Column names of the funnel-limit frames.
FUNNEL_COLUMNS = ("lower_95", "upper_95", "lower_998", "upper_998")


# ---------------------------------------------------------------------------------------------
# Input handling: every public function accepts scalars or equal-length array-likes.
# ---------------------------------------------------------------------------------------------


def _to_float(values: Any, name: str) -> tuple[np.ndarray, pd.Index | None, bool]:
    """Return ``values`` as a 1-D float array (missing -> NaN), its index if a Series, and whether it was a scalar."""
    index = values.index if isinstance(values, pd.Series) else None
    if isinstance(values, (pd.Series, pd.Index)):
        if values.dtype.kind in "biuf":
            # already numbers (missing as NaN, or a nullable type's NA): straight to floats, the same
            # values the general path below gives, without going through Python objects
            return values.to_numpy(dtype=float, na_value=np.nan), index, False
        values = values.to_numpy(dtype=object, na_value=np.nan)
    array = np.asarray(values, dtype=object) if not isinstance(values, np.ndarray) else values
    scalar = array.ndim == 0
    array = np.atleast_1d(array)
    if array.ndim != 1:
        raise InvalidValueError(f"{name} must be a single value or a one-dimensional list of values")
    if array.dtype.kind in "biuf":
        return array.astype(float), index, scalar
    original = pd.Series(array, dtype=object)
    numbers = pd.to_numeric(original, errors="coerce")
    bad = numbers.isna() & ~original.isna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        label = index[row] if index is not None else row
        raise InvalidValueError(f"{name} must be a number in row {label} (got {original.iloc[row]!r})")
    return numbers.to_numpy(dtype=float), index, scalar


def _prepare(**named: Any) -> tuple[dict[str, np.ndarray], pd.Index]:
    """Convert named inputs to float arrays of one common length; scalars are repeated to that length.

    The result index is the index of the first pandas Series given (so error messages and outputs
    name rows as the caller's frame does), otherwise 0, 1, 2, ...
    """
    converted = {name: _to_float(values, name) for name, values in named.items()}
    lengths = {name: len(array) for name, (array, _, scalar) in converted.items() if not scalar}
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"{name} has {length}" for name, length in lengths.items())
        raise InvalidValueError(f"inputs must have the same number of rows ({described})")
    length = next(iter(lengths.values()), 1)
    index = next(
        (idx for array, idx, _ in converted.values() if idx is not None and len(idx) == length),
        pd.RangeIndex(length),
    )
    arrays = {
        name: np.full(length, array[0]) if scalar else array
        for name, (array, _, scalar) in converted.items()
    }
    return arrays, index


def _raise_first(bad: np.ndarray, message: str, index: pd.Index) -> None:
    """Raise InvalidValueError naming the first row where ``bad`` is true."""
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InvalidValueError(f"{message} in row {index[row]}")


def _check_finite(arrays: dict[str, np.ndarray], index: pd.Index) -> None:
    for name, array in arrays.items():
        _raise_first(np.isinf(array), f"{name} must be a finite number", index)


def _check_at_least_zero(array: np.ndarray, name: str, index: pd.Index) -> None:
    _raise_first(array < 0, f"{name} must be zero or more", index)


def _check_above_zero(array: np.ndarray, name: str, index: pd.Index) -> None:
    _raise_first(array <= 0, f"{name} must be greater than zero", index)


def _check_multiplier(per: float, name: str = "per") -> None:
    if not np.isfinite(per) or per <= 0:
        raise InvalidValueError(f"{name} must be a positive number, not {per!r}")


def _z(confidence: float) -> float:
    """Two-sided standard normal quantile for an allowed confidence level."""
    if confidence not in ALLOWED_CONFIDENCE:
        raise InvalidValueError(
            f"confidence must be {CONFIDENCE_95} or {CONFIDENCE_998}, not {confidence!r}"
        )
    return float(special.ndtri(1 - (1 - confidence) / 2))


def _alpha(confidence: float) -> float:
    _z(confidence)  # validates
    return 1 - confidence


# ---------------------------------------------------------------------------------------------
# Counts and rates
# ---------------------------------------------------------------------------------------------


def _exact_poisson_limits(count: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact Poisson limits for a count: gamma quantiles (equivalently chi-square / 2)."""
    alpha = _alpha(confidence)
    with np.errstate(invalid="ignore"):
        lower = np.where(count > 0, special.gammaincinv(np.where(count > 0, count, 1), alpha / 2), 0.0)
        upper = special.gammaincinv(count + 1, 1 - alpha / 2)
    lower = np.where(np.isnan(count), np.nan, lower)
    return lower, upper


def _byar_limits(count: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Byar's approximation to the Poisson limits (Breslow & Day 1987)."""
    z = _z(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        lower = count * (1 - 1 / (9 * count) - z / (3 * np.sqrt(count))) ** 3
        shifted = count + 1
        upper = shifted * (1 - 1 / (9 * shifted) + z / (3 * np.sqrt(shifted))) ** 3
    return lower, upper


def _count_limits(count: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Limits for counts: exact Poisson below ``BYAR_MINIMUM_COUNT``, Byar's from it up; plus the method per row."""
    exact_lower, exact_upper = _exact_poisson_limits(count, confidence)
    byar_lower, byar_upper = _byar_limits(count, confidence)
    small = count < BYAR_MINIMUM_COUNT
    lower = np.where(small, exact_lower, byar_lower)
    upper = np.where(small, exact_upper, byar_upper)
    method = np.where(
        np.isnan(count), None, np.where(small, METHOD_EXACT_POISSON, METHOD_BYAR)
    ).astype(object)
    return lower, upper, method


def _result_frame(
    index: pd.Index, value: np.ndarray, lower: np.ndarray, upper: np.ndarray,
    confidence: float, method: np.ndarray | str,
) -> pd.DataFrame:
    missing = np.isnan(value)
    methods = np.broadcast_to(np.asarray(method, dtype=object), value.shape).copy()
    methods[missing] = None
    return pd.DataFrame(
        {
            "value": value,
            "lower": np.where(missing, np.nan, lower),
            "upper": np.where(missing, np.nan, upper),
            "confidence": np.full(len(value), confidence, dtype=float),
            "method": pd.Series(methods, index=index, dtype="str"),
        },
        index=index,
    )


def rate_ci(
    count: Any, population: Any, *, per: float = RATE_PER_1000, confidence: float = CONFIDENCE_95
) -> pd.DataFrame:
    """Crude rate per ``per`` people with its confidence interval, as PHEindicatormethods ``phe_rate``.

    Definition: value = count / population x per. Interval: for counts below 10 the exact Poisson
    limits (lower = chi-square(alpha/2, 2x) / 2, upper = chi-square(1 - alpha/2, 2x + 2) / 2,
    computed as gamma quantiles; a zero count has lower limit 0); from 10 up Byar's approximation
    (lower = x(1 - 1/(9x) - z/(3 sqrt x))^3, upper = (x+1)(1 - 1/(9(x+1)) + z/(3 sqrt(x+1)))^3),
    each divided by the population and multiplied by ``per``.
    References: Breslow & Day (1987) for Byar's; Armitage & Berry (2002) for the exact limits.

    ``count`` and ``population`` are scalars or equal-length array-likes; a missing value gives a
    row of NaN. Returns columns value, lower, upper, confidence, method (index from a Series input).
    Raises InvalidValueError naming the row for a negative count or a population that is not
    greater than zero, and for a confidence other than 0.95 or 0.998.
    """
    _check_multiplier(per)
    _z(confidence)
    arrays, index = _prepare(count=count, population=population)
    counts, populations = arrays["count"], arrays["population"]
    _check_finite(arrays, index)
    _check_at_least_zero(counts, "count", index)
    _check_above_zero(populations, "population", index)
    lower, upper, method = _count_limits(counts, confidence)
    scale = per / populations
    return _result_frame(index, counts * scale, lower * scale, upper * scale, confidence, method)


def rate_limits(
    count: np.ndarray, population: np.ndarray, index: pd.Index, *, per: float = RATE_PER_1000,
    confidence: float = CONFIDENCE_95,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``rate_ci``'s value, lower and upper as arrays, for float arrays of one length (missing as
    NaN) whose rows ``index`` names in errors: the same definition, checks and numbers, without
    building a frame (for measures computed many times per page, ``analysis.yoy``)."""
    _check_multiplier(per)
    _z(confidence)
    _check_finite({"count": count, "population": population}, index)
    _check_at_least_zero(count, "count", index)
    _check_above_zero(population, "population", index)
    lower, upper, _ = _count_limits(count, confidence)
    scale = per / population
    value = count * scale
    missing = np.isnan(value)
    return value, np.where(missing, np.nan, lower * scale), np.where(missing, np.nan, upper * scale)


def count_ci(count: Any, confidence: float = CONFIDENCE_95) -> pd.DataFrame:
    """Confidence interval for a count itself: ``rate_ci`` with population 1 and ``per`` 1.

    Exact Poisson limits below 10, Byar's approximation from 10 up (PHEindicatormethods).
    Useful to judge whether two counts (for example people in treatment this year and last year)
    differ: see also ``compare_rates`` with both populations 1.
    """
    return rate_ci(count, 1.0, per=1.0, confidence=confidence)


# ---------------------------------------------------------------------------------------------
# Proportions
# ---------------------------------------------------------------------------------------------


def _wilson_limits(
    numerator: np.ndarray, denominator: np.ndarray, z: float
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score limits as proportions (0 to 1), written as centre +/- half-width."""
    with np.errstate(invalid="ignore", divide="ignore"):
        p = numerator / denominator
        z2n = z * z / denominator
        centre = p + z2n / 2
        half = z * np.sqrt(p * (1 - p) / denominator + z2n / (4 * denominator))
        lower = (centre - half) / (1 + z2n)
        upper = (centre + half) / (1 + z2n)
    # Rounding can leave tiny excursions at the ends; the exact limits there are 0 and 1.
    lower = np.where(numerator == 0, 0.0, np.clip(lower, 0.0, 1.0))
    upper = np.where(numerator == denominator, 1.0, np.clip(upper, 0.0, 1.0))
    return lower, upper


def _proportion_inputs(
    numerator: Any, denominator: Any, num_name: str = "numerator", den_name: str = "denominator",
    index_from: tuple[dict[str, np.ndarray], pd.Index] | None = None,
) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    arrays, index = index_from or _prepare(**{num_name: numerator, den_name: denominator})
    num, den = arrays[num_name], arrays[den_name]
    _check_finite({num_name: num, den_name: den}, index)
    _check_at_least_zero(num, num_name, index)
    _check_above_zero(den, den_name, index)
    _raise_first(num > den, f"{num_name} must not be greater than {den_name}", index)
    return num, den, index


def proportion_ci(
    numerator: Any, denominator: Any, *, per: float = PERCENT, confidence: float = CONFIDENCE_95
) -> pd.DataFrame:
    """Proportion (times ``per``, default a percentage) with its Wilson score interval.

    As PHEindicatormethods ``phe_proportion`` / ``wilson_lower`` / ``wilson_upper``:
    limits = (2x + z^2 -/+ z sqrt(z^2 + 4x(1 - x/n))) / (2(n + z^2)), times ``per``.
    References: Wilson (1927); Newcombe & Altman, Statistics with confidence (2000) pp 46-48.

    A missing value gives a row of NaN. Raises InvalidValueError naming the row for a negative
    numerator, a denominator that is not greater than zero, or a numerator above its denominator.
    """
    _check_multiplier(per)
    z = _z(confidence)
    num, den, index = _proportion_inputs(numerator, denominator)
    lower, upper = _wilson_limits(num, den, z)
    return _result_frame(index, num / den * per, lower * per, upper * per, confidence, METHOD_WILSON)


def proportion_limits(
    numerator: np.ndarray, denominator: np.ndarray, index: pd.Index, *, per: float = PERCENT,
    confidence: float = CONFIDENCE_95,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``proportion_ci``'s value, lower and upper as arrays (see ``rate_limits``): Wilson score
    interval, the same checks and numbers."""
    _check_multiplier(per)
    z = _z(confidence)
    num, den, _ = _proportion_inputs(None, None, index_from=(
        {"numerator": numerator, "denominator": denominator}, index))
    lower, upper = _wilson_limits(num, den, z)
    value = num / den * per
    missing = np.isnan(value)
    return value, np.where(missing, np.nan, lower * per), np.where(missing, np.nan, upper * per)


# ---------------------------------------------------------------------------------------------
# Funnel plots
# ---------------------------------------------------------------------------------------------


def funnel_limits_rate(
    baseline_rate: Any, populations: Any, *, per: float = RATE_PER_1000
) -> pd.DataFrame:
    """95% and 99.8% funnel-plot control limits for a rate per ``per`` around a baseline rate.

    Method (PHE Fingertips technical guide on funnel plots, as PHEindicatormethods
    ``calculate_funnel_limits`` for rates): at population n the expected count is
    E = baseline / per x n. A count O lies on the lower limit when the exact Poisson upper
    confidence limit of O equals E, i.e. P(X <= O | E) = alpha/2 with the Poisson distribution
    made continuous through the incomplete gamma function (gammaincc(O + 1, E) = alpha/2); it lies
    on the upper limit when the exact lower limit of O equals E (gammainc(O, E) = alpha/2). The
    limits are those counts divided by n, times ``per`` (a lower count below zero is shown as 0).
    So an area is outside a limit exactly when its own exact interval excludes the expected count.

    Returns columns lower_95, upper_95, lower_998, upper_998 (rows as ``populations``).
    Raises InvalidValueError for a negative baseline or a population not greater than zero.
    """
    _check_multiplier(per)
    arrays, index = _prepare(baseline_rate=baseline_rate, populations=populations)
    baseline, population = arrays["baseline_rate"], arrays["populations"]
    _check_finite(arrays, index)
    _check_at_least_zero(baseline, "baseline_rate", index)
    _check_above_zero(population, "populations", index)
    expected = baseline / per * population
    result = {}
    for confidence, suffix in ((CONFIDENCE_95, "95"), (CONFIDENCE_998, "998")):
        tail = _alpha(confidence) / 2
        with np.errstate(invalid="ignore"):
            # gdtrib(1, p, E) is the gamma shape a with gammainc(a, E) = p.
            lower_count = np.maximum(special.gdtrib(1.0, 1 - tail, expected) - 1, 0.0)
            upper_count = special.gdtrib(1.0, tail, expected)
        # With nothing expected any event is unusual: both limits sit at zero.
        lower_count = np.where(expected == 0, 0.0, lower_count)
        upper_count = np.where(expected == 0, 0.0, upper_count)
        result[f"lower_{suffix}"] = lower_count / population * per
        result[f"upper_{suffix}"] = upper_count / population * per
    return pd.DataFrame(result, index=index, columns=list(FUNNEL_COLUMNS))


def funnel_limits_proportion(
    baseline_proportion: Any, denominators: Any, *, per: float = PERCENT
) -> pd.DataFrame:
    """95% and 99.8% funnel-plot control limits for a proportion (times ``per``) around a baseline.

    Method (PHE Fingertips technical guide on funnel plots, PHEindicatormethods ``sigma_adjustment``):
    the limit at denominator n is the observed proportion whose Wilson score interval has the
    baseline p0 as its end point. Solving the Wilson equation for the observed proportion gives
    p0 -/+ z sqrt(p0 (1 - p0) / n), the score test of the baseline; limits are kept within 0..per.

    ``baseline_proportion`` is on the same scale as the output (e.g. a percentage when per=100).
    Returns columns lower_95, upper_95, lower_998, upper_998 (rows as ``denominators``).
    """
    _check_multiplier(per)
    arrays, index = _prepare(baseline_proportion=baseline_proportion, denominators=denominators)
    baseline, denominator = arrays["baseline_proportion"], arrays["denominators"]
    _check_finite(arrays, index)
    _check_at_least_zero(baseline, "baseline_proportion", index)
    _raise_first(baseline > per, f"baseline_proportion must not be greater than {per:g}", index)
    _check_above_zero(denominator, "denominators", index)
    p0 = baseline / per
    result = {}
    for confidence, suffix in ((CONFIDENCE_95, "95"), (CONFIDENCE_998, "998")):
        half = _z(confidence) * np.sqrt(p0 * (1 - p0) / denominator)
        result[f"lower_{suffix}"] = np.clip(p0 - half, 0.0, 1.0) * per
        result[f"upper_{suffix}"] = np.clip(p0 + half, 0.0, 1.0) * per
    return pd.DataFrame(result, index=index, columns=list(FUNNEL_COLUMNS))


def _labels(higher: np.ndarray, lower: np.ndarray, missing: np.ndarray, index: pd.Index) -> pd.Series:
    labels = np.where(
        higher, SIGNIFICANTLY_HIGHER, np.where(lower, SIGNIFICANTLY_LOWER, NOT_SIGNIFICANTLY_DIFFERENT)
    ).astype(object)
    labels[missing] = None
    return pd.Series(labels, index=index, dtype="str", name="significance")


def funnel_significance(value: Any, lower_95: Any, upper_95: Any) -> pd.Series:
    """Label each value against its funnel limits: above the upper limit is "Significantly higher",
    below the lower limit "Significantly lower", otherwise "Not significantly different".

    Points on a limit count as inside (as PHEindicatormethods ``phe_funnel_significance``).
    A missing value or limit gives a missing label. Pass the 99.8% limits to judge at that level.
    """
    arrays, index = _prepare(value=value, lower_95=lower_95, upper_95=upper_95)
    val, low, up = arrays["value"], arrays["lower_95"], arrays["upper_95"]
    missing = np.isnan(val) | np.isnan(low) | np.isnan(up)
    return _labels(val > up, val < low, missing, index)


def compare_with_baseline(value_lower: Any, value_upper: Any, baseline: Any) -> pd.Series:
    """Label a value by whether its confidence interval excludes a comparator (PHE "compared with
    benchmark"): lower limit above the baseline is "Significantly higher", upper limit below it is
    "Significantly lower", otherwise "Not significantly different". Missing inputs give a missing label.
    """
    arrays, index = _prepare(value_lower=value_lower, value_upper=value_upper, baseline=baseline)
    low, up, base = arrays["value_lower"], arrays["value_upper"], arrays["baseline"]
    missing = np.isnan(low) | np.isnan(up) | np.isnan(base)
    return _labels(low > base, up < base, missing, index)


# ---------------------------------------------------------------------------------------------
# Comparing two periods
# ---------------------------------------------------------------------------------------------


def compare_rates(
    count1: Any, pop1: Any, count2: Any, pop2: Any, *, confidence: float = CONFIDENCE_95
) -> pd.DataFrame:
    """Rate ratio (rate 1 / rate 2) with an exact interval, and whether it differs from 1.

    Method: exact conditional binomial test. Given n = X1 + X2 events, X1 ~ Binomial(n, p) with
    p = pop1 r1 / (pop1 r1 + pop2 r2), which is p0 = pop1 / (pop1 + pop2) when the rates are equal.
    The Clopper-Pearson interval for p (beta quantiles) is converted to the rate ratio through
    ratio = p / (1 - p) x pop2 / pop1. Significant when the interval excludes 1.
    Reference: Armitage, Berry & Matthews, Statistical methods in medical research (4th edn), 5.3.

    Pass the current period first to read the ratio as "this year relative to last year".
    With both populations 1 this compares two counts (e.g. people in treatment year on year).
    Zero counts: both zero gives NaN ratio and limits, not significant; count2 zero gives an
    infinite ratio and upper limit; count1 zero gives ratio 0 and lower limit 0.

    Returns columns ratio, ratio_lower, ratio_upper, significant (bool), method.
    """
    arrays, index = _prepare(count1=count1, pop1=pop1, count2=count2, pop2=pop2)
    limits = rate_ratio_limits(arrays["count1"], arrays["pop1"], arrays["count2"], arrays["pop2"], index,
                               confidence=confidence)
    return _comparison_frame(("ratio", "ratio_lower", "ratio_upper", "significant"), limits, METHOD_RATE_RATIO, index)


def _comparison_frame(names: tuple[str, ...], columns: tuple[np.ndarray, ...], method: str, index: pd.Index
                      ) -> pd.DataFrame:
    """A two-period comparison's result: ``columns`` under ``names``, then ``method`` on every row."""
    return pd.DataFrame({**dict(zip(names, columns, strict=True)),
                         "method": pd.Series(method, index=index, dtype="str")}, index=index)


def rate_ratio_limits(
    x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray, index: pd.Index, *,
    confidence: float = CONFIDENCE_95,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``compare_rates``'s ratio, lower, upper and significant (bool) as arrays, for float arrays of
    one length (missing as NaN) whose rows ``index`` names in errors: the same test, checks and
    numbers, without building a frame (for comparisons made many times per page, ``analysis.yoy``)."""
    alpha = _alpha(confidence)
    _check_finite({"count1": x1, "pop1": n1, "count2": x2, "pop2": n2}, index)
    _check_at_least_zero(x1, "count1", index)
    _check_above_zero(n1, "pop1", index)
    _check_at_least_zero(x2, "count2", index)
    _check_above_zero(n2, "pop2", index)
    total = x1 + x2
    with np.errstate(invalid="ignore", divide="ignore"):
        p_lower = np.where(
            x1 > 0, special.betaincinv(np.where(x1 > 0, x1, 1), x2 + 1, alpha / 2), 0.0
        )
        p_upper = np.where(
            x2 > 0, special.betaincinv(x1 + 1, np.where(x2 > 0, x2, 1), 1 - alpha / 2), 1.0
        )
        odds_to_ratio = n2 / n1
        ratio = (x1 / n1) / (x2 / n2)
        ratio_lower = p_lower / (1 - p_lower) * odds_to_ratio
        ratio_upper = np.where(p_upper >= 1, np.inf, p_upper / (1 - p_upper) * odds_to_ratio)
    empty = (total == 0) | np.isnan(total) | np.isnan(n1) | np.isnan(n2)
    ratio = np.where(empty, np.nan, ratio)
    ratio_lower = np.where(empty, np.nan, ratio_lower)
    ratio_upper = np.where(empty, np.nan, ratio_upper)
    significant = ~empty & ((ratio_lower > 1) | (ratio_upper < 1))
    return ratio, ratio_lower, ratio_upper, significant.astype(bool)


def compare_proportions(
    num1: Any, den1: Any, num2: Any, den2: Any, *, per: float = PERCENT,
    confidence: float = CONFIDENCE_95,
) -> pd.DataFrame:
    """Difference of two proportions (p1 - p2, times ``per``) with Newcombe's hybrid score interval.

    Method 10 of Newcombe (1998, Statistics in Medicine 17:873-890), built from the Wilson
    intervals (l1, u1) and (l2, u2): lower = d - sqrt((p1 - l1)^2 + (u2 - p2)^2),
    upper = d + sqrt((u1 - p1)^2 + (p2 - l2)^2). Significant when the interval excludes 0.
    Missing inputs give a NaN row (not significant).

    Returns columns difference, diff_lower, diff_upper, significant (bool), method.
    """
    arrays, index = _prepare(num1=num1, den1=den1, num2=num2, den2=den2)
    limits = proportion_difference_limits(arrays["num1"], arrays["den1"], arrays["num2"], arrays["den2"], index,
                                          per=per, confidence=confidence)
    return _comparison_frame(("difference", "diff_lower", "diff_upper", "significant"), limits, METHOD_NEWCOMBE,
                             index)


def proportion_difference_limits(
    num1: np.ndarray, den1: np.ndarray, num2: np.ndarray, den2: np.ndarray, index: pd.Index, *,
    per: float = PERCENT, confidence: float = CONFIDENCE_95,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``compare_proportions``'s difference, lower, upper (times ``per``) and significant (bool) as
    arrays (see ``rate_ratio_limits``): Newcombe's method 10, the same checks and numbers."""
    _check_multiplier(per)
    z = _z(confidence)
    named = ({"num1": num1, "den1": den1, "num2": num2, "den2": den2}, index)
    p1n, p1d, _ = _proportion_inputs(None, None, "num1", "den1", index_from=named)
    p2n, p2d, _ = _proportion_inputs(None, None, "num2", "den2", index_from=named)
    l1, u1 = _wilson_limits(p1n, p1d, z)
    l2, u2 = _wilson_limits(p2n, p2d, z)
    p1, p2 = p1n / p1d, p2n / p2d
    difference = p1 - p2
    lower = difference - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = difference + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    significant = (lower > 0) | (upper < 0)
    return difference * per, lower * per, upper * per, significant.astype(bool)


__all__ = [
    "ALLOWED_CONFIDENCE", "BYAR_MINIMUM_COUNT", "CONFIDENCE_95", "CONFIDENCE_998", "FUNNEL_COLUMNS",
    "METHOD_BYAR", "METHOD_EXACT_POISSON", "METHOD_FUNNEL_PROPORTION", "METHOD_FUNNEL_RATE",
    "METHOD_NEWCOMBE", "METHOD_RATE_RATIO", "METHOD_WILSON", "NOT_SIGNIFICANTLY_DIFFERENT", "PERCENT",
    "RATE_PER_1000", "SIGNIFICANTLY_HIGHER", "SIGNIFICANTLY_LOWER", "compare_proportions",
    "compare_rates", "compare_with_baseline", "count_ci",
    "proportion_difference_limits", "proportion_limits", "rate_limits", "rate_ratio_limits", "funnel_limits_proportion",
    "funnel_limits_rate", "funnel_significance", "proportion_ci", "rate_ci",
]
