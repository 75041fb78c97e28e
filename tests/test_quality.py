"""Data-quality measures and checks on a small hand-built data set read through the loader, with hand counts."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd
import pytest

from analysis import profiles, quality
from analysis.dataset import DEMO_DIR, from_tables, load_demo
from analysis.filters import Filters
from analysis.loaders import load_table
from analysis.periods import FinancialYear
from analysis.views.data_quality import completeness_findings, data_quality

FY, COMPARISON = FinancialYear(2024), FinancialYear(2023)
TODAY = pd.Timestamp("2025-06-01")

EPISODES = """
client_id,episode_id,sex,age_at_triage,ethnicity,district_code,postcode_district,service,triage_date,discharge_date,discharge_reason,accommodation_status,in_care,injecting_status
C1,E1,M,30,white british,E07000178,OX4,adult,2024-05-01,,,settled,,never
C2,E2,F,95,,,,adult,2024-06-01,2024-09-01,dropped out,,,never
C3,E3,F,8,not stated,E09000001,OXFORD,yp,2024-07-01,,,settled,Y,never
C4,E4,M,16,martian,E07000178,OX4,yp,2023-05-01,2023-12-01,,settled,,never
C5,E5,M,40,asian,E07000177,OX14,adult,2024-08-01,2024-10-01,completed drug free,settled,,never
C6,E6,M,50,asian,E07000177,OX16,adult,2025-07-01,,,settled,,never
C1,E1,M,31,white british,E07000178,OX4,adult,2024-06-01,,,settled,,never
C7,E7,M,33,asian,E07000177,OX16,adult,2024-06-01,2024-05-01,dropped out,settled,,never
"""
SUBSTANCES = """
episode_id,rank,substance
E1,1,alcohol
E2,1,heroin
E3,2,cannabis
E4,1,cannabis
E6,1,alcohol
"""
REFERRALS = """
referral_id,client_id,referral_date,referral_source,episode_id
R1,C1,2024-04-15,self,E1
R2,C99,2024-05-01,gp,
R3,C2,2024-06-01,witchdoctor,E2
R4,C3,2024-06-10,school,E404
"""
DISTRICTS = "district_code,district_name\nE07000178,Oxford\nE07000177,Cherwell\n"
POPULATION = "district_code,year,sex,age,population\nE07000178,2024,M,30,100\n"


def load(tmp_path: Path, table: str, text: str):
    path = tmp_path / f"{table}.csv"
    path.write_text(textwrap.dedent(text).lstrip())
    return load_table(path, table)


@pytest.fixture
def small(tmp_path):
    """The data set, and the episodes' load report (E1 repeated on row 8, E7 discharged before triage)."""
    results = {t: load(tmp_path, t, text) for t, text in [
        ("episodes", EPISODES), ("substances", SUBSTANCES), ("referrals", REFERRALS),
        ("districts", DISTRICTS), ("population", POPULATION)]}
    data = from_tables({t: r.data for t, r in results.items()}, label="small", version="small")
    rejected = {"episodes": results["episodes"].rejected.assign(source="episodes.csv")}
    return data, rejected


def completeness_of(data, fy, service="All") -> dict[str, tuple[int, int]]:
    frame = quality.completeness(data, fy=fy, service=service)
    return {row.field: (row.count, row.denominator) for row in frame.itertuples()}


def test_completeness_counts_valid_values_over_the_years_records(small):
    data, _ = small
    # by hand: episodes in treatment in 2024/25 are E1, E2, E3, E5 (E4 ended 2023, E6 starts 2025/26)
    assert completeness_of(data, FY) == {
        "Postcode district": (2, 4),  # E1 OX4, E5 OX14; E2 empty, E3 "OXFORD" is not an outward code
        "District of residence": (2, 4),  # E2 empty, E3 not a partnership district
        "Ethnicity": (2, 4),  # E2 empty, E3 "not stated"
        "Accommodation status": (3, 4),  # E2 empty
        "Injecting status": (4, 4),
        "Looked-after status": (1, 1),  # young people only: E3 "Y"
        "Primary substance": (2, 4),  # E3 has rank 2 only, E5 none
        "Discharge reason": (2, 2),  # discharged in the year: E2, E5
        "Referral source": (3, 4),  # R3 "witchdoctor" is unmapped
    }
    # 2023/24: only E4, whose ethnicity "martian" is unmapped and whose discharge has no reason
    previous = completeness_of(data, COMPARISON)
    assert previous["Ethnicity"] == (0, 1) and previous["Discharge reason"] == (0, 1)


