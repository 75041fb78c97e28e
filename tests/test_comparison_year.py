"""The comparison year (GLOSSARY "Previous year / comparison year"): the year before by default,
only earlier years, and no comparison at all for the earliest year in the data."""

import math

import pandas as pd
import pytest

from analysis import activity, board, charts, profiles, yoy
from analysis.filters import Filters
from analysis.periods import NO_COMPARISON, FinancialYear, default_comparison, resolve_years
from analysis.summaries import change_sentence
from tests.factories import episodes

YEARS = [FinancialYear(y) for y in (2019, 2020, 2021, 2023)]  # 2022/23 missing from the data


def test_default_is_the_year_before_and_never_a_later_one():
    assert default_comparison(FinancialYear(2021), YEARS) == FinancialYear(2020)
    assert default_comparison(FinancialYear(2023), YEARS) == FinancialYear(2021)  # the latest earlier year held
    assert default_comparison(FinancialYear(2019), YEARS) is NO_COMPARISON
    assert not NO_COMPARISON and NO_COMPARISON.label == "no earlier year in the data"


@pytest.mark.parametrize("year, compare, expected", [
    (None, None, (FinancialYear(2023), FinancialYear(2021))),         # nothing chosen: latest and the year before
    ("2021/22", None, (FinancialYear(2021), FinancialYear(2020))),
    ("2021/22", "2019/20", (FinancialYear(2021), FinancialYear(2019))),  # any earlier year may be chosen
    ("2020/21", "2023/24", (FinancialYear(2020), FinancialYear(2019))),  # a later year is never used
    ("2021/22", "2021/22", (FinancialYear(2021), FinancialYear(2020))),  # nor the year itself
    ("2019/20", "2020/21", (FinancialYear(2019), NO_COMPARISON)),        # the earliest: nothing earlier
    ("2019/20", "none", (FinancialYear(2019), NO_COMPARISON)),
    ("1999/00", "junk", (FinancialYear(2023), FinancialYear(2021))),   # not in the data: the defaults
])
def test_resolve_years(year, compare, expected):
    assert resolve_years(YEARS, year, compare) == expected


def small_data():
    from analysis import dataset as ds

    rows = [{"client_id": str(i), "episode_id": str(i), "triage_date": "2024-05-01", "sex": "F" if i < 3 else "M"}
            for i in range(7)]
    return ds.from_tables({"episodes": episodes(rows), "substances": pd.DataFrame(columns=["episode_id", "rank",
                           "substance", "substance_group"]), "referrals": pd.DataFrame(),
                           "districts": pd.DataFrame({"district_code": ["E07000178"], "district_name": ["Oxford"]}),
                           "population": pd.DataFrame()}, label="t", version="t")


def test_no_comparison_gives_this_year_alone_with_no_change_or_test():
    data = small_data()
    row = board.suppress_comparison(yoy.compare_years(profiles.people_in_treatment, FinancialYear(2024), NO_COMPARISON,
                                                      data, filters=Filters())).iloc[0]
    assert row["count"] == 7 and row["value"] == 7  # hand count: seven people triaged in May 2024
    assert math.isnan(row["previous_count"]) and math.isnan(row["previous_value"]) and math.isnan(row["change"])
    assert not row["previous_suppressed"] and not row["significant"]
    assert row["direction"] == yoy.NOT_COMPARED
    assert change_sentence("People in treatment", row, yoy.COUNT, FinancialYear(2024), NO_COMPARISON) == (
        "People in treatment: 7 in 2024/25 (no earlier year in the data).")


def test_no_comparison_still_suppresses_this_year():
    data = small_data()
    women = board.suppress_comparison(yoy.compare_years(
        profiles.people_in_treatment, FinancialYear(2024), NO_COMPARISON, data, filters=Filters(sex="Female"))).iloc[0]
    assert women["suppressed"] and math.isnan(women["count"]) and math.isnan(women["value"])  # 3 women: hidden
    by_sex = board.suppress_comparison(activity.compare(
        lambda data, fy: profiles.people_by(data, "sex", fy=fy), data, FinancialYear(2024), NO_COMPARISON,
        key="sex"), ["sex"])
    by_sex = by_sex.set_index("sex")
    assert by_sex["previous_count"].isna().all() and not by_sex["previous_suppressed"].any()
    # 3 women and 4 men: both 1-4, both hidden with their change; nothing of a comparison year to show or protect
    assert by_sex.loc[["Female", "Male"], "suppressed"].all()
    assert (by_sex.loc[["Female", "Male"], "direction"] == "*").all()
    assert (by_sex.loc[~by_sex["suppressed"], "direction"] == yoy.NOT_COMPARED).all()


def test_a_chart_with_no_comparison_draws_one_year():
    frame = board.suppress_comparison(yoy.without_comparison(
        yoy.measure(pd.DataFrame({"sex": ["Male", "Female"], "count": [30, 20], "denominator": [50, 50]}),
                    yoy.PROPORTION)), ["sex"])
    figure = charts.comparison_bars(frame, "sex", "Sex", "2019/20", NO_COMPARISON.label)
    assert [trace.name for trace in figure.data] == ["2019/20"]


PAGES = ["overview", "people", "substances", "referrals", "treatment_exits", "districts_map", "data",
         "data_quality", "about"]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_copes_with_the_earliest_year(page):
    """The earliest year in the demo (2019/20) has no comparison: every page draws, none compares
    with a later year, and none shows a change."""
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=180)
    at.session_state["year"] = "2019/20"
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    assert at.title and at.title[0].value != "Overview" or page == "overview", "the page itself was drawn"
    from ui import state

    if "compare" in state.filters_for(page):
        assert at.selectbox(key="compare").value == "No earlier year in the data"
    else:  # a page that draws no comparison year box still holds none in its selection
        assert not at.session_state[state.SELECTION_KEY].comparison_fy  # NO_COMPARISON
        assert at.session_state[state.SELECTION_KEY].comparison_fy.label == "no earlier year in the data"
    text = "\n".join(str(e.value) for kind in ("markdown", "caption", "info") for e in getattr(at, kind))
    if "year" in state.filters_for(page):  # the Data page shows no year's figures (its help names example periods)
        assert not any(later in text for later in ("2020/21", "2021/22", "2022/23", "2023/24", "2024/25")), page
    assert all(not m.delta for m in at.metric), page
