"""The Districts and map page from app.py: values equal the analysis functions on the demo data,
no count 1-4 shows for a small selection, and a district chosen here filters the other pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analysis import board, districts, profiles, yoy
from analysis.dataset import BOUNDARY_ATTRIBUTION, load_demo
from analysis.filters import Filters
from analysis.periods import FinancialYear
from analysis.suppression import is_disclosive
from tests.apptest_support import shown_tables

ROOT = Path(__file__).resolve().parent.parent
FY, COMPARISON = FinancialYear(2024), FinancialYear(2023)
OXFORD = "E07000178"


def open_page(**filters: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for key, value in filters.items():
        at.session_state[key] = value
    at.run()
    at.switch_page("pages/districts_map.py").run()
    assert not at.exception, at.exception
    return at


def rates_table(at: AppTest):
    """The district table: a wrapping st.table (every column on screen at 1280 px), the one with the
    change column."""
    return next(d for d in shown_tables(at) if "Change in rate" in d.columns)


def test_district_table_equals_people_by_district():
    at = open_page()
    assert at.title[0].value == "Districts and map"
    shown = rates_table(at)
    expected = yoy.with_intervals(districts.people_by_district(load_demo(), fy=FY, filters=Filters()))
    for _, row in expected.iterrows():
        line = shown[shown["District"] == row["district"]].iloc[0]
        assert line["People 2024/25"] == f"{row['count']:,.0f}"
        if row["denominator"] == row["denominator"]:
            assert line["Rate per 1,000 2024/25"] == f"{row['value']:,.1f}"
    partnership = districts.partnership_rate(load_demo(), fy=FY, filters=Filters())
    assert shown[shown["District"] == "Partnership"].iloc[0]["People 2024/25"] == f"{partnership['count'].iloc[0]:,}"


def test_attribution_under_both_maps_and_summary_follows_the_switch():
    at = open_page()
    captions = [c.value for c in at.caption]
    assert captions.count(BOUNDARY_ATTRIBUTION) == 2
    assert any("had the highest rate in 2024/25" in c for c in captions)
    at.radio(key="districts_map_view").set_value("Change since the comparison year").run()
    assert not at.exception
    assert any(c.startswith(("Between 2023/24 and 2024/25", "No district's rate changed")) for c in
               [c.value for c in at.caption])


def test_small_selection_shows_no_count_from_1_to_4():
    at = open_page(service="Young people", sex="Female", district="E07000181")
    assert at.dataframe
    for frame in at.dataframe:
        people = [c for c in frame.value.columns if c.startswith("People")]
        assert not is_disclosive(frame.value, people), list(frame.value.columns)
    data = load_demo()
    suppressed = board.suppress_comparison(yoy.compare_years(
        districts.people_by_district, FY, COMPARISON, data, filters=Filters(service="Young people", sex="Female")))
    assert suppressed["suppressed"].any()  # the selection is small enough to need hiding
    assert "*" in rates_table(at).to_string()


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/districts_map.py"])
def test_a_district_chosen_on_the_map_filters_the_other_pages(page):
    """What the map's on_select callback does (set session_state["district"]) filters every page."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("pages/districts_map.py").run()
    at.session_state["district"] = OXFORD
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert at.selectbox(key="district").value == OXFORD
    if page == "pages/overview.py":
        expected = profiles.people_in_treatment(load_demo(), fy=FY, filters=Filters(district=OXFORD))
        tile = next(m for m in at.metric if m.label == "People in treatment")
        assert tile.value == f"{expected['count'].iloc[0]:,}"
    else:
        assert "Oxford" in at.markdown[0].value or any("Oxford" in m.value for m in at.markdown)


def _save_demo_as_another_area(root: Path, tmp_path: Path) -> dict[str, str]:
    """Save the demo tables to a store at ``root`` with every district code renamed (an area whose
    boundaries the product does not hold), and choose the saved data. Returns the renaming."""
    import pandas as pd


    renamed = {code: code.replace("E07", "E06") for code in load_demo().district_names}

    def rename(table: str, frame: pd.DataFrame) -> None:
        if "district_code" in frame:
            frame["district_code"] = frame["district_code"].replace(renamed)

    _save_changed_demo(root, tmp_path, rename)
    return renamed


