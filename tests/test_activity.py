"""Measures and cross-figure disclosure checks of analysis.activity, on hand-built frames."""

import math

import numpy as np
import pandas as pd
import pytest

from analysis import activity, board
from analysis.dataset import Dataset
from analysis.periods import FinancialYear
from analysis.yoy import PROPORTION, measure, year_on_year
from tests.factories import episodes

FY = FinancialYear(2024)  # 1 Apr 2024 - 31 Mar 2025
PREVIOUS = FinancialYear(2023)


def dataset(rows: list[dict]) -> Dataset:
    empty = pd.DataFrame()
    return Dataset(episodes=episodes(rows), substances=empty, referrals=empty, districts=empty, population=empty)


def proportion(rows: list[tuple[str, int, int]], key: str = "group") -> pd.DataFrame:
    return measure(pd.DataFrame(rows, columns=[key, "count", "denominator"]), PROPORTION)


def yoy_frame(now: list[tuple[str, int, int]], before: list[tuple[str, int, int]]) -> pd.DataFrame:
    return year_on_year(proportion(now), proportion(before))


# ------------------------------------------------------------------ hide_rows / complements
def test_hide_rows_hides_one_year_and_the_change_only():
    shown = board.suppress_comparison(yoy_frame([("a", 50, 100), ("b", 50, 100)], [("a", 40, 90), ("b", 50, 90)]))
    out = activity.hide_rows(shown, [True, False], [False, False])
    assert math.isnan(out.loc[0, "count"]) and math.isnan(out.loc[0, "value"]) and math.isnan(out.loc[0, "upper"])
    assert out.loc[0, "previous_count"] == 40  # the comparison year stays
    assert math.isnan(out.loc[0, "change"]) and out.loc[0, "significant"] is None and out.loc[0, "direction"] == "*"
    assert out.loc[0, "denominator"] == 100  # denominators stay unless asked
    assert list(out["suppressed"]) == [True, False] and list(out["change_suppressed"]) == [True, False]
    assert out.loc[1, "count"] == 50 and shown.loc[0, "count"] == 50  # input unchanged
    hidden = activity.hide_rows(shown, [False, False], [True, False], denominators=True)
    assert math.isnan(hidden.loc[0, "previous_denominator"]) and hidden.loc[0, "previous_denominator_suppressed"]


@pytest.mark.parametrize("count, denominator, hidden", [(96, 100, True), (99, 100, True), (95, 100, False),
                                                        (100, 100, False), (3, 100, False)])
def test_small_complement(count, denominator, hidden):
    # denominator - count of 1-4 gives a small number away; 0 (everyone) and 5 do not
    frame = yoy_frame([("a", count, denominator)], [("a", 10, 20)])
    now, before = activity.small_complement(frame)
    assert bool(now.iloc[0]) is hidden and not before.iloc[0]


# ------------------------------------------------------------------ year_on_year_union / compare
def test_union_gives_both_years_every_category_with_their_denominator():
    now = proportion([("a", 6, 10), ("b", 4, 10)])
    before = proportion([("b", 3, 8), ("c", 5, 8)])
    cur, prev = activity.year_on_year_union(now, before, "group")
    assert list(cur["group"]) == ["a", "b", "c"] and list(cur["count"]) == [6, 4, 0]
    assert list(cur["denominator"]) == [10, 10, 10]
    assert list(prev["count"]) == [0, 3, 5] and list(prev["denominator"]) == [8, 8, 8]
    assert cur.attrs["kind"] == PROPORTION


def test_compare_keeps_display_order_and_treats_zero_denominators_as_missing():
    def fake(data, *, fy):
        if fy == FY:
            return proportion([("zebra", 6, 10), ("apple", 4, 10), ("none", 0, 0)])
        return proportion([("zebra", 3, 8), ("apple", 5, 8), ("none", 0, 0)])

    out = activity.compare(fake, None, FY, PREVIOUS, key="group")
    assert list(out["group"]) == ["zebra", "apple", "none"]  # not sorted alphabetically
    assert out.loc[0, "value"] == pytest.approx(60.0) and out.loc[1, "previous_value"] == pytest.approx(62.5)
    assert math.isnan(out.loc[2, "value"]) and not out.loc[2, "significant"]


