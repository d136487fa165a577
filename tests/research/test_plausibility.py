"""Plausibility bounds of the planning settings: stated rules that never refuse a cited figure."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.data import catalog
from analysis.research.plausibility import PLAUSIBLE, plausibility_problem

# Which cited rows of workforce_planning.csv each bounded setting's figures are in.
CITED = {"shrinkage_pct": "shrinkage", "occupancy_cap_pct": "occupancy"}


@pytest.fixture(scope="module")
def workforce() -> pd.DataFrame:
    return catalog.load("workforce_planning")


@pytest.mark.parametrize(("name", "parameter"), sorted(CITED.items()))
def test_no_cited_figure_is_refused(workforce: pd.DataFrame, name: str,
                                    parameter: str) -> None:
    values = workforce.loc[workforce["parameter"] == parameter, "value"].dropna()
    assert len(values) >= 3
    refused = [v for v in values if plausibility_problem(name, v)]
    assert refused == []


def test_no_cited_service_level_target_is_refused(workforce: pd.DataFrame) -> None:
    targets = workforce["target_sl_pct"].dropna()
    assert len(targets) >= 1
    assert [t for t in targets if plausibility_problem("service_level_pct", t)] == []


def test_a_value_just_outside_is_named_exactly_with_its_bound_and_rule() -> None:
    problem = plausibility_problem("shrinkage_pct", 99.9999999)
    assert problem is not None
    assert problem.startswith("99.9999999 % is above the plausible maximum of 60 %: ")
    assert plausibility_problem("shrinkage_pct", 60) is None
    assert plausibility_problem("occupancy_cap_pct", 49.5).startswith(
        "49.5 % is below the plausible minimum of 50 %")
    assert "finite" in plausibility_problem("hours_per_week", math.nan)
    assert plausibility_problem("no_such_setting", 1e9) is None


@pytest.mark.parametrize("name", sorted(PLAUSIBLE))
def test_every_range_is_ordered_and_says_why(name: str) -> None:
    bounds = PLAUSIBLE[name]
    assert bounds.low < bounds.high
    assert bounds.why_low and bounds.why_high
