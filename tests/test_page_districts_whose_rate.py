"""The Districts page says whose its rate is: the people of the rate's ages among all people in treatment."""

from __future__ import annotations

import datetime as dt

from tests.apptest_support import shown_tables
from tests.test_page_districts_map import open_page
from tests.test_page_overview import latest_episode_ages


def test_the_districts_page_says_whose_rate_it_is():
    at = open_page(service="Young people")
    ages = latest_episode_ages(dt.date(2024, 4, 1), dt.date(2025, 3, 31), service="young_people")
    in_ages, everyone = int(ages.between(10, 19).sum()), len(ages)
    caption = next(c.value.replace("\\", "") for c in at.caption if "Partnership rate per 1,000" in c.value)
    partnership = next(d for d in shown_tables(at) if "Change in rate" in d.columns)
    rate = partnership[partnership["District"] == "Partnership"].iloc[0]["Rate per 1,000 2024/25"]
    # hand count from the demo Parquet: young people's service, aged 10-19 at triage of their latest episode
    assert caption.startswith(f"Partnership rate per 1,000 population: {rate} per 1,000 aged 10-19: "
                              f"{in_ages:,} of the {everyone:,} people in treatment.")
