"""The People page model on the demo data: figures equal hand counts on the demo parquet files and
the profiles functions, every frame is suppressed, and empty selections give sentences."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import dataset as ds
from analysis import profiles
from analysis.codes import ETHNICITY_GROUPS, map_codes
from analysis.filters import Filters
from analysis.periods import FinancialYear
from analysis.suppression import is_disclosive
from analysis.charts_profiles import comparison_table
from analysis.views import people as view

ROOT = Path(__file__).resolve().parent.parent
FY, COMPARISON = FinancialYear(2024), FinancialYear(2023)
SMALL = Filters(service="Young people", sex="Female", district="E07000181")
Z95 = 1.959963984540054  # normal quantile for a 95% two-sided interval


def wilson(count: float, n: float) -> tuple[float, float]:
    """Wilson score interval in %, from the published formula (Wilson 1927)."""
    p = count / n
    centre = p + Z95**2 / (2 * n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n**2))
    denominator = 1 + Z95**2 / n
    return (centre - half) / denominator * 100, (centre + half) / denominator * 100


def people_by_hand(fy: FinancialYear) -> pd.DataFrame:
    """People in treatment during ``fy`` straight from the parquet: an episode triaged by 31 March and
    not discharged before 1 April; each person's latest episode (triage date, then episode id)."""
    episodes = pd.read_parquet(ROOT / "data/demo/episodes.parquet")
    triage, discharge = pd.to_datetime(episodes["triage_date"]), pd.to_datetime(episodes["discharge_date"])
    active = episodes[(triage <= fy.end) & (discharge.isna() | (discharge >= fy.start))].copy()
    active["triage"] = pd.to_datetime(active["triage_date"])
    latest = active.sort_values(["client_id", "triage", "episode_id"]).drop_duplicates("client_id", keep="last")
    return latest


@pytest.fixture(scope="module")
def data():
    return ds.load_demo()


@pytest.fixture(scope="module")
def figures(data):
    return view.people(data, FY, COMPARISON, Filters())


def test_pyramid_cell_equals_hand_count_with_wilson_interval(figures):
    people = people_by_hand(FY)
    males_35_44 = int(((people["sex"] == "M") & people["age_at_triage"].between(35, 44)).sum())
    row = figures.pyramid[(figures.pyramid["age_band"] == "35-44") & (figures.pyramid["sex"] == "Male")].iloc[0]
    assert row["count"] == males_35_44
    assert row["denominator"] == len(people)
    assert row["value"] == pytest.approx(males_35_44 / len(people) * 100)
    lower, upper = wilson(males_35_44, len(people))
    assert row["lower"] == pytest.approx(lower)
    assert row["upper"] == pytest.approx(upper)
    previous = people_by_hand(COMPARISON)
    assert row["previous_count"] == int(((previous["sex"] == "M") & previous["age_at_triage"].between(35, 44)).sum())


def test_pyramid_rows_are_in_age_then_sex_order(figures):
    assert list(figures.pyramid["age_band"].drop_duplicates()) == ["Under 15", "15-17", "18-24", "25-34", "35-44",
                                                                   "45-54", "55-64", "65 and over"]
    assert list(figures.pyramid["sex"].iloc[:3]) == ["Male", "Female", "Other / not stated"]


def test_ethnicity_matches_profiles_in_display_order(data, figures):
    frame = figures.breakdowns["ethnicity"]
    expected = profiles.people_by(data, "ethnicity", fy=FY, filters=Filters()).set_index("ethnicity")["count"]
    assert list(frame["ethnicity"].iloc[: len(ETHNICITY_GROUPS)]) == ETHNICITY_GROUPS
    shown = frame[~frame["suppressed"]].set_index("ethnicity")["count"]
    assert (shown == expected.reindex(shown.index)).all()


