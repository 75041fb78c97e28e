"""The app's one loader module: which data set is shown, cached per data version, and the shared filters."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from analysis import dataset as ds
from analysis import maps, store
from analysis.codes import ADULTS, YOUNG_PEOPLE
from analysis.errors import DashboardError
from analysis.filters import ALL, NOT_KNOWN, Filters, default_service
from analysis.periods import AGE_BAND_LABELS, Comparison, FinancialYear, default_comparison, resolve_years

SEX_OPTIONS = [ALL, "Male", "Female"]
SERVICE_OPTIONS = [ALL, YOUNG_PEOPLE, ADULTS]
#: Session key of the current Selection (set by app.py before the page runs).
SELECTION_KEY = "selection"
#: Session key of the data source: "demo" or "saved".
SOURCE_KEY = "data_source"


@dataclass(frozen=True)
class Selection:
    """What the sidebar selects: the year, the year compared with, and the filters."""

    fy: FinancialYear
    #: The year compared with, or ``analysis.periods.NO_COMPARISON`` for the earliest year in the data.
    comparison_fy: Comparison
    filters: Filters


@st.cache_resource(show_spinner="Loading the demo data…")
def _demo() -> ds.Dataset:
    return ds.load_demo()


def require_navigation() -> None:
    """Make sure app.py's ``st.navigation`` routes this run.

    Streamlit (1.67) treats a folder named ``pages/`` beside the entry point as an old-style
    multipage app until ``st.navigation`` has been called once in the process, so the very first
    run after a server start (or every AppTest run) may execute a page script directly, without
    app.py's filters. This switches that mode off and reruns through app.py; a no-op otherwise."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def selection() -> Selection:
    """The sidebar's current selection (drawn by app.py before every page)."""
    require_navigation()
    return st.session_state[SELECTION_KEY]


#: Session key where a problem with the saved data is kept for the Data page to show.
SAVED_PROBLEM_KEY = "_saved_data_problem"


#: How many loaded saved versions the app keeps: one, as it only ever shows the current version, and a
#: national extract takes about 2 GB loaded (issue 12). A save or restore drops it first
#: (``forget_saved_data``), so the save's own work is not done beside the version it replaces.
KEPT_SAVED_VERSIONS = 1


@st.cache_resource(show_spinner="Loading the saved data…", max_entries=KEPT_SAVED_VERSIONS)
def _saved(root: str, version: int) -> ds.Dataset:
    # a version never changes once written, so (store folder, version number) identifies the data
    return store.load_dataset(store.Store.open(root), version)


def forget_saved_data() -> None:
    """Drop the loaded saved version (every session's), so its memory is given back before a save or
    restore: the next page loads the current version again from the store."""
    _saved.clear()


def saved_store() -> store.Store:
    """The local store of saved data (its folder is the ``DAAT_DASHBOARD_STORE`` setting)."""
    return store.Store.open()


def data_source() -> str:
    """The data the app shows: the choice made this session, else the one remembered in the store."""
    chosen = st.session_state.get(SOURCE_KEY)
    if chosen in (store.DEMO, store.SAVED):
        return chosen
    try:
        return saved_store().preferred_source()
    except (OSError, ValueError):  # unreadable settings: show the demo rather than fail to start
        return store.DEMO


def use_source(source: str) -> None:
    """Show the demo or the saved data from now on (this session, and on the next start)."""
    st.session_state[SOURCE_KEY] = source
    st.session_state.pop(SAVED_PROBLEM_KEY, None)
    with contextlib.suppress(OSError, store.StoreError):
        saved_store().set_preferred_source(source)


def current_dataset() -> ds.Dataset:
    """The data set the app shows now: the current saved version when the saved data were chosen
    (on the Data page; the choice is remembered in the store), else the demo. If the saved data
    cannot be shown (nothing saved, a table missing) the demo is shown, which the banner says, and
    the reason is kept for the Data page."""
    require_navigation()
    if data_source() == store.SAVED:
        try:
            saved = saved_store()
            version = saved.current()
            if version is None:
                raise store.NoSavedDataError("Nothing has been saved yet, so the demo data are shown.")
            data = _saved(str(saved.root), version.number)
            st.session_state.pop(SAVED_PROBLEM_KEY, None)
            return data
        except (DashboardError, OSError) as error:
            st.session_state[SAVED_PROBLEM_KEY] = str(error)
    return _demo()


