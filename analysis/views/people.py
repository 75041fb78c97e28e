"""Figures of the People in treatment page: age and sex (and single year of age for young people), ethnicity,
accommodation, in care and injecting, each also as shares among the people with it recorded."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from analysis import board, profiles, yoy
from analysis.codes import ACCOMMODATION_GROUPS, ADULTS, GROUP_ORDER, NOT_RECORDED, YOUNG_PEOPLE
from analysis.dataset import Dataset
from analysis.filters import ALL, Filters
from analysis.periods import AGE_BAND_LABELS, FinancialYear
from analysis.summaries import change_sentence, format_value, format_with_interval
from analysis.suppression import SUPPRESSED, suppress_counts, whole_counts_mask
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
    ranks = []
    for column, order in orders.items():
        rank = {value: i for i, value in enumerate(order)}
        ranks.append(np.array([rank.get(v, len(rank)) for v in frame[column].tolist()], dtype=np.int64))
    positions = np.lexsort(ranks[::-1])  # a stable sort: the first column first, ties kept in their order
    out = frame.take(positions).reset_index(drop=True)
    out.attrs.update(frame.attrs)
    return out


def without_empty_extras(frame: pd.DataFrame, category: str, order: Sequence[str]) -> pd.DataFrame:
    """A year-on-year frame without the categories outside ``order`` (e.g. not recorded, an unmapped
    code) that have nobody in either year; the frame itself when there are none to drop."""
    listed = set(order)
    keep = (np.array([value in listed for value in frame[category].tolist()], dtype=bool)
            | (yoy.as_floats(frame["count"]) > 0) | (yoy.as_floats(frame["previous_count"]) > 0))
    return frame if keep.all() else frame[keep]


def nobody(frame: pd.DataFrame) -> bool:
    """True when a year-on-year frame holds no people in either year."""
    return frame.empty or (np.nansum(yoy.as_floats(frame["count"])) == 0
                           and np.nansum(yoy.as_floats(frame["previous_count"])) == 0)


def flags(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A flag column as bools, a missing flag (None, NaN) as False: ``fillna(False).astype(bool)``, on the
    column's array (the sentences of every figure read these)."""
    values = frame[column].to_numpy()
    if values.dtype == bool:
        return values
    known = ~pd.isna(values)
    out = np.zeros(len(values), dtype=bool)
    out[known] = values[known].astype(bool)
    return out


