"""Figures of the Substances page: problem substances (any mention and primary), drug class, by sex, by age band,
and change."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis import board, profiles, stats
from analysis.codes import DRUG_CLASS_GROUPS, GROUP_ORDER
from analysis.dataset import Dataset
from analysis.filters import ALL, Filters
from analysis.periods import AGE_BAND_LABELS, FinancialYear
from analysis.summaries import distinct_values, format_value, format_with_interval
from analysis.views.people import cohort_noun, compare, emptied, in_order, nobody, protect_group_denominators
from analysis.yoy import PROPORTION

#: The two ways of counting substances (GLOSSARY "Problem substances"), in page order.
VIEWS = (profiles.ANY_MENTION, profiles.PRIMARY)
VIEW_LABELS = {profiles.ANY_MENTION: "Any mention", profiles.PRIMARY: "Primary substance"}
#: Breakdowns of the substance profile, with their categories' display order.
BY: dict[str, list[str]] = {"sex": GROUP_ORDER["sex"], "age_band": AGE_BAND_LABELS}
#: Columns added to the change frame: Newcombe 95% interval of the change in percentage points.
CHANGE_INTERVAL = ("change_lower", "change_upper")


def substance_sentence(frame: pd.DataFrame, view: str, noun: str, fy: FinancialYear,
                       comparison: FinancialYear) -> str:
    """The most common substance this year (never a suppressed row), with its share and change, e.g.
    "Alcohol was a problem substance for 75% of young people in treatment in 2024/25, up from 64%
    in 2023/24 (significant)." (``primary``: "was the primary substance for")."""
    shown = frame[~frame["suppressed"].astype(bool) & (frame["count"] > 0)]
    if shown.empty:
        return f"No substance can be shown for {noun} in treatment in {fy.label} (no records, or fewer than 5 people)."
    row = shown.loc[shown["count"].idxmax()]
    role = "the primary substance" if view == profiles.PRIMARY else "a problem substance"
    head = f"{row['substance']} was {role} for {format_value(row['value'], PROPORTION)} of {noun} in treatment in {fy.label}"
    if bool(row["change_suppressed"]) or pd.isna(row["previous_value"]):
        return f"{head} ({comparison.label} not available)."
    texts = distinct_values(row["value"], row["previous_value"], PROPORTION)
    verdict = "significant" if bool(row["significant"]) else "not significant"
    if texts is None:  # reads the same even to 1 dp: never "up from 9%" beside 9%
        return f"{head}, about the same as in {comparison.label} ({verdict})."
    now_text, before = texts
    if now_text != format_value(row["value"], PROPORTION):
        head = head.replace(f"for {format_value(row['value'], PROPORTION)} of", f"for {now_text} of", 1)
    movement = "up from" if row["change"] > 0 else "down from"
    return f"{head}, {movement} {before} in {comparison.label} ({verdict})."


def by_sex_sentence(frame: pd.DataFrame, noun: str, fy: FinancialYear) -> str:
    """The most common substance among males and among females this year, e.g. "Most common
    problem substance in 2024/25: Alcohol for males (60%), Cannabis for females (55%)."."""
    parts = []
    for sex in ("Male", "Female"):
        rows = frame[(frame["sex"] == sex) & ~frame["suppressed"].astype(bool) & (frame["count"] > 0)]
        if not rows.empty:
            top = rows.loc[rows["count"].idxmax()]
            who = f"{sex.lower()}s" if noun == "people" else f"{sex.lower()} {noun}"
            parts.append(f"{top['substance']} for {who} ({format_value(top['value'], PROPORTION)})")
    if not parts:
        return f"No substance by sex can be shown for {fy.label} (no records, or fewer than 5 people)."
    return f"Most common problem substance in {fy.label}: {', '.join(parts)}."


def by_age_sentence(frame: pd.DataFrame, noun: str, fy: FinancialYear) -> str:
    """The highest share in any age band this year, e.g. "Highest share in 2024/25: Cannabis among
    people aged 15-17 (82% of them)."."""
    shown = frame[~frame["suppressed"].astype(bool) & (frame["count"] > 0) & frame["value"].notna()]
    if shown.empty:
        return f"No substance by age band can be shown for {fy.label} (no records, or fewer than 5 people)."
    top = shown.loc[shown["value"].idxmax()]
    return (f"Highest share in {fy.label}: {top['substance']} among {noun} aged {str(top['age_band']).lower()} "
            f"({format_value(top['value'], PROPORTION)} of them).")


