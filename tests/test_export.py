"""Downloads neutralise spreadsheet formulas and keep numbers as numbers."""

import io

import pandas as pd
from openpyxl import load_workbook

from analysis.export import neutralise_formulas, to_csv_bytes, to_excel_bytes


def test_formula_cells_are_neutralised_numbers_kept():
    frame = pd.DataFrame({"name": ["=1+1", "+44", "-x", "@SUM(A1)", "Oxford", None], "change": [-3, 2, 0, 1, 5, 6]})
    safe = neutralise_formulas(frame)
    assert list(safe["name"][:5]) == ["'=1+1", "'+44", "'-x", "'@SUM(A1)", "Oxford"]
    assert safe["change"].tolist() == [-3, 2, 0, 1, 5, 6]
    assert frame["name"].iloc[0] == "=1+1"  # input unchanged


def test_csv_and_excel_round_trip():
    frame = pd.DataFrame({"district": ["=cmd|' /C calc'!A0", "Cherwell"], "count": [12, -1]})
    csv = pd.read_csv(io.BytesIO(to_csv_bytes(frame)), encoding="utf-8-sig")
    assert csv["district"].iloc[0].startswith("'=")
    book = load_workbook(io.BytesIO(to_excel_bytes(frame, notes=["Counts 1-4 shown as *"])))
    sheet = book["data"]
    assert sheet["A2"].value.startswith("'=")
    assert sheet["A2"].data_type == "s"
    assert sheet["B3"].value == -1
    assert book["notes"]["A2"].value == "Counts 1-4 shown as *"
