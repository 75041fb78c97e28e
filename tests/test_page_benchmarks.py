"""The Benchmarks and targets page, run from app.py on the demo data: spine chart and its table, compare areas,
the outcome measure by substance group, and targets entered on the page with the gap in people."""

import pandas as pd
import pytest

from analysis import dataset, store
from analysis.filters import Filters
from analysis.periods import FinancialYear
from analysis.views.overview import overview
from tests import apptest_support


@pytest.fixture(scope="module")
def data():
    return dataset.load_demo()


def frames(at, column):
    return [df.value for df in at.dataframe if column in df.value.columns]


def test_page_shows_the_spine_compare_areas_outcome_and_targets(data):
    at = apptest_support.open_page("benchmarks")
    assert at.title[0].value == "Benchmarks and targets"
    assert [h.value for h in at.main.header] == ["Against England", "Compared with similar areas",
                                            "Successful completion without re-presentation within 6 months",
                                            "Targets and trajectories"]
    # the demo's comparator values are made up, and the page says so above and in every chart title that uses them
    assert any("ILLUSTRATIVE comparator values" in w.value for w in at.warning)
    charts = at.get("plotly_chart")
    assert len(charts) == 4  # spine, compare areas, outcome, trajectory by quarter; no plan by year until one is set
    spine = frames(at, "England worst")[0]
    assert list(spine.columns[:9]) == ["Indicator", "Period", "Local count", "Local value", "95% CI",
                                       "England average", "England worst", "England best", "Compared with England"]
    assert spine["Comparator source"].str.contains("ILLUSTRATIVE").all()
    # the local value of a computed indicator is the Overview's headline figure (same suppression)
    headline = overview(data, FinancialYear(2024), FinancialYear(2023), Filters()).headlines["successful_completion"]
    row = spine.set_index("Indicator").loc["Successful completion rate"]
    assert row["Local value"] == f"{headline['value'].iloc[0]:,.1f}"
    assert row["Local count"] == f"{headline['count'].iloc[0]:,.0f}"
    assert row["England average"] == "50.0" and row["Compared with England"] == "Better than England"
    # the outcome measure: 2024/25 lacks follow-up, so 2023/24 is shown and the page says why
    assert any("Not yet available for 2024/25" in c.value for c in at.caption)
    outcome = frames(at, "Substance group")[0]
    assert list(outcome["Substance group"]) == ["Opiates", "Non-opiates", "Alcohol", "Alcohol and non-opiates"]
    assert "% 2023/24" in outcome.columns and outcome["England % (ILLUSTRATIVE)"].iloc[0] == "5.0"
    # every sentence built on the comparator values says they are illustrative (and so does every download)
    captions = [c.value for c in at.caption]
    for start in ("9 indicators against England", "Rate per 1,000 population: the partnership ranks",
                  "Successful completion without re-presentation within 6 months, 2023/24"):
        sentence = next(c for c in captions if c.startswith(start))
        assert "ILLUSTRATIVE (synthetic demo), not published figures" in sentence
    assert any("No targets set" in m.value for m in at.markdown)


def test_compare_areas_ranks_the_partnership_among_the_group():
    at = apptest_support.open_page("benchmarks")
    at.selectbox(key="benchmarks_compare").set_value("retention_12_weeks").run()
    assert not at.exception
    table = frames(at, "Area type")[0]
    assert len(table) == 10 and (table["Area type"] == "partnership").sum() == 1
    values = pd.to_numeric(table["Value"])
    assert values.is_monotonic_decreasing


def test_targets_entered_on_the_page_give_the_gap(data):
    at = apptest_support.open_page("benchmarks")
    at.session_state["benchmarks_targets_editor_frame"] = [
        {"indicator": "effective_treatment", "period": "2024/25", "target": 1500, "source": "Treatment plan"},
        {"indicator": "effective_treatment", "period": "2025/26", "target": 1550, "source": "Treatment plan"}]
    at.text_input(key="benchmarks_targets_by").set_value("A. Analyst")
    at.button(key="benchmarks_targets_save").click().run()
    assert not at.exception
    saved = store.Store.open().indicator_targets(store.DEMO)
    assert saved["set_by"] == "A. Analyst" and len(saved["rows"]) == 2
    from analysis import profiles
    actual = int(profiles.effective_treatment(data, fy=FinancialYear(2024))["count"].iloc[0])
    sentence = f"{1500 - actual:,} more people in effective treatment are needed by Q4 2024/25"
    assert any(sentence in m.value for m in at.markdown), [m.value for m in at.markdown]
    table = frames(at, "Gap (people)")[0]
    assert table["Target"].iloc[3] == "1,500" and table["Year to date"].iloc[3] == f"{actual:,}"
    assert table["RAG"].iloc[3] == "Red"
    assert len(at.get("plotly_chart")) == 5
    assert any("Targets set by A. Analyst" in t.value for t in at.text)


def test_earliest_year_and_young_people_show_what_applies():
    at = apptest_support.open_page("benchmarks", year="2019/20", service="Young people")
    text = " ".join(i.value for i in at.info)
    # no year before 2019/20 has follow-up to compare with, and NI 40 does not apply to young people
    assert "Not applicable to the young people's service" in text
    assert "2019/20 is the first year in the data: choose a later year to see it" in text
    spine = frames(at, "England worst")[0]
    assert "Rate per 1,000 population" in set(spine["Indicator"])


def test_a_filtered_selection_is_compared_with_england_by_service_only(data):
    """England's values are published by service, never by sex or district: with a sex filter the spine is the
    service's own (the same figures as without it), the page and pack say so, and the outcome measure's table,
    which follows the filters, carries no England value."""
    from analysis import findings
    from analysis.views import benchmarks as model

    fy, comparison = FinancialYear(2024), FinancialYear(2023)
    whole = model.benchmarks(data, fy, comparison, Filters())
    women = model.benchmarks(data, fy, comparison, Filters(sex="Female"))
    pd.testing.assert_frame_equal(women.spine, whole.spine)
    assert whole.scope_note is None and women.scope_label == "all services"
    assert "(female)" in women.scope_note and "do not apply to them" in women.scope_note
    assert whole.c19["england"].notna().any() and women.c19["england"].isna().all()
    # the figures themselves follow the filter: fewer women than people completed without re-presentation
    assert (women.c19["count"].fillna(0) <= whole.c19["count"].fillna(0)).all()
    said = [f.text for f in findings.spine_findings(women.spine, whose=women.scope_label)]
    assert said and all(": " in t and "(all services)" in t for t in said)
    adults_in_oxford = model.benchmarks(data, fy, comparison, Filters(service="Adults", district="E07000178"))
    pd.testing.assert_frame_equal(adults_in_oxford.spine,
                                  model.benchmarks(data, fy, comparison, Filters(service="Adults")).spine)
    assert adults_in_oxford.scope_label == "adults"


def test_the_page_says_whose_figures_the_spine_shows_when_a_filter_is_set():
    at = apptest_support.open_page("benchmarks", year="2024/25", sex="Female")
    assert any("do not apply to them" in i.value for i in at.info)
