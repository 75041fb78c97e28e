"""Figures of the Referrals page: referrals and people referred, the share that led to triage, sources,
the share from key referring agencies against the partnership's own target (if it set one), months."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from analysis import activity, board, profiles, yoy
from analysis.codes import DEFAULT_KEY_REFERRAL_GROUPS
from analysis.dataset import Dataset
from analysis.filters import Filters
from analysis.periods import FinancialYear
from analysis.suppression import SUPPRESSED
from analysis.summaries import change_sentence
from analysis.summaries_activity import (
    largest_sentence,
    led_to_triage_sentence,
    monthly_sentence,
    people_referred_sentence,
    target_sentence,
)

#: Shown instead of a target until the user sets one (GLOSSARY "Key referring agencies": no target is assumed).
NO_TARGET = "No target set"
#: Months shown in the monthly chart: the selected year and the one before it.
MONTHS_SHOWN = 24
#: Labels of the rows of the referrals-and-people figure.
REFERRALS_RECEIVED, PEOPLE_REFERRED = "Referrals received", "People referred"


@dataclass
class ReferralFigures:
    """Every figure of the Referrals page, already suppressed for a board.

    ``total``: one-row year-on-year frame of referrals received. ``people``: the same for people
    referred (distinct people). ``volume``: both as rows (``measure`` column) for the chart and table.
    ``led_to_triage``: one-row year-on-year proportion frame of referrals that led to triage in the
    year, with ``led_to_triage_definition`` saying how a referral is tied to its triage.
    ``by_source``: year-on-year frame by ``referral_source``. ``key_share``: one-row year-on-year
    proportion frame with ``target`` (``NO_TARGET`` when none is set), ``target_met`` ("Yes"/"No"/"*")
    and ``against_target`` (whether the 95% interval lies above or below the target, or "*") added;
    ``key_status`` is ``activity.target_status`` (all ``None`` without a target). ``monthly``:
    referrals per ``month`` (with ``month_label`` and ``financial_year``), suppressed within each year.
    """

    total: pd.DataFrame
    total_summary: str
    people: pd.DataFrame
    volume: pd.DataFrame
    volume_summary: str
    led_to_triage: pd.DataFrame
    led_to_triage_summary: str
    led_to_triage_definition: str
    by_source: pd.DataFrame
    by_source_summary: str
    key_share: pd.DataFrame
    key_share_summary: str
    monthly: pd.DataFrame
    monthly_summary: str
    groups: tuple[str, ...]
    target: float | None
    key_status: dict[str, object]


def agencies_phrase(groups: Sequence[str]) -> str:
    """The chosen key referring agencies in words, e.g. "Education and GP"."""
    names = list(groups)
    if not names:
        return "no agencies chosen"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def monthly_referrals(data: Dataset, fy: FinancialYear, filters: Filters = Filters()) -> pd.DataFrame:
    """Referrals per month over the 24 months ending 31 March of ``fy`` (the selected year and the
    one before), suppressed within each financial year: each year's total is published (this page
    and the Overview), so months of 1-4 referrals and the months that would reveal them are hidden
    with that total as the line (``board.suppress_measure`` with a published total per year)."""
    frame = profiles.monthly_referrals(data, end=fy.end, months=MONTHS_SHOWN, filters=filters)
    frame = frame.assign(financial_year=[FinancialYear.containing(m).label for m in frame["month"]],
                         month_label=[f"{m:%b %Y}" for m in frame["month"]])
    return board.suppress_measure(yoy.with_intervals(frame), group_cols=["financial_year"])


def _volume(total: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """Referrals received and people referred as two rows of one year-on-year count frame (each
    suppressed on its own: they are different units, not parts of a total)."""
    out = pd.concat([total.assign(measure=REFERRALS_RECEIVED), people.assign(measure=PEOPLE_REFERRED)],
                    ignore_index=True)
    out = out[["measure", *[c for c in out.columns if c != "measure"]]]
    out.attrs.update(total.attrs)
    return out


def referrals(
    data: Dataset,
    fy: FinancialYear,
    comparison: FinancialYear,
    filters: Filters = Filters(),
    groups: Sequence[str] = DEFAULT_KEY_REFERRAL_GROUPS,
    target: float | None = None,
) -> ReferralFigures:
    """Every figure of the Referrals page for the selection (all suppressed for a board).

    Referrals are referrals received in the year (not people); people referred are the distinct
    people among them (``activity.people_referred``); the share that led to triage is
    ``activity.referrals_led_to_triage`` (Wilson 95% interval; Newcombe's method for the change).
    Sources are grouped by ``analysis.codes``. The key-agency share is referrals from ``groups`` /
    all referrals, with its Wilson 95% interval, judged against ``target`` (%) by whether the
    interval lies above or below it; with no target (``None``, the default) nothing is judged.
    Besides the board's suppression, the share is hidden where its complement is 1-4 or where it
    would give away a source hidden in the sources chart (``activity.split_hidden_sources``)."""
    groups = tuple(groups)
    total = board.suppress_comparison(yoy.compare_years(profiles.referrals, fy, comparison, data, filters=filters))
    total_summary = change_sentence("Referrals received", total.iloc[0], yoy.COUNT, fy, comparison,
                                    suppressed=bool(total["change_suppressed"].iloc[0]))
    people = board.suppress_comparison(yoy.compare_years(activity.people_referred, fy, comparison, data,
                                                         filters=filters))
    volume_summary = people_referred_sentence(people.iloc[0], total.iloc[0], fy, comparison)
    led = board.suppress_comparison(activity.compare(activity.referrals_led_to_triage, data, fy, comparison,
                                                     filters=filters))
    led_definition = activity.LED_TO_TRIAGE_DEFINITION[activity.referral_link(data)]

    by_source = board.suppress_comparison(
        activity.compare(profiles.referrals_by_source, data, fy, comparison, key="referral_source", filters=filters))
    by_source_summary = largest_sentence(by_source, "referral_source", "Largest source of referrals", "referrals",
                                         fy, comparison)

    raw_share = activity.compare(profiles.key_referral_share, data, fy, comparison, filters=filters, groups=groups)
    complement_now, complement_before = activity.small_complement(raw_share)
    split_now, split_before = activity.split_hidden_sources(by_source, groups)
    key_share = activity.hide_rows(board.suppress_comparison(raw_share),
                                   complement_now | split_now, complement_before | split_before)
    if target is None:
        status: dict[str, object] = {"met": None, "against_target": None}
        key_share = key_share.assign(target=NO_TARGET, target_met=NO_TARGET, against_target=NO_TARGET)
    else:
        status = activity.target_status(key_share.iloc[0], target)
        key_share = key_share.assign(
            target=float(target),
            target_met=SUPPRESSED if status["met"] is None else ("Yes" if status["met"] else "No"),
            against_target=SUPPRESSED if status["against_target"] is None else status["against_target"],
        )
    key_share.attrs.update(raw_share.attrs)
    key_share_summary = target_sentence(key_share.iloc[0], status, target, agencies_phrase(groups), fy, comparison)

    monthly = monthly_referrals(data, fy, filters)
    return ReferralFigures(
        total=total, total_summary=total_summary, people=people, volume=_volume(total, people),
        volume_summary=volume_summary, led_to_triage=led,
        led_to_triage_summary=led_to_triage_sentence(led.iloc[0], fy, comparison),
        led_to_triage_definition=led_definition, by_source=by_source, by_source_summary=by_source_summary,
        key_share=key_share, key_share_summary=key_share_summary, monthly=monthly,
        monthly_summary=monthly_sentence(monthly), groups=groups, target=target, key_status=status,
    )
