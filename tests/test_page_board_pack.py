"""The Board pack page, run from app.py on the demo data: findings to edit, a slide preview, a pack to download.

AppTest cannot type into an ``st.data_editor``; what the page does with an edited findings table
(``findings.from_table`` into ``pack.build_pack``) is tested in tests/test_findings.py and tests/test_pack.py.
"""

from __future__ import annotations

import io

import pytest
from pptx import Presentation

from analysis import findings, pack
from tests import apptest_support

needs_chromium = pytest.mark.skipif(not pack.chromium_available(), reason="chart pictures need /usr/bin/chromium")


def preview(at):
    return next(df.value for df in at.dataframe if "Title" in df.value.columns)


def test_page_previews_the_slides_and_offers_the_ranked_findings():
    at = apptest_support.open_page("board_pack")
    assert at.title[0].value == "Board pack"
    titles = list(preview(at)["Title"])
    assert titles[0] == "Oxfordshire (demo): drug and alcohol treatment, 2024/25 compared with 2023/24"
    assert titles[1:3] == ["Key findings (1 of 2)", "Key findings (2 of 2)"]
    assert "Headline figures" in titles and titles[-1] == "Methods, sources and notes"
    assert len(titles) >= 15
    assert any(t.value == "Selection: all services" for t in at.text)
    table = at.data_editor[0].value
    assert list(table.columns) == [findings.INCLUDE, findings.TEXT, findings.FIGURE, findings.KIND]
    assert table[findings.INCLUDE].sum() == pack.DEFAULT_FINDINGS < len(table)
    # Ranked: districts outside the funnel limits come before the largest groups on the demo.
    kinds = list(table[findings.KIND])
    assert kinds.index(findings.DISTRICT) < kinds.index(findings.LARGEST)


def test_leaving_out_sections_shortens_the_pack():
    at = apptest_support.open_page("board_pack")
    full = len(preview(at))
    at.multiselect(key="pack_sections").set_value(["overview", "districts"]).run()
    assert not at.exception, at.exception
    titles = list(preview(at)["Title"])
    assert len(titles) < full
    assert not any("Accommodation status" in t for t in titles)
    assert not any(k in (findings.LARGEST,) for k in at.data_editor[0].value[findings.KIND])


@needs_chromium
def test_build_and_download_the_pack_for_a_small_selection():
    at = apptest_support.open_page("board_pack", service="Young people", sex="Female", district="E07000178")
    at.multiselect(key="pack_sections").set_value(["overview", "people", "districts"]).run()
    titles = list(preview(at)["Title"])
    assert not at.get("download_button")
    at.button(key="pack_build").click().run()
    assert not at.exception, at.exception
    download = at.get("download_button")[0]
    assert download.proto.label == "Download the pack (.pptx)"
    slides = Presentation(io.BytesIO(pack_file(at)))
    assert len(slides.slides) == len(titles)
    at.text_input(key="pack_partnership").set_value("Another partnership").run()
    assert not at.get("download_button"), "a pack built for other choices must not be offered"


def pack_file(at) -> bytes:
    """The bytes the page keeps for its download button (the file the button serves)."""
    return at.session_state["pack_file"][1]
