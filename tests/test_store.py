"""The local store: versions, atomic saves that survive a killed process, merge modes, restore, mappings."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from analysis import store
from analysis.dataset import DEMO_BOUNDARIES, DEMO_DIR, TABLE_FILES
from analysis.loaders import contract_types, load_table

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def isolated_store(tmp_path, monkeypatch):
    """Every test uses its own store folder, never the user's data directory."""
    monkeypatch.setenv(store.STORE_ENV, str(tmp_path / "store"))
    return tmp_path / "store"


def as_saved(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A loaded table in the contract's types, as the store saves it (the loaders hold code columns as
    categories and ages as ``Int16``: ``loaders.contract_types``)."""
    return frame.astype(contract_types(table, frame))


def demo(table: str):
    return load_table(DEMO_DIR / f"{table}.parquet", table)


def csv_result(tmp_path: Path, table: str, text: str, name: str = "file.csv"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip())
    return load_table(path, table)


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file of the store except the lock, by path: what 'the store is unchanged' compares."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != store.LOCK_FILE}


# ---------------------------------------------------------------- location
def test_location_is_the_environment_setting(isolated_store):
    assert store.store_location() == isolated_store
    assert store.Store.open().root == isolated_store


def test_default_location_is_the_users_data_directory_not_the_code(tmp_path, monkeypatch):
    monkeypatch.delenv(store.STORE_ENV)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    if os.name != "nt" and sys.platform != "darwin":
        assert store.store_location() == tmp_path / "xdg" / "daat-dashboard"
    assert ROOT not in store.default_location().parents


def test_opening_a_store_creates_nothing(isolated_store):
    s = store.Store.open()
    assert s.versions() == [] and s.current() is None
    assert not isolated_store.exists()
    with pytest.raises(store.NoSavedDataError, match="Nothing has been saved"):
        store.load_dataset(s)


# ---------------------------------------------------------------- save, load, versions, restore
def test_saved_tables_load_back_exactly_as_validated():
    s = store.Store.open()
    results = {name: demo(name) for name in TABLE_FILES}
    saved = s.save([store.Upload(r) for r in results.values()], saved_by="tester")
    assert saved.version.number == 1
    for name, result in results.items():  # in the contract's types (the loaders hold codes as categories)
        pd.testing.assert_frame_equal(s.table(name), as_saved(name, result.data))
        pd.testing.assert_frame_equal(s.table(name).astype({c: result.data[c].dtype for c in result.data}),
                                      result.data)
    data = store.load_dataset(s)
    assert data.label.startswith("Saved data (version 1, saved ")
    assert not data.is_demo and not data.population_is_approximate
    assert len(data.episodes) == len(results["episodes"].data)
    entry = s.current().tables["episodes"]
    assert entry["source"] == "episodes.parquet" and entry["rows"] == len(results["episodes"].data)
    assert entry["rejected"] == 0 and entry["mode"] == store.ADD
    assert s.current().manifest["saved_by"] == "tester"


def test_every_version_is_kept_and_restore_only_moves_the_pointer(tmp_path):
    s = store.Store.open()
    first = csv_result(tmp_path, "districts", """
        district_code,district_name
        E07000178,Oxford
    """)
    second = csv_result(tmp_path, "districts", """
        district_code,district_name
        E07000179,South Oxfordshire
    """, "second.csv")
    s.save([store.Upload(first)])
    s.save([store.Upload(second)])
    assert [v.number for v in s.versions()] == [1, 2]
    assert list(s.table("districts")["district_code"]) == ["E07000178", "E07000179"]
    folders = {p: snapshot(p) for p in (s.versions_dir / "v000001", s.versions_dir / "v000002")}
    s.restore(1)
    assert s.current().number == 1
    assert list(s.table("districts")["district_code"]) == ["E07000178"]
    assert {p: snapshot(p) for p in folders} == folders  # no version changed
    assert (s.root / store.CURRENT_FILE).read_text().strip() == "v000001"
    third = s.save([store.Upload(second)])  # builds on the restored version, numbered after the last
    assert third.version.number == 3
    assert list(s.table("districts")["district_code"]) == ["E07000178", "E07000179"]


def test_restoring_a_version_that_does_not_exist_changes_nothing(tmp_path):
    s = store.Store.open()
    s.save([store.Upload(csv_result(tmp_path, "districts", "district_code,district_name\nE07000178,Oxford\n"))])
    before = snapshot(s.root)
    with pytest.raises(store.StoreError, match="no saved version 7"):
        s.restore(7)
    assert snapshot(s.root) == before


def test_a_save_with_a_bad_mode_changes_nothing(tmp_path):
    s = store.Store.open()
    result = csv_result(tmp_path, "districts", "district_code,district_name\nE07000178,Oxford\n")
    s.save([store.Upload(result)])
    before = snapshot(s.root)
    with pytest.raises(store.StoreError, match="'merge' is not a way of saving"):
        s.save([store.Upload(result, mode="merge")])
    assert snapshot(s.root) == before


def test_missing_tables_are_named_before_the_saved_data_can_be_shown(tmp_path):
    s = store.Store.open()
    s.save([store.Upload(csv_result(tmp_path, "districts", "district_code,district_name\nE07000178,Oxford\n"))])
    with pytest.raises(store.IncompleteStoreError, match="no episodes, substances, referrals, population tables"):
        store.load_dataset(s)


# ---------------------------------------------------------------- merge modes
EPISODES_2023 = """
    client_id,episode_id,sex,age_at_triage,district_code,service,triage_date,discharge_date,discharge_reason
    C1,E1,M,30,E07000178,adult,2023-05-01,,
    C2,E2,F,16,E07000178,yp,2023-06-01,2023-09-01,dropped out