def test_completeness_of_one_service(small):
    data, _ = small
    young = completeness_of(data, FY, "Young people")
    assert young["Ethnicity"] == (0, 1) and young["Looked-after status"] == (1, 1)
    assert "Looked-after status" not in completeness_of(data, FY, "Adults")


def records(frame: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(frame["problem"], frame["record"], strict=True))


def test_invalid_and_unmapped_codes(small):
    data, _ = small
    assert records(quality.invalid_codes(data, fy=FY)) == {
        ("postcode_district: not a postcode district", "E3"),
        ("district_code: not a district of the partnership", "E3"),
        ("referral_source: unmapped code", "R3"),
    }
    assert records(quality.invalid_codes(data, fy=COMPARISON)) == {("ethnicity: unmapped code", "E4")}


def test_duplicates_and_discharge_before_triage_come_from_the_load_report(small):
    data, rejected = small
    duplicates = quality.duplicate_ids(rejected)
    assert records(duplicates) == {("duplicate episode_id", "row 8 of episodes.csv")}
    assert "same as row 2" in duplicates.loc[0, "detail"]
    order = quality.discharge_before_triage(data, rejected)
    assert records(order) == {("rejected at load: discharge date before triage date", "row 9 of episodes.csv")}


def test_future_dates_ages_missing_substances_and_unmatched_referrals(small):
    data, _ = small
    assert records(quality.future_dates(data, TODAY)) == {("triage date in the future", "E6")}
    assert records(quality.ages_outside_range(data, fy=FY)) == {
        ("Adults: aged over 90", "E2"), ("Young people: aged under 10", "E3")}
    assert records(quality.episodes_without_substance(data, fy=FY)) == {
        ("no substance recorded", "E5"), ("no primary substance (rank 1)", "E3")}
    assert records(quality.unmatched_referrals(data, fy=FY)) == {
        ("client not in the episodes table", "R2"), ("episode not in the episodes table", "R4")}


def test_check_counts_list_every_declared_problem_with_zeros(small):
    data, _ = small
    counts = quality.check_counts(data, fy=FY, check_id="ages")
    assert dict(zip(counts["problem"], counts["count"], strict=True)) == {
        "Young people: aged under 10": 1, "Young people: aged over 24": 0,
        "Adults: aged under 18": 0, "Adults: aged over 90": 1}
    assert counts.attrs["kind"] == "count"


def test_the_page_model_suppresses_small_counts_and_says_so(small):
    data, rejected = small
    figures = data_quality(data, FY, COMPARISON, Filters(), rejected=rejected, today="2025-06-01")
    ages = next(c for c in figures.checks if c.id == "ages")
    assert set(ages.table["2024/25"]) == {"*", "0"}  # counts of 1 are never shown
    assert ages.sentence == "Ages outside the service's range: fewer than 5 episodes in 2024/25 (0 in 2023/24)."
    assert len(ages.records) == 2  # the record-level list, for the data owner
    duplicates = next(c for c in figures.checks if c.id == "duplicates")
    assert duplicates.sentence == "Duplicate identifiers (rejected at load): fewer than 5 rows to check."
    assert (figures.completeness_table["% complete 2024/25"] == "*").all()  # every count here is 1 to 4


def test_low_and_falling_completeness_is_stated_in_a_sentence():
    frame = pd.DataFrame({
        "field": ["Ethnicity", "Postcode district", "Referral source"],
        "value": [82.0, 95.0, 97.0], "previous_value": [90.0, 97.0, 97.0], "change": [-8.0, -2.0, 0.0],
        "significant": [True, True, False], "suppressed": [False] * 3, "change_suppressed": [False] * 3,
    })
    assert completeness_findings(frame, FY, COMPARISON, "Young people") == [
        "Ethnicity was recorded for 82% of young people's episodes in treatment in 2024/25, down from 90% "
        "in 2023/24 (a significant fall).",
        "Postcode district was recorded for 95% of young people's episodes in treatment in 2024/25, down from "
        "97% in 2023/24 (a significant fall).",
    ]
    fine = frame.assign(value=[95.0, 97.0, 97.0], significant=False)
    assert completeness_findings(fine, FY, COMPARISON, "All") == [
        "Every field was recorded for at least 90% of records in 2024/25, with no significant fall since 2023/24."]


