"""The loaded data set: every table of the contract, prepared once per load, with where it came from."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TypeVar
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.cohorts import narrow_prepared_types, prepare_episodes
from analysis.periods import FinancialYear, financial_year_start, financial_years_between

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
DEMO_DIR = DATA_DIR / "demo"
GEO_DIR = DATA_DIR / "geo"
DEMO_BOUNDARIES = GEO_DIR / "oxfordshire_districts.geojson"
DEMO_WARDS = GEO_DIR / "oxfordshire_wards_2013.geojson"

#: Shown wherever the demo data are shown (issue 2).
SYNTHETIC_NOTICE = "Synthetic demo data: not real people, not real Oxfordshire treatment figures."
#: Shown wherever the demo population is used as a denominator.
APPROXIMATE_POPULATION_NOTICE = (
    "Population denominators are approximate: built from rounded Census 2021 district totals and "
    "a stated England age-sex structure, not the ONS mid-year estimates. Load the ONS file as the "
    "population table to replace them."
)
BOUNDARY_ATTRIBUTION = (
    "Boundary data: Martin Chorley, UK-GeoJSON (github.com/martinjc/UK-GeoJSON), CC BY 4.0. "
    "Contains Ordnance Survey data © Crown copyright and database right 2014. "
    "Contains National Statistics data © Crown copyright and database right 2014."
)

T = TypeVar("T")

TABLE_FILES = ("episodes", "referrals", "substances", "interventions", "districts", "population", "prevalence",
               "comparators")


#: A missing date among the day numbers of ``Unheld.days`` (no real date is this far from 1970).
NO_DAY = np.iinfo(np.int32).min
_NS_PER_DAY = 86_400 * 10**9


@dataclass(frozen=True)
class Unheld:
    """Columns of one table a data set holds in another form than the loader gives them (issue 12), each
    given back exactly by ``Dataset.table``: dates of whole days as day numbers (``days``: days since 1 January
    1970, int32, ``NO_DAY`` for a missing date; half the memory of ``datetime64[ns]``), columns with no
    value at all not held (``empty``: the column's type), and columns of a saved version no page model reads
    not held but read again from the saved file when asked for (``saved``, read by ``read``).
    ``order``: the table's columns as loaded."""

    order: tuple[str, ...]
    days: dict[str, np.ndarray] = field(default_factory=dict)
    empty: dict[str, object] = field(default_factory=dict)
    saved: tuple[str, ...] = ()
    read: Callable[[list[str]], pd.DataFrame] | None = field(default=None, compare=False)


def as_day_numbers(values: pd.Series) -> np.ndarray | None:
    """The dates ``values`` (``datetime64[ns]``) as day numbers (``Unheld.days``), or None when a value is
    not a whole day (it would not be given back exactly)."""
    if str(values.dtype) != "datetime64[ns]":
        return None
    ns = values.to_numpy().view(np.int64)
    days = np.empty(len(ns), dtype=np.int32)
    for start in range(0, len(ns), _DAYS_AT_ONCE):  # a million at a time: a few MB of temporaries, not 100s
        part = ns[start:start + _DAYS_AT_ONCE]
        missing = part == np.iinfo(np.int64).min  # NaT
        whole, rest = np.divmod(part, _NS_PER_DAY)
        if np.any((rest != 0) & ~missing):
            return None
        days[start:start + len(part)] = np.where(missing, NO_DAY, whole)
    return days


_DAYS_AT_ONCE = 1 << 20


def from_day_numbers(days: np.ndarray) -> np.ndarray:
    """Day numbers (``Unheld.days``) back as ``datetime64[ns]`` (``NO_DAY``: NaT)."""
    out = days.astype(np.int64) * _NS_PER_DAY
    out[days == NO_DAY] = np.iinfo(np.int64).min  # NaT
    return out.view("datetime64[ns]")


@dataclass
class Dataset:
    """All tables of one data set, typed by the loaders, with provenance for the app to show."""

    episodes: pd.DataFrame
    substances: pd.DataFrame
    referrals: pd.DataFrame
    districts: pd.DataFrame
    population: pd.DataFrame
    interventions: pd.DataFrame | None = None
    prevalence: pd.DataFrame | None = None
    #: Published values for England and other areas, and context indicators (optional; issue 13).
    comparators: pd.DataFrame | None = None
    label: str = ""
    is_demo: bool = False
    population_is_approximate: bool = False
    loaded_at: pd.Timestamp = field(default_factory=pd.Timestamp.now)
    version: str = ""
    warnings: list[str] = field(default_factory=list)
    #: Years the data's provider declares complete (e.g. the demo's metadata); overrides the rule.
    declared_years: list[str] | None = None
    #: Results already computed from these tables (see ``remember``); lives as long as the data set.
    memo: dict = field(default_factory=dict, repr=False, compare=False)
    #: The person-year fact table (``analysis.person_year``), read from the store or built on first use.
    facts: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    #: Other tables derived once per data set that no selection changes (e.g. every referral of the
    #: years offered linked to its episode: ``profiles.linked_referrals``). Unlike ``memo`` (results
    #: for a year and selection), these are part of the data, like ``facts``.
    derived: dict = field(default_factory=dict, repr=False, compare=False)
    #: Columns held in another form than loaded, by table (``Unheld``; set by ``hold_dates_as_days`` and
    #: ``analysis.store.load_dataset``): read those tables whole through ``table``.
    unheld: dict[str, Unheld] = field(default_factory=dict, repr=False, compare=False)

    def table(self, name: str) -> pd.DataFrame | None:
        """Table ``name`` with every column as the loader gives it: the held frame (``getattr(self, name)``)
        with any column held in another form (``unheld``) given back, in the loaded order. For the few readers
        of those columns (data quality checks, exports); the page models read the held frame."""
        frame = getattr(self, name)
        unheld = self.unheld.get(name)
        if frame is None or unheld is None:
            return frame
        columns = {}
        read = unheld.read([c for c in unheld.order if c in unheld.saved]) if unheld.saved and unheld.read else {}
        for column in unheld.order:
            if column in read:
                columns[column] = pd.Series(read[column].array, index=frame.index, name=column, copy=False)
            elif column in unheld.days:
                columns[column] = pd.Series(from_day_numbers(unheld.days[column]), index=frame.index, name=column)
            elif column in unheld.empty:
                columns[column] = pd.Series(index=frame.index, dtype=unheld.empty[column], name=column)
            else:
                columns[column] = frame[column]
        return pd.DataFrame(columns, index=frame.index, copy=False)  # the held columns shared (copy-on-write)

    def columns_of(self, name: str) -> list[str]:
        """The columns of table ``name`` as loaded (those ``table`` gives), none read."""
        unheld = self.unheld.get(name)
        frame = getattr(self, name)
        return list(unheld.order) if unheld is not None else list(frame.columns) if frame is not None else []

    def column(self, name: str, column: str) -> pd.Series:
        """Column ``column`` of table ``name`` as loaded: the held one, else as ``table`` gives it back (read
        again from the saved version for a column not held)."""
        frame = getattr(self, name)
        if column in frame:
            return frame[column]
        unheld = self.unheld.get(name)
        if unheld is not None and column in unheld.saved and unheld.read is not None:  # only this one read
            return pd.Series(unheld.read([column])[column].array, index=frame.index, name=column, copy=False)
        return self.table(name)[column]

    def day_numbers(self, name: str, column: str) -> np.ndarray | None:
        """The day numbers (``Unheld.days``) column ``column`` of table ``name`` is held as; None when it is
        held as it was loaded."""
        unheld = self.unheld.get(name)
        return unheld.days.get(column) if unheld is not None else None

    def person_year(self) -> pd.DataFrame:
        """The person-year fact table of these data (``analysis.person_year.build`` over every year
        offered), built once per data set unless it was read with the saved version."""
        if self.facts is None:
            from analysis import person_year

            # each substance's episode row when already found and the episode ids are known not to repeat
            # (a saved version's links; a save's): OCU marked by row, not by matching text ids (issue 12)
            rows = self.derived.get("substance_episode_rows") if self.derived.get("unique_episode_ids") else None
            self.facts = person_year.build(self.episodes, self.years, self.substances, substance_rows=rows)
        return self.facts

    def remember(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, done once per data set and ``key``: the tables never change after loading,
        so a measure for a year and selection is the same every time it is asked for (the Overview's
        trend and tiles, and other pages, share the years they have in common). Frames are given out
        as copies (shallow: pandas' copy-on-write copies the data the first time either side is
        written to), so a caller cannot change what is remembered."""
        if key not in self.memo:
            self.memo[key] = compute()
        value = self.memo[key]
        return value.copy(deep=False) if isinstance(value, pd.DataFrame) else value

    def remember_recent(self, name: Hashable, key: Hashable, compute: Callable[[], T], keep: int) -> T:
        """``compute()`` for ``key``, keeping only the last ``keep`` keys asked for under ``name`` (most
        recently used kept) with the remembered results: for large results a page asks for many times
        (e.g. a selection's fact-table rows), which would take too much memory kept for every selection.
        Sessions share a data set, so another may drop a key at any moment. Frames are given out as
        shallow (copy-on-write) copies."""
        kept = self.memo.setdefault((name, "recent"), OrderedDict())
        found = kept.get(key)
        if found is None:
            found = kept[key] = compute()
            while len(kept) > keep:
                with contextlib.suppress(KeyError):
                    kept.popitem(last=False)
        else:
            with contextlib.suppress(KeyError):
                kept.move_to_end(key)
        return found.copy(deep=False) if isinstance(found, pd.DataFrame) else found

    @property
    def district_names(self) -> dict[str, str]:
        """District code to name, for the partnership's districts."""
        return dict(zip(self.districts["district_code"], self.districts["district_name"], strict=False))

    @property
    def years(self) -> list[FinancialYear]:
        """The financial years a user can report on: from the first year holding a full year of
        new episodes (at least three quarters of the median number of triages a year, so a few long episodes
        that started before the data collection began do not make a year selectable) to the year
        of the latest date in the data (the extract date)."""
        # worked out once per data set (it scans every episode; measures ask for it many times per page)
        key = (id(self.episodes), len(self.episodes), id(self.referrals), len(self.referrals),
               tuple(self.declared_years or ()))
        cached = self.derived.get("years")
        if cached is None or cached[0] != key:
            cached = (key, self._years())
            self.derived["years"] = cached
        return list(cached[1])

    def offers(self, fy: FinancialYear) -> bool:
        """Whether ``fy`` is one of the years a user can report on (``years``)."""
        return fy.start_year in {year.start_year for year in self.years}

    def _years(self) -> list[FinancialYear]:
        """``years``, computed."""
        if self.declared_years:
            return [FinancialYear.from_label(label) for label in self.declared_years]
        ep = self.episodes
        if ep.empty:
            return []
        dates = [ep["triage_date"].max(), ep["discharge_date"].max()]
        if len(self.referrals):
            dates.append(self.referrals["referral_date"].max())
        last = max(d for d in dates if pd.notna(d))
        every = financial_years_between(ep["triage_date"].min(), last)
        triages = financial_year_start(ep["triage_date"]).value_counts()
        counts = [int(triages.get(fy.start_year, 0)) for fy in every]
        threshold = MINIMUM_SHARE_OF_TYPICAL_YEAR * float(pd.Series(counts).median())
        first = next(i for i, n in enumerate(counts) if n >= threshold)
        return every[first:]


#: A year is offered when its triages reach this share of the median year's (see ``Dataset.years``).
MINIMUM_SHARE_OF_TYPICAL_YEAR = 0.75


def from_tables(tables: dict[str, pd.DataFrame], facts: pd.DataFrame | None = None,
                prepared_episodes: pd.DataFrame | None = None, **provenance: object) -> Dataset:
    """Build a Dataset from loaded tables (``analysis.loaders.load_table(...).data``); ``facts`` is the
    person-year fact table saved with them (built on first use when None); ``prepared_episodes`` the
    episodes saved prepared (``analysis.store``), used instead of preparing ``tables["episodes"]``."""
    districts = tables["districts"]
    if prepared_episodes is not None:
        episodes = prepared_episodes
    else:
        episodes = prepare_episodes(tables["episodes"], list(districts["district_code"]))
        episodes = narrow_prepared_types(episodes)  # made here: changed in place
        release_read_buffers()  # the Arrow text buffers preparing the episodes made and let go
    return Dataset(
        facts=facts,
        episodes=episodes,
        substances=tables["substances"],
        referrals=tables["referrals"],
        districts=districts,
        population=tables["population"],
        interventions=tables.get("interventions"),
        prevalence=tables.get("prevalence"),
        comparators=tables.get("comparators"),
        **provenance,  # type: ignore[arg-type]
    )


#: The interventions' dates, held as day numbers (``hold_dates_as_days``) by every loaded data set
#: (``load_folder``, ``analysis.store.load_dataset``).
INTERVENTION_DATES = ("start_date", "end_date")


#: Arrow's own setting of its allocator: when it is set, ``use_system_allocator`` leaves Arrow's choice alone.
ARROW_POOL_ENV = "ARROW_DEFAULT_MEMORY_POOL"


def use_system_allocator() -> None:
    """Make Arrow allocate through the C library's allocator, as numpy does, unless ``ARROW_DEFAULT_MEMORY_POOL``
    chooses an allocator (issue 12). pandas holds text columns and reads files through Arrow, whose default
    allocator (mimalloc) keeps the pages Arrow frees for Arrow's own later use: numpy cannot reuse them, so
    every text temporary of a load or a page stayed resident beside the numpy arrays made after it (at
    national scale about 1 GB kept after a data set was let go, and the product's peak about 0.15-0.2 GB
    higher). Through the C library both share freed memory, and large blocks go back to the system when
    freed. Called when this module is imported (every load of data goes through it); process-wide."""
    import os

    import pyarrow as pa

    if os.environ.get(ARROW_POOL_ENV):
        return
    if pa.default_memory_pool().backend_name != "system":
        pa.set_memory_pool(pa.system_memory_pool())


use_system_allocator()


def hold_dates_as_days(data: Dataset, name: str, columns: tuple[str, ...]) -> None:
    """Hold the date ``columns`` of table ``name`` as day numbers (``Unheld.days``) instead of
    ``datetime64[ns]`` when every value of each is a whole day (the loaders' dates are; else none is); each
    reader of them reads ``Dataset.day_numbers`` or ``Dataset.table``. Issue 12: the interventions' two dates
    held 92 MB at national scale, and only the interventions received in a year (once per year) and the data
    quality checks read them."""
    frame = getattr(data, name)
    if frame is None:
        return
    earlier = data.unheld.get(name)
    order = earlier.order if earlier is not None else tuple(frame.columns)
    days = dict(earlier.days) if earlier is not None else {}
    found = {column: as_day_numbers(frame[column]) for column in columns if column in frame}
    if not found or any(values is None for values in found.values()):  # all of them, or none
        return
    days.update(found)
    data.unheld[name] = (dataclasses.replace(earlier, days=days) if earlier is not None else Unheld(order, days))
    setattr(data, name, frame.drop(columns=[c for c in days if c in frame]))


def release_read_buffers() -> None:
    """Give back to the system the memory Arrow's allocator kept after files were read into pandas: with
    the C library's allocator (``use_system_allocator``) its free memory (``malloc_trim``); with Arrow's
    own (mimalloc, when ``ARROW_DEFAULT_MEMORY_POOL`` chooses it) the pages it kept for reuse, which
    numpy cannot use: about 110 MB at 10% national after a cold start (issue 12)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


def load_folder(folder: Path, *, label: str, is_demo: bool = False) -> Dataset:
    """Load every table file (``<table>.parquet``/``.csv``/``.xlsx``) in ``folder`` through the loaders."""
    from analysis.loaders import load_table  # loaders import contract/codes only

    tables: dict[str, pd.DataFrame] = {}
    warnings: list[str] = []
    for name in TABLE_FILES:
        path = next((folder / f"{name}{ext}" for ext in (".parquet", ".csv", ".xlsx")
                     if (folder / f"{name}{ext}").exists()), None)
        if path is None:
            continue
        result = load_table(path, name)
        tables[name] = result.data
        warnings += [f"{name}: {w}" for w in result.warnings]
        if len(result.rejected):
            warnings.append(f"{name}: {len(result.rejected)} rows rejected on load")
    metadata_path = folder / "metadata.json"
    metadata = json.loads(metadata_path.read_text()) if metadata_path.exists() else {}
    data = from_tables(
        tables,
        label=label,
        is_demo=is_demo,
        population_is_approximate=bool(metadata.get("population_approximate", is_demo)),
        warnings=warnings,
        version=str(metadata.get("version") or _fingerprint(folder)),
        declared_years=metadata.get("complete_years"),
    )
    del tables  # the loaders' frames (the prepared episodes are a new frame)
    hold_dates_as_days(data, "interventions", INTERVENTION_DATES)
    release_read_buffers()
    return data


def _fingerprint(folder: Path) -> str:
    """A version stamp from the names, sizes and modification times of the folder's files."""
    parts = sorted(f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in folder.iterdir() if p.is_file())
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def load_demo() -> Dataset:
    """The bundled synthetic demo data set."""
    return load_folder(DEMO_DIR, label=SYNTHETIC_NOTICE, is_demo=True)
