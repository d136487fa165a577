"""analysis.research.sourcing on small hand-made frames (answers computed by hand)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.errors import ConfigError
from analysis.research import sourcing

HOURS = sourcing.HoursBasis(hours_per_week=40, weeks_per_year=52)


def _rows(rows: list[dict]) -> pd.DataFrame:
    """Frames shaped like location_costs, with defaults for unused columns."""
    defaults = {"location_id": "LOC-1", "source_id": "s1", "country": "Testland",
                "metric": "agent_salary_monthly", "role": "agent", "value": math.nan,
                "value_low": math.nan, "value_high": math.nan, "unit": "usd_per_month",
                "currency": "USD", "pay_period": "month", "year": 2024}
    frame = pd.DataFrame([{**defaults, **r} for r in rows])
    frame["year"] = frame["year"].astype("Int64")
    for col in ("location_id", "source_id", "country", "metric", "role", "unit", "currency",
                "pay_period"):
        frame[col] = frame[col].astype("str")
    return frame


def _fx(rows: list[dict] | None = None) -> pd.DataFrame:
    cols = ["currency", "year", "local_amount", "usd_amount", "source_id", "local_location_id",
            "usd_location_id", "note"]
    frame = pd.DataFrame(rows or [], columns=cols)
    frame["year"] = frame["year"].astype("Int64")
    for col in ("local_amount", "usd_amount"):
        frame[col] = frame[col].astype(float)
    for col in ("currency", "source_id", "local_location_id", "usd_location_id", "note"):
        frame[col] = frame[col].astype("str")
    return frame


def _normalise(rows: pd.DataFrame, fx: pd.DataFrame | None = None, gap: int = 0):
    rows = rows.assign(mid=sourcing.midpoint(rows))
    return sourcing.normalise_pay(rows, fx if fx is not None else _fx(), HOURS, gap)


# --- hours and pay normalisation -------------------------------------------------------------

def test_hours_basis_monthly_and_annual():
    assert HOURS.hours_per_year == pytest.approx(2080)
    assert HOURS.hours_per_month == pytest.approx(2080 / 12)
    assert HOURS.hours_per_day == pytest.approx(8)
    with pytest.raises(ConfigError):
        HOURS.hours_per("fortnight")


def test_monthly_and_annual_usd_pay_become_the_same_hourly_rate():
    rows = _rows([
        {"location_id": "A", "value": 2080 * 10 / 12, "pay_period": "month"},
        {"location_id": "B", "value": 2080 * 10, "pay_period": "year", "unit": "usd_per_year"},
        {"location_id": "C", "value": 10, "pay_period": "hour", "unit": "usd_per_hour"},
    ])
    out = _normalise(rows)
    assert out["usd_hour"].tolist() == pytest.approx([10, 10, 10])
    assert out.loc[2, "normalisation"] == "as stated"


def test_range_is_normalised_end_by_end_and_midpoint():
    out = _normalise(_rows([{"value_low": 2080 / 12 * 4, "value_high": 2080 / 12 * 6}]))
    assert out.loc[0, "usd_hour_low"] == pytest.approx(4)
    assert out.loc[0, "usd_hour_high"] == pytest.approx(6)
    assert out.loc[0, "usd_hour"] == pytest.approx(5)


def test_local_currency_uses_same_source_rate_then_same_year():
    fx = _fx([{"currency": "ABC", "year": 2024, "local_amount": 500, "usd_amount": 100,
               "source_id": "other"},
              {"currency": "ABC", "year": 2010, "local_amount": 200, "usd_amount": 100,
               "source_id": "s1"}])
    rows = _rows([
        {"location_id": "A", "value": 2080 * 5, "pay_period": "year", "currency": "ABC",
         "source_id": "s1", "year": 2024},
        {"location_id": "B", "value": 2080 * 5, "pay_period": "year", "currency": "ABC",
         "source_id": "s2", "year": 2024},
    ])
    out = _normalise(rows, fx)
    assert out.loc[0, "usd_hour"] == pytest.approx(2.5)  # own source: 2 ABC per USD
    assert out.loc[1, "usd_hour"] == pytest.approx(1.0)  # same year: 5 ABC per USD
    assert "ABC per USD" in out.loc[1, "normalisation"]


def test_local_currency_without_sourced_rate_stays_missing_with_reason():
    fx = _fx([{"currency": "ABC", "year": 2020, "local_amount": 500, "usd_amount": 100,
               "source_id": "other"}])
    rows = _rows([{"value": 1000, "currency": "ABC", "source_id": "s2", "year": 2024}])
    out = _normalise(rows, fx)
    assert math.isnan(out.loc[0, "usd_hour"])
    assert "no sourced ABC/USD rate" in out.loc[0, "missing_reason"]
    widened = _normalise(rows, fx, gap=4)
    assert widened.loc[0, "usd_hour"] == pytest.approx(1000 / 5 / HOURS.hours_per_month)


def _official(rows: list[dict]) -> pd.DataFrame:
    """Frames shaped like exchange_rates."""
    defaults = {"rate_id": "FX-1", "source_id": "central-bank", "currency": "ABC", "year": 2023,
                "rate": 4.0, "quote": "local_per_usd", "basis": "annual_average",
                "usable": True, "curation_note": ""}
    frame = pd.DataFrame([{**defaults, **r} for r in rows])
    frame["year"] = frame["year"].astype("Int64")
    frame["usable"] = frame["usable"].astype("boolean")
    return frame


def _with_official(rows: pd.DataFrame, official: pd.DataFrame, gap: int,
                   fx: pd.DataFrame | None = None) -> pd.DataFrame:
    rows = rows.assign(mid=sourcing.midpoint(rows))
    return sourcing.normalise_pay(rows, fx if fx is not None else _fx(), HOURS,
                                  exchange_rates=official, official_max_year_gap=gap)


def test_official_annual_average_converts_when_no_source_states_a_pair():
    official = _official([{"rate_id": "FX-22", "year": 2022, "rate": 5.0},
                          {"rate_id": "FX-23", "year": 2023, "rate": 4.0}])
    rows = _rows([{"value": 40, "pay_period": "hour", "currency": "ABC", "year": 2025}])
    out = _with_official(rows, official, gap=2).iloc[0]
    assert out["usd_hour"] == pytest.approx(10)  # nearest year 2023: 4 ABC per USD
    assert out["fx_method"] == sourcing.OFFICIAL_AVERAGE
    assert (out["fx_rate_year"], out["fx_year_gap"]) == (2023, 2)
    assert (out["fx_rate_ids"], out["fx_source_ids"]) == ("FX-23", "central-bank")
    assert "official annual average 2023" in out["normalisation"]
    # one year short of the stated maximum: not converted, and the reason says why
    strict = _with_official(rows, official, gap=1).iloc[0]
    assert math.isnan(strict["usd_hour"])
    assert "no usable official annual average within 1 year(s) of 2025" in strict["missing_reason"]


def test_source_stated_pair_wins_over_the_official_rate():
    fx = _fx([{"currency": "ABC", "year": 2025, "local_amount": 800, "usd_amount": 100,
               "source_id": "s1"}])
    rows = _rows([{"value": 40, "pay_period": "hour", "currency": "ABC", "year": 2025}])
    out = _with_official(rows, _official([{"year": 2025}]), gap=0, fx=fx).iloc[0]
    assert out["usd_hour"] == pytest.approx(5)
    assert out["fx_method"] == sourcing.SOURCE_PAIR
    assert out["fx_source_ids"] == "s1"


@pytest.mark.parametrize("rate_row", [
    {"usable": False},  # e.g. an Atlas conversion factor, flagged not usable
    {"basis": "end_of_period"},  # a year-end rate is not an annual average
    {"currency": "XYZ"},  # another currency
])
def test_unusable_or_other_official_rates_never_convert(rate_row):
    rows = _rows([{"value": 40, "pay_period": "hour", "currency": "ABC", "year": 2023}])
    out = _with_official(rows, _official([rate_row]), gap=5).iloc[0]
    assert math.isnan(out["usd_hour"])
    assert out["missing_reason"].startswith("no sourced ABC/USD rate")


def test_usd_per_local_quote_is_inverted_and_undated_figures_get_no_official_rate():
    official = _official([{"currency": "GBP", "rate": 1.25, "quote": "usd_per_local"}])
    rows = _rows([{"location_id": "A", "value": 10, "pay_period": "hour", "currency": "GBP"},
                  {"location_id": "B", "value": 10, "pay_period": "hour", "currency": "GBP",
                   "year": pd.NA}])
    out = _with_official(rows, official, gap=5)
    assert out.loc[0, "usd_hour"] == pytest.approx(12.5)
    assert out.loc[0, "fx_local_per_usd"] == pytest.approx(0.8)
    assert math.isnan(out.loc[1, "usd_hour"])
    assert "an undated figure" in out.loc[1, "missing_reason"]


def test_unknown_quote_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown quote"):
        sourcing.official_rates(_official([{"quote": "per_hundred"}]))


def test_conversion_counts_by_method():
    official = _official([{"year": 2024}])
    fx = _fx([{"currency": "ABC", "year": 2024, "local_amount": 300, "usd_amount": 100,
               "source_id": "s1"}])
    rows = _rows([
        {"location_id": "A", "value": 4, "pay_period": "hour", "currency": "ABC"},
        {"location_id": "B", "value": 4, "pay_period": "hour", "currency": "ABC",
         "source_id": "s2", "year": 2030},
        {"location_id": "C", "value": 4, "pay_period": "hour", "currency": "ABC",
         "source_id": "s3", "year": 2026},
        {"location_id": "D", "value": 4, "pay_period": "hour"},
    ])
    rows = rows.assign(mid=sourcing.midpoint(rows))
    out = sourcing.normalise_pay(rows, fx, HOURS, exchange_rates=official,
                                 official_max_year_gap=2)
    assert sourcing.conversion_counts(out) == {
        "local": 3, "source_pair": 1, "official": 1, "not_converted": 1}


def test_local_twin_of_a_usd_row_is_marked_duplicate_and_not_aggregated():
    fx = _fx([{"currency": "ABC", "year": 2024, "local_amount": 300, "usd_amount": 100,
               "source_id": "s1", "local_location_id": "L", "usd_location_id": "U"}])
    rows = _rows([
        {"location_id": "L", "value": 3000, "currency": "ABC"},
        {"location_id": "U", "value": 1000},
    ])
    out = _normalise(rows, fx)
    assert out.loc[0, "duplicate_of"] == "U"
    summary = sourcing.by_country(out, "wage")
    assert int(summary.loc[0, "wage_n"]) == 1


def test_missing_pay_period_is_not_guessed():
    out = _normalise(_rows([{"value": 100, "pay_period": math.nan}]).assign(
        pay_period=lambda f: f["pay_period"].astype("str")))
    assert math.isnan(out.loc[0, "usd_hour"])
    assert out.loc[0, "missing_reason"] == "pay period not stated"


def test_by_country_median_and_spread():
    rows = _rows([
        {"location_id": "A", "value": 10, "pay_period": "hour"},
        {"location_id": "B", "value_low": 4, "value_high": 8, "pay_period": "hour"},
        {"location_id": "C", "value": 30, "pay_period": "hour", "source_id": "s2"},
    ])
    out = sourcing.by_country(_normalise(rows), "billing").iloc[0]
    assert out["billing_median"] == pytest.approx(10)  # midpoints 10, 6, 30
    assert out["billing_low"] == pytest.approx(4)
    assert out["billing_high"] == pytest.approx(30)
    assert out["billing_source_ids"] == "s1;s2"


def test_cost_rows_filters_years_and_undated():
    rows = _rows([{"location_id": "A", "value": 1, "year": 2018},
                  {"location_id": "B", "value": 1, "year": 2022},
                  {"location_id": "C", "value": 1, "year": pd.NA}])
    kept = sourcing.cost_rows(rows, ["agent_salary_monthly"], _fx(), min_year=2020)
    assert kept["location_id"].tolist() == ["B"]
    kept = sourcing.cost_rows(rows, ["agent_salary_monthly"], _fx(), min_year=2020,
                              include_undated=True)
    assert kept["location_id"].tolist() == ["B", "C"]


# --- time zones, shore, overlap ----------------------------------------------------------------

def _offsets(pairs: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame({"country": list(pairs), "utc_offset_vs_us_eastern": list(pairs.values()),
                         "tz_source_ids": "tz"})


def test_shore_rule_relative_to_home():
    zones = sourcing.classify_shore(_offsets({"Home": 0, "Near": 3, "Far": 3.5, "West": -2}),
                                    "Home", nearshore_max_hours=3)
    assert dict(zip(zones["country"], zones["shore"], strict=True)) == {
        "Home": "onshore", "Near": "nearshore", "Far": "offshore", "West": "nearshore"}


def test_unknown_home_country_raises():
    with pytest.raises(ConfigError):
        sourcing.classify_shore(_offsets({"A": 0}), "Nowhere")


@pytest.mark.parametrize(("delta", "expected"), [(0, 8), (1, 7), (-3, 5), (8, 0), (13, 0),
                                                 (10.5, 0), (-8, 0), (4, 4)])
def test_overlap_hours_with_client_day(delta, expected):
    assert sourcing.overlap_hours(delta) == pytest.approx(expected)


def test_coverage_hours_union_of_shifts():
    assert sourcing.coverage_hours([0]) == pytest.approx(8)
    assert sourcing.coverage_hours([0, 0]) == pytest.approx(8)
    assert sourcing.coverage_hours([0, 4]) == pytest.approx(12)
    assert sourcing.coverage_hours([0, 8, 16]) == pytest.approx(24)
    assert sourcing.coverage_hours([0, 13]) == pytest.approx(16)


def test_blend_weights_rates_and_checks_shares():
    comparison = pd.DataFrame({"country": ["A", "B", "C"], "billing_median": [10.0, 20.0, math.nan],
                               "offset_vs_home": [0.0, 12.0, 0.0],
                               "shore": ["nearshore", "offshore", "nearshore"]})
    result = sourcing.blend(comparison, {"A": 0.25, "B": 0.75})
    assert result["blended_usd_hour"] == pytest.approx(17.5)
    assert result["coverage_hours"] == pytest.approx(16)
    assert result["shores"] == "nearshore, offshore"
    with pytest.raises(ConfigError):
        sourcing.blend(comparison, {"A": 0.5, "B": 0.4})
    with pytest.raises(ConfigError):
        sourcing.blend(comparison, {"A": 0.5, "C": 0.5})  # C has no rate: never filled


def test_latest_indicator_prefers_latest_dated_year():
    rows = _rows([
        {"location_id": "A", "metric": "agent_attrition_annual", "value": 50, "year": 2010},
        {"location_id": "B", "metric": "agent_attrition_annual", "value_low": 30,
         "value_high": 40, "year": 2024},
        {"location_id": "C", "metric": "agent_attrition_annual", "value": 90, "year": pd.NA},
    ])
    out = sourcing.latest_indicator(rows, "agent_attrition_annual").iloc[0]
    assert out["value"] == pytest.approx(35)
    assert int(out["year"]) == 2024


def test_location_comparison_on_curated_data_has_home_as_onshore_baseline():
    from analysis.data import catalog

    comparison = sourcing.location_comparison(
        catalog.load("location_costs"), catalog.load("fx_rates"), "United States")
    home = comparison.set_index("country").loc["United States"]
    assert home["shore"] == "onshore"
    assert home["billing_savings_pct"] == pytest.approx(0)
    priced = comparison.dropna(subset=["billing_median"])
    assert (priced["billing_low"] <= priced["billing_median"]).all()
    assert (priced["billing_median"] <= priced["billing_high"]).all()


def _curated_comparison(home: str, gap: int = 2) -> pd.DataFrame:
    from analysis.data import catalog

    return sourcing.location_comparison(
        catalog.load("location_costs"), catalog.load("fx_rates"), home,
        exchange_rates=catalog.load("exchange_rates"), official_max_year_gap=gap)


def test_curated_data_prices_at_least_twelve_countries_with_cited_conversions():
    comparison = _curated_comparison("United States")
    priced = comparison[comparison["usd_hourly"]]
    assert len(priced) >= 12
    # the United Kingdom's wages are stated in GBP: priced only through the official rate
    uk = comparison.set_index("country").loc["United Kingdom"]
    assert uk["wage_fx"] == sourcing.OFFICIAL_AVERAGE
    assert 10 < uk["wage_median"] < 20
    # without the official fallback fewer countries are priced (the rule is what adds them)
    assert _curated_comparison("United States", gap=0)["usd_hourly"].sum() < len(priced)


def test_united_kingdom_works_as_home_country_once_its_wage_converts():
    from analysis.data import catalog
    from analysis.research import tco

    comparison = _curated_comparison("United Kingdom")
    table = comparison.set_index("country")
    assert table.loc["United Kingdom", "shore"] == "onshore"
    assert table.loc["United Kingdom", "wage_savings_pct"] == pytest.approx(0)
    assert table.loc["Ireland", "shore"] == "nearshore"
    summary, _ = tco.compare_locations(
        comparison, tco.default_assumptions(catalog.load("location_costs")), "United Kingdom",
        ["India", "Philippines"], 10, 2)
    assert summary["inhouse_total"].notna().all()
    with pytest.raises(ConfigError, match="no USD wage for home country"):
        tco.build_case(_curated_comparison("United Kingdom", gap=0),
                       tco.default_assumptions(catalog.load("location_costs")),
                       "United Kingdom", "India", 10, 2)


def test_shift_table_splits_windows_crossing_midnight():
    comparison = pd.DataFrame({"country": ["Here", "Far"], "offset_vs_home": [0.0, 12.0]})
    shifts = sourcing.shift_table(comparison, ["Here", "Far"])
    far = shifts[shifts["location"] == "Far"]
    assert sorted(zip(far["start"], far["end"], strict=True)) == [(0.0, 5.0), (21.0, 24.0)]
    assert (shifts["end"] - shifts["start"]).sum() == pytest.approx(16)
