"""One-line summaries for the Referrals and Treatment and exits pages, built from suppressed figures."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.codes import OTHER_NOT_KNOWN, PLANNED, TRANSFERRED, UNPLANNED
from analysis.periods import FinancialYear
from analysis.summaries import format_value
from analysis.text import as_text
from analysis.yoy import COUNT, PROPORTION, as_floats


def _shown(value: object) -> bool:
    return value is not None and not pd.isna(value)


def largest_sentence(
    frame: pd.DataFrame, category: str, subject: str, of_what: str, fy: FinancialYear, comparison: FinancialYear
) -> str:
    """e.g. "Largest referral source: **GP** (31% of referrals) in 2024/25; GP in 2023/24."
    Only rows whose count is shown are named (a hidden row is never called the largest)."""
    def top(count: str, flag: str) -> pd.Series | None:
        counts = as_floats(frame[count])  # on arrays: the row itself taken once (every page's sentences)
        shown = np.flatnonzero(~frame[flag].to_numpy().astype(bool) & (counts > 0))
        return None if not len(shown) else frame.iloc[shown[np.argmax(counts[shown])]]

    now, before = top("count", "suppressed"), top("previous_count", "previous_suppressed")
    if now is None:
        return f"{subject}: no figure can be shown for {fy.label} (no records, or fewer than 5)."
    share = "" if not _shown(now.get("value")) else f" ({now['value']:.0f}% of {of_what})"
    before_text = (f"{as_text(before[category])} in {comparison.label}" if before is not None
                   else f"not available for {comparison.label}")
    return f"{subject}: **{as_text(now[category])}**{share} in {fy.label}; {before_text}."


def target_sentence(
    row: pd.Series, status: dict[str, object], target: float | None, agencies: str, fy: FinancialYear,
    comparison: FinancialYear,
) -> str:
    """e.g. "23% (95% CI 21% to 25%) of referrals came from Education in 2024/25 (19% in
    2023/24); target 20%: met, and the interval lies above the target." ``status`` is
    ``analysis.activity.target_status``. With no target set (``None``) the sentence says so and
    judges nothing (GLOSSARY "Key referring agencies": no target is assumed)."""
    target_text = "no target set" if target is None else f"target {target:g}%"
    if not _shown(row.get("value")) or (target is not None and status.get("met") is None):
        return (f"Share of referrals from {agencies} in {fy.label}: not shown (it rests on, or would "
                f"reveal, fewer than 5 referrals); {target_text}.")
    now = format_value(row["value"], PROPORTION)
    interval = f"95% CI {format_value(row['lower'], PROPORTION)} to {format_value(row['upper'], PROPORTION)}"
    before = (f"{format_value(row['previous_value'], PROPORTION)} in {comparison.label}"
              if _shown(row.get("previous_value")) else f"{comparison.label} not shown")
    head = f"{now} ({interval}) of referrals came from {agencies} in {fy.label} ({before}); {target_text}"
    if target is None:
        return head + "."
    met = "met" if status["met"] else "not met"
    where = {"Significantly higher": "the interval lies above the target",
             "Significantly lower": "the interval lies below the target"}.get(
        str(status["against_target"]), "the interval includes the target, so the difference may be chance")
    return f"{head}: {met}, and {where}."


def people_referred_sentence(people: pd.Series, referrals: pd.Series, fy: FinancialYear,
                             comparison: FinancialYear) -> str:
    """e.g. "1,650 people were referred in 2024/25 (1,717 referrals), up from 1,600 in 2023/24 (not a
    significant change)." Rows are suppressed year-on-year count rows; a hidden figure is not given."""
    if not _shown(people.get("count")):
        return f"People referred in {fy.label}: not shown (fewer than 5)."
    made = (f" ({format_value(referrals['count'], COUNT)} referrals)" if _shown(referrals.get("count")) else "")
    head = f"{format_value(people['count'], COUNT)} people were referred in {fy.label}{made}"
    if not _shown(people.get("previous_count")):
        return f"{head}; {comparison.label} not shown."
    before = format_value(people["previous_count"], COUNT)
    if people["count"] == people["previous_count"]:
        movement = f"the same as in {comparison.label}"
    else:
        movement = f"{'up' if people['count'] > people['previous_count'] else 'down'} from {before} in {comparison.label}"
    verdict = "a significant change" if bool(people.get("significant")) else "not a significant change"
    return f"{head}, {movement} ({verdict})."


def led_to_triage_sentence(row: pd.Series, fy: FinancialYear, comparison: FinancialYear) -> str:
    """e.g. "62% (95% CI 60% to 64%) of referrals received in 2024/25 led to triage in the year
    (1,064 of 1,717); 60% in 2023/24 (not a significant change)." From a suppressed proportion row."""
    if not _shown(row.get("value")):
        return (f"Referrals that led to triage in {fy.label}: not shown (it rests on, or would reveal, "
                "fewer than 5 referrals).")
    interval = f"95% CI {format_value(row['lower'], PROPORTION)} to {format_value(row['upper'], PROPORTION)}"
    of = (f" ({format_value(row['count'], COUNT)} of {format_value(row['denominator'], COUNT)})"
          if _shown(row.get("count")) and _shown(row.get("denominator")) else "")
    head = (f"{format_value(row['value'], PROPORTION)} ({interval}) of referrals received in {fy.label} led to "
            f"triage in the year{of}")
    if not _shown(row.get("previous_value")):
        return f"{head}; {comparison.label} not shown."
    verdict = "a significant change" if bool(row.get("significant")) else "not a significant change"
    return f"{head}; {format_value(row['previous_value'], PROPORTION)} in {comparison.label} ({verdict})."


