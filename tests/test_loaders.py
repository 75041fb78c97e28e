"""Tests of analysis.loaders: real files written to tmp_path and read through the real loader."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal, assert_series_equal

from analysis.codes import UNMAPPED
from analysis.errors import FileProblem, MissingColumnError
from analysis.loaders import (
    DEFAULT_MAX_BYTES,
    EmptyFileError,
    FileTooLargeError,
    LoadResult,
    UnknownTableError,
    UnreadableFileError,
    load_boundaries,
    load_table,
    read_raw,
    suggest_column_map,
)

HEADER = [
    "client_id", "episode_id", "sex", "age_at_triage", "district_code", "service", "triage_date", "discharge_date"
]
# Three valid episodes; the expected typed values below are written out by hand.
ROWS = [
    ["C001", "E1", "M", "34", "E07000178", "adult", "05/01/2024", "2024-03-01"],
    ["C002", "E2", "F", "16", "", "young_people", "2024-02-10", ""],
    ["007", "E3", "X", "0", "E07000179", "adult", "31/12/2023", "01/04/2024"],
]


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def write_csv(path: Path, rows: list[list[str]], sep: str = ",", encoding: str = "utf-8") -> Path:
    path.write_text("\n".join(sep.join(r) for r in rows) + "\n", encoding=encoding)
    return path


def assert_invariant(result: LoadResult) -> None:
    assert len(result.data) + result.rejected["row_number"].nunique() == result.rows_read


def assert_good_episodes(result: LoadResult) -> None:
    assert result.rejected.empty
    assert result.rows_read == 3
    data = result.data
    assert data["client_id"].tolist() == ["C001", "C002", "007"]  # leading zeros kept
    assert str(data["client_id"].dtype) == "string"
    assert data["age_at_triage"].tolist() == [34, 16, 0]
    assert str(data["age_at_triage"].dtype) == "Int16"  # held small (issue 12): the same values
    assert data["triage_date"].tolist() == [ts("2024-01-05"), ts("2024-02-10"), ts("2023-12-31")]
    assert data["triage_date"].dtype == "datetime64[ns]"
    assert data["discharge_date"].iloc[0] == ts("2024-03-01")
    assert pd.isna(data["discharge_date"].iloc[1])  # open episode kept
    assert data["discharge_date"].iloc[2] == ts("2024-04-01")
    assert pd.isna(data["district_code"].iloc[1])  # district not known: kept
    assert data["sex_group"].astype(str).tolist() == ["Male", "Female", "Other / not stated"]
    assert data["service_group"].astype(str).tolist() == ["Adults", "Young people", "Adults"]
    assert data["service"].tolist() == ["adult", "young_people", "adult"]
    assert_invariant(result)


# ---------------------------------------------------------------- formats
@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_csv_with_any_separator(tmp_path: Path, sep: str) -> None:
    path = write_csv(tmp_path / "episodes.csv", [HEADER, *ROWS], sep=sep)
    result = load_table(path, "episodes")
    assert_good_episodes(result)
    assert result.table == "episodes"
    assert result.source_name == "episodes.csv"


def test_csv_with_byte_order_mark(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bom.csv", [HEADER, *ROWS], encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert_good_episodes(load_table(path, "episodes"))


def test_windows_1252_csv_is_read_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "districts.csv"
    path.write_bytes("district_code,district_name\nE1,Café £ town\nE2,Oxford\n".encode("cp1252"))
    result = load_table(path, "districts")
    assert result.data["district_name"].tolist() == ["Café £ town", "Oxford"]
    assert any("Windows-1252" in w for w in result.warnings)


def test_utf8_csv_gives_no_encoding_warning(tmp_path: Path) -> None:
    path = tmp_path / "districts.csv"
    path.write_text("district_code,district_name\nE1,Café £ town\n", encoding="utf-8")
    result = load_table(path, "districts")
    assert result.data["district_name"].tolist() == ["Café £ town"]
    assert not any("Windows-1252" in w for w in result.warnings)


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def typed_rows() -> list[list[object]]:
    """ROWS as Excel would hold them: numbers as numbers, some dates as real dates."""
    return [
        ["C001", "E1", "M", 34, "E07000178", "adult", pd.Timestamp("2024-01-05").to_pydatetime(), "2024-03-01"],
        ["C002", "E2", "F", 16, None, "young_people", "2024-02-10", None],
        ["007", "E3", "X", 0, "E07000179", "adult", "31/12/2023", pd.Timestamp("2024-04-01").to_pydatetime()],
    ]


def test_xlsx_first_sheet(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "episodes.xlsx", {"Episodes": [HEADER, *typed_rows()], "Other": [["x"]]})
    assert_good_episodes(load_table(path, "episodes"))


def test_xlsx_named_sheet(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "book.xlsx", {"Notes": [["nothing here"]], "Episodes": [HEADER, *typed_rows()]})
    assert_good_episodes(load_table(path, "episodes", sheet="Episodes"))


def test_xlsx_missing_sheet_names_the_sheets(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "book.xlsx", {"Episodes": [HEADER, *typed_rows()]})
    with pytest.raises(UnreadableFileError, match="no sheet called 'Data'.*Episodes"):
        load_table(path, "episodes", sheet="Data")


def test_parquet_with_typed_columns(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "client_id": ["C001", "C002", "007"],
            "episode_id": ["E1", "E2", "E3"],
            "sex": ["M", "F", "X"],
            "age_at_triage": [34, 16, 0],
            "district_code": ["E07000178", None, "E07000179"],
            "service": ["adult", "young_people", "adult"],
            "triage_date": pd.to_datetime(["2024-01-05", "2024-02-10", "2023-12-31"]),
            "discharge_date": pd.to_datetime(["2024-03-01", None, "2024-04-01"]),
        }
    )
    path = tmp_path / "episodes.parquet"
    frame.to_parquet(path)
    assert_good_episodes(load_table(path, "episodes"))


def test_parquet_date_columns_load_as_the_same_csv_does(tmp_path: Path) -> None:
    """Parquet ``date`` columns (read as their yyyy-mm-dd text, issue 12) give what the same cells in a CSV
    give: the dates, a missing date, and a date before 1678 rejected with its cell shown as written."""
    import datetime

    import pyarrow as pa
    import pyarrow.parquet as pq

    dates = [datetime.date(2024, 4, 1), None, datetime.date(1, 1, 1), datetime.date(2025, 3, 31)]
    table = pa.table({"episode_id": ["E1", "E2", "E3", "E4"],
                      "intervention": ["psychosocial", "psychosocial", "harm_reduction", "psychosocial"],
                      "start_date": pa.array([datetime.date(2024, 1, 1)] * 4, pa.date32()),
                      "end_date": pa.array(dates, pa.date32())})
    pq.write_table(table, tmp_path / "interventions.parquet")
    (tmp_path / "interventions.csv").write_text(
        "episode_id,intervention,start_date,end_date\nE1,psychosocial,2024-01-01,2024-04-01\n"
        "E2,psychosocial,2024-01-01,\nE3,harm_reduction,2024-01-01,0001-01-01\nE4,psychosocial,2024-01-01,2025-03-31\n")
    parquet = load_table(tmp_path / "interventions.parquet", "interventions")
    csv = load_table(tmp_path / "interventions.csv", "interventions")
    assert list(parquet.data["end_date"]) == [pd.Timestamp("2024-04-01"), pd.NaT, pd.Timestamp("2025-03-31")]
    pd.testing.assert_frame_equal(parquet.data, csv.data)
    assert parquet.rejected[["row_number", "column", "value", "reason"]].to_dict("records") == [
        {"row_number": 4, "column": "end_date", "value": "0001-01-01",
         "reason": "end_date is before 22/09/1677 or after 11/04/2262, outside the dates the dashboard can hold "
                   "(check the year)"}]
    assert parquet.rejected["end_date"].tolist() == ["0001-01-01"]  # the cell as written in the file


def test_a_date_the_dashboard_cannot_hold_rejects_its_row_and_does_not_stop_the_file(tmp_path: Path) -> None:
    """Years before 1678 or after 2261 (pandas' nanosecond dates) stopped the whole file with an
    out-of-bounds error, in a CSV, an .xlsx and a Parquet timestamp column alike: now the row is rejected with
    its reason and the other rows load."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    reason = ("start_date is before 22/09/1677 or after 11/04/2262, outside the dates the dashboard can hold "
              "(check the year)")
    (tmp_path / "interventions.csv").write_text(
        "episode_id,intervention,start_date\nE1,psychosocial,01/01/0001\nE2,psychosocial,2024-01-01\n"
        "E3,psychosocial,9999-12-31\n")
    table = pa.table({"episode_id": ["E1", "E2", "E3"], "intervention": ["psychosocial"] * 3,
                      "start_date": pa.array([-62135596800, 1704067200, 253402214400], pa.timestamp("s"))})
    pq.write_table(table, tmp_path / "interventions.parquet")
    for name in ("interventions.csv", "interventions.parquet"):
        result = load_table(tmp_path / name, "interventions")
        assert list(result.data["episode_id"]) == ["E2"], name
        assert list(result.data["start_date"]) == [pd.Timestamp("2024-01-01")], name
        assert list(result.rejected["row_number"]) == [2, 4], name
        assert list(result.rejected["reason"]) == [reason, reason], name


