"""Read a user's CSV, Excel or Parquet file into a typed contract table, reporting the rows rejected."""

from __future__ import annotations

import codecs
import csv
import difflib
import functools
import io
import os
import re
import warnings as warnings_module
import zipfile
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

from analysis.codes import CODE_LISTS, UNMAPPED, map_codes
from analysis.contract import (
    CODE,
    DATE,
    DISTRICT_CODE_CHANGES_FILE,
    HEADER_SYNONYMS,
    ID,
    INTEGER,
    NUMBER,
    RANKED_SUBSTANCE_HEADERS,
    TABLES,
    TEXT,
    Table,
    normalise_header,
    synonym_columns,
)
from analysis.errors import FileProblem, MissingColumnError

if TYPE_CHECKING:
    import geopandas

# ---------------------------------------------------------------- limits and settings
BYTES_PER_MB = 1024 * 1024
#: Largest file accepted, in bytes (200 MB): beyond this a browser upload and pandas parse get slow.
DEFAULT_MAX_BYTES = 200 * BYTES_PER_MB
#: How many rows from the top of a sheet are searched for the header (title rows above it are common).
HEADER_SEARCH_ROWS = 10
#: Bytes read from the start of a CSV to choose the encoding and the separator.
SNIFF_BYTES = 64 * 1024
#: Separators a CSV may use, in order of preference when the evidence ties.
DELIMITERS = (",", ";", "\t")
#: How many row numbers are listed per unknown code in a warning.
ROWS_LISTED = 5
#: Line number of the header when no title rows are skipped (a spreadsheet's row 1).
HEADER_LINE = 1

#: Date formats accepted, tried in this order: ISO, then UK day-first; never US month-first.
#: The forms with a time are what Excel and Parquet dates become when read as text; the day-first
#: forms with dashes, dots and month names are what case-management exports write (15-06-2024,
#: 15.06.2024, 15 Jun 2024, 15-Jun-2024, 15 June 2024).
DATE_FORMATS = (
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d %b %Y",
    "%d-%b-%Y",
    "%d %B %Y",
)
#: A value shaped like an accepted date; if it still fails to parse, the day or month is impossible.
_DATE_SHAPE = re.compile(
    r"^(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{4}|\d{1,2}[ -][A-Za-z]{3,9}[ -]\d{4})"
    r"([ T]\d{1,2}:\d{2}(:\d{2})?)?$")
#: A number written with thousands separators, e.g. 1,234 or 12,345.67.
_THOUSANDS = r"^-?\d{1,3}(,\d{3})+(\.\d+)?$"

ID_DTYPE = "string"
TEXT_DTYPE = "string"
DATE_DTYPE = "datetime64[ns]"
INTEGER_DTYPE = "Int64"
NUMBER_DTYPE = "float64"
GROUP_SUFFIX = "_group"

#: Text columns held as categories once read (a few distinct values in millions of rows: issue 12, a national
#: episodes file held 400 MB of them as text): the categories are the values present, sorted, as text (what
#: ``.astype("string").astype("category")`` makes), the same columns ``analysis.store`` reads as categories
#: from a saved version (``store.CATEGORIES_ON_LOAD``; a test checks they agree). A Parquet file's columns
#: for them are read as Arrow dictionaries, so their text is never made row by row.
CATEGORY_COLUMNS: dict[str, tuple[str, ...]] = {
    "episodes": ("sex", "ethnicity", "service", "discharge_reason", "accommodation_status", "in_care",
                 "injecting_status", "district_code", "postcode_district", "ward_code"),
    "substances": ("substance",), "interventions": ("intervention",), "referrals": ("referral_source",),
}
#: Whole-number columns held in a smaller type when every value fits (the same values): ages as ``Int16``
#: (as the prepared episodes hold them), a substance's rank (1 to 3) as ``Int8`` (as ``store`` reads it).
SMALL_INTEGERS: dict[str, dict[str, str]] = {"episodes": {"age_at_triage": "Int16"}, "substances": {"rank": "Int8"}}

#: Required columns whose empty cell is meaningful and kept ("district not known").
EMPTY_ALLOWED = {("episodes", "district_code")}
#: Code columns whose unknown codes make a row unusable (rejected, not kept as unmapped).
MUST_MAP = {("episodes", "service"), ("substances", "substance")}
#: Pairs of dates (earlier, later) that must be in order within a row.
DATE_ORDER: dict[str, tuple[tuple[str, str, str], ...]] = {
    "episodes": (("triage_date", "discharge_date", "discharge date before triage date"),),
    "interventions": (("start_date", "end_date", "end date before start date"),),
}

#: How close (difflib ratio) an unused header must be to a missing column's name to be pointed out.
HINT_CUTOFF = 0.75
#: Columns that hold district codes, in any table: pre-2009 ONS codes in them are changed at load.
DISTRICT_CODE_COLUMN = "district_code"
#: What the rejected-rows report shows instead of a date of birth (it is never kept, even there).
NOT_KEPT = "(not kept)"

#: Property of a boundary file holding the district code.
BOUNDARY_CODE = "district_code"
#: Shapefile (dBase) field names hold at most 10 characters, so district_code arrives as district_c.
SHAPEFILE_NAME_LENGTH = 10

#: Event dates before this are rejected as implausible (the national treatment data start in the 1990s);
#: so are event dates after today. The date of birth is not an event date and is not checked this way.
EARLIEST_EVENT_DATE = pd.Timestamp("1990-01-01")
#: Columns of kind DATE that are not events (checked against the triage date instead).
NOT_EVENT_DATES = {"date_of_birth"}
#: First bytes of the files Excel or Windows write that are not CSV, .xlsx or Parquet.
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, and any password-protected Office file
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")  # the stream a password-protected .xlsx holds
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # Excel's "Unicode text" (tab-separated UTF-16)
#: Cells listed by reference when a workbook's formulas have no saved values.
CELLS_LISTED = 5

REPORT_COLUMNS = ["row_number", "column", "value", "reason"]
_REASON_SEP = "; "


# ---------------------------------------------------------------- errors
class UnknownTableError(FileProblem):
    """The table name is not one of the data contract's tables."""


class UnreadableFileError(FileProblem):
    """The file is not a readable CSV, .xlsx or Parquet file (or the sheet does not exist)."""


class EmptyFileError(FileProblem):
    """The file has no data rows."""


class FileTooLargeError(FileProblem):
    """The file is larger than the size limit."""


class PasswordProtectedError(UnreadableFileError):
    """The workbook is encrypted with a password (an OLE2 file holding an EncryptedPackage stream)."""


class OldExcelError(UnreadableFileError):
    """The file is an Excel 97-2003 .xls workbook (an OLE2 compound file), not .xlsx."""


class FormulasWithoutValuesError(UnreadableFileError):
    """The sheet holds formulas whose values were never saved (written by a program, not Excel)."""


# ---------------------------------------------------------------- result
@dataclass
class LoadResult:
    """A loaded table: valid typed rows, the rejected rows with reasons, and warnings.

    ``len(data) + len(rejected) == rows_read`` always holds; so does
    ``len(data) + rejected["row_number"].nunique() == rows_read``, except for a substances file read
    from ranked columns, whose rows are the substances read (several can share a row number).
    """

    data: pd.DataFrame
    rejected: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    rows_read: int = 0
    table: str = ""
    source_name: str = ""


@dataclass
class _Raw:
    """The cells below the header, as read, with where they sit in the file."""

    body: pd.DataFrame  # columns are the file's headers (made unique); index 0.. is position below the header
    first_row_number: int  # line/row number (1-based) of the first row below the header
    name: str
    warnings: list[str]
    unnamed_with_data: list[str] = field(default_factory=list)  # letters of data columns without a header
    row_numbers: np.ndarray | None = None  # each body row's line in the file, when not position + first_row_number
    bad_lines: list[tuple[int, int, str]] = field(default_factory=list)  # CSV lines with too many fields: (line, fields, text)
    expected_fields: int = 0  # fields in the CSV header, when ``bad_lines``

    def numbers(self) -> pd.Series:
        """The file's row number of each body row, by body position."""
        if self.row_numbers is not None:
            return pd.Series(self.row_numbers, index=self.body.index)
        return pd.Series(self.body.index.to_numpy() + self.first_row_number, index=self.body.index)


