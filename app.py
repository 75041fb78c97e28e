"""Entry point and router: page config, the data set shown, the shared filters, and navigation."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui import auth, render, state

state.require_navigation()
# the tab icon is a local file: the app asks nothing of any outside server
st.set_page_config(page_title="Drug and alcohol needs assessment",
                   page_icon=str(Path(__file__).parent / "ui" / "icon.png"), layout="wide")

PAGES = [
    st.Page("pages/overview.py", title="Overview", default=True, url_path="overview"),
    st.Page("pages/people.py", title="People in treatment", url_path="people"),
    st.Page("pages/substances.py", title="Substances", url_path="substances"),
    st.Page("pages/referrals.py", title="Referrals", url_path="referrals"),
    st.Page("pages/treatment_exits.py", title="Treatment and exits", url_path="treatment_exits"),
    st.Page("pages/spc.py", title="Monthly trends (SPC)", url_path="spc"),
    st.Page("pages/districts_map.py", title="Districts and map", url_path="districts_map"),
    st.Page("pages/data.py", title="Data", url_path="data"),
    st.Page("pages/data_quality.py", title="Data quality", url_path="data_quality"),
    st.Page("pages/about.py", title="Definitions and sources", url_path="about"),
]

try:
    # Login and roles (issue 11): who is using the app; stops with the login screen, or the reason no
    # data are shown, until someone with a role is signed in. Pages their role may not open stay out of
    # the menu (their address says the analyst role is needed).
    user = auth.require_user()
    navigation = st.navigation(auth.allowed_pages(PAGES, user))
    auth.sidebar(user)
    data = state.current_dataset()
    # each page declares the filters it uses (ui.state.PAGE_FILTERS): the others are not drawn on it
    st.session_state[state.SELECTION_KEY] = state.sidebar_filters(data, navigation.url_path)
    render.provenance_banner(data, state.store_problems(), st.session_state.get(state.SAVED_PROBLEM_KEY))
    navigation.run()
except Exception as error:  # the one place unexpected errors are caught: logged with an id, never shown
    render.unexpected_error(error)
