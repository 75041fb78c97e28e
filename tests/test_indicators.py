"""The indicator registry: every indicator declared with a label, definition and source, and computable."""

import pytest

from analysis import indicators
from analysis.dataset import load_demo
from analysis.periods import FinancialYear
from analysis.yoy import COUNT, PROPORTION, RATE


@pytest.mark.parametrize("indicator", indicators.ALL_INDICATORS, ids=lambda i: i.id)
def test_indicator_is_fully_declared(indicator):
    for field in ("id", "label", "definition", "numerator", "source", "unit", "polarity"):
        assert str(getattr(indicator, field)).strip(), f"{indicator.id} lacks {field}"
    assert indicator.polarity in (indicators.HIGHER_IS_BETTER, indicators.LOWER_IS_BETTER, indicators.NO_POLARITY)
    assert indicator.per in (1, 100, 1000)


def test_ids_are_unique():
    ids = [i.id for i in indicators.ALL_INDICATORS]
    assert len(ids) == len(set(ids)) == len(indicators.BY_ID)


@pytest.mark.parametrize("indicator", indicators.ALL_INDICATORS, ids=lambda i: i.id)
def test_declared_per_and_denominator_match_the_computed_measure(indicator):
    result = indicator.compute(load_demo(), fy=FinancialYear(2024))
    kind = result.attrs["kind"]
    assert result.attrs["per"] == indicator.per
    assert (kind == COUNT) == (indicator.denominator == "")
    assert kind in (COUNT, RATE, PROPORTION)
