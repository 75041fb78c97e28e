"""People in treatment by district, with rates per 1,000 of the matching age group and sex.

Rate per 1,000 (GLOSSARY): people in treatment in the service's denominator age range
(``filters.SERVICE_AGE_RANGE``, narrowed by the age-band filter) / population of the same
ages and sex in the same district and year x 1,000. The population is the mid-year estimate
of the financial year's first calendar year (30 June 2024 for 2024/25); if that year is
missing, the latest earlier one is used and a warning says so.
"""

from __future__ import annotations

import warnings as _warnings

import numpy as np
import pandas as pd

from analysis import person_year
from analysis.dataset import Dataset
from analysis.filters import ALL, NOT_KNOWN, SERVICE_AGE_RANGE, Filters
from analysis.periods import FinancialYear, age_band_range
from analysis.summaries import format_value
from analysis.suppression import MIN_SHOWN_COUNT, SUPPRESSED
from analysis.yoy import PROPORTION, RATE, measure


class PopulationYearWarning(UserWarning):
    """The population estimate for the financial year was missing; an earlier one was used."""


def age_range(filters: Filters) -> tuple[int, int] | None:
    """Ages counted in a rate: the service's denominator range, narrowed by the age band.
    ``None`` when the band and the range do not overlap (no rate can be given)."""
    lo, hi = SERVICE_AGE_RANGE[filters.service]
    if filters.age_band != ALL:
        band_lo, band_hi = age_band_range(filters.age_band)
        lo, hi = max(lo, band_lo), min(hi, band_hi)
    return (lo, hi) if lo <= hi else None


def age_range_label(filters: Filters) -> str:
    """e.g. 'aged 18-64' for the rate's title."""
    ages = age_range(filters)
    return "no matching age group" if ages is None else f"aged {ages[0]}-{ages[1]}"


def whose_rate(rate: pd.Series, people: pd.Series, filters: Filters) -> str:
    """Whose rate a rate per 1,000 is (GLOSSARY "Rate per 1,000": every rate says whose rate it
    is), e.g. "5.7 per 1,000 aged 10-64: 2,935 of the 3,028 people in treatment".

    ``rate`` is a suppressed row of ``partnership_rate`` (its ``count`` is the people of the
    denominator ages), ``people`` the suppressed row of all people in treatment in the same
    selection (``profiles.people_in_treatment``). A count of 1 to 4 is shown as ``*``; so is the
    rate's count when the people outside the rate's ages (the difference) are 1 to 4, since the
    two counts side by side would give them away."""
    ages = age_range_label(filters)
    if pd.isna(rate.get("value")):
        value = SUPPRESSED if bool(rate.get("suppressed")) else "no rate (no population for these ages)"
    else:
        value = format_value(float(rate["value"]), RATE)
    numerator, everyone = rate.get("count"), people.get("count")
    outside = (float(everyone) - float(numerator)) if pd.notna(numerator) and pd.notna(everyone) else np.nan
    hide_numerator = pd.isna(numerator) or 0 < outside < MIN_SHOWN_COUNT
    shown_numerator = SUPPRESSED if hide_numerator else f"{float(numerator):,.0f}"
    shown_everyone = SUPPRESSED if pd.isna(everyone) else f"{float(everyone):,.0f}"
    return f"{value} {ages}: {shown_numerator} of the {shown_everyone} people in treatment"


def population_year(population: pd.DataFrame, fy: FinancialYear) -> tuple[int | None, str | None]:
    """The mid-year estimate to use for ``fy``: its first calendar year, or the latest earlier
    year held (with a warning message), or the earliest later year if nothing earlier exists."""
    years = sorted(int(y) for y in population["year"].dropna().unique())
    if not years:
        return None, "No population estimates are loaded, so no rates can be given."
    if fy.start_year in years:
        return fy.start_year, None
    earlier = [y for y in years if y < fy.start_year]
    chosen = earlier[-1] if earlier else years[0]
    return chosen, (f"No mid-year population estimate for {fy.start_year}; rates for {fy.label} use the "
                    f"{chosen} estimate instead.")


def population_by_district(population: pd.DataFrame, fy: FinancialYear, filters: Filters,
                           remembered: dict | None = None) -> pd.Series:
    """Population of the rate's ages and sex, by district code, for the year's estimate. With
    ``remembered`` (a dict kept with the data set, e.g. in ``Dataset.derived``) each estimate year,
    age range and sex is summed once per data set (hundreds of thousands of rows at national scale)."""
    year, message = population_year(population, fy)
    ages = age_range(filters)
    if year is None or ages is None:
        return pd.Series(dtype="float64")
    if message:
        _warnings.warn(message, PopulationYearWarning, stacklevel=2)
    key = (year, ages, filters.sex)
    if remembered is not None and key in remembered:
        return remembered[key].copy()
    pop = population[(population["year"] == year) & population["age"].between(*ages)]
    if filters.sex != ALL:
        pop = pop[pop["sex_group"] == filters.sex]
    result = pop.groupby("district_code", observed=True)["population"].sum().astype("float64")
    if remembered is not None:
        remembered[key] = result.copy()
    return result


