"""Cohort definitions (GLOSSARY) on hand-built episodes, boundaries on both sides."""

import pandas as pd
import pytest

from analysis import cohorts
from analysis.filters import NOT_KNOWN, Filters
from analysis.periods import FinancialYear
from tests.factories import episodes, substances

FY = FinancialYear(2024)  # 1 Apr 2024 - 31 Mar 2025


def test_in_treatment_boundaries_and_people_not_episodes():
    eps = episodes([
        # discharged 31 March 2024: ended the day before the year starts -> out
        {"client_id": "a", "episode_id": "1", "triage_date": "2023-06-01", "discharge_date": "2024-03-31"},
        # discharged 1 April 2024: in treatment on the year's first day -> in
        {"client_id": "b", "episode_id": "2", "triage_date": "2023-06-01", "discharge_date": "2024-04-01"},
        # triaged 31 March 2025 -> in; triaged 1 April 2025 -> out
        {"client_id": "c", "episode_id": "3", "triage_date": "2025-03-31"},
        {"client_id": "d", "episode_id": "4", "triage_date": "2025-04-01"},
        # two episodes of one person in the year count once
        {"client_id": "e", "episode_id": "5", "triage_date": "2024-05-01", "discharge_date": "2024-06-01"},
        {"client_id": "e", "episode_id": "6", "triage_date": "2024-09-01"},
    ])
    people = cohorts.in_treatment(eps, FY)
    assert sorted(people["client_id"]) == ["b", "c", "e"]
    # attributes come from the latest episode
    assert people.set_index("client_id").loc["e", "episode_id"] == "6"


def test_snapshot_31_march():
    eps = episodes([
        {"client_id": "a", "episode_id": "1", "triage_date": "2024-01-01", "discharge_date": "2025-03-31"},
        {"client_id": "b", "episode_id": "2", "triage_date": "2024-01-01", "discharge_date": "2025-04-01"},
        {"client_id": "c", "episode_id": "3", "triage_date": "2025-03-31"},
        {"client_id": "d", "episode_id": "4", "triage_date": "2025-04-01"},
    ])
    assert sorted(cohorts.snapshot(eps, FY)["client_id"]) == ["b", "c"]


def test_new_presentations_twelve_month_lookback():
    eps = episodes([
        # previous episode ended 2023-05-01, re-triaged 2024-05-02: more than 12 months -> new
        {"client_id": "a", "episode_id": "1", "triage_date": "2022-01-01", "discharge_date": "2023-05-01"},
        {"client_id": "a", "episode_id": "2", "triage_date": "2024-05-02"},
        # previous episode ended exactly 12 months before -> still open in the window -> not new
        {"client_id": "b", "episode_id": "3", "triage_date": "2022-01-01", "discharge_date": "2023-05-02"},
        {"client_id": "b", "episode_id": "4", "triage_date": "2024-05-02"},
        # first ever episode -> new; second triage in the same year does not count again
        {"client_id": "c", "episode_id": "5", "triage_date": "2024-04-10", "discharge_date": "2024-05-01"},
        {"client_id": "c", "episode_id": "6", "triage_date": "2024-10-01"},
        # triaged in the previous year -> not a new presentation this year
        {"client_id": "d", "episode_id": "7", "triage_date": "2024-03-31"},
    ])
    new = cohorts.new_presentations(eps, FY)
    assert sorted(new["client_id"]) == ["a", "c"]
    assert new.set_index("client_id").loc["c", "episode_id"] == "5"


def test_re_presentations():
    eps = episodes([
        {"client_id": "a", "episode_id": "1", "triage_date": "2020-01-01", "discharge_date": "2021-01-01"},
        {"client_id": "a", "episode_id": "2", "triage_date": "2024-06-01"},
        {"client_id": "b", "episode_id": "3", "triage_date": "2024-06-01"},
        # earlier episode still open when the new one starts: not a re-presentation
        {"client_id": "c", "episode_id": "4", "triage_date": "2024-01-01"},
        {"client_id": "c", "episode_id": "5", "triage_date": "2024-06-01"},
    ])
    assert list(cohorts.re_presentations(eps, FY)["client_id"]) == ["a"]


def test_exits_and_successful_completion():
    eps = episodes([
        {"client_id": "a", "episode_id": "1", "triage_date": "2024-01-01", "discharge_date": "2024-05-01",
         "discharge_reason": "completed_drug_free"},
        {"client_id": "b", "episode_id": "2", "triage_date": "2024-01-01", "discharge_date": "2024-05-01",
         "discharge_reason": "dropped_out"},
        {"client_id": "c", "episode_id": "3", "triage_date": "2024-01-01", "discharge_date": "2024-05-01",
         "discharge_reason": "transferred_not_in_custody"},
        # person d: unplanned then planned later in the year: the last exit decides
        {"client_id": "d", "episode_id": "4", "triage_date": "2024-01-01", "discharge_date": "2024-05-01",
         "discharge_reason": "died"},
        {"client_id": "d", "episode_id": "5", "triage_date": "2024-06-01", "discharge_date": "2025-03-31",
         "discharge_reason": "Completed - alcohol free"},
        # discharged on 1 April 2025: next year's exit
        {"client_id": "e", "episode_id": "6", "triage_date": "2024-06-01", "discharge_date": "2025-04-01",
         "discharge_reason": "dropped_out"},
    ])
    people = cohorts.exits(eps, FY).set_index("client_id")["exit_group"].astype(str).to_dict()
    assert people == {"a": "Planned", "b": "Unplanned", "c": "Transferred", "d": "Planned"}
    assert cohorts.successful_completions(eps, FY) == (2, 3)


