"""Targets and trajectories: the NI 40 example (baseline 903; targets 957, 967, 978) against hand counts."""

import pandas as pd
import pytest

from analysis import store, targets
from analysis.cohorts import prepare_episodes
from analysis.dataset import Dataset
from analysis.filters import Filters
from analysis.periods import FinancialYear
from tests.factories import episodes, substances

FY = FinancialYear(2024)
DATA_END = pd.Timestamp("2025-03-31")
NI40_TARGETS = pd.DataFrame({"indicator": ["effective_treatment"] * 3,
                             "period": ["2024/25", "2025/26", "2026/27"],
                             "target": [957, 967, 978], "source": ["Treatment plan"] * 3})


def ni40_data() -> Dataset:
    """903 adult opiate users triaged on 1 Oct 2023 and still in treatment (effective in 2023/24: 182 days by
    31 March), and 6 more triaged on 1 Feb 2024 (59 days by 31 March 2024: not yet effective in 2023/24; 150
    days by 30 June 2024, so effective from Q1 2024/25). Hand count: 903 in 2023/24, 909 at every quarter of
    2024/25."""
    rows = [{"client_id": f"p{i}", "episode_id": f"e{i}", "triage_date": "2023-10-01"} for i in range(903)]
    rows += [{"client_id": f"q{i}", "episode_id": f"f{i}", "triage_date": "2024-02-01"} for i in range(6)]
    subs = substances([(row["episode_id"], 1, "heroin") for row in rows])
    empty = pd.DataFrame()
    return Dataset(episodes=prepare_episodes(episodes(rows)), substances=subs, referrals=empty,
                   districts=empty, population=empty)


def test_ni40_example_gap_matches_the_hand_count():
    data = ni40_data()
    actuals = targets.quarterly_actuals(data, "effective_treatment", FY, Filters(), DATA_END)
    assert list(actuals["year_to_date"]) == [909, 909, 909, 909]
    assert actuals["in_quarter"].isna().all()  # effective treatment: year to date only
    plan = targets.validate_targets(NI40_TARGETS)
    frame = targets.trajectory(targets.suppress_actuals(actuals), targets.targets_for_year(plan, "effective_treatment", FY))
    q4 = frame.set_index("quarter").loc[4]
    assert (q4["target"], q4["year_to_date"], q4["gap"], q4["rag"]) == (957, 909, 48, targets.RED)
    assert targets.gap_sentence(frame, "effective_treatment", FY) == (
        "48 more people in effective treatment are needed by Q4 2024/25 (target 957; 909 in the year to Q4).")
    # the three-year plan from the baseline year's actual figure
    baseline = targets.quarterly_actuals(data, "effective_treatment", FinancialYear(2023), Filters(), DATA_END)
    assert baseline["year_to_date"].iloc[-1] == 903
    annual = targets.annual_trajectory({"2023/24": 903.0, "2024/25": 909.0}, plan, "effective_treatment")
    assert list(annual["year"]) == ["2023/24", "2024/25", "2025/26", "2026/27"]
    assert list(annual["target"].fillna(0)) == [0, 957, 967, 978]
    assert annual.set_index("year").loc["2024/25", "gap"] == 48


def test_quarter_targets_rag_follows_the_stated_rule():
    actuals = pd.DataFrame({"quarter": [1, 2, 3], "quarter_label": ["", "", ""], "in_quarter": [float("nan")] * 3,
                            "year_to_date": [909.0, 909.0, 909.0]})
    plan = targets.validate_targets(pd.DataFrame({
        "Indicator": ["effective_treatment"] * 3, "Period": ["2024/25 Q1", "2024/25 q2", "2024/25-Q3"],
        "Target": ["930", "960", "900"]}))
    frame = targets.trajectory(actuals, targets.targets_for_year(plan, "effective_treatment", FY))
    # 909 >= 95% of 930 (883.5): amber; < 95% of 960 (912): red; >= 900: green; Q4 has no target
    assert list(frame["rag"]) == [targets.AMBER, targets.RED, targets.GREEN, ""]
    assert targets.gap_sentence(frame, "effective_treatment", FY).startswith(
        "The Q3 2024/25 target of 900 people in effective treatment is reached: 909 in the year to Q3, 9 more")


