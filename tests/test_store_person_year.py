"""The person-year fact table is saved with each version (analysis/store.py): built on save, covered
by the manifest's checksums, read back on a cold start, and built on load for a version saved before."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
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
    manifest["derived"]["person_year"]["columns"] = manifest["derived"]["person_year"]["columns"][1:]
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
    monkeypatch.setattr(store, "_read_parquet",
                        lambda version, path, *a, **k: read.append(path.name) or real_read(version, path, *a, **k))
    data = store.load_dataset(saved)
    assert prepared == [] and "episodes.parquet" not in read and store.PREPARED_EPISODES_FILE in read
    monkeypatch.undo()
    expected = cohorts.narrow_prepared_types(cohorts.prepare_episodes(saved.table("episodes"),
                                                                      list(data.districts["district_code"])))
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
    expected = cohorts.narrow_prepared_types(cohorts.prepare_episodes(saved.table("episodes"),
                                                                      list(data.districts["district_code"])))
    pd.testing.assert_frame_equal(data.episodes, expected)


def test_a_save_not_touching_the_episodes_links_their_prepared_copy(uploads):
    saved = store.Store.open()
    first = saved.save(uploads, saved_by="test").version
    second = saved.save([store.Upload(load_table(DEMO_DIR / "prevalence.parquet", "prevalence"))],
                        saved_by="test").version
    assert (second.path / store.PREPARED_EPISODES_FILE).stat().st_ino == (
        first.path / store.PREPARED_EPISODES_FILE).stat().st_ino
    assert saved.damaged_files(second) == []


def test_a_cold_start_converts_only_the_columns_parquet_gives_back_with_another_type(uploads, monkeypatch):
    """issue 12 (cold start): with no ward or postcode district recorded (as in the national data), those
    category columns have no value and no category, and Parquet gives them back as objects. The whole
    table was converted again on every cold start (1 s and 120 MB at 10% national); now only those two
    columns are, to the very table the save built."""
    episodes = uploads[0].result.data.assign(ward_code=pd.NA, postcode_district=pd.NA)
    episodes = episodes.astype({"ward_code": "string", "postcode_district": "string"})
    changed = [store.Upload(dataclasses.replace(uploads[0].result, data=episodes), mode=store.REPLACE),
               *uploads[1:]]
    saved = store.Store.open()
    saved.save(changed, saved_by="test")
    converted = []
    original = person_year.typed

    def spy(table, episodes=None, only=None):
        converted.append(None if only is None else sorted(only))
        return original(table, episodes) if only is None else original(table, episodes, only)

    monkeypatch.setattr(person_year, "typed", spy)
    data = store.load_dataset(saved)
    assert converted == [["postcode_district", "ward_code"]]
    facts = data.person_year()
    assert facts["ward_code"].isna().all() and facts["postcode_district"].isna().all()
    monkeypatch.undo()
    pd.testing.assert_frame_equal(facts, person_year.build(data.episodes, data.years, data.substances))


def test_loading_gives_arrow_s_unused_read_buffers_back(uploads, monkeypatch):
    """issue 12 (memory): Arrow's allocator kept the pages freed after the Parquet files were converted
    to pandas (about 110 MB of RSS at 10% national after a cold start), which the pages' numpy work
    cannot reuse. A cold start from the store gives them back after each file is read and once the
    episodes are prepared (at national scale: 1.6 GB of RSS), and a load of a folder once it is done."""
    import pyarrow as pa

    from analysis.dataset import DEMO_DIR, load_folder

    saved = store.Store.open()
    saved.save(uploads, saved_by="test")
    released = []
    pool = pa.default_memory_pool()

    class Recording:
        def __getattr__(self, name):
            return getattr(pool, name)

        def release_unused(self):
            released.append(1)
            pool.release_unused()

    monkeypatch.setattr(pa, "default_memory_pool", Recording)
    store.load_dataset(saved)
    after_store = len(released)
    assert after_store >= 8  # after each of the five tables and the fact table is read, the preparing, the end
    load_folder(DEMO_DIR, label="demo")
    assert len(released) > after_store


def test_the_fact_table_is_read_a_few_columns_at_a_time_and_empty_columns_are_not_read(uploads, monkeypatch):
    """issue 12 (memory): reading the whole fact table at once held every decoded column in Arrow beside
    its pandas copy (+1.33 GB at national scale for a 0.56 GB table); it is read a few columns at a
    time, and a column with no value at all (Parquet's null type: no wards recorded) is not read as a
    column of Python None but made with no value. The table equals the one the save built."""
    episodes = uploads[0].result.data.assign(ward_code=pd.NA).astype({"ward_code": "string"})
    saved = store.Store.open()
    saved.save([store.Upload(dataclasses.replace(uploads[0].result, data=episodes), mode=store.REPLACE),
                *uploads[1:]], saved_by="test")
    reads = []
    original = pd.read_parquet

    def spy(path, *args, **kwargs):
        if str(path).endswith(store.PERSON_YEAR_FILE):
            reads.append(kwargs.get("columns"))
        return original(path, *args, **kwargs)

    monkeypatch.setattr(pd, "read_parquet", spy)
    data = store.load_dataset(saved)
    assert reads and all(columns is not None and len(columns) <= store.FACT_TABLE_COLUMNS_AT_ONCE
                         for columns in reads)
    read = [column for columns in reads for column in columns]
    assert sorted(read) == sorted(c for c in person_year.COLUMNS if c != "ward_code")
    facts = data.person_year()
    assert list(facts.columns) == list(person_year.COLUMNS) and facts["ward_code"].isna().all()
    monkeypatch.undo()
    pd.testing.assert_frame_equal(facts, person_year.build(data.episodes, data.years, data.substances))


def test_a_cold_start_reads_the_episodes_code_columns_straight_into_categories(uploads, monkeypatch):
    """issue 12 (memory): the episodes' text code columns (sex, ethnicity, service, district code, ...)
    were read from the store as text (3m strings each at national scale) and then made categories by
    ``prepare_episodes``; they are read as Parquet's dictionary, with the same categories (the values
    present, sorted, as text), so the episodes equal the ones read the old way. The raw substance,
    intervention and referral source codes are read as categories of the same text. (A version saved
    with its episodes prepared does not read them at all: this is a version saved before.)"""
    from analysis import cohorts, dataset

    saved = store.Store.open()
    version = saved.save(uploads, saved_by="test").version
    manifest = json.loads((version.path / store.MANIFEST_FILE).read_text())
    del manifest["derived"]["prepared_episodes"]
    (version.path / store.MANIFEST_FILE).write_text(json.dumps(manifest))
    dictionaries = {}
    original = pd.read_parquet

    def spy(path, *args, **kwargs):
        dictionaries[Path(path).stem] = kwargs.get("read_dictionary")
        return original(path, *args, **kwargs)

    monkeypatch.setattr(pd, "read_parquet", spy)
    data = store.load_dataset(saved)
    monkeypatch.undo()
    read = dictionaries["episodes"] or []
    assert {"sex", "ethnicity", "service", "district_code"} <= set(read) <= set(cohorts.CODE_COLUMNS)
    plain = dataset.from_tables(saved.tables())  # text, as saved, then prepared
    pd.testing.assert_frame_equal(data.episodes, plain.episodes, check_exact=True)  # same categories
    for column in read:
        assert data.episodes[column].dtype == plain.episodes[column].dtype
        assert data.episodes[column].cat.categories.dtype == plain.episodes[column].cat.categories.dtype
    # the child tables' raw codes (a dozen values in millions of rows at national scale) become categories
    # of the same text; every other column is as saved
    assert dictionaries["substances"] == ["substance"] and dictionaries["referrals"] == ["referral_source"]
    for name, column in (("substances", "substance"), ("referrals", "referral_source")):
        loaded, saved_as = data.table(name), getattr(plain, name)  # every column (an empty one is not held)
        assert isinstance(loaded[column].dtype, pd.CategoricalDtype) and saved_as[column].dtype == "string"
        pd.testing.assert_series_equal(loaded[column].astype("string"), saved_as[column])
        # (a substance's rank is held as Int8: the same values; test_a_cold_start_holds_the_substances_rank_in_one_byte)
        loaded = loaded.astype({"rank": "Int64"}) if "rank" in loaded else loaded
        pd.testing.assert_frame_equal(loaded.drop(columns=column), saved_as.drop(columns=column), check_exact=True)
    for name in ("population", "districts"):
        pd.testing.assert_frame_equal(getattr(data, name), getattr(plain, name), check_exact=True)


def test_a_save_of_substances_alone_builds_the_fact_table_again(uploads):
    """The fact table's OCU flag (NI 40's cohort) comes from the substances: a save that changes only the
    substances must not keep the previous version's table (it did: substances were not among its sources)."""
    saved = store.Store.open()
    first = saved.save(uploads, saved_by="test").version
    assert int(store.load_dataset(saved).person_year()["ocu"].sum()) > 0
    substances = load_table(DEMO_DIR / "substances.parquet", "substances")
    substances.data = substances.data.assign(substance="alcohol", substance_group="Alcohol")
    second = saved.save([store.Upload(substances, mode=store.REPLACE)], saved_by="test").version
    assert second.manifest["derived"]["person_year"]["sha256"] != first.manifest["derived"]["person_year"]["sha256"]
    data = store.load_dataset(saved)
    assert int(data.person_year()["ocu"].sum()) == 0  # nobody has an opiate or crack recorded now
    pd.testing.assert_frame_equal(data.person_year(), person_year.build(data.episodes, data.years, data.substances))


