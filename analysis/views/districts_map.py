"""Figures of the Districts and map page: rates by district, funnel plot, and counts by ward and postcode district."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis import board, districts, maps, profiles, stats, yoy
from analysis.dataset import DEMO_BOUNDARIES, DEMO_WARDS, Dataset
from analysis.filters import ALL, NOT_KNOWN, Filters
from analysis.periods import FinancialYear
from analysis.text import as_text

#: Figures resting on fewer people than this are flagged "interpret with care": ONS treats
#: rates built on fewer than 20 events as unreliable.
SMALL_NUMBER_CAUTION = 20
#: Label of the partnership row of the district table.
PARTNERSHIP = "Partnership"
CAUTION_NOTE = f"Fewer than {SMALL_NUMBER_CAUTION} people: interpret with care"
#: Funnel limits are drawn from half the smallest to 1.5 times the largest district population,
#: on this many points spaced evenly on a log scale (smooth at every width).
FUNNEL_RANGE = (0.5, 1.5)
FUNNEL_POINTS = 200

#: The district table: the comparisons first (this year's rate beside the comparison year's, the change,
#: and against the partnership), so they are on screen at 1280 px without scrolling; the counts,
#: populations and intervals they rest on follow.
DISTRICT_COLUMNS = [
    ("district", "District"), ("value", "Rate per 1,000 {year}"), ("previous_value", "Rate per 1,000 {comparison}"),
    ("change", "Change in rate"), ("significant", "Significant change"),
    ("compared_with_partnership", "Compared with partnership (95%)"),
    ("outside_998", "Compared with partnership (99.8%)"),
    ("lower", "Lower 95% CI"), ("upper", "Upper 95% CI"), ("count", "People {year}"),
    ("denominator", "Population {year}"), ("previous_count", "People {comparison}"),
]
FUNNEL_TABLE_COLUMNS = ("district", "count", "denominator", "value", "lower", "upper", "compared_with_partnership",
                        "outside_998")
AREA_COLUMNS = [
    ("name", "{area}"), ("count", "People {year}"), ("value", "% of people in treatment {year}"),
    ("previous_count", "People {comparison}"), ("change", "Change (% points)"),
    ("significant", "Significant change"), ("caution", "Note"),
]


@dataclass
class DistrictsMapFigures:
    """Suppressed frames, display tables (strings, ``*`` for hidden values), boundaries and sentences."""

    districts: pd.DataFrame
    partnership: pd.DataFrame
    funnel_limits: pd.DataFrame
    district_table: pd.DataFrame
    funnel_table: pd.DataFrame
    wards: pd.DataFrame
    ward_table: pd.DataFrame
    postcodes: pd.DataFrame
    postcode_table: pd.DataFrame
    district_geojson: dict[str, Any]
    ward_geojson: dict[str, Any]
    #: Sentence about the boundaries: none match the data's districts, or some districts lack one ("" if all have one).
    boundaries_note: str
    ages: str
    rate_summary: str
    change_summary: str
    funnel_summary: str
    not_known: str
    ward_summary: str
    postcode_summary: str
    #: Whose the partnership rate is: "5.7 per 1,000 aged 10-64: 2,935 of the 3,028 people in treatment".
    rate_whose: str = ""


def people_by_ward(
    data: Dataset, *, fy: FinancialYear, filters: Filters = Filters(), ward_codes: tuple[str, ...] = ()
) -> pd.DataFrame:
    """``districts.people_by_area`` by ``ward_code``, with a row of 0 for every ward in
    ``ward_codes`` where no one in the selection lives (so the map draws every ward)."""
    counts = districts.people_by_area(data, "ward_code", fy=fy, filters=filters)
    total = float(counts["count"].sum())
    seen = set(counts["area"])
    missing = [code for code in ward_codes if code not in seen]
    zeros = pd.DataFrame({"area": missing, "count": 0, "denominator": total})
    out = pd.concat([counts, zeros], ignore_index=True) if missing else counts.copy()
    out = out.sort_values("area", key=lambda s: s.map(lambda a: (a == NOT_KNOWN, a))).reset_index(drop=True)
    out["denominator"] = total
    out.attrs.update(counts.attrs)
    return out


def _judge_against_partnership(frame: pd.DataFrame, baseline: float) -> pd.DataFrame:
    """Funnel judgement of each shown district at 95% and 99.8% (``stats.funnel_significance``)."""
    out = frame.copy()
    out["compared_with_partnership"] = pd.Series(None, index=out.index, dtype=object)
    out["outside_998"] = pd.Series(None, index=out.index, dtype=object)
    usable = out["value"].notna() & (out["denominator"] > 0) & out["district_code"].ne(NOT_KNOWN)
    if np.isnan(baseline) or not usable.any():
        return out
    limits = stats.funnel_limits_rate(baseline, out.loc[usable, "denominator"])
    for level, column in (("95", "compared_with_partnership"), ("998", "outside_998")):
        labels = stats.funnel_significance(out.loc[usable, "value"], limits[f"lower_{level}"], limits[f"upper_{level}"])
        out.loc[usable, column] = labels.astype(object).to_numpy()
    return out


def funnel_limits(baseline: float, populations: pd.Series) -> pd.DataFrame:
    """The 95% and 99.8% limits around ``baseline`` (``stats.funnel_limits_rate``) on a log-spaced
    range of populations covering every district (``FUNNEL_RANGE``), with a ``population`` column."""
    populations = populations.dropna()
    populations = populations[populations > 0]
    if np.isnan(baseline) or populations.empty:
        return pd.DataFrame(columns=["population", *stats.FUNNEL_COLUMNS])
    grid = np.geomspace(populations.min() * FUNNEL_RANGE[0], populations.max() * FUNNEL_RANGE[1], FUNNEL_POINTS)
    limits = stats.funnel_limits_rate(baseline, grid)
    limits.insert(0, "population", grid)
    return limits.reset_index(drop=True)


def _versus(value: float, judgement: object) -> str:
    return {stats.SIGNIFICANTLY_HIGHER: "significantly higher than", stats.SIGNIFICANTLY_LOWER:
            "significantly lower than"}.get(str(judgement), "not significantly different from")


def rate_sentence(frame: pd.DataFrame, partnership: pd.Series, ages: str, fy: FinancialYear) -> str:
    """e.g. "Oxford had the highest rate in 2024/25: 7.2 per 1,000 aged 18-64 (95% CI 6.8 to 7.7),
    significantly higher than the partnership's 5.1. West Oxfordshire had the lowest: ..."
    Only districts whose rate is shown are named; the judgement is the funnel's at 95%."""
    shown = frame[frame["value"].notna() & frame["district_code"].ne(NOT_KNOWN)]
    if shown.empty:
        return f"No district rate can be shown for {fy.label} (no population, or fewer than 5 people)."
    base = partnership["value"]
    base_text = "the partnership's (not shown)" if pd.isna(base) else f"the partnership's {base:,.1f}"

    def describe(row: pd.Series) -> str:
        return (f"{row['value']:,.1f} per 1,000 {ages} (95% CI {row['lower']:,.1f} to {row['upper']:,.1f}), "
                f"{_versus(row['value'], row['compared_with_partnership'])} {base_text}")

    high = shown.loc[shown["value"].idxmax()]
    sentence = f"{as_text(high['district'])} had the highest rate in {fy.label}: {describe(high)}."
    if len(shown) > 1:
        low = shown.loc[shown["value"].idxmin()]
        sentence += f" {as_text(low['district'])} had the lowest: {describe(low)}."
    return sentence


