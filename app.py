"""Entry point and router: page config, the data set shown, the shared filters, and navigation."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui import auth, render, state

ROOT = Path(__file__).parent
#: The product's name, after each page's title in the browser tab (WCAG 2.4.2: a distinct title per page).
APP_TITLE = "drug and alcohol needs assessment"

state.require_navigation()
# the tab icon is a local file: the app asks nothing of any outside server
# (the login screen's title; each page sets its own once st.navigation has chosen it)
st.set_page_config(page_title=APP_TITLE.capitalize(), page_icon=str(ROOT / "ui" / "icon.png"), layout="wide")
# The one stylesheet on Streamlit's own elements (issue 14, WCAG 2.2 AA): a visible focus ring, the
# collapsed sidebar out of the keyboard order, captions at 4.5:1. Streamlit has no setting for these;
# tests/test_e2e_accessibility.py checks each one in the browser, so an upgrade that breaks it is caught.
st.html(ROOT / "ui" / "style.css")

PAGES = [
    st.Page("pages/overview.py", title="Overview", default=True, url_path="overview"),
    st.Page("pages/people.py", title="People in treatment", url_path="people"),
    st.Page("pages/substances.py", title="Substances", url_path="substances"),
    st.Page("pages/referrals.py", title="Referrals", url_path="referrals"),
    st.Page("pages/treatment_exits.py", title="Treatment and exits", url_path="treatment_exits"),
    st.Page("pages/spc.py", title="Monthly trends (SPC)", url_path="spc"),
    st.Page("pages/districts_map.py", title="Districts and map", url_path="districts_map"),
    st.Page("pages/benchmarks.py", title="Benchmarks and targets", url_path="benchmarks"),
    st.Page("pages/board_pack.py", title="Board pack", url_path="board_pack"),
    st.Page("pages/data.py", title="Data", url_path="data"),
    st.Page("pages/data_quality.py", title="Data quality", url_path="data_quality"),
    st.Page("pages/about.py", title="Definitions and sources", url_path="about"),
    st.Page("pages/accessibility.py", title="Accessibility statement", url_path="accessibility"),
]

try:
    # Login and roles (issue 11): who is using the app; stops with the login screen, or the reason no
    # data are shown, until someone with a role is signed in. Pages their role may not open stay out of
    # the menu (their address says the analyst role is needed).
    user = auth.require_user()
    navigation = st.navigation(auth.allowed_pages(PAGES, user), expanded=True)  # every page listed, none behind "View more"
    st.set_page_config(page_title=f"{navigation.title}: {APP_TITLE}")
    auth.sidebar(user)
    data = state.current_dataset()
    # each page declares the filters it uses (ui.state.PAGE_FILTERS): the others are not drawn on it
    st.session_state[state.SELECTION_KEY] = state.sidebar_filters(data, navigation.url_path)
    render.provenance_banner(data, state.store_problems(), st.session_state.get(state.SAVED_PROBLEM_KEY))
    navigation.run()
except Exception as error:  # the one place unexpected errors are caught: logged with an id, never shown
    render.unexpected_error(error)
