"""The person-year fact table (analysis/person_year.py): each column against hand-built episodes
(expected values worked out by hand from the GLOSSARY definitions), and every column against the
episode-level cohorts of analysis/cohorts.py on the demo data for every year and selection."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import cohorts, person_year
from analysis.codes import ADULTS, YOUNG_PEOPLE
from analysis.dataset import load_demo
from analysis.filters import ALL, Filters
from analysis.periods import FinancialYear
from tests.factories import episodes, substances

FY = FinancialYear(2024)  # 1 Apr 2024 - 31 Mar 2025


def rows(eps: pd.DataFrame, scope: str = ALL, fy: FinancialYear = FY, subs: pd.DataFrame | None = None
         ) -> pd.DataFrame:
    """The table's rows of ``fy`` and ``scope`` indexed by client id."""
    prepared = cohorts.prepare_episodes(eps)
    table = person_year.select(person_year.build(prepared, [fy], subs), fy, Filters(scope))
    ids = prepared.drop_duplicates("person").set_index("person")["client_id"]
    return table.set_index(ids.loc[table["person"]].to_numpy())


def test_rows_are_people_in_treatment_in_the_year_described_by_their_latest_episode():
    table = rows(episodes([
        {"client_id": "a", "episode_id": "1", "triage_date": "2023-06-01", "discharge_date": "2024-03-31"},  # ended before
        {"client_id": "b", "episode_id": "2", "triage_date": "2023-06-01", "discharge_date": "2024-04-01"},  # in on day 1
        {"client_id": "c", "episode_id": "3", "triage_date": "2025-03-31", "sex": "F", "age_at_triage": 16},
        {"client_id": "d", "episode_id": "4", "triage_date": "2025-04-01"},  # after the year
        {"client_id": "e", "episode_id": "5", "triage_date": "2024-05-01", "discharge_date": "2024-06-01",
         "age_at_triage": 40, "district_code": "E07000177"},
        {"client_id": "e", "episode_id": "6", "triage_date": "2024-09-01", "age_at_triage": 41,
         "district_code": "E07000179", "postcode_district": "OX1"},
    ]))
    assert sorted(table.index) == ["b", "c", "e"]
    assert (table.loc["e", "age"], table.loc["e", "age_band"], table.loc["e", "district"],
            table.loc["e", "postcode_district"]) == (41, "35-44", "E07000179", "OX1")
    assert (table.loc["c", "sex_group"], table.loc["c", "age_band"]) == ("Female", "15-17")
    assert table["year"].unique().tolist() == [2024]


def test_scopes_pick_the_service_and_its_own_latest_episode():
    eps = episodes([
        {"client_id": "a", "episode_id": "1", "triage_date": "2024-05-01", "service": "young_people",
         "discharge_date": "2024-08-01", "age_at_triage": 17},
        {"client_id": "a", "episode_id": "2", "triage_date": "2024-10-01", "service": "adult", "age_at_triage": 18},
        {"client_id": "b", "episode_id": "3", "triage_date": "2024-10-01", "service": "adult"},
    ])
    assert sorted(rows(eps, YOUNG_PEOPLE).index) == ["a"]
    assert rows(eps, YOUNG_PEOPLE).loc["a", "age"] == 17
    assert sorted(rows(eps, ADULTS).index) == ["a", "b"]
    assert rows(eps, ALL).loc["a", "age"] == 18


def test_open_31_march_and_the_snapshot_is_described_by_the_open_episode():
    table = rows(episodes([
        {"client_id": "a", "episode_id": "1", "triage_date": "2024-01-01", "discharge_date": "2025-03-31"},
        {"client_id": "b", "episode_id": "2", "triage_date": "2024-01-01", "discharge_date": "2025-04-01"},
        {"client_id": "c", "episode_id": "3", "triage_date": "2025-03-31"},
        # open all year (male), and a later short episode (female) closed in February
        {"client_id": "d", "episode_id": "4", "triage_date": "2023-01-01", "sex": "M"},
        {"client_id": "d", "episode_id": "5", "triage_date": "2025-01-01", "discharge_date": "2025-02-01", "sex": "F"},
    ]))
    assert table["open_31_march"].to_dict() == {"a": False, "b": True, "c": True, "d": True}
    assert (table.loc["d", "sex_group"], table.loc["d", "snapshot_sex_group"]) == ("Female", "Male")
    assert pd.isna(table.loc["a", "snapshot_sex_group"])


