"""Golden figures of every page model, recorded from the code as it is, to prove a rewrite equivalent.

Every figure each page model (``analysis/views/*.py``: the function a page calls through
``ui.state.compute``, which the board pack and its key findings also read) gives is flattened into
rows ``(data, model, selection, year, key, value)`` for two data sets:

- ``demo``: the bundled synthetic demo data (``analysis.dataset.load_demo``);
- ``national1``: a 1% sample of the synthetic national data (``benchmarks.national_data.write_national``
  at scale 0.01 with its fixed seed), read through the real loaders (``analysis.dataset.load_folder``).

and a set of selections (``selections``), each year against the year before (``PLAN`` says which
model for which selection and years: the test must stay well under a minute on two cores).
``tests/test_golden.py`` compares the current outputs with the committed files
``tests/data/golden/<data>.csv``: text exactly, numbers to 1e-9 relative.

Regenerate (only for a difference fixed on purpose, named in the commit)::

    .venv/bin/python -m tests.golden --write
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import math
import os
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from analysis import findings  # noqa: E402
from analysis.dataset import Dataset, load_demo, load_folder  # noqa: E402
from analysis.filters import Filters  # noqa: E402
from analysis.periods import NO_COMPARISON, FinancialYear  # noqa: E402
from analysis.views import benchmarks as benchmarks_view  # noqa: E402
from analysis.views import data_quality as data_quality_view  # noqa: E402
from analysis.views import districts_map as districts_view  # noqa: E402
from analysis.views import overview as overview_view  # noqa: E402
from analysis.views import people as people_view  # noqa: E402
from analysis.views import referrals as referrals_view  # noqa: E402
from analysis.views import spc as spc_view  # noqa: E402
from analysis.views import substances as substances_view  # noqa: E402
from analysis.views import treatment_exits as treatment_view  # noqa: E402
from analysis import indicators  # noqa: E402

GOLDEN_DIR = ROOT / "tests" / "data" / "golden"
COLUMNS = ("model", "selection", "year", "key", "type", "value")
#: The data quality page's "today" (records dated after it are flagged): fixed so the figures are.
TODAY = "2026-11-30"
NATIONAL_SCALE = 0.01
#: Relative tolerance of numbers (sums in another order may differ in the last bits).
REL_TOL = 1e-9
#: Keys not recorded: boundary polygons are map geometry read from a file, not figures.
SKIPPED_FIELDS = ("district_geojson", "ward_geojson")


# ------------------------------------------------------------------ data sets
def national_folder(folder: Path | None = None) -> Path:
    """The folder of the 1% national sample's files, generated (deterministic seed) once."""
    from benchmarks.national_data import write_national

    folder = Path(folder or Path(os.environ.get("TMPDIR", tempfile.gettempdir())) / "daat-golden-national1")
    if not (folder / "metadata.json").exists():
        write_national(folder, NATIONAL_SCALE)
    return folder


def national_sample(folder: Path | None = None) -> Dataset:
    """The 1% national sample, generated (deterministic seed) into ``folder`` once, read by the loaders."""
    return load_folder(national_folder(folder), label="synthetic national 1% sample")


DATASETS: dict[str, Callable[[], Dataset]] = {"demo": load_demo, "national1": national_sample}


