"""The fact table's day counts are int16 (facts12, issue 12: two bytes a row each instead of four):
exact for every span of loaded dates (the loaders reject dates before 1990 or after today), and a span
that would not fit is refused, never wrapped round into a wrong figure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import cohorts, person_year
from analysis.dataset import load_demo
from analysis.filters import Filters
from analysis.periods import FinancialYear
from tests.factories import episodes

FY = FinancialYear(2024)  # 1 Apr 2024 - 31 Mar 2025


def test_day_counts_are_int16_and_exact_for_long_and_negative_spans():
    eps = episodes([
        # open since 1 Jan 1990 (the earliest date the loaders accept): 12,873 days to 31 March 2025
        {"client_id": "a", "episode_id": "1", "triage_date": "1990-01-01", "service": "adult"},
        # discharged in the year after 30 years
        {"client_id": "b", "episode_id": "2", "triage_date": "1994-06-01", "discharge_date": "2024-06-01"},
        # a discharge recorded before its triage: a negative span, kept as it is
        {"client_id": "c", "episode_id": "3", "triage_date": "2024-06-10", "discharge_date": "2024-06-01"},
    ])
    table = person_year.build(cohorts.prepare_episodes(eps), [FY])
    assert str(table["days_in_treatment"].dtype) == "int16" and str(table["exit_days"].dtype) == "Int16"
    chosen = person_year.select(table, FY, Filters()).set_index("person")
    assert chosen["days_in_treatment"].tolist() == [12_873, 10_958, -9]
    assert chosen["exit_days"].tolist() == [pd.NA, 10_958, -9]
    weeks = person_year.time_in_treatment(chosen)["weeks"].tolist()
    assert weeks == [12_873 / 7, 10_958 / 7, -9 / 7]


def test_a_span_that_does_not_fit_is_refused_not_wrapped():
    eps = episodes([{"client_id": "a", "episode_id": "1", "triage_date": "1900-01-01"}])  # never loaded
    with pytest.raises(ValueError, match="days between an episode's dates"):
        person_year.build(cohorts.prepare_episodes(eps), [FY])
    assert person_year._small_days(np.array([32_767, -32_767])).tolist() == [32_767, -32_767]


def test_the_demo_table_s_day_counts_equal_the_wider_ones():
    data = load_demo()
    table = person_year.build(data.episodes, data.years, data.substances)
    episodes_ = data.episodes
    end = np.array([np.datetime64(FinancialYear(int(y)).end) for y in table["year"]])
    rows = table["episode_row"].to_numpy()
    finish = episodes_["episode_end"].to_numpy()[rows]
    triage = episodes_["triage_date"].to_numpy()[rows]
    wide = (np.where(finish <= end, finish, end) - triage) // np.timedelta64(1, "D")
    assert np.array_equal(table["days_in_treatment"].to_numpy(dtype=np.int64), wide)
    assert int(np.abs(wide).max()) < person_year.MOST_DAYS
