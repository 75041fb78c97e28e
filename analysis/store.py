"""A local, versioned store of the user's validated tables: every save is a new version, switched to atomically.

Layout of the store folder (its location is a setting: ``DAAT_DASHBOARD_STORE``, else
:func:`default_location`, never inside the code)::

    CURRENT                    the current version's folder name, e.g. "v000003" (one line)
    versions/v000001/          one folder per version, never changed after it is written
        manifest.json          when, by whom, from which file, rows, rejected rows, merge mode
        episodes.parquet ...   every table of the version (unchanged tables are hard links)
        person_year.parquet    the person-year fact table built from them on save (manifest "derived")
        rejected/<table>.parquet   rows the loader rejected, kept with the file and row they came from
        boundaries.geojson     the user's district boundaries, if they uploaded any
    versions/.tmp-*/           a save in progress (or one killed half-way): ignored, removed by the next save
    mappings.json              column and code mappings, reused for the next upload of the same table
    settings.json              which data the app shows on start (demo or saved)
    targets.json               targets the user set (e.g. the key referring agencies' share), per data
                               set ("demo" or "saved"), with who set them and when, and every earlier setting

A save holds any number of tables (a whole extract) and, optionally, boundaries: all of them are
one version, or nothing changes. It writes the new version into a temporary folder beside the versions, fsyncs every file,
renames the folder into place, then replaces ``CURRENT`` (temporary file + fsync + ``os.replace``).
A process killed at any point leaves the previous version current and complete; a restore only
rewrites ``CURRENT``. Versions are never deleted.

Merge modes (per table, per save):

* ``add`` (default): every saved row is kept as it is; rows whose identifier (the contract's
  ``Table.key``, e.g. ``episode_id``) is new are added; rows whose identifier is already saved are
  skipped and counted (and how many of those differ from the saved row is reported, e.g. a
  discharge recorded since). Adding a new financial year never changes earlier rows. Tables without
  an identifier (interventions, prevalence) skip only rows identical to a saved row.
* ``update``: rows whose identifier is already saved are replaced by the file's row, new rows are
  added, saved rows absent from the file are kept (for a re-extract that corrects earlier records).
  Tables without an identifier behave as ``add``.
* ``replace``: the saved table is replaced wholly by the file.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import io
import json
import os
import re
import shutil
import sys
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from analysis import cohorts
from analysis import dataset as ds
from analysis.cohorts import CODE_COLUMNS
from analysis.contract import TABLES
from analysis.errors import DashboardError
from analysis.loaders import LoadResult, contract_types, give_back_memory

#: Environment variable holding the store folder (tests set it to a temporary folder).
STORE_ENV = "DAAT_DASHBOARD_STORE"
#: Folder name under the user's data directory.
APP_DIR_NAME = "daat-dashboard"
#: Test hook: "<checkpoint>=<signal file>" makes a save write the signal file and wait at that
#: checkpoint, so a test can kill the process there. Checkpoints: see ``CHECKPOINTS``.
PAUSE_ENV = "DAAT_DASHBOARD_STORE_TEST_PAUSE"
#: Where a save can be paused by ``PAUSE_ENV``: after the first table file is written into the
#: temporary folder, and after the version folder is in place but before ``CURRENT`` moves.
CHECKPOINTS = ("after-first-table", "before-switch")
#: How long a paused save waits (seconds) before carrying on, if nobody kills it.
PAUSE_SECONDS = 600

VERSIONS_DIR = "versions"
CURRENT_FILE = "CURRENT"
MAPPINGS_FILE = "mappings.json"
SETTINGS_FILE = "settings.json"
TARGETS_FILE = "targets.json"
MANIFEST_FILE = "manifest.json"
REJECTED_DIR = "rejected"
BOUNDARIES_FILE = "boundaries.geojson"
#: The person-year fact table (``analysis.person_year``), built from the version's tables when it is
#: saved so a cold start only reads it; listed in the manifest under ``derived`` with its checksum.
PERSON_YEAR_FILE = "person_year.parquet"
#: Tables the fact table is built from (a save changing none of them links the previous version's file).
PERSON_YEAR_SOURCES = ("episodes", "districts", "referrals", "substances")
#: The episodes as the measures use them (``cohorts.prepare_episodes``: in person order, with the columns
#: every measure needs), written beside the fact table on save so a cold start reads them instead of
#: sorting and preparing millions of episodes again; listed under ``derived`` with its checksum and the
#: code it was prepared by (``cohorts.PREPARED_FORMAT``: other code prepares them again on load).
PREPARED_EPISODES_FILE = "episodes_prepared.parquet"
#: Each child row's episode (``profiles.episode_links``: its row in the prepared episodes), found on save
#: so a cold start does not look millions of text ids up again; rebuilt when any of ``LINK_SOURCES`` changes.
EPISODE_LINKS_FILE = "episode_links_{table}.parquet"
LINK_SOURCES = ("episodes", "substances", "referrals", "interventions")
LOCK_FILE = ".lock"
TMP_PREFIX = ".tmp-"
VERSION_PATTERN = re.compile(r"^v(\d{6})$")

ADD, UPDATE, REPLACE = "add", "update", "replace"
#: The merge modes, with the sentence the Data page shows for each.
MODES: dict[str, str] = {
    ADD: "Add: keep every saved row; add rows whose identifier is new (earlier years are never changed).",
    UPDATE: "Update: add new rows and replace saved rows that have the same identifier with the file's row.",
    REPLACE: "Replace: the file replaces the saved table completely.",
}
#: Tables the app needs before it can show saved data (``analysis.dataset.from_tables``).
REQUIRED_TABLES = ("episodes", "substances", "referrals", "districts", "population")
#: Data sources the app can show.
DEMO, SAVED = "demo", "saved"
#: Name of the key-referring-agencies target in ``targets.json`` (GLOSSARY "Key referring agencies").
KEY_REFERRAL_TARGET = "key_referring_agencies"
#: Name of the indicator targets (``analysis.targets``: indicator, period, target, source) in ``targets.json``.
INDICATOR_TARGETS = "indicator_targets"
#: Marks a missing value when rows are compared across files (never a real cell value).
_NA_MARK = "\x00<NA>"


class StoreError(DashboardError):
    """The store cannot do what was asked; what was saved before is unchanged."""


class NoSavedDataError(StoreError):
    """Nothing has been saved yet."""


class IncompleteStoreError(StoreError):
    """The saved data lack a table the pages need."""


# ---------------------------------------------------------------- location
def default_location() -> Path:
    """The store folder when ``DAAT_DASHBOARD_STORE`` is not set: the user's data directory.

    Linux: ``$XDG_DATA_HOME/daat-dashboard`` (default ``~/.local/share/daat-dashboard``);
    macOS: ``~/Library/Application Support/daat-dashboard``; Windows: ``%LOCALAPPDATA%\\daat-dashboard``.
    """
    if os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / APP_DIR_NAME


def store_location() -> Path:
    """The store folder: ``DAAT_DASHBOARD_STORE`` if set, else :func:`default_location`."""
    configured = os.environ.get(STORE_ENV, "").strip()
    return Path(configured).expanduser() if configured else default_location()


# ---------------------------------------------------------------- records
@dataclass(frozen=True)
class Upload:
    """One validated file to save as one table, how to merge it, and the mappings used to read it."""

    result: LoadResult
    mode: str = ADD
    column_map: Mapping[str, str] | None = None
    code_map: Mapping[str, Mapping[str, str]] | None = None


@dataclass(frozen=True)
class TableChange:
    """What one save did to one table."""

    table: str
    source: str
    mode: str
    rows_read: int
    rejected: int
    rows_before: int
    rows_after: int
    added: int
    replaced: int
    skipped: int
    skipped_different: int

    @property
    def sentence(self) -> str:
        """e.g. "episodes from extract.csv (add): 120 rows added, 30 skipped as already saved"."""
        parts = [f"{self.added:,} row{'s' if self.added != 1 else ''} added"]
        if self.mode == REPLACE:
            parts = [f"saved table of {self.rows_before:,} rows replaced by {self.rows_after:,} rows"]
        if self.replaced:
            parts.append(f"{self.replaced:,} saved rows updated")
        if self.skipped:
            parts.append(f"{self.skipped:,} skipped as already saved")
            if self.skipped_different:
                parts.append(
                    f"{self.skipped_different:,} of those differ from the saved row (save again with "
                    "'update' to take the file's values)"
                )
        if self.rejected:
            parts.append(f"{self.rejected:,} rejected rows not saved")
        return f"{self.table} from {self.source} ({self.mode}): {', '.join(parts)}; {self.rows_after:,} rows saved in all."


@dataclass(frozen=True)
class Version:
    """One saved version: its number, when and by whom it was saved, and its manifest."""

    number: int
    path: Path
    manifest: dict[str, Any]

    @property
    def saved_at(self) -> pd.Timestamp:
        return pd.Timestamp(self.manifest["saved_at"])

    @property
    def tables(self) -> dict[str, dict[str, Any]]:
        return dict(self.manifest.get("tables", {}))

    @property
    def label(self) -> str:
        """The name the app shows, e.g. "Saved data (version 3, saved 02 May 2025 14:05)"."""
        return f"Saved data (version {self.number}, saved {self.saved_at:%d %b %Y %H:%M})"


@dataclass(frozen=True)
class SaveResult:
    """The version a save created and what it did to each table."""

    version: Version
    changes: list[TableChange] = field(default_factory=list)


@dataclass(frozen=True)
class Target:
    """A target share the user set: ``percent`` of referrals from ``groups``, who set it and when."""

    percent: float
    groups: tuple[str, ...]
    set_by: str
    set_at: pd.Timestamp

    @property
    def sentence(self) -> str:
        """e.g. "Target 20% set by A. Analyst on 30 Nov 2026 at 12:50"."""
        return f"Target {self.percent:g}% set by {self.set_by} on {self.set_at:%d %b %Y} at {self.set_at:%H:%M}"

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Target:
        return cls(float(record["percent"]), tuple(record["groups"]), str(record["set_by"]),
                   pd.Timestamp(record["set_at"]))


def data_key(data: ds.Dataset) -> str:
    """The key a data set's targets are stored under: "demo" for the bundled demo, else "saved"
    (the partnership's saved data, whichever version is current: a target is the partnership's
    decision, so it carries over when a new version is saved or an earlier one restored)."""
    return DEMO if data.is_demo else SAVED


def user_name(name: str | None = None) -> str:
    """The name given, else the operating-system user, else "unknown"."""
    if name and name.strip():
        return name.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in some containers
        return "unknown"


# ---------------------------------------------------------------- merging (pure)
def _row_keys(frame: pd.DataFrame, columns: Sequence[str]) -> pd.MultiIndex:
    """Rows as exact tuples of text (missing values marked), for matching rows across files."""
    text = pd.DataFrame(
        {c: frame[c].astype("string").fillna(_NA_MARK).astype(object) for c in columns}, index=frame.index
    )
    if not len(columns):
        return pd.MultiIndex.from_arrays([[]])
    return pd.MultiIndex.from_frame(text)


def merge_table(
    saved: pd.DataFrame | None, incoming: pd.DataFrame, table: str, mode: str
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Merge a validated file into a saved table by ``mode`` (``add``, ``update``, ``replace``).

    Rows are matched on the contract's identifier (``Table.key``) compared exactly as text; a
    table without one matches whole rows. Returns the merged table (saved rows first, in their
    order, then the file's rows in theirs) and the counts ``added``, ``replaced``, ``skipped``,
    ``skipped_different`` (skipped rows whose other values differ from the saved row).
    """
    if mode not in MODES:
        raise StoreError(f"'{mode}' is not a way of saving; choose one of: {', '.join(MODES)}.")
    counts = {"added": 0, "replaced": 0, "skipped": 0, "skipped_different": 0}
    if saved is None or mode == REPLACE:
        counts["added"] = len(incoming)
        return incoming.reset_index(drop=True), counts
    columns = [c for c in incoming.columns if c in saved.columns]
    key = list(TABLES[table].key) or columns
    effective = mode if TABLES[table].key else ADD
    saved_keys = _row_keys(saved, key)
    incoming_keys = _row_keys(incoming, key)
    already = incoming_keys.isin(saved_keys)
    if effective == ADD:
        skipped = incoming[already]
        counts["skipped"] = len(skipped)
        if len(skipped) and TABLES[table].key:
            same = _row_keys(skipped, columns).isin(_row_keys(saved, columns))
            counts["skipped_different"] = int((~same).sum())
        new = incoming[~already]
        counts["added"] = len(new)
        merged = pd.concat([saved, new], ignore_index=True) if len(new) else saved.reset_index(drop=True)
    else:  # update: the file's row wins for identifiers in both
        kept = saved[~saved_keys.isin(incoming_keys)]
        counts["replaced"] = int(already.sum())
        counts["added"] = int((~already).sum())
        merged = pd.concat([kept, incoming], ignore_index=True)
    return _restore_dtypes(merged, saved), counts


