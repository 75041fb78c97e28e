"""The Data page's steps: mapping proposals, unmapped codes, validation report, rejected-rows file."""

from __future__ import annotations

import io
import zipfile

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
    assert (result.rows_read, len(result.data), len(result.rejected)) == (4, 2, 2)
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
# ---------------------------------------------------------------- the whole extract in one pass
@pytest.mark.parametrize(("name", "table"), [
    ("episodes.csv", "episodes"), ("YP_Episodes_2024.csv", "episodes"), ("TreatmentJourneys.xlsx", "episodes"),
    ("Referrals 2023-24.csv", "referrals"), ("drugs.csv", "substances"), ("ONS_MYE_2022.csv", "population"),
    ("district_lookup.csv", "districts"), ("Prevalence.parquet", "prevalence"), ("extract_01.csv", None),
    ("PopulationByDistrict.csv", None),  # names two tables: the columns decide
    ("Drug_episodes.csv", None),
])
def test_a_file_name_names_at_most_one_table(name, table):
    assert intake.table_named(name) == table


EPISODE_HEADERS = ["Client ID", "Episode ID", "Gender", "Age", "LA code", "Service", "Start date", "End date"]


@pytest.mark.parametrize(("name", "rows", "expected"), [
    # local headers, matched by names and synonyms, an unhelpful file name
    ("extract_01.csv", [EPISODE_HEADERS], ("episodes", intake.BY_COLUMNS)),
    ("episodes.csv", [EPISODE_HEADERS], ("episodes", intake.BY_BOTH)),
    # a title row above the header: every top row is tried as the header
    ("extract_02.csv", [["Substances from CaseSys"], ["Episode ID", "Rank", "Drug"]],
     ("substances", intake.BY_COLUMNS)),
    # population with district names is population (5 required columns), not districts (2)
    ("extract_03.csv", [["district_code", "district_name", "year", "sex", "age", "population"]],
     ("population", intake.BY_COLUMNS)),
    ("PopulationByDistrict.csv", [["LAD22CD", "LAD22NM"]], ("districts", intake.BY_COLUMNS)),
    # the name decides when no table's columns are all there; the review then names the missing column
    ("referrals.csv", [["Client ID", "Referral date"]], ("referrals", intake.BY_NAME)),
    # neither: the table with most of its required columns, if at least half
    ("export.csv", [["Client ID", "Episode ID", "Gender", "Age", "LA code", "Start date"]],
     ("episodes", intake.BY_SOME_COLUMNS)),
    ("notes.csv", [["read me"], ["Client ID"]], (None, "")),
])
def test_a_file_is_recognised_as_its_table_by_name_or_columns(name, rows, expected):
    assert intake.recognise_table(name, rows) == expected


def test_a_saved_column_mapping_helps_recognise_the_next_file():
    rows = [["Person", "Journey", "Gender", "Age", "LA code", "Team", "Start date"]]
    assert intake.recognise_table("x.csv", rows) == ("episodes", intake.BY_SOME_COLUMNS)
    saved = {"episodes": {"Person": "client_id", "Journey": "episode_id", "Team": "service"}}
    assert intake.recognise_table("x.csv", rows, saved) == ("episodes", intake.BY_COLUMNS)


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _workbook(sheets: dict[str, pd.DataFrame]) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer) as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    return buffer.getvalue()


def test_an_extract_in_a_zip_a_workbook_and_loose_files_is_split_into_its_tables():
    districts = b"district_code;district_name\nE07000178;Oxford\n"  # semicolons, as Excel writes them in Europe
    archive = _zip({"extract/episodes.csv": CONTENT, "extract/districts.csv": districts,
                    "__MACOSX/extract/._episodes.csv": b"junk", "extract/readme.md": b"# notes", "extract/": b""})
    book = _workbook({"Notes": pd.DataFrame({"notes": ["read me"]}),
                      "Substances": pd.DataFrame({"episode_id": ["E1"], "rank": [1], "substance": ["heroin"]})})
    parts = intake.extract_parts([("yp.zip", archive), ("book.xlsx", book), ("empty.csv", b""),
                                  ("ox.geojson", b"{}"), ("bad.parquet", b"PAR1 not parquet")])
    found = [(p.name, p.table, p.recognised_by, p.problem[:30]) for p in parts]
    assert found == [
        ("yp.zip/extract/episodes.csv", "episodes", intake.BY_NAME, ""),  # "Team" is no known name for service
        ("yp.zip/extract/districts.csv", "districts", intake.BY_BOTH, ""),
        ("yp.zip/extract/readme.md", None, "", "yp.zip/extract/readme.md is no"),
        ("book.xlsx [Notes]", None, "", ""),
        ("book.xlsx [Substances]", "substances", intake.BY_BOTH, ""),
        ("empty.csv", None, "", "empty.csv is empty. Check that"),
        ("ox.geojson", intake.BOUNDARIES, intake.BY_TYPE, ""),
        ("bad.parquet", None, "", "bad.parquet could not be read "),
    ]
    assert parts[0].filename == "episodes.csv" and parts[0].content == CONTENT
    assert parts[4].sheet == "Substances"


