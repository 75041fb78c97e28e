"""Cohort definitions (GLOSSARY) on hand-built episodes, boundaries on both sides."""

import numpy as np
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


def test_exits_with_other_or_unknown_reasons_stay_exits():
    eps = episodes([
        {"client_id": "a", "episode_id": "1", "triage_date": "2024-01-01", "discharge_date": "2024-05-01",
         "discharge_reason": "completed_drug_free"},
        {"client_id": "b", "episode_id": "2", "triage_date": "2024-01-01", "discharge_date": "2024-05-01",
         "discharge_reason": "Other"},  # the NDTMS "other" reason
        {"client_id": "c", "episode_id": "3", "triage_date": "2024-01-01", "discharge_date": "2024-05-01",
         "discharge_reason": "moved away"},  # a local code mapped to no group
        {"client_id": "d", "episode_id": "4", "triage_date": "2024-01-01", "discharge_date": "2024-05-01"},  # empty
        {"client_id": "e", "episode_id": "5", "triage_date": "2024-01-01", "discharge_date": "2024-05-01",
         "discharge_reason": "transferred_not_in_custody"},
    ])
    people = cohorts.exits(eps, FY).set_index("client_id")["exit_group"].astype(str).to_dict()
    assert people == {"a": "Planned", "b": "Other / not known", "c": "Other / not known",
                      "d": "Other / not known", "e": "Transferred"}
    # planned / (all exits - transfers) = 1 / (5 - 1)
    assert cohorts.successful_completions(eps, FY) == (1, 4)


def test_successful_completion_of_a_real_shaped_extract():
    # 24 completed, 28 dropped out, 40 with a reason the service writes as "Left - no reason given"
    # (unmapped), 8 transferred: 24 / (100 - 8) = 24 / 92, not 24 / 52
    reasons = (["completed_drug_free"] * 24 + ["dropped_out"] * 28 + ["Left - no reason given"] * 40
               + ["transferred_not_in_custody"] * 8)
    eps = episodes([{"client_id": f"p{i}", "episode_id": str(i), "triage_date": "2024-04-01",
                     "discharge_date": "2024-09-01", "discharge_reason": reason} for i, reason in enumerate(reasons)])
    assert cohorts.successful_completions(eps, FY) == (24, 92)


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


# ------------------------------------------------------------------ effective treatment (NI 40)
def test_effective_treatment_any_adult_episode_in_the_year_qualifies():
    eps = episodes([
        # a: a 20-week episode completed in the year, then restarted 4 weeks before 31 March. The latest
        # episode alone is not effective; the earlier one in the year is, so a counts (GLOSSARY)
        {"client_id": "a", "episode_id": "1", "triage_date": "2024-05-01", "discharge_date": "2024-09-18",
         "discharge_reason": "completed_drug_free"},
        {"client_id": "a", "episode_id": "2", "triage_date": "2025-03-03"},
        # b: dropped out after 11 weeks (77 days), then restarted near the year end: not effective
        {"client_id": "b", "episode_id": "3", "triage_date": "2024-05-01", "discharge_date": "2024-07-17",
         "discharge_reason": "dropped_out"},
        {"client_id": "b", "episode_id": "4", "triage_date": "2025-03-03"},
        # c: a long episode that ended before the year does not count for this year
        {"client_id": "c", "episode_id": "5", "triage_date": "2023-01-01", "discharge_date": "2024-03-31",
         "discharge_reason": "completed_drug_free"},
        {"client_id": "c", "episode_id": "6", "triage_date": "2025-03-03"},
        # d: a long young people's episode in the year does not count (adult episodes only)
        {"client_id": "d", "episode_id": "7", "triage_date": "2024-04-01", "discharge_date": "2024-12-01",
         "discharge_reason": "completed_drug_free", "service": "young_people", "age_at_triage": 17},
        {"client_id": "d", "episode_id": "8", "triage_date": "2025-03-03", "age_at_triage": 18},
    ])
    subs = substances([(str(i), 1, "heroin") for i in range(1, 9)])
    assert cohorts.effective_treatment(eps, subs, FY) == (1, 4)