def change_rate_sentence(frame: pd.DataFrame, partnership: pd.Series, fy: FinancialYear,
                         comparison: FinancialYear) -> str:
    """Which districts' rates changed significantly since the comparison year, and the partnership's."""
    rows = frame[~frame["change_suppressed"].astype(bool) & frame["district_code"].ne(NOT_KNOWN)]
    parts = []
    for direction, word in ((yoy.HIGHER, "rose"), (yoy.LOWER, "fell")):
        moved = rows[rows["direction"] == direction]
        if len(moved):
            names = ", ".join(f"{as_text(r['district'])} ({r['previous_value']:,.1f} to {r['value']:,.1f})" for _, r in moved.iterrows())
            parts.append(f"the rate {word} significantly in {names}")
    head = (f"Between {comparison.label} and {fy.label} " + "; ".join(parts) + "." if parts else
            f"No district's rate changed significantly between {comparison.label} and {fy.label}.")
    if partnership["change_suppressed"]:
        return head
    verdict = "a significant change" if partnership["significant"] else "not a significant change"
    return (f"{head} The partnership's went from {partnership['previous_value']:,.1f} to "
            f"{partnership['value']:,.1f} per 1,000 ({verdict}).")


def funnel_sentence(frame: pd.DataFrame, baseline: float) -> str:
    """Which districts lie beyond the funnel's 95% and 99.8% limits, and how many are not plotted."""
    rows = frame[frame["district_code"].ne(NOT_KNOWN)]
    hidden = int(rows["value"].isna().sum())
    if np.isnan(baseline):
        return "The partnership rate cannot be shown for this selection, so no funnel plot is drawn."
    shown = rows[rows["value"].notna()]
    parts = []
    for judgement, word in ((stats.SIGNIFICANTLY_HIGHER, "above"), (stats.SIGNIFICANTLY_LOWER, "below")):
        for column, level in (("outside_998", "99.8%"), ("compared_with_partnership", "95%")):
            names = shown.loc[shown[column] == judgement, "district"]
            if column == "compared_with_partnership":
                names = names[~names.isin(shown.loc[shown["outside_998"] == judgement, "district"])]
            if len(names):
                parts.append(f"{_and([as_text(n) for n in names])} {'is' if len(names) == 1 else 'are'} {word} the {level} limit")
    inside = int((shown["compared_with_partnership"] == stats.NOT_SIGNIFICANTLY_DIFFERENT).sum())
    text = f"Against the partnership rate of {baseline:,.1f} per 1,000: " + ("; ".join(parts) + "; " if parts else "")
    text += f"{inside} district{'s are' if inside != 1 else ' is'} within the 95% limits."
    if hidden:
        text += (f" {hidden} district{'s are' if hidden != 1 else ' is'} not plotted because "
                 "the figures rest on fewer than 5 people.")
    return text


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def not_known_sentence(frame: pd.DataFrame, partnership: pd.Series, ages: str, fy: FinancialYear) -> str:
    """How many people in treatment (in the rate's ages) have no known district, and their share of
    the partnership's people. Built from the same suppressed figures as the district table (its
    "Not known" and "Partnership" rows), so the sentence hides what the table hides and shows what
    it shows."""
    row = frame[frame["district_code"] == NOT_KNOWN].iloc[0]
    if row["suppressed"] or pd.isna(row["count"]):
        return (f"The number of people in treatment {ages} in {fy.label} whose district is not known is not "
                "shown (it rests on, or would reveal, fewer than 5 people). They are counted in the partnership total.")
    total = partnership.get("count")
    if not partnership.get("suppressed", False) and pd.notna(total) and float(total) == 0:
        return f"No people in treatment in {fy.label} fall in the rate's age group ({ages}), so no district figure is given."
    if row["count"] == 0:
        return f"No people in treatment {ages} in {fy.label} have an unknown district."
    share = ("" if partnership.get("suppressed", False) or pd.isna(total) else
             f" ({row['count'] / float(total) * 100:.1f}% of {float(total):,.0f})")
    return (f"{row['count']:,.0f} people in treatment {ages} in {fy.label}{share} have "
            "no known district: they are counted in the partnership rate but in no district's rate.")


