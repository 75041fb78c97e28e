"""Key findings: ranked sentences generated from the page models' suppressed figures, for the board pack.

Every finding is built from a frame that has already been through board suppression
(``analysis.board``), so a hidden value is missing here and the finding says it is not shown; no
figure is recomputed. Each finding names its figure, its 95% interval and the comparison year.
A change is called a rise or a fall only when the page model's test found it significant;
otherwise the finding says plainly that it is not a significant change.

Ranking (``rank_findings``): significant changes in headline figures first (largest relative
change first), targets missed (red, then amber), indicators whose 95% interval excludes England's
value (worse first), districts outside the funnel limits (99.8% before 95%), special-cause variation
in the latest months of a monthly series (concern and improvement before neutral), data-quality
caveats that change the reading, significant changes within a breakdown, the largest groups, targets
met, headline figures without a significant change (and series with common cause variation only),
and last the figures that cannot be shown.

Benchmarks, targets and SPC (issue 13): ``spine_findings`` reads the Benchmarks page's spine table
(``comparators.spine_table`` of suppressed local values), ``target_findings`` its trajectory
(``views.benchmarks.TargetFigures``; only where a target is set, never an invented one),
``spc_findings`` the Monthly trends page's XmR charts (``views.spc.SpcChart``) and ``c19_findings``
the outcome measure by substance group (``views.benchmarks.c19_frame``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import pandas as pd

from analysis import comparators, indicators, quality, spc, stats, targets
from analysis.profiles import PRIMARY
from analysis.filters import NOT_KNOWN
from analysis.periods import FinancialYear
from analysis.yoy import COUNT, PROPORTION, RATE

# Kinds of finding, in the order they are ranked.
CHANGE, DISTRICT, DATA_QUALITY, GROUP_CHANGE, LARGEST, NO_CHANGE, NOT_SHOWN = (
    "Significant change", "District outside the funnel limits", "Data quality", "Change within a breakdown",
    "Largest group", "No significant change", "Not shown",
)
TARGET_MISSED, AGAINST_ENGLAND, SPECIAL_CAUSE, TARGET_MET = (
    "Target not met", "Against England", "Special cause variation", "Target met")
#: Base score of each kind (a finding's score adds its size within the kind, below 10).
KIND_SCORE = {CHANGE: 90, TARGET_MISSED: 86, AGAINST_ENGLAND: 82, DISTRICT: 80, SPECIAL_CAUSE: 75,
              DATA_QUALITY: 70, GROUP_CHANGE: 60, LARGEST: 50, TARGET_MET: 40, NO_CHANGE: 30, NOT_SHOWN: 10}
#: The words that mark a finding built on the demo's made-up comparator values.
ILLUSTRATIVE_WORDS = "England's values here are ILLUSTRATIVE (synthetic demo), not published figures."
#: The latest months of a monthly series read for special cause (half a year).
SPC_RECENT_MONTHS = 6
#: A field recorded for fewer than this % of records is a caveat on every figure that uses it
#: (the Data quality page's threshold).
LOW_RECORDING_PERCENT = quality.LOW_COMPLETENESS_PERCENT
#: What a hidden figure is called in a finding (never its value).
NOT_SHOWN_REASON = "it rests on, or would reveal, fewer than 5 people"
#: Below this count, a count's interval is given to one decimal place (its limits are not whole people).
SMALL_COUNT = 20


@dataclass(frozen=True)
class Finding:
    """One key finding: the sentence, the figure it is about, its kind and its ranking score."""

    text: str
    figure: str
    kind: str
    score: float


def _number(value: float, kind: str) -> str:
    """A value as a finding states it: counts whole, rates and percentages to one decimal place
    (one decimal so two different percentages never read the same after rounding)."""
    if kind == COUNT:
        return f"{value:,.0f}"
    if kind == RATE:
        return f"{value:,.1f} per 1,000"
    return f"{value:.1f}%"


def _interval(row: pd.Series, kind: str, prefix: str = "") -> str:
    lower, upper = row.get(f"{prefix}lower"), row.get(f"{prefix}upper")
    if lower is None or upper is None or pd.isna(lower) or pd.isna(upper):
        return ""
    if kind == RATE or (kind == COUNT and row.get(f"{prefix}value", 0) < SMALL_COUNT):
        return f" (95% CI {lower:,.1f} to {upper:,.1f})"
    return f" (95% CI {_number(lower, kind)} to {_number(upper, kind)})"


def _change_words(row: pd.Series, kind: str) -> str:
    """The size of a change: % change for counts and rates, percentage points for proportions
    (never the difference in people, which could be a small number)."""
    if kind == PROPORTION:
        return f"{row['change']:+.1f} percentage points"
    if pd.isna(row.get("percent_change")):
        return "no earlier figure to compare with"
    return f"{row['percent_change']:+.1f}%"


def _magnitude(row: pd.Series, kind: str) -> float:
    """Size of a change on a 0-9.9 scale for ranking within a kind."""
    size = abs(row["change"]) if kind == PROPORTION else abs(row.get("percent_change") or 0.0)
    return min(9.9, float(size) / 5)


def compare_row(subject: str, row: pd.Series, kind: str, fy: FinancialYear, comparison: FinancialYear,
                *, what: str = "", significant_kind: str = CHANGE, plain_kind: str = NO_CHANGE) -> Finding:
    """The finding for one suppressed year-on-year row (``board.suppress_comparison``).

    e.g. "People in treatment rose significantly: 2,345 in 2024/25 (95% CI 2,250 to 2,443),
    against 2,100 in 2023/24 (+11.7%)." When this year's figure is hidden, or there is none, the
    finding says so; when the comparison is hidden it gives this year's figure only."""
    of = f" {what}" if what else ""
    if bool(row.get("suppressed")):
        return Finding(f"{subject} in {fy.label} is not shown: {NOT_SHOWN_REASON}.", subject, NOT_SHOWN, KIND_SCORE[NOT_SHOWN])
    value = row.get("value")
    if value is None or pd.isna(value):
        return Finding(f"{subject}: no figure for {fy.label} (no one in the group it is measured on).",
                       subject, NOT_SHOWN, KIND_SCORE[NOT_SHOWN])
    now = f"{_number(value, kind)}{of} in {fy.label}{_interval(row, kind)}"
    if bool(row.get("change_suppressed")) or pd.isna(row.get("previous_value")):
        reason = f"not shown ({NOT_SHOWN_REASON})" if bool(row.get("previous_suppressed")) else "not available"
        return Finding(f"{subject}: {now}; the {comparison.label} figure is {reason}, so no change is stated.",
                       subject, plain_kind, KIND_SCORE[plain_kind])
    before = f"{_number(row['previous_value'], kind)} in {comparison.label}"
    if bool(row.get("significant")):
        word = "rose" if row["change"] > 0 else "fell"
        return Finding(f"{subject} {word} significantly: {now}, against {before} ({_change_words(row, kind)}).",
                       subject, significant_kind, KIND_SCORE[significant_kind] + _magnitude(row, kind))
    same = _number(value, kind) == _number(row["previous_value"], kind)
    movement = f"about the same as {before}" if same else f"against {before}"
    return Finding(f"{subject}: {now}, {movement}; not a significant change.", subject, plain_kind,
                   KIND_SCORE[plain_kind])


