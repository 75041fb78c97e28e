"""Summary sentences of analysis.summaries_activity, from hand-built suppressed frames."""

import numpy as np
import pandas as pd

from analysis.periods import FinancialYear
from analysis.summaries_activity import (
    counts_sentence,
    interventions_sentence,
    largest_sentence,
    led_to_triage_sentence,
    monthly_sentence,
    people_referred_sentence,
    target_sentence,
    time_sentence,
)

FY, PREVIOUS = FinancialYear(2024), FinancialYear(2023)


def with_(row: pd.Series, **values: float) -> pd.Series:
    """A copy of ``row`` with some values replaced."""
    return pd.concat([row.drop(list(values)), pd.Series(values)])


def test_largest_sentence_never_names_a_hidden_row():
    frame = pd.DataFrame({"source": ["GP", "Self", "School"], "count": [np.nan, 40.0, 20.0],
                          "value": [np.nan, 40.0, 20.0], "suppressed": [True, False, False],
                          "previous_count": [50.0, 30.0, 10.0], "previous_suppressed": [False, False, False]})
    text = largest_sentence(frame, "source", "Largest source", "referrals", FY, PREVIOUS)
    assert text == "Largest source: **Self** (40% of referrals) in 2024/25; GP in 2023/24."
    frame["suppressed"] = True
    assert "no figure can be shown for 2024/25" in largest_sentence(frame, "source", "Largest source", "referrals",
                                                                    FY, PREVIOUS)


def test_target_sentence_met_and_above():
    row = pd.Series({"value": 25.2, "lower": 21.4, "upper": 29.0, "previous_value": 18.9})
    text = target_sentence(row, {"met": True, "against_target": "Significantly higher"}, 20.0, "Education",
                           FY, PREVIOUS)
    assert text == ("25% (95% CI 21% to 29%) of referrals came from Education in 2024/25 (19% in 2023/24); "
                    "target 20%: met, and the interval lies above the target.")


def test_target_sentence_not_met_but_not_significantly_below_and_hidden():
    row = pd.Series({"value": 18.0, "lower": 14.0, "upper": 22.0, "previous_value": np.nan})
    text = target_sentence(row, {"met": False, "against_target": "Not significantly different"}, 20.0, "GP",
                           FY, PREVIOUS)
    assert "target 20%: not met, and the interval includes the target" in text and "2023/24 not shown" in text
    hidden = target_sentence(row, {"met": None, "against_target": None}, 20.0, "GP", FY, PREVIOUS)
    assert "not shown" in hidden and "%" not in hidden.split("target")[0]


def test_target_sentence_without_a_target_judges_nothing():
    row = pd.Series({"value": 25.2, "lower": 21.4, "upper": 29.0, "previous_value": 18.9})
    text = target_sentence(row, {"met": None, "against_target": None}, None, "Education", FY, PREVIOUS)
    assert text == ("25% (95% CI 21% to 29%) of referrals came from Education in 2024/25 (19% in 2023/24); "
                    "no target set.")
    hidden = target_sentence(with_(row, value=np.nan), {"met": None, "against_target": None}, None, "GP", FY, PREVIOUS)
    assert hidden.endswith("fewer than 5 referrals); no target set.")


def test_people_referred_sentence():
    people = pd.Series({"count": 1825.0, "previous_count": 1798.0, "significant": False})
    referrals = pd.Series({"count": 1884.0})
    assert people_referred_sentence(people, referrals, FY, PREVIOUS) == (
        "1,825 people were referred in 2024/25 (1,884 referrals), up from 1,798 in 2023/24 "
        "(not a significant change).")
    hidden = people_referred_sentence(with_(people, count=np.nan), referrals, FY, PREVIOUS)
    assert hidden == "People referred in 2024/25: not shown (fewer than 5)."
    before_hidden = people_referred_sentence(with_(people, previous_count=np.nan), referrals, FY, PREVIOUS)
    assert before_hidden.endswith("referrals); 2023/24 not shown.")


def test_led_to_triage_sentence():
    row = pd.Series({"count": 1607.0, "denominator": 1884.0, "value": 85.3, "lower": 83.6, "upper": 86.8,
                     "previous_value": 83.0, "significant": False})
    assert led_to_triage_sentence(row, FY, PREVIOUS) == (
        "85% (95% CI 84% to 87%) of referrals received in 2024/25 led to triage in the year (1,607 of 1,884); "
        "83% in 2023/24 (not a significant change).")
    assert "not shown" in led_to_triage_sentence(with_(row, value=np.nan), FY, PREVIOUS)


def test_monthly_sentence():
    frame = pd.DataFrame({"month": pd.date_range("2023-04-01", periods=3, freq="MS"),
                          "count": [12.0, np.nan, 30.0], "suppressed": [False, True, False]})
    assert monthly_sentence(frame) == ("Referrals per month, Apr 2023 to Jun 2023: most in Jun 2023 (30), fewest in "
                                       "Apr 2023 (12); 1 month(s) shown as * (1-4 referrals, or would reveal such a "
                                       "month).")


def test_time_sentence_with_a_hidden_group():
    summary = pd.DataFrame({"status": ["Discharged", "Open", "All"], "median_weeks": [20.4, np.nan, 25.0],
                            "suppressed": [False, True, False], "previous_median_weeks": [22.0, 30.0, 26.0],
                            "previous_suppressed": [False, False, False]})
    assert time_sentence(summary, FY, PREVIOUS) == (
        "Median time in treatment of people discharged: 20 weeks in 2024/25 (22 in 2023/24); of people still in "
        "treatment on 31 March: not shown for 2024/25 (fewer than 5 people, or none).")


