"""Downloads: a shown table as CSV or Excel bytes that carry their context.

Numbers stay numbers: the table a page shows holds formatted text ("1,234", "12.5", ``*``), and a
download turns every cell that reads as a plain number back into a number, so a spreadsheet can
add them up. Text cells that start like a formula are neutralised; numbers (negative ones too) are
never touched. An Excel download has a second sheet, "About", with the title, years, selection,
data label, source, definitions, suppression note and the time it was made; a file's name carries
the page, year and selection.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

import pandas as pd

#: A cell starting with one of these could run as a formula when opened in a spreadsheet.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: A number as ``analysis.board.display_table`` writes it: optional sign, thousands separators, decimals.
#: No leading zeros ("007" is a code, not a number).
_NUMBER = re.compile(r"^[+-]?(0|[1-9]\d{0,2}(,\d{3})+|[1-9]\d*)(\.\d+)?$")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that start like a formula with an apostrophe (OWASP CSV injection advice).
    Numbers stay numbers, so a negative change is still a number in Excel."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
            continue
        text = values.astype("object")
        risky = text.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_PREFIXES))
        out[column] = text.where(~risky, "'" + text.astype(str))
    return out


def _as_number(value: object) -> object:
    if isinstance(value, str) and _NUMBER.match(value.strip()):
        number = float(value.strip().replace(",", ""))
        return int(number) if number.is_integer() and "." not in value else number
    return value


def numbers_as_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text cell that is a plain number ("1,234", "-2.5") as that number; ``*``, blanks and
    other text unchanged. A column of numbers and ``*`` keeps both (the ``*`` as text)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].astype(object).map(_as_number)
    return out


def download_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The table as it is written to a file: numbers as numbers, formula-like text neutralised."""
    return neutralise_formulas(numbers_as_numbers(frame))


def to_csv_bytes(frame: pd.DataFrame, *, convert_numbers: bool = True) -> bytes:
    """UTF-8 CSV with a byte-order mark (so Excel opens accented names correctly), plain numbers.
    ``convert_numbers=False`` keeps every cell's text as it is (rows of a user's own file)."""
    table = download_table(frame) if convert_numbers else neutralise_formulas(frame)
    return table.to_csv(index=False).encode("utf-8-sig")


def to_excel_bytes(
    frame: pd.DataFrame, sheet_name: str = "data", about: Sequence[tuple[str, str]] = ()
) -> bytes:
    """An .xlsx workbook: the table (numbers as numbers) and an "About" sheet of (item, text) rows."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        download_table(frame).to_excel(writer, sheet_name=sheet_name[:31], index=False)
        if about:
            sheet = pd.DataFrame(list(about), columns=["Item", "Text"])
            neutralise_formulas(sheet).to_excel(writer, sheet_name="About", index=False)
            worksheet = writer.sheets["About"]
            worksheet.column_dimensions["A"].width = 18
            worksheet.column_dimensions["B"].width = 110
    return buffer.getvalue()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def download_name(base: str, year_label: str, selection_parts: Sequence[str] = ()) -> str:
    """A file name (no extension) carrying page, year and selection, safe on every system:
    ``district_rates_2024-25_young-people_west-oxfordshire``."""
    parts = [base, _slug(year_label), *(_slug(p) for p in selection_parts if p)]
    return "_".join(p for p in parts if p)[:150]
