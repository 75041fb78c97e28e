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
from tests.apptest_support import shown_tables

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
    table = next(df for df in shown_tables(at) if "Substance group" in df.columns).set_index("Substance group")
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


def latest_episode_ages(start: dt.date, end: dt.date, service: str | None = None) -> pd.Series:
    """Hand count: each person in treatment's age at triage of their latest episode in the year."""
    raw = pd.read_parquet(ROOT / "data" / "demo" / "episodes.parquet")
    if service:
        raw = raw[raw["service"] == service]
    triage = pd.to_datetime(raw["triage_date"]).dt.date
    discharge = pd.to_datetime(raw["discharge_date"]).dt.date
    active = raw[(triage <= end) & (discharge.isna() | (discharge >= start))]
    latest = active.sort_values(["client_id", "triage_date", "episode_id"]).groupby("client_id").tail(1)
    return latest["age_at_triage"]


def test_the_rate_says_whose_rate_it_is():
    at = run_overview()
    ages = latest_episode_ages(dt.date(2024, 4, 1), dt.date(2025, 3, 31))
    in_ages, everyone = int(ages.between(10, 64).sum()), len(ages)
    rate = metric(at, "Rate per 1,000 population").value
    captions = [c.value.replace("\\", "") for c in at.caption]
    assert f"Rate per 1,000 population: {rate} aged 10-64: {in_ages:,} of the {everyone:,} people in treatment." in captions
    assert any(c.startswith("Unmet need below is for people aged 15-64") for c in captions)


def test_the_earliest_year_has_no_comparison():
    at = run_overview(year="2019/20", compare="2024/25")
    assert at.selectbox(key="compare").value == "No earlier year in the data"
    assert at.selectbox(key="compare").options == ["No earlier year in the data"]
    assert at.selectbox(key="compare").disabled
    assert all(not m.delta for m in at.metric), [m.delta for m in at.metric]
    assert at.markdown[0].value.startswith("**2019/20** · no earlier year in the data, so no change is shown")
    assert dict(at.query_params) == {"year": "2019/20", "compare": "none"}
    hand = hand_count_people(None, dt.date(2019, 4, 1), dt.date(2020, 3, 31))
    assert metric(at, "People in treatment").value == f"{hand:,}"


def test_changing_the_year_compares_with_the_year_before_and_the_url_carries_both():
    at = run_overview(year="2024/25", compare="2021/22")
    assert at.selectbox(key="compare").value == "2021/22"  # any earlier year may be chosen
    assert at.selectbox(key="compare").options == ["2023/24", "2022/23", "2021/22", "2020/21", "2019/20"]
    at.selectbox(key="year").set_value("2022/23").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="compare").value == "2021/22"
    assert at.selectbox(key="compare").options == ["2021/22", "2020/21", "2019/20"]  # never a later year
    at.selectbox(key="year").set_value("2024/25").run()
    assert at.selectbox(key="compare").value == "2023/24"
    assert (at.query_params["year"], at.query_params["compare"]) == ("2024/25", "2023/24")
    assert at.markdown[0].value.startswith("**2024/25** compared with **2023/24**")


def test_young_people_see_their_own_unmet_need_band():
    at = run_overview(service="Young people")
    table = next(df for df in [*(d.value for d in at.dataframe), *shown_tables(at)] if "Substance group" in df.columns)
    assert set(table["Age band"]) == {"15-24"}
    from analysis.unmet_need import unmet_need

    expected = unmet_need(load_demo(), fy=FinancialYear(2024), age_band="15-24").set_index("substance_group")
    ocu = table.set_index("Substance group").loc["Opiates and/or crack (OCU)"]
    assert ocu["In treatment 2024/25"] == f"{expected.loc['Opiates and/or crack (OCU)', 'count']:,.0f}"
    assert "aged 15-24" in next(m.value for m in at.markdown if m.value.startswith("An estimated"))


def test_young_peoples_data_alone_default_to_their_service_and_ages_10_to_19(tmp_path, monkeypatch):
    """A young people's service's own extract: the sidebar starts on its service, so the rate is
    per 1,000 aged 10-19 (not 10-64, which would divide its people by the whole adult population)."""
    from analysis import store
    from analysis.loaders import load_table

    monkeypatch.setenv(store.STORE_ENV, str(tmp_path / "store"))
    demo = ROOT / "data" / "demo"
    episodes = pd.read_parquet(demo / "episodes.parquet")
    episodes = episodes[episodes["service"] == "young_people"]
    substances = pd.read_parquet(demo / "substances.parquet")
    referrals = pd.read_parquet(demo / "referrals.parquet")
    tables = {"episodes": episodes,
              "substances": substances[substances["episode_id"].isin(episodes["episode_id"])],
              "referrals": referrals[referrals["client_id"].isin(episodes["client_id"])],
              "districts": pd.read_parquet(demo / "districts.parquet"),
              "population": pd.read_parquet(demo / "population.parquet")}
    uploads = []
    for name, frame in tables.items():
        path = tmp_path / f"{name}.parquet"
        frame.to_parquet(path)
        uploads.append(store.Upload(load_table(path, name)))
    saved = store.Store.open()
    saved.save(uploads)
    saved.set_preferred_source(store.SAVED)

    at = run_overview()
    assert any(info.value.startswith("Showing") for info in at.info), "the saved data are shown, not the demo"
    assert at.selectbox(key="service").value == "Young people"
    assert "rates per 1,000 population aged 10-19" in at.markdown[0].value
    ages = latest_episode_ages(dt.date(2024, 4, 1), dt.date(2025, 3, 31), service="young_people")
    population = pd.read_parquet(demo / "population.parquet")
    population = population[(population["year"] == 2024) & population["age"].between(10, 19)]["population"].sum()
    in_ages = int(ages.between(10, 19).sum())
    # hand count: young people aged 10-19 / population aged 10-19 x 1,000
    assert metric(at, "Rate per 1,000 population").value == f"{in_ages / population * 1000:,.1f} per 1,000"
