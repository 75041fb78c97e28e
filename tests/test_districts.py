"""District rates per 1,000: numerator and denominator of the same ages and sex, hand-computed."""

import warnings

import numpy as np
import pandas as pd
import pytest

from analysis import dataset as ds
from analysis import districts, profiles
from analysis.codes import map_codes
from analysis.filters import NOT_KNOWN, Filters
from analysis.periods import FinancialYear
from analysis.yoy import with_intervals
from tests.factories import episodes, substances

FY = FinancialYear(2024)


def population(years=(2024,)) -> pd.DataFrame:
    rows = []
    for year in years:
        for code in ("A", "B"):
            for sex in ("M", "F"):
                for age in range(0, 91):
                    rows.append({"district_code": code, "year": year, "sex": sex, "age": age, "population": 100})
    frame = pd.DataFrame(rows)
    frame["sex_group"] = map_codes(frame["sex"], "sex")
    return frame


def make_data(pop: pd.DataFrame) -> ds.Dataset:
    eps = episodes([
        {"client_id": "1", "episode_id": "1", "triage_date": "2024-05-01", "district_code": "A", "age_at_triage": 30},
        {"client_id": "2", "episode_id": "2", "triage_date": "2024-05-01", "district_code": "A", "age_at_triage": 70},
        {"client_id": "3", "episode_id": "3", "triage_date": "2024-05-01", "district_code": "B", "age_at_triage": 40,
         "sex": "F"},
        {"client_id": "4", "episode_id": "4", "triage_date": "2024-05-01", "district_code": "", "age_at_triage": 25},
        {"client_id": "5", "episode_id": "5", "triage_date": "2024-05-01", "district_code": "ZZ", "age_at_triage": 25},
    ])
    tables = {"episodes": eps, "substances": substances([]), "referrals": pd.DataFrame(),
              "districts": pd.DataFrame({"district_code": ["A", "B"], "district_name": ["Alpha", "Beta"]}),
              "population": pop}
    return ds.from_tables(tables, label="test", version="t")


def test_rates_by_district_match_hand_computation():
    data = make_data(population())
    result = districts.people_by_district(data, fy=FY, filters=Filters(service="Adults")).set_index("district_code")
    # adults' denominator ages 18-64: 47 ages x 2 sexes x 100 = 9,400 per district
    assert result.loc["A", "count"] == 1  # the 70-year-old is outside 18-64
    assert result.loc["A", "denominator"] == 9400
    assert result.loc["B", "count"] == 1
    # an empty district and a code outside the partnership are both "not known"
    assert result.loc[NOT_KNOWN, "count"] == 2
    assert np.isnan(result.loc[NOT_KNOWN, "denominator"])
    rates = with_intervals(districts.people_by_district(data, fy=FY, filters=Filters(service="Adults")))
    assert rates.loc[0, "value"] == pytest.approx(1 / 9400 * 1000)


def test_partnership_rate_counts_not_known_and_matches_sex():
    data = make_data(population())
    total = districts.partnership_rate(data, fy=FY, filters=Filters(service="Adults"))
    assert total.loc[0, "count"] == 4  # 30, 40, 25, 25 year olds (the 70-year-old is outside 18-64)
    assert total.loc[0, "denominator"] == 2 * 9400
    female = districts.partnership_rate(data, fy=FY, filters=Filters(service="Adults", sex="Female"))
    assert (female.loc[0, "count"], female.loc[0, "denominator"]) == (1, 9400)
    banded = districts.partnership_rate(data, fy=FY, filters=Filters(service="Adults", age_band="25-34"))
    assert (banded.loc[0, "count"], banded.loc[0, "denominator"]) == (3, 2 * 2 * 10 * 100)


