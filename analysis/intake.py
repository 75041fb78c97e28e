"""The Data page's steps as plain functions: split an extract into its tables, propose mappings, list unmapped codes, check rows.

The one pass: :func:`extract_parts` splits the upload (files, .zips, sheets) and recognises each
part's table (:func:`recognise_table`); each part's columns are proposed (:func:`propose_column_map`);
the codes of every part are listed once (:func:`unmapped_codes_of`) and answered before rows are
judged (:func:`check_part` holds back rows waiting for a code); one save stores everything.
"""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.codes import ADULTS, CODE_LISTS, GROUP_ORDER, YOUNG_PEOPLE, normalise_code, suggest_group, unmapped_codes
from analysis.contract import CODE, MAX_AGE, MIN_AGE, TABLES, normalise_header
from analysis.export import to_csv_bytes
from analysis.errors import DashboardError
from analysis.loaders import (
    BYTES_PER_MB,
    DEFAULT_MAX_BYTES,
    DELIMITERS,
    HEADER_SEARCH_ROWS,
    MUST_MAP,
    SNIFF_BYTES,
    LoadResult,
    UnreadableFileError,
    _detect_format,
    _open_workbook,
    as_utf8,
    default_sheet,
    empty_file_message,
    hidden_sheet_names,
    sheet_rows,
    _too_large,
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
TABLE_TYPES = ["csv", "txt", "tsv", "xlsx", "parquet", "xls"]  # .xls is accepted only to say how to convert it
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


def versions_table(store: Store) -> pd.DataFrame:
    """Every saved version, newest first: number, when, who, what was done, rows per table, current."""
    current = store.current()
    rows = []
    for version in reversed(store.versions()):
        manifest = version.manifest
        changes = manifest.get("changes", [])
        boundaries = manifest.get("boundaries") or {}
        saved_here = manifest.get("action") == "boundaries" or boundaries.get("saved_in_version") == version.number
        what = "; ".join([*(f"{c['table']} from {c['source']} ({c['mode']})" for c in changes),
                          *([f"boundaries from {boundaries.get('source', 'a file')}"] if saved_here else [])]
                         ) or manifest.get("action", "")
        rows.append({
            "version": version.number,
            "saved": version.saved_at.strftime("%d %b %Y %H:%M"),
            "saved by": manifest.get("saved_by", ""),
            "what was saved": what,
            "tables (rows)": ", ".join(f"{n} ({e.get('rows', 0):,})" for n, e in version.tables.items()),
            "current": "yes" if current is not None and current.number == version.number else "",
        })
    return pd.DataFrame(rows, columns=["version", "saved", "saved by", "what was saved", "tables (rows)", "current"])


# ---------------------------------------------------------------- the whole extract in one pass
#: Choice meaning "this file is not one of the tables" (it is listed, and not read or saved).
NOT_USED = "(not used)"
#: Placeholder meaning "no group chosen yet" for a code whose rows cannot be used without one.
CHOOSE_GROUP = None
#: Choice for such a code meaning "leave its rows out": they are rejected and listed, not saved.
LEAVE_OUT = "(leave these rows out)"
#: Code columns whose rows cannot be used without a group (the loader rejects them): service and substance.
MUST_MAP_COLUMNS = frozenset(column for _, column in MUST_MAP)
#: File types of the one uploader: tables, boundaries and .zip archives of either.
EXTRACT_TYPES = [*TABLE_TYPES, "geojson", "json", "zip"]
#: Top rows searched for a header when recognising a file's table (as the loader searches them).
HEADER_SEARCH = HEADER_SEARCH_ROWS
#: Words in a file (or sheet) name that name a table; a name naming two tables names none.
TABLE_NAME_WORDS: dict[str, tuple[str, ...]] = {
    "episodes": ("episode", "journey"),
    "referrals": ("referral", "referred"),
    "substances": ("substance", "drug"),
    "interventions": ("intervention", "modalit"),
    "districts": ("district", "lookup"),
    "population": ("population", "mye", "midyear"),
    "prevalence": ("prevalence",),
    "comparators": ("comparator", "benchmark", "fingertips"),
}
BY_NAME, BY_COLUMNS, BY_BOTH, BY_TYPE, BY_SOME_COLUMNS = (
    "file name", "columns", "file name and columns", "file type", "columns (some required ones missing)")
_WORDS = re.compile(r"[a-z]+")
#: How a hidden sheet of a workbook is described: it is not read unless the user chooses its table.
HIDDEN_SHEET = "hidden sheet"


@dataclass(frozen=True)
class Part:
    """One table-shaped piece of an upload: a file, a file inside a .zip, or one sheet of a workbook."""

    name: str  # as shown, e.g. "extract.zip/episodes.csv" or "book.xlsx [Districts]"
    filename: str  # what the loader reads it as (its extension decides the format)
    content: bytes = field(repr=False)
    sheet: str | None = None
    table: str | None = None  # the recognised table, BOUNDARIES, or None
    recognised_by: str = ""
    problem: str = ""  # why it cannot be read ("" when it can)


def table_named(name: str) -> str | None:
    """The table a file or sheet name names (e.g. "YP_Episodes_2024.csv" -> episodes), else None.

    The name is split into words (letters only, camel case split); a table is named when a word
    of the name starts with one of its words (``TABLE_NAME_WORDS``: "Episodes" starts with
    "episode"). A name naming two tables names none."""
    stem = Path(name).stem if "." in name else name
    words = _WORDS.findall(re.sub(r"([a-z])([A-Z])", r"\1 \2", stem).lower())
    named = [t for t, keys in TABLE_NAME_WORDS.items() if any(w.startswith(k) for w in words for k in keys)]
    return named[0] if len(named) == 1 else None


def recognise_table(
    name: str, header_rows: Sequence[Sequence[object]], saved_maps: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[str | None, str]:
    """Which contract table a file holds, and how that was seen: ``(table or None, how)``.

    Each of the top rows is tried as the header and matched to each table's columns as the
    mapping step would (:func:`propose_column_map`: the mapping saved for that table, then names
    and synonyms). A table is *complete* when every required column is found. In order:
    the table the name names if it is complete; else the complete table with most required
    columns (a population file with district names is population, not districts); else the table
    the name names; else the table with most of its required columns found (then the largest share
    of them), if at least half and two of them; else None (the user chooses)."""
    found: dict[str, int] = {}
    for table, spec in TABLES.items():
        required = set(spec.required)
        found[table] = max((len(required & set(propose_column_map(row, table, (saved_maps or {}).get(table))))
                            for row in header_rows), default=0)
    complete = [t for t in TABLES if found[t] == len(TABLES[t].required)]
    named = table_named(name)
    if named in complete:
        return named, BY_BOTH
    if complete:
        return max(complete, key=lambda t: len(TABLES[t].required)), BY_COLUMNS
    if named:
        return named, BY_NAME
    partial = [t for t in TABLES if found[t] >= max(2, len(TABLES[t].required) / 2)]
    best = max(partial, key=lambda t: (found[t], found[t] / len(TABLES[t].required)), default=None)
    return (best, BY_SOME_COLUMNS) if best else (None, "")


def header_rows(content: bytes, filename: str, sheet: str | None = None) -> list[list[str]]:
    """The top rows of a file as text cells, each a header candidate (CSV split by every separator
    the loader accepts; an .xlsx sheet's first rows; a Parquet file's column names)."""
    fmt = _detect_format(content, filename)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        try:
            return [list(pq.read_schema(io.BytesIO(content)).names)]
        except Exception as error:  # pyarrow raises several types for a damaged file
            raise UnreadableFileError(f"{filename} could not be read as Parquet ({error}).") from error
    if fmt == "xlsx":
        book = _open_workbook(content, filename)
        rows = sheet_rows(book[sheet] if sheet else default_sheet(book), max_row=HEADER_SEARCH)
        return [["" if v is None else str(v) for v in row] for row in rows]
    content = as_utf8(content)
    try:
        text = content[:SNIFF_BYTES].decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content[:SNIFF_BYTES].decode("cp1252", errors="replace")
    lines = "\n".join(text.splitlines()[:HEADER_SEARCH])
    return [row for delimiter in DELIMITERS for row in csv.reader(io.StringIO(lines), delimiter=delimiter)]


def unpack(files: Sequence[tuple[str, bytes]], max_bytes: int | None = None) -> list[tuple[str, str, bytes, str]]:
    """The files of an upload with every .zip opened: ``(shown name, file name, content, problem)``.

    A .zip holding a shapefile (.shp) stays whole: it is the boundaries. Folders and hidden files
    inside a .zip are skipped; a file of another type (a .zip in the .zip too) and a file larger
    than the upload limit (a guard against zip bombs) are listed with a problem instead of being read."""
    limit = max_bytes or max_upload_bytes()
    out: list[tuple[str, str, bytes, str]] = []
    for name, content in files:
        if Path(name).suffix.lower() != ".zip":
            out.append((name, name, content, ""))
            continue
        try:
            archive = zipfile.ZipFile(io.BytesIO(content))
            members = [m for m in archive.infolist() if not m.is_dir()]
        except (zipfile.BadZipFile, OSError) as error:
            out.append((name, name, content, f"{name} could not be opened as a .zip file ({error})."))
            continue
        if any(m.filename.lower().endswith(".shp") for m in members):
            out.append((name, name, content, ""))
            continue
        for member in members:
            base = Path(member.filename).name
            if base.startswith(".") or "__MACOSX" in member.filename:  # left by the system that made the zip
                continue
            shown = f"{name}/{member.filename}"
            if Path(base).suffix.lower().lstrip(".") not in set(EXTRACT_TYPES) - {"zip"}:
                out.append((shown, base, b"", f"{shown} is not a table or boundaries file (CSV, Excel .xlsx, Parquet, "
                                              "GeoJSON), so it was not read."))
                continue
            if member.file_size > limit:
                out.append((shown, base, b"", _too_large(shown, member.file_size, f"{limit / BYTES_PER_MB:g} MB")))
                continue
            out.append((shown, base, archive.read(member), ""))
    return out


def extract_parts(
    files: Sequence[tuple[str, bytes]], saved_maps: Mapping[str, Mapping[str, str]] | None = None,
    max_bytes: int | None = None,
) -> list[Part]:
    """Every table-shaped part of an upload (files, files in .zips, sheets of workbooks), each with
    its recognised table (:func:`recognise_table`) or the problem that stops it being read.
    Boundaries (GeoJSON, a zipped shapefile) are recognised by their file type."""
    limit = max_bytes or max_upload_bytes()
    parts: list[Part] = []
    for shown, filename, content, problem in unpack(files, limit):
        suffix = Path(filename).suffix.lower().lstrip(".")
        if problem:
            parts.append(Part(shown, filename, content, problem=problem))
        elif suffix in BOUNDARY_TYPES:
            parts.append(Part(shown, filename, content, table=BOUNDARIES, recognised_by=BY_TYPE))
        elif not content.strip():
            parts.append(Part(shown, filename, content, problem=empty_file_message(shown, content)))
        elif len(content) > limit:
            parts.append(Part(shown, filename, content,
                              problem=_too_large(shown, None, f"{limit / BYTES_PER_MB:g} MB")))
        else:
            try:
                names = sheet_names(io.BytesIO(content), filename=filename, max_bytes=limit)
                hidden = set(hidden_sheet_names(io.BytesIO(content), filename=filename, max_bytes=limit))
                for sheet in names or [None]:
                    label = f"{shown} [{sheet}]" if sheet is not None and len(names) > 1 else shown
                    if sheet in hidden:  # listed, and read only if the user gives it a table
                        parts.append(Part(label, filename, content, sheet, None, HIDDEN_SHEET))
                        continue
                    rows = header_rows(content, filename, sheet)
                    table, how = recognise_table(sheet if sheet is not None and len(names) > 1 else filename,
                                                 rows, saved_maps)
                    if table is None and sheet is not None and len(names) > 1:
                        table, how = recognise_table(filename, rows, saved_maps)
                    parts.append(Part(label, filename, content, sheet, table, how))
            except DashboardError as error:
                parts.append(Part(shown, filename, content, problem=str(error)))
    return parts


def unmapped_codes_of(
    reviewed: Sequence[tuple[str, pd.DataFrame, Mapping[str, str]]], code_maps: Mapping[str, Mapping[str, str]],
) -> pd.DataFrame:
    """Codes of every table of the upload that no code list or saved mapping knows, counted over
    every row of every file (``reviewed``: ``(table, preview, column map)`` per part), with rows
    summed when several files hold the same code: ``column``, ``code``, ``rows``, the ``suggested``
    group and ``why`` (:func:`unmapped_code_table`; the first file's, never applied by itself), ``must_map``
    (True when rows cannot be used without a group: service and substance). Codes whose rows
    cannot be used come first, then largest count first within each column."""
    frames = [unmapped_code_table(raw, table, column_map, code_maps) for table, raw, column_map in reviewed]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame({"column": pd.Series(dtype="string"), "code": pd.Series(dtype="string"),
                             "rows": pd.Series(dtype="int64"), "suggested": pd.Series(dtype="string"),
                             "why": pd.Series(dtype="string"), "must_map": pd.Series(dtype="bool")})
    table = pd.concat(frames, ignore_index=True).groupby(["column", "code"], sort=False, as_index=False).agg(
        rows=("rows", "sum"), suggested=("suggested", "first"), why=("why", "first"))
    table["must_map"] = table["column"].isin(MUST_MAP_COLUMNS)
    table["_order"] = ~table["must_map"]
    table = table.sort_values(["_order", "column", "rows"], ascending=[True, True, False], kind="stable")
    return table.drop(columns="_order").reset_index(drop=True)


def code_choices_for(column: str) -> list[str]:
    """The choices of a code box: a code whose rows cannot be used without a group (service,
    substance) has its groups or "leave these rows out", and starts with none chosen; any other
    code can be left unmapped (kept and reported as "Unmapped code"), which it starts as."""
    if column in MUST_MAP_COLUMNS:
        return [*GROUP_ORDER[column], LEAVE_OUT]
    return group_choices(column)


def pending_codes(choices: Mapping[tuple[str, str], str | None]) -> dict[str, set[str]]:
    """Codes still waiting for a group: ``{column: {code}}`` for every code box left on "choose"."""
    pending: dict[str, set[str]] = {}
    for (column, code), group in choices.items():
        if group is CHOOSE_GROUP:
            pending.setdefault(column, set()).add(code)
    return pending


def codes_sentence(pending: Mapping[str, set[str]]) -> str:
    """The pointer to the code boxes, e.g. "1 service code needs a group: see 'Codes' below.", or ""."""
    parts = [f"{len(codes)} {column} code{'s' if len(codes) != 1 else ''}" for column, codes in pending.items()]
    if not parts:
        return ""
    verb = "needs" if len(parts) == 1 and sum(len(c) for c in pending.values()) == 1 else "need"
    return (f"{' and '.join(parts)} {verb} a group before {'its' if verb == 'needs' else 'their'} rows can be "
            "checked: see 'Codes' below.")


@dataclass(frozen=True)
class Check:
    """A part read as its table, with the rows waiting for a code group kept apart from the rejected."""

    part: Part
    result: LoadResult
    waiting: int  # rows held back until a code of theirs has a group (not counted as rejected)
    rejected: pd.DataFrame  # the rejected rows that are not waiting

    @property
    def sentence(self) -> str:
        """e.g. "episodes.csv (episodes): 337 rows read, 0 valid, 337 waiting for a code group, 0 rejected."."""
        waiting = f", {self.waiting:,} waiting for a code group" if self.waiting else ""
        return (f"{self.part.name} ({self.result.table}): {self.result.rows_read:,} rows read, "
                f"{len(self.result.data):,} valid{waiting}, {len(self.rejected):,} rejected"
                f"{' (listed below; download them to fix and upload again)' if len(self.rejected) else ''}.")


def check_part(
    part: Part, raw: pd.DataFrame, column_map: Mapping[str, str], code_map: Mapping[str, Mapping[str, str]],
    pending: Mapping[str, set[str]], max_bytes: int | None = None,
) -> Check:
    """Read a part as its table (``analysis.loaders.load_table``, same method) and set apart the
    rows whose service or substance code still waits for a group (``pending``): they are counted
    as waiting, not rejected, until the code box is answered."""
    result = read_file(part.content, part.filename, part.table, sheet=part.sheet, column_map=column_map,
                       code_map=code_map, max_bytes=max_bytes)
    return hold_back(part, result, raw, column_map, pending)


def hold_back(
    part: Part, result: LoadResult, raw: pd.DataFrame, column_map: Mapping[str, str], pending: Mapping[str, set[str]],
) -> Check:
    """The :class:`Check` of a part read as ``result``: rows whose service or substance code is in
    ``pending`` (found in ``raw``, the preview of every row) are waiting, the other rejected rows rejected."""
    waiting_rows: set[int] = set()
    headers = list(raw.columns)
    for column, codes in pending.items():
        header = _header_for(column, headers, column_map, part.table) if column in code_columns(part.table) else None
        if header is None:
            continue
        keys = {normalise_code(c) for c in codes}
        held = raw[header].map(normalise_code).isin(keys)
        numbers = (pd.Series(raw.attrs["row_numbers"], index=raw.index) if "row_numbers" in raw.attrs
                   else pd.Series(raw.index + raw.attrs.get("first_row_number", 2), index=raw.index))
        waiting_rows.update(numbers[held.to_numpy()].tolist())  # the file's row numbers (a skipped ragged row shifts them)
    rejected = result.rejected
    waiting = rejected["row_number"].isin(waiting_rows) if len(rejected) else pd.Series(dtype=bool)
    return Check(part, result, int(waiting.sum()) if len(rejected) else 0,
                 rejected[~waiting].reset_index(drop=True) if len(rejected) else rejected)


def save_problem(checks: Sequence[Check], pending: Mapping[str, set[str]]) -> str:
    """Why the one Save cannot run yet ("" when it can): a code waits for a group, or nothing is valid."""
    if pending:
        return codes_sentence(pending).replace(" below", " above")
    if not any(len(c.result.data) for c in checks):
        return "No file has a valid row to save yet."
    return ""


def restore_choices(versions: pd.DataFrame) -> dict[int, str]:
    """The versions a restore offers, newest first, each named with what it holds, e.g.
    ``{3: "version 3, saved 30 Nov 2026 12:00: episodes (337), referrals (402)"}``."""
    return {int(number): f"version {number}, saved {saved}: {tables or 'no tables'}" + (" (current)" if current else "")
            for number, saved, tables, current in zip(versions["version"], versions["saved"], versions["tables (rows)"],
                                                      versions["current"], strict=True)}
