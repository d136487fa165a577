"""Vendor lifecycle arithmetic against hand-computed cases: gates, scores, sensitivity, the
transition plan, SLA attainment and service credits, and the pitfalls."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from analysis.errors import ConfigError
from analysis.research import vendors

CRITERIA = pd.DataFrame({
    "criterion": ["quality", "price_model", "iso", "languages", "sites", "capacity"],
    "kind": ["score", "score", "yes_no", "all_of", "any_of", "minimum"],
    "scale_min": [1.0, 0.0, np.nan, np.nan, np.nan, np.nan],
    "scale_max": [5.0, 10.0, np.nan, np.nan, np.nan, np.nan],
})


def responses(rows: dict[str, dict[str, object]]) -> pd.DataFrame:
    return pd.DataFrame([{"vendor": v, "criterion": c, "value": x}
                         for v, answers in rows.items() for c, x in answers.items()])


ANSWERS = responses({
    "A": {"quality": "5", "price_model": "0", "iso": "yes", "languages": "English;Spanish",
          "sites": "India", "capacity": "100"},
    "B": {"quality": "1", "price_model": "10", "iso": "yes", "languages": "english",
          "sites": "Philippines;Colombia", "capacity": "40"},
    "C": {"quality": "3", "price_model": "5", "iso": "no", "languages": "English;Spanish",
          "sites": "Colombia", "capacity": "500"},
})


# --------------------------------------------------------------------------- gates


@pytest.mark.parametrize(("kind", "answer", "required", "passes"), [
    ("yes_no", "yes", True, True), ("yes_no", "no", True, False), ("yes_no", None, True, False),
    ("all_of", "English; Spanish", ["english", "Spanish"], True),
    ("all_of", "English", ["English", "Spanish"], False),
    ("any_of", "India;Mexico", ["Mexico", "Colombia"], True),
    ("any_of", "India", ["Mexico"], False),
    ("minimum", "60", 60, True), ("minimum", "59.9", 60, False), ("minimum", "n/a", 1, False),
])
def test_gate_kinds(kind, answer, required, passes) -> None:
    assert vendors.gate_passes(kind, answer, required) is passes


def test_gates_come_first_and_name_every_failure() -> None:
    gates = vendors.apply_gates(ANSWERS, CRITERIA, {"iso": True, "languages": ["English",
                                                                              "Spanish"],
                                                    "capacity": 50})
    assert gates.attrs["passed"] == ["A"]
    failed = gates[~gates["passed"]].set_index("vendor")["criterion"]
    assert sorted(failed.items()) == [("B", "capacity"), ("B", "languages"), ("C", "iso")]


def test_a_gate_naming_an_unknown_criterion_is_refused() -> None:
    with pytest.raises(ConfigError, match="gate 'soc3' names no criterion; known: quality"):
        vendors.apply_gates(ANSWERS, CRITERIA, {"soc3": True})


# --------------------------------------------------------------------------- scoring


WEIGHTS = {"quality": 0.75, "price_model": 0.25}


def test_scores_are_rescaled_on_each_criterion_scale_and_weighted() -> None:
    matrix = vendors.score_matrix(ANSWERS, CRITERIA, ["A", "B", "C"], WEIGHTS)
    # A: quality (5-1)/4 = 1, price_model 0/10 = 0; B: 0 and 1; C: 0.5 and 0.5
    assert matrix.loc["A"].tolist() == [1.0, 0.0]
    assert matrix.loc["C"].tolist() == [0.5, 0.5]
    scored = vendors.weighted_scores(matrix, WEIGHTS).set_index("vendor")
    assert scored["score"].to_dict() == pytest.approx({"A": 75.0, "B": 25.0, "C": 50.0})
    assert scored["rank"].to_dict() == {"A": 1, "C": 2, "B": 3}


def test_tied_scores_share_the_better_rank() -> None:
    matrix = vendors.score_matrix(ANSWERS, CRITERIA, ["A", "B", "C"],
                                  {"quality": 0.5, "price_model": 0.5})
    ranks = vendors.weighted_scores(matrix, {"quality": 0.5, "price_model": 0.5})["rank"]
    assert ranks.tolist() == [1, 1, 1]


# --------------------------------------------------------------------------- sensitivity


def matrix_of(rows: dict[str, list[float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, index=["c1", "c2"]).T


def test_first_rank_shares_are_seeded_and_sum_to_one() -> None:
    m = matrix_of({"A": [1.0, 0.0], "B": [0.0, 1.0]})
    w = {"c1": 0.55, "c2": 0.45}
    one = vendors.rank_first_shares(m, w, draws=4000, spread=0.5, seed=3)
    two = vendors.rank_first_shares(m, w, draws=4000, spread=0.5, seed=3)
    pd.testing.assert_frame_equal(one, two)
    shares = one.set_index("vendor")["first_share"]
    assert shares.sum() == pytest.approx(1.0)
    # B leads iff 0.45·u2 > 0.55·u1 with u1, u2 ~ U(0.5, 1.5) (renormalising keeps the order):
    # P = E over u1 of P(u2 > 0.55/0.45·u1) = E[clip(1.5 - 0.55/0.45·u1, 0, 1)].
    u = np.linspace(0.5, 1.5, 2001)
    exact = np.mean([np.clip((1.5 - 0.55 / 0.45 * x), 0, 1) for x in u])  # P(B first)
    assert shares["B"] == pytest.approx(exact, abs=0.02)
    assert shares["A"] > shares["B"]


def test_no_spread_means_the_base_ranking_every_time() -> None:
    m = matrix_of({"A": [1.0, 0.0], "B": [0.0, 1.0]})
    shares = vendors.rank_first_shares(m, {"c1": 0.6, "c2": 0.4}, draws=100, spread=0.0)
    assert shares.set_index("vendor")["first_share"].to_dict() == {"A": 1.0, "B": 0.0}


def test_sensitivity_settings_are_checked() -> None:
    m = matrix_of({"A": [1.0, 0.0], "B": [0.0, 1.0]})
    with pytest.raises(ConfigError, match="spread"):
        vendors.rank_first_shares(m, {"c1": 0.6, "c2": 0.4}, spread=1.0)


def test_smallest_swap_by_hand() -> None:
    """Lead = 0.6·1 - 0.4·1 = 0.2; moving δ from c1 to c2 changes it by -2δ, so δ = 0.1."""
    m = matrix_of({"A": [1.0, 0.0], "B": [0.0, 1.0]})
    swap = vendors.smallest_swap(m, {"c1": 0.6, "c2": 0.4}, "A", "B")
    assert swap.points == pytest.approx(0.1)
    assert (swap.from_criterion, swap.to_criterion) == ("c1", "c2")
    assert swap.gap == pytest.approx(20.0)
    moved = {"c1": 0.5, "c2": 0.5}
    scores = vendors.weighted_scores(m, moved).set_index("vendor")["score"]
    assert scores["A"] == pytest.approx(scores["B"])  # exactly a tie after the move
    assert "10.0 percentage points" in swap.describe()


def test_smallest_swap_picks_the_cheapest_pair() -> None:
    """Three criteria: closing the lead through c3 (diff 3) is cheaper than through c2."""
    m = pd.DataFrame({"c1": [1.0, 0.0], "c2": [0.0, 0.5], "c3": [0.0, 1.0]}, index=["A", "B"])
    w = {"c1": 0.5, "c2": 0.25, "c3": 0.25}
    # lead = 0.5 - 0.125 - 0.25 = 0.125; slope c1->c3 = 1 - (-1) = 2 -> 0.0625
    swap = vendors.smallest_swap(m, w, "A", "B")
    assert swap.points == pytest.approx(0.0625)
    assert (swap.from_criterion, swap.to_criterion) == ("c1", "c3")


def test_a_leader_better_on_every_criterion_cannot_be_swapped() -> None:
    m = matrix_of({"A": [1.0, 1.0], "B": [0.5, 0.5]})
    swap = vendors.smallest_swap(m, {"c1": 0.5, "c2": 0.5}, "A", "B")
    assert swap.points is None and "robust" in swap.describe()


# --------------------------------------------------------------------------- transition


def plan(**changes: object) -> vendors.TransitionInputs:
    values: dict[str, object] = dict(fte=40.0, start=date(2026, 1, 5), go_live=date(2026, 4, 6),
                                     waves=2, wave_interval_weeks=3, training_days=20,
                                     nesting_weeks=2)
    values.update(changes)
    return vendors.TransitionInputs(**values)  # type: ignore[arg-type]


def test_transition_phases_and_ramp() -> None:
    p = plan()
    phases, ramp = vendors.transition_plan(p)
    by_name = phases.set_index("phase")
    # wave 2 lives on go-live, wave 1 three weeks before; each trains 4 weeks, nests 2
    assert by_name.loc["Wave 2 nesting", "end"] == pd.Timestamp("2026-04-06")
    assert by_name.loc["Pilot / parallel run (wave 1 nesting)", "end"] == pd.Timestamp(
        "2026-03-16")
    assert by_name.loc["Knowledge transfer (wave 1 training)", "start"] == pd.Timestamp(
        "2026-02-02")
    assert by_name.loc["Discovery and process documentation", "start"] == pd.Timestamp(p.start)
    assert ramp["live"].iloc[-1] == 40.0 and ramp["live"].iloc[0] == 0.0
    assert (ramp["live"] + ramp["inhouse"] == 40.0).all()
    assert ramp["live"].is_monotonic_increasing
    assert p.weeks == pytest.approx(13.0) and p.needed_weeks == pytest.approx(9.0)


def test_a_go_live_before_the_start_is_refused() -> None:
    with pytest.raises(ConfigError, match="go_live 2026-01-01 is not after transition.start"):
        plan(go_live=date(2026, 1, 1))


def test_transition_costs_by_hand() -> None:
    costs = vendors.transition_costs(plan(), inhouse_usd_per_fte_week=1000.0, kt_smes=3,
                                     travel_usd=20000).set_index("component")["usd"]
    assert costs["knowledge transfer"] == pytest.approx(3 * 4 * 1000)  # 3 experts × 4 weeks
    assert costs["dual running"] == pytest.approx(40 * (4 + 2) * 1000)
    assert costs["travel"] == 20000


# --------------------------------------------------------------------------- SLA


def monthly(values: dict[str, list[float]]) -> pd.DataFrame:
    months = pd.date_range("2025-01-01", periods=len(next(iter(values.values()))), freq="MS")
    return pd.DataFrame({"month": months, **values})


TERMS = [vendors.SlaTerm("service_level", 80, "at_least", 0.5, "month", "x"),
         vendors.SlaTerm("abandonment_rate", 5, "at_most", 0.3, "month", "x")]


def test_attainment_by_direction() -> None:
    att = vendors.attainment(monthly({"service_level": [79.9, 80.0],
                                      "abandonment_rate": [5.0, 5.1]}), TERMS)
    met = att.set_index(["kpi", att["month"].dt.month])["met"].to_dict()
    assert met == {("service_level", 1): False, ("service_level", 2): True,
                   ("abandonment_rate", 1): True, ("abandonment_rate", 2): False}
    assert att["shortfall"].round(6).tolist() == [0.1, 0.0, 0.0, 0.1]


def test_a_month_without_data_is_refused() -> None:
    with pytest.raises(ConfigError, match="no data for month 2025-02"):
        vendors.attainment(monthly({"service_level": [81, np.nan],
                                    "abandonment_rate": [1, 1]}), TERMS)


def test_credits_by_hand() -> None:
    """Fee 200,000 with 10 % at risk = 20,000. Jan: SL breached -> 50 % = 10,000. Feb: both
    -> 80 % = 16,000. Mar: none. Over-allocated weights are capped at the at-risk amount."""
    att = vendors.attainment(monthly({"service_level": [70, 70, 90],
                                      "abandonment_rate": [4, 9, 4]}), TERMS)
    credits = vendors.service_credits(att, 200_000, 10)
    assert credits["credit_usd"].tolist() == [10_000, 16_000, 0]
    assert credits["breaches"].tolist() == [1, 2, 0]
    assert "USD 200,000 × 10 % at risk = USD 20,000; × 50% (service_level)" in \
        credits["calculation"].iloc[0]
    heavy = [vendors.SlaTerm("service_level", 80, "at_least", 0.7),
             vendors.SlaTerm("abandonment_rate", 5, "at_most", 0.6)]
    capped = vendors.service_credits(vendors.attainment(monthly(
        {"service_level": [70], "abandonment_rate": [9]}), heavy), 200_000, 10)
    assert capped["credit_usd"].tolist() == [20_000]
    assert "USD 26,000, capped" in capped["calculation"].iloc[0]


def test_earn_back_returns_a_credit_after_the_kpi_recovers() -> None:
    """Earn-back after 1 month: Jan SL credit (10,000) is returned in Feb (SL met in Feb); Feb
    abandonment credit (6,000) is returned in Mar; Mar SL breach has no following month yet."""
    att = vendors.attainment(monthly({"service_level": [70, 85, 70],
                                      "abandonment_rate": [4, 9, 4]}), TERMS)
    credits = vendors.service_credits(att, 200_000, 10, earn_back_months=1)
    assert credits["credit_usd"].tolist() == [10_000, 6_000, 10_000]
    assert credits["earned_back_usd"].tolist() == [0, 10_000, 6_000]
    assert credits["pending_earn_back_usd"].tolist() == [0, 0, 10_000]
    assert credits["net_credit_usd"].tolist() == [10_000, -4_000, 4_000]


# --------------------------------------------------------------------------- pitfalls


def test_each_pitfall_applies_only_when_it_should() -> None:
    vague = [vendors.SlaTerm("fcr", 70, "at_least", 0.2)]
    found = vendors.pitfalls(sla_terms=vague, chosen="B", cheapest="B", best_value="A",
                             chosen_quality_below_field=True,
                             transition=plan(go_live=date(2026, 2, 2)), internal_owner=" ")
    assert len(found) == 4
    assert "measurement rule or window: fcr" in found[0]
    assert "rate alone" in found[1]
    assert "shorter than training plus nesting" in found[2]
    assert "No named internal owner" in found[3]
    clean = vendors.pitfalls(sla_terms=TERMS, chosen="A", cheapest="B", best_value="A",
                             chosen_quality_below_field=False, transition=plan(),
                             internal_owner="J. Doe")
    assert clean == []
