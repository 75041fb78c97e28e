"""analysis.spc against golden values from NHSRplotthedots (v0.2.2 era, github.com/nhs-r-community/NHSRplotthedots)
and against hand computations from the Making Data Count rules.

Every case transcribed from the package cites the file it comes from (tests/testthat/... in that
repository); only inputs and printed outputs are transcribed, the R code is not. Limits are checked
to the digits the package printed.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import spc

# R: set.seed(123); rnorm(20), as used by tests/testthat/test-ptd_spc_standard.R and test-ptd_spc.R.
# The first eight digits R prints (the snapshot _snaps/ptd_spc_standard.md prints the same values).
RNORM_123 = [-0.56047565, -0.23017749, 1.55870831, 0.07050839, 0.12928774, 1.71506499, 0.46091621, -1.26506123,
             -0.68685285, -0.44566197, 1.22408180, 0.35981383, 0.40077145, 0.11068272, -0.55584113, 1.78691314,
             0.49785048, -1.96661716, 0.70135590, -0.47279141]


def first_limits(chart: pd.DataFrame) -> tuple[float, float, float]:
    row = chart.iloc[0]
    return float(row["mean"]), float(row["lpl"]), float(row["upl"])


# ------------------------------------------------------------------------ vignettes/deviations.Rmd
@pytest.mark.parametrize("screen, expected", [(True, (4.6, 1.94, -0.72)), (False, (6.95, 1.94, -3.06))])
def test_the_deviations_vignette_outlier_example(screen, expected):
    # vignettes/deviations.Rmd, "Treatment of outlying points": data c(1, 2, 1, 2, 10, 1, 2, ..., 1) (18 points);
    # captions print UPL, mean, LPL rounded to 2 places: 4.6, 1.94, -0.72 screened and 6.95, 1.94, -3.06 not (the
    # Excel tool's way); the figure text: the fifth point is special cause improvement, the others common cause.
    values = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
    chart = spc.xmr(values, screen_outliers=screen)
    row = chart.iloc[0]
    assert (round(row["upl"], 2), round(row["mean"], 2), round(row["lpl"], 2)) == expected
    assert chart["point_type"].tolist() == [spc.COMMON_CAUSE] * 4 + [spc.IMPROVEMENT] + [spc.COMMON_CAUSE] * 13
    assert chart["special_cause"].iloc[4] == "Above UCL"


# --------------------------------------------------------------- limits: tests/testthat/_snaps/ptd_spc_standard.md
def test_limits_of_the_rnorm_series_match_the_snapshot():
    # _snaps/ptd_spc_standard.md, r1: mean_col 0.1416238, lpl -3.01138, upl 3.294627
    chart = spc.xmr(RNORM_123)
    mean, lpl, upl = first_limits(chart)
    assert mean == pytest.approx(0.1416238, abs=5e-8)
    assert lpl == pytest.approx(-3.01138, abs=5e-6)
    assert upl == pytest.approx(3.294627, abs=5e-7)
    # r1 relative_to_mean as printed (first 15 of 20); outside_limits and close_to_limits FALSE as far as printed
    assert chart["relative_to_mean"].tolist()[:15] == [-1, -1, 1, -1, -1, 1, 1, -1, -1, -1, 1, 1, 1, -1, -1]
    assert not chart["outside_limits"].any() and not chart["close_to_limits"].iloc[:8].any()
    # by hand: point 18 (-1.9666) is beyond mean - 2/3 x 2.66 x average range (-1.9604), alone: still common cause
    assert chart["close_to_limits"].tolist() == [False] * 17 + [True, False, False]
    # _snaps/ptd_spc.md: the same series summarised as 20 common cause points; its variation_type is the latest
    # point's type (R/ptd_spc.R summary.ptd_spc_df)
    assert (chart["point_type"] == spc.COMMON_CAUSE).all()
    assert spc.variation(chart) == spc.COMMON_CAUSE
    assert (chart["special_cause"] == spc.COMMON_CAUSE_LABEL).all()


def test_outlier_screening_matches_the_snapshot():
    # test-ptd_spc_standard.R sets y[15] <- 10; _snaps/ptd_spc_standard.md r2 (screen_outliers = TRUE):
    # mean_col 0.6694159, lpl -2.383666, upl 3.722497; r3 (screen_outliers = FALSE): lpl -4.596625, upl 5.935457
    values = list(RNORM_123)
    values[14] = 10
    screened = spc.xmr(values)
    mean, lpl, upl = first_limits(screened)
    assert mean == pytest.approx(0.6694159, abs=5e-8)
    assert lpl == pytest.approx(-2.383666, abs=5e-7)
    assert upl == pytest.approx(3.722497, abs=5e-7)
    assert screened["relative_to_mean"].tolist()[:14] == [-1, -1, 1, -1, -1, 1, -1, -1, -1, -1, 1, -1, -1, -1]
    unscreened = spc.xmr(values, screen_outliers=False)
    mean, lpl, upl = first_limits(unscreened)
    assert mean == pytest.approx(0.6694159, abs=5e-8)
    assert lpl == pytest.approx(-4.596625, abs=5e-7)
    assert upl == pytest.approx(5.935457, abs=5e-7)
    # the test's own assertion: screening narrows the limits
    assert (unscreened["upl"] - unscreened["lpl"]).iloc[0] > (screened["upl"] - screened["lpl"]).iloc[0]


def test_two_periods_match_the_faceted_summary():
    # test-ptd_spc.R "it outputs expected content": facet = rep(c(0, 1), each = 10); _snaps/ptd_spc.md prints
    # facet 0: mean 0.0746, lpl -2.60, upl 2.75; facet 1: mean 0.209, lpl -3.28, upl 3.70. A rebase after 10 points
    # computes each half on its own in the same way (ptd_spc_standard groups by facet and rebase group alike).
    chart = spc.xmr(RNORM_123, rebase_at=[10])
    first = chart[chart["period"] == 0].iloc[0]
    second = chart[chart["period"] == 1].iloc[0]
    assert (round(first["mean"], 4), round(first["lpl"], 2), round(first["upl"], 2)) == (0.0746, -2.60, 2.75)
    assert (round(second["mean"], 3), round(second["lpl"], 2), round(second["upl"], 2)) == (0.209, -3.28, 3.70)
    assert chart["period"].tolist() == [0] * 10 + [1] * 10


def test_a_rebase_date_not_in_the_series_is_ignored():
    # test-ptd_spc.R: rebase = as.Date("2020-01-01") with dates from 2020-01-02; _snaps/ptd_spc.md prints the
    # unrebased limits (rebase_group 0, mean 0.142, lpl -3.01, upl 3.29)
    series = pd.Series(RNORM_123, index=pd.date_range("2020-01-02", periods=20, freq="D"))
    chart = spc.xmr(series, rebase_at=[pd.Timestamp("2020-01-01")])
    assert (chart["period"] == 0).all()
    assert (round(chart["mean"].iloc[0], 3), round(chart["lpl"].iloc[0], 2)) == (0.142, -3.01)
    rebased = spc.xmr(series, rebase_at=[pd.Timestamp("2020-01-12")])
    assert rebased["period"].tolist() == [0] * 10 + [1] * 10
    assert list(rebased.index) == list(series.index)


def test_fixing_after_n_points_changes_the_limits():
    # test-ptd_spc_standard.R "setting fix_after_n_points changes the calculations": fix after 12 differs
    assert first_limits(spc.xmr(RNORM_123, fix_after_n_points=12)) != first_limits(spc.xmr(RNORM_123))
    # by hand: first 12 points only; mean = sum / 12, average moving range of their 11 ranges
    first12 = RNORM_123[:12]
    mean = sum(first12) / 12
    ranges = [abs(b - a) for a, b in zip(first12, first12[1:], strict=False)]
    average = sum(ranges) / 11
    assert max(ranges) < 3.267 * average  # nothing screened
    chart = spc.xmr(RNORM_123, fix_after_n_points=12)
    assert chart["mean"].iloc[19] == pytest.approx(mean)
    assert chart["upl"].iloc[19] == pytest.approx(mean + 2.66 * average)


def test_two_close_points_on_opposite_sides_are_not_special():
    # test-ptd_spc_standard.R "it only reports special cause for 2of3 points close to limits when they are on the
    # same side of the mean": rep(c(1, -1), 8) with data[15] <- 5.5, data[16] <- -5.5; last two common cause
    values = [1.0, -1.0] * 8
    values[14], values[15] = 5.5, -5.5
    chart = spc.xmr(values)
    assert chart["point_type"].tail(2).tolist() == [spc.COMMON_CAUSE, spc.COMMON_CAUSE]
    assert chart["close_to_limits"].tail(2).tolist() == [True, True]  # close, but on opposite sides


# ------------------------------------------------------------ rule helpers: tests/testthat/test-ptd_calculate_point_type.R
@pytest.mark.parametrize("sides, expected", [
    ([], []),
    ([1] * 6, [0] * 6),
    ([1] * 6 + [-1], [0] * 7),
    ([1] * 8 + [-1], [0, 0, 0, 0, 0, 0, 1, 1, 0]),
    ([-1] * 8 + [1], [0, 0, 0, 0, 0, 0, 1, 1, 0]),
])
def test_seven_on_one_side(sides, expected):
    assert spc.seven_on_one_side(sides).tolist() == expected


@pytest.mark.parametrize("ends, expected", [
    ([], []),
    ([0] * 6, [0] * 6),
    ([0] * 6 + [1, 0], [1] * 7 + [0]),
    ([0] * 7 + [1, 0], [0] + [1] * 7 + [0]),
    ([0] * 6 + [-1, 0], [1] * 7 + [0]),
    ([0] * 7 + [-1, 0], [0] + [1] * 7 + [0]),
])
def test_part_of_run(ends, expected):
    assert spc.part_of_run(ends).tolist() == expected


@pytest.mark.parametrize("values, expected", [
    ([], []),
    ([1, 2, 3, 4, 5, 6], [0] * 6),
    ([1, 2, 3, 3, 4, 5, 6], [0] * 7),          # a repeated value breaks a trend
    ([1, 2, 3, 4, 5, 6, 7], [0] * 6 + [1]),
    ([2, 1, 2, 3, 4, 5, 6, 7, 3], [0] * 7 + [1, 0]),
    ([7, 6, 5, 4, 3, 2, 1], [0] * 6 + [-1]),
    ([2, 7, 6, 5, 4, 3, 2, 1, 3], [0] * 7 + [-1, 0]),
])
def test_seven_point_trend(values, expected):
    assert spc.seven_point_trend(values).tolist() == expected


@pytest.mark.parametrize("close, sides, expected", [
    ([1, 0, 1], [1, 1, 1], [1, 1, 1]),
    ([0, 1, 1], [1, 1, 1], [1, 1, 1]),
    ([1, 1, 0], [1, 1, 1], [1, 1, 1]),
    ([0, 0, 1, 0, 1, 0, 0], [1] * 7, [0, 0, 1, 1, 1, 0, 0]),
    ([0, 0, 1, 1, 0, 0, 0], [1] * 7, [0, 1, 1, 1, 1, 0, 0]),
    # opposite sides of the mean: never
    ([1, 0, 1], [1, -1, 1], [0, 0, 0]),
    ([0, 1, 1], [1, -1, 1], [0, 0, 0]),
    ([1, 1, 0], [1, -1, 1], [0, 0, 0]),
    ([0, 0, 1, 0, 1, 0, 0], [1, -1, 1, -1, 1, -1, 1], [0] * 7),
    ([0, 0, 1, 1, 0, 0, 0], [-1, 1, -1, 1, -1, 1, -1], [0] * 7),
])
def test_two_in_three(close, sides, expected):
    assert spc.two_in_three(close, sides).tolist() == expected


@pytest.mark.parametrize("close, expected", [
    ([1, 0, 1], [1, 0, 1]),
    ([0, 1, 1], [0, 1, 1]),
    ([1, 1, 0], [1, 1, 0]),
    ([0, 0, 1, 0, 1, 0, 0], [0, 0, 1, 0, 1, 0, 0]),
    ([1, 0, 0, 1], [0, 0, 0, 0]),
    ([1, 0, 0, 1, 1], [0, 0, 0, 1, 1]),
])
def test_only_the_close_points_of_two_in_three_are_flagged(close, expected):
    assert spc.part_of_two_in_three(spc.two_in_three(close, [1] * len(close)), close).tolist() == expected


def test_rule_precedence_and_labels():
    # test-ptd_calculate_point_type.R "ptd_special_cause_type works as expected": y = 1:8,
    # relative_to_mean = c(1,1,1,1,-1,-1,-1,-1), outside = c(0,0,0,0,0,1,-1,0), part of a trend at points 1-2,
    # part of a 2-in-3 at point 5, part of 7 on one side at points 3-4
    labels = spc.special_cause_labels(
        list(range(1, 9)), [1, 1, 1, 1, -1, -1, -1, -1],
        outside=[0, 0, 0, 0, 0, 1, -1, 0], trend=[1, -1, 0, 0, 0, 0, 0, 0],
        two_of_three=[0, 0, 0, 0, 1, 0, 0, 0], shift=[0, 0, 1, -1, 0, 0, 0, 0])
    assert labels == ["7 Point Trend (Increasing)", "7 Point Trend (Increasing)", "7 Points Above CL",
                      "7 Points Above CL", "2 in 3 Below CL", "Below LCL", "Below LCL", "Common Cause"]
    # a point flagged by every rule takes the first in the order of precedence
    assert spc.special_cause_labels([1, 2], [1, 1], outside=[1, 0], trend=[1, 1], two_of_three=[1, 1],
                                    shift=[1, 1]) == ["Above UCL", "7 Point Trend (Increasing)"]


# -------------------------------------------------------------------------------------- hand computations
def test_a_trend_that_crosses_the_mean_by_hand():
    # 1..7: mean 4, every moving range 1 (none screened: 1 < 3.267), limits 4 -/+ 2.66 = 1.34, 6.66;
    # close beyond 4 -/+ 1.7733. Point 1 (1 < 1.34) is below the LCL and point 7 (7 > 6.66) above the UCL: the limit
    # rule takes precedence over the trend. Points 2-6 are an increasing trend, although 2 and 3 are below the
    # mean: improvement when higher is better. 2-in-3: 2 is close but 1 is outside, not close; 6 likewise.
    chart = spc.xmr([1, 2, 3, 4, 5, 6, 7])
    assert chart["mean"].iloc[0] == 4
    assert chart["lpl"].iloc[0] == pytest.approx(1.34) and chart["upl"].iloc[0] == pytest.approx(6.66)
    assert chart["relative_to_mean"].tolist() == [-1, -1, -1, 0, 1, 1, 1]
    assert chart["special_cause"].tolist() == ["Below LCL"] + ["7 Point Trend (Increasing)"] * 5 + ["Above UCL"]
    assert chart["point_type"].tolist() == [spc.CONCERN] + [spc.IMPROVEMENT] * 6
    lower_is_better = spc.xmr([1, 2, 3, 4, 5, 6, 7], improvement="decrease")
    assert lower_is_better["point_type"].tolist() == [spc.IMPROVEMENT] + [spc.CONCERN] * 6
    neutral = spc.xmr([1, 2, 3, 4, 5, 6, 7], improvement="neutral")
    assert neutral["point_type"].tolist() == [spc.NEUTRAL_LOW] + [spc.NEUTRAL_HIGH] * 6
    falling = spc.xmr([7, 6, 5, 4, 3, 2, 1])
    assert falling["special_cause"].tolist() == ["Above UCL"] + ["7 Point Trend (Decreasing)"] * 5 + ["Below LCL"]


def test_outlier_screening_by_hand():
    # 1, 2, 1, 2, 1, 20: moving ranges 1, 1, 1, 1, 19, average 23/5 = 4.6; 19 >= 3.267 x 4.6 = 15.03 is screened,
    # leaving average 1. Mean 27/6 = 4.5; limits 4.5 -/+ 2.66 = 1.84, 7.16: 20 is above, each 1 below. The 2s are
    # close (below 4.5 - 1.7733 = 2.727): 2, 1, 2 are three points below the mean with two close, so both 2s are
    # "2 in 3" (the 1 between them is already below the LCL, which takes precedence).
    chart = spc.xmr([1, 2, 1, 2, 1, 20])
    assert chart["mean"].iloc[0] == 4.5
    assert chart["lpl"].iloc[0] == pytest.approx(1.84) and chart["upl"].iloc[0] == pytest.approx(7.16)
    assert chart["special_cause"].tolist() == ["Below LCL", "2 in 3 Below CL", "Below LCL", "2 in 3 Below CL",
                                               "Below LCL", "Above UCL"]
    # unscreened: limits 4.5 -/+ 2.66 x 4.6 = -7.736, 16.736; 20 still above, the 1s within
    unscreened = spc.xmr([1, 2, 1, 2, 1, 20], screen_outliers=False)
    assert unscreened["upl"].iloc[0] == pytest.approx(16.736)
    assert unscreened["special_cause"].tolist() == ["Common Cause"] * 5 + ["Above UCL"]


def test_fix_after_n_points_by_hand():
    # fixed on 1, 3, 1, 3: mean 2, ranges 2, 2, 2, limits 2 -/+ 5.32 = -3.32, 7.32: both 10s above.
    # Not fixed: mean 28/6 = 4.667, ranges 2, 2, 2, 7, 0 (average 2.6; 7 < 8.49 kept), upl 4.667 + 6.916 = 11.583.
    fixed = spc.xmr([1, 3, 1, 3, 10, 10], fix_after_n_points=4)
    assert fixed["upl"].iloc[0] == pytest.approx(7.32)
    assert fixed["special_cause"].tolist()[-2:] == ["Above UCL", "Above UCL"]
    free = spc.xmr([1, 3, 1, 3, 10, 10])
    assert free["upl"].iloc[0] == pytest.approx(28 / 6 + 2.66 * 2.6)
    assert free["special_cause"].tolist()[-2:] == ["Common Cause", "Common Cause"]


def test_seven_points_on_one_side_by_hand():
    # 0 x 7 then 1 x 7: mean 0.5, one range of 1 among 13 (average 1/13; 1 >= 3.267/13 = 0.251 is screened,
    # leaving average 0 and limits on the mean). Every 0 is then below the LCL and every 1 above the UCL.
    chart = spc.xmr([0] * 7 + [1] * 7)
    assert chart["special_cause"].tolist() == ["Below LCL"] * 7 + ["Above UCL"] * 7
    # With spread inside the limits: 3, 5 alternating, then seven 4.5s.
    values = [3, 5, 3, 5, 3, 5, 3, 5, 4.5, 4.5, 4.5, 4.5, 4.5, 4.5, 4.5]
    # mean = (32 + 31.5) / 15 = 4.2333; ranges: 7 x 2, 0.5, 6 x 0 -> 14.5 / 14 = 1.0357 (2 < 3.384 kept);
    # limits 4.2333 -/+ 2.755, close beyond -/+ 1.8367: none close, none outside. The last 5 and the seven 4.5s
    # are eight points in a row above the mean: all eight are part of a run of 7; the 3s break earlier runs.
    chart = spc.xmr(values)
    assert chart["mean"].iloc[0] == pytest.approx(63.5 / 15)
    assert chart["upl"].iloc[0] == pytest.approx(63.5 / 15 + 2.66 * 14.5 / 14)
    assert chart["special_cause"].tolist() == ["Common Cause"] * 7 + ["7 Points Above CL"] * 8
    assert chart["point_type"].tolist() == [spc.COMMON_CAUSE] * 7 + [spc.IMPROVEMENT] * 8
    assert spc.xmr(values, improvement="decrease")["point_type"].tolist()[-1] == spc.CONCERN


def test_two_in_three_close_points_by_hand():
    # Twelve points 10, 11 alternating (mean 10.5, ranges 1), then 14, x, 14 with x just below or above the mean.
    values = [10, 11] * 6 + [14, 10.6, 14]
    mean = (126 + 38.6) / 15  # 10.97333
    average = (11 * 1 + 3 + 3.4 + 3.4) / 14  # 1.41429
    assert 3.4 < 3.267 * average  # 4.620: kept
    upl, close_from = mean + 2.66 * average, mean + 2 * 2.66 / 3 * average  # 14.7353, 12.4361
    assert close_from < 14 < upl and 10.6 < mean
    chart = spc.xmr(values)
    assert chart["upl"].iloc[0] == pytest.approx(upl)
    # 14, 10.6, 14: two close points, but 10.6 is below the mean: not 2 in 3 (all three must be on one side)
    assert chart["special_cause"].tolist()[-3:] == ["Common Cause"] * 3
    values = [10, 11] * 6 + [14, 11.2, 14]
    mean = (126 + 39.2) / 15  # 11.01333; 11.2 is above the mean
    average = (11 * 1 + 3 + 2.8 + 2.8) / 14  # 1.32857
    upl, close_from = mean + 2.66 * average, mean + 2 * 2.66 / 3 * average  # 14.5473, 13.3693
    assert close_from < 14 < upl and 11.2 > mean
    chart = spc.xmr(values)
    assert chart["special_cause"].tolist()[-3:] == ["2 in 3 Above CL", "Common Cause", "2 in 3 Above CL"]
    assert chart["point_type"].tolist()[-3:] == [spc.IMPROVEMENT, spc.COMMON_CAUSE, spc.IMPROVEMENT]


def test_input_order_index_and_validation():
    series = pd.Series([3.0, 1.0, 2.0], index=["a", "b", "c"])
    chart = spc.xmr(series)
    assert list(chart.index) == ["a", "b", "c"] and chart["value"].tolist() == [3.0, 1.0, 2.0]
    assert list(chart.columns[:1]) == ["value"]
    assert spc.xmr([]).empty
    with pytest.raises(ValueError, match="improvement must be one of increase, decrease, neutral, not 'up'"):
        spc.xmr([1, 2], improvement="up")
    with pytest.raises(ValueError, match="position 1 is missing or not a number"):
        spc.xmr([1, None, 2])
    with pytest.raises(ValueError, match="rebase position 5 is outside the series of 3 points"):
        spc.xmr([1, 2, 3], rebase_at=[5])


# ---------------------------------------------------------------------- assurance: test-ptd_calculate_assurance_type.R
@pytest.mark.parametrize("improvement, expected", [
    ("increase", ["consistent_fail", "consistent_pass", "inconsistent"]),
    ("decrease", ["consistent_pass", "consistent_fail", "inconsistent"]),
    ("neutral", [None, None, None]),
])
def test_assurance_cases(improvement, expected):
    # lpl = c(1, 5, 1), upl = c(3, 7, 5), target = 4
    got = [spc.assurance(lpl, upl, 4, improvement) for lpl, upl in [(1, 3), (5, 7), (1, 5)]]
    assert got == expected


def test_assurance_without_a_target_and_with_rebasing():
    assert spc.assurance(1, 3, None, "increase") is None
    # "it returns correct values for assurance when rebase": the last row's limits decide (decrease, target 4)
    rows = [(1, 3), (5, 7), (1, 5)]
    for order, expected in [((0, 1, 2), "inconsistent"), ((1, 2, 0), "consistent_pass"),
                            ((2, 0, 1), "consistent_fail")]:
        lpl, upl = rows[order[-1]]
        assert spc.assurance(lpl, upl, 4, "decrease") == expected
    # after a rebase at point 10 of RNORM_123 the latest period's limits are -3.28, 3.70 (_snaps/ptd_spc.md, facet 1)
    last = spc.xmr(RNORM_123, rebase_at=[10]).iloc[-1]
    assert spc.assurance(last["lpl"], last["upl"], 3.71, "increase") == "consistent_fail"
    assert spc.assurance(last["lpl"], last["upl"], 3.69, "increase") == "inconsistent"
    assert spc.assurance(last["lpl"], last["upl"], -3.29, "increase") == "consistent_pass"
    assert spc.assurance(last["lpl"], last["upl"], -3.29, "decrease") == "consistent_fail"


# ------------------------------------------------------------------ tests/testthat/test-ptd_add_short_group_warnings.R
def test_short_periods_are_those_under_12_points():
    # 11 points warn, 12 do not; a rebase leaving a group of 5 among 35, 20 and 20 warns for that group only
    assert spc.short_periods(spc.xmr(list(range(11)))) == [0]
    assert spc.short_periods(spc.xmr(list(range(12)))) == []
    values = [float(i % 3) for i in range(80)]
    assert spc.short_periods(spc.xmr(values, rebase_at=[35, 40, 60])) == [1]
