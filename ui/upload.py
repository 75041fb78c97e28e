"""The Data page's blocks: the whole extract in one upload, one review of columns and codes, one save, versions.

The steps themselves are plain functions in ``analysis.intake``; this module only draws them.
Text from a file (file names, headers, codes, messages that quote them) is data: it is shown in
tables or with Markdown escaped (:func:`analysis.text.as_text`), never as Markdown.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pandas as pd
import streamlit as st

from analysis import intake, store
from analysis.contract import TABLES
from analysis.errors import DashboardError
from analysis.text import as_text
from ui import auth, state

MESSAGE_KEY, ERROR_KEY, SAVED_KEY = "data_message", "data_error", "data_just_saved"
#: Session key counting saves: the uploader's key changes with it, so a save clears the uploader.
ROUND_KEY = "data_upload_round"
OVERVIEW_PAGE = "pages/overview.py"
#: Files kept read in memory between reruns (a code or column choice re-reads only what it changes).
CACHED_FILES = 32


def uploader_key() -> str:
    """The uploader's key for this round (a new key after each save empties the uploader)."""
    return f"data_upload_{st.session_state.get(ROUND_KEY, 0)}"


def messages() -> None:
    """The outcome of the last save or restore, and after a save that the app now shows the saved
    data, with a link to the Overview."""
    if message := st.session_state.pop(MESSAGE_KEY, None):
        st.success(message)
    if error := st.session_state.pop(ERROR_KEY, None):
        st.error(error)
    if st.session_state.pop(SAVED_KEY, False):
        st.page_link(OVERVIEW_PAGE, label="Open the Overview on the saved data", icon=":material/monitoring:")


def source_switch(saved: store.Store) -> None:
    """Which data every page shows (demo or saved), where the store is, and the current version."""
    sources = {store.DEMO: "Demo data (synthetic)", store.SAVED: "Saved data"}
    st.radio("Data shown on every page", list(sources), format_func=sources.get, horizontal=True,
             index=list(sources).index(state.data_source()), key="data_source_choice",
             on_change=lambda: state.use_source(st.session_state["data_source_choice"]))
    current = saved.current()
    st.caption(as_text(f"Saved data are kept in {saved.root} (set the {store.STORE_ENV} environment variable to change "
                     "it). " + (f"Current: {current.label}." if current else "Nothing has been saved yet.")))


#: Said while a save runs (the person-year fact table is built as part of it: ``analysis.person_year``).
SAVING = ("Saving: checking and writing the tables, then building the person-year table every page counts from "
          "(a few seconds for a partnership's extract, up to a minute for a national one)…")


def _run(action, success: str, *, show_saved: bool, event: str = "save") -> None:
    """Button callback (runs before the next run draws the page, so the banner shows the new data):
    run a store action and keep a message; on failure nothing saved changes. When the saved data
    are complete afterwards and ``show_saved``, every page shows them from now on. The action is
    recorded in the audit log as ``event`` ("save" or "restore"). A spinner says what is happening: a save
    also builds the person-year fact table, which takes up to a minute for a national extract."""
    working = (SAVING if event == "save" else "Restoring the version…")
    state.forget_saved_data()  # not held beside the save's work (a national version is about 2 GB)
    try:
        with st.spinner(working, show_time=True):
            outcome = action()
    except (DashboardError, OSError) as error:
        st.session_state[ERROR_KEY] = as_text(f"Nothing was saved: {error} The saved data are as they were.")
        return
    auth.audit_store_action(event, outcome)  # who saved or restored what, and when (issue 11)
    if isinstance(outcome, store.SaveResult):
        boundaries = outcome.version.manifest.get("boundaries") or {}
        success = " ".join([f"Saved as version {outcome.version.number}.", *(c.sentence for c in outcome.changes),
                            *([f"Boundaries from {boundaries.get('source')} saved."]
                              if boundaries.get("saved_in_version") == outcome.version.number else [])])
        st.session_state[ROUND_KEY] = st.session_state.get(ROUND_KEY, 0) + 1
    saved = state.saved_store()
    missing = saved.missing_tables()
    if show_saved and not missing:
        state.use_source(store.SAVED)
        st.session_state["data_source_choice"] = store.SAVED  # the switch at the top says so too
        st.session_state[SAVED_KEY] = True
        success += f" Every page now shows these saved data ({saved.current().label})."
    elif missing:
        success += (f" The saved data still lack the {', '.join(missing)} table{'s' if len(missing) != 1 else ''}, "
                    "so the pages cannot show them yet: upload the missing files and save again.")
    st.session_state[MESSAGE_KEY] = as_text(success)