@pytest.fixture(scope="module")
def uploads_with_interventions():
    return [store.Upload(load_table(DEMO_DIR / f"{name}.parquet", name), mode=store.REPLACE)
            for name in ("episodes", "substances", "referrals", "interventions", "districts", "population")]


def test_a_cold_start_takes_each_child_rows_episode_from_the_saved_links(uploads_with_interventions, monkeypatch):
    """A save keeps each substance's, intervention's and referral's episode (its row in the prepared
    episodes); a cold start looks no text id up for them, and every linked figure equals finding them again."""
    from analysis import cohorts, dataset, profiles

    saved = store.Store.open()
    version = saved.save(uploads_with_interventions, saved_by="test").version
    for table in ("substances", "interventions", "referrals"):
        entry = version.manifest["derived"][f"episode_links_{table}"]
        assert entry["rows"] == version.tables[table]["rows"] and len(entry["sha256"]) == 64
    looked_up = []
    real = cohorts.positions_in
    monkeypatch.setattr(cohorts, "positions_in", lambda values, keys: looked_up.append(len(values)) or real(values, keys))
    data = store.load_dataset(saved)
    fys = data.years
    linked = [profiles.linked_referrals(data, fy) for fy in fys]
    groups = profiles.episode_substances(data)
    interventions = [profiles.interventions_by_sex(data, fy=fy) for fy in fys[-2:]]
    assert looked_up == []  # nothing looked up again
    monkeypatch.undo()
    plain = dataset.from_tables(saved.tables(for_analysis=True))  # the same tables, every link found again
    for fy, frame in zip(fys, linked, strict=True):
        # the episode ids made from the links are categories over the episodes' ids: the same text
        pd.testing.assert_frame_equal(frame.astype({"episode_id": "string"}), profiles.linked_referrals(plain, fy))
    again = profiles.episode_substances(plain)
    assert (groups.mentioned() == again.mentioned()).all() and (groups.primary == again.primary).all()
    for fy, frame in zip(fys[-2:], interventions, strict=True):
        pd.testing.assert_frame_equal(frame, profiles.interventions_by_sex(plain, fy=fy))


