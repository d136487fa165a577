"""Vendor lifecycle: choose a provider, plan the transition, hold it to its service levels.

Pure functions on frames, in the order a buyer meets them:

* **selection**: must-have gates first (``apply_gates``), then a weighted score on each
  criterion's stated scale (``weighted_scores``), the ranking's sensitivity to the weights
  (``rank_first_shares``: seeded Monte Carlo; ``smallest_swap``: the least weight moved between
  two criteria that lets the runner-up tie or overtake the leader);
* **transition**: phases and the weekly FTE ramp from a few parameters (``transition_plan``),
  and what the transition costs on top of the fee (``transition_costs``);
* **SLA governance**: attainment per KPI per month against its target (``attainment``), service
  credits with the calculation spelled out (``service_credits``).

Prices never enter here: the report prices each vendor through the one TCO function
(:mod:`analysis.research.tco`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

import numpy as np
import pandas as pd

from analysis.errors import ConfigError

GateKind = Literal["yes_no", "all_of", "any_of", "minimum"]
GATE_KINDS: tuple[str, ...] = ("yes_no", "all_of", "any_of", "minimum")
YES = ("yes", "y", "true")


# --------------------------------------------------------------------------- selection


def _items(value: Any) -> set[str]:
    return {part.strip().lower() for part in str(value).split(";") if part.strip()}


def gate_passes(kind: str, answer: Any, required: Any) -> bool:
    """Whether one vendor answer meets one gate.

    ``yes_no``: the answer is yes (when ``required`` is true); ``all_of``: the answer (a
    ``;``-separated list) holds every required item; ``any_of``: at least one; ``minimum``: the
    answer is a number at or above ``required``.
    """
    if answer is None or (isinstance(answer, float) and math.isnan(answer)):
        return False
    if kind == "yes_no":
        return (not required) or str(answer).strip().lower() in YES
    if kind == "all_of":
        return {str(r).strip().lower() for r in required} <= _items(answer)
    if kind == "any_of":
        return bool({str(r).strip().lower() for r in required} & _items(answer))
    if kind == "minimum":
        try:
            return float(answer) >= float(required)
        except ValueError:
            return False
    raise ConfigError(f"unknown gate kind {kind!r}; allowed: {', '.join(GATE_KINDS)}")


def apply_gates(responses: pd.DataFrame, criteria: pd.DataFrame,
                gates: Mapping[str, Any]) -> pd.DataFrame:
    """One row per vendor and gate: the answer, what was required and whether it passed.

    ``responses``: vendor, criterion, value; ``criteria``: criterion, kind. The frame's
    ``attrs["passed"]`` lists the vendors that pass every gate (all vendors when no gate).
    """
    kinds = criteria.set_index("criterion")["kind"]
    answers = responses.set_index(["vendor", "criterion"])["value"]
    vendors = list(dict.fromkeys(responses["vendor"]))
    rows = []
    for vendor in vendors:
        for criterion, required in gates.items():
            if criterion not in kinds.index:
                raise ConfigError(f"gate {criterion!r} names no criterion; known: "
                                  f"{', '.join(kinds.index)}")
            answer = answers.get((vendor, criterion))
            rows.append({"vendor": vendor, "criterion": criterion, "kind": kinds[criterion],
                         "required": required, "answer": answer,
                         "passed": gate_passes(str(kinds[criterion]), answer, required)})
    frame = pd.DataFrame(rows, columns=["vendor", "criterion", "kind", "required", "answer",
                                        "passed"])
    failed = set(frame.loc[~frame["passed"].astype(bool), "vendor"])
    frame.attrs["passed"] = [v for v in vendors if v not in failed]
    return frame


def score_matrix(responses: pd.DataFrame, criteria: pd.DataFrame,
                 vendors: Sequence[str], weights: Mapping[str, float]) -> pd.DataFrame:
    """Vendors × weighted criteria, each score rescaled to 0-1 on the criterion's own scale."""
    scale = criteria.set_index("criterion")[["scale_min", "scale_max"]].astype(float)
    names = list(weights)
    rows = responses[responses["criterion"].isin(names) & responses["vendor"].isin(vendors)]
    wide = rows.pivot(index="vendor", columns="criterion", values="value").astype(float)
    wide = wide.reindex(index=list(vendors), columns=names)
    if wide.isna().any().any():
        missing = wide.stack(future_stack=True)
        missing = missing[missing.isna()].index.tolist()
        raise ConfigError(f"no score for {', '.join(f'{v}/{c}' for v, c in missing[:5])}")
    low, high = scale.loc[names, "scale_min"], scale.loc[names, "scale_max"]
    return (wide - low) / (high - low)


