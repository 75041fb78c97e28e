"""Smoke run of the national benchmark (benchmarks/national.py) at a tiny size: it runs end to end
through the store and the page models and prints its table and one JSON line with every figure."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE_KEYS = {f"{change}_{cache}_s" for change in ("year", "district", "sex") for cache in ("cold", "warm")}
RESULT_KEYS = {"scale", "cold_start_s", "episodes", "people", "districts", "pages", "boundaries_load_s",
               "choropleth_s", "choropleth_areas", "core_ours_s", "core_duckdb_s", "core_ratio",
               "core_results_equal", "peak_rss_bytes", "fact_table_build_s", "fact_table_rows", "fact_table_bytes",
               "overview_figures_ours_s", "overview_figures_duckdb_s", "overview_figures_ratio",
               "overview_figures_equal", "peak_rss_product_bytes", "peak_rss_by_stage_bytes"}


def test_benchmark_runs_at_a_tiny_national_size(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks.national", "--scales", "0.002", "--repeats", "1", "--no-apptest",
         "--save", "--workdir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    lines = [line for line in run.stdout.splitlines() if line.startswith("BENCHMARK ")]
    assert len(lines) == 1
    summary = json.loads(lines[0].removeprefix("BENCHMARK "))
    assert {"machine", "repeats", "targets", "results"} <= set(summary)
    (result,) = summary["results"]
    assert RESULT_KEYS <= set(result)
    assert set(result["pages"]) == {"overview", "people", "substances", "referrals", "treatment_exits", "districts_map"}
    for row in result["pages"].values():
        assert set(row) == PAGE_KEYS
        assert all(value > 0 for value in row.values())
    # Every English district of the boundary file is in the data and drawn on the map.
    assert result["districts"] == 326
    assert result["choropleth_areas"] == 326
    # The DuckDB query is a true lower bound for the same figures: the counts agree.
    assert result["core_results_equal"] is True
    # The Overview's fact-table figures for every year equal the same figures in SQL (the lower bound).
    assert result["overview_figures_equal"] is True, result.get("overview_figures_first_difference")
    assert result["fact_table_build_s"] > 0 and result["fact_table_rows"] > result["people"]
    assert result["overview_figures_ratio"] > 0
    assert "page figures after a filter change" in run.stdout
    # Peak memory after each stage (issue 12): the process's peak so far, so it never falls; the
    # product's peak is the one before the DuckDB reference query runs, and at most the whole run's.
    stages = result["peak_rss_by_stage_bytes"]
    assert list(stages) == ["imports", "cold_start", "fact_table_build", "pages", "choropleth", "product",
                            "duckdb_reference"]
    assert list(stages.values()) == sorted(stages.values()) and stages["imports"] > 0
    assert result["peak_rss_product_bytes"] == stages["product"] <= result["peak_rss_bytes"]
    assert "product_memory_ok" in summary["targets"]
    # --save: a save from the files in a process of its own, its time and peak memory
    assert 0 < result["save_read_s"] < result["save_s"]
    assert 0 < result["save_peak_rss_after_read_bytes"] <= result["save_peak_rss_bytes"]
    if "save_read_peak_bytes" in result:  # each step's own peak, where the system gives it (Linux)
        peaks = result["save_read_peak_bytes"]
        assert list(peaks)[:2] == ["episodes", "substances"] and all(p > 0 for p in peaks.values())
        assert max(*peaks.values(), result["save_store_peak_bytes"]) <= result["save_peak_rss_bytes"]
        assert max(peaks.values()) <= result["save_peak_rss_after_read_bytes"]
    assert "save from the files" in run.stdout
    assert [p.name for p in tmp_path.glob("save-*")] == []  # its store is removed


def test_overview_cpu_benchmark_runs_on_the_demo() -> None:
    """``benchmarks.overview_cpu`` (issue 12: CPU time, for comparing versions on a loaded machine)
    times the Overview after each of the three filter changes."""
    from benchmarks import overview_cpu

    result = overview_cpu.measure("demo", repeats=1)
    assert set(result) == {"year", "district", "sex"}
    assert all(cpu > 0 and wall > 0 for cpu, wall in result.values())


def test_page_cpu_benchmark_times_every_page_model_on_the_demo() -> None:
    """``benchmarks.overview_cpu --pages --every-page`` times each page model of ``benchmarks.national``, and
    the Benchmarks, SPC and Data quality models, after each change."""
    from benchmarks import overview_cpu
    from benchmarks.national import PAGES

    result = overview_cpu.measure_pages("demo", repeats=1, every_page=True)
    assert list(result) == [*PAGES, "benchmarks", "spc", "data_quality"]
    assert all(set(changes) == {"year", "district", "sex"} for changes in result.values())
    assert all(cpu > 0 and wall > 0 for changes in result.values() for cpu, wall in changes.values())


def test_page_cpu_benchmark_times_only_the_pages_named() -> None:
    """``benchmarks.overview_cpu --pages --only benchmarks,data_quality`` times those page models alone."""
    from benchmarks import overview_cpu

    result = overview_cpu.measure_pages("demo", repeats=1, only=("benchmarks", "data_quality"))
    assert list(result) == ["benchmarks", "data_quality"]
    assert all(cpu > 0 for changes in result.values() for cpu, _ in changes.values())


def test_benchmark_bookkeeping_counts_people_and_the_busiest_district_without_text_copies() -> None:
    """The benchmark's own figures (people, the district it filters on) counted on the episodes' codes give
    what hashing the text ids and a text copy of the districts gave (they raised the peak it reports)."""
    from analysis import dataset as ds
    from benchmarks.national import busiest_district, people_count

    data = ds.load_demo()
    assert people_count(data.episodes) == data.episodes["client_id"].nunique() == 9789
    text = data.episodes["district"].astype(str)
    counted = text[text.isin(list(data.district_names))].value_counts()
    assert busiest_district(data.episodes, list(data.district_names)) == counted.index[0] == "E07000178"
    assert counted.iloc[0] > counted.iloc[1]  # no tie: the text count's order is the count's
    assert busiest_district(data.episodes, ["E07000177", "E07000179"]) == "E07000177"
