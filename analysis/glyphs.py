"""Map text without a font server: the bundled font's MapLibre glyphs, read from a committed file and
handed to the map inside its own style (a ``data:`` address), so the browser fetches nothing to write
district names on a map.

MapLibre (plotly's ``Choroplethmap``) draws map text from signed-distance-field glyphs it requests
from the style's ``glyphs`` address, one 256-character range at a time (``{fontstack}/{range}.pbf``).
Plotly's built-in styles point that address at fonts.openmaptiles.org. Here the address is a
``data:`` URL holding exactly the glyphs a map's names use, with the two placeholders MapLibre
requires kept in the URL's fragment, which a ``data:`` URL ignores: every range MapLibre asks for
gets the same small set, and nothing leaves the page. That also works where the page has no server
of its own (kaleido drawing the board pack's pictures).

The glyph file is ``data/fonts/DejaVuSans-Bold.glyphs.pbf``, made by ``data/fonts/make_glyphs.py``
from the bundled DejaVu Sans Bold (Latin-1 and the General Punctuation block). Format: MapLibre's
glyph protobuf ``glyphs { stacks { name, range, glyphs { id, bitmap, width, height, left, top,
advance } } }`` at 24 px, bitmaps padded by 3 px, SDF bytes 0-255 with 192 on the outline.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The committed glyph file and the font stack name maps ask for (``text-font``).
GLYPH_FILE = ROOT / "data" / "fonts" / "DejaVuSans-Bold.glyphs.pbf"
FONT_STACK = "DejaVu Sans Bold"
#: MapLibre draws glyphs made at this size (its ``ONE_EM``), scaled to the text size asked for.
GLYPH_SIZE_PX = 24
#: Padding around each bitmap, in pixels (MapLibre's ``GLYPH_PBF_BORDER``).
BORDER_PX = 3
#: Written after the data so MapLibre's style check finds the two placeholders it requires; a ``data:``
#: address ignores its fragment, so every range requested returns the same glyphs.
PLACEHOLDERS = "#{fontstack}/{range}"
#: Whitespace MapLibre shapes as a break or a space: never needed as a glyph with a bitmap.
_BREAKS = {"\n"}


@dataclass(frozen=True)
class Glyph:
    """One character's glyph: ``bitmap`` is (width + 6) x (height + 6) SDF bytes (empty for a space);
    ``left`` and ``top`` place it (top from the font's ascender), ``advance`` moves the pen, in pixels at 24 px."""

    id: int
    bitmap: bytes
    width: int
    height: int
    left: int
    top: int
    advance: int


# ------------------------------------------------------------------ protobuf, the few field types used
def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _zigzag(value: int) -> int:
    return (value << 1) ^ (value >> 63)


def _field(number: int, value: int | bytes | str, signed: bool = False) -> bytes:
    if isinstance(value, int):
        return _varint(number << 3) + _varint(_zigzag(value) if signed else value)
    data = value.encode("utf-8") if isinstance(value, str) else value
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _read_varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, at


def _fields(data: bytes) -> Iterator[tuple[int, int | bytes]]:
    at = 0
    while at < len(data):
        key, at = _read_varint(data, at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, at = _read_varint(data, at)
            yield number, value
        elif wire == 2:
            length, at = _read_varint(data, at)
            yield number, data[at:at + length]
            at += length
        else:
            raise ValueError(f"glyph file: unexpected protobuf wire type {wire} in field {number}")


def encode_glyph(glyph: Glyph) -> bytes:
    """One ``glyph`` message (the bitmap left out when empty, as MapLibre's own files do)."""
    return b"".join([
        _field(1, glyph.id), _field(2, glyph.bitmap) if glyph.bitmap else b"", _field(3, glyph.width),
        _field(4, glyph.height), _field(5, glyph.left, signed=True), _field(6, glyph.top, signed=True),
        _field(7, glyph.advance),
    ])


def encode(glyphs: Iterable[Glyph], name: str = FONT_STACK, range_label: str = "0-255") -> bytes:
    """A glyph file: one font stack holding ``glyphs``."""
    stack = _field(1, name) + _field(2, range_label) + b"".join(_field(3, encode_glyph(g)) for g in glyphs)
    return _field(1, stack)


def decode(data: bytes) -> dict[int, Glyph]:
    """The glyphs of a glyph file by code point (every stack's, later stacks winning)."""
    glyphs: dict[int, Glyph] = {}
    for number, stack in _fields(data):
        if number != 1 or not isinstance(stack, bytes):
            continue
        for field_number, message in _fields(stack):
            if field_number != 3 or not isinstance(message, bytes):
                continue
            values: dict[int, int | bytes] = {2: b""}
            values.update(_fields(message))
            signed = {k: (v >> 1) ^ -(v & 1) for k, v in values.items() if k in (5, 6) and isinstance(v, int)}
            glyph = Glyph(id=int(values[1]), bitmap=bytes(values[2]), width=int(values[3]),  # type: ignore[arg-type]
                          height=int(values[4]), left=signed.get(5, 0), top=signed.get(6, 0),  # type: ignore[arg-type]
                          advance=int(values[7]))  # type: ignore[arg-type]
            glyphs[glyph.id] = glyph
    return glyphs


# ------------------------------------------------------------------ what maps use
@functools.lru_cache(maxsize=2)
def load(path: str | Path = GLYPH_FILE) -> dict[int, Glyph]:
    """The committed glyphs by code point, read once per path. Do not change the returned dict."""
    return decode(Path(path).read_bytes())


def missing(text: str, path: str | Path = GLYPH_FILE) -> set[str]:
    """The characters of ``text`` the glyph file cannot draw (a map leaves such a name off)."""
    held = load(path)
    return {c for c in text if ord(c) not in held and c not in _BREAKS}


def subset(texts: Iterable[str], path: str | Path = GLYPH_FILE) -> bytes:
    """A glyph file with just the glyphs ``texts`` use (plus the space), smallest code point first."""
    held = load(path)
    wanted = sorted({ord(c) for text in texts for c in text} | {ord(" ")})
    return encode([held[c] for c in wanted if c in held])


def glyphs_url(texts: Iterable[str], path: str | Path = GLYPH_FILE) -> str:
    """A MapLibre style's ``glyphs`` address carrying the glyphs ``texts`` use: a ``data:`` URL, so no
    request leaves the page (the placeholders sit in the fragment, which a ``data:`` URL ignores)."""
    data = base64.b64encode(subset(texts, path)).decode("ascii")
    return f"data:application/x-protobuf;base64,{data}{PLACEHOLDERS}"


def text_width(text: str, size_px: float, path: str | Path = GLYPH_FILE) -> float:
    """Width in pixels of one line of ``text`` at ``size_px`` (the sum of the glyphs' advances, as
    MapLibre lays out a line: no kerning)."""
    held = load(path)
    fallback = held[ord(" ")].advance if ord(" ") in held else GLYPH_SIZE_PX // 2
    return sum(held[ord(c)].advance if ord(c) in held else fallback for c in text) * size_px / GLYPH_SIZE_PX