def test_completeness_on_the_demo_equals_a_hand_count_from_the_parquet():
    raw = pd.read_parquet(DEMO_DIR / "episodes.parquet")
    for column in ("triage_date", "discharge_date"):
        raw[column] = pd.to_datetime(raw[column])
    active = raw[(raw["triage_date"] <= FY.end) & (raw["discharge_date"].isna() | (raw["discharge_date"] >= FY.start))]
    young = active[active["service"] == "young_people"]
    known = {"white british", "white irish", "white other", "gypsy or irish traveller", "mixed", "asian", "black",
             "other"}
    expected = int(young["ethnicity"].str.lower().isin(known).sum())
    got = completeness_of(load_demo(), FY, "Young people")["Ethnicity"]
    assert got == (expected, len(young))


def test_a_client_with_two_sexes_and_population_districts_not_in_the_districts_table_are_flagged(tmp_path):
    # issue 11 item 4: hand-built: C1 is male on E1 and female on E9 (C2's "not stated"-like empty sex
    # is not a second sex); the population has E09000001, which is not one of the two districts
    episodes = textwrap.dedent(EPISODES).lstrip() + "C1,E9,F,32,white british,E07000178,OX4,adult,2024-09-01,,,settled,,never\n" \
        + "C2,E10,,40,,E07000178,OX4,adult,2024-10-01,,,settled,,never\n"
    results = {t: load(tmp_path, t, text) for t, text in [
        ("episodes", episodes), ("substances", SUBSTANCES), ("referrals", REFERRALS), ("districts", DISTRICTS),
        ("population", POPULATION + "E09000001,2024,M,30,50\nE09000001,2024,F,30,60\n")]}
    data = from_tables({t: r.data for t, r in results.items()}, label="small", version="small")
    found = quality.inconsistent_records(data)
    assert records(found) == {("client recorded with more than one sex", "C1"),
                              ("district code not in the districts table", "E09000001")}
    details = dict(zip(found["record"], found["detail"], strict=True))
    assert details == {"C1": "Female (E9); Male (E1)", "E09000001": "2 population rows"}
    figures = data_quality(data, FY, COMPARISON, Filters(), today="2025-06-01")
    check = next(c for c in figures.checks if c.id == "inconsistent")
    assert check.sentence == "Records that contradict each other: fewer than 5 records to check."
    assert set(check.table["Count"]) == {"*"}


def test_the_small_data_set_has_no_contradicting_records(small):
    data, _ = small
    assert quality.inconsistent_records(data).empty


def _by_rule(data, check_id, fy, service):
    """A yearly check's records written out directly from its definition (as the checks read the episodes
    for each year before their lists were found once per data set), as sorted (problem, record, detail)."""
    ep = data.episodes
    active = ep[(ep["triage_date"] <= fy.end) & (ep["episode_end"] >= fy.start)]
    active = active if service == "All" else active[active["service_group"] == service]
    rows = []
    if check_id == "ages":
        for name, (low, high) in quality.SERVICE_AGES.items():
            mine = active[active["service_group"] == name]
            rows += [(f"{name}: aged under {low}", e, f"age {a}") for e, a in
                     zip(mine["episode_id"], mine["age_at_triage"]) if a < low]
            rows += [(f"{name}: aged over {high}", e, f"age {a}") for e, a in
                     zip(mine["episode_id"], mine["age_at_triage"]) if a > high]
    elif check_id == "no_substance":
        anything, primary = set(data.substances["episode_id"]), set(
            data.substances.loc[data.substances["rank"] == 1, "episode_id"])
        for e, c in zip(active["episode_id"], active["client_id"]):
            if e not in anything:
                rows.append(("no substance recorded", e, f"client {c}"))
            elif e not in primary:
                rows.append(("no primary substance (rank 1)", e, f"client {c}"))
    elif check_id == "unmatched_referrals":
        ref = data.referrals[(data.referrals["referral_date"] >= fy.start) & (data.referrals["referral_date"] <= fy.end)]
        clients, episode_ids = set(ep["client_id"]), set(ep["episode_id"])
        rows += [("client not in the episodes table", r, f"client {c}")
                 for r, c in zip(ref["referral_id"], ref["client_id"]) if c not in clients]
        rows += [("episode not in the episodes table", r, f"episode {e}")
                 for r, e in zip(ref["referral_id"], ref["episode_id"]) if pd.notna(e) and e not in episode_ids]
    elif check_id == "codes":
        for column in ("sex", "ethnicity", "accommodation_status", "in_care", "injecting_status", "discharge_reason"):
            bad = active[active[f"{column}_group"] == "Unmapped code"]
            rows += [(f"{column}: unmapped code", e, str(v)) for e, v in zip(bad["episode_id"], bad[column])]
        districts = set(data.districts["district_code"])
        for e, p, d in zip(active["episode_id"], active["postcode_district"], active["district_code"]):
            if pd.notna(p) and not quality.OUTWARD_CODE.match(str(p).strip().upper()):
                rows.append(("postcode_district: not a postcode district", e, str(p)))
            if pd.notna(d) and str(d).strip() and d not in districts:
                rows.append(("district_code: not a district of the partnership", e, str(d)))
        linked = profiles.referrals_in_year(data, fy, Filters(service=service))
        bad = linked[linked["referral_source_group"] == "Unmapped code"]
        rows += [("referral_source: unmapped code", r, str(s)) for r, s in zip(bad["referral_id"], bad["referral_source"])]
        ids = set(active["episode_id"])
        for table, column in (("substances", "substance"), ("interventions", "intervention")):
            frame = getattr(data, table)
            if frame is not None and len(frame):
                bad = frame[frame["episode_id"].isin(ids) & (frame[f"{column}_group"] == "Unmapped code")]
                rows += [(f"{column}: unmapped code", e, str(v)) for e, v in zip(bad["episode_id"], bad[column])]
    return sorted(rows)