def test_new_presentation_twelve_month_look_back_any_service():
    table = rows(episodes([
        {"client_id": "a", "episode_id": "1", "triage_date": "2024-06-01"},  # first ever: new
        # discharged exactly 12 months before the triage: still open then, not new
        {"client_id": "b", "episode_id": "2", "triage_date": "2023-01-01", "discharge_date": "2023-06-01"},
        {"client_id": "b", "episode_id": "3", "triage_date": "2024-06-01"},
        # discharged 12 months and a day before: new
        {"client_id": "c", "episode_id": "4", "triage_date": "2023-01-01", "discharge_date": "2023-05-31"},
        {"client_id": "c", "episode_id": "5", "triage_date": "2024-06-01"},
        # in treatment in the year but triaged before it: not new
        {"client_id": "d", "episode_id": "6", "triage_date": "2024-03-01"},
    ]))
    assert table["new_presentation"].to_dict() == {"a": True, "b": False, "c": True, "d": False}


def test_new_presentation_is_decided_by_the_first_triage_in_the_year_in_any_service():
    eps = episodes([
        {"client_id": "a", "episode_id": "1", "triage_date": "2024-05-01", "service": "young_people",
         "discharge_date": "2024-06-01"},
        {"client_id": "a", "episode_id": "2", "triage_date": "2024-09-01", "service": "adult"},
    ])
    assert rows(eps, YOUNG_PEOPLE).loc["a", "new_presentation"]
    assert not rows(eps, ADULTS).loc["a", "new_presentation"]  # the first triage was young people's
    assert rows(eps, ALL).loc["a", "new_presentation"]


def test_re_presentation_after_an_earlier_discharge():
    table = rows(episodes([
        {"client_id": "a", "episode_id": "1", "triage_date": "2020-01-01", "discharge_date": "2020-06-01"},
        {"client_id": "a", "episode_id": "2", "triage_date": "2024-06-01"},
        # an earlier episode still open: not a re-presentation
        {"client_id": "b", "episode_id": "3", "triage_date": "2020-01-01"},
        {"client_id": "b", "episode_id": "4", "triage_date": "2024-06-01"},
        {"client_id": "c", "episode_id": "5", "triage_date": "2024-06-01"},
    ]))
    assert table["re_presentation"].to_dict() == {"a": True, "b": False, "c": False}


def test_exit_group_completed_and_exit_days_of_the_last_discharge_in_the_year():
    table = rows(episodes([
        {"client_id": "a", "episode_id": "1", "triage_date": "2024-04-01", "discharge_date": "2024-05-01",
         "discharge_reason": "dropped_out"},
        {"client_id": "a", "episode_id": "2", "triage_date": "2024-06-01", "discharge_date": "2024-08-10",
         "discharge_reason": "completed"},
        {"client_id": "b", "episode_id": "3", "triage_date": "2024-01-01", "discharge_date": "2025-03-31",
         "discharge_reason": "transferred"},
        {"client_id": "c", "episode_id": "4", "triage_date": "2024-01-01", "discharge_date": "2025-04-01",
         "discharge_reason": "completed"},  # after the year: no exit
    ]))
    assert table["exited"].to_dict() == {"a": True, "b": True, "c": False}
    assert table.loc["a", "exit_group"] == "Planned" and table.loc["b", "exit_group"] == "Transferred"
    assert table["completed"].to_dict() == {"a": True, "b": False, "c": False}
    assert table.loc["a", "exit_days"] == 70  # 1 June to 10 August 2024
    assert pd.isna(table.loc["c", "exit_days"]) and pd.isna(table.loc["c", "exit_group"])


def test_back_in_treatment_needs_a_later_episode_open_on_31_march():
    table = rows(episodes([
        {"client_id": "a", "episode_id": "1", "triage_date": "2024-04-10", "discharge_date": "2024-06-01",
         "service": "young_people"},
        {"client_id": "a", "episode_id": "2", "triage_date": "2024-09-01", "service": "adult"},  # moved on: back
        {"client_id": "b", "episode_id": "3", "triage_date": "2024-04-10", "discharge_date": "2024-06-01"},
        {"client_id": "b", "episode_id": "4", "triage_date": "2024-09-01", "discharge_date": "2025-03-31"},
        {"client_id": "c", "episode_id": "5", "triage_date": "2023-01-01"},  # earlier, open all along
        {"client_id": "c", "episode_id": "6", "triage_date": "2024-04-10", "discharge_date": "2024-06-01"},
    ]))
    assert table["back_in_treatment"].to_dict() == {"a": True, "b": False, "c": False}