def test_format_sniffed_from_content_when_extension_is_missing(tmp_path: Path) -> None:
    frame = pd.DataFrame({"district_code": ["E1"], "district_name": ["Oxford"]})
    parquet = tmp_path / "upload_parquet"
    frame.to_parquet(parquet)
    excel = write_xlsx(tmp_path / "upload_excel", {"S": [["district_code", "district_name"], ["E1", "Oxford"]]})
    for path in (parquet, excel):
        assert load_table(path, "districts").data["district_name"].tolist() == ["Oxford"]


def test_file_object_with_name(tmp_path: Path) -> None:
    text = "\n".join(",".join(r) for r in [HEADER, *ROWS]).encode("utf-8")
    upload = io.BytesIO(text)
    upload.name = "uploaded.csv"
    result = load_table(upload, "episodes")
    assert_good_episodes(result)
    assert result.source_name == "uploaded.csv"


def test_filename_names_an_unnamed_file_object() -> None:
    upload = io.BytesIO(b"district_code,district_name\nE1,Oxford\n")
    result = load_table(upload, "districts", filename="mine.csv")
    assert result.source_name == "mine.csv"
    assert result.data["district_code"].tolist() == ["E1"]


def test_uk_and_iso_dates_give_the_same_day(tmp_path: Path) -> None:
    rows = [
        ["episode_id", "intervention", "start_date", "end_date"],
        ["E1", "psychosocial", "2024-03-07", "07/03/2024"],
        ["E2", "psychosocial", "7/3/2024", "2024-3-7"],
    ]
    result = load_table(write_csv(tmp_path / "i.csv", rows), "interventions")
    expected = pd.Series([ts("2024-03-07")] * 2, name="start_date", dtype="datetime64[ns]")
    assert_series_equal(result.data["start_date"], expected)
    assert_series_equal(result.data["end_date"], expected.rename("end_date"))


def test_day_first_dates_with_dashes_dots_and_month_names(tmp_path: Path) -> None:
    rows = [["episode_id", "intervention", "start_date"], ["E1", "psychosocial", "07-03-2024"],
            ["E2", "psychosocial", "07.03.2024"], ["E3", "psychosocial", "7 Mar 2024"],
            ["E4", "psychosocial", "07-Mar-2024"], ["E5", "psychosocial", "7 March 2024"],
            ["E6", "psychosocial", "31-02-2024"]]
    result = load_table(write_csv(tmp_path / "i.csv", rows), "interventions")
    assert result.data["start_date"].tolist() == [ts("2024-03-07")] * 5
    assert result.rejected["row_number"].tolist() == [7]
    assert "not a real date" in result.rejected.loc[0, "reason"]


def test_us_month_first_date_is_rejected_not_guessed(tmp_path: Path) -> None:
    rows = [["episode_id", "intervention", "start_date"], ["E1", "psychosocial", "12/25/2024"]]
    result = load_table(write_csv(tmp_path / "i.csv", rows), "interventions")
    assert result.data.empty
    assert result.rejected.loc[0, "column"] == "start_date"
    assert "not a real date" in result.rejected.loc[0, "reason"]


# ---------------------------------------------------------------- whole-file problems
def test_missing_required_column_names_column_and_file(tmp_path: Path) -> None:
    header = [h for h in HEADER if h != "service"]
    rows = [[v for h, v in zip(HEADER, r) if h != "service"] for r in ROWS]
    path = write_csv(tmp_path / "episodes_2024.csv", [header, *rows])
    with pytest.raises(MissingColumnError) as info:
        load_table(path, "episodes")
    message = str(info.value)
    assert "service" in message
    assert "episodes_2024.csv" in message
    assert "client_id" in message  # the columns found are listed
    assert "map it on the Data page" in message