@pytest.mark.parametrize("days, effective", [(83, False), (84, True)])
def test_effective_treatment_retained_to_the_year_end_when_open(days, effective):
    eps = episodes([{"client_id": "a", "episode_id": "1", "triage_date": FY.end - pd.Timedelta(days=days)}])
    assert cohorts.effective_treatment(eps, substances([("1", 2, "crack")]), FY) == (int(effective), 1)


def test_effective_treatment_planned_exit_within_12_weeks_only_if_planned():
    eps = episodes([
        {"client_id": "a", "episode_id": "1", "triage_date": "2024-06-01", "discharge_date": "2024-06-20",
         "discharge_reason": "completed_occasional_user"},
        {"client_id": "b", "episode_id": "2", "triage_date": "2024-06-01", "discharge_date": "2024-06-20",
         "discharge_reason": "transferred_not_in_custody"},
        {"client_id": "c", "episode_id": "3", "triage_date": "2024-06-01", "discharge_date": "2024-06-20",
         "discharge_reason": "Other"},
    ])
    subs = substances([("1", 3, "methadone"), ("2", 1, "heroin"), ("3", 1, "crack")])
    assert cohorts.effective_treatment(eps, subs, FY) == (1, 3)


def test_effective_treatment_is_not_applicable_to_young_people():
    eps = episodes([{"client_id": "a", "episode_id": "1", "triage_date": "2024-04-01"}])
    subs = substances([("1", 1, "heroin")])
    # never the adult figure for the young people's service
    assert cohorts.effective_treatment(eps, subs, FY, Filters(service="Young people")) is None
    assert cohorts.effective_treatment(eps, subs, FY, Filters(service="Adults")) == (1, 1)


# ------------------------------------------------------------------ retention (checked against the glossary)
def test_retention_first_triage_in_the_year_decides_and_counts_people():
    eps = episodes([
        # a: first triage in the year lasted 30 days; a later long episode does not make a retained
        {"client_id": "a", "episode_id": "1", "triage_date": "2024-05-01", "discharge_date": "2024-05-31",
         "discharge_reason": "dropped_out"},
        {"client_id": "a", "episode_id": "2", "triage_date": "2024-06-15"},
        # b: an episode triaged last year is not b's first triage in the year; b's first is retained
        {"client_id": "b", "episode_id": "3", "triage_date": "2024-01-01", "discharge_date": "2024-04-10",
         "discharge_reason": "dropped_out"},
        {"client_id": "b", "episode_id": "4", "triage_date": "2024-06-01", "discharge_date": "2024-08-24",
         "discharge_reason": "completed_drug_free"},  # 84 days
        # c: first triage in the year 83 days before 31 March: not in the cohort
        {"client_id": "c", "episode_id": "5", "triage_date": FY.end - pd.Timedelta(days=83)},
    ])
    assert cohorts.retention_12_weeks(eps, FY) == (1, 2)


# ------------------------------------------------------------------ time in treatment by exit group
def test_time_by_exit_group_uses_each_persons_last_discharge():
    eps = episodes([
        # a: dropped out after 2 weeks, then completed after 10 weeks: counted once, completed, 10 weeks
        {"client_id": "a", "episode_id": "1", "triage_date": "2024-04-01", "discharge_date": "2024-04-15",
         "discharge_reason": "dropped_out"},
        {"client_id": "a", "episode_id": "2", "triage_date": "2024-05-01", "discharge_date": "2024-07-10",
         "discharge_reason": "completed_drug_free"},
        {"client_id": "b", "episode_id": "3", "triage_date": "2024-01-08", "discharge_date": "2024-04-29",
         "discharge_reason": "dropped_out"},  # 16 weeks, triaged before the year
        {"client_id": "c", "episode_id": "4", "triage_date": "2024-06-01", "discharge_date": "2024-06-29",
         "discharge_reason": "dropped_out"},  # 4 weeks
        {"client_id": "d", "episode_id": "5", "triage_date": "2024-06-01", "discharge_date": "2024-06-08"},  # 1 week
        {"client_id": "e", "episode_id": "6", "triage_date": "2024-06-01"},  # open: not discharged
    ])
    summary = cohorts.summarise_time_by_exit_group(cohorts.time_by_exit_group(eps, FY)).set_index("exit_group")
    assert list(summary.index) == ["Planned", "Unplanned", "Transferred", "Other / not known"]
    assert summary["people"].tolist() == [1, 2, 0, 1]
    assert summary.loc["Planned", "median_weeks"] == pytest.approx(10)
    assert summary.loc["Unplanned", "mean_weeks"] == pytest.approx(10)  # (16 + 4) / 2
    assert summary.loc["Unplanned", "median_weeks"] == pytest.approx(10)
    assert summary.loc["Other / not known", "mean_weeks"] == pytest.approx(1)
    assert np.isnan(summary.loc["Transferred", "mean_weeks"])