@pytest.mark.parametrize("check_id", ["codes", "ages", "no_substance", "unmatched_referrals"])
def test_yearly_checks_found_once_per_data_set_equal_their_rule_for_every_year_and_service(small, check_id):
    data, _ = small
    data.episodes.loc[data.episodes["episode_id"] == "E5", "age_at_triage"] = 17  # an adult under 18 too
    for fy in (FinancialYear(2023), FY, FinancialYear(2025)):
        for service in ("All", "Young people", "Adults"):
            found = quality.check_records(check_id, data, fy=fy, service=service)
            got = sorted(zip(found["problem"], found["record"], found["detail"], strict=True))
            assert got == _by_rule(data, check_id, fy, service), (check_id, fy, service)
    assert _by_rule(data, "ages", FY, "All")  # the rule finds something to compare


def test_the_page_s_record_lists_are_found_once_per_data_set_and_not_changed_by_a_caller(small):
    data, rejected = small
    first = data_quality(data, FY, COMPARISON, Filters(), rejected=rejected, today="2025-06-01")
    kept = {key: value for key, value in data.derived.items() if key[0] == quality.DERIVED_KEY}
    assert {(quality.DERIVED_KEY, name) for name in ("episodes", "codes", "ages", "no substance",
                                                     "unmatched referrals", "inconsistent")} <= set(kept)
    again = data_quality(data, COMPARISON, FinancialYear(2022), Filters(), rejected=rejected, today="2025-06-01")
    assert all(data.derived[key] is value for key, value in kept.items())  # other years: the same lists
    assert [c.records.shape for c in again.checks] != [c.records.shape for c in first.checks]
    ages = quality.ages_outside_range(data, fy=FY)
    ages.loc[0, "record"] = "changed by a caller"
    inconsistent = quality.inconsistent_records(data)
    inconsistent.loc[len(inconsistent)] = ["changed", "by", "a", "caller"]
    assert records(quality.ages_outside_range(data, fy=FY)) == {
        ("Adults: aged over 90", "E2"), ("Young people: aged under 10", "E3")}
    assert quality.inconsistent_records(data).empty


def test_a_new_version_of_the_data_has_its_own_record_lists(small, tmp_path):
    data, _ = small
    assert records(quality.ages_outside_range(data, fy=FY)) == {
        ("Adults: aged over 90", "E2"), ("Young people: aged under 10", "E3")}
    results = {t: load(tmp_path, t, text) for t, text in [
        ("episodes", EPISODES.replace("C2,E2,F,95", "C2,E2,F,45")), ("substances", SUBSTANCES),
        ("referrals", REFERRALS), ("districts", DISTRICTS), ("population", POPULATION)]}
    newer = from_tables({t: r.data for t, r in results.items()}, label="small", version="small 2")
    assert records(quality.ages_outside_range(newer, fy=FY)) == {("Young people: aged under 10", "E3")}
    assert completeness_of(newer, FY)["Postcode district"] == (2, 4)


