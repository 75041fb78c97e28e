"""Figures of the Treatment and exits page: interventions, time in treatment, exits, completion, retention, presentations."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis import activity, board, cohorts, profiles, yoy
from analysis.dataset import Dataset
from analysis.filters import Filters
from analysis.periods import FinancialYear
from analysis.summaries import change_sentence, title_case
from analysis.summaries_activity import (
    counts_sentence,
    exit_time_sentence,
    interventions_sentence,
    largest_sentence,
    time_sentence,
    unknown_exits_sentence,
)

COMPLETION, RETENTION = "Successful completion rate", "12-week retention"
NEW, RE = "New presentations", "Re-presentations"
BACK = "Back in treatment on 31 March"


@dataclass
class TreatmentFigures:
    """Every figure of the Treatment and exits page, already suppressed for a board.

    Year-on-year frames (``board.suppress_comparison`` plus ``analysis.activity`` checks):
    ``interventions`` (sex, intervention), ``time_bins`` (weeks), ``exit_groups`` (exit_group),
    ``exit_reasons`` (exit_group, discharge_reason), ``outcomes`` (indicator: completion rate and
    12-week retention), ``presentations`` (presentation: new and re-presentations, counts) and
    ``back`` (measure: people discharged in the year back in treatment on 31 March).
    ``time_summary`` is ``activity.time_in_treatment_summary``; ``exit_time`` is
    ``activity.time_by_exit_group_summary`` (also hidden wherever ``exit_groups`` hides the group).
    ``summaries`` holds one sentence per figure under the same names (and ``unknown_exits``: how many
    exits have no known reason); ``lookback`` states the look-back of each presentation count.
    """

    interventions: pd.DataFrame
    time_bins: pd.DataFrame
    time_summary: pd.DataFrame
    exit_groups: pd.DataFrame
    exit_reasons: pd.DataFrame
    exit_time: pd.DataFrame
    outcomes: pd.DataFrame
    presentations: pd.DataFrame
    back: pd.DataFrame
    summaries: dict[str, str]
    lookback: dict[str, str]


def _stack(frames: dict[str, pd.DataFrame], column: str) -> pd.DataFrame:
    """One-row year-on-year frames stacked, with their names in ``column``; keeps the measure kind."""
    out = pd.concat([f.assign(**{column: name}) for name, f in frames.items()], ignore_index=True)
    out = out[[column, *[c for c in out.columns if c != column]]]
    first = next(iter(frames.values()))
    out.attrs.update(kind=first.attrs["kind"], per=first.attrs["per"], label=column)
    return out


def lookback_text(data: Dataset) -> dict[str, str]:
    """The look-back each presentation count uses, in words (GLOSSARY "New presentation", "Re-presentation")."""
    months = cohorts.NEW_PRESENTATION_LOOKBACK.months
    first = data.episodes["triage_date"].min()
    held = f"from {first:%B %Y}" if pd.notna(first) else "none held"
    return {
        NEW: f"New presentation: triaged in the year with no episode open in the {months} months before triage.",
        RE: ("Re-presentation: triaged in the year after an earlier episode that was discharged before that "
             f"triage; look-back: all records held ({held})."),
    }


def _interventions(data: Dataset, fy: FinancialYear, comparison: FinancialYear, filters: Filters) -> pd.DataFrame:
    """Interventions by sex, suppressed within each sex; also hidden where the people of a sex
    without the intervention are 1-4, and where a sex's number of people must be hidden (the
    numbers by sex add up to the people in treatment published on other pages)."""
    raw = activity.compare(profiles.interventions_by_sex, data, fy, comparison, filters=filters)
    shown = board.suppress_comparison(raw, group_cols=["sex"])
    complement_now, complement_before = activity.small_complement(raw)
    shown = activity.hide_rows(shown, complement_now, complement_before)
    denominator_now, denominator_before = activity.hidden_group_denominators(raw, "sex")
    return activity.hide_rows(shown, denominator_now, denominator_before, denominators=True)


def _exits(data: Dataset, fy: FinancialYear, comparison: FinancialYear,
           filters: Filters) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Exits by group (suppressed against all exits) and by discharge reason (suppressed within
    each exit group, whose total the group figure publishes, plus a reason of any group hidden
    there so that its reasons do not add up to it)."""
    groups = board.suppress_comparison(
        activity.compare(profiles.exits_by_reason, data, fy, comparison, key="exit_group", filters=filters))
    raw = activity.compare(activity.exits_by_discharge_reason, data, fy, comparison,
                           key=["exit_group", "discharge_reason"], filters=filters)
    reasons = board.suppress_comparison(raw, group_cols=["exit_group"])
    extra_now = activity.hidden_reasons_of_hidden_groups(reasons, groups, "suppressed", "count")
    extra_before = activity.hidden_reasons_of_hidden_groups(reasons, groups, "previous_suppressed", "previous_count")
    reasons = activity.hide_rows(reasons, extra_now, extra_before)
    # shown in title case, under their exit group (chart and table)
    reasons["discharge_reason"] = reasons["discharge_reason"].map(title_case)
    return groups, reasons


