"""The Substances page, from app.py: it runs, shows the page model's figures for both views, and
shows no count from 1 to 4 for a small selection."""

from __future__ import annotations


import pytest
from streamlit.testing.v1 import AppTest

from analysis import dataset as ds
from tests import apptest_support
from analysis import profiles
from analysis.filters import Filters
from analysis.periods import FinancialYear
from analysis.suppression import is_disclosive
from analysis.views.substances import substances

SMALL = {"district": "E07000181", "service": "Young people", "sex": "Female"}


def open_page(**filters: str) -> AppTest:
    return apptest_support.open_page("substances", **filters)


@pytest.fixture(scope="module")
def data():
    return ds.load_demo()


def test_page_shows_both_views_and_breakdown_summaries(data):
    at = open_page(service="Young people")
    assert at.title[0].value == "Substances"
    figures = substances(data, FinancialYear(2024), FinancialYear(2023), Filters(service="Young people"))
    captions = [c.value for c in at.caption]
    for key in (f"overall:{profiles.ANY_MENTION}", f"overall:{profiles.PRIMARY}", f"by_sex:{profiles.ANY_MENTION}",
                f"by_age:{profiles.ANY_MENTION}", f"change:{profiles.ANY_MENTION}"):
        assert figures.summaries[key] in captions, key
    table = at.dataframe[0].value  # the any-mention table is first (AppTest exposes no dataframe keys)
    alcohol = figures.overall[profiles.ANY_MENTION].set_index("substance").loc["Alcohol"]
    shown = table.set_index("Substance group").loc["Alcohol"]
    assert shown["People 2024/25"] == f"{alcohol['count']:,.0f}"
    assert shown["% 2024/25"] == f"{alcohol['value']:.1f}"


def test_view_switch_shows_primary_breakdowns(data):
    at = open_page()
    at.radio(key="substances_view").set_value("Primary substance").run()
    assert not at.exception, at.exception
    figures = substances(data, FinancialYear(2024), FinancialYear(2023), Filters())
    captions = [c.value for c in at.caption]
    assert figures.summaries[f"by_sex:{profiles.PRIMARY}"] in captions
    assert figures.summaries[f"change:{profiles.PRIMARY}"] in captions
    change = at.dataframe[6].value  # the change table is last
    assert "Change lower 95% CI" in change.columns


def test_small_selection_shows_no_count_from_1_to_4():
    at = open_page(**SMALL)
    # two overall views, drug class and its class mapping, by sex, by age band, change
    assert len(at.dataframe) == 7
    starred = False
    for frame in at.dataframe:
        table = frame.value
        counts = [c for c in table.columns if str(c).startswith(("People", "Of people"))]
        assert not is_disclosive(table, counts)
        starred |= bool((table[counts] == "*").any().any())
    assert starred


def test_nobody_selected_shows_sentences():
    at = open_page(service="Adults", age="Under 15")
    # no table of figures: the only table is the (figure-free) list of substances by drug class
    assert [list(f.value.columns) for f in at.dataframe] == [["Substance code", "Drug class"]]
    assert any("No people match" in i.value for i in at.info)


def test_drug_class_section_shows_the_page_model(data):
    at = open_page(service="Young people")
    figures = substances(data, FinancialYear(2024), FinancialYear(2023), Filters(service="Young people"))
    assert figures.summaries["drug_class"] in [c.value for c in at.caption]
    assert "Drug class (Misuse of Drugs Act 1971)" in [h.value for h in at.header]
    table = at.dataframe[2].value  # after the two overall views
    row = figures.drug_class.set_index(["sex", "drug_class"]).loc[("Male", "Class B")]
    shown = table.set_index(["Sex", "Drug class"]).loc[("Male", "Class B")]
    assert shown["People 2024/25"] == f"{row['count']:,.0f}"
    assert shown["% 2024/25"] == f"{row['value']:.1f}"
    assert shown["Lower 95% CI 2024/25"] == f"{row['lower']:.1f}"
    mapping = at.dataframe[3].value
    assert mapping.set_index("Substance code").loc["ketamine", "Drug class"] == "Class B"
    # the comparison year's female denominators are hidden (1 to 4 of other / not stated sex)
    assert table.set_index(["Sex", "Drug class"]).loc[("Female", "Class A"), "Of people 2023/24"] == "*"