def headline_findings(headlines: dict[str, pd.DataFrame], fy: FinancialYear,
                      comparison: FinancialYear) -> list[Finding]:
    """One finding per headline indicator of the Overview (``OverviewFigures.headlines``)."""
    found = []
    for indicator in indicators.INDICATORS:
        if indicator.id not in headlines or headlines[indicator.id].empty:
            continue
        frame = headlines[indicator.id]
        found.append(compare_row(indicator.label, frame.iloc[0], frame.attrs["kind"], fy, comparison))
    return found


def district_findings(frame: pd.DataFrame, partnership: pd.Series, ages: str, fy: FinancialYear) -> list[Finding]:
    """Districts outside the funnel limits around the partnership rate (``DistrictsMapFigures.districts``,
    judged at 95% and 99.8% by ``stats.funnel_significance``), or that every shown district is within them.
    Districts whose rate is hidden are named as not shown."""
    base = partnership.get("value")
    if base is None or pd.isna(base):
        return [Finding(f"District rates per 1,000 {ages} in {fy.label}: the partnership rate is not shown ({NOT_SHOWN_REASON}), "
                        "so districts are not compared with it.", "District rates", NOT_SHOWN, KIND_SCORE[NOT_SHOWN])]
    rows = frame[frame["district_code"].ne(NOT_KNOWN)]
    shown = rows[rows["value"].notna() & rows["compared_with_partnership"].notna()]
    found = []
    for _, row in shown.iterrows():
        outer = row.get("outside_998")
        for level, judgement, score in (("99.8%", outer, 9.0), ("95%", row["compared_with_partnership"], 4.0)):
            if judgement in (stats.SIGNIFICANTLY_HIGHER, stats.SIGNIFICANTLY_LOWER):
                side = "above" if judgement == stats.SIGNIFICANTLY_HIGHER else "below"
                found.append(Finding(
                    f"{row['district']} had a rate of {row['value']:,.1f} per 1,000 {ages} in {fy.label}"
                    f"{_interval(row, RATE)}, {side} the {level} funnel limit around the partnership's "
                    f"{base:,.1f} (significantly {'higher' if side == 'above' else 'lower'}).",
                    f"District rates: {row['district']}", DISTRICT, KIND_SCORE[DISTRICT] + score))
                break
    hidden = list(rows.loc[rows["value"].isna(), "district"])
    if not found and not shown.empty:
        found.append(Finding(f"Every district shown had a rate per 1,000 {ages} in {fy.label} within the 95% funnel "
                             f"limits around the partnership's {base:,.1f}: no district differs significantly.",
                             "District rates", NO_CHANGE, KIND_SCORE[NO_CHANGE]))
    if hidden:
        found.append(Finding(f"District rates in {fy.label} are not shown for {', '.join(map(str, hidden))}: "
                             "they rest on, or would reveal, fewer than 5 people.",
                             "District rates", NOT_SHOWN, KIND_SCORE[NOT_SHOWN]))
    return found


