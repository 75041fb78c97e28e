"""The Data page's steps as plain functions: read an upload, propose mappings, list unmapped codes, report problems."""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from analysis.codes import ADULTS, CODE_LISTS, GROUP_ORDER, YOUNG_PEOPLE, suggest_group, unmapped_codes
from analysis.contract import CODE, MAX_AGE, MIN_AGE, TABLES, normalise_header
from analysis.export import to_csv_bytes
from analysis.loaders import (
    BYTES_PER_MB,
    DEFAULT_MAX_BYTES,
    LoadResult,
    load_boundaries,
    age_in_whole_years,
    load_table,
    parse_date_text,
    read_raw,
    sheet_names,
    suggest_column_map,
)
from analysis.store import Store

#: Choice meaning "this contract column is not in the file".
NOT_IN_FILE = "(not in the file)"
#: Choice meaning "leave this local code unmapped" (kept as "Unmapped code" and reported).
LEAVE_UNMAPPED = "(leave unmapped)"
#: Name of the boundaries upload beside the contract's tables.
BOUNDARIES = "boundaries"
#: File types accepted by the uploader, for tables and for boundaries.
TABLE_TYPES = ["csv", "txt", "xlsx", "parquet"]
BOUNDARY_TYPES = ["geojson", "json", "zip"]
#: Environment variable setting the largest upload in MB (default: the loader's 200 MB). Keep it no
#: larger than Streamlit's ``server.maxUploadSize`` (also 200 MB by default).
MAX_UPLOAD_ENV = "DAAT_DASHBOARD_MAX_UPLOAD_MB"
MAX_UPLOAD_BYTES = DEFAULT_MAX_BYTES
#: Said on the Data page wherever a column is read but never stored (data minimisation).
NOT_STORED_NOTE = ("A date of birth is accepted instead of the age at triage: the age in whole years on the triage "
                   "date is computed when the file is read, and the date of birth is then dropped. It is never "
                   "saved, not even with rejected rows (data minimisation).")
#: Rows shown in the preview.
PREVIEW_ROWS = 20
#: A service is proposed as the young people's service when every client is under this age
#: (GLOSSARY: under 18, often flexible up to 24) and at least half are under ``ADULT_MIN_AGE``.
YOUNG_PEOPLE_AGE_LIMIT = 25
#: A service is proposed as an adult service when every client is at least this age.
ADULT_MIN_AGE = 18


def max_upload_bytes() -> int:
    """The largest upload accepted: ``DAAT_DASHBOARD_MAX_UPLOAD_MB`` megabytes if set, else 200 MB."""
    setting = os.environ.get(MAX_UPLOAD_ENV, "").strip()
    try:
        return int(float(setting) * BYTES_PER_MB) if setting else MAX_UPLOAD_BYTES
    except ValueError:
        return MAX_UPLOAD_BYTES


def read_file(
    content: bytes, filename: str, table: str, *, sheet: str | None = None,
    column_map: Mapping[str, str] | None = None, code_map: Mapping[str, Mapping[str, str]] | None = None,
    max_bytes: int | None = None,
) -> LoadResult:
    """Validate uploaded bytes as ``table`` with ``analysis.loaders.load_table`` (same method)."""
    return load_table(io.BytesIO(content), table, sheet=sheet, column_map=column_map, code_map=code_map,
                      filename=filename, max_bytes=max_bytes or max_upload_bytes())


def preview(
    content: bytes, filename: str, table: str, *, sheet: str | None = None,
    column_map: Mapping[str, str] | None = None, max_bytes: int | None = None,
) -> pd.DataFrame:
    """Every row of the file as text below its detected header (``analysis.loaders.read_raw``)."""
    return read_raw(io.BytesIO(content), table, sheet=sheet, column_map=column_map, filename=filename,
                    max_bytes=max_bytes or max_upload_bytes())


def sheets(content: bytes, filename: str) -> list[str]:
    """The sheets of an .xlsx upload (empty for CSV and Parquet)."""
    return sheet_names(io.BytesIO(content), filename=filename, max_bytes=max_upload_bytes())


def boundaries(content: bytes, filename: str) -> Any:
    """District boundaries from a GeoJSON or zipped-shapefile upload (``analysis.loaders.load_boundaries``)."""
    return load_boundaries(io.BytesIO(content), filename=filename, max_bytes=max_upload_bytes())


