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
    assert len(at.dataframe) >= 4
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