def breakdown_findings(frame: pd.DataFrame, category: str, subject: str, what: str, fy: FinancialYear,
                       comparison: FinancialYear) -> list[Finding]:
    """The largest group of a breakdown (never a hidden one) with its change, and every other group
    whose change is significant. ``frame`` is a suppressed year-on-year proportion frame;
    ``what`` says of whom the percentage is (e.g. "of people in treatment")."""
    if frame.empty:
        return []
    kind = frame.attrs.get("kind", PROPORTION)
    shown = frame[~frame["suppressed"].astype(bool) & (frame["count"] > 0)]
    if shown.empty:
        return [Finding(f"{subject} in {fy.label} is not shown: every group rests on, or would reveal, fewer than 5 "
                        "people.", subject, NOT_SHOWN,
                        KIND_SCORE[NOT_SHOWN])]
    largest = shown.loc[shown["count"].idxmax()]
    found = [compare_row(f"{subject}, largest group ({largest[category]})", largest, kind, fy, comparison, what=what,
                         significant_kind=GROUP_CHANGE, plain_kind=LARGEST)]
    found[0] = replace(found[0], figure=subject)
    changed = frame[~frame["change_suppressed"].astype(bool) & frame["significant"].fillna(False).astype(bool)]
    for _, row in changed.iterrows():
        if row[category] == largest[category]:
            continue
        found.append(replace(compare_row(f"{subject}: {row[category]}", row, kind, fy, comparison, what=what,
                                         significant_kind=GROUP_CHANGE), figure=subject))
    return found


