"""Which person, service, sex and district a referral is counted under (GLOSSARY "Referrals of people
never treated", "People referred"), and whether it led to triage, on hand-built tables."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import dataset as ds
from analysis import activity, profiles
from analysis.codes import map_codes
from analysis.filters import ALL, NOT_KNOWN, Filters
from analysis.periods import FinancialYear
from tests.factories import episodes

FY = FinancialYear(2024)
OXFORD, CHERWELL = "E07000178", "E07000177"


def make_data(referral_service: list[str | None] | None = None) -> ds.Dataset:
    eps = episodes([
        # a: young person in Oxford, referred (r1, linked) and triaged in the year
        {"client_id": "a", "episode_id": "1", "triage_date": "2024-05-01", "sex": "F", "service": "young_people",
         "age_at_triage": 16, "district_code": OXFORD},
        # b: adult in Cherwell; an earlier episode in Oxford; referred in the year with no episode link (r2)
        {"client_id": "b", "episode_id": "2", "triage_date": "2021-01-01", "discharge_date": "2021-06-01",
         "district_code": OXFORD},
        {"client_id": "b", "episode_id": "3", "triage_date": "2023-01-01", "sex": "M", "district_code": CHERWELL},
    ])
    refs = pd.DataFrame({
        "referral_id": ["r1", "r2", "r3", "r4", "r5"],
        "client_id": ["a", "b", "never", "never", "other"],
        "referral_date": pd.to_datetime(["2024-04-20", "2024-06-01", "2024-07-01", "2024-09-01", "2023-12-01"]),
        "referral_source": ["education", "gp", "self", "self", "gp"],
        "episode_id": ["1", None, None, None, None],
    })
    refs["referral_source_group"] = map_codes(refs["referral_source"], "referral_source")
    if referral_service is not None:
        refs["service"] = referral_service
        refs["service_group"] = map_codes(refs["service"], "service")
    tables = {"episodes": eps, "substances": pd.DataFrame(columns=["episode_id", "rank", "substance", "substance_group"]),
              "referrals": refs,
              "districts": pd.DataFrame({"district_code": [CHERWELL, OXFORD], "district_name": ["Cherwell", "Oxford"]}),
              "population": pd.DataFrame(columns=["district_code", "year", "sex", "age", "population", "sex_group"])}
    return ds.from_tables(tables, label="test", version="t")


def counted(data: ds.Dataset, **filters: str) -> set[str]:
    return set(profiles.referrals_in_year(data, FY, Filters(**filters))["referral_id"])


def test_referrals_of_people_never_treated_are_under_district_and_sex_not_known():
    data = make_data()
    linked = profiles.referrals_in_year(data, FY).set_index("referral_id")
    assert set(linked.index) == {"r1", "r2", "r3", "r4"}
    assert linked.loc["r3", ["district", "sex_group", "service_group", "age_band"]].tolist() == [NOT_KNOWN] * 4
    assert counted(data, district=NOT_KNOWN) == {"r3", "r4"}
    # linked referral: its episode; unlinked referral of a treated person: their latest episode
    assert linked.loc["r1", ["district", "sex_group", "service_group"]].tolist() == [OXFORD, "Female", "Young people"]
    assert linked.loc["r2", ["district", "sex_group", "service_group"]].tolist() == [CHERWELL, "Male", "Adults"]


def test_every_referral_is_in_exactly_one_district_row():
    data = make_data()
    parts = [counted(data, district=d) for d in (OXFORD, CHERWELL, NOT_KNOWN)]
    assert sum(len(p) for p in parts) == len(counted(data)) == 4
    assert set().union(*parts) == counted(data)


def test_service_of_a_never_treated_person_is_not_known_unless_the_referral_records_one():
    data = make_data()
    assert counted(data, service="Young people") == {"r1"} and counted(data, service="Adults") == {"r2"}
    recorded = make_data(["young_people", None, "adult", None, None])
    assert counted(recorded, service="Adults") == {"r2", "r3"}  # r3: the referral's own service
    assert counted(recorded, service="Young people") == {"r1"}
    assert profiles.referrals_in_year(recorded, FY).set_index("referral_id").loc["r4", "service_group"] == NOT_KNOWN


def test_demo_referrals_by_district_add_up_to_the_total():
    data = ds.load_demo()
    total = profiles.referrals(data, fy=FY)["count"].iloc[0]
    by_district = [profiles.referrals(data, fy=FY, filters=Filters(district=code))["count"].iloc[0]
                   for code in [*data.district_names, NOT_KNOWN]]
    never = data.referrals[(data.referrals["referral_date"] >= FY.start) & (data.referrals["referral_date"] <= FY.end)
                           & ~data.referrals["client_id"].isin(data.episodes["client_id"])]
    assert len(never) > 100  # the demo has about 150 a year
    assert sum(by_district) == total
    assert ALL not in data.district_names


# ------------------------------------------------------------------ people referred, led to triage
def triage_data(with_episode_ids: bool = True) -> ds.Dataset:
    eps = episodes([
        {"client_id": "a", "episode_id": "1", "triage_date": "2024-05-01"},
        {"client_id": "b", "episode_id": "2", "triage_date": "2025-04-05"},  # next year
        {"client_id": "c", "episode_id": "3", "triage_date": "2024-06-01", "discharge_date": "2024-07-01"},
        {"client_id": "d", "episode_id": "4", "triage_date": "2024-09-01", "service": "young_people",
         "age_at_triage": 15},
    ])
    refs = pd.DataFrame({
        "referral_id": ["r1", "r2", "r3", "r4", "r5", "r6", "r7"],
        "client_id": ["a", "a", "b", "c", "d", "never", "c"],
        "referral_date": pd.to_datetime(["2024-04-20", "2024-05-01", "2025-03-20", "2024-08-01", "2024-08-15",
                                         "2024-10-01", "2023-05-01"]),
        "referral_source": ["gp"] * 7,
        # r1 led to episode 1 (same year); r2: a second referral of a, no episode; r3 led to an
        # episode triaged next year; r4 names an episode triaged before the referral (a data error);
        # r5 led to d's episode; r6: never treated; r7: last year
        "episode_id": ["1", None, "2", "3", "4", None, "3"],
    })
    if not with_episode_ids:
        refs["episode_id"] = None
    refs["referral_source_group"] = map_codes(refs["referral_source"], "referral_source")
    tables = {"episodes": eps, "substances": pd.DataFrame(columns=["episode_id", "rank", "substance", "substance_group"]),
              "referrals": refs,
              "districts": pd.DataFrame({"district_code": [OXFORD], "district_name": ["Oxford"]}),
              "population": pd.DataFrame(columns=["district_code", "year", "sex", "age", "population", "sex_group"])}
    return ds.from_tables(tables, label="test", version="t")


def test_people_referred_counts_each_person_once():
    data = triage_data()
    assert activity.people_referred(data, fy=FY)["count"].iloc[0] == 5  # a (twice), b, c, d, never
    assert activity.people_referred(data, fy=FY, filters=Filters(service="Young people"))["count"].iloc[0] == 1
    assert activity.people_referred(data, fy=FinancialYear(2023))["count"].iloc[0] == 1


def test_led_to_triage_by_the_referrals_episode():
    data = triage_data()
    assert activity.referral_link(data) == activity.LINK_BY_EPISODE
    flags = activity.led_to_triage_flags(data, FY)
    assert flags[flags].index.tolist() == ["r1", "r5"]
    share = activity.referrals_led_to_triage(data, fy=FY)
    assert (share["count"].iloc[0], share["denominator"].iloc[0]) == (2, 6)
    assert share.attrs["link"] == activity.LINK_BY_EPISODE


def test_led_to_triage_by_person_when_no_referral_records_an_episode():
    data = triage_data(with_episode_ids=False)
    assert activity.referral_link(data) == activity.LINK_BY_PERSON
    flags = activity.led_to_triage_flags(data, FY)
    # r1: a triaged 1 May, on or after 20 Apr; r2: referred 1 May, triaged the same day counts;
    # r3: triage next year; r4: c's only episode began before the referral; r5: d triaged 1 Sep
    assert flags[flags].index.tolist() == ["r1", "r2", "r5"]
    adults = activity.led_to_triage_flags(data, FY, Filters(service="Adults"))
    assert adults[adults].index.tolist() == ["r1", "r2"]


def test_the_definitions_page_says_what_changed_for_referrals():
    from analysis import indicators

    changes = dict(indicators.DEFINITION_CHANGES)
    assert "Not known" in changes["Referrals of people never treated"]
    assert "no target set" in changes["Key referring agencies target"]
    assert {"people_referred", "referrals_led_to_triage"} <= set(indicators.BY_ID)


def test_referrals_linked_once_per_data_set_are_each_years_own_linking():
    """issue 12: every referral of the years offered is linked once (``Dataset.derived``); each year's
    slice is the frame ``link_referrals`` gives for that year alone (rows, order, types), a year not
    offered is linked on its own, and clearing the remembered results keeps the linked table."""
    from analysis.dataset import load_demo

    data = load_demo()
    for fy in data.years:
        pd.testing.assert_frame_equal(profiles.linked_referrals(data, fy), profiles.link_referrals(data, fy))
    rows, attributes, parts = data.derived["linked_referrals"]
    # an independent count: referrals dated in the years offered
    dates = data.referrals["referral_date"]
    in_years = sum(int(((dates >= fy.start) & (dates <= fy.end)).sum()) for fy in data.years)
    assert len(rows) == in_years == sum(stop - start for start, stop in parts.values())
    assert all(len(values) == in_years for values in attributes.values())
    data.memo.clear()
    assert data.derived["linked_referrals"][0] is rows
    before = FinancialYear(data.years[0].start_year - 1)
    pd.testing.assert_frame_equal(profiles.linked_referrals(data, before), profiles.link_referrals(data, before))


def test_led_to_triage_uses_the_triage_dates_joined_once_and_gives_the_same_flags():
    """issue 12: the triage date of each referral's episode is joined once per data set; for every year
    and a few selections the flags equal the join done on the selection's own referrals."""
    from analysis.dataset import load_demo

    data = load_demo()
    assert activity.referral_link(data) == activity.LINK_BY_EPISODE
    for fy in data.years[-2:]:
        for filters in (Filters(), Filters(sex="Female"), Filters(service="Adults", age_band="25-34")):
            ref = profiles.referrals_in_year(data, fy, filters)
            joined = ref.merge(data.episodes[["episode_id", "triage_date"]], on="episode_id", how="left")
            led = (joined["triage_date"] >= joined["referral_date"]) & (joined["triage_date"] <= fy.end)
            expected = led.fillna(False).groupby(joined["referral_id"].to_numpy(), sort=False).any()
            flags = activity.led_to_triage_flags(data, fy, filters)
            pd.testing.assert_series_equal(flags, expected)
            assert 0 < int(flags.sum()) < len(flags)
    assert data.derived["linked_referral_episode_rows"] is not None


