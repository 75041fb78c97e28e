"""The Overview page from app.py: its tiles equal hand counts on the demo Parquet and the analysis functions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from analysis import board, districts, profiles, yoy
from analysis.dataset import load_demo
from analysis.filters import Filters
from analysis.periods import FinancialYear
from analysis.summaries import format_value
from analysis.suppression import is_disclosive

ROOT = Path(__file__).resolve().parent.parent


def run_overview(**filters: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for key, value in filters.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def metric(at: AppTest, label: str):
    return next(m for m in at.metric if m.label == label)


def hand_count_people(service: str | None, start: dt.date, end: dt.date) -> int:
    raw = pd.read_parquet(ROOT / "data" / "demo" / "episodes.parquet")
    if service:
        raw = raw[raw["service"] == service]
    triage = pd.to_datetime(raw["triage_date"]).dt.date
    discharge = pd.to_datetime(raw["discharge_date"]).dt.date
    active = (triage <= end) & (discharge.isna() | (discharge >= start))
    return raw.loc[active, "client_id"].nunique()


def test_latest_year_people_in_treatment_is_a_hand_count_of_people():
    at = run_overview()
    hand = hand_count_people(None, dt.date(2024, 4, 1), dt.date(2025, 3, 31))
    before = hand_count_people(None, dt.date(2023, 4, 1), dt.date(2024, 3, 31))
    tile = metric(at, "People in treatment")
    assert tile.value == f"{hand:,}"
    assert tile.delta.startswith(f"{hand - before:+,} (")


def test_young_people_in_an_earlier_year():
    at = run_overview(year="2021/22", compare="2020/21", service="Young people")
    hand = hand_count_people("young_people", dt.date(2021, 4, 1), dt.date(2022, 3, 31))
    assert metric(at, "People in treatment").value == f"{hand:,}"
    data = load_demo()
    rate = yoy.with_intervals(districts.partnership_rate(
        data, fy=FinancialYear(2021), filters=Filters(service="Young people")))
    assert metric(at, "Rate per 1,000 population").value == format_value(rate["value"].iloc[0], yoy.RATE)


def test_small_selection_shows_no_count_below_five():
    at = run_overview(service="Young people", district="E07000181", sex="Female", age="Under 15")
    count_tiles = ["People in treatment", "New presentations", "In treatment on 31 March", "Referrals received"]
    for label in count_tiles:
        assert not is_disclosive(pd.Series([metric(at, label).value])), label
    shown = [df.value for df in at.dataframe]
    assert shown, "the trend table is shown"
    for table in shown:
        counts = [c for c in table.columns if c == "Count" or c.startswith("In treatment")]
        assert counts, f"no count column in {list(table.columns)}"
        assert not is_disclosive(table, counts)
    counts = board.suppress_comparison(yoy.compare_years(
        profiles.people_in_treatment, FinancialYear(2024), FinancialYear(2023), load_demo(),
        filters=Filters("Young people", "Under 15", "Female", "E07000181")))
    if 0 < int(counts["count"].fillna(0).iloc[0]) < 5 or counts["suppressed"].iloc[0]:
        assert metric(at, "People in treatment").value == "*"


def test_unmet_need_table_matches_the_analysis():
    from analysis.unmet_need import unmet_need

    at = run_overview()
    expected = unmet_need(load_demo(), fy=FinancialYear(2024)).set_index("substance_group")
    table = next(df.value for df in at.table if "Substance group" in df.value.columns).set_index("Substance group")
    ocu = "Opiates and/or crack (OCU)"
    assert table.loc[ocu, "In treatment 2024/25"] == f"{expected.loc[ocu, 'count']:,.0f}"
    assert table.loc[ocu, "Unmet need 2024/25"] == f"{expected.loc[ocu, 'unmet']:.0f}%"


EFFECTIVE = "Effective treatment (NI 40, adult OCU)"


def test_effective_treatment_tile_is_a_count_with_the_share_as_context():
    from analysis import cohorts

    at = run_overview()
    data = load_demo()
    effective, adult_ocu = cohorts.effective_treatment(data.episodes, data.substances, FinancialYear(2024))
    before, _ = cohorts.effective_treatment(data.episodes, data.substances, FinancialYear(2023))
    tile = metric(at, EFFECTIVE)
    assert tile.value == f"{effective:,}"  # NI 40 is a count of people
    assert tile.delta.startswith(f"{effective - before:+,} (")
    share = f"{effective / adult_ocu * 100:.0f}%"
    context = next(c.value for c in at.caption if c.value.startswith("Share of adult OCU"))
    assert f"{share} (95% CI " in context and f"{effective:,} of {adult_ocu:,} people" in context


def test_effective_treatment_is_not_applicable_to_young_people():
    at = run_overview(service="Young people")
    assert metric(at, EFFECTIVE).value == "Not applicable"
    assert any("Not applicable to the young people's service" in c.value for c in at.caption)
    at.selectbox(key="trend_indicator").set_value(EFFECTIVE).run()
    assert not at.exception, at.exception
    assert any("Not applicable to the young people's service" in i.value for i in at.info)