def test_synonym_headers_are_read_without_a_mapping(tmp_path: Path) -> None:
    header = ["Gender" if h == "sex" else h for h in HEADER]
    path = write_csv(tmp_path / "e.csv", [header, *ROWS])
    result = load_table(path, "episodes")
    assert_good_episodes(result)
    assert any("'Gender' as sex" in w for w in result.warnings)


def test_missing_column_message_points_at_a_close_header(tmp_path: Path) -> None:
    header = ["Gendr" if h == "sex" else h for h in HEADER]
    path = write_csv(tmp_path / "e.csv", [header, *ROWS])
    with pytest.raises(MissingColumnError, match="'Gendr' looks like sex"):
        load_table(path, "episodes")


def test_column_map_supplies_and_overrides_columns(tmp_path: Path) -> None:
    header = ["Gender" if h == "sex" else h for h in HEADER] + ["sex"]
    rows = [r + ["not used"] for r in ROWS]
    path = write_csv(tmp_path / "e.csv", [header, *rows])
    result = load_table(path, "episodes", column_map={"Gender": "sex"})
    assert_good_episodes(result)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(EmptyFileError, match="empty.csv is empty"):
        load_table(path, "episodes")


def test_header_only_file_has_no_data_rows(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "header.csv", [HEADER, [""] * 0])
    with pytest.raises(EmptyFileError, match="no data rows"):
        load_table(path, "episodes")


def test_oversize_file_states_the_limit_in_mb(tmp_path: Path) -> None:
    one_mb = 1024 * 1024
    # 30,000 copies of a 38-byte row: 1,140,000 bytes, which is 1.09 MB of 1,048,576 bytes
    path = write_csv(tmp_path / "big.csv", [HEADER] + [ROWS[0]] * 30_000)
    size = path.stat().st_size
    assert one_mb < size < 2 * one_mb
    with pytest.raises(FileTooLargeError, match=r"big\.csv \(1\.\d MB\) is larger than the 1 MB limit"):
        load_table(path, "episodes", max_bytes=one_mb)
    upload = io.BytesIO(path.read_bytes())
    upload.name = "big.csv"
    with pytest.raises(FileTooLargeError, match="1 MB limit"):
        load_table(upload, "episodes", max_bytes=one_mb)
    assert DEFAULT_MAX_BYTES == 200 * 1024 * 1024


def test_unknown_table() -> None:
    with pytest.raises(UnknownTableError, match="no table called 'clients'.*episodes"):
        load_table(io.BytesIO(b"a\n1\n"), "clients")


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("old.xls", b"\xd0\xcf\x11\xe0", "97-2003"),
        ("blob.bin", b"\x00\x01\x02garbage", "not a CSV, .xlsx or Parquet"),
        ("broken.xlsx", b"not a zip at all", "could not be read as an Excel"),
        ("broken.parquet", b"PAR1xxxx", "could not be read as Parquet"),
    ],
)
def test_unreadable_files(tmp_path: Path, name: str, content: bytes, match: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableFileError, match=match):
        load_table(path, "episodes")
    assert issubclass(UnreadableFileError, FileProblem)


# ---------------------------------------------------------------- headers
def test_row_with_too_many_cells_is_rejected_alone_with_its_line(tmp_path: Path) -> None:
    # changed (issue 11 item 4): a ragged row no longer refuses the whole file; it is rejected with its reason
    rows = [["Export"], ["district_code", "district_name"], ["E1", "Oxford"], ["E2", "Cherwell", "extra"],
            ["E3", "Witney"]]
    result = load_table(write_csv(tmp_path / "d.csv", rows), "districts")
    assert list(result.data["district_code"]) == ["E1", "E3"]
    assert result.rows_read == 3
    assert list(result.rejected["row_number"]) == [4]
    assert result.rejected.loc[0, "reason"].startswith("row 4 has 3 fields, the header has 2")
    assert result.rejected.loc[0, "value"] == "E2,Cherwell,extra"


def test_title_rows_above_the_header_are_skipped(tmp_path: Path) -> None:
    rows = [["Episodes export"], ["Run on 01/04/2024"], [""], HEADER, ROWS[0], ["", "E9", "M", "abc"]]
    path = write_csv(tmp_path / "titled.csv", rows)
    result = load_table(path, "episodes")
    assert any("skipped 2 rows above the header" in w and "row 4" in w for w in result.warnings)
    assert result.data["episode_id"].tolist() == ["E1"]
    # header on line 4, so the first data row is line 5 and the bad row line 6
    assert result.rejected["row_number"].tolist() == [6]
    assert_invariant(result)


def test_xlsx_title_rows_and_merged_group_header(tmp_path: Path) -> None:
    path = tmp_path / "titled.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Treatment episodes 2024/25"])
    sheet.append(["Person", None, "Episode"])  # a group header row, merged over two columns each
    sheet.merge_cells("A2:B2")
    sheet.append(HEADER)
    for row in typed_rows():
        sheet.append(row)
    book.save(path)
    result = load_table(path, "episodes")
    assert_good_episodes(result)
    assert any("skipped 2 rows" in w and "row 3" in w for w in result.warnings)


def test_unnamed_column_with_data_is_reported(tmp_path: Path) -> None:
    rows = [["district_code", "district_name", ""], ["E1", "Oxford", "stray"]]
    result = load_table(write_csv(tmp_path / "d.csv", rows), "districts")
    assert any("column C" in w and "merged" in w for w in result.warnings)
    assert list(result.data.columns) == ["district_code", "district_name"]


def test_merged_required_header_explains_itself(tmp_path: Path) -> None:
    rows = [["district_code", ""], ["E1", "Oxford"]]
    with pytest.raises(MissingColumnError, match="district_name.*Column B hold data but have no header"):
        load_table(write_csv(tmp_path / "d.csv", rows), "districts")


def test_headers_matched_ignoring_case_spaces_and_hyphens(tmp_path: Path) -> None:
    rows = [["District Code", "DISTRICT-NAME"], ["E1", "Oxford"]]
    result = load_table(write_csv(tmp_path / "d.csv", rows), "districts")
    assert result.data["district_name"].tolist() == ["Oxford"]