def test_referrals_linked_once_are_row_numbers_not_a_copy_and_columns_asked_for_are_the_same_values():
    """issue 12 (refs12, memory): the referrals linked once per data set are held as row numbers into
    ``data.referrals`` and the four attributes as categories, not a copy of every referral with its
    text ids (150-200 MB at national scale); a caller naming the columns it reads gets exactly those
    columns of the whole year's frame, with the same index (the row within the year), for every year
    and a few selections."""
    import numpy as np

    from analysis.dataset import load_demo

    data = load_demo()
    frames = {(fy, filters): profiles.referrals_in_year(data, fy, filters)
              for fy in data.years for filters in (Filters(), Filters(sex="Female"),
                                                   Filters(service="Adults", district=NOT_KNOWN))}
    rows, attributes, parts = data.derived["linked_referrals"]
    assert isinstance(rows, np.ndarray) and rows.dtype == np.int32
    assert set(attributes) == set(profiles.REFERRAL_ATTRIBUTES)
    assert all(isinstance(values, pd.Categorical) for values in attributes.values())
    # the rows point at the referrals themselves: each year's referral dates, in the referrals' order
    for fy in data.years:
        start, stop = parts[fy.start_year]
        dates = data.referrals["referral_date"].to_numpy()[rows[start:stop]]
        assert ((dates >= fy.start.to_datetime64()) & (dates <= fy.end.to_datetime64())).all()
        assert (np.diff(rows[start:stop]) > 0).all()
    for (fy, filters), whole in frames.items():
        assert list(whole.columns) == [c for c in data.referrals.columns if c not in profiles.REFERRAL_ATTRIBUTES
                                       ] + list(profiles.REFERRAL_ATTRIBUTES)
        for columns in (["referral_date"], ["client_id", "referral_id"], ["referral_source_group", "district"]):
            pd.testing.assert_frame_equal(profiles.referrals_in_year(data, fy, filters, columns), whole[columns])
        pd.testing.assert_index_equal(profiles.referrals_in_year(data, fy, filters, []).index, whole.index)
    assert len(frames[(data.years[-1], Filters(sex="Female"))]) > 0


