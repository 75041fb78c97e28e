"""The Referrals page, run from app.py on the demo data: values against hand counts, no small counts shown."""


import pytest
from streamlit.testing.v1 import AppTest

from analysis import dataset
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


def test_key_agencies_and_target_are_the_users(data):
    at = open_page()
    at.multiselect(key="referrals_key_groups").set_value(["Education", "GP"]).run()
    at.number_input(key="referrals_target").set_value(15.0).run()
    assert not at.exception, at.exception
    now = in_year(data, "2024/25")
    key = now["referral_source_group"].isin(["GP", "Education"]).sum()
    share = key / len(now) * 100
    assert at.metric[1].label == "Share from GP and Education" and at.metric[1].value == f"{share:.0f}%"
    table = table_with(at, "Target %")
    assert table["Count 2024/25"].iloc[0] == f"{key:,}" and table["Target %"].iloc[0] == "15.0"
    assert table["Target met 2024/25"].iloc[0] == ("Yes" if share >= 15 else "No")
    assert any("target 15%" in c.value for c in at.caption)
    at.multiselect(key="referrals_key_groups").set_value([]).run()
    assert any("Choose at least one key referring agency" in i.value for i in at.info)


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
