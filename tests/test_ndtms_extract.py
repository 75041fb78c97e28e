"""An NDTMS-shaped young people's extract loads with no mapping step, and its headline figures equal hand counts.

The extract is the committed fixture ``tests/data/ndtms_young_people/`` (see its README): the headers,
code labels, UK dates, dates of birth (no age column), pre-2009 district codes and a district name
that a real young people's service's case-management export has. It goes through the same steps as
the Data page (``analysis.intake``: preview, proposed column mapping, unmapped codes, validation),
is saved to a real store, read back as the app's Dataset and measured by the page models, with
nothing chosen by hand: the proposed mapping is taken as it is and no code is mapped.

Hand counts, financial year 2024/25 (1 April 2024 to 31 March 2025), comparison 2023/24. Each person's
episodes are in ``episodes.csv`` (YP01..YP33; people YP25-YP28 have two episodes):

* In treatment in 2024/25 (triage on or before 31/03/2025, discharge empty or on or after 01/04/2024): 30.
  Open throughout: YP01-YP05 (5). Triaged in the year, still open: YP06-YP10 (5). Triaged and discharged
  in the year: YP11-YP16, YP32 (7). Triaged before, discharged in the year: YP17-YP22, YP33 (7; YP17 was
  discharged on 1 April 2024, so is in). Second episodes: YP25, YP26, YP27, YP28 (4). Open past the year
  end: YP29, YP30 (2). Not in: YP23 (discharged 31/03/2024), YP24 (discharged 2023), YP31 (triaged
  01/04/2025). 5 + 5 + 7 + 7 + 4 + 2 = 30.
* New presentations (triaged in the year, no episode open in the 12 months before): 14. YP06-YP16 (11),
  YP32 (1), YP26 (earlier episode ended 15/02/2023, more than 12 months before 01/06/2024), YP27 (two
  episodes in the year: counted once). Not new: YP25 (earlier episode ended 10/05/2023, within 12 months
  of 01/05/2024) and YP28 (ended 01/07/2023, exactly 12 months before 01/07/2024: still inside the look-back).
  11 + 1 + 1 + 1 = 14.
* In treatment on 31 March 2025 (triaged by then, discharge empty or after it): 14. YP01-YP05, YP06-YP10
  (YP10 triaged on 31/03/2025), YP25, YP28, YP29, YP30. Not YP15 (discharged on 31/03/2025).
* Exits (people discharged in the year, by their last discharge in it): 16. YP11-YP16, YP17-YP22, YP26,
  YP27, YP32, YP33. Planned ("Treatment completed" in any case): YP11, YP12, YP17, YP18, YP22, YP26,
  YP27 (last episode) = 7. Unplanned ("Dropped out/left", "dropped out / left", "Treatment withdrawn",
  "Prison"): YP13, YP16, YP19, YP20, YP32, YP33 = 6. Transferred: YP14, YP21 = 2. Other ("Other"): YP15 = 1.
* Successful completion rate (GLOSSARY: planned / (all exits - transfers)): 7 / (16 - 2) = 7 / 14 = 50%.
* Referrals received in the year (referral date 01/04/2024 to 31/03/2025): 19 of the 22 rows; not R006
  (25/03/2024), R019 (31/03/2024) and R020 (01/04/2025). Of the 19, R016-R018 are people never treated
  (NT01-NT03), so the young people's service alone has 16.
* Rate per 1,000 aged 10-19 (young people's service): every person in treatment is aged 11-17 at triage;
  the population file has 100 people per district, sex and single year of age 10-19 for mid-2024:
  5 x 2 x 10 x 100 = 10,000, so 30 / 10,000 x 1,000 = 3.0.
* 2023/24, for the comparison column: in treatment 18 (YP01-YP05, YP17-YP24, YP25 and YP28's first
  episodes, YP29, YP30, YP33), new presentations 16 (the same less YP25 and YP28, triaged in 2022/23),
  in treatment on 31 March 2024: 14 (YP01-YP05, YP17-YP22, YP29, YP30, YP33).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis import intake, store
from analysis.codes import YOUNG_PEOPLE
from analysis.filters import NOT_KNOWN, Filters
from analysis.periods import FinancialYear
from analysis.views import overview, treatment_exits

EXTRACT = Path(__file__).resolve().parent / "data" / "ndtms_young_people"
TABLES = ("episodes", "referrals", "substances", "interventions", "districts", "population")
YEAR, COMPARISON = FinancialYear.from_label("2024/25"), FinancialYear.from_label("2023/24")
YOUNG_PEOPLES_SERVICE = Filters(service=YOUNG_PEOPLE)


@pytest.fixture(autouse=True)
def isolated_store(tmp_path, monkeypatch):
    monkeypatch.setenv(store.STORE_ENV, str(tmp_path / "store"))


def load_with_no_mapping_step() -> tuple[store.Store, dict[str, intake.LoadResult]]:
    """Every file of the extract through the Data page's steps, taking the proposals as they are."""
    results, uploads = {}, []
    for table in TABLES:
        name = f"{table}.csv"
        content = (EXTRACT / name).read_bytes()
        raw = intake.preview(content, name, table)
        proposal = intake.propose_column_map(raw.columns, table)
        column_map = intake.column_map_from_choices(proposal)
        unmapped = intake.unmapped_code_table(raw, table, column_map, {})
        assert unmapped.empty, f"{name}: codes needing a choice:\n{unmapped}"
        result = intake.read_file(content, name, table, column_map=column_map)
        assert result.rejected.empty, f"{name}: rejected rows:\n{result.rejected}"
        results[table] = result
        uploads.append(store.Upload(result, column_map=column_map))
    saved = store.Store.open()
    saved.save(uploads)
    return saved, results