# ------------------------------------------------------------------ back in treatment
def test_back_in_treatment_on_31_march():
    eps = episodes([
        # a: discharged, then a later episode still open on 31 March: back
        {"client_id": "a", "episode_id": "1", "triage_date": "2024-04-01", "discharge_date": "2024-07-01",
         "discharge_reason": "dropped_out"},
        {"client_id": "a", "episode_id": "2", "triage_date": "2024-12-01"},
        # b: discharged, a later episode that ended on 31 March: not in treatment on 31 March
        {"client_id": "b", "episode_id": "3", "triage_date": "2024-04-01", "discharge_date": "2024-07-01",
         "discharge_reason": "dropped_out"},
        {"client_id": "b", "episode_id": "4", "triage_date": "2024-12-01", "discharge_date": "2025-03-31",
         "discharge_reason": "completed_drug_free"},
        # c: discharged; an earlier episode open all along is not "in treatment again"
        {"client_id": "c", "episode_id": "5", "triage_date": "2023-01-01"},
        {"client_id": "c", "episode_id": "6", "triage_date": "2024-04-01", "discharge_date": "2024-07-01",
         "discharge_reason": "transferred_in_custody"},
        # d: discharged, later episode triaged 1 April 2025: not in treatment on 31 March
        {"client_id": "d", "episode_id": "7", "triage_date": "2024-04-01", "discharge_date": "2024-07-01"},
        {"client_id": "d", "episode_id": "8", "triage_date": "2025-04-01"},
        # e: open, never discharged in the year: not in the cohort
        {"client_id": "e", "episode_id": "9", "triage_date": "2024-04-01"},
        # f: a young person discharged who is back in an adult service (any service counts)
        {"client_id": "f", "episode_id": "10", "triage_date": "2024-04-01", "discharge_date": "2024-06-01",
         "service": "young_people", "age_at_triage": 17, "discharge_reason": "completed_drug_free"},
        {"client_id": "f", "episode_id": "11", "triage_date": "2024-09-01", "age_at_triage": 18},
    ])
    assert cohorts.back_in_treatment(eps, FY) == (2, 5)
    assert cohorts.back_in_treatment(eps, FY, Filters(service="Young people")) == (1, 1)


