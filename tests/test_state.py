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


@pytest.mark.parametrize("services, expected", [
    (["Young people", "Young people"], "Young people"),
    (["Adults", None], "Adults"),
    (["Young people", "Adults"], "All"),
    ([], "All"),
])
def test_the_service_filter_starts_on_the_only_service_in_the_data(services, expected):
    from analysis.filters import default_service

    assert default_service(services) == expected