def _district_population(data: Dataset, fy: FinancialYear, filters: Filters) -> pd.Series:
    """``population_by_district`` of the data set's population, summed once per data set."""
    return population_by_district(data.population, fy, filters,
                                  remembered=data.derived.setdefault("population_by_district", {}))


def _districts_in_rate_ages(data: Dataset, fy: FinancialYear, filters: Filters) -> pd.Series:
    """The district of each person in treatment in the rate's ages at triage of their describing
    episode (fact table rows; only the district column is taken)."""
    people = person_year.rows(data, fy, filters)
    ages = age_range(filters)
    if ages is None:
        return people["district"].iloc[0:0]
    return people["district"][people["age"].between(*ages).fillna(False).to_numpy(dtype=bool)]


def people_by_district(data: Dataset, *, fy: FinancialYear, filters: Filters = Filters()) -> pd.DataFrame:
    """People in treatment (in the rate's ages) per district, with the district population as
    denominator, plus a "Not known" row (no denominator) for people with no known district.
    The district filter is ignored here: every district is shown so they can be compared."""
    every_district = Filters(filters.service, filters.age_band, filters.sex, ALL)
    counts = _districts_in_rate_ages(data, fy, every_district).value_counts()  # a category column: on its codes
    population = _district_population(data, fy, every_district)
    names = data.district_names
    out = pd.DataFrame({"district_code": list(names)})
    out["district"] = out["district_code"].map(names)
    out["count"] = [int(counts.get(code, 0)) for code in out["district_code"]]
    out["denominator"] = out["district_code"].map(population).astype("float64")
    not_known = pd.DataFrame({"district_code": [NOT_KNOWN], "district": [NOT_KNOWN],
                              "count": [int(counts.get(NOT_KNOWN, 0))], "denominator": [np.nan]})
    out = pd.concat([out, not_known], ignore_index=True)
    return measure(out, RATE, label=f"People in treatment per 1,000 population {age_range_label(filters)}")


def partnership_rate(data: Dataset, *, fy: FinancialYear, filters: Filters = Filters()) -> pd.DataFrame:
    """Rate per 1,000 for the selection: people in the rate's ages (including those whose
    district is not known, who live in the partnership area) / population of those ages.
    With a district selected, that district alone (its "not known" people are not in it)."""
    people = _districts_in_rate_ages(data, fy, filters)
    population = _district_population(data, fy, filters)
    if filters.district != ALL:
        population = population.reindex([filters.district])
    denominator = float(population.sum()) if population.notna().any() else np.nan
    frame = pd.DataFrame({"count": [len(people)], "denominator": [denominator]})
    return measure(frame, RATE, label=f"People in treatment per 1,000 population {age_range_label(filters)}")


def _area_text(values: pd.Series) -> pd.Series:
    """Area codes as shown: the text stripped, and "Not known" where empty or missing."""
    return values.astype("string").str.strip().replace("", pd.NA).fillna(NOT_KNOWN)


def _area_counts(values: pd.Series) -> pd.Series:
    """People per area as shown (``_area_text``), most first, ties in the order first seen (what
    ``value_counts`` gives). A category column is worked out per category and counted on its codes,
    not as text per person (hundreds of thousands at national scale)."""
    if not isinstance(values.dtype, pd.CategoricalDtype):
        return _area_text(values).value_counts()
    shown = _area_text(pd.Series(values.dtype.categories, dtype=object)).tolist() + [NOT_KNOWN]  # last: missing
    per_category, areas = pd.factorize(np.array(shown, dtype=object))
    codes = values.array.codes
    area = per_category[np.where(codes >= 0, codes, len(shown) - 1)]
    counts = np.bincount(area, minlength=len(areas))
    first = np.full(len(areas), len(area))
    np.minimum.at(first, area, np.arange(len(area)))
    seen = np.flatnonzero(counts > 0)
    seen = seen[np.argsort(first[seen], kind="stable")]
    by_first_seen = pd.Series(counts[seen], index=pd.Index(areas[seen], dtype="string"), name="count")
    return by_first_seen.sort_values(ascending=False, kind="stable")


def people_by_area(
    data: Dataset, area_column: str, *, fy: FinancialYear, filters: Filters = Filters()
) -> pd.DataFrame:
    """People in treatment (all ages in the selection) by a finer area the episodes carry
    (``ward_code`` or ``postcode_district``), "Not known" where missing. No population is
    held at this level, so counts only (as % of people in treatment)."""
    people = person_year.rows(data, fy, filters)
    counts = _area_counts(people[area_column])
    out = pd.DataFrame({"area": counts.index.astype(str), "count": counts.to_numpy().astype(int)})
    out = out.sort_values(["area"], key=lambda s: s == NOT_KNOWN).reset_index(drop=True)
    out["denominator"] = len(people)
    return measure(out, PROPORTION, label=f"People in treatment by {area_column.replace('_', ' ')}")
