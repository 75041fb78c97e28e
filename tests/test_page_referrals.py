"""The Referrals page, run from app.py on the demo data: values against hand counts, no small counts shown."""


import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analysis import dataset, store
from analysis.periods import FinancialYear
from analysis.suppression import is_disclosive
from tests import apptest_support

COUNT_HEADINGS = ("Count", "Denominator", "Referrals")


@pytest.fixture(scope="module")
def data():
    return dataset.load_demo()


def open_page() -> AppTest:
    return apptest_support.open_page("referrals")


def in_year(data, label):
    fy = FinancialYear.from_label(label)
    ref = data.referrals
    return ref[(ref["referral_date"] >= fy.start) & (ref["referral_date"] <= fy.end)]


def table_with(at: AppTest, heading: str):
    return next(df.value for df in at.dataframe if heading in df.value.columns)


def test_page_shows_the_year_against_the_comparison_year(data):
    at = open_page()
    assert at.title[0].value == "Referrals"
    now = in_year(data, "2024/25")
    assert at.metric[0].label == "Referrals received" and at.metric[0].value == f"{len(now):,}"
    sources = table_with(at, "Referral source").set_index("Referral source")
    gp_now = (now["referral_source_group"] == "GP").sum()
    gp_before = (in_year(data, "2023/24")["referral_source_group"] == "GP").sum()
    assert sources.loc["GP", "Count 2024/25"] == f"{gp_now:,}"
    assert sources.loc["GP", "Count 2023/24"] == f"{gp_before:,}"
    months = table_with(at, "Month")
    assert len(months) == 24 and months["Month"].iloc[-1] == "Mar 2025"


def test_no_target_is_assumed(data):
    at = open_page()
    assert any(m.value.startswith("**No target set.**") for m in at.markdown)
    table = table_with(at, "Target %")
    assert table["Target %"].iloc[0] == "No target set" and "Target met 2024/25" not in table.columns
    assert any(c.value.endswith("no target set.") for c in at.caption)


def test_people_referred_and_led_to_triage_tiles_are_hand_counts(data):
    at = open_page()
    now, before = in_year(data, "2024/25"), in_year(data, "2023/24")
    tiles = {m.label: m for m in at.metric}
    assert tiles["People referred"].value == f"{now['client_id'].nunique():,}"
    episodes = data.episodes[["episode_id", "triage_date"]].astype({"episode_id": "object"})
    joined = now.astype({"episode_id": "object"}).merge(episodes, on="episode_id", how="left")
    led = ((joined["triage_date"] >= joined["referral_date"]) & (joined["triage_date"] <= pd.Timestamp("2025-03-31")))
    assert tiles["Referrals that led to triage"].value == f"{led.sum() / len(now) * 100:.0f}%"
    volume = table_with(at, "Measure").set_index("Measure")
    assert volume.loc["People referred", "Count 2023/24"] == f"{before['client_id'].nunique():,}"
    triage = table_with(at, "Denominator 2024/25")
    assert triage["Count 2024/25"].iloc[0] == f"{led.sum():,}"


def test_a_target_set_on_the_page_is_stored_with_who_and_when(data, tmp_path, monkeypatch):
    monkeypatch.setenv(store.STORE_ENV, str(tmp_path / "store"))
    at = open_page()
    at.multiselect(key="referrals_key_groups").set_value(["Education", "GP"]).run()
    at.number_input(key="referrals_target").set_value(15.0).run()
    at.text_input(key="referrals_target_by").set_value("Test *Analyst*").run()
    at.button(key="referrals_target_save").click().run()
    assert not at.exception, at.exception
    saved = store.Store.open().target(store.DEMO)
    assert (saved.percent, set(saved.groups), saved.set_by) == (15.0, {"Education", "GP"}, "Test *Analyst*")
    assert any(m.value.startswith(r"Target 15% set by Test \*Analyst\* on ") for m in at.markdown)
    now = in_year(data, "2024/25")
    key = now["referral_source_group"].isin(["GP", "Education"]).sum()
    share = key / len(now) * 100
    assert at.metric[3].label == "Share from GP and Education" and at.metric[3].value == f"{share:.0f}%"
    table = table_with(at, "Target %")
    assert table["Count 2024/25"].iloc[0] == f"{key:,}" and table["Target %"].iloc[0] == "15.0"
    assert table["Target met 2024/25"].iloc[0] == ("Yes" if share >= 15 else "No")
    assert any("target 15%" in c.value for c in at.caption)
    # a fresh session reads the stored target back; other agencies get no target
    again = open_page()
    assert set(again.multiselect(key="referrals_key_groups").value) == {"Education", "GP"}
    again.multiselect(key="referrals_key_groups").set_value(["GP"]).run()
    assert any("differ, so no target is applied" in m.value for m in again.markdown)
    assert table_with(again, "Target %")["Target %"].iloc[0] == "No target set"
    again.button(key="referrals_target_clear").click().run()
    assert store.Store.open().target(store.DEMO) is None
    again.multiselect(key="referrals_key_groups").set_value([]).run()
    assert any("Choose at least one key referring agency" in i.value for i in again.info)


def test_small_selection_shows_no_count_from_one_to_four():
    at = open_page()
    at.selectbox(key="district").set_value("E07000181").run()
    at.selectbox(key="service").set_value("Young people").run()
    at.selectbox(key="sex").set_value("Female").run()
    assert not at.exception, at.exception
    assert at.dataframe, "the page shows its tables"
    for frame in (df.value for df in at.dataframe):
        counts = [c for c in frame.columns if str(c).startswith(COUNT_HEADINGS)]
        assert counts and not is_disclosive(frame, counts), frame
    assert any(value == "*" for df in at.dataframe for value in df.value.to_numpy().ravel())
