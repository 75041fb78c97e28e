"""Profiles on hand-built data: people by attribute, substances (any mention / primary), referrals."""

import numpy as np
import pandas as pd
import pytest

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


def test_episode_substances_are_held_as_combinations_of_groups():
    """Each episode's groups at any rank are one combination number (one byte here), the matrix given
    back from them; counts of a selection by combination equal a count of the hand-built matrix."""
    data = make_data()
    recorded = profiles.episode_substances(data)
    groups = list(recorded.groups)
    episode_ids = data.episodes["episode_id"].astype(str).tolist()
    expected = {"1": {"Alcohol", "Cannabis"}, "2": {"Cannabis"}, "3": {"Opiates", "Crack cocaine", "Alcohol"},
                "0": {"Powder cocaine"}}
    matrix = recorded.mentioned()
    for row, episode in enumerate(episode_ids):
        assert {g for g, held in zip(groups, matrix[row], strict=True) if held} == expected[episode]
    assert recorded.combination.dtype == "uint8" and len(recorded.combinations) == 5  # four combinations and none
    assert not recorded.combinations[0].any()
    assert [groups[p] if p >= 0 else None for p in recorded.primary] == [
        {"1": "Alcohol", "2": "Cannabis", "3": "Opiates", "0": "Powder cocaine"}[e] for e in episode_ids]
    rows = np.array([episode_ids.index("1"), episode_ids.index("3"), episode_ids.index("1")])
    by = np.array([0, 1, -1])  # the third row is counted under no value
    counts = recorded.people_with(rows, by, 2)
    alcohol, cannabis, opiates = (groups.index(g) for g in ("Alcohol", "Cannabis", "Opiates"))
    assert counts.shape == (2, len(groups))
    assert (counts[0, alcohol], counts[0, cannabis], counts[0, opiates]) == (1, 1, 0)
    assert (counts[1, alcohol], counts[1, cannabis], counts[1, opiates]) == (1, 0, 1)
    assert recorded.people_with(rows)[0, alcohol] == 3  # every row, under one value
    primary = recorded.primary_people(rows, by, 2)
    assert (primary[0, alcohol], primary[1, opiates], primary.sum()) == (1, 1, 2)


@pytest.mark.parametrize("number", [5, 24, 30])  # one byte, three bytes (the table's limit), and beyond it
def test_episode_groups_give_back_the_matrix_for_any_number_of_groups(number):
    """Whatever the number of groups, the combinations give back the episode x group matrix built
    directly from the substance rows, with repeats (two substances of one group) counted once."""
    data = make_data()
    rng = np.random.default_rng(number)
    rows = len(data.substances)
    names = [f"group {i}" for i in range(number)]
    values = pd.Series(pd.Categorical.from_codes(rng.integers(-1, number, rows), categories=names))
    recorded = profiles._episode_groups(data, f"test {number}", lambda: values)
    episode = profiles._episode_positions(data)
    expected = np.zeros((len(data.episodes), number), bool)
    for row in range(rows):
        if episode[row] >= 0 and values.array.codes[row] >= 0:
            expected[episode[row], values.array.codes[row]] = True
    assert (recorded.mentioned() == expected).all() and list(recorded.groups) == names
    assert len(recorded.combinations) == len({tuple(r) for r in expected} | {(False,) * number})


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


# ------------------------------------------------------------------ issue 9: drug class, shares among the recorded, single age
import math  # noqa: E402

import pytest  # noqa: E402

from analysis import codes, quality  # noqa: E402

Z95 = 1.959963984540054


def wilson(count: float, n: float) -> tuple[float, float]:
    """Wilson score interval in %, from the published formula (Wilson 1927)."""
    p = count / n
    centre = p + Z95**2 / (2 * n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n**2))
    return (centre - half) / (1 + Z95**2 / n) * 100, (centre + half) / (1 + Z95**2 / n) * 100


