"""Golden equivalence: every figure of every page model equals the committed record (tests/golden.py).

The record was made from the code before the person-year fact table (issue 12). A difference is
either a bug of a rewrite or a bug fixed on purpose: then regenerate with
``python -m tests.golden --write`` and name the difference in the commit.
"""

from __future__ import annotations

import pandas as pd
import pytest

from tests import golden


@pytest.mark.parametrize("name", list(golden.DATASETS))
def test_every_figure_equals_the_golden_record(name: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    expected = golden.read(name)
    actual = golden.record(name, golden.DATASETS[name]())
    assert len(expected) > 1000  # the record holds figures, not an empty file
    found = golden.differences(expected, actual)
    assert not found, "\n".join(found)


def test_the_comparison_is_exact_for_text_and_tight_for_numbers() -> None:
    row = ("overview", "all", "2024/25", "headlines[x][0].count", "num", "100.0")
    assert golden.same(row, row)
    assert golden.same(row, (*row[:5], "100.00000000001"))
    assert not golden.same(row, (*row[:5], "100.000001"))
    assert not golden.same(row, (*row[:4], "str", "100.0"))
    text = ("overview", "all", "2024/25", "summaries[x]", "str", "Up from 5")
    assert not golden.same(text, (*text[:5], "Up from 6"))
    assert golden.differences([row], [(*row[:5], "101.0")])
    assert golden.differences([row], [])  # a figure gone is a difference


def test_every_figure_is_the_same_when_the_data_are_read_back_from_the_store(tmp_path) -> None:
    """issue 12 (memory): a cold start reads the saved tables with their code columns straight into
    categories and the fact table a few columns at a time; the 1% national sample, saved through the
    store and read back by ``load_dataset``, gives every golden figure. (What the store does not keep,
    the folder's declared complete years and label, is taken from the folder's data set.)"""
    from analysis.loaders import load_table
    from analysis.store import REPLACE, Store, Upload, load_dataset

    reference = golden.DATASETS["national1"]()
    folder = golden.national_folder()
    uploads = [Upload(load_table(folder / f"{table}.parquet", table), mode=REPLACE)
               for table in ("episodes", "substances", "referrals", "interventions", "districts", "population",
                             "prevalence", "comparators") if (folder / f"{table}.parquet").exists()]
    store = Store.open(tmp_path / "store")
    store.save(uploads, saved_by="golden")
    data = load_dataset(store)
    assert isinstance(data.substances["substance"].dtype, pd.CategoricalDtype)  # read the new way
    data.declared_years, data.label = reference.declared_years, reference.label
    data.is_demo, data.population_is_approximate = reference.is_demo, reference.population_is_approximate
    found = golden.differences(golden.read("national1"), golden.record("national1", data))
    assert not found, "\n".join(found)