def monthly_sentence(frame: pd.DataFrame) -> str:
    """e.g. "Referrals per month, Apr 2023 to Mar 2025: most in Jan 2025 (140), fewest in
    Aug 2023 (98); 2 months with 1-4 referrals (or that would reveal them) shown as *."""
    if frame.empty:
        return "No referrals in the 24 months shown."
    first, last = frame["month"].min(), frame["month"].max()
    span = f"{first:%b %Y} to {last:%b %Y}"
    shown = frame[~frame["suppressed"].astype(bool)]
    hidden = int(frame["suppressed"].sum())
    note = f"; {hidden} month(s) shown as * (1-4 referrals, or would reveal such a month)" if hidden else ""
    if shown.empty:
        return f"Referrals per month, {span}: every month is shown as *{note}."
    high = shown.loc[shown["count"].astype("float64").idxmax()]
    low = shown.loc[shown["count"].astype("float64").idxmin()]
    return (f"Referrals per month, {span}: most in {high['month']:%b %Y} ({high['count']:,.0f}), "
            f"fewest in {low['month']:%b %Y} ({low['count']:,.0f}){note}.")


def time_sentence(summary: pd.DataFrame, fy: FinancialYear, comparison: FinancialYear) -> str:
    """e.g. "Median time in treatment of people discharged: 20 weeks in 2024/25 (22 in 2023/24);
    of people still in treatment on 31 March: 40 weeks (38)." Hidden groups say so."""
    parts = []
    for status, words in [("Discharged", "people discharged"), ("Open", "people still in treatment on 31 March")]:
        row = summary.loc[summary["status"] == status].iloc[0]
        if row["suppressed"] or not _shown(row["median_weeks"]):
            parts.append(f"{words}: not shown for {fy.label} (fewer than 5 people, or none)")
            continue
        before = (f"{row['previous_median_weeks']:.0f} in {comparison.label}"
                  if not row["previous_suppressed"] and _shown(row["previous_median_weeks"])
                  else f"{comparison.label} not shown")
        parts.append(f"{words}: {row['median_weeks']:.0f} weeks in {fy.label} ({before})")
    return "Median time in treatment of " + "; of ".join(parts) + "."


def interventions_sentence(frame: pd.DataFrame, fy: FinancialYear) -> str:
    """e.g. "Most common intervention in 2024/25 (% of people of each sex): Male: Psychosocial (80%);
    Female: Psychosocial (78%)." Only shown rows are named."""
    parts = []
    sexes = frame["sex"].to_numpy(dtype=object)
    values, counts = as_floats(frame["value"]), as_floats(frame["count"])
    usable = ~frame["suppressed"].to_numpy().astype(bool) & ~np.isnan(values) & (counts > 0)
    for sex in pd.unique(sexes[~pd.isna(sexes)]):  # in order of first appearance, as a groupby gives them
        shown = np.flatnonzero(usable & (sexes == sex))
        if not len(shown):
            continue
        top = frame.iloc[shown[np.argmax(values[shown])]]
        parts.append(f"{sex}: {top['intervention']} ({top['value']:.0f}%)")
    if not parts:
        return f"Interventions in {fy.label}: no figure can be shown (no records, or fewer than 5 people)."
    return f"Most common intervention in {fy.label} (% of people of each sex): " + "; ".join(parts) + "."


def counts_sentence(frame: pd.DataFrame, category: str, fy: FinancialYear, comparison: FinancialYear) -> str:
    """One clause per row of a suppressed count frame: "New presentations 1,020 in 2024/25 (980 in
    2023/24, not a significant change)"."""
    parts = []
    for _, row in frame.iterrows():
        if row["suppressed"]:
            parts.append(f"{row[category]} not shown for {fy.label} (fewer than 5)")
            continue
        now = format_value(row["count"], COUNT)
        if row["previous_suppressed"]:
            parts.append(f"{row[category]} {now} in {fy.label} ({comparison.label} not shown)")
            continue
        verdict = "a significant change" if row["significant"] else "not a significant change"
        parts.append(f"{row[category]} {now} in {fy.label} ({format_value(row['previous_count'], COUNT)} in "
                     f"{comparison.label}, {verdict})")
    return "; ".join(parts) + "."