@pytest.mark.parametrize(("code", "group", "expected"), [
    ("heroin", "Opiates", "Class A"), ("methadone", "Opiates", "Class A"), ("Crack Cocaine", "Crack cocaine", "Class A"),
    ("cocaine", "Powder cocaine", "Class A"), ("ecstasy", "Ecstasy", "Class A"), ("MDMA", "Ecstasy", "Class A"),
    ("cannabis", "Cannabis", "Class B"), ("amphetamine", "Amphetamines", "Class B"), ("ketamine", "Other", "Class B"),
    ("benzodiazepine", "Benzodiazepines", "Class C"), ("buprenorphine", "Opiates", "Class C"),
    ("alcohol", "Alcohol", "Alcohol"), ("nps", "New psychoactive substances", "Not controlled / other"),
    ("solvents", "Solvents", "Not controlled / other"), ("other", "Other", "Not controlled / other"),
    ("other opiates", "Opiates", "Not controlled / other"),
    # a local code the class list does not name takes its group's class when the group has one class ...
    ("weed", "Cannabis", "Class B"), ("valium", "Benzodiazepines", "Class C"),
    # ... and not otherwise (opiates span Class A and Class C)
    ("codeine linctus", "Opiates", "Not controlled / other"),
])
def test_substance_class_follows_the_declared_mapping(code, group, expected):
    rows = pd.DataFrame({"episode_id": ["1"], "rank": [1], "substance": [code], "substance_group": [group]})
    assert profiles.substance_class(rows).tolist() == [expected]


def test_substance_class_of_category_columns_is_a_category_in_order_of_first_appearance():
    # as a saved version is loaded (codes and groups as categories, one code missing, one group missing):
    # each row's class as the text rule gives it, held as a category (issue 12: no text object per row),
    # the classes in the order they first appear (the order the page's ties keep)
    rows = pd.DataFrame({"substance": pd.Categorical(["weed", "heroin", None, "alcohol", "mystery", "heroin"]),
                         "substance_group": pd.Categorical(["Cannabis", "Opiates", "Alcohol", None, None, "Opiates"])})
    found = profiles.substance_class(rows)
    assert isinstance(found.dtype, pd.CategoricalDtype)
    assert found.tolist() == ["Class B", "Class A", "Alcohol", "Alcohol", "Not controlled / other", "Class A"]
    assert list(found.cat.categories) == ["Class B", "Class A", "Alcohol", "Not controlled / other"]
    assert found.name == "drug_class"


def test_substance_class_works_in_about_a_byte_a_row():
    """refs12 (memory): the class of each row is worked out in one-byte arrays and the order of first
    appearance found without sorting the rows (8-byte arrays and a sort held about 150 MB while the
    Substances page first drew at national scale): under 16 bytes a row at the peak (it was 34), the
    same classes as row by row."""
    import tracemalloc

    import numpy as np

    n = 200_000
    rows = pd.DataFrame({"substance": pd.Categorical(np.resize(["weed", "heroin", "alcohol", "mystery"], n)),
                         "substance_group": pd.Categorical(np.resize(["Cannabis", "Opiates", "Alcohol", "Other"], n))})
    tracemalloc.start()
    try:
        found = profiles.substance_class(rows)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * n, peak / n
    assert found.iloc[:5].tolist() == ["Class B", "Class A", "Alcohol", "Not controlled / other", "Class B"]
    assert list(found.cat.categories) == ["Class B", "Class A", "Alcohol", "Not controlled / other"]


def test_every_declared_substance_code_has_a_class_of_its_own():
    named = {codes.normalise_code(c) for c in codes.DRUG_CLASS}
    assert {codes.normalise_code(c) for c in codes.SUBSTANCE} <= named
    assert set(codes.DRUG_CLASS.values()) <= set(codes.DRUG_CLASS_GROUPS)
    assert set(codes.SUBSTANCE_GROUP_CLASS.values()) <= set(codes.DRUG_CLASS_GROUPS)


def class_data() -> ds.Dataset:
    eps = episodes([
        # a: male; an earlier episode in the year with benzodiazepines, then the latest with heroin and cannabis
        {"client_id": "a", "episode_id": "1", "triage_date": "2024-04-10", "discharge_date": "2024-06-01"},
        {"client_id": "a", "episode_id": "2", "triage_date": "2024-07-01"},
        {"client_id": "b", "episode_id": "3", "triage_date": "2024-05-01"},                 # male, alcohol only
        {"client_id": "c", "episode_id": "4", "triage_date": "2024-05-01", "sex": "F"},     # crack and cocaine
        {"client_id": "d", "episode_id": "5", "triage_date": "2024-05-01", "sex": "F"},     # no substance
        {"client_id": "e", "episode_id": "6", "triage_date": "2022-05-01", "discharge_date": "2023-05-01"},  # not this year
    ])
    subs = substances([("1", 1, "benzodiazepine"), ("2", 1, "heroin"), ("2", 2, "cannabis"), ("3", 1, "alcohol"),
                       ("4", 1, "crack"), ("4", 2, "cocaine"), ("6", 1, "ketamine")])
    tables = {"episodes": eps, "substances": subs, "referrals": pd.DataFrame(),
              "districts": pd.DataFrame({"district_code": ["E07000178"], "district_name": ["Oxford"]}),
              "population": pd.DataFrame(columns=["district_code", "year", "sex", "age", "population", "sex_group"])}
    return ds.from_tables(tables, label="test", version="t")


