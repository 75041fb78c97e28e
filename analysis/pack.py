"""The board pack: the selection's figures as slides (PowerPoint) or pages (PDF), from the page models.

Content comes only from the page models in ``analysis.views`` (every frame already through board
suppression, every sentence already written from suppressed figures) and ``analysis.findings``;
nothing here computes a figure. Charts are the pages' own builders, drawn as pictures by kaleido
with Debian's chromium (no network). ``build_pack`` assembles a ``Pack``; ``analysis.pack_pptx``
and ``analysis.pack_pdf`` write it.

Command line (format follows the extension of ``--out``)::

    python -m analysis.pack --year 2024/25 --compare 2023/24 --service "Young people" --sex Female \\
        --district Oxford --out pack.pptx

Sections (``--sections``): every one of ``SECTIONS``; by default ``DEFAULT_SECTIONS``, which leaves out
"Monthly trends (SPC)" and "Completion without re-presentation" (4 more slides) so the default pack stays
near 20 slides. "Targets" has a slide only for an indicator with a target set for the year (stored on the
Data page or the Benchmarks and targets page; none is ever assumed).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
from functools import partial
import os
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from analysis import (board, charts, charts_activity, charts_benchmarks, charts_profiles, charts_spc, findings,
                      indicators, maps, profiles, stats, targets)
from analysis.codes import ADULTS, YOUNG_PEOPLE
from analysis.dataset import (APPROXIMATE_POPULATION_NOTICE, BOUNDARY_ATTRIBUTION, DEMO_BOUNDARIES, Dataset,
                              SYNTHETIC_NOTICE)
from analysis.errors import DashboardError
from analysis.filters import ALL, NOT_KNOWN, Filters
from analysis.periods import AGE_BAND_LABELS, FinancialYear
from analysis.suppression import SUPPRESSED
from analysis.views import benchmarks as benchmarks_view
from analysis.views import data_quality as data_quality_view
from analysis.views import districts_map as districts_view
from analysis.views import overview as overview_view
from analysis.views import people as people_view
from analysis.views import referrals as referrals_view
from analysis.views import spc as spc_view
from analysis.views import substances as substances_view
from analysis.views import treatment_exits as treatment_view
from analysis.yoy import COUNT, PROPORTION, RATE

#: Sections of the pack, in order, with their headings (the ``--sections`` choices).
SECTIONS: dict[str, str] = {
    "overview": "Overview", "people": "People in treatment", "substances": "Substances", "referrals": "Referrals",
    "treatment": "Treatment and exits", "districts": "Districts", "benchmarks": "Against England and neighbours",
    "targets": "Targets", "spc": "Monthly trends (SPC)", "c19": "Completion without re-presentation",
    "data_quality": "Data quality",
}
#: Sections of the pack when none are chosen (the page's default and the command line's): all but the SPC
#: charts and the outcome measure's chart, which would take the default pack past 22 slides.
DEFAULT_SECTIONS: tuple[str, ...] = tuple(s for s in SECTIONS if s not in ("spc", "c19"))
#: Where Debian installs chromium; kaleido is pointed at it (``BROWSER_PATH``) and never downloads one.
CHROMIUM = "/usr/bin/chromium"
#: The data label on every slide when the demo is shown.
DEMO_LABEL = "Synthetic demo data"
SUPPRESSION_NOTE = "Counts from 1 to 4, and figures from which they could be worked out, are shown as *."
#: Picture size of a chart: slide box (inches) x pixels per inch, drawn at 1.5 times that (180 pixels per
#: inch: sharper than a 1080p projector shows a full-width slide, at half the pixels of twice).
PIXELS_PER_INCH, PICTURE_SCALE = 120, 1.5
#: Longest wait for one chart picture, in seconds.
PICTURE_TIMEOUT_SECONDS = 60
#: A compact table goes beside a chart only when it has at most this many rows.
MAX_TABLE_ROWS = 10
#: Findings ticked by default (the highest ranked), two slides' worth.
DEFAULT_FINDINGS = 12
#: Key findings per slide.
FINDINGS_PER_SLIDE = 6
#: Slide geometry shared by the PowerPoint and PDF writers, in inches (16:9).
SLIDE_WIDTH, SLIDE_HEIGHT, MARGIN = 13.333, 7.5, 0.5
#: Top of the chart and table, top of the footer, and the gap between chart and table.
BODY_TOP, FOOTER_TOP, GUTTER = 1.55, 6.05, 0.25
#: Colours of the template (hex RGB): accent band, title text, muted text, demo label, table header.
ACCENT, INK, MUTED, WARNING, HEADER_FILL = "0B3C5D", "1A1A1A", "5F6B73", "B35C00", "E8EEF3"
METHOD = {
    COUNT: "95% CI: exact Poisson (Byar's for larger counts); change: exact test of two Poisson counts.",
    RATE: "95% CI: Byar's / exact Poisson; change: exact conditional test of the ratio of two Poisson rates.",
    PROPORTION: "95% CI: Wilson score; change: Newcombe's hybrid score interval (method 10).",
}
#: Methods of the benchmark, target and SPC slides (footers).
BENCHMARK, TARGET, SPC = "benchmark", "target", "spc"
METHOD.update({
    BENCHMARK: "95% CI: Byar's / exact Poisson for rates, Wilson score for percentages; against England: "
               "significantly higher or lower when the local 95% CI excludes England's value (as Fingertips judges it).",
    TARGET: f"Year-to-date counts against the target (95% CI of a count: exact Poisson / Byar's). {targets.RAG_RULE}",
    SPC: "XmR chart (NHS England Making Data Count): mean and process limits at mean ± 2.66 × average moving range; "
         "special cause: a point beyond a limit, 7 rising or falling, 2 of 3 near a limit, or 7 on one side of the "
         "mean. Monthly counts' 95% CI (exact Poisson / Byar's) are in the page's table.",
})
SOURCE_TREATMENT = indicators.SOURCE_TREATMENT
SOURCE_RATE = f"{indicators.SOURCE_TREATMENT}; {indicators.SOURCE_POPULATION}"


class PackError(DashboardError):
    """The pack cannot be made as asked (an unknown year, district, section or file type)."""


@dataclass
class ChartSlide:
    """One chart slide: the finding as its title, the chart, a compact suppressed table (or None
    when it would not fit), the full summaries (speaker notes) and the footer's parts.

    The chart and the table are drawn when first asked for (``figure``, ``table``), not when the slide
    is made: the Board pack page makes every slide on each rerun for its titles and findings, and
    only building the file needs the charts (about 0.4 s of the page's rerun on the demo)."""

    section: str
    label: str
    title: str
    #: The chart: a figure, None, or a function of no arguments that draws it (called once, when asked).
    figure_source: go.Figure | Callable[[], go.Figure | None] | None
    #: The compact table: a frame, None, or a function of no arguments that makes it.
    table_source: pd.DataFrame | Callable[[], pd.DataFrame | None] | None
    notes: list[str]
    definition: str
    source: str
    method: str
    empty_message: str = "No people match the selection for this chart."
    image: bytes | None = None

    @functools.cached_property
    def figure(self) -> go.Figure | None:
        """The slide's chart (drawn on first use)."""
        return self.figure_source() if callable(self.figure_source) else self.figure_source

    @functools.cached_property
    def table(self) -> pd.DataFrame | None:
        """The slide's compact table (made on first use)."""
        return self.table_source() if callable(self.table_source) else self.table_source


@dataclass
class Pack:
    """Everything a pack shows, already suppressed: the title slide's parts, the key findings,
    the headline table, the chart slides and the appendix (term, text) pairs."""

    partnership: str
    period: str
    selection: str
    data_label: str
    is_demo: bool
    made_at: pd.Timestamp
    findings: list[findings.Finding]
    headlines: pd.DataFrame | None
    charts: list[ChartSlide]
    definitions: list[tuple[str, str]]
    methods: list[tuple[str, str]]
    notices: list[str] = field(default_factory=list)

    @property
    def slide_titles(self) -> list[str]:
        """The title of every slide, in order (the page's preview)."""
        titles = [f"{self.partnership}: drug and alcohol treatment, {self.period}"]
        pages = max(1, -(-len(self.findings) // FINDINGS_PER_SLIDE))
        titles += ["Key findings" + (f" ({i + 1} of {pages})" if pages > 1 else "") for i in range(pages)]
        if self.headlines is not None:
            titles.append("Headline figures")
        titles += [c.title for c in self.charts]
        return titles + ["Definitions of the headline figures", "Methods, sources and notes"]


@dataclass
class PackFigures:
    """The page models' results for the selection (None for a section left out)."""

    overview: object = None
    trends: dict[str, pd.DataFrame] = field(default_factory=dict)
    people: object = None
    substances: object = None
    referrals: object = None
    treatment: object = None
    districts: object = None
    data_quality: object = None
    #: The Benchmarks page's figures (``views.benchmarks.BenchmarkFigures``) when "benchmarks" or "c19" is chosen.
    benchmarks: object = None
    show_spine: bool = False
    show_c19: bool = False
    #: The trajectory (``views.benchmarks.TargetFigures``) of each indicator with a target set for the year.
    targets: list = field(default_factory=list)
    #: The stored targets' record (rows, set_by, set_at), or None when none are set.
    target_record: dict | None = None
    #: The Monthly trends page's figures (``views.spc.SpcFigures``).
    spc: object = None

    def findings(self, fy: FinancialYear, comparison: FinancialYear, filters: Filters) -> list[findings.Finding]:
        """The ranked key findings these figures support (``analysis.findings.key_findings``)."""
        return findings.key_findings(
            fy, comparison, noun=people_view.cohort_noun(filters), overview=self.overview, people=self.people,
            substances=self.substances, referrals=self.referrals, treatment=self.treatment,
            districts=self.districts, data_quality=self.data_quality,
            benchmarks=self.benchmarks if self.show_spine else None,
            c19=self.benchmarks if self.show_c19 else None, target_plans=self.targets,
            spc_charts=self.spc.charts if self.spc is not None else ())


#: Trend charts of the Overview in the pack.
TREND_INDICATORS = ("people_in_treatment", "rate_per_1000")


def target_rows_key(record: dict | None) -> tuple[tuple[tuple[str, object], ...], ...]:
    """Stored target rows as the hashable argument ``views.benchmarks.target_figures`` takes (and caches on)."""
    return tuple(tuple(sorted(r.items())) for r in (record or {}).get("rows", []))


def indicators_with_targets(record: dict | None, fy: FinancialYear) -> list[str]:
    """The quarterly indicators with a target set for a quarter of ``fy`` (or the year) in the stored record."""
    rows = (record or {}).get("rows", [])
    if not rows:
        return []
    plan = targets.rows_from_records(rows)
    return [i for i in targets.QUARTERLY_INDICATORS if targets.targets_for_year(plan, i, fy)]


def compute_figures(data: Dataset, fy: FinancialYear, comparison: FinancialYear, filters: Filters,
                    sections: Sequence[str] = DEFAULT_SECTIONS, *, district_boundaries: str = str(DEMO_BOUNDARIES),
                    compute: Callable = lambda f, *a, **k: f(*a, **k), target_record: dict | None = None,
                    spc_rebase: pd.Timestamp | None = None, spc_targets: tuple[tuple[str, float], ...] = ()
                    ) -> PackFigures:
    """Call each chosen section's page model (``compute`` lets the app use its cache). ``target_record`` is
    the stored indicator targets (``store.Store.indicator_targets``), or None when none are set;
    ``spc_rebase`` and ``spc_targets`` are the Monthly trends page's rebase month and targets per month
    (``views.spc.spc_page``), so its slides are the charts the page shows."""
    figures = PackFigures()
    if "overview" in sections:
        figures.overview = compute(overview_view.overview, data, fy, comparison, filters)
        figures.trends = {i: compute(overview_view.overview_trend, data, i, filters) for i in TREND_INDICATORS}
    if "people" in sections:
        figures.people = compute(people_view.people, data, fy, comparison, filters)
    if "substances" in sections:
        figures.substances = compute(substances_view.substances, data, fy, comparison, filters)
    if "referrals" in sections:
        figures.referrals = compute(referrals_view.referrals, data, fy, comparison, filters)
    if "treatment" in sections:
        figures.treatment = compute(treatment_view.treatment_exits, data, fy, comparison, filters)
    if "districts" in sections:
        figures.districts = compute(districts_view.districts_map, data, fy, comparison, filters,
                                    district_boundaries=district_boundaries)
    if "data_quality" in sections:
        figures.data_quality = compute(data_quality_view.data_quality, data, fy, comparison, filters)
    if "benchmarks" in sections or "c19" in sections:
        figures.benchmarks = compute(benchmarks_view.benchmarks, data, fy, comparison, filters)
        figures.show_spine, figures.show_c19 = "benchmarks" in sections, "c19" in sections
    if "targets" in sections:
        figures.target_record = target_record
        figures.targets = [compute(benchmarks_view.target_figures, data, fy, filters, target_rows_key(target_record),
                                   indicator) for indicator in indicators_with_targets(target_record, fy)]
    if "spc" in sections:
        figures.spc = compute(spc_view.spc_page, data, fy, filters, spc_rebase, spc_targets)
    return figures


# ------------------------------------------------------------------ compact tables
def _ci(table: pd.DataFrame, lower: str, upper: str, frame: pd.DataFrame | None = None,
        prefix: str = "") -> pd.Series:
    """Two interval columns of a display table as one "low to high" cell (``*`` when hidden). With
    the measure ``frame`` (rows in the same order) a count below ``findings.SMALL_COUNT`` gets its
    limits to one decimal place, as the findings give them: they are not whole people."""
    small = pd.Series(False, index=table.index)
    if frame is not None and frame.attrs.get("kind") == COUNT:
        small = pd.Series((frame[f"{prefix}count"].astype("float64") < findings.SMALL_COUNT).to_numpy(),
                          index=table.index)
        raw_low = pd.Series(frame[f"{prefix}lower"].astype("float64").to_numpy(), index=table.index)
        raw_high = pd.Series(frame[f"{prefix}upper"].astype("float64").to_numpy(), index=table.index)

    def join(row: object, low: str, high: str) -> str:
        if SUPPRESSED in (low, high):
            return SUPPRESSED
        if not low or not high:
            return ""
        if small[row]:
            return f"{raw_low[row]:,.1f} to {raw_high[row]:,.1f}"
        return f"{low} to {high}"
    return pd.Series([join(i, a, b) for i, a, b in zip(table.index, table[lower], table[upper], strict=True)],
                     index=table.index)


def compact_table(frame: pd.DataFrame, keys: Sequence[tuple[str, str]], fy: FinancialYear,
                  comparison: FinancialYear, counted: str = "People") -> pd.DataFrame | None:
    """A short table for a slide from a suppressed year-on-year frame, formatted by
    ``board.display_table`` (``*`` for hidden values): the keys, this year's count and value with
    its 95% interval, the comparison year's value, and whether the change is significant.
    ``counted`` names what the count column counts (people, referrals, records).
    None when the frame is empty or longer than ``MAX_TABLE_ROWS``."""
    if frame.empty or len(frame) > MAX_TABLE_ROWS:
        return None
    kind = frame.attrs.get("kind", PROPORTION)
    unit = {COUNT: "", RATE: " per 1,000", PROPORTION: " %"}[kind]
    columns = [*keys, ("count", f"{counted} {{year}}" if kind != COUNT else "{year}")]
    if kind != COUNT:
        columns.append(("value", f"{{year}}{unit}"))
    columns += [("lower", "low"), ("upper", "high"),
                ("previous_value" if kind != COUNT else "previous_count", f"{{comparison}}{unit}"),
                ("significant", "Significant")]
    if "previous_value" not in frame:  # one year only (e.g. a trend): no comparison column
        columns = [c for c in columns if c[0] not in ("previous_value", "previous_count", "significant")]
    table = board.display_table(frame, columns, year_label=fy.label, comparison_label=comparison.label)
    table.insert(len(keys) + (2 if kind != COUNT else 1), "95% CI", _ci(table, "low", "high", frame))
    return table.drop(columns=["low", "high"])


def _trend_table(trend: pd.DataFrame) -> pd.DataFrame | None:
    if trend.empty or len(trend) > MAX_TABLE_ROWS:
        return None
    kind = trend.attrs.get("kind", COUNT)
    columns = [("year", "Year"), ("count", "Count")] + ([("value", "Value")] if kind != COUNT else [])
    table = board.display_table(trend, [*columns, ("lower", "low"), ("upper", "high")])
    table["95% CI"] = _ci(table, "low", "high", trend)
    return table.drop(columns=["low", "high"])


def headline_table(overview: object, fy: FinancialYear, comparison: FinancialYear) -> pd.DataFrame:
    """The Overview's headline figures: each indicator this year with its 95% interval, the
    comparison year, the change (% for counts and rates, percentage points for proportions) and
    its significance, formatted by ``board.display_table`` (``*`` for hidden values)."""
    rows = []
    not_applicable = getattr(overview, "not_applicable", {})
    for indicator in indicators.INDICATORS:
        if indicator.id in not_applicable:  # e.g. NI 40 with the young people's service: never the adult figure
            rows.append({"Indicator": indicator.label, fy.label: not_applicable[indicator.id], "95% CI": "",
                         comparison.label: "", "Change": "", "Significant": ""})
            continue
        frame = overview.headlines.get(indicator.id)
        if frame is None or frame.empty:
            continue
        kind = frame.attrs["kind"]
        change = ("change", "change") if kind == PROPORTION else ("percent_change", "change")
        shown = board.display_table(frame, [("value", "value"), ("lower", "low"), ("upper", "high"),
                                            ("previous_value", "previous"), change, ("significant", "sig")]).iloc[0]
        unit = {COUNT: "", RATE: " per 1,000", PROPORTION: "%"}[kind]
        with_unit = (lambda text: text if text in (SUPPRESSED, "") else f"{text}{unit}")
        change_unit = " pts" if kind == PROPORTION else "%"
        rows.append({
            "Indicator": indicator.label,
            fy.label: with_unit(shown["value"]),
            "95% CI": _ci(pd.DataFrame([shown]), "low", "high", frame).iloc[0],
            comparison.label: with_unit(shown["previous"]),
            "Change": shown["change"] if shown["change"] in (SUPPRESSED, "") else
            f"{float(shown['change'].replace(',', '')):+,.1f}{change_unit}",
            "Significant": shown["sig"],
        })
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ slides
def _slide(section: str, label: str, figure: go.Figure | Callable[[], go.Figure | None] | None,
           table: pd.DataFrame | Callable[[], pd.DataFrame | None] | None, summaries: Sequence[str],
           definition: str, source: str, kind: str, empty: str = "",
           title_from: Sequence[findings.Finding] = ()) -> ChartSlide:
    """A chart slide whose title is the chart's finding: the first of ``title_from`` (findings of
    this chart, ``analysis.findings``) or else the first sentence of the page's summary. ``figure`` and
    ``table`` may be functions that draw them (``functools.partial``): they are called only when the pack is
    built (``ChartSlide.figure``)."""
    notes = [s.replace("**", "") for s in summaries if s]
    title = title_from[0].text if title_from else findings.first_sentence(notes[0]) if notes else label
    return ChartSlide(section, label, title, figure, table, notes, definition, source, METHOD[kind],
                      empty or (notes[0] if notes else "No people match the selection for this chart."))


def _overview_slides(figures: PackFigures, data: Dataset, filters: Filters, fy: FinancialYear,
                     comparison: FinancialYear) -> list[ChartSlide]:
    slides = []
    who = filters.describe(data.district_names)
    for indicator_id in TREND_INDICATORS:
        indicator, trend = indicators.BY_ID[indicator_id], figures.trends[indicator_id]
        figure = partial(charts.trend_line, trend, f"{indicator.label}: {who}", highlight=[fy.label])
        headline = figures.overview.headlines[indicator_id]
        finding = findings.compare_row(indicator.label, headline.iloc[0], headline.attrs["kind"], fy, comparison)
        slides.append(_slide("overview", f"Trend: {indicator.label}", figure, partial(_trend_table, trend),
                             [figures.overview.summaries[indicator_id]], indicator.definition, indicator.source,
                             trend.attrs.get("kind", COUNT), title_from=[finding]))
    return slides


def _people_slides(p: object, fy: FinancialYear, comparison: FinancialYear, whose: str) -> list[ChartSlide]:
    whole = "Percentage of people in treatment during the year in the selection (each person once, attributes from " \
            "their latest episode in the year)."
    slides = [_slide("people", "Age and sex", partial(charts_profiles.age_sex_pyramid,
        p.pyramid, f"Age and sex, {fy.label} (outline: {comparison.label})", fy.label, comparison.label),
        partial(compact_table, p.pyramid, [("age_band", "Age"), ("sex", "Sex")], fy, comparison),
        [p.summaries["pyramid"]],
        whole, SOURCE_TREATMENT, PROPORTION)]
    for attribute in ("accommodation_status", "ethnicity"):
        words = people_view.BREAKDOWNS[attribute]
        frame = p.breakdowns[attribute]
        extra = [p.summaries["accommodation_recorded"]] if attribute == "accommodation_status" else []
        slides.append(_slide("people", words, partial(charts.comparison_bars, frame, attribute, f"{words}, % of people",
                                                                     fy.label, comparison.label),
                             partial(compact_table, frame, [(attribute, words)], fy, comparison),
                             [p.summaries[attribute], *extra, p.notes.get(attribute, "")], whole, SOURCE_TREATMENT,
                             PROPORTION, title_from=findings.breakdown_findings(frame, attribute, words, whose, fy,
                                                                                comparison)))
    return slides


def _substance_slides(s: object, fy: FinancialYear, comparison: FinancialYear, whose: str) -> list[ChartSlide]:
    slides = []
    for view, words in ((profiles.PRIMARY, "Primary substance"), (profiles.ANY_MENTION, "Any mention")):
        frame = s.overall[view]
        definition = ("Percentage of people in treatment whose primary (rank 1) problem substance is in each group."
                      if view == profiles.PRIMARY else
                      "Percentage of people in treatment with each substance group recorded at any rank "
                      "(a person counts once per group, so shares can sum past 100%).")
        slides.append(_slide("substances", f"Substances: {words.lower()}",
                             partial(charts.comparison_bars, frame, "substance", substances_view.VIEW_LABELS[view],
                                     fy.label, comparison.label),
                             partial(compact_table, frame, [("substance", "Substance")], fy, comparison),
                             [s.summaries[f"overall:{view}"], s.summaries[f"change:{view}"]], definition,
                             SOURCE_TREATMENT, PROPORTION,
                             title_from=findings.breakdown_findings(frame, "substance", words, whose, fy, comparison)))
    return slides


def _referral_slides(r: object, who: str, fy: FinancialYear, comparison: FinancialYear) -> list[ChartSlide]:
    return [
        _slide("referrals", "Referrals by source",
               partial(charts.comparison_bars, r.by_source, "referral_source", f"Referrals by source: {who}", fy.label,
                                      comparison.label),
               partial(compact_table, r.by_source, [("referral_source", "Source")], fy, comparison, "Referrals"),
               [r.by_source_summary, r.total_summary, r.key_share_summary],
               "Referrals with a referral date in the year by source group, as % of all referrals (referrals, "
               "not people).", indicators.SOURCE_REFERRALS, PROPORTION,
               title_from=findings.breakdown_findings(r.by_source, "referral_source", "Referral source",
                                                      "of referrals", fy, comparison)),
        _slide("referrals", "Referrals per month",
               partial(charts_activity.monthly_bars, r.monthly, f"Referrals per month: {who}"),
               None, [r.monthly_summary],
               f"Referrals per month over the 24 months to 31 March {fy.end.year}; months with one to four "
               "referrals, and months that would reveal them from the year's total, are hidden.", indicators.SOURCE_REFERRALS, COUNT),
    ]


def _treatment_slides(t: object, who: str, fy: FinancialYear, comparison: FinancialYear) -> list[ChartSlide]:
    return [
        _slide("treatment", "Exits", partial(charts.comparison_bars, t.exit_groups, "exit_group",
                                                            f"People discharged by exit group: {who}", fy.label,
                                                            comparison.label),
               partial(compact_table, t.exit_groups, [("exit_group", "Exit group")], fy, comparison),
               [t.summaries["exit_groups"], t.summaries["exit_reasons"]],
               "People discharged in the year, each once by their last discharge, by exit group "
               "(planned, unplanned, transferred, other), as % of people discharged.", SOURCE_TREATMENT, PROPORTION,
               title_from=findings.breakdown_findings(t.exit_groups, "exit_group", "Exit group",
                                                      "of people discharged", fy, comparison)),
        _slide("treatment", "Completion and retention",
               partial(charts.comparison_bars, t.outcomes, "indicator", f"Completion and retention: {who}", fy.label,
                                      comparison.label),
               partial(compact_table, t.outcomes, [("indicator", "Indicator")], fy, comparison),
               [t.summaries["outcomes"]],
               f"{indicators.BY_ID['successful_completion'].definition} {indicators.BY_ID['retention_12_weeks'].definition}",
               SOURCE_TREATMENT, PROPORTION),
        _slide("treatment", "Presentations",
               partial(charts.comparison_bars, t.presentations, "presentation", f"People presenting: {who}", fy.label,
                                      comparison.label, horizontal=False),
               partial(compact_table, t.presentations, [("presentation", "Presentation")], fy, comparison),
               [t.summaries["presentations"], *t.lookback.values()], " ".join(t.lookback.values()), SOURCE_TREATMENT,
               COUNT),
    ]


def _district_slides(d: object, filters: Filters, fy: FinancialYear, comparison: FinancialYear) -> list[ChartSlide]:
    rate = indicators.BY_ID["rate_per_1000"]
    district_map = partial(maps.district_map, d.districts, d.district_geojson, view=maps.RATE_VIEW,
                                     title=f"People in treatment per 1,000 population {d.ages}, {fy.label}",
                                     selected=filters.district, year_label=fy.label, comparison_label=comparison.label)
    rows = d.districts[d.districts["district_code"].ne(NOT_KNOWN)]
    rows.attrs.update(d.districts.attrs)
    table = compact_table(rows, [("district", "District")], fy, comparison)
    if table is not None:
        judged = rows["compared_with_partnership"].map(
            lambda v: {stats.SIGNIFICANTLY_HIGHER: "Higher", stats.SIGNIFICANTLY_LOWER: "Lower"}.get(
                str(v), SUPPRESSED if v is None or pd.isna(v) else "Similar")).to_numpy()
        table["Against partnership"] = judged
    baseline = float(d.partnership["value"].iloc[0])
    funnel = partial(maps.funnel_plot, d.districts, d.funnel_limits, baseline,
                              title=f"Funnel plot: rate per 1,000 population {d.ages} by population, {fy.label}",
                              year_label=fy.label)
    return [
        _slide("districts", "District rates", district_map, table,
               [d.rate_summary, d.change_summary, d.not_known, "Grey districts: figures rest on fewer than 5 people."],
               f"{rate.definition} Every district is shown, whatever the district filter. {BOUNDARY_ATTRIBUTION}",
               rate.source, RATE, title_from=findings.rank_findings(
                   findings.district_findings(d.districts, d.partnership.iloc[0], d.ages, fy))),
        _slide("districts", "Districts against the partnership", funnel, None, [d.funnel_summary],
               f"Each district's rate against its population, with the partnership rate and its 95% and 99.8% "
               f"control limits ({stats.METHOD_FUNNEL_RATE}).", rate.source, RATE, empty=d.funnel_summary),
    ]


def _quality_slides(q: object, fy: FinancialYear, comparison: FinancialYear) -> list[ChartSlide]:
    frame = q.completeness
    return [_slide("data_quality", "Completeness",
                   partial(data_quality_view.completeness_chart, q, fy, comparison),
                   partial(compact_table, frame, [("field", "Field")], fy, comparison, "Records"), list(q.findings),
                   "Records in the year with the field recorded as a valid code, as % of the records it applies to "
                   "(episodes in treatment, discharges or referrals). Only the service filter applies.",
                   SOURCE_TREATMENT, PROPORTION, title_from=findings.completeness_findings(frame, fy))]


#: Longest indicator name in a slide's compact table (the chart beside it names it in full).
SHORT_LABEL = 40


def _short(text: object) -> str:
    words = str(text)
    return words if len(words) <= SHORT_LABEL else words[:SHORT_LABEL - 1].rstrip() + "…"


def spine_compact(spine: pd.DataFrame, illustrative: bool) -> pd.DataFrame | None:
    """The spine table for a slide (from the page's ``views.benchmarks.spine_display``): indicator, local value,
    its 95% interval, England's average and the judgement; hidden values ``*``. None past ``MAX_TABLE_ROWS``."""
    if spine.empty or len(spine) > MAX_TABLE_ROWS:
        return None
    shown = benchmarks_view.spine_display(spine, illustrative)
    england = "England (ILLUSTRATIVE)" if illustrative else "England"
    return pd.DataFrame({"Indicator": shown["Indicator"].map(_short), "Local": shown["Local value"],
                         "95% CI": shown["95% CI"], england: shown["England average"],
                         "Against England": shown["Compared with England"].str.replace(
                             " than England", "").str.replace(" to England", "")})


def _benchmark_slides(b: object, data: Dataset, fy: FinancialYear, where: str) -> list[ChartSlide]:
    """The spine chart and the partnership among its comparator group (the Benchmarks page's own figures)."""
    if not b.has_comparators:
        return [_slide("benchmarks", "Spine chart", None, None, [benchmarks_view.NO_COMPARATORS],
                       "Local values against England's average, worst and best.", benchmarks_view.LOCAL_SOURCE,
                       BENCHMARK, empty=benchmarks_view.NO_COMPARATORS)]
    sources = sorted({str(x) for x in b.spine["source"] if str(x)})
    source = f"{benchmarks_view.LOCAL_SOURCE}; comparator values: {'; '.join(sources) or 'none'}" + (
        " (ILLUSTRATIVE: synthetic demo, not published figures)" if b.illustrative else "")
    notice = [benchmarks_view.ILLUSTRATIVE_NOTICE] if b.illustrative else []
    notice += [b.scope_note] if b.scope_note else []
    found = findings.rank_findings(findings.spine_findings(b.spine, illustrative=b.illustrative,
                                                           whose=b.scope_label))
    slides = [_slide("benchmarks", "Spine chart",
                     partial(charts_benchmarks.spine_chart, b.spine,
                             f"Spine chart: {benchmarks_view.scope_label(b, where)}", illustrative=b.illustrative),
                     partial(spine_compact, b.spine, b.illustrative), [b.spine_summary, *notice],
                     "Each indicator's local value (95% CI) against England's average (centre line), worst (left) and "
                     "best (right) area; the marker shows whether the local 95% CI excludes England's value (better, "
                     "worse or similar by the indicator's polarity). Local values are the pages' own suppressed "
                     "figures; context indicators come from the comparators table.", source, BENCHMARK,
                     title_from=found)]
    if b.compare_choices:
        judged = b.spine.set_index("indicator")["judgement"]
        choices = list(b.compare_choices)
        chosen = next((i for i in choices if judged.get(i) == "Worse than England"), choices[0])
        areas = benchmarks_view.compare_areas(data, b, chosen, fy, "Partnership (this data)")
        label = b.compare_choices[chosen]
        unit = indicators.BY_ID[chosen].unit if chosen in indicators.BY_ID else ""
        table = benchmarks_view.compare_display(areas)
        compact = None if len(table) > MAX_TABLE_ROWS else pd.DataFrame({
            "Area": table["Area"].map(_short), "Value": table["Value"],
            "95% CI": [f"{a} to {b_}" if a and b_ else "" for a, b_ in zip(table["Lower 95% limit"],
                                                                          table["Upper 95% limit"])]})
        sentence = benchmarks_view.compare_sentence(areas, label, b.illustrative)
        slides.append(_slide("benchmarks", "Compared with similar areas",
                             partial(charts_benchmarks.compare_areas_chart, areas, f"{label}: comparator group", unit,
                                                                   illustrative=b.illustrative),
                             compact, [sentence, *notice],
                             f"{label}: the partnership among its comparator group (e.g. CIPFA nearest neighbours) "
                             "with each area's 95% CI, ordered by value; England's value is the dashed line. "
                             + ("Chosen as an indicator worse than England." if judged.get(chosen) ==
                                "Worse than England" else "The first indicator with a comparator group."),
                             source, BENCHMARK))
    return slides


def _target_slides(plans: Sequence[object], record: dict | None, fy: FinancialYear, where: str) -> list[ChartSlide]:
    """One trajectory slide per indicator with a target set for the year (the Benchmarks page's chart)."""
    slides = []
    who = "" if not record else (f" Targets set by {record.get('set_by', 'unknown')} on "
                                 f"{pd.Timestamp(record['set_at']):%d %b %Y}." if record.get("set_at") else "")
    for plan in plans:
        indicator = indicators.BY_ID[plan.indicator]
        words = targets.QUARTERLY_INDICATORS[plan.indicator]
        table = benchmarks_view.trajectory_display(plan.quarterly)
        compact = table[["Quarter", "Year to date", "Target", "Gap (people)", "RAG"]]
        compact = compact.assign(Quarter=compact["Quarter"].str.split(" ").str[0])
        sources = sorted({str(x) for x in plan.quarterly["source"] if str(x)})
        found = findings.target_findings(indicator.label, plan.quarterly, plan.indicator, fy)
        figure = None if plan.not_applicable else partial(charts_benchmarks.trajectory_chart,
            plan.quarterly, f"{indicator.label}, {fy.label} by quarter: {where}", words)
        slides.append(_slide("targets", indicator.label, figure, None if plan.not_applicable else compact,
                             [plan.sentence, targets.rag_sentence(plan.quarterly, fy), plan.note or "",
                              f"RAG rule: {targets.RAG_RULE}"],
                             f"{indicator.definition} Actual: the year to date (1 April to the quarter's end), as the "
                             "annual figure counts; target: as stored, never assumed.",
                             f"{indicator.source}; targets: {'; '.join(sources) or 'as entered'}.{who}", TARGET,
                             empty=plan.sentence, title_from=found))
    return slides


def _spc_slides(s: object, where: str, fy: FinancialYear) -> list[ChartSlide]:
    """One XmR chart per monthly series (the Monthly trends page's own), or why it is not drawn."""
    slides = []
    for chart in s.charts:
        figure = partial(charts_spc.xmr_chart,
            chart.monthly, f"{chart.series.title}: {where}", unit=chart.series.unit,
            variation_words=chart.variation_words, variation=chart.variation or "common_cause",
            assurance_words=chart.assurance_words, assurance=chart.assurance, selected_year=fy,
            rebase_month=chart.rebase_month, target=chart.target) if chart.variation else None
        found = findings.spc_findings(chart)
        slides.append(_slide("spc", chart.series.title.replace(" per month", ""), figure, None,
                             [chart.summary, f"{chart.variation_words} · {chart.assurance_words}" if chart.variation
                              else "", spc_view.settings_sentence(chart)],
                             chart.series.definition, SOURCE_TREATMENT if chart.series.key != "referrals" else
                             indicators.SOURCE_REFERRALS, SPC, empty=chart.summary, title_from=found))
    return slides


def _c19_slides(b: object, where: str) -> list[ChartSlide]:
    """Successful completion without re-presentation by substance group (the Benchmarks page's chart)."""
    definition = indicators.OUTCOME_INDICATORS[0].definition
    source = indicators.OUTCOME_INDICATORS[0].source
    if b.c19_year is None or b.c19_comparison is None or b.c19.empty:
        return [_slide("c19", "By substance group", None, None, [b.c19_summary, *b.notes], definition, source,
                       PROPORTION, empty=b.c19_summary)]
    shown, compared = b.c19_year, b.c19_comparison
    table = compact_table(b.c19, [("substance_group", "Substance group")], shown, compared, "Completed")
    if table is not None:
        heading = "England % (ILLUSTRATIVE)" if b.illustrative else "England %"
        table[heading] = ["" if pd.isna(v) else f"{v:.1f}" for v in b.c19["england"]]
        table = table.drop(columns=[c for c in table.columns if c.startswith("Completed")])
    found = findings.c19_findings(b.c19, shown, compared, illustrative=b.illustrative)
    if found and found[0].kind == findings.NO_CHANGE:  # the title without every group's figure (on the slide)
        found = [replace(found[0], text=found[0].text.split(" (")[0] + ".")]
    return [_slide("c19", "By substance group",
                   partial(charts_benchmarks.outcome_chart, b.c19,
                           f"Completion without re-presentation by substance group: {where}", shown.label,
                           compared.label, illustrative=b.illustrative),
                   table, [b.c19_summary, *b.notes], definition,
                   source + (" England's values: ILLUSTRATIVE (synthetic demo)." if b.illustrative else ""),
                   PROPORTION, title_from=found)]


def chart_slides(figures: PackFigures, data: Dataset, fy: FinancialYear, comparison: FinancialYear,
                 filters: Filters) -> list[ChartSlide]:
    """One slide per chart of the chosen sections, in section order."""
    slides: list[ChartSlide] = []
    whose = f"of {people_view.cohort_noun(filters)} in treatment"
    if figures.overview is not None:
        slides += _overview_slides(figures, data, filters, fy, comparison)
    if figures.people is not None:
        slides += _people_slides(figures.people, fy, comparison, whose)
    if figures.substances is not None:
        slides += _substance_slides(figures.substances, fy, comparison, whose)
    if figures.referrals is not None:
        slides += _referral_slides(figures.referrals, filters.describe(data.district_names), fy, comparison)
    if figures.treatment is not None:
        slides += _treatment_slides(figures.treatment, filters.describe(data.district_names), fy, comparison)
    if figures.districts is not None:
        slides += _district_slides(figures.districts, filters, fy, comparison)
    where = filters.describe(data.district_names)
    if figures.benchmarks is not None and figures.show_spine:
        slides += _benchmark_slides(figures.benchmarks, data, fy, where)
    if figures.targets:
        slides += _target_slides(figures.targets, figures.target_record, fy, where)
    if figures.spc is not None:
        slides += _spc_slides(figures.spc, where, fy)
    if figures.benchmarks is not None and figures.show_c19:
        slides += _c19_slides(figures.benchmarks, where)
    if figures.data_quality is not None:
        slides += _quality_slides(figures.data_quality, fy, comparison)
    return slides


def methods_notes(data: Dataset, figures: PackFigures) -> list[tuple[str, str]]:
    """The appendix's methods, sources and notes (term, text)."""
    notes = [
        ("Who is counted", "People, not episodes: a person in treatment during the financial year (1 April to "
         "31 March) has an episode triaged on or before 31 March and not discharged before 1 April. A person's "
         "age, sex, district and substances come from their latest episode in the year."),
        ("Confidence intervals", "95% intervals: exact Poisson / Byar's for counts and rates, Wilson score for "
         "percentages (as England's public-health profiles compute them)."),
        ("Significance", "A change since the comparison year is significant when its 95% interval excludes no "
         "change: exact test of two Poisson counts or rates; Newcombe's hybrid score interval for percentages."),
        ("Funnel limits", f"{stats.METHOD_FUNNEL_RATE}, at 95% and 99.8% around the partnership rate."),
        ("Small numbers", f"{SUPPRESSION_NOTE} Rates, percentages and intervals built on a hidden count are hidden "
         "too, and so is a change where either year is hidden."),
        ("Sources", f"{SOURCE_TREATMENT}; {indicators.SOURCE_REFERRALS}; {indicators.SOURCE_POPULATION}."),
    ]
    if data.is_demo:
        notes.append(("Data", SYNTHETIC_NOTICE))
    if data.population_is_approximate:
        notes.append(("Population", APPROXIMATE_POPULATION_NOTICE))
    if figures.overview is not None:
        notes += [("Note", note) for note in figures.overview.notes]
    if figures.districts is not None:
        notes.append(("Boundaries", BOUNDARY_ATTRIBUTION))
    return notes


def default_partnership(data: Dataset) -> str:
    """The partnership's name for the title slide: Oxfordshire for the demo, else a plain phrase."""
    return "Oxfordshire (demo)" if data.is_demo else "Drug and alcohol partnership"


def build_pack(data: Dataset, fy: FinancialYear, comparison: FinancialYear, filters: Filters,
               figures: PackFigures, *, key_findings: Sequence[findings.Finding] | None = None,
               partnership: str | None = None, made_at: pd.Timestamp | None = None) -> Pack:
    """The pack's content for the selection. ``key_findings`` is the analyst's edited list (default:
    every finding the figures support, ranked)."""
    chosen = (list(key_findings) if key_findings is not None
              else figures.findings(fy, comparison, filters)[:DEFAULT_FINDINGS])
    return Pack(
        partnership=partnership or default_partnership(data),
        period=f"{fy.label} compared with {comparison.label}",
        selection=filters.describe(data.district_names),
        data_label=DEMO_LABEL if data.is_demo else data.label or "Saved data",
        is_demo=data.is_demo,
        made_at=made_at or pd.Timestamp.now().floor("min"),
        findings=chosen,
        headlines=headline_table(figures.overview, fy, comparison) if figures.overview is not None else None,
        charts=chart_slides(figures, data, fy, comparison, filters),
        definitions=[(i.label, i.definition) for i in indicators.INDICATORS],
        methods=methods_notes(data, figures),
        notices=[SYNTHETIC_NOTICE] if data.is_demo else [],
    )


def preview_table(pack: Pack) -> pd.DataFrame:
    """The pack's slides as the page previews them: number and title."""
    return pd.DataFrame({"Slide": range(1, len(pack.slide_titles) + 1), "Title": pack.slide_titles})


def file_name(fy: FinancialYear, filters: Filters, district_names: dict[str, str], extension: str) -> str:
    """e.g. ``board_pack_2024-25_young-people_female_oxford.pptx``: the year and the selection."""
    words = filters.describe(district_names).replace(",", "").lower()
    slug = "".join(c if c.isalnum() else "-" for c in words).strip("-")
    while "--" in slug:
        slug = slug.replace("--", "-")
    return f"board_pack_{fy.label.replace('/', '-')}_{slug}.{extension.lstrip('.')}"


def pack_bytes(pack: Pack, extension: str) -> bytes:
    """The pack as the bytes of a .pptx or .pdf file."""
    if extension.lstrip(".").lower() == "pptx":
        from analysis.pack_pptx import pptx_bytes
        return pptx_bytes(pack)
    if extension.lstrip(".").lower() == "pdf":
        from analysis.pack_pdf import pdf_bytes
        return pdf_bytes(pack)
    raise PackError(f"The pack is written as .pptx or .pdf, not .{extension.lstrip('.')}.")


# ------------------------------------------------------------------ pictures
def chromium_available() -> bool:
    """Whether Debian's chromium is installed (chart pictures need it)."""
    return Path(os.environ.get("BROWSER_PATH", CHROMIUM)).exists()


def picture_size(slide: ChartSlide) -> tuple[float, float]:
    """The chart's box on the slide in inches (wide when no table sits beside it)."""
    return (7.2, 4.3) if slide.table is not None else (10.6, 4.3)


@functools.cache
def _slide_template() -> dict:
    import plotly.io as pio

    return pio.templates["plotly_white"].to_plotly_json()


def for_slide(figure: go.Figure, width: int, height: int) -> dict:
    """The figure as kaleido draws it on a slide: plotly's white template, the slide's size, a white
    page. Built as the figure's dict with the layout changed (copying the figure object re-validated
    every property: 15 ms a chart, against 1 ms; the JSON is the same)."""
    spec = figure.to_dict()
    spec["layout"].update(template=_slide_template(), width=width, height=height, paper_bgcolor="white")
    return spec


#: Browser tabs drawing pictures. One: each tab costs about 1.5 CPU seconds to open (it loads plotly.js),
#: more than a second tab saves on the demo's 15 pictures (1.7 CPU seconds in all) on a busy 2-core
#: machine (benchmarks/pack.py at load 7-9: chromium 3.5-4.0 CPU s with one tab, 5.4-5.9 s with two).
PICTURE_TABS = 1


def _kaleido_without_reloads() -> type:
    """kaleido's renderer, less its page reload after every picture.

    kaleido 1.5 reloads its page after each picture, parsing plotly.js again: on the demo pack that was
    2.3 of chromium's 4.0 CPU seconds for 15 charts. Each picture is drawn on a fresh plot, and the
    pictures come out byte for byte the same without the reload (tests/test_pack.py checks), so a
    pack's pictures share one page per tab. If a later kaleido renames the hook, its reload simply
    stays (slower, not wrong)."""
    import kaleido  # imported here: the app starts without it; only drawing pictures needs it

    class Renderer(kaleido.Kaleido):
        async def _return_kaleido_tab(self, tab: object) -> None:
            await self.tabs_ready.put(tab)

    return Renderer


class PictureRenderer:
    """One headless chromium (through kaleido) for every chart of a pack, on its own thread and
    event loop, so it works whether or not the caller runs an event loop (Streamlit, the command
    line). The browser starts when the renderer is made, so it can start while the figures are
    being computed. A pack's charts are handed over at once and drawn ``PICTURE_TABS`` at a time,
    without reloading the page between them. Use as a context manager, or call ``close``."""

    def __init__(self, *, reload_between_pictures: bool = False) -> None:
        if not chromium_available():
            raise PackError(f"Chart pictures need chromium at {CHROMIUM} (Debian package 'chromium').")
        import kaleido

        os.environ.setdefault("BROWSER_PATH", CHROMIUM)
        kind = kaleido.Kaleido if reload_between_pictures else _kaleido_without_reloads()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="pack-pictures")
        self._thread.start()

        async def open_browser() -> object:
            # mathjax=False: nothing is fetched from a CDN; plotly.js comes from the installed plotly package.
            renderer = kind(n=PICTURE_TABS, mathjax=False, timeout=PICTURE_TIMEOUT_SECONDS)
            await renderer.open()
            return renderer

        self._browser = asyncio.run_coroutine_threadsafe(open_browser(), self._loop)

    def _submit(self, figure: go.Figure, width_inches: float, height_inches: float) -> Future:
        width, height = round(width_inches * PIXELS_PER_INCH), round(height_inches * PIXELS_PER_INCH)
        renderer = self._browser.result()
        job = renderer.calc_fig(for_slide(figure, width, height),
                                opts=dict(format="png", width=width, height=height, scale=PICTURE_SCALE))
        return asyncio.run_coroutine_threadsafe(job, self._loop)

    def picture(self, figure: go.Figure, width_inches: float, height_inches: float) -> bytes:
        """The figure as a PNG the size of its box on a slide (``PIXELS_PER_INCH``, ``PICTURE_SCALE``)."""
        return self._submit(figure, width_inches, height_inches).result()

    def draw(self, pack: Pack, progress: Callable[[int, int], None] = lambda done, total: None) -> None:
        """Draw every chart of ``pack`` (``ChartSlide.image``), calling ``progress(done, total)`` on the
        caller's thread. Every chart is handed to the browser first, so the browser is never idle
        waiting for the next."""
        drawn = [s for s in pack.charts if s.figure is not None]
        jobs = [self._submit(slide.figure, *picture_size(slide)) for slide in drawn]
        try:
            for done, (slide, job) in enumerate(zip(drawn, jobs, strict=True), start=1):
                slide.image = job.result()
                progress(done, len(drawn))
        finally:
            for job in jobs:
                job.cancel()

    def close(self) -> None:
        """Close the browser and stop the thread."""
        try:
            if self._browser.exception() is None:
                asyncio.run_coroutine_threadsafe(self._browser.result().close(), self._loop).result()
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._loop.close()

    def __enter__(self) -> PictureRenderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def draw_pictures(pack: Pack, progress: Callable[[int, int], None] = lambda done, total: None) -> None:
    """Draw every chart of ``pack`` with one browser (``PictureRenderer``)."""
    with PictureRenderer() as renderer:
        renderer.draw(pack, progress)


def write(pack: Pack, out: Path | str) -> Path:
    """Write the pack as .pptx or .pdf, by the file's extension."""
    path = Path(out)
    path.write_bytes(pack_bytes(pack, path.suffix))
    return path


# ------------------------------------------------------------------ command line
def resolve_district(data: Dataset, name_or_code: str) -> str:
    """A district given by code or name (any case) as its code; ``All`` and ``Not known`` as they are."""
    if name_or_code in (ALL, NOT_KNOWN):
        return name_or_code
    names = data.district_names
    if name_or_code in names:
        return name_or_code
    by_name = {name.casefold(): code for code, name in names.items()}
    if name_or_code.casefold() in by_name:
        return by_name[name_or_code.casefold()]
    raise PackError(f"No district {name_or_code!r}: choose one of {', '.join(names.values())} (or its code).")


def stored_targets(data: Dataset) -> dict | None:
    """The indicator targets stored for the data (``store.Store.indicator_targets``), or None."""
    from analysis import store

    return store.Store.open().indicator_targets(store.data_key(data))


def load_data(source: str | None) -> tuple[Dataset, str]:
    """The data set (and its district boundaries) the app would show, or the one asked for."""
    from analysis import dataset, store

    saved = store.Store.open()
    chosen = source or saved.preferred_source()
    if chosen == store.SAVED:
        data = store.load_dataset(saved)
        path = saved.boundaries_path()
        return data, str(path) if path is not None else str(DEMO_BOUNDARIES)
    return dataset.load_demo(), str(DEMO_BOUNDARIES)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis.pack", description=__doc__.splitlines()[0])
    parser.add_argument("--year", help="financial year, e.g. 2024/25 (default: the latest in the data)")
    parser.add_argument("--compare", help="comparison year (default: the year before)")
    parser.add_argument("--service", default=ALL, choices=[ALL, YOUNG_PEOPLE, ADULTS])
    parser.add_argument("--age-band", default=ALL, choices=[ALL, *AGE_BAND_LABELS])
    parser.add_argument("--sex", default=ALL, choices=[ALL, "Male", "Female"])
    parser.add_argument("--district", default=ALL, help="district name or code (default: all)")
    parser.add_argument("--source", choices=["demo", "saved"], help="default: the data the app would show")
    parser.add_argument("--sections", default=",".join(DEFAULT_SECTIONS),
                        help=f"comma-separated, from: {', '.join(SECTIONS)} (default: all but spc and c19)")
    parser.add_argument("--partnership", help="name on the title slide")
    parser.add_argument("--out", required=True, help="FILE.pptx or FILE.pdf")
    return parser


def years_of(data: Dataset, year: str | None, compare: str | None) -> tuple[FinancialYear, FinancialYear]:
    """The year and comparison year asked for, checked against the data (defaults: latest, the year before)."""
    offered = data.years
    if not offered:
        raise PackError("The data hold no complete financial year.")
    labels = [fy.label for fy in offered]
    fy = FinancialYear.from_label(year) if year else offered[-1]
    if fy.label not in labels:
        raise PackError(f"No year {fy.label} in the data: choose one of {', '.join(labels)}.")
    earlier = [y for y in offered if y.label < fy.label]
    comparison = FinancialYear.from_label(compare) if compare else (earlier[-1] if earlier else fy)
    if comparison.label not in labels or (earlier and comparison.label >= fy.label):
        raise PackError(f"The comparison year must be an earlier year in the data ({', '.join(labels)}).")
    return fy, comparison


def main(argv: Sequence[str] | None = None) -> int:
    """Make a pack from the command line; prints where it was written."""
    args = _parser().parse_args(argv)
    try:
        sections = [s.strip() for s in args.sections.split(",") if s.strip()]
        unknown = [s for s in sections if s not in SECTIONS]
        if unknown:
            raise PackError(f"Unknown section(s) {', '.join(unknown)}: choose from {', '.join(SECTIONS)}.")
        if Path(args.out).suffix.lower() not in (".pptx", ".pdf"):
            raise PackError("--out must end in .pptx or .pdf.")
        # The browser starts first, so it starts while the data are loaded and the figures computed.
        renderer = PictureRenderer() if chromium_available() else None
        try:
            data, boundaries = load_data(args.source)
            fy, comparison = years_of(data, args.year, args.compare)
            filters = Filters(args.service, args.age_band, args.sex, resolve_district(data, args.district))
            if renderer is None:
                raise PackError(f"Chart pictures need chromium at {CHROMIUM} (Debian package 'chromium').")
            figures = compute_figures(data, fy, comparison, filters, sections, district_boundaries=boundaries,
                                      target_record=stored_targets(data))
            pack = build_pack(data, fy, comparison, filters, figures, partnership=args.partnership)
            renderer.draw(pack)
        finally:
            if renderer is not None:
                renderer.close()
        path = write(pack, args.out)
    except DashboardError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"Wrote {path} ({len(pack.slide_titles)} slides, {sum(c.image is not None for c in pack.charts)} charts).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
