"""Resident memory step by step in one process, for finding what holds memory (issue 12).

    python -m benchmarks.memory_steps /tmp/bench/wd/store-1        # a store saved by benchmarks.national

Steps: the imports, ``store.load_dataset``, the first Overview (``benchmarks.national.overview_page``), then
each page model of ``benchmarks.national.PAGES`` after a year change (remembered results cleared). For each:
the peak resident memory during the step (``VmHWM``, reset before it by writing 5 to
``/proc/self/clear_refs``; Linux only), the resident memory after it (``VmRSS``) and its wall time. Prints
one line a step and a last line ``MEMORY_STEPS {...}`` (MB). Not part of the product.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _status() -> dict[str, int]:
    """``VmRSS`` and ``VmHWM`` of this process, MB."""
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) // 1024
    return found


def _step(steps: dict[str, dict[str, float]], name: str, function: Callable[[], Any]) -> Any:
    Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from what is resident now
    start = time.perf_counter()
    out = function()
    status = _status()
    steps[name] = {"peak_mb": status["VmHWM"], "rss_after_mb": status["VmRSS"], "s": time.perf_counter() - start}
    print(f"{name:36s} peak {status['VmHWM']:6d} MB   RSS after {status['VmRSS']:6d} MB   "
          f"{steps[name]['s']:6.2f} s", flush=True)
    return out


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    args = sys.argv[1:] if argv is None else argv
    warnings.simplefilter("ignore")
    steps: dict[str, dict[str, float]] = {}

    def imports() -> None:
        import streamlit  # noqa: F401
        import analysis.store  # noqa: F401
        import analysis.views.overview  # noqa: F401

    _step(steps, "imports", imports)
    from analysis.filters import Filters
    from analysis.store import Store, load_dataset
    from benchmarks.national import PAGES, _views
    from ui import state

    data = _step(steps, "load_dataset", lambda: load_dataset(Store.open(args[0])))
    years = data.years
    views = _views()
    _step(steps, "first overview", lambda: views["overview"](data, years[-1], years[-2], Filters()))
    year, compared = (years[-2], years[-3]) if len(years) > 2 else (years[-1], years[-2])
    for page in PAGES[1:]:
        state._cached.clear()
        data.memo.clear()
        _step(steps, f"{page} after a year change", lambda page=page: state.compute(views[page], data, year, compared,
                                                                                  Filters()))
    print("MEMORY_STEPS " + json.dumps(steps), flush=True)
    return steps


if __name__ == "__main__":
    main()
