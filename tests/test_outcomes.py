"""Successful completion without re-presentation within 6 months (PHOF C19 style), against hand counts."""

import pandas as pd
import pytest

from analysis import cohorts, indicators, outcomes
from analysis.cohorts import prepare_episodes
from analysis.dataset import Dataset, load_demo
from analysis.periods import FinancialYear
from tests.factories import episodes, substances

FY = FinancialYear(2023)  # 1 Apr 2023 to 31 Mar 2024; follow-up to 30 Sep 2024
DONE = "treatment completed"


def make_data(last_referral: str = "2024-12-31") -> Dataset:
    eps = episodes([
        # a: opiates, completed in June, never back -> completed
        {"client_id": "a", "episode_id": "1", "triage_date": "2023-01-10", "discharge_date": "2023-06-30",
         "discharge_reason": DONE},
        # b: opiates, completed in Feb 2024, back in Aug 2024 (within 6 months) -> not completed
        {"client_id": "b", "episode_id": "2", "triage_date": "2023-05-01", "discharge_date": "2024-02-15",
         "discharge_reason": DONE},
        {"client_id": "b", "episode_id": "3", "triage_date": "2024-08-14"},
        # c: alcohol only, completed Jan 2024, back on 31 Jul 2024: more than 6 months after 15 Jan -> completed
        {"client_id": "c", "episode_id": "4", "triage_date": "2023-04-05", "discharge_date": "2024-01-15",
         "discharge_reason": DONE},
        {"client_id": "c", "episode_id": "5", "triage_date": "2024-07-16"},
        # d: alcohol only, dropped out -> in the denominator only
        {"client_id": "d", "episode_id": "6", "triage_date": "2023-04-05", "discharge_date": "2023-09-01",
         "discharge_reason": "dropped out"},
        # e: alcohol and cannabis, completed one episode while another was open -> not completed
        {"client_id": "e", "episode_id": "7", "triage_date": "2023-04-01", "discharge_date": "2023-10-01",
         "discharge_reason": DONE},
        {"client_id": "e", "episode_id": "8", "triage_date": "2023-09-01"},
        # f: cannabis and crack (non-opiate), still in treatment -> denominator only
        {"client_id": "f", "episode_id": "9", "triage_date": "2023-11-01"},
        # g: cannabis, completed, back exactly 6 months later (on the limit) -> not completed
        {"client_id": "g", "episode_id": "10", "triage_date": "2023-06-01", "discharge_date": "2023-12-01",
         "discharge_reason": DONE},
        {"client_id": "g", "episode_id": "11", "triage_date": "2024-06-01", "discharge_date": "2024-07-01",
         "discharge_reason": DONE},
        # h: no substance recorded, completed -> in no group
        {"client_id": "h", "episode_id": "12", "triage_date": "2023-06-01", "discharge_date": "2023-08-01",
         "discharge_reason": DONE},
    ])
    subs = substances([("1", 1, "heroin"), ("2", 1, "crack"), ("2", 2, "heroin"), ("3", 1, "heroin"),
                       ("4", 1, "alcohol"), ("5", 1, "alcohol"), ("6", 1, "alcohol"),
                       ("7", 1, "alcohol"), ("8", 1, "alcohol"), ("8", 2, "cannabis"),
                       ("9", 1, "cannabis"), ("9", 2, "crack"), ("10", 1, "cannabis"), ("11", 1, "cannabis")])
    refs = pd.DataFrame({"referral_id": ["r"], "client_id": ["z"], "referral_date": pd.to_datetime([last_referral]),
                         "referral_source": ["self"], "episode_id": [None]})
    empty = pd.DataFrame()
    return Dataset(episodes=prepare_episodes(eps), substances=subs, referrals=refs, districts=empty,
                   population=empty)


def test_completion_without_representation_by_substance_group_matches_a_hand_count():
    # hand count: opiates a (yes), b (back in 6 months); non-opiates f (open), g (back on the 6-month day);
    # alcohol c (back after 6 months: yes), d (dropped out); alcohol and non-opiates e (another episode open)
    result = outcomes.by_substance_group(make_data(), fy=FY)
    got = {r.substance_group: (r.count, r.denominator) for r in result.itertuples()}
    assert got == {"Opiates": (1, 2), "Non-opiates": (0, 2), "Alcohol": (1, 2), "Alcohol and non-opiates": (0, 1)}
    assert result.attrs["kind"] == "proportion" and result.attrs["per"] == 100


def test_person_rows_say_who_completed():
    people = cohorts.completion_without_representation(make_data().episodes, make_data().substances, FY)
    assert set(people.loc[people["completed"], "client_id"]) == {"a", "c", "h"}
    assert people.set_index("client_id")["c19_group"].isna()["h"]


def test_a_year_without_six_months_of_follow_up_has_no_figure_and_says_so():
    data = make_data(last_referral="2024-09-29")  # one day short of 30 Sep 2024
    # the latest episode date is 14 Aug 2024 (b's return), so follow-up ends on the referral date
    result = outcomes.by_substance_group(data, fy=FY)
    assert result["count"].isna().all()
    assert "30 Sep 2024" in result.attrs["not_applicable"]
    assert outcomes.follow_up_note(make_data(last_referral="2024-09-30"), FY) is None


