"""Year-on-year comparison: values, change, % change and significance, hand-checked."""

import numpy as np
import pandas as pd
import pytest

from analysis import yoy


def test_counts_change_and_significance():
    now = yoy.measure(pd.DataFrame({"group": ["a", "b"], "count": [200, 100]}), yoy.COUNT)
    before = yoy.measure(pd.DataFrame({"group": ["a", "b"], "count": [100, 98]}), yoy.COUNT)
    result = yoy.year_on_year(now, before).set_index("group")
    assert result.loc["a", "change"] == 100 and result.loc["a", "percent_change"] == pytest.approx(100.0)
    assert result.loc["b", "percent_change"] == pytest.approx(2 / 98 * 100)
    # 200 vs 100: conditional binomial p << 0.001; 100 vs 98: p ~ 0.94
    assert result.loc["a", "significant"] and result.loc["a", "direction"] == yoy.HIGHER
    assert not result.loc["b", "significant"] and result.loc["b", "direction"] == yoy.NO_CHANGE
    assert "binomial" in result.loc["a", "test"]


def test_proportions_use_newcombe_published_example():
    # Newcombe (1998) Table II: 56/70 vs 48/80, difference 0.2000 with 95% CI 0.0524 to 0.3339
    now = yoy.measure(pd.DataFrame({"count": [56], "denominator": [70]}), yoy.PROPORTION)
    before = yoy.measure(pd.DataFrame({"count": [48], "denominator": [80]}), yoy.PROPORTION)
    row = yoy.year_on_year(now, before).iloc[0]
    assert row["value"] == pytest.approx(80.0) and row["previous_value"] == pytest.approx(60.0)
    assert row["change"] == pytest.approx(20.0)
    assert row["significant"] and row["direction"] == yoy.HIGHER
    assert "Newcombe" in row["test"]


def test_rates_use_denominators():
    now = yoy.measure(pd.DataFrame({"count": [50], "denominator": [10_000]}), yoy.RATE)
    before = yoy.measure(pd.DataFrame({"count": [50], "denominator": [20_000]}), yoy.RATE)
    row = yoy.year_on_year(now, before).iloc[0]
    assert row["value"] == pytest.approx(5.0) and row["previous_value"] == pytest.approx(2.5)
    assert row["significant"]


def test_categories_missing_in_one_year_count_as_zero_and_empty_selection_is_not_an_error():
    now = yoy.measure(pd.DataFrame({"group": ["a"], "count": [0], "denominator": [0]}), yoy.PROPORTION)
    before = yoy.measure(pd.DataFrame({"group": ["a", "b"], "count": [3, 2], "denominator": [5, 5]}), yoy.PROPORTION)
    result = yoy.year_on_year(now, before).set_index("group")
    assert result.loc["b", "count"] == 0
    assert np.isnan(result.loc["a", "value"])
    assert not result["significant"].any()


def test_trend_labels_years():
    def measure(*, fy):
        return yoy.measure(pd.DataFrame({"count": [fy.start_year - 2000]}), yoy.COUNT)

    from analysis.periods import FinancialYear

    result = yoy.trend(measure, [FinancialYear(2022), FinancialYear(2023)])
    assert result["year"].tolist() == ["2022/23", "2023/24"]
    assert result["value"].tolist() == [22, 23]


def test_display_order_kept_and_missing_category_gets_the_years_denominator():
    now = yoy.measure(pd.DataFrame({"group": ["zeta", "alpha"], "count": [5, 5], "denominator": [10, 10]}),
                      yoy.PROPORTION)
    before = yoy.measure(pd.DataFrame({"group": ["alpha", "mid"], "count": [4, 4], "denominator": [8, 8]}),
                         yoy.PROPORTION)
    result = yoy.year_on_year(now, before)
    assert result["group"].tolist() == ["zeta", "alpha", "mid"]
    zeta = result.set_index("group").loc["zeta"]
    assert zeta["previous_count"] == 0 and zeta["previous_denominator"] == 8 and zeta["previous_value"] == 0
    mid = result.set_index("group").loc["mid"]
    assert mid["count"] == 0 and mid["denominator"] == 10 and mid["value"] == 0


