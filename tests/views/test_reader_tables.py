"""Tables a client reads without a glossary: no empty column, no True/False, empty rows
collapsed into one line, and the KPI benchmark table in words."""

from __future__ import annotations

import math

import pandas as pd

from analysis.views import tables
from analysis.views.kpi_view import benchmark_tables, readable_series, readable_unit


def test_reader_frame_drops_empty_columns_and_says_yes_no():
    frame = pd.DataFrame({"country": ["India", "Chile"], "value": [1.5, 2.0],
                          "empty": [None, math.nan], "is_forecast": [True, False]})
    view, missing = tables.reader_frame(
        frame, {"country": "Country", "value": "USD", "empty": "E", "is_forecast": "Forecast"})
    assert list(view.columns) == ["Country", "USD", "Forecast"]
    assert list(view["Forecast"]) == ["yes", "no"] and missing == []


def test_mixed_columns_read_as_words_not_python():
    frame = pd.DataFrame({"gate": ["iso", "languages", "capacity"],
                          "required": [True, ["English", "Spanish"], 60.0]})
    view, _ = tables.reader_frame(frame, {"gate": "Gate", "required": "Required"})
    assert list(view["Required"]) == ["yes", "English, Spanish", 60.0]


def test_rows_with_nothing_but_their_label_collapse_into_one_line():
    frame = pd.DataFrame({"country": ["India", "Chad", "Peru"], "shore": ["off", "off", "near"],
                          "rate": [9.0, None, None], "wage": [2.0, None, None]})
    styler = tables.styled(frame, {"country": "Country", "shore": "Shore", "rate": "Rate",
                                   "wage": "Wage"}, collapse_empty=("country", "shore"))
    html = styler.to_html()
    assert list(styler.data["Country"]) == ["India"]
    assert "No sourced figure yet for: Chad off, Peru near." in html


BANDS = pd.DataFrame([
    {"kpi": "average_speed_of_answer", "series": "asa_queue_inclusive", "unit": "seconds",
     "channel": "voice", "industry": "all", "region": "unspecified", "basis": "quartiles",
     "p25": 20.0, "median": 28.0, "p75": 40.0, "low": 10.0, "high": 50.0,
     "best_performer": math.nan, "target_low": math.nan, "target_high": math.nan,
     "n_sources": 3, "year_min": 2019, "year_max": 2024, "client_kpi": "asa_seconds",
     "label": "Average speed of answer", "compared": True,
     "evidence": "3 sources, 2019–2024, 1 primary, 2 relayed"},
    {"kpi": "average_speed_of_answer", "series": "asa_ring_only", "unit": "seconds",
     "channel": "voice", "industry": "all", "region": "unspecified", "basis": "consensus",
     "p25": math.nan, "median": 7.0, "p75": math.nan, "low": 4.0, "high": 9.0,
     "best_performer": math.nan, "target_low": math.nan, "target_high": math.nan,
     "n_sources": 2, "year_min": 2015, "year_max": 2015, "client_kpi": "asa_seconds",
     "label": "Average speed of answer", "compared": False},
    {"kpi": "service_level", "series": "service_level:percent_answered_within_20s",
     "unit": "percent_answered_within_20s", "channel": "voice", "industry": "all",
     "region": "UK", "basis": "consensus", "p25": math.nan, "median": math.nan,
     "p75": math.nan, "low": math.nan, "high": math.nan, "best_performer": math.nan,
     "target_low": math.nan, "target_high": math.nan, "n_sources": 1, "year_min": math.nan,
     "year_max": math.nan, "client_kpi": "service_level", "label": "Service level",
     "compared": True},
])
POSITIONS = pd.DataFrame([
    {"kpi": "asa_seconds", "label": "Average speed of answer", "client_value": 35.0,
     "unit": "seconds", "verdict": "gap"},
    {"kpi": "talk_seconds", "label": "Average talk time", "client_value": 300.0,
     "unit": "seconds", "verdict": "no benchmark"},
])


def test_benchmark_table_in_words_other_definitions_apart_and_missing_in_one_line():
    result = benchmark_tables(BANDS, POSITIONS)
    row = result.compared.iloc[0]
    assert len(result.compared) == 1
    assert (row["KPI"], row["Client"], row["Band"]) == (
        "Average speed of answer", 35.0, "p25 / median / p75")
    assert (row["Low / p25"], row["Median"], row["High / p75"]) == (20.0, 28.0, 40.0)
    assert row["Years"] == "2019–2024" and row["Sources"] == 3
    assert "queue" in row["What it measures"]
    assert row["Evidence"] == "3 sources, 2019–2024, 1 primary, 2 relayed"
    other = result.other.iloc[0]
    assert "ASA ring only" in other["Why not compared"]
    assert result.missing == ["Service level (% answered within 20 s)", "Average talk time"]
    shown = tables.kpi_benchmark_table(result.compared).to_html()
    for internal in ("asa_queue_inclusive", "True", "False", "client_kpi", "series"):
        assert internal not in shown
    assert "Best performer" not in shown  # empty for every row: not shown


def test_readable_units_and_series():
    assert readable_unit("percent_answered_within_20s") == "% answered within 20 s"
    assert readable_unit("percent") == "%"
    assert readable_series("service_level:percent_answered_within_30s") == (
        "% answered within 30 s")
    assert readable_series("csat_percent_unspecified") == "CSAT % unspecified"


def test_stale_figures_leave_the_main_tables_for_the_historical_appendix():
    from analysis.data import catalog
    from analysis.views import market_view

    frame = pd.DataFrame({"segment": ["HR BPO", "KPO", "LPO", "KPO"],
                          "year": pd.array([None, 2024, None, 2005], dtype="Int64"),
                          "forecast_year": pd.array([2003, 2030, 2030, None], dtype="Int64")})
    recent, old = market_view.split_by_age(frame, 2017)
    assert list(recent["segment"]) == ["KPO", "LPO"]
    assert list(old["segment"]) == ["HR BPO", "KPO"]

    view = market_view.build_market_view(catalog.load("market_estimates"),
                                         catalog.load("sources"), base_year=2025)
    assert view.cutoff_year == 2017  # default: 8 years before the base year
    shown = view.recent(view.sub_markets)
    dated = shown["year"].fillna(shown["forecast_year"])
    assert len(shown) and (dated >= 2017).all()
    old = view.historical()
    assert len(shown) + len(old.get("sub-markets", [])) == len(view.sub_markets)
    assert (view.recent(view.country_revenue)["year"] >= 2017).all()


def test_repeated_headings_render_with_text_left_aligned():
    frame = pd.DataFrame({"country": ["India"], "a_year": [2024], "b_year": [2023],
                          "role": ["agent"]})
    html = tables.styled(frame, {"country": "Country", "a_year": "year", "b_year": "year",
                                 "role": "as stated for"}).to_html()
    assert "td.col0" in html and "td.col3" in html and "td.col1" not in html
