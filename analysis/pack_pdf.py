"""The board pack as a PDF (fpdf2): the same pages as the slides, for papers sent with the agenda.

One 16:9 page per slide, on the same geometry as ``analysis.pack_pptx``. A PDF has no speaker
notes, so each chart page prints the full summaries under the chart. Text is set in DejaVu Sans
(bundled in ``data/fonts`` with its licence), embedded as a subset, so the file reads the same on
any machine and every character the summaries use (·, –, ≥) prints.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import pandas as pd
from fpdf import FPDF
from fpdf.fonts import FontFace

from analysis import pack as p
from analysis.dataset import DATA_DIR

FONT_DIR = DATA_DIR / "fonts"
FONT = "DejaVu"
#: Points per inch (fpdf2 sizes fonts in points whatever the page unit).
POINT = 1 / 72
#: Height of the chart on a PDF page (shorter than on a slide, to leave room for the summaries).
PDF_PICTURE_HEIGHT = 3.5


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]


class PackPDF(FPDF):
    """A 16:9 page in inches with the pack's template (accent band, section label, footer line)."""

    def __init__(self, pack: p.Pack) -> None:
        super().__init__(orientation="landscape", unit="in", format=(p.SLIDE_HEIGHT, p.SLIDE_WIDTH))
        self.pack = pack
        self.set_auto_page_break(False)
        self.set_margins(p.MARGIN, p.MARGIN, p.MARGIN)
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_title(f"{pack.partnership}: board pack, {pack.period}")
        self.set_creator("Drug and alcohol needs assessment dashboard")

    # -------------------------------------------------------------- text
    def text_box(self, left: float, top: float, width: float, height: float, paragraphs: Sequence[str], *,
                 size: float, colour: str = p.INK, bold: bool = False, gap: float = 0.0, shrink_to: float = 6.0,
                 middle: bool = False) -> float:
        """Paragraphs in a box, the font shrunk (down to ``shrink_to`` points) until they fit.
        Returns the height used."""
        while True:
            used = self._measure(width, paragraphs, size, bold, gap) if not self._surely_fits(
                width, height, paragraphs, size, bold, gap) else 0.0
            if used <= height or size <= shrink_to:
                break
            size -= 0.5
        self.set_font(FONT, "B" if bold else "", size)
        self.set_text_color(*_rgb(colour))
        if middle and not used:
            used = self._measure(width, paragraphs, size, bold, gap)
        y = top + ((height - used) / 2 if middle and used < height else 0)
        for text in paragraphs:
            self.set_xy(left, y)
            self.multi_cell(width, size * POINT * 1.25, text, new_x="LEFT", new_y="NEXT", align="L")
            y = self.get_y() + gap
        return used

    def _surely_fits(self, width: float, height: float, paragraphs: Sequence[str], size: float, bold: bool,
                     gap: float) -> bool:
        """A quick bound (measuring every line break is slow): the text fits if, with each paragraph's
        length spread over lines and one extra line each for word wrapping, it is within the box."""
        self.set_font(FONT, "B" if bold else "", size)
        lines = sum(self.get_string_width(t) / width + 2 for t in paragraphs)
        return lines * size * POINT * 1.25 + gap * len(paragraphs) <= height

    def _measure(self, width: float, paragraphs: Sequence[str], size: float, bold: bool, gap: float) -> float:
        self.set_font(FONT, "B" if bold else "", size)
        lines = sum(len(self.multi_cell(width, size * POINT * 1.25, t, dry_run=True, output="LINES", align="L"))
                    for t in paragraphs)
        return lines * size * POINT * 1.25 + gap * max(0, len(paragraphs) - 1)

    # -------------------------------------------------------------- template
    def page_frame(self, section: str, title: str, number: int) -> None:
        self.add_page()
        self.set_fill_color(*_rgb(p.ACCENT))
        self.rect(0, 0, p.SLIDE_WIDTH, 0.12, style="F")
        width = p.SLIDE_WIDTH - 2 * p.MARGIN
        self.text_box(p.MARGIN, 0.22, width, 0.25, [section.upper()], size=10, colour=p.MUTED, bold=True)
        self.text_box(p.MARGIN, 0.5, width, 0.95, [title], size=20, colour=p.ACCENT, bold=True, shrink_to=12,
                      middle=True)
        bottom = p.SLIDE_HEIGHT - 0.36
        pack = self.pack
        self.text_box(p.MARGIN, bottom, 4.4, 0.25, [pack.data_label], size=9, bold=pack.is_demo,
                      colour=p.WARNING if pack.is_demo else p.MUTED)
        self.text_box(5.0, bottom, 6.8, 0.25, [f"{pack.partnership} · {pack.period} · {pack.selection}"], size=9,
                      colour=p.MUTED)
        self.set_font(FONT, "", 9)
        self.set_xy(p.SLIDE_WIDTH - p.MARGIN - 0.8, bottom)
        self.cell(0.8, 9 * POINT * 1.25, str(number), align="R")

    def table_box(self, frame: pd.DataFrame, left: float, top: float, width: float, *, size: float,
                  shares: Sequence[float], numbers: bool = True) -> None:
        """A table with a shaded heading row; columns after the first right-aligned when ``numbers``."""
        self.set_font(FONT, "", size)
        self.set_text_color(*_rgb(p.INK))
        self.set_draw_color(200, 200, 200)
        self.set_xy(left, top)
        heading = FontFace(emphasis="BOLD", fill_color=_rgb(p.HEADER_FILL))
        aligns = tuple("LEFT" if i == 0 or not numbers else "RIGHT" for i in range(len(frame.columns)))
        with self.table(width=width, col_widths=tuple(shares), align="LEFT", text_align=aligns,
                        line_height=size * POINT * 1.35, headings_style=heading, padding=0.03,
                        first_row_as_headings=True, cell_fill_color=(255, 255, 255), cell_fill_mode="ALL") as table:
            table.row([str(c) for c in frame.columns])
            for _, values in frame.iterrows():
                table.row([str(v) for v in values])