def test_accommodation_recorded_is_hand_count(figures):
    people = people_by_hand(FY)
    groups = map_codes(people["accommodation_status"], "accommodation_status")
    recorded = int(groups.isin(["Settled", "Temporary", "No fixed abode"]).sum())
    row = figures.accommodation_recorded.iloc[0]
    assert (row["count"], row["denominator"]) == (recorded, len(people))
    assert row["value"] == pytest.approx(recorded / len(people) * 100)
    assert "Accommodation status recorded" in figures.summaries["accommodation_recorded"]
    assert f"{recorded / len(people) * 100:.0f}%" in figures.summaries["accommodation_recorded"]


def test_in_care_is_of_young_people_service(data, figures):
    expected = profiles.people_by(data, "in_care", fy=FY, filters=Filters(service="Young people"))
    frame = figures.breakdowns["in_care"]
    yes = frame[frame["in_care"] == "Yes"].iloc[0]
    assert yes["count"] == expected.loc[expected["in_care"] == "Yes", "count"].iloc[0]
    assert yes["denominator"] == expected["denominator"].iloc[0]
    assert "young people" in figures.summaries["in_care"]


def test_in_care_not_shown_for_adults(data):
    figures = view.people(data, FY, COMPARISON, Filters(service="Adults"))
    assert figures.breakdowns["in_care"].empty
    assert figures.notes["in_care"] == view.IN_CARE_ADULTS_NOTE


def test_small_selection_is_suppressed_everywhere(data):
    figures = view.people(data, FY, COMPARISON, SMALL)
    frames = [figures.pyramid, figures.accommodation_recorded, *figures.breakdowns.values()]
    hidden_somewhere = False
    for frame in frames:
        for prefix in ("", "previous_"):
            counts = frame[f"{prefix}count"]
            assert not ((counts > 0) & (counts < 5)).any()
            hidden = frame[f"{prefix}suppressed"]
            hidden_somewhere |= bool(hidden.any())
            assert frame.loc[hidden, f"{prefix}value"].isna().all()
        table = comparison_table(frame, [(frame.columns[0], "Key")], FY.label, COMPARISON.label)
        count_columns = [c for c in table.columns if c.startswith("People") or c.startswith("Of people")]
        assert not is_disclosive(table, count_columns)
    assert hidden_somewhere  # the selection is small enough that something is hidden


def test_empty_selection_gives_sentences_not_frames(data):
    figures = view.people(data, FY, COMPARISON, Filters(service="Adults", age_band="Under 15"))
    assert figures.pyramid.empty
    assert all(frame.empty for frame in figures.breakdowns.values())
    assert figures.summaries["pyramid"] == "No adults match the selected filters."
    assert figures.summaries["ethnicity"] == "No adults match the selected filters."


def test_in_order_sorts_by_declared_order_with_unknown_last():
    frame = pd.DataFrame({"g": ["b", "zz", "a"], "count": [1, 2, 3]})
    assert list(view.in_order(frame, {"g": ["a", "b"]})["g"]) == ["a", "b", "zz"]


def _row(category, count, previous, value, previous_value, significant, suppressed=False):
    return {"cat": category, "count": count, "previous_count": previous, "value": value,
            "previous_value": previous_value, "change": value - previous_value, "significant": significant,
            "suppressed": suppressed, "change_suppressed": suppressed}


def test_largest_group_sentence_names_largest_and_significant_changes():
    frame = pd.DataFrame([_row("Settled", 70, 60, 70.0, 60.0, True), _row("Temporary", 30, 40, 30.0, 40.0, True)])
    sentence = view.largest_group_sentence(frame, "cat", "people", FY, COMPARISON)
    assert sentence == ("Largest group, Settled: 70% in 2024/25, up from 60% in 2023/24 (a significant change). "
                        "Significant changes since 2023/24: Settled (up 10.0 points), Temporary (down 10.0 points).")


def test_largest_group_sentence_never_names_a_suppressed_group():
    frame = pd.DataFrame([_row("Settled", np.nan, np.nan, np.nan, np.nan, None, suppressed=True),
                          _row("Temporary", 8, 8, 20.0, 20.0, False)])
    sentence = view.largest_group_sentence(frame, "cat", "people", FY, COMPARISON)
    assert sentence.startswith("Largest group, Temporary: 20% in 2024/25, the same as in 2023/24")
    assert "Settled" not in sentence