"""
EPISODES_2024 = """
    client_id,episode_id,sex,age_at_triage,district_code,service,triage_date,discharge_date,discharge_reason
    C1,E1,M,30,E07000178,adult,2023-05-01,2024-05-01,completed drug free
    C3,E3,F,40,E07000179,adult,2024-04-10,,
"""


def test_add_keeps_saved_rows_adds_new_ids_and_counts_the_skipped(tmp_path):
    s = store.Store.open()
    s.save([store.Upload(csv_result(tmp_path, "episodes", EPISODES_2023, "2023.csv"))])
    result = s.save([store.Upload(csv_result(tmp_path, "episodes", EPISODES_2024, "2024.csv"), mode=store.ADD)])
    change = result.changes[0]
    # by hand: E1 is already saved (skipped, and its discharge differs), E3 is new
    assert (change.added, change.skipped, change.skipped_different, change.replaced) == (1, 1, 1, 0)
    table = s.table("episodes")
    assert list(table["episode_id"]) == ["E1", "E2", "E3"]
    assert pd.isna(table.loc[0, "discharge_date"])  # the saved E1 is unchanged
    assert "1 row added" in change.sentence and "1 skipped as already saved" in change.sentence
    assert "'update'" in change.sentence
    assert s.current().tables["episodes"]["sources"] == ["2023.csv", "2024.csv"]


def test_update_replaces_rows_with_the_same_id_and_keeps_the_others(tmp_path):
    s = store.Store.open()
    s.save([store.Upload(csv_result(tmp_path, "episodes", EPISODES_2023, "2023.csv"))])
    change = s.save([store.Upload(csv_result(tmp_path, "episodes", EPISODES_2024, "2024.csv"), mode=store.UPDATE)]).changes[0]
    assert (change.added, change.replaced, change.skipped) == (1, 1, 0)
    table = s.table("episodes").set_index("episode_id")
    assert sorted(table.index) == ["E1", "E2", "E3"]
    assert table.loc["E1", "discharge_date"] == pd.Timestamp("2024-05-01")
    assert table.loc["E1", "discharge_reason_group"] == "Planned"


def test_replace_replaces_the_table_wholly(tmp_path):
    s = store.Store.open()
    s.save([store.Upload(csv_result(tmp_path, "episodes", EPISODES_2023, "2023.csv"))])
    change = s.save([store.Upload(csv_result(tmp_path, "episodes", EPISODES_2024, "2024.csv"), mode=store.REPLACE)]).changes[0]
    assert list(s.table("episodes")["episode_id"]) == ["E1", "E3"]
    assert (change.rows_before, change.rows_after) == (2, 2)
    assert s.current().tables["episodes"]["sources"] == ["2024.csv"]


def test_a_table_without_an_identifier_skips_only_identical_rows(tmp_path):
    text = """
        episode_id,intervention,start_date,end_date
        E1,psychosocial,2023-05-01,
        E1,psychosocial,2023-05-01,2023-06-01
    """
    again = """
        episode_id,intervention,start_date,end_date
        E1,psychosocial,2023-05-01,
        E2,harm reduction,2024-05-01,
    """
    s = store.Store.open()
    s.save([store.Upload(csv_result(tmp_path, "interventions", text))])
    change = s.save([store.Upload(csv_result(tmp_path, "interventions", again, "again.csv"))]).changes[0]
    assert (change.added, change.skipped) == (1, 1)  # the open E1 row is identical; E2 is new
    assert len(s.table("interventions")) == 3


def test_adding_a_new_financial_year_leaves_earlier_years_unchanged():
    episodes = demo("episodes").data
    year = episodes["triage_date"].dt.year - (episodes["triage_date"].dt.month < 4)
    earlier, later = episodes[year <= 2022], episodes[year > 2022]
    s = store.Store.open()
    base = demo("episodes")
    s.save([store.Upload(store.LoadResult(earlier.reset_index(drop=True), base.rejected, [], len(earlier), "episodes", "to 2022.csv"))])
    saved_before = s.table("episodes")
    s.save([store.Upload(store.LoadResult(later.reset_index(drop=True), base.rejected, [], len(later), "episodes", "2023 on.csv"))])
    after = s.table("episodes")
    assert len(after) == len(episodes)
    pd.testing.assert_frame_equal(after.iloc[: len(saved_before)], saved_before)
    pd.testing.assert_frame_equal(after.iloc[len(saved_before):].reset_index(drop=True),
                                  as_saved("episodes", later.reset_index(drop=True)))


# ---------------------------------------------------------------- mappings, rejected rows, boundaries
def test_mappings_are_saved_and_reused(tmp_path):
    s = store.Store.open()
    path = tmp_path / "d.csv"
    path.write_text("LA code,Name\nE07000178,Oxford\n")
    result = load_table(path, "districts", column_map={"LA code": "district_code", "Name": "district_name"})
    s.save([store.Upload(result, column_map={"LA code": "district_code", "Name": "district_name"},
                         code_map={"sex": {"1m": "Male"}})])
    assert store.Store.open().column_map("districts") == {"LA code": "district_code", "Name": "district_name"}
    assert store.Store.open().code_maps() == {"sex": {"1m": "Male"}}
    s.remember_mappings("episodes", None, {"sex": {"2f": "Female"}})
    assert s.code_maps() == {"sex": {"1m": "Male", "2f": "Female"}}


def test_rejected_rows_are_kept_with_the_file_and_row_they_came_from(tmp_path):
    s = store.Store.open()
    result = csv_result(tmp_path, "districts", """
        district_code,district_name
        E07000178,Oxford
        E07000178,Oxford again
    """, "dup.csv")
    s.save([store.Upload(result)])
    report = s.rejected()["districts"]
    assert list(report["row_number"]) == [3]
    assert report.loc[0, "source"] == "dup.csv"
    assert "duplicate district_code: same as row 2" in report.loc[0, "reason"]
    assert s.current().tables["districts"]["rejected"] == 1


def test_boundaries_fall_back_to_the_bundled_districts_and_a_saved_file_wins(tmp_path):
    s = store.Store.open()
    s.save([store.Upload(demo("districts"))])
    assert s.boundaries_path() == DEMO_BOUNDARIES
    s.save_boundaries(DEMO_BOUNDARIES.read_text(), "mine.geojson")
    assert s.boundaries_path() == s.current().path / store.BOUNDARIES_FILE
    assert s.current().manifest["boundaries"]["source"] == "mine.geojson"
    other = csv_result(tmp_path, "districts", "district_code,district_name\nE09000001,City of London\n")
    s.save([store.Upload(other, mode=store.REPLACE)])
    assert s.boundaries_path() == s.current().path / store.BOUNDARIES_FILE  # carried over


def test_unknown_district_codes_have_no_bundled_boundaries(tmp_path):
    s = store.Store.open()
    s.save([store.Upload(csv_result(tmp_path, "districts", "district_code,district_name\nE09000001,City of London\n"))])
    assert s.boundaries_path() is None


def test_preferred_source_is_remembered():
    s = store.Store.open()
    assert s.preferred_source() == store.DEMO
    s.set_preferred_source(store.SAVED)
    assert store.Store.open().preferred_source() == store.SAVED


# ---------------------------------------------------------------- crashes
def test_leftover_temporary_folders_are_ignored_and_cleaned(tmp_path):
    s = store.Store.open()
    result = csv_result(tmp_path, "districts", "district_code,district_name\nE07000178,Oxford\n")
    s.save([store.Upload(result)])
    leftover = s.versions_dir / f"{store.TMP_PREFIX}v000002-dead"
    leftover.mkdir()
    (leftover / "episodes.parquet").write_bytes(b"half a file")
    assert [v.number for v in s.versions()] == [1] and s.current().number == 1
    s.save([store.Upload(result)])
    assert not leftover.exists()
    assert [v.number for v in s.versions()] == [1, 2]


SAVE_SCRIPT = """
import sys
from analysis import store
from analysis.loaders import load_table
from analysis.dataset import DEMO_DIR, TABLE_FILES
results = [load_table(DEMO_DIR / f"{name}.parquet", name) for name in TABLE_FILES]
store.Store.open().save([store.Upload(r, mode=store.REPLACE) for r in results])
print("finished")
"""


@pytest.mark.parametrize("checkpoint", store.CHECKPOINTS)
def test_a_save_killed_half_way_leaves_the_previous_version_current_and_loadable(tmp_path, isolated_store, checkpoint):
    s = store.Store.open()
    first = {name: demo(name) for name in TABLE_FILES}
    s.save([store.Upload(r) for r in first.values()])
    before = snapshot(isolated_store)
    signal_file = tmp_path / "paused"
    env = {**os.environ, store.STORE_ENV: str(isolated_store), store.PAUSE_ENV: f"{checkpoint}={signal_file}",
           "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-c", SAVE_SCRIPT], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120  # a generous bound for a slow machine; not a timing assertion
        while not signal_file.exists():
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "the save never reached the checkpoint"
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait()
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL
    after = store.Store.open()
    assert after.current().number == 1
    assert (isolated_store / store.CURRENT_FILE).read_bytes() == before[store.CURRENT_FILE]
    for path, content in before.items():  # nothing written before the kill was changed
        assert (isolated_store / path).read_bytes() == content
    data = store.load_dataset(after)
    assert data.label.startswith("Saved data (version 1,")
    pd.testing.assert_frame_equal(after.table("episodes"), as_saved("episodes", first["episodes"].data))
    # the next save cleans up what the killed one left and carries on from version 1
    result = after.save([store.Upload(first["districts"], mode=store.REPLACE)])
    assert result.version.number > 1 and after.current().number == result.version.number
    assert not list(after.versions_dir.glob(f"{store.TMP_PREFIX}*"))


def test_the_manifest_records_when_who_and_what(tmp_path):
    s = store.Store.open()
    s.save([store.Upload(csv_result(tmp_path, "districts", "district_code,district_name\nE07000178,Oxford\n", "d.csv"),
                         mode=store.REPLACE)], saved_by="analyst")
    manifest = json.loads((s.current().path / store.MANIFEST_FILE).read_text())
    assert manifest["saved_by"] == "analyst" and manifest["action"] == "save"
    assert manifest["changes"][0]["source"] == "d.csv" and manifest["changes"][0]["mode"] == store.REPLACE
    assert pd.Timestamp(manifest["saved_at"]) <= pd.Timestamp.now()


def test_a_whole_extract_with_boundaries_is_one_version(tmp_path):
    s = store.Store.open()
    geojson = DEMO_BOUNDARIES.read_text("utf-8")
    result = s.save([store.Upload(demo(t)) for t in TABLE_FILES], boundaries=(geojson, "ox.geojson"))
    assert [v.number for v in s.versions()] == [1] and result.version.number == 1
    assert sorted(s.current().tables) == sorted(TABLE_FILES)
    assert s.missing_tables() == []
    assert s.boundaries_path() == s.current().path / store.BOUNDARIES_FILE
    assert (s.current().path / store.BOUNDARIES_FILE).read_text("utf-8") == geojson
    assert s.current().manifest["boundaries"]["saved_in_version"] == 1
    # the next save carries the boundaries over, without claiming to have saved them again
    s.save([store.Upload(demo("districts"), mode=store.REPLACE)])
    assert s.current().manifest["boundaries"]["saved_in_version"] == 1
    assert s.boundaries_path() == s.current().path / store.BOUNDARIES_FILE


def test_boundaries_alone_can_be_saved_and_nothing_at_all_cannot(tmp_path):
    s = store.Store.open()
    with pytest.raises(store.StoreError, match="There is nothing to save"):
        s.save([])
    s.save([], boundaries=(DEMO_BOUNDARIES.read_bytes(), "ox.geojson"))
    assert s.current().number == 1 and s.current().tables == {}


def test_two_files_of_one_table_in_one_replace_save_keep_both(tmp_path):
    s = store.Store.open()
    s.save([store.Upload(csv_result(tmp_path, "districts", "district_code,district_name\nE1,Old\n", "old.csv"))])
    first = csv_result(tmp_path, "districts", "district_code,district_name\nE07000178,Oxford\n", "a.csv")
    second = csv_result(tmp_path, "districts", "district_code,district_name\nE07000179,South Oxfordshire\n", "b.csv")
    result = s.save([store.Upload(first, mode=store.REPLACE), store.Upload(second, mode=store.REPLACE)])
    # by hand: a.csv replaces the saved table (E1 goes), b.csv is added to it, not replacing a.csv's row
    assert list(s.table("districts")["district_code"]) == ["E07000178", "E07000179"]
    assert [c.mode for c in result.changes] == [store.REPLACE, store.ADD]
    assert s.current().tables["districts"]["sources"] == ["a.csv", "b.csv"]
