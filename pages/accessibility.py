"""Accessibility statement (issue 14), in the form of the UK government's model statement for the
Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018."""

import os

import streamlit as st

from ui import state

#: When and how the app was last checked (tests/test_e2e_accessibility.py repeats the automated check
#: on every test run; change this date when the manual checks are repeated).
CHECKED_ON = "30 November 2026"
AXE_VERSION = "4.10.3"
#: Who to tell about a problem: set by whoever runs the dashboard (docs/deployment.md).
CONTACT_SETTING = "DAAT_DASHBOARD_ACCESSIBILITY_CONTACT"

state.require_navigation()  # always drawn through app.py (its banner and navigation), like every page
st.title("Accessibility statement")
st.markdown(
    "This statement applies to the drug and alcohol needs assessment dashboard. The partnership that runs "
    "it wants as many people as possible to be able to use it. You should be able to:\n"
    "- change colours, contrast levels and fonts using your browser or device settings\n"
    "- zoom in up to 400% without the text spilling off the screen\n"
    "- move through every page and filter using just a keyboard\n"
    "- listen to the pages using a screen reader: every chart has a name, a one-sentence summary after it, "
    "and its figures in a table with downloads\n"
    "- read each page's tab title, and find your way by its headings, which run in order")

st.header("How accessible this app is")
st.markdown(
    "We know some parts are not fully accessible:\n"
    "- the colour of each area on the maps shows its rate: the lightest colours are paler than 3:1 "
    "against the white background (the areas' outlines are dark); the same figures are in the table "
    "under each map\n"
    "- clicking a district on the map to filter by it needs a mouse; the District filter in the sidebar "
    "does the same by keyboard\n"
    "- single points on a chart cannot be reached by keyboard or read by a screen reader; their values, "
    "with intervals, are in the table under the chart\n"
    "- the tables are drawn by Streamlit's data grid, which screen readers read cell by cell; the CSV "
    "and Excel downloads hold the same table\n"
    "- at 400% zoom a long chart title can be cut at the right edge of the chart; the title is also the "
    "chart's name for screen readers and the heading of its downloads")

st.header("Feedback and contact information")
contact = os.environ.get(CONTACT_SETTING, "").strip()
st.markdown("If you find a problem not listed on this page, or need the information on a page in another "
            "format, tell the team that runs this dashboard for your partnership. Say which page, what you "
            "were trying to do, and the browser and any assistive technology you use.")
if contact:
    st.text(f"Contact: {contact}")  # set by whoever runs the app: shown as text, never as markup
else:
    st.caption(f"No contact has been set for this copy of the dashboard ({CONTACT_SETTING}): "
               "ask whoever gave you its address.")

st.header("Enforcement procedure")
st.markdown("The Equality and Human Rights Commission (EHRC) is responsible for enforcing the accessibility "
            "regulations. If you are not happy with how we respond to your complaint, contact the Equality "
            "Advisory and Support Service (EASS).")

st.header("Technical information about this app's accessibility")
st.subheader("Compliance status")
st.markdown("This app is partially compliant with the Web Content Accessibility Guidelines version 2.2 AA "
            "standard, due to the non-compliances listed below.")
st.subheader("Non-accessible content")
st.markdown(
    "- Map colours (1.4.11 Non-text contrast): the lightest colours of the sequential scale are below "
    "3:1 against white. A scale that starts darker would hide the differences between low-rate "
    "districts; the table of rates is the alternative.\n"
    "- Map selection (2.1.1 Keyboard): choosing a district by clicking the map is mouse-only; the sidebar "
    "District filter is the keyboard alternative.\n"
    "- Chart titles at 400% zoom (1.4.10 Reflow): the charting library does not wrap titles, so a long "
    "title is cut at 320 CSS pixels wide; the same words are the chart's accessible name.\n"
    "- Chart points (1.1.1 Non-text content): plotly's hover text is not reachable by keyboard; the one-"
    "line summary and the table after each chart carry the same figures.")

st.header("What we're doing to improve accessibility")
st.markdown("Every change to the app is checked automatically with axe-core in a browser on every page, "
            "with every expander open, and a check fails if a serious or critical WCAG 2.2 A or AA "
            "problem is found; the keyboard route through the filters and the page at 400% zoom are "
            "checked in the same test.")

st.header("Preparation of this accessibility statement")
st.markdown(f"This statement was prepared on {CHECKED_ON}. It was last reviewed on {CHECKED_ON}.\n\n"
            f"The app was last tested on {CHECKED_ON} by the team that builds it: every page with "
            f"axe-core {AXE_VERSION} in Chromium (WCAG 2.0, 2.1 and 2.2, levels A and AA), by keyboard "
            "alone, and at 400% zoom (320 CSS pixels wide), on the synthetic demo data.")