def test_missing_population_year_uses_latest_earlier_with_warning():
    data = make_data(population(years=(2021, 2022)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        total = districts.partnership_rate(data, fy=FY, filters=Filters(service="Adults"))
    assert total.loc[0, "denominator"] == 2 * 9400
    assert any("2022 estimate" in str(w.message) for w in caught)
    assert districts.population_year(data.population, FY) == (
        2022, "No mid-year population estimate for 2024; rates for 2024/25 use the 2022 estimate instead.")


def test_age_band_outside_service_range_gives_no_rate():
    data = make_data(population())
    assert districts.age_range(Filters(service="Young people", age_band="55-64")) is None
    result = districts.partnership_rate(data, fy=FY, filters=Filters(service="Young people", age_band="55-64"))
    assert result.loc[0, "count"] == 0 and np.isnan(result.loc[0, "denominator"])


def rate_row(count, value, suppressed=False):
    return pd.Series({"count": count, "value": value, "suppressed": suppressed})


@pytest.mark.parametrize("rate, people, filters, expected", [
    (rate_row(2935.0, 5.7049), pd.Series({"count": 3028.0}), Filters(),
     "5.7 per 1,000 aged 10-64: 2,935 of the 3,028 people in treatment"),
    (rate_row(308.0, 3.66), pd.Series({"count": 345.0}), Filters(service="Young people"),
     "3.7 per 1,000 aged 10-19: 308 of the 345 people in treatment"),
    # 3 people outside the rate's ages: the two counts side by side would reveal them, so the rate's count is hidden
    (rate_row(100.0, 2.0), pd.Series({"count": 103.0}), Filters(service="Adults"),
     "2.0 per 1,000 aged 18-64: * of the 103 people in treatment"),
    # a rate on 1-4 people is suppressed with its count (board.suppress_comparison), and so is a count of 1-4 people
    (rate_row(np.nan, np.nan, suppressed=True), pd.Series({"count": np.nan}), Filters(sex="Female"),
     "* aged 10-64: * of the * people in treatment"),
    (rate_row(0.0, 0.0), pd.Series({"count": 0.0}), Filters(), "0.0 per 1,000 aged 10-64: 0 of the 0 people in treatment"),
])
def test_every_rate_says_whose_rate_it_is(rate, people, filters, expected):
    assert districts.whose_rate(rate, people, filters) == expected


def test_whose_rate_counts_are_the_rate_numerator_and_all_people_in_treatment():
    data = make_data(population())
    rate = with_intervals(districts.partnership_rate(data, fy=FY, filters=Filters(service="Adults"))).iloc[0]
    everyone = profiles.people_in_treatment(data, fy=FY, filters=Filters(service="Adults")).iloc[0]
    # five adults in treatment; aged 18-64: all but the 70-year-old = 4 (so the 1 outside would show: hidden);
    # population 18-64 of both districts: 2 x 9,400 = 18,800; 4 / 18,800 x 1,000 = 0.2
    assert (rate["count"], everyone["count"]) == (4, 5)
    assert districts.whose_rate(rate, everyone, Filters(service="Adults")) == (
        "0.2 per 1,000 aged 18-64: * of the 5 people in treatment")


def test_area_counts_on_categories_equal_counting_the_text():
    """People per ward or postcode district: a category column is counted per category, with the same
    areas, counts and order as counting the stripped text (empty or missing -> "Not known")."""
    from analysis.districts import _area_counts, _area_text

    values = pd.Series(pd.Categorical(["E05 ", "E06", None, "E05", "", "E06", "E07", "E07"],
                                      categories=["", "E05", "E05 ", "E06", "E07"]))
    counts = _area_counts(values)
    # by hand: E05 2 (first at row 0), E06 2 (row 1), Not known 2 (row 2), E07 2 (row 6): ties as first seen
    assert list(counts.index) == ["E05", "E06", "Not known", "E07"] and list(counts) == [2, 2, 2, 2]
    rng = np.random.default_rng(7)
    for _ in range(200):
        categories = sorted(set(rng.choice(["A1", " A1", "B2 ", "", " ", "C3", "X"], size=int(rng.integers(1, 6)))))
        picked = rng.choice(categories + [None], size=int(rng.integers(0, 40)))
        column = pd.Series(pd.Categorical(picked, categories=categories))
        quick, by_text = _area_counts(column), _area_text(column).value_counts()
        assert list(quick.index) == list(by_text.index) and list(quick) == list(by_text)