def test_people_referred_on_client_codes_counts_people_never_treated_and_not_a_missing_client():
    """refs12: people referred are counted on client codes (``profiles._client_codes``): a person with an
    episode by their person code, a person never treated by their own text id, a referral with no client id
    not at all; the same as the distinct client ids, by hand: 2024 holds a, b, never (twice), and one with
    no client id."""
    data = make_data()
    refs = data.referrals.copy()
    extra = refs.iloc[[2]].assign(referral_id="r9", client_id=None, referral_date=pd.Timestamp("2024-11-01"))
    data = ds.from_tables({"episodes": data.episodes, "substances": data.substances,
                           "referrals": pd.concat([refs, extra], ignore_index=True), "districts": data.districts,
                           "population": data.population}, label="test", version="t")
    assert len(profiles.referrals_in_year(data, FY)) == 5
    assert activity.people_referred(data, fy=FY)["count"].iloc[0] == 3  # a, b, never
    assert activity.people_referred(data, fy=FY, filters=Filters(district=NOT_KNOWN))["count"].iloc[0] == 1
    assert activity.people_referred(data, fy=FY, filters=Filters(district=CHERWELL))["count"].iloc[0] == 1
    codes = data.derived["linked_referral_clients"]
    assert (codes < 0).sum() == 1 and len(set(codes[codes >= 0])) == 4  # every year offered: "other" in 2023 too


