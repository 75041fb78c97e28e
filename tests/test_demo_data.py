"""Tests of the committed demo data: deterministic regeneration, size, coverage, realism and codes."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from analysis import codes
from analysis.contract import DATE, ID, INTEGER, NUMBER, TABLES

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
DEMO = DATA / "demo"
GEO = DATA / "geo"
SAMPLES = DATA / "samples"
GENERATOR = DATA / "make_demo_data.py"

MAX_TOTAL_BYTES = 10 * 1024 * 1024
EXTRACT_DATE = pd.Timestamp("2025-03-31")
COVERED_YEARS = range(2019, 2025)  # 2019/20 .. 2024/25
OXFORD = "E07000178"
DISTRICT_CODES = {"E07000177", "E07000178", "E07000179", "E07000180", "E07000181"}
GEO_FILES = ("oxfordshire_districts.geojson", "oxfordshire_wards_2013.geojson",
             "oxfordshire_lsoa_2011.geojson", "england_lad_2013.geojson")
# Approximate Census 2021 totals stated in the reference data README.
CENSUS_2021 = {"E07000177": 161_000, "E07000178": 162_000, "E07000179": 149_000,
               "E07000180": 139_000, "E07000181": 114_000}


def _load_generator():
    spec = importlib.util.spec_from_file_location("make_demo_data", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _read(table: str) -> pd.DataFrame:
    frame = pd.read_parquet(DEMO / f"{table}.parquet")
    for column in TABLES[table].columns:
        if column.kind == DATE:
            frame[column.name] = pd.to_datetime(frame[column.name])
    return frame


@pytest.fixture(scope="module")
def episodes() -> pd.DataFrame:
    return _read("episodes")


@pytest.fixture(scope="module")
def substances() -> pd.DataFrame:
    return _read("substances")


def _people_in_treatment(episodes: pd.DataFrame, fy: int) -> pd.Series:
    """GLOSSARY: triaged on or before 31 March ending the FY, not discharged before 1 April starting it."""
    start, end = pd.Timestamp(fy, 4, 1), pd.Timestamp(fy + 1, 3, 31)
    active = (episodes["triage_date"] <= end) & (
        episodes["discharge_date"].isna() | (episodes["discharge_date"] >= start)
    )
    return episodes[active].groupby("service")["client_id"].nunique()


# ---------------------------------------------------------------- files
def test_committed_demo_equals_a_fresh_regeneration(tmp_path):
    subprocess.run([sys.executable, str(GENERATOR), "--out", str(tmp_path)], check=True, cwd=ROOT,
                   capture_output=True)
    committed = sorted(p.name for p in DEMO.iterdir())
    fresh = sorted(p.name for p in tmp_path.iterdir())
    assert fresh == committed
    for name in committed:
        assert (tmp_path / name).read_bytes() == (DEMO / name).read_bytes(), f"{name} differs: regenerate"


def test_readme_and_samples_match_the_generator(tmp_path):
    generator = _load_generator()
    tables = generator.build_tables()
    assert (DATA / "README.md").read_text(encoding="utf-8") == generator.render_readme(tables)
    generator.write_samples(tables, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in SAMPLES.iterdir())
    for path in tmp_path.iterdir():
        assert path.read_bytes() == (SAMPLES / path.name).read_bytes(), f"sample {path.name} differs"


def test_demo_is_smaller_than_ten_megabytes():
    total = sum(p.stat().st_size for p in DEMO.iterdir())
    assert 0 < total < MAX_TOTAL_BYTES


def test_every_contract_table_is_written_with_contract_columns_and_types():
    for name, table in TABLES.items():
        schema = pq.read_schema(DEMO / f"{name}.parquet")
        assert schema.names == table.names
        for column in table.columns:
            arrow_type = str(schema.field(column.name).type)
            expected = {DATE: "date32[day]", INTEGER: "int64", NUMBER: "double"}.get(column.kind, "string")
            assert arrow_type == expected, (name, column.name, arrow_type)
        assert b"synthetic demo data" in schema.metadata[b"source"]


def test_metadata_labels_the_data_synthetic_and_population_approximate():
    metadata = json.loads((DEMO / "metadata.json").read_text(encoding="utf-8"))
    assert "not real people" in metadata["description"]
    assert "APPROXIMATE" in metadata["population"]
    assert metadata["population_approximate"] is True and metadata["synthetic"] is True
    assert metadata["complete_years"] == ["2019/20", "2020/21", "2021/22", "2022/23", "2023/24", "2024/25"]
    assert any("Martin Chorley" in line for line in metadata["boundaries_attribution"])
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    assert "APPROXIMATE" in readme and "ONS mid-year estimates" in readme
    assert "Boundary data: Martin Chorley, UK-GeoJSON (github.com/martinjc/UK-GeoJSON), CC BY 4.0." in readme


def test_geography_files_are_present_with_their_districts():
    for name in GEO_FILES:
        features = json.loads((GEO / name).read_text(encoding="utf-8"))["features"]
        assert features and all("district_code" in f["properties"] for f in features)
    districts = json.loads((GEO / "oxfordshire_districts.geojson").read_text(encoding="utf-8"))["features"]
    assert {f["properties"]["district_code"] for f in districts} == DISTRICT_CODES
    assert set(_read("districts")["district_code"]) == DISTRICT_CODES


# ---------------------------------------------------------------- coverage and integrity
def test_covers_six_financial_years_and_both_services(episodes):
    fy = episodes["triage_date"].dt.year - (episodes["triage_date"].dt.month < 4)
    assert set(COVERED_YEARS) <= set(fy)
    assert set(episodes["service"]) == {"young_people", "adult"}


def test_nothing_happens_after_the_extract_date(episodes):
    referrals, interventions = _read("referrals"), _read("interventions")
    for dates in (episodes["triage_date"], episodes["discharge_date"], referrals["referral_date"],
                  interventions["start_date"], interventions["end_date"]):
        assert dates.max() <= EXTRACT_DATE
    assert (episodes["discharge_date"].dropna() >= episodes.loc[episodes["discharge_date"].notna(), "triage_date"]).all()
    # Open episodes exist at the start of the covered years and at the extract date.
    assert (episodes["triage_date"] < pd.Timestamp(2019, 4, 1)).any()
    assert episodes["discharge_date"].isna().any()
    assert (episodes["discharge_date"].isna() == episodes["discharge_reason"].isna()).all()


def test_identifiers_are_unique_and_linked(episodes, substances):
    assert episodes["episode_id"].is_unique
    assert (episodes.groupby("client_id").size() > 1).any()  # re-presentations
    referrals = _read("referrals")
    assert referrals["referral_id"].is_unique
    linked = referrals.dropna(subset=["episode_id"])
    pairs = linked.merge(episodes[["episode_id", "client_id"]], on="episode_id", suffixes=("", "_episode"))
    assert len(pairs) == len(linked) and (pairs["client_id"] == pairs["client_id_episode"]).all()
    assert linked["episode_id"].is_unique
    assert referrals["episode_id"].isna().any()  # referrals that led to no episode
    assert (linked.merge(episodes, on="episode_id")["referral_date"]
            <= linked.merge(episodes, on="episode_id")["triage_date"]).all()
    assert set(substances["episode_id"]) == set(episodes["episode_id"])


def test_substances_rank_one_to_three_without_gaps(substances):
    per_episode = substances.groupby("episode_id")["rank"].agg(["count", "max", "min"])
    assert (per_episode["min"] == 1).all()
    assert (per_episode["max"] == per_episode["count"]).all()  # ranks 1..n, no gaps
    assert set(per_episode["count"]) == {1, 2, 3}
    assert not substances.duplicated(["episode_id", "substance"]).any()


def test_one_to_three_interventions_within_their_episode(episodes):
    interventions = _read("interventions").merge(episodes, on="episode_id")
    assert set(interventions.groupby("episode_id").size()) == {1, 2, 3}
    assert (interventions["start_date"] >= interventions["triage_date"]).all()
    ended = interventions.dropna(subset=["end_date"])
    assert (ended["end_date"] >= ended["start_date"]).all()


def test_geography_codes_are_consistent(episodes):
    wards = json.loads((GEO / "oxfordshire_wards_2013.geojson").read_text(encoding="utf-8"))["features"]
    ward_district = {f["properties"]["ward_code"]: f["properties"]["district_code"] for f in wards}
    known = episodes.dropna(subset=["ward_code"])
    assert (known["ward_code"].map(ward_district) == known["district_code"]).all()
    assert set(episodes["district_code"].dropna()) == DISTRICT_CODES
    postcodes = episodes["postcode_district"].dropna()
    assert postcodes.str.fullmatch(r"OX\d{1,2}|RG9|SN7").all()
    assert (episodes["district_code"].isna() == episodes["postcode_district"].isna()).all()


def test_some_districts_are_not_known(episodes):
    share = episodes["district_code"].isna().mean()
    assert 0.02 < share < 0.06


# ---------------------------------------------------------------- the story
def test_people_in_treatment_per_year_in_range(episodes):
    for fy in COVERED_YEARS:
        counts = _people_in_treatment(episodes, fy)
        assert 1_500 <= counts.sum() <= 4_000, (fy, counts.to_dict())
        assert 250 <= counts["young_people"] <= 500, (fy, counts.to_dict())
        assert 1_800 <= counts["adult"] <= 3_000, (fy, counts.to_dict())


def test_year_on_year_changes_are_visible(episodes, substances):
    counts = {fy: _people_in_treatment(episodes, fy) for fy in COVERED_YEARS}
    assert counts[2024]["adult"] > 1.1 * counts[2019]["adult"]  # adults growing
    assert counts[2020]["young_people"] < counts[2019]["young_people"] < counts[2024]["young_people"]
    starts = episodes.assign(fy=episodes["triage_date"].dt.year - (episodes["triage_date"].dt.month < 4))
    cocaine = set(substances.loc[substances["substance"] == "cocaine", "episode_id"])
    share = starts.assign(cocaine=starts["episode_id"].isin(cocaine)).groupby("fy")["cocaine"].mean()
    assert share[2024] > share[2019]  # cocaine rising


def test_alcohol_is_the_most_common_substance_among_young_people(episodes, substances):
    yp = episodes.loc[episodes["service"] == "young_people", ["episode_id", "sex"]]
    mentions = substances.merge(yp, on="episode_id")
    any_mention = mentions.groupby("substance")["episode_id"].nunique().sort_values(ascending=False)
    assert any_mention.index[0] == "alcohol"
    assert any_mention.index[1] == "cannabis"
    cannabis = set(mentions.loc[mentions["substance"] == "cannabis", "episode_id"])
    share = yp.assign(cannabis=yp["episode_id"].isin(cannabis)).groupby("sex")["cannabis"].mean()
    assert share["M"] > share["F"]


def test_adults_mostly_opiates_crack_and_alcohol(episodes, substances):
    adults = episodes.loc[episodes["service"] == "adult", ["episode_id"]]
    primary = substances[substances["rank"] == 1].merge(adults, on="episode_id")
    top = set(primary["substance"].value_counts().index[:3])
    assert top == {"heroin", "crack", "alcohol"}


def test_ages(episodes):
    yp = episodes.loc[episodes["service"] == "young_people", "age_at_triage"]
    assert 15 <= yp.mode().iloc[0] <= 18
    assert yp.between(10, 24).all() and (yp < 18).mean() > 0.6
    adults = episodes.loc[episodes["service"] == "adult", "age_at_triage"]
    assert adults.min() >= 18
    assert 30 <= adults.mode().iloc[0] <= 49


def test_planned_exits_share(episodes):
    exits = episodes.dropna(subset=["discharge_reason"])
    planned = codes.map_codes(exits["discharge_reason"], "discharge_reason") == codes.PLANNED
    assert 0.35 < planned.mean() < 0.65
    by_service = planned.groupby(exits["service"]).mean()
    assert by_service["young_people"] > by_service["adult"]
    transferred = codes.map_codes(exits["discharge_reason"], "discharge_reason") == codes.TRANSFERRED
    assert transferred.any()


def test_young_people_have_shorter_episodes(episodes):
    closed = episodes.dropna(subset=["discharge_date"])
    weeks = (closed["discharge_date"] - closed["triage_date"]).dt.days / 7
    median = weeks.groupby(closed["service"]).median()
    assert median["young_people"] < median["adult"]
    assert weeks.min() < 4 and weeks.max() > 104  # weeks to years


def test_oxford_has_the_highest_rate_per_thousand(episodes):
    population = _read("population")
    adults_pop = population[(population["year"] == 2024) & population["age"].between(18, 64)]
    denominator = adults_pop.groupby("district_code")["population"].sum()
    start, end = pd.Timestamp(2024, 4, 1), pd.Timestamp(2025, 3, 31)
    active = episodes[(episodes["service"] == "adult") & (episodes["triage_date"] <= end)
                      & (episodes["discharge_date"].isna() | (episodes["discharge_date"] >= start))]
    rate = active.groupby("district_code")["client_id"].nunique() / denominator * 1000
    assert rate.idxmax() == OXFORD
    assert rate.max() > 1.5 * rate.min()


def test_referral_sources_differ_by_service(episodes):
    """(The demo records no service on referrals: each takes its episode's.)"""
    referrals = _read("referrals").drop(columns="service").merge(episodes[["episode_id", "service"]], on="episode_id")
    groups = codes.map_codes(referrals["referral_source"], "referral_source")
    top = groups.groupby(referrals["service"], observed=True).agg(lambda g: g.value_counts().index[0])
    assert top["adult"] == "Self, family or friends"
    yp = set(groups[referrals["service"] == "young_people"])
    assert {"Education", "Children and family services", "Youth offending / criminal justice",
            "Mental health (incl. CAMHS)"} <= yp


# ---------------------------------------------------------------- codes, population, prevalence
@pytest.mark.parametrize("table", ["episodes", "referrals", "substances", "interventions", "population"])
def test_every_code_is_in_the_code_lists(table):
    frame = _read(table)
    checked = [c for c in frame.columns if c in codes.CODE_LISTS]
    assert checked
    for column in checked:
        groups = codes.map_codes(frame[column], column)
        assert not (groups == codes.UNMAPPED).any(), codes.unmapped_codes(frame[column], column)


def test_population_matches_the_stated_district_totals():
    population = _read("population")
    assert set(population["sex"]) == {"M", "F"}
    assert population["age"].min() == 0 and population["age"].max() == 90
    assert set(population["year"]) == set(range(2018, 2025))
    assert not population.duplicated(["district_code", "year", "sex", "age"]).any()
    totals = population[population["year"] == 2021].groupby("district_code")["population"].sum()
    cells = 2 * 91  # each cell rounded to a whole person: the total is within half a person per cell
    for code, census in CENSUS_2021.items():
        assert abs(totals[code] - census) <= cells / 2
    by_year = population.groupby("year")["population"].sum()
    assert by_year.is_monotonic_increasing


def test_prevalence_is_consistent():
    prevalence = _read("prevalence")
    assert ((prevalence["lower"] <= prevalence["estimate"]) & (prevalence["estimate"] <= prevalence["upper"])).all()
    ocu = prevalence[prevalence["substance_group"].str.contains("OCU")]
    first = ocu[(ocu["year"] == 2019) & (ocu["age_band"] == "15-64")]["estimate"].iloc[0]
    assert 1_500 < first < 2_500
    for year, rows in ocu.groupby("year"):
        whole = rows.loc[rows["age_band"] == "15-64", "estimate"].iloc[0]
        assert rows.loc[rows["age_band"] != "15-64", "estimate"].sum() == whole, year


def test_samples_use_contract_columns_and_iso_dates():
    for name, table in TABLES.items():
        sample = pd.read_csv(SAMPLES / f"{name}.csv", dtype=str, keep_default_na=False)
        assert list(sample.columns) == table.names
        assert 1 <= len(sample) <= 12
        for column in table.columns:
            if column.kind == DATE:
                values = sample[column.name][sample[column.name] != ""]
                assert values.map(lambda v: bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", v))).all()
            if column.kind == ID:
                assert (sample[column.name] != "").any()


@pytest.mark.parametrize("table", list(TABLES))
def test_demo_and_samples_load_through_the_loaders_with_no_rejected_rows(table):
    loaders = pytest.importorskip("analysis.loaders", reason="analysis/loaders.py not written yet")
    result = loaders.load_table(DEMO / f"{table}.parquet", table)
    assert len(result.rejected) == 0
    assert len(result.data) == pq.read_metadata(DEMO / f"{table}.parquet").num_rows
    assert not result.warnings
    sample = loaders.load_table(SAMPLES / f"{table}.csv", table)
    assert len(sample.rejected) == 0 and len(sample.data) == len(pd.read_csv(SAMPLES / f"{table}.csv"))


def test_readme_headline_all_services_column_is_distinct_people(episodes):
    """data/README.md's headline table: the all-services column counts each person once, even when
    they were in both services in the year (not young people + adults), as the app's headline does."""
    text = (DATA / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| (\d{4}/\d{2}) \| [\d,]+ \| [\d,]+ \| ([\d,]+) \|$", text, flags=re.MULTILINE))
    assert set(rows) == {f"{fy}/{(fy + 1) % 100:02d}" for fy in COVERED_YEARS}
    both_somewhere = False
    for fy in COVERED_YEARS:
        start, end = pd.Timestamp(fy, 4, 1), pd.Timestamp(fy + 1, 3, 31)
        active = (episodes["triage_date"] <= end) & (episodes["discharge_date"].isna()
                                                     | (episodes["discharge_date"] >= start))
        distinct = episodes.loc[active, "client_id"].nunique()
        both_somewhere |= distinct < _people_in_treatment(episodes, fy).sum()
        assert int(rows[f"{fy}/{(fy + 1) % 100:02d}"].replace(",", "")) == distinct, fy
    assert both_somewhere, "the check needs a year with someone in both services"
