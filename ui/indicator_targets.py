"""Indicator targets (effective treatment, people in treatment, new presentations by year or quarter): read
from the store, shown with who set them and when, and uploaded or entered on the Benchmarks and targets page."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from analysis import store, targets
from analysis.contract import TARGETS
from analysis.dataset import Dataset
from ui import state

UPLOAD_KEY, EDITOR_KEY, NAME_KEY, SAVE_KEY, CLEAR_KEY = (
    "benchmarks_targets_file", "benchmarks_targets_editor", "benchmarks_targets_by", "benchmarks_targets_save",
    "benchmarks_targets_clear")
#: Session key of the last problem met with the targets (shown once, beside the controls).
PROBLEM_KEY = "_benchmarks_targets_problem"
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def plain(text: str) -> str:
    """``text`` with Markdown's special characters escaped, for a sentence holding a name read from a file
    (a context indicator's name) that Streamlit would otherwise render as Markdown in a caption."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def stored(data: Dataset) -> dict | None:
    """The targets stored for the data shown (``store.data_key``), or None; a damaged record is reported."""
    try:
        return state.saved_store().indicator_targets(store.data_key(data))
    except (OSError, ValueError, KeyError, store.StoreError) as error:
        st.session_state[PROBLEM_KEY] = f"The stored targets could not be read ({error}), so none are applied."
        return None


def _save(key: str, rows: list[dict]) -> None:
    try:
        state.saved_store().set_indicator_targets(key, rows, set_by=st.session_state.get(NAME_KEY))
        st.session_state.pop(PROBLEM_KEY, None)
    except (OSError, store.StoreError) as error:
        st.session_state[PROBLEM_KEY] = str(error)


def _save_entered(key: str) -> None:
    """Validate what was typed or uploaded, then store it (one setting, with who and when)."""
    upload = st.session_state.get(UPLOAD_KEY)
    try:
        if upload is not None:
            plan = targets.read_targets_file(upload.getvalue(), upload.name)
        else:
            edited = st.session_state.get(f"{EDITOR_KEY}_frame")
            frame = pd.DataFrame(edited if edited is not None else [], columns=TARGETS.names).dropna(how="all")
            plan = targets.validate_targets(frame)
    except targets.TargetError as error:
        st.session_state[PROBLEM_KEY] = str(error)
        return
    _save(key, plan.to_dict("records"))


def _clear(key: str) -> None:
    try:
        state.saved_store().clear_target(key, name=store.INDICATOR_TARGETS, cleared_by=st.session_state.get(NAME_KEY))
        st.session_state.pop(PROBLEM_KEY, None)
    except (OSError, store.StoreError) as error:
        st.session_state[PROBLEM_KEY] = str(error)


def controls(data: Dataset, record: dict | None) -> None:
    """Who set the stored targets and when, and an expander to upload or type targets, or clear them."""
    if record is None:
        st.markdown("**No targets set.** None is assumed: enter the partnership's targets below.")
    else:
        st.text(f"Targets set by {record['set_by']} on {pd.Timestamp(record['set_at']):%d %b %Y at %H:%M}.")
    problem = st.session_state.get(PROBLEM_KEY)
    if problem:
        st.warning(problem, icon=":material/warning:")
    key = store.data_key(data)
    with st.expander("Enter, upload or clear targets", expanded=False):
        st.caption(("Stored for the demo data only." if data.is_demo else "Stored with the saved data, whichever "
                    "version is shown.") + " Periods: 2024/25 (the year, judged at Q4) or 2024/25 Q3 (the year to "
                   "date). Indicators: " + ", ".join(targets.QUARTERLY_INDICATORS) + ".")
        st.file_uploader("Targets file (CSV or Excel: indicator, period, target, source)", type=["csv", "xlsx"],
                         key=UPLOAD_KEY)
        current = pd.DataFrame((record or {}).get("rows", []), columns=TARGETS.names)
        edited = st.data_editor(current, num_rows="dynamic", key=EDITOR_KEY, hide_index=True,
                                column_config={"target": st.column_config.NumberColumn("target", min_value=0)})
        st.session_state[f"{EDITOR_KEY}_frame"] = edited.to_dict("records")
        if NAME_KEY not in st.session_state:
            st.session_state[NAME_KEY] = store.user_name()
        st.text_input("Set by", key=NAME_KEY, help="Your name, recorded with the targets.")
        save, clear = st.columns(2)
        save.button("Save the targets (the file if one is chosen, else the table)", key=SAVE_KEY,
                    on_click=_save_entered, args=(key,))
        clear.button("Clear the targets", key=CLEAR_KEY, on_click=_clear, args=(key,), disabled=record is None)
