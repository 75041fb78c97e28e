"""The board pack as a PowerPoint file (python-pptx, 16:9), on a plain template drawn in code.

Every slide: a thin accent band, a small section label, the title, and a footer line with the
data label ("Synthetic demo data" in amber for the demo), the partnership and period, and the
slide number. Chart slides carry the finding as the title, the chart picture, the compact
suppressed table beside it when there is one, and a footer block with the definition, source,
interval method and suppression note; their speaker notes hold the full summaries.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import pandas as pd
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Inches, Pt

from analysis import pack as p

#: Arial: on every PowerPoint, and metric-compatible Liberation Sans stands in for it in LibreOffice,
#: so text measured for a box fits wherever the file is opened.
FONT = "Arial"


def _rgb(hex_colour: str) -> RGBColor:
    return RGBColor.from_string(hex_colour)


def title_size(text: str) -> int:
    """Points for a slide title of this length (two lines at most across the slide)."""
    return 24 if len(text) <= 80 else 20 if len(text) <= 130 else 17 if len(text) <= 190 else 14


def _text(slide, left: float, top: float, width: float, height: float, paragraphs: Sequence[str], *, size: int,
          colour: str = p.INK, bold: bool = False, anchor=MSO_ANCHOR.TOP, space_after: int = 0,
          align=PP_ALIGN.LEFT):
    box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    frame = box.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = anchor
    frame.margin_left = frame.margin_right = Inches(0.02)
    frame.margin_top = frame.margin_bottom = Inches(0.02)
    for i, text in enumerate(paragraphs):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.alignment = align
        paragraph.space_after = Pt(space_after)
        run = paragraph.add_run()
        run.text = text
        run.font.size, run.font.bold, run.font.name = Pt(size), bold, FONT
        run.font.color.rgb = _rgb(colour)
    return box


def _frame(presentation, pack: p.Pack, section: str, title: str, number: int):
    """A blank slide with the template: accent band, section label, title, footer line."""
    slide = presentation.slides.add_slide(presentation.slide_layouts[6])
    band = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, 0, Inches(p.SLIDE_WIDTH), Inches(0.12))
    band.fill.solid()
    band.fill.fore_color.rgb = _rgb(p.ACCENT)
    band.line.fill.background()
    width = p.SLIDE_WIDTH - 2 * p.MARGIN
    _text(slide, p.MARGIN, 0.2, width, 0.3, [section.upper()], size=11, colour=p.MUTED, bold=True)
    _text(slide, p.MARGIN, 0.48, width, 1.0, [title], size=title_size(title), colour=p.ACCENT, bold=True,
          anchor=MSO_ANCHOR.MIDDLE)
    bottom = p.SLIDE_HEIGHT - 0.38
    _text(slide, p.MARGIN, bottom, 4.5, 0.28, [pack.data_label], size=10, bold=pack.is_demo,
          colour=p.WARNING if pack.is_demo else p.MUTED)
    _text(slide, 5.0, bottom, 6.8, 0.28, [f"{pack.partnership} · {pack.period} · {pack.selection}"], size=10,
          colour=p.MUTED)
    _text(slide, p.SLIDE_WIDTH - p.MARGIN - 0.8, bottom, 0.8, 0.28, [str(number)], size=10, colour=p.MUTED,
          align=PP_ALIGN.RIGHT)
    return slide


def _table(slide, frame: pd.DataFrame, left: float, top: float, width: float, *, size: int = 10,
           widths: Sequence[float] | None = None, row_height: float = 0.3, numbers: bool = True) -> None:
    """A table with a shaded heading row; columns after the first right-aligned when ``numbers``."""
    rows, cols = len(frame) + 1, len(frame.columns)
    shape = slide.shapes.add_table(rows, cols, Inches(left), Inches(top), Inches(width), Inches(row_height * rows))
    table = shape.table
    shares = widths or [1 / cols] * cols
    for i, share in enumerate(shares):
        table.columns[i].width = Inches(width * share)
    for r in range(rows):
        table.rows[r].height = Inches(row_height)
        for c in range(cols):
            cell = table.cell(r, c)
            cell.margin_left = cell.margin_right = Inches(0.05)
            cell.margin_top = cell.margin_bottom = Inches(0.02)
            text = str(frame.columns[c]) if r == 0 else str(frame.iat[r - 1, c])
            cell.text = text
            cell.fill.solid()
            cell.fill.fore_color.rgb = _rgb(p.HEADER_FILL if r == 0 else "FFFFFF")
            for paragraph in cell.text_frame.paragraphs:
                paragraph.alignment = PP_ALIGN.LEFT if c == 0 or not numbers else PP_ALIGN.RIGHT
                for run in paragraph.runs:
                    run.font.size, run.font.name, run.font.bold = Pt(size), FONT, r == 0
                    run.font.color.rgb = _rgb(p.INK)


def _notes(slide, lines: Sequence[str]) -> None:
    slide.notes_slide.notes_text_frame.text = "\n\n".join(line for line in lines if line)


#: Average character width in ems (bold digits and letters of Calibri / DejaVu Sans, generous) and the
#: cell's left + right padding in inches, for sizing table columns.
CHARACTER_EMS, CELL_PADDING = 0.62, 0.14


def table_layout(frame: pd.DataFrame, width: float, size: float, smallest: float = 7.0) -> tuple[float, list[float]]:
    """Font size and column shares for a table ``width`` inches wide: each column gets at least the
    width of its longest cell and its heading's longest word (headings wrap between words only), the
    font shrinking (down to ``smallest`` points) until that fits; the room left is shared out."""
    def needs(points: float) -> list[float]:
        out = []
        for column in frame.columns:
            longest_word = max((len(w) for w in str(column).split()), default=1)
            longest_cell = max((len(str(v)) for v in frame[column]), default=1)
            out.append(max(longest_word, longest_cell) * points * CHARACTER_EMS / 72 + CELL_PADDING)
        return out

    while sum(needs(size)) > width and size > smallest:
        size -= 0.5
    minimum = needs(size)
    spare = max(0.0, width - sum(minimum))
    widths = [m + spare * m / sum(minimum) for m in minimum]
    return size, [w / sum(widths) for w in widths]


def pptx_bytes(pack: p.Pack) -> bytes:
    """The pack as a .pptx file."""
    presentation = Presentation()
    presentation.slide_width, presentation.slide_height = Inches(p.SLIDE_WIDTH), Inches(p.SLIDE_HEIGHT)
    number = 1
    width = p.SLIDE_WIDTH - 2 * p.MARGIN

    slide = presentation.slides.add_slide(presentation.slide_layouts[6])
    band = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, 0, Inches(0.35), Inches(p.SLIDE_HEIGHT))
    band.fill.solid()
    band.fill.fore_color.rgb = _rgb(p.ACCENT)
    band.line.fill.background()
    _text(slide, 1.0, 1.6, 11.3, 1.4, [f"{pack.partnership}", "Drug and alcohol treatment: board pack"], size=34,
          colour=p.ACCENT, bold=True)
    _text(slide, 1.0, 3.35, 11.3, 1.6, [pack.period, f"Selection: {pack.selection}",
                                        f"Made {pack.made_at:%d %B %Y, %H:%M}"], size=18, colour=p.INK,
          space_after=6)
    _text(slide, 1.0, 5.2, 11.3, 1.0, [pack.data_label, *pack.notices], size=16 if pack.is_demo else 14,
          colour=p.WARNING if pack.is_demo else p.MUTED, bold=pack.is_demo)
    _notes(slide, [f"Board pack for {pack.partnership}, {pack.period}; selection: {pack.selection}.", *pack.notices])

    pages = [pack.findings[i:i + p.FINDINGS_PER_SLIDE] for i in range(0, len(pack.findings), p.FINDINGS_PER_SLIDE)]
    for index, chunk in enumerate(pages or [[]]):
        number += 1
        title = "Key findings" + (f" ({index + 1} of {len(pages)})" if len(pages) > 1 else "")
        slide = _frame(presentation, pack, "Summary", title, number)
        items = [f"{index * p.FINDINGS_PER_SLIDE + i + 1}. {f.text}" for i, f in enumerate(chunk)] or [
            "No findings were chosen for this pack."]
        size = 16 if sum(len(t) for t in items) < 900 else 14
        _text(slide, p.MARGIN, p.BODY_TOP, width, p.FOOTER_TOP - p.BODY_TOP + 0.6, items, size=size,
              space_after=10)
        _notes(slide, [f.text for f in chunk])

    if pack.headlines is not None:
        number += 1
        slide = _frame(presentation, pack, "Overview", "Headline figures", number)
        _table(slide, pack.headlines, p.MARGIN, p.BODY_TOP, width, size=13, row_height=0.42,
               widths=[0.3, 0.14, 0.19, 0.14, 0.12, 0.11])
        _text(slide, p.MARGIN, p.FOOTER_TOP + 0.3, width, 0.7,
              [p.METHOD[p.COUNT], p.METHOD[p.PROPORTION], p.SUPPRESSION_NOTE], size=9, colour=p.MUTED)

    for chart in pack.charts:
        number += 1
        slide = _frame(presentation, pack, f"{p.SECTIONS[chart.section]} · {chart.label}", chart.title, number)
        box_width, box_height = p.picture_size(chart)
        left = p.MARGIN if chart.table is not None else (p.SLIDE_WIDTH - box_width) / 2
        if chart.image is not None:
            slide.shapes.add_picture(io.BytesIO(chart.image), Inches(left), Inches(p.BODY_TOP), Inches(box_width),
                                     Inches(box_height))
        elif chart.figure is None:
            _text(slide, left, p.BODY_TOP, box_width, box_height, [chart.empty_message], size=16, colour=p.MUTED,
                  anchor=MSO_ANCHOR.MIDDLE)
        else:
            _text(slide, left, p.BODY_TOP, box_width, box_height, ["(chart not drawn: chromium is not installed)"],
                  size=14, colour=p.MUTED, anchor=MSO_ANCHOR.MIDDLE)
        if chart.table is not None:
            table_left = p.MARGIN + box_width + p.GUTTER
            table_width = p.SLIDE_WIDTH - p.MARGIN - table_left
            size, shares = table_layout(chart.table, table_width, 10)
            _table(slide, chart.table, table_left, p.BODY_TOP, table_width, size=size, widths=shares,
                   row_height=0.3)
        footer = [f"Definition: {chart.definition}", f"Source: {chart.source}. {chart.method} {p.SUPPRESSION_NOTE}"]
        _text(slide, p.MARGIN, p.FOOTER_TOP, width, 1.0, footer, size=8 if sum(map(len, footer)) < 650 else 7,
              colour=p.MUTED, space_after=2)
        _notes(slide, chart.notes)

    number += 1
    slide = _frame(presentation, pack, "Appendix", "Definitions of the headline figures", number)
    _table(slide, pd.DataFrame(pack.definitions, columns=["Indicator", "Definition"]), p.MARGIN, p.BODY_TOP, width,
           size=10, widths=[0.22, 0.78], row_height=0.45, numbers=False)
    number += 1
    slide = _frame(presentation, pack, "Appendix", "Methods, sources and notes", number)
    size = 10 if sum(len(t) for _, t in pack.methods) < 2200 else 9
    _table(slide, pd.DataFrame(pack.methods, columns=["Topic", "Note"]), p.MARGIN, p.BODY_TOP, width, size=size,
           widths=[0.16, 0.84], row_height=0.3, numbers=False)

    buffer = io.BytesIO()
    presentation.save(buffer)
    return buffer.getvalue()
