"""Figures of the Substances page: problem substances (any mention and primary), by sex, by age band, and change."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis import board, profiles, stats
from analysis.codes import GROUP_ORDER
from analysis.dataset import Dataset
from analysis.filters import ALL, Filters
from analysis.periods import AGE_BAND_LABELS, FinancialYear
from analysis.summaries import format_value
from analysis.views.people import cohort_noun, compare, emptied, in_order, nobody
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
    before = format_value(row["previous_value"], PROPORTION)
    movement = ("the same as" if before == format_value(row["value"], PROPORTION)
                else ("up from" if row["change"] > 0 else "down from"))
    verdict = "significant" if bool(row["significant"]) else "not significant"
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
    out[CHANGE_INTERVAL[0]] = result["diff_lower"].to_numpy()
    out[CHANGE_INTERVAL[1]] = result["diff_upper"].to_numpy()
    out.loc[hidden, list(CHANGE_INTERVAL)] = float("nan")
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


def _by(data: Dataset, fy: FinancialYear, comparison: FinancialYear, filters: Filters, view: str,
        by: str) -> pd.DataFrame:
    frame = compare(profiles.substances, data, fy, comparison, filters=filters, view=view, by=by)
    frame = in_order(frame, {by: BY[by], "substance": GROUP_ORDER["substance"]})
    frame = board.suppress_comparison(frame, [by], complement=True)
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
    Secondary suppression within each view, and within each sex / age band for those breakdowns."""
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
    return SubstanceFigures(overall, by_sex, by_age, change, summaries)


__all__ = [
    "BY", "CHANGE_INTERVAL", "SubstanceFigures", "VIEWS", "VIEW_LABELS", "by_age_sentence", "by_sex_sentence",
    "change_sentence_points", "substance_sentence", "substances", "with_change_interval",
]
