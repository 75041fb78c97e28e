"""One-line plain-English summaries of a figure against the previous year, built from the numbers."""

from __future__ import annotations

import math

import pandas as pd

from analysis.periods import FinancialYear
from analysis.yoy import COUNT, NOT_COMPARED, PROPORTION, RATE


def format_value(value: float | None, kind: str, extra_decimals: int = 0) -> str:
    """A value as a board reads it: counts with thousands separators, rates to 1 dp, % to 0 dp
    (``extra_decimals`` more where two values would otherwise read the same)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "not available"
    if kind == COUNT:
        return f"{value:,.{extra_decimals}f}"
    if kind == RATE:
        return f"{value:,.{1 + extra_decimals}f} per 1,000"
    return f"{value:.{extra_decimals}f}%"


def distinct_values(now: float, before: float, kind: str) -> tuple[str, str] | None:
    """Two different values formatted so that they read differently: as a board reads them, or
    with one more decimal place; ``None`` when even that reads the same (then say "about the same",
    never "down from 9% to 9%")."""
    for extra in (0, 1):
        now_text, before_text = format_value(now, kind, extra), format_value(before, kind, extra)
        if now_text != before_text:
            return now_text, before_text
    return None


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
    texts = distinct_values(now, before, kind) if now != before else None
    if now == before:
        movement = f"the same as in {comparison_fy.label}"
    elif texts is None:
        movement = f"about the same as in {comparison_fy.label}"
    else:
        now_text, before_text = texts
        word = "up" if now > before else "down"
        movement = f"{word} from {before_text} in {comparison_fy.label}"
    verdict = "a significant change" if bool(row.get("significant")) else "not a significant change"
    return f"{subject}: {now_text} in {fy.label}, {movement} ({verdict})."


__all__ = ["COUNT", "PROPORTION", "RATE", "change_sentence", "distinct_values", "format_value"]


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


#: Short words left lower case inside a title-cased label.
_SMALL_WORDS = frozenset({"a", "an", "and", "at", "by", "for", "in", "of", "on", "or", "the", "to"})


def title_case(label: str) -> str:
    """A recorded label in title case for a chart or table, e.g. "transferred not in custody" ->
    "Transferred Not in Custody" (short joining words stay lower case unless first)."""
    words = str(label).split(" ")
    return " ".join(w if (i and w.lower() in _SMALL_WORDS) else w[:1].upper() + w[1:] for i, w in enumerate(words))


__all__ += ["title_case"]


#: What a tile with a hidden value says (the reason, not only a *).
SUPPRESSED_REASON = "fewer than 5 people"


def headline_text(row: pd.Series, kind: str, comparison_label: str) -> dict[str, str | None]:
    """The words of one headline tile, from a suppressed year-on-year row (``analysis.board.suppress_comparison``):
    ``value``; ``delta`` (counts and rates: the change and its % change; proportions: the change in
    percentage points only, since a % of a % misleads); ``interval`` (rates and proportions: "95% CI
    5.5 to 5.9 per 1,000"; none for counts); ``comparison`` (e.g. "2023/24: 2,890 · not significant"),
    or why a figure is not shown ("Not shown: fewer than 5 people"). ``None`` where there is nothing to say."""
    hidden_now, hidden_before = bool(row["suppressed"]), bool(row["previous_suppressed"])
    value = "*" if hidden_now else format_value(row["value"], kind)
    interval = None
    if kind != COUNT and not hidden_now and not pd.isna(row.get("lower")) and not pd.isna(row.get("upper")):
        lower, upper = format_value(row["lower"], kind), format_value(row["upper"], kind)
        if kind == RATE:
            lower = lower.removesuffix(" per 1,000")
        interval = f"95% CI {lower} to {upper}"
    if hidden_now:
        return dict(value=value, delta=None, interval=None,
                    comparison=f"Not shown: {SUPPRESSED_REASON} (or it would reveal such a count).")
    if row.get("direction") == NOT_COMPARED:  # the earliest year in the data: nothing to compare with
        return dict(value=value, delta=None, interval=interval, comparison=f"{comparison_label}: no change is shown.")
    if hidden_before:
        return dict(value=value, delta=None, interval=interval,
                    comparison=f"{comparison_label}: not shown ({SUPPRESSED_REASON}), so no change is given.")
    change = row.get("change")
    delta = None
    if change is not None and not pd.isna(change):
        if kind == PROPORTION:
            delta = f"{change:+.1f} pts"
        else:
            percent = row.get("percent_change")
            share = "" if percent is None or pd.isna(percent) else f" ({percent:+.1f}%)"
            delta = (f"{change:+,.0f}" if kind == COUNT else f"{change:+,.1f} per 1,000") + share
    verdict = "significant" if bool(row.get("significant")) else "not significant"
    return dict(value=value, delta=delta, interval=interval,
                comparison=f"{comparison_label}: {format_value(row['previous_value'], kind)} · {verdict}")


__all__ += ["SUPPRESSED_REASON", "headline_text"]
