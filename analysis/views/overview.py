"""Figures of the Overview page: headline indicators against the comparison year, and trends."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from analysis import activity, board, districts, indicators, profiles, unmet_need, yoy
from analysis.dataset import Dataset
from analysis.filters import Filters
from analysis.periods import FinancialYear
from analysis.summaries import change_sentence, most_common_sentence
from analysis.summaries_activity import context_sentence


@dataclass
class OverviewFigures:
    """Suppressed year-on-year rows per indicator id, the most-common-substance sentence, the
    change sentences, unmet need and notes. Trends are computed for one indicator at a time
    (``overview_trend``), the one the user is looking at."""

    headlines: dict[str, pd.DataFrame]
    most_common_substance: str
    summaries: dict[str, str]
    unmet_need_table: pd.DataFrame
    unmet_need_sentence: str
    notes: list[str]
    #: Indicator id -> why it has no figure for this selection (e.g. NI 40 for young people); such an
    #: indicator has no entry in ``headlines``.
    not_applicable: dict[str, str] = field(default_factory=dict)
    #: Indicator id -> the sentence of its context proportion (``Indicator.context``), e.g. NI 40's share.
    contexts: dict[str, str] = field(default_factory=dict)


def overview(data: Dataset, fy: FinancialYear, comparison: FinancialYear, filters: Filters) -> OverviewFigures:
    """Every figure of the Overview page for the selection (all suppressed for a board)."""
    headlines, summaries, not_applicable, contexts = {}, {}, {}, {}
    for indicator in indicators.INDICATORS:
        reason = indicator.not_applicable(filters)
        if reason:
            not_applicable[indicator.id], summaries[indicator.id] = reason, f"{indicator.label}: {reason}."
            continue
        row = board.suppress_comparison(yoy.compare_years(indicator.compute, fy, comparison, data, filters=filters))
        if indicator.context is not None:
            context = board.suppress_comparison(
                yoy.compare_years(indicator.context, fy, comparison, data, filters=filters))
            # the share's count and denominator with the headline count would give away a hidden
            # complement (denominator - count of 1-4), so the count is hidden wherever the share is
            row = activity.hide_rows(row, context["suppressed"], context["previous_suppressed"])
            contexts[indicator.id] = context_sentence(context.iloc[0], context.attrs.get("label", ""), fy, comparison)
        headlines[indicator.id] = row
        summaries[indicator.id] = change_sentence(
            indicator.label, row.iloc[0], row.attrs["kind"], fy, comparison,
            suppressed=bool(row["change_suppressed"].iloc[0]),
        )
    primary = board.suppress_comparison(
        yoy.compare_years(profiles.substances, fy, comparison, data, filters=filters, view=profiles.PRIMARY)
    )
    sentence = most_common_sentence(primary, "substance", "Most common primary substance", fy, comparison)
    need_now, need_before = unmet_need.unmet_need(data, fy=fy), unmet_need.unmet_need(data, fy=comparison)
    notes = [note for year in (fy, comparison)
             for note in (districts.population_year(data.population, year)[1],
                          unmet_need.estimate_year(data.prevalence, year)[1] if data.prevalence is not None else None)
             if note]
    return OverviewFigures(
        headlines, sentence, summaries,
        unmet_need.unmet_need_table(need_now, need_before, fy, comparison),
        unmet_need.unmet_need_sentence(need_now, fy), list(dict.fromkeys(notes)), not_applicable, contexts,
    )


def overview_trend(data: Dataset, indicator_id: str, filters: Filters) -> pd.DataFrame:
    """One indicator over every year in the data, with intervals, suppressed year by year. An
    indicator that does not apply to the selection gives no rows and ``attrs["not_applicable"]``."""
    indicator = indicators.BY_ID[indicator_id]
    reason = indicator.not_applicable(filters)
    if reason:
        empty = pd.DataFrame(columns=["year", "count", "denominator", "value", "lower", "upper", "suppressed"])
        empty.attrs.update(kind=yoy.COUNT, per=indicator.per, label=indicator.label, not_applicable=reason)
        return empty
    return board.suppress_measure(yoy.trend(indicator.compute, data.years, data, filters=filters), group_cols=["year"])