@pytest.mark.parametrize("when", ["2024-03-31", "2024-03-31 23:00", "2024-04-01", "2024-04-01 00:00:01", "2023-04-01",
                                  "2025-03-31", "2025-04-01", None])
def test_year_numbers_of_a_date_agree_with_the_year_s_first_and_last_day(when):
    # a year's records are found by comparing small year numbers worked out once per data set
    dates = pd.Series(pd.to_datetime([when])).to_numpy()
    start, end = quality._years_from(dates)[0], quality._years_until(dates)[0]
    for year in range(2022, 2027):
        fy = FinancialYear(year)
        on_or_after = when is not None and pd.Timestamp(when) >= fy.start
        on_or_before = when is not None and pd.Timestamp(when) <= fy.end
        assert (year <= start) == on_or_after and (year >= end) == on_or_before, (when, year)


def test_year_numbers_of_many_dates_at_once_agree_with_each_year_s_first_and_last_day():
    # the year numbers are found by searching the years' boundaries over the dates' range (dq12b): many at once
    import numpy as np

    rng = np.random.default_rng(12)
    days = rng.integers(0, 16 * 366, 5000)
    dates = (pd.Timestamp("2012-01-01") + pd.to_timedelta(days, unit="D")
             + pd.to_timedelta(rng.choice([0, 0, 3600, 86399], 5000), unit="s")).to_numpy().copy()
    dates[:7] = np.datetime64("NaT")
    dates[7:9] = [pd.Timestamp("2016-03-31").to_datetime64(), pd.Timestamp("2016-04-01").to_datetime64()]
    start, end = quality._years_from(dates), quality._years_until(dates)
    for year in range(2010, 2030):
        fy = FinancialYear(year)
        assert ((year <= start) == (dates >= fy.start.to_datetime64())).all(), year
        assert ((year >= end) == (dates <= fy.end.to_datetime64())).all(), year


def test_unmapped_child_codes_follow_any_episode_with_their_id_when_an_id_is_given_twice():
    from analysis.cohorts import prepare_episodes
    from analysis.dataset import Dataset
    from tests.factories import episodes, substances

    eps = episodes([
        {"client_id": "a", "episode_id": "E1", "triage_date": "2020-05-01", "discharge_date": "2020-09-01"},
        {"client_id": "b", "episode_id": "E1", "triage_date": "2024-05-01"},  # the same id, in 2024/25
        {"client_id": "c", "episode_id": "E2", "triage_date": "2020-05-01", "discharge_date": "2020-09-01"},
    ])
    subs = substances([("E1", 1, "moonrock"), ("E2", 1, "stardust"), ("E3", 1, "comet")])
    refs = pd.DataFrame({"referral_id": pd.Series([], dtype="string"), "client_id": pd.Series([], dtype="string"),
                         "referral_date": pd.to_datetime(pd.Series([], dtype="object")),
                         "referral_source": pd.Series([], dtype="string"),
                         "referral_source_group": pd.Series([], dtype="string"),
                         "episode_id": pd.Series([], dtype="string")})
    districts = pd.DataFrame({"district_code": ["E07000178"], "district_name": ["Oxford"]})
    data = Dataset(episodes=prepare_episodes(eps), substances=subs, referrals=refs, districts=districts,
                   population=pd.DataFrame())
    found = quality.invalid_codes(data, fy=FY)
    assert records(found) == {("substance: unmapped code", "E1")}  # E2's episode is not in 2024/25; E3 has none
    assert records(quality.invalid_codes(data, fy=FinancialYear(2020))) == {
        ("substance: unmapped code", "E1"), ("substance: unmapped code", "E2")}


def _every_list(data, years):
    """Completeness and every check's records for each year and service, as frames."""
    out = {}
    for fy in years:
        for service in ("All", "Young people", "Adults"):
            out[("completeness", fy.start_year, service)] = quality.completeness(data, fy=fy, service=service)
            for check in quality.CHECKS:
                out[(check.id, fy.start_year, service)] = quality.check_records(check.id, data, fy=fy, service=service,
                                                                                today=TODAY)
    return out