# ---------------------------------------------------------------- row-level rules
def test_bad_rows_rejected_with_line_numbers_and_valid_rows_kept(tmp_path: Path) -> None:
    rows = [
        HEADER,
        ROWS[0],  # line 2: valid
        ["C010", "E10", "M", "30", "E1", "adult", "31/02/2024", ""],  # line 3: impossible date
        ["C011", "E11", "Q", "30", "E1", "adult", "2024-01-01", ""],  # line 4: unknown sex, kept
        ["C012", "E12", "M", "30", "E1", "adult", "2024-01-01", "soon"],  # line 5: not a date
        ["C013", "E13", "M", "30", "E1", "adult", "2024-02-01", "2024-01-01"],  # line 6: out of order
        ["C014", "E14", "M", "30", "E1", "rehab", "2024-01-01", ""],  # line 7: unknown service
        ["", "E15", "", "30", "E1", "adult", "2024-01-01", ""],  # line 8: two required values missing
        ["C016", "E16", "Q", "30", "E1", "adult", "2024-01-01", ""],  # line 9: unknown sex, kept
    ]
    result = load_table(write_csv(tmp_path / "bad.csv", rows), "episodes")
    assert result.rows_read == 8
    assert result.data["episode_id"].tolist() == ["E1", "E11", "E16"]
    assert result.data["sex_group"].astype(str).tolist() == ["Male", UNMAPPED, UNMAPPED]
    assert result.data["sex"].tolist() == ["M", "Q", "Q"]
    rejected = result.rejected.set_index("row_number")
    assert rejected.index.tolist() == [3, 5, 6, 7, 8]
    assert rejected.loc[3, "column"] == "triage_date"
    assert rejected.loc[3, "value"] == "31/02/2024"
    assert "triage_date is not a real date" in rejected.loc[3, "reason"]
    assert rejected.loc[5, "column"] == "discharge_date"
    assert "discharge_date is not a date in the form dd/mm/yyyy or yyyy-mm-dd" == rejected.loc[5, "reason"]
    assert rejected.loc[6, "reason"] == "discharge date before triage date"
    assert rejected.loc[7, "column"] == "service"
    assert rejected.loc[7, "value"] == "rehab"
    assert "unknown service code" in rejected.loc[7, "reason"]
    assert rejected.loc[8, "column"] == "client_id; sex"
    assert rejected.loc[8, "reason"] == "client_id is missing; sex is missing"
    # the original cells come back under the file's headers, for download and re-upload
    assert rejected.loc[3, "triage_date"] == "31/02/2024"
    assert rejected.loc[7, "client_id"] == "C014"
    warning = next(w for w in result.warnings if w.startswith("sex:"))
    assert "'Q' (2 rows: 4, 9)" in warning
    assert_invariant(result)


def test_duplicate_ids_keep_the_first(tmp_path: Path) -> None:
    rows = [HEADER, ROWS[0], ROWS[1], ["C003", "E1", "F", "20", "E1", "adult", "2024-01-01", ""]]
    result = load_table(write_csv(tmp_path / "dup.csv", rows), "episodes")
    assert result.data["client_id"].tolist() == ["C001", "C002"]
    assert result.rejected["row_number"].tolist() == [4]
    assert result.rejected.loc[0, "column"] == "episode_id"
    assert result.rejected.loc[0, "reason"] == "duplicate episode_id: same as row 2"
    assert_invariant(result)


def test_duplicate_compound_key(tmp_path: Path) -> None:
    rows = [["episode_id", "rank", "substance"], ["E1", "1", "heroin"], ["E1", "2", "crack"], ["E1", "1", "alcohol"]]
    result = load_table(write_csv(tmp_path / "s.csv", rows), "substances")
    assert result.data["substance_group"].astype(str).tolist() == ["Opiates", "Crack cocaine"]
    assert result.rejected.loc[0, "reason"] == "duplicate episode_id and rank: same as row 2"


def test_unknown_substance_rejected(tmp_path: Path) -> None:
    rows = [["episode_id", "rank", "substance"], ["E1", "1", "heroin"], ["E2", "1", "glue?"]]
    result = load_table(write_csv(tmp_path / "s.csv", rows), "substances")
    assert result.data["episode_id"].tolist() == ["E1"]
    assert result.rejected.loc[0, "row_number"] == 3
    assert "unknown substance code" in result.rejected.loc[0, "reason"]


def test_code_map_maps_a_local_code(tmp_path: Path) -> None:
    rows = [["episode_id", "rank", "substance"], ["E2", "1", "spice"]]
    result = load_table(write_csv(tmp_path / "s.csv", rows), "substances", code_map={"substance": {"spice": "nps"}})
    assert result.data["substance_group"].astype(str).tolist() == ["New psychoactive substances"]
    assert result.rejected.empty


def test_text_in_number_columns(tmp_path: Path) -> None:
    rows = [
        ["substance_group", "year", "age_band", "estimate", "lower", "upper"],
        ["OCU", "2022", "15-64", '"1,234.5"', "1000", "1500"],  # thousands separator accepted
        ["OCU", "2022", "15-24", "lots", "1000", "1500"],
        ["OCU", "20.5", "25-34", "100", "90", "110"],
    ]
    result = load_table(write_csv(tmp_path / "p.csv", rows), "prevalence")
    assert result.data["estimate"].tolist() == [1234.5]
    assert result.data["estimate"].dtype == "float64"
    assert result.data["year"].tolist() == [2022]
    rejected = result.rejected.set_index("row_number")
    assert rejected.loc[3, "reason"] == "estimate is not a number"
    assert rejected.loc[4, "reason"] == "year is not a whole number"
    assert_invariant(result)


@pytest.mark.parametrize(("age", "kept"), [("-3", False), ("150", False), ("111", False), ("0", True), ("110", True)])
def test_age_outside_contract_range(tmp_path: Path, age: str, kept: bool) -> None:
    row = ["C1", "E1", "M", age, "E1", "adult", "2024-01-01", ""]
    result = load_table(write_csv(tmp_path / "a.csv", [HEADER, row]), "episodes")
    assert len(result.data) == int(kept)
    if not kept:
        assert result.rejected.loc[0, "value"] == age  # a negative number is read as a number, not text
        assert result.rejected.loc[0, "reason"] == "age_at_triage outside 0 to 110"
    assert_invariant(result)


def test_formula_like_text_is_kept_as_data(tmp_path: Path) -> None:
    header = [*HEADER, "ward_code"]
    row = [*ROWS[0], "=HYPERLINK(1)"]
    result = load_table(write_csv(tmp_path / "f.csv", [header, row]), "episodes")
    assert result.data["ward_code"].tolist() == ["=HYPERLINK(1)"]


def test_blank_lines_keep_row_numbers(tmp_path: Path) -> None:
    rows = [HEADER, ROWS[0], [""], ["C9", "E9", "M", "x", "E1", "adult", "2024-01-01", ""], [""]]
    result = load_table(write_csv(tmp_path / "b.csv", rows), "episodes")
    assert result.rows_read == 2
    assert result.rejected["row_number"].tolist() == [4]