def test_a_save_of_interventions_alone_finds_their_episodes_again(uploads_with_interventions):
    saved = store.Store.open()
    first = saved.save(uploads_with_interventions, saved_by="test").version
    interventions = load_table(DEMO_DIR / "interventions.parquet", "interventions")
    interventions.data = interventions.data.iloc[::2]
    second = saved.save([store.Upload(interventions, mode=store.REPLACE)], saved_by="test").version
    assert second.manifest["derived"]["episode_links_interventions"]["rows"] == len(interventions.data)
    assert (second.manifest["derived"]["episode_links_interventions"]["sha256"]
            != first.manifest["derived"]["episode_links_interventions"]["sha256"])
    assert saved.damaged_files(second) == []


def test_a_cold_start_reads_no_child_episode_id_when_the_links_give_them(uploads_with_interventions, monkeypatch):
    """issue 12 (memory): at national scale the substances', interventions' and referrals' text episode ids
    held 240 MB (5.0m, 5.8m and 3.3m ids) beside the links saved with the version, which name the same
    episodes. When every id a table records was found (the file's statistics count the missing ones),
    the cold start reads no episode id of that table: each is the category of its linked episode (its
    code is the link), the same values as the saved text, in the same column place; the linked figures
    do not change."""
    from analysis import dataset, profiles

    saved = store.Store.open()
    version = saved.save(uploads_with_interventions, saved_by="test").version
    read = []
    real = store._read_parquet
    monkeypatch.setattr(store, "_read_parquet", lambda version, path, columns=None, **kw:
                        read.append((path.name, columns)) or real(version, path, columns, **kw))
    data = store.load_dataset(saved)
    monkeypatch.undo()
    for name in ("substances", "interventions", "referrals"):
        columns = [c for file, c in read if file == f"{name}.parquet"]
        assert columns and columns[0] is not None and "episode_id" not in columns[0], name
        frame = data.table(name)  # every column as saved (the dates held as day numbers)
        as_saved = saved.table(name, version)
        assert list(frame.columns) == list(as_saved.columns)
        assert isinstance(frame["episode_id"].dtype, pd.CategoricalDtype)
        assert frame["episode_id"].astype("string").equals(as_saved["episode_id"].astype("string"))
        assert frame["episode_id"].array.codes.itemsize <= 4  # not 8 bytes of links beside text ids
    # the codes are the links (at national scale, int32 for 3m episodes, the same array)
    assert (data.derived["substance_episode_rows"] == data.substances["episode_id"].array.codes).all()
    assert (data.derived["intervention_episode_rows"] == data.interventions["episode_id"].array.codes).all()
    plain = dataset.from_tables(saved.tables(for_analysis=True))  # the text ids as saved, links found again
    for fy in data.years[-2:]:
        for measure in (profiles.substances, profiles.referrals_by_source, profiles.interventions_by_sex):
            pd.testing.assert_frame_equal(measure(data, fy=fy), measure(plain, fy=fy))


