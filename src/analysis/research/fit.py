"""Outsourcing fit: a transparent, parametrized score of how well a process suits outsourcing.

Each process is rated 1–5 on nine criteria (an analyst assessment, not a sourced figure). A
criterion either favours outsourcing (``+1``: the higher the rating, the better the fit) or
counts against it (``-1``). Ratings are rescaled to 0–1 in the favourable direction, averaged
with the weights and expressed on 0–100; thresholds turn the score into a recommendation.

Defaults are deliberately plain: every criterion weighs the same because no source ranks them,
and the thresholds split the 0–100 scale into thirds-ish bands an analyst can move. Notebooks
pass their own ``weights`` and ``thresholds``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from analysis.errors import ConfigError

RATING_MIN = 1
RATING_MAX = 5


@dataclass(frozen=True)
class Criterion:
    """One rating dimension: its column name, direction and what a high rating means."""

    name: str
    direction: int
    """+1: a high rating favours outsourcing; -1: a high rating counts against it."""
    meaning: str


CRITERIA: tuple[Criterion, ...] = (
    Criterion("repeatable", +1, "the same steps recur for most cases"),
    Criterion("documented", +1, "procedures and rules are written down"),
    Criterion("measurable", +1, "output and quality can be put into SLAs/KPIs"),
    Criterion("volume", +1, "enough transactions or hours to staff a dedicated team"),
    Criterion("trainable", +1, "a new agent reaches proficiency in weeks, not years"),
    Criterion("judgment_heavy", -1, "outcomes depend on expert judgment or discretion"),
    Criterion("regulatory_sensitivity", -1, "errors or data location carry legal/regulatory risk"),
    Criterion("brand_sensitivity", -1, "the customer or brand relationship is at stake"),
    Criterion("change_frequency", -1, "the process changes often"),
)
CRITERION_NAMES: tuple[str, ...] = tuple(c.name for c in CRITERIA)

#: Equal weights: no source ranks the criteria, so none is favoured by default.
DEFAULT_WEIGHTS: dict[str, float] = {name: 1.0 for name in CRITERION_NAMES}

OUTSOURCE_NOW = "outsource now"
PILOT_FIRST = "pilot first"
KEEP_IN_HOUSE = "keep in-house"
RECOMMENDATIONS: tuple[str, ...] = (OUTSOURCE_NOW, PILOT_FIRST, KEEP_IN_HOUSE)


@dataclass(frozen=True)
class Thresholds:
    """Fit-score cut-offs (0–100): at or above ``outsource_now`` → outsource now; at or above
    ``pilot_first`` → pilot first; below → keep in-house. Analyst defaults, not sourced."""

    outsource_now: float = 65.0
    pilot_first: float = 45.0

    def __post_init__(self) -> None:
        if not 0 <= self.pilot_first <= self.outsource_now <= 100:
            raise ConfigError(
                f"thresholds must satisfy 0 <= pilot_first ({self.pilot_first}) <= "
                f"outsource_now ({self.outsource_now}) <= 100"
            )


def criteria_table(weights: Mapping[str, float] | None = None) -> pd.DataFrame:
    """The criteria with direction, meaning and the weight in use (for the report's method)."""
    used = resolve_weights(weights)
    return pd.DataFrame([
        {"criterion": c.name.replace("_", " "), "direction": "favours" if c.direction > 0
         else "counts against", "meaning": c.meaning, "weight": used[c.name]}
        for c in CRITERIA
    ])


def resolve_weights(weights: Mapping[str, float] | None = None) -> dict[str, float]:
    """Defaults overridden by ``weights``; unknown names, negatives or an all-zero set fail."""
    merged = dict(DEFAULT_WEIGHTS)
    for name, value in (weights or {}).items():
        if name not in merged:
            raise ConfigError(
                f"unknown fit criterion {name!r}; criteria: {', '.join(CRITERION_NAMES)}"
            )
        if value is None or float(value) < 0:
            raise ConfigError(f"weight of {name!r} must be a number >= 0, got {value!r}")
        merged[name] = float(value)
    if sum(merged.values()) <= 0:
        raise ConfigError("at least one fit criterion needs a weight above zero")
    return merged


def _check_ratings(ratings: pd.DataFrame) -> None:
    missing = [c for c in CRITERION_NAMES if c not in ratings.columns]
    if missing:
        raise ConfigError(f"ratings lack criteria columns: {', '.join(missing)}")
    values = ratings[list(CRITERION_NAMES)]
    bad = values.isna() | (values < RATING_MIN) | (values > RATING_MAX)
    if bad.to_numpy().any():
        rows = ratings.index[bad.any(axis=1)].tolist()
        raise ConfigError(
            f"every criterion needs a rating from {RATING_MIN} to {RATING_MAX}; check rows {rows}"
        )


def favourability(ratings: pd.DataFrame) -> pd.DataFrame:
    """Each criterion rescaled to 0–1 in the direction that favours outsourcing."""
    _check_ratings(ratings)
    span = RATING_MAX - RATING_MIN
    out = {}
    for c in CRITERIA:
        scaled = (ratings[c.name].astype(float) - RATING_MIN) / span
        out[c.name] = scaled if c.direction > 0 else 1.0 - scaled
    return pd.DataFrame(out, index=ratings.index)


def fit_score(ratings: pd.DataFrame, weights: Mapping[str, float] | None = None) -> pd.Series:
    """Weighted mean favourability on 0–100 (100 = every criterion at its most favourable)."""
    used = resolve_weights(weights)
    fav = favourability(ratings)
    w = pd.Series(used)[list(CRITERION_NAMES)]
    return (fav[list(CRITERION_NAMES)] @ w) / w.sum() * 100.0


def recommend(score: float, thresholds: Thresholds | None = None) -> str:
    """The recommendation for one fit score."""
    t = thresholds or Thresholds()
    if score >= t.outsource_now:
        return OUTSOURCE_NOW
    if score >= t.pilot_first:
        return PILOT_FIRST
    return KEEP_IN_HOUSE


def score_processes(
    catalogue: pd.DataFrame,
    weights: Mapping[str, float] | None = None,
    thresholds: Thresholds | None = None,
) -> pd.DataFrame:
    """The catalogue with ``fit_score``, ``recommendation`` and ``value_complexity`` added.

    ``value_complexity`` is the mean of the ``strategic_value`` and ``complexity`` ratings (1–5)
    where the catalogue has them: the second axis of the fit chart. Sorted best fit first.
    """
    scores = fit_score(catalogue, weights)
    out = catalogue.assign(
        fit_score=scores,
        recommendation=[recommend(s, thresholds) for s in scores],
    )
    if {"strategic_value", "complexity"} <= set(catalogue.columns):
        out["value_complexity"] = (catalogue["strategic_value"].astype(float)
                                   + catalogue["complexity"].astype(float)) / 2.0
    return out.sort_values("fit_score", ascending=False, ignore_index=True)


def recommendation_counts(scored: pd.DataFrame) -> pd.DataFrame:
    """How many processes fall in each recommendation (all three listed, zeros included)."""
    counts = scored["recommendation"].value_counts().reindex(list(RECOMMENDATIONS), fill_value=0)
    return counts.rename_axis("recommendation").reset_index(name="processes")
