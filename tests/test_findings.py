"""Key findings from hand-built, board-suppressed year-on-year frames, against hand-computed figures.

Expected intervals computed by hand from the published methods (z = 1.959964):
- Byar's limits for a count O: O(1 - 1/(9O) - z/(3 sqrt O))^3 and (O+1)(1 - 1/(9(O+1)) + z/(3 sqrt(O+1)))^3;
  O = 120 gives 99.49 to 143.49.
- Wilson's interval for x of n: (p + z^2/2n +- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n);
  54 of 100 gives 44.26% to 63.44%, 60 of 100 gives 50.20% to 69.06%, 30 of 100 gives 21.89% to 39.58%.
- 120 against 80 (equal exposure): exact binomial test of 120 of 200 at p = 0.5, two-sided p = 0.0057, significant;
  100 against 98: p = 0.94, not significant.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import board, findings, stats, yoy
from analysis.periods import FinancialYear

FY, COMPARISON = FinancialYear.from_label("2024/25"), FinancialYear.from_label("2023/24")


def compared(kind: str, now: dict, before: dict, keys: dict | None = None) -> pd.DataFrame:
    """A board-suppressed year-on-year frame from hand-built counts (and denominators)."""
    keys = keys or {}
    current = yoy.measure(pd.DataFrame({**keys, **now}), kind)
    previous = yoy.measure(pd.DataFrame({**keys, **before}), kind)
    return board.suppress_comparison(yoy.year_on_year(current, previous))


def count_row(now: int, before: int) -> pd.Series:
    return compared(yoy.COUNT, {"count": [now]}, {"count": [before]}).iloc[0]


def test_a_significant_rise_names_the_figure_interval_and_comparison():
    finding = findings.compare_row("People in treatment", count_row(120, 80), yoy.COUNT, FY, COMPARISON)
    assert finding.text == ("People in treatment rose significantly: 120 in 2024/25 (95% CI 99 to 143), "
                            "against 80 in 2023/24 (+50.0%).")
    assert finding.kind == findings.CHANGE


def test_a_change_that_is_not_significant_is_said_to_be_so():
    finding = findings.compare_row("Referrals received", count_row(100, 98), yoy.COUNT, FY, COMPARISON)
    assert finding.kind == findings.NO_CHANGE
    assert finding.text.endswith("against 98 in 2023/24; not a significant change.")
    assert "rose" not in finding.text


def test_a_hidden_figure_is_not_stated_and_its_count_never_appears():
    finding = findings.compare_row("New presentations", count_row(3, 40), yoy.COUNT, FY, COMPARISON)
    assert finding.text == ("New presentations in 2024/25 is not shown: it rests on, or would reveal, "
                            "fewer than 5 people.")
    assert finding.kind == findings.NOT_SHOWN


def test_a_hidden_comparison_year_gives_this_year_only_and_no_change():
    finding = findings.compare_row("People in treatment", count_row(120, 2), yoy.COUNT, FY, COMPARISON)
    assert finding.text.startswith("People in treatment: 120 in 2024/25 (95% CI 99 to 143); the 2023/24 figure is "
                                   "not shown")
    assert "no change is stated" in finding.text and " 2 " not in finding.text


def test_percentages_that_round_alike_are_about_the_same():
    row = compared(yoy.PROPORTION, {"count": [904], "denominator": [10000]},
                   {"count": [896], "denominator": [10000]}).iloc[0]
    finding = findings.compare_row("No fixed abode", row, yoy.PROPORTION, FY, COMPARISON)
    assert "9.0% in 2024/25" in finding.text and "about the same as 9.0% in 2023/24" in finding.text
    assert "down from" not in finding.text and "up from" not in finding.text


def test_low_recording_is_a_data_quality_caveat_with_its_interval():
    row = compared(yoy.PROPORTION, {"count": [54], "denominator": [100]},
                   {"count": [95], "denominator": [100]}).iloc[0]
    [caveat] = findings.recording_findings([("Accommodation status", row, "people in treatment")], FY)
    assert caveat.text == ("Accommodation status was recorded for only 54.0% of people in treatment in 2024/25 "
                           "(95% CI 44.3% to 63.4%): figures by accommodation status describe only those recorded.")
    assert caveat.kind == findings.DATA_QUALITY
    well_recorded = compared(yoy.PROPORTION, {"count": [95], "denominator": [100]},
                             {"count": [95], "denominator": [100]}).iloc[0]
    assert findings.recording_findings([("Ethnicity", well_recorded, "people")], FY) == []


def test_largest_group_and_significant_changes_of_a_breakdown():
    frame = compared(yoy.PROPORTION, {"count": [60, 30, 10], "denominator": [100] * 3},
                     {"count": [40, 50, 10], "denominator": [100] * 3}, keys={"substance": ["A", "B", "C"]})
    found = findings.breakdown_findings(frame, "substance", "Primary substance", "of people in treatment", FY,
                                        COMPARISON)
    assert [f.text for f in found] == [
        "Primary substance, largest group (A) rose significantly: 60.0% of people in treatment in 2024/25 "
        "(95% CI 50.2% to 69.1%), against 40.0% in 2023/24 (+20.0 percentage points).",
        "Primary substance: B fell significantly: 30.0% of people in treatment in 2024/25 "
        "(95% CI 21.9% to 39.6%), against 50.0% in 2023/24 (-20.0 percentage points).",
    ]
    assert {f.kind for f in found} == {findings.GROUP_CHANGE}


def test_a_hidden_group_is_never_named_the_largest():
    frame = compared(yoy.PROPORTION, {"count": [15, 20, 65], "denominator": [100] * 3},
                     {"count": [10, 20, 70], "denominator": [100] * 3}, keys={"group": ["Small", "Mid", "Big"]})
    big = frame["group"] == "Big"  # as if hidden by suppression elsewhere: flag set, value gone
    frame.loc[big, "suppressed"] = True
    frame.loc[big, ["count", "value", "lower", "upper"]] = float("nan")
    found = findings.breakdown_findings(frame, "group", "Referral source", "of referrals", FY, COMPARISON)
    assert "largest group (Mid)" in found[0].text


def districts_frame() -> tuple[pd.DataFrame, pd.Series]:
    frame = pd.DataFrame({
        "district_code": ["A", "B", "C", "D", "Not known"],
        "district": ["Avon", "Brook", "Cray", "Dale", "Not known"],
        "value": [8.5, 3.6, 5.5, float("nan"), float("nan")],
        "lower": [7.9, 3.2, 5.0, float("nan"), float("nan")],
        "upper": [9.0, 3.9, 6.0, float("nan"), float("nan")],
        "compared_with_partnership": [stats.SIGNIFICANTLY_HIGHER, stats.SIGNIFICANTLY_LOWER,
                                      stats.NOT_SIGNIFICANTLY_DIFFERENT, None, None],
        "outside_998": [stats.SIGNIFICANTLY_HIGHER, stats.NOT_SIGNIFICANTLY_DIFFERENT,
                        stats.NOT_SIGNIFICANTLY_DIFFERENT, None, None],
    })
    return frame, pd.Series({"value": 5.7})


def test_districts_outside_the_funnel_limits_and_hidden_districts():
    frame, partnership = districts_frame()
    found = findings.district_findings(frame, partnership, "aged 10-64", FY)
    assert [f.text for f in found] == [
        "Avon had a rate of 8.5 per 1,000 aged 10-64 in 2024/25 (95% CI 7.9 to 9.0), above the 99.8% funnel limit "
        "around the partnership's 5.7 (significantly higher).",
        "Brook had a rate of 3.6 per 1,000 aged 10-64 in 2024/25 (95% CI 3.2 to 3.9), below the 95% funnel limit "
        "around the partnership's 5.7 (significantly lower).",
        "District rates in 2024/25 are not shown for Dale: they rest on, or would reveal, fewer than 5 people.",
    ]
    assert found[0].score > found[1].score  # beyond 99.8% ranks above beyond 95%


def test_no_district_outside_the_limits_is_said_plainly():
    frame, partnership = districts_frame()
    frame["compared_with_partnership"] = frame["outside_998"] = stats.NOT_SIGNIFICANTLY_DIFFERENT
    frame = frame[frame["value"].notna()]
    [finding] = findings.district_findings(frame, partnership, "aged 18-64", FY)
    assert finding.kind == findings.NO_CHANGE and "no district differs significantly" in finding.text


def test_ranking_puts_changes_first_and_hidden_figures_last():
    change = findings.compare_row("People in treatment", count_row(120, 80), yoy.COUNT, FY, COMPARISON)
    plain = findings.compare_row("Referrals received", count_row(100, 98), yoy.COUNT, FY, COMPARISON)
    hidden = findings.compare_row("New presentations", count_row(3, 40), yoy.COUNT, FY, COMPARISON)
    frame, partnership = districts_frame()
    district = findings.district_findings(frame, partnership, "aged 10-64", FY)[0]
    caveat = findings.Finding("x recorded for only 50%", "Data quality", findings.DATA_QUALITY,
                              findings.KIND_SCORE[findings.DATA_QUALITY])
    ranked = findings.rank_findings([hidden, plain, caveat, district, change, plain])
    assert ranked == [change, district, caveat, plain, hidden]


def test_the_edited_table_gives_the_ticked_findings_in_order_with_their_new_words():
    found = [findings.compare_row("People in treatment", count_row(120, 80), yoy.COUNT, FY, COMPARISON),
             findings.compare_row("Referrals received", count_row(100, 98), yoy.COUNT, FY, COMPARISON),
             findings.compare_row("New presentations", count_row(3, 40), yoy.COUNT, FY, COMPARISON)]
    table = findings.findings_table(found, ticked=2)
    assert list(table[findings.INCLUDE]) == [True, True, False]
    table.loc[0, findings.TEXT] = "People in treatment rose by half."
    table.loc[1, findings.INCLUDE] = False
    table.loc[2, findings.INCLUDE] = True
    chosen = findings.from_table(table)
    assert [f.text for f in chosen] == ["People in treatment rose by half.", found[2].text]
    assert chosen[0].figure == "People in treatment"


@pytest.mark.parametrize("text, first", [
    ("**Alcohol** (34% of people) in 2024/25. Next sentence.", "Alcohol (34% of people) in 2024/25."),
    ("Rate 7.2 per 1,000 (95% CI 6.8 to 7.7). Oxford had the lowest.", "Rate 7.2 per 1,000 (95% CI 6.8 to 7.7)."),
])
def test_first_sentence_of_a_summary(text, first):
    assert findings.first_sentence(text) == first
