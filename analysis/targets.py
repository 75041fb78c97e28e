"""Targets and trajectories: a partnership's planned numbers by year or quarter against the actual figures.

A target (``analysis.contract.TARGETS``) is a number of people for an indicator by the end of a period: a
financial year ("2024/25", judged on the whole year, i.e. at Q4) or a quarter ("2024/25 Q3", judged on the year
to date at the end of that quarter). Quarters: Q1 April-June, Q2 July-September, Q3 October-December, Q4
January-March. The actual figure of a quarter is the indicator counted over the year to date (1 April to the
quarter's end), so Q4 is the annual figure the other pages publish; people in treatment and new presentations
are also given for the quarter alone.

RAG status (``RAG_RULE``): green when the actual figure reaches the target, amber when it is below it but within
5% of it, red when it is more than 5% below. The gap is the target minus the actual figure, in people.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import board, cohorts, yoy
from analysis.contract import TARGETS, normalise_header
from analysis.dataset import Dataset
from analysis.errors import DashboardError
from analysis.filters import Filters
from analysis.periods import FinancialYear

#: The count indicators with quarterly figures, and the words of the gap sentence for each.
QUARTERLY_INDICATORS: dict[str, str] = {
    "effective_treatment": "people in effective treatment",
    "people_in_treatment": "people in treatment",
    "new_presentations": "new presentations",
}
QUARTER_MONTHS = {1: "Apr-Jun", 2: "Jul-Sep", 3: "Oct-Dec", 4: "Jan-Mar"}
#: Amber when the actual figure is below the target by no more than this share of the target.
AMBER_SHARE = 0.05
GREEN, AMBER, RED = "Green", "Amber", "Red"
RAG_RULE = (f"Green: the actual figure (year to date) reaches the target. Amber: below it by no more than "
            f"{AMBER_SHARE:.0%} of the target. Red: more than {AMBER_SHARE:.0%} below it.")
_PERIOD = re.compile(r"^\s*(\d{4})\s*/\s*(\d{2})\s*(?:[- ]?\s*Q\s*([1-4]))?\s*$", re.IGNORECASE)


class TargetError(DashboardError):
    """A targets file or entry cannot be used; the message names the row and what to change."""


@dataclass(frozen=True)
class Period:
    """A stretch of days the cohort functions count over (they read ``start`` and ``end``, as of a year)."""

    start: pd.Timestamp
    end: pd.Timestamp


def parse_period(text: object) -> tuple[FinancialYear, int | None]:
    """``"2024/25"`` -> (2024/25, None); ``"2024/25 Q3"`` -> (2024/25, 3). Raises ValueError otherwise."""
    match = _PERIOD.match(str(text))
    if not match:
        raise ValueError(f"'{text}' is not a period like 2024/25 or 2024/25 Q3")
    fy = FinancialYear(int(match.group(1)))
    if f"{int(match.group(2)):02d}" != fy.label[-2:]:
        raise ValueError(f"'{text}' is not a financial year: {fy.label} runs from April {fy.start_year}")
    return fy, int(match.group(3)) if match.group(3) else None


def period_label(fy: FinancialYear, quarter: int | None) -> str:
    return fy.label if quarter is None else f"{fy.label} Q{quarter}"


def quarter_end(fy: FinancialYear, quarter: int) -> pd.Timestamp:
    """Last day of quarter ``quarter`` (1-4) of ``fy``: 30 Jun, 30 Sep, 31 Dec, 31 Mar."""
    return (fy.start + pd.DateOffset(months=3 * quarter)) - pd.Timedelta(days=1)


def quarter_start(fy: FinancialYear, quarter: int) -> pd.Timestamp:
    return fy.start + pd.DateOffset(months=3 * (quarter - 1))


def validate_targets(frame: pd.DataFrame) -> pd.DataFrame:
    """Targets as stored: columns ``indicator``, ``period`` (normalised, e.g. "2024/25 Q3"), ``target`` (a
    number of people, 0 or more) and ``source``; headers matched as the loaders match them. Raises
    ``TargetError`` naming the first bad row (row 1 is the first row under the header) and its column."""
    columns = {normalise_header(c): c for c in frame.columns}
    missing = [c for c in TARGETS.required if c not in columns]
    if missing:
        raise TargetError(f"The targets have no {', '.join(missing)} column. The columns are: "
                          f"{', '.join(TARGETS.names)}.")
    rows = []
    for number, (_, row) in enumerate(frame.iterrows(), start=1):
        indicator = str(row[columns["indicator"]]).strip()
        if indicator not in QUARTERLY_INDICATORS:
            raise TargetError(f"Row {number}: '{indicator}' is not an indicator with targets (column "
                              f"'{columns['indicator']}'); use one of {', '.join(QUARTERLY_INDICATORS)}.")
        try:
            fy, quarter = parse_period(row[columns["period"]])
        except ValueError as error:
            raise TargetError(f"Row {number}: {error} (column '{columns['period']}').") from None
        value = pd.to_numeric(pd.Series([row[columns["target"]]]), errors="coerce").iloc[0]
        if pd.isna(value) or value < 0:
            raise TargetError(f"Row {number}: the target must be a number of people, 0 or more, not "
                              f"'{row[columns['target']]}' (column '{columns['target']}').")
        source = row[columns["source"]] if "source" in columns else ""
        rows.append({"indicator": indicator, "period": period_label(fy, quarter), "target": float(value),
                     "source": "" if pd.isna(source) else str(source).strip()})
    out = pd.DataFrame(rows, columns=TARGETS.names)
    duplicated = out.duplicated(["indicator", "period"], keep=False)
    if duplicated.any():
        first = out[duplicated].iloc[0]
        raise TargetError(f"Two targets are given for {first['indicator']} in {first['period']}; keep one.")
    return out


def read_targets_file(content: bytes, filename: str) -> pd.DataFrame:
    """A targets CSV or Excel file (first sheet) read and validated (``validate_targets``); a problem names the
    file, the row (1 is the first under the header) and the column."""
    try:
        if filename.lower().endswith((".xlsx", ".xlsm")):
            frame = pd.read_excel(io.BytesIO(content), dtype=str)
        else:
            frame = pd.read_csv(io.BytesIO(content), dtype=str, encoding="utf-8-sig", sep=None, engine="python")
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as error:
        raise TargetError(f"{filename} could not be read as a CSV or Excel file ({error}).") from None
    try:
        return validate_targets(frame)
    except TargetError as error:  # name the file: row 1 is its first row under the header
        raise TargetError(f"{filename}: {error}") from None


def _count(data: Dataset, indicator: str, period: Period, filters: Filters) -> float:
    if indicator == "people_in_treatment":
        return float(len(cohorts.in_treatment(data.episodes, period, filters)))  # type: ignore[arg-type]
    if indicator == "new_presentations":
        return float(len(cohorts.new_presentations(data.episodes, period, filters)))  # type: ignore[arg-type]
    if indicator == "effective_treatment":
        parts = cohorts.effective_treatment(data.episodes, data.substances, period, filters)  # type: ignore[arg-type]
        return float("nan") if parts is None else float(parts[0])
    raise ValueError(f"no quarterly figures for {indicator!r}")


def quarterly_actuals(data: Dataset, indicator: str, fy: FinancialYear, filters: Filters,
                      data_end: pd.Timestamp | None) -> pd.DataFrame:
    """One row per quarter of ``fy`` the data cover to its last day (``data_end``): ``quarter`` (1-4),
    ``quarter_label`` ("Q1 Apr-Jun"), ``in_quarter`` (people in treatment or new presentations in the quarter;
    missing for effective treatment, which is counted on the year to date only: 12 weeks do not fit in a
    quarter) and ``year_to_date`` (1 April to the quarter's end, as the annual figure counts)."""
    rows = []
    for quarter in range(1, 5):
        end = quarter_end(fy, quarter)
        if data_end is None or pd.Timestamp(data_end) < end:
            break
        ytd = _count(data, indicator, Period(fy.start, end), filters)
        alone = (float("nan") if indicator == "effective_treatment"
                 else _count(data, indicator, Period(quarter_start(fy, quarter), end), filters))
        rows.append({"quarter": quarter, "quarter_label": f"Q{quarter} {QUARTER_MONTHS[quarter]}",
                     "in_quarter": alone, "year_to_date": ytd})
    return pd.DataFrame(rows, columns=["quarter", "quarter_label", "in_quarter", "year_to_date"])


def rag(actual: float, target: float) -> str | None:
    """RAG status of an actual figure against its target (``RAG_RULE``); None when either is missing."""
    if pd.isna(actual) or pd.isna(target):
        return None
    if actual >= target:
        return GREEN
    return AMBER if actual >= target * (1 - AMBER_SHARE) else RED


def targets_for_year(targets: pd.DataFrame, indicator: str, fy: FinancialYear) -> dict[int, tuple[float, str]]:
    """The targets of ``indicator`` that apply to the quarters of ``fy``: quarter -> (target, source); a year
    target applies to Q4, and a quarter target for Q4 wins over it."""
    found: dict[int, tuple[float, str]] = {}
    for row in targets[targets["indicator"] == indicator].itertuples():
        year, quarter = parse_period(row.period)
        if year != fy:
            continue
        if quarter is None and 4 in found:
            continue
        found[quarter or 4] = (float(row.target), str(row.source or ""))
    return found


def trajectory(actuals: pd.DataFrame, targets: Mapping[int, tuple[float, str]]) -> pd.DataFrame:
    """Actual (year to date) against target by quarter: every quarter 1-4 with ``target``, ``source``,
    ``year_to_date`` and ``in_quarter`` (missing where the data do not reach), ``gap`` (target - actual, people)
    and ``rag``. The counts are board-suppressed first (``suppress_actuals``) so gaps never reveal them."""
    by_quarter = actuals.set_index("quarter") if len(actuals) else actuals
    rows = []
    for quarter in range(1, 5):
        target, source = targets.get(quarter, (np.nan, ""))
        have = quarter in getattr(by_quarter, "index", [])
        ytd = float(by_quarter.loc[quarter, "year_to_date"]) if have else np.nan
        alone = float(by_quarter.loc[quarter, "in_quarter"]) if have else np.nan
        flags = {f"{c}_suppressed": bool(have and f"{c}_suppressed" in by_quarter
                                         and by_quarter.loc[quarter, f"{c}_suppressed"])
                 for c in ("in_quarter", "year_to_date")}
        rows.append({"quarter": quarter, "quarter_label": f"Q{quarter} {QUARTER_MONTHS[quarter]}",
                     "in_quarter": alone, "year_to_date": ytd, **flags, "target": target, "source": source,
                     "gap": target - ytd if not (pd.isna(target) or pd.isna(ytd)) else np.nan,
                     "rag": rag(ytd, target) or ""})
    return pd.DataFrame(rows)


def suppress_actuals(actuals: pd.DataFrame) -> pd.DataFrame:
    """Quarterly counts with counts of 1 to 4 (and what would reveal them) set to missing, each column on
    its own (year-to-date figures are published one by one; the quarters alone add up to the year)."""
    out = actuals.copy()
    for column, groups in (("year_to_date", ["key"]), ("in_quarter", [])):
        values = out[column].astype("float64")
        flags = pd.Series(False, index=out.index)
        known = values.notna()  # effective treatment has no figure for the quarter alone
        if known.any():
            frame = yoy.measure(pd.DataFrame({"key": out.loc[known, "quarter"], "count": values[known]}), yoy.COUNT)
            hidden = board.suppress_measure(yoy.with_intervals(frame), group_cols=groups)
            flags[known] = hidden["suppressed"].astype(bool).to_numpy()
        out[column] = values.mask(flags)
        out[f"{column}_suppressed"] = flags.to_numpy()
    return out


def gap_sentence(frame: pd.DataFrame, indicator: str, fy: FinancialYear) -> str:
    """e.g. "48 more people in effective treatment are needed by Q4 2024/25 (target 957; 909 in the year to Q3)."
    The last quarter with a target, against the latest quarter with an actual figure."""
    words = QUARTERLY_INDICATORS[indicator]
    targeted = frame[frame["target"].notna()]
    if targeted.empty:
        return f"No target is set for {words} in {fy.label}."
    goal = targeted.iloc[-1]
    known = frame[frame["year_to_date"].notna()]
    if known.empty:
        return (f"Target for Q{goal['quarter']} {fy.label}: {goal['target']:,.0f} {words}; no actual figure to "
                "compare yet (or it is hidden: 1 to 4).")
    latest = known.iloc[-1]
    gap = goal["target"] - latest["year_to_date"]
    where = f"{latest['year_to_date']:,.0f} in the year to Q{latest['quarter']}"
    if gap > 0:
        return (f"{gap:,.0f} more {words} are needed by Q{goal['quarter']} {fy.label} "
                f"(target {goal['target']:,.0f}; {where}).")
    return (f"The Q{goal['quarter']} {fy.label} target of {goal['target']:,.0f} {words} is reached: {where}, "
            f"{-gap:,.0f} more than the target.")


def rag_sentence(frame: pd.DataFrame, fy: FinancialYear) -> str:
    """e.g. "Status at Q4 2024/25: Red (1,389 against a target of 1,437; rule: ...)", for the latest quarter with
    both an actual figure and a target; "" when there is none."""
    judged = frame[frame["rag"] != ""]
    if judged.empty:
        return ""
    row = judged.iloc[-1]
    return (f"Status at Q{row['quarter']} {fy.label}: {row['rag']} ({row['year_to_date']:,.0f} against a target of "
            f"{row['target']:,.0f}).")


def annual_trajectory(actual_by_year: Mapping[str, float], targets: pd.DataFrame, indicator: str) -> pd.DataFrame:
    """A multi-year plan: one row per financial year with an actual figure or a year target (e.g. NI 40:
    baseline 903 in 2023/24; targets 957, 967, 978), with ``actual``, ``target``, ``gap`` and ``rag``."""
    year_targets = {}
    for row in targets[targets["indicator"] == indicator].itertuples():
        fy, quarter = parse_period(row.period)
        if quarter is None:
            year_targets[fy.label] = float(row.target)
    labels = sorted(set(actual_by_year) | set(year_targets))
    rows = []
    for label in labels:
        actual, target = actual_by_year.get(label, np.nan), year_targets.get(label, np.nan)
        rows.append({"year": label, "actual": actual, "target": target,
                     "gap": target - actual if not (pd.isna(actual) or pd.isna(target)) else np.nan,
                     "rag": rag(actual, target) or ""})
    return pd.DataFrame(rows, columns=["year", "actual", "target", "gap", "rag"])


def rows_from_records(records: Iterable[Mapping[str, object]]) -> pd.DataFrame:
    """Stored target rows (``store.indicator_targets``) as a validated frame (empty with the columns if none)."""
    records = list(records)
    if not records:
        return pd.DataFrame(columns=TARGETS.names)
    return validate_targets(pd.DataFrame(records))


__all__ = ["AMBER", "GREEN", "QUARTERLY_INDICATORS", "RAG_RULE", "RED", "Period", "TargetError",
           "annual_trajectory", "gap_sentence", "parse_period", "quarter_end", "quarterly_actuals", "rag",
           "rag_sentence", "read_targets_file", "rows_from_records", "suppress_actuals", "targets_for_year", "trajectory",
           "validate_targets"]