def recording_findings(rows: Iterable[tuple[str, pd.Series, str]], fy: FinancialYear) -> list[Finding]:
    """Data-quality caveats: each ``(field, row, whose)`` of a suppressed completeness measure (% recorded,
    with its interval) under ``LOW_RECORDING_PERCENT``, e.g. "Accommodation status was recorded for
    only 54.0% of people in treatment in 2024/25 (95% CI 50.1% to 57.9%): figures by accommodation
    status describe only those recorded." Hidden figures give no caveat."""
    found = []
    for field, row, whose in rows:
        value = row.get("value")
        if bool(row.get("suppressed")) or value is None or pd.isna(value) or value >= LOW_RECORDING_PERCENT:
            continue
        found.append(Finding(
            f"{field} was recorded for only {_number(value, PROPORTION)} of {whose} in {fy.label}"
            f"{_interval(row, PROPORTION)}: figures by {field.lower()} describe only those recorded.",
            f"Data quality: {field}", DATA_QUALITY, KIND_SCORE[DATA_QUALITY] + (100 - value) / 11))
    return found


def completeness_findings(frame: pd.DataFrame, fy: FinancialYear) -> list[Finding]:
    """``recording_findings`` for the Data quality page's completeness frame (``field`` column,
    labels of ``quality.FIELDS``, each measured over its own records, e.g. episodes in treatment)."""
    def whose(label: str) -> str:
        field = quality.FIELD_BY_LABEL.get(label)
        return field.noun if field is not None else "records"

    return recording_findings(((str(row["field"]), row, whose(str(row["field"]))) for _, row in frame.iterrows()), fy)


# ------------------------------------------------------------------ benchmarks, targets, SPC, C19
def _with_unit(value: float, unit: str) -> str:
    """A benchmark value to one decimal place with its unit ("53.3%", "5.7 per 1,000", "14.0")."""
    if unit == "%":
        return f"{value:,.1f}%"
    return f"{value:,.1f} {unit}".strip()


def spine_findings(spine: pd.DataFrame, *, illustrative: bool = False, whose: str | None = None
                   ) -> list[Finding]:
    """One finding per indicator of the spine table (``comparators.spine_table``) whose local 95% interval
    excludes England's value: better or worse by the indicator's polarity (higher or lower when neither
    direction is better), naming the local value, its interval, its period and England's value and period.
    Hidden local values (board suppression) and indicators similar to England give none. When the comparator
    values are the demo's illustrative ones, every finding says so; when the spine is not the selection's own
    (``views.benchmarks.compared_selection``), ``whose`` names what it covers in every finding."""
    found = []
    whose = f" ({whose})" if whose else ""
    judged = {comparators.WORSE: 6.0, comparators.BETTER: 4.0, comparators.HIGHER_NO_JUDGEMENT: 2.0,
              comparators.LOWER_NO_JUDGEMENT: 2.0}
    for row in spine.itertuples() if len(spine) else ():
        if bool(row.suppressed) or row.judgement not in judged or pd.isna(row.value) or pd.isna(row.england):
            continue
        unit = str(row.unit or "")
        side = "above" if row.comparison == comparators.HIGHER else "below"
        limits = (f"{_with_unit(row.lower, unit)} to {_with_unit(row.upper, unit)}" if unit == "%" else
                  f"{row.lower:,.1f} to {row.upper:,.1f}")
        words = str(row.judgement)
        text = (f"{row.label}{whose}: {_with_unit(row.value, unit)} in {row.period} (95% CI {limits}), "
                f"{words[0].lower() + words[1:]}: the interval is {side} England's "
                f"{_with_unit(row.england, unit)} ({row.comparator_period}).")
        if illustrative:
            text += f" {ILLUSTRATIVE_WORDS}"
        found.append(Finding(text, f"Against England: {row.label}", AGAINST_ENGLAND,
                             KIND_SCORE[AGAINST_ENGLAND] + judged[row.judgement]))
    return found


