"""The Treatment and exits page model on the demo data, against hand counts of the episodes."""

import math

import numpy as np
import pytest

from analysis import board, cohorts, dataset, profiles
from analysis.filters import Filters
from analysis.periods import FinancialYear
from analysis.suppression import is_disclosive
from analysis.views.treatment_exits import COMPLETION, NEW, RE, RETENTION, treatment_exits

FY, PREVIOUS = FinancialYear(2024), FinancialYear(2023)
SMALL = Filters(service="Young people", sex="Female", district="E07000181")
COUNT_COLUMNS = ["count", "previous_count", "denominator", "previous_denominator"]


@pytest.fixture(scope="module")
def data():
    return dataset.load_demo()


@pytest.fixture(scope="module")
def figures(data):
    return treatment_exits(data, FY, PREVIOUS, Filters())


def last_exits(data, fy):
    """People discharged in the year, by hand: each person's last discharge in the year."""
    ep = data.episodes
    out = ep[(ep["discharge_date"] >= fy.start) & (ep["discharge_date"] <= fy.end)]
    return out.sort_values(["client_id", "discharge_date", "episode_id"]).drop_duplicates("client_id", keep="last")


def test_exit_groups_reasons_and_completion_match_hand_counts(data, figures):
    people = last_exits(data, FY)
    groups = people["discharge_reason_group"].astype(str).value_counts()
    shown = figures.exit_groups.set_index("exit_group")
    for group in ["Planned", "Unplanned", "Transferred"]:
        assert shown.loc[group, "count"] == groups[group]
        assert shown.loc[group, "value"] == pytest.approx(groups[group] / len(people) * 100)
    reasons = figures.exit_reasons.groupby("exit_group")["count"].sum()
    for group in ["Planned", "Unplanned", "Transferred"]:
        assert reasons[group] == groups[group]  # reasons add up to their group
    dropped = (people["discharge_reason"] == "dropped_out").sum()
    assert figures.exit_reasons.set_index("discharge_reason").loc["Dropped Out", "count"] == dropped
    completion = figures.outcomes.set_index("indicator").loc[COMPLETION]
    planned, not_transferred = groups["Planned"], len(people) - groups.get("Transferred", 0)
    assert completion["count"] == planned and completion["denominator"] == not_transferred
    assert completion["value"] == pytest.approx(planned / not_transferred * 100)


def test_retention_and_presentations_match_the_cohort_definitions(data, figures):
    retained, started = cohorts.retention_12_weeks(data.episodes, FY)
    retention = figures.outcomes.set_index("indicator").loc[RETENTION]
    assert (retention["count"], retention["denominator"]) == (retained, started)
    shown = figures.presentations.set_index("presentation")
    assert shown.loc[NEW, "count"] == len(cohorts.new_presentations(data.episodes, FY))
    assert shown.loc[RE, "previous_count"] == len(cohorts.re_presentations(data.episodes, PREVIOUS))
    assert "12 months" in figures.lookback[NEW] and "all records held" in figures.lookback[RE]


def test_time_in_treatment_by_hand(data, figures):
    ep = data.episodes
    active = ep[(ep["triage_date"] <= FY.end) & (ep["discharge_date"].isna() | (ep["discharge_date"] >= FY.start))]
    latest = active.sort_values(["client_id", "triage_date", "episode_id"]).drop_duplicates("client_id", keep="last")
    end = latest["discharge_date"].where(latest["discharge_date"] <= FY.end, FY.end)
    weeks = (end - latest["triage_date"]).dt.days / 7
    discharged = latest["discharge_date"] <= FY.end
    summary = figures.time_summary.set_index("status")
    assert summary.loc["All", "people"] == len(latest)
    assert summary.loc["Discharged", "mean_weeks"] == pytest.approx(weeks[discharged].mean())
    assert summary.loc["Open", "median_weeks"] == pytest.approx(weeks[~discharged].median())
    bins = figures.time_bins.set_index("weeks")["count"]
    assert bins["Under 4 weeks"] == (weeks < 4).sum()
    assert bins["12 to under 26 weeks"] == ((weeks >= 12) & (weeks < 26)).sum()
    assert bins["104 weeks or more"] == (weeks >= 104).sum()
    assert bins.sum() == len(latest)


def test_interventions_by_sex_match_the_profile(data, figures):
    profile = profiles.interventions_by_sex(data, fy=FY).set_index(["sex", "intervention"])
    shown = figures.interventions.set_index(["sex", "intervention"])
    for key in [("Male", "Psychosocial"), ("Female", "Harm reduction")]:
        assert shown.loc[key, "count"] == profile.loc[key, "count"]
        assert shown.loc[key, "value"] == pytest.approx(profile.loc[key, "count"] / profile.loc[key, "denominator"] * 100)
    assert "Most common intervention" in figures.summaries["interventions"]


def test_small_selection_hides_every_count_from_one_to_four(data):
    small = treatment_exits(data, FY, PREVIOUS, SMALL)
    for name in ["interventions", "time_bins", "exit_groups", "exit_reasons", "outcomes", "presentations", "back"]:
        frame = getattr(small, name)
        shown = board.display_table(frame, [(c, c) for c in COUNT_COLUMNS])
        assert not is_disclosive(shown, COUNT_COLUMNS), name
    for summary in (small.time_summary, small.exit_time):
        visible = summary.loc[~summary["suppressed"], "people"]
        assert not ((visible > 0) & (visible < 5)).any()
        assert summary.loc[summary["suppressed"], ["mean_weeks", "median_weeks"]].isna().all().all()
    # a group the exits figure hides is hidden in the time-by-exit-group figure too
    hidden = set(small.exit_groups.loc[small.exit_groups["suppressed"], "exit_group"])
    assert hidden <= set(small.exit_time.loc[small.exit_time["suppressed"], "exit_group"])


def test_small_selection_keeps_hidden_exits_hidden(data):
    small = treatment_exits(data, FY, PREVIOUS, SMALL)
    groups = small.exit_groups.set_index("exit_group")
    completion = small.outcomes.set_index("indicator").loc[COMPLETION]
    # with planned or unplanned hidden, the completion rate's count and denominator would reveal it
    if groups.loc[["Planned", "Unplanned"], "suppressed"].any():
        assert completion["suppressed"] and math.isnan(completion["denominator"])
    # a hidden group's reasons never all show (they would add up to it)
    for group, row in groups.iterrows():
        reasons = small.exit_reasons[small.exit_reasons["exit_group"] == group]
        if row["suppressed"] and len(reasons):
            assert reasons["suppressed"].any()


def test_time_summary_hides_groups_of_fewer_than_five(data):
    # young female people of Cherwell aged 15-17: few enough that a status holds 1-4 people
    tiny = treatment_exits(data, FY, PREVIOUS, Filters("Young people", "15-17", "Female", "E07000177"))
    summary = tiny.time_summary
    raw = cohorts.summarise_time_in_treatment(cohorts.time_in_treatment(
        data.episodes, FY, Filters("Young people", "15-17", "Female", "E07000177"))).set_index("status")
    small_groups = raw.index[(raw["people"] > 0) & (raw["people"] < 5)]
    assert len(small_groups), "the selection should have a status with 1-4 people"
    hidden = summary.set_index("status")
    for status in small_groups:
        assert hidden.loc[status, "suppressed"] and np.isnan(hidden.loc[status, "mean_weeks"])
