"""Figures of the Benchmarks and targets page: the spine chart against England, the partnership among its
comparator group, successful completion without re-presentation by substance group, and targets.

Local values of the registry's indicators are the Overview's headline figures
(``views.overview.headline_with_context``), so they pass the same board suppression; the outcome measure by
substance group is compared year on year and suppressed the same way (``board.suppress_comparison``, each group a proportion of its own). Comparator values
come from the optional ``comparators`` table, always shown with their source and period; values whose source
says they are illustrative (the demo's) are labelled ILLUSTRATIVE wherever they appear.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis import board, comparators, indicators, outcomes, targets, yoy
from analysis.contract import AREA_ENGLAND
from analysis.dataset import Dataset
from analysis.filters import Filters
from analysis.periods import NO_COMPARISON, FinancialYear
from analysis.views.overview import headline_with_context, overview_trend

#: The word that marks made-up comparator values (the demo's source column).
ILLUSTRATIVE_WORD = "illustrative"
ILLUSTRATIVE_NOTICE = ("ILLUSTRATIVE comparator values: made up for the synthetic demo, not published figures. "
                       "Load your area's published values (e.g. from OHID Fingertips) as the comparators table.")
#: Added to every sentence (and so every download's "About" sheet) built on illustrative comparator values.
ILLUSTRATIVE_SENTENCE = "Comparator values are ILLUSTRATIVE (synthetic demo), not published figures."
NO_COMPARATORS = ("No comparator values are loaded: load the comparators table (England's and other areas' "
                  "published values) on the Data page to compare the partnership with England and its neighbours.")
LOCAL_SOURCE = "Local records (this dashboard)"
UNITS = {100: "%", 1000: "per 1,000"}


@dataclass
class BenchmarkFigures:
    """The page's figures: ``spine`` (``comparators.spine_table``), its sentence, the indicators with a
    comparator group (id -> label) for the compare-areas chart, the outcome measure (suppressed, with England)
    and the notices that go with the comparator values."""

    spine: pd.DataFrame
    spine_summary: str
    compare_choices: dict[str, str]
    c19: pd.DataFrame
    c19_summary: str
    c19_year: FinancialYear | None
    c19_comparison: FinancialYear | None
    notes: list[str] = field(default_factory=list)
    illustrative: bool = False
    has_comparators: bool = False
    #: Said when a filter other than the service is selected: comparisons with England are by service only.
    scope_note: str | None = None
    #: Whose figures the spine shows when that differs from the selection (e.g. "whole partnership").
    scope_label: str | None = None


def is_illustrative(data: Dataset) -> bool:
    """Whether any comparator value's source says it is illustrative (never to be read as published)."""
    frame = data.comparators
    return bool(frame is not None and len(frame)
                and frame["source"].astype(str).str.lower().str.contains(ILLUSTRATIVE_WORD).any())


def c19_years(data: Dataset, fy: FinancialYear, comparison: FinancialYear | None
              ) -> tuple[FinancialYear | None, FinancialYear | None, str | None]:
    """The year the outcome measure is shown for (the selected one, or else the latest year with 6 months of
    follow-up in the data), the year it is compared with, and a note when the selected year lacks follow-up."""
    note = outcomes.follow_up_note(data, fy)
    if note is None:
        shown = fy
    else:
        ready = [y for y in data.years if y.start_year < fy.start_year and outcomes.follow_up_note(data, y) is None]
        shown = ready[-1] if ready else None
        note = f"{note}." + (f" Shown for {shown.label}, the latest year that has it." if shown else "")
    if shown is None:
        return None, None, note
    earlier = [y for y in data.years if y.start_year < shown.start_year]
    compared = comparison if isinstance(comparison, FinancialYear) and comparison.start_year < shown.start_year else (
        earlier[-1] if earlier else None)
    return shown, compared, note


def _local_row(indicator: indicators.Indicator, row: pd.Series, period: str, note: str = "") -> dict[str, object]:
    return {"indicator": indicator.id, "label": indicator.label, "unit": indicator.unit,
            "polarity": indicator.polarity, "period": period, "count": row["count"], "value": row["value"],
            "lower": row["lower"], "upper": row["upper"], "suppressed": bool(row["suppressed"]), "note": note}