def weighted_scores(matrix: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
    """Weighted score (0-100) per vendor, ranked (1 = best; ties share the better rank)."""
    w = pd.Series(weights, dtype=float)[matrix.columns]
    score = matrix.to_numpy() @ w.to_numpy() * 100
    frame = pd.DataFrame({"vendor": matrix.index, "score": score})
    frame["rank"] = frame["score"].rank(ascending=False, method="min").astype(int)
    return frame.sort_values(["rank", "vendor"], ignore_index=True)


def perturbed_weights(weights: Mapping[str, float], draws: int, spread: float,
                      seed: int) -> np.ndarray:
    """``draws`` weight vectors: each weight × uniform(1 − spread, 1 + spread), renormalised."""
    base = np.array(list(weights.values()), dtype=float)
    rng = np.random.default_rng(seed)
    factors = rng.uniform(1 - spread, 1 + spread, size=(draws, base.size))
    drawn = base * factors
    return drawn / drawn.sum(axis=1, keepdims=True)


def rank_first_shares(matrix: pd.DataFrame, weights: Mapping[str, float], draws: int = 2000,
                      spread: float = 0.25, seed: int = 15) -> pd.DataFrame:
    """How often each vendor ranks first when the weights are perturbed (seeded).

    A draw whose top score is shared credits each tied vendor equally, so shares sum to 1.
    """
    if draws < 1 or not 0 <= spread < 1:
        raise ConfigError(f"sensitivity needs draws >= 1 and 0 <= spread < 1, got "
                          f"draws={draws}, spread={spread}")
    ordered = {c: weights[c] for c in matrix.columns}
    drawn = perturbed_weights(ordered, draws, spread, seed)
    scores = drawn @ matrix.to_numpy().T  # draws × vendors
    top = np.isclose(scores, scores.max(axis=1, keepdims=True), rtol=0, atol=1e-12)
    credit = (top / top.sum(axis=1, keepdims=True)).sum(axis=0) / draws
    frame = pd.DataFrame({"vendor": matrix.index, "first_share": credit})
    frame.attrs.update(draws=draws, spread=spread, seed=seed)
    return frame.sort_values("first_share", ascending=False, ignore_index=True)


@dataclass(frozen=True)
class Swap:
    """The least weight moved from one criterion to another that lets ``runner_up`` tie or
    overtake ``leader`` (``points`` in weight points, 0-1); ``None`` fields: no single move can."""

    leader: str
    runner_up: str
    gap: float
    points: float | None
    from_criterion: str | None
    to_criterion: str | None

    def describe(self) -> str:
        """The swap in one sentence."""
        if self.points is None:
            return (f"No shift of weight between two criteria lets {self.runner_up} catch "
                    f"{self.leader}: the lead of {self.gap:.1f} points is robust to the weights.")
        return (f"Moving {self.points * 100:.1f} percentage points of weight from "
                f"{self.from_criterion} to {self.to_criterion} lets {self.runner_up} tie or "
                f"overtake {self.leader} (lead {self.gap:.1f} points).")


def smallest_swap(matrix: pd.DataFrame, weights: Mapping[str, float], leader: str,
                  runner_up: str) -> Swap:
    """The smallest transfer of weight between two criteria that closes the leader's lead.

    With scores linear in the weights, the lead is D(w) = Σ wᵢ(aᵢ − bᵢ); moving δ from j to i
    changes it by δ((aᵢ − bᵢ) − (aⱼ − bⱼ)). The cheapest closing move over all pairs (δ at most
    wⱼ) is also the smallest total weight change on the simplex, since an optimum of that linear
    program moves weight between one pair of criteria.
    """
    w = pd.Series({c: float(weights[c]) for c in matrix.columns})
    diff = (matrix.loc[leader] - matrix.loc[runner_up]).astype(float)
    gap = float((w * diff).sum())
    best: tuple[float, str, str] | None = None
    for j in matrix.columns:  # give weight away from j ...
        for i in matrix.columns:  # ... to i
            slope = float(diff[j] - diff[i])
            if i == j or slope <= 1e-12:
                continue
            delta = gap / slope
            if delta <= w[j] + 1e-12 and (best is None or delta < best[0]):
                best = (max(delta, 0.0), j, i)
    if best is None:
        return Swap(leader, runner_up, gap * 100, None, None, None)
    return Swap(leader, runner_up, gap * 100, best[0], best[1], best[2])


def quality_below_field(scores: pd.DataFrame, vendor: str) -> bool:
    """Whether ``vendor``'s unweighted mean score is below the median of the field."""
    mean = scores.set_index("vendor")["quality"]
    return bool(mean[vendor] < mean.median())


# --------------------------------------------------------------------------- transition


def check_go_live(start: date, go_live: date) -> None:
    """The one rule on the plan's dates: the go-live comes after the plan starts."""
    if go_live <= start:
        raise ConfigError(f"transition.go_live {go_live} is not after transition.start {start}: "
                          "the go-live must come after the plan starts")


@dataclass(frozen=True)
class TransitionInputs:
    """What a transition plan is built from (weeks and days as stated by the client or the
    cited defaults the report names)."""

    fte: float
    start: date
    go_live: date
    """When the last wave takes live work: the end of the transition."""
    waves: int
    wave_interval_weeks: float
    training_days: float
    nesting_weeks: float
    working_days_per_week: float = 5.0

    def __post_init__(self) -> None:
        check_go_live(self.start, self.go_live)
        if self.fte <= 0 or self.waves < 1 or self.training_days < 0 or self.nesting_weeks < 0:
            raise ConfigError("transition needs fte > 0, waves >= 1 and non-negative training "
                              "days and nesting weeks")

    @property
    def training_weeks(self) -> float:
        return self.training_days / self.working_days_per_week

    @property
    def weeks(self) -> float:
        """Calendar weeks from start to the last go-live."""
        return (self.go_live - self.start).days / 7

    @property
    def needed_weeks(self) -> float:
        """The least a plan can take: the first wave's training and nesting, then the waves."""
        return self.training_weeks + self.nesting_weeks + (self.waves - 1) * \
            self.wave_interval_weeks


def _at(start: date, weeks: float) -> date:
    return start + timedelta(days=round(weeks * 7))


def transition_plan(inputs: TransitionInputs) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The phases (for a Gantt chart) and the weekly FTE ramp of a transition.

    Waves go live ``wave_interval_weeks`` apart, the last on ``go_live``; each wave trains for
    ``training_days`` then nests (supervised live work) for ``nesting_weeks`` before going live.
    Discovery and process documentation fill the time before the first wave's training (the
    first wave's training is the knowledge transfer), the first wave's nesting is the pilot /
    parallel run. Phases may start before ``start`` when the plan is too short: the report says
    so (see :func:`pitfalls`).
    """
    p = inputs
    share = p.fte / p.waves
    rows = []
    lives = [_at(p.go_live, -(p.waves - k) * p.wave_interval_weeks) for k in range(1, p.waves + 1)]
    first_training = _at(lives[0], -(p.nesting_weeks + p.training_weeks))
    rows.append({"phase": "Discovery and process documentation", "start": p.start,
                 "end": max(p.start, first_training), "wave": 0, "fte": 0.0})
    for k, live in enumerate(lives, start=1):
        train = _at(live, -(p.nesting_weeks + p.training_weeks))
        nest = _at(live, -p.nesting_weeks)
        first = k == 1
        rows.append({"phase": "Knowledge transfer (wave 1 training)" if first
                     else f"Wave {k} training", "start": train, "end": nest, "wave": k,
                     "fte": share})
        rows.append({"phase": "Pilot / parallel run (wave 1 nesting)" if first
                     else f"Wave {k} nesting", "start": nest, "end": live, "wave": k,
                     "fte": share})
    rows.append({"phase": "Steady state", "start": p.go_live, "end": _at(p.go_live, 4),
                 "wave": 0, "fte": p.fte})
    phases = pd.DataFrame(rows)
    for col in ("start", "end"):
        phases[col] = pd.to_datetime(phases[col])
    weeks = pd.date_range(min(phases["start"].min(), pd.Timestamp(p.start)),
                          pd.Timestamp(_at(p.go_live, 4)), freq="7D")
    ramp = pd.DataFrame({"week": weeks})
    waves = phases[phases["wave"] > 0]
    for state, label in (("training", "training"), ("nesting", "nesting")):
        rows_of = waves[waves["phase"].str.contains(
            "training" if state == "training" else "nesting")]
        ramp[label] = [float(rows_of.loc[(rows_of["start"] <= w) & (rows_of["end"] > w),
                                         "fte"].sum()) for w in weeks]
    ramp["live"] = [share * sum(pd.Timestamp(live) <= w for live in lives) for w in weeks]
    ramp["inhouse"] = p.fte - ramp["live"]
    return phases, ramp


def dual_running_weeks(inputs: TransitionInputs) -> float:
    """Full-team-equivalent weeks the in-house team keeps running while the provider trains and
    nests: each wave's share of the FTE from its training start to its go-live."""
    return inputs.training_weeks + inputs.nesting_weeks


def transition_costs(inputs: TransitionInputs, inhouse_usd_per_fte_week: float,
                     kt_smes: float, travel_usd: float) -> pd.DataFrame:
    """Knowledge transfer, dual running and travel, each with its calculation.

    * knowledge transfer: ``kt_smes`` client experts for the first wave's training weeks at
      the in-house cost of an FTE week;
    * dual running: the in-house team keeps each wave's work until it goes live, from that
      wave's training start (training + nesting weeks, for each wave's share of the FTE);
    * travel: the client's stated budget.
    """
    weeks = inputs.training_weeks
    dual = dual_running_weeks(inputs)
    rows = [
        {"component": "knowledge transfer", "usd": kt_smes * weeks * inhouse_usd_per_fte_week,
         "calculation": f"{kt_smes:g} experts × {weeks:.1f} weeks × USD "
                        f"{inhouse_usd_per_fte_week:,.0f} per FTE week"},
        {"component": "dual running", "usd": inputs.fte * dual * inhouse_usd_per_fte_week,
         "calculation": f"{inputs.fte:,.1f} FTE × {dual:.1f} weeks (training + nesting of each "
                        f"wave) × USD {inhouse_usd_per_fte_week:,.0f} per FTE week"},
        {"component": "travel", "usd": float(travel_usd),
         "calculation": "client's stated travel budget"},
    ]
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- SLA governance

Comparison = Literal["at_least", "at_most"]


@dataclass(frozen=True)
class SlaTerm:
    """One KPI's service level: target, which way it must hold, and its share of the pool."""

    kpi: str
    target: float
    comparison: Comparison
    weight: float
    window: str | None = None
    measurement: str | None = None


def attainment(monthly: pd.DataFrame, terms: Sequence[SlaTerm]) -> pd.DataFrame:
    """Per month and KPI: value, target, whether it was met and the shortfall.

    ``monthly``: one row per month with a ``month`` column and one column per KPI (the KPI
    engine's names). A month with no value for a KPI is a ``ConfigError``: a credit cannot be
    judged on no data.
    """
    rows = []
    for term in terms:
        if term.kpi not in monthly:
            raise ConfigError(f"sla.kpis.{term.kpi}: the export cannot measure this KPI")
        for _, row in monthly.iterrows():
            value = row[term.kpi]
            if pd.isna(value):
                raise ConfigError(f"sla.kpis.{term.kpi}: no data for month "
                                  f"{pd.Timestamp(row['month']):%Y-%m} in the export")
            value = float(value)
            met = value >= term.target if term.comparison == "at_least" else value <= term.target
            short = (term.target - value) if term.comparison == "at_least" else \
                (value - term.target)
            rows.append({"month": pd.Timestamp(row["month"]), "kpi": term.kpi, "value": value,
                         "target": term.target, "comparison": term.comparison, "met": met,
                         "shortfall": max(short, 0.0), "weight": term.weight})
    return pd.DataFrame(rows)


def service_credits(attained: pd.DataFrame, monthly_fee_usd: float, at_risk_pct: float,
                    earn_back_months: int | None = None) -> pd.DataFrame:
    """Service credits per month: at-risk amount × the breached KPIs' pool weights, capped at
    the at-risk amount, with the calculation as text.

    Earn-back: with ``earn_back_months`` = n, a KPI's credit is returned when that KPI meets its
    target in each of the next n months; the return is booked in the month that completes it.
    A credit whose n months run past the data stays ``pending``.
    """
    at_risk = monthly_fee_usd * at_risk_pct / 100
    months = sorted(attained["month"].unique())
    met = attained.pivot(index="month", columns="kpi", values="met").reindex(months)
    weights = attained.groupby("kpi")["weight"].first()
    earned = dict.fromkeys(months, 0.0)
    pending = dict.fromkeys(months, 0.0)
    rows = []
    for position, month in enumerate(months):
        breached = [k for k in met.columns if not bool(met.loc[month, k])]
        raw = sum(weights[k] for k in breached) * at_risk
        credit = min(raw, at_risk)
        parts = " + ".join(f"{weights[k]:.0%} ({k})" for k in breached) or "no breach"
        calc = (f"USD {monthly_fee_usd:,.0f} × {at_risk_pct:g} % at risk = USD {at_risk:,.0f}; "
                f"× {parts}")
        if raw > at_risk:
            calc += f" = USD {raw:,.0f}, capped at the at-risk amount"
        if earn_back_months and credit > 0:
            scale = credit / raw if raw else 0.0
            for k in breached:
                later = met[k].iloc[position + 1: position + 1 + earn_back_months]
                amount = weights[k] * at_risk * scale
                if len(later) < earn_back_months:
                    pending[month] += amount if later.all() else 0.0
                elif later.all():
                    earned[months[position + earn_back_months]] += amount
        rows.append({"month": month, "breaches": len(breached),
                     "breached_kpis": ", ".join(breached), "at_risk_usd": at_risk,
                     "credit_usd": credit, "calculation": calc})
    frame = pd.DataFrame(rows)
    frame["earned_back_usd"] = [earned[m] for m in months]
    frame["pending_earn_back_usd"] = [pending[m] for m in months]
    frame["net_credit_usd"] = frame["credit_usd"] - frame["earned_back_usd"]
    return frame


# --------------------------------------------------------------------------- pitfalls


def pitfalls(*, sla_terms: Sequence[SlaTerm], chosen: str | None, cheapest: str | None,
             best_value: str | None, chosen_quality_below_field: bool,
             transition: TransitionInputs | None, internal_owner: str | None) -> list[str]:
    """The BPO guides' classic failures that apply, each as one finding sentence."""
    found = []
    vague = [t.kpi for t in sla_terms if not t.window or not t.measurement]
    if vague:
        found.append(f"SLA without a measurement rule or window: {', '.join(vague)}. The "
                     "attainment below uses the KPI report's conventions and calendar months; "
                     "write both into the contract or the provider can dispute every credit.")
    if chosen and chosen == cheapest and chosen != best_value and chosen_quality_below_field:
        found.append(f"{chosen} is the cheapest bid and the chosen one, but its quality scores "
                     f"are below the field and it is not the best value ({best_value}): a "
                     "choice on rate alone.")
    if transition is not None and transition.weeks < transition.needed_weeks:
        found.append(f"The transition ({transition.weeks:.1f} weeks) is shorter than training "
                     f"plus nesting plus the wave spacing ({transition.needed_weeks:.1f} weeks): "
                     "the plan below starts the first wave before the start date.")
    if not (internal_owner or "").strip():
        found.append("No named internal owner: name one person accountable for the provider "
                     "relationship, the SLA reviews and the transition.")
    return found
