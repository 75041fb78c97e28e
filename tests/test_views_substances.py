"""The Substances page model on the demo data: shares equal hand counts on the demo parquet files,
the change interval equals Newcombe's method worked from the Wilson formula, and small or empty
selections are suppressed or give sentences."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import dataset as ds
from analysis import profiles
from analysis.charts_profiles import comparison_table
from analysis.codes import map_codes
from analysis.filters import Filters
from analysis.periods import FinancialYear
from analysis.summaries import distinct_values
from analysis.suppression import is_disclosive
from analysis.views import substances as view
from tests.test_views_people import people_by_hand, wilson

ROOT = Path(__file__).resolve().parent.parent
FY, COMPARISON = FinancialYear(2024), FinancialYear(2023)
SMALL = Filters(service="Young people", sex="Female", district="E07000181")
ANY, PRIMARY = profiles.ANY_MENTION, profiles.PRIMARY


def substance_people_by_hand(fy: FinancialYear, group: str, *, primary: bool, service: str | None = None) -> tuple[int, int]:
    """(people with ``group`` among their latest in-year episode's substances, people in treatment)."""
    people = people_by_hand(fy)
    if service is not None:  # the service filter applies to episodes before choosing the latest
        episodes = pd.read_parquet(ROOT / "data/demo/episodes.parquet")
        episodes = episodes[map_codes(episodes["service"], "service") == service]
        triage = pd.to_datetime(episodes["triage_date"])
        discharge = pd.to_datetime(episodes["discharge_date"])
        active = episodes[(triage <= fy.end) & (discharge.isna() | (discharge >= fy.start))].copy()
        active["triage"] = pd.to_datetime(active["triage_date"])
        people = active.sort_values(["client_id", "triage", "episode_id"]).drop_duplicates("client_id", keep="last")
    subs = pd.read_parquet(ROOT / "data/demo/substances.parquet")
    if primary:
        subs = subs[subs["rank"] == 1]
    subs = subs[map_codes(subs["substance"], "substance") == group]
    return int(people["episode_id"].isin(subs["episode_id"]).sum()), len(people)


@pytest.fixture(scope="module")
def data():
    return ds.load_demo()


@pytest.fixture(scope="module")
def figures(data):
    return view.substances(data, FY, COMPARISON, Filters())


@pytest.mark.parametrize("view_name, primary", [(ANY, False), (PRIMARY, True)])
@pytest.mark.parametrize("group", ["Alcohol", "Opiates", "Cannabis"])
def test_share_equals_hand_count(figures, view_name, primary, group):
    count, people = substance_people_by_hand(FY, group, primary=primary)
    row = figures.overall[view_name].set_index("substance").loc[group]
    assert (row["count"], row["denominator"]) == (count, people)
    assert row["value"] == pytest.approx(count / people * 100)
    lower, upper = wilson(count, people)
    assert (row["lower"], row["upper"]) == (pytest.approx(lower), pytest.approx(upper))
    previous, previous_people = substance_people_by_hand(COMPARISON, group, primary=primary)
    assert (row["previous_count"], row["previous_denominator"]) == (previous, previous_people)


def test_primary_counts_each_person_once(figures):
    primary = figures.overall[PRIMARY]
    assert primary["count"].sum() <= primary["denominator"].iloc[0]
    assert figures.overall[ANY]["count"].sum() > primary["count"].sum()


def test_change_interval_is_newcombe_from_wilson_limits(figures):
    row = figures.change[ANY].set_index("substance").loc["Alcohol"]
    p1, p2 = row["count"] / row["denominator"], row["previous_count"] / row["previous_denominator"]
    l1, u1 = (x / 100 for x in wilson(row["count"], row["denominator"]))
    l2, u2 = (x / 100 for x in wilson(row["previous_count"], row["previous_denominator"]))
    lower = (p1 - p2) - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = (p1 - p2) + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    assert row["change"] == pytest.approx((p1 - p2) * 100)
    assert row["change_lower"] == pytest.approx(lower * 100)
    assert row["change_upper"] == pytest.approx(upper * 100)
    assert bool(row["significant"]) == (lower > 0 or upper < 0)


def test_summary_sentence_follows_the_figures(figures):
    frame = figures.overall[ANY]
    top = frame.loc[frame["count"].idxmax()]
    sentence = figures.summaries[f"overall:{ANY}"]
    # 46% and 46% would read as no change: the two years are given to one decimal place (45.8%, 46.2%)
    now, before = distinct_values(top["value"], top["previous_value"], "proportion")
    assert sentence.startswith(f"{top['substance']} was a problem substance for {now} of people "
                               f"in treatment in 2024/25")
    assert f"{'down' if top['value'] < top['previous_value'] else 'up'} from {before} in 2023/24" in sentence


def test_by_age_for_young_people_has_only_their_age_bands(data):
    figures = view.substances(data, FY, COMPARISON, Filters(service="Young people"))
    assert list(figures.by_age[ANY]["age_band"].drop_duplicates()) == ["Under 15", "15-17", "18-24"]
    count, people = substance_people_by_hand(FY, "Alcohol", primary=False, service="Young people")
    assert figures.overall[ANY].set_index("substance").loc["Alcohol", "count"] == count
    assert figures.summaries[f"overall:{ANY}"].startswith("Alcohol was a problem substance for "
                                                          f"{count / people * 100:.0f}% of young people")


def test_by_sex_denominators_are_people_of_that_sex(data, figures):
    people = people_by_hand(FY)
    frame = figures.by_sex[ANY]
    female = frame[frame["sex"] == "Female"]
    assert (female["denominator"] == int((people["sex"] == "F").sum())).all()


def test_small_selection_is_suppressed_everywhere(data):
    figures = view.substances(data, FY, COMPARISON, SMALL)
    frames = [*figures.overall.values(), *figures.by_sex.values(), *figures.by_age.values(), *figures.change.values()]
    hidden_somewhere = False
    for frame in frames:
        for prefix in ("", "previous_"):
            counts = frame[f"{prefix}count"]
            assert not ((counts > 0) & (counts < 5)).any()
            hidden_somewhere |= bool(frame[f"{prefix}suppressed"].any())
        assert frame.loc[frame["change_suppressed"], ["change", "change_lower", "change_upper"]
                         if "change_lower" in frame else ["change"]].isna().all().all()
        table = comparison_table(frame, [("substance", "Substance")], FY.label, COMPARISON.label)
        assert not is_disclosive(table, [c for c in table.columns if c.startswith(("People", "Of people"))])
    assert hidden_somewhere
    assert set(figures.by_sex[ANY]["sex"]) == {"Female"}


def test_empty_selection_gives_sentences(data):
    figures = view.substances(data, FY, COMPARISON, Filters(service="Adults", age_band="Under 15"))
    assert all(f.empty for f in [*figures.overall.values(), *figures.by_age.values(), *figures.change.values()])
    assert figures.summaries[f"change:{PRIMARY}"] == "No adults match the selected filters."


def _frame(rows):
    columns = ["substance", "count", "value", "previous_value", "change", "significant", "suppressed",
               "change_suppressed", "change_lower", "change_upper"]
    return pd.DataFrame(rows, columns=columns)


def test_substance_sentence_wording():
    frame = _frame([["Alcohol", 30, 75.0, 64.0, 11.0, True, False, False, 2.0, 20.0],
                    ["Cannabis", 20, 50.0, 50.0, 0.0, False, False, False, -5.0, 5.0]])
    assert view.substance_sentence(frame, ANY, "young people", FY, COMPARISON) == (
        "Alcohol was a problem substance for 75% of young people in treatment in 2024/25, "
        "up from 64% in 2023/24 (significant).")
    assert view.substance_sentence(frame, PRIMARY, "people", FY, COMPARISON).startswith(
        "Alcohol was the primary substance for 75% of people")


def test_change_sentence_names_largest_significant_change_only_if_shown():
    frame = _frame([["Alcohol", np.nan, np.nan, 64.0, np.nan, None, True, True, np.nan, np.nan],
                    ["Cannabis", 20, 50.0, 44.0, 6.0, True, False, False, 1.5, 10.5],
                    ["Opiates", 20, 10.0, 12.0, -2.0, False, False, False, -4.0, 0.5]])
    assert view.change_sentence_points(frame, COMPARISON) == (
        "Largest significant change since 2023/24: Cannabis, up 6.0 percentage points (95% CI +1.5 to +10.5).")
    frame.loc[1, "significant"] = False
    assert view.change_sentence_points(frame, COMPARISON).startswith(
        "No substance's share changed significantly since 2023/24; the largest change was Cannabis")


def test_by_sex_and_by_age_sentences():
    frame = pd.DataFrame({"sex": ["Male", "Male", "Female"], "age_band": ["Under 15", "15-17", "Under 15"],
                          "substance": ["Alcohol", "Cannabis", "Alcohol"], "count": [10, 20, 8],
                          "value": [25.0, 50.0, 80.0], "suppressed": [False, False, False]})
    assert view.by_sex_sentence(frame, "people", FY) == (
        "Most common problem substance in 2024/25: Cannabis for males (50%), Alcohol for females (80%).")
    assert view.by_age_sentence(frame, "young people", FY) == (
        "Highest share in 2024/25: Alcohol among young people aged under 15 (80% of them).")


# ------------------------------------------------------------------ issue 9: drug class
#: Demo substance codes by class, written out from the Misuse of Drugs Act 1971 schedules (not from codes.py).
CLASS_A_CODES = {"heroin", "methadone", "crack", "cocaine", "ecstasy"}
CLASS_B_CODES = {"cannabis", "amphetamine", "ketamine"}


def class_people_by_hand(fy: FinancialYear, codes: set[str], sex: str) -> tuple[int, int]:
    """(people of ``sex`` whose latest in-year episode has a substance in ``codes``, people of that sex)."""
    people = people_by_hand(fy)
    people = people[people["sex"] == sex]
    subs = pd.read_parquet(ROOT / "data/demo/substances.parquet")
    subs = subs[subs["substance"].str.strip().str.lower().isin(codes)]
    return int(people["episode_id"].isin(subs["episode_id"]).sum()), len(people)


@pytest.mark.parametrize("sex, code", [("Male", "M"), ("Female", "F")])
@pytest.mark.parametrize("drug_class, codes", [("Class A", CLASS_A_CODES), ("Class B", CLASS_B_CODES)])
def test_drug_class_share_equals_hand_count(figures, sex, code, drug_class, codes):
    count, people = class_people_by_hand(FY, codes, code)
    row = figures.drug_class.set_index(["sex", "drug_class"]).loc[(sex, drug_class)]
    assert (row["count"], row["denominator"]) == (count, people)
    assert row["value"] == pytest.approx(count / people * 100)
    assert (row["lower"], row["upper"]) == pytest.approx(wilson(count, people))
    before, before_people = class_people_by_hand(COMPARISON, codes, code)
    assert (row["previous_count"], row["previous_denominator"]) == (before, before_people)


def test_drug_class_sentence_gives_the_most_common_class_with_intervals(figures):
    count, people = class_people_by_hand(FY, CLASS_A_CODES, "M")
    lower, upper = wilson(count, people)
    assert figures.summaries["drug_class"].startswith(
        f"Class A (any mention), 2024/25: {count / people * 100:.0f}% ({lower:.0f}% to {upper:.0f}%) of males")


def test_drug_class_protects_the_sexes_denominators(data):
    """Young people 2023/24: 1 to 4 of "other / not stated" sex, so a second sex's number of people
    (and its percentages) is hidden too, or it could be worked back from the people in treatment."""
    frame = view.substances(data, FY, COMPARISON, Filters(service="Young people")).drug_class
    for prefix in ("", "previous_"):
        per_sex = frame.groupby("sex")[f"{prefix}denominator_suppressed"].first()
        assert per_sex.sum() != 1
        hidden = frame[f"{prefix}denominator_suppressed"].astype(bool)
        assert frame.loc[hidden, f"{prefix}value"].isna().all()
        assert frame.loc[hidden, f"{prefix}denominator"].isna().all()
    assert frame.groupby("sex")["previous_denominator_suppressed"].first().sum() == 2


def test_drug_class_small_selection_shows_no_count_from_1_to_4(data):
    frame = view.substances(data, FY, COMPARISON, SMALL).drug_class
    assert set(frame["sex"]) == {"Female"}
    table = comparison_table(frame, [("sex", "Sex"), ("drug_class", "Drug class")], FY.label, COMPARISON.label)
    assert not is_disclosive(table, [c for c in table.columns if c.startswith(("People", "Of people"))])
    assert (table == "*").any().any()
    shown = frame[frame["value"].notna()]
    complement = shown["denominator"] - shown["count"]
    assert not ((complement > 0) & (complement < 5)).any()


def test_drug_class_for_nobody_gives_a_sentence(data):
    figures = view.substances(data, FY, COMPARISON, Filters(service="Adults", age_band="Under 15"))
    assert figures.drug_class.empty
    assert figures.summaries["drug_class"] == "No adults match the selected filters."


@pytest.mark.parametrize("filters", [Filters(service="Young people"), SMALL, Filters(service="Young people",
                                                                                       district="E07000181")])
def test_by_sex_and_age_band_never_hide_a_lone_group_denominator(data, filters):
    """The sexes' (and age bands') numbers of people add up to the people in the selection, shown
    elsewhere: one hidden group's number could be worked back, so none is hidden alone."""
    figures = view.substances(data, FY, COMPARISON, filters)
    for frames, by in ((figures.by_sex, "sex"), (figures.by_age, "age_band")):
        for frame in frames.values():
            for prefix in ("", "previous_"):
                per_group = frame.groupby(by, observed=True)[f"{prefix}denominator_suppressed"].first()
                assert per_group.sum() != 1, (by, prefix)
                hidden = frame[f"{prefix}denominator_suppressed"].astype(bool)
                assert frame.loc[hidden, f"{prefix}value"].isna().all()
