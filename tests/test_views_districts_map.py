"""The Districts and map page model on the demo data, against hand counts and published formulas."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from analysis import stats
from analysis.dataset import load_demo
from analysis.filters import NOT_KNOWN, Filters
from analysis.periods import FinancialYear
from analysis.suppression import is_disclosive
from analysis.views import districts_map as view

ROOT = Path(__file__).resolve().parent.parent
FY, COMPARISON = FinancialYear(2024), FinancialYear(2023)
WEST = "E07000181"
SMALL = Filters(service="Young people", sex="Female", district=WEST)


@pytest.fixture(scope="module")
def data():
    return load_demo()


@pytest.fixture(scope="module")
def figures(data):
    return view.districts_map(data, FY, COMPARISON, Filters())


@pytest.fixture(scope="module")
def small(data):
    return view.districts_map(data, FY, COMPARISON, SMALL)


def hand_people(start: dt.date, end: dt.date, ages=(10, 64)) -> pd.DataFrame:
    """People in treatment from the raw Parquet: triage <= end, discharge empty or >= start; each
    person's district and age from their latest episode (latest triage) in the year."""
    raw = pd.read_parquet(ROOT / "data" / "demo" / "episodes.parquet")
    triage = pd.to_datetime(raw["triage_date"]).dt.date
    discharge = pd.to_datetime(raw["discharge_date"]).dt.date
    active = raw[(triage <= end) & (discharge.isna() | (discharge >= start))]
    latest = active.sort_values(["client_id", "triage_date", "episode_id"]).groupby("client_id").tail(1)
    return latest[latest["age_at_triage"].between(*ages)]


def hand_population(year: int, ages=(10, 64)) -> pd.Series:
    pop = pd.read_parquet(ROOT / "data" / "demo" / "population.parquet")
    pop = pop[(pop["year"] == year) & pop["age"].between(*ages)]
    return pop.groupby("district_code")["population"].sum()


def test_district_counts_and_rates_are_hand_counts(figures):
    people = hand_people(dt.date(2024, 4, 1), dt.date(2025, 3, 31))
    counts = people["district_code"].fillna(NOT_KNOWN).value_counts()
    population = hand_population(2024)
    rows = figures.districts.set_index("district_code")
    for code, population_of in population.items():
        assert rows.loc[code, "count"] == counts.get(code, 0)
        assert rows.loc[code, "value"] == pytest.approx(counts.get(code, 0) / population_of * 1000)
    assert rows.loc[NOT_KNOWN, "count"] == counts[NOT_KNOWN]
    assert figures.partnership["count"].iloc[0] == len(people)
    assert figures.partnership["value"].iloc[0] == pytest.approx(len(people) / population.sum() * 1000)


def test_funnel_judgement_is_the_exact_poisson_test_against_the_partnership(figures):
    """A district is significantly higher at 95% when P(X >= O | E) < 2.5%, E = partnership rate x population."""
    baseline = figures.partnership["value"].iloc[0]
    for _, row in figures.districts[figures.districts["district_code"] != NOT_KNOWN].iterrows():
        expected = baseline / 1000 * row["denominator"]
        higher = scipy_stats.poisson.sf(row["count"] - 1, expected) < 0.025
        lower = scipy_stats.poisson.cdf(row["count"], expected) < 0.025
        label = stats.SIGNIFICANTLY_HIGHER if higher else stats.SIGNIFICANTLY_LOWER if lower else \
            stats.NOT_SIGNIFICANTLY_DIFFERENT
        assert row["compared_with_partnership"] == label, row["district"]
        higher_998 = scipy_stats.poisson.sf(row["count"] - 1, expected) < 0.001
        if higher_998:
            assert row["outside_998"] == stats.SIGNIFICANTLY_HIGHER


def test_funnel_limits_span_every_district(figures):
    limits = figures.funnel_limits
    populations = figures.districts["denominator"].dropna()
    assert limits["population"].iloc[0] == pytest.approx(populations.min() * 0.5)
    assert limits["population"].iloc[-1] == pytest.approx(populations.max() * 1.5)
    assert (limits["lower_998"] <= limits["lower_95"]).all() and (limits["upper_95"] <= limits["upper_998"]).all()
    assert np.all(np.diff(limits["upper_95"]) <= 1e-12)  # the funnel narrows as population grows


def test_not_known_sentence_gives_number_and_share(figures):
    people = hand_people(dt.date(2024, 4, 1), dt.date(2025, 3, 31))
    unknown = int(people["district_code"].isna().sum())
    assert figures.not_known.startswith(f"{unknown:,} people in treatment aged 10-64 in 2024/25 "
                                        f"({unknown / len(people) * 100:.1f}% of {len(people):,})")


def test_rate_sentence_names_the_highest_and_lowest_district(figures, data):
    people = hand_people(dt.date(2024, 4, 1), dt.date(2025, 3, 31))
    rates = people["district_code"].value_counts() / hand_population(2024) * 1000
    names = data.district_names
    assert figures.rate_summary.startswith(f"{names[rates.idxmax()]} had the highest rate in 2024/25: "
                                           f"{rates.max():.1f} per 1,000 aged 10-64")
    assert f"{names[rates.idxmin()]} had the lowest: {rates.min():.1f} per 1,000" in figures.rate_summary
    assert "the partnership's" in figures.rate_summary