def test_a_referrals_file_with_a_service_column_loads_it_and_counts_never_treated_people_under_it(tmp_path):
    """The contract's optional referrals ``service`` (it had none, so the referral's own service, which the
    glossary uses first, could not be uploaded): read through the real loader, mapped to its group, and a
    never-treated person's referral counted under it."""
    from analysis.loaders import load_table

    path = tmp_path / "referrals.csv"
    path.write_text("Referral ID,Client ID,Referral date,Referral source,Episode ID,Service\n"
                    "r1,a,20/04/2024,education,1,\n"
                    "r2,b,01/06/2024,gp,,adult\n"
                    "r3,never,01/07/2024,self,,young_people\n"
                    "r4,never,01/09/2024,self,,\n", encoding="utf-8")
    loaded = load_table(path, "referrals")
    assert len(loaded.data) == 4 and loaded.rejected.empty
    assert list(loaded.data["service_group"].astype(str)) == ["Not recorded", "Adults", "Young people", "Not recorded"]
    data = make_data()
    data.referrals = loaded.data
    linked = profiles.referrals_in_year(data, FY).set_index("referral_id")
    assert linked["service_group"].astype(str).to_dict() == {"r1": "Young people", "r2": "Adults",
                                                             "r3": "Young people", "r4": NOT_KNOWN}
    assert counted(data, service="Young people") == {"r1", "r3"}