@pytest.mark.parametrize("service, noun", [("Young people", "young people"), ("Adults", "adults"), ("All", "people")])
def test_cohort_noun(service, noun):
    assert view.cohort_noun(Filters(service=service)) == noun


# ------------------------------------------------------------------ issue 9: shares among the recorded, single year of age
from dataclasses import replace  # noqa: E402

from analysis.charts_profiles import count_comparison_table, recorded_share_table  # noqa: E402

#: Raw demo accommodation codes that mean "no fixed abode", and those that mean nothing is recorded.
NFA_CODES = {"nfa", "no fixed abode", "urgent housing problem"}


def young_people_by_hand(fy: FinancialYear) -> pd.DataFrame:
    """Young people in treatment during ``fy`` from the parquet: the young people's service's episodes,
    active in the year, each person's latest (triage date, then episode id)."""
    episodes = pd.read_parquet(ROOT / "data/demo/episodes.parquet")
    episodes = episodes[episodes["service"] == "young_people"]
    triage, discharge = pd.to_datetime(episodes["triage_date"]), pd.to_datetime(episodes["discharge_date"])
    active = episodes[(triage <= fy.end) & (discharge.isna() | (discharge >= fy.start))].copy()
    active["triage"] = pd.to_datetime(active["triage_date"])
    return active.sort_values(["client_id", "triage", "episode_id"]).drop_duplicates("client_id", keep="last")


def test_no_fixed_abode_among_recorded_is_hand_count_with_wilson_interval(figures):
    people = people_by_hand(FY)
    raw = people["accommodation_status"].str.strip().str.lower()
    nfa = int(raw.isin(NFA_CODES).sum())
    recorded = int(raw.notna().sum())  # the demo's only not-recorded accommodation is an empty cell
    row = figures.among_recorded["accommodation_status"].set_index("accommodation_status").loc["No fixed abode"]
    assert (row["count"], row["denominator"]) == (nfa, recorded)
    assert row["value"] == pytest.approx(nfa / recorded * 100)
    assert (row["lower"], row["upper"]) == pytest.approx(wilson(nfa, recorded))
    assert row["all_value"] == pytest.approx(nfa / len(people) * 100)
    previous = people_by_hand(COMPARISON)["accommodation_status"].str.strip().str.lower()
    assert row["previous_value"] == pytest.approx(previous.isin(NFA_CODES).sum() / previous.notna().sum() * 100)
    complete = figures.completeness["accommodation_status"].iloc[0]
    assert (complete["count"], complete["denominator"]) == (recorded, len(people))
    sentence = figures.summaries["among_recorded:accommodation_status"]
    lower, upper = wilson(nfa, recorded)
    assert sentence.startswith(
        f"No fixed abode, 2024/25: {nfa / len(people) * 100:.0f}% of all people; {nfa / recorded * 100:.0f}% "
        f"({lower:.0f}% to {upper:.0f}%) of the {recorded / len(people) * 100:.0f}% with accommodation status recorded")


def test_ethnicity_among_recorded_leaves_out_not_stated(figures):
    people = people_by_hand(FY)
    raw = people["ethnicity"].str.strip().str.lower()
    recorded = int((raw.notna() & (raw != "not stated")).sum())
    row = figures.among_recorded["ethnicity"].set_index("ethnicity").loc["White British"]
    assert row["denominator"] == recorded
    assert row["count"] == int((raw == "white british").sum())
    assert "Not stated" not in set(figures.among_recorded["ethnicity"]["ethnicity"])


