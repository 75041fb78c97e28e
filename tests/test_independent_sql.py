"""Headline figures recomputed independently: SQL over the demo Parquet files, written from
docs/GLOSSARY.md and the data contract (data/README.md) alone, never from analysis/ code, against
the Overview page model's figures (``analysis.views.overview.headline``, the rows its tiles show)
for every year, service, sex and district.

Definitions used (GLOSSARY), in SQL below:
- In treatment during the year: a person with an episode triaged on or before 31 March and
  discharged never or on or after 1 April; people, not episodes. The service filter picks the
  episodes; a person's sex, district and age come from their latest episode (by triage date)
  in the year within the selected service.
- Rate per 1,000: people in treatment aged (at triage of that latest episode) 10-19 for young
  people, 18-64 for adults, 10-64 for all services / population of the same ages and sex in
  the same area from the mid-year estimate of the year's first calendar year x 1,000.
- In treatment on 31 March: an episode open that day (triage on or before it, discharge empty
  or after it).
- New presentation: triaged in the year with no episode, in any service, open at any time in
  the 12 months before that triage (a discharge exactly 12 months before counts as open).
- District: a district of the partnership (the districts table); any other or empty code is
  "Not known", which has no population.
Board suppression: a count of 1 to 4 is hidden (the page model gives no number), and so is a
rate built on one.
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analysis.dataset import load_demo
from analysis.filters import Filters
from analysis.periods import FinancialYear, default_comparison
from analysis.views.overview import headline

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo"
#: Service filter -> the contract's service code (data/README.md "service").
SERVICE_CODES = {"All": None, "Young people": "young_people", "Adults": "adult"}
#: The rate's ages per service (GLOSSARY "Rate per 1,000").
RATE_AGES = {"All": (10, 64), "Young people": (10, 19), "Adults": (18, 64)}
#: Sex filter -> the contract's sex code (data/README.md "sex").
SEX_CODES = {"All": None, "Male": "M", "Female": "F"}
NOT_KNOWN = "Not known"

EPISODES_IN_SERVICE = """
    SELECT e.client_id, e.episode_id, e.sex, e.age_at_triage, e.triage_date, e.discharge_date,
           CASE WHEN d.district_code IS NULL THEN 'Not known' ELSE e.district_code END AS district
    FROM read_parquet($episodes) e LEFT JOIN read_parquet($districts) d ON e.district_code = d.district_code
    WHERE $service IS NULL OR e.service = $service
"""

# People in treatment during the year, each described by their latest episode in the year.
PEOPLE = f"""
WITH episodes AS ({EPISODES_IN_SERVICE}),
in_year AS (
    SELECT * FROM episodes
    WHERE triage_date <= $last_day AND (discharge_date IS NULL OR discharge_date >= $first_day)
),
people AS (
    SELECT *, row_number() OVER (PARTITION BY client_id ORDER BY triage_date DESC) AS latest
    FROM in_year
)
SELECT client_id, sex, district, age_at_triage FROM people WHERE latest = 1
"""

SELECTED = """
    ($sex IS NULL OR sex = $sex) AND ($district IS NULL OR district = $district)
"""

PEOPLE_IN_TREATMENT = f"SELECT count(*) FROM ({PEOPLE}) WHERE {SELECTED}"

RATE_NUMERATOR = f"SELECT count(*) FROM ({PEOPLE}) WHERE {SELECTED} AND age_at_triage BETWEEN $youngest AND $oldest"

RATE_DENOMINATOR = """
SELECT sum(population) FROM read_parquet($population)
WHERE year = $calendar_year AND age BETWEEN $youngest AND $oldest
  AND ($sex IS NULL OR sex = $sex) AND ($district IS NULL OR district_code = $district)
