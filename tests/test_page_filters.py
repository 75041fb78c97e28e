"""Filters that do nothing on a page are not drawn there (issue 10 item 4), and keep their values
for the pages that use them."""

from __future__ import annotations

import pytest

from tests.apptest_support import open_page
from ui import state


def sidebar_keys(at) -> set[str]:
    return {box.key for box in at.sidebar.selectbox}


@pytest.mark.parametrize("page", ["data", "about"])
def test_pages_without_figures_by_selection_draw_no_filters(page):
    at = open_page(page)
    assert sidebar_keys(at) & set(state.FILTER_KEYS) == set()
    assert "Filters" not in [h.value for h in at.sidebar.header]


def test_data_quality_draws_only_the_filters_it_uses():
    at = open_page("data_quality")
    assert sidebar_keys(at) & set(state.FILTER_KEYS) == {"year", "compare", "service"}


def test_overview_draws_every_filter():
    at = open_page("overview")
    assert sidebar_keys(at) >= set(state.FILTER_KEYS)


def test_a_filter_keeps_its_value_across_a_page_that_does_not_draw_it():
    at = open_page("overview", year="2022/23", sex="Female")
    at.switch_page("pages/about.py").run()
    assert not at.exception, at.exception
    assert at.session_state[state.SELECTION_KEY].filters.sex == "Female"
    at.switch_page("pages/overview.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="sex").value == "Female"
    assert at.selectbox(key="year").value == "2022/23"
    assert at.session_state[state.SELECTION_KEY].fy.label == "2022/23"
