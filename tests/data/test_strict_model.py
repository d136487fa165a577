"""strict_model.py: no true/false for a number, in any model read from YAML (P9-M11)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pytest
from pydantic import Field, ValidationError

from analysis.data.strict_model import StrictModel, bool_for_number


class _Example(StrictModel):
    count: int = 0
    share: float | None = None
    flag: bool = False
    either: bool | float = 1.0
    sheet: str | int | None = None
    weights: dict[str, float] = Field(default_factory=dict)
    gates: dict[str, bool | float] = Field(default_factory=dict)
    hours: list[Annotated[int, Field(ge=0)]] = Field(default_factory=list)
    minutes: Literal[15, 30] = 30
    anything: Any = None


@pytest.mark.parametrize(("data", "key", "says"), [
    ({"count": True}, "count", "true is a yes/no value, not a number"),
    ({"share": False}, "share", "false is a yes/no value"),
    ({"sheet": True}, "sheet", "true is a yes/no value"),
    ({"weights": {"cost": True}}, "weights", "cost: true is a yes/no value"),
    ({"hours": [9, True]}, "hours", "1: true is a yes/no value"),
])
def test_a_yes_no_value_is_refused_where_a_number_is_wanted(data, key, says):
    with pytest.raises(ValidationError) as caught:
        _Example.model_validate(data)
    (error,) = caught.value.errors()
    assert error["loc"] == (key,) and says in str(error["ctx"]["error"])


def test_keys_that_take_a_yes_no_value_still_do():
    model = _Example.model_validate({"flag": True, "either": False, "gates": {"x": True},
                                     "anything": True, "count": 3, "share": 0.5})
    assert model.flag and model.either is False and model.gates == {"x": True}
    assert model.count == 3 and model.anything is True


def test_unknown_keys_are_still_refused():
    with pytest.raises(ValidationError, match="extra"):
        _Example.model_validate({"cuont": 3})


def test_bool_for_number_names_the_path_below_the_field():
    assert bool_for_number(dict[str, list[int]], {"a": [1, False]}, "") == (
        "a.1: false is a yes/no value, not a number: write the number")
    assert bool_for_number(int, 1, "") is None