def _compared(compute, fy: FinancialYear, comparison: FinancialYear, data: Dataset, filters: Filters) -> pd.DataFrame:
    """A single proportion of this year against the comparison year, board-suppressed (complement included)."""
    return board.suppress_comparison(yoy.compare_years(compute, fy, comparison, data, filters=filters))


def local_values(data: Dataset, fy: FinancialYear, comparison: FinancialYear | None, filters: Filters
                 ) -> pd.DataFrame:
    """The partnership's value of every indicator the comparators table has values for: registry rates and
    proportions from the Overview's headline figures (counts are not compared with England: a count depends
    on the area's size), the outcome measure from its own year with follow-up, and context indicators from the
    table's partnership rows (no polarity: the table does not say which direction is better, so they are
    "higher" or "lower" than England, never "better" or "worse"). Columns as ``comparators.spine_table`` reads
    them."""
    frame = data.comparators
    if frame is None or frame.empty:
        return pd.DataFrame()
    given = set(frame["indicator"].astype(str))
    rows: list[dict[str, object]] = []
    compared_with = comparison if comparison is not None else NO_COMPARISON
    for indicator in indicators.INDICATORS:
        if indicator.id not in given or indicator.per == 1:
            continue
        reason = indicator.not_applicable(filters)
        if reason:
            rows.append(_local_row(indicator, pd.Series({"count": np.nan, "value": np.nan, "lower": np.nan,
                                                         "upper": np.nan, "suppressed": False}), fy.label, reason))
            continue
        # the Overview's headline row (views.overview.overview), worked out for this indicator alone
        row, _ = headline_with_context(data, indicator, fy, compared_with, filters)
        rows.append(_local_row(indicator, row.iloc[0], fy.label))
    shown, compared, note = c19_years(data, fy, comparison)
    for indicator in indicators.OUTCOME_INDICATORS:
        if indicator.id not in given:
            continue
        if shown is None:
            rows.append(_local_row(indicator, pd.Series({"count": np.nan, "value": np.nan, "lower": np.nan,
                                                         "upper": np.nan, "suppressed": False}), fy.label, note or ""))
            continue
        row = _compared(indicator.compute, shown, compared or NO_COMPARISON, data, filters).iloc[0]
        rows.append(_local_row(indicator, row, shown.label, "" if shown == fy else f"{shown.label}: {note}"))
    registry = set(indicators.BY_ID)
    for indicator_id, name in comparators.context_indicators(frame, registry).items():
        found = comparators.rows_for_year(frame, indicator_id, fy)
        own = comparators.area_value(found, comparators.AREA_PARTNERSHIP) if len(found) else None
        rows.append({"indicator": indicator_id, "label": name, "unit": "", "polarity": indicators.NO_POLARITY,
                     "period": fy.label if own is None else FinancialYear(
                         comparators.period_end_year(own["period"]) or fy.start_year).label,
                     "count": np.nan if own is None else own.get("count", np.nan),
                     "value": np.nan if own is None else own["value"],
                     "lower": np.nan if own is None else own["lower"], "upper": np.nan if own is None else own["upper"],
                     "suppressed": bool(own is not None and 0 < float(own.get("count", 0) or 0) < 5),
                     "note": "No partnership value in the comparators table" if own is None else
                     f"Context indicator, {own['period']}: {own['source']}"})
    return pd.DataFrame(rows)


def spine_sentence(spine: pd.DataFrame, fy: FinancialYear) -> str:
    """e.g. "Against England (2024/25 or the latest published period): 2 better, 1 worse, 5 similar, 1 not
    compared." Judged on whether the local 95% interval excludes England's value."""
    if spine.empty:
        return "No indicator has a comparator value to compare with."
    counts = spine["judgement"].value_counts()
    order = [comparators.BETTER, comparators.WORSE, comparators.SAME, comparators.HIGHER_NO_JUDGEMENT,
             comparators.LOWER_NO_JUDGEMENT, comparators.NOT_COMPARED]
    parts = [f"{int(counts[j])} {j.lower().replace(' than england', '').replace(' to england', '')}"
             for j in order if j in counts]
    return (f"{len(spine)} indicators against England ({fy.label}, or the latest period published): "
            f"{', '.join(parts)} (judged on whether the local 95% interval excludes England's value).")


