"""analysis.research.tco: components add up, break-even edge cases, sourced defaults."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from analysis.data import catalog
from analysis.errors import ConfigError
from analysis.research import sourcing, tco

HOURS = sourcing.HoursBasis(hours_per_week=40, weeks_per_year=52)


def _case(**changes) -> tco.TcoCase:
    base = tco.TcoCase(
        fte=10, months=24, home_wage_usd_hour=20.0, billing_usd_hour=10.0,
        location_attrition_pct=40.0, loaded_multiplier=2.0, home_attrition_pct=30.0,
        replacement_cost_usd=10000.0, training_weeks=4.0, transition_cost_per_seat_usd=1000.0,
        ramp_weeks=8.0, governance_pct=5.0,
    )
    return replace(base, **changes)


# --- break-even --------------------------------------------------------------------------------

def test_break_even_none_when_outsourcing_never_catches_up():
    assert tco.break_even_month([10, 20, 30], [11, 22, 33]) is None


def test_break_even_month_one_when_cheaper_from_the_start():
    assert tco.break_even_month([10, 20, 30], [5, 10, 15]) == 1


def test_break_even_tie_counts_as_break_even():
    assert tco.break_even_month([10, 20, 30], [15, 20, 25]) == 2
    assert tco.break_even_month([10, 20], [10, 30]) == 1


def test_break_even_tie_survives_float_rounding():
    inhouse = [0.1 + 0.2, 0.6]
    assert tco.break_even_month(inhouse, [0.3, 0.7]) == 1


def test_break_even_lengths_must_match():
    with pytest.raises(ValueError):
        tco.break_even_month([1, 2], [1])


# --- monthly model -----------------------------------------------------------------------------

def test_components_add_up_to_totals_every_month():
    monthly = tco.monthly_costs(_case(), HOURS)
    assert monthly["outsourced"].to_numpy() == pytest.approx(
        monthly[list(tco.OUTSOURCED_COMPONENTS)].sum(axis=1).to_numpy())
    assert monthly["inhouse"].to_numpy() == pytest.approx(
        monthly[list(tco.INHOUSE_COMPONENTS)].sum(axis=1).to_numpy())
    assert monthly["outsourced_cumulative"].iloc[-1] == pytest.approx(monthly["outsourced"].sum())
    summary = tco.summarise(monthly)
    assert summary["outsourced_total"] == pytest.approx(
        sum(summary[c] for c in tco.OUTSOURCED_COMPONENTS))
    assert summary["savings"] == pytest.approx(summary["inhouse_total"]
                                               - summary["outsourced_total"])


def test_monthly_components_by_hand():
    case = _case()
    monthly = tco.monthly_costs(case, HOURS).set_index("month")
    hours = 10 * 2080 / 12
    assert monthly.loc[1, "inhouse_labour"] == pytest.approx(hours * 20 * 2)
    assert monthly.loc[1, "inhouse_attrition"] == pytest.approx(10 * 0.30 / 12 * 10000)
    assert monthly.loc[1, "service_fee"] == pytest.approx(hours * 10)
    assert monthly.loc[1, "governance"] == pytest.approx(hours * 10 * 0.05)
    assert monthly.loc[1, "attrition_retraining"] == pytest.approx(10 * 0.40 / 12 * 4 * 40 * 10)
    assert monthly.loc[1, "transition"] == pytest.approx(10 * 1000)
    assert monthly.loc[2, "transition"] == 0
    # 8 ramp weeks = 8 * 12 / 52 = 1.846 months: month 1 full, month 2 pro rata, month 3 none.
    inhouse = monthly.loc[1, "inhouse"]
    assert monthly.loc[1, "parallel_run"] == pytest.approx(inhouse)
    assert monthly.loc[2, "parallel_run"] == pytest.approx(inhouse * (8 * 12 / 52 - 1))
    assert monthly.loc[3, "parallel_run"] == 0


def test_no_transition_and_cheaper_rate_breaks_even_in_month_one():
    case = _case(transition_cost_per_seat_usd=0.0, ramp_weeks=0.0)
    assert tco.summarise(tco.monthly_costs(case, HOURS))["break_even_month"] == 1


def test_rate_above_in_house_cost_never_breaks_even():
    case = _case(billing_usd_hour=60.0)
    assert tco.summarise(tco.monthly_costs(case, HOURS))["break_even_month"] is None


def test_missing_input_raises_instead_of_filling():
    with pytest.raises(ConfigError):
        _case(billing_usd_hour=float("nan"))
    with pytest.raises(ConfigError):
        _case(fte=0)


def test_sensitivity_moves_savings_in_the_expected_direction():
    case = _case()
    assumptions = tco.default_assumptions(catalog.load("location_costs"))
    table = tco.sensitivity(case, assumptions, (8.0, 12.0), (18.0, 22.0), HOURS).set_index(
        "input")
    assert table.loc["billing_usd_hour", "savings_at_low"] > table.loc[
        "billing_usd_hour", "savings_at_high"]
    assert table.loc["home_wage_usd_hour", "savings_at_low"] < table.loc[
        "home_wage_usd_hour", "savings_at_high"]
    assert table.loc["governance_pct", "savings_at_low"] > table.loc[
        "governance_pct", "savings_at_high"]
    assert table["swing"].is_monotonic_decreasing


# --- sourced defaults and the location comparison ---------------------------------------------

def test_default_assumptions_are_ordered_and_cited():
    assumptions = tco.default_assumptions(catalog.load("location_costs"))
    sources = set(catalog.load("sources")["source_id"])
    assert {s.name for s in tco.ASSUMPTION_SPECS} == set(assumptions)
    for a in assumptions.values():
        assert a.low <= a.base <= a.high
        assert a.source_ids and set(a.source_ids.split(";")) <= sources


def test_overrides_replace_base_and_reject_unknown_names():
    assumptions = tco.default_assumptions(catalog.load("location_costs"))
    changed = tco.with_overrides(assumptions, {"governance_pct": 5.0})
    assert changed["governance_pct"].base == 5.0
    with pytest.raises(ConfigError):
        tco.with_overrides(assumptions, {"coffee_budget": 1.0})


def test_compare_locations_sorted_and_flags_general_attrition():
    costs = catalog.load("location_costs")
    comparison = sourcing.location_comparison(costs, catalog.load("fx_rates"), "United States")
    assumptions = tco.default_assumptions(costs)
    candidates = comparison.dropna(subset=["billing_median"])["country"].tolist()
    summary, curves = tco.compare_locations(comparison, assumptions, "United States",
                                            candidates, fte=5, contract_years=1)
    assert summary["outsourced_total"].is_monotonic_increasing
    assert set(curves["location"]) == set(candidates)
    assert len(curves) == 12 * len(candidates)
    no_own = comparison.set_index("country")["attrition_value"].isna()
    for _, row in summary.iterrows():
        expected = "general" if no_own[row["location"]] else "country"
        assert row["attrition_basis"].startswith(expected)


def test_blended_case_weights_rates():
    comparison = pd.DataFrame({"country": ["Home", "A", "B"], "wage_median": [20.0, 3, 4],
                               "billing_median": [40.0, 10.0, 20.0],
                               "attrition_value": [30.0, 40.0, 60.0]})
    assumptions = tco.default_assumptions(catalog.load("location_costs"))
    case = tco.blended_case(comparison, assumptions, "Home", {"A": 0.5, "B": 0.5}, 10, 2)
    assert case.billing_usd_hour == pytest.approx(15)
    assert case.location_attrition_pct == pytest.approx(50)


# --- the sourcing_models notebook ---------------------------------------------------------------

@pytest.fixture(scope="module")
def sourcing_run(tmp_path_factory):
    from analysis import paths
    from analysis.pipeline import execute

    out = tmp_path_factory.mktemp("nb") / "sourcing_models.ipynb"
    return execute.execute_notebook(
        paths.notebooks_dir() / "sourcing_models.ipynb", out,
        {"workload_fte": 5, "contract_years": 1,
         "candidate_locations": ["Philippines", "Colombia"],
         "multi_shore": {"Philippines": 0.5, "Colombia": 0.5}},
    )


def test_sourcing_notebook_runs_and_records_the_cheapest_location(sourcing_run):
    import nbformat

    from analysis.pipeline import render

    nb = nbformat.read(sourcing_run.output, as_version=4)
    assert render.execution_errors(nb) == []
    figures = sourcing_run.figures
    costs = catalog.load("location_costs")
    comparison = sourcing.location_comparison(costs, catalog.load("fx_rates"), "United States")
    summary, _ = tco.compare_locations(comparison, tco.default_assumptions(costs),
                                       "United States", ["Philippines", "Colombia"], 5, 1)
    assert figures["cheapest_location"]["value"] == summary.iloc[0]["location"]
    assert figures["cheapest_savings_pct"]["value"] == pytest.approx(summary.iloc[0]["savings_pct"])
    assert figures["blend_coverage_hours"]["value"] == pytest.approx(16)


def test_sourcing_notebook_records_priced_countries_and_cites_fx_rates(sourcing_run):
    figures = sourcing_run.figures
    costs = catalog.load("location_costs")
    comparison = sourcing.location_comparison(
        costs, catalog.load("fx_rates"), "United States",
        exchange_rates=catalog.load("exchange_rates"), official_max_year_gap=2)
    assert figures["countries_with_usd_hourly"]["value"] == int(comparison["usd_hourly"].sum())
    assert figures["countries_with_usd_hourly"]["value"] >= 12
    assert "g-5a-annual--us-federal-reserve-board-2" in figures[
        "countries_with_usd_hourly"]["source_ids"]  # the official rate that priced the UK
    # the cheapest location's billing-rate sources stand behind its figure and its evidence
    cheapest = figures["cheapest_location"]["value"]
    ids = comparison.set_index("country").loc[cheapest, "billing_source_ids"].split(";")
    assert figures["cheapest_location"]["source_ids"] == sorted(ids)
    assert f"{cheapest}'s billing rate rests on" in _text(sourcing_run.output)


def test_sourcing_notebook_runs_with_the_united_kingdom_as_home(tmp_path):
    import nbformat

    from analysis import paths
    from analysis.pipeline import execute, render

    run = execute.execute_notebook(
        paths.notebooks_dir() / "sourcing_models.ipynb", tmp_path / "uk.ipynb",
        {"home_country": "United Kingdom", "workload_fte": 5, "contract_years": 1,
         "candidate_locations": ["India", "Philippines"],
         "multi_shore": {"India": 0.5, "Philippines": 0.5}},
    )
    nb = nbformat.read(run.output, as_version=4)
    assert render.execution_errors(nb) == []
    text = _text(run.output)
    assert "in-house in United Kingdom" in text
    assert "official annual-average rate" in text


def _text(output) -> str:
    import nbformat

    nb = nbformat.read(output, as_version=4)
    return "\n".join(str(o.get("data", {}).get("text/markdown", "")) for c in nb.cells
                     if c.cell_type == "code" for o in c.get("outputs", []))


def test_break_even_phrase_words_a_month_and_never_alike():
    assert tco.break_even_phrase(7) == "month 7"
    # P4-P07: "never" arrives as pd.NA from the nullable column; its truth value raises
    for never in (None, pd.NA, float("nan")):
        assert tco.break_even_phrase(never) == "no month of the term"
    summary = pd.DataFrame({"break_even_month": [None, 3]}).astype("Int64")
    assert [tco.break_even_phrase(m) for m in summary["break_even_month"]] == [
        "no month of the term", "month 3"]


def test_every_home_country_plan_time_accepts_is_priced_or_clearly_refused():
    # P4-P07: home_country=India crashed the notebook. Every country with a time-zone offset
    # passes plan time (pipeline/plan.py); each must give finite TCO results for every
    # candidate with a billing rate, or a ConfigError that says what is missing.
    import math

    from analysis.research.sourcing import HoursBasis, timezone_offsets

    costs, fx = catalog.load("location_costs"), catalog.load("fx_rates")
    hours = HoursBasis()
    conversion = dict(hours=hours, exchange_rates=catalog.load("exchange_rates"),
                      official_max_year_gap=2)
    assumptions = tco.default_assumptions(costs)
    homes = sorted(timezone_offsets(costs)["country"])
    assert len(homes) >= 10 and "India" in homes
    priced = 0
    for home in homes:
        comparison = sourcing.location_comparison(costs, fx, home, **conversion)
        candidates = [c for c in comparison.loc[comparison["billing_median"].notna(), "country"]
                      if c != home]  # as the notebook picks them
        try:
            summary, _ = tco.compare_locations(comparison, assumptions, home, candidates, 50, 3,
                                               hours)
        except ConfigError as error:
            assert f"home country {home!r}" in str(error), (home, error)
            continue
        priced += 1
        for column in ("inhouse_total", "outsourced_total", "savings", "savings_pct"):
            assert all(math.isfinite(v) for v in summary[column]), (home, column)
        cheapest = summary.iloc[0]
        assert tco.break_even_phrase(cheapest["break_even_month"]).startswith(("month", "no "))
    assert priced >= 5
