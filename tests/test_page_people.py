"""The People in treatment page, from app.py: it runs, shows the page model's figures, and shows
no count from 1 to 4 for a small selection."""

from __future__ import annotations


import pytest
from streamlit.testing.v1 import AppTest

from analysis import dataset as ds
from tests import apptest_support
from analysis.filters import Filters
from analysis.periods import FinancialYear
from analysis.summaries import format_value
from analysis.suppression import is_disclosive
from analysis.views.people import people

SMALL = {"district": "E07000181", "service": "Young people", "sex": "Female"}


def open_page(**filters: str) -> AppTest:
    return apptest_support.open_page("people", **filters)


@pytest.fixture(scope="module")
def data():
    return ds.load_demo()


def test_page_shows_the_page_model_summaries_and_metric(data):
    at = open_page(year="2023/24", compare="2022/23")
    assert at.title[0].value == "People in treatment"
    figures = people(data, FinancialYear(2023), FinancialYear(2022), Filters())
    captions = [c.value for c in at.caption]
    for key in ("pyramid", "ethnicity", "accommodation_status", "in_care", "injecting_status",
                "accommodation_recorded"):
        assert figures.summaries[key] in captions, key
    metric = next(m for m in at.metric if m.label == "Accommodation status recorded")
    assert metric.value == format_value(figures.accommodation_recorded["value"].iloc[0], "proportion")


def test_pyramid_table_matches_model_and_scale_switch_runs(data):
    at = open_page()
    figures = people(data, FinancialYear(2024), FinancialYear(2023), Filters())
    table = at.dataframe[0].value  # dataframe keys are not exposed by AppTest; the pyramid is first
    row = figures.pyramid[(figures.pyramid["age_band"] == "35-44") & (figures.pyramid["sex"] == "Male")].iloc[0]
    shown = table[(table["Age band"] == "35-44") & (table["Sex"] == "Male")].iloc[0]
    assert shown["People 2024/25"] == f"{row['count']:,.0f}"
    assert shown["% 2024/25"] == f"{row['value']:.1f}"
    at.radio(key="people_pyramid_scale").set_value("Number of people").run()
    assert not at.exception, at.exception


def test_small_selection_shows_no_count_from_1_to_4(data):
    at = open_page(**SMALL)
    figures = people(data, FinancialYear(2024), FinancialYear(2023), Filters(**{
        "service": SMALL["service"], "sex": SMALL["sex"], "district": SMALL["district"]}))
    assert figures.summaries["pyramid"] in [c.value for c in at.caption]
    assert len(at.dataframe) >= 8  # pyramid, single age, four breakdowns, and shares among the recorded
    starred = False
    for frame in at.dataframe:
        table = frame.value
        counts = [c for c in table.columns if str(c).startswith(("People", "Of people"))]
        assert counts
        assert not is_disclosive(table, counts)
        starred |= bool((table[counts] == "*").any().any())
    assert starred


def test_adults_see_why_in_care_is_not_shown():
    at = open_page(service="Adults")
    assert any("young people's service" in i.value for i in at.info)


def test_young_people_see_single_year_of_age_and_shares_among_the_recorded(data):
    at = open_page(service="Young people")
    figures = people(data, FinancialYear(2024), FinancialYear(2023), Filters(service="Young people"))
    captions = [c.value for c in at.caption]
    assert figures.summaries["single_age"] in captions
    for attribute in ("ethnicity", "accommodation_status", "in_care", "injecting_status"):
        assert figures.summaries[f"among_recorded:{attribute}"] in captions, attribute
    single_age = at.dataframe[1].value  # right after the pyramid
    males_16 = figures.single_age.set_index(["sex", "age"]).loc[("Male", 16)]
    shown = single_age[(single_age["Sex"] == "Male") & (single_age["Age"] == "16")].iloc[0]
    assert shown["People 2024/25"] == f"{males_16['count']:,.0f}"
    recorded = next(f.value for f in at.dataframe if "% of recorded 2024/25" in f.value.columns
                    and "Accommodation status" in f.value.columns)
    nfa = figures.among_recorded["accommodation_status"].set_index("accommodation_status").loc["No fixed abode"]
    assert recorded.set_index("Accommodation status").loc["No fixed abode", "% of recorded 2024/25"] == \
        f"{nfa['value']:.1f}"


def test_all_services_say_why_single_year_of_age_is_not_shown():
    at = open_page()
    from analysis.views.people import SINGLE_AGE_NOTE
    assert SINGLE_AGE_NOTE in [i.value for i in at.info]
