"""The one declared place where the codes a file arrives with are mapped to reporting groups.

Each code list maps a *code* (matched ignoring case, spaces and punctuation, so "Dropped
out/left" matches "dropped out left") to the *reporting group* the pages show. The lists hold
the NDTMS reference labels and common local variants, so an NDTMS-shaped extract needs no hand
mapping. A code not listed here is never guessed: the loader keeps the row, sets the group
to ``UNMAPPED`` and reports the code (see ``analysis.loaders``); :func:`suggest_group` proposes a
group for the user to confirm. A user can extend a list with their own local codes through a code
mapping (``extra`` in :func:`map_codes`).

Groups follow ``GLOSSARY.md`` and NDTMS reporting where the glossary is silent.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

#: Group given to a code that no list or user mapping knows.
UNMAPPED = "Unmapped code"
#: Group given to an empty cell in a code column.
NOT_RECORDED = "Not recorded"

# ---------------------------------------------------------------- service
YOUNG_PEOPLE = "Young people"
ADULTS = "Adults"
SERVICE = {
    "young_people": YOUNG_PEOPLE,
    "yp": YOUNG_PEOPLE,
    "young people": YOUNG_PEOPLE,
    "young peoples": YOUNG_PEOPLE,
    "young people's service": YOUNG_PEOPLE,
    "young persons": YOUNG_PEOPLE,
    "young person's service": YOUNG_PEOPLE,
    "young people's substance misuse service": YOUNG_PEOPLE,
    "yp service": YOUNG_PEOPLE,
    "adult": ADULTS,
    "adults": ADULTS,
    "adult service": ADULTS,
    "adult services": ADULTS,
    "adult treatment": ADULTS,
}

# ---------------------------------------------------------------- sex
SEX = {
    "m": "Male",
    "male": "Male",
    "1": "Male",
    "f": "Female",
    "female": "Female",
    "2": "Female",
    "x": "Other / not stated",
    "other": "Other / not stated",
    "i": "Other / not stated",
    "indeterminate": "Other / not stated",
    "9": "Other / not stated",
    "u": "Other / not stated",
    "not stated": "Other / not stated",
    "not known": "Other / not stated",
    "unknown": "Other / not stated",
    "prefer not to say": "Other / not stated",
}
SEX_GROUPS = ["Male", "Female", "Other / not stated"]

# ---------------------------------------------------------------- ethnicity (ONS 2011 groups)
ETHNICITY = {
    "white british": "White British",
    "white irish": "White other",
    "white other": "White other",
    "gypsy or irish traveller": "White other",
    "mixed": "Mixed",
    "asian": "Asian or Asian British",
    "asian or asian british": "Asian or Asian British",
    "black": "Black or Black British",
    "black or black british": "Black or Black British",
    "other": "Other ethnic group",
    "other ethnic group": "Other ethnic group",
    "not stated": "Not stated",
    # ONS 2011 labels as NDTMS extracts write them ("White - British", "Mixed - White and Asian"...)
    "white english welsh scottish northern irish british": "White British",
    "any other white background": "White other",
    "white and black caribbean": "Mixed",
    "white and black african": "Mixed",
    "white and asian": "Mixed",
    "mixed white and black caribbean": "Mixed",
    "mixed white and black african": "Mixed",
    "mixed white and asian": "Mixed",
    "any other mixed background": "Mixed",
    "mixed other": "Mixed",
    "indian": "Asian or Asian British",
    "pakistani": "Asian or Asian British",
    "bangladeshi": "Asian or Asian British",
    "chinese": "Asian or Asian British",
    "asian indian": "Asian or Asian British",
    "asian pakistani": "Asian or Asian British",
    "asian bangladeshi": "Asian or Asian British",
    "asian other": "Asian or Asian British",
    "any other asian background": "Asian or Asian British",
    "caribbean": "Black or Black British",
    "african": "Black or Black British",
    "black caribbean": "Black or Black British",
    "black african": "Black or Black British",
    "black other": "Black or Black British",
    "any other black background": "Black or Black British",
    "arab": "Other ethnic group",
    "any other ethnic group": "Other ethnic group",
    "not known": "Not stated",
    "declined": "Not stated",
}
ETHNICITY_GROUPS = [
    "White British",
    "White other",
    "Mixed",
    "Asian or Asian British",
    "Black or Black British",
    "Other ethnic group",
    "Not stated",
]

# ---------------------------------------------------------------- accommodation (NDTMS housing need)
ACCOMMODATION = {
    "settled": "Settled",
    "no housing problem": "Settled",
    "temporary": "Temporary",
    "housing problem": "Temporary",
    "nfa": "No fixed abode",
    "no fixed abode": "No fixed abode",
    "urgent housing problem": "No fixed abode",
    "not recorded": NOT_RECORDED,
    # NDTMS young people's labels and common local variants
    "living with parents/family": "Settled",
    "living with parents": "Settled",
    "living with family": "Settled",
    "foster care": "Settled",
    "independent living": "Settled",
    "owner occupier": "Settled",
    "rented": "Settled",
    "hostel/temporary": "Temporary",
    "hostel": "Temporary",
    "temporary accommodation": "Temporary",
    "sofa surfing": "Temporary",
    "homeless": "No fixed abode",
}
ACCOMMODATION_GROUPS = ["Settled", "Temporary", "No fixed abode", NOT_RECORDED]

# ---------------------------------------------------------------- in care (looked-after child)
YES_NO = {
    "y": "Yes",
    "yes": "Yes",
    "true": "Yes",
    "1": "Yes",
    "n": "No",
    "no": "No",
    "false": "No",
    "0": "No",
    "not known": NOT_RECORDED,
    "u": NOT_RECORDED,
}
YES_NO_GROUPS = ["Yes", "No", NOT_RECORDED]

# ---------------------------------------------------------------- injecting status
INJECTING = {
    "currently": "Currently injecting",
    "current": "Currently injecting",
    "previously": "Previously injected",
    "previous": "Previously injected",
    "never": "Never injected",
    "declined": NOT_RECORDED,
    "not recorded": NOT_RECORDED,
}
INJECTING_GROUPS = ["Currently injecting", "Previously injected", "Never injected", NOT_RECORDED]

# ---------------------------------------------------------------- substances (NDTMS substance groups)
SUBSTANCE = {
    "heroin": "Opiates",
    "methadone": "Opiates",
    "buprenorphine": "Opiates",
    "other opiates": "Opiates",
    "opiates": "Opiates",
    "crack": "Crack cocaine",
    "crack cocaine": "Crack cocaine",
    "cocaine": "Powder cocaine",
    "powder cocaine": "Powder cocaine",
    "cannabis": "Cannabis",
    "alcohol": "Alcohol",
    "amphetamine": "Amphetamines",
    "amphetamines": "Amphetamines",
    "ecstasy": "Ecstasy",
    "mdma": "Ecstasy",
    "benzodiazepine": "Benzodiazepines",
    "benzodiazepines": "Benzodiazepines",
    "nps": "New psychoactive substances",
    "new psychoactive substances": "New psychoactive substances",
    "solvents": "Solvents",
    "volatile substances": "Solvents",
    "alcohol only": "Alcohol",
    "crack cocaine only": "Crack cocaine",
    "heroin illicit": "Opiates",
    "ketamine": "Other",
    "nicotine": "Other",
    "other": "Other",
}
SUBSTANCE_GROUPS = [
    "Alcohol",
    "Cannabis",
    "Opiates",
    "Crack cocaine",
    "Powder cocaine",
    "Amphetamines",
    "Ecstasy",
    "Benzodiazepines",
    "New psychoactive substances",
    "Solvents",
    "Other",
]
#: Substance groups that national prevalence estimates of opiate and/or crack use (OCU) cover.
OPIATE_CRACK_GROUPS = ("Opiates", "Crack cocaine")

# ---------------------------------------------------------------- drug class (Misuse of Drugs Act 1971)
# Class of each substance code, declared as data. Used by ``analysis.profiles.drug_classes``.
# Sources: Misuse of Drugs Act 1971, Schedule 2 (Parts I-III, Class A/B/C) as amended, and the
# Home Office list of controlled drugs (gov.uk "List of most commonly encountered drugs currently
# controlled under the misuse of drugs legislation"). Today's class is used for every year, so
# a year before a reclassification counts a drug in its current class (e.g. ketamine before 2014).
#   Class A: heroin, methadone, morphine, fentanyl, opium (opiates); crack and powder cocaine;
#            ecstasy/MDMA; LSD and magic mushrooms; methamphetamine (Class A since 2007).
#   Class B: cannabis (back to Class B in 2009), synthetic cannabinoids; amphetamine; ketamine
#            (Class B since June 2014); mephedrone and cathinones (since April 2010); codeine and
#            dihydrocodeine; barbiturates; GHB/GBL (Class B since April 2022, Class C before).
#   Class C: benzodiazepines; buprenorphine; tramadol (since June 2014); pregabalin and
#            gabapentin (since April 2019); anabolic steroids.
#   Alcohol: alcohol (not a controlled drug; its own row, as NDTMS reports it).
#   Not controlled / other: not controlled under the 1971 Act (nicotine, solvents (Intoxicating
#            Substances (Supply) Act 1985), new psychoactive substances (Psychoactive Substances
#            Act 2016), anti-depressants, major tranquilisers, prescription-only medicines not
#            controlled, "other"), and codes naming several drugs of different classes
#            ("other opiates", "opiates"), whose class cannot be told from the code.
CLASS_A, CLASS_B, CLASS_C = "Class A", "Class B", "Class C"
CLASS_ALCOHOL = "Alcohol"
NOT_CONTROLLED = "Not controlled / other"
DRUG_CLASS_GROUPS = [CLASS_A, CLASS_B, CLASS_C, CLASS_ALCOHOL, NOT_CONTROLLED]
DRUG_CLASS = {
    # Class A
    "heroin": CLASS_A, "heroin illicit": CLASS_A, "methadone": CLASS_A, "methadone prescribed": CLASS_A, "methadone illicit": CLASS_A,
    "morphine": CLASS_A, "fentanyl": CLASS_A, "opium": CLASS_A, "diamorphine": CLASS_A,
    "crack": CLASS_A, "crack cocaine": CLASS_A, "crack cocaine only": CLASS_A, "cocaine": CLASS_A, "powder cocaine": CLASS_A,
    "ecstasy": CLASS_A, "mdma": CLASS_A, "lsd": CLASS_A, "magic mushrooms": CLASS_A,
    "methamphetamine": CLASS_A, "crystal meth": CLASS_A,
    # Class B
    "cannabis": CLASS_B, "synthetic cannabinoids": CLASS_B, "spice": CLASS_B,
    "amphetamine": CLASS_B, "amphetamines": CLASS_B, "ketamine": CLASS_B, "mephedrone": CLASS_B,
    "codeine": CLASS_B, "dihydrocodeine": CLASS_B, "barbiturates": CLASS_B, "ghb": CLASS_B, "gbl": CLASS_B,
    # Class C
    "benzodiazepine": CLASS_C, "benzodiazepines": CLASS_C, "buprenorphine": CLASS_C, "tramadol": CLASS_C,
    "pregabalin": CLASS_C, "gabapentin": CLASS_C, "anabolic steroids": CLASS_C,
    # Alcohol
    "alcohol": CLASS_ALCOHOL, "alcohol only": CLASS_ALCOHOL,
    # Not controlled under the 1971 Act, or a code naming drugs of several classes
    "nicotine": NOT_CONTROLLED, "solvents": NOT_CONTROLLED, "volatile substances": NOT_CONTROLLED, "nps": NOT_CONTROLLED,
    "new psychoactive substances": NOT_CONTROLLED, "anti depressants": NOT_CONTROLLED,
    "antidepressants": NOT_CONTROLLED, "major tranquilisers": NOT_CONTROLLED,
    "prescription only medicines not controlled": NOT_CONTROLLED, "other": NOT_CONTROLLED,
    "other drugs": NOT_CONTROLLED, "other opiates": NOT_CONTROLLED, "opiates": NOT_CONTROLLED,
}
#: Class of a substance *group*, for a code the list above does not name (e.g. a local code a
#: user mapped to a group): only groups whose every drug is in one class; "Opiates" spans
#: Class A (heroin, methadone) and Class C (buprenorphine), so it falls to "Not controlled / other".
SUBSTANCE_GROUP_CLASS = {
    "Alcohol": CLASS_ALCOHOL, "Cannabis": CLASS_B, "Crack cocaine": CLASS_A, "Powder cocaine": CLASS_A,
    "Amphetamines": CLASS_B, "Ecstasy": CLASS_A, "Benzodiazepines": CLASS_C,
}


# ---------------------------------------------------------------- referral sources
REFERRAL_SOURCE = {
    "self": "Self, family or friends",
    "family": "Self, family or friends",
    "gp": "GP",
    "hospital": "A&E / hospital",
    "a&e": "A&E / hospital",
    "children and family services": "Children and family services",
    "childrens social care": "Children and family services",
    "social care": "Children and family services",
    "education": "Education",
    "school": "Education",
    "youth justice": "Youth offending / criminal justice",
    "youth offending": "Youth offending / criminal justice",
    "criminal justice": "Youth offending / criminal justice",
    "probation": "Youth offending / criminal justice",
    "prison": "Youth offending / criminal justice",
    "camhs": "Mental health (incl. CAMHS)",
    "mental health": "Mental health (incl. CAMHS)",
    "other": "Other",
    # NDTMS young people's labels and common local variants
    "self referral": "Self, family or friends",
    "family/friends": "Self, family or friends",
    "family friends": "Self, family or friends",
    "gp surgery": "GP",
    "a&e department": "A&E / hospital",
    "accident and emergency": "A&E / hospital",
    "social services": "Children and family services",
    "children's services": "Children and family services",
    "looked after children service": "Children and family services",
    "looked after children's services": "Children and family services",
    "education service": "Education",
    "connexions": "Education",
    "yot": "Youth offending / criminal justice",
    "youth offending team": "Youth offending / criminal justice",
    "youth offending service": "Youth offending / criminal justice",
    "yos": "Youth offending / criminal justice",
    "police": "Youth offending / criminal justice",
    "arrest referral": "Youth offending / criminal justice",
    "consultant psychiatric services": "Mental health (incl. CAMHS)",
    "psychiatric services": "Mental health (incl. CAMHS)",
}
REFERRAL_SOURCE_GROUPS = [
    "Self, family or friends",
    "GP",
    "A&E / hospital",
    "Children and family services",
    "Education",
    "Youth offending / criminal justice",
    "Mental health (incl. CAMHS)",
    "Other",
]
#: Default group of key referring agencies whose share a partnership may set a target for.
DEFAULT_KEY_REFERRAL_GROUPS = ("Children and family services",)

# ---------------------------------------------------------------- discharge reasons (NDTMS)
PLANNED = "Planned"
UNPLANNED = "Unplanned"
TRANSFERRED = "Transferred"
#: GLOSSARY "Other / not known": the NDTMS "other" reason, an empty reason or an unmapped code.
#: Still an exit: it stays in the completion rate's denominator and is shown as its own group.
OTHER_NOT_KNOWN = "Other / not known"
DISCHARGE_REASON = {
    # NDTMS labels as extracts write them, and common local variants
    "treatment completed": PLANNED,
    "treatment completed drug free": PLANNED,
    "treatment completed alcohol free": PLANNED,
    "treatment completed occasional user": PLANNED,
    "treatment completed occasional user (not opiates or crack)": PLANNED,
    "completed": PLANNED,
    "transferred": TRANSFERRED,
    "transferred - not in custody": TRANSFERRED,
    "transferred - in custody": TRANSFERRED,
    "dropped out/left": UNPLANNED,
    "dropped out left": UNPLANNED,
    "incomplete dropped out": UNPLANNED,
    "treatment withdrawn by provider": UNPLANNED,
    "incomplete treatment withdrawn by provider": UNPLANNED,
    "incomplete retained in custody": UNPLANNED,
    "prison": UNPLANNED,
    "treatment commencement declined by the client": UNPLANNED,
    "incomplete treatment commencement declined by the client": UNPLANNED,
    "onward referral offered and refused": UNPLANNED,
    "death": UNPLANNED,
    "incomplete death": UNPLANNED,
    "not known": OTHER_NOT_KNOWN,
    # Planned: treatment completed (GLOSSARY "Planned exit")
    "completed drug free": PLANNED,
    "completed alcohol free": PLANNED,
    "completed occasional user": PLANNED,
    # Transferred: neither planned nor unplanned for completion rates
    "transferred not in custody": TRANSFERRED,
    "transferred in custody": TRANSFERRED,
    # Unplanned: dropped out, left, declined, withdrawn, prison, died
    "dropped out": UNPLANNED,
    "treatment withdrawn": UNPLANNED,
    "retained in custody": UNPLANNED,
    "declined": UNPLANNED,
    "onward referral refused": UNPLANNED,
    "died": UNPLANNED,
    # Other: the NDTMS "other" reason
    "other": OTHER_NOT_KNOWN,
}
EXIT_GROUPS = [PLANNED, UNPLANNED, TRANSFERRED, OTHER_NOT_KNOWN]


def exit_group(discharge_reason_group: pd.Series) -> pd.Series:
    """The exit group of each discharge (GLOSSARY "Exits"): the discharge reason's group, with an
    empty reason (``NOT_RECORDED``) and an unmapped code (``UNMAPPED``) counted as ``OTHER_NOT_KNOWN``,
    so that every discharge is an exit of one of ``EXIT_GROUPS``. The loaded
    ``discharge_reason_group`` keeps ``UNMAPPED`` so data quality still reports the code."""
    values = discharge_reason_group
    if isinstance(values.dtype, pd.CategoricalDtype):  # worked out per category, taken by code
        other = EXIT_GROUPS.index(OTHER_NOT_KNOWN)
        per_category = np.array([EXIT_GROUPS.index(c) if c in EXIT_GROUPS else other
                                 for c in values.dtype.categories] + [other], dtype=np.int8)  # last: missing
        codes = values.array.codes
        groups = pd.Categorical.from_codes(per_category[np.where(codes >= 0, codes, len(per_category) - 1)],
                                           categories=EXIT_GROUPS)
    else:
        groups = pd.Categorical(values.astype(object).where(values.astype(object).isin(EXIT_GROUPS), OTHER_NOT_KNOWN),
                                categories=EXIT_GROUPS)
    return pd.Series(groups, index=values.index, name="exit_group")

# ---------------------------------------------------------------- interventions
INTERVENTION = {
    "psychosocial": "Psychosocial",
    "pharmacological": "Pharmacological",
    "harm reduction": "Harm reduction",
    "family work": "Family work",
    "recovery support": "Recovery support",
    "residential": "Residential / inpatient",
    "inpatient detox": "Residential / inpatient",
    # NDTMS young people's labels and common local variants
    "one to one": "Psychosocial",
    "1:1": "Psychosocial",
    "one to one work": "Psychosocial",
    "group work": "Psychosocial",
    "psychosocial intervention": "Psychosocial",
    "family work": "Family work",
    "family support": "Family work",
    "harm reduction advice": "Harm reduction",
    "specialist harm reduction": "Harm reduction",
    "prescribing": "Pharmacological",
    "pharmacological intervention": "Pharmacological",
    "residential rehabilitation": "Residential / inpatient",
}
INTERVENTION_GROUPS = [
    "Psychosocial",
    "Pharmacological",
    "Harm reduction",
    "Family work",
    "Recovery support",
    "Residential / inpatient",
]

#: Code list per (table column), and the order its groups are shown in.
CODE_LISTS: dict[str, dict[str, str]] = {
    "service": SERVICE,
    "sex": SEX,
    "ethnicity": ETHNICITY,
    "accommodation_status": ACCOMMODATION,
    "in_care": YES_NO,
    "injecting_status": INJECTING,
    "substance": SUBSTANCE,
    "referral_source": REFERRAL_SOURCE,
    "discharge_reason": DISCHARGE_REASON,
    "intervention": INTERVENTION,
}
GROUP_ORDER: dict[str, list[str]] = {
    "service": [YOUNG_PEOPLE, ADULTS],
    "sex": SEX_GROUPS,
    "ethnicity": ETHNICITY_GROUPS,
    "accommodation_status": ACCOMMODATION_GROUPS,
    "in_care": YES_NO_GROUPS,
    "injecting_status": INJECTING_GROUPS,
    "substance": SUBSTANCE_GROUPS,
    "referral_source": REFERRAL_SOURCE_GROUPS,
    "discharge_reason": EXIT_GROUPS,
    "intervention": INTERVENTION_GROUPS,
}

#: Anything that is not a letter or a digit (spaces, punctuation, underscores) separates words.
_SEPARATORS = re.compile(r"[\W_]+")
#: How close (difflib ratio, 0 to 1) an unknown code must be to a known one to be suggested.
SUGGESTION_CUTOFF = 0.6


def normalise_code(value: object) -> str:
    """Return the matching key of a code: lower case, with every run of spaces and punctuation as
    one space, trimmed ("Dropped out/left" and "dropped_out - left" both give "dropped out left")."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return _SEPARATORS.sub(" ", str(value).lower()).strip()


