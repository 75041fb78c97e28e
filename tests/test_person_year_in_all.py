"""The fact table stores a person's ``All`` row only when it is not their one service row (facts12,
issue 12: half the rows at national scale were ``All`` rows repeating a service row). The ``All``
selection must still give every ``All`` row, in the same order and with the same values, as a table
holding every ``All`` row; a table saved by older code (every ``All`` row, no ``in_all``) still loads
and selects as before."""

from __future__ import annotations

import hashlib
import itertools
import json

import numpy as np
import pandas as pd
import pytest

from analysis import cohorts, person_year, store
from analysis.codes import ADULTS, YOUNG_PEOPLE
from analysis.dataset import DEMO_DIR, load_demo
from analysis.filters import ALL, Filters
from analysis.loaders import load_table
from analysis.periods import AGE_BAND_LABELS, FinancialYear
from tests.factories import episodes, substances

FY = FinancialYear(2024)  # 1 Apr 2024 - 31 Mar 2025


def every_all_row(monkeypatch: pytest.MonkeyPatch, *args: object) -> pd.DataFrame:
    """The table built the old way: every ``All`` row stored, no service row marked."""
    with monkeypatch.context() as patched:
        patched.setattr(person_year, "_stands_for_all", lambda parts, people: [
            part.__setitem__("in_all", np.zeros(len(part["person"]), bool)) for part in parts.values()])
        return person_year.build(*args)


