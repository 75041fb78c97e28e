"""The Monthly trends (SPC) page, run from app.py on the demo data: three XmR charts, words for the
variation and assurance icons, rebasing, a target, and nothing small shown for a small selection."""

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analysis import dataset
from tests import apptest_support


@pytest.fixture(scope="module")
def data():
    return dataset.load_demo()


def tables(at: AppTest) -> list[pd.DataFrame]:
    return [df.value for df in at.dataframe if "Month" in df.value.columns]


def test_page_draws_three_charts_with_their_words(data):
    at = apptest_support.open_page("spc")
    assert at.title[0].value == "Monthly trends (SPC)"
    assert [s.value for s in at.main.header] == ["Referrals received per month", "New presentations per month",
                                               "Successful completions (planned exits) per month"]
    assert len(at.get("plotly_chart")) == 3
    words = [m.value for m in at.markdown if "Assurance:" in m.value]
    assert len(words) == 3
    assert all(w.startswith(("**Common cause variation**", "**Special cause:")) for w in words)
    assert "no target set" in words[2] and "not applicable" in words[0]
    # the referrals table against an independent count of the demo referrals in Mar 2025
    ref = data.referrals
    march = int(((ref["referral_date"] >= "2025-03-01") & (ref["referral_date"] <= "2025-03-31")).sum())
    first = tables(at)[0]
    assert len(first) == 72 and first["Month"].iloc[-1] == "Mar 2025"
    assert first["Count"].iloc[-1] == f"{march:,}"
    assert {"Mean", "Lower process limit", "Upper process limit", "Rule", "Variation"} <= set(first.columns)
    captions = " ".join(c.value for c in at.caption)
    assert "Referrals received per month, Apr 2019 to Mar 2025: mean" in captions


def test_rebasing_and_a_target_change_the_figures():
    at = apptest_support.open_page("spc")
    at.selectbox(key="spc_rebase").set_value("Apr 2023").run()
    assert not at.exception
    captions = [c.value for c in at.caption if "a month since" in c.value]
    assert len(captions) == 3 and all("since Apr 2023" in c for c in captions)
    exits = tables(at)[2]
    assert exits["Mean"].iloc[0] != exits["Mean"].iloc[-1]  # two periods, two means
    at.number_input(key="spc_target_planned_exits").set_value(500.0).run()
    assert not at.exception
    words = [m.value for m in at.markdown if "Assurance:" in m.value]
    assert "consistently misses the target" in words[2]


def test_a_small_selection_draws_no_chart_and_shows_no_small_number():
    at = apptest_support.open_page("spc", service="Young people", sex="Female")
    assert len(at.get("plotly_chart")) == 0
    notes = [i.value for i in at.info]
    assert len([n for n in notes if "not shown as a chart" in n]) == 3
    for table in tables(at):
        assert set(table.columns) == {"Month", "Financial year", "Count", "Lower 95% CI", "Upper 95% CI"}
        shown = table["Count"][table["Count"] != "*"].str.replace(",", "").astype(int)
        assert not ((shown > 0) & (shown < 5)).any()
        assert (table["Count"] == "*").any()


def test_the_rebase_and_target_stay_set_and_the_board_pack_uses_them():
    """The board pack's Monthly trends slides are the charts the page shows: its rebase and target go with
    them, and the page keeps them when the user comes back to it."""
    at = apptest_support.open_page("spc")
    at.selectbox(key="spc_rebase").set_value("Apr 2023").run()
    at.number_input(key="spc_target_planned_exits").set_value(500.0).run()
    at.switch_page("pages/board_pack.py").run()
    at.multiselect(key="pack_sections").select("spc").run()
    assert not at.exception
    notes = [c.value for c in at.caption if "Monthly trends slides" in c.value]
    assert notes == ["The Monthly trends slides use that page's settings: limits rebased at Apr 2023; target for "
                     "successful completions (planned exits): 500 a month. Change them on that page."]
    at.switch_page("pages/spc.py").run()
    assert at.selectbox(key="spc_rebase").value == "Apr 2023"
    assert at.number_input(key="spc_target_planned_exits").value == 500.0
