"""The shared filters (service, age band, sex, district) and how they select people."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.codes import ADULTS, YOUNG_PEOPLE

#: Value of a filter that selects everything.
ALL = "All"
#: Label of people whose district is missing or not a district of the partnership.
NOT_KNOWN = "Not known"
SERVICES = (ALL, YOUNG_PEOPLE, ADULTS)

#: Age range of the population denominator for each service (GLOSSARY "Rate per 1,000").
#: Young people's services use 10-19 and adult services 18-64; "All" uses 10-64.
SERVICE_AGE_RANGE: dict[str, tuple[int, int]] = {
    YOUNG_PEOPLE: (10, 19),
    ADULTS: (18, 64),
    ALL: (10, 64),
}


def default_service(services_in_data: list[str] | pd.Series) -> str:
    """The service the filter starts on: the only service in the data when there is just one
    (so young people's data alone default to the young people's service and its rate ages,
    10-19), else ``ALL``."""
    present = [service for service in (YOUNG_PEOPLE, ADULTS) if service in set(pd.Series(services_in_data).dropna())]
    return present[0] if len(present) == 1 else ALL


@dataclass(frozen=True)
class Filters:
    """A selection of people: service, age band, sex and district (each ``ALL`` for everyone).

    ``service`` is applied to episodes (a person seen by both services counts in each);
    ``age_band``, ``sex`` and ``district`` are applied to the person, whose attributes
    come from their latest episode in the measure's cohort.
    """

    service: str = ALL
    age_band: str = ALL
    sex: str = ALL
    district: str = ALL

    def describe(self, district_names: dict[str, str] | None = None) -> str:
        """A short phrase naming the selection, e.g. 'young people, aged 15-17, female, Oxford'."""
        parts = ["all services" if self.service == ALL else self.service.lower()]
        if self.age_band != ALL:
            parts.append(f"aged {self.age_band.lower()}")
        if self.sex != ALL:
            parts.append(self.sex.lower())
        if self.district != ALL:
            name = (district_names or {}).get(self.district, self.district)
            parts.append("district not known" if self.district == NOT_KNOWN else name)
        return ", ".join(parts)


def select_service(episodes: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """Episodes of the selected service (all episodes when the service filter is ``ALL``)."""
    if filters.service == ALL:
        return episodes
    return episodes[episodes["service_group"] == filters.service]


def select_people(people: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """People matching the age band, sex and district filters."""
    mask = pd.Series(True, index=people.index)
    if filters.age_band != ALL:
        mask &= people["age_band"] == filters.age_band
    if filters.sex != ALL:
        mask &= people["sex_group"] == filters.sex
    if filters.district != ALL:
        mask &= people["district"] == filters.district
    return people[mask]