def store_problems() -> list[str]:
    """What is damaged in the local store, each as a sentence naming the file and what to do
    (empty when the store is sound or nothing has been saved)."""
    try:
        return saved_store().problems()
    except OSError as error:
        return [f"The saved data folder cannot be read ({error}). Check its permissions; the demo data are shown."]


def district_boundaries(data: ds.Dataset) -> str | None:
    """The district boundaries to draw for the data shown: for the demo, the bundled Oxfordshire
    file; for saved data, the current version's own file, or the bundled file when every saved
    district is an Oxfordshire one (``store.Store.boundaries_path``), and only when it has a
    boundary for at least one of the data's districts. Otherwise None: the page says so and offers
    the upload. Another area's map is never drawn."""
    if data.is_demo:
        return str(ds.DEMO_BOUNDARIES)
    path = None
    with contextlib.suppress(OSError, ValueError, store.StoreError):
        path = saved_store().boundaries_path()
    with contextlib.suppress(OSError, ValueError):
        if path is not None and maps.matches_any(path, data.district_names):
            return str(path)
    return None


def ward_boundaries(data: ds.Dataset) -> str | None:
    """The ward boundaries to draw: the bundled Oxfordshire wards for the demo, and for saved data
    whose districts are all Oxfordshire's; otherwise None (the ward table is shown without a map)."""
    if data.is_demo or maps.covers(ds.DEMO_BOUNDARIES, data.district_names):
        return str(ds.DEMO_WARDS)
    return None