# ---------------------------------------------------------------- public API
def load_table(
    source: Any,
    table: str,
    *,
    sheet: str | None = None,
    column_map: Mapping[str, str] | None = None,
    code_map: Mapping[str, Mapping[str, str]] | None = None,
    filename: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> LoadResult:
    """Read ``source`` as contract table ``table``: typed valid rows, rejected rows with reasons, warnings.

    Method: the file is read as text cells (CSV in UTF-8, UTF-8 with BOM or Windows-1252; comma,
    semicolon or tab separated; .xlsx; Parquet); the header is the first of the top
    ``HEADER_SEARCH_ROWS`` rows holding every required column (headers matched with
    :func:`analysis.contract.normalise_header`, ``column_map`` first). Each column is parsed by its
    contract kind with vectorised pandas (dates as yyyy-mm-dd or day-first: ``DATE_FORMATS``), then required
    values and ranges are checked with a pandera schema (lazy validation). A row with any problem is
    rejected once, with every reason; code columns gain a ``<column>_group`` from
    :func:`analysis.codes.map_codes`, and unknown codes are kept as ``Unmapped code`` and reported.
    A substances file with ranked columns ("Primary substance", "Secondary substance"...) and no
    rank column is read as one row per substance given (``rows_read`` counts those rows).
    """
    spec = _table_spec(table)
    raw = _melt_ranked_substances(
        _read(source, spec, sheet=sheet, column_map=column_map, filename=filename, max_bytes=max_bytes),
        spec, column_map)
    mapping = _resolve_columns(list(raw.body.columns), spec, column_map, raw.warnings)
    _check_required(raw, spec, mapping)
    body = _drop_blank_rows(raw.body)
    if body.empty and not raw.bad_lines:
        raise EmptyFileError(f"{raw.name} has a header but no data rows. Check that you chose the right file.")
    result = _build(body, raw, spec, mapping, code_map or {})
    del raw, body
    give_back_memory()  # the file's cells, freed: kept by Arrow's and C's allocators otherwise
    return result


def give_back_memory() -> None:
    """Give back to the system the memory freed after a large step (a file read, a table written): Arrow's
    allocator keeps freed pages (``dataset.release_read_buffers``), and so does C's (glibc's ``malloc_trim``;
    nothing on other systems). Issue 12: at national scale a save from the files peaked 245 MB lower with it,
    the freed pages of one step not being reused by the next (numpy's large arrays are mapped afresh)."""
    from analysis.dataset import release_read_buffers  # (dataset imports this module)

    release_read_buffers()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.lru_cache(maxsize=1)
def _malloc_trim() -> Any:
    """glibc's ``malloc_trim``, or None where the C library has none (macOS, Windows, musl)."""
    import ctypes
    import ctypes.util

    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError, TypeError):
        return None


def read_raw(
    source: Any,
    table: str | None = None,
    *,
    sheet: str | None = None,
    column_map: Mapping[str, str] | None = None,
    filename: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    nrows: int | None = None,
) -> pd.DataFrame:
    """Return the file's cells as text below its detected header, for preview and column mapping.

    The header is found as in :func:`load_table` when ``table`` is given, else it is the first
    non-empty row. Blank rows are dropped; empty cells are ``<NA>``. The index is the position
    below the header, so a row's number in the file is its index plus ``attrs["first_row_number"]``
    (``attrs["row_numbers"]`` lists them, and is the one to use for a substances file read from
    ranked columns, see :func:`load_table`);
    ``attrs`` also holds ``warnings`` and ``source_name``. A Parquet file's code columns (``CATEGORY_COLUMNS``)
    are categories of their text, the same values (issue 12: a national episodes file's preview held 600 MB of
    text, and Streamlit's cache pickled it at a 3.5 GB peak).
    """
    spec = _table_spec(table) if table is not None else None
    raw = _read(source, spec, sheet=sheet, column_map=column_map, filename=filename, max_bytes=max_bytes)
    if spec is not None:
        raw = _melt_ranked_substances(raw, spec, column_map)
    body = _drop_blank_rows(raw.body)
    if nrows is not None:
        body = body.head(nrows)
    text = pd.DataFrame({c: _as_text(body[c]) for c in body.columns}, index=body.index)
    text.attrs = {"first_row_number": raw.first_row_number, "warnings": list(raw.warnings), "source_name": raw.name,
                  "row_numbers": raw.numbers().loc[body.index].tolist()}
    return text


def suggest_column_map(headers: Iterable[object], table: str) -> dict[str, str]:
    """Suggest which file header is which contract column: ``{file header: contract column}``.

    A header matches a column when their normalised names are equal (case, spaces and
    punctuation ignored), else when it is a synonym declared in the contract
    (``analysis.contract.HEADER_SYNONYMS``: "Gender" for sex, "DOB" for date_of_birth, "District"
    for district_code...). Each contract column is suggested for one header at most, exact
    matches first. :func:`load_table` matches headers the same way.
    """
    spec = _table_spec(table)
    by_key = {normalise_header(n): n for n in spec.names}
    headers = [str(h) for h in headers]
    suggestion: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:  # exact (normalised) matches first so a synonym never steals them
        name = by_key.get(normalise_header(header))
        if name and name not in taken:
            suggestion[header] = name
            taken.add(name)
    for header in headers:
        if header in suggestion:
            continue
        name = next((c for c in synonym_columns(header, spec) if c not in taken), None)
        if name is not None:
            suggestion[header] = name
            taken.add(name)
    return suggestion


