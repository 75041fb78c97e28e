"""Targets through the Data page (issue 13: the targets table is "entered on the Data page or uploaded"): typed
or uploaded with the Benchmarks page's own controls (ui.indicator_targets), validated with the file, row and
column named, stored with who set them and when, and recorded in the audit log. The NI 40 example: baseline
903; targets 957, 967 and 978 for 2024/25 to 2026/27."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from analysis import access, store
from tests.apptest_support import ROOT

NI40 = [{"indicator": "effective_treatment", "period": period, "target": target, "source": "Treatment plan"}
        for period, target in (("2024/25", 957), ("2025/26", 967), ("2026/27", 978))]


@pytest.fixture(autouse=True)
def isolated_store(tmp_path, monkeypatch):
    monkeypatch.setenv(store.STORE_ENV, str(tmp_path / "store"))
    return tmp_path / "store"


def data_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("pages/data.py").run()
    assert not at.exception, at.exception
    return at


def audit_details(root) -> list[str]:
    log = access.read_audit(root)
    return list(log.loc[log["action"] == "targets", "detail"])


def test_targets_typed_on_the_data_page_are_stored_audited_and_reach_the_benchmarks_page(isolated_store):
    at = data_page()
    assert "Targets" in [h.value for h in at.main.header]
    assert any("No targets set" in m.value for m in at.markdown)
    at.session_state["data_targets_editor_frame"] = NI40
    at.text_input(key="data_targets_by").set_value("A. Analyst")
    at.button(key="data_targets_save").click().run()
    assert not at.exception, at.exception
    saved = store.Store.open().indicator_targets(store.DEMO)
    assert saved["set_by"] == "A. Analyst"
    assert [(r["period"], r["target"]) for r in saved["rows"]] == [("2024/25", 957), ("2025/26", 967), ("2026/27", 978)]
    assert any("Targets set by A. Analyst on" in t.value for t in at.text)
    assert audit_details(isolated_store) == [
        "indicator targets set for the demo data (typed) by A. Analyst: 3 row(s): effective_treatment 2024/25 957, "
        "effective_treatment 2025/26 967, effective_treatment 2026/27 978"]
    # the same stored targets on the Benchmarks and targets page: the demo's 2024/25 figure against 957
    at.switch_page("pages/benchmarks.py").run()
    assert not at.exception, at.exception
    assert any("target of 957 people in effective treatment is reached" in m.value for m in at.markdown)
    # cleared on the Data page: gone, and the clearing is audited too
    at.switch_page("pages/data.py").run()
    at.text_input(key="data_targets_by").set_value("A. Analyst")  # a widget's value is not kept across pages
    at.button(key="data_targets_clear").click().run()
    assert store.Store.open().indicator_targets(store.DEMO) is None
    assert audit_details(isolated_store)[0] == "indicator targets cleared for the demo data by A. Analyst"


def test_an_uploaded_targets_file_names_the_file_row_and_column_of_a_problem(isolated_store):
    at = data_page()
    bad = b"Indicator,Period,Target,Source\neffective_treatment,2024/25,957,Plan\neffective_treatment,2025/27,967,Plan\n"
    at.file_uploader(key="data_targets_file").set_value(("ni40.csv", bad, "text/csv")).run()
    at.button(key="data_targets_save").click().run()
    assert not at.exception, at.exception
    warning = " ".join(w.value for w in at.warning)
    assert "ni40.csv: Row 2:" in warning and "not a financial year" in warning and "(column 'Period')" in warning
    assert store.Store.open().indicator_targets(store.DEMO) is None and audit_details(isolated_store) == []
    good = bad.replace(b"2025/27", b"2025/26")
    at.file_uploader(key="data_targets_file").set_value(("ni40.csv", good, "text/csv")).run()
    at.button(key="data_targets_save").click().run()
    saved = store.Store.open().indicator_targets(store.DEMO)
    assert [(r["period"], r["target"]) for r in saved["rows"]] == [("2024/25", 957), ("2025/26", 967)]
    assert "(uploaded from ni40.csv)" in audit_details(isolated_store)[0]
    assert not any("ni40.csv: Row" in w.value for w in at.warning)
