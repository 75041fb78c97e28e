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
    assert list(table[["column", "code", "rows"]].itertuples(index=False, name=None)) == [
        ("sex", "2F", 2), ("service", "ADS", 3), ("service", "YPS", 1)]
    # suggestions, never applied by themselves: 2F is closest to the known label "f"; ADS's clients with a
    # possible age are 30 and 20 (the -5 is ignored), all 18 or over; YPS's only age is "x"
    assert table["suggested"].tolist() == ["Female", "Adults", ""]
    assert table["why"].tolist() == ["closest known label: 'f'", "its clients are aged 20 to 30 (median 25)",
                                     "no ages recorded for its clients"]


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


@pytest.mark.parametrize(("ages", "group"), [
    ([11, 14, 17, 24], "Young people"),  # all under 25 and the median (15.5) under 18
    ([11, 17, 18, 24, 25], None),  # one client of 25: neither, the user chooses
    ([16, 18, 19, 20], None),  # median 18.5: not mostly under 18, and a 16-year-old is no adult
    ([18, 30, 64], "Adults"),
    ([], None),
])
def test_service_group_is_proposed_from_its_clients_ages(ages, group):
    assert intake.propose_service_group(pd.Series(ages, dtype="float64"))[0] == group


def test_local_service_name_is_proposed_from_ages_computed_from_dates_of_birth():
    content = ("Client ID,Episode ID,Gender,DOB,District,Service,Triage date\n"
               "C1,E1,Male,15/06/2007,,Oxon Youth Team,15/06/2023\n"  # 16
               "C2,E2,Male,16/06/2008,,Oxon Youth Team,15/06/2024\n"  # 15
               "C3,E3,Male,01/01/1980,,Turning Point Oxford,15/06/2024\n"  # 44
               "C4,E4,Male,01/01/1990,,Turning Point Oxford,15/06/2024\n").encode()  # 34
    raw = intake.preview(content, "e.csv", "episodes")
    column_map = intake.column_map_from_choices(intake.propose_column_map(raw.columns, "episodes"))
    table = intake.unmapped_code_table(raw, "episodes", column_map, {})
    assert table[["code", "suggested", "why"]].values.tolist() == [
        ["Oxon Youth Team", "Young people", "its clients are aged 15 to 16 (median 15.5)"],
        ["Turning Point Oxford", "Adults", "its clients are aged 34 to 44 (median 39)"],
    ]
    # a suggestion is not applied: without the user's choice the rows are still rejected
    assert intake.read_file(content, "e.csv", "episodes", column_map=column_map).data.empty


def test_service_ages_use_the_age_given_else_the_date_of_birth():
    content = ("Client ID,Episode ID,Gender,Age,DOB,District,Service,Triage date\n"
               "C1,E1,Male,30,,,Team A,15/06/2023\n"  # 30 as given
               "C2,E2,Male,,01/01/2000,,Team A,15/06/2024\n").encode()  # no age: 24 from the date of birth
    raw = intake.preview(content, "e.csv", "episodes")
    column_map = intake.column_map_from_choices(intake.propose_column_map(raw.columns, "episodes"))
    table = intake.unmapped_code_table(raw, "episodes", column_map, {})
    assert table[["code", "suggested", "why"]].values.tolist() == [
        ["Team A", "Adults", "its clients are aged 24 to 30 (median 27)"]]
