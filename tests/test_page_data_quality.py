"""The Data quality page, from app.py: its findings and tables equal the page model on the same data,
no count 1-4 is shown, and with saved data it reports the rows rejected at load."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analysis import store
from analysis.dataset import DEMO_DIR, load_demo
from analysis.filters import Filters
from analysis.loaders import load_table
from analysis.periods import FinancialYear
from analysis.suppression import is_disclosive
from analysis.views.data_quality import data_quality, nothing_found_sentence

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def isolated_store(tmp_path, monkeypatch):
    monkeypatch.setenv(store.STORE_ENV, str(tmp_path / "store"))
    return tmp_path / "store"


def open_page(**selection: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for key, value in selection.items():
        at.session_state[key] = value
    at.switch_page("pages/data_quality.py").run()
    assert not at.exception, at.exception
    return at


def tables(at: AppTest) -> list[pd.DataFrame]:
    return [df.value for df in at.dataframe]


def test_findings_and_tables_equal_the_page_model_on_the_demo():
    at = open_page(year="2023/24", compare="2022/23", service="Young people")
    expected = data_quality(load_demo(), FinancialYear(2023), FinancialYear(2022), Filters(service="Young people"),
                            today=datetime.date.today().isoformat())
    markdown = [m.value for m in at.markdown]
    for finding in expected.findings:
        assert f"- {finding}" in markdown
    for check in expected.checks:
        if check.found:  # each sentence once, under its check's title (not repeating it)
            assert check.detail in markdown
            assert check.sentence not in markdown
        else:  # checks that found nothing: named together on one line
            assert check.title in nothing_found_sentence(expected.checks, FinancialYear(2023), FinancialYear(2022))
    assert nothing_found_sentence(expected.checks, FinancialYear(2023), FinancialYear(2022)) in markdown
    # the completeness findings are listed once (not again as the chart's caption)
    captions = [c.value for c in at.caption]
    assert not any(finding in caption for finding in expected.findings for caption in captions)
    shown = tables(at)
    assert any(t.equals(expected.completeness_table) for t in shown)
    assert any(t.equals(expected.completeness_by_year) for t in shown)
    # the record lists are hidden until asked for
    referrals = next(c for c in expected.checks if c.id == "unmatched_referrals")
    assert not any(t.equals(referrals.records) for t in shown)
    at.toggle(key="quality_show_records").set_value(True).run()
    assert any(t.equals(referrals.records.reset_index(drop=True)) for t in tables(at))


def test_no_count_from_1_to_4_is_shown_for_a_small_selection():
    at = open_page(year="2024/25", compare="2023/24", service="Young people", district="E07000181", sex="Female")
    for table in tables(at):
        counts = [c for c in table.columns if c.startswith(("20", "Count", "Records"))]
        for column in counts:
            numbers = pd.to_numeric(table[column].astype(str).str.replace(",", ""), errors="coerce")
            assert not is_disclosive(numbers.dropna()), (column, table)


def test_saved_data_report_the_rows_rejected_at_load(tmp_path):
    tables_needed = ["episodes", "substances", "referrals", "districts", "population"]
    saved = store.Store.open()
    uploads = [store.Upload(load_table(DEMO_DIR / f"{t}.parquet", t)) for t in tables_needed]
    episodes = pd.read_parquet(DEMO_DIR / "episodes.parquet").head(3)
    repeated = pd.concat([episodes, episodes.iloc[[0]]], ignore_index=True)  # row 5 repeats row 2's episode_id
    path = tmp_path / "repeat.csv"
    repeated.to_csv(path, index=False)
    uploads.append(store.Upload(load_table(path, "episodes")))
    saved.save(uploads)
    saved.set_preferred_source(store.SAVED)
    at = open_page()
    assert "Fewer than 5 rows to check." in [m.value for m in at.markdown]
    assert "Duplicate identifiers (rejected at load)" in [h.value for h in at.header]  # a check that found rows
    at.toggle(key="quality_show_records").set_value(True).run()
    records = next(t for t in tables(at) if "record" in t.columns and "row 5 of repeat.csv" in set(t["record"]))
    assert "duplicate episode_id" in set(records["problem"])


def test_saved_data_with_a_client_of_two_sexes_and_an_unknown_population_district_are_flagged_on_the_page():
    # issue 11 item 4: eight clients of the demo given a second sex on a later episode (hand-built), and a
    # population district code that is in no districts row: the page counts them (8 + 1 = 9 records)
    episodes = pd.read_parquet(DEMO_DIR / "episodes.parquet")
    repeat = episodes[episodes["client_id"].duplicated(keep=False) & episodes["sex"].isin(["M", "F"])]
    clients = list(dict.fromkeys(repeat["client_id"]))[:8]
    for client in clients:  # the client's last episode gets the other sex
        last = episodes.index[episodes["client_id"] == client][-1]
        episodes.loc[last, "sex"] = {"M": "F", "F": "M"}[episodes.loc[episodes.index[episodes["client_id"] == client][0], "sex"]]
    population = pd.read_parquet(DEMO_DIR / "population.parquet")
    extra = population.iloc[:1].assign(district_code="E09999999")
    frames = {"episodes": episodes, "population": pd.concat([population, extra], ignore_index=True)}
    uploads = []
    for table in ("episodes", "substances", "referrals", "districts", "population"):
        if table in frames:
            buffer = io.BytesIO()
            frames[table].to_parquet(buffer, index=False)
            uploads.append(store.Upload(load_table(io.BytesIO(buffer.getvalue()), table, filename=f"{table}.parquet")))
        else:
            uploads.append(store.Upload(load_table(DEMO_DIR / f"{table}.parquet", table)))
    saved = store.Store.open()
    saved.save(uploads)
    saved.set_preferred_source(store.SAVED)
    at = open_page()
    # the check's title as its heading, then its sentence without the title
    assert "Records that contradict each other" in [h.value for h in at.header]
    assert "9 records to check." in [m.value for m in at.markdown]
    table = next(df for df in tables(at) if "Problem" in df.columns and "Count" in df.columns
                 and "client recorded with more than one sex" in set(df["Problem"]))
    # the 1 is hidden, and so is the 8 beside it (secondary suppression: else 9 - 8 would give the 1 away)
    assert dict(zip(table["Problem"], table["Count"], strict=True)) == {
        "client recorded with more than one sex": "*", "district code not in the districts table": "*"}
    at.toggle(key="quality_show_records").set_value(True).run()  # the record-level list, for the data owner
    records = next(df for df in tables(at) if "record" in df.columns and "client recorded with more than one sex"
                   in set(df["problem"]))
    assert sorted(records.loc[records["problem"] == "client recorded with more than one sex", "record"]) == sorted(clients)