def test_same_day_ties_are_broken_by_episode_id_as_text():
    """The last exit in the year is the latest discharge, then the greatest episode id compared as
    text ("9" after "10"); back in treatment compares the open episode with the exited one the same way."""
    table = rows(episodes([
        {"client_id": "a", "episode_id": "10", "triage_date": "2024-05-01", "discharge_date": "2024-07-01",
         "discharge_reason": "completed"},
        {"client_id": "a", "episode_id": "9", "triage_date": "2024-06-01", "discharge_date": "2024-07-01",
         "discharge_reason": "dropped_out"},
        # same triage day: the open episode "21" comes after the exited "20" (back); "30" before "31" (not)
        {"client_id": "b", "episode_id": "20", "triage_date": "2024-05-01", "discharge_date": "2024-07-01"},
        {"client_id": "b", "episode_id": "21", "triage_date": "2024-05-01"},
        {"client_id": "c", "episode_id": "30", "triage_date": "2024-05-01"},
        {"client_id": "c", "episode_id": "31", "triage_date": "2024-05-01", "discharge_date": "2024-07-01"},
    ]))
    assert table.loc["a", "exit_group"] == "Unplanned" and table.loc["a", "exit_days"] == 30
    assert table["back_in_treatment"].to_dict() == {"a": False, "b": True, "c": False}


@pytest.mark.parametrize(("days", "retained"), [(83, False), (84, True)])
def test_retention_12_weeks_boundary(days, retained):
    start = pd.Timestamp("2024-06-01")
    table = rows(episodes([
        {"client_id": "a", "episode_id": "1", "triage_date": start, "discharge_date": start + pd.Timedelta(days=days)},
        {"client_id": "b", "episode_id": "2", "triage_date": "2025-01-10"},  # under 84 days before 31 March
    ]))
    assert table["retention_started"].to_dict() == {"a": True, "b": False}
    assert table["retained_12_weeks"].to_dict() == {"a": retained, "b": False}


def test_days_in_treatment_to_discharge_or_31_march():
    table = rows(episodes([
        {"client_id": "a", "episode_id": "1", "triage_date": "2024-04-01", "discharge_date": "2024-04-29"},
        {"client_id": "b", "episode_id": "2", "triage_date": "2025-03-03"},
        {"client_id": "c", "episode_id": "3", "triage_date": "2025-01-01", "discharge_date": "2025-06-01"},
    ]))
    assert table["days_in_treatment"].to_dict() == {"a": 28, "b": 28, "c": 89}
    assert table["discharged_by_31_march"].to_dict() == {"a": True, "b": False, "c": False}


def test_status_fields_come_from_the_describing_episode():
    eps = episodes([
        {"client_id": "a", "episode_id": "1", "triage_date": "2024-04-10", "discharge_date": "2024-06-01",
         "accommodation_status": "settled", "injecting_status": "never", "ethnicity": "white british"},
        {"client_id": "a", "episode_id": "2", "triage_date": "2024-09-01", "accommodation_status": "nfa",
         "injecting_status": "currently", "ethnicity": "indian"},
    ])
    table = rows(eps)
    for column in ("accommodation_status_group", "injecting_status_group", "ethnicity_group"):
        first, latest = eps[column].iloc[0], eps[column].iloc[1]
        assert first != latest  # the two episodes differ, so the test tells which one describes
        assert table.loc["a", column] == latest


