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
from analysis.filters import ALL, NOT_KNOWN, Filters
from analysis.periods import AGE_BAND_LABELS, FinancialYear

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
    comparison_fy: FinancialYear
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


@st.cache_resource(show_spinner="Loading the saved data…", max_entries=4)
def _saved(root: str, version: int) -> ds.Dataset:
    # a version never changes once written, so (store folder, version number) identifies the data
    return store.load_dataset(store.Store.open(root), version)


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


#: The shared filters, by their session (and URL) key.
FILTER_KEYS = ("year", "compare", "service", "age", "sex", "district")
#: The filters each page uses, by the page's url path; a page not listed uses them all. A filter that
#: does nothing on a page is not drawn there (its value is kept for the pages that use it).
PAGE_FILTERS: dict[str, tuple[str, ...]] = {
    "data": (),
    "about": (),
    "data_quality": ("year", "compare", "service"),  # counts of records: only the service applies
    "spc": ("year", "service", "age", "sex", "district"),  # every month to the year's end: no comparison
}


def filters_for(page: str | None) -> tuple[str, ...]:
    """The filter keys drawn on ``page`` (its url path; every filter when unknown)."""
    return PAGE_FILTERS.get(page or "", FILTER_KEYS)


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

    years = [fy.label for fy in data.years]
    if shown:
        side.header("Filters")
    year = choose("Financial year", years[::-1], "year", index=0,
                  help="1 April to 31 March. Defaults to the latest year in the data.")
    earlier = [y for y in years if y < year] or years
    comparison = choose("Compared with", earlier[::-1], "compare", index=0, help="Defaults to the year before.")
    service = choose("Service", SERVICE_OPTIONS, "service")
    age = choose("Age band", [ALL, *AGE_BAND_LABELS], "age")
    sex = choose("Sex", SEX_OPTIONS, "sex")
    names = data.district_names
    district = choose("District", [ALL, *names, NOT_KNOWN], "district", format_func=lambda code: names.get(code, code))
    return Selection(
        FinancialYear.from_label(year),
        FinancialYear.from_label(comparison),
        Filters(service=service, age_band=age, sex=sex, district=district),
    )
