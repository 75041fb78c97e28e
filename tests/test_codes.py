"""Code lists: known codes map to their groups, empty cells are 'Not recorded', unknown codes are never guessed."""

import pandas as pd
import pytest

from analysis.codes import CODE_LISTS, GROUP_ORDER, NOT_RECORDED, UNMAPPED, map_codes, unmapped_codes


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
