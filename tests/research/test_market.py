"""Unit tests for analysis.research.market on small hand-made frames (answers computed by hand)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.research import market


def _estimates(rows: list[dict]) -> pd.DataFrame:
    """Frames shaped like market_estimates joined to sources, with defaults for unused columns."""
    defaults = {
        "metric": "market_size", "geography": "Global", "segment_type": "total_bpo",
        "segment": "Total BPO", "definition": "market_research", "unit": "usd_billion",
        "cagr_pct": math.nan, "cagr_start_year": pd.NA, "cagr_end_year": pd.NA,
        "is_forecast": False, "superseded_by": None, "reliability_tier": "primary",
        "publisher": "P", "url": "https://example.org", "title": "t", "share_of": None,
        "value": math.nan,
    }
    frame = pd.DataFrame([{**defaults, **r} for r in rows])
    for col in ("year", "cagr_start_year", "cagr_end_year"):
        frame[col] = frame[col].astype("Int64")
    return frame


# --- cagr / grow -------------------------------------------------------------------------------

def test_cagr_doubling_over_one_year_is_100_percent():
    assert market.cagr(100, 200, 1) == pytest.approx(100.0)


def test_cagr_matches_compounding():
    rate = market.cagr(436.37, 623.26, 5)
    assert market.grow(436.37, rate, 5) == pytest.approx(623.26)
    assert rate == pytest.approx(7.39, abs=0.01)


def test_cagr_negative_growth():
    assert market.cagr(100, 81, 2) == pytest.approx(-10.0)


@pytest.mark.parametrize("years", [0, -3])
def test_cagr_rejects_zero_or_negative_period(years):
    with pytest.raises(ValueError, match="positive number of years"):
        market.cagr(100, 200, years)


@pytest.mark.parametrize("start,end", [(0, 10), (-5, 10), (10, 0)])
def test_cagr_rejects_non_positive_values(start, end):
    with pytest.raises(ValueError, match="positive values"):
        market.cagr(start, end, 3)


def test_grow_backwards_discounts():
    assert market.grow(110, 10, -1) == pytest.approx(100)


# --- interpolation -----------------------------------------------------------------------------

def test_interpolate_years_is_log_linear_between_stated_years():
    points = pd.Series({2020: 100.0, 2022: 121.0})
    out = market.interpolate_years(points, [2020, 2021, 2022])
    assert out[2021] == pytest.approx(110.0)
    assert out[2020] == 100.0


def test_interpolate_years_does_not_extrapolate_missing_years():
    out = market.interpolate_years(pd.Series({2020: 100.0, 2022: 121.0}), [2019, 2023])
    assert out.isna().all()


def test_interpolate_years_empty_input_gives_nan():
    out = market.interpolate_years(pd.Series(dtype=float), [2020])
    assert out.isna().all()


# --- reliability -------------------------------------------------------------------------------

def test_tiers_at_or_above():
    assert market.tiers_at_or_above("primary") == ["primary"]
    assert market.tiers_at_or_above("aggregator") == list(market.TIER_ORDER)


def test_tiers_rejects_unknown_tier():
    with pytest.raises(ValueError, match="allowed: primary"):
        market.tiers_at_or_above("gold")


# --- size selection and normalisation ----------------------------------------------------------

def test_size_estimates_converts_millions_and_drops_superseded_and_ranges():
    est = _estimates([
        {"source_id": "a", "year": 2024, "value": 500.0, "unit": "usd_million"},
        {"source_id": "b", "year": 2024, "value": 1.0, "superseded_by": "MKT-9"},
        {"source_id": "c", "year": 2024, "value": math.nan},
        {"source_id": "d", "year": 2024, "value": 3.0, "definition": "third_party"},
    ])
    out = market.size_estimates(est, "Global", "Total BPO", definition="market_research")
    assert list(out["source_id"]) == ["a"]
    assert out["value_usd_bn"].iloc[0] == pytest.approx(0.5)


def test_normalise_uses_stated_value_interpolation_and_stated_cagr():
    est = market.size_estimates(_estimates([
        {"source_id": "stated", "year": 2025, "value": 300.0},
        {"source_id": "between", "year": 2024, "value": 100.0},
        {"source_id": "between", "year": 2026, "value": 144.0},
        {"source_id": "cagr", "year": 2026, "value": 110.0, "cagr_pct": 10.0,
         "cagr_start_year": 2026, "cagr_end_year": 2031},
    ]), "Global", "Total BPO")
    out = market.normalise_to_year(est, 2025).set_index("source_id")
    assert out.loc["stated", "value_usd_bn"] == 300.0
    assert out.loc["stated", "method"] == "stated"
    assert out.loc["between", "value_usd_bn"] == pytest.approx(120.0)
    assert out.loc["between", "method"] == "interpolated"
    assert out.loc["cagr", "value_usd_bn"] == pytest.approx(100.0)
    assert out.loc["cagr", "method"].startswith("extrapolated with stated CAGR 2026-2031")


def test_normalise_excludes_figures_too_far_away_and_single_points_without_cagr():
    est = market.size_estimates(_estimates([
        {"source_id": "old", "year": 2004, "value": 380.0, "cagr_pct": 10.9},
        {"source_id": "lonely", "year": 2023, "value": 250.0},
    ]), "Global", "Total BPO")
    out = market.normalise_to_year(est, 2025).set_index("source_id")
    assert math.isnan(out.loc["old", "value_usd_bn"])
    assert out.loc["old", "method"].startswith("excluded: nearest figure 2004")
    assert out.loc["lonely", "method"] == "excluded: one figure and no stated CAGR"


def test_normalise_uses_implied_cagr_from_two_own_figures():
    est = market.size_estimates(_estimates([
        {"source_id": "s", "year": 2020, "value": 100.0},
        {"source_id": "s", "year": 2022, "value": 121.0},
    ]), "Global", "Total BPO")
    out = market.normalise_to_year(est, 2023).iloc[0]
    assert out["value_usd_bn"] == pytest.approx(133.1)
    assert out["method"] == "extrapolated with implied CAGR"


# --- consensus ---------------------------------------------------------------------------------

def test_consensus_single_source():
    est = market.size_estimates(_estimates([
        {"source_id": "a", "year": 2025, "value": 250.0},
    ]), "Global", "Total BPO")
    out = market.consensus_estimate(est, [2025]).iloc[0]
    assert (out["median_usd_bn"], out["low_usd_bn"], out["high_usd_bn"]) == (250.0, 250.0, 250.0)
    assert out["n_sources"] == 1


def test_consensus_of_disagreeing_sources_is_median_with_range():
    est = market.size_estimates(_estimates([
        {"source_id": "a", "year": 2025, "value": 200.0},
        {"source_id": "b", "year": 2025, "value": 300.0},
        {"source_id": "c", "year": 2025, "value": 470.0},
    ]), "Global", "Total BPO")
    out = market.consensus_estimate(est, [2025]).iloc[0]
    assert out["median_usd_bn"] == 300.0
    assert (out["low_usd_bn"], out["high_usd_bn"]) == (200.0, 470.0)
    assert out["source_ids"] == "a;b;c"


def test_consensus_excludes_tiers_below_threshold():
    est = market.size_estimates(_estimates([
        {"source_id": "good", "year": 2025, "value": 300.0},
        {"source_id": "agg", "year": 2025, "value": 900.0, "reliability_tier": "aggregator"},
    ]), "Global", "Total BPO")
    strict = market.consensus_estimate(est, [2025], min_reliability="relayed").iloc[0]
    loose = market.consensus_estimate(est, [2025], min_reliability="aggregator").iloc[0]
    assert strict["n_sources"] == 1 and strict["high_usd_bn"] == 300.0
    assert loose["n_sources"] == 2 and loose["high_usd_bn"] == 900.0


def test_consensus_year_no_source_reaches_is_nan_not_invented():
    est = market.size_estimates(_estimates([
        {"source_id": "a", "year": 2010, "value": 100.0},
    ]), "Global", "Total BPO")
    out = market.consensus_estimate(est, [2025]).iloc[0]
    assert out["n_sources"] == 0
    assert math.isnan(out["median_usd_bn"])


# --- scenarios ---------------------------------------------------------------------------------

def test_scenario_forecast_spans_lowest_median_highest_cagr():
    out = market.scenario_forecast(100.0, 2025, [5.0, 10.0, 20.0], horizon_years=2)
    last = out.set_index("year").loc[2027]
    assert last["low_usd_bn"] == pytest.approx(110.25)
    assert last["base_usd_bn"] == pytest.approx(121.0)
    assert last["high_usd_bn"] == pytest.approx(144.0)
    assert list(out["year"]) == [2025, 2026, 2027]
    assert out.attrs["cagr_pct"] == {"low": 5.0, "base": 10.0, "high": 20.0}


def test_scenario_forecast_without_cagr_raises():
    with pytest.raises(ValueError, match="no stated CAGR"):
        market.scenario_forecast(100.0, 2025, [math.nan], horizon_years=3)


def test_stated_cagrs_keeps_current_periods_only():
    est = _estimates([
        {"source_id": "new", "year": 2026, "value": 1.0, "cagr_pct": 7.0,
         "cagr_start_year": 2026, "cagr_end_year": 2031},
        {"source_id": "old", "year": 2004, "value": 1.0, "cagr_pct": 10.9,
         "cagr_start_year": 2005, "cagr_end_year": 2009},
    ])
    out = market.stated_cagrs(est, current_from=2025)
    assert list(out["source_id"]) == ["new"]


# --- splits ------------------------------------------------------------------------------------

def test_segment_shares_median_per_segment_with_sources_and_applied_total():
    est = _estimates([
        {"source_id": "a", "segment_type": "service", "segment": "Customer services",
         "metric": "revenue_share", "unit": "percent", "value": 30.0, "year": 2025,
         "share_of": "global BPO revenue"},
        {"source_id": "b", "segment_type": "service", "segment": "Customer services",
         "metric": "revenue_share", "unit": "percent", "value": 34.0, "year": 2023,
         "share_of": "global BPO revenue"},
        {"source_id": "a", "segment_type": "service", "segment": "Finance & accounting",
         "metric": "revenue_share", "unit": "percent", "value": 20.0, "year": 2025,
         "share_of": "global BPO revenue"},
        {"source_id": "c", "segment_type": "service", "segment": "Customer services",
         "metric": "revenue_share", "unit": "percent", "value": 90.0, "year": 2025,
         "share_of": "outsourcing services market"},
    ])
    shares = market.segment_shares(est, "service").set_index("segment")
    cs = shares.loc["Customer services"]
    assert cs["share_pct"] == 32.0 and cs["n_sources"] == 2
    assert cs["source_ids"] == "a;b" and cs["years"] == "2023;2025"
    applied = market.apply_shares(shares.reset_index(), 300.0).set_index("segment")
    assert applied.loc["Finance & accounting", "implied_usd_bn"] == pytest.approx(60.0)
    assert applied.loc["Customer services", "implied_high_usd_bn"] == pytest.approx(102.0)


def test_latest_figures_pairs_each_sources_latest_actual_and_furthest_forecast():
    est = _estimates([
        {"source_id": "a", "segment_type": "sub_market", "segment": "KPO", "year": 2023,
         "value": 40.0},
        {"source_id": "a", "segment_type": "sub_market", "segment": "KPO", "year": 2025,
         "value": 50.0, "cagr_pct": 12.0},
        {"source_id": "a", "segment_type": "sub_market", "segment": "KPO", "year": 2030,
         "value": 88.0, "is_forecast": True, "cagr_pct": 12.0},
        {"source_id": "b", "segment_type": "sub_market", "segment": "LPO", "year": 2024,
         "value": 900.0, "unit": "usd_million"},
    ])
    out = market.latest_figures(est, "sub_market").set_index("segment")
    assert out.loc["KPO", "year"] == 2025 and out.loc["KPO", "value_usd_bn"] == 50.0
    assert out.loc["KPO", "forecast_year"] == 2030 and out.loc["KPO", "cagr_pct"] == 12.0
    assert out.loc["LPO", "value_usd_bn"] == pytest.approx(0.9)
    assert pd.isna(out.loc["LPO", "forecast_year"])


def test_segment_shares_since_year_drops_old_and_undated_shares():
    est = _estimates([
        {"source_id": "new", "segment_type": "region", "segment": "Europe", "year": 2024,
         "metric": "revenue_share", "unit": "percent", "value": 30.0,
         "share_of": "global BPO revenue"},
        {"source_id": "old", "segment_type": "region", "segment": "Europe", "year": 2015,
         "metric": "revenue_share", "unit": "percent", "value": 25.0,
         "share_of": "global BPO revenue"},
        {"source_id": "undated", "segment_type": "region", "segment": "Europe", "year": pd.NA,
         "metric": "revenue_share", "unit": "percent", "value": 50.0,
         "share_of": "global BPO revenue"},
    ])
    out = market.segment_shares(est, "region", since_year=2020)
    assert out["source_ids"].tolist() == ["new"]
    assert len(market.segment_shares(est, "region")) == 1
    assert market.segment_shares(est, "region")["n_sources"].iloc[0] == 3


def test_consensus_counts_an_evidence_group_once() -> None:
    import pandas as pd

    from analysis.research import market as mk

    rows = pd.DataFrame({
        "source_id": ["a", "b", "c"], "evidence_group": ["g", "g", "c"],
        "year": pd.array([2025, 2025, 2025], dtype="Int64"), "value_usd_bn": [300.0, 300.0, 400.0],
        "reliability_tier": "primary", "cagr_pct": float("nan"),
    })  # fmt: skip
    result = mk.consensus_estimate(rows, [2025]).iloc[0]
    assert result["n_sources"] == 2
    assert result["median_usd_bn"] == 350.0


# --- every stated figure against the others ----------------------------------------------------

def test_figure_spread_sets_each_figure_against_other_sources_for_nearby_years():
    points = _estimates([
        {"source_id": "vendor", "year": 2024, "value": 73.0},
        {"source_id": "vendor", "year": 2025, "value": 110.0},
        {"source_id": "stats", "year": 2023, "value": 130.0, "reliability_tier": "aggregator"},
        {"source_id": "old", "year": 2015, "value": 50.0},
        {"source_id": "undated", "year": pd.NA, "value": 100.0},
    ]).assign(evidence_group=pd.NA)
    points["value_usd_bn"] = points["value"]
    spread = market.figure_spread(points, 2018, 2025, max_year_gap=3).set_index(
        ["source_id", "year"])
    vendor_2024 = spread.loc[("vendor", 2024)]
    # others within 3 years of 2024: stats 130 only ("old" is 9 years away, undated has no year)
    assert vendor_2024["others_median_usd_bn"] == pytest.approx(130)
    assert vendor_2024["vs_others_pct"] == pytest.approx((73 / 130 - 1) * 100)
    assert math.isnan(vendor_2024["implied_growth_pct"])
    assert spread.loc[("vendor", 2025), "implied_growth_pct"] == pytest.approx((110 / 73 - 1) * 100)
    # stats against the vendor's figures reduced to one median first (73, 110 -> 91.5)
    assert spread.loc[("stats", 2023), "others_median_usd_bn"] == pytest.approx(91.5)
    # the undated figure is set against the window 2018-2025: stats 130, vendor 91.5
    undated = spread.xs("undated", level="source_id").iloc[0]
    assert undated["others_median_usd_bn"] == pytest.approx((130 + 91.5) / 2)
    assert math.isnan(spread.loc[("old", 2015), "others_median_usd_bn"])
