"""Figures of the Data quality page: completeness by field against the comparison year, and each check's findings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from analysis import board, charts, quality, yoy
from analysis.codes import ADULTS, YOUNG_PEOPLE
from analysis.dataset import Dataset
from analysis.filters import ALL, Filters
from analysis.periods import FinancialYear
from analysis.summaries import distinct_values
from analysis.yoy import PROPORTION

#: Whose records a sentence is about, by service filter.
WHOSE = {ALL: "", YOUNG_PEOPLE: "young people's ", ADULTS: "adults' "}


@dataclass
class CheckFigures:
    """One check: its title, the sentence stating what it found, the suppressed summary table
    (counts this year beside the comparison year, or once for whole-data checks) and the
    record-level list (ids to correct, for the data owner)."""

    id: str
    title: str
    sentence: str
    table: pd.DataFrame
    records: pd.DataFrame
    #: False when the check found nothing in either year (the page lists such checks on one line).
    found: bool = True

    @property
    def detail(self) -> str:
        """The sentence without the check's title (shown under the title as its heading)."""
        rest = self.sentence.removeprefix(f"{self.title}: ")
        return rest[:1].upper() + rest[1:]


@dataclass
class DataQualityFigures:
    """Completeness (suppressed year-on-year frame, display table, table by year, sentences) and the checks."""

    completeness: pd.DataFrame
    completeness_table: pd.DataFrame
    completeness_by_year: pd.DataFrame
    findings: list[str]
    checks: list[CheckFigures] = field(default_factory=list)


def completeness_findings(frame: pd.DataFrame, fy: FinancialYear, comparison: FinancialYear, service: str) -> list[str]:
    """Sentences for low or falling completeness, from a suppressed year-on-year completeness frame.

    A field is a finding when under ``LOW_COMPLETENESS_PERCENT`` this year or significantly lower
    than in the comparison year, e.g. "Ethnicity was recorded for 82% of young people's episodes in
    treatment in 2024/25, down from 90% in 2023/24 (a significant fall)."""
    findings = []
    for _, row in frame.iterrows():
        item = quality.FIELD_BY_LABEL[row["field"]]
        if row["suppressed"] or pd.isna(row["value"]):
            continue
        low = row["value"] < quality.LOW_COMPLETENESS_PERCENT
        fell = bool(row["significant"]) and row["change"] < 0
        if not (low or fell):
            continue
        sentence = f"{item.label} was recorded for {row['value']:.0f}% of {WHOSE.get(service, '')}{item.noun} in {fy.label}"
        if row["change_suppressed"] or pd.isna(row["previous_value"]):
            sentence += f" ({comparison.label} not available)."
        elif (texts := distinct_values(row["value"], row["previous_value"], PROPORTION)) is None:
            sentence += f", about the same as in {comparison.label}."
        else:
            if texts[0] != f"{row['value']:.0f}%":  # to 1 dp, so the two years never read the same
                sentence = sentence.replace(f"for {row['value']:.0f}% of", f"for {texts[0]} of", 1)
            word = "up" if row["value"] > row["previous_value"] else "down"
            verdict = "a significant " + ("rise" if word == "up" else "fall") if row["significant"] else "not a significant change"
            sentence += f", {word} from {texts[1]} in {comparison.label} ({verdict})."
        findings.append(sentence)
    if not findings:
        shown = frame[~frame["suppressed"].astype(bool)]
        if shown.empty:
            return [f"Completeness in {fy.label} rests on fewer than 5 records and is not shown."]
        return [f"Every field was recorded for at least {quality.LOW_COMPLETENESS_PERCENT:.0f}% of "
                f"{WHOSE.get(service, '')}records in {fy.label}, with no significant fall since {comparison.label}."]
    return findings


def check_sentence(
    check: quality.Check, now: float, before: float, fy: FinancialYear, comparison: FinancialYear
) -> str:
    """What a check found, from its suppressed summary: the total this year (and in the comparison
    year for yearly checks, ``before``), or that there is none. A total of 1 to 4 is given as "fewer than 5"."""
    def amount(total: float) -> str:
        return "fewer than 5" if 0 < total < board.MIN_SHOWN_COUNT else f"{total:,.0f}"

    if not check.per_year:
        if now == 0:
            return f"{check.title}: none found."
        return f"{check.title}: {amount(now)} {check.noun} to check."
    if now == 0 and before == 0:
        return f"{check.title}: none in {fy.label} or {comparison.label}."
    return f"{check.title}: {amount(now)} {check.noun} in {fy.label} ({amount(before)} in {comparison.label})."


