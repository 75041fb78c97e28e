"""Rendering blocks every page shares: provenance banner, headline tiles, chart + summary + table + download."""

from __future__ import annotations

import logging
import os
import uuid
from functools import partial

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analysis import board, palette
from analysis.dataset import APPROXIMATE_POPULATION_NOTICE, BOUNDARY_ATTRIBUTION, Dataset
from analysis.errors import DashboardError
from analysis.export import download_name, to_csv_bytes, to_excel_bytes
from analysis.summaries import headline_text
from analysis.text import as_text
from ui import auth

SUPPRESSION_NOTE = "Counts from 1 to 4, and figures from which they could be worked out, are shown as *."


def escape(text: str) -> str:
    """Text shown literally inside Markdown (names from a file, and ``*`` for a suppressed count):
    ``analysis.text.as_text``, the one escaping helper."""
    return as_text(text)


def provenance_banner(data: Dataset, store_problems: list[str] | None = None, saved_problem: str | None = None) -> None:
    """Say which data are shown, when they were loaded, and the notices that go with them; and, on
    every page, anything damaged in the saved data (the file, and what to do)."""
    for text in store_problems or []:
        st.error(text, icon=":material/report:")
    if saved_problem and data.is_demo:
        st.error(f"The saved data cannot be shown, so the demo data are shown instead. {saved_problem}",
                 icon=":material/report:")
    loaded = data.loaded_at.strftime("%d %b %Y %H:%M")
    if data.is_demo:
        st.warning(f"**{data.label}** Loaded {loaded}.", icon=":material/science:")
    else:
        st.info(f"Showing **{data.label}**, loaded {loaded}.", icon=":material/save:")
    if data.population_is_approximate:
        st.caption(APPROXIMATE_POPULATION_NOTICE)


def attribution() -> None:
    """The boundary attribution, shown under every map."""
    st.caption(BOUNDARY_ATTRIBUTION)


def headline(label: str, row: pd.Series, kind: str, comparison_label: str, definition: str) -> None:
    """One tile: this year's value and the change since the comparison year (st.metric), then on
    lines of their own, which wrap rather than being cut off on a projector: the 95% interval of a
    rate or proportion, and the comparison year's value with the change's significance, or why a
    figure is hidden (``analysis.summaries.headline_text``)."""
    words = headline_text(row, kind, comparison_label)
    interval = f" {words['interval']}." if words["interval"] else ""
    test = f" Change tested by: {row['test']}." if words["delta"] and "test" in row else ""
    st.metric(label, words["value"], delta=words["delta"], delta_color="off",
              help=f"{definition}{interval}{test} {SUPPRESSION_NOTE}")
    lines = [line for line in (words["interval"], words["comparison"]) if line]
    if lines:
        st.caption("  \n".join(lines))  # one caption, a line each (our own numbers: no markup from data)


def not_applicable(label: str, reason: str, definition: str) -> None:
    """A headline tile for an indicator that does not apply to the selection (e.g. NI 40, an adults'
    indicator, with the young people's service selected): says so, and shows no figure."""
    st.metric(label, "Not applicable", help=f"{reason}. {definition}")
    st.caption(reason + ".")


def figure_block(
    figure: go.Figure | None,
    table: pd.DataFrame,
    summary: str,
    *,
    key: str,
    filename: str,
    empty_message: str = "No people match the selected filters for this chart.",
    definition: str = "",
    notes: list[str] | None = None,
) -> None:
    """Draw a chart, its one-line summary, and an expander with the table shown and its downloads.
    ``table`` is already suppressed (``analysis.board.display_table``); downloads are exactly it,
    with their context (title, selection, definitions) in the Excel file's "About" sheet."""
    if figure is None or table.empty:
        st.info(empty_message)
        return
    name = _file_name(filename)
    title = figure.layout.title.text or filename.replace("_", " ").capitalize()
    # named for assistive technology by its title (alt); its text alternative follows: the summary
    # sentence and, in the expander, the table
    # theme=None: the chart keeps analysis.palette's template (Streamlit's chart theme greys the axis
    # text to 3.7:1)
    palette.apply_template(figure)  # every chart in the palette's template, whatever plotly's default now is
    st.plotly_chart(figure, key=key, width="stretch", config=chart_config(name), alt=chart_name(title), theme=None)
    st.caption(summary)
    with st.expander("Table and download"):
        table_with_downloads(table, [summary, *(notes or [])], key=key, filename=filename, title=title, definition=definition)


def chart_config(file_name: str) -> dict:
    """Plotly's settings for every chart: the toolbar keeps only "Download plot as a png" (one keyboard
    stop instead of eight), with no plotly logo; the picture is saved under the table's file name."""
    return {"displaylogo": False, "modeBarButtons": [["toImage"]],
            "toImageButtonOptions": {"format": "png", "filename": file_name, "width": 1600, "height": 900, "scale": 1}}


def chart_name(title: str) -> str:
    """A chart's accessible name: its title without plotly's markup (line breaks, bold)."""
    for tag in ("<br>", "<br/>", "<b>", "</b>", "<i>", "</i>"):
        title = title.replace(tag, " " if "br" in tag else "")
    return " ".join(title.split())