def area_sentence(frame: pd.DataFrame, area: str, fy: FinancialYear, plural: str = "areas") -> str:
    """The area with the most people, and a caution when the figures shown rest on small numbers."""
    shown = frame[~frame["suppressed"].astype(bool) & frame["area"].ne(NOT_KNOWN) & (frame["count"] > 0)]
    if shown.empty:
        return f"No {area} figure can be shown for {fy.label} (no records, or fewer than 5 people in each)."
    top = shown.loc[shown["count"].idxmax()]
    text = (f"Most people in treatment in {fy.label} lived in {as_text(top['name'])} ({top['count']:,.0f} people, "
            f"{top['value']:.1f}% of people in treatment).")
    small = int((shown["count"] < SMALL_NUMBER_CAUTION).sum())
    if top["count"] < SMALL_NUMBER_CAUTION:
        text += f" Even the highest figure rests on fewer than {SMALL_NUMBER_CAUTION} people: interpret with care."
    if small:
        text += (f" {small} of the {len(shown)} {plural} shown have fewer than {SMALL_NUMBER_CAUTION} people, "
                 "so their shares and changes can swing widely from year to year.")
    return text + f" No population is held by {area}, so these are counts, not rates."


def _area_frame(frame: pd.DataFrame, names: dict[str, str], district_of: dict[str, str]) -> pd.DataFrame:
    out = frame.copy()
    out["name"] = out["area"].map(lambda a: names.get(a, a))
    out["district"] = out["area"].map(lambda a: district_of.get(a, ""))
    small = ~out["suppressed"].astype(bool) & out["count"].between(1, SMALL_NUMBER_CAUTION - 1)
    out["caution"] = np.where(small, CAUTION_NOTE, "")
    out.attrs.update(frame.attrs)
    return out