# ------------------------------------------------------------------ referrals
def _sources(hidden_now: list[bool], hidden_before: list[bool]) -> pd.DataFrame:
    return pd.DataFrame({"referral_source": ["GP", "Education", "Other"],
                         "suppressed": hidden_now, "previous_suppressed": hidden_before})


@pytest.mark.parametrize("groups, expected", [
    (("GP",), (True, False)),                # one of two hidden sources: GP = key count
    (("GP", "Education"), (False, False)),   # all hidden sources: nothing new
    (("Other",), (False, False)),            # no hidden source: sum of shown figures
    (("Education", "Other"), (True, False)),  # the complement splits them too
])
def test_split_hidden_sources(groups, expected):
    assert activity.split_hidden_sources(_sources([True, True, False], [False, False, False]), groups) == expected


@pytest.mark.parametrize("value, lower, upper, met, verdict", [
    (25.0, 21.0, 29.0, True, "Significantly higher"),
    (21.0, 18.0, 24.0, True, "Not significantly different"),
    (20.0, 17.0, 23.0, True, "Not significantly different"),  # exactly on target is met
    (15.0, 12.0, 18.0, False, "Significantly lower"),
])
def test_target_status(value, lower, upper, met, verdict):
    status = activity.target_status(pd.Series({"value": value, "lower": lower, "upper": upper}), 20.0)
    assert status == {"met": met, "against_target": verdict}


def test_target_status_of_a_hidden_share_is_unknown():
    status = activity.target_status(pd.Series({"value": np.nan, "lower": np.nan, "upper": np.nan}), 20.0)
    assert status == {"met": None, "against_target": None}


# ------------------------------------------------------------------ time in treatment
def test_time_bins_edges():
    # weeks to 31 March 2025 for open episodes: exactly 4 weeks goes to "4 to under 12"
    end = FY.end
    rows = [{"client_id": f"c{i}", "episode_id": f"e{i}",
             "triage_date": (end - pd.Timedelta(days=days)).strftime("%Y-%m-%d")}
            for i, days in enumerate([27, 28, 83, 84, 365, 728])]
    out = activity.time_in_treatment_bins(dataset(rows), fy=FY).set_index("weeks")["count"]
    # 27 days < 4 weeks; 28 days = 4 weeks; 83 days < 12 weeks; 84 = 12; 365 days = 52.1; 728 = 104
    assert out.to_dict() == {"Under 4 weeks": 1, "4 to under 12 weeks": 2, "12 to under 26 weeks": 1,
                             "26 to under 52 weeks": 0, "52 to under 104 weeks": 1, "104 weeks or more": 1}


def _people(discharged_weeks: list[int], open_weeks: list[int]) -> list[dict]:
    rows = []
    for i, weeks in enumerate(discharged_weeks):
        start = pd.Timestamp("2024-05-01")
        rows.append({"client_id": f"d{i}", "episode_id": f"d{i}", "triage_date": start.strftime("%Y-%m-%d"),
                     "discharge_date": (start + pd.Timedelta(weeks=weeks)).strftime("%Y-%m-%d"),
                     "discharge_reason": "dropped_out"})
    for i, weeks in enumerate(open_weeks):
        rows.append({"client_id": f"o{i}", "episode_id": f"o{i}",
                     "triage_date": (FY.end - pd.Timedelta(weeks=weeks)).strftime("%Y-%m-%d")})
    return rows


def test_time_summary_hides_means_of_fewer_than_five_and_the_cell_that_would_reveal_them():
    # 6 discharged (weeks 1..6) and 3 open: the open group is hidden, and so is the discharged
    # group, since All (9) minus Discharged (6) would give the 3 away; All is shown.
    data = dataset(_people([1, 2, 3, 4, 5, 6], [10, 20, 30]))
    out = activity.time_in_treatment_summary(data, FY, PREVIOUS).set_index("status")
    assert out.loc["Open", "suppressed"] and out.loc["Discharged", "suppressed"]
    assert out[["people", "mean_weeks", "median_weeks"]].loc[["Open", "Discharged"]].isna().all().all()
    assert not out.loc["All", "suppressed"] and out.loc["All", "people"] == 9
    assert out.loc["All", "mean_weeks"] == pytest.approx((1 + 2 + 3 + 4 + 5 + 6 + 10 + 20 + 30) / 9)
    assert out.loc["All", "median_weeks"] == pytest.approx(5)
    # nobody in the comparison year: nothing to hide, no means
    assert out["previous_people"].tolist() == [0, 0, 0] and not out["previous_suppressed"].any()