def treatment_exits(data: Dataset, fy: FinancialYear, comparison: FinancialYear,
                    filters: Filters = Filters()) -> TreatmentFigures:
    """Every figure of the Treatment and exits page for the selection (all suppressed for a board).

    Definitions (GLOSSARY): interventions received during the year by people in treatment, as % of
    people of that sex; time in treatment from triage to discharge or 31 March (each person's latest
    episode), and by exit group for people discharged in the year; exits by last discharge in the year,
    with "Other / not known" for the "other" reason, no reason or an unmapped code; successful
    completion = planned / (all exits - transfers), hidden where it would reveal a count the exits
    figure hides; 12-week retention as ``cohorts.retention_12_weeks``; back in treatment as
    ``cohorts.back_in_treatment``; proportions with Wilson 95% intervals and Newcombe's test against
    the comparison year, counts with the exact test of two Poisson counts."""
    interventions = _interventions(data, fy, comparison, filters)
    time_bins = board.suppress_comparison(
        activity.compare(activity.time_in_treatment_bins, data, fy, comparison, key="weeks", filters=filters))
    time_summary = activity.time_in_treatment_summary(data, fy, comparison, filters)
    exit_groups, exit_reasons = _exits(data, fy, comparison, filters)
    exit_time = activity.hide_time_groups(activity.time_by_exit_group_summary(data, fy, comparison, filters),
                                          exit_groups)

    completion = activity.compare(profiles.successful_completion_rate, data, fy, comparison, filters=filters)
    by_groups = activity.completion_hidden_by_groups(exit_groups)
    small_now, small_before = activity.small_complement(completion)
    completion = activity.hide_rows(board.suppress_comparison(completion), small_now | by_groups[0],
                                    small_before | by_groups[1], denominators=True)
    retention = activity.compare(profiles.retention_12_weeks, data, fy, comparison, filters=filters)
    retention = activity.hide_rows(board.suppress_comparison(retention), *activity.small_complement(retention))
    outcomes = _stack({COMPLETION: completion, RETENTION: retention}, "indicator")

    back = activity.compare(profiles.back_in_treatment, data, fy, comparison, filters=filters)
    back = _stack({BACK: board.suppress_comparison(back)}, "measure")

    presentations = _stack({
        NEW: board.suppress_comparison(yoy.compare_years(profiles.new_presentations, fy, comparison, data,
                                                         filters=filters)),
        RE: board.suppress_comparison(yoy.compare_years(profiles.re_presentations, fy, comparison, data,
                                                        filters=filters)),
    }, "presentation")

    def sentence(frame: pd.DataFrame, name: str) -> str:
        row = frame.loc[frame["indicator"] == name].iloc[0]
        return change_sentence(name, row, yoy.PROPORTION, fy, comparison, suppressed=bool(row["change_suppressed"]))

    summaries = {
        "interventions": interventions_sentence(interventions, fy),
        "time_bins": largest_sentence(time_bins, "weeks", "Most common time in treatment", "people in treatment",
                                      fy, comparison),
        "time_summary": time_sentence(time_summary, fy, comparison),
        "exit_groups": largest_sentence(exit_groups, "exit_group", "Most common exit", "people discharged",
                                        fy, comparison),
        "exit_reasons": largest_sentence(exit_reasons, "discharge_reason", "Most common discharge reason",
                                         "people discharged", fy, comparison),
        "unknown_exits": unknown_exits_sentence(exit_groups, fy, comparison),
        "exit_time": exit_time_sentence(exit_time, fy, comparison),
        "back": change_sentence(f"{BACK} (% of people discharged in the year)",
                                back.iloc[0], yoy.PROPORTION, fy, comparison,
                                suppressed=bool(back["change_suppressed"].iloc[0])),
        "outcomes": f"{sentence(outcomes, COMPLETION)} {sentence(outcomes, RETENTION)}",
        "presentations": counts_sentence(presentations, "presentation", fy, comparison),
    }
    return TreatmentFigures(interventions, time_bins, time_summary, exit_groups, exit_reasons, exit_time, outcomes,
                            presentations, back, summaries, lookback_text(data))