def propose_column_map(headers: Iterable[object], table: str, saved: Mapping[str, str] | None = None) -> dict[str, str]:
    """For each contract column, the file header proposed for it: ``{contract column: header}``.

    The mapping saved last time for this table is used first, for headers the file still has;
    then ``suggest_column_map`` (names and common synonyms) for the columns still unmatched.
    """
    headers = [str(h) for h in headers]
    names = set(TABLES[table].for_reading().names)
    proposal: dict[str, str] = {}
    for header, column in (saved or {}).items():
        if header in headers and column in names and column not in proposal and header not in proposal.values():
            proposal[column] = header
    for header, column in suggest_column_map([h for h in headers if h not in proposal.values()], table).items():
        proposal.setdefault(column, header)
    return proposal


def column_map_from_choices(choices: Mapping[str, str]) -> dict[str, str]:
    """The loader's column mapping ``{file header: contract column}`` from ``{contract column: choice}``."""
    return {header: column for column, header in choices.items() if header and header != NOT_IN_FILE}


def headers_used_twice(choices: Mapping[str, str]) -> list[str]:
    """File headers chosen for more than one contract column (each header can supply one)."""
    chosen = [h for h in choices.values() if h and h != NOT_IN_FILE]
    return sorted({h for h in chosen if chosen.count(h) > 1})


def code_columns(table: str) -> list[str]:
    """The code columns of a table that are mapped to reporting groups."""
    return [c.name for c in TABLES[table].columns if c.kind == CODE and c.name in CODE_LISTS]


def group_choices(column: str) -> list[str]:
    """What a local code of ``column`` can be mapped to: its reporting groups (or left unmapped)."""
    return [LEAVE_UNMAPPED, *GROUP_ORDER[column]]


def _header_for(column: str, headers: list[str], column_map: Mapping[str, str], table: str) -> str | None:
    """The file header the loader reads ``column`` from: the user's mapping first, then the name,
    then the contract's synonyms (as ``analysis.loaders.load_table`` does)."""
    for header, target in column_map.items():
        if target == column and header in headers:
            return header
    mapped = set(column_map)
    exact = next((h for h in headers if h not in mapped and normalise_header(h) == normalise_header(column)), None)
    if exact is not None:
        return exact
    suggested = suggest_column_map([h for h in headers if h not in mapped], table)
    return next((h for h, target in suggested.items() if target == column), None)


def propose_service_group(ages: pd.Series) -> tuple[str | None, str]:
    """The service group to PROPOSE for a local service name, from the ages of its clients, and why.

    Rule: every client under ``YOUNG_PEOPLE_AGE_LIMIT`` (25) and at least half under 18 -> young
    people; every client 18 or over -> adults; otherwise no proposal (the user chooses). Only a
    proposal: the Data page shows it for the user to confirm.
    """
    ages = pd.to_numeric(ages, errors="coerce").dropna()
    ages = ages[ages.between(MIN_AGE, MAX_AGE)]  # impossible ages are rejected at load: not evidence
    if ages.empty:
        return None, "no ages recorded for its clients"
    low, high, median = int(ages.min()), int(ages.max()), float(ages.median())
    why = f"its clients are aged {low} to {high} (median {median:g})"
    if high < YOUNG_PEOPLE_AGE_LIMIT and median < ADULT_MIN_AGE:
        return YOUNG_PEOPLE, why
    if low >= ADULT_MIN_AGE:
        return ADULTS, why
    return None, why


def _ages(raw: pd.DataFrame, column_map: Mapping[str, str], table: str) -> pd.Series | None:
    """Age at triage of each row of an episodes file: the age given, else from the date of birth
    (as the loader computes it); None when the file has neither."""
    headers = list(raw.columns)
    age, dob, triage = (_header_for(c, headers, column_map, table)
                        for c in ("age_at_triage", "date_of_birth", "triage_date"))
    given = pd.to_numeric(raw[age], errors="coerce").astype("Float64") if age is not None else None
    if dob is None or triage is None:
        return given
    born, triaged = parse_date_text(raw[dob]), parse_date_text(raw[triage])
    computed = age_in_whole_years(born, triaged).where(born <= triaged).astype("Float64")
    return computed if given is None else given.fillna(computed)


def _suggestion(column: str, code: str, raw: pd.DataFrame, header: str, ages: pd.Series | None) -> tuple[str, str]:
    """(suggested group or "", why) for one unknown code: services by their clients' ages, other
    codes by the closest known label (``analysis.codes.suggest_group``)."""
    if column == "service" and ages is not None:
        rows = raw[header].astype("string").str.strip() == code
        group, why = propose_service_group(ages[rows.fillna(False).to_numpy()])
        return group or "", why
    group, label = suggest_group(code, column)
    return (group, f"closest known label: '{label}'") if group else ("", "no known label is close")