def test_a_zipped_shapefile_stays_whole_and_a_huge_member_is_refused():
    shapefile = _zip({"ox.shp": b"x", "ox.dbf": b"x", "ox.shx": b"x"})
    assert intake.unpack([("ox.zip", shapefile)]) == [("ox.zip", "ox.zip", shapefile, "")]
    big = _zip({"episodes.csv": b"0" * 5000})
    [(shown, name, content, problem)] = intake.unpack([("big.zip", big)], max_bytes=1000)
    assert (shown, name, content) == ("big.zip/episodes.csv", "episodes.csv", b"")
    assert problem.startswith("big.zip/episodes.csv (0.0 MB) is larger than the 0.000953674 MB limit")
    [(_, _, _, problem)] = intake.unpack([("broken.zip", b"not a zip")])
    assert problem.startswith("broken.zip could not be opened as a .zip file")


def test_codes_of_every_file_are_listed_once_with_rows_summed_and_service_first():
    raw = intake.preview(CONTENT, "e.csv", "episodes", column_map=COLUMN_MAP)
    table = intake.unmapped_codes_of([("episodes", raw, COLUMN_MAP), ("episodes", raw, COLUMN_MAP)], {})
    # by hand, per file: service ADS 3, YPS 1; sex 2F 2, 1M 2; twice over
    assert list(table[["column", "code", "rows", "must_map"]].itertuples(index=False, name=None)) == [
        ("service", "ADS", 6, True), ("service", "YPS", 2, True), ("sex", "1M", 4, False), ("sex", "2F", 4, False)]
    # each code keeps its suggested group (never applied by itself): ADS's clients are all adults
    assert table.loc[0, "suggested"] == "Adults"
    assert intake.code_choices_for("service") == ["Young people", "Adults", intake.LEAVE_OUT]
    assert intake.code_choices_for("sex")[0] == intake.LEAVE_UNMAPPED


def test_an_unanswered_service_code_holds_its_rows_back_instead_of_rejecting_them():
    part = intake.Part("e.csv", "e.csv", CONTENT, table="episodes")
    raw = intake.preview(CONTENT, "e.csv", "episodes", column_map=COLUMN_MAP)
    choices = {("service", "ADS"): intake.CHOOSE_GROUP, ("service", "YPS"): "Young people",
               ("sex", "1M"): "Male", ("sex", "2F"): intake.LEAVE_UNMAPPED}
    pending = intake.pending_codes(choices)
    assert pending == {"service": {"ADS"}}
    assert intake.codes_sentence(pending) == ("1 service code needs a group before its rows can be checked: "
                                             "see 'Codes' below.")
    code_map = intake.code_map_from_choices({k: v for k, v in choices.items() if v is not intake.CHOOSE_GROUP})
    check = intake.check_part(part, raw, COLUMN_MAP, code_map, pending)
    # by hand: rows 2, 3, 5 are ADS (waiting, whatever else is wrong with them); row 4 (YPS) has a bad age and date
    assert check.waiting == 3 and list(check.rejected["row_number"]) == [4] and len(check.result.data) == 0
    assert check.sentence == "e.csv (episodes): 4 rows read, 0 valid, 3 waiting for a code group, 1 rejected " \
                             "(listed below; download them to fix and upload again)."
    assert intake.save_problem([check], pending) == ("1 service code needs a group before its rows can be checked: "
                                                     "see 'Codes' above.")
    # answered: nothing waits, and the ADS rows are judged (row 3 has a negative age)
    code_map["service"]["ADS"] = "Adults"
    answered = intake.check_part(part, raw, COLUMN_MAP, code_map, {})
    assert answered.waiting == 0 and list(answered.rejected["row_number"]) == [3, 4] and len(answered.result.data) == 2
    assert intake.save_problem([answered], {}) == ""
    assert intake.codes_sentence({"service": {"A", "B"}, "substance": {"C"}}) == (
        "2 service codes and 1 substance code need a group before their rows can be checked: see 'Codes' below.")