def _shown_counts(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(positions of the rows shown with people this year: not suppressed, count above 0; their counts)."""
    counts = yoy.as_floats(frame["count"])
    positions = np.flatnonzero(~flags(frame, "suppressed") & (counts > 0))
    return positions, counts[positions]


def _largest(frame: pd.DataFrame) -> pd.Series | None:
    """The row with the largest count this year among rows shown with people (the first on a tie), or None."""
    positions, counts = _shown_counts(frame)
    return frame.iloc[positions[np.argmax(counts)]] if len(positions) else None


def _first_of(frame: pd.DataFrame, column: str, value: object) -> pd.Series | None:
    """The first row whose ``column`` is ``value``, or None."""
    found = [position for position, v in enumerate(frame[column].tolist()) if v == value]
    return frame.iloc[found[0]] if found else None


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
    shown = np.flatnonzero(~flags(frame, "change_suppressed") & flags(frame, "significant"))
    if not len(shown):
        return f"No group changed significantly since {comparison.label}."
    names, changes = frame[category].to_numpy(dtype=object), yoy.as_floats(frame["change"])
    parts = [f"{names[i]} ({'up' if changes[i] > 0 else 'down'} {abs(changes[i]):.1f} {unit})" for i in shown]
    return f"Significant changes since {comparison.label}: {', '.join(parts)}."


def largest_group_sentence(
    frame: pd.DataFrame, category: str, noun: str, fy: FinancialYear, comparison: FinancialYear
) -> str:
    """The largest group this year (never a suppressed one) with its change, then every
    significant change. e.g. "Largest group, Settled: 71% in 2024/25, up from 70% in 2023/24
    (not a significant change). No group changed significantly since 2023/24."."""
    row = _largest(frame)
    if row is None:
        return f"No figure can be shown for {noun} in treatment in {fy.label} (no records, or fewer than 5 people)."
    first = change_sentence(f"Largest group, {row[category]}", row, PROPORTION, fy, comparison,
                            suppressed=bool(row["change_suppressed"]))
    return f"{first} {significant_changes_sentence(frame, category, comparison)}"


def category_sentence(
    frame: pd.DataFrame, category: str, value: str, subject: str, fy: FinancialYear, comparison: FinancialYear
) -> str:
    """The change sentence of one category (e.g. "Currently injecting: 12% in 2024/25, ...")."""
    row = _first_of(frame, category, value)
    if row is None:
        return f"{subject}: no people recorded in {fy.label} or {comparison.label}."
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
    #: Per attribute of ``profiles.RECORDED_FIELDS``: % of people with the field recorded (``shares_among_recorded``).
    among_recorded: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: Per attribute: completeness (one row, people recorded as % of all).
    completeness: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: Young people's service: people by single year of age and sex (``single_year_of_age``).
    single_age: pd.DataFrame = field(default_factory=pd.DataFrame)


def _pyramid_sentence(by_sex: pd.DataFrame, by_age: pd.DataFrame, filters: Filters,
                      fy: FinancialYear, comparison: FinancialYear) -> str:
    """Share of males (unless one sex is selected) and the largest age band, e.g. "Males, % of
    people: 65% in 2024/25, up from 64% in 2023/24 (...). The largest age band was 35-44 (27%)."."""
    noun = cohort_noun(filters)
    if nobody(by_sex):
        return f"No {noun} match the selected filters."
    males = "" if filters.sex != ALL else category_sentence(by_sex, "sex", "Male", f"Males, % of {noun}", fy, comparison)
    top = _largest(by_age)
    if top is None:
        return males or f"No age band of {noun} can be shown for {fy.label} (fewer than 5 people)."
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
        frame = board.suppress_comparison(in_order(without_empty_extras(frame, attribute, order), {attribute: order}))
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
    figures = PeopleFigures(pyramid, breakdowns, recorded, summaries, notes)
    _add_among_recorded(figures, data, fy, comparison, filters)
    _add_single_year_of_age(figures, data, fy, comparison, filters)
    return figures


# ------------------------------------------------------------------ shares among the recorded, single year of age

#: Words for each field whose shares among the recorded are shown.
RECORDED_WORDS: dict[str, str] = {
    "ethnicity": "ethnicity", "accommodation_status": "accommodation status",
    "in_care": "looked-after status", "injecting_status": "injecting status",
}
#: Why the single-year-of-age figure is shown only for the young people's service.
SINGLE_AGE_NOTE = ("Single year of age is shown for the young people's service, where a year of age matters "
                   "(choose \"Young people\" as the service in the sidebar); adults are shown by age band.")
_VALUE_PARTS = board.VALUE_PARTS
_FLAGS = board.YEAR_FLAGS
#: ``board.hide_cells``, by the name this page's callers know.
hide = board.hide_cells


def protect_group_denominators(frame: pd.DataFrame, raw: pd.DataFrame, group: str) -> pd.DataFrame:
    """Secondary suppression of the groups' denominators (e.g. people of each sex), which add up
    to the people in the selection, a total shown elsewhere: where a group's denominator must be
    hidden (1 to 4, or to protect another: ``suppression.suppress_counts``), its denominator,
    percentages and intervals are hidden (its counts stay: a count alone does not give the
    denominator back). ``raw`` is the unsuppressed frame, ``frame`` the suppressed one."""
    out = frame
    keys, shown_keys = raw[group].tolist(), frame[group].tolist()
    for prefix in _FLAGS:
        # each group's first known denominator (0 when none), groups in order of first appearance:
        # ``raw.groupby(group, sort=False)[...].first().fillna(0)``, on lists (a handful of groups)
        first: dict[object, float] = {}
        for key, value in zip(keys, yoy.as_floats(raw[f"{prefix}denominator"]).tolist(), strict=True):
            if pd.isna(key):
                continue
            if np.isnan(first.setdefault(key, np.nan)) and not np.isnan(value):
                first[key] = value
        numbers = np.array([0.0 if np.isnan(v) else float(int(v)) for v in first.values()])
        flags = whole_counts_mask(numbers, total_published=True)  # suppress_counts of the column, on its array
        if flags is None:  # not whole numbers of zero or more: the Series route names the bad one
            flags = suppress_counts(pd.Series(numbers.astype("int64"), index=list(first)), total_published=True)
        hidden = dict(zip(first, np.asarray(flags).tolist(), strict=True))
        rows = np.array([bool(hidden.get(key, False)) if not pd.isna(key) else False for key in shown_keys], dtype=bool)
        out = hide(out, rows, prefix, count=False, denominator=True)
    return out


def _across(values: np.ndarray, positions: np.ndarray, missing: object) -> np.ndarray:
    """``values`` (of one table's rows) for the rows of another, by ``positions`` (-1: ``missing``)."""
    found = positions >= 0
    return np.where(found, values[np.where(found, positions, 0)], missing) if len(values) else \
        np.full(len(positions), missing)


def shares_among_recorded(
    data: Dataset, fy: FinancialYear, comparison: FinancialYear, filters: Filters, attribute: str,
    all_frame: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Each recorded category of ``attribute``: % of the people with the field recorded
    (``profiles.people_by_among_recorded``, Wilson interval, change since the comparison year by
    Newcombe's interval) beside its % of all people (``all_value`` etc., from ``all_frame``, the
    page's suppressed breakdown of the same attribute), and the field's completeness.

    Returns (among, completeness, all_frame). Suppression: the among-recorded counts within the
    field, with complements (recorded - count) of 1 to 4 hidden; a cell hidden in either table
    is hidden in both (they show the same count); when any not-recorded group or the
    completeness is hidden in a year, the number recorded (= all - not recorded) and the shares
    among the recorded are hidden for that year, since they would give the hidden count back."""
    order = profiles.recorded_categories(attribute)
    among = compare(profiles.people_by_among_recorded, data, fy, comparison, attribute, filters=filters)
    among = board.suppress_comparison(in_order(without_empty_extras(among, attribute, order), {attribute: order}),
                                      complement=True)
    complete = board.suppress_comparison(compare(profiles.field_recorded, data, fy, comparison, attribute,
                                                 filters=filters))
    # each category's row in the other table (-1: not in it); categories are unique in each
    among_names, all_names = among[attribute].tolist(), all_frame[attribute].tolist()
    in_all, in_among = _positions(among_names, all_names), _positions(all_names, among_names)
    unknown = np.array([name in profiles.UNKNOWN_VALUE_GROUPS for name in all_names], dtype=bool)
    of_all: dict[str, np.ndarray] = {}  # the % of all people beside each category, added once at the end
    for prefix, flag in _FLAGS.items():
        among = hide(among, _across(all_frame[flag].to_numpy(dtype=bool), in_all, False), prefix)
        all_frame = hide(all_frame, _across(among[flag].to_numpy(dtype=bool), in_among, False), prefix)
        for part in _VALUE_PARTS:
            of_all[f"{prefix}all_{part}"] = _across(all_frame[f"{prefix}{part}"].to_numpy(dtype="float64"), in_all,
                                                    np.nan)
        if all_frame[flag].to_numpy(dtype=bool)[unknown].any() or bool(complete[flag].iloc[0]):
            # hides no all_ column (count=False): the columns can be added after it
            among = hide(among, np.ones(len(among), bool), prefix, count=False, denominator=True)
            complete = hide(complete, np.ones(len(complete), bool), prefix)
    with_all = yoy.frame_of({**yoy.column_arrays(among), **of_all}, among.index)
    with_all.attrs.update(among.attrs)
    return with_all, complete, all_frame


def _positions(names: Sequence[object], others: Sequence[object]) -> np.ndarray:
    """The position of each of ``names`` in ``others`` (-1: not there); ``others`` holds each name once."""
    where = {name: position for position, name in enumerate(others)}
    return np.array([where.get(name, -1) for name in names], dtype=np.int64)


def recorded_sentence(among: pd.DataFrame, complete: pd.DataFrame, attribute: str, subject: str,
                      fy: FinancialYear, comparison: FinancialYear) -> str:
    """e.g. "No fixed abode, 2024/25: 4% of all young people; 8% (5% to 11%) of the 61% with
    accommodation status recorded; 2023/24: 7% of those recorded (not a significant change)."
    The category is the page's key category of the field (the largest shown for ethnicity);
    nothing hidden is named or given."""
    words = RECORDED_WORDS[attribute]
    completeness = complete.iloc[0]
    if bool(completeness["suppressed"]):
        recorded_text = "the people"
        completeness_text = f" (the share with {words} recorded is not shown: it would reveal fewer than 5 people)"
    else:
        recorded_text = f"the {format_value(completeness['value'], PROPORTION)}"
        completeness_text = ""
    key = KEY_CATEGORY.get(attribute)
    row = _largest(among) if key is None else _first_of(among, attribute, key)
    if row is None or pd.isna(row["all_value"]):
        what = f"{key} is not shown" if key else "no group can be shown"
        return (f"{words.capitalize()}, {fy.label}: {what} (fewer than 5 {subject}, or a figure that "
                f"would reveal them){completeness_text}.")
    name = "Looked-after (in care)" if attribute == "in_care" else str(row[attribute])
    head = f"{name}, {fy.label}: {format_value(row['all_value'], PROPORTION)} of all {subject}"
    if pd.isna(row["value"]):
        among_text = f"its share of those with {words} recorded is not shown (it would reveal fewer than 5 people)"
        completeness_text = ""
    else:
        among_text = f"{format_with_interval(row)} of {recorded_text} with {words} recorded"
    if bool(row["change_suppressed"]) or pd.isna(row["previous_value"]):
        before = f"{comparison.label} not available"
    else:
        verdict = "a significant change" if bool(row["significant"]) else "not a significant change"
        before = f"{comparison.label}: {format_value(row['previous_value'], PROPORTION)} of those recorded ({verdict})"
    return f"{head}; {among_text}{completeness_text}; {before}."


def _add_among_recorded(figures: PeopleFigures, data: Dataset, fy: FinancialYear, comparison: FinancialYear,
                        filters: Filters) -> None:
    noun = cohort_noun(filters)
    for attribute in profiles.RECORDED_FIELDS:
        all_frame = figures.breakdowns[attribute]
        if all_frame.empty:
            figures.among_recorded[attribute] = all_frame
            figures.completeness[attribute] = all_frame
            figures.summaries[f"among_recorded:{attribute}"] = figures.summaries[attribute]
            continue
        selection, subject = filters, noun
        if attribute == "in_care":
            selection, subject = replace(filters, service=IN_CARE_SERVICE), "young people"
        among, complete, all_frame = shares_among_recorded(data, fy, comparison, selection, attribute, all_frame)
        figures.breakdowns[attribute] = all_frame
        figures.among_recorded[attribute] = among
        figures.completeness[attribute] = complete
        figures.summaries[f"among_recorded:{attribute}"] = recorded_sentence(among, complete, attribute, subject,
                                                                             fy, comparison)
        if attribute == "accommodation_status":  # the tile is the same completeness: hide it where this is hidden
            tile = figures.accommodation_recorded
            for prefix, flag in _FLAGS.items():
                tile = hide(tile, complete[flag].to_numpy(dtype=bool), prefix)
            figures.accommodation_recorded = tile
            figures.summaries["accommodation_recorded"] = category_sentence(
                tile, "field", "Accommodation status recorded", f"Accommodation status recorded, % of {noun}",
                fy, comparison)


def _single_year_frames(data: Dataset, fy: FinancialYear, comparison: FinancialYear, filters: Filters,
                        pyramid: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(suppressed, unsuppressed) single-year-of-age frames, same rows in the same order."""
    frame = compare(profiles.people_by_single_year_of_age, data, fy, comparison, filters=filters)
    if frame.empty:
        return frame, frame
    frame = in_order(frame.assign(age=frame["age"].astype("int64")),
                     {"sex": GROUP_ORDER["sex"], "age": sorted(set(frame["age"].astype("int64")))})
    out = board.suppress_comparison(frame, ["sex", "age_band"])
    if not pyramid.empty:
        cells = pyramid.set_index(["sex", "age_band"])
        keys = pd.MultiIndex.from_arrays([out["sex"], out["age_band"]])
        for prefix, flag in _FLAGS.items():
            out = hide(out, cells[flag].reindex(keys).fillna(False).astype(bool).to_numpy(), prefix)
    people_by_sex = frame.groupby("sex", sort=False)[["count", "previous_count"]].sum().sum(axis=1)
    keep = (out["sex"].map(people_by_sex).fillna(0) > 0).to_numpy().copy()
    if filters.sex != ALL:
        keep &= (out["sex"] == filters.sex).to_numpy()
    shown, raw = out[keep].reset_index(drop=True), frame[keep].reset_index(drop=True)
    shown.attrs.update(out.attrs)
    return shown, raw


def single_year_of_age(data: Dataset, fy: FinancialYear, comparison: FinancialYear, filters: Filters,
                       pyramid: pd.DataFrame) -> pd.DataFrame:
    """People by single year of age and sex (``profiles.people_by_single_year_of_age``, counts with
    Byar / exact Poisson intervals, change by the exact conditional test) for the selection.

    Suppression: within each sex and age band (the single ages of a band add up to the band's
    count in the age-sex pyramid shown beside it), and every age of a band whose pyramid cell
    (``pyramid``, already suppressed) is hidden is hidden too, zeros included, so the single
    ages never give a hidden band back. Sexes with nobody in either year are left out."""
    return _single_year_frames(data, fy, comparison, filters, pyramid)[0]


def peaks_sentence(frame: pd.DataFrame, raw: pd.DataFrame, fy: FinancialYear, comparison: FinancialYear) -> str:
    """The most common single year of age of each sex (the youngest on a tie), e.g. "Peak age
    (age at triage) in 2024/25: 16 for males (54 people), 17 for females (31 people); in 2023/24:
    16 for males, 17 for females." ``raw`` (unsuppressed, same rows as ``frame``) finds the peak;
    a peak whose count is hidden in ``frame`` is not named."""
    def peak(sex: str, prefix: str) -> str | None:
        rows = (frame["sex"] == sex).to_numpy()
        counts = raw.loc[rows, f"{prefix}count"]
        if counts.empty or not counts.max() > 0:  # no one, or no counts (no comparison year: all missing)
            return None
        top = counts.idxmax()
        if bool(frame.loc[top, _FLAGS[prefix]]):
            return "not shown (small numbers)"
        return f"{int(raw.loc[top, 'age'])}" + ("" if prefix else f" ({counts.max():,.0f} people)")

    now, before = [], []
    for sex in GROUP_ORDER["sex"]:
        if not (frame["sex"] == sex).any():
            continue
        who = {"Male": "males", "Female": "females"}.get(sex, sex.lower())
        this, last = peak(sex, ""), peak(sex, "previous_")
        if sex not in ("Male", "Female"):  # too few to have a peak worth naming unless it is shown
            this, last = (None if v and v.startswith("not shown") else v for v in (this, last))
        if this:
            now.append(f"{this} for {who}")
        if last:
            before.append(f"{last} for {who}")
    if not now:
        return f"No peak age can be shown for {fy.label} (nobody in the selection)."
    earlier = f"; in {comparison.label}: {', '.join(before)}" if before else f"; {comparison.label} not available"
    return f"Peak age (age at triage) in {fy.label}: {', '.join(now)}{earlier}."


def _add_single_year_of_age(figures: PeopleFigures, data: Dataset, fy: FinancialYear, comparison: FinancialYear,
                            filters: Filters) -> None:
    if filters.service != YOUNG_PEOPLE:
        figures.notes["single_age"] = SINGLE_AGE_NOTE
        figures.summaries["single_age"] = SINGLE_AGE_NOTE
        return
    frame, raw = _single_year_frames(data, fy, comparison, filters, figures.pyramid)
    figures.single_age = emptied(frame) if nobody(raw) else frame
    figures.summaries["single_age"] = (peaks_sentence(frame, raw, fy, comparison) if not nobody(raw)
                                       else f"No {cohort_noun(filters)} match the selected filters.")


__all__ = [
    "BREAKDOWNS", "PeopleFigures", "RECORDED_WORDS", "SINGLE_AGE_NOTE", "accommodation_recorded",
    "category_sentence", "cohort_noun", "compare", "emptied", "hide", "in_order", "largest_group_sentence",
    "nobody", "peaks_sentence", "people", "protect_group_denominators", "recorded_sentence",
    "shares_among_recorded", "significant_changes_sentence", "single_year_of_age",
]
