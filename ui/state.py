"""The app's one loader module: which data set is shown, cached per data version, and the shared filters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from analysis import dataset as ds
from analysis.codes import ADULTS, YOUNG_PEOPLE
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


def current_dataset() -> ds.Dataset:
    """The data set the app shows now (the demo unless saved data were chosen on the Data page)."""
    require_navigation()
    loader: Callable[[], ds.Dataset] | None = st.session_state.get("_dataset_loader")
    return loader() if loader is not None else _demo()


def _key_part(value: Any) -> Any:
    """A hashable stand-in for an argument: a data set by its version, a function by its name."""
    if isinstance(value, ds.Dataset):
        return f"dataset:{value.version}"
    if callable(value):
        return f"{value.__module__}.{value.__qualname__}"
    if isinstance(value, (list, tuple)):
        return tuple(_key_part(v) for v in value)
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


def sidebar_filters(data: ds.Dataset) -> Selection:
    """Draw the shared filters in the sidebar, bound to the URL, and return the selection."""
    years = [fy.label for fy in data.years]
    side = st.sidebar
    side.header("Filters")
    year = side.selectbox("Financial year", years[::-1], index=0, key="year", bind="query-params",
                          help="1 April to 31 March. Defaults to the latest year in the data.")
    earlier = [y for y in years if y < year] or years
    comparison = side.selectbox("Compared with", earlier[::-1], index=0, key="compare",
                                bind="query-params", help="Defaults to the year before.")
    service = side.selectbox("Service", SERVICE_OPTIONS, key="service", bind="query-params")
    age = side.selectbox("Age band", [ALL, *AGE_BAND_LABELS], key="age", bind="query-params")
    sex = side.selectbox("Sex", SEX_OPTIONS, key="sex", bind="query-params")
    names = data.district_names
    district_codes = [ALL, *names, NOT_KNOWN]
    district = side.selectbox(
        "District", district_codes, key="district", bind="query-params",
        format_func=lambda code: names.get(code, code),
    )
    return Selection(
        FinancialYear.from_label(year),
        FinancialYear.from_label(comparison),
        Filters(service=service, age_band=age, sex=sex, district=district),
    )