def test_ocu_and_effective_treatment_adults_only():
    eps = episodes([
        # OCU, one adult episode retained exactly 84 days: effective
        {"client_id": "a", "episode_id": "1", "triage_date": "2024-05-01", "discharge_date": "2024-07-24"},
        # OCU, 83 days and dropped out: not effective
        {"client_id": "b", "episode_id": "2", "triage_date": "2024-05-01", "discharge_date": "2024-07-23",
         "discharge_reason": "dropped_out"},
        # OCU, 30 days but a planned exit: effective
        {"client_id": "c", "episode_id": "3", "triage_date": "2024-05-01", "discharge_date": "2024-05-31",
         "discharge_reason": "completed"},
        # alcohol only, retained: effective but not OCU
        {"client_id": "d", "episode_id": "4", "triage_date": "2024-05-01"},
        # OCU on the latest episode; an earlier short episode in the year was retained? no: 10 days;
        # the latest is open from 20 March (11 days to 31 March): not effective
        {"client_id": "e", "episode_id": "5", "triage_date": "2024-05-01", "discharge_date": "2024-05-11",
         "discharge_reason": "dropped_out"},
        {"client_id": "e", "episode_id": "6", "triage_date": "2025-03-20"},
        # young people's service: never in the adults' figure
        {"client_id": "f", "episode_id": "7", "triage_date": "2024-05-01", "service": "young_people"},
    ])
    subs = substances([("1", 1, "heroin"), ("2", 1, "crack"), ("3", 2, "heroin"), ("4", 1, "alcohol"),
                       ("5", 1, "heroin"), ("6", 1, "heroin"), ("7", 1, "heroin")])
    adults = rows(eps, ADULTS, subs=subs)
    assert adults["ocu"].to_dict() == {"a": True, "b": True, "c": True, "d": False, "e": True}
    assert adults["effective"].to_dict() == {"a": True, "b": False, "c": True, "d": True, "e": False}
    assert not rows(eps, YOUNG_PEOPLE, subs=subs)["ocu"].any()
    assert not rows(eps, ALL, subs=subs)["ocu"].any()  # the indicator reads the adults' rows


def test_columns_are_tightly_typed():
    table = rows(episodes([{"client_id": "a", "episode_id": "1", "triage_date": "2024-06-01"}]))
    assert {c: str(t) for c, t in table.dtypes.items()} == person_year.COLUMNS


@pytest.fixture(scope="module")
def demo():
    data = load_demo()
    return data, person_year.build(data.episodes, data.years, data.substances)


SELECTIONS = [Filters(), Filters(service=YOUNG_PEOPLE), Filters(service=ADULTS), Filters(sex="Female"),
              Filters(district="E07000178"), Filters(age_band="25-34"),
              Filters(service=ADULTS, sex="Female", age_band="18-24", district="E07000179")]


@pytest.mark.parametrize("filters", SELECTIONS, ids=lambda f: f.describe())
def test_every_column_equals_the_episode_level_cohort_on_the_demo(demo, filters):
    data, table = demo
    ep = data.episodes
    for fy in data.years:
        chosen = person_year.select(table, fy, filters)
        people = cohorts.in_treatment(ep, fy, filters)
        assert sorted(chosen["person"]) == sorted(people["person"])
        # the describing episodes, by row: the very rows of cohorts.in_treatment (in episode order: the
        # order of a selection's rows is the table's, person_year.STORED_ORDER)
        pd.testing.assert_frame_equal(ep.iloc[np.sort(chosen["episode_row"].to_numpy())], people)
        left = np.sort(chosen.loc[chosen["exited"], "exit_row"].to_numpy())
        expected = cohorts.exits(ep, fy, filters)
        pd.testing.assert_frame_equal(ep.iloc[left], expected.drop(columns="exit_group"))
        new = np.sort(chosen.loc[chosen["new_presentation"], "new_row"].to_numpy())
        pd.testing.assert_frame_equal(ep.iloc[new], cohorts.new_presentations(ep, fy, filters))
        assert int(person_year.select(table, fy, filters, snapshot=True)["open_31_march"].sum()) == len(
            cohorts.snapshot(ep, fy, filters))
        assert int(chosen["new_presentation"].sum()) == len(cohorts.new_presentations(ep, fy, filters))
        assert int(chosen["re_presentation"].sum()) == len(cohorts.re_presentations(ep, fy, filters))
        left = cohorts.time_by_exit_group(ep, fy, filters)
        assert (chosen.loc[chosen["exited"], "exit_group"].value_counts().to_dict()
                == left["exit_group"].value_counts().to_dict())
        assert chosen["exit_days"].astype("float64").div(7.0).sum() == pytest.approx(left["weeks"].sum(), rel=1e-12)
        assert (int(chosen["retained_12_weeks"].sum()), int(chosen["retention_started"].sum())) == \
            cohorts.retention_12_weeks(ep, fy, filters)
        assert (int(chosen["back_in_treatment"].sum()), int(chosen["exited"].sum())) == \
            cohorts.back_in_treatment(ep, fy, filters)
        weeks = cohorts.time_in_treatment(ep, fy, filters)
        assert chosen["days_in_treatment"].div(7.0).sum() == pytest.approx(weeks["weeks"].sum(), rel=1e-12)
        assert int((~chosen["discharged_by_31_march"]).sum()) == int((weeks["status"] == "Open").sum())
        latest = people.set_index("person")
        for column in ("ethnicity_group", "accommodation_status_group", "in_care_group", "injecting_status_group"):
            assert chosen.set_index("person")[column].astype(object).equals(
                latest.loc[chosen["person"], column].astype(object))
        adults = person_year.select(table, fy, Filters(ADULTS, filters.age_band, filters.sex, filters.district))
        parts = (int((adults["ocu"] & adults["effective"]).sum()), int(adults["ocu"].sum()))
        assert (None if filters.service == YOUNG_PEOPLE else parts) == cohorts.effective_treatment(
            ep, data.substances, fy, filters)