def _save_changed_demo(root: Path, tmp_path: Path, change) -> None:
    """Save the demo tables, each changed in place by ``change(table, frame)``, through the real loader to a
    store at ``root``, and choose the saved data."""
    import pandas as pd

    from analysis import store
    from analysis.dataset import DEMO_DIR
    from analysis.loaders import load_table

    uploads = []
    for table in ("episodes", "referrals", "substances", "interventions", "districts", "population"):
        frame = pd.read_parquet(DEMO_DIR / f"{table}.parquet")
        change(table, frame)
        path = tmp_path / f"{table}.parquet"
        frame.to_parquet(path, index=False)
        uploads.append(store.Upload(load_table(path, table)))
    saved = store.Store.open(root)
    saved.save(uploads, saved_by="test")
    saved.set_preferred_source(store.SAVED)


def test_saved_data_of_another_area_draw_no_oxfordshire_map_but_keep_tables(tmp_path, monkeypatch):
    root = tmp_path / "store"
    monkeypatch.setenv("DAAT_DASHBOARD_STORE", str(root))
    renamed = _save_demo_as_another_area(root, tmp_path)
    at = open_page()
    assert any("No district boundaries match this data set's districts" in w.value for w in at.warning)
    links = at.get("page_link")
    assert links and "Data page" in links[0].proto.label and links[0].proto.page.endswith("data")
    charts = at.get("plotly_chart")
    drawn = [c.proto.spec for c in charts]
    assert not any("choroplethmap" in spec for spec in drawn), "no map of any area is drawn"
    assert any('"scatter"' in spec for spec in drawn), "the funnel plot is still drawn"
    table = rates_table(at)
    assert len(table) == len(renamed) + 2  # each district, Not known, partnership
    assert set(table["District"]) >= {"Oxford", "Cherwell", "Not known", "Partnership"}
    assert any("wards are listed by code without a map" in i.value for i in at.info)
    assert BOUNDARY_ATTRIBUTION not in [c.value for c in at.caption]


def test_the_map_writes_every_district_name_with_glyphs_it_carries():
    import json

    at = open_page()
    spec = json.loads(next(c.proto.spec for c in at.get("plotly_chart") if "choroplethmap" in c.proto.spec))
    style = spec["layout"]["map"]["style"]
    assert style["glyphs"].startswith("data:application/x-protobuf;base64,")
    names = [f["properties"]["name"].replace("\n", " ")
             for f in style["sources"]["area-names"]["data"]["features"]]
    assert sorted(names) == sorted(load_demo().district_names.values())
    assert "://" not in json.dumps(spec)
    # nothing says the names are missing from the map
    assert not any("not written on the map" in c.value.lower() or "hover text and in the table" in c.value
                   for c in at.caption)


def test_a_name_the_map_font_lacks_is_said_plainly_and_shown_as_text(tmp_path, monkeypatch):


    root = tmp_path / "store"
    monkeypatch.setenv("DAAT_DASHBOARD_STORE", str(root))
    def rename_oxford(table: str, frame) -> None:
        if table == "districts":  # Oxford's code, a name with a letter outside Latin-1 and Markdown in it
            frame.loc[frame["district_code"] == OXFORD, "district_name"] = "**Łódź**"

    _save_changed_demo(root, tmp_path, rename_oxford)
    at = open_page()
    note = next(c.value for c in at.caption if "font lacks" in c.value)
    assert "\\*\\*Łódź\\*\\*" in note  # escaped: shown as the name, not as bold
    import json
    spec = json.loads(next(c.proto.spec for c in at.get("plotly_chart") if "choroplethmap" in c.proto.spec))
    names = [f["properties"]["name"] for f in spec["layout"]["map"]["style"]["sources"]["area-names"]["data"]["features"]]
    assert len(names) == 4 and "**Łódź**" not in names