# ------------------------------------------------------------------ selections
def selections(data: Dataset) -> dict[str, Filters]:
    """All; each service; a sex; a district (the busiest); an age band; a combination giving small counts."""
    codes = data.episodes["district"].astype(str)
    ranked = codes[codes.isin(list(data.district_names))].value_counts()
    busiest, quiet = str(ranked.index[0]), str(ranked.index[len(ranked) // 2])
    return {
        "all": Filters(),
        "young_people": Filters(service="Young people"),
        "adults": Filters(service="Adults"),
        "female": Filters(sex="Female"),
        "district": Filters(district=busiest),
        "age_25_34": Filters(age_band="25-34"),
        "small": Filters(service="Adults", sex="Female", age_band="18-24", district=quiet),
    }


# ------------------------------------------------------------------ flattening
def _scalar(value: Any) -> tuple[str, str]:
    """(type, text) of one value: numbers as ``repr`` of a float, text as is."""
    if value is None or value is pd.NA or value is pd.NaT:
        return "none", ""
    if isinstance(value, (bool, np.bool_)):
        return "bool", str(bool(value))
    if isinstance(value, (int, np.integer)):
        return "num", repr(float(value))
    if isinstance(value, (float, np.floating)):
        return ("none", "") if math.isnan(value) else ("num", repr(float(value)))
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return "time", pd.Timestamp(value).isoformat()
    if isinstance(value, pd.Timedelta):
        return "num", repr(float(value / pd.Timedelta(days=1)))
    if isinstance(value, FinancialYear):
        return "str", value.label
    if value is NO_COMPARISON:
        return "str", "no comparison"
    return "str", str(value)


def flatten(value: Any, key: str = "") -> Iterator[tuple[str, str, str]]:
    """Every figure in a page model's result as (key, type, text): dataclass fields, dict entries,
    list items, and each cell (plus index, columns and scalar ``attrs``) of a frame."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            if f.name not in SKIPPED_FIELDS:
                yield from flatten(getattr(value, f.name), f"{key}.{f.name}" if key else f.name)
    elif isinstance(value, pd.DataFrame):
        yield f"{key}#shape", "str", f"{value.shape[0]}x{value.shape[1]}"
        yield f"{key}#columns", "str", "|".join(map(str, value.columns))
        for name, attr in sorted(value.attrs.items()):
            if not isinstance(attr, (dict, list, tuple, pd.DataFrame, pd.Series)):
                yield (f"{key}#attrs.{name}", *_scalar(attr))
        for position, (label, row) in enumerate(zip(value.index, value.itertuples(index=False), strict=True)):
            yield (f"{key}[{position}]#index", *_scalar(label))
            for column, cell in zip(value.columns, row, strict=True):
                yield (f"{key}[{position}].{column}", *_scalar(cell))
    elif isinstance(value, pd.Series):
        yield from flatten(value.to_frame(), key)
    elif isinstance(value, dict):
        for name, item in value.items():
            yield from flatten(item, f"{key}[{name}]")
    elif isinstance(value, (list, tuple)):
        yield f"{key}#len", "num", repr(float(len(value)))
        for position, item in enumerate(value):
            yield from flatten(item, f"{key}[{position}]")
    elif hasattr(value, "to_plotly_json"):
        return  # a chart drawn from figures already recorded
    else:
        yield (key, *_scalar(value))


# ------------------------------------------------------------------ the models
def models(data: Dataset, fy: FinancialYear, comparison: Any, filters: Filters
           ) -> Iterator[tuple[str, Callable[[], Any]]]:
    """(name, call) of every page model for one year and selection, called as the pages call them."""
    compared = comparison if isinstance(comparison, FinancialYear) else None
    yield "overview", lambda: overview_view.overview(data, fy, comparison, filters)
    if compared is None:
        return  # the other pages need a comparison year
    yield "people", lambda: people_view.people(data, fy, compared, filters)
    yield "substances", lambda: substances_view.substances(data, fy, compared, filters)
    yield "referrals", lambda: referrals_view.referrals(data, fy, compared, filters)
    yield "treatment_exits", lambda: treatment_view.treatment_exits(data, fy, compared, filters)
    yield "districts_map", lambda: districts_view.districts_map(
        data, fy, compared, filters, district_boundaries=None, ward_boundaries=None)
    yield "data_quality", lambda: data_quality_view.data_quality(
        data, fy, compared, Filters(service=filters.service), today=TODAY)
    yield "spc", lambda: spc_view.spc_page(data, fy, filters)
    yield "spc_months", lambda: spc_view.series_months(data, fy)
    yield "benchmarks", lambda: benchmarks_view.benchmarks(data, fy, compared, filters)


def _key_findings(fy: FinancialYear, compared: FinancialYear, results: dict[str, Any]) -> list[str]:
    """The board pack's key findings (``findings.key_findings`` over the page models), as texts."""
    found = findings.key_findings(
        fy, compared, overview=results["overview"], people=results["people"], substances=results["substances"],
        referrals=results["referrals"], treatment=results["treatment_exits"], districts=results["districts_map"],
        data_quality=results["data_quality"])
    return [f.text for f in found]


#: Which models are recorded for which selection and years, per data set (name -> (every year, latest year)).
#: ``None`` is every model. Chosen so the test stays well under a minute on two cores: the Overview
#: for every year and selection; every model for every year with all people (demo) and for the latest
#: year with every selection; fewer on the national sample, whose district tables are long.
CORE = ("overview", "people", "substances", "referrals", "treatment_exits", "spc")
PLAN: dict[str, dict[str, tuple[tuple[str, ...] | None, tuple[str, ...] | None]]] = {
    "demo": {
        "all": (("overview", "people", "substances", "referrals", "treatment_exits"), None),
        "young_people": (("overview",), (*CORE, "data_quality")),
        "adults": ((), (*CORE, "data_quality")),
        "female": ((), ("overview", "people", "substances", "treatment_exits")),
        "district": ((), ("overview", "people", "treatment_exits", "districts_map")),
        "age_25_34": ((), ("overview", "people", "referrals")),
        "small": (("overview",), (*CORE, "districts_map", "benchmarks")),
    },
    "national1": {
        "all": (("overview",), None),
        "young_people": ((), ("overview", "treatment_exits")),
        "district": ((), ("overview", "people", "districts_map")),
        "small": ((), ("overview", "people", "substances")),
    },
}


def _chosen(models_named: tuple[str, ...] | None, model: str) -> bool:
    return models_named is None or model in models_named


def record(name: str, data: Dataset) -> list[tuple[str, ...]]:
    """Every golden row of one data set (``PLAN`` says which models, selections and years)."""
    warnings.simplefilter("ignore")
    rows: list[tuple[str, ...]] = []
    years = data.years
    chosen = selections(data)
    for selection, (every_year, latest) in PLAN[name].items():
        filters = chosen[selection]
        for index, fy in enumerate(years):
            last = index == len(years) - 1
            wanted = latest if last else every_year
            comparison = years[index - 1] if index else NO_COMPARISON
            results = {}
            for model, call in models(data, fy, comparison, filters):
                if _chosen(wanted, model):
                    results[model] = call()
                    rows += [(model, selection, fy.label, *row) for row in flatten(results[model])]
            if last and latest is None:
                rows += [("key_findings", selection, fy.label, *row)
                         for row in flatten(_key_findings(fy, years[index - 1], results))]
        if _chosen(every_year, "overview"):
            for indicator in indicators.INDICATORS:
                rows += [("overview_trend", selection, "all", *row)
                         for row in flatten(overview_view.overview_trend(data, indicator.id, filters),
                                            indicator.id)]
    # the Overview with no comparison year at all, for the latest year
    rows += [("overview", "all", f"{years[-1].label} alone", *row)
             for row in flatten(overview_view.overview(data, years[-1], NO_COMPARISON, Filters()))]
    return rows


def golden_path(name: str) -> Path:
    return GOLDEN_DIR / f"{name}.csv"


def write(name: str, rows: list[tuple[str, ...]]) -> Path:
    path = golden_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return path


def read(name: str) -> list[tuple[str, ...]]:
    with golden_path(name).open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        assert tuple(next(reader)) == COLUMNS
        return [tuple(row) for row in reader]


def same(expected: tuple[str, ...], actual: tuple[str, ...]) -> bool:
    """Whether two rows agree: the same key and type, text exactly, numbers to ``REL_TOL``."""
    if expected[:5] != actual[:5]:
        return False
    if expected[4] == "num":
        return math.isclose(float(expected[5]), float(actual[5]), rel_tol=REL_TOL, abs_tol=0.0)
    return expected[5] == actual[5]


def differences(expected: list[tuple[str, ...]], actual: list[tuple[str, ...]], limit: int = 20) -> list[str]:
    """The first ``limit`` rows that differ (by (model, selection, year, key)), and rows missing or extra."""
    want = {row[:4]: row for row in expected}
    got = {row[:4]: row for row in actual}
    out = [f"missing: {want[k]}" for k in want.keys() - got.keys()]
    out += [f"extra: {got[k]}" for k in got.keys() - want.keys()]
    out += [f"differs: golden {want[k]} now {got[k]}" for k in want.keys() & got.keys() if not same(want[k], got[k])]
    if len(want) != len(expected) or len(got) != len(actual):
        out.append(f"duplicate keys: golden {len(expected) - len(want)}, now {len(actual) - len(got)}")
    return sorted(out)[:limit] + ([f"... and {len(out) - limit} more"] if len(out) > limit else [])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Record or check the golden figures of every page model.")
    parser.add_argument("--write", action="store_true", help="overwrite tests/data/golden/*.csv from the current code")
    parser.add_argument("--data", default=",".join(DATASETS), help="data sets, comma-separated")
    args = parser.parse_args(argv)
    status = 0
    for name in args.data.split(","):
        rows = record(name, DATASETS[name]())
        if args.write:
            print(f"{name}: {len(rows)} rows -> {write(name, rows)}")
            continue
        found = differences(read(name), rows)
        print(f"{name}: {len(rows)} rows, {len(found)} differences")
        print("\n".join(found))
        status |= bool(found)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
