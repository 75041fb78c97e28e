"""The Definitions and sources page: every indicator's definition readable in full, in tables that
wrap their text (st.table), not in a st.dataframe that cuts long text off on a projector."""

from __future__ import annotations

from analysis import indicators
from tests.apptest_support import open_page, shown_tables


def test_every_definition_is_in_a_wrapping_table_in_full():
    at = open_page("about")
    assert len(at.dataframe) == 0
    shown = shown_tables(at)
    registry = indicators.registry_table()
    assert [e.label for e in at.expander][:len(registry)] == list(registry["Indicator"])
    for position, (_, row) in enumerate(registry.iterrows()):
        table = shown[position]
        for column in ["Definition", "Numerator", "Denominator", "Unit", "Polarity", "Source"]:
            assert table.loc[column].iloc[0] == row[column]
    changes = indicators.definition_changes_table()
    assert list(shown[len(registry)].iloc[:, 0]) == list(changes["What changed"])