def test_restore_offers_the_newest_version_first_named_by_what_it_holds():
    saved = store.Store.open()
    result = intake.read_file(b"district_code,district_name\nE07000178,Oxford\n", "d.csv", "districts")
    saved.save([store.Upload(result)], saved_by="me")
    saved.save([], boundaries=(b'{"type": "FeatureCollection", "features": []}', "ox.geojson"), saved_by="me")
    table = intake.versions_table(saved)
    assert list(table["what was saved"]) == ["boundaries from ox.geojson", "districts from d.csv (add)"]
    choices = intake.restore_choices(table)
    assert list(choices) == [2, 1]
    assert choices[2].startswith("version 2, saved ") and choices[2].endswith(": districts (1) (current)")


def test_rows_waiting_for_a_code_keep_their_row_numbers_after_a_ragged_row():
    # issue 11 item 4: line 3 has one field too many (skipped and rejected alone); line 4's service code
    # waits for a group, so it is waiting, not rejected, although it sits at the 2nd position below the header
    content = (b"client_id,episode_id,sex,age_at_triage,district_code,service,triage_date\n"
               b"C1,E1,M,30,E07000178,adult,2024-05-01\n"
               b"C2,E2,M,30,E07000178,adult,2024-05-01,no fixed abode, Oxford\n"
               b"C3,E3,F,30,E07000178,Nobody knows,2024-05-01\n")
    part = intake.Part("r.csv", "r.csv", content, table="episodes")
    raw = intake.preview(content, "r.csv", "episodes")
    check = intake.check_part(part, raw, {}, {}, {"service": {"Nobody knows"}})
    assert check.waiting == 1
    assert list(check.rejected["row_number"]) == [3]
    assert check.rejected.loc[0, "reason"].startswith("row 3 has 9 fields, the header has 7")
    assert list(check.result.data["episode_id"]) == ["E1"]


def test_a_parquet_extract_is_previewed_with_its_codes_as_categories_and_checked_the_same():
    """issue 12: a Parquet file's code columns are previewed as categories of their text (a national episodes
    preview held 600 MB of text, pickled by Streamlit's cache at a 3.5 GB peak): the same values as the same
    cells in a CSV (failed before: text), and the same codes listed, rows held back and rows rejected."""
    import io

    frame = pd.read_csv(io.BytesIO(CONTENT), dtype=str, keep_default_na=False)
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    content = buffer.getvalue()
    csv_raw = intake.preview(CONTENT, "e.csv", "episodes", column_map=COLUMN_MAP)
    raw = intake.preview(content, "e.parquet", "episodes", column_map=COLUMN_MAP)
    for header in ("Gender", "Team"):
        assert isinstance(raw[header].dtype, pd.CategoricalDtype)
        assert raw[header].astype("string").tolist() == csv_raw[header].tolist()
    assert str(raw["Client Ref"].dtype) == "string"
    pd.testing.assert_frame_equal(intake.unmapped_code_table(raw, "episodes", COLUMN_MAP, {"sex": {"1M": "Male"}}),
                                  intake.unmapped_code_table(csv_raw, "episodes", COLUMN_MAP, {"sex": {"1M": "Male"}}))
    pending = {"service": {"ADS"}}
    checks = [intake.check_part(intake.Part(name, name, data, table="episodes"), preview, COLUMN_MAP, {}, pending)
              for name, data, preview in (("e.parquet", content, raw), ("e.csv", CONTENT, csv_raw))]
    assert checks[0].waiting == checks[1].waiting == 3
    assert checks[0].rejected["row_number"].tolist() == checks[1].rejected["row_number"].tolist() == [4]