def c19_frame(data: Dataset, shown: FinancialYear, compared: FinancialYear, filters: Filters) -> pd.DataFrame:
    """The outcome measure by substance group for ``shown`` against ``compared``, board-suppressed (each group's
    proportion on its own, with its complement), with England's value for the year where the comparators table
    gives one (``england``, ``england_period``)."""
    frame = yoy.compare_years(outcomes.by_substance_group, shown, compared, data, filters=filters)
    frame = board.suppress_comparison(frame, group_cols=["substance_group"], complement=True)
    ids = {i.label.split(": ")[-1].lower(): i.id for i in indicators.OUTCOME_INDICATORS}
    england, periods = [], []
    for group in frame["substance_group"]:
        found = comparators.rows_for_year(data.comparators, ids[str(group).lower()], shown)
        row = comparators.area_value(found, AREA_ENGLAND) if len(found) else None
        england.append(float(row["value"]) if row is not None else np.nan)
        periods.append(str(row["period"]) if row is not None else "")
    frame["england"], frame["england_period"] = england, periods
    return frame


def c19_sentence(frame: pd.DataFrame, shown: FinancialYear, compared: FinancialYear) -> str:
    """e.g. "2023/24: opiates 11.1% (2022/23: 10.2%), ...", hidden values as *."""
    def show(value: float, hidden: bool) -> str:
        return "*" if hidden or pd.isna(value) else f"{value:.1f}%"
    parts = [f"{row.substance_group.lower()} {show(row.value, row.suppressed)} "
             f"({compared.label}: {show(row.previous_value, row.previous_suppressed)})" for row in frame.itertuples()]
    return f"Successful completion without re-presentation within 6 months, {shown.label}: " + "; ".join(parts) + "."


def compared_selection(filters: Filters) -> Filters:
    """The selection compared with England and the comparator areas: the service only. England's values are
    published by service (adults; young people), never by age band, sex or district, so the spine and
    compare-areas charts never set a filtered group (e.g. young women in one district) against a whole area."""
    return Filters(service=filters.service)


def scope_note(filters: Filters, district_names: Mapping[str, str] | None = None) -> str | None:
    """Said when a filter other than the service is selected: what the comparisons with England cover."""
    if compared_selection(filters) == filters:
        return None
    whose = ("the whole partnership" if filters.service == Filters().service else
             f"the {filters.service.lower()} service")
    others = filters.describe(district_names).split(", ", 1)[1]  # the first part names the service
    return (f"England and comparator areas publish values by service only, so these comparisons are for "
            f"{whose}: the other filters ({others}) do not apply to them. "
            "The outcome measure's table below follows the filters, without England's value.")


def scope_label(figures: BenchmarkFigures, where: str) -> str:
    """Whose figures the spine and compare-areas charts show (``compared_selection``)."""
    return figures.scope_label or where


def benchmarks(data: Dataset, fy: FinancialYear, comparison: FinancialYear | None, filters: Filters
               ) -> BenchmarkFigures:
    """Every figure of the page for the selection (all suppressed for a board). Comparisons with England and
    the comparator group are by service only (``compared_selection``, said in ``scope_note``); the outcome
    measure follows the filters and carries England's value only when no other filter is set."""
    shown, compared, note = c19_years(data, fy, comparison)
    notes = [note] if note else []
    if shown is not None and compared is not None:
        c19 = c19_frame(data, shown, compared, filters)
        if compared_selection(filters) != filters:
            c19["england"], c19["england_period"] = np.nan, ""
        c19_summary = c19_sentence(c19, shown, compared)
    elif shown is not None:
        c19, c19_summary = pd.DataFrame(), (f"Successful completion without re-presentation is shown beside a "
                                            f"comparison year, and {shown.label} is the first year in the data: "
                                            "choose a later year to see it.")
    else:
        c19, c19_summary = pd.DataFrame(), note or "No year has the 6 months of follow-up the measure needs."
    has = data.comparators is not None and not data.comparators.empty
    spine = comparators.spine_table(local_values(data, fy, comparison, compared_selection(filters)),
                                    data.comparators) if has else \
        pd.DataFrame()
    choices = {}
    if has:
        for row in spine.itertuples():
            found = comparators.rows_for_year(data.comparators, row.indicator, fy)
            if len(found) and found["area_type"].astype(str).str.lower().eq("comparator group").any():
                choices[row.indicator] = row.label
    illustrative = is_illustrative(data)
    summary = spine_sentence(spine, fy) if has else NO_COMPARATORS
    if illustrative:
        summary += f" {ILLUSTRATIVE_SENTENCE}"
        if len(c19) and c19["england"].notna().any():
            c19_summary += f" England's values: {ILLUSTRATIVE_SENTENCE}"
    note = scope_note(filters, data.district_names) if has else None
    label = None if note is None else compared_selection(filters).describe(data.district_names)
    return BenchmarkFigures(spine, summary, choices, c19, c19_summary, shown, compared, notes, illustrative, has,
                            note, label)