def without_in_all(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.drop(columns="in_all").reset_index(drop=True)


@pytest.fixture(scope="module")
def hand_built():
    eps = episodes([
        # a: young people's service, then adults': in both, their All row is kept
        {"client_id": "a", "episode_id": "1", "triage_date": "2024-05-01", "service": "young_people",
         "discharge_date": "2024-08-01", "age_at_triage": 17},
        {"client_id": "a", "episode_id": "2", "triage_date": "2024-10-01", "service": "adult", "age_at_triage": 18},
        # b: adults only, an opiate user retained 12 weeks: OCU and effective in the Adults scope only
        {"client_id": "b", "episode_id": "3", "triage_date": "2024-06-01", "service": "adult"},
        # c: young people only, two episodes
        {"client_id": "c", "episode_id": "4", "triage_date": "2024-04-10", "service": "young_people",
         "discharge_date": "2024-05-01", "discharge_reason": "treatment completed", "age_at_triage": 15},
        {"client_id": "c", "episode_id": "5", "triage_date": "2024-09-01", "service": "young_people",
         "age_at_triage": 15, "sex": "F"},
    ])
    subs = substances([("2", 1, "alcohol"), ("3", 1, "heroin")])
    prepared = cohorts.prepare_episodes(eps)
    ids = prepared.drop_duplicates("person").set_index("person")["client_id"]
    return prepared, subs, ids


def test_a_person_in_one_service_is_stored_once_their_service_row_marked(hand_built, monkeypatch):
    prepared, subs, ids = hand_built
    table = person_year.build(prepared, [FY], subs)
    who = pd.Series(ids.loc[table["person"]].to_numpy(), index=table.index)
    stored = sorted(zip(who, table["scope"].astype(str), table["in_all"], strict=True))
    assert stored == [("a", ADULTS, False), ("a", ALL, False), ("a", YOUNG_PEOPLE, False),
                      ("b", ADULTS, True), ("c", YOUNG_PEOPLE, True)]
    old = every_all_row(monkeypatch, prepared, [FY], subs)
    assert len(old) == 7 and not old["in_all"].any()

    everyone = person_year.select(table, FY, Filters())
    assert ids.loc[everyone["person"]].tolist() == ["a", "b", "c"]  # by person, as before
    assert everyone["scope"].astype(str).tolist() == [ALL] * 3
    pd.testing.assert_frame_equal(without_in_all(everyone), without_in_all(person_year.select(old, FY, Filters())))
    # b's Adults row says OCU and effective; as their All row it says neither (Adults scope only)
    adults = person_year.select(table, FY, Filters(ADULTS))
    b_adults = adults[ids.loc[adults["person"]].to_numpy() == "b"].iloc[0]
    b_all = everyone[ids.loc[everyone["person"]].to_numpy() == "b"].iloc[0]
    assert (b_adults["ocu"], b_adults["effective"]) == (True, True)
    assert (b_all["ocu"], b_all["effective"]) == (False, False)
    # c: the same describing episode and flags in both
    c_all = everyone[ids.loc[everyone["person"]].to_numpy() == "c"].iloc[0]
    assert (c_all["age"], c_all["sex_group"], c_all["re_presentation"], c_all["exited"]) == (15, "Female", True, True)  # c came back after a discharge
    # filtered: only c is female, only a is 18-24
    assert ids.loc[person_year.select(table, FY, Filters(sex="Female"))["person"]].tolist() == ["c"]
    assert ids.loc[person_year.select(table, FY, Filters(age_band="18-24"))["person"]].tolist() == ["a"]


def test_an_all_row_differing_from_the_one_service_row_is_kept():
    """Only an ``All`` row equal to the service row is dropped: one that differs (here made to differ
    by hand) is stored, and its service row not marked."""
    everyone = {"person": np.array([0, 1], np.int32), "age": pd.array([30, 40], dtype="Int16"),
                "exited": np.array([True, False]), "ocu": np.zeros(2, bool)}
    adults = {"person": np.array([0, 1], np.int32), "age": pd.array([30, 41], dtype="Int16"),
              "exited": np.array([True, False]), "ocu": np.array([True, True])}
    young = {"person": np.zeros(0, np.int32), "age": pd.array([], dtype="Int16"), "exited": np.zeros(0, bool),
             "ocu": np.zeros(0, bool)}
    parts = {ALL: everyone, YOUNG_PEOPLE: young, ADULTS: adults}
    original = person_year._COMPARED
    try:
        person_year._COMPARED = ("person", "age", "exited")
        person_year._stands_for_all(parts, people=2)
    finally:
        person_year._COMPARED = original
    assert parts[ALL]["person"].tolist() == [1] and parts[ALL]["age"].tolist() == [40]
    assert parts[ADULTS]["in_all"].tolist() == [True, False]
    assert parts[ALL]["in_all"].tolist() == [False]


def test_the_demo_table_is_about_half_the_rows_and_selects_as_every_all_row_did(monkeypatch):
    """Every year, service and filter combination (with and without the snapshot) of the demo selects
    the same rows, in the same order, with the same values as the table holding every ``All`` row;
    the table stores half as many rows."""
    data = load_demo()
    table = person_year.build(data.episodes, data.years, data.substances)
    old = every_all_row(monkeypatch, data.episodes, data.years, data.substances)
    assert len(old) == 32_141  # every All row: the table before facts12
    assert len(table) == 16_096 and int(table["in_all"].sum()) == 16_045
    assert len(table) == len(old) - int(table["in_all"].sum())
    districts = [ALL, *data.district_names]
    count = 0
    for fy in data.years:
        for service in (ALL, YOUNG_PEOPLE, ADULTS):
            choices = ([ALL, *AGE_BAND_LABELS], [ALL, "Male", "Female"], districts) if service == ALL else \
                ([ALL, "18-24"], [ALL, "Female"], districts[:2])
            for age_band, sex, district in itertools.product(*choices):
                for snapshot in (False, True):
                    filters = Filters(service, age_band, sex, district)
                    expected = person_year.select(old, fy, filters, snapshot=snapshot)
                    chosen = person_year.select(table, fy, filters, snapshot=snapshot)
                    pd.testing.assert_frame_equal(without_in_all(chosen), without_in_all(expected))
                    count += 1
    assert count > 1_000


def test_the_all_rows_positions_are_worked_out_once_per_table_and_year(monkeypatch):
    data = load_demo()
    table = person_year.build(data.episodes, data.years, data.substances)
    fy = data.years[-1]
    person_year.select(table, fy, Filters())
    found = table.attrs["parts"].everyone[fy.start_year]
    calls = []
    real = np.argsort
    monkeypatch.setattr(person_year.np, "argsort", lambda *a, **k: calls.append(1) or real(*a, **k))
    person_year.select(table, fy, Filters(sex="Female"))
    person_year.select(table, fy, Filters(), snapshot=True)
    assert calls == [] and table.attrs["parts"].everyone[fy.start_year] is found
    positions, stand = found
    assert positions.dtype == np.int32 and stand.sum() == int(
        table.loc[table["year"].to_numpy() == fy.start_year, "in_all"].sum())


@pytest.fixture
def isolated_store(tmp_path, monkeypatch):
    monkeypatch.setenv(store.STORE_ENV, str(tmp_path / "store"))


def test_a_table_saved_by_older_code_still_loads_and_selects_as_before(isolated_store, monkeypatch):
    """A version saved before ``in_all``: its table holds every ``All`` row and no ``in_all`` column,
    the manifest lists the older columns. A cold start reads it (not built again), the ``All`` rows are
    a slice, and every selection equals the new table's."""
    saved = store.Store.open()
    uploads = [store.Upload(load_table(DEMO_DIR / f"{name}.parquet", name), mode=store.REPLACE)
               for name in ("episodes", "substances", "referrals", "districts", "population")]
    version = saved.save(uploads, saved_by="test").version
    data = store.load_dataset(saved)
    new = data.person_year()
    old = every_all_row(monkeypatch, data.episodes, data.years, data.substances).drop(columns="in_all")
    path = version.path / store.PERSON_YEAR_FILE
    old.to_parquet(path, index=False)
    manifest = json.loads((version.path / store.MANIFEST_FILE).read_text())
    manifest["derived"]["person_year"]["columns"] = person_year.OLDER_COLUMNS
    manifest["derived"]["person_year"]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (version.path / store.MANIFEST_FILE).write_text(json.dumps(manifest))
    saved = store.Store.open()
    assert saved.damaged_files(saved.current()) == []
    monkeypatch.setattr(person_year, "build", lambda *a, **k: pytest.fail("an older table was built again"))
    reread = store.load_dataset(saved)
    facts = reread.facts
    assert facts is not None and len(facts) == len(old) and not facts["in_all"].any()
    for fy in reread.years:
        assert person_year._everyone(facts, fy.start_year) is None  # a slice, as before
        for filters in (Filters(), Filters(sex="Female"), Filters(ADULTS), Filters(age_band="25-34")):
            pd.testing.assert_frame_equal(without_in_all(person_year.select(facts, fy, filters)),
                                          without_in_all(person_year.select(new, fy, filters)))
