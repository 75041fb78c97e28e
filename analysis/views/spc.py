"""Figures of the Monthly trends (SPC) page: monthly referrals, new presentations and planned exits as XmR charts.

Each series counts, per calendar month, what the annual figure of the same name counts in the
financial year holding that month, so a year's months add up to the figure the other pages publish:

* **Referrals received**: referrals by referral date (``profiles.referrals_in_year``).
* **New presentations**: people newly presenting in the year (``person_year.new_presentations``: the
  rows of ``cohorts.new_presentations``), in the month of their first triage in that year.
* **Successful completions**: people whose last discharge in the year was a planned exit
  (``person_year.exits``, the rows of ``cohorts.exits``), in the month of that discharge.

The series runs from the first month of the first financial year in the data (``Dataset.years``) to
the last month of the selected year, or of the data if they end earlier (a month is in the data when
the latest date in the data reaches its last day); the selected year is shaded.

Small numbers. The table shows every month's count with its 95% interval (Byar/exact Poisson),
suppressed as on the Referrals page: months of 1-4, and months that would reveal them from the year's
published total, are ``*`` (``board.suppress_measure`` within each financial year). **If any month
of a series is 1-4 the chart is not drawn and no SPC figure is given**: the points and limits would
show those months, so the page says the series is too small to show without revealing small numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import board, person_year, profiles, spc, yoy
from analysis.codes import PLANNED
from analysis.dataset import Dataset
from analysis.filters import Filters
from analysis.periods import FinancialYear
from analysis.spc import ASSURANCE_WORDS, VARIATION_WORDS
from analysis.suppression import MIN_SHOWN_COUNT

NO_TARGET = "Assurance: no target set"
NO_DIRECTION = "Assurance: not applicable (neither direction is better for this measure)"


@dataclass(frozen=True)
class Series:
    """One monthly series: what it counts, its better direction (from the indicator registry's polarity)."""

    key: str
    title: str
    unit: str
    improvement: str
    definition: str


SERIES = (
    Series("referrals", "Referrals received per month", "referrals", "neutral",
           "Referrals with a referral date in the month (referrals, not people). No direction is better: more "
           "referrals can mean more need or better reach (indicator registry: no judgement)."),
    Series("new_presentations", "New presentations per month", "people", "neutral",
           "People newly presenting in the financial year (no episode open in the 12 months before), in the month "
           "of their first triage in that year. No direction is better (indicator registry: no judgement)."),
    Series("planned_exits", "Successful completions (planned exits) per month", "people", "increase",
           "People whose last discharge in the financial year was a planned exit (treatment completed), in the "
           "month of that discharge. Higher is better, as for the successful completion rate."),
)


@dataclass
class SpcChart:
    """One series of the page, ready to draw.

    ``monthly``: one row per ``month`` with ``month_label``, ``financial_year``, ``count``, ``lower``,
    ``upper`` and ``suppressed`` (board-suppressed), and, when ``too_small`` is False, the SPC columns
    ``mean``, ``lpl``, ``upl``, ``special_cause``, ``point_type``, ``variation`` (words) and ``period``.
    ``too_small``: some month is 1-4, so no chart or SPC figure is shown."""

    series: Series
    monthly: pd.DataFrame
    too_small: bool
    short_series: bool
    variation: str | None
    assurance: str | None
    target: float | None
    rebase_month: pd.Timestamp | None
    selected_year: FinancialYear
    summary: str

    @property
    def variation_words(self) -> str:
        return VARIATION_WORDS[self.variation] if self.variation else ""

    @property
    def assurance_words(self) -> str:
        if self.series.improvement == "neutral":
            return NO_DIRECTION
        if self.target is None:
            return NO_TARGET
        return ASSURANCE_WORDS[self.assurance] if self.assurance else NO_TARGET


@dataclass
class SpcFigures:
    """Every figure of the page: one ``SpcChart`` per ``SERIES``, and the months shown."""

    charts: list[SpcChart]
    months: list[pd.Timestamp]


def last_complete_month(data: Dataset) -> pd.Timestamp | None:
    """First day of the last month the data cover to its last day (latest triage, discharge or referral)."""
    dates = [data.episodes["triage_date"].max(), data.episodes["discharge_date"].max()]
    if len(data.referrals):
        dates.append(data.referrals["referral_date"].max())
    dates = [d for d in dates if pd.notna(d)]
    if not dates:
        return None
    latest = max(dates).normalize()
    month = latest.to_period("M")
    if latest != month.end_time.normalize():
        month -= 1
    return month.start_time


def series_months(data: Dataset, fy: FinancialYear) -> list[pd.Timestamp]:
    """The months the page shows: from the first month of the first year in the data to the end of
    ``fy`` or of the data, whichever is earlier (first day of each month)."""
    years = data.years
    last = last_complete_month(data)
    if not years or last is None:
        return []
    end = min(pd.Timestamp(fy.end).to_period("M").start_time, last)
    return list(pd.date_range(years[0].start, end, freq="MS"))


def _by_month(dates: pd.Series, months: Sequence[pd.Timestamp]) -> pd.DataFrame:
    """The number of ``dates`` in each calendar month of ``months`` (zero where none; missing dates and
    dates in other months are not counted). Counted per day number and added up per month (hundreds of
    thousands of dates at national scale), not by a period made for each date."""
    counts = np.zeros(len(months), dtype=np.int64)
    if len(months) and len(dates):
        wanted = np.asarray(pd.DatetimeIndex(list(months)).to_numpy(), dtype="datetime64[M]")
        starts = np.arange(wanted.min(), wanted.max() + 2)  # each month from the first to one past the last
        start_days = starts.astype("datetime64[D]").astype(np.int64)
        values = pd.to_datetime(dates).to_numpy()
        days = values[~np.isnat(values)].astype("datetime64[D]").astype(np.int64) - start_days[0]
        span = int(start_days[-1] - start_days[0])
        per_day = np.bincount(days[(days >= 0) & (days < span)], minlength=span)
        per_month = np.add.reduceat(per_day, start_days[:-1] - start_days[0])  # every month has days
        counts = per_month[(wanted - starts[0]).astype(np.int64)].astype(np.int64)
    return pd.DataFrame({"month": list(months), "count": counts.tolist()})


def _years_of(months: Sequence[pd.Timestamp]) -> list[FinancialYear]:
    first, last = FinancialYear.containing(months[0]), FinancialYear.containing(months[-1])
    return [FinancialYear(y) for y in range(first.start_year, last.start_year + 1)]


def monthly_referrals(data: Dataset, months: Sequence[pd.Timestamp], filters: Filters) -> pd.DataFrame:
    """Referrals received per month (``profiles.referrals_in_year`` of each financial year)."""
    frames = [profiles.referrals_in_year(data, fy, filters, ["referral_date"])["referral_date"] for fy in _years_of(months)]
    return _by_month(pd.concat(frames, ignore_index=True), months)


def _first_triages(data: Dataset, fy: FinancialYear, filters: Filters) -> pd.Series:
    """The first triage date in the year of each person newly presenting (``person_year.new_presentations``)."""
    return person_year.new_presentations(data, fy, filters, ["triage_date"])["triage_date"]


def _planned_discharges(data: Dataset, fy: FinancialYear, filters: Filters) -> pd.Series:
    """The date of each person's last discharge in the year, where it was planned (``person_year.exits``)."""
    people = person_year.exits(data, fy, filters, columns=["discharge_date"])
    return people.loc[(people["exit_group"] == PLANNED).to_numpy(), "discharge_date"]


def monthly_new_presentations(data: Dataset, months: Sequence[pd.Timestamp], filters: Filters) -> pd.DataFrame:
    """New presentations per month of first triage in the year (``person_year.new_presentations``)."""
    frames = [_first_triages(data, fy, filters) for fy in _years_of(months)]
    return _by_month(pd.concat(frames, ignore_index=True), months)


def monthly_planned_exits(data: Dataset, months: Sequence[pd.Timestamp], filters: Filters) -> pd.DataFrame:
    """People whose last discharge in the year was planned, per month of that discharge (``person_year.exits``)."""
    frames = [_planned_discharges(data, fy, filters) for fy in _years_of(months)]
    return _by_month(pd.concat(frames, ignore_index=True), months)


COUNTERS: dict[str, Callable[[Dataset, Sequence[pd.Timestamp], Filters], pd.DataFrame]] = {
    "referrals": monthly_referrals,
    "new_presentations": monthly_new_presentations,
    "planned_exits": monthly_planned_exits,
}


def monthly_counts(data: Dataset, months: Sequence[pd.Timestamp], filters: Filters) -> dict[str, pd.DataFrame]:
    """Every series of ``COUNTERS`` per month (the same counts as each counter gives). New presentations
    and planned exits are read year by year together, so each year's fact-table rows of the selection
    are selected once for both (``person_year.rows`` keeps only the last few selections: series taken
    one after the other, over up to ten years, selected every year twice)."""
    triages, discharges = [], []
    for fy in _years_of(months):
        triages.append(_first_triages(data, fy, filters))
        discharges.append(_planned_discharges(data, fy, filters))
    return {"referrals": monthly_referrals(data, months, filters),
            "new_presentations": _by_month(pd.concat(triages, ignore_index=True), months),
            "planned_exits": _by_month(pd.concat(discharges, ignore_index=True), months)}


def suppressed_months(counts: pd.DataFrame, label: str) -> pd.DataFrame:
    """Monthly counts with 95% intervals, suppressed within each financial year (its total is published)."""
    frame = yoy.measure(counts, yoy.COUNT, label=label)
    frame = frame.assign(financial_year=[FinancialYear.containing(m).label for m in frame["month"]],
                         month_label=[f"{m:%b %Y}" for m in frame["month"]])
    return board.suppress_measure(yoy.with_intervals(frame), group_cols=["financial_year"])


def has_small_month(counts: pd.Series) -> bool:
    """Whether any month's count is 1 to 4 (then the SPC chart is not drawn)."""
    return bool(((counts > 0) & (counts < MIN_SHOWN_COUNT)).any())


def spc_chart(
    series: Series, counts: pd.DataFrame, fy: FinancialYear, *, rebase_month: pd.Timestamp | None = None,
    target: float | None = None,
) -> SpcChart:
    """One series' table, SPC result and sentence (see the module docstring for the small-number rule)."""
    monthly = suppressed_months(counts, series.title)
    if counts.empty:
        return SpcChart(series, monthly, False, False, None, None, target, rebase_month, fy,
                        f"{series.title}: no months to show.")
    too_small = has_small_month(counts["count"])
    if too_small:
        summary = (f"{series.title}: not shown as a chart. Some months have 1-4 {series.unit}, so the points and "
                   f"limits would reveal them; choose a wider selection.")
        return SpcChart(series, monthly, True, False, None, None, target, rebase_month, fy, summary)
    if counts["count"].nunique() == 1 or len(counts) < 2:
        # no moving range, so no limits (a constant series, e.g. no planned exits at all): nothing to chart
        summary = (f"{series.title}: {counts['count'].iloc[0]:,} every month shown; no variation to chart.")
        return SpcChart(series, monthly, False, False, None, None, target, rebase_month, fy, summary)
    values = pd.Series(counts["count"].astype("float64").to_numpy(), index=pd.DatetimeIndex(counts["month"]))
    rebase = [rebase_month] if rebase_month is not None else []
    chart = spc.xmr(values, improvement=series.improvement, rebase_at=rebase)
    if chart["upl"].isna().any():
        # a period with a single month, or the same count every month, has no moving range to set limits
        flat = chart.loc[chart["upl"].isna()].index[0]
        summary = (f"{series.title}: the months from {flat:%b %Y} have no variation to set process limits on; "
                   f"choose another month to rebase from.")
        return SpcChart(series, monthly, False, False, None, None, target, rebase_month, fy, summary)
    # the chart's columns added in one frame (not one insertion each)
    added = {column: chart[column].to_numpy() for column in ("period", "mean", "lpl", "upl", "special_cause",
                                                            "point_type")}
    added["variation"] = pd.Series(added["point_type"], index=monthly.index).map(VARIATION_WORDS).array
    columns = yoy.column_arrays(monthly)
    columns.update(added)
    attrs = monthly.attrs
    monthly = pd.DataFrame(columns, index=monthly.index)
    monthly.attrs.update(attrs)
    variation = spc.variation(chart)
    last = chart.iloc[-1]
    assurance = spc.assurance(float(last["lpl"]), float(last["upl"]), target, series.improvement)
    short = bool(spc.short_periods(chart))
    result = SpcChart(series, monthly, False, short, variation, assurance, target,
                      rebase_month if rebase else None, fy, "")
    result.summary = spc_sentence(result)
    return result


def spc_sentence(chart: SpcChart) -> str:
    """e.g. "Referrals received per month, Apr 2019 to Mar 2025: mean 98.2 a month since Apr 2023 (process
    limits 70.1 to 126.3); latest month Mar 2025: 104, common cause variation; 3 months of special cause
    (2 neutral (higher), 1 neutral (lower)); no target set." """
    frame = chart.monthly
    latest = frame.iloc[-1]
    span = f"{frame['month_label'].iloc[0]} to {latest['month_label']}"
    periods = frame["period"].to_numpy()
    since = frame["month_label"].iloc[int(np.flatnonzero(periods == periods[-1])[0])]  # the latest period's first month
    points = frame["point_type"]
    special = points[(points != spc.COMMON_CAUSE).to_numpy()]
    kinds = special.map(lambda t: VARIATION_WORDS[t].removeprefix("Special cause: "))
    counted = ", ".join(f"{n} {kind}" for kind, n in kinds.value_counts().items())
    special_text = f"{len(special)} month(s) of special cause ({counted})" if len(special) else "no special cause"
    return (f"{chart.series.title}, {span}: mean {latest['mean']:,.1f} a month since {since} (process limits "
            f"{latest['lpl']:,.1f} to {latest['upl']:,.1f}); latest month {latest['month_label']}: "
            f"{latest['count']:,.0f}, {chart.variation_words[0].lower() + chart.variation_words[1:]}; "
            f"{special_text}; {chart.assurance_words[len('Assurance: '):]}."
            + (" Fewer than 12 points since the last rebase: trial limits." if chart.short_series else ""))


def spc_page(
    data: Dataset,
    fy: FinancialYear,
    filters: Filters = Filters(),
    rebase_month: pd.Timestamp | None = None,
    targets: tuple[tuple[str, float], ...] = (),
) -> SpcFigures:
    """Every figure of the page for the selection: each series of ``SERIES`` over ``series_months``,
    rebased at ``rebase_month`` (a month shown, e.g. a new contract's start; ignored otherwise) and
    judged against its target per month in ``targets`` (pairs of series key and target)."""
    months = series_months(data, fy)
    wanted = dict(targets)
    charts = []
    counted = monthly_counts(data, months, filters) if months else {}
    for series in SERIES:
        counts = counted[series.key] if months else pd.DataFrame(
            {"month": pd.Series(dtype="datetime64[ns]"), "count": pd.Series(dtype="int64")})
        rebase = rebase_month if rebase_month is not None and rebase_month in set(months[1:]) else None
        charts.append(spc_chart(series, counts, fy, rebase_month=rebase, target=wanted.get(series.key)))
    return SpcFigures(charts, months)


def settings_sentence(chart: SpcChart) -> str:
    """How a chart's limits were set and what it is judged against: its rebase month (or none) and its
    target per month (or none), as the page set them."""
    rebase = (f"Rebased at {chart.rebase_month:%b %Y}: the mean and limits are worked out from that month on."
              if chart.rebase_month is not None else
              "No rebase: the limits are worked out from every month shown.")
    target = (f" Target: {chart.target:g} a month." if chart.target is not None
              else " No target." if chart.series.improvement != "neutral" else "")  # only these can have one
    return rebase + target


def settings_note(figures: SpcFigures) -> str:
    """What the Monthly trends slides of a board pack use: the page's rebase month and targets (or none)."""
    if not figures.charts:
        return ""
    rebase = next((c.rebase_month for c in figures.charts if c.rebase_month is not None), None)
    parts = [f"limits rebased at {rebase:%b %Y}" if rebase is not None else "no rebase (limits from every month shown)"]
    for chart in figures.charts:
        if chart.series.improvement != "neutral":  # only a series with a better direction can have a target
            name = chart.series.title.replace(" per month", "").lower()
            parts.append(f"target for {name}: {chart.target:g} a month" if chart.target is not None
                         else f"no target for {name}")
    return f"The Monthly trends slides use that page's settings: {'; '.join(parts)}. Change them on that page."


#: The table's columns (column, heading) when the SPC figures are shown, and when they are not.
TABLE_COLUMNS = [("month_label", "Month"), ("financial_year", "Financial year"), ("count", "Count"),
                 ("lower", "Lower 95% CI"), ("upper", "Upper 95% CI")]
SPC_COLUMNS = [("mean", "Mean"), ("lpl", "Lower process limit"), ("upl", "Upper process limit"),
               ("special_cause", "Rule"), ("variation", "Variation")]


def table(chart: SpcChart) -> pd.DataFrame:
    """The suppressed table under a chart (``board.display_table``): counts with intervals, and the SPC
    figures only when the chart is drawn."""
    columns = TABLE_COLUMNS + ([] if chart.too_small or "mean" not in chart.monthly else SPC_COLUMNS)
    frame = chart.monthly.copy()
    for column in ("mean", "lpl", "upl"):
        if column in frame:
            frame[column] = frame[column].round(1)
    shown = board.display_table(frame, columns)
    for column, heading in SPC_COLUMNS[:3]:
        if heading in shown:
            shown[heading] = frame[column].map(lambda v: f"{v:,.1f}").to_numpy()
    return shown


__all__ = ["SERIES", "SpcChart", "SpcFigures", "series_months", "spc_chart", "spc_page", "table"]
