"""One-line plain-English summaries of a figure against the previous year, built from the numbers."""

from __future__ import annotations

import math

import pandas as pd

from analysis.periods import FinancialYear
from analysis.yoy import COUNT, PROPORTION, RATE


def format_value(value: float | None, kind: str) -> str:
    """A value as a board reads it: counts with thousands separators, rates to 1 dp, % to 0 dp."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "not available"
    if kind == COUNT:
        return f"{value:,.0f}"
    if kind == RATE:
        return f"{value:,.1f} per 1,000"
    return f"{value:.0f}%"


def change_sentence(
    subject: str, row: pd.Series, kind: str, fy: FinancialYear, comparison_fy: FinancialYear,
    *, suppressed: bool = False,
) -> str:
    """e.g. "Alcohol: 75% of young people in treatment in 2024/25, up from 64% in 2023/24
    (a significant change)." ``row`` is a row of ``analysis.yoy.year_on_year``. When either year's
    count is suppressed the sentence says so and gives no figures that could reveal it."""
    if suppressed:
        return (f"{subject}: figures for {fy.label} or {comparison_fy.label} rest on fewer than 5 people "
                f"and are not shown.")
    now, before = row.get("value"), row.get("previous_value")
    now_text, before_text = format_value(now, kind), format_value(before, kind)
    if not comparison_fy:  # the earliest year in the data: nothing to compare with
        return f"{subject}: {now_text} in {fy.label} ({comparison_fy.label})."
    if before is None or pd.isna(before) or now is None or pd.isna(now):
        return f"{subject}: {now_text} in {fy.label} ({comparison_fy.label} not available)."
    if now == before:
        movement = f"the same as in {comparison_fy.label}"
    else:
        word = "up" if now > before else "down"
        movement = f"{word} from {before_text} in {comparison_fy.label}"
    verdict = "a significant change" if bool(row.get("significant")) else "not a significant change"
    return f"{subject}: {now_text} in {fy.label}, {movement} ({verdict})."


__all__ = ["COUNT", "PROPORTION", "RATE", "change_sentence", "format_value"]


def most_common(frame: pd.DataFrame, category: str) -> tuple[str | None, str | None]:
    """The category with the largest count this year and in the comparison year, among rows that
    are not suppressed (a suppressed row is never named as the largest). ``None`` if none."""
    def top(count: str, flag: str) -> str | None:
        shown = frame[~frame[flag].astype(bool) & (frame[count] > 0)]
        return None if shown.empty else str(shown.loc[shown[count].idxmax(), category])

    return top("count", "suppressed"), top("previous_count", "previous_suppressed")


def most_common_sentence(frame: pd.DataFrame, category: str, subject: str,
                         fy: FinancialYear, comparison_fy: FinancialYear) -> str:
    """e.g. "Most common primary substance: Alcohol (34% of people) in 2024/25; Alcohol in 2023/24."."""
    now, before = most_common(frame, category)
    if now is None:
        return f"{subject}: no figure can be shown for {fy.label} (no records, or fewer than 5 people)."
    share = frame.loc[frame[category] == now, "value"].iloc[0]
    before_text = (comparison_fy.label if not comparison_fy else
                   f"{before} in {comparison_fy.label}" if before else f"not available for {comparison_fy.label}")
    return f"{subject}: **{now}** ({share:.0f}% of people) in {fy.label}; {before_text}."


def format_with_interval(row: pd.Series, kind: str = PROPORTION, prefix: str = "") -> str:
    """A value with its 95% interval as a board quotes it, e.g. "8% (5% to 11%)" or
    "54 (41 to 71)" for a count; ``prefix`` "previous_" for the comparison year."""
    value, lower, upper = (row.get(f"{prefix}{c}") for c in ("value", "lower", "upper"))
    text = format_value(value, kind)
    if lower is None or upper is None or pd.isna(lower) or pd.isna(upper):
        return text
    return f"{text} ({format_value(lower, kind)} to {format_value(upper, kind)})"


__all__ += ["format_with_interval"]
