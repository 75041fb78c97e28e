"""Code lists: known codes map to their groups, empty cells are 'Not recorded', unknown codes are never guessed."""

import pandas as pd
import pytest

from analysis.codes import (
    CODE_LISTS,
    GROUP_ORDER,
    NOT_RECORDED,
    UNMAPPED,
    map_codes,
    normalise_code,
    suggest_group,
    unmapped_codes,
)


def test_mapping_ignores_case_spaces_and_separators():
    codes = pd.Series(["Completed - drug free", "DROPPED_OUT", " transferred in custody ", "", None, "nonsense"])
    groups = map_codes(codes, "discharge_reason").astype(str).tolist()
    assert groups == ["Planned", "Unplanned", "Transferred", NOT_RECORDED, NOT_RECORDED, UNMAPPED]


def test_user_mapping_of_local_codes():
    codes = pd.Series(["HER", "ALC", "XYZ"])
    groups = map_codes(codes, "substance", extra={"HER": "heroin", "ALC": "Alcohol"}).astype(str).tolist()
    assert groups == ["Opiates", "Alcohol", UNMAPPED]


def test_unmapped_codes_are_counted():
    counts = unmapped_codes(pd.Series(["m", "q", "q", "z"]), "sex")
    assert counts.to_dict() == {"q": 2, "z": 1}


@pytest.mark.parametrize("column", list(CODE_LISTS))
def test_every_code_maps_to_a_declared_group(column):
    assert set(CODE_LISTS[column].values()) <= set(GROUP_ORDER[column]) | {NOT_RECORDED}


def test_exit_group_other_and_unknown_reasons_are_other_not_known():
    # GLOSSARY "Other / not known": the NDTMS "other" reason, an empty reason and an unmapped code
    from analysis.codes import OTHER_NOT_KNOWN, exit_group

    codes = pd.Series(["completed_drug_free", "dropped_out", "transferred_in_custody", "Other", None, "", "zzz"])
    groups = exit_group(map_codes(codes, "discharge_reason")).astype(str).tolist()
    assert groups == ["Planned", "Unplanned", "Transferred"] + [OTHER_NOT_KNOWN] * 4
    assert GROUP_ORDER["discharge_reason"][-1] == OTHER_NOT_KNOWN
    # data quality still sees the unmapped code as unmapped
    assert map_codes(codes, "discharge_reason").astype(str).tolist()[-1] == UNMAPPED
    # the same groups from a category column (worked out per category), a missing value included
    as_categories = map_codes(codes, "discharge_reason").astype("category")
    assert exit_group(as_categories).astype(str).tolist() == groups
    missing = pd.Series(pd.Categorical([None, "Planned"], categories=["Planned", "Unplanned"]))
    assert exit_group(missing).astype(str).tolist() == [OTHER_NOT_KNOWN, "Planned"]


def test_mapping_ignores_punctuation():
    codes = pd.Series(["Dropped out/left", "dropped out left", "DROPPED OUT - LEFT", "Treatment completed.",
                       "A&E", "a & e"])
    assert map_codes(codes, "discharge_reason").astype(str).tolist()[:4] == ["Unplanned"] * 3 + ["Planned"]
    assert map_codes(codes[4:], "referral_source").astype(str).tolist() == ["A&E / hospital"] * 2


@pytest.mark.parametrize(("column", "label", "group"), [
    ("discharge_reason", "Treatment completed", "Planned"),
    ("discharge_reason", "Other", "Other / not known"),
    ("discharge_reason", "Transferred - not in custody", "Transferred"),
    ("referral_source", "YOT", "Youth offending / criminal justice"),
    ("referral_source", "Social services", "Children and family services"),
    ("referral_source", "Connexions", "Education"),
    ("referral_source", "Consultant psychiatric services", "Mental health (incl. CAMHS)"),
    ("accommodation_status", "Hostel/temporary", "Temporary"),
    ("accommodation_status", "Living with parents/family", "Settled"),
    ("intervention", "One to one", "Psychosocial"),
    ("intervention", "Family work", "Family work"),
    ("ethnicity", "Mixed - White and Asian", "Mixed"),
    ("service", "Young People's Service", "Young people"),
])
def test_ndtms_reference_labels_are_known_out_of_the_box(column, label, group):
    assert map_codes(pd.Series([label]), column).astype(str).tolist() == [group]


@pytest.mark.parametrize("column", list(CODE_LISTS))
def test_no_two_labels_of_a_list_collapse_onto_different_groups(column):
    groups: dict[str, set[str]] = {}
    for code, group in CODE_LISTS[column].items():
        groups.setdefault(normalise_code(code), set()).add(group)
    assert {k: g for k, g in groups.items() if len(g) > 1} == {}


def test_an_unknown_label_is_suggested_never_applied():
    assert suggest_group("Droped out", "discharge_reason") == ("Unplanned", "dropped out")
    assert suggest_group("Youth offending", "referral_source") == ("Youth offending / criminal justice",
                                                                   "youth offending")
    assert suggest_group("zzzz", "discharge_reason") == (None, None)
    assert suggest_group("", "discharge_reason") == (None, None)
    assert map_codes(pd.Series(["Droped out"]), "discharge_reason").astype(str).tolist() == [UNMAPPED]