@pytest.mark.parametrize("days, retained", [(83, False), (84, True), (85, True)])
def test_retention_12_weeks_boundary(days, retained):
    start = pd.Timestamp("2024-06-01")
    eps = episodes([{"client_id": "a", "episode_id": "1", "triage_date": start,
                     "discharge_date": start + pd.Timedelta(days=days), "discharge_reason": "dropped_out"}])
    assert cohorts.retention_12_weeks(eps, FY) == (int(retained), 1)


def test_retention_cohort_excludes_late_starters():
    last_eligible = FY.end - pd.Timedelta(days=84)
    eps = episodes([
        {"client_id": "a", "episode_id": "1", "triage_date": last_eligible},
        {"client_id": "b", "episode_id": "2", "triage_date": last_eligible + pd.Timedelta(days=1)},
    ])
    # a started exactly 12 weeks before 31 March and is still open: retained
    assert cohorts.retention_12_weeks(eps, FY) == (1, 1)


def test_time_in_treatment():
    eps = episodes([
        {"client_id": "a", "episode_id": "1", "triage_date": "2024-04-01", "discharge_date": "2024-04-15"},
        {"client_id": "b", "episode_id": "2", "triage_date": "2024-04-01", "discharge_date": "2024-04-29"},
        {"client_id": "c", "episode_id": "3", "triage_date": "2025-03-03"},  # open: 28 days to 31 March
        {"client_id": "d", "episode_id": "4", "triage_date": "2025-02-03", "discharge_date": "2025-06-01"},
    ])
    people = cohorts.time_in_treatment(eps, FY)
    summary = cohorts.summarise_time_in_treatment(people).set_index("status")
    assert summary.loc["Discharged", "people"] == 2
    assert summary.loc["Discharged", "mean_weeks"] == pytest.approx(3.0)  # 2 and 4 weeks
    assert summary.loc["Open", "people"] == 2  # d is discharged after 31 March: open then
    assert summary.loc["Open", "median_weeks"] == pytest.approx((4 + 56 / 7) / 2)


def test_effective_treatment_adult_ocu_only():
    eps = episodes([
        # OCU adult retained 12+ weeks -> effective
        {"client_id": "a", "episode_id": "1", "triage_date": "2024-04-01"},
        # OCU adult completed within 12 weeks -> effective
        {"client_id": "b", "episode_id": "2", "triage_date": "2024-04-01", "discharge_date": "2024-05-01",
         "discharge_reason": "completed_drug_free"},
        # OCU adult dropped out in 4 weeks -> not effective
        {"client_id": "c", "episode_id": "3", "triage_date": "2024-04-01", "discharge_date": "2024-05-01",
         "discharge_reason": "dropped_out"},
        # alcohol only -> not in the cohort; young person -> not in the cohort
        {"client_id": "d", "episode_id": "4", "triage_date": "2024-04-01"},
        {"client_id": "e", "episode_id": "5", "triage_date": "2024-04-01", "service": "young_people", "age_at_triage": 16},
    ])
    subs = substances([("1", 1, "heroin"), ("2", 1, "alcohol"), ("2", 2, "crack"), ("3", 1, "crack"),
                       ("4", 1, "alcohol"), ("5", 1, "heroin")])
    assert cohorts.effective_treatment(eps, subs, FY) == (2, 3)


def test_filters_service_on_episode_and_person_attributes():
    eps = episodes([
        {"client_id": "a", "episode_id": "1", "triage_date": "2024-04-01", "service": "young_people",
         "age_at_triage": 17, "discharge_date": "2024-08-01"},
        {"client_id": "a", "episode_id": "2", "triage_date": "2024-09-01", "service": "adult", "age_at_triage": 18},
        {"client_id": "b", "episode_id": "3", "triage_date": "2024-09-01", "sex": "F", "district_code": ""},
    ])
    assert len(cohorts.in_treatment(eps, FY, Filters(service="Young people"))) == 1
    assert len(cohorts.in_treatment(eps, FY, Filters(service="Adults"))) == 2
    assert len(cohorts.in_treatment(eps, FY)) == 2
    assert list(cohorts.in_treatment(eps, FY, Filters(sex="Female"))["client_id"]) == ["b"]
    assert list(cohorts.in_treatment(eps, FY, Filters(district=NOT_KNOWN))["client_id"]) == ["b"]
    assert list(cohorts.in_treatment(eps, FY, Filters(age_band="18-24"))["client_id"]) == ["a"]


def test_person_order_is_checked_not_assumed():
    rows = [
        {"client_id": "a", "episode_id": "2", "triage_date": "2024-01-01"},
        {"client_id": "a", "episode_id": "3", "triage_date": "2024-01-01"},
        {"client_id": "a", "episode_id": "1", "triage_date": "2024-06-01"},
        {"client_id": "b", "episode_id": "0", "triage_date": "2023-01-01"},
    ]
    assert cohorts.in_person_order(episodes(rows))
    swapped = [rows[1], rows[0], rows[2], rows[3]]  # same day, episode ids out of order
    assert not cohorts.in_person_order(episodes(swapped))
    later_first = [rows[2], rows[0], rows[1], rows[3]]
    assert not cohorts.in_person_order(episodes(later_first))
    # either way the prepared episodes come out in person order
    assert list(cohorts.prepare_episodes(episodes(later_first))["episode_id"]) == ["2", "3", "1", "0"]
