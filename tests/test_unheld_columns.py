"""Columns a loaded data set holds in another form than the loaders give them (issue 12, mem12c): the
interventions' dates as 32-bit day numbers, and an optional column a saved version holds no value of (the
referrals' ``service``) not held. ``Dataset.table`` gives each table back exactly as loaded; every figure that
reads them is the same."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from analysis import dataset as ds
from analysis import profiles, quality, store
from analysis.loaders import load_table

DEMO = ds.DEMO_DIR


@pytest.fixture(autouse=True)
def isolated_store(tmp_path, monkeypatch):
    monkeypatch.setenv(store.STORE_ENV, str(tmp_path / "store"))


def _uploads(**replace_data: pd.DataFrame) -> list[store.Upload]:
    uploads = []
    for name in ("episodes", "substances", "referrals", "interventions", "districts", "population"):
        result = load_table(DEMO / f"{name}.parquet", name)
        if name in replace_data:
            result = dataclasses.replace(result, data=replace_data[name])
        uploads.append(store.Upload(result, mode=store.REPLACE))
    return uploads


def test_the_interventions_dates_are_held_as_day_numbers_and_given_back_exactly():
    data = ds.load_demo()
    loaded = load_table(DEMO / "interventions.parquet", "interventions").data
    assert "start_date" not in data.interventions and "end_date" not in data.interventions
    starts, ends = data.day_numbers("interventions", "start_date"), data.day_numbers("interventions", "end_date")
    assert starts.dtype == np.int32 and ends.dtype == np.int32  # 4 bytes a date, not 8
    # by hand: the first intervention's start, in days since 1 January 1970; a missing end is NO_DAY
    assert starts[0] == (loaded["start_date"].iloc[0] - pd.Timestamp("1970-01-01")).days
    open_ = loaded["end_date"].isna().to_numpy()
    assert open_.any() and (ends[open_] == ds.NO_DAY).all() and (ends[~open_] != ds.NO_DAY).all()
    pd.testing.assert_frame_equal(data.table("interventions"), loaded, check_exact=True)


def test_interventions_received_are_the_same_from_day_numbers_as_from_dates():
    held = ds.load_demo()
    as_dates = ds.load_demo()
    as_dates.interventions = as_dates.table("interventions")
    as_dates.unheld.clear()
    assert "start_date" in as_dates.interventions
    for fy in held.years:
        pd.testing.assert_frame_equal(profiles.interventions_by_sex(held, fy=fy),
                                      profiles.interventions_by_sex(as_dates, fy=fy), check_exact=True)


def test_dates_that_are_not_whole_days_are_held_as_loaded():
    two = pd.Series([pd.Timestamp("2024-04-01"), pd.Timestamp("2024-04-02 10:00")]).astype("datetime64[ns]")
    assert ds.as_day_numbers(two) is None
    assert ds.as_day_numbers(two.dt.normalize()).tolist() == [19814, 19815]  # by hand: days since 1 Jan 1970
    data = ds.load_demo()
    frame = data.table("interventions")
    frame.loc[0, "end_date"] = frame.loc[0, "start_date"] + pd.Timedelta(hours=3)
    data.interventions, data.unheld = frame, {}
    ds.hold_dates_as_days(data, "interventions", ds.INTERVENTION_DATES)
    assert data.unheld == {} and data.interventions is frame  # neither date (both or none)


def test_a_future_intervention_date_is_still_listed_by_the_data_quality_check():
    data = ds.load_demo()
    frame = data.table("interventions")
    frame.loc[3, "start_date"] = pd.Timestamp("2030-01-02")
    data.interventions, data.unheld = frame, {}
    ds.hold_dates_as_days(data, "interventions", ds.INTERVENTION_DATES)
    assert "start_date" not in data.interventions
    found = quality.future_dates(data, pd.Timestamp("2026-12-01"))
    mine = found[found["problem"] == "intervention start date in the future"]
    assert len(mine) == 1 and "02/01/2030" in mine.to_string()
    assert str(frame.loc[3, "episode_id"]) in mine.to_string()


def test_a_cold_start_holds_no_empty_optional_column_and_gives_it_back():
    """The demo's referrals file has a ``service`` column with no value (27 MB of text at national scale)."""
    saved = store.Store.open()
    version = saved.save(_uploads(), saved_by="test").version
    as_saved = saved.table("referrals", version)
    assert as_saved["service"].isna().all()
    data = store.load_dataset(saved)
    assert "service" not in data.referrals
    whole = data.table("referrals")
    assert list(whole.columns) == list(as_saved.columns)
    assert whole["service"].dtype == as_saved["service"].dtype and whole["service"].isna().all()
    pd.testing.assert_series_equal(whole["referral_id"], as_saved["referral_id"], check_exact=True)
    # every referral of a year, with every column (the empty one included), as from the files
    plain = ds.from_tables(saved.tables(version))
    for fy in data.years[-2:]:
        pd.testing.assert_frame_equal(profiles.linked_referrals(data, fy).astype({"episode_id": "string"})
                                      .drop(columns="referral_source"),
                                      profiles.linked_referrals(plain, fy).drop(columns="referral_source"),
                                      check_exact=True)


