"""Financial years, quarters, ages and age bands: the time and age arithmetic every measure shares."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

#: The financial year starts on 1 April (GLOSSARY "Financial year").
FY_START_MONTH = 4


@dataclass(frozen=True, order=True)
class FinancialYear:
    """A financial year, 1 April to 31 March, named by the calendar year it starts in."""

    start_year: int

    @property
    def label(self) -> str:
        """Label as written in reports, e.g. ``2024/25``."""
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    @property
    def start(self) -> pd.Timestamp:
        """First day: 1 April of ``start_year``."""
        return pd.Timestamp(self.start_year, FY_START_MONTH, 1)

    @property
    def end(self) -> pd.Timestamp:
        """Last day: 31 March of the following calendar year (the snapshot date)."""
        return pd.Timestamp(self.start_year + 1, 3, 31)

    @property
    def previous(self) -> FinancialYear:
        return FinancialYear(self.start_year - 1)

    @classmethod
    def from_label(cls, label: str) -> FinancialYear:
        """Parse ``2024/25`` (or ``2024``) into a financial year."""
        text = str(label).strip()
        first = int(text.split("/")[0])
        fy = cls(first)
        if "/" in text and fy.label != text:
            raise ValueError(f"'{label}' is not a financial year label like '{fy.label}'")
        return fy

    @classmethod
    def containing(cls, date: pd.Timestamp) -> FinancialYear:
        """The financial year a date falls in (31 March belongs to the year ending then)."""
        date = pd.Timestamp(date)
        return cls(date.year if date.month >= FY_START_MONTH else date.year - 1)

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class NoComparison:
    """Stands in for the comparison year when the selected year is the earliest in the data
    (GLOSSARY "Previous year / comparison year": there is no comparison, and the page says so).
    It is false in a test (``if comparison:``), and its label is what the page says instead of a year.
    ``analysis.yoy`` gives it no values, so tiles show no change and charts one year."""

    label: str = "no earlier year in the data"

    def __bool__(self) -> bool:
        return False

    def __str__(self) -> str:
        return self.label


#: The one "no comparison year" value (see ``NoComparison``).
NO_COMPARISON = NoComparison()
#: A selected year or its comparison: a financial year, or ``NO_COMPARISON``.
Comparison = FinancialYear | NoComparison


def default_comparison(fy: FinancialYear, years: list[FinancialYear]) -> Comparison:
    """The comparison year by default: the latest year in ``years`` before ``fy`` (the year before
    it when the data hold it), or ``NO_COMPARISON`` when ``fy`` is the earliest. Never a later year."""
    earlier = [year for year in years if year < fy]
    return max(earlier) if earlier else NO_COMPARISON


def resolve_years(years: list[FinancialYear], year: str | None, comparison: str | None) -> tuple[FinancialYear, Comparison]:
    """The selected year and comparison year from two labels (from the URL or the sidebar):
    the year if the data hold it, else the latest; the comparison if it is a year of the data
    before the selected one, else the default (``default_comparison``). ``years`` must not be empty."""
    if not years:
        raise ValueError("There are no financial years in the data to select from.")
    by_label = {fy.label: fy for fy in years}
    chosen = by_label.get(str(year)) if year is not None else None
    chosen = chosen or max(years)
    compared = by_label.get(str(comparison)) if comparison is not None else None
    if compared is None or not compared < chosen:
        return chosen, default_comparison(chosen, years)
    return chosen, compared


def financial_year_start(dates: pd.Series) -> pd.Series:
    """Start year of the financial year each date falls in (missing dates give missing)."""
    dates = pd.to_datetime(dates)
    years = dates.dt.year - (dates.dt.month < FY_START_MONTH).astype("Int64")
    return years.astype("Int64")


def financial_quarter(dates: pd.Series) -> pd.Series:
    """Financial quarter of each date: Q1 Apr-Jun, Q2 Jul-Sep, Q3 Oct-Dec, Q4 Jan-Mar."""
    dates = pd.to_datetime(dates)
    quarter = ((dates.dt.month - FY_START_MONTH) % 12) // 3 + 1
    return ("Q" + quarter.astype("Int64").astype("string")).astype("string")


def financial_years_between(first: pd.Timestamp, last: pd.Timestamp) -> list[FinancialYear]:
    """Every financial year from the one containing ``first`` to the one containing ``last``."""
    a, b = FinancialYear.containing(first), FinancialYear.containing(last)
    return [FinancialYear(y) for y in range(a.start_year, b.start_year + 1)]


def age_in_years(date_of_birth: pd.Series, at: pd.Timestamp | pd.Series) -> pd.Series:
    """Age in completed years on ``at``: a birthday on ``at`` counts as reached."""
    dob = pd.to_datetime(date_of_birth)
    at = pd.to_datetime(at)
    at_year = at.dt.year if isinstance(at, pd.Series) else at.year
    at_month = at.dt.month if isinstance(at, pd.Series) else at.month
    at_day = at.dt.day if isinstance(at, pd.Series) else at.day
    before_birthday = (at_month < dob.dt.month) | ((at_month == dob.dt.month) & (at_day < dob.dt.day))
    return (at_year - dob.dt.year - before_birthday.astype("Int64")).astype("Int64")


#: Age bands used on every page: (label, youngest, oldest). Chosen so the young people's
#: service (under 18) and the adult bands of NDTMS reports are both visible.
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("Under 15", 0, 14),
    ("15-17", 15, 17),
    ("18-24", 18, 24),
    ("25-34", 25, 34),
    ("35-44", 35, 44),
    ("45-54", 45, 54),
    ("55-64", 55, 64),
    ("65 and over", 65, 200),
)
AGE_BAND_LABELS = [label for label, _, _ in AGE_BANDS]


def age_band(ages: pd.Series) -> pd.Series:
    """Age band of each age in years (see ``AGE_BANDS``); missing ages give missing."""
    edges = [lo for _, lo, _ in AGE_BANDS] + [AGE_BANDS[-1][2] + 1]
    values = pd.to_numeric(ages, errors="coerce").astype("float64")
    return pd.Series(
        pd.cut(values, bins=edges, right=False, labels=AGE_BAND_LABELS),
        index=ages.index,
        name="age_band",
    )


def age_band_range(label: str) -> tuple[int, int]:
    """Youngest and oldest age of a band label."""
    for name, lo, hi in AGE_BANDS:
        if name == label:
            return lo, hi
    raise ValueError(f"Unknown age band '{label}'; use one of {', '.join(AGE_BAND_LABELS)}")


def weeks_between(start: pd.Series, end: pd.Series | pd.Timestamp) -> pd.Series:
    """Whole and part weeks from ``start`` to ``end`` (days / 7)."""
    return (pd.to_datetime(end) - pd.to_datetime(start)).dt.days / 7.0


__all__ = [
    "AGE_BANDS",
    "AGE_BAND_LABELS",
    "Comparison",
    "FinancialYear",
    "NO_COMPARISON",
    "NoComparison",
    "age_band",
    "age_band_range",
    "age_in_years",
    "default_comparison",
    "financial_quarter",
    "financial_year_start",
    "financial_years_between",
    "resolve_years",
    "weeks_between",
]
