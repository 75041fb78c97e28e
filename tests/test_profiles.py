"""Profiles on hand-built data: people by attribute, substances (any mention / primary), referrals."""

import pandas as pd

from analysis import dataset as ds
from analysis import profiles
from analysis.codes import map_codes
from analysis.filters import Filters
from analysis.periods import FinancialYear
from tests.factories import episodes, substances

FY = FinancialYear(2024)


def make_data() -> ds.Dataset:
    eps = episodes([
        {"client_id": "a", "episode_id": "1", "triage_date": "2024-05-01", "sex": "M", "service": "young_people",
         "age_at_triage": 16},
        {"client_id": "b", "episode_id": "2", "triage_date": "2024-05-01", "sex": "F", "service": "young_people",
         "age_at_triage": 15},
        {"client_id": "c", "episode_id": "3", "triage_date": "2024-05-01", "sex": "M", "age_at_triage": 40},
        # c's earlier episode (last year) does not count for this year's substances
        {"client_id": "c", "episode_id": "0", "triage_date": "2022-01-01", "discharge_date": "2023-01-01"},
    ])
    subs = substances([("1", 1, "alcohol"), ("1", 2, "cannabis"), ("2", 1, "cannabis"), ("3", 1, "heroin"),
                       ("3", 2, "crack"), ("3", 3, "alcohol"), ("0", 1, "cocaine")])
    refs = pd.DataFrame({"referral_id": ["r1", "r2", "r3", "r4"], "client_id": ["a", "b", "c", "zz"],
                         "referral_date": pd.to_datetime(["2024-04-20", "2024-04-21", "2024-04-22", "2024-06-01"]),
                         "referral_source": ["education", "school", "gp", "self"],
                         "episode_id": ["1", "2", None, None]})
    refs["referral_source_group"] = map_codes(refs["referral_source"], "referral_source")
    tables = {"episodes": eps, "substances": subs, "referrals": refs,
              "districts": pd.DataFrame({"district_code": ["E07000178"], "district_name": ["Oxford"]}),
              "population": pd.DataFrame(columns=["district_code", "year", "sex", "age", "population", "sex_group"])}
    return ds.from_tables(tables, label="test", version="t")


def test_people_by_sex():
    result = profiles.people_by(make_data(), "sex", fy=FY).set_index("sex")
    assert result.loc["Male", "count"] == 2 and result.loc["Female", "count"] == 1
    assert (result["denominator"] == 3).all()


def test_substances_any_mention_and_primary():
    data = make_data()
    anym = profiles.substances(data, fy=FY).set_index("substance")["count"]
    assert anym[["Alcohol", "Cannabis", "Opiates", "Crack cocaine", "Powder cocaine"]].tolist() == [2, 2, 1, 1, 0]
    primary = profiles.substances(data, fy=FY, view=profiles.PRIMARY).set_index("substance")["count"]
    assert primary[["Alcohol", "Cannabis", "Opiates", "Crack cocaine"]].tolist() == [1, 1, 1, 0]
    assert primary.sum() == 3  # each person once


def test_substances_by_sex_young_people():
    result = profiles.substances(make_data(), fy=FY, filters=Filters(service="Young people"), by="sex")
    male = result[result["sex"] == "Male"].set_index("substance")
    assert male.loc["Cannabis", "count"] == 1 and male.loc["Cannabis", "denominator"] == 1
    female = result[result["sex"] == "Female"].set_index("substance")
    assert female.loc["Alcohol", "count"] == 0 and female.loc["Cannabis", "count"] == 1


def test_referrals_by_source_and_key_share():
    data = make_data()
    result = profiles.referrals_by_source(data, fy=FY).set_index("referral_source")
    assert result.loc["Education", "count"] == 2 and result.loc["GP", "count"] == 1
    assert (result["denominator"] == 4).all()  # the unmatched referral counts when no filter is set
    share = profiles.key_referral_share(data, fy=FY, groups=["Education"])
    assert (share.loc[0, "count"], share.loc[0, "denominator"]) == (2, 4)
    young = profiles.referrals(data, fy=FY, filters=Filters(service="Young people"))
    assert young.loc[0, "count"] == 2


def test_effective_treatment_is_a_count_with_its_share_and_not_applicable_to_young_people():
    from analysis import indicators
    from analysis.yoy import COUNT, PROPORTION

    data = make_data()  # c: adult, heroin and crack, open since 1 May 2024: retained to 31 March
    count = profiles.effective_treatment(data, fy=FY)
    share = profiles.effective_treatment_share(data, fy=FY)
    assert count["count"].tolist() == [1] and count.attrs["kind"] == COUNT
    assert share[["count", "denominator"]].values.tolist() == [[1, 1]] and share.attrs["kind"] == PROPORTION
    young = profiles.effective_treatment(data, fy=FY, filters=Filters(service="Young people"))
    assert young["count"].isna().all() and young.attrs["not_applicable"] == profiles.NOT_APPLICABLE_TO_YOUNG_PEOPLE
    indicator = indicators.BY_ID["effective_treatment"]
    assert indicator.not_applicable(Filters(service="Young people")) == "Not applicable to the young people's service"
    assert indicator.not_applicable(Filters()) is None and indicator.not_applicable(Filters(service="Adults")) is None
