"""Downloads: a shown table as CSV or Excel bytes, with formula-like cells neutralised."""

from __future__ import annotations

import io

import pandas as pd

#: A cell starting with one of these could run as a formula when opened in a spreadsheet.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


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


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a byte-order mark, so Excel opens accented names correctly."""
    return neutralise_formulas(frame).to_csv(index=False).encode("utf-8-sig")


def to_excel_bytes(frame: pd.DataFrame, sheet_name: str = "data", notes: list[str] | None = None) -> bytes:
    """An .xlsx workbook with the table, and the notes (definitions, source, suppression) below it."""
    buffer = io.BytesIO()
    safe = neutralise_formulas(frame)
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        safe.to_excel(writer, sheet_name=sheet_name[:31], index=False)
        if notes:
            pd.DataFrame({"notes": notes}).pipe(neutralise_formulas).to_excel(
                writer, sheet_name="notes", index=False
            )
    return buffer.getvalue()