def test_rejected_report_is_empty_but_shaped_when_all_rows_valid(tmp_path: Path) -> None:
    result = load_table(write_csv(tmp_path / "ok.csv", [HEADER, *ROWS]), "episodes")
    assert list(result.rejected.columns[:4]) == ["row_number", "column", "value", "reason"]
    assert len(result.rejected) == 0


# ---------------------------------------------------------------- preview and suggestions
def test_read_raw_returns_text_below_detected_header(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", [["Export"], HEADER, *ROWS])
    raw = read_raw(path, "episodes")
    assert list(raw.columns) == HEADER
    assert raw["age_at_triage"].tolist() == ["34", "16", "0"]
    assert pd.isna(raw.loc[1, "district_code"])
    assert raw.attrs["first_row_number"] == 3


def test_suggest_column_map() -> None:
    headers = ["Client ID", "person_id", "Gender", "Referral Source", "Start date", "LA code", "Notes"]
    expected = {
        "Client ID": "client_id",
        "Gender": "sex",
        "Start date": "triage_date",
        "LA code": "district_code",
    }
    assert suggest_column_map(headers, "episodes") == expected
    assert suggest_column_map(["person_id", "Referral Source", "Triage"], "referrals") == {
        "person_id": "client_id",
        "Referral Source": "referral_source",
    }
    assert suggest_column_map(["End date", "Discharge"], "episodes") == {"End date": "discharge_date"}


# ---------------------------------------------------------------- boundaries
def boundaries(code_column: str = "District_Code"):
    import geopandas as gpd
    from shapely.geometry import box

    # two 1 km squares in British National Grid near Oxford
    return gpd.GeoDataFrame(
        {code_column: ["E07000178", "E07000179"]},
        geometry=[box(450000, 205000, 451000, 206000), box(451000, 205000, 452000, 206000)],
        crs=27700,
    )


def test_load_boundaries_geojson(tmp_path: Path) -> None:
    path = tmp_path / "d.geojson"
    boundaries().to_crs(4326).to_file(path, driver="GeoJSON")
    frame = load_boundaries(path)
    assert frame.crs.to_epsg() == 4326
    assert frame["district_code"].tolist() == ["E07000178", "E07000179"]


def test_load_boundaries_with_pre_2009_codes(tmp_path: Path) -> None:
    path = tmp_path / "old.geojson"
    old = boundaries().to_crs(4326)
    old["District_Code"] = ["38UC", "38UD"]
    old.to_file(path, driver="GeoJSON")
    assert load_boundaries(path)["district_code"].tolist() == ["E07000178", "E07000179"]


@pytest.mark.filterwarnings("ignore:Column names longer than 10:UserWarning")
@pytest.mark.filterwarnings("ignore:Normalized/laundered field name:RuntimeWarning")
def test_load_boundaries_zipped_shapefile_is_reprojected(tmp_path: Path) -> None:
    """A shapefile cuts District_Code to its 10-character limit, District_C, which is accepted."""
    folder = tmp_path / "shp"
    folder.mkdir()
    boundaries().to_file(folder / "d.shp")
    archive = tmp_path / "d.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for part in folder.iterdir():
            zipped.write(part, part.name)
    frame = load_boundaries(archive)
    assert frame.crs.to_epsg() == 4326
    assert frame["district_code"].tolist() == ["E07000178", "E07000179"]
    # Oxford is about 1.2 degrees west and 51.7 degrees north
    minx, miny, maxx, maxy = frame.total_bounds
    assert -1.5 < minx < maxx < -1.0
    assert 51.5 < miny < maxy < 52.0


def test_load_boundaries_without_district_code(tmp_path: Path) -> None:
    path = tmp_path / "d.geojson"
    boundaries("name").to_crs(4326).to_file(path, driver="GeoJSON")
    with pytest.raises(MissingColumnError, match="d.geojson.*district_code.*Properties found: name"):
        load_boundaries(path)


def test_load_boundaries_points_to_an_ons_code_column(tmp_path: Path) -> None:
    path = tmp_path / "ons.geojson"
    boundaries("LAD24CD").to_crs(4326).to_file(path, driver="GeoJSON")
    with pytest.raises(MissingColumnError, match="'LAD24CD' looks like it"):
        load_boundaries(path)


def test_result_frames_are_independent_of_the_file(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "d.csv", [["district_code", "district_name"], ["E1", "Oxford"]])
    result = load_table(path, "districts")
    expected = pd.DataFrame(
        {"district_code": pd.array(["E1"], dtype="string"), "district_name": pd.array(["Oxford"], dtype="string")}
    )
    assert_frame_equal(result.data, expected)


# ---------------------------------------------------------------- NDTMS-shaped extracts
DOB_HEADER = ["Client reference", "Episode ID", "Gender", "D.O.B", "District", "Service", "Triage date"]


def test_date_of_birth_gives_age_at_triage_and_is_not_kept(tmp_path: Path) -> None:
    rows = [
        ["C1", "E1", "Male", "15/06/2007", "E07000178", "YP", "15/06/2023"],  # on the 16th birthday: 16
        ["C2", "E2", "Female", "16/06/2008", "E07000178", "YP", "15/06/2024"],  # the day before the 16th: 15
        ["C3", "E3", "Female", "29/02/2008", "E07000178", "YP", "28/02/2025"],  # 29 February: 17 from 1 March
        ["C4", "E4", "Female", "29/02/2008", "E07000178", "YP", "01/03/2025"],
        ["C5", "E5", "Male", "2010-05-01", "E07000178", "YP", "2024-05-01"],
    ]
    result = load_table(write_csv(tmp_path / "e.csv", [DOB_HEADER, *rows]), "episodes")
    assert result.rejected.empty
    assert result.data["age_at_triage"].tolist() == [16, 15, 16, 17, 14]
    assert "date_of_birth" not in result.data.columns
    assert any("computed from the date of birth for 5 rows" in w for w in result.warnings)


def test_an_age_column_wins_over_the_date_of_birth(tmp_path: Path) -> None:
    header = [*DOB_HEADER, "Age"]
    rows = [["C1", "E1", "Male", "15/06/2007", "", "YP", "15/06/2023", "15"],
            ["C2", "E2", "Male", "15/06/2007", "", "YP", "15/06/2023", ""]]
    result = load_table(write_csv(tmp_path / "e.csv", [header, *rows]), "episodes")
    assert result.data["age_at_triage"].tolist() == [15, 16]  # given where given, else from the date of birth


def test_bad_dates_of_birth_reject_the_row_without_keeping_the_date(tmp_path: Path) -> None:
    rows = [
        ["C1", "E1", "Male", "01/01/2025", "", "YP", "15/06/2024"],  # born after triage
        ["C2", "E2", "Male", "", "", "YP", "15/06/2024"],  # no age at all
        ["C3", "E3", "Male", "01/01/2010", "", "YP", "15/06/2024"],
        ["C4", "E4", "Male", "31/02/2010", "", "YP", "15/06/2024"],  # not a real date
    ]
    result = load_table(write_csv(tmp_path / "e.csv", [DOB_HEADER, *rows]), "episodes")
    assert result.data["client_id"].tolist() == ["C3"]
    assert result.rejected["row_number"].tolist() == [2, 3, 5]
    rejected = result.rejected.set_index("row_number")
    assert rejected.loc[2, "reason"] == "date of birth after the triage date"
    assert rejected.loc[2, "value"] == "(not kept)"
    assert rejected.loc[3, "reason"] == "age_at_triage is missing (and no date of birth)"
    assert rejected.loc[5, "reason"].startswith("date_of_birth is not a real date") and ";" not in rejected.loc[5, "reason"]
    assert rejected.loc[5, "value"] == "(not kept)"
    assert "D.O.B" not in result.rejected.columns  # the file's own cells are kept, except the date of birth
    assert "01/01/2025" not in result.rejected.to_csv()


def test_missing_age_names_the_date_of_birth_alternative(tmp_path: Path) -> None:
    header = [h for h in HEADER if h != "age_at_triage"]
    rows = [[v for h, v in zip(HEADER, r) if h != "age_at_triage"] for r in ROWS]
    with pytest.raises(MissingColumnError, match=r"age_at_triage \(or date_of_birth\)"):
        load_table(write_csv(tmp_path / "e.csv", [header, *rows]), "episodes")


def test_pre_2009_district_codes_and_names_become_current_codes(tmp_path: Path) -> None:
    rows = [["C1", "E1", "M", "38UC", "YP", "15/06/2023", "15"], ["C2", "E2", "M", "38ub", "YP", "15/06/2023", "15"],
            ["C3", "E3", "M", "Vale of White Horse", "YP", "15/06/2023", "15"],
            ["C4", "E4", "M", "E07000181", "YP", "15/06/2023", "15"], ["C5", "E5", "M", "", "YP", "15/06/2023", "15"],
            ["C6", "E6", "M", "99ZZ", "YP", "15/06/2023", "15"]]
    header = ["client_id", "episode_id", "sex", "LA code", "service", "triage_date", "age"]
    result = load_table(write_csv(tmp_path / "e.csv", [header, *rows]), "episodes")
    assert result.data["district_code"].tolist() == ["E07000178", "E07000177", "E07000180", "E07000181", pd.NA,
                                                     "99ZZ"]
    note = next(w for w in result.warnings if w.startswith("district_code:"))
    assert "38UC -> E07000178 (Oxford, 1 row)" in note and "Vale of White Horse -> E07000180" in note


def test_district_code_changes_file_covers_the_demo_districts() -> None:
    changes = pd.read_csv(Path(__file__).resolve().parent.parent / "data" / "district_code_changes.csv", dtype=str)
    districts = pd.read_parquet(Path(__file__).resolve().parent.parent / "data" / "demo" / "districts.parquet")
    merged = changes.merge(districts, left_on="new_code", right_on="district_code", suffixes=("", "_demo"))
    assert len(merged) == len(changes) == len(districts)
    assert (merged["district_name"] == merged["district_name_demo"]).all()  # the lookup was built by name


def test_one_header_can_mean_different_columns_in_different_tables(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "d.csv", [["District code", "District"], ["E07000178", "Oxford"]])
    assert load_table(path, "districts").data.iloc[0].tolist() == ["E07000178", "Oxford"]
    episodes = [["Client ID", "Journey ID", "Gender", "Age", "District", "Service name", "Start date"],
                ["C1", "E1", "M", "15", "E07000178", "YP", "15/06/2023"]]
    assert load_table(write_csv(tmp_path / "e.csv", episodes), "episodes").data.loc[0, "district_code"] == "E07000178"


def test_ranked_substance_columns_give_one_row_per_substance(tmp_path: Path) -> None:
    rows = [["Episode ID", "Primary substance", "Secondary substance", "Tertiary substance"],
            ["E1", "Cannabis", "Alcohol", ""],
            ["E2", "Alcohol", "", ""],
            ["E3", "", "", ""],  # no substance at all: left out, and said
            ["E4", "Heroin", "Crack", "Mystery"]]  # an unknown substance rejects its own row only
    result = load_table(write_csv(tmp_path / "s.csv", rows), "substances")
    assert list(zip(result.data["episode_id"], result.data["rank"], result.data["substance"], strict=True)) == [
        ("E1", 1, "Cannabis"), ("E1", 2, "Alcohol"), ("E2", 1, "Alcohol"), ("E4", 1, "Heroin"), ("E4", 2, "Crack")]
    assert result.rejected[["row_number", "value"]].values.tolist() == [[5, "Mystery"]]  # the file's own line
    assert result.rows_read == 6
    assert_invariant(result)
    note = next(w for w in result.warnings if "ranked" in w or "Primary substance (rank 1)" in w)
    assert "6 from 3 rows of the file" in note and "Rows with no substance in any of them, left out: 4" in note


def test_primary_substance_header_gives_the_rank(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", [["Episode ID", "Primary substance"], ["E1", "Cannabis"], ["E2", "Alcohol"]])
    result = load_table(path, "substances")
    assert result.data["rank"].tolist() == [1, 1]
    assert result.data["substance_group"].astype(str).tolist() == ["Cannabis", "Alcohol"]
    with pytest.raises(MissingColumnError, match="rank"):
        load_table(write_csv(tmp_path / "t.csv", [["Episode ID", "Substance"], ["E1", "Cannabis"]]), "substances")


# ---------------------------------------------------------------- hostile and awkward files (issue 11 item 4)
def test_a_workbook_whose_used_range_is_the_whole_sheet_is_read_in_the_time_of_its_rows() -> None:
    from tests.hostile_files import WHOLE_SHEET_ROWS, whole_sheet_workbook

    content = whole_sheet_workbook()
    started = time.perf_counter()
    result = load_table(io.BytesIO(content), "episodes", filename="formatted.xlsx")
    seconds = time.perf_counter() - started
    assert len(result.data) == WHOLE_SHEET_ROWS and result.rejected.empty
    assert list(result.data["episode_id"][:2]) == ["E0", "E1"]
    assert seconds < WHOLE_SHEET_SECONDS, f"{seconds:.1f} s to read {WHOLE_SHEET_ROWS} rows"


#: Before the fix a 200-row workbook with the whole-sheet used range took 44.6 s to read; after, 0.3 s.
WHOLE_SHEET_SECONDS = 5


def test_a_workbook_whose_first_sheet_is_hidden_is_read_from_its_visible_active_sheet() -> None:
    from tests.hostile_files import hidden_first_sheet_workbook

    content = hidden_first_sheet_workbook()
    result = load_table(io.BytesIO(content), "episodes", filename="book.xlsx")
    assert list(result.data["episode_id"]) == ["E1", "E2"]
    # the hidden sheet is still there to choose by name
    assert len(load_table(io.BytesIO(content), "districts", sheet="Lookups", filename="book.xlsx").data) == 1


def test_excel_unicode_text_is_read() -> None:
    from tests.hostile_files import unicode_text

    content = unicode_text([["district_code", "district_name"], ["E07000178", "Öxford"], ["E07000179", "Cherwell"]])
    assert content.startswith(b"\xff\xfe")
    result = load_table(io.BytesIO(content), "districts", filename="districts.txt")
    assert list(result.data["district_name"]) == ["Öxford", "Cherwell"]
    assert any("Unicode text" in w for w in result.warnings)


def test_a_ragged_row_is_rejected_with_its_reason_and_later_rows_keep_their_numbers(tmp_path: Path) -> None:
    rows = [HEADER_LINE_EPISODES, "C1,E1,M,30,E07000178,adult,2024-05-01",
            "C2,E2,F,20,E07000178,adult,2024-06-01,moved, no fixed abode",
            "C3,E3,F,abc,E07000178,adult,2024-06-01", "C4,E4,F,40,E07000178,adult,2024-06-02"]
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join(rows) + "\n")
    result = load_table(path, "episodes")
    assert list(result.data["episode_id"]) == ["E1", "E4"]
    assert result.rows_read == 4
    assert list(result.rejected["row_number"]) == [3, 4]
    assert result.rejected.loc[0, "reason"].startswith("row 3 has 9 fields, the header has 7")
    assert "age_at_triage is not a number" in result.rejected.loc[1, "reason"]


HEADER_LINE_EPISODES = "client_id,episode_id,sex,age_at_triage,district_code,service,triage_date"


@pytest.mark.parametrize(("name", "builder", "error", "words"), [
    ("old.xls", "old_excel_workbook", "OldExcelError", "old Excel 97-2003 (.xls) format"),
    ("renamed.xlsx", "old_excel_workbook", "OldExcelError", "save it as .xlsx"),
    ("locked.xlsx", "password_protected_workbook", "PasswordProtectedError", "Remove the password"),
    ("formulas.xlsx", "formulas_without_values_workbook", "FormulasWithoutValuesError",
     "2 cells hold formulas saved without their values (D2, D3)"),
])
def test_workbooks_that_cannot_be_read_are_named_with_the_fix(name, builder, error, words) -> None:
    import analysis.loaders as loaders
    import tests.hostile_files as files

    with pytest.raises(getattr(loaders, error)) as raised:
        load_table(io.BytesIO(getattr(files, builder)()), "episodes", filename=name)
    assert words in str(raised.value) and name in str(raised.value)


def test_an_empty_workbook_says_to_save_it_again() -> None:
    with pytest.raises(EmptyFileError, match=r"empty.xlsx is empty \(0 bytes\): it is not a workbook.*save it again"):
        load_table(io.BytesIO(b""), "episodes", filename="empty.xlsx")


def test_event_dates_before_1990_or_after_today_are_rejected_with_the_reason(tmp_path: Path) -> None:
    tomorrow = (pd.Timestamp.today().normalize() + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
    rows = [HEADER_LINE_EPISODES + ",discharge_date,date_of_birth",
            "C1,E1,M,30,E07000178,adult,1990-01-01,,", "C2,E2,F,20,E07000178,adult,1899-06-01,,",
            f"C3,E3,F,20,E07000178,adult,{tomorrow},,", f"C4,E4,F,20,E07000178,adult,2024-06-01,{tomorrow},",
            "C5,E5,F,,E07000178,adult,2024-06-01,,1950-01-01"]
    path = tmp_path / "dates.csv"
    path.write_text("\n".join(rows) + "\n")
    result = load_table(path, "episodes")
    assert list(result.data["episode_id"]) == ["E1", "E5"]  # a date of birth before 1990 is fine
    reasons = dict(zip(result.rejected["row_number"], result.rejected["reason"], strict=True))
    assert reasons[3] == "triage_date is before 1990: not a plausible date (check the year)"
    assert reasons[4].startswith("triage_date is after today")
    assert reasons[5].startswith("discharge_date is after today")


def test_an_invalid_boundary_is_repaired_with_a_warning_naming_the_area() -> None:
    from tests.hostile_files import BOW_TIE, SQUARE, boundaries_geojson

    frame = load_boundaries(io.BytesIO(boundaries_geojson({"E07000178": SQUARE, "E07000177": BOW_TIE})),
                            filename="b.geojson")
    assert frame.geometry.is_valid.all()
    assert frame.attrs["warnings"] == [
        "b.geojson: the boundary of E07000177 was not valid (for example an edge crossing itself) and was "
        "repaired; check it on the Districts page map."]
    bow = frame.set_index("district_code").geometry["E07000177"]
    assert bow.geom_type == "MultiPolygon" and abs(bow.area - 0.005) < 1e-9  # two triangles of 0.0025 square degrees


def test_a_boundary_that_encloses_nothing_is_refused_naming_the_area() -> None:
    from tests.hostile_files import FLAT, SQUARE, boundaries_geojson

    with pytest.raises(UnreadableFileError, match="b.geojson: the boundary of E07000179 is not a valid area"):
        load_boundaries(io.BytesIO(boundaries_geojson({"E07000178": SQUARE, "E07000179": FLAT})), filename="b.geojson")


# ---------------------------------------------------------------- held types (issue 12: memory of an upload)
MESSY_EPISODES = pd.DataFrame({
    "client_id": ["C1", "C2", "C3", "C4", "C5", "C6", "C7"],
    "episode_id": ["E1", "E2", "E3", "E4", "E5", "E6", "E1"],
    "sex": [" M ", "F", "", None, "Q", "M", "F"],
    "age_at_triage": [34, 16, 200, 40, 51, 22, 30],
    "district_code": ["38UC", " E07000178", "", "E07000179", "38UC", "E07000178", "E07000178"],
    "service": ["adult", "adult ", "young_people", "adult", "adult", "adult", "adult"],
    "triage_date": pd.to_datetime(["2024-01-05", "2024-02-10", "2023-12-31", "1985-01-01", "2024-01-01",
                                   "2024-01-01", "2024-01-01"]),
    "ethnicity": ["A1", "  ", "Local code", "A1", "B2", None, "A1"],
})


def test_code_columns_are_held_as_categories_of_the_files_values(tmp_path: Path) -> None:
    """issue 12: a loaded table holds its code columns (``CATEGORY_COLUMNS``) as categories whose categories
    are the values kept, sorted, as text (what ``.astype("string").astype("category")`` gives), and the age as
    ``Int16``; the values are the file's, trimmed, with old district codes changed (failed before: text)."""
    from analysis.loaders import CATEGORY_COLUMNS, contract_types

    path = tmp_path / "episodes.parquet"
    MESSY_EPISODES.to_parquet(path)
    result = load_table(path, "episodes")
    data = result.data
    assert data["episode_id"].tolist() == ["E1", "E2", "E5", "E6"]  # E3, E4 and the second E1 rejected
    for column in CATEGORY_COLUMNS["episodes"]:
        assert isinstance(data[column].dtype, pd.CategoricalDtype), column
        assert str(data[column].cat.categories.dtype) == "string", column
    assert data["sex"].cat.categories.tolist() == ["F", "M", "Q"]
    assert data["sex"].astype(object).tolist() == ["M", "F", "Q", "M"]
    assert data["district_code"].astype(object).tolist() == ["E07000178"] * 4  # 38UC: Oxford's old code
    assert data["district_code"].cat.categories.tolist() == ["E07000178"]  # E07000179's row was rejected
    assert data["ethnicity"].astype(object).fillna("<NA>").tolist() == ["A1", "<NA>", "B2", "<NA>"]
    assert str(data["age_at_triage"].dtype) == "Int16" and data["age_at_triage"].tolist() == [34, 16, 51, 22]
    typed = data.astype(contract_types("episodes", data))
    for column in CATEGORY_COLUMNS["episodes"]:
        assert_series_equal(data[column], typed[column].astype("category"))
        assert str(typed[column].dtype) == "string"
    assert str(typed["age_at_triage"].dtype) == "Int64"


def test_a_parquet_file_and_the_same_cells_as_csv_load_the_same(tmp_path: Path) -> None:
    """The Parquet path (code columns read as Arrow dictionaries, numbers and dates not made text) gives what
    the CSV path gives: the same kept rows and types, the same rejected rows with the same cell text and
    reasons, the same warnings (the old district codes listed)."""
    parquet, csv = tmp_path / "episodes.parquet", tmp_path / "episodes.csv"
    MESSY_EPISODES.to_parquet(parquet)
    MESSY_EPISODES.assign(triage_date=MESSY_EPISODES["triage_date"].dt.strftime("%Y-%m-%d")).to_csv(csv, index=False)
    from_parquet, from_csv = load_table(parquet, "episodes"), load_table(csv, "episodes")
    assert_frame_equal(from_parquet.data, from_csv.data)
    problems = ["row_number", "column", "value", "reason"]  # (an empty CSV cell is "", a Parquet one missing)
    assert_frame_equal(from_parquet.rejected[problems], from_csv.rejected[problems])
    assert len(from_parquet.rejected) == 3
    assert "200" in from_parquet.rejected["value"].str.cat(sep="|")  # the age's cell as written
    assert "1985-01-01" in from_parquet.rejected["value"].str.cat(sep="|")
    assert [w.replace(".parquet", ".csv") for w in from_parquet.warnings] == from_csv.warnings
    assert any("38UC -> E07000178" in w for w in from_parquet.warnings)


def test_the_loaders_categories_are_the_stores(tmp_path: Path) -> None:
    """The columns a loaded table holds as categories are the ones a saved version is read into (so the pages
    see the same types either way), and ``Store.save`` writes them back as text: the saved file is
    byte for byte the file the contract's types give (failed before the store converted them back: the
    files held dictionaries)."""
    import pyarrow.parquet as pq

    from analysis import store
    from analysis.loaders import CATEGORY_COLUMNS, contract_types

    assert {t: tuple(c) for t, c in store.CATEGORIES_ON_LOAD.items()} == CATEGORY_COLUMNS
    path = tmp_path / "episodes.parquet"
    MESSY_EPISODES.to_parquet(path)
    data = load_table(path, "episodes").data
    assert store._table_bytes("episodes", data) == store._parquet_bytes(data.astype(contract_types("episodes", data)))
    saved = store.Store.open(tmp_path / "store")
    saved.save([store.Upload(load_table(path, "episodes"), mode=store.REPLACE)])
    version = saved.current()
    schema = pq.read_schema(version.path / "episodes.parquet")
    assert "string" in str(schema.field("sex").type) and str(schema.field("age_at_triage").type) == "int64"
    assert_frame_equal(saved.table("episodes"), data.astype(contract_types("episodes", data)))


def test_a_table_written_in_several_row_groups_is_the_same_table(tmp_path: Path, monkeypatch) -> None:
    """``Store.save`` converts the held types one row group at a time: with groups of 2 rows the file has
    several, and holds the same rows, types and pandas metadata as one written whole."""
    import pyarrow.parquet as pq

    from analysis import store
    from analysis.loaders import contract_types

    path = tmp_path / "episodes.parquet"
    MESSY_EPISODES.to_parquet(path)
    data = load_table(path, "episodes").data
    monkeypatch.setattr(store, "ROW_GROUP_ROWS", 2)
    written = store._table_bytes("episodes", data)
    whole = store._parquet_bytes(data.astype(contract_types("episodes", data)))
    assert pq.read_metadata(io.BytesIO(written)).num_row_groups == 2
    assert pq.read_schema(io.BytesIO(written)).equals(pq.read_schema(io.BytesIO(whole)), check_metadata=True)
    assert_frame_equal(pd.read_parquet(io.BytesIO(written)), pd.read_parquet(io.BytesIO(whole)))


def test_memory_is_given_back_where_the_c_library_can(monkeypatch) -> None:
    """``give_back_memory`` gives Arrow's freed pages back, and C's with glibc's ``malloc_trim``; on a system
    whose C library has none (macOS, Windows, musl) it gives back Arrow's only, without failing."""
    from analysis import loaders

    calls = []
    monkeypatch.setattr(loaders, "_malloc_trim", lambda: (lambda pad: calls.append(pad) or 1))
    loaders.give_back_memory()
    assert calls == [0]
    monkeypatch.setattr(loaders, "_malloc_trim", lambda: None)
    loaders.give_back_memory()  # nothing to call: no error
    assert calls == [0]
