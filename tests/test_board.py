"""Board-safe figures: suppression of year-on-year frames and the displayed tables."""

import numpy as np
import pandas as pd

from analysis import board, yoy
from analysis.suppression import SUPPRESSED, is_disclosive


def comparison():
    now = yoy.measure(pd.DataFrame({"group": ["a", "b", "c", "d"], "count": [3, 40, 50, 0],
                                    "denominator": [93] * 4}), yoy.PROPORTION)
    before = yoy.measure(pd.DataFrame({"group": ["a", "b", "c", "d"], "count": [10, 2, 60, 0],
                                       "denominator": [72] * 4}), yoy.PROPORTION)
    return yoy.year_on_year(now, before)


def test_counts_below_five_and_what_reveals_them_are_hidden():
    result = board.suppress_comparison(comparison()).set_index("group")
    # this year: a=3 hidden, and b (next smallest non-zero) hidden so the total 93 does not give it away
    assert result["suppressed"].to_dict() == {"a": True, "b": True, "c": False, "d": False}
    # last year: b=2 hidden, a=10 (smallest other non-zero) hidden with it
    assert result["previous_suppressed"].to_dict() == {"a": True, "b": True, "c": False, "d": False}
    for column in ("value", "lower", "upper", "change", "percent_change"):
        assert result.loc[["a", "b"], column].isna().all(), column
    assert result.loc["c", "value"] == 50 / 93 * 100
    assert result.loc["d", "count"] == 0  # zero is shown as 0
    assert result.loc["a", "direction"] == SUPPRESSED and result.loc["a", "significant"] is None


def test_display_table_shows_stars_and_no_small_counts():
    table = board.display_table(
        board.suppress_comparison(comparison()),
        [("group", "Group"), ("count", "{year}"), ("value", "%"), ("previous_count", "{comparison}"),
         ("change", "Change"), ("significant", "Significant")], year_label="2024/25", comparison_label="2023/24")
    assert list(table.columns) == ["Group", "2024/25", "%", "2023/24", "Change", "Significant"]
    assert table.loc[0].tolist() == ["a", SUPPRESSED, SUPPRESSED, SUPPRESSED, SUPPRESSED, SUPPRESSED]
    assert table.loc[2, "2024/25"] == "50" and table.loc[2, "%"] == "53.8"
    assert table.loc[3, "2024/25"] == "0"
    assert not is_disclosive(table, ["2024/25", "2023/24"])


def test_small_denominator_hidden_and_rate_denominators_kept():
    now = yoy.measure(pd.DataFrame({"count": [3], "denominator": [4]}), yoy.PROPORTION)
    result = board.suppress_comparison(yoy.year_on_year(now, now))
    assert np.isnan(result.loc[0, "denominator"]) and result.loc[0, "denominator_suppressed"]
    rate = yoy.measure(pd.DataFrame({"count": [3], "denominator": [4]}), yoy.RATE)
    result = board.suppress_comparison(yoy.year_on_year(rate, rate))
    assert result.loc[0, "denominator"] == 4 and result.loc[0, "suppressed"]


def test_suppress_measure_per_year_group():
    trend = yoy.with_intervals(yoy.measure(pd.DataFrame({"year": ["x", "y"], "count": [3, 12]}), yoy.COUNT))
    result = board.suppress_measure(trend, group_cols=["year"])
    assert result["suppressed"].tolist() == [True, False]
    assert np.isnan(result.loc[0, "value"]) and result.loc[1, "value"] == 12


def test_single_proportion_with_small_complement_is_hidden():
    # 95 of 97 retained would reveal that 2 people were not
    now = yoy.measure(pd.DataFrame({"count": [95], "denominator": [97]}), yoy.PROPORTION)
    before = yoy.measure(pd.DataFrame({"count": [50], "denominator": [90]}), yoy.PROPORTION)
    row = board.suppress_comparison(yoy.year_on_year(now, before)).iloc[0]
    assert row["suppressed"] and np.isnan(row["count"]) and np.isnan(row["value"])
    assert not row["previous_suppressed"] and row["previous_count"] == 50
    assert row["change_suppressed"] and np.isnan(row["change"])


def test_any_mention_rows_hide_a_small_no_side():
    # 9 people: alcohol 7 (2 without), cannabis 5 (4 without), opiates 0
    now = yoy.measure(pd.DataFrame({"substance": ["Alcohol", "Cannabis", "Opiates"], "count": [7, 5, 0],
                                    "denominator": [9, 9, 9]}), yoy.PROPORTION)
    result = board.suppress_comparison(yoy.year_on_year(now, now), complement=True).set_index("substance")
    assert result["suppressed"].to_dict() == {"Alcohol": True, "Cannabis": True, "Opiates": False}
    plain = board.suppress_comparison(yoy.year_on_year(now, now)).set_index("substance")
    assert not plain.loc["Alcohol", "suppressed"]


def test_display_table_text_columns_show_their_text_and_blank_where_missing():
    """Text as it is (a category or an object column too), blank where missing and not hidden; a value of
    another type in a text column as its text; the change hidden with the change's flag."""
    frame = pd.DataFrame({
        "area": pd.Categorical(["Oxford", None, "Cherwell"]),
        "note": pd.array(["a", None, "c"], dtype="str"),
        "code": pd.Series(["E1", 2.5, None], dtype=object),
        "count": [10.0, np.nan, 3.0], "change": [1.0, np.nan, np.nan],
        "suppressed": [False, True, False], "change_suppressed": [False, False, True]})
    frame.attrs["kind"] = "count"
    table = board.display_table(frame, [("area", "Area"), ("note", "Note"), ("code", "Code"), ("count", "Count"),
                                        ("change", "Change")])
    assert table["Area"].tolist() == ["Oxford", "", "Cherwell"]
    assert table["Note"].tolist() == ["a", "", "c"]
    assert table["Code"].tolist() == ["E1", "2.5", ""]
    assert table["Count"].tolist() == ["10", "*", "3"]
    assert table["Change"].tolist() == ["1", "", "*"]
