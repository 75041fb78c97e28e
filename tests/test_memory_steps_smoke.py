"""Smoke run of the memory-by-step tool (benchmarks/memory_steps.py) on the demo tables saved to a store."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from analysis import store
from analysis.dataset import DEMO_DIR
from analysis.loaders import load_table

ROOT = Path(__file__).resolve().parent.parent


def test_memory_steps_runs_and_reports_each_step(tmp_path: Path) -> None:
    saved = store.Store.open(tmp_path / "store")
    saved.save([store.Upload(load_table(DEMO_DIR / f"{name}.parquet", name), mode=store.REPLACE)
                for name in ("episodes", "substances", "referrals", "districts", "population")], saved_by="test")
    run = subprocess.run([sys.executable, "-m", "benchmarks.memory_steps", str(tmp_path / "store")], cwd=ROOT,
                         capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    (line,) = [line for line in run.stdout.splitlines() if line.startswith("MEMORY_STEPS ")]
    steps = json.loads(line.removeprefix("MEMORY_STEPS "))
    assert list(steps)[:3] == ["imports", "load_dataset", "first overview"]
    assert len(steps) == 8  # and the five other pages of benchmarks.national after a year change
    for step in steps.values():
        # the peak of a step is at least what is resident after it, and a loaded data set takes room
        assert step["peak_mb"] >= step["rss_after_mb"] > 0 and step["s"] >= 0
    assert steps["load_dataset"]["rss_after_mb"] > steps["imports"]["rss_after_mb"]
