"""The person-year fact table is saved with each version (analysis/store.py): built on save, covered
by the manifest's checksums, read back on a cold start, and built on load for a version saved before."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis import person_year, store
from analysis.dataset import DEMO_DIR
from analysis.loaders import load_table


@pytest.fixture(autouse=True)
def isolated_store(tmp_path, monkeypatch):
    monkeypatch.setenv(store.STORE_ENV, str(tmp_path / "store"))
    return tmp_path / "store"


@pytest.fixture(scope="module")
def uploads():
    return [store.Upload(load_table(DEMO_DIR / f"{name}.parquet", name), mode=store.REPLACE)
            for name in ("episodes", "substances", "referrals", "districts", "population")]


def test_a_save_writes_the_fact_table_with_its_checksum_and_a_cold_start_reads_it(uploads, monkeypatch):
    saved = store.Store.open()
    version = saved.save(uploads, saved_by="test").version
    entry = version.manifest["derived"]["person_year"]
    assert (version.path / store.PERSON_YEAR_FILE).is_file()
    assert entry["file"] == store.PERSON_YEAR_FILE and len(entry["sha256"]) == 64
    assert entry["episodes"] == 11594  # the demo's episodes
    built = []
    monkeypatch.setattr(person_year, "build", lambda *a, **k: built.append(1))  # a cold start must not build
    data = store.load_dataset(saved)
    facts = data.person_year()
    assert built == [] and len(facts) > 0
    monkeypatch.undo()
    pd.testing.assert_frame_equal(facts, person_year.build(data.episodes, data.years, data.substances))


def test_a_damaged_fact_table_is_named_by_the_checksum(uploads):
    saved = store.Store.open()
    version = saved.save(uploads, saved_by="test").version
    path = version.path / store.PERSON_YEAR_FILE
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    assert saved.damaged_files(version) == [path]


def test_a_version_saved_before_fact_tables_still_loads_and_builds_it(uploads):
    saved = store.Store.open()
    version = saved.save(uploads, saved_by="test").version
    (version.path / store.PERSON_YEAR_FILE).unlink()
    manifest = json.loads((version.path / store.MANIFEST_FILE).read_text())
    del manifest["derived"]
    (version.path / store.MANIFEST_FILE).write_text(json.dumps(manifest))
    assert saved.damaged_files(saved.version(version.number)) == []
    data = store.load_dataset(saved)
    assert data.facts is None
    assert len(data.person_year()) == len(person_year.build(data.episodes, data.years, data.substances))


def test_a_fact_table_saved_with_other_columns_is_built_again(uploads):
    saved = store.Store.open()
    version = saved.save(uploads, saved_by="test").version
    manifest = json.loads((version.path / store.MANIFEST_FILE).read_text())
    assert manifest["derived"]["person_year"]["columns"] == list(person_year.COLUMNS)
    manifest["derived"]["person_year"]["columns"] = manifest["derived"]["person_year"]["columns"][:-1]
    (version.path / store.MANIFEST_FILE).write_text(json.dumps(manifest))
    data = store.load_dataset(saved)
    assert data.facts is None  # an older table's columns are never re-typed into the new ones
    assert list(data.person_year().columns) == list(person_year.COLUMNS)


def test_a_save_not_touching_its_sources_links_the_previous_fact_table(uploads, tmp_path):
    saved = store.Store.open()
    first = saved.save(uploads, saved_by="test").version
    second = saved.save([store.Upload(load_table(DEMO_DIR / "prevalence.parquet", "prevalence"))],
                        saved_by="test").version
    assert (second.manifest["derived"]["person_year"]["sha256"]
            == first.manifest["derived"]["person_year"]["sha256"])
    assert (second.path / store.PERSON_YEAR_FILE).stat().st_ino == (first.path / store.PERSON_YEAR_FILE).stat().st_ino


def test_a_fact_table_whose_code_columns_are_all_missing_reads_back_with_its_types(monkeypatch):
    """No ward or postcode recorded: Parquet gives those all-missing category columns back as text.
    A cold start converts just them (not every column, which took 7 s at national scale) and the
    table read equals the table built."""
    loaded = {name: load_table(DEMO_DIR / f"{name}.parquet", name)
              for name in ("episodes", "substances", "referrals", "districts", "population")}
    episodes = loaded["episodes"]
    episodes.data = episodes.data.assign(ward_code=pd.NA, postcode_district=pd.NA)
    saved = store.Store.open()
    saved.save([store.Upload(table, mode=store.REPLACE) for table in loaded.values()], saved_by="test")
    read_back = pd.read_parquet(saved.current().path / store.PERSON_YEAR_FILE)
    assert str(read_back["ward_code"].dtype) != "category"  # the case this test is about
    converted = []
    real_typed = person_year.typed
    monkeypatch.setattr(person_year, "typed", lambda *a, **k: converted.append(k.get("only")) or real_typed(*a, **k))
    data = store.load_dataset(saved)
    assert converted == [["ward_code", "postcode_district"]]
    monkeypatch.undo()
    pd.testing.assert_frame_equal(data.person_year(), person_year.build(data.episodes, data.years, data.substances))


def test_a_cold_start_reads_the_episodes_saved_prepared_instead_of_preparing_them(uploads, monkeypatch):
    """A save writes the episodes as the measures use them (in person order, with their derived columns);
    a cold start reads that file, neither reading the raw episodes nor preparing them, and gets exactly
    what preparing the saved episodes gives."""
    from analysis import cohorts, dataset

    saved = store.Store.open()
    version = saved.save(uploads, saved_by="test").version
    entry = version.manifest["derived"]["prepared_episodes"]
    assert entry["file"] == store.PREPARED_EPISODES_FILE and entry["format"] == cohorts.PREPARED_FORMAT
    assert entry["episodes"] == 11594 and len(entry["sha256"]) == 64
    prepared, read = [], []
    monkeypatch.setattr(dataset, "prepare_episodes", lambda *a, **k: prepared.append(1))
    real_read = store._read_parquet
    monkeypatch.setattr(store, "_read_parquet", lambda version, path: read.append(path.name) or real_read(version, path))
    data = store.load_dataset(saved)
    assert prepared == [] and "episodes.parquet" not in read and store.PREPARED_EPISODES_FILE in read
    monkeypatch.undo()
    expected = cohorts.prepare_episodes(saved.table("episodes"), list(data.districts["district_code"]))
    pd.testing.assert_frame_equal(data.episodes, expected)
    assert data.episodes.attrs.get("prepared") is True


def test_episodes_prepared_by_other_code_are_prepared_again_on_load(uploads):
    """A saved copy whose fingerprint is not this code's (``cohorts.PREPARED_FORMAT``) is not used."""
    from analysis import cohorts

    saved = store.Store.open()
    version = saved.save(uploads, saved_by="test").version
    manifest = json.loads((version.path / store.MANIFEST_FILE).read_text())
    manifest["derived"]["prepared_episodes"]["format"] = "older code"
    (version.path / store.MANIFEST_FILE).write_text(json.dumps(manifest))
    assert saved.prepared_episodes(saved.current()) is None
    data = store.load_dataset(saved)
    expected = cohorts.prepare_episodes(saved.table("episodes"), list(data.districts["district_code"]))
    pd.testing.assert_frame_equal(data.episodes, expected)


def test_a_save_not_touching_the_episodes_links_their_prepared_copy(uploads):
    saved = store.Store.open()
    first = saved.save(uploads, saved_by="test").version
    second = saved.save([store.Upload(load_table(DEMO_DIR / "prevalence.parquet", "prevalence"))],
                        saved_by="test").version
    assert (second.path / store.PREPARED_EPISODES_FILE).stat().st_ino == (
        first.path / store.PREPARED_EPISODES_FILE).stat().st_ino
    assert saved.damaged_files(second) == []
