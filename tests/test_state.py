"""App-side choices that are plain functions: which boundaries the Districts page draws."""

import json

import pytest

from analysis import dataset as ds
from analysis.store import Store
from ui import state


@pytest.fixture()
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("DAAT_DASHBOARD_STORE", str(tmp_path / "store"))
    return Store.open()


def test_demo_draws_the_bundled_boundaries(store):
    assert state.district_boundaries(ds.load_demo()) == str(ds.DEMO_BOUNDARIES)


def test_saved_data_draw_the_users_own_boundaries(store):
    mine = json.loads(ds.DEMO_BOUNDARIES.read_text())
    mine["features"] = mine["features"][:2]
    store.save_boundaries(json.dumps(mine), "mine.geojson")
    saved = ds.load_demo()
    saved.is_demo = False
    path = state.district_boundaries(saved)
    assert path != str(ds.DEMO_BOUNDARIES)
    assert len(json.loads(open(path, encoding="utf-8").read())["features"]) == 2


def _saved_like_demo(codes: dict[str, str] | None = None) -> ds.Dataset:
    """The demo tables shown as saved data, with district codes renamed by ``codes``."""
    data = ds.load_demo()
    data.is_demo = False
    if codes:
        data.districts = data.districts.assign(district_code=data.districts["district_code"].replace(codes))
    return data


def test_saved_data_of_another_area_get_no_boundaries_and_no_wards(store):
    other = {code: code.replace("E07", "E06") for code in ds.load_demo().district_names}
    data = _saved_like_demo(other)
    assert state.district_boundaries(data) is None  # never the bundled Oxfordshire file
    assert state.ward_boundaries(data) is None


def test_saved_oxfordshire_data_get_the_bundled_districts_and_wards(store):
    from analysis.loaders import load_table
    from analysis.store import Upload

    store.save([Upload(load_table(ds.DEMO_DIR / "districts.parquet", "districts"))])
    data = _saved_like_demo()
    assert state.district_boundaries(data) == str(ds.DEMO_BOUNDARIES)
    assert state.ward_boundaries(data) == str(ds.DEMO_WARDS)
    assert state.ward_boundaries(ds.load_demo()) == str(ds.DEMO_WARDS)


def test_a_saved_boundary_file_matching_none_of_the_districts_is_not_drawn(store):
    store.save_boundaries(ds.DEMO_BOUNDARIES.read_text(), "oxfordshire.geojson")
    other = {code: code.replace("E07", "E06") for code in ds.load_demo().district_names}
    assert state.district_boundaries(_saved_like_demo(other)) is None


@pytest.mark.parametrize("services, expected", [
    (["Young people", "Young people"], "Young people"),
    (["Adults", None], "Adults"),
    (["Young people", "Adults"], "All"),
    ([], "All"),
])
def test_the_service_filter_starts_on_the_only_service_in_the_data(services, expected):
    from analysis.filters import default_service

    assert default_service(services) == expected


def _held(reference) -> bool:
    import gc

    gc.collect()
    return reference() is not None


def test_the_app_keeps_one_loaded_saved_version_and_drops_it_before_a_save(tmp_path, monkeypatch):
    """A national version takes about 2 GB loaded (issue 12): the app keeps only the one it shows,
    and a save or restore gives it back first (``forget_saved_data``)."""
    import weakref

    from analysis.dataset import DEMO_DIR
    from analysis.loaders import load_table
    from analysis.store import REPLACE, Upload

    monkeypatch.setenv("DAAT_DASHBOARD_STORE", str(tmp_path / "store"))
    saved = Store.open()
    tables = ["episodes", "substances", "referrals", "districts", "population"]
    saved.save([Upload(load_table(DEMO_DIR / f"{t}.parquet", t)) for t in tables])
    saved.save([Upload(load_table(DEMO_DIR / "districts.parquet", "districts"), mode=REPLACE)])
    state.forget_saved_data()
    first = weakref.ref(state._saved(str(saved.root), 1))
    assert _held(first)
    assert state._saved(str(saved.root), 1) is first()  # kept while it is the one shown
    second = weakref.ref(state._saved(str(saved.root), 2))
    assert not _held(first)  # the version shown before is not kept beside it
    assert _held(second)
    state.forget_saved_data()
    assert not _held(second)


def test_a_restore_gives_back_the_loaded_version_before_it_runs(tmp_path, monkeypatch):
    import weakref

    from analysis.dataset import DEMO_DIR
    from analysis.loaders import load_table
    from analysis.store import Upload
    from ui import upload

    monkeypatch.setenv("DAAT_DASHBOARD_STORE", str(tmp_path / "store"))
    saved = Store.open()
    tables = ["episodes", "substances", "referrals", "districts", "population"]
    saved.save([Upload(load_table(DEMO_DIR / f"{t}.parquet", t)) for t in tables])
    shown = weakref.ref(state._saved(str(saved.root), 1))
    seen = []
    upload._run(lambda: seen.append(_held(shown)) or saved.restore(1), "Restored.", show_saved=False, event="restore")
    assert seen == [False]  # the restore ran with the loaded version already given back
