"""Map glyphs: the protobuf read and written byte for byte, the signed distance field against the
distance formula on a glyph whose outline is a plain rectangle, widths from the font's own advances,
and the glyphs carried in a data: address (nothing fetched)."""

from __future__ import annotations

import base64
import importlib.util
import math

import numpy as np
from fontTools.ttLib import TTFont

from analysis import glyphs
from analysis.glyphs import Glyph

FONT = glyphs.ROOT / "data" / "fonts" / "DejaVuSans-Bold.ttf"


def test_protobuf_fields_are_encoded_as_the_format_says():
    # field 1 varint 300: key (1 << 3 | 0) = 0x08, then 300 = 0b10_0101100 -> 0xAC 0x02
    assert glyphs._field(1, 300) == b"\x08\xac\x02"
    # field 5 sint32 -5: zigzag 9; field 2 bytes: key 0x12, length, the bytes
    assert glyphs._field(5, -5, signed=True) == b"\x28\x09"
    assert glyphs._field(2, b"\x01\x02") == b"\x12\x02\x01\x02"
    glyph = Glyph(id=233, bitmap=bytes(range(7 * 8)), width=1, height=2, left=-1, top=-17, advance=14)
    space = Glyph(id=32, bitmap=b"", width=0, height=0, left=0, top=0, advance=8)
    assert glyphs.decode(glyphs.encode([glyph, space])) == {233: glyph, 32: space}


def test_a_rectangular_glyph_has_the_distance_field_of_a_rectangle():
    # DejaVu Sans Bold's "l" is one rectangle: x 172..530, y 0..1556 font units (2048 per em), advance 702.
    # At 24 px (scale 24/2048): x 2.0156..6.2109 px, y 0..18.2344 px; box rounded out: left 2, width 5,
    # height 19; top 19 less the ascender ceil(1901 * 24/2048) = 23 -> -4; advance round(8.2266) = 8.
    l = glyphs.load()[ord("l")]  # noqa: E741
    assert (l.width, l.height, l.left, l.top, l.advance) == (5, 19, 2, -4, 8)
    field = np.frombuffer(l.bitmap, dtype="uint8").reshape(l.height + 6, l.width + 6)
    # row 12 has its pixel centres at y = 19 + 3 - 0.5 - 12 = 9.5 (mid-height); column i at x = i - 0.5.
    # value = floor(255 - 255 * (d / 8 + 0.25)), d the signed distance to the outline (negative inside):
    # x 4.5: inside, d = -(6.2109 - 4.5) = -1.7109 -> 245; x 1.5: d = 0.5156 -> 174; x 7.5: d = 1.2891 -> 150
    assert (field[12, 5], field[12, 2], field[12, 8]) == (245, 174, 150)
    # the top-left corner pixel (-0.5, 21.5) is 4.1222 px from the outline's corner (2.0156, 18.2344) -> 59
    assert field[0, 0] == 59


def test_widths_are_the_sum_of_the_fonts_advances_at_the_size_asked():
    font = TTFont(FONT)
    scale = 24 / font["head"].unitsPerEm
    cmap = font.getBestCmap()
    advances = [round(font["hmtx"][cmap[ord(c)]][0] * scale) for c in "Oxford"]
    assert glyphs.text_width("Oxford", 14) == sum(advances) * 14 / 24
    assert math.isclose(glyphs.text_width("Oxford", 24), sum(advances))


def test_the_address_carries_just_the_glyphs_used_and_fetches_nothing():
    url = glyphs.glyphs_url(["Oxford", "Vale of\nWhite Horse"])
    assert url.startswith("data:application/x-protobuf;base64,")
    assert "://" not in url and "http" not in url
    data, fragment = url.split("#", 1)
    # MapLibre requires both placeholders; they sit in the fragment, which a data: address ignores
    assert fragment == "{fontstack}/{range}"
    held = glyphs.decode(base64.b64decode(data.split(",", 1)[1]))
    assert set(held) == {ord(c) for c in "Oxford Vale of White Horse"}  # the line break needs no glyph
    assert held[ord("O")] == glyphs.load()[ord("O")]


def test_characters_outside_the_font_set_are_named():
    assert glyphs.missing("Ynys Môn, King’s Lynn – Saint-Étienne") == set()  # Latin-1 and typographic punctuation
    assert glyphs.missing("Łódź") == {"Ł", "ź"}


def test_the_committed_glyph_file_is_what_the_build_script_makes(tmp_path):
    spec = importlib.util.spec_from_file_location("make_glyphs", glyphs.ROOT / "data" / "fonts" / "make_glyphs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "glyphs.pbf"
    assert module.main(["--out", str(out)]) == 0
    assert out.read_bytes() == glyphs.GLYPH_FILE.read_bytes()
    # Latin-1's printable characters and the General Punctuation block, as DejaVu Sans Bold has them
    font_has = set(TTFont(FONT).getBestCmap())
    assert set(glyphs.load()) == font_has & set(module.CODE_POINTS)
    assert len(glyphs.load()) == 298