def test_every_ward_is_listed_with_hand_counts(figures):
    people = hand_people(dt.date(2024, 4, 1), dt.date(2025, 3, 31), ages=(0, 200))
    counts = people["ward_code"].value_counts()
    wards = figures.wards.set_index("area")
    assert len(wards.drop(index=NOT_KNOWN, errors="ignore")) == 137
    for code in ["E05006517", "E05006564"]:
        assert wards.loc[code, "count"] == counts.get(code, 0)
    assert wards.loc["E05006517", "name"] == "Adderbury" and wards.loc["E05006517", "district"] == "Cherwell"
    assert "No population is held by ward" in figures.ward_summary
    shown = wards[~wards["suppressed"] & wards["count"].between(1, view.SMALL_NUMBER_CAUTION - 1)]
    assert (shown["caution"] == view.CAUTION_NOTE).all() and len(shown)


def test_wards_follow_the_district_filter(small, data):
    wards = small.wards[small.wards["area"] != NOT_KNOWN]
    assert set(wards["district"]) == {data.district_names[WEST]}


@pytest.mark.parametrize("table", ["district_table", "funnel_table", "ward_table", "postcode_table"])
def test_small_selection_shows_no_count_from_1_to_4(small, table):
    shown = getattr(small, table)
    count_columns = [c for c in shown.columns if c.startswith("People")]
    assert count_columns
    assert not is_disclosive(shown, count_columns)


def test_small_selection_hides_and_says_so(small):
    assert "*" in small.district_table.to_string()
    assert "not plotted" in small.funnel_summary
    # The district with hidden counts has no judgement against the partnership.
    hidden = small.districts[small.districts["suppressed"] & (small.districts["district_code"] != NOT_KNOWN)]
    assert len(hidden) and hidden["compared_with_partnership"].isna().all()


def test_people_by_ward_adds_zero_rows():
    data = load_demo()
    frame = view.people_by_ward(data, fy=FY, filters=Filters(), ward_codes=("E99999999",))
    row = frame[frame["area"] == "E99999999"].iloc[0]
    assert row["count"] == 0 and row["denominator"] == frame["count"].sum()
    assert frame["area"].iloc[-1] == NOT_KNOWN


def test_small_selection_tooltips_show_no_count_from_1_to_4(small):
    import re

    from analysis import maps

    figures = [
        maps.district_map(small.districts, small.district_geojson, year_label="2024/25", comparison_label="2023/24"),
        maps.district_map(small.districts, small.district_geojson, view=maps.CHANGE_VIEW),
        maps.area_count_map(small.wards, small.ward_geojson, code_property="ward_code", year_label="2024/25"),
        maps.funnel_plot(small.districts, small.funnel_limits, float(small.partnership["value"].iloc[0])),
    ]
    hover = " ".join(str(h) for f in figures if f is not None for t in f.data for h in (t.hovertext or ()))
    assert "People" in hover
    assert not re.search(r"People[^:<]*: [1-4](<|$)", hover)


@pytest.mark.parametrize("fy, filters", [
    (FY, Filters()),
    (FY, Filters(service="Young people", sex="Male", age_band="18-24")),  # another district hidden, Not known 0
    (FinancialYear(2022), Filters(sex="Female", age_band="Under 15")),
    (FY, Filters(service="Young people", sex="Female")),
])
def test_not_known_sentence_agrees_with_the_table(data, fy, filters):
    """The sentence and the table's "Not known" row come from the same suppressed figure: hidden in
    both, or the same number in both (issue 9: the sentence said hidden while the table showed it)."""
    figures = view.districts_map(data, fy, FinancialYear(fy.start_year - 1), filters)
    row = figures.district_table.set_index("District").loc[NOT_KNOWN]
    shown = row[f"People {fy.label}"]
    if shown == "*":
        assert "is not shown" in figures.not_known
    else:
        assert "is not shown" not in figures.not_known
        assert figures.not_known.startswith("No people" if shown == "0" else f"{shown} people"), figures.not_known


def test_not_known_sentence_takes_its_share_from_the_partnership_total():
    frame = pd.DataFrame({"district_code": ["A", "B", NOT_KNOWN], "district": ["A", "B", NOT_KNOWN],
                          "count": [np.nan, 188.0, 12.0], "suppressed": [True, False, False]})
    partnership = pd.Series({"count": 203.0, "suppressed": False})
    text = view.not_known_sentence(frame, partnership, "aged 10-64", FY)
    assert text.startswith("12 people in treatment aged 10-64 in 2024/25 (5.9% of 203) have no known district")


def test_no_boundaries_no_map_but_tables_and_funnel(data, figures):
    bare = view.districts_map(data, FY, COMPARISON, Filters(), district_boundaries=None, ward_boundaries=None)
    assert bare.district_geojson["features"] == [] and bare.ward_geojson["features"] == []
    assert bare.boundaries_note.startswith("No district boundaries match this data set's districts")
    pd.testing.assert_frame_equal(bare.district_table, figures.district_table)
    pd.testing.assert_frame_equal(bare.funnel_table, figures.funnel_table)
    assert not bare.funnel_limits.empty
    # wards are still counted, by code, from the episodes alone
    assert bare.wards["count"].sum() == figures.wards["count"].sum()
    assert figures.boundaries_note == ""


def test_a_district_without_a_boundary_is_named(tmp_path, data):
    import json

    from analysis.dataset import DEMO_BOUNDARIES

    partial = json.loads(DEMO_BOUNDARIES.read_text())
    partial["features"] = [f for f in partial["features"] if f["properties"]["district_code"] != WEST]
    path = tmp_path / "partial.geojson"
    path.write_text(json.dumps(partial))
    figures = view.districts_map(data, FY, COMPARISON, Filters(), district_boundaries=str(path))
    assert figures.boundaries_note == ("No boundary for West Oxfordshire: left off the map, but in the tables "
                                       "and the funnel plot.")