"""

# In treatment on 31 March: people with an episode open that day; described by their latest episode in the year.
SNAPSHOT = f"""
WITH episodes AS ({EPISODES_IN_SERVICE}),
open_people AS (
    SELECT DISTINCT client_id FROM episodes
    WHERE triage_date <= $last_day AND (discharge_date IS NULL OR discharge_date > $last_day)
)
SELECT count(*) FROM ({PEOPLE}) p JOIN open_people USING (client_id) WHERE {SELECTED}
"""

# New presentations: a triage in the year (selected service) with no episode of the person, in any
# service, open at any time in the 12 months before it.
NEW_PRESENTATIONS = f"""
WITH episodes AS ({EPISODES_IN_SERVICE}),
every_episode AS (SELECT client_id, episode_id, triage_date, discharge_date FROM read_parquet($episodes)),
triages AS (
    SELECT t.client_id, t.episode_id, t.triage_date FROM episodes t
    WHERE t.triage_date BETWEEN $first_day AND $last_day
      AND NOT EXISTS (
          SELECT 1 FROM every_episode o
          WHERE o.client_id = t.client_id AND o.episode_id <> t.episode_id
            AND o.triage_date < t.triage_date
            AND (o.discharge_date IS NULL OR o.discharge_date >= t.triage_date - INTERVAL 12 MONTH)
      )
),
new_people AS (SELECT DISTINCT client_id FROM triages)
SELECT count(*) FROM ({PEOPLE}) p JOIN new_people USING (client_id) WHERE {SELECTED}
"""


@pytest.fixture(scope="module")
def connection():
    with duckdb.connect() as con:
        yield con


@pytest.fixture(scope="module")
def demo():
    return load_demo()


def run(con, sql: str, fy: FinancialYear, service: str, sex: str, district: str, **extra) -> float | None:
    """One number from the SQL for a year and selection (only the parameters the SQL uses are passed)."""
    values = {
        "episodes": str(DEMO / "episodes.parquet"), "districts": str(DEMO / "districts.parquet"),
        "population": str(DEMO / "population.parquet"),
        "first_day": fy.start.date(), "last_day": fy.end.date(), "calendar_year": fy.start_year,
        "service": SERVICE_CODES[service], "sex": SEX_CODES[sex], "district": None if district == "All" else district,
        **extra,
    }
    used = {name: value for name, value in values.items() if f"${name}" in sql}
    result = con.execute(sql, used).fetchone()[0]
    return None if result is None else float(result)


def shown_count(row: pd.Series) -> float | None:
    return None if pd.isna(row["count"]) else float(row["count"])


def assert_count_shown(model: pd.Series, expected: float, what: str) -> None:
    """The page model shows the independent count, or hides it exactly when it is 1 to 4."""
    if 0 < expected < 5:
        assert bool(model["suppressed"]) and shown_count(model) is None, f"{what}: {expected:.0f} must be hidden"
    else:
        assert shown_count(model) == expected, f"{what}: page model {model['count']}, SQL {expected:.0f}"


def selections(data) -> list[tuple[str, str, str]]:
    districts = ["All", *data.district_names, NOT_KNOWN]
    return [(service, sex, district) for service in SERVICE_CODES for sex in SEX_CODES for district in districts]


def test_people_in_treatment_and_rate_per_1000_for_every_year_service_sex_and_district(connection, demo):
    checked = 0
    for fy in demo.years:
        comparison = default_comparison(fy, demo.years)
        for service, sex, district in selections(demo):
            filters = Filters(service=service, sex=sex, district=district)
            what = f"{fy.label}, {filters.describe(demo.district_names)}"
            people = run(connection, PEOPLE_IN_TREATMENT, fy, service, sex, district)
            assert_count_shown(headline(demo, "people_in_treatment", fy, comparison, filters).iloc[0], people,
                               f"people in treatment, {what}")

            youngest, oldest = RATE_AGES[service]
            ages = dict(youngest=youngest, oldest=oldest)
            numerator = run(connection, RATE_NUMERATOR, fy, service, sex, district, **ages)
            population = None if district == NOT_KNOWN else run(connection, RATE_DENOMINATOR, fy, service, sex,
                                                                 district, **ages)
            rate = headline(demo, "rate_per_1000", fy, comparison, filters).iloc[0]
            assert_count_shown(rate, numerator, f"rate numerator, {what}")
            if population is None:
                assert math.isnan(rate["value"]), f"{what}: no population, so no rate"
            else:
                assert rate["denominator"] == population, f"rate denominator, {what}"
                if not 0 < numerator < 5:
                    assert rate["value"] == pytest.approx(numerator / population * 1000, rel=1e-12), what
            checked += 1
    assert checked == len(demo.years) * 3 * 3 * (len(demo.district_names) + 2)


@pytest.mark.parametrize("indicator, sql", [("snapshot", SNAPSHOT), ("new_presentations", NEW_PRESENTATIONS)])
def test_in_treatment_on_31_march_and_new_presentations(connection, demo, indicator, sql):
    """Every year and service, by each sex (all districts) and each district (both sexes)."""
    districts = ["All", *demo.district_names, NOT_KNOWN]
    for fy in demo.years:
        comparison = default_comparison(fy, demo.years)
        for service in SERVICE_CODES:
            for sex, district in [(sex, "All") for sex in SEX_CODES] + [("All", d) for d in districts[1:]]:
                filters = Filters(service=service, sex=sex, district=district)
                expected = run(connection, sql, fy, service, sex, district)
                assert_count_shown(headline(demo, indicator, fy, comparison, filters).iloc[0], expected,
                                   f"{indicator}, {fy.label}, {filters.describe(demo.district_names)}")


def test_the_sql_counts_what_the_glossary_says_on_a_known_case(connection):
    """The SQL itself checked on the published example of the issue: 2024/25, all services."""
    fy = FinancialYear(2024)
    assert run(connection, PEOPLE_IN_TREATMENT, fy, "All", "All", "All") == 3028
    assert run(connection, RATE_NUMERATOR, fy, "All", "All", "All", youngest=10, oldest=64) == 2935
