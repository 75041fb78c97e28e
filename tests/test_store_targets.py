"""Targets kept in the store (GLOSSARY "Key referring agencies"): none until the user sets one, then
stored atomically with who set it and when, per data set ("demo" or "saved"), surviving new versions."""

from __future__ import annotations

import json
import os

import pandas as pd
import pytest

from analysis import store
from analysis.dataset import DEMO_DIR, load_demo
from analysis.loaders import load_table


@pytest.fixture(autouse=True)
def isolated_store(tmp_path, monkeypatch):
    monkeypatch.setenv(store.STORE_ENV, str(tmp_path / "store"))
    return tmp_path / "store"


def test_no_target_until_one_is_set():
    assert store.Store.open().target(store.DEMO) is None
    assert store.Store.open().target(store.SAVED) is None


def test_a_target_is_stored_with_who_and_when_and_read_back_after_reopening(isolated_store):
    before = pd.Timestamp.now().floor("s")
    store.Store.open().set_target(store.DEMO, 20, ["Education", "GP"], set_by="  A. Analyst ")
    target = store.Store.open().target(store.DEMO)
    assert (target.percent, target.groups, target.set_by) == (20.0, ("Education", "GP"), "A. Analyst")
    assert before <= target.set_at <= pd.Timestamp.now()
    assert target.sentence.startswith("Target 20% set by A. Analyst on ")
    on_disk = json.loads((isolated_store / store.TARGETS_FILE).read_text())
    assert on_disk["demo"][store.KEY_REFERRAL_TARGET]["current"]["percent"] == 20.0
    assert store.Store.open().target(store.SAVED) is None  # the demo's target is not the saved data's


def test_without_a_name_the_operating_system_user_is_recorded(monkeypatch):
    monkeypatch.setattr(store.getpass, "getuser", lambda: "osuser")
    assert store.Store.open().set_target(store.SAVED, 12.5, ["GP"], set_by="").set_by == "osuser"


def test_changes_and_clearing_are_kept_in_the_history():
    s = store.Store.open()
    s.set_target(store.SAVED, 20, ["GP"], set_by="one")
    s.set_target(store.SAVED, 25, ["GP", "Education"], set_by="two")
    assert s.target(store.SAVED).percent == 25.0
    s.clear_target(store.SAVED, cleared_by="three")
    assert s.target(store.SAVED) is None
    history = s.target_history(store.SAVED)
    assert [(h["action"], h["set_by"]) for h in history] == [("set", "one"), ("set", "two"), ("cleared", "three")]
    assert history[1]["percent"] == 25.0 and history[1]["groups"] == ["GP", "Education"]


@pytest.mark.parametrize("percent, groups, message", [
    (120, ["GP"], "from 0 to 100, not 120"),
    (-1, ["GP"], "from 0 to 100, not -1"),
    ("lots", ["GP"], "not 'lots'"),
    (20, [], "at least one key referring agency"),
])
def test_a_bad_target_is_refused_and_the_stored_one_kept(isolated_store, percent, groups, message):
    s = store.Store.open()
    s.set_target(store.DEMO, 20, ["GP"], set_by="me")
    before = (isolated_store / store.TARGETS_FILE).read_bytes()
    with pytest.raises(store.StoreError, match=message):
        s.set_target(store.DEMO, percent, groups, set_by="me")
    assert (isolated_store / store.TARGETS_FILE).read_bytes() == before


def test_a_write_that_fails_half_way_leaves_the_earlier_target(isolated_store, monkeypatch):
    s = store.Store.open()
    s.set_target(store.DEMO, 20, ["GP"], set_by="me")
    before = (isolated_store / store.TARGETS_FILE).read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(store.os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        s.set_target(store.DEMO, 30, ["GP"], set_by="me")
    monkeypatch.undo()
    assert (isolated_store / store.TARGETS_FILE).read_bytes() == before
    assert [p.name for p in isolated_store.iterdir() if p.name.startswith(store.TMP_PREFIX)] == []
    assert s.target(store.DEMO).percent == 20.0


def test_a_target_for_the_saved_data_survives_a_new_version():
    s = store.Store.open()
    s.set_target(store.SAVED, 20, ["GP"], set_by="me")
    s.save([store.Upload(load_table(DEMO_DIR / "districts.parquet", "districts"))])
    assert s.target(store.SAVED).percent == 20.0


def test_data_key():
    demo = load_demo()
    assert store.data_key(demo) == store.DEMO
    demo.is_demo = False
    assert store.data_key(demo) == store.SAVED
    assert os.path.basename(store.TARGETS_FILE) == "targets.json"
