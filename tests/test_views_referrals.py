"""The Referrals page model on the demo data, against hand counts of the referral records."""

import math

import pandas as pd
import pytest

from analysis import board, dataset
from analysis.codes import DEFAULT_KEY_REFERRAL_GROUPS
from analysis.filters import Filters
from analysis.periods import FinancialYear
from analysis.suppression import is_disclosive
from analysis.views.referrals import NO_TARGET, PEOPLE_REFERRED, REFERRALS_RECEIVED, referrals

FY, PREVIOUS = FinancialYear(2024), FinancialYear(2023)
SMALL = Filters(service="Young people", sex="Female", district="E07000181")
TARGET = 20.0
Z = 1.959963984540054  # two-sided 95% standard normal quantile


def wilson(x: int, n: int) -> tuple[float, float]:
    """Wilson score limits in %, written as in PHEindicatormethods (independent of the code's form)."""
    p = x / n
    root = Z * math.sqrt(Z * Z + 4 * x * (1 - p))
    return ((2 * x + Z * Z - root) / (2 * (n + Z * Z)) * 100, (2 * x + Z * Z + root) / (2 * (n + Z * Z)) * 100)


@pytest.fixture(scope="module")
def data():
    return dataset.load_demo()


@pytest.fixture(scope="module")
def figures(data):
    return referrals(data, FY, PREVIOUS, Filters())


def in_year(data, fy):
    ref = data.referrals
    return ref[(ref["referral_date"] >= fy.start) & (ref["referral_date"] <= fy.end)]


def test_total_and_sources_match_hand_counts(data, figures):
    now, before = in_year(data, FY), in_year(data, PREVIOUS)
    assert figures.total["count"].iloc[0] == len(now) and figures.total["previous_count"].iloc[0] == len(before)
    hand = now["referral_source_group"].astype(str).value_counts()
    shown = figures.by_source.set_index("referral_source")
    for source, count in hand.items():
        assert shown.loc[source, "count"] == count
        assert shown.loc[source, "value"] == pytest.approx(count / len(now) * 100)
    assert shown["count"].sum() == len(now)
    gp = int(hand["GP"])
    assert (shown.loc["GP", "lower"], shown.loc["GP", "upper"]) == pytest.approx(wilson(gp, len(now)))
    assert "Largest source of referrals" in figures.by_source_summary


def test_no_target_is_assumed(figures):
    row = figures.key_share.iloc[0]
    assert figures.target is None
    assert (row["target"], row["target_met"], row["against_target"]) == (NO_TARGET, NO_TARGET, NO_TARGET)
    assert figures.key_share_summary.endswith("; no target set.")
    assert "met" not in figures.key_share_summary and "target 20" not in figures.key_share_summary


def test_key_share_value_interval_and_target(data):
    figures = referrals(data, FY, PREVIOUS, Filters(), target=TARGET)
    now, before = in_year(data, FY), in_year(data, PREVIOUS)
    key = int(now["referral_source_group"].isin(DEFAULT_KEY_REFERRAL_GROUPS).sum())
    key_before = int(before["referral_source_group"].isin(DEFAULT_KEY_REFERRAL_GROUPS).sum())
    row = figures.key_share.iloc[0]
    assert row["count"] == key and row["denominator"] == len(now)
    assert row["value"] == pytest.approx(key / len(now) * 100)
    assert (row["lower"], row["upper"]) == pytest.approx(wilson(key, len(now)))
    assert row["previous_value"] == pytest.approx(key_before / len(before) * 100)
    lower, upper = wilson(key, len(now))
    expected = ("Significantly higher" if lower > TARGET
                else "Significantly lower" if upper < TARGET else "Not significantly different")
    assert row["against_target"] == expected
    assert row["target_met"] == ("Yes" if key / len(now) * 100 >= TARGET else "No")
    assert f"target {TARGET:g}%" in figures.key_share_summary


def test_target_set_at_the_value_is_met_and_not_significantly_different(data):
    groups = ("GP", "Education")
    now = in_year(data, FY)
    share = now["referral_source_group"].isin(groups).sum() / len(now) * 100
    row = referrals(data, FY, PREVIOUS, Filters(), groups, float(math.floor(share))).key_share.iloc[0]
    assert row["target_met"] == "Yes" and row["against_target"] == "Not significantly different"
    assert row["count"] == now["referral_source_group"].isin(groups).sum()