def test_among_recorded_hides_the_number_recorded_when_a_not_recorded_group_is_hidden(data):
    figures = view.people(data, FY, COMPARISON, SMALL)
    for attribute, among in figures.among_recorded.items():
        if among.empty:
            continue
        breakdown = figures.breakdowns[attribute]
        for prefix, flag in (("", "suppressed"), ("previous_", "previous_suppressed")):
            unknown = breakdown[breakdown[attribute].isin(profiles.UNKNOWN_VALUE_GROUPS)]
            if unknown[flag].any():
                assert among[f"{prefix}denominator"].isna().all(), attribute
                assert among[f"{prefix}value"].isna().all(), attribute
                assert bool(figures.completeness[attribute][flag].iloc[0]), attribute
            # a count hidden in one table is hidden in the other
            hidden_among = set(among.loc[among[flag] & among[f"{prefix}count"].isna(), attribute])
            shown_all = set(breakdown.loc[breakdown[f"{prefix}count"].notna(), attribute])
            assert not hidden_among & shown_all, attribute
        table = recorded_share_table(among, figures.completeness[attribute], attribute, "Key", FY.label,
                                     COMPARISON.label)
        counts = [c for c in table.columns if c.startswith(("People", "Of people"))]
        assert not is_disclosive(table, counts), attribute


def test_small_selection_hides_shares_among_recorded_built_on_small_complements(data):
    figures = view.people(data, FY, COMPARISON, SMALL)
    assert figures.completeness["ethnicity"]["suppressed"].iloc[0]  # 1 to 4 young women here lack an ethnicity
    for among in figures.among_recorded.values():
        shown = among[among["value"].notna()]
        complement = shown["denominator"] - shown["count"]
        assert not ((complement > 0) & (complement < 5)).any()


def test_single_year_of_age_is_hand_count_for_young_people(data):
    figures = view.people(data, FY, COMPARISON, Filters(service="Young people"))
    frame = figures.single_age.set_index(["sex", "age"])
    people = young_people_by_hand(FY)
    for sex, code in (("Male", "M"), ("Female", "F")):
        ages = people.loc[people["sex"] == code, "age_at_triage"]
        peak = int(ages.value_counts().sort_index().idxmax())
        assert frame.loc[(sex, 16), "count"] == int((ages == 16).sum())
        assert frame.loc[(sex, peak), "count"] == int(ages.value_counts().max())
    before = young_people_by_hand(COMPARISON)
    assert frame.loc[("Male", 16), "previous_count"] == int(((before["sex"] == "M") & (before["age_at_triage"] == 16)).sum())
    # 54 males aged 16: Byar's limits worked by hand, n(1 - 1/9n - z/3sqrt(n))^3 and (n+1)(1 - 1/9(n+1) +
    # z/3sqrt(n+1))^3 = 40.5637 and 70.4597 (the exact chi-square limits are 40.566 and 70.458)
    males_16 = frame.loc[("Male", 16)]
    assert males_16["count"] == 54
    assert (males_16["lower"], males_16["upper"]) == pytest.approx((40.5637, 70.4597), abs=1e-3)
    def peak(frame_: pd.DataFrame, code: str) -> tuple[int, int]:
        counts = frame_.loc[frame_["sex"] == code, "age_at_triage"].value_counts().sort_index()
        return int(counts.idxmax()), int(counts.max())  # idxmax on sorted ages: the youngest on a tie
    (m_age, m_n), (f_age, f_n) = peak(people, "M"), peak(people, "F")
    (pm_age, _), (pf_age, _) = peak(before, "M"), peak(before, "F")
    assert (m_age, m_n, f_age, f_n) == (16, 54, 17, 31)
    assert figures.summaries["single_age"] == (
        f"Peak age (age at triage) in 2024/25: {m_age} ({m_n} people) for males, {f_age} ({f_n} people) for "
        f"females; in 2023/24: {pm_age} for males, {pf_age} for females.")


def test_single_year_of_age_hides_every_age_of_a_hidden_band_and_two_in_any_band(data):
    for filters in (Filters(service="Young people"), SMALL, replace(SMALL, sex="All")):
        figures = view.people(data, FY, COMPARISON, filters)
        frame, pyramid = figures.single_age, figures.pyramid.set_index(["sex", "age_band"])
        for prefix, flag in (("", "suppressed"), ("previous_", "previous_suppressed")):
            counts = frame[f"{prefix}count"]
            assert not ((counts > 0) & (counts < 5)).any()
            for (sex, band), group in frame.groupby(["sex", "age_band"]):
                hidden = group[flag]
                if pyramid.loc[(sex, band), flag]:
                    assert hidden.all(), (sex, band)
                else:  # a band shown in the pyramid: a lone hidden age could be worked out from it
                    assert hidden.sum() != 1, (sex, band)
        table = count_comparison_table(frame, [("sex", "Sex"), ("age", "Age")], FY.label, COMPARISON.label)
        assert not is_disclosive(table, [c for c in table.columns if c.startswith("People")])


