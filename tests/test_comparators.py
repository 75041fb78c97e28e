"""Benchmarks against England and the comparator group: hand-built comparator rows and local values."""

import numpy as np
import pandas as pd
import pytest

from analysis import charts_benchmarks, comparators, intake, loaders
from analysis.periods import FinancialYear

SOURCE = "Test source"


def comparator_rows() -> pd.DataFrame:
    rows = [
        ("E92000001", "England", "England", "successful_completion", "2023/24", 50.0, 49.0, 51.0),
        ("E92000001", "England", "England", "successful_completion", "2024/25", 48.0, 47.0, 49.0),
        ("LOW", "Lowest", "England lowest", "successful_completion", "2024/25", 28.0, 20.0, 36.0),
        ("HIGH", "Highest", "England highest", "successful_completion", "2024/25", 78.0, 70.0, 85.0),
        ("N1", "Neighbour 1", "comparator group", "successful_completion", "2024/25", 40.0, 35.0, 45.0),
        ("N2", "Neighbour 2", "comparator group", "successful_completion", "2024/25", 60.0, 55.0, 65.0),
        ("E92000001", "England", "England", "alcohol_admissions_under_18", "2021/22 - 23/24", 22.0, 21.0, 23.0),
        ("LOW", "Lowest", "England lowest", "alcohol_admissions_under_18", "2021/22 - 23/24", 5.0, 3.0, 8.0),
        ("HIGH", "Highest", "England highest", "alcohol_admissions_under_18", "2021/22 - 23/24", 60.0, 50.0, 70.0),
        ("P", "Partnership", "partnership", "alcohol_admissions_under_18", "2021/22 - 23/24", 14.0, 8.0, 20.0),
    ]
    frame = pd.DataFrame(rows, columns=["area_code", "area_name", "area_type", "indicator", "period", "value",
                                        "lower", "upper"])
    frame["indicator_name"] = np.where(frame["indicator"] == "alcohol_admissions_under_18",
                                       "Alcohol admissions, under 18s", None)
    frame["source"] = SOURCE
    return frame


def local(value=53.3, lower=50.7, upper=55.8, suppressed=False, polarity=comparators.HIGHER_IS_BETTER):
    return pd.DataFrame([{"indicator": "successful_completion", "label": "Successful completion rate", "unit": "%",
                          "polarity": polarity, "period": "2024/25", "count": 774, "value": value, "lower": lower,
                          "upper": upper, "suppressed": suppressed, "note": ""}])


@pytest.mark.parametrize("period, year", [("2024/25", 2024), ("2021/22 - 23/24", 2023), ("2019/20-2021/22", 2021),
                                          ("2024", None)])
def test_period_end_year(period, year):
    assert comparators.period_end_year(period) == year


def test_rows_for_year_takes_the_year_or_the_latest_before_it():
    rows = comparators.rows_for_year(comparator_rows(), "successful_completion", FinancialYear(2024))
    assert set(rows["period"]) == {"2024/25"} and len(rows) == 5
    assert set(comparators.rows_for_year(comparator_rows(), "successful_completion", FinancialYear(2023))["period"]) \
        == {"2023/24"}
    assert comparators.rows_for_year(comparator_rows(), "successful_completion", FinancialYear(2022)).empty
    # a three-year period ending 2023/24 is the latest published for 2024/25
    assert len(comparators.rows_for_year(comparator_rows(), "alcohol_admissions_under_18", FinancialYear(2024))) == 4


def test_spine_row_by_hand():
    spine = comparators.spine_table(local(), comparator_rows()).iloc[0]
    # interval 50.7-55.8 excludes England's 48.0: significantly higher, better (higher is better)
    assert (spine["england"], spine["england_worst"], spine["england_best"]) == (48.0, 28.0, 78.0)
    assert spine["comparison"] == comparators.HIGHER and spine["judgement"] == comparators.BETTER
    # spread = max(|28-48|, |78-48|) = 30; (53.3 - 48) / 30 = 0.17667; worst at -20/30, best at 1
    assert spine["position"] == pytest.approx(5.3 / 30)
    assert spine["worst_position"] == pytest.approx(-20 / 30) and spine["best_position"] == 1.0
    assert spine["comparator_period"] == "2024/25" and spine["source"] == SOURCE


def test_lower_is_better_flips_worst_best_and_the_judgement():
    spine = comparators.spine_table(local(polarity=comparators.LOWER_IS_BETTER), comparator_rows()).iloc[0]
    assert (spine["england_worst"], spine["england_best"]) == (78.0, 28.0)
    assert spine["judgement"] == comparators.WORSE and spine["position"] == pytest.approx(-5.3 / 30)


