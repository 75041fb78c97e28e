"""Benchmark of the product's own code paths from partnership (demo) to national scale.

Run from the repository root (one command; ``--help`` for options)::

    python -m benchmarks.national                       # demo, 10%, 30% and 100% national, 5 runs each
    python -m benchmarks.national --scales demo,0.01 --repeats 1     # quick

For each size, a child process (so peak memory is per size) does, with the product's code:

1. data: the national-scale synthetic data (``benchmarks.national_data``) -- or the demo files --
   read through ``analysis.loaders.load_table`` and saved through ``analysis.store.Store`` (a
   separate process, so generating does not count towards memory); reused when already saved;
2. cold start: ``analysis.store.load_dataset`` (read the store, prepare once) to the Overview's
   figures (``analysis.views.overview.overview``) ready;
3. every page's model (``analysis/views/*.py``, the one function each page calls through
   ``ui.state.compute``) after a filter change of year, district and sex: *cold* (the page cache
   ``st.cache_data`` cleared, so computed) and *warm* (the same call again through
   ``ui.state.compute``: a cache hit, which unpickles the stored figures, as the app does);
4. the choropleth of every district (``analysis.maps.load_boundaries`` once, then ``district_map``);
5. the core aggregation -- people in treatment by district and sex for one year with the rate per
   1,000 -- by ``analysis.districts.people_by_district`` against one DuckDB SQL query over the same
   in-memory data (the lower bound; results are checked equal);
6. peak resident memory of the process (``resource.getrusage``): of the whole run, of the product
   (``peak_rss_product_bytes``: every step above, before the DuckDB reference queries run) and the
   peak so far after each stage (``peak_rss_by_stage_bytes``), to show which stage raises it;
7. for the demo only: each page's full server-side run in Streamlit's ``AppTest``;
8. with ``--save``: a save from the files as the Data page does it (``measure_save``), in a process of its own,
   with its time and peak memory (``save_s``, ``save_peak_rss_bytes``; on Linux each file's peak and the save's
   own, ``save_read_peak_bytes`` and ``save_store_peak_bytes``).

Every timing is the median of ``--repeats`` runs. Prints a table and one JSON line (``BENCHMARK {...}``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_SCALES = "demo,0.1,0.3,1"
DEFAULT_WORKDIR = Path(os.environ.get("TMPDIR", "/tmp")) / "daat-benchmark"
JSON_PREFIX = "BENCHMARK "
#: Targets of issue 6 (seconds, bytes, ratio).
TARGET_WARM_S, TARGET_COLD_START_S, TARGET_RSS_BYTES, TARGET_DUCKDB_RATIO = 0.3, 5.0, 2 * 1024**3, 2.0
TARGET_APPTEST_S = 0.15
#: Issue 12's target for the product's peak memory at national scale (before the DuckDB reference runs).
TARGET_PRODUCT_RSS_BYTES = 1.5 * 1024**3
PAGES = ("overview", "people", "substances", "referrals", "treatment_exits", "districts_map")
APP_PAGES = ("overview", "people", "substances", "referrals", "treatment_exits", "districts_map", "data",
             "data_quality", "about")
GEOGRAPHY = ROOT / "data" / "geo" / "england_lad_2013.geojson"
DEMO_GEOGRAPHY = ROOT / "data" / "geo" / "oxfordshire_districts.geojson"


def _median_time(function: Callable[[], Any], repeats: int, before: Callable[[], None] | None = None) -> float:
    """Median wall time (seconds) of ``function`` over ``repeats`` runs (``before`` untimed each run)."""
    times = []
    for _ in range(repeats):
        if before is not None:
            before()
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# ---------------------------------------------------------------- data through the store
def prepare_store(scale: str, workdir: Path) -> Path:
    """The store folder holding the data of ``scale`` (generated and saved once, then reused)."""
    from analysis.loaders import load_table
    from analysis.store import REPLACE, Store, Upload

    root = workdir / f"store-{scale}"
    if Store.open(root).current() is not None:
        return root
    if scale == "demo":
        folder = ROOT / "data" / "demo"
    else:
        from benchmarks.national_data import write_national

        folder = workdir / f"raw-{scale}"
        write_national(folder, float(scale))
    uploads = []
    for name in ("episodes", "substances", "referrals", "interventions", "districts", "population", "prevalence"):
        path = folder / f"{name}.parquet"
        if path.exists():
            uploads.append(Upload(load_table(path, name, max_bytes=2**40), mode=REPLACE))
    Store.open(root).save(uploads, saved_by="benchmark")
    return root


def _peak_rss_since_reset() -> int | None:
    """The process's peak resident memory (bytes) since the last :func:`_reset_peak_rss` (Linux: ``VmHWM``);
    None where ``/proc`` does not give it."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _reset_peak_rss() -> bool:
    """Start a new peak (Linux: ``/proc/self/clear_refs``); False where that cannot be done."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def measure_save(scale: str, workdir: Path) -> dict[str, Any]:
    """A save as the Data page does it, in this process: every file of ``scale`` read through
    ``analysis.loaders.load_table`` (the uploads, held until saved), then ``Store.save`` into a new store
    (checks, links, the prepared episodes and the fact table). Its time and peak resident memory, and where
    the system lets each step's peak be measured (Linux), the peak while reading each file
    (``save_read_peak_bytes``, by table) and while saving (``save_store_peak_bytes``)."""
    import shutil
    import tempfile

    from analysis.loaders import load_table
    from analysis.store import REPLACE, Store, Upload

    warnings.simplefilter("ignore")
    folder = ROOT / "data" / "demo" if scale == "demo" else workdir / f"raw-{scale}"
    target = Path(tempfile.mkdtemp(prefix="save-", dir=workdir))
    steps: dict[str, int] = {}
    highest = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    def step_peak(name: str) -> None:  # the peak of the step just done; a new peak started for the next
        nonlocal highest
        peak = _peak_rss_since_reset()
        if peak is not None:
            steps[name] = peak
            highest = max(highest, peak)
        _reset_peak_rss()

    try:
        per_step = _reset_peak_rss() and _peak_rss_since_reset() is not None
        start = time.perf_counter()
        uploads = []
        for name in ("episodes", "substances", "referrals", "interventions", "districts", "population", "prevalence"):
            if (folder / f"{name}.parquet").exists():
                uploads.append(Upload(load_table(folder / f"{name}.parquet", name, max_bytes=2**40), mode=REPLACE))
                step_peak(name)
        read = time.perf_counter() - start
        peak_read = highest if per_step else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        Store.open(target).save(uploads, saved_by="benchmark")
        step_peak("save")
        result = {"save_read_s": read, "save_s": time.perf_counter() - start,
                  "save_peak_rss_after_read_bytes": peak_read,
                  "save_peak_rss_bytes": max(highest, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)}
        if per_step:
            result["save_read_peak_bytes"] = {k: v for k, v in steps.items() if k != "save"}
            result["save_store_peak_bytes"] = steps["save"]
        return result
    finally:
        shutil.rmtree(target, ignore_errors=True)


# ---------------------------------------------------------------- measurements
def overview_page(data: Any, fy: Any, comparison: Any, filters: Any) -> Any:
    """What the Overview computes on arrival: its figures and the trend of the first indicator."""
    from analysis.indicators import INDICATORS
    from analysis.views.overview import overview, overview_trend

    return overview(data, fy, comparison, filters), overview_trend(data, INDICATORS[0].id, filters)


def _views() -> dict[str, Callable[..., Any]]:
    import importlib

    views = {page: getattr(importlib.import_module(f"analysis.views.{page}"), page) for page in PAGES}
    views["overview"] = overview_page
    return views


def _duckdb_core(episodes: Any, population: Any, fy: Any, sexes: tuple[str, ...], ages: tuple[int, int]) -> Any:
    """A DuckDB connection and query computing people in treatment by district and sex in ``fy``
    (latest episode among the year's episodes; ages ``ages`` at triage) with the rate per 1,000."""
    import duckdb
    import pyarrow as pa

    con = duckdb.connect()
    con.execute(f"SET threads={os.cpu_count() or 1}")
    ep = pa.table({
        "client_id": pa.array(episodes["client_id"].astype(str).to_numpy()),
        "episode_id": pa.array(episodes["episode_id"].astype(str).to_numpy()),
        "triage_date": pa.array(episodes["triage_date"].to_numpy()),
        "episode_end": pa.array(episodes["episode_end"].to_numpy()),
        "district": pa.array(episodes["district"].astype(str).to_numpy()),
        "sex_group": pa.array(episodes["sex_group"].astype(str).to_numpy()),
        "age": pa.array(episodes["age_at_triage"].to_numpy(dtype="float64", na_value=-1)),
    })
    pop = pa.table({
        "district_code": pa.array(population["district_code"].astype(str).to_numpy()),
        "year": pa.array(population["year"].to_numpy(dtype="int64")),
        "sex_group": pa.array(population["sex_group"].astype(str).to_numpy()),
        "age": pa.array(population["age"].to_numpy(dtype="int64")),
        "population": pa.array(population["population"].to_numpy(dtype="float64")),
    })
    con.register("ep", ep)
    con.register("pop", pop)
    sex_list = ", ".join(f"'{s}'" for s in sexes)
    query = f"""
        WITH latest AS (
            SELECT district, sex_group, age FROM ep
            WHERE triage_date <= DATE '{fy.end:%Y-%m-%d}' AND episode_end >= DATE '{fy.start:%Y-%m-%d}'
            QUALIFY row_number() OVER (PARTITION BY client_id ORDER BY triage_date DESC, episode_id DESC) = 1
        ), counted AS (
            SELECT district, sex_group, count(*) AS people FROM latest
            WHERE sex_group IN ({sex_list}) AND age BETWEEN {ages[0]} AND {ages[1]}
            GROUP BY ALL
        ), denominators AS (
            SELECT district_code, sex_group, sum(population) AS population FROM pop
            WHERE year = {fy.start_year} AND age BETWEEN {ages[0]} AND {ages[1]} AND sex_group IN ({sex_list})
            GROUP BY ALL
        )
        SELECT c.district, c.sex_group, c.people, d.population, c.people / d.population * 1000 AS rate
        FROM counted c LEFT JOIN denominators d ON c.district = d.district_code AND c.sex_group = d.sex_group
    """
    return con, query


#: The Overview's figures the person-year fact table gives, in the order of ``_duckdb_overview``'s columns.
OVERVIEW_FIGURES = ("people_in_treatment", "snapshot", "new_presentations", "planned_exits", "exits_less_transfers",
                    "retained_12_weeks", "retention_started", "rate_people", "rate_population")


def _duckdb_overview(episodes: Any, population: Any, district_codes: list[str], years: list[Any]) -> Any:
    """A DuckDB connection and one query giving, for every year in ``years`` and all people, the
    Overview's figures the fact table gives (``OVERVIEW_FIGURES``), written from the GLOSSARY
    definitions over the episodes (the lower bound: no Python, every core)."""
    import duckdb
    import pyarrow as pa

    con = duckdb.connect()
    con.execute(f"SET threads={os.cpu_count() or 1}")
    ep = pa.table({
        "client_id": pa.array(episodes["client_id"].astype(str).to_numpy()),
        "episode_id": pa.array(episodes["episode_id"].astype(str).to_numpy()),
        "triage": pa.array(episodes["triage_date"].to_numpy()),
        "discharge": pa.array(episodes["discharge_date"].to_numpy()),
        "reason_group": pa.array(episodes["discharge_reason_group"].astype(str).to_numpy()),
        "age": pa.array(episodes["age_at_triage"].to_numpy(dtype="float64", na_value=-1)),
    })
    pop = pa.table({
        "district_code": pa.array(population["district_code"].astype(str).to_numpy()),
        "year": pa.array(population["year"].to_numpy(dtype="int64")),
        "age": pa.array(population["age"].to_numpy(dtype="int64")),
        "population": pa.array(population["population"].to_numpy(dtype="float64")),
    })
    fys = pa.table({"y": pa.array([fy.start_year for fy in years], pa.int64()),
                    "s": pa.array([fy.start.date() for fy in years]), "e": pa.array([fy.end.date() for fy in years])})
    con.register("ep0", ep)
    con.register("pop", pop)
    con.register("fys", fys)
    con.register("codes", pa.table({"district_code": pa.array(district_codes)}))
    query = """
        WITH ep AS (
            SELECT *, coalesce(discharge, DATE '2262-01-01') AS finish,
                   max(coalesce(discharge, DATE '2262-01-01')) OVER (PARTITION BY client_id ORDER BY triage, episode_id
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS previous_cover
            FROM ep0
        ), active AS (
            SELECT y, client_id, age FROM fys JOIN ep ON triage <= e AND finish >= s
            QUALIFY row_number() OVER (PARTITION BY y, client_id ORDER BY triage DESC, episode_id DESC) = 1
        ), counted AS (
            SELECT y, count(*) AS people, count(*) FILTER (WHERE age BETWEEN 10 AND 64) AS rate_people
            FROM active GROUP BY y
        ), snap AS (
            SELECT y, count(DISTINCT client_id) AS snapshot FROM fys JOIN ep ON triage <= e AND finish > e GROUP BY y
        ), first_triage AS (
            SELECT y, triage, previous_cover FROM fys JOIN ep ON triage BETWEEN s AND e
            QUALIFY row_number() OVER (PARTITION BY y, client_id ORDER BY triage, episode_id) = 1
        ), new AS (
            SELECT y, count(*) FILTER (WHERE previous_cover IS NULL OR previous_cover < triage - INTERVAL 12 MONTH) AS new
            FROM first_triage GROUP BY y
        ), last_exit AS (
            SELECT y, reason_group FROM fys JOIN ep ON discharge BETWEEN s AND e
            QUALIFY row_number() OVER (PARTITION BY y, client_id ORDER BY discharge DESC, episode_id DESC) = 1
        ), exits AS (
            SELECT y, count(*) FILTER (WHERE reason_group = 'Planned') AS planned,
                   count(*) FILTER (WHERE reason_group <> 'Transferred') AS exits_less_transfers
            FROM last_exit GROUP BY y
        ), started AS (
            SELECT y, CASE WHEN finish > e THEN 84 ELSE date_diff('day', triage, finish) END AS days
            FROM fys JOIN ep ON triage BETWEEN s AND e - INTERVAL 84 DAY
            QUALIFY row_number() OVER (PARTITION BY y, client_id ORDER BY triage, episode_id) = 1
        ), retention AS (
            SELECT y, count(*) FILTER (WHERE days >= 84) AS retained, count(*) AS started FROM started GROUP BY y
        ), denominators AS (
            SELECT year AS y, sum(population) AS population FROM pop
            WHERE age BETWEEN 10 AND 64 AND district_code IN (SELECT district_code FROM codes) GROUP BY year
        )
        SELECT fys.y, coalesce(people, 0), coalesce(snapshot, 0), coalesce(new, 0), coalesce(planned, 0),
               coalesce(exits_less_transfers, 0), coalesce(retained, 0), coalesce(started, 0),
               coalesce(rate_people, 0), population
        FROM fys LEFT JOIN counted USING (y) LEFT JOIN snap USING (y) LEFT JOIN new USING (y)
        LEFT JOIN exits USING (y) LEFT JOIN retention USING (y) LEFT JOIN denominators USING (y)
        ORDER BY fys.y
    """
    return con, query


def _overview_figures(data: Any, years: list[Any]) -> list[tuple[Any, ...]]:
    """The same figures through the product's measures (``analysis.profiles`` / ``analysis.districts``,
    which read the person-year fact table), one row per year."""
    from analysis import districts, profiles
    from analysis.filters import Filters

    rows = []
    for fy in years:
        def part(function: Callable[..., Any], column: str = "count", fy: Any = fy) -> Any:
            return function(data, fy=fy, filters=Filters())[column].iloc[0]
        rows.append((fy.start_year, part(profiles.people_in_treatment), part(profiles.in_treatment_on_31_march),
                     part(profiles.new_presentations), part(profiles.successful_completion_rate),
                     part(profiles.successful_completion_rate, "denominator"), part(profiles.retention_12_weeks),
                     part(profiles.retention_12_weeks, "denominator"), part(districts.partnership_rate),
                     part(districts.partnership_rate, "denominator")))
    return rows


def people_count(episodes: Any) -> int:
    """Distinct people among the prepared episodes: their distinct ``person`` codes (one per client id,
    ``cohorts.prepare_episodes``). Until 1 Dec 2026 this hashed every text ``client_id`` (3 million at
    national scale), which raised the process's peak by about 0.25 GB during the benchmark's own
    bookkeeping, counted as the pages' (issue 12)."""
    import numpy as np

    person = episodes["person"].to_numpy()
    person = person[person >= 0]
    return int(np.count_nonzero(np.bincount(person))) if len(person) else 0


def busiest_district(episodes: Any, codes: list[str]) -> str:
    """The partnership's district (of ``codes``) with the most episodes, counted on the episodes' district
    categories (until 1 Dec 2026 on a text copy of the column: about 0.19 GB at national scale, counted as
    the pages' peak)."""
    counts = episodes["district"].value_counts(sort=False)
    counts = counts[counts.index.astype(str).isin(codes)]
    return str(counts.sort_values(ascending=False, kind="stable").index[0])


def measure_scale(scale: str, workdir: Path, repeats: int, apptest: bool) -> dict[str, Any]:
    """Every measurement for one size, in this process (see the module docstring)."""
    warnings.simplefilter("ignore")
    root = prepare_store(scale, workdir)  # already saved by the parent's separate process
    import streamlit as st  # noqa: F401  (ui.state caches with st.cache_data, outside a server here)

    from analysis import districts, maps
    from analysis.filters import Filters
    from analysis.store import Store, load_dataset
    from ui import state

    result: dict[str, Any] = {"scale": scale}
    store = Store.open(root)
    stages: dict[str, int] = {}
    result["peak_rss_by_stage_bytes"] = stages  # the process's peak so far, after each stage

    def stage(name: str) -> None:
        stages[name] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    stage("imports")

    def cold_start() -> None:
        data = load_dataset(store)
        overview_page(data, data.years[-1], data.years[-2], Filters())

    result["cold_start_s"] = _median_time(cold_start, repeats)
    stage("cold_start")
    data = load_dataset(store)
    # As in the app, the table is built beside the data it is built from and no other copy of it: on a save, from
    # the tables being saved (the loaded version is given back first, ui.state.forget_saved_data), or on first use
    # of a version saved without one. (Until 1 Dec 2026 this built a second table beside the loaded one.)
    def build() -> None:  # as Dataset.person_year builds it (with the saved substance links: OCU by row)
        data.facts = None
        data.person_year()

    result["fact_table_build_s"] = _median_time(build, repeats, before=lambda: setattr(data, "facts", None))
    stage("fact_table_build")
    result["fact_table_rows"] = int(len(data.person_year()))
    result["fact_table_bytes"] = int(data.person_year().memory_usage(deep=True).sum())
    result["episodes"] = int(len(data.episodes))
    result["people"] = people_count(data.episodes)
    result["districts"] = int(len(data.districts))
    years = data.years
    fy, comparison = years[-1], years[-2]
    busiest = busiest_district(data.episodes, list(data.district_names))
    changes = {
        "year": (years[-2], years[-3], Filters()),
        "district": (fy, comparison, Filters(district=busiest)),
        "sex": (fy, comparison, Filters(sex="Female")),
    }
    pages: dict[str, dict[str, float]] = {}
    for page, view in _views().items():
        row = {}
        for change, (year, compared, filters) in changes.items():
            row[f"{change}_cold_s"] = _median_time(lambda v=view, y=year, c=compared, f=filters:
                                                   state.compute(v, data, y, c, f), repeats,
                                                   before=lambda: (state._cached.clear(), data.memo.clear()))
            state.compute(view, data, year, compared, filters)
            row[f"{change}_warm_s"] = _median_time(lambda v=view, y=year, c=compared, f=filters:
                                                   state.compute(v, data, y, c, f), repeats)
        pages[page] = row
    result["pages"] = pages
    stage("pages")

    geography = DEMO_GEOGRAPHY if scale == "demo" else GEOGRAPHY
    start = time.perf_counter()
    maps.load_boundaries.cache_clear()
    geojson = maps.load_boundaries(geography)
    result["boundaries_load_s"] = time.perf_counter() - start
    frame = state.compute(_views()["districts_map"], data, fy, comparison, Filters()).districts
    result["choropleth_s"] = _median_time(lambda: maps.district_map(frame, geojson, title="rate"), repeats)
    result["choropleth_areas"] = int(len(geojson["features"]))
    stage("choropleth")

    sexes = ("Male", "Female")
    ages = districts.age_range(Filters())

    def ours() -> list[Any]:
        return [districts.people_by_district(data, fy=fy, filters=Filters(sex=s)) for s in sexes]

    # the product's figures first, so the product's peak memory is known before the DuckDB reference runs
    if apptest:
        result["apptest"] = measure_apptest(repeats)
        stage("apptest")
    result["core_ours_s"] = _median_time(ours, repeats)
    mine = {(d, s): int(n) for s, f in zip(sexes, ours(), strict=True)
            for d, n in zip(f["district_code"], f["count"], strict=True) if n}
    result["overview_figures_ours_s"] = _median_time(lambda: _overview_figures(data, years), repeats,
                                                     before=data.memo.clear)
    mine_overview = [tuple(float(v) for v in row) for row in _overview_figures(data, years)]
    stage("product")
    result["peak_rss_product_bytes"] = stages["product"]

    con, query = _duckdb_core(data.episodes, data.population, fy, sexes, ages)
    result["core_duckdb_s"] = _median_time(lambda: con.execute(query).fetchall(), repeats)
    result["core_ratio"] = result["core_ours_s"] / result["core_duckdb_s"]
    duck = {(d, s): n for d, s, n, _, _ in con.execute(query).fetchall()}
    result["core_results_equal"] = duck == mine
    con, query = _duckdb_overview(data.episodes, data.population, list(data.district_names), years)
    result["overview_figures_duckdb_s"] = _median_time(lambda: con.execute(query).fetchall(), repeats)
    result["overview_figures_ratio"] = result["overview_figures_ours_s"] / result["overview_figures_duckdb_s"]
    duck = [tuple(float(v) for v in row) for row in con.execute(query).fetchall()]
    result["overview_figures_equal"] = duck == mine_overview
    if not result["overview_figures_equal"]:
        result["overview_figures_first_difference"] = next(
            [list(OVERVIEW_FIGURES), d, m] for d, m in zip(duck, mine_overview, strict=True) if d != m)
    stage("duckdb_reference")
    result["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return result


def measure_apptest(repeats: int) -> dict[str, dict[str, float]]:
    """Each page's full server-side run (AppTest from app.py) on the demo data: a rerun with the
    same selection (warm cache) and the run after a sex change with the page cache cleared (page
    figures computed)."""
    from streamlit.testing.v1 import AppTest

    from analysis import dataset as ds

    years = [fy.label for fy in ds.load_demo().years]
    out: dict[str, dict[str, float]] = {}
    for page in APP_PAGES:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.session_state["year"], at.session_state["compare"] = years[-1], years[-2]
        at.switch_page(f"pages/{page}.py").run()
        if at.exception:
            out[page] = {"error": str(at.exception[0].message)[:200]}
            continue
        warm = _median_time(at.run, repeats)
        cold = []
        for i in range(repeats):
            from ui import state
            state._cached.clear()
            state._demo().memo.clear()  # the measures the data set remembers, too
            at.session_state["sex"] = ("Female", "Male")[i % 2]
            start = time.perf_counter()
            at.run()
            cold.append(time.perf_counter() - start)
        out[page] = {"warm_s": warm, "after_change_cold_s": statistics.median(cold)}
    return out


# ---------------------------------------------------------------- driver
def _table(results: list[dict[str, Any]]) -> str:
    lines = []
    head = (f"{'size':>7} {'episodes':>10} {'cold start':>10} {'core/duckdb':>11} {'choropleth':>10} {'peak RSS':>9}"
            f" {'product':>8}"
            f" {'fact build':>10} {'overview figs/duckdb':>21}")
    lines.append(head)
    for r in results:
        lines.append(f"{r['scale']:>7} {r['episodes']:>10,} {r['cold_start_s']:>9.2f}s "
                     f"{r['core_ratio']:>10.2f}x {r['choropleth_s'] * 1000:>8.0f}ms {r['peak_rss_bytes'] / 2**20:>7.0f}MB"
                     f" {r.get('peak_rss_product_bytes', r['peak_rss_bytes']) / 2**20:>6.0f}MB"
                     f" {r['fact_table_build_s']:>9.2f}s {r['overview_figures_ours_s'] * 1000:>7.0f}/"
                     f"{r['overview_figures_duckdb_s'] * 1000:.0f}ms {r['overview_figures_ratio']:.2f}x"
                     f"{'' if r['overview_figures_equal'] else ' NOT EQUAL'}")
    for r in results:
        if "save_s" in r:
            lines.append(f"{r['scale']:>7} save from the files (a process of its own): {r['save_s']:.1f}s "
                         f"(reading them {r['save_read_s']:.1f}s), peak RSS {r['save_peak_rss_bytes'] / 2**20:.0f}MB "
                         f"({r['save_peak_rss_after_read_bytes'] / 2**20:.0f}MB once read)")
            if "save_read_peak_bytes" in r:
                lines.append(f"{'':>7} peak while reading each file: " + ", ".join(
                    f"{name} {peak / 2**20:.0f}MB" for name, peak in r["save_read_peak_bytes"].items())
                    + f"; while saving {r['save_store_peak_bytes'] / 2**20:.0f}MB")
    lines.append("")
    lines.append("page figures after a filter change, median ms (cold = computed, warm = st.cache_data hit)")
    lines.append(f"{'size':>7} {'page':<16}" + "".join(f"{c + ' ' + k:>15}" for c in ("year", "district", "sex")
                                                       for k in ("cold", "warm")))
    for r in results:
        for page, row in r["pages"].items():
            lines.append(f"{r['scale']:>7} {page:<16}" + "".join(
                f"{row[f'{c}_{k}_s'] * 1000:>15.0f}" for c in ("year", "district", "sex") for k in ("cold", "warm")))
    for r in results:
        if "apptest" in r:
            lines.append("")
            lines.append(f"AppTest full server-side run ({r['scale']}), median ms: page, rerun (warm), after sex change (cold)")
            for page, row in r["apptest"].items():
                if "error" in row:
                    lines.append(f"  {page:<16} error: {row['error']}")
                else:
                    lines.append(f"  {page:<16} {row['warm_s'] * 1000:>8.0f} {row['after_change_cold_s'] * 1000:>8.0f}")
    return "\n".join(lines)


def _targets(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Whether the largest size and the demo meet issue 6's targets, and the growth exponent."""
    import math

    out: dict[str, Any] = {}
    national = [r for r in results if r["scale"] != "demo"]
    if national:
        big = max(national, key=lambda r: r["episodes"])
        worst_warm = max(v for row in big["pages"].values() for k, v in row.items() if k.endswith("warm_s"))
        out.update(largest_scale=big["scale"], worst_warm_s=worst_warm, warm_ok=worst_warm <= TARGET_WARM_S,
                   cold_start_ok=big["cold_start_s"] <= TARGET_COLD_START_S,
                   memory_ok=big["peak_rss_bytes"] <= TARGET_RSS_BYTES,
                   product_memory_ok=big["peak_rss_product_bytes"] <= TARGET_PRODUCT_RSS_BYTES,
                   duckdb_ok=big["core_ratio"] <= TARGET_DUCKDB_RATIO)
    if len(national) >= 2:
        small, big = min(national, key=lambda r: r["episodes"]), max(national, key=lambda r: r["episodes"])
        ratio = math.log(big["episodes"] / small["episodes"])
        out["growth_exponent_cold_start"] = math.log(big["cold_start_s"] / small["cold_start_s"]) / ratio
    demo = [r for r in results if "apptest" in r]
    if demo:
        runs = [v for row in demo[0]["apptest"].values() for k, v in row.items() if k == "warm_s"]
        out["apptest_worst_warm_s"] = max(runs) if runs else None
        out["apptest_ok"] = bool(runs) and max(runs) <= TARGET_APPTEST_S
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the dashboard from partnership to national scale.")
    parser.add_argument("--scales", default=DEFAULT_SCALES,
                        help="comma-separated sizes: 'demo' and/or fractions of national (1 = ~3 million episodes)")
    parser.add_argument("--repeats", type=int, default=5, help="runs per timing (median reported)")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help="where stores are kept between runs")
    parser.add_argument("--no-apptest", action="store_true", help="skip the AppTest runs on the demo")
    parser.add_argument("--save", action="store_true",
                        help="also measure a save from the files (time and peak memory, a process of its own)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--prepare", help=argparse.SUPPRESS)
    parser.add_argument("--one-save", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.prepare:
        prepare_store(args.prepare, args.workdir)
        return 0
    if args.one_save:
        print(JSON_PREFIX + json.dumps(measure_save(args.one_save, args.workdir)))
        return 0
    if args.one:
        print(JSON_PREFIX + json.dumps(measure_scale(args.one, args.workdir, args.repeats, not args.no_apptest)))
        return 0
    results = []
    for scale in args.scales.split(","):
        scale = scale.strip()
        base = [sys.executable, "-m", "benchmarks.national", "--workdir", str(args.workdir)]
        subprocess.run([*base, "--prepare", scale], check=True, cwd=ROOT)
        child = subprocess.run([*base, "--repeats", str(args.repeats), "--one", scale,
                                *(["--no-apptest"] if args.no_apptest or scale != "demo" else [])],
                               check=False, cwd=ROOT, capture_output=True, text=True)
        if child.returncode != 0:
            sys.stderr.write(child.stderr[-4000:])
            raise SystemExit(f"the measurement of size {scale} failed (its error is above)")
        line = next(ln for ln in child.stdout.splitlines() if ln.startswith(JSON_PREFIX))
        results.append(json.loads(line[len(JSON_PREFIX):]))
        if args.save:
            saving = subprocess.run([*base, "--one-save", scale], check=True, cwd=ROOT, capture_output=True, text=True)
            line = next(ln for ln in saving.stdout.splitlines() if ln.startswith(JSON_PREFIX))
            results[-1].update(json.loads(line[len(JSON_PREFIX):]))
        print(f"measured {scale}: {results[-1]['episodes']:,} episodes", file=sys.stderr, flush=True)
    print(_table(results))
    summary = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}, "repeats": args.repeats,
               "targets": _targets(results), "results": results}
    print(JSON_PREFIX + json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
