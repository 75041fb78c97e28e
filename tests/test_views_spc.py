"""The Monthly trends (SPC) page model: monthly series against hand counts of a hand-built data set,
the small-number rule, suppression of the table, and the demo data against independent counts."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import dataset as ds
from analysis import spc
from analysis.cohorts import prepare_episodes
from analysis.codes import map_codes
from analysis.dataset import Dataset
from analysis.filters import Filters
from analysis.periods import FinancialYear
from analysis.views import spc as model
from tests.factories import episodes

FY = FinancialYear(2024)  # 1 Apr 2024 - 31 Mar 2025


def referrals(rows: list[tuple[str, str, str, str | None]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["referral_id", "client_id", "referral_date", "episode_id"])
    frame["referral_date"] = pd.to_datetime(frame["referral_date"])
    frame["referral_source"] = "self"
    frame["referral_source_group"] = map_codes(frame["referral_source"], "referral_source")
    return frame


def hand_built() -> Dataset:
    rows = [
        # A: new presentation May 2023 (no earlier episode); planned exit Aug 2023
        dict(client_id="A", episode_id="A1", triage_date="2023-05-10", discharge_date="2023-08-20",
             discharge_reason="completed drug free"),
        # B: new presentation May 2023; unplanned exit Jun 2023 (not a successful completion)
        dict(client_id="B", episode_id="B1", triage_date="2023-05-15", discharge_date="2023-06-30",
             discharge_reason="dropped out"),
        # C: discharged Jan 2023, back in Sep 2023 within 12 months: not a new presentation;
        #    planned exit on 31 Mar 2025, the latest date in the data (so Mar 2025 is a complete month)
        dict(client_id="C", episode_id="C1", triage_date="2021-01-01", discharge_date="2023-01-10",
             discharge_reason="dropped out"),
        dict(client_id="C", episode_id="C2", triage_date="2023-09-01", discharge_date="2025-03-31",
             discharge_reason="completed drug free"),
        # D: new presentation Apr 2024 (first triage of the year decides); two planned exits in 2024/25,
        #    counted once, by the last: Jul 2024
        dict(client_id="D", episode_id="D1", triage_date="2024-04-02", discharge_date="2024-04-30",
             discharge_reason="completed drug free"),
        dict(client_id="D", episode_id="D2", triage_date="2024-06-01", discharge_date="2024-07-15",
             discharge_reason="completed drug free"),
        # E: triaged in 2022/23 (before the series), planned exit Apr 2023
        dict(client_id="E", episode_id="E1", triage_date="2023-03-20", discharge_date="2023-04-05",
             discharge_reason="completed drug free"),
    ]
    refs = referrals([("R1", "A", "2023-05-01", "A1"), ("R2", "B", "2023-05-02", "B1"),
                      ("R3", "D", "2024-04-01", "D1"), ("R4", "D", "2024-05-31", "D2"),
                      ("R5", "E", "2023-03-01", "E1")])
    empty = pd.DataFrame()
    return Dataset(episodes=prepare_episodes(episodes(rows)), substances=empty, referrals=refs, districts=empty, population=empty,
                   declared_years=["2023/24", "2024/25"])


@pytest.fixture(scope="module")
def small():
    return hand_built()


def test_the_series_runs_from_the_first_year_to_the_selected_year(small):
    months = model.series_months(small, FY)
    assert months[0] == pd.Timestamp("2023-04-01") and months[-1] == pd.Timestamp("2025-03-01")
    assert len(months) == 24
    # an earlier selected year ends the series at its March
    assert model.series_months(small, FinancialYear(2023))[-1] == pd.Timestamp("2024-03-01")


def test_the_series_stops_at_the_last_complete_month_of_the_data(small):
    short = hand_built()
    short.episodes.loc[short.episodes["episode_id"] == "C2", "discharge_date"] = pd.Timestamp("2025-03-30")
    # latest date 30 Mar 2025: March is not complete, so the series ends in February
    assert model.last_complete_month(short) == pd.Timestamp("2025-02-01")
    assert model.series_months(short, FY)[-1] == pd.Timestamp("2025-02-01")


def as_dict(frame: pd.DataFrame) -> dict[str, int]:
    return {f"{m:%Y-%m}": int(c) for m, c in zip(frame["month"], frame["count"], strict=True) if c}


def test_monthly_counts_by_hand(small):
    months = model.series_months(small, FY)
    # referrals by referral date; R5 (Mar 2023) is before the series
    assert as_dict(model.monthly_referrals(small, months, Filters())) == {"2023-05": 2, "2024-04": 1, "2024-05": 1}
    # new presentations: A and B in May 2023, D in Apr 2024 (not again in Jun 2024); C is a return within 12 months
    assert as_dict(model.monthly_new_presentations(small, months, Filters())) == {"2023-05": 2, "2024-04": 1}
    # planned exits: E Apr 2023, A Aug 2023, D Jul 2024 (last discharge of the year), C Mar 2025; B was unplanned
    assert as_dict(model.monthly_planned_exits(small, months, Filters())) == {
        "2023-04": 1, "2023-08": 1, "2024-07": 1, "2025-03": 1}
    # every month of the series is there, zeros included
    assert len(model.monthly_planned_exits(small, months, Filters())) == 24


def test_a_series_with_months_of_1_to_4_is_not_drawn_and_its_table_hides_them(small):
    figures = model.spc_page(small, FY)
    for chart in figures.charts:
        assert chart.too_small and chart.variation is None and "not shown as a chart" in chart.summary
        assert "mean" not in chart.monthly
        shown = model.table(chart)
        assert list(shown.columns) == ["Month", "Financial year", "Count", "Lower 95% CI", "Upper 95% CI"]
        counts = shown["Count"].tolist()
        assert "1" not in counts and "2" not in counts  # 1-4 never shown
        assert set(counts) <= {"0", "*"}
    exits = model.table(figures.charts[2]).set_index("Month")
    assert exits.loc["Aug 2023", "Count"] == "*" and exits.loc["Aug 2023", "Lower 95% CI"] == "*"
    # zeros are shown, except where a zero is needed to protect a small month of its year
    assert (exits["Count"] == "0").sum() >= 10


def counts(values: list[int], start: str = "2023-04-01") -> pd.DataFrame:
    return pd.DataFrame({"month": pd.date_range(start, periods=len(values), freq="MS"), "count": values})


def test_a_drawn_series_carries_the_spc_figures_and_its_words():
    # 1..7 scaled by 10 (10..70): hand computation of tests/test_spc.py's trend case, x10: mean 40,
    # limits 40 -/+ 26.6; first point below, last above, the middle five a rising trend
    series = model.SERIES[2]  # planned exits: higher is better
    chart = model.spc_chart(series, counts([10, 20, 30, 40, 50, 60, 70]), FY)
    assert not chart.too_small and chart.short_series
    assert chart.monthly["mean"].iloc[0] == 40 and chart.monthly["upl"].iloc[0] == pytest.approx(66.6)
    assert chart.monthly["special_cause"].tolist() == ["Below LCL"] + ["7 Point Trend (Increasing)"] * 5 + [
        "Above UCL"]
    assert chart.variation == spc.IMPROVEMENT and chart.variation_words == "Special cause: improvement"
    assert chart.assurance_words == "Assurance: no target set"
    assert "Fewer than 12 points" in chart.summary and "latest month Oct 2023: 70" in chart.summary
    shown = model.table(chart)
    assert shown["Mean"].tolist()[0] == "40.0" and shown["Upper process limit"].tolist()[0] == "66.6"
    assert shown["Variation"].tolist()[0] == "Special cause: concern"
    # a target above the upper limit is consistently missed when higher is better
    judged = model.spc_chart(series, counts([10, 20, 30, 40, 50, 60, 70]), FY, target=70.0)
    assert judged.assurance == spc.CONSISTENT_FAIL and "consistently misses" in judged.assurance_words
    # referrals: no better direction, so neutral and no assurance even with a target
    neutral = model.spc_chart(model.SERIES[0], counts([10, 20, 30, 40, 50, 60, 70]), FY, target=5.0)
    assert neutral.variation_words == "Special cause: neutral (higher)" and neutral.assurance is None
    assert "not applicable" in neutral.assurance_words


def test_zero_months_do_not_stop_the_chart_and_rebasing_splits_the_limits():
    values = [20, 0, 22, 19, 21, 20, 18, 40, 42, 39, 41, 40, 43, 38]
    chart = model.spc_chart(model.SERIES[0], counts(values), FY, rebase_month=pd.Timestamp("2023-11-01"))
    assert not chart.too_small
    assert chart.monthly["period"].tolist() == [0] * 7 + [1] * 7
    assert chart.monthly["mean"].iloc[0] == pytest.approx(120 / 7)
    assert chart.monthly["mean"].iloc[-1] == pytest.approx(283 / 7)
    assert chart.rebase_month == pd.Timestamp("2023-11-01")
    # a period of one month has no moving range: no chart, and a sentence saying why
    last = model.spc_chart(model.SERIES[0], counts(values), FY, rebase_month=pd.Timestamp("2024-05-01"))
    assert last.variation is None and "no variation to set process limits" in last.summary
    flat = model.spc_chart(model.SERIES[2], counts([0] * 12), FY)
    assert not flat.too_small and flat.variation is None and flat.summary.endswith("no variation to chart.")
    assert model.has_small_month(pd.Series([0, 5, 6])) is False
    assert model.has_small_month(pd.Series([0, 4, 6])) is True


# --------------------------------------------------------------------------------------- demo data
@pytest.fixture(scope="module")
def demo():
    return ds.load_demo()


def test_demo_monthly_referrals_match_an_independent_count(demo):
    figures = model.spc_page(demo, FY)
    referrals_chart = figures.charts[0]
    assert len(figures.months) == 72  # Apr 2019 to Mar 2025
    ref = demo.referrals
    in_range = ref[(ref["referral_date"] >= "2019-04-01") & (ref["referral_date"] <= "2025-03-31")]
    expected = in_range["referral_date"].dt.to_period("M").value_counts()
    got = dict(zip(referrals_chart.monthly["month"].dt.to_period("M"), referrals_chart.monthly["count"],
                   strict=True))
    assert got == {p: expected.get(p, 0) for p in got}
    assert not referrals_chart.too_small and referrals_chart.monthly["mean"].iloc[0] == pytest.approx(
        len(in_range) / 72)


def test_demo_months_add_up_to_the_published_year_figures(demo):
    from analysis import profiles

    figures = model.spc_page(demo, FY)
    year = figures.charts[1].monthly
    in_year = year[year["financial_year"] == FY.label]["count"].sum()
    assert in_year == profiles.new_presentations(demo, fy=FY)["count"].iloc[0]
    exits = figures.charts[2].monthly
    planned = exits[exits["financial_year"] == FY.label]["count"].sum()
    assert planned == profiles.successful_completion_rate(demo, fy=FY)["count"].iloc[0]


def test_demo_small_selection_is_not_drawn(demo):
    figures = model.spc_page(demo, FY, Filters(service="Young people", sex="Female"))
    assert all(chart.too_small for chart in figures.charts)
    for chart in figures.charts:
        raw = chart.monthly
        assert raw.loc[raw["suppressed"], "count"].isna().all()
        assert ((raw["count"] > 0) & (raw["count"] < 5)).sum() == 0  # no 1-4 left in the frame a page shows


def test_months_are_counted_as_their_periods_are(demo):
    """``_by_month`` gives what counting each date's calendar month (``to_period("M")``) gives: every month
    asked for (even when not consecutive), zeros kept, missing dates and other months not counted, for
    dates of any resolution."""
    dates = pd.Series(pd.to_datetime(["2023-04-01 00:00", "2023-04-30 23:59", "2023-06-15 12:00", None,
                                      "2023-03-31 23:59", "2024-01-01 00:00", "2023-06-01 00:00"]))
    months = [pd.Timestamp("2023-04-01"), pd.Timestamp("2023-05-01"), pd.Timestamp("2023-06-01"),
              pd.Timestamp("2024-01-01")]
    periods = dates.dt.to_period("M").value_counts()
    expected = [int(periods.get(pd.Period(m, "M"), 0)) for m in months]
    assert expected == [2, 0, 2, 1]
    for unit in ("ns", "us", "s"):
        got = model._by_month(dates.astype(f"datetime64[{unit}]"), months)
        assert got["count"].tolist() == expected and got["month"].tolist() == months
    assert model._by_month(dates.iloc[:0], months)["count"].tolist() == [0, 0, 0, 0]
    triages = demo.episodes["triage_date"]
    every = model.series_months(demo, FY)
    periods = triages.dt.to_period("M").value_counts()
    assert model._by_month(triages, every)["count"].tolist() == [int(periods.get(pd.Period(m, "M"), 0))
                                                                  for m in every]


def test_the_page_selects_each_years_rows_once(demo, monkeypatch):
    """New presentations and planned exits read the same fact-table rows of each year: the page selects
    them once a year (it selected every year twice, one series after the other, as ``person_year.rows``
    keeps only the last few selections), and its counts are each counter's."""
    from analysis import person_year

    calls = []
    select = person_year.select

    def counted(table, fy, filters, **kwargs):
        calls.append((fy, filters, kwargs.get("snapshot", False)))
        return select(table, fy, filters, **kwargs)

    demo.memo.clear()
    monkeypatch.setattr(person_year, "select", counted)
    figures = model.spc_page(demo, FY, Filters(sex="Female"))
    assert len(demo.years) > person_year.KEPT_SELECTIONS  # more years than selections kept
    assert sorted(fy.start_year for fy, _, _ in calls) == [fy.start_year for fy in demo.years]
    months = figures.months
    for chart, counter in zip(figures.charts, model.COUNTERS.values(), strict=True):
        assert chart.monthly["count"].fillna(-1).tolist() == model.suppressed_months(
            counter(demo, months, Filters(sex="Female")), "")["count"].fillna(-1).tolist()