def test_monthly_is_24_months_ending_with_the_year(data, figures):
    monthly = figures.monthly
    assert len(monthly) == 24
    assert monthly["month"].iloc[0] == pd.Timestamp("2023-04-01") and monthly["month"].iloc[-1] == pd.Timestamp("2025-03-01")
    ref = data.referrals
    for _, row in monthly.iterrows():
        month = ref["referral_date"].dt.to_period("M") == pd.Period(row["month"], "M")
        assert row["count"] == month.sum()
    # the two financial years' months add up to their published totals
    totals = monthly.groupby("financial_year")["count"].sum()
    assert totals["2024/25"] == figures.total["count"].iloc[0]
    assert totals["2023/24"] == len(in_year(data, PREVIOUS))
    assert monthly["month_label"].iloc[0] == "Apr 2023"


def test_small_selection_shows_no_count_from_one_to_four(data):
    small = referrals(data, FY, PREVIOUS, SMALL, ("Education", "GP"), 20.0)
    for frame, columns in [(small.by_source, ["count", "previous_count", "denominator", "previous_denominator"]),
                           (small.key_share, ["count", "previous_count", "denominator", "previous_denominator"]),
                           (small.total, ["count", "previous_count"]), (small.monthly, ["count"])]:
        shown = board.display_table(frame, [(c, c) for c in columns])
        assert not is_disclosive(shown, columns)
    # a year's months hide none or at least two months, so none follows from the year total
    hidden = small.monthly.groupby("financial_year")["suppressed"].sum()
    assert hidden.sum() > 0 and not (hidden == 1).any()


def test_key_share_hidden_when_it_would_reveal_a_hidden_source(data):
    small = referrals(data, FY, PREVIOUS, SMALL, ("Education", "GP"), 20.0)
    hidden = small.by_source.set_index("referral_source")["suppressed"]
    # with these filters GP is hidden and another source is too: GP alone would follow from the share
    assert hidden["GP"] and hidden.sum() > 1
    assert small.key_share["suppressed"].iloc[0] and small.key_share["target_met"].iloc[0] == "*"
    assert "not shown" in small.key_share_summary


def byar(x: int) -> tuple[float, float]:
    """Byar's 95% limits for a count, written out from the published formula."""
    lower = x * (1 - 1 / (9 * x) - Z / (3 * math.sqrt(x))) ** 3
    upper = (x + 1) * (1 - 1 / (9 * (x + 1)) + Z / (3 * math.sqrt(x + 1))) ** 3
    return lower, upper


def test_people_referred_are_distinct_people_beside_referrals(data, figures):
    now, before = in_year(data, FY), in_year(data, PREVIOUS)
    people = figures.people.iloc[0]
    assert people["count"] == now["client_id"].nunique() < len(now)
    assert people["previous_count"] == before["client_id"].nunique()
    assert (people["lower"], people["upper"]) == pytest.approx(byar(now["client_id"].nunique()))
    volume = figures.volume.set_index("measure")
    assert volume.loc[REFERRALS_RECEIVED, "count"] == len(now) and volume.loc[PEOPLE_REFERRED, "count"] == people["count"]
    assert figures.volume_summary.startswith(f"{now['client_id'].nunique():,} people were referred in 2024/25 "
                                             f"({len(now):,} referrals)")


def hand_led_to_triage(data, fy):
    """Independent count from the raw Parquet: referrals in the year whose episode_id names an episode
    triaged on or after the referral date and on or before 31 March."""
    raw_ref = pd.read_parquet("data/demo/referrals.parquet")
    raw_ep = pd.read_parquet("data/demo/episodes.parquet")
    raw_ref["referral_date"] = pd.to_datetime(raw_ref["referral_date"])
    raw_ep["triage_date"] = pd.to_datetime(raw_ep["triage_date"])
    ref = raw_ref[(raw_ref["referral_date"] >= fy.start) & (raw_ref["referral_date"] <= fy.end)]
    joined = ref.merge(raw_ep[["episode_id", "triage_date"]], on="episode_id", how="left")
    led = (joined["triage_date"] >= joined["referral_date"]) & (joined["triage_date"] <= fy.end)
    return int(led.sum()), len(ref)


def test_share_that_led_to_triage_is_a_hand_count_with_wilson_interval(data, figures):
    led, received = hand_led_to_triage(data, FY)
    led_before, received_before = hand_led_to_triage(data, PREVIOUS)
    row = figures.led_to_triage.iloc[0]
    assert 0 < led < received
    assert (row["count"], row["denominator"]) == (led, received)
    assert row["value"] == pytest.approx(led / received * 100)
    assert (row["lower"], row["upper"]) == pytest.approx(wilson(led, received))
    assert (row["previous_count"], row["previous_denominator"]) == (led_before, received_before)
    assert "episode_id" in figures.led_to_triage_definition
    assert figures.led_to_triage_summary.startswith(f"{led / received * 100:.0f}% (95% CI ")
    assert f"({led:,} of {received:,})" in figures.led_to_triage_summary
