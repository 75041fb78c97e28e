"""Figures of the People in treatment page: age and sex, ethnicity, accommodation, in care, injecting."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from analysis import board, profiles, yoy
from analysis.codes import ACCOMMODATION_GROUPS, ADULTS, GROUP_ORDER, NOT_RECORDED, YOUNG_PEOPLE
from analysis.dataset import Dataset
from analysis.filters import ALL, Filters
from analysis.periods import AGE_BAND_LABELS, FinancialYear
from analysis.summaries import change_sentence, format_value
from analysis.yoy import PROPORTION

#: Attributes shown as breakdowns on the page, in page order, with the words used for them.
BREAKDOWNS: dict[str, str] = {
    "ethnicity": "Ethnicity",
    "accommodation_status": "Accommodation status",
    "in_care": "In care (looked-after child)",
    "injecting_status": "Injecting status",
}
#: The category each breakdown's summary sentence follows (besides the largest group).
KEY_CATEGORY: dict[str, str] = {
    "accommodation_status": "No fixed abode",
    "in_care": "Yes",
    "injecting_status": "Currently injecting",
}
#: Looked-after status is recorded for children, so the in-care figure is of the young people's service.
IN_CARE_SERVICE = YOUNG_PEOPLE
IN_CARE_ADULTS_NOTE = (
    "Looked-after (in care) status is recorded for the young people's service; "
    "choose that service or all services to see it."
)
#: Accommodation groups that count as "recorded" for the completeness of the field.
ACCOMMODATION_RECORDED = tuple(g for g in ACCOMMODATION_GROUPS if g != NOT_RECORDED)


# ------------------------------------------------------------------ helpers shared with the Substances page
def cohort_noun(filters: Filters) -> str:
    """Who the selection's people are, in words: "young people", "adults" or "people"."""
    return {YOUNG_PEOPLE: "young people", ADULTS: "adults"}.get(filters.service, "people")


def compare(
    function: Callable[..., pd.DataFrame], data: Dataset, fy: FinancialYear, comparison: FinancialYear,
    *args: Any, **kwargs: Any,
) -> pd.DataFrame:
    """``yoy.compare_years(function, fy, comparison, data, ...)``: the measure for both years, compared.
    A group with nobody in it (denominator 0) gets no value and no test (``analysis.yoy``)."""
    return yoy.compare_years(function, fy, comparison, data, *args, **kwargs)


def in_order(frame: pd.DataFrame, orders: dict[str, Sequence[str]]) -> pd.DataFrame:
    """Rows sorted by each key column's display order (unlisted values last, in their order)."""
    if frame.empty:
        return frame
    positions = []
    for column, order in orders.items():
        rank = {value: i for i, value in enumerate(order)}
        positions.append(frame[column].map(lambda v, r=rank: r.get(v, len(r))).astype("int64"))
    keys = pd.concat(positions, axis=1, keys=range(len(positions)))
    out = frame.loc[keys.sort_values(list(keys.columns), kind="stable").index].reset_index(drop=True)
    out.attrs.update(frame.attrs)
    return out


def nobody(frame: pd.DataFrame) -> bool:
    """True when a year-on-year frame holds no people in either year."""
    return frame.empty or (frame["count"].fillna(0).sum() == 0 and frame["previous_count"].fillna(0).sum() == 0)