def target_findings(label: str, quarterly: pd.DataFrame, indicator: str, fy: FinancialYear) -> list[Finding]:
    """The finding of one indicator's trajectory (``views.benchmarks.TargetFigures.quarterly``): the gap in
    people to the last target of the year against the latest year-to-date figure, with its 95% interval (exact
    Poisson / Byar's) and the RAG status (``targets.RAG_RULE``). None when no target is set for the year (no
    target is ever assumed). A gap of 1 to 4 people is given as "fewer than 5"."""
    targeted = quarterly[quarterly["target"].notna()] if len(quarterly) else quarterly
    if targeted.empty:
        return []
    words = targets.QUARTERLY_INDICATORS[indicator]
    goal = targeted.iloc[-1]
    known = quarterly[quarterly["year_to_date"].notna()]
    figure = f"Target: {label}"
    if known.empty:
        return [Finding(f"{label}: target for Q{goal['quarter']} {fy.label} is {goal['target']:,.0f} {words}; no "
                        f"actual figure to compare with yet (or it is hidden: {NOT_SHOWN_REASON}).", figure,
                        NOT_SHOWN, KIND_SCORE[NOT_SHOWN])]
    latest = known.iloc[-1]
    actual = float(latest["year_to_date"])
    ci = stats.count_ci([actual]).iloc[0]
    decimals = ",.1f" if actual < SMALL_COUNT else ",.0f"
    where = (f"{actual:,.0f} in the year to Q{latest['quarter']} (95% CI {ci['lower']:{decimals}} to "
             f"{ci['upper']:{decimals}})")
    gap = float(goal["target"] - actual)
    status = targets.rag(actual, float(goal["target"]))
    rag_words = f"RAG status {status}" if status else "no RAG status"
    if gap > 0:
        more = "fewer than 5" if gap < 5 else f"{gap:,.0f}"
        text = (f"{label}: {more} more {words} are needed by Q{goal['quarter']} {fy.label} (target "
                f"{goal['target']:,.0f}; {where}); {rag_words}.")
        kind, size = TARGET_MISSED, {targets.RED: 3.0, targets.AMBER: 1.0}.get(status, 0.0)
    else:
        text = (f"{label}: the Q{goal['quarter']} {fy.label} target of {goal['target']:,.0f} {words} is reached "
                f"({where}); {rag_words}.")
        kind, size = TARGET_MET, 0.0
    return [Finding(text, figure, kind, KIND_SCORE[kind] + size)]