def test_interval_including_england_is_similar_and_a_hidden_value_is_not_compared():
    assert comparators.spine_table(local(value=49, lower=46, upper=52), comparator_rows()).iloc[0]["judgement"] \
        == comparators.SAME
    hidden = comparators.spine_table(local(value=np.nan, lower=np.nan, upper=np.nan, suppressed=True),
                                     comparator_rows()).iloc[0]
    assert hidden["judgement"] == comparators.NOT_COMPARED and np.isnan(hidden["position"])


def test_compare_areas_orders_by_value_and_hides_a_suppressed_partnership():
    frame = comparators.compare_areas(comparator_rows(), "successful_completion", FinancialYear(2024),
                                      {"value": 53.3, "lower": 50.7, "upper": 55.8, "period": "2024/25",
                                       "suppressed": False}, "Us")
    assert list(frame["area_name"]) == ["Neighbour 1", "Us", "Neighbour 2"]
    assert frame.attrs["england"] == 48.0
    hidden = comparators.compare_areas(comparator_rows(), "successful_completion", FinancialYear(2024),
                                       {"value": np.nan, "suppressed": True}, "Us")
    assert list(hidden["area_name"]) == ["Neighbour 1", "Neighbour 2"] and hidden.attrs["local_hidden"]


def test_context_indicator_uses_the_table_partnership_row():
    assert comparators.context_indicators(comparator_rows(), {"successful_completion"}) == {
        "alcohol_admissions_under_18": "Alcohol admissions, under 18s"}
    frame = comparators.compare_areas(comparator_rows(), "alcohol_admissions_under_18", FinancialYear(2024), None, "Us")
    assert list(frame["area_name"]) == ["Us"] and frame["value"].iloc[0] == 14.0


def test_fingertips_headers_load_as_comparators_and_the_file_is_recognised(tmp_path):
    path = tmp_path / "fingertips_export.csv"
    path.write_text("Area Code,Area Name,Area Type,Indicator,Time period,Value,Lower CI 95.0 limit,"
                    "Upper CI 95.0 limit,Count,Denominator,Source\n"
                    "E92000001,England,England,successful_completion,2024/25,48.0,47.0,49.0,30000,62500,OHID\n")
    result = loaders.load_table(path, "comparators")
    assert len(result.data) == 1 and not len(result.rejected)
    assert result.data["lower"].iloc[0] == 47.0 and result.data["area_type"].iloc[0] == "England"
    header = path.read_text().splitlines()[0].split(",")
    assert intake.recognise_table(path.name, [header])[0] == "comparators"


def test_charts_draw_normal_small_and_empty():
    spine = comparators.spine_table(local(), comparator_rows())
    figure = charts_benchmarks.spine_chart(spine, "Spine", illustrative=True)
    assert "ILLUSTRATIVE" in figure.layout.title.text
    markers = [t for t in figure.data if t.type == "scatter"]
    assert markers[0].marker.symbol == ("triangle-up",) and markers[0].marker.color == "#0072B2"
    assert charts_benchmarks.spine_chart(spine.iloc[0:0], "Spine") is None
    # England's worst, average and best are named at their own places under the spine (the scale runs -1 to 1),
    # not in one axis title that a 1280 px screen cut off
    assert list(figure.layout.xaxis.tickvals) == [-1, 0, 1]
    assert list(figure.layout.xaxis.ticktext) == ["← England worst", "England average", "England best →"]
    assert not figure.layout.xaxis.title.text
    hidden = comparators.spine_table(local(value=np.nan, lower=np.nan, upper=np.nan, suppressed=True),
                                     comparator_rows())
    drawn = charts_benchmarks.spine_chart(hidden, "Spine")
    assert [t.type for t in drawn.data] == ["bar"]  # the range only: a hidden value is never drawn
    areas = comparators.compare_areas(comparator_rows(), "successful_completion", FinancialYear(2024), None, "Us")
    assert charts_benchmarks.compare_areas_chart(areas, "Areas", "%") is not None
    assert charts_benchmarks.compare_areas_chart(areas.iloc[0:0], "Areas") is None


def test_sources_carry_their_publication_date():
    rows = comparator_rows()
    rows["published"] = "2025-02-04"
    spine = comparators.spine_table(local(), rows).iloc[0]
    assert spine["source"] == "Test source, published 2025-02-04"
    areas = comparators.compare_areas(rows, "successful_completion", FinancialYear(2024), None, "Us")
    assert set(areas["source"]) == {"Test source, published 2025-02-04"}


