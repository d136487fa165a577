"""analysis.research.fit: direction of every criterion, weights, thresholds, catalogue."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import paths
from analysis.errors import ConfigError
from analysis.research import fit


def _process(**ratings: int) -> pd.DataFrame:
    """One process rated 3 on every criterion unless overridden."""
    row = {name: 3 for name in fit.CRITERION_NAMES}
    row.update(ratings)
    return pd.DataFrame([row])


@pytest.mark.parametrize("criterion", fit.CRITERIA, ids=lambda c: c.name)
def test_score_moves_with_each_criterion_direction(criterion):
    scores = [float(fit.fit_score(_process(**{criterion.name: r})).iloc[0])
              for r in range(fit.RATING_MIN, fit.RATING_MAX + 1)]
    steps = [b - a for a, b in zip(scores, scores[1:], strict=False)]
    if criterion.direction > 0:
        assert all(s > 0 for s in steps)
    else:
        assert all(s < 0 for s in steps)


def test_score_spans_zero_to_hundred():
    best = {c.name: fit.RATING_MAX if c.direction > 0 else fit.RATING_MIN for c in fit.CRITERIA}
    worst = {c.name: fit.RATING_MIN if c.direction > 0 else fit.RATING_MAX for c in fit.CRITERIA}
    assert float(fit.fit_score(_process(**best)).iloc[0]) == pytest.approx(100.0)
    assert float(fit.fit_score(_process(**worst)).iloc[0]) == pytest.approx(0.0)


def test_zero_weight_removes_a_criterion():
    low = _process(volume=1)
    high = _process(volume=5)
    weights = {"volume": 0.0}
    assert float(fit.fit_score(low, weights).iloc[0]) == pytest.approx(
        float(fit.fit_score(high, weights).iloc[0]))


def test_heavier_weight_pulls_score_towards_that_criterion():
    process = _process(judgment_heavy=5)  # judgment counts against: favourability 0
    plain = float(fit.fit_score(process).iloc[0])
    heavy = float(fit.fit_score(process, {"judgment_heavy": 5.0}).iloc[0])
    assert heavy < plain


@pytest.mark.parametrize("weights", [{"speed": 1.0}, {"volume": -1.0},
                                     {c: 0.0 for c in fit.CRITERION_NAMES}])
def test_bad_weights_raise(weights):
    with pytest.raises(ConfigError):
        fit.resolve_weights(weights)


@pytest.mark.parametrize("rating", [0, 6, None])
def test_ratings_outside_scale_raise(rating):
    with pytest.raises(ConfigError):
        fit.fit_score(_process(volume=rating))


def test_thresholds_are_inclusive_at_each_cut_off():
    t = fit.Thresholds(outsource_now=70, pilot_first=40)
    assert fit.recommend(70, t) == fit.OUTSOURCE_NOW
    assert fit.recommend(69.99, t) == fit.PILOT_FIRST
    assert fit.recommend(40, t) == fit.PILOT_FIRST
    assert fit.recommend(39.99, t) == fit.KEEP_IN_HOUSE


def test_inverted_thresholds_raise():
    with pytest.raises(ConfigError):
        fit.Thresholds(outsource_now=40, pilot_first=60)


def test_default_catalogue_scores_and_recommendations_agree():
    catalogue = pd.read_csv(paths.raw_dir() / "process_catalogue.csv")
    t = fit.Thresholds()
    scored = fit.score_processes(catalogue, thresholds=t)
    assert len(scored) >= 20
    assert set(catalogue["assessment"]) == {"analyst assessment"}
    assert scored["fit_score"].is_monotonic_decreasing
    for _, row in scored.iterrows():
        assert row["recommendation"] == fit.recommend(row["fit_score"], t)
    assert scored["value_complexity"].between(1, 5).all()
    counts = fit.recommendation_counts(scored)
    assert counts["processes"].sum() == len(scored)


def test_catalogue_categories_exist_in_taxonomy():
    catalogue = pd.read_csv(paths.raw_dir() / "process_catalogue.csv")
    taxonomy = pd.read_csv(paths.raw_dir() / "service_taxonomy.csv")
    assert set(catalogue["category_id"]) <= set(taxonomy["category_id"])