def test_the_table_s_parts_are_not_copied_into_every_column_and_slice():
    """issue 12: pandas deep-copies ``attrs`` into every column, slice and mask; the table's (year,
    scope) -> rows index is never changed, so those copies are the same object (no copying cost),
    and a selection still gives the rows of its year and scope."""
    import copy

    data = load_demo()
    table = data.person_year()
    fy = data.years[-1]
    chosen = person_year.select(table, fy, Filters(ADULTS, sex="Female"))
    parts = table.attrs["parts"]
    assert copy.deepcopy(parts) is parts
    assert table["year"].attrs["parts"] is parts
    start, stop = parts[(fy.start_year, ADULTS)]
    expected = table[(table["year"] == fy.start_year) & (table["scope"] == ADULTS) & (table["sex_group"] == "Female")]
    assert chosen.index.equals(expected.index) and start <= expected.index.min() and expected.index.max() < stop


def test_the_years_offered_are_worked_out_once_per_data_set(monkeypatch):
    """issue 12: ``Dataset.years`` scanned every episode each time a measure asked (about 30 times per
    Overview, a third of its time at 10% national); it is now worked out once per data set, and again
    only when the tables or the declared years are replaced."""
    from analysis.dataset import Dataset

    data = load_demo()
    expected = data._years()
    calls = []
    original = Dataset._years
    monkeypatch.setattr(Dataset, "_years", lambda self: calls.append(1) or original(self))
    data.derived.pop("years", None)
    assert data.years == expected and data.years == expected and len(calls) == 1
    assert [fy.label for fy in expected][-1] == "2024/25"  # the demo's latest year
    data.declared_years = ["2023/24"]
    assert data.years == [FinancialYear(2023)] and len(calls) == 2


def test_building_holds_little_more_than_the_table_itself():
    """issue 12 (memory): building the table took about 5.5 times its own size in Python-tracked memory
    on the demo (and more in Arrow buffers: 600 MB beside a 56 MB table at 10% national), from
    copies of the episodes per year and scope and text columns as Python objects. It is now built
    from a few per-episode arrays, each part already typed: under twice the size of the table of every
    ``All`` row (1.8 MB), and since the ``All`` rows a service row stands for are not stored (facts12)
    about a third less than building that table (1.7 vs 2.5 MB): the per-episode arrays are a fixed cost
    the halved table (0.9 MB) no longer hides."""
    import tracemalloc

    import numpy as np

    data = load_demo()
    person_year.build(data.episodes, data.years[-1:], data.substances)  # imports and first-use caches

    def traced(build):
        tracemalloc.start()
        try:
            table = build(data.episodes, data.years, data.substances)
            return table, tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    table, peak = traced(person_year.build)
    with pytest.MonkeyPatch.context() as patched:  # every All row stored, as before facts12
        patched.setattr(person_year, "_stands_for_all", lambda parts, people: [
            part.__setitem__("in_all", np.zeros(len(part["person"]), bool)) for part in parts.values()])
        every, every_peak = traced(person_year.build)
    size, every_size = int(table.memory_usage(deep=True).sum()), int(every.memory_usage(deep=True).sum())
    assert len(table) > 15_000 and size > 500_000 and len(every) > 30_000
    assert every_peak < 2 * every_size, f"peak {every_peak:,} bytes for a table of {every_size:,} bytes"
    assert peak < 0.8 * every_peak, f"peak {peak:,} bytes, {every_peak:,} building every All row"


