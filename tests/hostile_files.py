"""Awkward and hostile files built in the test, byte for byte (issue 11 item 4): what real partnerships'
systems and Excel write, and what a damaged or protected file looks like."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl

EPISODES_HEADER = ["client_id", "episode_id", "sex", "age_at_triage", "district_code", "service", "triage_date"]
#: Rows of the whole-sheet workbook (a real extract's size for one small service).
WHOLE_SHEET_ROWS = 200
#: First bytes of an OLE2 compound file (old .xls, and any Office file protected with a password).
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SECTOR = 512


def _saved(book: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def episode_row(i: int) -> list[object]:
    return [f"C{i}", f"E{i}", "M", 30, "E07000178", "adult", "2024-05-01"]


def whole_sheet_workbook(rows: int = WHOLE_SHEET_ROWS) -> bytes:
    """An .xlsx of ``rows`` episodes whose recorded used range is the whole sheet (A1:XFD1048576), as
    Excel records it after whole columns are formatted."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(EPISODES_HEADER)
    for i in range(rows):
        sheet.append(episode_row(i))
    source = zipfile.ZipFile(io.BytesIO(_saved(book)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data, n = re.subn(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', data)
                assert n == 1
            archive.writestr(item, data)
    return out.getvalue()


def hidden_first_sheet_workbook() -> bytes:
    """A workbook whose first sheet ("Lookups", holding districts) is hidden; the second, visible and
    active, holds the episodes."""
    book = openpyxl.Workbook()
    lookups = book.active
    lookups.title = "Lookups"
    lookups.append(["district_code", "district_name"])
    lookups.append(["E07000178", "Oxford"])
    lookups.sheet_state = "hidden"
    episodes = book.create_sheet("Episodes")
    episodes.append(EPISODES_HEADER)
    episodes.append(episode_row(1))
    episodes.append(episode_row(2))
    book.active = 1
    return _saved(book)


def formulas_without_values_workbook() -> bytes:
    """An .xlsx whose age cells are formulas saved with no value (as a program that cannot calculate
    writes them; Excel would store the value)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(EPISODES_HEADER)
    sheet.append([*episode_row(1)[:3], "=20+10", *episode_row(1)[4:]])
    sheet.append([*episode_row(2)[:3], "=D2+1", *episode_row(2)[4:]])
    return _saved(book)


def unicode_text(lines: list[list[str]]) -> bytes:
    """Excel's "Unicode Text" export: UTF-16 little-endian with a byte-order mark, tab-separated, CRLF."""
    return "\r\n".join("\t".join(cells) for cells in lines).encode("utf-16")  # Python writes the BOM


def ole2_file(stream_names: list[str]) -> bytes:
    """A minimal OLE2 compound file: the header sector, then one directory sector naming the streams
    (what an old .xls, or a password-protected .xlsx with its "EncryptedPackage" stream, starts with)."""
    header = OLE2 + bytes(16) + (0x3E).to_bytes(2, "little") + (3).to_bytes(2, "little") + b"\xfe\xff"
    header += (9).to_bytes(2, "little") + (6).to_bytes(2, "little")
    header = header.ljust(SECTOR, b"\x00")
    directory = b""
    for name in ["Root Entry", *stream_names]:
        encoded = (name + "\x00").encode("utf-16-le")
        entry = encoded.ljust(64, b"\x00") + len(encoded).to_bytes(2, "little") + b"\x02"
        directory += entry.ljust(128, b"\x00")
    return header + directory.ljust(SECTOR, b"\x00")


def password_protected_workbook() -> bytes:
    return ole2_file(["EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"])


def old_excel_workbook() -> bytes:
    return ole2_file(["Workbook", "\x05SummaryInformation"])


def boundaries_geojson(rings: dict[str, list[list[float]]]) -> bytes:
    """A GeoJSON FeatureCollection of one polygon per district code, written as text (the rings as given,
    valid or not)."""
    import json

    features = [{"type": "Feature", "properties": {"district_code": code},
                 "geometry": {"type": "Polygon", "coordinates": [ring]}} for code, ring in rings.items()]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


SQUARE = [[-1.3, 51.7], [-1.2, 51.7], [-1.2, 51.8], [-1.3, 51.8], [-1.3, 51.7]]
#: A "bow tie": the ring crosses itself, so the polygon is invalid; make_valid gives two triangles.
BOW_TIE = [[-1.5, 51.9], [-1.4, 52.0], [-1.4, 51.9], [-1.5, 52.0], [-1.5, 51.9]]
#: A ring whose points lie on one line: it encloses nothing, so no area survives a repair.
FLAT = [[-1.1, 51.6], [-1.0, 51.6], [-0.9, 51.6], [-1.1, 51.6]]
