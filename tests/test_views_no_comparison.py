"""Every page model for the earliest year, which has no comparison year (``NO_COMPARISON``), in every
service and sex: the page is drawn, and no figure of a comparison year is made up."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator

import pandas as pd
import pytest

from analysis import dataset as ds
from analysis.filters import Filters
from analysis.periods import NO_COMPARISON
from analysis.views import benchmarks, districts_map, overview, people, referrals, substances, treatment_exits

PAGE_MODELS = {
    "overview": overview.overview, "people": people.people, "substances": substances.substances,
    "referrals": referrals.referrals, "treatment_exits": treatment_exits.treatment_exits,
    "districts_map": districts_map.districts_map, "benchmarks": benchmarks.benchmarks,
}


@pytest.fixture(scope="module")
def data():
    return ds.load_demo()


def frames_in(value: object) -> Iterator[pd.DataFrame]:
    """Every frame held by a page model's result (dataclass fields, dict values)."""
    if isinstance(value, pd.DataFrame):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from frames_in(getattr(value, f.name))
    elif isinstance(value, dict):
        for item in value.values():
            yield from frames_in(item)


@pytest.mark.parametrize("page", sorted(PAGE_MODELS))
def test_earliest_year_without_comparison(data, page):
    first = data.years[0]
    compared = 0
    for service, sex in itertools.product(["All", "Adults", "Young people"], ["All", "Female"]):
        result = PAGE_MODELS[page](data, first, NO_COMPARISON, Filters(service=service, sex=sex))
        for frame in frames_in(result):
            if "previous_count" in frame.columns and len(frame):
                assert frame["previous_count"].isna().all(), (page, service, sex)
                compared += 1
    if page != "benchmarks":  # compared with England and with targets, not with an earlier year
        assert compared > 0  # the page shows year-on-year frames, each with nothing for the missing year