def test_single_year_of_age_is_for_the_young_peoples_service_only(data, figures):
    assert figures.single_age.empty
    assert figures.notes["single_age"] == view.SINGLE_AGE_NOTE
    adults = view.people(data, FY, COMPARISON, Filters(service="Adults"))
    assert adults.summaries["single_age"] == view.SINGLE_AGE_NOTE


def test_accommodation_recorded_tile_is_hidden_when_it_would_give_back_a_hidden_not_recorded_count():
    """20 settled, 6 temporary, 3 not recorded, 7 unmapped: the 3 is hidden, with the 6 beside it; the
    tile's 26 of 36 recorded would give 36 - 26 - 7 = 3 back, so the tile is hidden too."""
    from tests.factories import episodes, substances
    codes = ["settled"] * 20 + ["temporary"] * 6 + [None] * 3 + ["martian"] * 7
    eps = episodes([{"client_id": f"p{i}", "episode_id": str(i), "triage_date": "2024-05-01",
                     "accommodation_status": c} for i, c in enumerate(codes)])
    tables = {"episodes": eps, "substances": substances([]), "referrals": pd.DataFrame(),
              "districts": pd.DataFrame({"district_code": ["E07000178"], "district_name": ["Oxford"]}),
              "population": pd.DataFrame(columns=["district_code", "year", "sex", "age", "population", "sex_group"])}
    figures = view.people(ds.from_tables(tables, label="t", version="t"), FY, COMPARISON, Filters())
    breakdown = figures.breakdowns["accommodation_status"].set_index("accommodation_status")
    assert breakdown.loc["Not recorded", "suppressed"] and breakdown.loc["Temporary", "suppressed"]
    assert breakdown.loc["Unmapped code", "count"] == 7
    tile = figures.accommodation_recorded.iloc[0]
    assert tile["suppressed"] and pd.isna(tile["value"]) and pd.isna(tile["count"])
    among = figures.among_recorded["accommodation_status"]
    assert among["denominator"].isna().all() and among["value"].isna().all()
    assert "26" not in figures.summaries["accommodation_recorded"]


@pytest.mark.parametrize("attribute, column, key, codes, unknown, young_people", [
    # "declined" is a recorded answer in the file but says nothing about injecting: not recorded
    ("injecting_status", "injecting_status", "Currently injecting", {"currently", "current"}, {"declined"}, False),
    ("in_care", "in_care", "Yes", {"y", "yes"}, set(), True),
])
def test_key_category_among_recorded_is_hand_count(data, figures, attribute, column, key, codes, unknown,
                                                   young_people):
    people = young_people_by_hand(FY) if young_people else people_by_hand(FY)
    raw = people[column].str.strip().str.lower()
    recorded = raw.notna() & ~raw.isin(unknown)
    count, total = int(raw.isin(codes).sum()), int(recorded.sum())
    row = figures.among_recorded[attribute].set_index(attribute).loc[key]
    assert (row["count"], row["denominator"]) == (count, total)
    assert (row["lower"], row["upper"]) == pytest.approx(wilson(count, total))
    assert row["all_value"] == pytest.approx(count / len(people) * 100)
    complete = figures.completeness[attribute].iloc[0]
    assert complete["value"] == pytest.approx(total / len(people) * 100)


def test_single_year_of_age_in_the_earliest_year_has_no_comparison(data):
    """The earliest year has no comparison year (``NO_COMPARISON``): the peak ages of that year are
    named and the comparison year's are said to be not available (this raised an error before)."""
    from analysis.periods import NO_COMPARISON

    first = data.years[0]
    figures = view.people(data, first, NO_COMPARISON, Filters(service="Young people"))
    people = young_people_by_hand(first)
    males = people.loc[people["sex"] == "M", "age_at_triage"].value_counts().sort_index()
    assert figures.single_age["previous_count"].isna().all()
    summary = figures.summaries["single_age"]
    assert summary.startswith(f"Peak age (age at triage) in {first.label}: {int(males.idxmax())} ({int(males.max())} people) for males")
    assert summary.endswith(f"; {NO_COMPARISON.label} not available.")