def test_registry_declares_the_four_groups_with_the_interval_from_the_yoy_contract():
    from analysis import yoy
    indicator = indicators.BY_ID["completion_no_representation_opiates"]
    assert indicator.per == 100 and "6 months" in indicator.definition and "C19" in indicator.source
    row = yoy.with_intervals(indicator.compute(make_data(), fy=FY))
    # Wilson 95% interval for 1 of 2: 9.45% to 90.55% (PHE phe_proportion)
    assert row["value"].iloc[0] == pytest.approx(50.0)
    assert row["lower"].iloc[0] == pytest.approx(9.4531, abs=1e-3)
    assert row["upper"].iloc[0] == pytest.approx(90.5469, abs=1e-3)


def test_demo_has_the_measure_for_2023_24_and_not_for_2024_25():
    data = load_demo()
    assert outcomes.follow_up_note(data, FinancialYear(2024)) is not None
    result = outcomes.by_substance_group(data, fy=FinancialYear(2023))
    # an independent count for the opiate group on the demo: people in treatment whose latest episode in the
    # year records an opiate, whose last discharge in the year was planned with no episode open then and none
    # triaged within 6 months after
    eps, subs = data.episodes, data.substances
    fy = FinancialYear(2023)
    active = eps[(eps["triage_date"] <= fy.end) & (eps["episode_end"] >= fy.start)]
    latest = active.sort_values(["client_id", "triage_date", "episode_id"]).groupby("client_id").tail(1)
    opiate_eps = set(subs.loc[subs["substance_group"] == "Opiates", "episode_id"])
    cohort = latest[latest["episode_id"].isin(opiate_eps)]
    count = 0
    for client in cohort["client_id"]:
        mine = eps[eps["client_id"] == client]
        out = mine[(mine["discharge_date"] >= fy.start) & (mine["discharge_date"] <= fy.end)]
        if out.empty:
            continue
        last = out.sort_values(["discharge_date", "episode_id"]).iloc[-1]
        if last["discharge_reason_group"] != "Planned":
            continue
        day = last["discharge_date"]
        others = mine[mine["episode_id"] != last["episode_id"]]
        open_then = ((others["triage_date"] <= day) & (others["episode_end"] > day)).any()
        back = ((others["triage_date"] > day) & (others["triage_date"] <= day + pd.DateOffset(months=6))).any()
        count += not (open_then or back)
    opiates = result.set_index("substance_group").loc["Opiates"]
    assert (opiates["count"], opiates["denominator"]) == (count, len(cohort))
    print("demo 2023/24 opiates:", count, "of", len(cohort))


@pytest.mark.parametrize("selection", ["all", "female", "young_people", "district"])
def test_the_fact_table_measure_equals_the_reference_from_episodes_on_the_demo(selection):
    """``by_substance_group`` (from the person-year table and once-per-data-set arrays) gives the same
    counts as ``cohorts.completion_without_representation`` (the definition written on episodes) for
    every demo year with its follow-up."""
    from analysis.codes import YOUNG_PEOPLE
    from analysis.filters import Filters

    data = load_demo()
    district = str(data.districts["district_code"].iloc[0])
    filters = {"all": Filters(), "female": Filters(sex="Female"), "young_people": Filters(service=YOUNG_PEOPLE),
               "district": Filters(district=district)}[selection]
    compared = 0
    for fy in data.years:
        if outcomes.follow_up_note(data, fy):
            continue
        people = cohorts.completion_without_representation(data.episodes, data.substances, fy, filters)
        reference = people.groupby("c19_group")["completed"].agg(["sum", "size"]).reindex(
            list(cohorts.C19_GROUPS), fill_value=0)
        ours = outcomes.by_substance_group(data, fy=fy, filters=filters).set_index("substance_group")
        assert ours["count"].tolist() == reference["sum"].astype(int).tolist(), fy.label
        assert ours["denominator"].tolist() == reference["size"].astype(int).tolist(), fy.label
        compared += 1
    assert compared >= 2


def test_the_four_groups_share_one_count_of_every_group_per_year_and_selection():
    # the Benchmarks page reads all four groups' indicators and the table by group: one by_substance_group
    # per year and selection, remembered with the data set, gives each its own row (hand count above)
    data = make_data()
    got = {group.__name__: (lambda r: (r["count"].iloc[0], r["denominator"].iloc[0]))(group(data, fy=FY))
           for group in (outcomes.opiates, outcomes.non_opiates, outcomes.alcohol, outcomes.alcohol_non_opiates)}
    assert got == {"opiates": (1, 2), "non_opiates": (0, 2), "alcohol": (1, 2), "alcohol_non_opiates": (0, 1)}
    counted = [key for key in data.memo if isinstance(key, tuple) and key[1:2] == ("by_substance_group",)]
    assert len(counted) == 1 and counted[0][2] == FY
    remembered = data.memo[counted[0]]
    alone = outcomes.opiates(data, fy=FY)
    alone.loc[0, "count"] = 99  # a caller's change does not reach what is remembered
    assert data.memo[counted[0]] is remembered and remembered["count"].tolist() == [1, 0, 1, 0]


def test_data_end_is_the_latest_date_worked_out_once_per_data_set():
    """The latest triage, discharge or referral date (by hand on the demo's tables), kept with the data set's
    derived tables: the outcome figures of a page ask for it many times."""
    from analysis import outcomes
    from analysis.dataset import load_demo

    data = load_demo()
    by_hand = max(data.episodes["triage_date"].max(), data.episodes["discharge_date"].max(),
                  data.referrals["referral_date"].max())
    assert outcomes.data_end(data) == by_hand
    assert data.derived["data_end"] == by_hand
    data.derived["data_end"] = pd.Timestamp("2000-01-01")  # read from there, not worked out again
    assert outcomes.data_end(data) == pd.Timestamp("2000-01-01")
