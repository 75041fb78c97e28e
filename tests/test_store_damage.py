"""A store that survives damage (issue 11, item 3): for each fault the app starts, the pages say
what is damaged (the file, and what to do) with no traceback, versions and restore still work,
no saved version is lost, and a damaged CURRENT pointer falls back to the newest complete version,
on which the next save builds."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analysis import store
from analysis.dataset import DEMO_DIR, SYNTHETIC_NOTICE
from analysis.loaders import load_table

ROOT = Path(__file__).resolve().parent.parent
TABLES = ["episodes", "substances", "referrals", "districts", "population"]
PAGES = sorted(p.name for p in (ROOT / "pages").glob("*.py"))


def demo(table: str):
    return load_table(DEMO_DIR / f"{table}.parquet", table)


@pytest.fixture
def saved(tmp_path, monkeypatch) -> store.Store:
    """Two complete versions (v2 replaces the districts table), shown on start."""
    monkeypatch.setenv(store.STORE_ENV, str(tmp_path / "store"))
    s = store.Store.open()
    s.save([store.Upload(demo(t)) for t in TABLES])
    s.save([store.Upload(demo("districts"), mode=store.REPLACE)])
    s.set_preferred_source(store.SAVED)
    return s


def versions_bytes(s: store.Store) -> dict[str, bytes]:
    return {str(p.relative_to(s.root)): p.read_bytes() for p in sorted(s.versions_dir.rglob("*")) if p.is_file()}


def damage(s: store.Store, fault: str) -> str:
    """Apply one fault; return the file name the app must name."""
    v2 = s.versions_dir / "v000002"
    if fault == "current empty":
        (s.root / store.CURRENT_FILE).write_text("")
        return store.CURRENT_FILE
    if fault == "current garbage":
        (s.root / store.CURRENT_FILE).write_bytes(b"\xff\xfe garbage \x00")
        return store.CURRENT_FILE
    if fault == "current names a missing version":
        (s.root / store.CURRENT_FILE).write_text("v000009\n")
        return store.CURRENT_FILE
    if fault == "manifest corrupted":
        (v2 / store.MANIFEST_FILE).write_bytes(b'{"saved_at": "2026-01-01T00:00:00", "tab')
        return store.MANIFEST_FILE
    if fault == "parquet corrupted":
        path = v2 / "episodes.parquet"
        path.unlink()  # a hard link to version 1's file: replace it rather than write through it
        path.write_bytes(b"PAR1 this is not a parquet file PAR1")
        return "episodes.parquet"
    if fault == "mappings corrupted":
        (s.root / store.MAPPINGS_FILE).write_text("{not json")
        return store.MAPPINGS_FILE
    if fault == "settings corrupted":
        (s.root / store.SETTINGS_FILE).write_text("[1, 2")
        return store.SETTINGS_FILE
    raise ValueError(fault)


FAULTS = ["current empty", "current garbage", "current names a missing version", "manifest corrupted",
          "parquet corrupted", "mappings corrupted", "settings corrupted"]


def page_text(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("error", "warning", "info", "markdown", "caption")
                     for e in getattr(at, kind))


def open_app(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page(f"pages/{page}").run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("fault", FAULTS)
def test_each_fault_is_named_on_the_pages_and_no_version_is_lost(saved, fault):
    damage_name = damage(saved, fault)
    before = versions_bytes(saved)
    for page in ("overview.py", "data.py"):
        at = open_app(page)
        text = page_text(at)
        assert damage_name in text, f"{page} does not name {damage_name}: {text[:1500]}"
        assert "Traceback" not in text
    assert versions_bytes(saved) == before  # the app changed no saved version


@pytest.mark.parametrize("fault", ["current empty", "current garbage", "current names a missing version"])
def test_a_damaged_pointer_shows_the_newest_complete_version_and_the_next_save_builds_on_it(saved, fault):
    damage(saved, fault)
    assert saved.current().number == 2
    at = open_app("overview.py")
    assert any("version 2" in i.value for i in at.info), [i.value for i in at.info]  # the banner names it
    assert "newest complete" in page_text(at)
    result = saved.save([store.Upload(demo("prevalence"))])
    assert result.version.number == 3
    assert set(TABLES) <= set(saved.current().tables)  # built on version 2, not on nothing
    assert saved.current_problem() is None


def test_a_damaged_manifest_hides_that_version_only_and_restore_still_works(saved):
    damage(saved, "manifest corrupted")
    assert [v.number for v in saved.versions()] == [1]
    assert saved.current().number == 1
    assert any("Saved version 2 is damaged" in p for p in saved.problems())
    saved.restore(1)
    assert saved.current_problem() is None


def test_a_damaged_table_file_shows_the_demo_says_which_file_and_restore_repairs(saved):
    damage(saved, "parquet corrupted")
    at = open_app("overview.py")
    assert any(SYNTHETIC_NOTICE in w.value for w in at.warning)
    assert any("episodes.parquet" in e.value and "Restore another version" in e.value for e in at.error)
    data = open_app("data.py")
    data.selectbox(key="data_restore_version").set_value(1).run()
    data.button(key="data_restore").click().run()
    assert not data.exception, data.exception
    assert saved.current().number == 1
    fresh = open_app("overview.py")
    assert not fresh.error, [e.value for e in fresh.error]
    assert any("version 1" in i.value for i in fresh.info)


@pytest.mark.parametrize("name", [store.MAPPINGS_FILE, store.SETTINGS_FILE, store.TARGETS_FILE])
def test_a_damaged_settings_file_is_moved_aside_never_lost_when_written_again(saved, name):
    (saved.root / name).write_text("{damaged")
    damaged = (saved.root / name).read_bytes()
    assert any(name in p for p in saved.problems())
    if name == store.MAPPINGS_FILE:
        assert saved.column_map("episodes") == {}
        saved.remember_mappings("episodes", {"Client": "client_id"}, None)
        assert saved.column_map("episodes") == {"Client": "client_id"}
    elif name == store.TARGETS_FILE:
        assert saved.target(store.DEMO) is None
        saved.set_target(store.DEMO, 20, ["Criminal justice"], set_by="tester")
        assert saved.target(store.DEMO).percent == 20
    else:
        assert saved.preferred_source() == store.DEMO
        saved.set_preferred_source(store.SAVED)
        assert saved.preferred_source() == store.SAVED
    kept = list(saved.root.glob(f"{name}.damaged-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == damaged
    assert saved.problems() == []


def test_every_page_runs_and_names_a_damaged_pointer(saved):
    damage(saved, "current garbage")
    for page in PAGES:
        at = open_app(page)
        assert any(store.CURRENT_FILE in e.value for e in at.error), page
