"""Each cohort figure for 2024/25 on the demo data equals an independent hand count.

The hand counts below read the demo Parquet directly and walk through people one by one in
plain Python, following GLOSSARY.md, without using analysis.cohorts.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from analysis import cohorts
from analysis.dataset import load_demo
from analysis.periods import FinancialYear

ROOT = Path(__file__).resolve().parent.parent
FY = FinancialYear(2024)
START, END = dt.date(2024, 4, 1), dt.date(2025, 3, 31)
PLANNED = {"completed_drug_free", "completed_alcohol_free", "completed_occasional_user"}
TRANSFER = {"transferred_not_in_custody", "transferred_in_custody"}


def _date(value):
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


@pytest.fixture(scope="module")
def episodes_by_person():
    raw = pd.read_parquet(ROOT / "data" / "demo" / "episodes.parquet")
    people = defaultdict(list)
    for row in raw.to_dict("records"):
        row["triage"], row["discharge"] = _date(row["triage_date"]), _date(row["discharge_date"])
        people[row["client_id"]].append(row)
    for eps in people.values():
        eps.sort(key=lambda r: (r["triage"], r["episode_id"]))
    return people


@pytest.fixture(scope="module")
def demo():
    return load_demo()


def test_people_in_treatment(episodes_by_person, demo):
    hand = sum(
        any(e["triage"] <= END and (e["discharge"] is None or e["discharge"] >= START) for e in eps)
        for eps in episodes_by_person.values()
    )
    assert len(cohorts.in_treatment(demo.episodes, FY)) == hand
    assert hand > 1500


def test_snapshot(episodes_by_person, demo):
    hand = sum(
        any(e["triage"] <= END and (e["discharge"] is None or e["discharge"] > END) for e in eps)
        for eps in episodes_by_person.values()
    )
    assert len(cohorts.snapshot(demo.episodes, FY)) == hand


def _twelve_months_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def test_new_presentations(episodes_by_person, demo):
    hand = 0
    for eps in episodes_by_person.values():
        in_year = [e for e in eps if START <= e["triage"] <= END]
        if not in_year:
            continue
        first = in_year[0]
        window_start = _twelve_months_before(first["triage"])
        earlier = [e for e in eps if (e["triage"], e["episode_id"]) < (first["triage"], first["episode_id"])]
        open_in_window = any(e["discharge"] is None or e["discharge"] >= window_start for e in earlier)
        hand += not open_in_window
    assert len(cohorts.new_presentations(demo.episodes, FY)) == hand


def test_re_presentations(episodes_by_person, demo):
    hand = 0
    for eps in episodes_by_person.values():
        for i, e in enumerate(eps):
            if START <= e["triage"] <= END and any(
                p["discharge"] is not None and p["discharge"] < e["triage"] for p in eps[:i]
            ):
                hand += 1
                break
    assert len(cohorts.re_presentations(demo.episodes, FY)) == hand


UNPLANNED = {"dropped_out", "treatment_withdrawn", "retained_in_custody", "declined", "onward_referral_refused", "died"}


def test_exits_and_successful_completion(episodes_by_person, demo):
    # GLOSSARY: an empty reason, the "other" reason or a code in no list is an exit of "Other / not known"
    groups = {"Planned": 0, "Unplanned": 0, "Transferred": 0, "Other / not known": 0}
    for eps in episodes_by_person.values():
        out = [e for e in eps if e["discharge"] is not None and START <= e["discharge"] <= END]
        if not out:
            continue
        last = max(out, key=lambda e: (e["discharge"], e["episode_id"]))
        reason = last["discharge_reason"]
        groups["Planned" if reason in PLANNED else "Transferred" if reason in TRANSFER
               else "Unplanned" if reason in UNPLANNED else "Other / not known"] += 1
    exits = cohorts.exits(demo.episodes, FY)["exit_group"].astype(str).value_counts().to_dict()
    assert {k: v for k, v in exits.items() if v} == {k: v for k, v in groups.items() if v}
    assert cohorts.successful_completions(demo.episodes, FY) == (
        groups["Planned"], sum(groups.values()) - groups["Transferred"])


def test_time_in_treatment(episodes_by_person, demo):
    weeks = {"Discharged": [], "Open": []}
    for eps in episodes_by_person.values():
        active = [e for e in eps if e["triage"] <= END and (e["discharge"] is None or e["discharge"] >= START)]
        if not active:
            continue
        latest = active[-1]
        if latest["discharge"] is not None and latest["discharge"] <= END:
            weeks["Discharged"].append((latest["discharge"] - latest["triage"]).days / 7)
        else:
            weeks["Open"].append((END - latest["triage"]).days / 7)
    summary = cohorts.summarise_time_in_treatment(cohorts.time_in_treatment(demo.episodes, FY)).set_index("status")
    for status, values in weeks.items():
        assert summary.loc[status, "people"] == len(values)
        assert summary.loc[status, "mean_weeks"] == pytest.approx(statistics.mean(values))
        assert summary.loc[status, "median_weeks"] == pytest.approx(statistics.median(values))


def test_retention_12_weeks(episodes_by_person, demo):
    last_start = END - dt.timedelta(days=84)
    retained = started = 0
    for eps in episodes_by_person.values():
        eligible = [e for e in eps if START <= e["triage"] <= last_start]
        if not eligible:
            continue
        first = eligible[0]
        started += 1
        end = first["discharge"] if first["discharge"] is not None and first["discharge"] <= END else END
        retained += (end - first["triage"]).days >= 84 or first["discharge"] is None or first["discharge"] > END
    assert cohorts.retention_12_weeks(demo.episodes, FY) == (retained, started)


def test_effective_treatment(episodes_by_person, demo):
    # GLOSSARY (revised): an adult OCU person (their latest adult episode in the year records opiates or
    # crack at any rank) counts when ANY adult episode overlapping the year lasted 84 days or more (to
    # discharge, or to 31 March if open) or ended in a planned exit by 31 March.
    subs = pd.read_parquet(ROOT / "data" / "demo" / "substances.parquet")
    ocu_codes = {"heroin", "methadone", "buprenorphine", "other_opiates", "crack"}
    ocu_episodes = set(subs.loc[subs["substance"].isin(ocu_codes), "episode_id"])
    effective = total = 0
    for eps in episodes_by_person.values():
        active = [e for e in eps if e["service"] == "adult" and e["triage"] <= END
                  and (e["discharge"] is None or e["discharge"] >= START)]
        if not active or active[-1]["episode_id"] not in ocu_episodes:
            continue
        total += 1

        def qualifies(e):
            ended = e["discharge"] is not None and e["discharge"] <= END
            end = e["discharge"] if ended else END
            return (end - e["triage"]).days >= 84 or (ended and e["discharge_reason"] in PLANNED)

        effective += any(qualifies(e) for e in active)
    assert cohorts.effective_treatment(demo.episodes, demo.substances, FY) == (effective, total)


REASON_GROUPS = [(PLANNED, "Planned"), (UNPLANNED, "Unplanned"), (TRANSFER, "Transferred")]


def _last_exit(eps):
    out = [e for e in eps if e["discharge"] is not None and START <= e["discharge"] <= END]
    return max(out, key=lambda e: (e["discharge"], e["episode_id"])) if out else None


def test_time_by_exit_group(episodes_by_person, demo):
    weeks = defaultdict(list)
    for eps in episodes_by_person.values():
        last = _last_exit(eps)
        if last is None:
            continue
        group = next((name for codes, name in REASON_GROUPS if last["discharge_reason"] in codes), "Other / not known")
        weeks[group].append((last["discharge"] - last["triage"]).days / 7)
    summary = cohorts.summarise_time_by_exit_group(cohorts.time_by_exit_group(demo.episodes, FY)).set_index("exit_group")
    for group in ["Planned", "Unplanned", "Transferred"]:
        assert summary.loc[group, "people"] == len(weeks[group]) > 50
        assert summary.loc[group, "mean_weeks"] == pytest.approx(statistics.mean(weeks[group]))
        assert summary.loc[group, "median_weeks"] == pytest.approx(statistics.median(weeks[group]))
    assert summary.loc["Other / not known", "people"] == len(weeks["Other / not known"])


def test_back_in_treatment(episodes_by_person, demo):
    back = discharged = 0
    for eps in episodes_by_person.values():
        last = _last_exit(eps)
        if last is None:
            continue
        discharged += 1
        order = (last["triage"], last["episode_id"])
        back += any((e["triage"], e["episode_id"]) > order and e["triage"] <= END
                    and (e["discharge"] is None or e["discharge"] > END) for e in eps)
    assert cohorts.back_in_treatment(demo.episodes, FY) == (back, discharged)
    assert 0 < back < discharged


def test_exits_of_an_age_band_use_the_latest_episode_in_the_year(episodes_by_person, demo):
    from analysis.filters import Filters

    planned = not_transferred = changed = 0
    for eps in episodes_by_person.values():
        last = _last_exit(eps)
        if last is None:
            continue
        active = [e for e in eps if e["triage"] <= END and (e["discharge"] is None or e["discharge"] >= START)]
        latest_age = active[-1]["age_at_triage"]
        changed += (25 <= last["age_at_triage"] <= 34) != (25 <= latest_age <= 34)
        if 25 <= latest_age <= 34:
            planned += last["discharge_reason"] in PLANNED
            not_transferred += last["discharge_reason"] not in TRANSFER
    assert changed > 0, "some people change age band between their exit and their latest episode"
    assert cohorts.successful_completions(demo.episodes, FY, Filters(age_band="25-34")) == (planned, not_transferred)