def test_the_table_s_parts_are_found_on_codes_not_on_the_scope_as_text_per_row():
    """issue 12 (memory): finding where each (year, scope) lies made the scope of every row a Python
    string, then an Arrow text column (0.8 s and +350 MB RSS at national scale, 10.4m rows); it now
    compares the year and the scope's category codes: about 4 bytes a row of Python-tracked memory
    on the demo (50 before), and the same parts, in order."""
    import tracemalloc

    data = load_demo()
    table = data.person_year().copy(deep=False)
    table.attrs = {}
    person_year._parts(table.iloc[:10].copy())  # first-use costs
    tracemalloc.start()
    try:
        parts = person_year._parts(table)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * len(table), f"{peak:,} bytes for {len(table):,} rows"
    keys = list(zip(table["year"].tolist(), table["scope"].astype(str).tolist(), strict=True))
    expected, start = {}, 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[start]:
            expected[keys[start]] = (start, i)
            start = i
    # a year whose All rows are all service rows standing for them (in_all) has no All part
    assert dict(parts) == expected and len(parts) >= len(data.years) * (len(person_year.SCOPES) - 1)


def test_a_pages_selection_is_taken_once_and_each_caller_gets_its_own_frame(demo):
    """``rows`` keeps the last ``KEPT_SELECTIONS`` selections with the data set's remembered results:
    the same rows come back without selecting again, a caller changing its frame changes no one
    else's, and older selections are dropped."""
    demo = demo[0]
    fy = demo.years[-1]
    demo.memo.clear()
    first = person_year.rows(demo, fy, Filters(sex="Female"))
    expected = person_year.select(demo.person_year(), fy, Filters(sex="Female"))
    pd.testing.assert_frame_equal(first, expected)
    first["exited"] = False  # a caller's own change
    again = person_year.rows(demo, fy, Filters(sex="Female"))
    pd.testing.assert_frame_equal(again, expected)
    kept = demo.memo[(person_year.SELECTIONS, "recent")]
    assert len(kept) == 1
    districts = list(demo.district_names)
    for year in demo.years:
        for sex in ("Male", "Female"):
            for district in districts:
                person_year.rows(demo, year, Filters(sex=sex, district=district))
    assert len(kept) == person_year.KEPT_SELECTIONS
    assert (fy.start_year, Filters(sex="Female"), False) not in kept  # the oldest went first


def test_episode_ids_are_ranked_in_arrow_as_factorize_sorts_them(monkeypatch):
    """issue 12 (memory): the episode ids' text order (ties of dates are broken by it) was found by
    ``pd.factorize(sort=True)``: 4 s and +0.3 GB at national scale (3m ids). Ranked in Arrow now, with
    the same positions (missing ids -1), and the table is the same."""
    values = pd.Series(["b10", None, "a", "b10", "b9", "B"], dtype="string")
    assert person_year._text_rank(values).tolist() == pd.factorize(values, sort=True)[0].tolist() == [2, -1, 1, 2, 3, 0]
    assert person_year._text_rank(values.astype(object)).tolist() == [2, -1, 1, 2, 3, 0]
    data = load_demo()
    expected = person_year.build(data.episodes, data.years[-2:], data.substances)

    def refused(*args, **kwargs):
        raise AssertionError("the episode ids were factorized in pandas")

    monkeypatch.setattr(person_year.pd, "factorize", refused)
    pd.testing.assert_frame_equal(person_year.build(data.episodes, data.years[-2:], data.substances), expected)


@pytest.mark.parametrize("filters", [Filters(), Filters(sex="Female"), Filters(service=ADULTS, age_band="25-34")])
def test_new_presentations_and_exits_with_columns_give_the_same_values_as_the_whole_rows(demo, filters):
    """``columns`` takes only the episodes' columns a caller reads (the Monthly trends page reads one of six
    years' presentations): the same values and index as the whole rows."""
    demo = demo[0]
    for fy in demo.years:
        whole = person_year.new_presentations(demo, fy, filters)
        pd.testing.assert_frame_equal(person_year.new_presentations(demo, fy, filters, ["triage_date", "sex_group"]),
                                      whole[["triage_date", "sex_group"]])
        whole = person_year.exits(demo, fy, filters)
        pd.testing.assert_frame_equal(person_year.exits(demo, fy, filters, columns=["discharge_date"]),
                                      whole[["discharge_date", "discharge_reason_group", "exit_group"]])
        assert len(whole) > 0
