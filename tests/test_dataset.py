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