def _restore_dtypes(merged: pd.DataFrame, like: pd.DataFrame) -> pd.DataFrame:
    """Keep the saved column types after a concat (categories with the same groups stay categories)."""
    out = merged.copy()
    for column in out.columns:
        if column in like and out[column].dtype != like[column].dtype:
            with contextlib.suppress(TypeError, ValueError):
                dtype = like[column].dtype
                if isinstance(dtype, pd.CategoricalDtype):
                    categories = list(dict.fromkeys([*dtype.categories, *out[column].dropna().unique()]))
                    dtype = pd.CategoricalDtype(categories)
                out[column] = out[column].astype(dtype)
    return out


# ---------------------------------------------------------------- file helpers
def _fsync_dir(path: Path) -> None:
    """Flush a folder's entries (a rename) to disk; not possible on Windows, where it is skipped."""
    if os.name == "nt":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_file(path: Path, data: bytes) -> None:
    """Write bytes and flush them to disk before returning."""
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` by ``data`` atomically: a temporary file beside it, fsync, ``os.replace``."""
    temporary = path.with_name(f"{TMP_PREFIX}{path.name}.{uuid.uuid4().hex}")
    try:
        _write_file(temporary, data)
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()
    _fsync_dir(path.parent)


def _parquet_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


#: Rows of a Parquet row group as ``DataFrame.to_parquet`` writes them (pyarrow's default: 1024 * 1024).
ROW_GROUP_ROWS = 1024 * 1024


def _table_bytes(name: str, frame: pd.DataFrame) -> bytes:
    """The Parquet file :func:`_write_parquet` writes for contract table ``name``, as bytes."""
    buffer = io.BytesIO()
    _write_table(buffer, name, frame)
    return buffer.getvalue()


def _write_table(sink: Any, name: str | None, frame: pd.DataFrame) -> None:
    """``frame`` as Parquet into ``sink`` (a file object). For a contract table (``name``), with the contract's
    column types: the columns the loaders hold in smaller types (code columns as categories, ages as ``Int16``:
    ``loaders.contract_types``) are written as text and ``Int64`` as they always were, so a saved file is the
    same whichever code read it; they are converted one row group at a time (issue 12: a whole national
    episodes table as text again was 400 MB)."""
    types = contract_types(name, frame) if name is not None else {}
    if not types:
        frame.to_parquet(sink, index=False)
        return
    writer = None
    try:
        for start in range(0, max(len(frame), 1), ROW_GROUP_ROWS):
            part = frame.iloc[start:start + ROW_GROUP_ROWS].astype(types)
            table = pa.Table.from_pandas(part, preserve_index=False, schema=writer.schema if writer else None)
            del part
            if writer is None:
                writer = pq.ParquetWriter(sink, table.schema)
            writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
            del table
    finally:
        if writer is not None:
            writer.close()


def _write_parquet(path: Path, frame: pd.DataFrame, table: str | None = None) -> str:
    """Write ``frame`` as Parquet straight to ``path`` (no copy of the file in memory: issue 12, the national
    fact table's file is 125 MB), flushed to disk; its SHA-256, read back in blocks."""
    with open(path, "wb") as handle:
        _write_table(handle, table, frame)
        handle.flush()
        os.fsync(handle.fileno())
    return _sha256(path)


#: Bytes read at a time to checksum a file.
HASH_BLOCK = 8 * 1024 * 1024


def _sha256(path: Path) -> str:
    """The SHA-256 of a file, read ``HASH_BLOCK`` bytes at a time (not the whole file at once)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _checkpoint(name: str) -> None:
    """Test hook (``PAUSE_ENV``): at the named checkpoint, signal and wait to be killed."""
    setting = os.environ.get(PAUSE_ENV, "")
    point, _, signal_file = setting.partition("=")
    if point != name:
        return
    if signal_file:
        Path(signal_file).write_text(name)
    time.sleep(PAUSE_SECONDS)


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, indent=2, sort_keys=True, default=str).encode("utf-8")


# ---------------------------------------------------------------- the store
@dataclass(frozen=True)
class Store:
    """A store folder (see the module docstring). Reading never changes it; saving adds a version."""

    root: Path

    @classmethod
    def open(cls, root: Path | str | None = None) -> Store:
        """The store at ``root``, else at :func:`store_location`. Nothing is created until a save."""
        return cls(Path(root) if root is not None else store_location())

    @property
    def versions_dir(self) -> Path:
        return self.root / VERSIONS_DIR

    # ------------------------------------------------ reading
    def versions(self) -> list[Version]:
        """Every complete, readable version, oldest first (half-written temporary folders and
        versions whose manifest is damaged are left out: :meth:`problems` names the damaged ones)."""
        return [v for v in self._scan() if isinstance(v, Version)]

    def _scan(self) -> list[Version | tuple[int, str]]:
        """Every version folder with a manifest: the Version, or (number, what is wrong) when damaged."""
        if not self.versions_dir.is_dir():
            return []
        found: list[Version | tuple[int, str]] = []
        for path in self.versions_dir.iterdir():
            match = VERSION_PATTERN.match(path.name)
            if match and (path / MANIFEST_FILE).is_file():
                number = int(match.group(1))
                try:
                    found.append(self._version(number, path))
                except (OSError, ValueError, KeyError, TypeError) as error:
                    found.append((number, f"its manifest {path / MANIFEST_FILE} cannot be read ({type(error).__name__})"))
        return sorted(found, key=lambda v: v.number if isinstance(v, Version) else v[0])

    def _version(self, number: int, path: Path) -> Version:
        manifest = json.loads((path / MANIFEST_FILE).read_text("utf-8"))
        if not isinstance(manifest, dict) or not isinstance(manifest.get("tables", {}), dict):
            raise ValueError("not a manifest")
        version = Version(number, path, manifest)
        version.saved_at  # noqa: B018 (a manifest without a readable save time is damaged)
        return version

    def version(self, number: int) -> Version:
        """Saved version ``number`` (raises :class:`StoreError` if there is none or it is damaged)."""
        path = self.versions_dir / f"v{number:06d}"
        if not (path / MANIFEST_FILE).is_file():
            raise StoreError(f"There is no saved version {number} in {self.root}.")
        try:
            return self._version(number, path)
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise StoreError(
                f"Saved version {number} is damaged: its manifest {path / MANIFEST_FILE} cannot be read "
                f"({type(error).__name__}). Restore another version on the Data page; nothing has been deleted."
            ) from error

    def current_problem(self) -> str | None:
        """What is wrong with the ``CURRENT`` pointer, or None when it names a readable version
        (or nothing has been saved). When it is damaged, :meth:`current` uses the newest complete version."""
        pointer = self.root / CURRENT_FILE
        if not pointer.is_file():
            return (f"The pointer to the current version ({pointer}) is missing." if self.versions() else None)
        try:
            text = pointer.read_text("utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            return f"The pointer to the current version ({pointer}) cannot be read ({type(error).__name__})."
        match = VERSION_PATTERN.match(text)
        if not match:
            return f"The pointer to the current version ({pointer}) is {'empty' if not text else 'damaged'}."
        try:
            self.version(int(match.group(1)))
        except StoreError as error:
            return f"The pointer to the current version ({pointer}) names version {int(match.group(1))}, which " + (
                "does not exist." if "no saved version" in str(error) else "is damaged.")
        return None

    def current(self) -> Version | None:
        """The current version: the one ``CURRENT`` names, or, when ``CURRENT`` is missing, empty,
        damaged or names a version that is missing or damaged, the newest complete version (so the
        next save builds on it, never on nothing). None when nothing is saved."""
        pointer = self.root / CURRENT_FILE
        if self.current_problem() is None:
            if not pointer.is_file():
                return None
            return self.version(int(VERSION_PATTERN.match(pointer.read_text("utf-8").strip()).group(1)))
        return self.newest_complete()

    def newest_complete(self) -> Version | None:
        """The newest version whose manifest reads and whose table files match their checksums."""
        for version in reversed(self.versions()):
            if not self.damaged_files(version):
                return version
        return None

    def damaged_files(self, version: Version) -> list[Path]:
        """The files of ``version`` that are missing or do not match the checksum in its manifest."""
        damaged = []
        for entry in [*version.tables.values(), *(version.manifest.get("derived") or {}).values()]:
            path = version.path / str(entry.get("file", ""))
            expected = entry.get("sha256")
            try:
                if not path.is_file() or (expected and hashlib.sha256(path.read_bytes()).hexdigest() != expected):
                    damaged.append(path)
            except OSError:
                damaged.append(path)
        return damaged

    def problems(self) -> list[str]:
        """Everything damaged in the store, each as a sentence naming the file and what to do.
        Empty when the store is sound (or does not exist yet)."""
        found = []
        pointer = self.current_problem()
        if pointer:
            fallback = self.newest_complete()
            found.append(pointer + (f" Version {fallback.number}, the newest complete one, is shown, and the next save "
                                    "builds on it. Restore the version you want on the Data page to repair the pointer."
                                    if fallback else " No complete version is left to show."))
        for item in self._scan():
            if not isinstance(item, Version):
                found.append(f"Saved version {item[0]} is damaged: {item[1]}. It is not offered for restore; the "
                             "other versions are unaffected.")
        for name in (MAPPINGS_FILE, SETTINGS_FILE, TARGETS_FILE):
            try:
                self._read_json(name)
            except StoreError as error:
                found.append(str(error))
        return found

    def _resolve(self, version: Version | int | None) -> Version | None:
        if isinstance(version, Version):
            return version
        return self.version(version) if version is not None else self.current()

    def table(self, name: str, version: Version | int | None = None) -> pd.DataFrame | None:
        """A saved table of a version (default: current), typed as the loader typed it; None if absent."""
        chosen = self._resolve(version)
        if chosen is None or name not in chosen.tables:
            return None
        return _read_parquet(chosen, chosen.path / chosen.tables[name]["file"])

    def tables(self, version: Version | int | None = None, *, for_analysis: bool = False,
               leave_out: Sequence[str] = (), leave_out_columns: Mapping[str, Sequence[str]] | None = None
               ) -> dict[str, pd.DataFrame]:
        """Every saved table of a version (default: current), but those named in ``leave_out`` (and the
        columns named in ``leave_out_columns`` of a table); ``for_analysis``: the episodes' text code columns
        read straight into the categories ``cohorts.prepare_episodes`` makes of them (for ``load_dataset``; a
        save merges the tables as saved)."""
        chosen = self._resolve(version)
        if chosen is None:
            return {}
        out = {}
        for name, entry in chosen.tables.items():
            if name in leave_out:
                continue
            path = chosen.path / entry["file"]
            columns = None
            if (leave_out_columns or {}).get(name):
                columns = [c for c in _column_names(chosen, path) if c not in leave_out_columns[name]]
            out[name] = _read_parquet(chosen, path, columns,
                                      as_categories=CATEGORIES_ON_LOAD.get(name) if for_analysis else None)
            if for_analysis:
                _narrow_integers(out[name], SMALL_INTEGERS_ON_LOAD.get(name, ()))
        return out

    def rejected(self, version: Version | int | None = None) -> dict[str, pd.DataFrame]:
        """The loader's rejected rows behind each saved table (with the file and row they came from)."""
        chosen = self._resolve(version)
        if chosen is None:
            return {}
        folder = chosen.path / REJECTED_DIR
        return {p.stem: _read_parquet(chosen, p) for p in sorted(folder.glob("*.parquet"))} if folder.is_dir() else {}

    def missing_tables(self, version: Version | int | None = None) -> list[str]:
        """Tables the pages need that the version (default: current) does not hold."""
        chosen = self._resolve(version)
        held = set(chosen.tables) if chosen is not None else set()
        return [t for t in REQUIRED_TABLES if t not in held]

    def boundaries_path(self, version: Version | int | None = None) -> Path | None:
        """The district boundaries to draw: the user's saved file, else the bundled Oxfordshire
        districts when every saved district code is one of them, else None (no map)."""
        chosen = self._resolve(version)
        if chosen is None:
            return None
        if chosen.manifest.get("boundaries"):
            return chosen.path / BOUNDARIES_FILE
        districts = self.table("districts", chosen)
        if districts is None:
            return None
        bundled = json.loads(ds.DEMO_BOUNDARIES.read_text("utf-8"))
        codes = {str(f["properties"].get("district_code")) for f in bundled.get("features", [])}
        return ds.DEMO_BOUNDARIES if set(districts["district_code"].astype(str)) <= codes else None

    # ------------------------------------------------ mappings and settings
    def _read_json(self, name: str) -> dict[str, Any]:
        """A settings file as a dict ({} when absent); raises :class:`StoreError` when it is damaged."""
        path = self.root / name
        if not path.is_file():
            return {}
        try:
            value = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as error:
            value = error
        if not isinstance(value, dict):
            what, meanwhile = {
                MAPPINGS_FILE: ("saved column and code mappings", "mappings are suggested afresh"),
                TARGETS_FILE: ("targets", "no target is shown until one is set again"),
            }.get(name, ("settings", "the demo data are shown on start"))
            raise StoreError(
                f"The {what} file {path} is damaged and cannot be read. The app carries on without it "
                f"({meanwhile}); "
                "the next change moves it aside as a .damaged file and writes a new one. No saved version is affected."
            )
        return value

    def _read_json_or_empty(self, name: str) -> dict[str, Any]:
        """A settings file, or {} when it is absent or damaged (``problems`` reports the damage)."""
        try:
            return self._read_json(name)
        except StoreError:
            return {}

    def _replace_json(self, name: str, value: dict[str, Any]) -> None:
        """Write a settings file atomically, moving a damaged one aside first (never lost)."""
        path = self.root / name
        with contextlib.suppress(StoreError):
            self._read_json(name)
            path = None
        if path is not None:
            os.replace(path, path.with_name(f"{name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}"))
        _atomic_write(self.root / name, _json_bytes(value))

    def column_map(self, table: str) -> dict[str, str]:
        """The column mapping last saved for ``table``: ``{file header: contract column}``."""
        return dict(self._read_json_or_empty(MAPPINGS_FILE).get("columns", {}).get(table, {}))

    def code_maps(self) -> dict[str, dict[str, str]]:
        """The saved code mappings: ``{contract column: {local code: reporting group}}``."""
        return {k: dict(v) for k, v in self._read_json_or_empty(MAPPINGS_FILE).get("codes", {}).items()}

    def remember_mappings(
        self, table: str, column_map: Mapping[str, str] | None, code_map: Mapping[str, Mapping[str, str]] | None
    ) -> None:
        """Save a table's column mapping and add the code mappings (atomically) for the next upload."""
        self.root.mkdir(parents=True, exist_ok=True)
        mappings = self._read_json_or_empty(MAPPINGS_FILE)
        if column_map:
            mappings.setdefault("columns", {})[table] = dict(column_map)
        for column, codes in (code_map or {}).items():
            mappings.setdefault("codes", {}).setdefault(column, {}).update(dict(codes))
        self._replace_json(MAPPINGS_FILE, mappings)

    def preferred_source(self) -> str:
        """The data the app shows on start: "saved" once the user chose it, else "demo"."""
        return SAVED if self._read_json_or_empty(SETTINGS_FILE).get("source") == SAVED else DEMO

    def set_preferred_source(self, source: str) -> None:
        """Remember which data the app shows on start ("demo" or "saved")."""
        if source not in (DEMO, SAVED):
            raise StoreError(f"The data source is 'demo' or 'saved', not '{source}'.")
        self.root.mkdir(parents=True, exist_ok=True)
        self._replace_json(SETTINGS_FILE, self._read_json_or_empty(SETTINGS_FILE) | {"source": source})

    # ------------------------------------------------ targets
    def target(self, key: str, name: str = KEY_REFERRAL_TARGET) -> Target | None:
        """The target ``name`` set for the data ``key`` ("demo" or "saved"), or None when none is set."""
        record = self._read_json_or_empty(TARGETS_FILE).get(key, {}).get(name, {}).get("current")
        return Target.from_record(record) if record else None

    def target_history(self, key: str, name: str = KEY_REFERRAL_TARGET) -> list[dict[str, Any]]:
        """Every setting and clearing of the target, oldest first (what, by whom, when)."""
        return list(self._read_json_or_empty(TARGETS_FILE).get(key, {}).get(name, {}).get("history", []))

    def set_target(
        self, key: str, percent: float, groups: Sequence[str], *, set_by: str | None = None,
        name: str = KEY_REFERRAL_TARGET,
    ) -> Target:
        """Store a target for the data ``key`` (atomically, like every file of the store), with who set
        it (``set_by``, else the operating-system user) and when; the earlier setting stays in the history."""
        if key not in (DEMO, SAVED):
            raise StoreError(f"Targets are kept for the 'demo' or the 'saved' data, not '{key}'.")
        try:
            value = float(percent)
        except (TypeError, ValueError):
            raise StoreError(f"The target must be a percentage from 0 to 100, not '{percent}'.") from None
        if not 0 <= value <= 100:
            raise StoreError(f"The target must be a percentage from 0 to 100, not {value:g}.")
        chosen = tuple(str(g) for g in groups)
        if not chosen:
            raise StoreError("Choose at least one key referring agency before setting a target.")
        record = {"percent": value, "groups": list(chosen), "set_by": user_name(set_by),
                  "set_at": pd.Timestamp.now().isoformat(timespec="seconds")}
        self._change_target(key, name, record, {"action": "set", **record})
        return Target.from_record(record)

    def clear_target(self, key: str, *, cleared_by: str | None = None, name: str = KEY_REFERRAL_TARGET) -> None:
        """Remove the target (the page then says "no target set"); the clearing is kept in the history."""
        entry = {"action": "cleared", "set_by": user_name(cleared_by),
                 "set_at": pd.Timestamp.now().isoformat(timespec="seconds")}
        self._change_target(key, name, None, entry)

    def indicator_targets(self, key: str) -> dict[str, Any] | None:
        """The indicator targets set for the data ``key``: ``{"rows": [{indicator, period, target, source}...],
        "set_by", "set_at"}``, or None when none are set (rows validated by ``analysis.targets`` before saving)."""
        record = self._read_json_or_empty(TARGETS_FILE).get(key, {}).get(INDICATOR_TARGETS, {}).get("current")
        return dict(record) if record else None

    def set_indicator_targets(self, key: str, rows: Sequence[Mapping[str, Any]], *,
                              set_by: str | None = None) -> dict[str, Any]:
        """Store the indicator targets for the data ``key`` as one setting (replacing the earlier one, which stays
        in the history), with who set them and when, like the key referring agencies' target."""
        if key not in (DEMO, SAVED):
            raise StoreError(f"Targets are kept for the 'demo' or the 'saved' data, not '{key}'.")
        record = {"rows": [dict(row) for row in rows], "set_by": user_name(set_by),
                  "set_at": pd.Timestamp.now().isoformat(timespec="seconds")}
        self._change_target(key, INDICATOR_TARGETS, record, {"action": "set", **record})
        return record

    def _change_target(self, key: str, name: str, record: dict[str, Any] | None, entry: dict[str, Any]) -> None:
        with self._locked():
            targets = self._read_json_or_empty(TARGETS_FILE)
            slot = targets.setdefault(key, {}).setdefault(name, {})
            slot["current"] = record
            slot.setdefault("history", []).append(entry)
            self._replace_json(TARGETS_FILE, targets)

    # ------------------------------------------------ writing
    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """One writer at a time (an advisory lock, released by the system if the process dies)."""
        self.versions_dir.mkdir(parents=True, exist_ok=True)
        with open(self.root / LOCK_FILE, "a+") as handle:
            try:
                import fcntl
            except ImportError:  # Windows: single-user desktop use; no advisory lock
                yield
                return
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def _clean_temporary(self) -> None:
        """Remove folders left by saves that were killed (only called while holding the lock)."""
        for path in self.versions_dir.glob(f"{TMP_PREFIX}*"):
            shutil.rmtree(path, ignore_errors=True)

    def save(
        self, uploads: Sequence[Upload], *, saved_by: str | None = None,
        boundaries: tuple[bytes | str, str] | None = None,
    ) -> SaveResult:
        """Save validated files (and, optionally, district boundaries: ``(GeoJSON, source name)``)
        as ONE new version and make it current (atomically): a whole extract of several tables is
        one version, or none of it is saved.

        Each upload is merged into the current version's table by its mode (see the module
        docstring); other tables are carried over unchanged. Several files of one table in one save
        are merged in turn; with ``replace``, the first replaces the saved table and the others are
        added to it (so one save never replaces its own rows). Rejected rows are kept beside the
        table. The column and code mappings are remembered for the next upload. A failure at any
        point leaves the current version as it was.
        """
        if not uploads and boundaries is None:
            raise StoreError("There is nothing to save: upload and check a file first.")
        uploads = list(uploads)
        for upload in uploads:
            if upload.result.table not in TABLES:
                raise StoreError(f"'{upload.result.table}' is not a table of the data contract.")
            if upload.mode not in MODES:
                raise StoreError(f"'{upload.mode}' is not a way of saving; choose one of: {', '.join(MODES)}.")
        with self._locked():
            self._clean_temporary()
            base = self.current()
            changes = []
            tables = {name: self.table(name, base) for name in (base.tables if base else {})}
            rejected = self.rejected(base) if base else {}
            new_number = self._next_number()
            seen: set[str] = set()
            for index, upload in enumerate(uploads):
                result = upload.result
                if upload.mode == REPLACE and result.table in seen:  # a second file of the table in this save
                    upload = uploads[index] = Upload(result, ADD, upload.column_map, upload.code_map)
                seen.add(result.table)
                before = tables.get(result.table)
                merged, counts = merge_table(before, result.data, result.table, upload.mode)
                tables[result.table] = merged
                change = TableChange(
                    result.table, result.source_name, upload.mode, result.rows_read, len(result.rejected),
                    0 if before is None else len(before), len(merged), **counts,
                )
                changes.append(change)
                report = result.rejected.assign(source=result.source_name, saved_in_version=new_number)
                report = report.astype({c: "string" for c in report.columns if c not in ("row_number", "saved_in_version")})
                earlier = rejected.get(result.table)
                keep_earlier = earlier is not None and upload.mode != REPLACE
                rejected[result.table] = pd.concat([earlier, report], ignore_index=True) if keep_earlier else report
            manifest = self._manifest(base, uploads, changes, tables, saved_by, action="save")
            data = None
            if boundaries is not None:
                data = boundaries[0].encode("utf-8") if isinstance(boundaries[0], str) else boundaries[0]
                manifest["boundaries"] = {"source": boundaries[1], "sha256": hashlib.sha256(data).hexdigest(),
                                          "saved_in_version": new_number}
            version = self._write_version(
                new_number, base, tables, rejected, manifest, {u.result.table for u in uploads}, data)
            for upload in uploads:
                self.remember_mappings(upload.result.table, upload.column_map, upload.code_map)
        return SaveResult(version, changes)

    def save_boundaries(self, geojson: bytes | str, source: str, *, saved_by: str | None = None) -> Version:
        """Save district boundaries (GeoJSON text, e.g. ``load_boundaries(...).to_json()``) as a new version."""
        data = geojson.encode("utf-8") if isinstance(geojson, str) else geojson
        with self._locked():
            self._clean_temporary()
            base = self.current()
            tables = {name: self.table(name, base) for name in (base.tables if base else {})}
            manifest = self._manifest(base, [], [], tables, saved_by, action="boundaries")
            number = self._next_number()
            manifest["boundaries"] = {"source": source, "sha256": hashlib.sha256(data).hexdigest(),
                                      "saved_in_version": number}
            return self._write_version(number, base, tables, self.rejected(base) if base else {}, manifest, set(), data)

    def restore(self, number: int) -> Version:
        """Make an earlier version current again (atomic: only ``CURRENT`` changes; nothing is deleted)."""
        with self._locked():
            version = self.version(number)
            _atomic_write(self.root / CURRENT_FILE, f"{version.path.name}\n".encode())
        return version

    def _next_number(self) -> int:
        numbers = [v.number for v in self.versions()]
        taken = [int(m.group(1)) for p in self.versions_dir.iterdir() if (m := VERSION_PATTERN.match(p.name))]
        return max([0, *numbers, *taken]) + 1

    def _manifest(
        self, base: Version | None, uploads: Sequence[Upload], changes: list[TableChange],
        tables: Mapping[str, pd.DataFrame], saved_by: str | None, *, action: str,
    ) -> dict[str, Any]:
        try:
            who = saved_by or getpass.getuser()
        except (KeyError, OSError):  # no user name in some containers
            who = "unknown"
        entries = {name: dict(entry) for name, entry in (base.tables if base else {}).items()}
        for upload, change in zip(uploads, changes, strict=True):
            earlier = entries.get(change.table, {})
            sources = [] if change.mode == REPLACE else list(earlier.get("sources", []))
            entries[change.table] = {
                "source": change.source,
                "sources": [*sources, change.source],
                "mode": change.mode,
                "rows_read": change.rows_read,
                "rejected": change.rejected,
                "column_map": dict(upload.column_map or {}),
                "code_map": {k: dict(v) for k, v in (upload.code_map or {}).items()},
            }
        for name, frame in tables.items():
            entries.setdefault(name, {}).update(file=f"{name}.parquet", rows=len(frame))
        return {
            "saved_at": pd.Timestamp.now().isoformat(timespec="seconds"),
            "saved_by": who,
            "action": action,
            "based_on": base.number if base else None,
            "changes": [asdict(c) for c in changes],
            "tables": entries,
            "boundaries": dict(base.manifest.get("boundaries") or {}) if base else {},
        }

    @staticmethod
    def _write_person_year(folder: Path, base: Version | None, tables: Mapping[str, pd.DataFrame],
                           manifest: dict[str, Any], changed: set[str]) -> None:
        """Write the fact table of ``tables`` into the version being written (``folder``) and list it with
        its checksum under the manifest's ``derived``: linked from ``base`` when none of its source
        tables changed, else built. Nothing when the episodes or districts are not saved yet."""
        if not {"episodes", "districts"} <= set(tables):
            return
        target = folder / PERSON_YEAR_FILE
        earlier = (base.manifest.get("derived") or {}).get("person_year") if base is not None else None
        prepared_target = folder / PREPARED_EPISODES_FILE
        earlier_prepared = (base.manifest.get("derived") or {}).get("prepared_episodes") if base is not None else None
        facts_linked = bool(earlier and not (changed & set(PERSON_YEAR_SOURCES))
                            and (base.path / PERSON_YEAR_FILE).is_file())
        data = None if facts_linked else _dataset_of(tables)
        # the prepared episodes and the episode links first, the fact table last: it needs no client ids, and the
        # prepared episodes' (48 MB at national scale) are let go before it is built (issue 12: the save's peak)
        if (data is None and earlier_prepared and earlier_prepared.get("format") == cohorts.PREPARED_FORMAT
                and (base.path / PREPARED_EPISODES_FILE).is_file()):
            _link_or_copy(base.path / PREPARED_EPISODES_FILE, prepared_target)
            prepared_info = {key: earlier_prepared[key] for key in ("episodes", "format") if key in earlier_prepared}
        else:
            data = data if data is not None else _dataset_of(tables)
            _write_parquet(prepared_target, data.episodes)
            prepared_info = {"episodes": len(data.episodes), "format": cohorts.PREPARED_FORMAT}
        prepared = {"file": PREPARED_EPISODES_FILE, "sha256": _sha256(prepared_target), **prepared_info}
        give_back_memory()  # the prepared episodes' Parquet buffers, before the episode links are found
        links = Store._write_links(folder, base, tables, changed, data)
        give_back_memory()
        if facts_linked:
            _link_or_copy(base.path / PERSON_YEAR_FILE, target)
            info = {key: earlier[key] for key in ("episodes", "years", "columns") if key in earlier}
            facts_sha256 = _sha256(target)
        else:
            from analysis import person_year

            data = data if data is not None else _dataset_of(tables)
            data.episodes = data.episodes.drop(columns=["client_id"], errors="ignore")  # not read by the build
            give_back_memory()
            facts_sha256 = _write_parquet(target, data.person_year())
            info = {"episodes": len(data.episodes), "years": [fy.label for fy in data.years],
                    "columns": list(person_year.COLUMNS)}
            data.facts = None
            give_back_memory()
        derived = {"person_year": {"file": PERSON_YEAR_FILE, "sha256": facts_sha256, **info},
                   "prepared_episodes": prepared, **links}
        manifest["derived"] = derived

    @staticmethod
    def _write_links(folder: Path, base: Version | None, tables: Mapping[str, pd.DataFrame], changed: set[str],
                     data: ds.Dataset | None) -> dict[str, dict[str, Any]]:
        """The episode links of the version being written (``EPISODE_LINKS_FILE``, one per child table), as
        manifest ``derived`` entries: linked from ``base`` when none of ``LINK_SOURCES`` changed and they were
        made by this code, else found (``profiles.episode_links``)."""
        from analysis import profiles

        earlier = {name: entry for name, entry in ((base.manifest.get("derived") or {}) if base else {}).items()
                   if name.startswith("episode_links_")}
        if (earlier and not (changed & set(LINK_SOURCES))
                and all(e.get("format") == cohorts.PREPARED_FORMAT and (base.path / e["file"]).is_file()
                        for e in earlier.values())):
            for entry in earlier.values():
                _link_or_copy(base.path / entry["file"], folder / entry["file"])
            return {name: dict(entry) for name, entry in earlier.items()}
        data = data if data is not None else _dataset_of(tables)
        links = profiles.episode_links(data)
        if "substances" in links:  # kept for the fact table's build (OCU marked by row: Dataset.person_year)
            data.derived["substance_episode_rows"] = links["substances"]
        entries = {}
        for table in ("substances", "interventions", "referrals"):
            if table not in links:
                continue
            columns = {"episode_row": links[table].astype(np.int32)}
            if table == "referrals":
                columns["latest_row"] = links["referrals_latest"].astype(np.int32)
            name = EPISODE_LINKS_FILE.format(table=table)
            entries[f"episode_links_{table}"] = {
                "file": name, "sha256": _write_parquet(folder / name, pd.DataFrame(columns)),
                "rows": len(links[table]), "format": cohorts.PREPARED_FORMAT}
        return entries

    def episode_links(self, version: Version) -> dict[str, np.ndarray]:
        """The episode links saved with ``version`` (``_write_links``) that this code made for tables of the
        sizes the version holds; empty (found again on first use) for a version saved before."""
        links: dict[str, np.ndarray] = {}
        for table in ("substances", "interventions", "referrals"):
            entry = (version.manifest.get("derived") or {}).get(f"episode_links_{table}")
            rows = (version.tables.get(table) or {}).get("rows")
            if not entry or entry.get("format") != cohorts.PREPARED_FORMAT or entry.get("rows") != rows:
                continue
            path = version.path / entry["file"]
            if not path.is_file():
                continue
            frame = _read_parquet(version, path)
            # as saved (int32): these arrays are also the codes of the episode ids they stand for
            links[table] = frame["episode_row"].to_numpy(dtype=np.int32)
            if table == "referrals":
                links["referrals_latest"] = frame["latest_row"].to_numpy(dtype=np.int32)
        return links

    def empty_columns(self, version: Version) -> dict[str, dict[str, object]]:
        """The columns of ``EMPTY_NOT_HELD`` that hold no value in ``version`` (every value missing, counted
        in the Parquet file's statistics, none read), by table, each with the type it is read as."""
        found: dict[str, dict[str, object]] = {}
        for table, columns in EMPTY_NOT_HELD.items():
            entry = version.tables.get(table) or {}
            path = version.path / str(entry.get("file", f"{table}.parquet"))
            rows = entry.get("rows")
            empty = [c for c in columns if rows and _null_count(path, c) == rows]
            if empty:
                try:  # the type of each, from the file's schema (no row read)
                    types = pq.read_schema(path).empty_table().select(empty).to_pandas().dtypes
                except (OSError, ValueError) as error:
                    raise _damaged(version, path, error) from error
                found[table] = {c: types[c] for c in empty}
        return found

    def ids_given_by_links(self, version: Version, links: Mapping[str, np.ndarray]) -> list[str]:
        """The child tables (of ``links``) whose episode ids the links give back exactly: every id the
        table records (its non-missing values, counted in the Parquet file's statistics, none read) was
        found among the episodes, so each is the id of the episode its link names. For those,
        ``load_dataset`` reads no episode id (``profiles.use_episode_links`` makes them from the links)."""
        given = []
        for table in ("substances", "interventions", "referrals"):
            entry = version.tables.get(table) or {}
            rows = links.get(table)
            if rows is None or entry.get("rows") != len(rows):
                continue
            missing = _null_count(version.path / str(entry.get("file", f"{table}.parquet")), "episode_id")
            if missing is not None and int(np.count_nonzero(rows >= 0)) == len(rows) - missing:
                given.append(table)
        return given

    def person_year(self, version: Version, data: ds.Dataset) -> pd.DataFrame | None:
        """The saved fact table of ``version`` when it was built from these data (same number of
        episodes and years) with the columns of this code (``person_year.COLUMNS``); None for a version
        saved before fact tables were, or with other columns (it is built on first use). A table saved
        before ``in_all`` (``person_year.OLDER_COLUMNS``: every ``All`` row stored) is read as it is,
        ``in_all`` added False, and selects as before."""
        from analysis import person_year

        entry = (version.manifest.get("derived") or {}).get("person_year")
        if not entry or not (version.path / PERSON_YEAR_FILE).is_file():
            return None
        if entry.get("episodes") != len(data.episodes) or entry.get("years") != [fy.label for fy in data.years]:
            return None
        if entry.get("columns") not in (list(person_year.COLUMNS), person_year.OLDER_COLUMNS):
            return None

        facts = _read_fact_table(version, version.path / PERSON_YEAR_FILE)
        if {column: str(kind) for column, kind in facts.dtypes.items()} == person_year.COLUMNS:
            return facts  # Parquet keeps the types and categories: nothing to convert on a cold start
        # a category column with no value at all (e.g. no wards) comes back from Parquet as objects:
        # only the columns that differ are converted (all of them took 1 s and 120 MB at 10% national)
        differ = [column for column, kind in person_year.COLUMNS.items()
                  if column not in facts or str(facts[column].dtype) != kind]
        return person_year.typed(facts, data.episodes, only=differ)

    def prepared_episodes(self, version: Version) -> pd.DataFrame | None:
        """The episodes saved prepared with ``version`` (``PREPARED_EPISODES_FILE``) when this code prepared
        them (``cohorts.PREPARED_FORMAT``) from as many episodes as the version holds; None otherwise (a
        version saved before, or by other code: the episodes are prepared on load)."""
        entry = (version.manifest.get("derived") or {}).get("prepared_episodes")
        if not entry or entry.get("format") != cohorts.PREPARED_FORMAT:
            return None
        if entry.get("episodes") != (version.tables.get("episodes") or {}).get("rows"):
            return None
        path = version.path / PREPARED_EPISODES_FILE
        if not path.is_file():
            return None
        # the saved episodes are not read, but a damaged file must still be named now, not at the next save:
        # their footer is read (the file's schema and row count, not its rows)
        raw = version.path / str(version.tables["episodes"].get("file", "episodes.parquet"))
        try:
            rows = pq.read_metadata(raw).num_rows
        except (OSError, ValueError) as error:
            raise _damaged(version, raw, error) from error
        if rows != entry.get("episodes"):
            raise _damaged(version, raw, ValueError(f"{rows} rows where the version lists {entry.get('episodes')}"))
        # read here: the types restored and narrowed in place (a copy saved by older code holds wider integers)
        return cohorts.narrow_prepared_types(cohorts.restore_prepared_types(_read_parquet(version, path)))

    def _write_version(
        self, number: int, base: Version | None, tables: Mapping[str, pd.DataFrame],
        rejected: Mapping[str, pd.DataFrame], manifest: dict[str, Any], changed: set[str],
        boundaries: bytes | None = None,
    ) -> Version:
        """Write a complete version in a temporary folder, rename it into place, then switch CURRENT."""
        final = self.versions_dir / f"v{number:06d}"
        temporary = self.versions_dir / f"{TMP_PREFIX}{final.name}-{uuid.uuid4().hex}"
        temporary.mkdir(parents=True)
        try:
            first = True
            for name, frame in tables.items():
                target = temporary / f"{name}.parquet"
                if name not in changed and base is not None and (base.path / target.name).is_file():
                    _link_or_copy(base.path / target.name, target)
                else:
                    _write_parquet(target, frame, name)
                manifest["tables"][name]["sha256"] = _sha256(target)
                if name in changed:
                    manifest["tables"][name]["changed_in_version"] = number
                if first:
                    _checkpoint(CHECKPOINTS[0])
                    first = False
            give_back_memory()  # the buffers of the tables written, given back before the fact table is built
            if rejected:
                (temporary / REJECTED_DIR).mkdir()
                for name, frame in rejected.items():
                    _write_parquet(temporary / REJECTED_DIR / f"{name}.parquet", frame)
                _fsync_dir(temporary / REJECTED_DIR)
            self._write_person_year(temporary, base, tables, manifest, changed)
            if boundaries is not None:
                _write_file(temporary / BOUNDARIES_FILE, boundaries)
            elif base is not None and (base.path / BOUNDARIES_FILE).is_file():
                _link_or_copy(base.path / BOUNDARIES_FILE, temporary / BOUNDARIES_FILE)
            _write_file(temporary / MANIFEST_FILE, _json_bytes(manifest))  # last: marks the folder complete
            _fsync_dir(temporary)
            os.rename(temporary, final)
        except BaseException:
            shutil.rmtree(temporary, ignore_errors=True)
            raise
        _fsync_dir(self.versions_dir)
        _checkpoint(CHECKPOINTS[1])
        _atomic_write(self.root / CURRENT_FILE, f"{final.name}\n".encode())
        return self.version(number)


def _dataset_of(tables: Mapping[str, pd.DataFrame]) -> ds.Dataset:
    """The Dataset of a version's tables (tables not saved yet are empty), as ``load_dataset`` reads it."""
    empty = pd.DataFrame()
    return ds.from_tables({name: tables.get(name, empty) for name in
                           ("episodes", "substances", "referrals", "districts", "population")} | dict(tables))


#: Columns of the fact table read at a time (issue 12: reading all at once held every decoded column in
#: Arrow beside its pandas copy: +1.33 GB at national scale for a 0.56 GB table; three at a time, +0.8 GB).
FACT_TABLE_COLUMNS_AT_ONCE = 3


def _read_fact_table(version: Version, path: Path) -> pd.DataFrame:
    """The saved fact table, read a few columns at a time (Arrow's buffers of each given back before the
    next are read). A column that holds no value at all (Parquet's null type, e.g. no wards) is left
    out, for ``person_year.typed`` to add with no value, instead of a column of Python ``None``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except (OSError, ValueError) as error:
        raise _damaged(version, path, error) from error
    names = [field.name for field in schema if not pa.types.is_null(field.type)]
    step = FACT_TABLE_COLUMNS_AT_ONCE
    parts = [_read_parquet(version, path, names[start:start + step]) for start in range(0, len(names), step)]
    return pd.concat(parts, axis=1) if len(parts) > 1 else parts[0] if parts else _read_parquet(version, path)


def _column_names(version: Version, path: Path) -> list[str]:
    """The columns of a saved Parquet file (its schema, no row read)."""
    try:
        return list(pq.read_schema(path).names)
    except (OSError, ValueError) as error:
        raise _damaged(version, path, error) from error


def _null_count(path: Path, column: str) -> int | None:
    """How many values of ``column`` are missing in a Parquet file, from its statistics (no row read);
    None when the file has no such column or does not record the count."""
    try:
        metadata = pq.read_metadata(path)
        position = metadata.schema.names.index(column) if column in metadata.schema.names else None
        if position is None:
            return None
        total = 0
        for group in range(metadata.num_row_groups):
            statistics = metadata.row_group(group).column(position).statistics
            if statistics is None or not statistics.has_null_count:
                return None
            total += statistics.null_count
        return total
    except (OSError, ValueError):
        return None


def _damaged(version: Version, path: Path, error: Exception) -> StoreError:
    return StoreError(
        f"Saved version {version.number} is damaged: the file {path} cannot be read ({type(error).__name__}). "
        "Restore another version on the Data page (nothing has been deleted), or save the table again.")


#: Text columns read straight into categories by ``load_dataset`` (issue 12: at national scale the
#: episodes' ten code columns were read as 3m strings each, then converted by ``prepare_episodes``).
CATEGORIES_ON_LOAD: dict[str, tuple[str, ...]] = {
    "episodes": CODE_COLUMNS,
    # the raw codes beside their groups (a dozen values in millions of rows at national scale)
    "substances": ("substance",), "interventions": ("intervention",), "referrals": ("referral_source",),
}


#: Whole-number columns ``load_dataset`` holds as ``Int8`` when every value fits (issue 12: a substance's rank,
#: 1 to 3, took 9 bytes a row as ``Int64``: 45 MB for 5 million substances at national scale).
SMALL_INTEGERS_ON_LOAD: dict[str, tuple[str, ...]] = {"substances": ("rank",)}


def _narrow_integers(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    """``columns`` of ``frame`` (nullable integers) as ``Int8`` where every value fits (in place)."""
    for column in columns:
        if column in frame and str(frame[column].dtype) in ("Int16", "Int32", "Int64"):
            values = frame[column]
            low, high = values.min(), values.max()
            if pd.isna(low) or (-128 <= low and high <= 127):
                frame[column] = values.astype("Int8")


def _read_parquet(version: Version, path: Path, columns: list[str] | None = None,
                  as_categories: Sequence[str] | None = None) -> pd.DataFrame:
    """A saved Parquet file (``columns``: only these); a missing or damaged one raises :class:`StoreError`
    naming it. Text columns named in ``as_categories`` are read as categories (Parquet's dictionary),
    with the categories ``astype("category")`` gives: the values present, sorted."""
    try:
        dictionary: list[str] = []
        if as_categories:
            import pyarrow as pa
            import pyarrow.parquet as pq

            schema = pq.read_schema(path)
            saved_as = {c.get("field_name"): c.get("numpy_type") for c in (schema.pandas_metadata or {}).get("columns", [])}
            dictionary = [field.name for field in schema if field.name in as_categories
                          and saved_as.get(field.name) == "string"  # pandas' "string" columns (the loaders')
                          and (pa.types.is_string(field.type) or pa.types.is_large_string(field.type))]
        frame = pd.read_parquet(path, columns=columns, **({"read_dictionary": dictionary} if dictionary else {}))
    except (OSError, ValueError) as error:  # pyarrow's ArrowInvalid is a ValueError
        raise _damaged(version, path, error) from error
    for column in dictionary:  # as .astype("string").astype("category") makes them
        values = frame[column].cat.remove_unused_categories()
        categories = values.cat.categories.astype("string")
        values = values.cat.rename_categories(categories)
        frame[column] = values.cat.reorder_categories(categories.sort_values())
    ds.release_read_buffers()  # the file's decoded buffers, freed once converted: not kept by Arrow's allocator
    return frame


def _link_or_copy(source: Path, target: Path) -> None:
    """A hard link to an unchanged file of the previous version (files are never modified), else a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
        with open(target, "rb+") as handle:
            os.fsync(handle.fileno())


# ---------------------------------------------------------------- loading for the app
def load_dataset(store: Store, version: int | None = None) -> ds.Dataset:
    """The saved data as the app's Dataset (``analysis.dataset.from_tables``), labelled
    "Saved data (version N, saved <when>)". Raises :class:`NoSavedDataError` when nothing is saved
    and :class:`IncompleteStoreError` when a table the pages need has not been saved."""
    chosen = store._resolve(version)
    if chosen is None:
        raise NoSavedDataError(
            f"Nothing has been saved in {store.root} yet. Upload your tables on the Data page and save them."
        )
    missing = store.missing_tables(chosen)
    if missing:
        raise IncompleteStoreError(
            f"The saved data (version {chosen.number}) have no {', '.join(missing)} table"
            f"{'s' if len(missing) != 1 else ''}. Upload {'them' if len(missing) != 1 else 'it'} on the Data page "
            "before showing the saved data."
        )
    warnings = [
        f"{name}: {entry['rejected']} rows of {entry.get('source', 'the file')} were rejected and not saved"
        for name, entry in chosen.tables.items()
        if entry.get("rejected")
    ]
    stamp = hashlib.sha256(str(store.root.resolve()).encode()).hexdigest()[:8]
    prepared = store.prepared_episodes(chosen)  # None: read the episodes and prepare them
    links = store.episode_links(chosen) if prepared is not None else {}  # rows of the prepared episodes
    given = store.ids_given_by_links(chosen, links)  # child tables whose episode ids are not read
    empty = store.empty_columns(chosen)  # optional columns the version holds no value of: not read
    # columns read again from the file when asked for (``READ_WHEN_ASKED``): only where the saved links stand in
    saved = {table: columns for table, columns in READ_WHEN_ASKED.items() if f"{table}_latest" in links}
    leave_out_columns = {table: ("episode_id",) for table in given}
    for table, columns in [*empty.items(), *saved.items()]:
        leave_out_columns[table] = (*leave_out_columns.get(table, ()), *columns)
    data = ds.from_tables(
        store.tables(chosen, for_analysis=True, leave_out=("episodes",) if prepared is not None else (),
                     leave_out_columns=leave_out_columns),
        prepared_episodes=prepared,
        label=chosen.label,
        is_demo=False,
        population_is_approximate=False,
        version=f"saved:{stamp}:v{chosen.number}",
        warnings=warnings,
    )
    data.facts = store.person_year(chosen, data)  # None for a version saved before: built on first use
    if prepared is not None:  # links are rows of the prepared episodes saved with them
        from analysis import profiles

        profiles.use_episode_links(data, links, ids_from_links=given,
                                   positions={table: _column_names(chosen, chosen.path / chosen.tables[table]["file"])
                                              .index("episode_id") for table in given})
    for table in {*empty, *saved}:  # given back by ``Dataset.table``, in the saved order
        path = chosen.path / chosen.tables[table]["file"]
        data.unheld[table] = ds.Unheld(
            tuple(_column_names(chosen, path)), empty=empty.get(table, {}), saved=saved.get(table, ()),
            read=lambda columns, path=path: _read_parquet(chosen, path, columns))
    ds.hold_dates_as_days(data, "interventions", ds.INTERVENTION_DATES)
    from analysis import activity

    # the referral ids are the contract's key: the loaders reject a repeated one and every save merges on it, so a
    # saved version's do not repeat (the referrals page's check read and hashed each year's ids: 59 MB held)
    data.derived[activity.KEYS_UNIQUE] = bool(TABLES["referrals"].key == ("referral_id",))
    data.derived["unique_episode_ids"] = bool(TABLES["episodes"].key == ("episode_id",))  # the same for episodes
    ds.release_read_buffers()
    return data


#: Optional columns ``load_dataset`` does not hold when a version has no value in them (issue 12): read by no
#: page model (the referrals' ``service`` is read as its reporting group, ``service_group``), and given back
#: with no value by ``Dataset.table``. At national scale an empty text column of 3.3 million rows held 27 MB.
EMPTY_NOT_HELD: dict[str, tuple[str, ...]] = {"referrals": ("service",)}
#: Columns ``load_dataset`` does not hold when the version's saved links stand in for them (issue 12), read
#: again from the version's file when asked for (``Dataset.table`` / ``Dataset.column``: the data quality checks,
#: and once per data set the clients never treated among the referrals, ``profiles._client_codes``). The
#: referrals' client and referral ids held 56 and 59 MB of text at national scale; a page model counts people
#: referred on the codes found once from the client ids, and reads no referral id (``activity.KEYS_UNIQUE``).
READ_WHEN_ASKED: dict[str, tuple[str, ...]] = {"referrals": ("referral_id", "client_id")}


__all__ = [
    "ADD", "DEMO", "INDICATOR_TARGETS", "KEY_REFERRAL_TARGET", "MODES", "REPLACE", "SAVED", "STORE_ENV", "UPDATE",
    "IncompleteStoreError", "NoSavedDataError", "SaveResult", "Store", "StoreError", "TableChange", "Target",
    "Upload", "Version", "data_key", "default_location", "user_name", "load_dataset", "merge_table", "store_location",
]
