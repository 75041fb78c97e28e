"""CPU time of the Overview's figures after a filter change, for comparing two versions of the code
on a shared, loaded machine (issue 12).

Wall-clock figures from ``benchmarks.national`` move by 2x or more when other work runs on the same
two cores; the CPU time this process spends (``time.process_time``) moves much less. What is timed,
after each filter change (year, busiest district, sex, as ``benchmarks.national``) with the data set's
remembered results cleared: ``analysis.views.overview.overview`` and the trend of the first indicator
(``overview_trend``), which is what ``benchmarks.national``'s Overview page runs, without the page cache.

    python -m benchmarks.overview_cpu --scale demo            # the bundled demo data
    python -m benchmarks.overview_cpu --scale 0.1 --repeats 3 # a store saved by benchmarks.national
    python -m benchmarks.overview_cpu --pages                 # every page model of benchmarks.national, alone
    python -m benchmarks.overview_cpu --pages --every-page    # and the Benchmarks, SPC and Data quality models

With ``--pages``, each page model of ``benchmarks.national`` (``analysis.views.<page>.<page>``) is timed
the same way instead: called after each filter change with the data set's remembered results cleared
(not the trend).

To compare two commits, export each (``git archive``) and run this in each, one after the other.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.national import DEFAULT_WORKDIR  # noqa: E402


def _data_and_changes(scale: str, workdir: Path) -> tuple[Any, Any, Any, dict[str, tuple[Any, Any, Any]]]:
    """The data set of ``scale`` (its fact table ready), the latest year and the one before, and the three
    filter changes of ``benchmarks.national``: year, busiest district, sex."""
    from analysis.dataset import load_demo
    from analysis.filters import Filters
    from analysis.store import Store, load_dataset

    data = load_demo() if scale == "demo" else load_dataset(Store.open(workdir / f"store-{scale}"))
    data.person_year()
    years = data.years
    fy, comparison = years[-1], years[-2]
    codes = data.episodes["district"].astype(str)
    busiest = codes[codes.isin(list(data.district_names))].value_counts().index[0]
    changes = {"year": (years[-2], years[-3], Filters()), "district": (fy, comparison, Filters(district=busiest)),
               "sex": (fy, comparison, Filters(sex="Female"))}
    return data, fy, comparison, changes


def _median_run(data: Any, call: Callable[[], object], repeats: int) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of the run with the median CPU time, remembered results cleared before each."""
    runs = []
    for _ in range(repeats):
        data.memo.clear()
        cpu, wall = time.process_time(), time.perf_counter()
        call()
        runs.append((time.process_time() - cpu, time.perf_counter() - wall))
    median = statistics.median_low([cpu for cpu, _ in runs])
    return next(run for run in runs if run[0] == median)


def measure(scale: str, repeats: int, workdir: Path = DEFAULT_WORKDIR) -> dict[str, tuple[float, float]]:
    """Filter change -> (median CPU seconds, wall seconds of that run) over ``repeats`` runs."""
    warnings.simplefilter("ignore")
    from analysis.filters import Filters
    from analysis.indicators import INDICATORS
    from analysis.views.overview import overview, overview_trend

    data, fy, comparison, changes = _data_and_changes(scale, workdir)
    overview(data, fy, comparison, Filters())  # the first view, as the app shows before any change
    return {name: _median_run(data, lambda y=year, c=compared, f=filters: (
                overview(data, y, c, f), overview_trend(data, INDICATORS[0].id, f)), repeats)
            for name, (year, compared, filters) in changes.items()}


def _other_pages() -> tuple[tuple[str, Callable[..., object]], ...]:
    """Page models besides ``benchmarks.national.PAGES``, called as their pages call them: (name, call).
    Data quality is drawn for the year and service only, SPC for the year and the filters."""
    import pandas as pd

    from analysis.filters import Filters
    from analysis.views import benchmarks, data_quality, spc

    today = pd.Timestamp("2026-11-30")
    return (
        ("benchmarks", benchmarks.benchmarks),
        ("spc", lambda data, fy, comparison, filters: spc.spc_page(data, fy, filters)),
        ("data_quality", lambda data, fy, comparison, filters: data_quality.data_quality(
            data, fy, comparison, Filters(service=filters.service), today=today)),
    )


def measure_pages(scale: str, repeats: int, workdir: Path = DEFAULT_WORKDIR, *, every_page: bool = False,
                  only: tuple[str, ...] = ()) -> dict[str, dict[str, tuple[float, float]]]:
    """Page -> filter change -> (median CPU seconds, wall seconds of that run) of each page model of
    ``benchmarks.national`` (``PAGES``), and with ``every_page`` the other pages' models too (Benchmarks,
    SPC, Data quality), after the page's first view, remembered results cleared; with ``only``, just
    the pages named (e.g. ``("benchmarks", "data_quality")``)."""
    warnings.simplefilter("ignore")
    import importlib

    from analysis.filters import Filters
    from benchmarks.national import PAGES

    data, fy, comparison, changes = _data_and_changes(scale, workdir)
    views = [(page, getattr(importlib.import_module(f"analysis.views.{page}"), page)) for page in PAGES]
    views += list(_other_pages()) if every_page or only else []
    if only:
        views = [(page, view) for page, view in views if page in only]
    result: dict[str, dict[str, tuple[float, float]]] = {}
    for page, view in views:
        view(data, fy, comparison, Filters())  # the page's first view
        result[page] = {name: _median_run(data, lambda v=view, y=year, c=compared, f=filters: v(data, y, c, f), repeats)
                        for name, (year, compared, filters) in changes.items()}
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="demo", help="demo, or a scale whose store benchmarks.national saved")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--pages", action="store_true", help="time every page model instead of the Overview + trend")
    parser.add_argument("--every-page", action="store_true",
                        help="with --pages: also the Benchmarks, SPC and Data quality models")
    parser.add_argument("--only", default="", help="with --pages: only these page models, comma-separated "
                        "(e.g. benchmarks,data_quality)")
    args = parser.parse_args(argv)
    if args.pages:
        pages = measure_pages(args.scale, args.repeats, args.workdir, every_page=args.every_page,
                              only=tuple(p for p in args.only.split(",") if p))
        print(f"Page models after a filter change, {args.scale}, median of {args.repeats} (CPU ms, wall ms of that run)")
        for page, changes in pages.items():
            print(f"  {page:16s} " + "; ".join(f"{name} {cpu * 1000:.0f} ({wall * 1000:.0f})"
                                              for name, (cpu, wall) in changes.items()))
        return 0
    result = measure(args.scale, args.repeats, args.workdir)
    print(f"Overview + trend after a filter change, {args.scale}, median of {args.repeats} (CPU ms, wall ms of that run): "
          + "; ".join(f"{name} {cpu * 1000:.0f} ({wall * 1000:.0f})" for name, (cpu, wall) in result.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
