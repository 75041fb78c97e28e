"""Financial years, quarters, ages and age bands."""

import pandas as pd
import pytest

from analysis.periods import (
    FinancialYear,
    age_band,
    age_in_years,
    financial_quarter,
    financial_year_start,
)


def test_financial_year_label_start_end():
    fy = FinancialYear(2024)
    assert fy.label == "2024/25"
    assert fy.start == pd.Timestamp("2024-04-01")
    assert fy.end == pd.Timestamp("2025-03-31")
    assert FinancialYear(1999).label == "1999/00"
    assert FinancialYear.from_label("2024/25") == fy
    with pytest.raises(ValueError, match="2024/25"):
        FinancialYear.from_label("2024/26")


@pytest.mark.parametrize(
    "date, start_year",
    [("2025-03-31", 2024), ("2025-04-01", 2025), ("2024-04-01", 2024), ("2024-12-31", 2024)],
)
def test_year_boundaries(date, start_year):
    assert FinancialYear.containing(pd.Timestamp(date)).start_year == start_year
    assert financial_year_start(pd.Series([pd.Timestamp(date)])).iloc[0] == start_year


def test_quarters():
    dates = pd.Series(pd.to_datetime(["2024-04-01", "2024-06-30", "2024-07-01", "2024-12-31", "2025-01-01", "2025-03-31"]))
    assert list(financial_quarter(dates)) == ["Q1", "Q1", "Q2", "Q3", "Q4", "Q4"]


def test_age_in_years_birthday_boundary():
    dob = pd.Series(pd.to_datetime(["2000-03-31", "2000-04-01", "2000-02-29"]))
    ages = age_in_years(dob, pd.Timestamp("2018-03-31"))
    # birthday on the day counts; the day before does not; leap-day birthdays reach age on 1 March
    assert list(ages) == [18, 17, 18]


def test_age_bands_edges():
    bands = age_band(pd.Series([14, 15, 17, 18, 64, 65, None]))
    assert list(bands.astype(object)[:6]) == ["Under 15", "15-17", "15-17", "18-24", "55-64", "65 and over"]
    assert pd.isna(bands.iloc[6])