def test_time_summary_shown_when_every_group_has_five_or_more():
    data = dataset(_people([2, 4, 6, 8, 10], [1, 3, 5, 7, 9]))
    out = activity.time_in_treatment_summary(data, FY, PREVIOUS).set_index("status")
    assert not out["suppressed"].any()
    assert out.loc["Discharged", "mean_weeks"] == pytest.approx(6) and out.loc["Open", "median_weeks"] == pytest.approx(5)
    table = activity.time_summary_table(out.reset_index(), "2024/25", "2023/24")
    assert table.loc[0, "Mean weeks 2024/25"] == "6.0" and table.loc[0, "People 2023/24"] == "0"
    assert table.loc[0, "Mean weeks 2023/24"] == ""


# ------------------------------------------------------------------ exits
def test_exits_by_discharge_reason_counts_people_by_last_discharge():
    rows = [
        {"client_id": "a", "episode_id": "1", "triage_date": "2024-04-10", "discharge_date": "2024-06-01",
         "discharge_reason": "dropped_out"},
        {"client_id": "a", "episode_id": "2", "triage_date": "2024-07-01", "discharge_date": "2024-12-01",
         "discharge_reason": "completed_drug_free"},  # a's last discharge decides
        {"client_id": "b", "episode_id": "3", "triage_date": "2024-04-10", "discharge_date": "2024-05-01",
         "discharge_reason": "Transferred - in custody"},
        {"client_id": "c", "episode_id": "4", "triage_date": "2024-04-10", "discharge_date": "2024-05-01"},
    ]
    out = activity.exits_by_discharge_reason(dataset(rows), fy=FY)
    assert out[["exit_group", "discharge_reason", "count"]].values.tolist() == [
        ["Planned", "completed drug free", 1], ["Transferred", "transferred in custody", 1],
        ["Other / not known", "not recorded", 1]]
    assert set(out["denominator"]) == {3}


def test_exits_by_discharge_reason_keeps_other_and_unmapped_reasons():
    rows = [{"client_id": c, "episode_id": c, "triage_date": "2024-04-10", "discharge_date": "2024-05-01",
             "discharge_reason": reason} for c, reason in [("a", "Other"), ("b", "Moved_away"), ("c", "moved away")]]
    out = activity.exits_by_discharge_reason(dataset(rows), fy=FY)
    assert out[["exit_group", "discharge_reason", "count"]].values.tolist() == [
        ["Other / not known", "moved away", 2], ["Other / not known", "other", 1]]


def test_a_hidden_group_gets_a_hidden_reason():
    groups = pd.DataFrame({"exit_group": ["Planned", "Unplanned"], "suppressed": [False, True]})
    reasons = pd.DataFrame({"exit_group": ["Planned", "Unplanned", "Unplanned", "Unplanned"],
                            "count": [40.0, 30.0, 9.0, 0.0], "suppressed": [False, False, False, False]})
    extra = activity.hidden_reasons_of_hidden_groups(reasons, groups, "suppressed", "count")
    assert extra.tolist() == [False, False, True, False]  # the smallest non-zero reason of Unplanned
    reasons.loc[1, "suppressed"] = True  # already one hidden: the sum no longer gives the group
    assert not activity.hidden_reasons_of_hidden_groups(reasons, groups, "suppressed", "count").any()


def test_completion_hidden_when_any_exit_group_is_hidden():
    # the rate shows planned exits and all exits - transfers; with all exits published, any hidden
    # group (even transfers) could be worked out from it
    groups = pd.DataFrame({"exit_group": ["Planned", "Unplanned", "Transferred", "Other / not known"],
                           "suppressed": [False, False, True, False], "previous_suppressed": [False] * 4})
    assert activity.completion_hidden_by_groups(groups) == (True, False)
    groups["previous_suppressed"] = [False, False, False, True]
    assert activity.completion_hidden_by_groups(groups) == (True, True)


def test_group_denominators_protected_against_their_published_total():
    # 3 people of "Other": hidden, and the smallest other group too (the total is published)
    frame = pd.DataFrame({"sex": ["Male", "Male", "Female", "Other"], "denominator": [50, 50, 40, 3],
                          "previous_denominator": [50, 50, 40, 0]})
    now, before = activity.hidden_group_denominators(frame, "sex")
    assert now.tolist() == [False, False, True, True] and not before.any()