# ------------------------------------------------------------------ which episode describes a person
def test_exits_and_retention_describe_a_person_by_their_latest_episode_in_the_year():
    # GLOSSARY "Which episode describes a person": the latest episode in the year (selected service).
    # a was 24 when triaged for the episode discharged in the year, and 25 at a later triage in it.
    eps = episodes([
        {"client_id": "a", "episode_id": "1", "triage_date": "2024-04-10", "discharge_date": "2024-09-01",
         "discharge_reason": "completed_drug_free", "age_at_triage": 24},
        {"client_id": "a", "episode_id": "2", "triage_date": "2024-11-01", "age_at_triage": 25},
    ])
    older, younger = Filters(age_band="25-34"), Filters(age_band="18-24")
    assert list(cohorts.exits(eps, FY, older)["client_id"]) == ["a"]
    assert cohorts.exits(eps, FY, younger).empty
    assert cohorts.successful_completions(eps, FY, older) == (1, 1)
    assert cohorts.retention_12_weeks(eps, FY, older) == (1, 1)  # first triage decides retention
    assert cohorts.retention_12_weeks(eps, FY, younger) == (0, 0)
    assert cohorts.back_in_treatment(eps, FY, older) == (1, 1)
    # the same rule for new presentations and re-presentations
    eps = episodes([
        {"client_id": "b", "episode_id": "1", "triage_date": "2020-01-01", "discharge_date": "2021-01-01",
         "age_at_triage": 20},
        {"client_id": "b", "episode_id": "2", "triage_date": "2024-04-10", "discharge_date": "2024-09-01",
         "discharge_reason": "completed_drug_free", "age_at_triage": 24},
        {"client_id": "b", "episode_id": "3", "triage_date": "2024-11-01", "age_at_triage": 25},
    ])
    assert list(cohorts.new_presentations(eps, FY, older)["client_id"]) == ["b"]
    assert cohorts.new_presentations(eps, FY, younger).empty
    assert list(cohorts.re_presentations(eps, FY, older)["client_id"]) == ["b"]
    assert cohorts.re_presentations(eps, FY, younger).empty


def test_person_order_is_pandas_stable_sort_with_missing_values_last():
    """Arrow's sort gives the order of ``sort_values(EPISODE_ORDER, kind="stable")``: ties kept in
    row order, a missing client id, triage date or episode id last within its group."""
    from analysis.cohorts import EPISODE_ORDER, person_order

    frame = pd.DataFrame({
        "client_id": pd.array(["C2", "C1", None, "C1", "C2", "C1", "C10"], dtype="string"),
        "triage_date": pd.to_datetime(["2024-05-01", None, "2024-01-01", "2024-02-01", "2024-05-01",
                                       "2024-02-01", "2023-01-01"]),
        "episode_id": pd.array(["E5", "E1", "E9", None, "E4", "E2", "E7"], dtype="string"),
        "row": range(7),
    })
    expected = frame.sort_values(EPISODE_ORDER, kind="stable")["row"].tolist()
    assert expected == [5, 3, 1, 6, 4, 0, 2]  # worked out by hand: C1 (E2 before missing id, then no date), C10, C2
    assert frame.take(person_order(frame))["row"].tolist() == expected
    categorical = frame.assign(client_id=frame["client_id"].astype("category"))
    assert categorical.take(person_order(categorical))["row"].tolist() == expected


def test_positions_in_is_a_left_join_on_an_identifier():
    """Each value's row among the keys, -1 where absent or missing; taken() gives the joined column."""
    keys = pd.Series(["E1", "E2", "E3"], dtype="string")
    values = pd.Series(["E3", None, "E9", "E1", "E3"], dtype="string")
    positions = cohorts.positions_in(values, keys)
    assert positions.tolist() == [2, -1, -1, 0, 2]
    dates = pd.Series(pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]))
    joined = cohorts.taken(dates, positions)
    expected = values.to_frame("episode_id").merge(
        pd.DataFrame({"episode_id": keys, "date": dates}), on="episode_id", how="left")["date"]
    expected[values.isna().to_numpy()] = pd.NaT  # a merge matches a missing id with a missing id; this never does
    pd.testing.assert_series_equal(joined, expected, check_names=False)
    categories = pd.Series(["a", "b", "c"], dtype="category")
    assert cohorts.taken(categories, positions).astype(object).tolist()[:3] == ["c", np.nan, np.nan]
    assert cohorts.unique_values(keys) and not cohorts.unique_values(values)
    assert cohorts.taken(dates.iloc[:0], np.array([-1, -1])).isna().all()