def test_same_keys_in_another_order_give_the_same_comparison():
    # The comparison joins by key when the years' keys differ in order (or in which categories they
    # have), and reads the columns straight across when they are the same keys in the same order:
    # both routes must give the same figures. 30 of 100 vs 20 of 80; 70 of 100 vs 60 of 80.
    now = yoy.measure(pd.DataFrame({"group": ["a", "b"], "count": [30, 70], "denominator": [100, 100]}),
                      yoy.PROPORTION)
    before = yoy.measure(pd.DataFrame({"group": ["a", "b"], "count": [20, 60], "denominator": [80, 80]}),
                         yoy.PROPORTION)
    reordered = yoy.measure(before.iloc[::-1].reset_index(drop=True), yoy.PROPORTION)
    straight, joined = yoy.year_on_year(now, before), yoy.year_on_year(now, reordered)
    pd.testing.assert_frame_equal(straight, joined)
    assert list(straight["group"]) == ["a", "b"]
    assert straight["previous_value"].tolist() == pytest.approx([25.0, 75.0])
    assert straight["change"].tolist() == pytest.approx([5.0, -5.0])


def test_column_arrays_and_floats():
    frame = pd.DataFrame({"group": ["a", "b"], "count": [3, 4], "share": [0.5, None]}, index=[7, 9])
    arrays = yoy.column_arrays(frame)
    assert list(arrays) == ["group", "count", "share"]
    assert list(arrays["group"]) == ["a", "b"] and list(arrays["count"]) == [3, 4]
    duplicated = pd.DataFrame([[1, 2]], columns=["x", "x"])
    assert list(yoy.column_arrays(duplicated)["x"]) == [1]  # the first column of that name
    assert yoy.as_floats(arrays["count"]).dtype == np.float64
    objects = np.array([1, None, pd.NA, 2.5], dtype=object)
    result = yoy.as_floats(objects)
    assert result[0] == 1.0 and np.isnan(result[1]) and np.isnan(result[2]) and result[3] == 2.5
    assert np.isnan(yoy.as_floats(pd.array([1, None], dtype="Int64"))[1])


def test_frame_of_equals_the_public_constructor_and_copies():
    index = pd.RangeIndex(3)
    source = pd.DataFrame({"group": pd.array(["a", None, "c"], dtype="str"),
                           "band": pd.Categorical(["x", "y", "x"])})
    columns = {**yoy.column_arrays(source), "count": np.array([1, 2, 3]), "value": np.array([0.5, np.nan, 2.0]),
               "flag": np.array([True, False, True]), "objects": pd.Series([None, True, False], dtype=object).array,
               "text": pd.array(["p", "q", "r"], dtype="str")}
    built = yoy.frame_of(columns, index)
    pd.testing.assert_frame_equal(built, pd.DataFrame(columns, index=index))
    assert built["objects"].dtype == object and built["text"].dtype == "str"
    built.loc[0, "group"] = "changed"  # its arrays are its own
    assert source.loc[0, "group"] == "a"
    with pytest.raises(TypeError, match="numpy text"):
        yoy.frame_of({"text": np.array(["p", "q", "r"])}, index)


def test_keys_found_this_year_and_none_the_year_before_count_zero_then():
    # e.g. the Data quality page's codes check: two unmapped codes this year, nothing found the year before
    # (an empty frame of the same columns); this raised an IndexError and stopped the page
    current = yoy.measure(pd.DataFrame({"problem": ["sex: unmapped code", "ethnicity: unmapped code"],
                                        "code": ["Q", "martian"], "count": [3, 1]}), yoy.COUNT)
    previous = yoy.measure(pd.DataFrame({"problem": pd.Series(dtype="string"), "code": pd.Series(dtype="string"),
                                         "count": pd.Series(dtype="int64")}), yoy.COUNT)
    out = yoy.year_on_year(current, previous)
    assert out["problem"].tolist() == ["sex: unmapped code", "ethnicity: unmapped code"]
    assert out["count"].tolist() == [3, 1] and out["previous_count"].tolist() == [0, 0]
    assert out["change"].tolist() == [3, 1]
