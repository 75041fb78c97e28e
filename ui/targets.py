"""The target a partnership sets for the share of referrals from its key referring agencies: read from
the store, shown with who set it and when, and set or cleared by the user (GLOSSARY "Key referring
agencies": no target is assumed)."""

from __future__ import annotations

from analysis.text import as_text
from collections.abc import Sequence

import streamlit as st

from analysis import store
from analysis.dataset import Dataset
from analysis.views.referrals import agencies_phrase
from ui import state

#: Widget keys of the target controls.
PERCENT_KEY, NAME_KEY, SAVE_KEY, CLEAR_KEY = "referrals_target", "referrals_target_by", "referrals_target_save", \
    "referrals_target_clear"
#: Session key of the last problem met while saving a target (shown once, beside the controls).
PROBLEM_KEY = "_referrals_target_problem"


def stored_target(data: Dataset) -> store.Target | None:
    """The key-referring-agencies target stored for the data shown (``store.data_key``), or None."""
    try:
        return state.saved_store().target(store.data_key(data))
    except (OSError, ValueError, KeyError, store.StoreError) as error:
        st.session_state[PROBLEM_KEY] = f"The stored target could not be read ({error}), so none is applied."
        return None


def applied_target(target: store.Target | None, groups: Sequence[str]) -> float | None:
    """The target percentage to judge the chosen agencies against: the stored one when it was set for
    exactly these agencies, else None (a target for other agencies says nothing about these)."""
    if target is None or set(target.groups) != set(groups):
        return None
    return target.percent


def describe(target: store.Target | None, groups: Sequence[str]) -> str:
    """The line shown above the share: the target with who set it and when, or "No target set"."""
    if target is None:
        return ("**No target set.** No target is assumed: a partnership that has one can set it below; it is "
                "stored with the data, with the name of who set it and when.")
    line = as_text(f"{target.sentence}, for referrals from {agencies_phrase(target.groups)}")
    if applied_target(target, groups) is None:
        return f"{line}. The agencies chosen above differ, so no target is applied to their share."
    return f"{line}."


def _save(data_key: str, groups: tuple[str, ...]) -> None:
    try:
        state.saved_store().set_target(data_key, st.session_state.get(PERCENT_KEY), groups,
                                       set_by=st.session_state.get(NAME_KEY))
        st.session_state.pop(PROBLEM_KEY, None)
    except (OSError, store.StoreError) as error:
        st.session_state[PROBLEM_KEY] = str(error)


def _clear(data_key: str) -> None:
    try:
        state.saved_store().clear_target(data_key, cleared_by=st.session_state.get(NAME_KEY))
        st.session_state.pop(PROBLEM_KEY, None)
    except (OSError, store.StoreError) as error:
        st.session_state[PROBLEM_KEY] = str(error)


def controls(data: Dataset, target: store.Target | None, groups: Sequence[str]) -> None:
    """The stored target's line, and an expander to set a target for the chosen agencies or clear it."""
    st.markdown(describe(target, groups))
    problem = st.session_state.get(PROBLEM_KEY)
    if problem:
        st.warning(problem, icon=":material/warning:")
    key = store.data_key(data)
    chosen = tuple(groups)
    with st.expander("Set or clear the target", expanded=False):
        st.caption(("Stored for the demo data only." if data.is_demo else "Stored with the saved data, "
                    "whichever version is shown.") + " Earlier settings are kept in the store's history.")
        left, right = st.columns(2)
        left.number_input("Target share (%)", min_value=0.0, max_value=100.0, value=None, step=1.0, key=PERCENT_KEY,
                          placeholder="no target", help="The share of referrals the chosen agencies should make.")
        if NAME_KEY not in st.session_state:
            st.session_state[NAME_KEY] = store.user_name()
        right.text_input("Set by", key=NAME_KEY, help="Your name, recorded with the target (defaults to your "
                         "computer user name).")
        save, clear = st.columns(2)
        save.button(f"Save the target for {agencies_phrase(chosen)}", key=SAVE_KEY, on_click=_save,
                    args=(key, chosen), disabled=not chosen or st.session_state.get(PERCENT_KEY) is None)
        clear.button("Clear the target", key=CLEAR_KEY, on_click=_clear, args=(key,), disabled=target is None)