def spc_findings(chart: object, recent: int = SPC_RECENT_MONTHS) -> list[Finding]:
    """The finding of one XmR chart (``views.spc.SpcChart``) read for a board: the special-cause months
    among the latest ``recent`` months, in Making Data Count's words ("special cause: improvement"), the
    latest of them with its count, 95% interval, rule and the process limits; or, plainly, common cause
    variation only. A series not charted (some month of 1-4) gives a "not shown" finding, never its months."""
    title = chart.series.title
    figure = f"Monthly trends: {title}"
    if chart.too_small:
        return [Finding(f"{title}: not charted, as some months have fewer than 5 and the points and limits would "
                        "reveal them.", figure, NOT_SHOWN, KIND_SCORE[NOT_SHOWN])]
    monthly = chart.monthly
    if not chart.variation or "point_type" not in monthly or monthly.empty:
        return []
    latest_months = monthly.tail(recent)
    span = f"{latest_months['month_label'].iloc[0]} to {latest_months['month_label'].iloc[-1]}"
    last = monthly.iloc[-1]
    limits = f"mean {last['mean']:,.1f} a month, process limits {last['lpl']:,.1f} to {last['upl']:,.1f}"
    special = latest_months[latest_months["point_type"] != spc.COMMON_CAUSE]
    if special.empty:
        return [Finding(f"{title}: common cause variation only in the latest {len(latest_months)} months ({span}; "
                        f"{limits}): no month signals a change.", figure, NO_CHANGE, KIND_SCORE[NO_CHANGE])]
    newest = special.iloc[-1]
    kinds = special["point_type"].map(lambda t: spc.VARIATION_WORDS[t].removeprefix("Special cause: "))
    counted = ", ".join(f"{n} {kind}" for kind, n in kinds.value_counts().items())
    shown = "*" if bool(newest.get("suppressed")) else f"{newest['count']:,.0f}"
    interval = "" if bool(newest.get("suppressed")) else (
        f" (95% CI {newest['lower']:,.0f} to {newest['upper']:,.0f})" if newest["count"] >= SMALL_COUNT else
        f" (95% CI {newest['lower']:,.1f} to {newest['upper']:,.1f})")
    text = (f"{title}: {spc.VARIATION_WORDS[newest['point_type']].lower()} in {newest['month_label']}, "
            f"{shown}{interval} (rule: {newest['special_cause']}; {limits}). Special cause in {len(special)} of the "
            f"latest {len(latest_months)} months ({span}: {counted}).")
    weight = {spc.CONCERN: 4.0, spc.IMPROVEMENT: 3.0}.get(newest["point_type"], 0.0)
    return [Finding(text, figure, SPECIAL_CAUSE, KIND_SCORE[SPECIAL_CAUSE] + weight)]


def c19_findings(frame: pd.DataFrame, shown: FinancialYear, compared: FinancialYear, *,
                 illustrative: bool = False) -> list[Finding]:
    """Successful completion without re-presentation within 6 months by substance group (the suppressed frame
    of ``views.benchmarks.c19_frame``): each group whose change since ``compared`` is significant, with
    England's value where loaded; or, when none is, one finding saying so with every shown group's figure.
    Hidden groups are never stated."""
    if frame is None or frame.empty:
        return []
    subject = "Completion without re-presentation within 6 months"
    england_note = f" {ILLUSTRATIVE_WORDS}" if illustrative and frame["england"].notna().any() else ""

    def england(row: pd.Series) -> str:
        return "" if pd.isna(row.get("england")) else f" England: {row['england']:.1f}% ({row['england_period']})."

    found = []
    for _, row in frame.iterrows():
        if bool(row.get("change_suppressed")) or not bool(row.get("significant")):
            continue
        finding = compare_row(f"{subject}, {str(row['substance_group']).lower()}", row, PROPORTION, shown, compared,
                              what="of people in treatment", significant_kind=GROUP_CHANGE)
        found.append(replace(finding, text=finding.text + england(row) + england_note, figure=subject))
    if found:
        return found
    parts = [f"{str(row['substance_group']).lower()} {_number(row['value'], PROPORTION)}{_interval(row, PROPORTION)}"
             for _, row in frame.iterrows() if not bool(row.get("suppressed")) and pd.notna(row.get("value"))]
    if not parts:
        return [Finding(f"{subject} in {shown.label} is not shown: every group {NOT_SHOWN_REASON}.", subject,
                        NOT_SHOWN, KIND_SCORE[NOT_SHOWN])]
    return [Finding(f"{subject}, {shown.label}: no substance group changed significantly since {compared.label} "
                    f"({'; '.join(parts)}).{england_note}", subject, NO_CHANGE, KIND_SCORE[NO_CHANGE])]