def pdf_bytes(pack: p.Pack) -> bytes:
    """The pack as a PDF: the same pages, in the same order, as the PowerPoint file."""
    from analysis.pack_pptx import table_layout  # one rule for column widths in both formats

    pdf = PackPDF(pack)
    width = p.SLIDE_WIDTH - 2 * p.MARGIN
    number = 1

    pdf.add_page()
    pdf.set_fill_color(*_rgb(p.ACCENT))
    pdf.rect(0, 0, 0.35, p.SLIDE_HEIGHT, style="F")
    pdf.text_box(1.0, 1.6, 11.3, 1.5, [pack.partnership, "Drug and alcohol treatment: board pack"], size=30,
                 colour=p.ACCENT, bold=True)
    pdf.text_box(1.0, 3.35, 11.3, 1.6, [pack.period, f"Selection: {pack.selection}",
                                        f"Made {pack.made_at:%d %B %Y, %H:%M}"], size=16, gap=0.08)
    pdf.text_box(1.0, 5.2, 11.3, 1.0, [pack.data_label, *pack.notices], size=14 if pack.is_demo else 12,
                 colour=p.WARNING if pack.is_demo else p.MUTED, bold=pack.is_demo)

    pages = [pack.findings[i:i + p.FINDINGS_PER_SLIDE] for i in range(0, len(pack.findings), p.FINDINGS_PER_SLIDE)]
    for index, chunk in enumerate(pages or [[]]):
        number += 1
        pdf.page_frame("Summary", "Key findings" + (f" ({index + 1} of {len(pages)})" if len(pages) > 1 else ""),
                       number)
        items = [f"{index * p.FINDINGS_PER_SLIDE + i + 1}. {f.text}" for i, f in enumerate(chunk)] or [
            "No findings were chosen for this pack."]
        pdf.text_box(p.MARGIN, p.BODY_TOP, width, p.FOOTER_TOP - p.BODY_TOP + 0.6, items, size=14, gap=0.14)

    if pack.headlines is not None:
        number += 1
        pdf.page_frame("Overview", "Headline figures", number)
        pdf.table_box(pack.headlines, p.MARGIN, p.BODY_TOP, width, size=12, shares=[0.3, 0.14, 0.19, 0.14, 0.12, 0.11])
        pdf.text_box(p.MARGIN, p.FOOTER_TOP + 0.3, width, 0.7, [p.METHOD[p.COUNT], p.METHOD[p.PROPORTION],
                                                                 p.SUPPRESSION_NOTE], size=8, colour=p.MUTED)

    for chart in pack.charts:
        number += 1
        pdf.page_frame(f"{p.SECTIONS[chart.section]} · {chart.label}", chart.title, number)
        box_width, box_height = p.picture_size(chart)
        picture_width = box_width * PDF_PICTURE_HEIGHT / box_height
        left = p.MARGIN if chart.table is not None else (p.SLIDE_WIDTH - picture_width) / 2
        if chart.image is not None:
            pdf.image(io.BytesIO(chart.image), x=left, y=p.BODY_TOP, w=picture_width, h=PDF_PICTURE_HEIGHT)
        else:
            message = chart.empty_message if chart.figure is None else "(chart not drawn: chromium is not installed)"
            pdf.text_box(left, p.BODY_TOP, picture_width, PDF_PICTURE_HEIGHT, [message], size=14, colour=p.MUTED,
                         middle=True)
        if chart.table is not None:
            table_left = p.MARGIN + picture_width + p.GUTTER
            table_width = p.SLIDE_WIDTH - p.MARGIN - table_left
            size, shares = table_layout(chart.table, table_width, 8.5)
            pdf.table_box(chart.table, table_left, p.BODY_TOP, table_width, size=size, shares=shares)
        # The summaries run the page's full width under the chart: a compact table (at most
        # MAX_TABLE_ROWS rows) ends above the chart's foot.
        summary_top = max(p.BODY_TOP + PDF_PICTURE_HEIGHT, pdf.get_y() if chart.table is not None else 0) + 0.1
        pdf.text_box(p.MARGIN, summary_top, width, p.FOOTER_TOP - summary_top - 0.05, chart.notes, size=9, gap=0.04)
        footer = [f"Definition: {chart.definition}", f"Source: {chart.source}. {chart.method} {p.SUPPRESSION_NOTE}"]
        pdf.text_box(p.MARGIN, p.FOOTER_TOP, width, 1.0, footer, size=7, colour=p.MUTED, gap=0.03, shrink_to=5.5)

    number += 1
    pdf.page_frame("Appendix", "Definitions of the headline figures", number)
    pdf.table_box(pd.DataFrame(pack.definitions, columns=["Indicator", "Definition"]), p.MARGIN, p.BODY_TOP, width,
                  size=9, shares=[0.22, 0.78], numbers=False)
    number += 1
    pdf.page_frame("Appendix", "Methods, sources and notes", number)
    pdf.table_box(pd.DataFrame(pack.methods, columns=["Topic", "Note"]), p.MARGIN, p.BODY_TOP, width, size=8,
                  shares=[0.16, 0.84], numbers=False)
    return bytes(pdf.output())