def _check_figures(
    check: quality.Check, data: Dataset, fy: FinancialYear, comparison: FinancialYear, service: str,
    rejected: Mapping[str, pd.DataFrame], today: pd.Timestamp,
) -> CheckFigures:
    keys = [k if k != "detail" else "code" for k in check.summary_keys]
    headings = [(k, k.capitalize()) for k in keys]
    kwargs = dict(service=service, rejected=rejected, today=today)
    records = quality.check_records(check.id, data, fy=fy, **kwargs)  # found once: listed, and counted
    if check.per_year:  # as yoy.compare_years of quality.check_counts, from the records found
        current = quality.counts_of(check.id, records)
        raw = (yoy.year_on_year(current, quality.counts_of(check.id, quality.check_records(
            check.id, data, fy=comparison, **kwargs))) if isinstance(comparison, FinancialYear)
            else yoy.without_comparison(current))
        counts = board.suppress_comparison(raw)
        table = board.display_table(counts, [*headings, ("count", "{year}"), ("previous_count", "{comparison}")],
                                    year_label=fy.label, comparison_label=comparison.label)
        now, before = float(raw["count"].sum()), float(raw["previous_count"].sum())
    else:
        raw = quality.counts_of(check.id, records)
        counts = board.suppress_measure(yoy.with_intervals(raw))
        table = board.display_table(counts, [*headings, ("count", "Count")])
        now, before = float(raw["count"].sum()), 0.0
    return CheckFigures(check.id, check.title, check_sentence(check, now, before, fy, comparison), table, records,
                        found=bool(now or before or len(records)))


def nothing_found_sentence(checks: list[CheckFigures], fy: FinancialYear, comparison: FinancialYear) -> str:
    """One line for every check that found nothing, e.g. "No problems found by 3 checks (in 2024/25
    and 2023/24, or in the whole data for checks of whole data): Invalid and unmapped codes;
    Duplicate identifiers; Dates in the future."; empty when every check found something."""
    clear = [c.title for c in checks if not c.found]
    if not clear:
        return ""
    checks_word = "check" if len(clear) == 1 else f"{len(clear)} checks"
    return (f"No problems found by {checks_word} (in {fy.label} and {comparison.label}, or in the whole data for "
            f"checks of whole data): {'; '.join(clear)}.")


def data_quality(
    data: Dataset, fy: FinancialYear, comparison: FinancialYear, filters: Filters,
    rejected: Mapping[str, pd.DataFrame] | None = None, today: str | None = None,
) -> DataQualityFigures:
    """Every figure of the Data quality page for the selected year, comparison year and service.

    Only the service filter applies (completeness is of records, not people). ``rejected`` holds
    the load reports kept with saved data (none for the demo); ``today`` (yyyy-mm-dd) is the day
    dates count as in the future from (default: today). Counts 1 to 4 are suppressed."""
    service = filters.service
    rejected = rejected or {}
    day = pd.Timestamp(today) if today else pd.Timestamp.today().normalize()
    measured = yoy.compare_years(quality.completeness, fy, comparison, data, service=service)
    order = {f.label: i for i, f in enumerate(quality.FIELDS)}
    frame = board.suppress_comparison(measured, group_cols=["field"])
    frame = frame.sort_values("field", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
    table = board.display_table(frame, [
        ("field", "Field"), ("denominator", "Records {year}"), ("value", "% complete {year}"),
        ("lower", "Lower 95% CI"), ("upper", "Upper 95% CI"), ("previous_value", "% complete {comparison}"),
        ("change", "Change (points)"), ("significant", "Significant"),
    ], year_label=fy.label, comparison_label=comparison.label)
    by_year = board.suppress_measure(yoy.trend(quality.completeness, data.years, data, service=service), ["year", "field"])
    shown = by_year.assign(shown=board.display_table(by_year, [("value", "v")])["v"].to_numpy())
    pivot = shown.pivot(index="field", columns="year", values="shown").reindex(
        [f.label for f in quality.FIELDS if f.label in set(shown["field"])]).reset_index()
    pivot.columns.name = None
    checks = [_check_figures(c, data, fy, comparison, service, rejected, day) for c in quality.CHECKS]
    return DataQualityFigures(frame, table, pivot, completeness_findings(frame, fy, comparison, service), checks)


def completeness_chart(figures: DataQualityFigures, fy: FinancialYear, comparison: FinancialYear) -> object:
    """Bars of each field's completeness this year beside the comparison year, with 95% intervals."""
    return charts.comparison_bars(figures.completeness, "field", "Completeness of each field (% of records)",
                                  fy.label, comparison.label)