def test_comparison_columns():
    columns = activity.comparison_columns([("g", "Group")], PROPORTION)
    assert columns[0] == ("g", "Group") and ("previous_denominator", "Denominator {comparison}") in columns
    assert columns[-1] == ("significant", "Significant change")
    counts = dict(activity.comparison_columns([], "count"))
    assert "denominator" not in counts and counts["percent_change"] == "% change"


# ------------------------------------------------------------------ time in treatment by exit group
def _exits_after(weeks_by_reason: dict[str, list[int]]) -> list[dict]:
    rows, start = [], pd.Timestamp("2024-05-01")
    for reason, weeks_list in weeks_by_reason.items():
        for i, weeks in enumerate(weeks_list):
            rows.append({"client_id": f"{reason}{i}", "episode_id": f"{reason}{i}", "triage_date": start,
                         "discharge_date": start + pd.Timedelta(weeks=weeks), "discharge_reason": reason or None})
    return rows


def test_time_by_exit_group_hides_groups_of_one_to_four_and_the_group_that_would_reveal_them():
    # 5 completed (10..14 weeks), 7 dropped out (1..7), 3 with no reason (1-4: hidden), none transferred.
    # All exits (15) are published, so one more group is hidden: the smallest shown one, completed.
    data = dataset(_exits_after({"completed_drug_free": [10, 11, 12, 13, 14], "dropped_out": [1, 2, 3, 4, 5, 6, 7],
                                 "": [2, 2, 3]}))
    out = activity.time_by_exit_group_summary(data, FY, PREVIOUS).set_index("exit_group")
    assert list(out.index) == ["Planned", "Unplanned", "Transferred", "Other / not known"]
    assert out.loc["Other / not known", "suppressed"] and np.isnan(out.loc["Other / not known", "median_weeks"])
    assert out.loc["Planned", "suppressed"] and np.isnan(out.loc["Planned", "mean_weeks"])
    assert not out.loc["Unplanned", "suppressed"]
    assert out.loc["Unplanned", "people"] == 7 and out.loc["Unplanned", "median_weeks"] == pytest.approx(4)
    assert out.loc["Unplanned", "mean_weeks"] == pytest.approx(4)
    assert out.loc["Transferred", "people"] == 0 and np.isnan(out.loc["Transferred", "mean_weeks"])
    assert (out["previous_people"] == 0).all()
    table = activity.time_summary_table(out.reset_index(), "2024/25", "2023/24", category="exit_group",
                                        heading="Exit group")
    shown = table.set_index("Exit group")
    assert shown.loc["Other / not known", "Median weeks 2024/25"] == "*"
    assert shown.loc["Unplanned", "Median weeks 2024/25"] == "4.0" and shown.loc["Transferred", "People 2024/25"] == "0"


def test_time_by_exit_group_hidden_with_the_exits_figure():
    summary = pd.DataFrame({"exit_group": ["Planned", "Unplanned"], "people": [20.0, 30.0],
                            "mean_weeks": [12.0, 6.0], "median_weeks": [11.0, 5.0], "suppressed": [False, False],
                            "previous_people": [20.0, 30.0], "previous_mean_weeks": [12.0, 6.0],
                            "previous_median_weeks": [11.0, 5.0], "previous_suppressed": [False, False]})
    groups = pd.DataFrame({"exit_group": ["Planned", "Unplanned"], "suppressed": [False, True],
                           "previous_suppressed": [False, False]})
    out = activity.hide_time_groups(summary, groups).set_index("exit_group")
    assert out.loc["Unplanned", "suppressed"] and np.isnan(out.loc["Unplanned", "people"])
    assert np.isnan(out.loc["Unplanned", "median_weeks"]) and out.loc["Unplanned", "previous_people"] == 30
    assert not out.loc["Planned", "suppressed"]


def test_back_in_treatment_measure():
    from analysis import profiles

    rows = _exits_after({"dropped_out": [2, 3, 4, 5, 6, 7]})
    rows += [{"client_id": "dropped_out0", "episode_id": "z0", "triage_date": "2025-01-01"},
             {"client_id": "dropped_out1", "episode_id": "z1", "triage_date": "2025-01-01",
              "discharge_date": "2025-03-31", "discharge_reason": "dropped_out"}]
    out = profiles.back_in_treatment(dataset(rows), fy=FY)
    # 6 people discharged in the year (dropped_out1 counted once, by its last discharge on 31 March);
    # dropped_out0 is back in treatment on 31 March
    assert out[["count", "denominator"]].values.tolist() == [[1, 6]] and out.attrs["kind"] == PROPORTION


