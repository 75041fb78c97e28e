"""Smoke run of the browser measure (benchmarks/browser.py): one page, one filter change, once. It serves
the app, drives Debian's chromium and prints its table and one ``BROWSER {...}`` JSON line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests import served_app
from tests.served_app import ROOT

pytestmark = pytest.mark.e2e

served_app.require_chromium()


def run_benchmark(arguments: list[str], prefix: str, timeout: int) -> tuple[dict, str]:
    """Run ``python -m benchmarks.browser`` with ``arguments``: (its one JSON line starting ``prefix``, its output)."""
    run = subprocess.run([sys.executable, "-m", "benchmarks.browser", *arguments],
                         cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    lines = [line for line in run.stdout.splitlines() if line.startswith(f"{prefix} ")]
    assert len(lines) == 1, run.stdout[-2000:]
    return json.loads(lines[0].removeprefix(f"{prefix} ")), run.stdout


def test_browser_benchmark_times_one_filter_change_on_the_overview() -> None:
    figures, stdout = run_benchmark(["--pages", "overview", "--filters", "year", "--repeats", "1"], "BROWSER", 180)
    assert {"data", "settled", "repeats", "filters", "target_s", "pages", "samples", "worst_page_median_s",
            "machine"} <= set(figures)
    assert figures["repeats"] == 1 and figures["filters"] == ["year"] and figures["target_s"] == 1.0
    assert set(figures["pages"]) == {"overview"}
    row = figures["pages"]["overview"]
    assert set(row) == {"year_s", "all_s", "all_wall_s"}
    # one change, so its median is its only sample; the page's clock is inside Playwright's wall time
    (sample,) = figures["samples"]["overview"]["year"]
    (wall,) = figures["samples"]["overview"]["year_wall"]
    assert 0 < sample <= wall
    assert row["year_s"] == row["all_s"] == round(sample, 3)
    assert figures["worst_page_median_s"] == row["all_s"]
    machine = figures["machine"]
    assert machine["cores"] >= 1 and "load average" in machine["load_before"]
    assert len(machine["loadavg_before"]) == 3
    assert "filter change to page settled" in stdout and "overview" in stdout


def test_browser_split_parts_one_change_into_server_run_and_browser_drawing() -> None:
    """``--split``: one sex change on the People page, split into the rerun request, the server's run up to
    its last message, and the browser's drawing after it; with the bytes and plotly figure JSON received,
    decoded from the real websocket messages (People draws 9 charts)."""
    figures, stdout = run_benchmark(["--split", "sex", "--pages", "people", "--repeats", "1"], "SPLIT", 240)
    row = figures["people"]
    assert {"request_s", "server_s", "browser_s", "total_s", "server_cpu_s", "browser_busy_s", "bytes", "messages",
            "elements", "charts", "chart_json_bytes", "chart_json_max_bytes"} <= set(row)
    # the three parts are consecutive and make up the whole, in the page's clock
    assert row["request_s"] >= 0 and row["server_s"] > 0 and row["browser_s"] >= 0
    assert abs(row["request_s"] + row["server_s"] + row["browser_s"] - row["total_s"]) < 0.005
    assert 0 < row["server_cpu_s"] < 60 and row["browser_busy_s"] > 0
    assert row["charts"] == 9  # the People page's charts, each a plotly_chart element in the messages
    assert 0 < row["chart_json_max_bytes"] < row["chart_json_bytes"] < row["bytes"]
    assert row["elements"] > row["charts"] and row["messages"] > row["elements"]
    assert "Browser split" in stdout
