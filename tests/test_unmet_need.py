"""Unmet need against prevalence, hand-computed."""

import numpy as np
import pandas as pd
import pytest

from analysis import dataset as ds
from analysis.periods import FinancialYear
from analysis.unmet_need import estimate_year, unmet_need, unmet_need_sentence
from tests.factories import episodes, substances

FY = FinancialYear(2024)


def make_data(people: int, years=(2024,)) -> ds.Dataset:
    eps = episodes([{"client_id": str(i), "episode_id": str(i), "triage_date": "2024-05-01", "age_at_triage": 40}
                    for i in range(people)] + [
        {"client_id": "old", "episode_id": "old", "triage_date": "2024-05-01", "age_at_triage": 70}])
    subs = substances([(str(i), 1, "heroin" if i % 2 else "crack") for i in range(people)] + [("old", 1, "heroin")])
    prevalence = pd.DataFrame([{"substance_group": g, "year": y, "age_band": "15-64", "estimate": 100.0,
                                "lower": 80.0, "upper": 125.0}
                               for y in years for g in ("Opiates and/or crack (OCU)", "Opiates")])
    return ds.from_tables({"episodes": eps, "substances": subs, "referrals": pd.DataFrame(),
                           "districts": pd.DataFrame({"district_code": ["E07000178"], "district_name": ["Oxford"]}),
                           "population": pd.DataFrame(), "prevalence": prevalence}, label="t", version="t")


def test_unmet_need_with_interval_from_the_estimate():
    result = unmet_need(make_data(40), fy=FY).set_index("substance_group")
    ocu = result.loc["Opiates and/or crack (OCU)"]
    # 40 people aged 15-64 (the 70-year-old is outside the band): 1 - 40/100 = 60%; 1 - 40/80 = 50%; 1 - 40/125 = 68%
    assert ocu["count"] == 40
    assert (ocu["unmet"], ocu["unmet_lower"], ocu["unmet_upper"]) == pytest.approx((60.0, 50.0, 68.0))
    opiates = result.loc["Opiates"]
    assert opiates["count"] == 20 and opiates["unmet"] == pytest.approx(80.0)
    assert "60%" in unmet_need_sentence(result.reset_index(), FY)


def test_small_counts_suppressed_and_earlier_estimate_noted():
    result = unmet_need(make_data(3, years=(2022,)), fy=FY)
    assert result["suppressed"].all() and np.isnan(result["unmet"]).all()
    assert estimate_year(make_data(3, years=(2022,)).prevalence, FY) == (
        2022, "No prevalence estimate for 2024; 2024/25 uses the 2022 estimate.")
    assert "fewer than 5" in unmet_need_sentence(result, FY)