def change_sentence_points(frame: pd.DataFrame, comparison: FinancialYear) -> str:
    """The largest significant change in share, in percentage points with its 95% interval,
    or the largest change when none is significant. Suppressed changes are never named."""
    shown = frame[~frame["change_suppressed"].astype(bool) & frame["change"].notna()]
    if shown.empty:
        return f"No change since {comparison.label} can be shown (no records, or fewer than 5 people)."
    significant = shown[shown["significant"].fillna(False).astype(bool)]
    pool = significant if not significant.empty else shown
    row = pool.loc[pool["change"].abs().idxmax()]
    word = "up" if row["change"] > 0 else "down"
    detail = (f"{row['substance']}, {word} {abs(row['change']):.1f} percentage points "
              f"(95% CI {row['change_lower']:+.1f} to {row['change_upper']:+.1f})")
    if significant.empty:
        return f"No substance's share changed significantly since {comparison.label}; the largest change was {detail}."
    others = len(significant) - 1
    more = f" and {others} other significant change{'s' if others != 1 else ''}" if others else ""
    return f"Largest significant change since {comparison.label}: {detail}{more}."


def with_change_interval(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``change_lower`` / ``change_upper``: Newcombe's hybrid score 95% interval (method 10) of
    the change in percentage points (``analysis.stats.compare_proportions``), computed from the
    suppressed frame's counts, so every hidden change gives a hidden interval."""
    out = frame.copy()
    result = stats.compare_proportions(
        frame["count"].astype("float64"), frame["denominator"].astype("float64"),
        frame["previous_count"].astype("float64"), frame["previous_denominator"].astype("float64"),
    )
    hidden = frame["change_suppressed"].astype(bool).to_numpy()
    # hidden before they are added (not a .loc assignment afterwards)
    out[CHANGE_INTERVAL[0]] = np.where(hidden, np.nan, result["diff_lower"].to_numpy(dtype="float64"))
    out[CHANGE_INTERVAL[1]] = np.where(hidden, np.nan, result["diff_upper"].to_numpy(dtype="float64"))
    out.attrs.update(frame.attrs)
    return out


@dataclass
class SubstanceFigures:
    """Suppressed year-on-year frames of the Substances page and their summary sentences, keyed by
    view (``profiles.ANY_MENTION`` / ``profiles.PRIMARY``).

    ``overall[view]``: % of people with each substance group; ``by_sex[view]`` / ``by_age[view]``:
    % of people of each sex / age band (age bands with nobody in the selected year left out);
    ``change[view]``: ``overall`` with ``change_lower``/``change_upper`` (Newcombe interval of the
    change, percentage points); ``summaries``: "overall:<view>", "by_sex:<view>",
    "by_age:<view>", "change:<view>"."""

    overall: dict[str, pd.DataFrame]
    by_sex: dict[str, pd.DataFrame]
    by_age: dict[str, pd.DataFrame]
    change: dict[str, pd.DataFrame]
    summaries: dict[str, str]
    #: Drug class (any mention) by sex (``drug_classes``); its sentence is ``summaries["drug_class"]``.
    drug_class: pd.DataFrame = field(default_factory=pd.DataFrame)


def _by(data: Dataset, fy: FinancialYear, comparison: FinancialYear, filters: Filters, view: str,
        by: str) -> pd.DataFrame:
    raw = compare(profiles.substances, data, fy, comparison, filters=filters, view=view, by=by)
    raw = in_order(raw, {by: BY[by], "substance": GROUP_ORDER["substance"]})
    frame = board.suppress_comparison(raw, [by], complement=True)
    # The groups' numbers of people add up to the people in the selection (shown on other pages).
    frame = protect_group_denominators(frame, raw, by)
    # Groups with nobody this year (e.g. adult age bands in a young people's service) are not shown.
    has_people = frame["denominator_suppressed"].astype(bool) | (frame["denominator"] > 0)
    if by == "sex" and filters.sex != ALL:
        has_people &= frame["sex"] == filters.sex
    out = frame[has_people].reset_index(drop=True)
    out.attrs.update(frame.attrs)
    return out


def substances(data: Dataset, fy: FinancialYear, comparison: FinancialYear, filters: Filters) -> SubstanceFigures:
    """Every figure of the Substances page for the selection, each through board suppression.

    Percentages are of people in treatment during the year in the selection (``analysis.profiles
    .substances``: any mention counts a person once per substance group recorded at any rank, so
    shares can sum past 100%; primary counts the rank-1 substance only). Wilson 95% intervals;
    the change since the comparison year is judged by Newcombe's interval (``analysis.yoy``).
    Secondary suppression within each view, and within each sex / age band for those breakdowns,
    whose numbers of people are protected as one column (``people.protect_group_denominators``)."""
    noun = cohort_noun(filters)
    overall, by_sex, by_age, change, summaries = {}, {}, {}, {}, {}
    for view in VIEWS:
        frame = compare(profiles.substances, data, fy, comparison, filters=filters, view=view)
        frame = frame[frame["substance"].isin(GROUP_ORDER["substance"]) | (frame["count"] > 0)
                      | (frame["previous_count"] > 0)]
        frame = board.suppress_comparison(in_order(frame, {"substance": GROUP_ORDER["substance"]}), complement=True)
        empty = nobody(frame)
        overall[view] = emptied(frame) if empty else frame
        change[view] = with_change_interval(overall[view])
        by_sex[view] = _by(data, fy, comparison, filters, view, "sex")
        by_age[view] = _by(data, fy, comparison, filters, view, "age_band")
        if empty:
            by_sex[view], by_age[view] = emptied(by_sex[view]), emptied(by_age[view])
            for part in ("overall", "by_sex", "by_age", "change"):
                summaries[f"{part}:{view}"] = f"No {noun} match the selected filters."
            continue
        summaries[f"overall:{view}"] = substance_sentence(frame, view, noun, fy, comparison)
        summaries[f"by_sex:{view}"] = by_sex_sentence(by_sex[view], noun, fy)
        summaries[f"by_age:{view}"] = by_age_sentence(by_age[view], noun, fy)
        summaries[f"change:{view}"] = change_sentence_points(change[view], comparison)
    figures = SubstanceFigures(overall, by_sex, by_age, change, summaries)
    figures.drug_class = drug_classes(data, fy, comparison, filters)
    figures.summaries["drug_class"] = (drug_class_sentence(figures.drug_class, noun, fy, comparison)
                                       if not figures.drug_class.empty else f"No {noun} match the selected filters.")
    return figures


# ------------------------------------------------------------------ drug class


def drug_classes(data: Dataset, fy: FinancialYear, comparison: FinancialYear, filters: Filters) -> pd.DataFrame:
    """Drug class (Class A / B / C of the Misuse of Drugs Act 1971, alcohol, not controlled / other),
    any mention, by sex: % of people in treatment of each sex with a problem substance in the class
    (``profiles.drug_classes``), Wilson intervals, change since the comparison year by Newcombe's
    interval. Suppression: within each sex, with complements (people of the sex - count) of 1 to 4
    hidden (a person can be in several classes); the sexes' denominators add up to the people in
    the selection, so they are protected as one column (``protect_group_denominators``). Sexes
    not selected, or with nobody in either year, are left out; empty when nobody is selected."""
    raw = compare(profiles.drug_classes, data, fy, comparison, filters=filters)
    raw = in_order(raw, {"sex": GROUP_ORDER["sex"], "drug_class": DRUG_CLASS_GROUPS})
    frame = board.suppress_comparison(raw, ["sex"], complement=True)
    frame = protect_group_denominators(frame, raw, "sex")
    keep = ((raw["denominator"] > 0) | (raw["previous_denominator"] > 0)).to_numpy().copy()
    if filters.sex != ALL:
        keep &= (raw["sex"] == filters.sex).to_numpy()
    out = frame[keep].reset_index(drop=True)
    out.attrs.update(frame.attrs)
    return emptied(out) if out.empty or nobody(raw[keep]) else out


def drug_class_sentence(frame: pd.DataFrame, noun: str, fy: FinancialYear, comparison: FinancialYear) -> str:
    """The most common class (largest shown count over the sexes) for each sex shown, e.g.
    "Class A (any mention), 2024/25: 67% (65% to 69%) of males, 69% (66% to 72%) of females;
    2023/24: 66% and 70% (no significant change)." Hidden figures are never given."""
    shown = frame[~frame["suppressed"].astype(bool) & frame["value"].notna()]
    if shown.empty:
        return f"No drug class can be shown for {noun} in {fy.label} (no records, or fewer than 5 people)."
    top = shown.groupby("drug_class", sort=False)["count"].sum().idxmax()
    rows = frame[frame["drug_class"] == top]
    now, before, significant = [], [], []
    for _, row in rows.iterrows():
        who = {"Male": "males", "Female": "females"}.get(row["sex"], str(row["sex"]).lower())
        if noun != "people" and row["sex"] in ("Male", "Female"):
            who = f"{row['sex'].lower()} {noun}"
        now.append(f"{format_with_interval(row)} of {who}" if pd.notna(row["value"]) else f"not shown for {who}")
        if not bool(row["change_suppressed"]) and pd.notna(row["previous_value"]):
            before.append(f"{format_value(row['previous_value'], PROPORTION)} of {who}")
            if bool(row["significant"]):
                significant.append(f"{who} ({'up' if row['change'] > 0 else 'down'} {abs(row['change']):.1f} points)")
    verdict = (f"significant change for {', '.join(significant)}" if significant
               else "no significant change") if before else ""
    earlier = f"{comparison.label}: {', '.join(before)} ({verdict})" if before else f"{comparison.label} not available"
    return f"{top} (any mention), {fy.label}: {', '.join(now)}; {earlier}."


__all__ = [
    "BY", "CHANGE_INTERVAL", "SubstanceFigures", "VIEWS", "VIEW_LABELS", "by_age_sentence", "by_sex_sentence",
    "change_sentence_points", "drug_class_sentence", "drug_classes", "substance_sentence", "substances",
    "with_change_interval",
]