def known_codes(column: str) -> dict[str, str]:
    """Every code of ``column``'s list by its matching key, plus each group's own name."""
    known = {normalise_code(k): v for k, v in CODE_LISTS[column].items()}
    for group in GROUP_ORDER[column]:
        known.setdefault(normalise_code(group), group)
    return known


def suggest_group(code: object, column: str) -> tuple[str | None, str | None]:
    """A group to PROPOSE for an unknown code, and the known label it was taken from.

    Method: the known label closest to the code (difflib's ratio on the matching keys, at
    least ``SUGGESTION_CUTOFF``). Only a suggestion: it is never applied unless the user
    confirms it (``map_codes`` still gives ``UNMAPPED``). ``(None, None)`` when nothing is close.
    """
    key = normalise_code(code)
    if not key:
        return None, None
    known = known_codes(column)
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=SUGGESTION_CUTOFF)
    if not close:
        return None, None
    return known[close[0]], close[0]


def map_codes(
    codes: pd.Series, column: str, extra: Mapping[str, str] | None = None
) -> pd.Series:
    """Map a column of codes to its reporting groups.

    Empty cells become ``NOT_RECORDED``; codes in neither the declared list nor ``extra``
    (a user's mapping of local codes to codes or groups of the declared list) become
    ``UNMAPPED``. Returns a categorical with the groups in their display order.
    """
    known = known_codes(column)  # a group's own name is always an accepted code
    groups = set(GROUP_ORDER[column])
    if extra:
        for local, target in extra.items():
            key = normalise_code(target)
            known[normalise_code(local)] = target if target in groups else known.get(key, UNMAPPED)
    # Map each distinct value once: files hold few distinct codes but many rows. A column held as text
    # categories already (the loaders' code columns) is not made text again (issue 12: 3m rows at national).
    held = isinstance(codes.dtype, pd.CategoricalDtype) and pd.api.types.is_string_dtype(codes.cat.categories)
    as_category = codes if held else codes.astype("string").astype("category")
    categories = list(dict.fromkeys([*GROUP_ORDER[column], NOT_RECORDED, UNMAPPED]))
    position = {group: i for i, group in enumerate(categories)}
    groups = [(known.get(normalise_code(value), UNMAPPED) if normalise_code(value) else NOT_RECORDED)
              for value in as_category.cat.categories]
    # each value's group by its category's code; the last entry is for a missing value (code -1)
    lookup = np.array([position.get(group, -1) for group in groups] + [position[NOT_RECORDED]], dtype=np.int64)
    return pd.Series(
        pd.Categorical.from_codes(lookup[as_category.cat.codes.to_numpy()], categories=categories),
        index=codes.index, name=f"{column}_group",
    )


def unmapped_codes(codes: pd.Series, column: str, extra: Mapping[str, str] | None = None) -> pd.Series:
    """Count the distinct codes in ``codes`` that map to no group (largest first)."""
    groups = map_codes(codes, column, extra)
    bad = codes[groups == UNMAPPED].astype("string").str.strip()
    return bad.value_counts().rename("rows")