def compare_areas(data: Dataset, figures: BenchmarkFigures, indicator: str, fy: FinancialYear,
                  area_name: str) -> pd.DataFrame:
    """The partnership among its comparator group for ``indicator`` (``comparators.compare_areas``), with the
    partnership's own value from the spine (the same suppressed figure)."""
    row = figures.spine.set_index("indicator").loc[indicator]
    local: Mapping[str, object] | None = None
    if indicator in indicators.BY_ID:
        local = {"value": row["value"], "lower": row["lower"], "upper": row["upper"], "period": row["period"],
                 "suppressed": row["suppressed"], "source": LOCAL_SOURCE}
    return comparators.compare_areas(data.comparators, indicator, FinancialYear.from_label(row["period"]), local,
                                     area_name)


def compare_sentence(frame: pd.DataFrame, label: str, illustrative: bool = False) -> str:
    """e.g. "Successful completion rate: the partnership is 3rd highest of 10 areas (2024/25); England 50.0%."""
    england = frame.attrs.get("england", np.nan)
    tail = "" if pd.isna(england) else f"; England {england:,.1f} ({frame.attrs.get('england_period', '')})"
    tail += f". {ILLUSTRATIVE_SENTENCE}" if illustrative else ""
    if frame.attrs.get("local_hidden"):
        return f"{label}: the partnership's value is hidden (1 to 4 people), so it is not ranked{tail}."
    local = frame.index[frame["is_local"]]
    if not len(local):
        return f"{label}: no partnership value to rank{tail}."
    rank = len(frame) - int(local[0])
    return (f"{label}: the partnership ranks {rank} of {len(frame)} areas, 1 being the highest value "
            f"({frame.loc[local[0], 'period']}){tail}" + ("" if illustrative else "."))


# ---------------------------------------------------------------- targets
@dataclass
class TargetFigures:
    """One indicator's targets for the selected year: the quarterly trajectory (suppressed actuals), its gap
    sentence and the multi-year plan against each year's actual figure."""

    indicator: str
    quarterly: pd.DataFrame
    sentence: str
    annual: pd.DataFrame
    not_applicable: str | None = None
    #: Said when a filter is selected: targets are the whole partnership's.
    note: str | None = None


def target_figures(data: Dataset, fy: FinancialYear, filters: Filters, rows: Sequence[Mapping[str, object]],
                   indicator: str) -> TargetFigures:
    """The trajectory of ``indicator`` in ``fy`` against the stored target ``rows`` (``analysis.targets``)."""
    plan = targets.rows_from_records([dict(r) for r in rows])
    reason = indicators.BY_ID[indicator].not_applicable(filters)
    if reason:
        empty = targets.trajectory(pd.DataFrame(columns=["quarter", "year_to_date", "in_quarter"]), {})
        return TargetFigures(indicator, empty, f"{indicators.BY_ID[indicator].label}: {reason}.",
                             targets.annual_trajectory({}, plan, indicator), reason)
    note = None if filters == Filters() else (
        f"Targets are set for the whole partnership; the actual figures here are for the selection "
        f"({filters.describe(data.district_names)}), so compare them with care.")
    actuals = targets.quarterly_actuals(data, indicator, fy, filters, outcomes.data_end(data))
    quarterly = targets.trajectory(targets.suppress_actuals(actuals), targets.targets_for_year(plan, indicator, fy))
    trend = overview_trend(data, indicator, filters)
    by_year = {str(r.year): (np.nan if r.suppressed else float(r.count)) for r in trend.itertuples()}
    annual = targets.annual_trajectory(by_year, plan, indicator)
    return TargetFigures(indicator, quarterly, targets.gap_sentence(quarterly, indicator, fy), annual, note=note)


# ---------------------------------------------------------------- tables shown (and downloaded)
def _text(value: object, hidden: bool = False, decimals: int = 1) -> str:
    if hidden:
        return "*"
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return f"{float(value):,.{decimals}f}"


