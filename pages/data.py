"""Data: the data shown; a whole extract uploaded, its columns and codes reviewed, saved as one version; restore;
the partnership's indicator targets uploaded or typed (the same controls as the Benchmarks and targets page)."""

import streamlit as st

from analysis import intake
from ui import auth, indicator_targets, state, upload

saved = state.saved_store()
data = state.current_dataset()  # routes the run through app.py, and records any problem with the saved data
auth.require_analyst()  # login and roles (issue 11): uploads, saves and restores are for analysts
st.title("Data")
upload.messages()
upload.source_switch(saved)

st.header("Upload your extract")
st.caption("Choose every file of the extract at once (CSV, Excel .xlsx or Parquet; several, or one .zip), with the "
           "district boundaries if you have them (GeoJSON or a zipped shapefile). Each file is recognised as its table "
           "by its name or its columns; check the columns and codes below, then save everything as one version.")
st.caption(intake.NOT_STORED_NOTE)
files = st.file_uploader("Files of the extract", type=intake.EXTRACT_TYPES, accept_multiple_files=True,
                         key=upload.uploader_key())
if files:
    upload.review(saved, [(f.name, f.getvalue()) for f in files])

st.header("Targets")
st.caption("The partnership's targets for effective treatment (NI 40), people in treatment and new presentations, by "
           "year or quarter: upload a file (columns indicator, period, target, source) or type them in the table. "
           "They are stored with who set them and when, recorded in the audit log, and shown as trajectories on the "
           "Benchmarks and targets page and in the board pack. No target is assumed where none is set.")
indicator_targets.controls(data, indicator_targets.stored(data), indicator_targets.DATA, expanded=True)

st.header("Saved versions")
upload.versions(saved)

auth.audit_table()  # audit log (issue 11): analysts see who saved, restored or exported what
