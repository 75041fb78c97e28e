"""Data: which data the app shows; upload, map, check and save your own tables; saved versions and restore."""

from pathlib import Path

import streamlit as st

from analysis import intake, store
from analysis.contract import TABLES
from analysis.errors import DashboardError
from ui import auth, render, state

MESSAGE_KEY, ERROR_KEY = "data_message", "data_error"
saved = state.saved_store()
state.current_dataset()  # routes the run through app.py, and records any problem with the saved data
auth.require_analyst()  # login and roles (issue 11): uploads, saves and restores are for analysts
st.title("Data")
if message := st.session_state.pop(MESSAGE_KEY, None):
    st.success(message)
if error := st.session_state.pop(ERROR_KEY, None):
    st.error(error)

sources = {store.DEMO: "Demo data (synthetic)", store.SAVED: "Saved data"}
st.radio("Data shown on every page", list(sources), format_func=sources.get, horizontal=True,
         index=list(sources).index(state.data_source()), key="data_source_choice",
         on_change=lambda: state.use_source(st.session_state["data_source_choice"]))
if state.data_source() == store.SAVED and (problem := st.session_state.get(state.SAVED_PROBLEM_KEY)):
    st.warning(problem, icon="⚠️")
current = saved.current()
st.caption(f"Saved data are kept in {saved.root} (set the {store.STORE_ENV} environment variable to change it). "
           + (f"Current: {current.label}." if current else "Nothing has been saved yet."))


def save(action, success: str, event: str = "save") -> None:
    """Button callback (runs before the next run draws the page, so the banner shows the new data):
    run a store action and keep a message; on failure nothing saved changes."""
    try:
        outcome = action()
    except (DashboardError, OSError) as error:
        st.session_state[ERROR_KEY] = f"Nothing was saved: {error} The saved data are as they were."
        return
    auth.audit_store_action(event, outcome)  # audit log (issue 11): who saved or restored what, and when
    st.session_state[MESSAGE_KEY] = success if isinstance(outcome, store.Version) else " ".join(
        c.sentence for c in outcome.changes) + f" Saved as version {outcome.version.number}."


def boundaries_upload(content: bytes, name: str) -> None:
    frame = intake.boundaries(content, name)
    st.markdown(f"{len(frame)} areas with codes: {', '.join(sorted(frame['district_code'].dropna()))}.")
    st.button("Save boundaries", key="data_save_boundaries", type="primary", on_click=save,
              args=(lambda: saved.save_boundaries(frame.to_json(), name, saved_by=auth.name()),
                    f"Boundaries from {name} saved.", "boundaries"))


def table_upload(table: str, content: bytes, name: str) -> None:
    sheets = intake.sheets(content, name)
    sheet = st.selectbox("Sheet", sheets, key="data_sheet") if len(sheets) > 1 else None
    raw = intake.preview(content, name, table, sheet=sheet, column_map=saved.column_map(table))
    st.dataframe(raw.head(intake.PREVIEW_ROWS), key="data_preview")
    st.markdown("**Columns**: which column of your file holds each column of the table (* required).")
    proposal = intake.propose_column_map(raw.columns, table, saved.column_map(table))
    options, grid, choices = [intake.NOT_IN_FILE, *raw.columns], st.columns(3), {}
    for i, column in enumerate(TABLES[table].columns):
        choices[column.name] = grid[i % 3].selectbox(
            f"{column.name}{' *' if column.required else ''}", options, help=column.description,
            index=options.index(proposal.get(column.name, intake.NOT_IN_FILE)), key=f"data_map_{table}_{column.name}")
    if twice := intake.headers_used_twice(choices):
        st.warning(f"Each file column can supply one table column; used twice: {', '.join(twice)}.")
    column_map = intake.column_map_from_choices(choices)
    unmapped = intake.unmapped_code_table(raw, table, column_map, saved.code_maps())
    code_choices = {}
    if len(unmapped):
        st.markdown(f"**Local codes**: {len(unmapped)} codes ({unmapped['rows'].sum():,} rows) match no reporting "
                    "group. Map each to a group, or leave it unmapped (kept and reported as 'Unmapped code').")
        for row in unmapped.itertuples():
            code_choices[(row.column, row.code)] = st.selectbox(
                f"{row.column}: '{row.code}' ({row.rows:,} rows)", intake.group_choices(row.column),
                key=f"data_code_{row.column}_{row.code}")
    code_map = intake.code_map_from_choices(code_choices, saved.code_maps())
    result = intake.read_file(content, name, table, sheet=sheet, column_map=column_map, code_map=code_map)
    st.subheader("Validation report")
    st.markdown(intake.validation_summary(result))
    for warning in result.warnings:
        st.warning(warning)
    if len(result.rejected):
        st.dataframe(intake.problems_by_column(result), hide_index=True, key="data_problem_columns")
        st.dataframe(result.rejected, hide_index=True, key="data_rejected")
        st.download_button("Download the rejected rows to fix (CSV)",
                           auth.audited_download(f"rejected rows of {name}", lambda: intake.rejected_file(result)),
                           f"{Path(name).stem}_rejected.csv", "text/csv", key="data_rejected_csv", on_click="ignore")
    mode = st.radio("How to save", list(store.MODES), format_func=store.MODES.get, key="data_mode")
    st.button(f"Save {table} to the store", key="data_save", type="primary", disabled=result.data.empty,
              on_click=save, args=(lambda: saved.save([store.Upload(result, mode, column_map, code_map)],
                                                       saved_by=auth.name()), ""))


st.subheader("Upload a table")
table = st.selectbox("Table", [*TABLES, intake.BOUNDARIES], key="data_table",
                     format_func=lambda t: "district boundaries" if t == intake.BOUNDARIES else t)
if table != intake.BOUNDARIES:
    st.caption(f"{TABLES[table].description} Required columns: {', '.join(TABLES[table].required)}.")
types = intake.BOUNDARY_TYPES if table == intake.BOUNDARIES else intake.TABLE_TYPES
upload = st.file_uploader("File (CSV, Excel .xlsx or Parquet; boundaries as GeoJSON or a zipped shapefile)",
                          type=types, key=f"data_upload_{table}")
if upload is not None:
    try:
        (boundaries_upload if table == intake.BOUNDARIES else lambda c, n: table_upload(table, c, n))(
            upload.getvalue(), upload.name)
    except DashboardError as error:
        render.problem(error)
        st.caption("Nothing saved has changed.")

st.subheader("Saved versions")
versions = intake.versions_table(saved)
if versions.empty:
    st.info("Nothing has been saved yet.")
else:
    st.dataframe(versions, hide_index=True, key="data_versions")
    number = st.selectbox("Version to restore", versions["version"].tolist(), key="data_restore_version")
    st.button("Restore this version", key="data_restore", on_click=save,
              args=(lambda: saved.restore(int(number)), f"Version {number} restored: it is the current saved data.",
                    "restore"))

auth.audit_table()  # audit log (issue 11)
