"""The fact table stores a person's ``All`` row only when it is not their one service row (facts12,
issue 12: half the rows at national scale were ``All`` rows repeating a service row). The ``All``
selection must still give every ``All`` row, with the same values, as a table holding every ``All``
row, and (1 Dec 2026) as a slice of the table, no copy: each year's rows are stored so that every scope
is one run (``person_year.STORED_ORDER``). Tables saved by older code (every ``All`` row and no
``in_all``; or ``in_all`` with the ``All`` scope's rows interleaved) still load and select the same rows."""

from __future__ import annotations

import hashlib
import itertools
import json

import numpy as np
import pandas as pd
import pytest

from analysis import cohorts, person_year, profiles, store
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
    """The rows without ``in_all``, in person order (then by describing episode): the order of a
    selection's rows is the table's, not part of any figure."""
    return rows.drop(columns="in_all").sort_values(["person", "episode_row"], kind="stable").reset_index(drop=True)


def interleaved(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` in the order a table saved between facts12 and ``STORED_ORDER`` holds its rows: by year,
    then scope (``All``, young people, adults), then person; so a year's ``All`` scope (the kept ``All``
    rows and the marked service rows) is not one run."""
    order = np.lexsort((table["person"].to_numpy(), table["scope"].cat.codes.to_numpy(), table["year"].to_numpy()))
    out = table.take(order).reset_index(drop=True)
    out.attrs.clear()  # the table's own row runs (``_parts``) are not this order's
    return out


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
    assert sorted(ids.loc[everyone["person"]].tolist()) == ["a", "b", "c"]
    assert np.shares_memory(everyone["person"].to_numpy(), table["person"].to_numpy())  # a slice, no copy
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
    # the same rows from the table stored in the order of a table saved before STORED_ORDER
    for filters in (Filters(), Filters(sex="Female"), Filters(ADULTS), Filters(YOUNG_PEOPLE)):
        pd.testing.assert_frame_equal(without_in_all(person_year.select(interleaved(table), FY, filters)),
                                      without_in_all(person_year.select(table, FY, filters)))


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


def test_each_years_all_scope_is_one_run_of_the_table_and_selected_as_a_slice():
    """Every year of the demo table: young people not standing for their ``All`` row, then those standing
    for it, the kept ``All`` rows, adults standing for theirs, other adults; the ``All`` selection with no
    filter is a slice of that run (the table's own memory), its service rows given the ``All`` values."""
    data = load_demo()
    table = person_year.build(data.episodes, data.years, data.substances)
    seen: set[str] = set()
    for fy in data.years:
        in_year = table[table["year"].to_numpy() == fy.start_year]
        labels = [f"{'stands' if marked else 'own'} {scope}" for marked, scope in zip(in_year["in_all"], in_year["scope"])]
        runs = [label for i, label in enumerate(labels) if i == 0 or label != labels[i - 1]]
        order = [f"own {YOUNG_PEOPLE}", f"stands {YOUNG_PEOPLE}", f"own {ALL}", f"stands {ADULTS}", f"own {ADULTS}"]
        assert runs == [run for run in order if run in runs]  # each group one run, in this order (some empty)
        seen.update(runs)
        start, stop, stands = person_year._everyone(table, fy.start_year)
        assert stands and stop - start == int(in_year["in_all"].sum() + (in_year["scope"] == ALL).sum())
        everyone = person_year.select(table, fy, Filters())
        assert np.shares_memory(everyone["person"].to_numpy(), table["person"].to_numpy())
        assert len(everyone) == stop - start and (everyone["scope"] == ALL).all()
        assert not everyone["ocu"].any() and not everyone["effective"].any()
        assert table["ocu"].iloc[start:stop].any()  # the adults' own values are left in the table
        for person in everyone["person"].to_numpy()[:50]:  # the person's rows: one All row per year
            assert (everyone["person"] == person).sum() == 1
    assert len(seen) == 5  # every group is met in some year


def test_an_interleaved_tables_all_rows_are_found_once_per_table_and_year(monkeypatch):
    """A table saved between facts12 and ``STORED_ORDER``: its ``All`` scope's positions are worked out
    once (person order) and reused by every selection of the year."""
    data = load_demo()
    table = interleaved(person_year.build(data.episodes, data.years, data.substances))
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
        assert person_year._everyone(facts, fy.start_year)[2:] == (False,)  # its own All rows: a slice
        for filters in (Filters(), Filters(sex="Female"), Filters(ADULTS), Filters(age_band="25-34")):
            pd.testing.assert_frame_equal(without_in_all(person_year.select(facts, fy, filters)),
                                          without_in_all(person_year.select(new, fy, filters)))


def test_ocu_marked_by_substance_rows_equals_ocu_matched_by_episode_ids():
    """``build`` with each substance's episode row (as a save or a saved version knows them) gives the same
    table as matching the opiate and crack substances' episode ids; a wrong row would mark another person."""
    data = load_demo()
    rows = profiles._episode_positions(data)
    by_ids = person_year.build(data.episodes, data.years, data.substances)
    by_rows = person_year.build(data.episodes, data.years, data.substances, substance_rows=rows)
    assert by_ids["ocu"].any()
    pd.testing.assert_frame_equal(by_rows, by_ids)
    shifted = np.where(rows >= 0, (rows + 1) % len(data.episodes), -1)  # every substance on the next episode
    assert not person_year.build(data.episodes, data.years, data.substances, substance_rows=shifted)["ocu"].equals(
        by_ids["ocu"])


def test_a_save_and_a_saved_version_build_with_the_substance_links(isolated_store, monkeypatch):
    """The save finds each substance's episode row for its links and the build reuses them (the episode
    ids are unique there); so does a first build from a saved version; the tables equal one built by
    matching ids."""
    seen = []
    real = person_year.build
    monkeypatch.setattr(person_year, "build", lambda *a, **k: seen.append(k.get("substance_rows")) or real(*a, **k))
    saved = store.Store.open()
    uploads = [store.Upload(load_table(DEMO_DIR / f"{name}.parquet", name), mode=store.REPLACE)
               for name in ("episodes", "substances", "referrals", "districts", "population")]
    saved.save(uploads, saved_by="test")
    assert len(seen) == 1 and seen[0] is not None and len(seen[0]) == len(uploads[1].result.data)
    data = store.load_dataset(store.Store.open())
    kept = data.person_year()
    data.facts = None
    again = data.person_year()  # built here, from the saved links
    assert len(seen) == 2 and seen[1] is not None
    monkeypatch.setattr(person_year, "build", real)
    rebuilt = person_year.build(data.episodes, data.years, data.substances)
    pd.testing.assert_frame_equal(again, rebuilt)
    pd.testing.assert_frame_equal(kept.reset_index(drop=True), rebuilt.reset_index(drop=True), check_dtype=False)
