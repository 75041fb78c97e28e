"""The Data page's steps: mapping proposals, unmapped codes, validation report, rejected-rows file."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from analysis import intake, store
from analysis.loaders import BYTES_PER_MB, DEFAULT_MAX_BYTES

HEADER = "Client Ref,Journey ID,Gender,Age,LA code,Team,Start date"
ROWS = [
    "C1,E1,1M,30,E07000178,ADS,01/05/2024",
    "C2,E2,2F,-5,E07000178,ADS,01/05/2024",
    "=HYPERLINK(\"x\"),E3,2F,x,E07000178,YPS,31/02/2024",
    "C4,E4,1M,20,E07000178,ADS,02/05/2024",
]
CONTENT = ("\n".join([HEADER, *ROWS]) + "\n").encode()
COLUMN_MAP = {"Client Ref": "client_id", "Journey ID": "episode_id", "Gender": "sex", "Age": "age_at_triage",
              "LA code": "district_code", "Team": "service", "Start date": "triage_date"}


@pytest.fixture(autouse=True)
def isolated_store(tmp_path, monkeypatch):
    monkeypatch.setenv(store.STORE_ENV, str(tmp_path / "store"))


def test_proposal_uses_the_saved_mapping_first_then_names_and_synonyms():
    headers = ["Client Ref", "Journey ID", "Gender", "Team", "Person ID"]
    proposal = intake.propose_column_map(headers, "episodes", saved={"Team": "service", "Person ID": "client_id",
                                                                     "Gone": "sex"})
    assert proposal == {"service": "Team", "client_id": "Person ID", "episode_id": "Journey ID", "sex": "Gender"}


def test_choices_become_the_loaders_mapping_and_double_use_is_found():
    choices = {"client_id": "Client Ref", "episode_id": "Client Ref", "sex": intake.NOT_IN_FILE}
    assert intake.column_map_from_choices(choices) == {"Client Ref": "episode_id"}
    assert intake.headers_used_twice(choices) == ["Client Ref"]


def test_unmapped_codes_are_counted_over_every_row_of_the_file():
    raw = intake.preview(CONTENT, "e.csv", "episodes", column_map=COLUMN_MAP)
    table = intake.unmapped_code_table(raw, "episodes", COLUMN_MAP, {"sex": {"1M": "Male"}})
    # by hand: sex 2F twice (1M is mapped); service ADS three times and YPS once (its row is rejected for other reasons)
    assert list(table.itertuples(index=False, name=None)) == [("sex", "2F", 2), ("service", "ADS", 3),
                                                               ("service", "YPS", 1)]


def test_code_choices_add_to_the_saved_mapping():
    chosen = intake.code_map_from_choices({("service", "ADS"): "Adults", ("service", "YPS"): intake.LEAVE_UNMAPPED},
                                          saved={"sex": {"1M": "Male"}})
    assert chosen == {"sex": {"1M": "Male"}, "service": {"ADS": "Adults"}}
    assert intake.group_choices("service") == [intake.LEAVE_UNMAPPED, "Young people", "Adults"]


def test_validation_report_per_column_and_rejected_file():
    code_map = {"sex": {"1M": "Male", "2F": "Female"}, "service": {"ADS": "Adults", "YPS": "Young people"}}
    result = intake.read_file(CONTENT, "e.csv", "episodes", column_map=COLUMN_MAP, code_map=code_map)
    assert intake.validation_summary(result).startswith("e.csv: 4 rows read, 2 valid, 2 rejected")
    by_column = intake.problems_by_column(result)
    # by hand: row 3 has a negative age; row 4 has text for the age and an impossible date
    assert dict(zip(by_column["column"], by_column["rows"], strict=True)) == {"age_at_triage": 2, "triage_date": 1}
    assert "triage_date is not a real date" in by_column.set_index("column").loc["triage_date", "reasons"]
    download = pd.read_csv(io.BytesIO(intake.rejected_file(result)), dtype=str, encoding="utf-8-sig")
    assert list(download["row_number"]) == ["3", "4"]
    assert download.loc[1, "Client Ref"] == "'=HYPERLINK(\"x\")"  # a spreadsheet shows it as text
    assert download.loc[0, "Age"] == "'-5"


def test_upload_limit_is_a_setting(monkeypatch):
    assert intake.max_upload_bytes() == DEFAULT_MAX_BYTES
    monkeypatch.setenv(intake.MAX_UPLOAD_ENV, "2")
    assert intake.max_upload_bytes() == 2 * BYTES_PER_MB


def test_versions_table_lists_newest_first_and_marks_the_current(tmp_path):
    saved = store.Store.open()
    result = intake.read_file(b"district_code,district_name\nE07000178,Oxford\n", "d.csv", "districts")
    saved.save([store.Upload(result)], saved_by="me")
    saved.save([store.Upload(result, mode=store.REPLACE)], saved_by="me")
    saved.restore(1)
    table = intake.versions_table(saved)
    assert list(table["version"]) == [2, 1] and list(table["current"]) == ["", "yes"]
    assert table.loc[0, "what was saved"] == "districts from d.csv (replace)"
    assert table.loc[0, "tables (rows)"] == "districts (1)"
