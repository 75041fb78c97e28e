"""The data set's remembered results: each caller gets a frame of its own."""

from __future__ import annotations

import pandas as pd

from analysis import dataset as ds


def test_a_remembered_frame_cannot_be_changed_by_a_caller():
    data = ds.load_demo()
    calls = []

    def compute() -> pd.DataFrame:
        calls.append(1)
        frame = pd.DataFrame({"group": ["a", "b"], "count": [3, 4]})
        frame.attrs["kind"] = "count"
        return frame

    first = data.remember(("test", 1), compute)
    first.loc[0, "count"] = 99  # written in place
    first["extra"] = 1  # a column added
    first.attrs["kind"] = "changed"
    second = data.remember(("test", 1), compute)
    assert calls == [1]  # computed once
    assert second["count"].tolist() == [3, 4] and "extra" not in second.columns
    assert second.attrs["kind"] == "count"


def _arrow_allocator(env: dict[str, str]) -> str:
    """The allocator Arrow uses in a fresh process once ``analysis.dataset`` is imported (and, after loading
    the demo, that every table still reads)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = ("import pyarrow as pa; from analysis import dataset as ds; data = ds.load_demo(); "
            "assert len(data.episodes) and data.episodes['client_id'].notna().all(); "
            "print(pa.default_memory_pool().backend_name)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120,
                         cwd=Path(__file__).resolve().parent.parent,
                         env={k: v for k, v in os.environ.items() if k != ds.ARROW_POOL_ENV} | env)
    return run.stdout.strip().splitlines()[-1]


def test_arrow_allocates_through_the_c_library_as_numpy_does():
    """Arrow's default allocator (mimalloc) kept the memory freed by text columns and file reads for Arrow's
    own use: at national scale about 1 GB stayed resident after a data set was let go (issue 12)."""
    assert _arrow_allocator({}) == "system"


def test_an_allocator_chosen_for_arrow_is_left_alone():
    assert _arrow_allocator({"ARROW_DEFAULT_MEMORY_POOL": "mimalloc"}) == "mimalloc"