@pytest.fixture
def loaded():
    saved, results = load_with_no_mapping_step()
    return saved, results, store.load_dataset(saved)


def headline(figures: overview.OverviewFigures, indicator: str, column: str = "count") -> float:
    return float(figures.headlines[indicator][column].iloc[0])


def test_every_column_and_code_is_recognised_and_every_row_kept(loaded):
    _, results, _ = loaded
    assert {t: len(r.data) for t, r in results.items()} == {
        "episodes": 37, "referrals": 22, "substances": 52, "interventions": 37, "districts": 5, "population": 200}
    episodes = results["episodes"].data
    for column in ("sex", "ethnicity", "service", "accommodation_status", "in_care", "injecting_status"):
        assert not episodes[f"{column}_group"].isin(["Unmapped code"]).any(), column
    assert set(results["referrals"].data["referral_source_group"]) == {
        "Youth offending / criminal justice", "Children and family services", "Education",
        "Mental health (incl. CAMHS)", "Self, family or friends", "GP", "A&E / hospital"}
    assert set(results["interventions"].data["intervention_group"]) == {"Psychosocial", "Family work", "Harm reduction"}
    # one row per substance given in the ranked columns (README: 37 primary, 11 secondary, 4 tertiary)
    assert results["substances"].data["rank"].value_counts().sort_index().tolist() == [37, 11, 4]
    first = results["substances"].data[results["substances"].data["episode_id"] == "EP0101"]
    assert first[["rank", "substance_group"]].astype(str).values.tolist() == [
        ["1", "Cannabis"], ["2", "Alcohol"], ["3", "Other"]]


def test_age_is_computed_from_the_date_of_birth_which_is_not_stored(loaded):
    saved, results, data = loaded
    ages = results["episodes"].data.set_index("episode_id")["age_at_triage"]
    assert ages["EP0301"] == 16  # born 15/06/2007, triaged on the 16th birthday
    assert ages["EP0601"] == 15  # born 16/06/2008, triaged 15/06/2024, the day before the 16th birthday
    assert ages["EP0701"] == 16  # born 29/02/2008, triaged 28/02/2025: 17 only from 1 March
    assert ages.between(11, 17).all()
    for frame in (results["episodes"].data, saved.table("episodes"), data.episodes):
        assert "date_of_birth" not in frame.columns and "DOB" not in frame.columns


def test_old_district_codes_and_a_district_name_become_current_codes(loaded):
    _, _, data = loaded
    people = data.episodes.drop_duplicates("client_id", keep="last").set_index("client_id")["district"]
    assert people["YP01"] == "E07000178"  # 38UC, Oxford
    assert people["YP02"] == "E07000177"  # 38UB, Cherwell
    assert people["YP10"] == "E07000180"  # written as the name "Vale of White Horse"
    assert people["YP08"] == "E07000179"  # already a current code
    assert list(people[people == NOT_KNOWN].index) == ["YP09"]  # the one empty district
    assert sorted(data.population["district_code"].unique()) == [f"E0700017{i}" for i in range(7, 10)] + [
        "E07000180", "E07000181"]


@pytest.mark.parametrize("filters", [Filters(), YOUNG_PEOPLES_SERVICE], ids=["all services", "young people"])
def test_headline_figures_equal_hand_counts(loaded, filters):
    _, _, data = loaded
    figures = overview.overview(data, YEAR, COMPARISON, filters)
    assert headline(figures, "people_in_treatment") == 30
    assert headline(figures, "new_presentations") == 14
    assert headline(figures, "snapshot") == 14
    assert headline(figures, "referrals") == (19 if filters == Filters() else 16)
    assert headline(figures, "people_in_treatment", "previous_count") == 18
    assert headline(figures, "new_presentations", "previous_count") == 16
    assert headline(figures, "snapshot", "previous_count") == 14
    exits = treatment_exits.treatment_exits(data, YEAR, COMPARISON, filters).exit_groups.set_index("exit_group")
    assert exits["denominator"].iloc[0] == 16
    assert exits.loc["Planned", "count"] == 7 and exits.loc["Unplanned", "count"] == 6
    assert headline(figures, "successful_completion") == 7  # planned exits


def test_rate_per_1000_for_the_young_peoples_service(loaded):
    _, _, data = loaded
    figures = overview.overview(data, YEAR, COMPARISON, YOUNG_PEOPLES_SERVICE)
    assert headline(figures, "rate_per_1000") == 30
    assert headline(figures, "rate_per_1000", "denominator") == 10_000
    assert headline(figures, "rate_per_1000", "value") == pytest.approx(3.0)


def test_successful_completion_rate_keeps_other_exits_in_the_denominator(loaded):
    _, _, data = loaded
    figures = overview.overview(data, YEAR, COMPARISON, YOUNG_PEOPLES_SERVICE)
    assert headline(figures, "successful_completion", "denominator") == 14
    assert headline(figures, "successful_completion", "value") == pytest.approx(50.0)
