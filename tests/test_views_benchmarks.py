"""The Benchmarks page model's local values on the demo: the Overview's headline figures, worked out alone."""

import pandas as pd
import pytest

from analysis import dataset, indicators
from analysis.filters import Filters
from analysis.periods import NO_COMPARISON
from analysis.views import benchmarks
from analysis.views.overview import overview


@pytest.fixture(scope="module")
def data():
    return dataset.load_demo()


@pytest.mark.parametrize("service", ["All", "Young people", "Adults"])
@pytest.mark.parametrize("years", ["latest", "earliest"])
def test_local_values_are_the_overview_s_headline_rows(data, service, years):
    all_years = data.years
    fy, comparison = (all_years[-1], all_years[-2]) if years == "latest" else (all_years[0], NO_COMPARISON)
    filters = Filters(service=service)
    figures = overview(data, fy, comparison, filters)
    local = benchmarks.local_values(data, fy, comparison, filters).set_index("indicator")
    given = set(data.comparators["indicator"].astype(str))
    compared = [i for i in indicators.INDICATORS if i.id in given and i.per != 1]
    assert compared  # the demo's comparators table gives rates and proportions
    for indicator in compared:
        row = local.loc[indicator.id]
        if indicator.id in figures.not_applicable:
            assert row["note"] == figures.not_applicable[indicator.id] and pd.isna(row["value"])
            continue
        want = figures.headlines[indicator.id].iloc[0]
        for column in ("count", "value", "lower", "upper"):
            assert row[column] == want[column] or (pd.isna(row[column]) and pd.isna(want[column])), column
        assert row["suppressed"] == bool(want["suppressed"])


def test_local_values_work_out_only_the_headlines_compared_with_england(data):
    # the Overview's other figures (every count, the primary substance, unmet need) are not compared with
    # England: the page model does not compute them after a filter change
    data.memo.clear()
    benchmarks.local_values(data, data.years[-1], data.years[-2], Filters(service="Adults"))
    measured = {key[1] for key in data.memo if isinstance(key, tuple) and len(key) > 1}
    assert "substances" not in measured and "people_in_treatment" not in measured
    assert {"successful_completion_rate", "retention_12_weeks"} <= measured