# ---------------------------------------------------------------- one review of the whole extract
def _table_choices(parts: list[intake.Part]) -> list[intake.Part]:
    """Each file with its table: recognised, or chosen here (a short table; one box per file)."""
    options = [*TABLES, intake.BOUNDARIES, intake.NOT_USED]
    shown = []
    grid = st.columns(3)
    for i, part in enumerate(parts):
        if part.problem:
            st.warning(as_text(part.problem))
            continue
        found = part.table or intake.NOT_USED
        how = (f"recognised by its {part.recognised_by}" if part.table else
               "a hidden sheet, so not read: choose its table to read it" if part.recognised_by == intake.HIDDEN_SHEET
               else "not recognised: choose its table")
        table = grid[i % 3].selectbox(as_text(part.name), options, index=options.index(found),
                                      key=f"data_table_{part.name}", format_func=_table_label)
        grid[i % 3].caption(as_text(how))
        if table != intake.NOT_USED:
            shown.append(dataclasses.replace(part, table=table))
    return shown


def _table_label(table: str) -> str:
    return {intake.BOUNDARIES: "district boundaries"}.get(table, table)


def _digest(part: intake.Part) -> str:
    """What identifies a part's content in the caches below (a file re-uploaded with fixes is new)."""
    return hashlib.sha256(part.content).hexdigest()


@st.cache_data(show_spinner="Reading the file…", max_entries=CACHED_FILES)
def _preview(digest: str, table: str, sheet: str | None, remembered: tuple, _part: intake.Part) -> pd.DataFrame:
    return intake.preview(_part.content, _part.filename, table, sheet=sheet, column_map=dict(remembered))


@st.cache_data(show_spinner="Checking the rows…", max_entries=CACHED_FILES)
def _read(digest: str, table: str, sheet: str | None, column_map: tuple, code_map: tuple, _part: intake.Part):
    # keyed by the file and by only the code mappings of this table's columns, so answering a
    # code box re-reads only the files that hold that column
    return intake.read_file(_part.content, _part.filename, table, sheet=sheet, column_map=dict(column_map),
                            code_map={column: dict(codes) for column, codes in code_map})


def _check(part: intake.Part, raw: pd.DataFrame, column_map: dict[str, str], code_map: dict[str, dict[str, str]],
           pending: dict[str, set[str]]) -> intake.Check:
    columns = intake.code_columns(part.table)
    relevant = tuple(sorted((c, tuple(sorted(code_map[c].items()))) for c in columns if c in code_map))
    result = _read(_digest(part), part.table, part.sheet, tuple(sorted(column_map.items())), relevant, part)
    return intake.hold_back(part, result, raw, column_map, pending)