def test_an_optional_column_with_values_is_held():
    referrals = load_table(DEMO / "referrals.parquet", "referrals").data
    referrals["service"] = pd.array(["adult"] * len(referrals), dtype=referrals["service"].dtype)
    saved = store.Store.open()
    saved.save(_uploads(referrals=referrals), saved_by="test")
    data = store.load_dataset(saved)
    assert (data.referrals["service"] == "adult").all()
    assert "service" not in data.unheld["referrals"].empty


def test_a_cold_start_reads_the_referrals_client_and_referral_ids_again_only_when_asked():
    """With the saved links (each referral's episode and its client's latest episode), the referrals' client
    ids (56 MB of text at national scale) are not held: people referred are counted on the codes found once,
    reading them from the saved file once for the clients never treated; the data quality check of referrals
    whose client is in no episode reads them again. Every figure equals the same tables loaded from files."""
    from analysis import activity
    from analysis.filters import Filters

    saved = store.Store.open()
    version = saved.save(_uploads(), saved_by="test").version
    data = store.load_dataset(saved)
    plain = ds.from_tables(saved.tables(version))
    assert "client_id" not in data.referrals and "client_id" in data.columns_of("referrals")
    pd.testing.assert_series_equal(data.column("referrals", "client_id"), plain.referrals["client_id"], check_exact=True)
    # clients never treated are among the demo's referrals: counted from the ids read again
    never = ~plain.referrals["client_id"].isin(plain.episodes["client_id"].astype(object))
    assert never.any()
    for fy in data.years[-3:]:
        for filters in (Filters(), Filters(district=data.district_names and next(iter(data.district_names)))):
            referred = activity.people_referred(data, fy=fy, filters=filters)
            pd.testing.assert_frame_equal(referred, activity.people_referred(plain, fy=fy, filters=filters))
        by_hand = plain.referrals.loc[(plain.referrals["referral_date"] >= fy.start)
                                      & (plain.referrals["referral_date"] <= fy.end), "client_id"].nunique()
        assert activity.people_referred(data, fy=fy)["count"].iloc[0] == by_hand
        pd.testing.assert_frame_equal(quality.unmatched_referrals(data, fy=fy), quality.unmatched_referrals(plain, fy=fy))
        slow = activity.led_to_triage_flags(data, fy)  # indexed by referral id
        pd.testing.assert_series_equal(slow, activity.led_to_triage_flags(plain, fy))
    assert "client_id" not in data.referrals and "referral_id" not in data.referrals  # read when asked, not kept
    pd.testing.assert_series_equal(data.column("referrals", "referral_id"), plain.referrals["referral_id"],
                                   check_exact=True)
    # the referral ids, a saved version's key, are not read for the Overview's share that led to triage;
    # loaded from files, each year's are checked not to repeat, as before
    assert data.derived[activity.KEYS_UNIQUE] and "unique_referral_ids" not in data.derived
    for fy in data.years[-2:]:
        pd.testing.assert_frame_equal(activity.referrals_led_to_triage(data, fy=fy),
                                      activity.referrals_led_to_triage(plain, fy=fy))
    assert set(plain.derived["unique_referral_ids"]) >= {fy.start_year for fy in plain.years[-2:]}
