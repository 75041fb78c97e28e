"""Indicator targets (effective treatment, people in treatment, new presentations by year or quarter): read
from the store, shown with who set them and when, and uploaded or entered on the Data page or the Benchmarks
and targets page (the same controls, with each page's own widget keys: ``controls(..., prefix=...)``). Every
setting and clearing is kept in the store's target history and recorded in the audit log."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from analysis import store, targets
from analysis.contract import TARGETS
from analysis.dataset import Dataset
from ui import auth, state

#: Widget keys of the Benchmarks and targets page's controls; the Data page's start "data_" instead.
BENCHMARKS, DATA = "benchmarks", "data"
UPLOAD_KEY, EDITOR_KEY, NAME_KEY, SAVE_KEY, CLEAR_KEY = (
    "benchmarks_targets_file", "benchmarks_targets_editor", "benchmarks_targets_by", "benchmarks_targets_save",
    "benchmarks_targets_clear")


def keys(prefix: str = BENCHMARKS) -> tuple[str, str, str, str, str]:
    """The widget keys (upload, editor, name, save, clear) of the controls on the page ``prefix`` names."""
    return tuple(key.replace(BENCHMARKS, prefix, 1) for key in (UPLOAD_KEY, EDITOR_KEY, NAME_KEY, SAVE_KEY,
                                                                  CLEAR_KEY))  # type: ignore[return-value]
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


def _audit(action: str, detail: str) -> None:
    """Record the targets' change in the audit log (who, when, what); say so if the log could not be written."""
    if not auth.audit(action, detail):
        st.session_state[PROBLEM_KEY] = "The targets were changed, but the audit log could not be written."


def describe_rows(rows: list[dict]) -> str:
    """e.g. "2 rows: effective_treatment 2024/25 957, effective_treatment 2025/26 967" (the audit log's detail)."""
    listed = ", ".join(f"{r['indicator']} {r['period']} {float(r['target']):,.0f}" for r in rows[:6])
    return f"{len(rows)} row(s): {listed}" + (", ..." if len(rows) > 6 else "")


def _save(key: str, rows: list[dict], prefix: str = BENCHMARKS, how: str = "typed") -> None:
    try:
        record = state.saved_store().set_indicator_targets(key, rows, set_by=st.session_state.get(keys(prefix)[2]))
        st.session_state.pop(PROBLEM_KEY, None)
    except (OSError, store.StoreError) as error:
        st.session_state[PROBLEM_KEY] = str(error)
        return
    _audit("targets", f"indicator targets set for the {key} data ({how}) by {record['set_by']}: "
                      f"{describe_rows(record['rows'])}")


def _save_entered(key: str, prefix: str = BENCHMARKS) -> None:
    """Validate what was typed or uploaded, then store it (one setting, with who and when)."""
    upload_key, editor_key = keys(prefix)[:2]
    upload = st.session_state.get(upload_key)
    try:
        if upload is not None:
            plan = targets.read_targets_file(upload.getvalue(), upload.name)
        else:
            edited = st.session_state.get(f"{editor_key}_frame")
            frame = pd.DataFrame(edited if edited is not None else [], columns=TARGETS.names).dropna(how="all")
            plan = targets.validate_targets(frame)
    except targets.TargetError as error:
        st.session_state[PROBLEM_KEY] = str(error)
        return
    _save(key, plan.to_dict("records"), prefix, f"uploaded from {upload.name}" if upload is not None else "typed")


def _clear(key: str, prefix: str = BENCHMARKS) -> None:
    who = store.user_name(st.session_state.get(keys(prefix)[2]))
    try:
        state.saved_store().clear_target(key, name=store.INDICATOR_TARGETS, cleared_by=who)
        st.session_state.pop(PROBLEM_KEY, None)
    except (OSError, store.StoreError) as error:
        st.session_state[PROBLEM_KEY] = str(error)
        return
    _audit("targets", f"indicator targets cleared for the {key} data by {who}")


def controls(data: Dataset, record: dict | None, prefix: str = BENCHMARKS, *, expanded: bool = False) -> None:
    """Who set the stored targets and when, and an expander to upload or type targets, or clear them
    (widget keys from ``keys(prefix)``, so the Data page and the Benchmarks page each have their own)."""
    upload_key, editor_key, name_key, save_key, clear_key = keys(prefix)
    if record is None:
        st.markdown("**No targets set.** None is assumed: enter the partnership's targets below.")
    else:
        st.text(f"Targets set by {record['set_by']} on {pd.Timestamp(record['set_at']):%d %b %Y at %H:%M}.")
    problem = st.session_state.get(PROBLEM_KEY)
    if problem:
        st.warning(problem, icon=":material/warning:")
    key = store.data_key(data)
    with st.expander("Enter, upload or clear targets", expanded=expanded):
        st.caption(("Stored for the demo data only." if data.is_demo else "Stored with the saved data, whichever "
                    "version is shown.") + " Periods: 2024/25 (the year, judged at Q4) or 2024/25 Q3 (the year to "
                   "date). Indicators: " + ", ".join(targets.QUARTERLY_INDICATORS) + ".")
        st.file_uploader("Targets file (CSV or Excel: indicator, period, target, source)", type=["csv", "xlsx"],
                         key=upload_key)
        current = pd.DataFrame((record or {}).get("rows", []), columns=TARGETS.names)
        edited = st.data_editor(current, num_rows="dynamic", key=editor_key, hide_index=True,
                                column_config={"target": st.column_config.NumberColumn("target", min_value=0)})
        st.session_state[f"{editor_key}_frame"] = edited.to_dict("records")
        if name_key not in st.session_state:
            st.session_state[name_key] = store.user_name()
        st.text_input("Set by", key=name_key, help="Your name, recorded with the targets.")
        save, clear = st.columns(2)
        save.button("Save the targets (the file if one is chosen, else the table)", key=save_key,
                    on_click=_save_entered, args=(key, prefix))
        clear.button("Clear the targets", key=clear_key, on_click=_clear, args=(key, prefix), disabled=record is None)
