"""The Data page, from app.py: upload, column and code mapping, validation report, save, restore, source
switch; and a corpus of bad files, each giving a message that names the file, row or column while the
store stays exactly as it was."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analysis import store
from analysis.codes import map_codes
from analysis.dataset import DEMO_DIR, SYNTHETIC_NOTICE
from analysis.export import neutralise_formulas
from analysis import intake
from analysis.intake import MAX_UPLOAD_ENV, NOT_IN_FILE
from analysis.loaders import load_table
from tests import hostile_files as hostile
from tests.extract_files import FILE_NAMES, extract_files, extract_zip

ROOT = Path(__file__).resolve().parent.parent
HEADER = "client_id,episode_id,sex,age_at_triage,district_code,service,triage_date"
GOOD = "C1,E1,M,30,E07000178,adult,2024-05-01"
MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")  # a backslash before any ASCII punctuation (analysis.text.as_text)


@pytest.fixture(autouse=True)
def isolated_store(tmp_path, monkeypatch):
    monkeypatch.setenv(store.STORE_ENV, str(tmp_path / "store"))
    return tmp_path / "store"


@pytest.fixture
def saved_before(isolated_store):
    """A store holding one version (the demo districts), and a snapshot of every byte in it."""
    store.Store.open().save([store.Upload(load_table(DEMO_DIR / "districts.parquet", "districts"))])
    return snapshot(isolated_store)


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != store.LOCK_FILE}


def data_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("pages/data.py").run()
    assert not at.exception, at.exception
    return at


def upload(at: AppTest, table: str | None, name: str, content: bytes) -> AppTest:
    """Upload one file through the page's one uploader; the file must be recognised as ``table``
    (by its name or its columns) when it can be read at all."""
    return upload_files(at, [(name, content)], {name: table} if table else {})


def upload_files(at: AppTest, files: list[tuple[str, bytes]], tables: dict[str, str] | None = None) -> AppTest:
    at.file_uploader[0].set_value([(name, content, "application/octet-stream") for name, content in files]).run()
    assert not at.exception, at.exception
    for name, table in (tables or {}).items():
        boxes = [s for s in at.selectbox if s.key == f"data_table_{name}"]
        assert not boxes or boxes[0].value == table, f"{name} recognised as {boxes[0].value}, not {table}"
    return at


def report_sentences(at: AppTest) -> list[str]:
    """The validation report's rows as sentences, e.g. "dups.csv: 2 rows read, 1 valid, 1 rejected."."""
    report = next((df.value for df in at.dataframe if "rows read" in df.value.columns), pd.DataFrame())
    return [f"{r['file']}: {r['rows read']} rows read, {r['valid']} valid, "
            + (f"{r['waiting for a code group']} waiting for a code group, " if r["waiting for a code group"] else "")
            + f"{r['rejected']} rejected." for _, r in report.iterrows()]


def shown_text(at: AppTest) -> str:
    """Every message and cell the page shows, as one text to search (Markdown escapes removed: text
    from a file is shown escaped, so that it is never read as Markdown)."""
    parts = [e.value for kind in ("warning", "error", "markdown", "caption", "success", "info")
             for e in getattr(at, kind)]
    parts += [df.value.to_csv(index=False) for df in at.dataframe]
    parts += report_sentences(at)
    return MARKDOWN_ESCAPE.sub(r"\1", "\n".join(str(p) for p in parts))


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    """The shown table that has ``column`` (AppTest does not expose dataframe keys)."""
    return next(df.value for df in at.dataframe if column in df.value.columns)


def csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def merged_header_workbook() -> bytes:
    """An .xlsx whose date columns share one merged header cell "Dates" above G and H."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["client_id", "episode_id", "sex", "age_at_triage", "district_code", "service", "Dates", None])
    sheet.merge_cells("G1:H1")
    sheet.append(["C1", "E1", "M", 30, "E07000178", "adult", "2024-05-01", "2024-08-01"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# (id, table, file name, content, texts the page must show)
BAD_FILES = [
    ("not_utf8_or_windows_1252", "episodes", "bad_bytes.csv", csv(GOOD) + b"C\x81,E2,M,30,E07000178,adult,2024-05-01\n",
     ["bad_bytes.csv is neither UTF-8 nor Windows-1252"]),
    ("windows_1252", "districts", "districts_1252.csv", "district_code,district_name\nE07000178,Öxford\n".encode("cp1252"),
     ["districts_1252.csv is not UTF-8, so it was read as Windows-1252", "Öxford"]),
    ("title_rows", "episodes", "titled.csv", b"Episodes extract from CaseSys\nRun on 01/04/2025\n" + csv(GOOD),
     ["titled.csv: skipped 2 rows above the header", "the header is on row 3"]),
    ("merged_header", "episodes", "merged.xlsx", merged_header_workbook(),
     ["merged.xlsx: the episodes table needs the column triage_date", "H hold data but have no header",
      "merged"]),
    ("empty", "episodes", "empty.csv", b"", ["empty.csv is empty"]),
    ("header_only", "episodes", "header_only.csv", csv(), ["header_only.csv has a header but no data rows"]),
    ("duplicate_ids", "episodes", "dups.csv", csv(GOOD, "C2,E1,F,20,E07000178,adult,2024-06-01"),
     ["duplicate episode_id: same as row 2", "dups.csv: 2 rows read, 1 valid, 1 rejected"]),
    ("text_in_numbers", "episodes", "text_age.csv", csv(GOOD, "C2,E2,F,thirty,E07000178,adult,2024-06-01"),
     ["age_at_triage is not a number", "thirty", "text_age.csv: 2 rows read, 1 valid, 1 rejected"]),
    ("impossible_dates", "episodes", "dates.csv", csv(GOOD, "C2,E2,F,20,E07000178,adult,31/02/2024"),
     ["triage_date is not a real date", "31/02/2024"]),
    ("negative_and_absurd_ages", "episodes", "ages.csv",
     csv(GOOD, "C2,E2,F,-3,E07000178,adult,2024-06-01", "C3,E3,F,250,E07000178,adult,2024-06-01"),
     ["age_at_triage outside 0 to 110", "-3", "250", "ages.csv: 3 rows read, 1 valid, 2 rejected"]),
    ("formula_cells", "episodes", "formulas.csv",
     csv(GOOD, "=HYPERLINK(\"http://x\"),E2,F,-1,E07000178,adult,2024-06-01", "@SUM(A1),E3,F,x,E07000178,adult,2024-06-01"),
     ["formulas.csv: 3 rows read, 1 valid, 2 rejected", "=HYPERLINK"]),
    ("missing_column", "episodes", "no_service.csv", csv("C1,E1,M,30,E07000178,2024-05-01",
                                                         header="client_id,episode_id,sex,age_at_triage,district_code,triage_date"),
     ["no_service.csv: the episodes table needs the column service"]),
    ("damaged_parquet", "episodes", "damaged.parquet", b"PAR1 this is not really parquet",
     ["damaged.parquet could not be read as Parquet"]),
    # issue 11 item 4: hostile and awkward files
    ("ragged_row", "episodes", "ragged.csv",
     csv(GOOD, "C2,E2,F,20,E07000178,adult,2024-06-01,lives in Oxford, no fixed abode", "C3,E3,F,x,E07000178,adult,2024-06-01"),
     ["row 3 has 9 fields, the header has 7", "age_at_triage is not a number",
      "ragged.csv: 3 rows read, 1 valid, 2 rejected"]),
    ("unicode_text", "districts", "districts.txt",
     hostile.unicode_text([["district_code", "district_name"], ["E07000178", "Öxford"]]),
     ["districts.txt: 1 rows read, 1 valid, 0 rejected.", "Öxford"]),
    ("old_xls", None, "old.xls", hostile.old_excel_workbook(),
     ["old.xls is in the old Excel 97-2003 (.xls) format", "save it as .xlsx"]),
    ("password_protected", None, "locked.xlsx", hostile.password_protected_workbook(),
     ["locked.xlsx is protected with a password", "Remove the password"]),
    ("empty_workbook", None, "empty.xlsx", b"", ["empty.xlsx is empty (0 bytes): it is not a workbook",
                                                 "save it again as .xlsx"]),
    ("formulas_without_values", "episodes", "formulas.xlsx", hostile.formulas_without_values_workbook(),
     ["formulas.xlsx (sheet 'Sheet'): 2 cells hold formulas saved without their values (D2, D3)",
      "open it in Excel and save it"]),
    ("implausible_dates", "episodes", "centuries.csv",
     csv(GOOD, "C2,E2,F,20,E07000178,adult,1899-06-01", "C3,E3,F,20,E07000178,adult,2099-06-01"),
     ["triage_date is before 1990: not a plausible date", "triage_date is after today",
      "centuries.csv: 3 rows read, 1 valid, 2 rejected"]),
    ("invalid_boundary_repaired", "boundaries", "bowtie.geojson",
     hostile.boundaries_geojson({"E07000178": hostile.SQUARE, "E07000177": hostile.BOW_TIE}),
     ["bowtie.geojson: 2 areas with codes: E07000177, E07000178.",
      "bowtie.geojson: the boundary of E07000177 was not valid (for example an edge crossing itself) and was repaired"]),
    ("boundary_enclosing_nothing", "boundaries", "flat.geojson",
     hostile.boundaries_geojson({"E07000178": hostile.SQUARE, "E07000179": hostile.FLAT}),
     ["flat.geojson: the boundary of E07000179 is not a valid area and could not be repaired"]),
    ("whole_sheet_used_range", "episodes", "formatted.xlsx", hostile.whole_sheet_workbook(),
     [f"formatted.xlsx: {hostile.WHOLE_SHEET_ROWS} rows read, {hostile.WHOLE_SHEET_ROWS} valid, 0 rejected."]),
]


@pytest.mark.parametrize("case", BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_a_bad_file_gets_a_clear_message_and_the_store_is_unchanged(case, isolated_store, saved_before):
    _, table, name, content, expected = case
    at = upload(data_page(), table, name, content)
    text = shown_text(at)
    for words in expected:
        assert words in text, f"'{words}' not shown for {name}:\n{text}"
    assert snapshot(isolated_store) == saved_before


def test_a_file_over_the_size_limit_says_the_limit(isolated_store, saved_before, monkeypatch):
    monkeypatch.setenv(MAX_UPLOAD_ENV, "1")
    big = csv(*[GOOD.replace("E1", f"E{i}") for i in range(40_000)])
    assert len(big) > 1024 * 1024
    at = upload(data_page(), "episodes", "big.csv", big)
    assert "big.csv is larger than the 1 MB limit" in shown_text(at)
    assert at.button(key="data_save").disabled  # nothing to save (the one Save of the page is greyed out)
    assert "No file has a valid row to save yet." in shown_text(at)
    assert snapshot(isolated_store) == saved_before


def test_rejected_rows_download_neutralises_formulas_and_saving_keeps_only_valid_rows(isolated_store, saved_before):
    content = csv(GOOD, "=HYPERLINK(\"http://x\"),E2,F,-1,E07000178,adult,2024-06-01")
    at = upload(data_page(), "episodes", "formulas.csv", content)
    rejected = table_with(at, "row_number")
    assert list(rejected["row_number"]) == [3] and "age_at_triage outside 0 to 110" in rejected.loc[0, "reason"]
    # what the download holds: the same rows with =, +, -, @ cells made text (checked in tests/test_intake.py)
    safe = neutralise_formulas(rejected)
    assert safe.loc[0, "client_id"].startswith("'=")
    at.button(key="data_save").click().run()
    assert not at.exception, at.exception
    assert "episodes from formulas.csv (add): 1 row added" in shown_text(at)
    saved = store.Store.open()
    assert list(saved.table("episodes")["episode_id"]) == ["E1"]
    assert saved.current().tables["episodes"]["rejected"] == 1
    assert list(saved.rejected()["episodes"]["row_number"]) == [3]


# ---------------------------------------------------------------- the upload -> mapping -> save flow
LOCAL_HEADERS = {"client_id": "Client Ref", "episode_id": "Journey ID", "sex": "Gender", "age_at_triage": "Age",
                 "district_code": "LA code", "service": "Team", "triage_date": "Start date",
                 "discharge_date": "End date", "discharge_reason": "Exit"}
LOCAL_SERVICE = {"young_people": "YPS", "adult": "ADS"}
LOCAL_SEX = {"M": "1M", "F": "2F"}


def local_episodes(every: int = 40) -> tuple[bytes, pd.DataFrame]:
    """Every 40th demo episode, written as another system would: other headers, local codes, UK dates."""
    demo = pd.read_parquet(DEMO_DIR / "episodes.parquet").iloc[::every].reset_index(drop=True)
    out = demo[list(LOCAL_HEADERS)].copy()
    out["service"] = out["service"].map(LOCAL_SERVICE)
    out["sex"] = out["sex"].map(LOCAL_SEX).fillna(out["sex"])
    for column in ("triage_date", "discharge_date"):
        out[column] = pd.to_datetime(out[column]).dt.strftime("%d/%m/%Y")
    return out.rename(columns=LOCAL_HEADERS).to_csv(index=False).encode(), demo


def test_upload_map_columns_and_codes_then_save(isolated_store):
    content, demo = local_episodes()
    at = upload(data_page(), "episodes", "casesys.csv", content)
    # names and synonyms are matched automatically; "Team" is not, so it is mapped by hand
    assert at.selectbox(key="data_map_episodes_client_id").value == "Client Ref"
    assert at.selectbox(key="data_map_episodes_triage_date").value == "Start date"
    assert at.selectbox(key="data_map_episodes_service").value == NOT_IN_FILE
    assert "the episodes table needs the column service" in shown_text(at)
    at.selectbox(key="data_map_episodes_service").set_value("Team").run()
    # the local codes are listed with their counts (counted by hand from the demo rows)
    expected_counts = demo["service"].map(LOCAL_SERVICE).value_counts()
    for code, rows in expected_counts.items():
        label = at.selectbox(key=f"data_code_service_{code}").label
        assert label == f"service: '{code}' ({rows:,} rows)"
    at.selectbox(key="data_code_service_YPS").set_value("Young people").run()
    at.selectbox(key="data_code_service_ADS").set_value("Adults").run()
    at.selectbox(key="data_code_sex_1M").set_value("Male").run()
    at.selectbox(key="data_code_sex_2F").set_value("Female").run()
    assert f"casesys.csv: {len(demo)} rows read, {len(demo)} valid, 0 rejected." in shown_text(at)
    at.button(key="data_save").click().run()
    assert not at.exception, at.exception
    assert f"episodes from casesys.csv (add): {len(demo)} rows added" in shown_text(at)
    saved = store.Store.open()
    table = saved.table("episodes")
    assert list(table["episode_id"]) == list(demo["episode_id"])
    pd.testing.assert_series_equal(table["triage_date"], pd.to_datetime(demo["triage_date"]).astype("datetime64[ns]"),
                                   check_names=False)
    assert list(table["service_group"].astype(str)) == list(map_codes(demo["service"], "service").astype(str))
    assert list(table["sex_group"].astype(str)) == list(map_codes(demo["sex"], "sex").astype(str))
    assert saved.column_map("episodes")["Team"] == "service"
    assert saved.code_maps()["service"] == {"YPS": "Young people", "ADS": "Adults"}

    # next time the same kind of file is mapped from what was saved, and its codes are known
    again = upload(data_page(), "episodes", "casesys_next.csv", content)
    assert again.selectbox(key="data_map_episodes_service").value == "Team"
    assert not [s for s in again.selectbox if s.key and s.key.startswith("data_code_")]
    assert f"casesys_next.csv: {len(demo)} rows read, {len(demo)} valid, 0 rejected." in shown_text(again)
    assert "The saved data (version 1)" not in shown_text(again)


def test_saved_data_shown_after_choosing_it_and_versions_restored(isolated_store):
    tables = ["episodes", "substances", "referrals", "districts", "population"]
    saved = store.Store.open()
    saved.save([store.Upload(load_table(DEMO_DIR / f"{t}.parquet", t)) for t in tables])
    saved.save([store.Upload(load_table(DEMO_DIR / "districts.parquet", "districts"), mode=store.REPLACE)])
    at = data_page()
    assert "Nothing has been saved yet" not in shown_text(at)
    assert list(table_with(at, "saved by")["version"]) == [2, 1]
    at.radio(key="data_source_choice").set_value(store.SAVED).run()
    assert not at.exception, at.exception
    assert saved.preferred_source() == store.SAVED
    at.selectbox(key="data_restore_version").set_value(1).run()
    at.button(key="data_restore").click().run()
    assert "Version 1 restored" in shown_text(at)
    assert saved.current().number == 1
    # a fresh start shows the remembered choice: the saved data, in the banner
    fresh = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    fresh.run()
    banners = [i.value for i in fresh.info]
    assert any(saved.current().label in b for b in banners), banners
    assert not any(SYNTHETIC_NOTICE in w.value for w in fresh.warning)


def test_a_killed_save_leaves_the_app_showing_the_previous_version(isolated_store):
    tables = ["episodes", "substances", "referrals", "districts", "population"]
    saved = store.Store.open()
    saved.save([store.Upload(load_table(DEMO_DIR / f"{t}.parquet", t)) for t in tables])
    saved.set_preferred_source(store.SAVED)
    half = saved.versions_dir / f"{store.TMP_PREFIX}v000002-killed"  # what a killed save leaves behind
    half.mkdir()
    (half / "episodes.parquet").write_bytes(b"PAR1 half")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    assert any("Saved data (version 1, saved" in i.value for i in at.info)


def test_boundaries_and_the_sheet_of_a_workbook(isolated_store):
    # boundaries go through the same uploader and the same Save (changed with the one-pass upload:
    # there is no separate boundaries button any more)
    at = upload(data_page(), "boundaries", "ox.geojson", (ROOT / "data/geo/oxfordshire_districts.geojson").read_bytes())
    assert "ox.geojson: 5 areas with codes: E07000177, E07000178, E07000179, E07000180, E07000181." in shown_text(at)
    assert at.button(key="data_save").label == "Save the boundaries as one version"
    at.button(key="data_save").click().run()
    assert "Saved as version 1. Boundaries from ox.geojson saved." in shown_text(at)
    saved = store.Store.open()
    assert saved.boundaries_path() == saved.current().path / store.BOUNDARIES_FILE
    # every sheet of a workbook is a file of the extract: the notes are not used, the districts are read
    # (changed with the one-pass upload: no sheet to choose)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer) as writer:
        pd.DataFrame({"notes": ["read me"]}).to_excel(writer, sheet_name="Notes", index=False)
        pd.DataFrame({"district_code": ["E07000178"], "district_name": ["Oxford"]}).to_excel(
            writer, sheet_name="Districts", index=False)
    at = upload_files(data_page(), [("book.xlsx", buffer.getvalue())],
                      {"book.xlsx [Notes]": intake.NOT_USED, "book.xlsx [Districts]": "districts"})
    assert report_sentences(at) == ["book.xlsx [Districts]: 1 rows read, 1 valid, 0 rejected."]


# ---------------------------------------------------------------- from extract to dashboard in one pass
def test_a_whole_extract_in_one_zip_is_one_review_one_save_one_version_and_is_then_shown(isolated_store):
    at = upload_files(data_page(), [("extract.zip", extract_zip())],
                      {f"extract.zip/extract/{name}": table for table, name in FILE_NAMES.items()})
    # every column matched by itself: no file's column box is open, no code needs a choice
    assert not [s for s in at.selectbox if s.key and s.key.startswith("data_code_")]
    assert "Every code in the files matches a reporting group." in shown_text(at)
    demo = {t: pd.read_parquet(DEMO_DIR / f"{t}.parquet") for t in FILE_NAMES}
    assert report_sentences(at) == [f"extract.zip/extract/{FILE_NAMES[t]}: {len(demo[t])} rows read, "
                                    f"{len(demo[t])} valid, 0 rejected." for t in FILE_NAMES]
    save = at.button(key="data_save")
    assert save.label == "Save 8 tables as one version" and not save.disabled
    save.click().run()  # the one click that saves
    assert not at.exception, at.exception
    saved = store.Store.open()
    assert [v.number for v in saved.versions()] == [1]
    assert sorted(saved.current().tables) == sorted(FILE_NAMES)
    for table, frame in demo.items():
        assert len(saved.table(table)) == len(frame), table
    # the app now shows the saved data, says so, and links to the Overview
    text = shown_text(at)
    assert "Saved as version 1." in text and "Every page now shows these saved data" in text
    assert at.radio(key="data_source_choice").value == store.SAVED
    assert any(saved.current().label in i.value for i in at.info)
    assert not any(SYNTHETIC_NOTICE in w.value for w in at.warning)
    assert not at.file_uploader[0].value  # the uploader is emptied for the next extract
    at.switch_page("pages/overview.py").run()
    assert not at.exception, at.exception
    assert any(saved.current().label in i.value for i in at.info)
    # the saved copy of the demo gives the demo's own headline figures
    demo_overview = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    store.Store.open().set_preferred_source(store.DEMO)
    demo_overview.run()
    assert [m.value for m in at.metric] == [m.value for m in demo_overview.metric] and len(at.metric) >= 6


def test_an_unknown_service_code_waits_in_codes_instead_of_a_wall_of_rejected_rows(isolated_store):
    files = extract_files()
    episodes = pd.read_csv(io.BytesIO(files[FILE_NAMES["episodes"]]), dtype=str, keep_default_na=False)
    episodes["Service"] = episodes["Service"].replace({"young_people": "YP Team"})
    young = int((episodes["Service"] == "YP Team").sum())
    at = upload_files(data_page(), [("YP_Episodes.csv", episodes.to_csv(index=False).encode())])
    # the page points at the box that fixes it, and counts the rows as waiting, not rejected
    assert "1 service code needs a group before its rows can be checked: see 'Codes' below." in shown_text(at)
    assert at.selectbox(key="data_code_service_YP Team").label == f"service: 'YP Team' ({young:,} rows)"
    assert at.selectbox(key="data_code_service_YP Team").value is None
    assert report_sentences(at) == [f"YP_Episodes.csv: {len(episodes)} rows read, {len(episodes) - young} valid, "
                                    f"{young} waiting for a code group, 0 rejected."]
    assert at.button(key="data_save").disabled
    at.selectbox(key="data_code_service_YP Team").set_value("Young people").run()
    assert "needs a group" not in shown_text(at)
    assert report_sentences(at) == [f"YP_Episodes.csv: {len(episodes)} rows read, {len(episodes)} valid, 0 rejected."]
    at.button(key="data_save").click().run()
    assert store.Store.open().code_maps()["service"] == {"YP Team": "Young people"}
    # leaving the rows out is a choice too: they are then rejected and listed, and the rest can be saved
    at = upload_files(data_page(), [("next.csv", episodes.assign(Service="Nobody knows").to_csv(index=False).encode())],
                      {"next.csv": "episodes"})
    at.selectbox(key="data_code_service_Nobody knows").set_value(intake.LEAVE_OUT).run()
    assert report_sentences(at) == [f"next.csv: {len(episodes)} rows read, 0 valid, {len(episodes)} rejected."]
    assert "unknown service code" in shown_text(at)


def test_restore_offers_the_newest_version_first_and_shows_it(isolated_store):
    saved = store.Store.open()
    saved.save([store.Upload(load_table(DEMO_DIR / "districts.parquet", "districts"))])
    saved.save([store.Upload(load_table(DEMO_DIR / f"{t}.parquet", t)) for t in FILE_NAMES])
    saved.restore(1)
    at = data_page()
    box = at.selectbox(key="data_restore_version")
    assert box.options[0].startswith("version 2, saved ") and "episodes (11,594)" in box.options[0]
    assert box.value == 2
    at.button(key="data_restore").click().run()
    assert saved.current().number == 2
    assert "Version 2 restored" in shown_text(at) and at.radio(key="data_source_choice").value == store.SAVED


def test_a_file_not_recognised_is_given_its_table_and_columns_by_hand_and_known_next_time(isolated_store):
    content = b"Code,Name\nE07000178,Oxford\nE07000179,South Oxfordshire\n"
    at = upload_files(data_page(), [("mystery.csv", content)], {"mystery.csv": intake.NOT_USED})
    assert "not recognised: choose its table" in shown_text(at)
    assert at.button(key="data_save").disabled
    at.selectbox(key="data_table_mystery.csv").set_value("districts").run()
    assert "the districts table needs the columns district_code, district_name" in shown_text(at)
    at.selectbox(key="data_map_districts_district_code").set_value("Code").run()
    at.selectbox(key="data_map_districts_district_name").set_value("Name").run()
    assert report_sentences(at) == ["mystery.csv: 2 rows read, 2 valid, 0 rejected."]
    at.button(key="data_save").click().run()
    assert list(store.Store.open().table("districts")["district_name"]) == ["Oxford", "South Oxfordshire"]
    # the mapping is remembered: the same kind of file is recognised, and its columns matched, next time
    again = upload_files(data_page(), [("mystery_2.csv", content)], {"mystery_2.csv": "districts"})
    assert again.selectbox(key="data_map_districts_district_code").value == "Code"
    assert report_sentences(again) == ["mystery_2.csv: 2 rows read, 2 valid, 0 rejected."]


def test_a_workbook_whose_first_sheet_is_hidden_reads_the_visible_sheet_and_the_hidden_one_on_request(
        isolated_store, saved_before):
    at = upload_files(data_page(), [("book.xlsx", hostile.hidden_first_sheet_workbook())],
                      {"book.xlsx [Lookups]": intake.NOT_USED, "book.xlsx [Episodes]": "episodes"})
    assert "a hidden sheet, so not read: choose its table to read it" in shown_text(at)
    assert report_sentences(at) == ["book.xlsx [Episodes]: 2 rows read, 2 valid, 0 rejected."]
    at.selectbox(key="data_table_book.xlsx [Lookups]").set_value("districts").run()  # the user chooses to read it
    assert not at.exception, at.exception
    assert report_sentences(at) == ["book.xlsx [Lookups]: 1 rows read, 1 valid, 0 rejected.",
                                    "book.xlsx [Episodes]: 2 rows read, 2 valid, 0 rejected."]
    assert snapshot(isolated_store) == saved_before