def test_drug_classes_count_people_once_per_class_from_their_latest_episode():
    result = profiles.drug_classes(class_data(), fy=FY).set_index(["sex", "drug_class"])
    counts = result["count"].to_dict()
    assert counts[("Male", "Class A")] == 1      # a: heroin
    assert counts[("Male", "Class B")] == 1      # a: cannabis
    assert counts[("Male", "Class C")] == 0      # a's benzodiazepines were on the earlier episode
    assert counts[("Male", "Alcohol")] == 1      # b
    assert counts[("Female", "Class A")] == 1    # c once, though crack and cocaine are both Class A
    assert counts[("Female", "Alcohol")] == 0
    assert result.loc[("Male", "Class A"), "denominator"] == 2
    assert result.loc[("Female", "Class A"), "denominator"] == 2   # d has no substance but is in treatment
    assert result.loc[("Other / not stated", "Class A"), "denominator"] == 0
    assert result.attrs["kind"] == "proportion"


def recorded_data() -> ds.Dataset:
    values = ["white british"] * 3 + ["mixed", "not stated", None, "martian"]
    eps = episodes([{"client_id": f"p{i}", "episode_id": str(i), "triage_date": "2024-05-01", "ethnicity": v}
                    for i, v in enumerate(values)])
    tables = {"episodes": eps, "substances": substances([]), "referrals": pd.DataFrame(),
              "districts": pd.DataFrame({"district_code": ["E07000178"], "district_name": ["Oxford"]}),
              "population": pd.DataFrame(columns=["district_code", "year", "sex", "age", "population", "sex_group"])}
    return ds.from_tables(tables, label="test", version="t")


def test_shares_among_recorded_leave_out_not_stated_not_recorded_and_unmapped():
    data = recorded_data()
    among = profiles.people_by_among_recorded(data, "ethnicity", fy=FY).set_index("ethnicity")
    # 7 people: 3 White British, 1 Mixed recorded; not stated, empty and an unmapped code are not recorded
    assert among.loc["White British", "count"] == 3 and among.loc["Mixed", "count"] == 1
    assert (among["denominator"] == 4).all()
    assert "Not stated" not in among.index
    from analysis.yoy import with_intervals
    row = with_intervals(among.reset_index()).set_index("ethnicity").loc["White British"]
    assert row["value"] == pytest.approx(75.0)
    assert (row["lower"], row["upper"]) == pytest.approx(wilson(3, 4))
    complete = profiles.field_recorded(data, "ethnicity", fy=FY).iloc[0]
    assert (complete["count"], complete["denominator"]) == (4, 7)


def test_unknown_value_groups_are_the_data_quality_pages():
    assert set(profiles.UNKNOWN_VALUE_GROUPS) == set(quality.MISSING_GROUPS)


def test_single_year_of_age_uses_the_latest_episode_and_lists_every_age():
    eps = episodes([
        {"client_id": "a", "episode_id": "1", "triage_date": "2024-05-01", "age_at_triage": 15, "service": "yp"},
        {"client_id": "b", "episode_id": "2", "triage_date": "2024-05-01", "age_at_triage": 15, "service": "yp"},
        {"client_id": "c", "episode_id": "3", "triage_date": "2024-04-02", "discharge_date": "2024-05-01",
         "age_at_triage": 16, "service": "yp"},
        {"client_id": "c", "episode_id": "4", "triage_date": "2024-09-01", "age_at_triage": 17, "service": "yp"},
        {"client_id": "d", "episode_id": "5", "triage_date": "2024-05-01", "age_at_triage": 17, "sex": "F",
         "service": "yp"},
    ])
    tables = {"episodes": eps, "substances": substances([]), "referrals": pd.DataFrame(),
              "districts": pd.DataFrame({"district_code": ["E07000178"], "district_name": ["Oxford"]}),
              "population": pd.DataFrame(columns=["district_code", "year", "sex", "age", "population", "sex_group"])}
    result = profiles.people_by_single_year_of_age(ds.from_tables(tables, label="t", version="t"), fy=FY,
                                                   filters=Filters(service="Young people"))
    counts = result.set_index(["sex", "age"])["count"].to_dict()
    assert counts[("Male", 15)] == 2 and counts[("Male", 16)] == 0 and counts[("Male", 17)] == 1
    assert counts[("Female", 17)] == 1 and counts[("Female", 15)] == 0
    assert sorted(result["age"].unique()) == [15, 16, 17]
    assert result.set_index(["sex", "age"]).loc[("Male", 16), "age_band"] == "15-17"
    assert result.attrs["kind"] == "count"