# ------------------------------------------------------------------ the sentences' helpers, on hand-built frames
def _compared(rows: list[tuple]) -> pd.DataFrame:
    """A small suppressed year-on-year frame: (group, count, previous count, change, significant, suppressed,
    change suppressed)."""
    frame = pd.DataFrame(rows, columns=["group", "count", "previous_count", "change", "significant", "suppressed",
                                        "change_suppressed"])
    frame["significant"] = frame["significant"].astype(object)
    return frame


def test_the_sentences_name_the_first_largest_shown_group_and_only_shown_significant_changes():
    frame = _compared([("A", 30.0, 20.0, 1.25, True, False, False),
                       ("B", 50.0, 50.0, -2.0, None, True, True),     # largest, but hidden
                       ("C", 40.0, 35.0, -3.04, True, False, False),
                       ("D", 40.0, 10.0, 9.0, False, False, False),   # ties with C: C comes first
                       ("E", np.nan, 4.0, np.nan, True, False, True)])  # a significant change hidden
    assert view._largest(frame)["group"] == "C"
    assert view._largest(frame.assign(suppressed=True)) is None
    assert view._first_of(frame, "group", "D")["count"] == 40.0 and view._first_of(frame, "group", "Z") is None
    assert view.flags(frame, "significant").tolist() == [True, False, True, False, True]
    assert view.significant_changes_sentence(frame, "group", COMPARISON) == (
        "Significant changes since 2023/24: A (up 1.2 points), C (down 3.0 points).")
    assert view.significant_changes_sentence(frame.assign(significant=None), "group", COMPARISON) == (
        "No group changed significantly since 2023/24.")


def test_extras_with_nobody_in_either_year_are_dropped_and_the_rest_kept_in_order():
    frame = _compared([("A", 0.0, 0.0, 0.0, False, False, False),
                       ("Not recorded", 0.0, 0.0, 0.0, False, False, False),
                       ("Unmapped code", 0.0, 2.0, 0.0, False, False, False),
                       ("Odd", np.nan, np.nan, 0.0, None, False, False)])
    kept = view.without_empty_extras(frame, "group", ["A", "B"])
    assert kept["group"].tolist() == ["A", "Unmapped code"]
    whole = frame.iloc[:1]
    assert view.without_empty_extras(whole, "group", ["A"]) is whole  # nothing to drop: the frame itself
    assert view._positions(["b", "x", "a"], ["a", "b"]).tolist() == [1, -1, 0]
    assert view.nobody(frame.iloc[[0, 1, 3]]) and not view.nobody(frame)


def test_group_denominators_are_protected_as_one_column_with_its_published_total():
    """People of each sex this year 50, 3, 7 (total published): 3 is hidden and 7 with it (the smallest
    other group), so their rows' denominators are hidden; last year's 60, 10, 8 hide nothing."""
    from analysis import board
    from analysis.yoy import PROPORTION, measure, year_on_year

    def year(denominators: list[int]) -> pd.DataFrame:
        return measure(pd.DataFrame({"sex": ["Male", "Male", "Female", "Female", "Other"],
                                     "substance": ["A", "B", "A", "B", "A"], "count": [20, 30, 2, 1, 5],
                                     "denominator": denominators}), PROPORTION)

    raw = year_on_year(year([50, 50, 3, 3, 7]), year([60, 60, 10, 10, 8]))
    out = view.protect_group_denominators(board.suppress_comparison(raw, ["sex"], complement=True), raw, "sex")
    assert out["denominator_suppressed"].tolist() == [False, False, True, True, True]
    assert out["denominator"].isna().tolist() == [False, False, True, True, True]
    assert not out["previous_denominator_suppressed"].any()
    assert out["previous_denominator"].tolist() == [60, 60, 10, 10, 8]
