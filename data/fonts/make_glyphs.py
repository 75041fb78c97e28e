"""Makes the map's glyph file, data/fonts/DejaVuSans-Bold.glyphs.pbf, from the bundled DejaVu Sans Bold.

Run from the repository root (needs only fontTools and numpy; two runs give identical bytes)::

    python data/fonts/make_glyphs.py

MapLibre writes map text with signed distance field (SDF) glyphs in its protobuf format
(``analysis/glyphs.py`` reads and writes it). Each glyph is made here from the font's outline, not
from a rendered bitmap: the outline is scaled to 24 px, its curves cut into short straight pieces,
and each pixel of the glyph's box (plus a 3 px border) gets its distance to the nearest piece,
negative inside the outline (non-zero winding, as TrueType fills), stored as
``255 - 255 * (distance / 8 + 0.25)`` clipped to 0-255: 191 on the outline, 0 at 6 px outside,
255 at 2 px inside, the encoding MapLibre's shader expects (radius 8, cutoff 0.25, as node-fontnik).
Box and metrics follow FreeType's unhinted rendering: the box is the outline's extent rounded out to
whole pixels, ``left`` its left edge, ``top`` its top edge less the font's ascender (rounded up),
``advance`` the advance width rounded to a pixel.

Characters: Latin-1 (U+0020-U+00FF) and General Punctuation (U+2000-U+206F: typographic quotes
and dashes that names copied from documents carry). DejaVu fonts are free to use and redistribute
(data/fonts/LICENSE-DejaVu.txt).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
from fontTools.pens.basePen import BasePen
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script: make ``analysis`` importable
    sys.path.insert(0, str(ROOT))

from analysis.glyphs import BORDER_PX, FONT_STACK, GLYPH_FILE, GLYPH_SIZE_PX, Glyph, encode  # noqa: E402

FONT = ROOT / "data" / "fonts" / "DejaVuSans-Bold.ttf"
#: The code points made: Latin-1's printable characters and the General Punctuation block.
CODE_POINTS = [*range(0x20, 0x7F), *range(0xA0, 0x100), *range(0x2000, 0x2070)]
#: SDF encoding (MapLibre's): distances reach 8 px, and a quarter of the byte range is inside the outline.
RADIUS_PX, CUTOFF = 8.0, 0.25
#: Straight pieces per quadratic or cubic curve: at 24 px a piece is under a pixel long.
PIECES_PER_CURVE = 8


class SegmentPen(BasePen):
    """Collects a glyph's outline (components included) as straight segments, in font units."""

    def __init__(self, glyph_set: object) -> None:
        super().__init__(glyph_set)
        self.segments: list[tuple[float, float, float, float]] = []
        self._start: tuple[float, float] | None = None
        self._here: tuple[float, float] = (0.0, 0.0)  # our own pen position: BasePen moves its own only per call

    def _moveTo(self, point: tuple[float, float]) -> None:
        self._start = self._here = (point[0], point[1])

    def _lineTo(self, point: tuple[float, float]) -> None:
        if self._here != (point[0], point[1]):
            self.segments.append((*self._here, point[0], point[1]))
        self._here = (point[0], point[1])

    def _curve(self, points: list[tuple[float, float]]) -> None:
        # de Casteljau by Bernstein weights: the curve's points at evenly spaced t, joined by lines
        order = len(points) - 1
        for step in range(1, PIECES_PER_CURVE + 1):
            t = step / PIECES_PER_CURVE
            weights = [math.comb(order, i) * (1 - t) ** (order - i) * t ** i for i in range(order + 1)]
            self._lineTo((sum(w * p[0] for w, p in zip(weights, points, strict=True)),
                          sum(w * p[1] for w, p in zip(weights, points, strict=True))))

    def _qCurveToOne(self, control: tuple[float, float], point: tuple[float, float]) -> None:
        self._curve([self._here, control, point])

    def _curveToOne(self, c1: tuple[float, float], c2: tuple[float, float], point: tuple[float, float]) -> None:
        self._curve([self._here, c1, c2, point])

    def _closePath(self) -> None:
        if self._start is not None:
            self._lineTo(self._start)
        self._start = None

    _endPath = _closePath


def signed_distances(segments: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Distance from each point (xs, ys) to the nearest segment (rows x0, y0, x1, y1), negative
    inside the outline (non-zero winding number)."""
    px, py = xs[:, None], ys[:, None]
    x0, y0, x1, y1 = (segments[:, i][None, :] for i in range(4))
    dx, dy = x1 - x0, y1 - y0
    length2 = np.maximum(dx * dx + dy * dy, 1e-12)
    t = np.clip(((px - x0) * dx + (py - y0) * dy) / length2, 0.0, 1.0)
    distance = np.sqrt((px - x0 - t * dx) ** 2 + (py - y0 - t * dy) ** 2).min(axis=1)
    # winding: an upward segment with the point on its left counts +1, a downward one on its right -1
    side = dx * (py - y0) - (px - x0) * dy
    up = (y0 <= py) & (y1 > py) & (side > 0)
    down = (y0 > py) & (y1 <= py) & (side < 0)
    winding = up.sum(axis=1) - down.sum(axis=1)
    return np.where(winding != 0, -distance, distance)


def make_glyph(font: TTFont, code_point: int) -> Glyph | None:
    """The SDF glyph of one character at ``GLYPH_SIZE_PX``, or None when the font has none."""
    name = font.getBestCmap().get(code_point)
    if name is None:
        return None
    scale = GLYPH_SIZE_PX / font["head"].unitsPerEm
    advance = round(font["hmtx"][name][0] * scale)
    glyph_set = font.getGlyphSet()
    pen = SegmentPen(glyph_set)
    glyph_set[name].draw(pen)
    if not pen.segments:  # a space: metrics only
        return Glyph(code_point, b"", 0, 0, 0, 0, advance)
    segments = np.asarray(pen.segments, dtype="float64") * scale
    ascender = math.ceil(font["hhea"].ascent * scale)
    xs, ys = segments[:, [0, 2]], segments[:, [1, 3]]
    left, right = math.floor(xs.min()), math.ceil(xs.max())
    bottom, top = math.floor(ys.min()), math.ceil(ys.max())
    width, height = right - left, top - bottom
    # pixel centres of the padded box, row by row from the top
    columns = left - BORDER_PX + 0.5 + np.arange(width + 2 * BORDER_PX)
    rows = top + BORDER_PX - 0.5 - np.arange(height + 2 * BORDER_PX)
    grid_x, grid_y = np.meshgrid(columns, rows)
    distance = signed_distances(segments, grid_x.ravel(), grid_y.ravel())
    values = np.clip(255.0 - 255.0 * (distance / RADIUS_PX + CUTOFF), 0.0, 255.0)
    return Glyph(code_point, np.floor(values).astype("uint8").tobytes(), width, height, left, top - ascender, advance)


def build() -> bytes:
    """The glyph file's bytes: every character of ``CODE_POINTS`` the font has."""
    font = TTFont(FONT)
    return encode([g for g in (make_glyph(font, c) for c in CODE_POINTS) if g is not None], FONT_STACK, "0-255")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=GLYPH_FILE, help=f"default: {GLYPH_FILE.relative_to(ROOT)}")
    out = parser.parse_args(argv).out
    out.write_bytes(build())
    print(f"Wrote {out}: {out.stat().st_size:,} bytes of {FONT_STACK} glyphs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