def _demo_with_problems(folder: Path) -> list:
    """The demo's tables with made-up problems, written as CSV and read through the loaders: clients with two
    sexes, episodes with no substance or none at rank 1, unmapped codes and bad postcodes, referrals whose client
    or episode is in no episode (each a few dozen)."""
    tables = {t: pd.read_parquet(DEMO_DIR / f"{t}.parquet") for t in
              ("episodes", "substances", "referrals", "interventions", "districts", "population")}
    ep, sub, ref = tables["episodes"].copy(), tables["substances"].copy(), tables["referrals"].copy()
    twice = ep["client_id"].duplicated(keep=False).to_numpy()
    first = ep.index[twice & ~ep["client_id"].duplicated(keep="first").to_numpy()][:30]
    ep.loc[first, "sex"] = ep.loc[first, "sex"].map({"M": "F", "F": "M"}).fillna("M")  # a second sex, some of them
    ep.loc[ep.index[100:130], "postcode_district"] = "NOT A POSTCODE"
    ep.loc[ep.index[130:150], "ethnicity"] = "martian"
    ep.loc[ep.index[150:170], "district_code"] = "E99999999"
    ids = ep["episode_id"].iloc[200:260]
    sub = sub[~sub["episode_id"].isin(ids.iloc[:30])]  # no substance
    sub.loc[sub["episode_id"].isin(ids.iloc[30:]) & (sub["rank"] == 1), "rank"] = 9  # none at rank 1
    sub.loc[sub.index[:25], "substance"] = "moonrock"
    ref.loc[ref.index[:40], "client_id"] = [f"NOBODY{i}" for i in range(40)]
    ref.loc[ref.index[40:80], "episode_id"] = [f"E-NONE{i}" for i in range(40)]
    ref.loc[ref.index[80:100], "referral_source"] = "witchdoctor"
    tables.update(episodes=ep, substances=sub, referrals=ref)
    results = []
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
        results.append(load_table(folder / f"{name}.csv", name))
    return results


@pytest.mark.parametrize("source", ["small", "demo", "demo with problems"])
def test_a_saved_version_matches_ids_on_its_links_and_finds_the_same_records_as_its_files(source, small, tmp_path,
                                                                                         monkeypatch):
    # issue 12 (dq12b): a saved version's checks match episodes to their substances and referrals to their clients
    # and episodes on the integer rows and codes its links give (no text id matched): the same lists as the files
    from analysis import store

    monkeypatch.setenv(store.STORE_ENV, str(tmp_path / "store"))
    if source == "small":
        files = small[0]
        results = [load(tmp_path, t, text) for t, text in [
            ("episodes", EPISODES), ("substances", SUBSTANCES), ("referrals", REFERRALS),
            ("districts", DISTRICTS), ("population", POPULATION)]]
    elif source == "demo":
        files = load_demo()
        results = [load_table(DEMO_DIR / f"{t}.parquet", t) for t in
                   ("episodes", "substances", "referrals", "interventions", "districts", "population")]
    else:
        results = _demo_with_problems(tmp_path)
        files = from_tables({r.table: r.data for r in results}, label="problems", version="problems")
    saved = store.Store.open()
    saved.save([store.Upload(r, mode=store.REPLACE) for r in results], saved_by="test")
    data = store.load_dataset(saved)
    years = [fy for fy in data.years if files.offers(fy)]  # the demo's loader offers one year fewer
    assert len(years) >= 3
    got, expected = _every_list(data, years), _every_list(files, years)
    assert data.derived[(quality.DERIVED_KEY, "unmatched referrals (links)")] is not None  # the links were used
    assert data.derived["unique_episode_ids"] and "substance_episode_rows" in data.derived
    assert (quality.DERIVED_KEY, "unmatched referrals") not in data.derived  # no text id matched
    for key, frame in expected.items():
        pd.testing.assert_frame_equal(got[key], frame, check_exact=True, obj=str(key))
    found = {key[0]: len(frame) for key, frame in got.items() if key[2] == "All" and key[1] == years[-1].start_year}
    if source == "demo with problems":  # the made-up problems are found (in the latest year, at least some)
        assert all(found[check] for check in ("codes", "no_substance", "unmatched_referrals", "inconsistent")), found
    if source == "small":  # by hand: R2's client C99 has no episode, R4's episode E404 is not one; E3 has no rank 1
        assert records(got[("unmatched_referrals", 2024, "All")]) == {
            ("client not in the episodes table", "R2"), ("episode not in the episodes table", "R4")}
        assert records(got[("no_substance", 2024, "All")]) == {
            ("no primary substance (rank 1)", "E3"), ("no substance recorded", "E5")}
        assert completeness_of(data, FY)["Primary substance"] == (2, 4)  # E1, E2 of E1, E2, E3, E5 (E3 none at rank 1)