def spine_display(spine: pd.DataFrame, illustrative: bool) -> pd.DataFrame:
    """The needs assessment's indicator table: indicator, local count, local value (95% CI), England average,
    worst and best, the comparison, the periods and the comparator source. Hidden values are ``*``."""
    rows = []
    for r in spine.itertuples():
        hidden = bool(r.suppressed)
        rows.append({
            "Indicator": r.label, "Period": r.period, "Local count": _text(r.count, hidden, 0),
            "Local value": _text(r.value, hidden), "95% CI": "*" if hidden else (
                "" if pd.isna(r.lower) else f"{r.lower:,.1f} to {r.upper:,.1f}"),
            "England average": _text(r.england), "England worst": _text(r.england_worst),
            "England best": _text(r.england_best), "Compared with England": r.judgement,
            "Comparator period": r.comparator_period,
            "Comparator source": r.source + (" (ILLUSTRATIVE)" if illustrative and r.source else ""),
            "Note": r.note})
    return pd.DataFrame(rows)


def compare_display(frame: pd.DataFrame) -> pd.DataFrame:
    """The compare-areas table: area, type, value, 95% interval, period and source, highest value first."""
    ordered = frame.iloc[::-1]
    return pd.DataFrame({"Area": ordered["area_name"].astype(str), "Area type": ordered["area_type"].astype(str),
                         "Value": [_text(v) for v in ordered["value"]],
                         "Lower 95% limit": [_text(v) for v in ordered["lower"]],
                         "Upper 95% limit": [_text(v) for v in ordered["upper"]],
                         "Period": ordered["period"].astype(str), "Source": ordered["source"].astype(str)}
                        ).reset_index(drop=True)


def c19_display(frame: pd.DataFrame, shown: FinancialYear, compared: FinancialYear,
                illustrative: bool = False) -> pd.DataFrame:
    """The outcome measure's table: the board's year-on-year columns, then England's value and period."""
    table = board.display_table(frame, [
        ("substance_group", "Substance group"), ("count", "Completed, no re-presentation {year}"),
        ("denominator", "In treatment {year}"), ("value", "% {year}"), ("lower", "Lower 95% {year}"),
        ("upper", "Upper 95% {year}"), ("previous_value", "% {comparison}"), ("significant", "Significant change"),
    ], year_label=shown.label, comparison_label=compared.label)
    england = "England % (ILLUSTRATIVE)" if illustrative else "England %"
    table[england] = [_text(v) for v in frame["england"]]
    table["England period"] = frame["england_period"].to_numpy()
    return table


def trajectory_display(frame: pd.DataFrame) -> pd.DataFrame:
    """The trajectory table: quarter, in the quarter, year to date, target, gap (people), RAG, source."""
    return pd.DataFrame({
        "Quarter": frame["quarter_label"],
        "In the quarter": [_text(v, bool(h), 0) for v, h in zip(frame["in_quarter"], frame.get(
            "in_quarter_suppressed", pd.Series(False, index=frame.index)).fillna(False))],
        "Year to date": [_text(v, bool(h), 0) for v, h in zip(frame["year_to_date"], frame.get(
            "year_to_date_suppressed", pd.Series(False, index=frame.index)).fillna(False))],
        "Target": [_text(v, decimals=0) for v in frame["target"]],
        "Gap (people)": [_text(v, decimals=0) for v in frame["gap"]],
        "RAG": frame["rag"], "Target source": frame["source"]})


def annual_display(frame: pd.DataFrame) -> pd.DataFrame:
    """The multi-year plan's table: year, actual, target, gap and RAG (a hidden actual shows as blank)."""
    return pd.DataFrame({"Financial year": frame["year"], "Actual": [_text(v, decimals=0) for v in frame["actual"]],
                         "Target": [_text(v, decimals=0) for v in frame["target"]],
                         "Gap (people)": [_text(v, decimals=0) for v in frame["gap"]], "RAG": frame["rag"]})


__all__ = ["BenchmarkFigures", "annual_display", "c19_display", "compare_display", "spine_display",
           "trajectory_display", "ILLUSTRATIVE_NOTICE", "NO_COMPARATORS", "TargetFigures", "benchmarks", "c19_years",
           "compare_areas", "compare_sentence", "is_illustrative", "local_values", "spine_sentence",
           "target_figures"]