def test_drug_class_table_lists_every_declared_code_once_and_the_fallbacks():
    table = profiles.drug_class_table()
    assert table.loc[table["Substance code"] == "ketamine", "Drug class"].tolist() == ["Class B"]
    assert table["Substance code"].is_unique
    assert len(table) == len(codes.DRUG_CLASS) + len(codes.SUBSTANCE_GROUP_CLASS) + 1
    assert table["Drug class"].iloc[-1] == "Not controlled / other"


def test_interventions_by_sex_counts_each_person_once_per_group_on_any_episode_in_treatment():
    """Hand-built, 2024/25. a (male): psychosocial on episode 1 twice (counts once) and
    pharmacological on his earlier episode 0, ended 2023 (not in treatment this year: not counted). b (female): psychosocial started after 31 March 2025 (not counted) and
    harm reduction ended 2024-03-31 (before 1 April: not counted). c (male): pharmacological on
    episode 3. An intervention on an episode not in the data counts for nobody.
    Male: 2 people (a, c); psychosocial 1 (a), pharmacological 1 (c). Female: 1 person, nothing."""
    eps = episodes([
        {"client_id": "a", "episode_id": "1", "triage_date": "2024-05-01", "sex": "M"},
        {"client_id": "a", "episode_id": "0", "triage_date": "2022-01-01", "discharge_date": "2023-01-01"},
        {"client_id": "b", "episode_id": "2", "triage_date": "2024-05-01", "sex": "F"},
        {"client_id": "c", "episode_id": "3", "triage_date": "2024-05-01", "sex": "M"},
    ])
    iv = pd.DataFrame({
        "episode_id": ["1", "1", "0", "2", "2", "3", "99"],
        "intervention": ["psychosocial intervention", "psychosocial intervention", "pharmacological intervention",
                         "psychosocial intervention", "harm reduction", "pharmacological intervention",
                         "psychosocial intervention"],
        "start_date": pd.to_datetime(["2024-05-02", "2024-06-01", "2022-02-01", "2025-04-02", "2024-01-01",
                                      "2024-05-02", "2024-05-02"]),
        "end_date": pd.to_datetime([None, "2024-07-01", "2022-12-01", None, "2024-03-31", None, None]),
    })
    iv["intervention_group"] = map_codes(iv["intervention"], "intervention")
    tables = {"episodes": eps, "substances": substances([]), "interventions": iv,
              "referrals": pd.DataFrame(columns=["referral_id", "client_id", "referral_date", "referral_source"]),
              "districts": pd.DataFrame({"district_code": ["E07000178"], "district_name": ["Oxford"]}),
              "population": pd.DataFrame(columns=["district_code", "year", "sex", "age", "population", "sex_group"])}
    data = ds.from_tables(tables, label="test", version="t")
    result = profiles.interventions_by_sex(data, fy=FY).set_index(["sex", "intervention"])
    assert result.loc[("Male", "Psychosocial"), "count"] == 1
    assert result.loc[("Male", "Pharmacological"), "count"] == 1
    assert result.loc[("Male", "Harm reduction"), "count"] == 0
    assert (result.loc["Female", "count"] == 0).all()
    assert result.loc[("Male", "Psychosocial"), "denominator"] == 2
    assert result.loc[("Female", "Psychosocial"), "denominator"] == 1


def test_counts_of_a_category_column_equal_counts_of_its_text():
    """Counted on the codes, a category column gives what its text gives: every display category (zero
    rows kept), then extra values seen, most first and, on a tie, the one seen first."""
    text = pd.Series(["b", "x", "a", None, "y", "b", "z", "y", "x", "z", "w"], dtype=object)
    expected = profiles._counts(text, ["a", "b", "c"], "group")
    assert expected["group"].tolist() == ["a", "b", "c", "x", "y", "z", "w"]  # x, y, z: 2 each, in order seen
    assert expected["count"].tolist() == [1, 2, 0, 2, 2, 2, 1]
    category = text.astype(pd.CategoricalDtype(["z", "y", "x", "w", "b", "a", "unused"]))
    pd.testing.assert_frame_equal(profiles._counts(category, ["a", "b", "c"], "group"), expected)