def emptied(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with no rows (keeping columns and attrs), for a selection with nobody in it."""
    out = frame.iloc[0:0].copy()
    out.attrs.update(frame.attrs)
    return out


def significant_changes_sentence(
    frame: pd.DataFrame, category: str, comparison: FinancialYear, unit: str = "points"
) -> str:
    """e.g. "Significant changes since 2023/24: Temporary (up 1.1 points)." or that there were none.
    Only rows whose change is shown (not suppressed) are named."""
    shown = frame[~frame["change_suppressed"].astype(bool) & frame["significant"].fillna(False).astype(bool)]
    if shown.empty:
        return f"No group changed significantly since {comparison.label}."
    parts = [
        f"{row[category]} ({'up' if row['change'] > 0 else 'down'} {abs(row['change']):.1f} {unit})"
        for _, row in shown.iterrows()
    ]
    return f"Significant changes since {comparison.label}: {', '.join(parts)}."


def largest_group_sentence(
    frame: pd.DataFrame, category: str, noun: str, fy: FinancialYear, comparison: FinancialYear
) -> str:
    """The largest group this year (never a suppressed one) with its change, then every
    significant change. e.g. "Largest group, Settled: 71% in 2024/25, up from 70% in 2023/24
    (not a significant change). No group changed significantly since 2023/24."."""
    shown = frame[~frame["suppressed"].astype(bool) & (frame["count"] > 0)]
    if shown.empty:
        return f"No figure can be shown for {noun} in treatment in {fy.label} (no records, or fewer than 5 people)."
    row = shown.loc[shown["count"].idxmax()]
    first = change_sentence(f"Largest group, {row[category]}", row, PROPORTION, fy, comparison,
                            suppressed=bool(row["change_suppressed"]))
    return f"{first} {significant_changes_sentence(frame, category, comparison)}"


def category_sentence(
    frame: pd.DataFrame, category: str, value: str, subject: str, fy: FinancialYear, comparison: FinancialYear
) -> str:
    """The change sentence of one category (e.g. "Currently injecting: 12% in 2024/25, ...")."""
    rows = frame[frame[category] == value]
    if rows.empty:
        return f"{subject}: no people recorded in {fy.label} or {comparison.label}."
    row = rows.iloc[0]
    return change_sentence(subject, row, PROPORTION, fy, comparison, suppressed=bool(row["change_suppressed"]))


# ------------------------------------------------------------------ measures of this page
def accommodation_recorded(data: Dataset, *, fy: FinancialYear, filters: Filters = Filters()) -> pd.DataFrame:
    """Completeness of accommodation status: people in treatment whose status is recorded as one of
    the declared groups (settled, temporary, no fixed abode), as % of people in treatment
    (GLOSSARY "Completeness"). Not recorded and unmapped codes count as not recorded."""
    by_status = profiles.people_by(data, "accommodation_status", fy=fy, filters=filters)
    recorded = int(by_status.loc[by_status["accommodation_status"].isin(ACCOMMODATION_RECORDED), "count"].sum())
    denominator = int(by_status["denominator"].iloc[0]) if len(by_status) else 0
    frame = pd.DataFrame({"field": ["Accommodation status recorded"], "count": [recorded],
                          "denominator": [denominator]})
    return yoy.measure(frame, PROPORTION, label="Accommodation status recorded")


@dataclass
class PeopleFigures:
    """Suppressed year-on-year frames of the People page and their summary sentences.

    ``pyramid``: age band x sex (% of all people); ``breakdowns``: one frame per attribute of
    ``BREAKDOWNS`` (empty when nobody is selected; the in-care frame is of the young people's
    service); ``accommodation_recorded``: one row, share of people with accommodation recorded;
    ``summaries``: one sentence per figure, keyed "pyramid", each attribute, "accommodation_recorded";
    ``notes``: extra sentences keyed by attribute (e.g. why in care is not shown)."""

    pyramid: pd.DataFrame
    breakdowns: dict[str, pd.DataFrame]
    accommodation_recorded: pd.DataFrame
    summaries: dict[str, str]
    notes: dict[str, str]


def _pyramid_sentence(by_sex: pd.DataFrame, by_age: pd.DataFrame, filters: Filters,
                      fy: FinancialYear, comparison: FinancialYear) -> str:
    """Share of males (unless one sex is selected) and the largest age band, e.g. "Males, % of
    people: 65% in 2024/25, up from 64% in 2023/24 (...). The largest age band was 35-44 (27%)."."""
    noun = cohort_noun(filters)
    if nobody(by_sex):
        return f"No {noun} match the selected filters."
    males = "" if filters.sex != ALL else category_sentence(by_sex, "sex", "Male", f"Males, % of {noun}", fy, comparison)
    shown = by_age[~by_age["suppressed"].astype(bool) & (by_age["count"] > 0)]
    if shown.empty:
        return males or f"No age band of {noun} can be shown for {fy.label} (fewer than 5 people)."
    top = shown.loc[shown["count"].idxmax()]
    largest = f"The largest age band in {fy.label} was {top['age_band']} ({format_value(top['value'], PROPORTION)} of {noun})."
    return f"{males} {largest}".strip()


def people(data: Dataset, fy: FinancialYear, comparison: FinancialYear, filters: Filters) -> PeopleFigures:
    """Every figure of the People page for the selection, each through board suppression.

    Percentages are of people in treatment during the year in the selection (each person once,
    attributes from their latest episode; ``analysis.profiles``), with Wilson 95% intervals and
    Newcombe's interval for the change since the comparison year (``analysis.yoy``).
    Secondary suppression: the pyramid within each sex; each breakdown within itself."""
    noun = cohort_noun(filters)
    pyramid = compare(profiles.people_by_age_and_sex, data, fy, comparison, filters=filters)
    pyramid = board.suppress_comparison(
        in_order(pyramid, {"age_band": AGE_BAND_LABELS, "sex": GROUP_ORDER["sex"]}), ["sex"])
    by_sex = board.suppress_comparison(compare(profiles.people_by, data, fy, comparison, "sex", filters=filters))
    by_age = board.suppress_comparison(compare(profiles.people_by, data, fy, comparison, "age_band", filters=filters))
    summaries = {"pyramid": _pyramid_sentence(by_sex, by_age, filters, fy, comparison)}
    notes: dict[str, str] = {}
    if nobody(pyramid):
        pyramid = emptied(pyramid)

    breakdowns: dict[str, pd.DataFrame] = {}
    for attribute in BREAKDOWNS:
        selection, subject = filters, noun
        if attribute == "in_care":
            if filters.service == ADULTS:
                notes[attribute] = IN_CARE_ADULTS_NOTE
            elif filters.service == ALL:
                notes[attribute] = "Looked-after status is shown for the young people's service only."
            selection, subject = replace(filters, service=IN_CARE_SERVICE), "young people"
        frame = compare(profiles.people_by, data, fy, comparison, attribute, filters=selection)
        order = profiles.ATTRIBUTES[attribute][1]
        # Extra categories (not recorded, unmapped) with nobody in either year are not shown.
        frame = frame[frame[attribute].isin(order) | (frame["count"] > 0) | (frame["previous_count"] > 0)]
        frame = board.suppress_comparison(in_order(frame, {attribute: order}))
        if nobody(frame) or (attribute == "in_care" and filters.service == ADULTS):
            breakdowns[attribute] = emptied(frame)
            summaries[attribute] = notes.get(attribute, f"No {noun} match the selected filters.")
            continue
        breakdowns[attribute] = frame
        sentence = largest_group_sentence(frame, attribute, subject, fy, comparison)
        if attribute in KEY_CATEGORY:
            key = KEY_CATEGORY[attribute]
            label = "Looked-after (in care)" if attribute == "in_care" else key
            sentence = (f"{category_sentence(frame, attribute, key, f'{label}, % of {subject}', fy, comparison)} "
                        f"{significant_changes_sentence(frame, attribute, comparison)}")
        summaries[attribute] = sentence

    recorded = board.suppress_comparison(compare(accommodation_recorded, data, fy, comparison, filters=filters))
    summaries["accommodation_recorded"] = category_sentence(
        recorded, "field", "Accommodation status recorded", f"Accommodation status recorded, % of {noun}",
        fy, comparison) if not nobody(by_sex) else f"No {noun} match the selected filters."
    return PeopleFigures(pyramid, breakdowns, recorded, summaries, notes)


__all__ = [
    "BREAKDOWNS", "PeopleFigures", "accommodation_recorded", "category_sentence", "cohort_noun", "compare",
    "emptied", "in_order", "largest_group_sentence", "nobody", "people", "significant_changes_sentence",
]