def unknown_exits_sentence(exit_groups: pd.DataFrame, fy: FinancialYear, comparison: FinancialYear) -> str:
    """How many exits have no known reason, e.g. "40 of the 100 people discharged in 2024/25 (40%)
    left with the "other" reason, no reason or a code mapped to no group (31 of 90 in 2023/24);
    they are exits of "Other / not known" and stay in the completion rate's denominator."
    ``exit_groups`` is the suppressed exits-by-group frame; a hidden count is not given."""
    rows = exit_groups.loc[exit_groups["exit_group"] == OTHER_NOT_KNOWN]
    tail = (f'they count as exits of "{OTHER_NOT_KNOWN}" and stay in the successful completion rate\'s '
            "denominator.")

    def part(prefix: str, label: str) -> str:
        if rows.empty:
            return f"none in {label}"
        row = rows.iloc[0]
        if bool(row[f"{prefix}suppressed"]):
            return f"fewer than 5 (or a number that would reveal one) in {label}"
        count, total = row[f"{prefix}count"], row[f"{prefix}denominator"]
        if not _shown(count) or not _shown(total) or total == 0:
            return f"none in {label}" if _shown(count) and count == 0 else f"not available for {label}"
        return f"{count:,.0f} of the {total:,.0f} people discharged in {label} ({count / total * 100:.0f}%)"

    earlier = part("previous_", comparison.label) if comparison else comparison.label
    return (f"Exits with no known reason (the \"other\" reason, no reason recorded, or a code mapped to no "
            f"group): {part('', fy.label)}; {earlier}; {tail}")


def context_sentence(row: pd.Series, label: str, fy: FinancialYear, comparison: FinancialYear) -> str:
    """A proportion given as the context of a headline count, from one suppressed year-on-year row:
    e.g. "Share of adult OCU in treatment in effective treatment: 91% (95% CI 89% to 92%; 1,389 of
    1,531 people) in 2024/25; 89% in 2023/24 (not a significant change)." Hidden years say so."""
    if bool(row["suppressed"]) or not _shown(row.get("value")):
        return (f"{label}: not shown for {fy.label} (it rests on, or would reveal, fewer than 5 people, "
                "or there is nobody to count).")
    interval = f"95% CI {format_value(row['lower'], PROPORTION)} to {format_value(row['upper'], PROPORTION)}"
    people = f"{format_value(row['count'], COUNT)} of {format_value(row['denominator'], COUNT)} people"
    now = f"{label}: {format_value(row['value'], PROPORTION)} ({interval}; {people}) in {fy.label}"
    if bool(row["previous_suppressed"]) or not _shown(row.get("previous_value")):
        return f"{now}; {comparison.label} not shown."
    verdict = "a significant change" if bool(row.get("significant")) else "not a significant change"
    return (f"{now}; {format_value(row['previous_value'], PROPORTION)} in {comparison.label} ({verdict}).")


#: How the time-by-exit-group sentence names each exit group.
EXIT_GROUP_WORDS = {PLANNED: "completed (planned exit)", UNPLANNED: "dropped out or left (unplanned exit)",
                    TRANSFERRED: "transferred", OTHER_NOT_KNOWN: "other or not known reason"}


def exit_time_sentence(summary: pd.DataFrame, fy: FinancialYear, comparison: FinancialYear) -> str:
    """e.g. "People discharged in 2024/25 who dropped out or left (unplanned exit) did so after a median
    of 9 weeks (10 in 2023/24); completed (planned exit): 26 weeks (25); transferred: ...". From
    ``activity.time_by_exit_group_summary`` (suppressed): a hidden group says so, with no figure."""
    def before(row: pd.Series) -> str:
        if not comparison:  # NO_COMPARISON: the earliest year in the data
            return comparison.label
        if bool(row["previous_suppressed"]):
            return f"{comparison.label} not shown"
        if not _shown(row["previous_median_weeks"]):
            return f"none in {comparison.label}"
        return f"{row['previous_median_weeks']:.0f} in {comparison.label}"

    def clause(row: pd.Series) -> str:
        if bool(row["suppressed"]):
            return "not shown (fewer than 5 people, or would reveal such a group)"
        if not _shown(row["median_weeks"]):
            return f"nobody ({before(row)})"
        return f"{row['median_weeks']:.0f} weeks ({before(row)})"

    rows = {row["exit_group"]: row for _, row in summary.iterrows()}
    first = rows.get(UNPLANNED)
    if first is not None and not bool(first["suppressed"]) and _shown(first["median_weeks"]):
        lead = (f"People discharged in {fy.label} who {EXIT_GROUP_WORDS[UNPLANNED]} did so after a median of "
                f"{first['median_weeks']:.0f} weeks ({before(first)})")
    else:
        lead = f"Median weeks in treatment of people discharged in {fy.label}: {EXIT_GROUP_WORDS[UNPLANNED]}: " + (
            clause(first) if first is not None else "nobody")
    others = [f"{EXIT_GROUP_WORDS.get(group, group)}: {clause(row)}" for group, row in rows.items() if group != UNPLANNED]
    return "; ".join([lead, *others]) + "."


__all__ = [
    "context_sentence",
    "counts_sentence",
    "exit_time_sentence",
    "interventions_sentence",
    "largest_sentence",
    "led_to_triage_sentence",
    "monthly_sentence",
    "people_referred_sentence",
    "target_sentence",
    "time_sentence",
    "unknown_exits_sentence",
]