def test_mean_and_median_of_weeks_are_pandas_own():
    """The time-in-treatment summaries take mean and median on arrays: the same numbers as pandas'
    ``mean`` and ``median`` (missing weeks left out), to the last bit, and missing when none are known."""
    rng = np.random.default_rng(4)
    for trial in range(500):
        weeks = rng.integers(0, 600, int(rng.integers(1, 300))).astype(float) / 7.0
        if trial % 3 == 0:
            weeks[rng.integers(0, len(weeks), 3)] = np.nan
        mean, median = cohorts._mean_and_median(weeks)
        expected = (float(pd.Series(weeks).mean()), float(pd.Series(weeks).median()))
        assert all(a == b or (np.isnan(a) and np.isnan(b)) for a, b in zip((mean, median), expected))
    assert all(np.isnan(v) for v in cohorts._mean_and_median(np.array([np.nan, np.nan])))
    assert cohorts._mean_and_median(np.array([1.0, 2.0, 6.0])) == (3.0, 2.0)  # by hand


def test_unique_values_counts_missing_as_one_value():
    assert cohorts.unique_values(pd.Series(["a", None, "b"], dtype="string"))
    assert not cohorts.unique_values(pd.Series(["a", None, None], dtype="string"))
    assert not cohorts.unique_values(pd.Series(["x", "x"], dtype=object))


# ------------------------------------------------------------------ preparing without text copies (issue 12)
def test_districts_of_category_codes_are_those_of_their_text():
    """A loaded table holds its district codes as categories: each district is worked out once per category
    (trimmed; blank, missing or not a district: "Not known"), the same values and categories as from text."""
    raw = [" E07000178", "E07000178", "", None, "E09000001 ", "E99999999", "  ", "E07000178", None]
    text = pd.Series(raw, dtype="string")
    known = ["E07000178", "E09000001"]
    expected = ["E07000178", "E07000178", NOT_KNOWN, NOT_KNOWN, "E09000001", NOT_KNOWN, NOT_KNOWN, "E07000178",
                NOT_KNOWN]
    from_text = cohorts._districts(text, known)
    from_categories = cohorts._districts(text.astype("category"), known)
    assert list(from_text) == list(from_categories) == expected
    assert from_categories.dtype == from_text.dtype
    assert list(from_categories.dtype.categories) == ["E07000178", "E09000001", NOT_KNOWN]
    # without the list of districts only blank and missing codes are not known; unused categories are not kept
    unused = pd.Series(pd.Categorical(["E1", " E2"], categories=[" E2", "E1", "E3"]))
    assert list(cohorts._districts(unused, None)) == ["E1", "E2"]
    assert list(cohorts._districts(unused, None).dtype.categories) == ["E1", "E2"]
    assert cohorts._districts(unused, None).dtype == cohorts._districts(unused.astype("string"), None).dtype


@pytest.mark.parametrize("kind", ["str", "string", "category", "object"])
def test_person_codes_number_clients_in_order_of_first_row(kind):
    clients = pd.Series(["b", "b", "a", "c", "c", "c"]).astype(kind)
    assert list(cohorts._person_codes(clients)) == [0, 0, 1, 2, 2, 2]
    assert cohorts._person_codes(clients).dtype == np.int64
    with_missing = pd.Series(["b", "a", None, None]).astype(kind)  # missing ids (sorted last): factorised, -1
    assert list(cohorts._person_codes(with_missing)) == [0, 1, -1, -1]


def test_prepared_episodes_with_category_districts_and_clients_are_those_of_text():
    rows = [{"client_id": c, "episode_id": str(i), "triage_date": f"2024-0{1 + i % 9}-01", "district_code": d}
            for i, (c, d) in enumerate([("b", " E07000178"), ("a", ""), ("b", None), ("c", "E0"), ("a", "E07000178")])]
    text = episodes(rows)
    coded = text.astype({"district_code": "category", "client_id": "category"})
    a = cohorts.prepare_episodes(text, ["E07000178"])
    b = cohorts.prepare_episodes(coded, ["E07000178"])
    # in person order: a ("", "E07000178"), b (" E07000178", missing), c ("E0": not a district)
    assert list(a["district"]) == list(b["district"]) == [NOT_KNOWN, "E07000178", "E07000178", NOT_KNOWN,
                                                          NOT_KNOWN]
    assert list(b["person"]) == [0, 0, 1, 1, 2] and list(a["person"]) == list(b["person"])
    assert a["district"].dtype == b["district"].dtype