def _selection_context() -> tuple[str, str, list[str], str]:
    """(year, comparison year, selection phrases, data label) of the view on screen."""
    from ui import state  # ui.state imports this module's callers; import late to avoid a cycle

    selection = st.session_state.get(state.SELECTION_KEY)
    data = state.current_dataset()
    if selection is None:
        return "", "", [], data.label
    comparison = getattr(selection.comparison_fy, "label", None) or "no comparison year"
    return selection.fy.label, comparison, selection.filters.describe(data.district_names).split(", "), data.label


def _file_name(base: str) -> str:
    year, _, parts, _ = _selection_context()
    return download_name(base, year, parts)


def download_context(title: str, notes: list[str], definition: str = "") -> list[tuple[str, str]]:
    """The "About" sheet of an Excel download: what the table is, for which selection and data."""
    year, comparison, parts, label = _selection_context()
    rows = [("Title", title), ("Financial year", year), ("Compared with", comparison),
            ("Selection", ", ".join(parts)), ("Data", label),
            ("Source", "Client-level treatment records, referrals and substances held by the partnership; "
                       "population: mid-year estimates (see the Definitions and sources page).")]
    if definition:
        rows.append(("Definition", definition))
    rows += [("Summary", note) for note in notes]
    rows += [("Intervals", "95% confidence intervals: Byar's method (exact Poisson below 10) for counts and rates, "
                           "Wilson score for proportions."),
             ("Definitions", "Every indicator's definition is on the app's Definitions and sources page."),
             ("Small numbers", SUPPRESSION_NOTE),
             ("Made", pd.Timestamp.now().strftime("%d %b %Y %H:%M"))]
    return rows


def static_table(frame: pd.DataFrame, **kwargs) -> None:
    """A table whose headings and cells wrap (st.table). st.table reads Markdown in its cells, so every
    text cell and heading (names and codes from a file among them) goes through ``as_text`` first."""
    shown = frame.copy()
    for column in shown.columns:
        if not pd.api.types.is_numeric_dtype(shown[column]):
            shown[column] = shown[column].map(lambda v: v if pd.isna(v) else as_text(v))
    shown.columns = [as_text(c) for c in shown.columns]
    if shown.index.dtype == object:
        shown.index = pd.Index([as_text(i) for i in shown.index], name=shown.index.name)
    st.table(shown, **kwargs)


def table_with_downloads(
    table: pd.DataFrame, notes: list[str], *, key: str, filename: str, title: str = "", definition: str = "",
    wrap: bool = False,
) -> None:
    """A suppressed table and its CSV and Excel downloads (exactly the table; numbers as numbers;
    the workbook's "About" sheet carries the context). The files are built when a button is pressed.
    ``wrap``: a static table whose headings and cells wrap, so every column is on screen at 1280 px
    (a scrolling st.dataframe hides the columns past its width)."""
    if wrap:
        static_table(table, hide_index=True)
    else:
        st.dataframe(table, hide_index=True, key=f"{key}_table", width="stretch")
    st.caption(SUPPRESSION_NOTE)
    name = _file_name(filename)
    about = download_context(title or filename.replace("_", " ").capitalize(), notes, definition)
    left, right = st.columns(2)
    # each download is recorded in the audit log (issue 11) when its file is built
    left.download_button("Download CSV", auth.audited_download(f"{name}.csv", partial(to_csv_bytes, table)),
                         f"{name}.csv", "text/csv", key=f"{key}_csv", on_click="ignore")
    right.download_button(
        "Download Excel", auth.audited_download(f"{name}.xlsx", partial(to_excel_bytes, table, about=about)),
        f"{name}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"{key}_xlsx", on_click="ignore",
    )


def problem(error: DashboardError) -> None:
    """Show an error the user can act on (the one boundary where product errors are caught)."""
    st.warning(str(error), icon=":material/warning:")


#: Set to 1 on a developer's machine (and in the tests) to let unexpected errors through with their
#: traceback instead of the error-id message; never set it on a server users reach.
SHOW_ERRORS_SETTING = "DAAT_DASHBOARD_SHOW_ERRORS"
LOG = logging.getLogger("daat_dashboard")


def unexpected_error(error: Exception) -> str:
    """Report an error the product did not expect: the traceback goes to the server log under a
    short error id, and the user sees only that id and what to do (never the traceback, which can
    hold record-level values). Returns the id."""
    if os.environ.get(SHOW_ERRORS_SETTING) == "1":
        raise error
    error_id = uuid.uuid4().hex[:8]
    LOG.error("Unexpected error, error id %s", error_id, exc_info=error)
    st.error(
        f"Something went wrong while drawing this page (error id {error_id}). No data have been changed. "
        "Try another page or reload; if it happens again, give the error id to whoever runs the "
        "dashboard: the details are in the server log under that id.",
        icon=":material/error:",
    )
    return error_id


__all__ = ["attribution", "board", "chart_config", "chart_name", "escape", "figure_block", "headline", "problem",
           "provenance_banner",
           "table_with_downloads", "unexpected_error"]