def key_findings(
    fy: FinancialYear, comparison: FinancialYear, *, noun: str = "people", overview: object = None,
    people: object = None, substances: object = None, referrals: object = None, treatment: object = None,
    districts: object = None, data_quality: object = None, benchmarks: object = None, c19: object = None,
    target_plans: Sequence[object] = (), spc_charts: Sequence[object] = (),
) -> list[Finding]:
    """Every finding the given page models support, ranked (``rank_findings``). Each argument is the
    page model's result for the selection (``analysis.views``), or None when that section is left out:
    ``benchmarks`` and ``c19`` a ``views.benchmarks.BenchmarkFigures`` (its spine; its outcome measure),
    ``target_plans`` the ``TargetFigures`` of the indicators with targets, ``spc_charts`` the ``SpcChart``s."""
    found: list[Finding] = []
    cohort = f"of {noun} in treatment"
    if overview is not None:
        found += headline_findings(overview.headlines, fy, comparison)
    if districts is not None:
        found += district_findings(districts.districts, districts.partnership.iloc[0], districts.ages, fy)
    if people is not None:
        recorded = people.accommodation_recorded
        if len(recorded):
            found += recording_findings([("Accommodation status", recorded.iloc[0], f"{noun} in treatment")], fy)
        for attribute, words in (("accommodation_status", "Accommodation status"), ("ethnicity", "Ethnicity"),
                                 ("injecting_status", "Injecting status")):
            found += breakdown_findings(people.breakdowns[attribute], attribute, words, cohort, fy, comparison)
    if substances is not None:
        found += breakdown_findings(substances.overall[PRIMARY], "substance", "Primary substance", cohort, fy,
                                    comparison)
    if referrals is not None:
        found += breakdown_findings(referrals.by_source, "referral_source", "Referral source", "of referrals", fy,
                                    comparison)
    if treatment is not None:
        found += breakdown_findings(treatment.exit_groups, "exit_group", "Exit group", "of people discharged", fy,
                                    comparison)
    if data_quality is not None:
        found += completeness_findings(data_quality.completeness, fy)
    if benchmarks is not None and len(benchmarks.spine):
        found += spine_findings(benchmarks.spine, illustrative=benchmarks.illustrative,
                                whose=benchmarks.scope_label)
    for plan in target_plans:
        if not plan.not_applicable:
            found += target_findings(indicators.BY_ID[plan.indicator].label, plan.quarterly, plan.indicator, fy)
    for chart in spc_charts:
        found += spc_findings(chart)
    if c19 is not None and c19.c19_year is not None and c19.c19_comparison is not None:
        found += c19_findings(c19.c19, c19.c19_year, c19.c19_comparison, illustrative=c19.illustrative)
    return rank_findings(found)


def rank_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Findings from the highest score down (stable for equal scores), each text once."""
    unique = list({f.text: f for f in findings}.values())
    return sorted(unique, key=lambda f: -f.score)


def first_sentence(text: str) -> str:
    """The first sentence of a summary (for a slide title), without Markdown bold."""
    plain = text.replace("**", "").strip()
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z])", plain, maxsplit=1)
    return parts[0]


#: Columns of the table the analyst edits on the page (``findings_table`` / ``from_table``).
INCLUDE, TEXT, FIGURE, KIND = "Include", "Finding", "Figure", "Kind"


def findings_table(findings: Sequence[Finding], ticked: int | None = None) -> pd.DataFrame:
    """Findings as an editable table, in rank order, the first ``ticked`` ticked (all when None)."""
    ticked = len(findings) if ticked is None else ticked
    return pd.DataFrame({INCLUDE: [i < ticked for i in range(len(findings))], TEXT: [f.text for f in findings],
                         FIGURE: [f.figure for f in findings], KIND: [f.kind for f in findings]})


def from_table(table: pd.DataFrame) -> list[Finding]:
    """The ticked rows of an edited ``findings_table``, in its order, with their edited text."""
    found = []
    for position, (_, row) in enumerate(table.iterrows()):
        text = str(row[TEXT] if pd.notna(row[TEXT]) else "").strip()
        if bool(row[INCLUDE]) and text:
            found.append(Finding(text, str(row[FIGURE] or ""), str(row[KIND] or ""), float(len(table) - position)))
    return found