def test_a_child_table_with_an_episode_id_not_among_the_episodes_keeps_its_text_ids(uploads_with_interventions):
    """A substance whose episode id is not in the episodes has no link (-1): its id cannot be made from
    the links, so that table's ids are read as saved (text) and no value is lost."""
    saved = store.Store.open()
    substances = load_table(DEMO_DIR / "substances.parquet", "substances")
    stray = substances.data.iloc[:1].assign(episode_id="NOT-AN-EPISODE")
    substances.data = pd.concat([substances.data, stray], ignore_index=True)
    uploads = [u if u.result.table != "substances" else store.Upload(substances, mode=store.REPLACE)
               for u in uploads_with_interventions]
    saved.save(uploads, saved_by="test")
    data = store.load_dataset(saved)
    assert not isinstance(data.substances["episode_id"].dtype, pd.CategoricalDtype)
    assert data.substances["episode_id"].iloc[-1] == "NOT-AN-EPISODE"
    assert isinstance(data.interventions["episode_id"].dtype, pd.CategoricalDtype)


def test_referrals_per_month_do_not_compare_the_episode_ids_categories(uploads_with_interventions, monkeypatch):
    """issue 12 (memory): referrals per month joined three years' whole referral frames, which hashed the
    categories of their episode ids (every episode id: 3.5 s and +0.4 GB at national scale); it joins
    their dates only, and counts the same."""
    from analysis import dataset, profiles

    saved = store.Store.open()
    saved.save(uploads_with_interventions, saved_by="test")
    data = store.load_dataset(saved)
    assert isinstance(data.referrals["episode_id"].dtype, pd.CategoricalDtype)
    end = data.years[-1].end
    plain = profiles.monthly_referrals(dataset.from_tables(saved.tables(for_analysis=True)), end=end)

    def refused(self):
        raise AssertionError("the episode ids' categories were hashed")

    monkeypatch.setattr(pd.CategoricalDtype, "_hash_categories", property(refused))
    pd.testing.assert_frame_equal(profiles.monthly_referrals(data, end=end), plain)