def _key_part(value: Any) -> Any:
    """A hashable stand-in for an argument: a data set by its version, a function by its name."""
    if isinstance(value, ds.Dataset):
        return f"dataset:{value.version}"
    if callable(value):
        return f"{value.__module__}.{value.__qualname__}"
    if isinstance(value, (list, tuple)):
        return tuple(_key_part(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((str(k), _key_part(v)) for k, v in value.items()))
    if isinstance(value, pd.DataFrame):  # repr would truncate a large frame: hash its contents
        return ("frame", value.shape, int(pd.util.hash_pandas_object(value.astype(str), index=True).sum()))
    return repr(value)


@st.cache_data(show_spinner=False, max_entries=4000)
def _cached(key: str, _function: Callable[..., Any], _args: tuple, _kwargs: dict) -> Any:
    return _function(*_args, **_kwargs)


def compute(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call an ``analysis`` function, cached by its name, the data version and the arguments.
    A result's ``attrs`` (the measure's kind and label) survive the cache."""
    key = repr((_key_part(function), _key_part(args), sorted((k, _key_part(v)) for k, v in kwargs.items())))
    result = _cached(key, function, args, kwargs)
    return result


#: Sidebar keys of the two years; they are also the URL's query parameters.
YEAR_KEY, COMPARE_KEY = "year", "compare"
#: What the URL says for the comparison year when there is none (the earliest year is selected).
NO_COMPARISON_PARAMETER = "none"
#: Session key set once the years of the URL a session was opened with have been read.
_YEARS_FROM_URL_KEY = "_years_read_from_url"


def _years_from_url() -> None:
    """On a session's first run, take the two years from the URL it was opened with (a shared link)."""
    if st.session_state.get(_YEARS_FROM_URL_KEY):
        return
    st.session_state[_YEARS_FROM_URL_KEY] = True
    for key in (YEAR_KEY, COMPARE_KEY):
        value = st.query_params.get(key)
        if value:
            st.session_state[key] = value


def _year_changed(years: list[FinancialYear]) -> None:
    """A new year selected: compare it with the year before it (its default), never a later one."""
    fy, _ = resolve_years(years, st.session_state.get(YEAR_KEY), None)
    st.session_state[COMPARE_KEY] = default_comparison(fy, years).label.capitalize()


#: The shared filters, by their session (and URL) key.
FILTER_KEYS = (YEAR_KEY, COMPARE_KEY, "service", "age", "sex", "district")
#: The filters each page uses, by the page's url path; a page not listed uses them all. A filter that
#: does nothing on a page is not drawn there (its value is kept for the pages that use it).
PAGE_FILTERS: dict[str, tuple[str, ...]] = {
    "data": (),
    "about": (),
    "accessibility": (),
    "data_quality": (YEAR_KEY, COMPARE_KEY, "service"),  # counts of records: only the service applies
    "spc": (YEAR_KEY, "service", "age", "sex", "district"),  # every month to the year's end: no comparison
}


def filters_for(page: str | None) -> tuple[str, ...]:
    """The filter keys drawn on ``page`` (its url path; every filter when unknown)."""
    return PAGE_FILTERS.get(page or "", FILTER_KEYS)


def _year_selectors(data: ds.Dataset, shown: tuple[str, ...]) -> tuple[FinancialYear, Comparison]:
    """The year and comparison-year boxes (each drawn when the page uses it). Not bound with
    ``bind="query-params"``: a bound widget leaves its default out of the URL, and the comparison's
    default moves with the year, so a link could open on another comparison than the sender's. Both
    years are written to the URL on every run instead, so a shared link always shows exactly what the
    sender sees."""
    years = data.years
    _years_from_url()
    fy, comparison = resolve_years(years, st.session_state.get(YEAR_KEY), st.session_state.get(COMPARE_KEY))
    earlier = [year.label for year in sorted(years, reverse=True) if year < fy]
    st.session_state[YEAR_KEY] = fy.label
    st.session_state[COMPARE_KEY] = comparison.label if comparison else comparison.label.capitalize()
    side = st.sidebar
    if YEAR_KEY in shown:
        side.selectbox("Financial year", [year.label for year in sorted(years, reverse=True)], key=YEAR_KEY,
                       on_change=_year_changed, args=(years,), persist_state="session",
                       help="1 April to 31 March. Defaults to the latest year in the data.")
    if COMPARE_KEY in shown:
        side.selectbox("Compared with", earlier or [st.session_state[COMPARE_KEY]], key=COMPARE_KEY,
                       disabled=not earlier, persist_state="session",
                       help="Defaults to the year before; only earlier years can be chosen. The earliest year "
                            "in the data has no comparison.")
    st.query_params[YEAR_KEY] = fy.label
    st.query_params[COMPARE_KEY] = comparison.label if comparison else NO_COMPARISON_PARAMETER
    return fy, comparison


def sidebar_filters(data: ds.Dataset, page: str | None = None) -> Selection:
    """Draw the shared filters that ``page`` uses in the sidebar, bound to the URL, and return the
    selection. A filter the page does not use is not drawn: its last value (this session, or the
    address) still makes up the selection, and is drawn again on the pages that use it."""
    shown = filters_for(page)
    side = st.sidebar

    def choose(label: str, options: list, key: str, **kwargs: Any) -> Any:
        if key in shown:
            # persist_state: the value outlives a page that does not draw the widget
            return side.selectbox(label, options, key=key, bind="query-params", persist_state="session", **kwargs)
        kept = st.session_state.get(key, st.query_params.get(key))
        return kept if kept in options else options[kwargs.get("index", 0)]

    if shown:
        side.header("Filters")
    fy, comparison = _year_selectors(data, shown)
    service = choose("Service", SERVICE_OPTIONS, "service",
                     index=SERVICE_OPTIONS.index(default_service(data.episodes["service_group"])),
                     help="Starts on the only service in the data when there is one, else all services.")
    age = choose("Age band", [ALL, *AGE_BAND_LABELS], "age")
    sex = choose("Sex", SEX_OPTIONS, "sex")
    names = data.district_names
    district = choose("District", [ALL, *names, NOT_KNOWN], "district", format_func=lambda code: names.get(code, code))
    return Selection(fy, comparison, Filters(service=service, age_band=age, sex=sex, district=district))


#: Session key where the Monthly trends page keeps its rebase month and targets, for the board pack.
SPC_SETTINGS_KEY = "spc_settings"


def remember_spc_settings(rebase_month: object, targets: tuple[tuple[str, float], ...]) -> None:
    """Keep the Monthly trends page's rebase month (a ``pd.Timestamp`` or None) and targets per month, so
    the board pack's slides are the charts the page shows (its widgets' own state is gone once another
    page is drawn)."""
    st.session_state[SPC_SETTINGS_KEY] = (rebase_month, targets)


def spc_settings() -> tuple[object, tuple[tuple[str, float], ...]]:
    """The Monthly trends page's rebase month and targets this session: (None, ()) until set there."""
    return st.session_state.get(SPC_SETTINGS_KEY, (None, ()))