def test_reason_text_is_the_same_for_a_category_column_and_for_text():
    """Worked out once per category, discharge reasons read as they do from plain text: trimmed,
    lower case, runs of spaces, underscores and hyphens as one space, missing as not recorded."""
    from analysis.activity import REASON_NOT_RECORDED, reason_text

    raw = pd.Series([" Treatment_Completed ", None, "dropped  out - left", "Treatment completed", ""], dtype="string")
    expected = ["treatment completed", REASON_NOT_RECORDED, "dropped out left", "treatment completed", ""]
    assert list(reason_text(raw)) == expected
    assert list(reason_text(raw.astype("category"))) == expected
    assert list(reason_text(pd.Series([None, None], dtype="category"))) == [REASON_NOT_RECORDED] * 2


def test_reason_counts_on_codes_equal_counting_the_text_pairs():
    """Exits by (exit group, reason as shown) counted on codes give what counting each person's text
    pair gives, whether the reasons are a category column or text; two recorded spellings of one
    reason count together, a missing reason counts as not recorded."""
    from analysis.activity import REASON_NOT_RECORDED, _reason_counts, reason_text

    groups = pd.Series(["Planned", "Unplanned", "Planned", "Planned", "Other / not known", "Unplanned"], dtype=object)
    reasons = pd.Series(["Treatment_completed", "dropped out", "treatment completed", None, "other", "Dropped  Out"],
                        dtype="string")
    expected = (pd.DataFrame({"exit_group": groups.astype(str).to_numpy(), "discharge_reason": reason_text(reasons)})
                .value_counts().rename("count").reset_index().sort_values(["exit_group", "discharge_reason"])
                .reset_index(drop=True))
    # by hand: Other / other 1; Planned / not recorded 1, treatment completed 2; Unplanned / dropped out 2
    assert expected["count"].tolist() == [1, 1, 2, 2]
    assert REASON_NOT_RECORDED in expected["discharge_reason"].tolist()
    for given in (reasons, reasons.astype("category")):
        ours = _reason_counts(groups, given).sort_values(["exit_group", "discharge_reason"]).reset_index(drop=True)
        pd.testing.assert_frame_equal(ours, expected, check_dtype=False)


def test_summaries_side_by_side_equal_their_merge_and_a_different_order_is_joined():
    now = pd.DataFrame({"status": ["Discharged", "Open", "All"], "people": [3.0, 7.0, 10.0],
                        "suppressed": [True, False, False]})
    before = pd.DataFrame({"status": ["Discharged", "Open", "All"], "previous_people": [5.0, np.nan, 9.0],
                           "previous_suppressed": [False, True, False]})
    pd.testing.assert_frame_equal(activity._side_by_side(now, before, "status"), now.merge(before, on="status"))
    shuffled = before.iloc[[2, 0, 1]].reset_index(drop=True)
    joined = activity._side_by_side(now, shuffled, "status")
    pd.testing.assert_frame_equal(joined, now.merge(shuffled, on="status"))
    assert joined["previous_people"].tolist()[:1] == [5.0]  # matched by status, not by position


def test_category_text_of_reasons_is_reason_text_of_each_category():
    categories = ("Completed_drug-free", "  DROPPED  out", "other")
    shown = activity._category_text(categories)
    assert shown.tolist() == activity.reason_text(pd.Series(list(categories))).tolist()
    assert shown.tolist() == ["completed drug free", "dropped out", "other"]
    assert activity._category_text(categories) is shown  # once per set of categories


def test_exited_groups_are_the_exit_groups_of_the_people_discharged():
    """The fact table's exit group of each person discharged in the year is the exit group of the
    episode ``person_year.exits`` takes (their last discharge), person for person."""
    from analysis import person_year, profiles
    from analysis.dataset import load_demo
    from analysis.filters import Filters

    data = load_demo()
    for filters in (Filters(), Filters(service="Young people", sex="Female")):
        for fy in data.years[-2:]:
            taken = person_year.exits(data, fy, filters, columns=())["exit_group"]
            read = profiles.exited_groups(person_year.rows(data, fy, filters))
            assert len(read) > 0 and read.astype(str).tolist() == taken.astype(str).tolist()