def test_linking_the_referrals_gives_arrow_s_freed_memory_back(uploads_with_interventions, monkeypatch):
    """issue 12 (memory): linking every referral to its episode left the freed buffers of what it took
    in Arrow's allocator (270 MB of resident memory after the first Overview at national scale, when the
    referrals were copied). It gives them back once, when done (once per data set); the check that no
    referral id repeats hashes one year's ids (refs12), not every referral's, so it has nothing to give back."""
    from analysis import activity, profiles

    saved = store.Store.open()
    saved.save(uploads_with_interventions, saved_by="test")
    data = store.load_dataset(saved)
    calls = []
    monkeypatch.setattr(profiles, "release_read_buffers", lambda: calls.append("linked"))
    assert len(data.derived[profiles.EPISODE_LINKS_KEY]["referrals"]) == len(data.referrals)
    for fy in data.years[-2:]:
        profiles.linked_referrals(data, fy)
        activity.referrals_led_to_triage(data, fy=fy)
    assert calls == ["linked"]
    # every referral's saved links, once used for the linking, are not held beside it (refs12)
    assert profiles.EPISODE_LINKS_KEY not in data.derived and "linked_triage_dates" not in data.derived
    # a saved version's referral ids are the contract's key: not read or hashed at all (mem12c)
    assert data.derived[activity.KEYS_UNIQUE] and "unique_referral_ids" not in data.derived


def test_a_cold_start_holds_the_substances_rank_in_one_byte(uploads_with_interventions):
    """issue 12 (memory): a substance's rank (1 to 3) was held as Int64, 9 bytes a row (45 MB for 5m
    substances at national scale); the cold start holds it as Int8, the same values, the same figures."""
    from analysis import dataset, profiles

    saved = store.Store.open()
    version = saved.save(uploads_with_interventions, saved_by="test").version
    data = store.load_dataset(saved)
    assert str(data.substances["rank"].dtype) == "Int8"
    assert data.substances["rank"].astype("Int64").equals(saved.table("substances", version)["rank"].astype("Int64"))
    plain = dataset.from_tables(saved.tables())  # as saved (Int64)
    assert str(plain.substances["rank"].dtype) == "Int64"
    for fy in data.years[-2:]:
        pd.testing.assert_frame_equal(profiles.substances(data, fy=fy, view=profiles.PRIMARY),
                                      profiles.substances(plain, fy=fy, view=profiles.PRIMARY))


def test_prepared_episodes_hold_person_codes_and_ages_in_small_types_with_the_same_values(uploads):
    """issue 12 (refs12, memory): the prepared episodes hold ``person`` as int32 and ``age_at_triage`` as
    ``Int16`` (were int64 and ``Int64``: 48 MB at national scale), the same values, whether prepared on
    load, read saved prepared by this code, or read from a copy saved with the wider types (older code)."""
    from analysis import cohorts, dataset

    saved = store.Store.open()
    version = saved.save(uploads, saved_by="test").version
    data = store.load_dataset(saved)
    wide = cohorts.prepare_episodes(saved.table("episodes"), list(data.districts["district_code"]))
    assert wide["person"].dtype == np.int64 and str(wide["age_at_triage"].dtype) == "Int64"
    prepared_afresh = dataset.from_tables(saved.tables(for_analysis=True)).episodes
    (version.path / store.PREPARED_EPISODES_FILE).write_bytes(store._parquet_bytes(wide))  # as older code saved it
    assert saved.prepared_episodes(saved.current()) is not None  # still used: same format, same rows
    older = store.load_dataset(saved).episodes
    for episodes in (data.episodes, prepared_afresh, older):
        assert episodes["person"].dtype == np.int32 and str(episodes["age_at_triage"].dtype) == "Int16"
        assert (episodes["person"].to_numpy() == wide["person"].to_numpy()).all()
        pd.testing.assert_series_equal(episodes["age_at_triage"].astype("Int64"), wide["age_at_triage"])
    assert wide["age_at_triage"].notna().sum() > 0 and wide["person"].max() > 1000