def _columns(part: intake.Part, saved: store.Store, slot: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """The preview and column mapping of one file (suggested, editable, remembered); open only when
    a required column has no match."""
    remembered = saved.column_map(part.table)
    raw = _preview(_digest(part), part.table, part.sheet, tuple(sorted(remembered.items())), part)
    proposal = intake.propose_column_map(raw.columns, part.table, remembered)
    spec = TABLES[part.table]
    unmatched = [c for c in spec.required if c not in proposal]
    title = f"Columns of {part.name}: " + (f"{len(unmatched)} required column{'s' if len(unmatched) != 1 else ''} "
                                            "to match" if unmatched else f"all {len(spec.required)} required matched")
    with st.expander(as_text(title), expanded=bool(unmatched)):
        st.caption(as_text(f"{spec.description} Required columns: {', '.join(spec.required)}."))
        st.dataframe(raw.head(intake.PREVIEW_ROWS), key=f"data_preview_{slot}")
        st.caption("Which column of your file holds each column of the table (* required).")
        options, grid, choices = [intake.NOT_IN_FILE, *raw.columns], st.columns(3), {}
        for i, column in enumerate(spec.columns):
            choices[column.name] = grid[i % 3].selectbox(
                as_text(column.name) + (r" \*" if column.required else ""), options, help=column.description,
                index=options.index(proposal.get(column.name, intake.NOT_IN_FILE)),
                key=f"data_map_{slot}_{column.name}")
        if twice := intake.headers_used_twice(choices):
            st.warning(as_text(f"Each file column can supply one table column; used twice: {', '.join(twice)}."))
    return raw, intake.column_map_from_choices(choices)


def _code_boxes(unmapped: pd.DataFrame) -> dict[tuple[str, str], str | None]:
    """One box per local code of the whole extract that matches no reporting group."""
    st.subheader("Codes")
    if unmapped.empty:
        st.caption("Every code in the files matches a reporting group.")
        return {}
    st.caption(f"{len(unmapped)} local code{'s' if len(unmapped) != 1 else ''} ({unmapped['rows'].sum():,} rows) match "
               "no reporting group. Service and substance codes need a group (or leave their rows out); any other "
               "code can stay unmapped (kept and reported as 'Unmapped code').")
    keys = {(row.column, row.code): f"data_code_{row.column}_{row.code}" for row in unmapped.itertuples()}
    suggested = {keys[(row.column, row.code)]: row.suggested for row in unmapped.itertuples()
                 if row.suggested and row.suggested in intake.code_choices_for(row.column)}
    if suggested:
        st.caption(f"A group is suggested for {len(suggested)} of them (the closest known label; for a service, from "
                   "its clients' ages). A suggestion is used only when you confirm it.")
        st.button("Use the suggested groups", key="data_code_accept", on_click=st.session_state.update,
                  args=(suggested,), help="Sets each box below to its suggested group; you can still change it.")
    choices: dict[tuple[str, str], str | None] = {}
    grid = st.columns(3)
    for i, row in enumerate(unmapped.itertuples()):
        options = intake.code_choices_for(row.column)
        choices[(row.column, row.code)] = grid[i % 3].selectbox(
            f"{row.column}: '{as_text(row.code)}' ({row.rows:,} rows)", options,
            index=None if row.must_map else 0, placeholder="Choose a group", key=keys[(row.column, row.code)],
            help=(f"Suggested: {row.suggested} ({row.why})." if row.suggested else row.why) or None)  # no file text
    return choices


def _report(checks: list[intake.Check]) -> None:
    """The validation report of every file: one table, then each file's notes and rejected rows."""
    st.subheader("Validation report")
    st.dataframe(pd.DataFrame(
        [{"file": c.part.name, "table": c.result.table, "rows read": c.result.rows_read,
          "valid": len(c.result.data), "waiting for a code group": c.waiting, "rejected": len(c.rejected)}
         for c in checks]), hide_index=True, key="data_report")
    for i, check in enumerate(checks):
        if not (check.result.warnings or len(check.rejected)):
            continue
        with st.expander(as_text(check.sentence), expanded=bool(len(check.rejected))):
            for warning in check.result.warnings:
                st.warning(as_text(warning))
            if len(check.rejected):
                result = dataclasses.replace(check.result, rejected=check.rejected)
                st.dataframe(intake.problems_by_column(result), hide_index=True, key=f"data_problem_columns_{i}")
                st.dataframe(check.rejected, hide_index=True, key=f"data_rejected_{i}")
                st.download_button("Download the rejected rows to fix (CSV)",
                                   auth.audited_download(f"rejected rows of {check.part.filename}",
                                                         lambda result=result: intake.rejected_file(result)),
                                   f"{Path(check.part.filename).stem}_rejected.csv", "text/csv",
                                   key=f"data_rejected_csv_{i}", on_click="ignore")


def review(saved: store.Store, files: list[tuple[str, bytes]]) -> None:
    """The one pass: which table each file is, its columns, the extract's codes (before any row is
    judged), the validation report, and one Save that makes one version of everything."""
    parts = intake.extract_parts(files, {t: saved.column_map(t) for t in TABLES})
    st.subheader("Files")
    chosen = _table_choices(parts)
    pointer = st.empty()
    reviewed, boundaries, slots = [], [], {}
    for part in chosen:
        try:
            if part.table == intake.BOUNDARIES:
                frame = intake.boundaries(part.content, part.filename)
                st.caption(as_text(f"{part.name}: {len(frame)} areas with codes: "
                                   f"{', '.join(sorted(frame['district_code'].dropna()))}."))
                for warning in frame.attrs.get("warnings", []):
                    st.warning(as_text(warning))
                boundaries.append((frame.to_json(), part.name))
                continue
            slots[part.table] = slots.get(part.table, 0) + 1
            slot = part.table if slots[part.table] == 1 else f"{part.table}_{slots[part.table]}"
            reviewed.append((part, *_columns(part, saved, slot)))
        except DashboardError as error:
            st.warning(as_text(error))
    code_maps = saved.code_maps()
    choices = _code_boxes(intake.unmapped_codes_of([(p.table, raw, cm) for p, raw, cm in reviewed], code_maps))
    pending = intake.pending_codes(choices)
    if pending:
        pointer.warning(intake.codes_sentence(pending), icon=":material/arrow_downward:")
    code_map = intake.code_map_from_choices(
        {k: v for k, v in choices.items() if v not in (intake.CHOOSE_GROUP, intake.LEAVE_OUT)}, code_maps)
    checks, column_maps = [], {}
    for part, raw, column_map in reviewed:
        try:
            checks.append(_check(part, raw, column_map, code_map, pending))
            column_maps[part.name] = column_map
        except DashboardError as error:
            st.warning(as_text(error))
    if checks:
        _report(checks)
    _save_button(saved, checks, boundaries, pending, column_maps, code_map)


def _save_button(
    saved: store.Store, checks: list[intake.Check], boundaries: list[tuple[str, str]],
    pending: dict[str, set[str]], column_maps: dict[str, dict[str, str]], code_map: dict[str, dict[str, str]],
) -> None:
    """One Save for the whole extract: one version, with a sentence saying why it cannot run yet."""
    st.subheader("Save")
    mode = st.radio("How to save", list(store.MODES), format_func=store.MODES.get, key="data_mode")
    tables = sorted({c.result.table for c in checks if len(c.result.data)})
    problem = intake.save_problem(checks, pending) if checks or not boundaries else ""
    what = (f"{len(tables)} table{'s' if len(tables) != 1 else ''}" if tables else "") + (
        f"{' and ' if tables else ''}the boundaries" if boundaries else "")
    uploads = [store.Upload(c.result, mode, column_maps[c.part.name], code_map) for c in checks if len(c.result.data)]
    st.button(f"Save {what or 'the files'} as one version", key="data_save", type="primary",
              disabled=bool(problem) or not (uploads or boundaries), on_click=_run,
              args=(lambda: saved.save(uploads, boundaries=boundaries[-1] if boundaries else None,
                                       saved_by=auth.name()), ""),
              kwargs={"show_saved": True})
    if problem:
        st.caption(as_text(problem))


def versions(saved: store.Store) -> None:
    """Every saved version, newest first, and a restore that offers the newest first."""
    table = intake.versions_table(saved)
    if table.empty:
        st.info("Nothing has been saved yet.")
        return
    st.dataframe(table, hide_index=True, key="data_versions")
    choices = intake.restore_choices(table)
    number = st.selectbox("Version to restore", list(choices), format_func=choices.get,
                          key="data_restore_version")
    st.button("Restore this version", key="data_restore", on_click=_run,
              args=(lambda: saved.restore(int(number)), f"Version {number} restored: it is the current saved data."),
              kwargs={"show_saved": True, "event": "restore"})
