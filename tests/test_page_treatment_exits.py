"""The Treatment and exits page, run from app.py on the demo data: values against hand counts, no small counts shown."""


import pytest
from streamlit.testing.v1 import AppTest

from analysis import cohorts, dataset
from analysis.filters import Filters
from analysis.periods import FinancialYear
from analysis.suppression import is_disclosive
from tests import apptest_support

COUNT_HEADINGS = ("Count", "Denominator", "People")


@pytest.fixture(scope="module")
def data():
    return dataset.load_demo()


def open_page() -> AppTest:
    return apptest_support.open_page("treatment_exits")


def table_with(at: AppTest, heading: str):
    return next(df.value for df in at.dataframe if heading in df.value.columns)


def last_exits(data, fy):
    ep = data.episodes
    out = ep[(ep["discharge_date"] >= fy.start) & (ep["discharge_date"] <= fy.end)]
    return out.sort_values(["client_id", "discharge_date", "episode_id"]).drop_duplicates("client_id", keep="last")


def test_page_values_match_hand_counts(data):
    at = open_page()
    assert at.title[0].value == "Treatment and exits"
    fy, previous = FinancialYear(2024), FinancialYear(2023)
    groups = last_exits(data, fy)["discharge_reason_group"].astype(str).value_counts()
    before = last_exits(data, previous)["discharge_reason_group"].astype(str).value_counts()
    exits = table_with(at, "Exit group").set_index("Exit group")
    assert exits.loc["Planned", "Count 2024/25"] == f"{groups['Planned']:,}"
    assert exits.loc["Unplanned", "Count 2023/24"] == f"{before['Unplanned']:,}"
    outcomes = table_with(at, "Indicator").set_index("Indicator")
    rate = groups["Planned"] / (groups.sum() - groups.get("Transferred", 0)) * 100  # planned / (all - transfers)
    assert outcomes.loc["Successful completion rate", "% 2024/25"] == f"{rate:.1f}"
    assert outcomes.loc["Successful completion rate", "Significant change"] in ("Yes", "No")
    presentations = table_with(at, "Presentation").set_index("Presentation")
    new = len(cohorts.new_presentations(data.episodes, fy))
    assert presentations.loc["New presentations", "Count 2024/25"] == f"{new:,}"
    assert any("look-back: all records held" in c.value for c in at.caption)
    time = table_with(at, "Mean weeks 2024/25").set_index("Status")
    people = cohorts.time_in_treatment(data.episodes, fy)
    assert time.loc["All", "People 2024/25"] == f"{len(people):,}"
    assert time.loc["Open", "Median weeks 2024/25"] == f"{people.loc[people['status'] == 'Open', 'weeks'].median():.1f}"


def test_year_and_comparison_follow_the_sidebar(data):
    at = open_page()
    at.selectbox(key="year").set_value("2022/23").run()
    at.selectbox(key="compare").set_value("2021/22").run()
    assert not at.exception, at.exception
    presentations = table_with(at, "Presentation").set_index("Presentation")
    assert "Count 2021/22" in presentations.columns
    re = len(cohorts.re_presentations(data.episodes, FinancialYear(2021)))
    assert presentations.loc["Re-presentations", "Count 2021/22"] == f"{re:,}"


def test_small_selection_shows_no_count_from_one_to_four(data):
    at = open_page()
    at.selectbox(key="district").set_value("E07000181").run()
    at.selectbox(key="service").set_value("Young people").run()
    at.selectbox(key="sex").set_value("Female").run()
    assert not at.exception, at.exception
    assert len(at.dataframe) >= 7
    for frame in (df.value for df in at.dataframe):
        counts = [c for c in frame.columns if str(c).startswith(COUNT_HEADINGS)]
        assert counts and not is_disclosive(frame, counts), frame
    # the completion rate is hidden when the exits figure hides planned or unplanned exits
    small = Filters("Young people", "All", "Female", "E07000181")
    exits = cohorts.exits(data.episodes, FinancialYear(2024), small)["exit_group"].astype(str).value_counts()
    outcomes = table_with(at, "Indicator").set_index("Indicator")
    if 0 < exits.get("Unplanned", 0) < 5:
        assert outcomes.loc["Successful completion rate", "Count 2024/25"] == "*"


def test_exit_time_back_in_treatment_and_unknown_exits_are_shown(data):
    at = open_page()
    fy = FinancialYear(2024)
    summary = cohorts.summarise_time_by_exit_group(cohorts.time_by_exit_group(data.episodes, fy)).set_index("exit_group")
    table = table_with(at, "Exit group")  # the exits-by-group table comes first
    assert "Other / not known" in list(table["Exit group"])
    time = next(df.value for df in at.dataframe if "Exit group" in df.value.columns
                and "Median weeks 2024/25" in df.value.columns).set_index("Exit group")
    assert list(time.index) == ["Planned", "Unplanned", "Transferred", "Other / not known"]
    unplanned = summary.loc["Unplanned"]
    assert time.loc["Unplanned", "People 2024/25"] == f"{int(unplanned['people']):,}"
    assert time.loc["Unplanned", "Median weeks 2024/25"] == f"{unplanned['median_weeks']:.1f}"
    assert any(f"did so after a median of {unplanned['median_weeks']:.0f} weeks" in c.value for c in at.caption)
    back, discharged = cohorts.back_in_treatment(data.episodes, fy)
    shown = table_with(at, "Measure").set_index("Measure").loc["Back in treatment on 31 March"]
    assert shown["Count 2024/25"] == f"{back:,}" and shown["Denominator 2024/25"] == f"{discharged:,}"
    assert shown["% 2024/25"] == f"{back / discharged * 100:.1f}"
    assert shown["Significant change"] in ("Yes", "No")
    assert any(m.value.startswith("Exits with no known reason") and f"of the {discharged:,} people" in m.value
               for m in at.markdown)