def districts_map(
    data: Dataset, fy: FinancialYear, comparison: FinancialYear, filters: Filters, *,
    district_boundaries: str | None = str(DEMO_BOUNDARIES), ward_boundaries: str | None = str(DEMO_WARDS),
) -> DistrictsMapFigures:
    """Every figure of the Districts and map page for the selection, all suppressed for a board.

    Districts: people in treatment per 1,000 population of the service's ages
    (``districts.people_by_district``, every district whatever the district filter) beside the
    comparison year, judged against the partnership rate (``districts.partnership_rate`` of all
    districts) with funnel limits (``stats.funnel_limits_rate``, ``stats.funnel_significance``).
    Wards and postcode districts: counts of people in the selection (``districts.people_by_area``).
    Boundaries (GeoJSON paths, ``district_code`` / ``ward_code``, ``ward_name``, ``district_code``
    properties) default to the bundled Oxfordshire files; wards of other districts are left out.
    ``None`` means there are no boundaries for this data (no map is drawn, and ``boundaries_note``
    says so: another area's map is never drawn); the tables and the funnel plot need none.
    """
    every = Filters(filters.service, filters.age_band, filters.sex, ALL)
    ages = districts.age_range_label(filters)
    district_geojson = maps.NO_BOUNDARIES if district_boundaries is None else maps.load_boundaries(district_boundaries)
    ward_geojson = maps.NO_BOUNDARIES if ward_boundaries is None else maps.load_boundaries(ward_boundaries)
    partnership = board.suppress_comparison(yoy.compare_years(districts.partnership_rate, fy, comparison, data,
                                                              filters=every))
    everyone = board.suppress_comparison(yoy.compare_years(profiles.people_in_treatment, fy, comparison, data,
                                                           filters=every))
    baseline = float(partnership["value"].iloc[0])
    by_district = board.suppress_comparison(yoy.compare_years(districts.people_by_district, fy, comparison, data,
                                                              filters=every))
    by_district = _judge_against_partnership(by_district, baseline)
    with_total = pd.concat([by_district, partnership.assign(district_code=PARTNERSHIP, district=PARTNERSHIP)],
                           ignore_index=True)
    with_total.attrs.update(by_district.attrs)
    table = board.display_table(with_total, DISTRICT_COLUMNS, year_label=fy.label, comparison_label=comparison.label)

    ward_names = maps.boundary_names(ward_geojson, "ward_code", "ward_name")
    ward_district = maps.boundary_names(ward_geojson, "ward_code", "district_name")
    ward_district_code = maps.boundary_names(ward_geojson, "ward_code", "district_code")
    partnership_districts = data.district_names
    in_scope = tuple(code for code in ward_names if ward_district_code[code] in partnership_districts
                     and filters.district in (ALL, ward_district_code[code]))
    wards = board.suppress_comparison(yoy.compare_years(people_by_ward, fy, comparison, data, filters=filters,
                                                        ward_codes=in_scope))
    wards = _area_frame(wards, ward_names, ward_district)
    postcodes = board.suppress_comparison(yoy.compare_years(districts.people_by_area, fy, comparison, data,
                                                            "postcode_district", filters=filters))
    postcodes = _area_frame(postcodes, {}, {})
    labels = dict(year_label=fy.label, comparison_label=comparison.label)
    return DistrictsMapFigures(
        districts=by_district,
        partnership=partnership,
        funnel_limits=funnel_limits(baseline, by_district["denominator"]),
        district_table=table,
        funnel_table=table[[h.format(year=fy.label) for c, h in DISTRICT_COLUMNS if c in FUNNEL_TABLE_COLUMNS]],
        wards=wards,
        ward_table=board.display_table(wards, _area_columns("Ward", with_district=True), **labels),
        postcodes=postcodes,
        postcode_table=board.display_table(postcodes, _area_columns("Postcode district"), **labels),
        district_geojson=district_geojson,
        ward_geojson=ward_geojson,
        boundaries_note=boundaries_sentence(district_geojson, data.district_names),
        ages=ages,
        rate_summary=rate_sentence(by_district, partnership.iloc[0], ages, fy),
        change_summary=change_rate_sentence(by_district, partnership.iloc[0], fy, comparison),
        funnel_summary=funnel_sentence(by_district, baseline),
        not_known=not_known_sentence(by_district, partnership.iloc[0], ages, fy),
        ward_summary=area_sentence(wards, "ward", fy, "wards"),
        postcode_summary=area_sentence(postcodes, "postcode district", fy, "postcode districts"),
        rate_whose=districts.whose_rate(partnership.iloc[0], everyone.iloc[0], every),
    )


def boundaries_sentence(geojson: dict[str, Any], names: dict[str, str]) -> str:
    """Whether the district boundaries fit the data's districts: none match (no map is drawn), some
    districts have none (they are left off the map but stay in the tables), or "" when all have one."""
    codes = {str(f["properties"].get("district_code")) for f in geojson.get("features", [])}
    missing = [name for code, name in names.items() if code not in codes]
    if len(missing) == len(names):
        return ("No district boundaries match this data set's districts, so no map is drawn (the map of "
                "another area is never shown). The tables and the funnel plot below use the data alone.")
    if missing:
        return f"No boundary for {_and([as_text(m) for m in missing])}: left off the map, but in the tables and the funnel plot."
    return ""


def _area_columns(area: str, *, with_district: bool = False) -> list[tuple[str, str]]:
    columns = [(c, h.replace("{area}", area)) for c, h in AREA_COLUMNS]
    return columns[:1] + [("district", "District")] + columns[1:] if with_district else columns