def test_people_in_treatment_and_new_presentations_by_quarter_and_year_to_date():
    data = Dataset(episodes=prepare_episodes(episodes([
        {"client_id": "a", "episode_id": "1", "triage_date": "2024-05-01", "discharge_date": "2024-06-15"},
        {"client_id": "b", "episode_id": "2", "triage_date": "2024-08-01"},
        {"client_id": "c", "episode_id": "3", "triage_date": "2022-01-01"},  # open all along: not new
    ])), substances=substances([]), referrals=pd.DataFrame(), districts=pd.DataFrame(), population=pd.DataFrame())
    treated = targets.quarterly_actuals(data, "people_in_treatment", FY, Filters(), pd.Timestamp("2024-12-31"))
    assert list(treated["quarter"]) == [1, 2, 3]  # Q4 not yet covered by the data
    assert list(treated["in_quarter"]) == [2, 2, 2]  # Q1 a, c; Q2 b, c; Q3 b, c
    assert list(treated["year_to_date"]) == [2, 3, 3]
    new = targets.quarterly_actuals(data, "new_presentations", FY, Filters(), pd.Timestamp("2024-12-31"))
    assert list(new["in_quarter"]) == [1, 1, 0] and list(new["year_to_date"]) == [1, 2, 2]
    hidden = targets.suppress_actuals(treated)
    assert hidden["year_to_date"].isna().all() and hidden["year_to_date_suppressed"].all()  # 2 and 3 are 1-4


@pytest.mark.parametrize("period, message", [
    ("2024/26", "not a financial year"), ("Q3 2024", "not a period"), ("2024/25 Q5", "not a period")])
def test_bad_periods_are_refused_with_the_row(period, message):
    with pytest.raises(targets.TargetError, match=f"Row 1: .*{message}"):
        targets.validate_targets(pd.DataFrame({"indicator": ["effective_treatment"], "period": [period],
                                               "target": [1]}))


def test_unknown_indicator_and_negative_target_are_refused():
    with pytest.raises(targets.TargetError, match="Row 1: 'referrals' is not an indicator with targets"):
        targets.validate_targets(pd.DataFrame({"indicator": ["referrals"], "period": ["2024/25"], "target": [1]}))
    with pytest.raises(targets.TargetError, match="Row 2: the target must be a number of people"):
        targets.validate_targets(pd.DataFrame({"indicator": ["effective_treatment"] * 2,
                                               "period": ["2024/25", "2025/26"], "target": [1, -3]}))


def test_targets_file_is_read_and_stored_with_who_set_them(tmp_path):
    content = b"Indicator,Period,Target,Source\neffective_treatment,2024/25,957,Plan\neffective_treatment,2025/26,967,Plan\n"
    plan = targets.read_targets_file(content, "targets.csv")
    saved = store.Store.open(tmp_path)
    saved.set_indicator_targets(store.DEMO, plan.to_dict("records"), set_by="A. Analyst")
    record = saved.indicator_targets(store.DEMO)
    assert record["set_by"] == "A. Analyst"
    pd.testing.assert_frame_equal(targets.rows_from_records(record["rows"]), plan)
    assert saved.indicator_targets(store.SAVED) is None
    saved.clear_target(store.DEMO, name=store.INDICATOR_TARGETS, cleared_by="A. Analyst")
    assert saved.indicator_targets(store.DEMO) is None
    assert [e["action"] for e in saved.target_history(store.DEMO, store.INDICATOR_TARGETS)] == ["set", "cleared"]


def test_rag_sentence_names_the_latest_judged_quarter():
    frame = targets.trajectory(pd.DataFrame({"quarter": [1, 2], "quarter_label": ["", ""],
                                             "in_quarter": [float("nan")] * 2, "year_to_date": [909.0, 950.0]}),
                               {1: (930.0, ""), 2: (940.0, ""), 4: (978.0, "")})
    assert targets.rag_sentence(frame, FY) == "Status at Q2 2024/25: Green (950 against a target of 940)."
    assert targets.rag_sentence(targets.trajectory(frame.iloc[0:0][["quarter"]].assign(
        quarter_label="", in_quarter=0.0, year_to_date=0.0), {}), FY) == ""
