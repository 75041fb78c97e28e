"""Key findings from the spine chart, targets, SPC charts and the outcome measure (issue 13 item 6), from
hand-built frames against hand-computed figures.

Hand computations (z = 1.959964):
- Byar's limits for a count O: O(1 - 1/(9O) - z/(3 sqrt O))^3 and (O+1)(1 - 1/(9(O+1)) + z/(3 sqrt(O+1)))^3;
  O = 909 gives 850.86 to 970.07 (shown 851 to 970); O = 80 gives 63.43 to 99.57.
- NI 40 example (tests/test_targets.py): 909 people in effective treatment in the year to Q4 2024/25 against a
  target of 957: 957 - 909 = 48 more people needed; 909 < 95% of 957 (909.15), so Red.
- XmR, 20 months alternating 48, 52 then 80: mean (20 x 50 + 80) / 21 = 51.43; moving ranges 19 x 4 and 28;
  average 5.2, and 28 >= 3.267 x 5.2 = 16.99 is screened out, so the average moving range is 4 and the limits
  51.43 -/+ 2.66 x 4 = 40.79 to 62.07; 80 is above the upper limit.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import comparators, findings, spc, targets
from analysis.filters import Filters
from analysis.periods import FinancialYear
from analysis.views import spc as spc_view
from analysis.views.benchmarks import TargetFigures
from tests.test_findings import compared
from tests.test_targets import DATA_END, NI40_TARGETS, ni40_data

FY, COMPARISON = FinancialYear.from_label("2024/25"), FinancialYear.from_label("2023/24")


def comparator_rows(indicator: str, england: float, lowest: float, highest: float, source: str = "OHID Fingertips"
                    ) -> pd.DataFrame:
    rows = [("E92000001", "England", "England", england), ("LOW", "Lowest", "England lowest", lowest),
            ("HIGH", "Highest", "England highest", highest)]
    frame = pd.DataFrame([{"area_code": c, "area_name": n, "area_type": t, "indicator": indicator,
                           "period": "2024/25", "value": v, "lower": v, "upper": v, "source": source}
                          for c, n, t, v in rows])
    return frame


def local_row(indicator: str, label: str, value: float, lower: float, upper: float, *, suppressed: bool = False,
              unit: str = "%", polarity: str = comparators.HIGHER_IS_BETTER) -> dict:
    return {"indicator": indicator, "label": label, "unit": unit, "polarity": polarity, "period": "2024/25",
            "count": 200, "value": value, "lower": lower, "upper": upper, "suppressed": suppressed, "note": ""}


def spine(*rows: dict, comparator: pd.DataFrame) -> pd.DataFrame:
    return comparators.spine_table(pd.DataFrame(list(rows)), comparator)


# ---------------------------------------------------------------- spine
def test_an_indicator_significantly_worse_than_england_gives_the_finding():
    table = spine(local_row("successful_completion", "Successful completion rate", 40.0, 35.8, 44.3),
                  comparator=comparator_rows("successful_completion", 48.0, 28.0, 78.0))
    found = findings.spine_findings(table)
    assert [f.text for f in found] == [
        "Successful completion rate: 40.0% in 2024/25 (95% CI 35.8% to 44.3%), worse than England: the interval is "
        "below England's 48.0% (2024/25)."]
    assert found[0].kind == findings.AGAINST_ENGLAND


def test_an_interval_that_includes_englands_value_gives_no_finding():
    table = spine(local_row("successful_completion", "Successful completion rate", 46.0, 41.7, 50.4),
                  comparator=comparator_rows("successful_completion", 48.0, 28.0, 78.0))
    assert table["judgement"].iloc[0] == comparators.SAME
    assert findings.spine_findings(table) == []


def test_a_hidden_local_value_gives_no_finding_and_illustrative_values_are_labelled():
    hidden = spine(local_row("successful_completion", "Successful completion rate", 40.0, 35.8, 44.3, suppressed=True),
                   comparator=comparator_rows("successful_completion", 48.0, 28.0, 78.0))
    assert findings.spine_findings(hidden) == []
    rate = spine(local_row("rate_per_1000", "Rate per 1,000 population", 5.7, 5.5, 5.9, unit="per 1,000",
                           polarity="no judgement"),
                 comparator=comparator_rows("rate_per_1000", 3.4, 1.0, 8.0, source="Illustrative values"))
    found = findings.spine_findings(rate, illustrative=True)
    assert [f.text for f in found] == [
        "Rate per 1,000 population: 5.7 per 1,000 in 2024/25 (95% CI 5.5 to 5.9), higher than England: the interval "
        "is above England's 3.4 per 1,000 (2024/25). England's values here are ILLUSTRATIVE (synthetic demo), not "
        "published figures."]


# ---------------------------------------------------------------- targets
def ni40_trajectory() -> pd.DataFrame:
    actuals = targets.quarterly_actuals(ni40_data(), "effective_treatment", FY, Filters(), DATA_END)
    plan = targets.validate_targets(NI40_TARGETS)
    return targets.trajectory(targets.suppress_actuals(actuals), targets.targets_for_year(plan, "effective_treatment", FY))


def test_the_ni40_target_is_a_finding_with_its_hand_counted_gap():
    found = findings.target_findings("Effective treatment (NI 40, adult OCU)", ni40_trajectory(),
                                     "effective_treatment", FY)
    assert [f.text for f in found] == [
        "Effective treatment (NI 40, adult OCU): 48 more people in effective treatment are needed by Q4 2024/25 "
        "(target 957; 909 in the year to Q4 (95% CI 851 to 970)); RAG status Red."]
    assert found[0].kind == findings.TARGET_MISSED
    # through key_findings, as the pack calls it, from the Benchmarks page's figures
    plan = TargetFigures("effective_treatment", ni40_trajectory(), "", pd.DataFrame())
    assert [f.text for f in findings.key_findings(FY, COMPARISON, target_plans=[plan])] == [found[0].text]


def test_no_target_set_gives_no_finding_and_a_small_gap_is_never_stated():
    trajectory = ni40_trajectory()
    assert findings.target_findings("NI 40", trajectory.assign(target=float("nan")), "effective_treatment", FY) == []
    near = trajectory.assign(target=[float("nan")] * 3 + [912.0])  # 3 people short: "fewer than 5"
    text = findings.target_findings("NI 40", near, "effective_treatment", FY)[0].text
    assert text.startswith("NI 40: fewer than 5 more people in effective treatment are needed by Q4 2024/25")
    assert "3 more" not in text and "RAG status Amber" in text
    met = findings.target_findings("NI 40", trajectory.assign(target=[float("nan")] * 3 + [900.0]),
                                   "effective_treatment", FY)[0]
    assert met.kind == findings.TARGET_MET and "target of 900 people in effective treatment is reached" in met.text


# ---------------------------------------------------------------- SPC
def monthly(counts: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"month": pd.date_range("2023-04-01", periods=len(counts), freq="MS"), "count": counts})


def test_special_cause_in_the_latest_months_is_said_in_a_boards_words():
    counts = [48, 52] * 10 + [80]
    chart = spc_view.spc_chart(spc_view.SERIES[2], monthly(counts), FY)
    assert chart.monthly["point_type"].iloc[-1] == spc.IMPROVEMENT
    [found] = findings.spc_findings(chart)
    assert found.text == (
        "Successful completions (planned exits) per month: special cause: improvement in Dec 2024, 80 (95% CI 63 to "
        "100) (rule: Above UCL; mean 51.4 a month, process limits 40.8 to 62.1). Special cause in 1 of the latest 6 "
        "months (Jul 2024 to Dec 2024: 1 improvement).")
    assert found.kind == findings.SPECIAL_CAUSE


def test_common_cause_only_is_said_plainly_and_small_months_are_not_shown():
    chart = spc_view.spc_chart(spc_view.SERIES[0], monthly([48, 52] * 10), FY)
    [found] = findings.spc_findings(chart)
    assert found.kind == findings.NO_CHANGE
    assert found.text == ("Referrals received per month: common cause variation only in the latest 6 months (Jun "
                          "2024 to Nov 2024; mean 50.0 a month, process limits 39.4 to 60.6): no month signals a change.")
    small = spc_view.spc_chart(spc_view.SERIES[1], monthly([12, 3, 15] * 7), FY)
    [hidden] = findings.spc_findings(small)
    assert hidden.kind == findings.NOT_SHOWN and "3" not in hidden.text


# ---------------------------------------------------------------- C19
def c19_frame(now: list[int], before: list[int]) -> pd.DataFrame:
    groups = {"substance_group": ["Opiates", "Alcohol"]}
    frame = compared("proportion", {"count": now, "denominator": [100, 100]},
                     {"count": before, "denominator": [100, 100]}, groups)
    return frame.assign(england=[25.0, 35.0], england_period=["2024/25", "2024/25"])


def test_completion_without_representation_against_the_comparison_year_when_significant():
    # 30 of 100 against 15 of 100: Newcombe's interval for +15 points excludes 0 (significant); 40 against 38 not
    found = findings.c19_findings(c19_frame([30, 40], [15, 38]), FY, COMPARISON)
    assert [f.text for f in found] == [
        "Completion without re-presentation within 6 months, opiates rose significantly: 30.0% of people in treatment "
        "in 2024/25 (95% CI 21.9% to 39.6%), against 15.0% in 2023/24 (+15.0 percentage points). England: 25.0% "
        "(2024/25)."]


def test_no_significant_change_in_completion_without_representation_is_said_plainly():
    [found] = findings.c19_findings(c19_frame([30, 40], [28, 38]), FY, COMPARISON, illustrative=True)
    assert found.kind == findings.NO_CHANGE
    assert found.text.startswith("Completion without re-presentation within 6 months, 2024/25: no substance group "
                                 "changed significantly since 2023/24 (opiates 30.0% (95% CI 21.9% to 39.6%); alcohol")
    assert found.text.endswith("ILLUSTRATIVE (synthetic demo), not published figures.")
