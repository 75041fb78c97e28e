"""Unmet need against prevalence, hand-computed."""

import numpy as np
import pandas as pd
import pytest

from analysis import dataset as ds
from analysis.periods import FinancialYear
from analysis.unmet_need import band_status, estimate_year, matching_band, unmet_need, unmet_need_sentence
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


def banded_data(bands: tuple[str, ...]) -> ds.Dataset:
    """Six people aged 16, 20, 24, 25, 40 and 70, all using heroin, one estimate per band."""
    ages = [16, 20, 24, 25, 40, 70]
    eps = episodes([{"client_id": str(i), "episode_id": str(i), "triage_date": "2024-05-01", "age_at_triage": age,
                     "service": "young people" if age < 18 else "adult"} for i, age in enumerate(ages)]
                   + [{"client_id": f"x{i}", "episode_id": f"x{i}", "triage_date": "2024-05-01", "age_at_triage": 22}
                      for i in range(5)])
    subs = substances([(str(i), 1, "heroin") for i in range(len(ages))] + [(f"x{i}", 1, "heroin") for i in range(5)])
    prevalence = pd.DataFrame([{"substance_group": "Opiates and/or crack (OCU)", "year": 2024, "age_band": band,
                                "estimate": 40.0, "lower": 20.0, "upper": 80.0} for band in bands])
    return ds.from_tables({"episodes": eps, "substances": subs, "referrals": pd.DataFrame(),
                           "districts": pd.DataFrame({"district_code": ["E07000178"], "district_name": ["Oxford"]}),
                           "population": pd.DataFrame(), "prevalence": prevalence}, label="t", version="t")


@pytest.mark.parametrize("bands, service, expected", [
    (["15-64", "15-24", "25-34", "35-64"], "Young people", "15-24"),
    (["15-64", "15-24", "25-34", "35-64"], "Adults", "15-64"),
    (["15-64", "15-24", "25-34", "35-64"], "All", "15-64"),
    (["15-17", "15-24", "18-64"], "Young people", "15-24"),   # the widest young people's band
    (["10-70", "15-64"], "Adults", "15-64"),                  # the narrowest whole-adult band
    (["15-64"], "Young people", None),                        # an adult band is not the young people's
    (["15-24", "25-34"], "Adults", None),                     # nor is one age group the adults'
])
def test_matching_band(bands, service, expected):
    assert matching_band(bands, service) == expected


def test_young_people_use_the_15_to_24_estimate_with_its_interval():
    data = banded_data(("15-64", "15-24"))
    band, missing = band_status(data.prevalence, "Young people")
    assert (band, missing) == ("15-24", None)
    row = unmet_need(data, fy=FY, age_band=band).iloc[0]
    # people in treatment aged 15-24, any service: ages 16, 20, 24 and the five aged 22 = 8
    # 1 - 8/40 = 80%; at the estimate's lower limit 1 - 8/20 = 60%; upper 1 - 8/80 = 90%
    assert row["count"] == 8 and row["age_band"] == "15-24"
    assert (row["unmet"], row["unmet_lower"], row["unmet_upper"]) == pytest.approx((80.0, 60.0, 90.0))
    sentence = unmet_need_sentence(unmet_need(data, fy=FY, age_band=band), FY)
    assert "aged 15-24" in sentence and "80%" in sentence and "60% to 90%" in sentence


def test_when_no_loaded_band_matches_say_which_are_loaded():
    data = banded_data(("15-64", "25-34"))
    band, missing = band_status(data.prevalence, "Young people")
    assert band is None
    assert missing == ("No prevalence estimate matches the young people's service (a band within ages 10-24, "
                       "e.g. 15-24); estimates are loaded for ages 15-64, 25-34, so unmet need cannot be shown "
                       "for this selection.")
    assert unmet_need(data, fy=FY, age_band=band).empty
    assert unmet_need_sentence(unmet_need(data, fy=FY, age_band=band), FY, missing) == missing
    assert band_status(None, "Adults") == (None, "No prevalence estimates are loaded, so unmet need cannot be shown.")


def test_the_sentence_keeps_the_abbreviation_in_capitals():
    sentence = unmet_need_sentence(unmet_need(make_data(40), fy=FY), FY)
    assert sentence.startswith("An estimated 60% of people using opiates and/or crack (OCU) aged 15-64 were not in "
                               "treatment in 2024/25 (40 in treatment against an estimated 100; range 50% to 68%")