def unmapped_code_table(
    raw: pd.DataFrame, table: str, column_map: Mapping[str, str], code_maps: Mapping[str, Mapping[str, str]]
) -> pd.DataFrame:
    """Codes in the file that no code list or saved mapping knows: ``column``, ``code``, ``rows``,
    and a ``suggested`` group ("" if none) with ``why`` it is suggested.

    Counted over every row of the file (``raw`` from :func:`preview`), before validation, so codes
    in rows rejected for other reasons are listed too. Largest count first within each column. A
    suggestion is never applied by itself: the user confirms it (services are proposed from
    their clients' ages, :func:`propose_service_group`; other codes from the closest known label).
    """
    headers = list(raw.columns)
    frames = []
    ages = _ages(raw, column_map, table) if table == "episodes" else None
    for column in code_columns(table):
        header = _header_for(column, headers, column_map, table)
        if header is None:
            continue
        counts = unmapped_codes(raw[header], column, code_maps.get(column))
        if len(counts):
            suggestions = [_suggestion(column, str(code), raw, header, ages) for code in counts.index]
            frames.append(pd.DataFrame({
                "column": column, "code": counts.index.astype(str), "rows": counts.to_numpy(),
                "suggested": [group for group, _ in suggestions], "why": [why for _, why in suggestions],
            }))
    if not frames:
        return pd.DataFrame({"column": pd.Series(dtype="string"), "code": pd.Series(dtype="string"),
                             "rows": pd.Series(dtype="int64"), "suggested": pd.Series(dtype="string"),
                             "why": pd.Series(dtype="string")})
    return pd.concat(frames, ignore_index=True)


def code_map_from_choices(
    choices: Mapping[tuple[str, str], str], saved: Mapping[str, Mapping[str, str]] | None = None
) -> dict[str, dict[str, str]]:
    """The loader's code mapping ``{column: {local code: group}}``: the saved mappings plus the
    user's choices ``{(column, code): group}`` (codes left unmapped are not included)."""
    result = {column: dict(codes) for column, codes in (saved or {}).items()}
    for (column, code), group in choices.items():
        if group and group != LEAVE_UNMAPPED:
            result.setdefault(column, {})[code] = group
    return result


def problems_by_column(result: LoadResult) -> pd.DataFrame:
    """Validation report per column: how many rejected rows have a problem in it, and the reasons.

    A rejected row with problems in two columns counts once in each."""
    rejected = result.rejected
    if rejected.empty:
        return pd.DataFrame({"column": pd.Series(dtype="string"), "rows": pd.Series(dtype="int64"),
                             "reasons": pd.Series(dtype="string")})
    pairs = pd.DataFrame(
        [(row, column, reason)
         for row, columns, reasons in zip(rejected["row_number"], rejected["column"], rejected["reason"], strict=True)
         for column, reason in zip(str(columns).split("; "), str(reasons).split("; "), strict=False)],
        columns=["row", "column", "reason"],
    )
    summary = pairs.groupby("column", sort=False).agg(
        rows=("row", "nunique"), reasons=("reason", lambda r: "; ".join(dict.fromkeys(r)))
    ).reset_index()
    return summary.sort_values("rows", ascending=False, kind="stable").reset_index(drop=True)


def rejected_file(result: LoadResult) -> bytes:
    """The rejected rows as CSV to fix and upload again: the row number, column, value and reason
    of each problem, then the row's original cells under the file's own headers. Cells that could
    run as a spreadsheet formula (=, +, -, @) are neutralised (``analysis.export.to_csv_bytes``)."""
    return to_csv_bytes(result.rejected, convert_numbers=False)


def validation_summary(result: LoadResult) -> str:
    """One sentence: rows read, valid and rejected."""
    rejected = len(result.rejected)
    return (f"{result.source_name}: {result.rows_read:,} rows read, {len(result.data):,} valid, "
            f"{rejected:,} rejected{' (listed below; download them to fix and upload again)' if rejected else ''}.")


def versions_table(store: Store) -> pd.DataFrame:
    """Every saved version, newest first: number, when, who, what was done, rows per table, current."""
    current = store.current()
    rows = []
    for version in reversed(store.versions()):
        manifest = version.manifest
        changes = manifest.get("changes", [])
        what = "; ".join(f"{c['table']} from {c['source']} ({c['mode']})" for c in changes) or (
            f"boundaries from {manifest.get('boundaries', {}).get('source', 'a file')}"
            if manifest.get("action") == "boundaries" else manifest.get("action", ""))
        rows.append({
            "version": version.number,
            "saved": version.saved_at.strftime("%d %b %Y %H:%M"),
            "saved by": manifest.get("saved_by", ""),
            "what was saved": what,
            "tables (rows)": ", ".join(f"{n} ({e.get('rows', 0):,})" for n, e in version.tables.items()),
            "current": "yes" if current is not None and current.number == version.number else "",
        })
    return pd.DataFrame(rows, columns=["version", "saved", "saved by", "what was saved", "tables (rows)", "current"])
