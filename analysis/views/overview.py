"""Figures of the Overview page: headline indicators against the comparison year, and trends."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from analysis import activity, board, districts, indicators, profiles, unmet_need, yoy
from analysis.dataset import Dataset
from analysis.filters import Filters
from analysis.periods import Comparison, FinancialYear
from analysis.summaries import change_sentence, most_common_sentence
from analysis.summaries_activity import context_sentence


@dataclass
class OverviewFigures:
    """Suppressed year-on-year rows per indicator id, the most-common-substance sentence, the
    change sentences, whose rate the rate per 1,000 is, unmet need (for the age band matching the
    selected service, stated in ``unmet_need_band``) and notes. Trends are computed for one
    indicator at a time (``overview_trend``), the one the user is looking at. With no comparison
    year (``NO_COMPARISON``) the rows carry no previous values and the sentences say so."""

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
    rate_whose: str = ""
    unmet_need_band: str = ""


def headline(data: Dataset, indicator_id: str, fy: FinancialYear, comparison: Comparison,
             filters: Filters) -> pd.DataFrame:
    """One headline tile's row: the indicator for the year beside the comparison year, suppressed."""
    indicator = indicators.BY_ID[indicator_id]
    return board.suppress_comparison(yoy.compare_years(indicator.compute, fy, comparison, data, filters=filters))


def headline_with_context(data: Dataset, indicator: indicators.Indicator, fy: FinancialYear, comparison: Comparison,
                          filters: Filters) -> tuple[pd.DataFrame, str | None]:
    """An applicable indicator's headline row as the Overview shows it (``headline``; its count hidden
    wherever its context share is) and the context share's sentence (None without a context)."""
    row = headline(data, indicator.id, fy, comparison, filters)
    if indicator.context is None:
        return row, None
    context = board.suppress_comparison(yoy.compare_years(indicator.context, fy, comparison, data, filters=filters))
    # the share's count and denominator with the headline count would give away a hidden
    # complement (denominator - count of 1-4), so the count is hidden wherever the share is
    row = activity.hide_rows(row, context["suppressed"], context["previous_suppressed"])
    return row, context_sentence(context.iloc[0], context.attrs.get("label", ""), fy, comparison)


def overview(data: Dataset, fy: FinancialYear, comparison: Comparison, filters: Filters) -> OverviewFigures:
    """Every figure of the Overview page for the selection (all suppressed for a board)."""
    headlines, summaries, not_applicable, contexts = {}, {}, {}, {}
    for indicator in indicators.INDICATORS:
        reason = indicator.not_applicable(filters)
        if reason:
            not_applicable[indicator.id], summaries[indicator.id] = reason, f"{indicator.label}: {reason}."
            continue
        row, context = headline_with_context(data, indicator, fy, comparison, filters)
        if context is not None:
            contexts[indicator.id] = context
        headlines[indicator.id] = row
        summaries[indicator.id] = change_sentence(
            indicator.label, row.iloc[0], row.attrs["kind"], fy, comparison,
            suppressed=bool(row["change_suppressed"].iloc[0]),
        )
    primary = board.suppress_comparison(
        yoy.compare_years(profiles.substances, fy, comparison, data, filters=filters, view=profiles.PRIMARY)
    )
    sentence = most_common_sentence(primary, "substance", "Most common primary substance", fy, comparison)
    band, missing = unmet_need.band_status(data.prevalence, filters.service)
    need_now = unmet_need.unmet_need(data, fy=fy, age_band=band)
    need_before = unmet_need.unmet_need(data, fy=comparison, age_band=band)
    years = [fy, comparison] if isinstance(comparison, FinancialYear) else [fy]
    notes = [note for year in years
             for note in (districts.population_year(data.population, year)[1],
                          unmet_need.estimate_year(data.prevalence, year)[1] if band is not None else None)
             if note]
    whose = districts.whose_rate(headlines["rate_per_1000"].iloc[0], headlines["people_in_treatment"].iloc[0], filters)
    band_words = (f"Unmet need below is for people aged {band} (any service; the prevalence estimate's age band), "
                  f"not the rate's ages." if band is not None else "")
    return OverviewFigures(
        headlines, sentence, summaries,
        unmet_need.unmet_need_table(need_now, need_before, fy, comparison),
        unmet_need.unmet_need_sentence(need_now, fy, missing), list(dict.fromkeys(notes)), not_applicable, contexts,
        rate_whose=whose, unmet_need_band=band_words,
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
