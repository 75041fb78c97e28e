"""Rendering blocks every page shares: provenance banner, headline tiles, chart + summary + table + download."""

from __future__ import annotations

import logging
import os
import re
import uuid
from functools import partial

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analysis import board
from analysis.dataset import APPROXIMATE_POPULATION_NOTICE, BOUNDARY_ATTRIBUTION, Dataset
from analysis.errors import DashboardError
from analysis.export import to_csv_bytes, to_excel_bytes
from analysis.summaries import format_value
from analysis.yoy import COUNT, NOT_COMPARED

SUPPRESSION_NOTE = "Counts from 1 to 4, and figures from which they could be worked out, are shown as *."


#: Characters Streamlit's Markdown gives a meaning to (emphasis, links, colour and icon directives, maths).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:])")


def escape(text: str) -> str:
    """Text shown literally inside Markdown: names from a file, and ``*`` for a suppressed count."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def provenance_banner(data: Dataset) -> None:
    """Say which data are shown, when they were loaded, and the notices that go with them."""
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
    """One st.metric tile: this year's value, the change since the comparison year, significance.
    With no comparison year (the earliest year in the data) the tile shows the value alone."""
    interval = (f" 95% CI {format_value(row['lower'], kind)} to {format_value(row['upper'], kind)}."
                if kind != COUNT and not pd.isna(row["lower"]) else "")
    if row.get("direction") == NOT_COMPARED and not row["suppressed"]:
        st.metric(label, format_value(row["value"], kind),
                  help=f"{definition}{interval} No change is shown: {comparison_label}.")
        return
    if row["suppressed"] or row["previous_suppressed"]:
        value = "*" if row["suppressed"] else format_value(row["value"], kind)
        st.metric(label, value, help=f"{definition} {SUPPRESSION_NOTE}")
        return
    change = row["change"]
    unit = "" if kind == COUNT else (" pts" if kind == "proportion" else " per 1,000")
    percent = "" if pd.isna(row["percent_change"]) else f" ({row['percent_change']:+.1f}%)"
    delta = None if pd.isna(change) else (f"{change:+,.0f}" if kind == COUNT else f"{change:+,.1f}{unit}") + percent
    verdict = "significant" if row["significant"] else "not significant"
    previous = format_value(row["previous_value"], kind)
    st.metric(
        label,
        format_value(row["value"], kind),
        delta=delta,
        delta_color="off",
        help=f"{definition}{interval} Change tested by: {row['test']}.",
        delta_description=f"{comparison_label}: {previous}, {verdict}",
    )


def figure_block(
    figure: go.Figure | None,
    table: pd.DataFrame,
    summary: str,
    *,
    key: str,
    filename: str,
    empty_message: str = "No people match the selected filters for this chart.",
) -> None:
    """Draw a chart, its one-line summary, and an expander with the table shown and its downloads.
    ``table`` is already suppressed (``analysis.board.display_table``); downloads are exactly it."""
    if figure is None or table.empty:
        st.info(empty_message)
        return
    st.plotly_chart(figure, key=key, width="stretch")
    st.caption(summary)
    with st.expander("Table and download"):
        table_with_downloads(table, [summary], key=key, filename=filename)


def table_with_downloads(table: pd.DataFrame, notes: list[str], *, key: str, filename: str) -> None:
    """A suppressed table and its CSV and Excel downloads (exactly the table, with the notes and
    the suppression note in the workbook). The files are built when a button is pressed."""
    st.dataframe(table, hide_index=True, key=f"{key}_table", width="stretch")
    st.caption(SUPPRESSION_NOTE)
    left, right = st.columns(2)
    left.download_button("Download CSV", partial(to_csv_bytes, table), f"{filename}.csv", "text/csv",
                         key=f"{key}_csv", on_click="ignore")
    right.download_button(
        "Download Excel", partial(to_excel_bytes, table, notes=[*notes, SUPPRESSION_NOTE]), f"{filename}.xlsx",
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


__all__ = ["attribution", "board", "escape", "figure_block", "headline", "problem", "provenance_banner",
           "table_with_downloads", "unexpected_error"]
