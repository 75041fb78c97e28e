"""Downloads: formulas neutralised, numbers kept as numbers, context in an "About" sheet, file
names carrying page, year and selection."""

import io

import pandas as pd
from openpyxl import load_workbook

from analysis.export import download_name, neutralise_formulas, numbers_as_numbers, to_csv_bytes, to_excel_bytes


def test_formula_cells_are_neutralised_numbers_kept():
    frame = pd.DataFrame({"name": ["=1+1", "+44", "-x", "@SUM(A1)", "Oxford", None], "change": [-3, 2, 0, 1, 5, 6]})
    safe = neutralise_formulas(frame)
    assert list(safe["name"][:5]) == ["'=1+1", "'+44", "'-x", "'@SUM(A1)", "Oxford"]
    assert safe["change"].tolist() == [-3, 2, 0, 1, 5, 6]
    assert frame["name"].iloc[0] == "=1+1"  # input unchanged


def test_shown_numbers_become_numbers_and_stars_stay_text():
    shown = pd.DataFrame({
        "District": ["Cherwell", "Oxford", "007", "2024/25"],
        "People": ["1,234", "*", "12", ""],
        "Change": ["-2.5", "+3.0", "*", "0"],
    })
    out = numbers_as_numbers(shown)
    assert out["People"].tolist() == [1234, "*", 12, ""]
    assert out["Change"].tolist() == [-2.5, 3.0, "*", 0]
    assert out["District"].tolist() == ["Cherwell", "Oxford", "007", "2024/25"]  # codes keep their text


def test_excel_has_numeric_cells_and_an_about_sheet():
    frame = pd.DataFrame({"district": ["=cmd|' /C calc'!A0", "Cherwell"], "people": ["1,204", "*"],
                          "change": ["-1", "3.5"]})
    about = [("Title", "People in treatment by district"), ("Selection", "young people, female, Cherwell")]
    book = load_workbook(io.BytesIO(to_excel_bytes(frame, about=about)))
    sheet = book["data"]
    assert sheet["A2"].value.startswith("'=") and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == 1204 and sheet["B2"].data_type == "n"
    assert sheet["B3"].value == "*"
    assert sheet["C2"].value == -1 and sheet["C2"].data_type == "n"
    assert sheet["C3"].value == 3.5
    rows = {r[0]: r[1] for r in book["About"].iter_rows(min_row=2, values_only=True)}
    assert rows["Selection"] == "young people, female, Cherwell"


def test_csv_has_plain_numbers_and_rows_of_a_users_file_keep_their_text():
    frame = pd.DataFrame({"district": ["Cherwell", "Oxford"], "people": ["1,204", "*"]})
    text = to_csv_bytes(frame).decode("utf-8-sig")
    assert "Cherwell,1204" in text and "Oxford,*" in text
    raw = to_csv_bytes(pd.DataFrame({"client": ["1,204"]}), convert_numbers=False).decode("utf-8-sig")
    assert '"1,204"' in raw


def test_download_name_carries_page_year_and_selection():
    assert (download_name("district_rates", "2024/25", ["young people", "West Oxfordshire"])
            == "district_rates_2024-25_young-people_west-oxfordshire")
    assert download_name("x", "2024/25", ["<b>**odd**</b> name/../"]) == "x_2024-25_b-odd-b-name"