def test_interventions_sentence_skips_hidden_rows():
    frame = pd.DataFrame({"sex": ["Male", "Male", "Female"], "intervention": ["Psychosocial", "Family work", "Psychosocial"],
                          "count": [80.0, 90.0, np.nan], "value": [80.0, np.nan, np.nan],
                          "suppressed": [False, True, True]})
    assert interventions_sentence(frame, FY) == ("Most common intervention in 2024/25 (% of people of each sex): "
                                                 "Male: Psychosocial (80%).")


def test_counts_sentence():
    frame = pd.DataFrame({"what": ["New", "Re"], "count": [120.0, np.nan], "previous_count": [100.0, 9.0],
                          "suppressed": [False, True], "previous_suppressed": [False, False], "significant": [True, None]})
    assert counts_sentence(frame, "what", FY, PREVIOUS) == (
        "New 120 in 2024/25 (100 in 2023/24, a significant change); Re not shown for 2024/25 (fewer than 5).")


def test_unknown_exits_sentence_gives_the_count_and_hides_a_small_one():
    from analysis.summaries_activity import unknown_exits_sentence

    frame = pd.DataFrame({"exit_group": ["Planned", "Other / not known"], "count": [24.0, 40.0],
                          "denominator": [100.0, 100.0], "suppressed": [False, False],
                          "previous_count": [30.0, np.nan], "previous_denominator": [90.0, 90.0],
                          "previous_suppressed": [False, True]})
    text = unknown_exits_sentence(frame, FY, PREVIOUS)
    assert "40 of the 100 people discharged in 2024/25 (40%)" in text
    assert "fewer than 5 (or a number that would reveal one) in 2023/24" in text
    assert '"Other / not known"' in text
    none = unknown_exits_sentence(frame[frame["exit_group"] == "Planned"], FY, PREVIOUS)
    assert "none in 2024/25; none in 2023/24" in none


def test_context_sentence_gives_share_interval_and_people():
    from analysis.summaries_activity import context_sentence

    row = pd.Series({"count": 1389.0, "denominator": 1531.0, "value": 90.7, "lower": 89.2, "upper": 92.1,
                     "suppressed": False, "previous_value": 88.6, "previous_suppressed": False, "significant": False})
    text = context_sentence(row, "Share", FY, PREVIOUS)
    assert text == ("Share: 91% (95% CI 89% to 92%; 1,389 of 1,531 people) in 2024/25; 89% in 2023/24 "
                    "(not a significant change).")
    row["suppressed"] = True
    assert "not shown for 2024/25" in context_sentence(row, "Share", FY, PREVIOUS)
    assert "1,389" not in context_sentence(row, "Share", FY, PREVIOUS)


def test_exit_time_sentence_leads_with_those_who_dropped_out():
    from analysis.summaries_activity import exit_time_sentence

    frame = pd.DataFrame({"exit_group": ["Planned", "Unplanned", "Transferred", "Other / not known"],
                          "median_weeks": [26.0, 9.2, np.nan, np.nan], "suppressed": [False, False, False, True],
                          "previous_median_weeks": [25.0, 10.0, 30.0, np.nan],
                          "previous_suppressed": [False, False, False, False]})
    text = exit_time_sentence(frame, FY, PREVIOUS)
    assert text == ("People discharged in 2024/25 who dropped out or left (unplanned exit) did so after a median "
                    "of 9 weeks (10 in 2023/24); completed (planned exit): 26 weeks (25 in 2023/24); "
                    "transferred: nobody (30 in 2023/24); other or not known reason: not shown (fewer than 5 "
                    "people, or would reveal such a group).")
    frame.loc[1, "suppressed"] = True
    assert exit_time_sentence(frame, FY, PREVIOUS).startswith(
        "Median weeks in treatment of people discharged in 2024/25: dropped out or left (unplanned exit): not shown")


def test_largest_sentence_shows_a_recorded_reason_as_text_not_markdown():
    frame = pd.DataFrame({"reason": ["[moved](http://x.example) *away*"], "count": [40.0], "value": [40.0],
                          "suppressed": [False], "previous_count": [30.0], "previous_suppressed": [False]})
    text = largest_sentence(frame, "reason", "Most common reason", "people discharged", FY, PREVIOUS)
    # the word joiner after "http:" keeps Streamlit from making the address a link (analysis.text.as_text)
    assert "**\\[moved\\]\\(http\\:\u2060//x\\.example\\) \\*away\\***" in text
    assert "[moved](" not in text and " *away*" not in text


def test_largest_and_interventions_sentences_take_the_first_of_a_tie_and_sexes_in_order_seen():
    frame = pd.DataFrame({"source": ["GP", "Self", "School"], "count": [20.0, 40.0, 40.0],
                          "value": [20.0, 40.0, 40.0], "suppressed": [False, False, False],
                          "previous_count": [0.0, 3.0, np.nan], "previous_suppressed": [False, True, False]})
    assert largest_sentence(frame, "source", "Largest source", "referrals", FY, PREVIOUS) == (
        "Largest source: **Self** (40% of referrals) in 2024/25; not available for 2023/24.")
    people = pd.DataFrame({"sex": ["Female", "Male", "Female", None, "Male"],
                           "intervention": ["Family work", "Psychosocial", "Psychosocial", "Residential",
                                            "Harm reduction"],
                           "count": [30.0, 50.0, 30.0, 99.0, 60.0], "value": [60.0, 50.0, 60.0, 99.0, 60.0],
                           "suppressed": [False, False, False, False, False]})
    assert interventions_sentence(people, FY) == ("Most common intervention in 2024/25 (% of people of each sex): "
                                                  "Female: Family work (60%); Male: Harm reduction (60%).")
