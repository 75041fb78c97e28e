"""Figures of the Referrals page: sources, the share from key referring agencies against a target, months."""

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
from analysis.summaries_activity import largest_sentence, monthly_sentence, target_sentence

#: Default target share of referrals from the key referring agencies, in % (GLOSSARY "Key referring agencies").
DEFAULT_TARGET_PERCENT = 20.0
#: Months shown in the monthly chart: the selected year and the one before it.
MONTHS_SHOWN = 24


@dataclass
class ReferralFigures:
    """Every figure of the Referrals page, already suppressed for a board.

    ``total``: one-row year-on-year frame of referrals received. ``by_source``: year-on-year
    frame by ``referral_source``. ``key_share``: one-row year-on-year proportion frame with
    ``target``, ``target_met`` ("Yes"/"No"/"*") and ``against_target`` (whether the 95% interval
    lies above or below the target, or "*") added; ``key_status`` is ``activity.target_status``.
    ``monthly``: referrals per ``month`` (with ``month_label`` and ``financial_year``), suppressed
    within each financial year.
    """

    total: pd.DataFrame
    total_summary: str
    by_source: pd.DataFrame
    by_source_summary: str
    key_share: pd.DataFrame
    key_share_summary: str
    monthly: pd.DataFrame
    monthly_summary: str
    groups: tuple[str, ...]
    target: float
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


def referrals(
    data: Dataset,
    fy: FinancialYear,
    comparison: FinancialYear,
    filters: Filters = Filters(),
    groups: Sequence[str] = DEFAULT_KEY_REFERRAL_GROUPS,
    target: float = DEFAULT_TARGET_PERCENT,
) -> ReferralFigures:
    """Every figure of the Referrals page for the selection (all suppressed for a board).

    Referrals are referrals received in the year (not people), by source group (``analysis.codes``).
    The key-agency share is referrals from ``groups`` / all referrals, with its Wilson 95% interval,
    judged against ``target`` (%) by whether the interval lies above or below it. Besides the board's
    suppression, the share is hidden where its complement is 1-4 or where it would give away a
    source hidden in the sources chart (``activity.split_hidden_sources``)."""
    groups = tuple(groups)
    total = board.suppress_comparison(yoy.compare_years(profiles.referrals, fy, comparison, data, filters=filters))
    total_summary = change_sentence("Referrals received", total.iloc[0], yoy.COUNT, fy, comparison,
                                    suppressed=bool(total["change_suppressed"].iloc[0]))

    by_source = board.suppress_comparison(
        activity.compare(profiles.referrals_by_source, data, fy, comparison, key="referral_source", filters=filters))
    by_source_summary = largest_sentence(by_source, "referral_source", "Largest source of referrals", "referrals",
                                         fy, comparison)

    raw_share = activity.compare(profiles.key_referral_share, data, fy, comparison, filters=filters, groups=groups)
    complement_now, complement_before = activity.small_complement(raw_share)
    split_now, split_before = activity.split_hidden_sources(by_source, groups)
    key_share = activity.hide_rows(board.suppress_comparison(raw_share),
                                   complement_now | split_now, complement_before | split_before)
    status = activity.target_status(key_share.iloc[0], target)
    key_share = key_share.assign(
        target=target,
        target_met=SUPPRESSED if status["met"] is None else ("Yes" if status["met"] else "No"),
        against_target=SUPPRESSED if status["against_target"] is None else status["against_target"],
    )
    key_share.attrs.update(raw_share.attrs)
    key_share_summary = target_sentence(key_share.iloc[0], status, target, agencies_phrase(groups), fy, comparison)

    monthly = monthly_referrals(data, fy, filters)
    return ReferralFigures(total, total_summary, by_source, by_source_summary, key_share, key_share_summary,
                           monthly, monthly_sentence(monthly), groups, target, status)