def test_age_sex_pyramid_counts_every_band_and_sex_in_display_order():
    """Hand count: a (male, 16) and b (female, 15) in 15-17, c (male, 40) in 35-44; every other cell 0,
    each of the 3 people once in the denominator."""
    from analysis.codes import GROUP_ORDER
    from analysis.periods import AGE_BAND_LABELS

    result = profiles.people_by_age_and_sex(make_data(), fy=FY)
    sexes = GROUP_ORDER["sex"]
    assert result["age_band"].tolist() == [band for band in AGE_BAND_LABELS for _ in sexes]
    assert result["sex"].tolist() == list(sexes) * len(AGE_BAND_LABELS)
    counts = result.set_index(["age_band", "sex"])["count"]
    assert counts[("15-17", "Male")] == 1 and counts[("15-17", "Female")] == 1 and counts[("35-44", "Male")] == 1
    assert counts.sum() == 3
    assert (result["denominator"] == 3).all()
    assert result.attrs["kind"] == "proportion"


def test_label_positions_of_a_category_column_equal_those_of_its_text():
    """Positions in the display labels, on a category column's codes or on its text: a value missing, or
    not one of the labels (e.g. an unmapped code), has none (-1)."""
    text = pd.Series(["b", None, "x", "a", "c", "b"], dtype=object)
    expected = [1, -1, -1, 0, 2, 1]
    assert profiles._label_positions(text, ["a", "b", "c"]).tolist() == expected
    category = text.astype(pd.CategoricalDtype(["x", "c", "unused", "b", "a"]))
    assert profiles._label_positions(category, ["a", "b", "c"]).tolist() == expected


# ------------------------------------------------------------------ episode links without text copies (issue 12)
def _arrow_ids(values: list) -> pd.Series:
    return pd.Series(values, dtype="string[pyarrow]")


@pytest.mark.parametrize("kind", ["string[pyarrow]", "str", "object", "category"])
def test_rows_of_ids_finds_each_id_first_row(kind):
    keys = _arrow_ids(["a", "", "é", "b", "a", None, "xyz", "é", "b1", None, "zz"])
    values = pd.Series(["a", "", None, "é", "q", "b1", "zz", "xyz", "b", "a", ""]).astype(kind)
    # hand-worked: the first row of each id among the keys; missing or not there: -1
    expected = [0, 1, -1, 2, -1, 8, 10, 6, 3, 0, 1]
    assert list(profiles.rows_of_ids(values, keys)) == expected
    assert list(profiles.rows_of_ids(values, keys, dtype=np.int32)) == expected
    assert profiles.rows_of_ids(values, keys, dtype=np.int32).dtype == np.int32


def test_rows_of_ids_of_sliced_and_chunked_arrow_ids():
    import pyarrow as pa

    keys = _arrow_ids(["x", "a", "b", "c"]).iloc[1:]  # an Arrow slice: offsets not from 0
    chunked = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([["c", None], ["a", "d", ""]], pa.large_string())))
    assert list(profiles.rows_of_ids(chunked, keys)) == [2, -1, 0, -1, -1]
    many = _arrow_ids([f"id{i}" for i in range(1000)])  # every part of the lookup used
    assert list(profiles.rows_of_ids(many.iloc[::-1], many)) == list(range(999, -1, -1))


def test_ids_unique_counts_missing_as_one_value():
    assert profiles.ids_unique(_arrow_ids(["a", "b", None]))
    assert not profiles.ids_unique(_arrow_ids(["a", "b", "a"]))
    assert not profiles.ids_unique(_arrow_ids(["a", None, None]))
    assert profiles.ids_unique(_arrow_ids([f"id{i}" for i in range(1000)]))
    assert not profiles.ids_unique(_arrow_ids([f"id{i}" for i in range(1000)] + ["id999"]))
    assert profiles.ids_unique(_arrow_ids([]))


def test_episode_links_are_rows_of_the_prepared_episodes_as_int32():
    data = make_data()
    links = profiles.episode_links(data)
    ids = list(data.episodes["episode_id"])  # prepared: c's earlier episode ("0") before "3"
    assert [ids[row] for row in links["substances"]] == ["1", "1", "2", "3", "3", "3", "0"]
    assert list(links["referrals"]) == [ids.index("1"), ids.index("2"), -1, -1]
    assert list(links["referrals_latest"]) == [ids.index("1"), ids.index("2"), ids.index("3"), -1]
    # as the store saves and reads them (issue 12: int64 held 70 MB more at national scale)
    assert {name: rows.dtype for name, rows in links.items()} == {name: np.dtype(np.int32) for name in links}