def sheet_names(source: Any, *, filename: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> list[str]:
    """List the sheets of an .xlsx file (empty list for CSV and Parquet)."""
    data, name = _read_bytes(source, filename, max_bytes)
    if _detect_format(data, name) != "xlsx":
        return []
    return list(_open_workbook(data, name).sheetnames)


def hidden_sheet_names(source: Any, *, filename: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> list[str]:
    """The hidden (and very hidden) sheets of an .xlsx file (empty list for CSV and Parquet)."""
    data, name = _read_bytes(source, filename, max_bytes)
    if _detect_format(data, name) != "xlsx":
        return []
    book = _open_workbook(data, name)
    return [s for s in book.sheetnames if s not in visible_sheets(book)]


def load_boundaries(
    source: Any, *, filename: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> geopandas.GeoDataFrame:
    """Read district boundaries (GeoJSON or a zipped shapefile) as a GeoDataFrame in EPSG:4326.

    The file must have a ``district_code`` property (matched like contract headers, e.g.
    ``DISTRICT_CODE``; in a shapefile, whose field names stop at 10 characters, ``district_c``),
    which is renamed to ``district_code`` and kept as text. Geometries are reprojected to WGS84
    longitude/latitude (EPSG:4326), which web maps use. A file without a coordinate reference
    system is taken as EPSG:4326 only if its coordinates are longitudes and latitudes.
    """
    import geopandas as gpd  # imported here: geopandas is slow to import and only maps need it

    data, name = _read_bytes(source, filename, max_bytes)
    try:
        frame = gpd.read_file(io.BytesIO(data))
    except Exception as error:  # pyogrio raises several unrelated types for unreadable input
        raise UnreadableFileError(
            f"{name} could not be read as boundaries ({error}). Upload GeoJSON or a .zip holding "
            "a shapefile (.shp, .shx, .dbf and .prj)."
        ) from error
    accepted = {normalise_header(BOUNDARY_CODE), normalise_header(BOUNDARY_CODE[:SHAPEFILE_NAME_LENGTH])}
    matches = [c for c in frame.columns if c != frame.geometry.name and normalise_header(c) in accepted]
    if not matches:
        found = ", ".join(str(c) for c in frame.columns if c != frame.geometry.name) or "none"
        raise MissingColumnError(
            f"{name}: the boundaries need a 'district_code' property, which is not in the file. "
            f"Properties found: {found}. Rename the property to district_code (ONS codes such as E07000178)."
            + "".join(
                f" ('{c}' looks like it: ONS boundary files name the code column like this.)"
                for c in frame.columns
                if normalise_header(c) in {normalise_header(h) for h in HEADER_SYNONYMS[BOUNDARY_CODE]}
            )
        )
    frame = frame.rename(columns={matches[0]: BOUNDARY_CODE})
    frame[BOUNDARY_CODE] = _current_district_codes(_as_text(frame[BOUNDARY_CODE]))[0]  # as tables are read
    frame, repaired = _repaired_geometry(frame, name)
    if frame.crs is None:
        minx, miny, maxx, maxy = frame.total_bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise UnreadableFileError(
                f"{name} has no coordinate reference system and its coordinates are not longitude and "
                "latitude. Include the .prj file in the zip."
            )
        frame = frame.set_crs(epsg=4326)
    frame = frame.to_crs(epsg=4326)
    frame.attrs["warnings"] = repaired
    return frame


def _repaired_geometry(frame: geopandas.GeoDataFrame, name: str) -> tuple[geopandas.GeoDataFrame, list[str]]:
    """Boundaries with invalid polygons (a ring crossing itself, as hand-edited or badly simplified
    files hold) repaired with shapely's ``make_valid``, keeping the polygon parts, and a warning
    naming each area repaired. An area with no geometry, or none left that is an area (a line or a
    point), is refused, naming it: it cannot be drawn or matched."""
    import shapely

    geometry = frame.geometry
    codes = frame[BOUNDARY_CODE].fillna("(no code)").astype(str)
    empty = geometry.isna() | geometry.is_empty
    if empty.any():
        raise UnreadableFileError(
            f"{name}: the area{'s' if empty.sum() != 1 else ''} {', '.join(codes[empty])} "
            f"{'have' if empty.sum() != 1 else 'has'} no boundary. Export the boundaries again, or remove the area.")
    invalid = ~geometry.is_valid
    if not invalid.any():
        return frame, []
    fixed = geometry.copy()
    fixed[invalid] = [_polygonal(shapely.make_valid(g)) for g in geometry[invalid]]
    lost = invalid & (fixed.isna() | fixed.is_empty)
    if lost.any():
        raise UnreadableFileError(
            f"{name}: the boundary of {', '.join(codes[lost])} is not a valid area and could not be repaired "
            "(nothing of it encloses an area). Export the boundaries again from the source (for example the ONS "
            "Open Geography Portal).")
    warning = (f"{name}: the boundar{'ies' if invalid.sum() != 1 else 'y'} of {', '.join(codes[invalid])} "
               f"{'were' if invalid.sum() != 1 else 'was'} not valid (for example an edge crossing itself) and "
               f"{'were' if invalid.sum() != 1 else 'was'} repaired; check {'them' if invalid.sum() != 1 else 'it'} "
               "on the Districts page map.")
    return frame.set_geometry(fixed), [warning]


def _polygonal(geometry: Any) -> Any:
    """The polygon parts of a repaired geometry (make_valid can leave lines and points beside them)."""
    import shapely

    if geometry is None or geometry.is_empty:
        return None
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [g for g in getattr(geometry, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else None


# ---------------------------------------------------------------- reading
def _table_spec(table: str) -> Table:
    """The contract table as a file is read (with its input-only columns, e.g. ``date_of_birth``)."""
    try:
        return TABLES[table].for_reading()
    except KeyError:
        raise UnknownTableError(
            f"There is no table called '{table}'. The tables are: {', '.join(TABLES)}."
        ) from None


def _read_bytes(source: Any, filename: str | None, max_bytes: int) -> tuple[bytes, str]:
    """Return the bytes of a path or file object, refusing files over ``max_bytes``."""
    limit = f"{max_bytes / BYTES_PER_MB:g} MB"
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        name = filename or path.name
        try:
            size = path.stat().st_size
            if size > max_bytes:
                raise FileTooLargeError(_too_large(name, size, limit))
            return path.read_bytes(), name
        except OSError as error:
            raise UnreadableFileError(f"{name} could not be opened ({error.strerror or error}).") from error
    if not hasattr(source, "read"):
        raise UnreadableFileError(f"Cannot read {type(source).__name__}: give a file path or an uploaded file.")
    name = filename or os.path.basename(str(getattr(source, "name", "") or "")) or "the uploaded file"
    size = getattr(source, "size", None)
    if isinstance(size, int) and size > max_bytes:
        raise FileTooLargeError(_too_large(name, size, limit))
    if hasattr(source, "seek"):
        source.seek(0)
    data = source.read(max_bytes + 1)
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > max_bytes:
        raise FileTooLargeError(_too_large(name, None, limit))
    return data, name


def _too_large(name: str, size: int | None, limit: str) -> str:
    actual = f" ({size / BYTES_PER_MB:.1f} MB)" if size is not None else ""
    return (
        f"{name}{actual} is larger than the {limit} limit. Split it (for example by year) "
        "or save it as Parquet, which is much smaller."
    )


def _detect_format(data: bytes, name: str) -> str:
    """Return "csv", "xlsx" or "parquet", from the extension, else from the first bytes."""
    ext = Path(name).suffix.lower()
    if data.startswith(OLE2_SIGNATURE):
        if ENCRYPTED_PACKAGE in data:
            raise PasswordProtectedError(
                f"{name} is protected with a password, so it cannot be read. Remove the password (in Excel: "
                "File > Info > Protect Workbook > Encrypt with Password, clear it), save, and upload it again.")
        raise OldExcelError(
            f"{name} is in the old Excel 97-2003 (.xls) format, which is not read. Open it in Excel and save it "
            "as .xlsx (Excel Workbook) or CSV UTF-8, then upload it again.")
    if ext == ".xls":
        raise OldExcelError(
            f"{name} is named as an old Excel 97-2003 (.xls) file, which is not read. Open it in Excel and save it "
            "as .xlsx (Excel Workbook) or CSV UTF-8, then upload it again.")
    if data.startswith(UTF16_BOMS):
        return "csv"
    if ext in {".csv", ".txt", ".tsv"}:
        return "csv"
    if ext in {".xlsx", ".xlsm"}:
        return "xlsx"
    if ext in {".parquet", ".pq"}:
        return "parquet"
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.startswith(b"PAR1"):
        return "parquet"
    if b"\x00" not in data[:SNIFF_BYTES]:
        return "csv"
    raise UnreadableFileError(f"{name} is not a CSV, .xlsx or Parquet file. Save it as one of these and upload again.")


def _read(
    source: Any,
    spec: Table | None,
    *,
    sheet: str | None,
    column_map: Mapping[str, str] | None,
    filename: str | None,
    max_bytes: int,
) -> _Raw:
    data, name = _read_bytes(source, filename, max_bytes)
    if not data.strip():
        raise EmptyFileError(empty_file_message(name, data))
    fmt = _detect_format(data, name)
    if fmt == "parquet":
        return _read_parquet(data, name, spec, column_map)
    if fmt == "xlsx":
        return _read_xlsx(data, name, sheet, spec, column_map)
    return _read_csv(data, name, spec, column_map)


def empty_file_message(name: str, data: bytes) -> str:
    """What to say about a file with nothing in it (a 0-byte workbook is a failed save or copy)."""
    if Path(name).suffix.lower() in {".xlsx", ".xlsm", ".xls"}:
        return (f"{name} is empty ({len(data)} bytes): it is not a workbook, perhaps from a save or copy that did not "
                "finish. Open the original in Excel and save it again as .xlsx, then upload it again.")
    return f"{name} is empty. Check that you chose the right file."


def as_utf8(data: bytes) -> bytes:
    """A file's bytes in UTF-8: Excel's "Unicode text" (UTF-16 with a byte-order mark) is re-encoded,
    anything else is returned as it is."""
    if data.startswith(UTF16_BOMS):
        try:
            return data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            return data
    return data


def _read_parquet(data: bytes, name: str, spec: Table | None = None,
                  column_map: Mapping[str, str] | None = None) -> _Raw:
    """A Parquet file's cells, read one column at a time (issue 12: the whole file decoded in Arrow beside its
    pandas copy took about 1 GB for a national episodes file). Date columns are read as dates at midnight
    (``datetime64[ms]``: their text is the yyyy-mm-dd the loader used to parse); the columns of
    ``CATEGORY_COLUMNS`` (by the headers ``spec`` would take them from) as Arrow dictionaries, i.e. categories."""
    import pyarrow
    import pyarrow.parquet

    try:
        names = list(pyarrow.parquet.read_schema(io.BytesIO(data)).names)
        dictionary = _category_headers(names, spec, column_map)
        parquet = pyarrow.parquet.ParquetFile(io.BytesIO(data), read_dictionary=dictionary or None)
        arrow_names = list(parquet.schema_arrow.names)
        index = (parquet.schema_arrow.pandas_metadata or {}).get("index_columns", [])
        if len(set(arrow_names)) != len(arrow_names):  # repeated names: read whole (cannot be read by name)
            body = parquet.read(use_pandas_metadata=True).to_pandas(date_as_object=False)
        else:
            columns = {}
            for column in arrow_names:
                if column in index:  # a pandas index saved as a column: not a column of the file's table
                    continue
                part = parquet.read(columns=[column])
                columns[column] = part.to_pandas(date_as_object=False)[column]
                del part
            body = pd.DataFrame(columns, copy=False) if columns else parquet.read().to_pandas()
    except Exception as error:  # pyarrow raises several types for a damaged file
        raise UnreadableFileError(f"{name} could not be read as Parquet ({error}).") from error
    body.columns = _unique_headers(list(body.columns))
    return _Raw(body.reset_index(drop=True), HEADER_LINE + 1, name, [])


def _category_headers(headers: list[str], spec: Table | None, column_map: Mapping[str, str] | None) -> list[str]:
    """The file's headers that ``spec``'s ``CATEGORY_COLUMNS`` would be read from (as :func:`_resolve_columns`
    matches them)."""
    if spec is None or spec.name not in CATEGORY_COLUMNS:
        return []
    mapping = _resolve_columns(headers, spec, column_map, [])
    return [mapping[c] for c in CATEGORY_COLUMNS[spec.name] if c in mapping]


def _open_workbook(data: bytes, name: str) -> Any:
    import openpyxl

    _detect_format(data, name)  # an old .xls or a password-protected workbook is named as such
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # zipfile, KeyError and openpyxl errors for a damaged file
        raise UnreadableFileError(
            f"{name} could not be read as an Excel .xlsx file ({error}). Open it in Excel and save it as "
            ".xlsx (Excel Workbook), then upload it again.") from error


def visible_sheets(book: Any) -> list[str]:
    """The sheets of a workbook a user sees, in order (hidden and very hidden sheets left out)."""
    return [ws.title for ws in book.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]


def default_sheet(book: Any) -> Any:
    """The sheet read when none is chosen: the active sheet if it is visible, else the first visible
    one (a workbook whose first sheet is hidden is read from the sheet Excel opens on)."""
    visible = visible_sheets(book)
    try:
        active = book.active
    except Exception:  # an active index past the sheets
        active = None
    if active is not None and active.title in visible:
        return active
    return book[visible[0]] if visible else book.worksheets[0]


def sheet_rows(worksheet: Any, max_row: int | None = None) -> list[tuple]:
    """A read-only sheet's rows as value tuples, from row 1 (blank rows kept, so positions are row
    numbers), with empty trailing cells and empty trailing rows dropped.

    The recorded used range (the ``dimension``) is ignored: Excel records the whole sheet
    (A1:XFD1048576) after whole columns are formatted, and openpyxl's read-only mode would pad every
    row to 16,384 cells and add a million empty rows. The rows are read as the file holds them."""
    worksheet.reset_dimensions()
    rows: list[tuple] = []
    last_filled = -1
    for row in worksheet.iter_rows(max_row=max_row, values_only=True):
        end = len(row)
        while end and (row[end - 1] is None or (isinstance(row[end - 1], str) and not row[end - 1].strip())):
            end -= 1
        rows.append(tuple(row[:end]))
        if end:
            last_filled = len(rows) - 1
        if max_row is not None and len(rows) >= max_row:
            break
    return rows[: last_filled + 1]


_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_CELL_REF = re.compile(rb'\br="([A-Z]+[0-9]+)"')
_HAS_VALUE = re.compile(rb"<(?:\w+:)?v>[^<]+</(?:\w+:)?v>")


def formulas_without_values(data: bytes, worksheet: Any) -> list[str]:
    """References of the cells of a sheet holding a formula with no saved value (a workbook written
    by a program that cannot calculate: openpyxl then reads the cell as empty)."""
    path = getattr(worksheet, "_worksheet_path", None)
    if path is None:
        return []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            xml = archive.read(path)
    except (KeyError, zipfile.BadZipFile, OSError):
        return []
    if b"<f" not in xml and b":f" not in xml:
        return []
    cells = []
    for attributes, inner in _CELL.findall(xml):
        if inner and re.search(rb"<(?:\w+:)?f[ >/]", inner) and not _HAS_VALUE.search(inner):
            ref = _CELL_REF.search(attributes)
            cells.append(ref.group(1).decode() if ref else "?")
    return cells


def _read_xlsx(
    data: bytes, name: str, sheet: str | None, spec: Table | None, column_map: Mapping[str, str] | None
) -> _Raw:
    book = _open_workbook(data, name)
    try:
        if sheet is None:
            worksheet = default_sheet(book)
        elif sheet in book.sheetnames:
            worksheet = book[sheet]
        else:
            raise UnreadableFileError(
                f"{name} has no sheet called '{sheet}'. Its sheets are: {', '.join(book.sheetnames)}."
            )
        rows = sheet_rows(worksheet)
        missing = formulas_without_values(data, worksheet)
    finally:
        book.close()
    if missing:
        listed = ", ".join(missing[:CELLS_LISTED]) + (", ..." if len(missing) > CELLS_LISTED else "")
        raise FormulasWithoutValuesError(
            f"{name} (sheet '{worksheet.title}'): {len(missing):,} cell{'s hold' if len(missing) != 1 else ' holds'} "
            f"formulas saved without their values ({listed}), so the values cannot be read. The file was "
            "probably written by a program rather than Excel: open it in Excel and save it (Excel stores the "
            "values), then upload it again.")
    if not rows:
        raise EmptyFileError(f"{name} (sheet '{worksheet.title}') is empty. Check that you chose the right sheet.")
    width = max(len(r) for r in rows)
    grid = pd.DataFrame.from_records([r + (None,) * (width - len(r)) for r in rows], columns=range(width))
    top = [[_cell_text(v) for v in row] for row in rows[:HEADER_SEARCH_ROWS]]
    header_index = _find_header(top, spec, column_map)
    headers = top[header_index] + [""] * (width - len(top[header_index]))
    body = grid.iloc[header_index + 1 :].reset_index(drop=True)
    return _finish_raw(body, headers, header_index, name, [], top)


def _read_csv(data: bytes, name: str, spec: Table | None, column_map: Mapping[str, str] | None) -> _Raw:
    warnings: list[str] = []
    if data.startswith(UTF16_BOMS):
        data = as_utf8(data)
        warnings.append(f"{name} is Unicode text (UTF-16, as Excel's 'Unicode Text' saves it): read as such.")
    encoding = "utf-8-sig"
    try:
        sample = codecs.getincrementaldecoder("utf-8-sig")().decode(data[:SNIFF_BYTES], final=False)
    except UnicodeDecodeError:
        encoding = "cp1252"
    if encoding == "cp1252":
        sample = data[:SNIFF_BYTES].decode("cp1252", errors="replace")
    lines = sample.splitlines()[: HEADER_SEARCH_ROWS * 2]
    delimiter = _sniff_delimiter(lines, spec, column_map)
    top = [list(r) for r in csv.reader(io.StringIO("\n".join(lines[:HEADER_SEARCH_ROWS])), delimiter=delimiter)]
    header_index = _find_header(top, spec, column_map) if top else 0

    def parse(enc: str) -> pd.DataFrame:
        bad.clear()
        with warnings_module.catch_warnings(record=True) as caught:
            warnings_module.simplefilter("always", pd.errors.ParserWarning)
            grid = _parse_csv(enc)
        for warning in caught:  # "Skipping line 4: expected 7 fields, saw 8", one line per row skipped
            bad.extend((int(n), int(saw)) for n, saw in _SKIPPED.findall(str(warning.message)))
        return grid

    bad: list[tuple[int, int]] = []

    def _parse_csv(enc: str) -> pd.DataFrame:
        return pd.read_csv(
            io.BytesIO(data),
            sep=delimiter,
            encoding=enc,
            skiprows=header_index,
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,  # blank lines keep their place so row numbers match the file
            engine="c",
            on_bad_lines="warn",  # a row with more fields than the header is rejected alone, with its line
        )

    try:
        try:
            grid = parse(encoding)
        except UnicodeDecodeError:
            encoding = "cp1252"
            grid = parse(encoding)
    except UnicodeDecodeError as error:
        raise UnreadableFileError(
            f"{name} is neither UTF-8 nor Windows-1252 text. Save it from Excel as 'CSV UTF-8'."
        ) from error
    except pd.errors.ParserError as error:
        raise UnreadableFileError(
            f"{name} could not be read as CSV ({str(error).strip()}). A row probably has more cells than the header: "
            "check for an unquoted separator in a value."
        ) from error
    except pd.errors.EmptyDataError as error:
        raise EmptyFileError(f"{name} is empty. Check that you chose the right file.") from error
    if encoding == "cp1252":
        warnings.append(
            f"{name} is not UTF-8, so it was read as Windows-1252 (Excel's 'CSV' encoding). "
            "Check that characters such as £ and é look right; saving as 'CSV UTF-8' avoids this."
        )
    grid = grid.fillna("")
    headers = [str(h) for h in grid.iloc[0]] if len(grid) else []
    body = grid.iloc[1:].reset_index(drop=True)
    body.columns = range(body.shape[1])
    raw = _finish_raw(body, headers, header_index, name, warnings, top)
    if bad:
        raw.bad_lines, raw.expected_fields = _bad_line_texts(data, encoding, bad), len(headers)
        skipped = {line for line, _ in bad}
        first = raw.first_row_number
        numbers, line = [], first
        while len(numbers) < len(body):  # the body's rows are the file's lines below the header, less the bad ones
            if line not in skipped:
                numbers.append(line)
            line += 1
        raw.row_numbers = np.array(numbers, dtype="int64")
    return raw


_SKIPPED = re.compile(r"Skipping line (\d+): expected \d+ fields, saw (\d+)")


def _bad_line_texts(data: bytes, encoding: str, bad: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """Each skipped CSV line with its number, its field count and its text (for the rejected-rows report)."""
    lines = data.decode(encoding, errors="replace").splitlines()
    return [(line, fields, lines[line - 1] if 0 < line <= len(lines) else "") for line, fields in bad]


def _finish_raw(
    body: pd.DataFrame, headers: list[str], header_index: int, name: str, warnings: list[str], top: list[list[str]]
) -> _Raw:
    """Name the body's columns from the header and report skipped title rows and unnamed columns."""
    skipped = sum(1 for row in top[:header_index] if any(c.strip() for c in row))
    if skipped:
        warnings.append(
            f"{name}: skipped {skipped} row{'s' if skipped != 1 else ''} above the header "
            f"(titles or notes); the header is on row {header_index + 1}."
        )
    unnamed = [i for i, h in enumerate(headers) if not str(h).strip()]
    keep = [i for i in range(body.shape[1]) if i not in unnamed]
    with_data = [i for i in unnamed if i < body.shape[1] and not _blank(body[i]).all()]
    if with_data:
        letters = ", ".join(_column_letter(i) for i in with_data)
        warnings.append(
            f"{name}: column{'s' if len(with_data) != 1 else ''} {letters} hold data but have no header "
            "(often a merged header cell); their values were ignored. Unmerge the header cells and give "
            "each column its own name."
        )
    body = body[keep]
    body.columns = _unique_headers([headers[i] for i in keep])
    return _Raw(body, header_index + HEADER_LINE + 1, name, warnings, [_column_letter(i) for i in with_data])


def _sniff_delimiter(lines: list[str], spec: Table | None, column_map: Mapping[str, str] | None) -> str:
    """Choose the separator: the one whose split finds most contract columns, then the most cells per line."""

    def score(delimiter: str) -> tuple[int, int]:
        counts = Counter(line.count(delimiter) for line in lines if line.strip())
        typical = max(counts, key=lambda k: (counts[k], k)) if counts else 0
        matched = 0
        if spec is not None:
            rows = list(csv.reader(io.StringIO("\n".join(lines[:HEADER_SEARCH_ROWS])), delimiter=delimiter))
            matched = max((len(_matched_columns(r, spec, column_map)) for r in rows), default=0)
        return matched, typical

    scores = {d: score(d) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: (scores[d], -DELIMITERS.index(d)))


def _matched_columns(row: list[str], spec: Table, column_map: Mapping[str, str] | None) -> set[str]:
    """Contract columns a row of cells would supply as a header (names, the user's map, synonyms);
    a required column counts as found when the column that may stand in for it is."""
    mapped = _user_map(column_map, spec)
    by_key = {normalise_header(n): n for n in spec.names}
    found = set()
    for cell in row:
        key = normalise_header(cell)
        if key in mapped:
            found.add(mapped[key])
        elif key in by_key:
            found.add(by_key[key])
    for cell in row:
        found.update(c for c in synonym_columns(cell, spec)[:1] if c not in found)
    for column in spec.required:
        if spec.alternative(column) in found:
            found.add(column)
    return found


def _find_header(top: list[list[str]], spec: Table | None, column_map: Mapping[str, str] | None) -> int:
    """Index of the header among the top rows: the first holding every required column.

    Without a table, or when no row holds them all, the row matching most contract columns; when
    none matches any, the first non-empty row.
    """
    first_filled = next((i for i, row in enumerate(top) if any(c.strip() for c in row)), 0)
    if spec is None:
        return first_filled
    required = set(spec.required)
    best, best_count = first_filled, 0
    for i, row in enumerate(top):
        matched = _matched_columns(row, spec, column_map)
        if required <= matched:
            return i
        if len(matched) > best_count:
            best, best_count = i, len(matched)
    return best


def _user_map(column_map: Mapping[str, str] | None, spec: Table) -> dict[str, str]:
    """The user's mapping keyed by normalised file header, keeping only targets in the table."""
    names = {normalise_header(n): n for n in spec.names}
    return {
        normalise_header(k): names[normalise_header(v)]
        for k, v in (column_map or {}).items()
        if normalise_header(v) in names
    }


def _resolve_columns(
    headers: list[str], spec: Table, column_map: Mapping[str, str] | None, warnings: list[str]
) -> dict[str, str]:
    """Map contract column -> file header: the user's mapping first, then normalised names."""
    names = {normalise_header(n): n for n in spec.names}
    bad_targets = [v for v in (column_map or {}).values() if normalise_header(v) not in names]
    if bad_targets:
        warnings.append(
            f"Column mapping ignored for {', '.join(map(repr, bad_targets))}: not a column of the {spec.name} table."
        )
    user = _user_map(column_map, spec)
    mapping: dict[str, str] = {}
    for header in headers:  # user mapping takes precedence over a header's own name
        target = user.get(normalise_header(header))
        if target and target not in mapping:
            mapping[target] = header
    duplicates = []
    for header in headers:
        if header in mapping.values() or normalise_header(header) in user:
            continue
        target = names.get(normalise_header(header))
        if target is None:
            continue
        if target in mapping:
            duplicates.append(f"'{header}' (used '{mapping[target]}' for {target})")
        else:
            mapping[target] = header
    used_synonyms = []
    for header in headers:  # then the headers real extracts use (contract HEADER_SYNONYMS)
        if header in mapping.values() or normalise_header(header) in user:
            continue
        target = next((c for c in synonym_columns(header, spec) if c not in mapping), None)
        if target is not None:
            mapping[target] = header
            used_synonyms.append(f"'{header}' as {target}")
    if used_synonyms:
        warnings.append(f"Columns read by their usual names: {', '.join(used_synonyms)}.")
    if duplicates:
        warnings.append(f"Columns ignored because another column already supplies them: {', '.join(duplicates)}.")
    extra = [h for h in headers if h not in mapping.values()]
    if extra:
        warnings.append(f"Columns not in the {spec.name} table were ignored: {', '.join(extra)}.")
    absent = [c.name for c in spec.columns if c.name not in mapping and not c.required and c.stored]
    if absent:
        warnings.append(f"Optional columns not in the file, treated as not recorded: {', '.join(absent)}.")
    return mapping


def _check_required(raw: _Raw, spec: Table, mapping: dict[str, str]) -> None:
    missing = [c for c in spec.required if c not in mapping and spec.alternative(c) not in mapping]
    if not missing:
        return
    headers = list(raw.body.columns)
    unused = [h for h in headers if h not in mapping.values()]
    hints = []
    for column in missing:  # the unused header closest to the column's name or one of its synonyms
        by_key = {normalise_header(h): h for h in unused}
        for name in (column, *HEADER_SYNONYMS.get(column, ())):
            close = difflib.get_close_matches(normalise_header(name), list(by_key), n=1, cutoff=HINT_CUTOFF)
            if close:
                hints.append(f"'{by_key[close[0]]}' looks like {column}")
                break
    named = [f"{c} (or {spec.alternative(c)})" if spec.alternative(c) else c for c in missing]
    message = (
        f"{raw.name}: the {spec.name} table needs the column{'s' if len(missing) != 1 else ''} "
        f"{', '.join(named)}, which {'are' if len(missing) != 1 else 'is'} not in the file. "
        f"Columns found: {', '.join(headers) or 'none'}. Rename the column or map it on the Data page."
    )
    if hints:
        message += f" ({'; '.join(hints)}.)"
    if raw.unnamed_with_data:
        message += (
            f" Column{'s' if len(raw.unnamed_with_data) != 1 else ''} {', '.join(raw.unnamed_with_data)} "
            "hold data but have no header, perhaps from merged cells: unmerge them and name each column."
        )
    raise MissingColumnError(message)


# ---------------------------------------------------------------- typing and checking
def _build(
    body: pd.DataFrame, raw: _Raw, spec: Table, mapping: dict[str, str], code_map: Mapping[str, Mapping[str, str]]
) -> LoadResult:
    rows_read = len(body)
    row_numbers = raw.numbers().loc[body.index]
    problems: list[pd.DataFrame] = []
    typed: dict[str, pd.Series] = {}
    texts: dict[str, pd.Series] = {}
    warnings = list(raw.warnings)
    for order, column in enumerate(spec.columns):
        header = mapping.get(column.name)
        original = body[header] if header is not None else pd.Series(pd.NA, index=body.index, dtype="object")
        # a number or date column's cells are not made text (issue 12: 3m ages and dates as text at national
        # scale): the column stands for its text, made for the few cells a report shows (``_cells_text``)
        typed_already = (pd.api.types.is_datetime64_any_dtype(original) if column.kind == DATE else
                         column.kind in (INTEGER, NUMBER) and _typed(original))
        text = original if typed_already else _as_text(original)
        if column.name == DISTRICT_CODE_COLUMN:
            text, note = _current_district_codes(text)
            warnings.extend([note] if note else [])
        texts[column.name] = text
        values, failed, reason = _parse(original, text, column.kind, column.name)
        typed[column.name] = values
        if failed is not None and failed.any():
            problems.append(_problem(failed, column.name, reason, order))
    frame = pd.DataFrame(typed, index=body.index, copy=False)  # the parsed columns, not copies (issue 12: memory)
    problems.extend(_derive_from_alternatives(frame, spec, mapping, texts, warnings))
    problems.extend(_schema_problems(frame, spec, problems))
    for earlier, later, reason in DATE_ORDER.get(spec.name, ()):
        failed = frame[later] < frame[earlier]
        problems.append(_problem(failed.fillna(False), later, reason, len(spec.columns)))
    problems.extend(_implausible_dates(frame, spec))
    problems.extend(_duplicate_problems(frame, spec, row_numbers))
    for order, column in enumerate(spec.columns):
        if column.kind != CODE:
            continue
        groups = map_codes(frame[column.name], column.name, extra=(code_map or {}).get(column.name))
        frame[column.name + GROUP_SUFFIX] = groups
        if (spec.name, column.name) in MUST_MAP:
            failed = (groups == UNMAPPED) & frame[column.name].notna()
            reason = f"unknown {column.name} code: cannot assign a {column.name} group (map it on the Data page)"
            problems.append(_problem(failed, column.name, reason, order))

    not_kept = [mapping[c.name] for c in spec.columns if not c.stored and c.name in mapping]
    for column in spec.columns:  # a column read only to derive another is not kept, even in the report
        if not column.stored:
            texts[column.name] = pd.Series(NOT_KEPT, index=body.index, dtype="string").mask(
                texts[column.name].isna().to_numpy())
    report = _report(problems, texts, body.drop(columns=not_kept), row_numbers)
    rejected_index = report.index
    ordered = []
    for column in spec.columns:
        if not column.stored:
            continue
        ordered.append(column.name)
        if column.kind == CODE:
            ordered.append(column.name + GROUP_SUFFIX)
    # the kept rows and columns taken once (a drop, then a column selection, copied a whole table each)
    kept = frame[ordered] if rejected_index.empty else frame.loc[~frame.index.isin(rejected_index), ordered]
    warnings.extend(_unknown_code_warnings(kept, spec, row_numbers))
    data = _held_types(kept.reset_index(drop=True), spec.name)
    rejected = report.reset_index(drop=True)
    if raw.bad_lines:
        rejected = _with_bad_lines(rejected, raw)
        rows_read += len(raw.bad_lines)
    return LoadResult(data, rejected, warnings, rows_read, spec.name, raw.name)


def _held_types(data: pd.DataFrame, table: str) -> pd.DataFrame:
    """The kept rows as held (in place): ``CATEGORY_COLUMNS`` as categories of the values present (sorted
    text), ``SMALL_INTEGERS`` in their smaller type when every value fits. The same values as the contract's
    types (:func:`contract_types` gives those back)."""
    for column in CATEGORY_COLUMNS.get(table, ()):
        if column in data:
            data[column] = _as_category(data[column])
    for column, small in SMALL_INTEGERS.get(table, {}).items():
        if column in data and str(data[column].dtype) != small:
            values = data[column]
            low, high = values.min(), values.max()
            info = np.iinfo(small.lower())
            if pd.isna(low) or (info.min <= low and high <= info.max):
                data[column] = values.astype(small)
    return data


def contract_types(table: str, frame: pd.DataFrame) -> dict[str, str]:
    """The columns of a loaded ``table`` held in another type than the contract's (:func:`_held_types`), with
    the contract's type: ``{column: dtype}`` for ``frame.astype`` (e.g. to save them as they were saved)."""
    types = {c: TEXT_DTYPE for c in CATEGORY_COLUMNS.get(table, ())
             if c in frame and isinstance(frame[c].dtype, pd.CategoricalDtype)}
    types |= {c: INTEGER_DTYPE for c in SMALL_INTEGERS.get(table, {})
              if c in frame and str(frame[c].dtype) != INTEGER_DTYPE and pd.api.types.is_integer_dtype(frame[c])}
    return types


def _typed(series: pd.Series) -> bool:
    """A column of numbers or dates (not text, not a category)."""
    return (pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
            and not isinstance(series.dtype, pd.CategoricalDtype) or pd.api.types.is_datetime64_any_dtype(series))


def _cells_text(column: pd.Series, index: pd.Index) -> pd.Series:
    """``_as_text(column)`` at ``index`` only: for a number or date column, the text of those cells as the
    whole column's would be written (whole-number floats without ``.0``; dates without a time when the
    column has none)."""
    if not _typed(column):
        return column.reindex(index)
    cells = column.reindex(index)
    if pd.api.types.is_float_dtype(column) and (column.dropna() % 1 == 0).all():
        return cells.astype("Int64").astype("string")
    if pd.api.types.is_datetime64_any_dtype(column):
        timed = column[column.notna() & (column != column.dt.normalize())]
        if len(timed):  # written with times: one cell with a time makes the cells' text carry theirs too
            return pd.concat([cells, timed.iloc[:1]]).astype("string").iloc[:-1]
    return cells.astype("string")


def _with_bad_lines(rejected: pd.DataFrame, raw: _Raw) -> pd.DataFrame:
    """The rejected rows plus the CSV lines that had more fields than the header, in file order.

    Such a line cannot be split into the table's columns (a value probably holds an unquoted
    separator), so it is rejected whole, with its text as the value."""
    lines = pd.DataFrame({
        "row_number": [line for line, _, _ in raw.bad_lines],
        "column": "(whole row)",
        "value": [text for _, _, text in raw.bad_lines],
        "reason": [f"row {line} has {fields} fields, the header has {raw.expected_fields}: a value probably holds "
                   "an unquoted separator (put quotes around values holding commas)"
                   for line, fields, _ in raw.bad_lines],
    })
    lines = lines.astype({"column": "string", "value": "string", "reason": "string"}) if rejected.empty else lines
    both = pd.concat([rejected, lines], ignore_index=True) if len(rejected) else lines.reindex(
        columns=list(dict.fromkeys([*lines.columns, *rejected.columns])))
    return both.sort_values("row_number", kind="stable").reset_index(drop=True)


def _implausible_dates(frame: pd.DataFrame, spec: Table) -> list[pd.DataFrame]:
    """Event dates before ``EARLIEST_EVENT_DATE`` (1990) or after today reject their row, with the
    reason: a date typed with the wrong century would otherwise stretch every year filter."""
    today = pd.Timestamp.today().normalize()
    problems = []
    for order, column in enumerate(spec.columns):
        if column.kind != DATE or column.name in NOT_EVENT_DATES or column.name not in frame:
            continue
        values = frame[column.name]
        early = (values < EARLIEST_EVENT_DATE).fillna(False)
        late = (values > today).fillna(False)
        problems.append(_problem(early, column.name, f"{column.name} is before {EARLIEST_EVENT_DATE.year}: "
                                 "not a plausible date (check the year)", order))
        problems.append(_problem(late, column.name, f"{column.name} is after today "
                                 f"({today:%d/%m/%Y}): not a plausible date (check the year)", order))
    return problems


def _melt_ranked_substances(raw: _Raw, spec: Table, column_map: Mapping[str, str] | None) -> _Raw:
    """A substances file holding one row per episode with ranked columns ("Primary substance",
    "Secondary substance", "Tertiary substance": ``RANKED_SUBSTANCE_HEADERS``) as one row per
    substance given, with its ``rank``. Each row keeps its line number in the file; an empty ranked
    cell gives no row. Files with a ``rank`` or ``substance`` column (by name or the user's mapping)
    are returned unchanged."""
    if spec.name != "substances":
        return raw
    headers = list(raw.body.columns)
    user = _user_map(column_map, spec)
    if any(normalise_header(h) in ("rank", "substance") or user.get(normalise_header(h)) in ("rank", "substance")
           for h in headers):
        return raw
    ranked = {h: RANKED_SUBSTANCE_HEADERS[normalise_header(h)] for h in headers
              if normalise_header(h) in RANKED_SUBSTANCE_HEADERS and normalise_header(h) not in user}
    if not ranked:
        return raw
    others = [h for h in headers if h not in ranked]
    numbers = raw.numbers()
    parts = []
    for header, rank in ranked.items():
        given = _as_text(raw.body[header]).notna()
        part = raw.body.loc[given, others].copy()
        part["rank"], part["substance"] = str(rank), raw.body.loc[given, header]
        part["__row"], part["__rank"] = numbers[given], rank
        parts.append(part)
    long = pd.concat(parts).sort_values(["__row", "__rank"], kind="stable")
    none_given = [n for n in numbers[~numbers.isin(long["__row"])]
                  if not _drop_blank_rows(raw.body.loc[numbers == n]).empty]
    warnings = list(raw.warnings)
    warnings.append(
        f"{raw.name}: substances read from the columns {', '.join(f'{h} (rank {r})' for h, r in ranked.items())}: "
        f"one row per substance given ({len(long):,} from {int(long['__row'].nunique()):,} rows of the file)."
        + (f" Rows with no substance in any of them, left out: {', '.join(str(n) for n in none_given[:ROWS_LISTED])}"
           f"{', ...' if len(none_given) > ROWS_LISTED else ''}." if none_given else ""))
    body = long.drop(columns=["__row", "__rank"]).reset_index(drop=True)
    return _Raw(body, raw.first_row_number, raw.name, warnings, raw.unnamed_with_data,
                row_numbers=long["__row"].to_numpy(), bad_lines=raw.bad_lines, expected_fields=raw.expected_fields)


def age_in_whole_years(date_of_birth: pd.Series, on: pd.Series) -> pd.Series:
    """Age in completed years on the date ``on``: the difference of the years, less one if the
    birthday has not yet come that year (born 29 February: 1 March in a year that is not leap).
    Empty where either date is empty."""
    years = on.dt.year - date_of_birth.dt.year
    before_birthday = (on.dt.month < date_of_birth.dt.month) | (
        (on.dt.month == date_of_birth.dt.month) & (on.dt.day < date_of_birth.dt.day))
    return (years - before_birthday.astype("Int64")).astype(INTEGER_DTYPE)


def _derive_from_alternatives(
    frame: pd.DataFrame, spec: Table, mapping: Mapping[str, str], texts: Mapping[str, pd.Series],
    warnings: list[str],
) -> list[pd.DataFrame]:
    """Fill a column from the one that may stand in for it: age at triage from the date of birth
    (whole years on the triage date) where the file gives no age. A date of birth after the
    triage date, or neither an age nor a date of birth, rejects the row."""
    if "date_of_birth" not in spec.names or "date_of_birth" not in mapping:
        return []
    order = spec.names.index("date_of_birth")
    dob, triage = frame["date_of_birth"], frame["triage_date"]
    needed = frame["age_at_triage"].isna()
    computed = age_in_whole_years(dob, triage)
    usable = needed & dob.notna() & triage.notna() & (dob <= triage)
    frame.loc[usable, "age_at_triage"] = computed[usable]
    if usable.any():
        warnings.append(
            f"Age at triage computed from the date of birth for {int(usable.sum()):,} rows (whole years on "
            "the triage date); the date of birth is not kept.")
    after = needed & dob.notna() & triage.notna() & (dob > triage)
    neither = needed & texts["date_of_birth"].isna()  # a date of birth that is not a date is reported as such
    return [
        _problem(after, "date_of_birth", "date of birth after the triage date", order),
        _problem(neither, "age_at_triage", "age_at_triage is missing (and no date of birth)", order),
    ]


@functools.lru_cache(maxsize=1)
def district_code_changes() -> dict[str, tuple[str, str]]:
    """Old district code (or district name) -> (current code, name), from
    ``data/district_code_changes.csv``, keyed by the upper-case code or normalised name."""
    if not DISTRICT_CODE_CHANGES_FILE.is_file():
        return {}
    table = pd.read_csv(DISTRICT_CODE_CHANGES_FILE, dtype=str, keep_default_na=False)
    lookup: dict[str, tuple[str, str]] = {}
    for old, new, name in zip(table["old_code"], table["new_code"], table["district_name"], strict=True):
        lookup[old.strip().upper()] = (new.strip(), name.strip())
        lookup[normalise_header(name)] = (new.strip(), name.strip())
    return lookup


def _current_district_codes(text: pd.Series) -> tuple[pd.Series, str | None]:
    """Pre-2009 ONS district codes (e.g. 38UC), and the names of the districts in the lookup, changed
    to current codes (``data/district_code_changes.csv``), with a note of what was changed."""
    lookup = district_code_changes()
    if not lookup:
        return text, None
    if isinstance(text.dtype, pd.CategoricalDtype):  # held as categories: the categories are changed
        return _current_district_categories(text, lookup)
    found = {}
    for value in text.unique():  # few distinct values, many rows: look each up once
        if pd.isna(value):
            continue
        key = str(value).strip()
        hit = lookup.get(key.upper()) or lookup.get(normalise_header(key))
        if hit is not None and hit[0] != key:
            found[value] = hit
    if not found:
        return text, None
    result = text.replace({k: v[0] for k, v in found.items()}).astype(TEXT_DTYPE)
    counts = text[text.isin(list(found))].value_counts()
    listed = ", ".join(f"{old} -> {found[old][0]} ({found[old][1]}, {int(n):,} row{'s' if n != 1 else ''})"
                       for old, n in counts.items())
    return result, (f"district_code: old ONS district codes or district names changed to current codes "
                    f"(data/district_code_changes.csv): {listed}.")


def _current_district_categories(
    text: pd.Series, lookup: Mapping[str, tuple[str, str]]
) -> tuple[pd.Series, str | None]:
    """:func:`_current_district_codes` of a category column: its categories looked up, the rows counted by code."""
    categories = text.cat.categories
    counts = np.bincount(text.cat.codes.to_numpy()[text.cat.codes.to_numpy() >= 0], minlength=len(categories))
    found = {}
    for value, n in zip(categories, counts, strict=True):
        key = str(value).strip()
        hit = lookup.get(key.upper()) or lookup.get(normalise_header(key))
        if n and hit is not None and hit[0] != key:
            found[value] = (hit, int(n))
    if not found:
        return text, None
    result = _recode(text, np.array([found[v][0][0] if v in found else v for v in categories], dtype=object))
    first = pd.Series(text.cat.codes.to_numpy()).drop_duplicates()  # order of first appearance, as value_counts ties
    ordered = sorted(found, key=lambda v: (-found[v][1], int(first.index[first == categories.get_loc(v)][0])))
    listed = ", ".join(f"{old} -> {found[old][0][0]} ({found[old][0][1]}, {found[old][1]:,} "
                       f"row{'s' if found[old][1] != 1 else ''})" for old in ordered)
    return result, (f"district_code: old ONS district codes or district names changed to current codes "
                    f"(data/district_code_changes.csv): {listed}.")


def _as_text(series: pd.Series) -> pd.Series:
    """Cells as trimmed text (pandas ``string``); empty cells become ``<NA>``.

    Whole-number floats (as Parquet stores integer columns holding gaps) are written without ``.0``.
    A category column (a Parquet dictionary) stays one: its categories are trimmed, not its rows. Text that
    needs no trimming is given back as it is, not copied (issue 12: a copy of every column was held)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return _category_text(series)
    if pd.api.types.is_float_dtype(series) and (series.dropna() % 1 == 0).all():
        series = series.astype("Int64")
    text = series.astype("string")
    stripped = text.str.strip()
    if (stripped != text).any():
        text = stripped
    del stripped
    empty = (text == "").fillna(False)
    return text.mask(empty) if empty.any() else text


def _category_text(series: pd.Series) -> pd.Series:
    """A category column as trimmed text categories (empty ones missing): :func:`_as_text` on its categories."""
    text = _as_text(pd.Series(series.cat.categories))
    return _recode(series, text.to_numpy(dtype=object, na_value=None))


def _recode(series: pd.Series, values: np.ndarray) -> pd.Series:
    """A category column whose i-th category becomes ``values[i]`` (text, or None for missing): categories
    that become the same value are merged. The categories are the values present, sorted, as text: what
    ``.astype("string").astype("category")`` of the new values makes."""
    codes = series.cat.codes.to_numpy()
    new = pd.Series(values, dtype="string")
    present = np.zeros(len(new), bool)
    present[np.unique(codes[codes >= 0])] = True
    keep = present & new.notna().to_numpy()
    categories = pd.Index(pd.unique(new[keep]), dtype="string").sort_values()
    position = np.full(len(new) + 1, -1, dtype=np.int64)  # the last one: missing (code -1)
    position[:-1][keep] = categories.get_indexer(new[keep])
    return pd.Series(pd.Categorical.from_codes(position[codes], categories=categories), index=series.index,
                     name=series.name)


def _as_category(values: pd.Series) -> pd.Series:
    """Text values as a category column with the values present, sorted, as text categories (what
    ``.astype("string").astype("category")`` makes); a category column is made so by its codes."""
    if not isinstance(values.dtype, pd.CategoricalDtype):
        return values.astype("string").astype("category")
    categories = values.cat.categories
    return _recode(values, np.asarray(categories.astype(object), dtype=object))


def _parse(
    original: pd.Series, text: pd.Series, kind: str, name: str
) -> tuple[pd.Series, pd.Series | None, pd.Series | str | None]:
    """Type one column by its contract kind: (values, cells that failed to parse, reason per failed cell)."""
    if kind in (ID, TEXT, CODE):
        if isinstance(text.dtype, pd.CategoricalDtype):  # held as categories (``CATEGORY_COLUMNS``)
            return text, None, None
        return text.astype(ID_DTYPE if kind == ID else TEXT_DTYPE), None, None
    if isinstance(text.dtype, pd.CategoricalDtype):
        original = text = text.astype("string")
    if kind == DATE:
        return _parse_dates(original, text, name)
    if kind in (INTEGER, NUMBER):
        return _parse_numbers(original, text, kind, name)
    raise ValueError(f"column {name} has unknown kind {kind!r} in the contract")


def parse_date_text(text: pd.Series) -> pd.Series:
    """Dates from text cells as the loader reads them (yyyy-mm-dd or dd/mm/yyyy); NaT where not a date."""
    cells = _as_text(text)
    return _parse_dates(cells, cells, "date")[0]


#: The first and last dates a date column can hold (pandas' nanosecond timestamps): a cell outside them,
#: e.g. 0001-01-01, is rejected with its reason (it stopped the whole file before 1 Dec 2026).
FIRST_DATE, LAST_DATE = pd.Timestamp.min.ceil("D"), pd.Timestamp.max.floor("D")


def _in_date_range(values: np.ndarray) -> np.ndarray:
    """Which of ``values`` (numpy datetimes of any unit) lie within ``FIRST_DATE``..``LAST_DATE`` (NaT: no)."""
    return (values >= np.datetime64(FIRST_DATE)) & (values <= np.datetime64(LAST_DATE))


def _out_of_range_reason(name: str) -> str:
    return (f"{name} is before {FIRST_DATE:%d/%m/%Y} or after {LAST_DATE:%d/%m/%Y}, outside the dates the "
            "dashboard can hold (check the year)")


def _parse_dates(original: pd.Series, text: pd.Series, name: str) -> tuple[pd.Series, pd.Series, pd.Series | str]:
    """Dates as yyyy-mm-dd or dd/mm/yyyy (or already date-typed); the time of day is dropped. A date
    outside ``FIRST_DATE``..``LAST_DATE`` fails with its reason."""
    if pd.api.types.is_datetime64_any_dtype(original):
        values = original.dt.tz_localize(None) if getattr(original.dt, "tz", None) is not None else original
        given = values.to_numpy()
        inside = _in_date_range(given)
        outside = ~inside & values.notna().to_numpy()
        values = pd.Series(np.where(inside, given, np.datetime64("NaT")).astype(DATE_DTYPE),
                           index=original.index).dt.normalize()
        return values, pd.Series(outside, index=original.index), _out_of_range_reason(name)
    # by position (label look-ups of millions of rows took about 0.5 GB at national scale: issue 12)
    values = np.full(len(text), np.datetime64("NaT"), dtype=DATE_DTYPE)
    todo = text.notna().to_numpy().copy()  # (a read-only view otherwise)
    outside = np.zeros(len(text), bool)
    for fmt in DATE_FORMATS:
        if not todo.any():
            break
        rows = np.flatnonzero(todo)
        parsed = pd.to_datetime(text if len(rows) == len(text) else text.iloc[rows], format=fmt, errors="coerce")
        given = parsed.to_numpy()
        ok = parsed.notna().to_numpy()
        inside = ok & _in_date_range(given)
        values[rows[inside]] = given[inside].astype(DATE_DTYPE)
        outside[rows[ok & ~inside]] = True
        todo[rows[ok]] = False
    values = pd.Series(values, index=text.index).dt.normalize()
    failed = pd.Series(todo | outside, index=text.index)
    bad = text[failed]  # reasons are built for failing cells only: they are few, the column may be long
    shaped = bad.str.match(_DATE_SHAPE).fillna(False).astype(bool)
    reason = pd.Series(
        np.where(
            outside[failed.to_numpy()],
            _out_of_range_reason(name),
            np.where(
                shaped,
                f"{name} is not a real date (dates are read as day/month/year or year-month-day)",
                f"{name} is not a date in the form dd/mm/yyyy or yyyy-mm-dd",
            ),
        ),
        index=bad.index,
        dtype=object,
    )
    return values, failed, reason


def _parse_numbers(
    original: pd.Series, text: pd.Series, kind: str, name: str
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Numbers from text (thousands separators allowed); integers must be whole."""
    if pd.api.types.is_numeric_dtype(original) and not pd.api.types.is_bool_dtype(original):
        numbers = original.astype("float64")
    else:
        cleaned = text.where(~text.str.match(_THOUSANDS).fillna(False).astype(bool), text.str.replace(",", ""))
        numbers = pd.to_numeric(cleaned, errors="coerce").astype("float64")
    not_number = text.notna() & ~np.isfinite(numbers.fillna(np.inf))
    not_whole = pd.Series(False, index=text.index)
    if kind == INTEGER:
        not_whole = ~not_number & numbers.notna() & (numbers % 1 != 0)
    failed = not_number | not_whole
    reason = pd.Series(
        np.where(not_number[failed], f"{name} is not a number", f"{name} is not a whole number"),
        index=failed[failed].index,
        dtype=object,
    )
    numbers = numbers.mask(failed)
    values = numbers.round().astype(INTEGER_DTYPE) if kind == INTEGER else numbers.astype(NUMBER_DTYPE)
    return values, failed, reason


def _problem(failed: pd.Series, column: str, reason: pd.Series | str, order: int) -> pd.DataFrame:
    """One problem per failing cell: index (row position), column, reason, and an order for sorting.

    ``reason`` is one text for every failing cell, or a Series holding at least the failing cells.
    """
    index = failed.index[failed.to_numpy(dtype=bool)]
    reasons = reason if isinstance(reason, str) else reason.loc[index].astype(object).to_numpy()
    return pd.DataFrame({"column": column, "reason": reasons, "order": order}, index=index, dtype=object).astype(
        {"order": "int64"}
    )


def _schema(spec: Table) -> pa.DataFrameSchema:
    """The pandera schema of a typed table: required values present, numbers in the contract's range."""
    columns = {}
    for column in spec.columns:
        checks = []
        low, high = column.minimum, column.maximum
        if low is not None and high is not None:
            checks.append(pa.Check.in_range(low, high, error=f"{column.name} outside {low:g} to {high:g}"))
        elif low is not None:
            checks.append(pa.Check.ge(low, error=f"{column.name} below the minimum of {low:g}"))
        elif high is not None:
            checks.append(pa.Check.le(high, error=f"{column.name} above the maximum of {high:g}"))
        nullable = not column.required or (spec.name, column.name) in EMPTY_ALLOWED
        columns[column.name] = pa.Column(None, checks=checks, nullable=nullable, required=False)
    return pa.DataFrameSchema(columns)


def _schema_problems(frame: pd.DataFrame, spec: Table, parse_problems: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """Run the pandera schema lazily and turn its failure cases into problems.

    A cell that already failed to parse is empty in ``frame``; its "missing" failure is dropped
    so the reason given is the parse failure.
    """
    schema, found_cases = _schema(spec), []
    for name in [c for c in spec.names if c in frame]:  # a column at a time (issue 12: pandera copied the frame)
        try:
            pa.DataFrameSchema({name: schema.columns[name]}).validate(frame[[name]], lazy=True)
        except pa.errors.SchemaErrors as errors:
            found_cases.append(errors.failure_cases)
    if not found_cases:
        return []
    cases = pd.concat(found_cases, ignore_index=True)
    cases = cases[cases["index"].notna() & cases["column"].isin(spec.names)]
    if cases.empty:
        return []
    order = {name: i for i, name in enumerate(spec.names)}
    reason = cases["check"].where(cases["check"] != "not_nullable", cases["column"] + " is missing")
    found = pd.DataFrame(
        {
            "column": cases["column"].to_numpy(),
            "reason": reason.to_numpy(),
            "order": cases["column"].map(order).to_numpy(),
        },
        index=pd.Index(cases["index"].astype("int64").to_numpy()),
    )
    if parse_problems:
        parsed = pd.concat(parse_problems)
        # a problem with the column standing in for another (the date of birth) explains that one too
        stands_in = {c.name: c.instead_of for c in spec.columns if c.instead_of}
        parsed = pd.concat([parsed, parsed[parsed["column"].isin(list(stands_in))].assign(
            column=lambda f: f["column"].map(stands_in))])
        already = pd.MultiIndex.from_arrays([parsed.index, parsed["column"]])
        mine = pd.MultiIndex.from_arrays([found.index, found["column"]])
        found = found[~mine.isin(already)]
    return [found]


def _duplicate_problems(frame: pd.DataFrame, spec: Table, row_numbers: pd.Series) -> list[pd.DataFrame]:
    """Later rows repeating a key (all key columns filled) are rejected, naming the first row."""
    if not spec.key:
        return []
    keys = frame[list(spec.key)]
    complete = keys.notna().all(axis=1)
    keys = keys[complete]
    later = keys.duplicated(keep="first")
    if not later.any():
        return []
    first_row = row_numbers[complete].groupby([keys[k] for k in spec.key], dropna=False).transform("min")
    label = " and ".join(spec.key)
    reason = ("duplicate " + label + ": same as row " + first_row[later].astype(str)).astype(object)
    failed = pd.Series(False, index=frame.index)
    failed.loc[later[later].index] = True
    return [_problem(failed, spec.key[0], reason, len(spec.columns) + 1)]


def _report(
    problems: list[pd.DataFrame], texts: dict[str, pd.Series], body: pd.DataFrame, row_numbers: pd.Series
) -> pd.DataFrame:
    """One row per rejected input row: row_number, column(s), value(s), reason(s), then the original cells."""
    def originals(index: pd.Index) -> pd.DataFrame:  # only the rejected rows' cells as text, not the whole file's
        cells = body.loc[index].astype("string")
        cells.columns = [c if c not in REPORT_COLUMNS else f"{c} (file)" for c in cells.columns]
        return cells

    problems = [p for p in problems if not p.empty]
    if not problems:
        empty = pd.DataFrame({c: pd.Series(dtype="string") for c in REPORT_COLUMNS})
        empty["row_number"] = empty["row_number"].astype("int64")
        return pd.concat([empty, originals(body.index[:0])], axis=1)
    found = pd.concat(problems)
    found["position"] = found.index
    found = found.sort_values(["position", "order"], kind="stable")
    found["value"] = _cell_values(found, texts)
    # Join each row's problems without a Python call per row: lay the k-th problem of every row
    # in column k, then concatenate the columns (a row has few problems, so there are few columns).
    found["k"] = found.groupby("position", sort=False).cumcount().to_numpy()
    joined = pd.DataFrame(index=pd.Index(pd.unique(found["position"])))
    for field_name in ("column", "value", "reason"):
        wide = found.pivot(index="position", columns="k", values=field_name).reindex(joined.index).astype(object)
        text = wide[0]
        for k in wide.columns[1:]:
            part = wide[k]
            text = text.where(part.isna(), text + _REASON_SEP + part)
        joined[field_name] = text.astype(str)
    joined.insert(0, "row_number", row_numbers.loc[joined.index].astype("int64").to_numpy())
    joined.index.name = None
    return pd.concat([joined, originals(joined.index)], axis=1)


def _cell_values(found: pd.DataFrame, texts: dict[str, pd.Series]) -> np.ndarray:
    """The cell text each problem is about, one column at a time (vectorised per column)."""
    values = np.full(len(found), "", dtype=object)
    columns = found["column"].to_numpy()
    for column in pd.unique(columns):
        mask = columns == column
        values[mask] = _cells_text(texts[column], found.index[mask]).astype("string").fillna("").astype(str).to_numpy()
    return values


def _unknown_code_warnings(kept: pd.DataFrame, spec: Table, row_numbers: pd.Series) -> list[str]:
    """One warning per code column listing each unknown code with its row count and first rows."""
    warnings = []
    for column in spec.columns:
        if column.kind != CODE or (spec.name, column.name) in MUST_MAP or column.name not in CODE_LISTS:
            continue
        unknown = kept[column.name + GROUP_SUFFIX] == UNMAPPED
        if not unknown.any():
            continue
        bad = pd.DataFrame({"code": kept.loc[unknown, column.name].astype("string"),
                            "row": row_numbers.loc[unknown[unknown].index]})
        listed = []
        for code, rows in bad.groupby("code", sort=False)["row"]:
            first = ", ".join(str(r) for r in rows.head(ROWS_LISTED))
            more = ", ..." if len(rows) > ROWS_LISTED else ""
            listed.append(f"'{code}' ({len(rows)} row{'s' if len(rows) != 1 else ''}: {first}{more})")
        warnings.append(
            f"{column.name}: {len(listed)} unknown code{'s' if len(listed) != 1 else ''} kept as "
            f"'{UNMAPPED}' (codes are never guessed): {', '.join(listed)}. Map them on the Data page."
        )
    return warnings


# ---------------------------------------------------------------- small helpers
def _drop_blank_rows(body: pd.DataFrame) -> pd.DataFrame:
    """The rows with at least one non-blank cell (the file itself when none is blank: no copy)."""
    if body.shape[1] == 0:
        return body.iloc[:0]
    blank = np.ones(len(body), bool)
    for column in body.columns:  # column by column, stopping once no row can be wholly blank
        blank &= _blank(body[column]).to_numpy()
        if not blank.any():
            return body
    return body[~blank]


def _blank(series: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series):
        return series.isna()  # a number or date is blank only when missing (no text made of it)
    return _as_text(series).isna()


def _cell_text(value: object) -> str:
    return "" if value is None else str(value)


def _unique_headers(headers: list[object]) -> list[str]:
    """Headers as text, made unique ("Name", "Name (2)") so each names one column."""
    seen: Counter[str] = Counter()
    unique = []
    for header in headers:
        text = str(header).strip()
        seen[text] += 1
        unique.append(text if seen[text] == 1 else f"{text} ({seen[text]})")
    return unique


def _column_letter(index: int) -> str:
    """Spreadsheet column letter of a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters
