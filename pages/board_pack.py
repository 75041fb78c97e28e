"""Board pack: the selection's figures as PowerPoint slides or a PDF, with key findings the analyst can edit."""

import streamlit as st

from analysis import findings, pack
from analysis.views import spc as spc_model
from ui import indicator_targets, state

data = state.current_dataset()
selection = state.selection()
fy, comparison, filters = selection.fy, selection.comparison_fy, selection.filters

st.title("Board pack")
st.markdown(f"**{fy.label}** compared with **{comparison.label}**")
st.text(f"Selection: {filters.describe(data.district_names)}")  # district names are data, never Markdown
st.caption("The pack uses the sidebar's year, comparison year and filters. Every figure in it is the pages' own, "
           f"after the same small-number suppression. {pack.SUPPRESSION_NOTE}")

left, right = st.columns([3, 2])
sections = left.multiselect("Sections", list(pack.SECTIONS), default=list(pack.DEFAULT_SECTIONS), key="pack_sections",
                            format_func=pack.SECTIONS.get,
                            help="Monthly trends (SPC) and Completion without re-presentation are left out by "
                                 "default to keep the pack near 20 slides; add them here. Targets has a slide only "
                                 "for an indicator with a target set (on the Data page or Benchmarks and targets).")
partnership = right.text_input("Partnership (title slide)", value=pack.default_partnership(data),
                               key="pack_partnership")
target_record = indicator_targets.stored(data) if "targets" in sections else None
spc_rebase, spc_targets = state.spc_settings()
figures = pack.compute_figures(data, fy, comparison, filters, sections, compute=state.compute,
                               district_boundaries=state.district_boundaries(data), target_record=target_record,
                               spc_rebase=spc_rebase, spc_targets=spc_targets)
if figures.spc is not None:
    st.caption(spc_model.settings_note(figures.spc))

st.header("Key findings")
st.caption("Generated from the figures and ranked: significant changes, targets not met, indicators significantly "
           "different from England, districts outside the funnel limits, special-cause variation in the latest "
           "months, data-quality caveats, then the largest groups. Untick a finding to leave it out, or edit its words; "
           "the pack uses this list. Findings name their figure, 95% interval and comparison year.")
ranked = figures.findings(fy, comparison, filters)
edited = st.data_editor(
    findings.findings_table(ranked, ticked=pack.DEFAULT_FINDINGS), hide_index=True, width="stretch",
    disabled=[findings.FIGURE, findings.KIND], num_rows="fixed",
    key=f"pack_findings_{fy.label}_{comparison.label}_{hash((filters, tuple(sections), pack.target_rows_key(target_record)))}",
    column_config={findings.TEXT: st.column_config.TextColumn(width="large"),
                   findings.INCLUDE: st.column_config.CheckboxColumn(width="small"),
                   findings.FIGURE: st.column_config.TextColumn(width="small"),
                   findings.KIND: st.column_config.TextColumn(width="small")},
)
content = pack.build_pack(data, fy, comparison, filters, figures, key_findings=findings.from_table(edited),
                          partnership=partnership or None)

with st.expander(f"The {len(content.findings)} findings in the pack, as they will read", expanded=True):
    for number, finding in enumerate(content.findings, start=1):
        st.text(f"{number}. {finding.text}")  # edited text and data names: shown as text, never Markdown

st.header("Slides")
st.dataframe(pack.preview_table(content), hide_index=True, width="stretch", key="pack_preview",
             column_config={"Slide": st.column_config.NumberColumn(width="small")})

formats = {"PowerPoint (.pptx)": "pptx", "PDF": "pdf"}
extension = formats[st.radio("Format", list(formats), horizontal=True, key="pack_format")]
wanted = (extension, tuple(pack.preview_table(content)["Title"]), tuple(f.text for f in content.findings),
          data.version, fy.label, comparison.label, filters, spc_rebase, spc_targets)
if not pack.chromium_available():
    st.warning(f"Charts are drawn by chromium, which is not installed here ({pack.CHROMIUM}): the pack cannot be built.")
# The request is kept in session state by the button's callback: the button's own value is lost when the run
# restarts before the page (ui.state.require_navigation does so on a fresh script run, as in AppTest).
elif st.button("Build the pack", key="pack_build", type="primary", on_click=st.session_state.update,
               kwargs=dict(pack_requested=True)) | st.session_state.pop("pack_requested", False):
    bar = st.progress(0.0, text="Starting the chart renderer…")
    pack.draw_pictures(content, lambda done, total: bar.progress(
        0.9 * done / total, text=f"Drawing chart {done} of {total}…"))
    bar.progress(0.95, text=f"Writing the {extension.upper()} file…")
    st.session_state["pack_file"] = (wanted, pack.pack_bytes(content, extension))
    bar.progress(1.0, text="The pack is ready.")

built = st.session_state.get("pack_file")
if built and built[0] == wanted:
    mime = {"pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "pdf": "application/pdf"}[extension]
    st.download_button(f"Download the pack (.{extension})", built[1],
                       pack.file_name(fy, filters, data.district_names, extension), mime, key="pack_download",
                       on_click="ignore", type="primary")
elif built:
    st.caption("The choices above changed since the pack was built: build it again to download it.")