def test_people_referred_and_led_to_triage_count_without_taking_text_ids(uploads_with_interventions, monkeypatch):
    """issue 12 (refs12): people referred are counted on a client code found once per data set (the person
    code of the client's latest episode, from the saved links, or a code of their own for a client never
    treated) and referrals that led to triage on the referral dates, so a selection takes no text id (at
    national scale each took 70-120 ms and a hash of the year's ids). The figures equal the distinct client
    ids and the flags, for a saved version (links read) and the same tables linked afresh, every year offered."""
    from analysis import activity, dataset, profiles
    from analysis.filters import NOT_KNOWN, Filters

    saved = store.Store.open()
    saved.save(uploads_with_interventions, saved_by="test")
    loaded = store.load_dataset(saved)
    plain = dataset.from_tables(saved.tables(for_analysis=True))
    never = ~loaded.column("referrals", "client_id").isin(loaded.episodes["client_id"].astype(object))
    assert never.any() and (~never).any()  # both kinds of client
    for data in (loaded, plain):
        for fy in data.years[-3:]:
            activity.referrals_led_to_triage(data, fy=fy)  # the year's ids checked unique: once per year
            for filters in (Filters(), Filters(sex="Female"), Filters(district=NOT_KNOWN), Filters(service="Adults")):
                ref = profiles.referrals_in_year(data, fy, filters)
                asked = []
                real = profiles.referrals_in_year
                monkeypatch.setattr(profiles, "referrals_in_year", lambda *a, **k: asked.append(
                    k.get("columns", a[3] if len(a) > 3 else None)) or real(*a, **k))
                people = activity.people_referred(data, fy=fy, filters=filters)["count"].iloc[0]
                led = activity.referrals_led_to_triage(data, fy=fy, filters=filters)
                monkeypatch.undo()
                assert people == ref["client_id"].nunique()
                flags = activity.led_to_triage_flags(data, fy, filters)
                assert (led["count"].iloc[0], led["denominator"].iloc[0]) == (int(flags.sum()), len(flags)) == (
                    int(flags.sum()), len(ref))
                assert all(c is not None and not {"client_id", "referral_id"} & set(c) for c in asked), asked
    assert people > 0 and int(flags.sum()) > 0


def test_a_save_builds_the_fact_table_last_without_the_client_ids(uploads, monkeypatch):
    """Issue 12: the save's peak was the fact table's build beside the prepared episodes; it reads no client
    id, so the prepared episodes' are let go first (after the prepared episodes and episode links are written),
    and the table saved is the one built from every column."""
    seen, build = [], person_year.build

    def recording(episodes, *args, **kwargs):
        seen.append(list(episodes.columns))
        return build(episodes, *args, **kwargs)

    monkeypatch.setattr(person_year, "build", recording)
    saved = store.Store.open()
    version = saved.save(uploads, saved_by="test").version
    assert len(seen) == 1 and "client_id" not in seen[0] and "person" in seen[0]
    monkeypatch.setattr(person_year, "build", build)
    data = store.load_dataset(saved)
    written = pd.read_parquet(version.path / store.PERSON_YEAR_FILE)
    whole = person_year.build(data.episodes, data.years, data.substances)  # with the client ids
    assert "client_id" in data.episodes
    pd.testing.assert_frame_equal(written.reset_index(drop=True), whole.reset_index(drop=True), check_dtype=False,
                                  check_categorical=False)
    derived = set(version.manifest["derived"])
    assert {"prepared_episodes", "episode_links_substances", "episode_links_referrals"} <= derived