def test_a_context_indicator_name_from_a_file_is_text_in_the_chart():
    rows = comparator_rows()
    rows.loc[rows["area_code"] == "N1", "area_name"] = "<b>Bold</b> area"
    frame = comparators.compare_areas(rows, "successful_completion", FinancialYear(2024), None, "Us")
    figure = charts_benchmarks.compare_areas_chart(frame, "<a href='x'>Admissions</a>: comparator group")
    assert figure.layout.title.text.startswith("&lt;a href=")
    assert "&lt;b&gt;Bold&lt;/b&gt; area" in figure.data[0].y


def _rows_for_year_by_rule(frame: pd.DataFrame, indicator: str, fy: FinancialYear) -> pd.DataFrame:
    """The rule of ``rows_for_year`` written out directly (as it was before the rows were indexed by period):
    the indicator's rows for the latest period ending in ``fy`` or before, the last of rows repeating an area."""
    rows = frame[frame["indicator"].astype(str) == indicator]
    ends = rows["period"].map(comparators.period_end_year)
    usable = ends.notna() & (ends <= fy.start_year)
    if not usable.any():
        return rows.iloc[0:0]
    chosen = rows[usable & (ends == ends[usable].max())]
    return chosen.drop_duplicates(["area_code", "area_type"], keep="last")


def test_rows_for_year_equal_the_rule_with_repeated_areas_unreadable_periods_and_unknown_indicators():
    frame = comparator_rows()
    extra = pd.DataFrame([
        # the same period written another way, in a later edition: the last given is kept
        ("E92000001", "England", "England", "alcohol_admissions_under_18", "2021/22-2023/24", 23.0, 22.0, 24.0),
        ("E92000001", "England", "England", "successful_completion", "not a period", 1.0, 0.0, 2.0),
        ("E92000001", "England", "England", "successful_completion", "2020/21", 51.0, 50.0, 52.0),
        ("N1", "Neighbour 1", "comparator group", "successful_completion", "2024/25", 41.0, 36.0, 46.0),
    ], columns=["area_code", "area_name", "area_type", "indicator", "period", "value", "lower", "upper"])
    frame = pd.concat([frame, extra.assign(indicator_name=None, source=SOURCE)], ignore_index=True)
    for indicator in ["successful_completion", "alcohol_admissions_under_18", "not_in_the_table"]:
        for year in range(2019, 2027):
            got = comparators.rows_for_year(frame, indicator, FinancialYear(year))
            want = _rows_for_year_by_rule(frame, indicator, FinancialYear(year))
            assert list(got.index) == list(want.index), (indicator, year)
            pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True))
    assert list(comparators.rows_for_year(frame, "alcohol_admissions_under_18", FinancialYear(2024))["value"]) \
        == [5.0, 60.0, 14.0, 23.0]  # England's repeated row: the later edition's 23.0, in the file's order


def test_a_frame_s_rows_are_indexed_by_period_once_and_a_new_frame_is_read_afresh():
    frame = comparator_rows()
    assert comparators._period_index(frame) is comparators._period_index(frame)  # worked out once per frame
    assert len(comparators.rows_for_year(frame, "successful_completion", FinancialYear(2024))) == 5
    changed = frame[frame["area_type"] != "comparator group"].reset_index(drop=True)
    assert len(comparators.rows_for_year(changed, "successful_completion", FinancialYear(2024))) == 3
    assert len(comparators.rows_for_year(frame, "successful_completion", FinancialYear(2024))) == 5


def test_spine_reads_area_types_whatever_their_case_and_takes_the_first_row_of_each():
    frame = comparator_rows()
    frame["area_type"] = frame["area_type"].replace({"England": " ENGLAND ", "England lowest": "england Lowest"})
    # a second England row for 2024/25 given later under another code: the first England row is England's value
    extra = frame.iloc[[1]].assign(area_code="E92000001-B", value=99.0)
    frame = pd.concat([frame, extra], ignore_index=True)
    spine = comparators.spine_table(local(), frame)
    row = spine.iloc[0]
    assert (row["england"], row["england_worst"], row["england_best"]) == (48.0, 28.0, 78.0)
    assert row["comparison"] == comparators.HIGHER and row["judgement"] == comparators.BETTER
    assert row["comparator_period"] == "2024/25" and row["source"] == SOURCE
    hidden = comparators.spine_table(local(suppressed=True), frame).iloc[0]
    assert hidden["judgement"] == comparators.NOT_COMPARED and np.isnan(hidden["position"])
