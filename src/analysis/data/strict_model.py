"""The base of every model a YAML file is read into (client configs, export mappings).

Unknown keys are refused and a loaded model is frozen. And a yes/no value is never a number:
pydantic's lax mode reads ``true`` as 1 for an ``int`` or ``float`` key, so ``header_offset:
true`` silently skipped one line (P9-M11) while ``csat_scale: true`` was refused. Every number
key of every model refuses ``true``/``false`` here, in one place, naming the key (the caller's
error wording adds the file and the key's path).
"""

from __future__ import annotations

import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator


def _takes_bool(annotation: Any) -> bool:
    """Whether a value of this annotation may be ``True``/``False`` (``bool``, ``Any``, a
    ``Literal`` of one, or a union with one of those)."""
    if annotation is bool or annotation is Any:
        return True
    origin = get_origin(annotation)
    if origin is Annotated:
        return _takes_bool(get_args(annotation)[0])
    if origin is Literal:
        return any(isinstance(arg, bool) for arg in get_args(annotation))
    if origin in (Union, types.UnionType):
        return any(_takes_bool(arg) for arg in get_args(annotation))
    return False


def _takes_number(annotation: Any) -> bool:
    """Whether this annotation (or a member of its union) is ``int`` or ``float``."""
    if annotation in (int, float):
        return True
    origin = get_origin(annotation)
    if origin is Annotated:
        return _takes_number(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return any(_takes_number(arg) for arg in get_args(annotation))
    return False


def _members(annotation: Any, container: type) -> list[Any]:
    """The ``dict``/``list`` annotations of ``container`` among ``annotation``'s union."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _members(get_args(annotation)[0], container)
    if origin in (Union, types.UnionType):
        return [m for arg in get_args(annotation) for m in _members(arg, container)]
    return [annotation] if origin is container else []


def bool_for_number(annotation: Any, value: Any, where: str) -> str | None:
    """Where and why ``value`` puts a yes/no value where ``annotation`` wants a number, or
    None. Dicts and lists are looked into (``weights: {cost: true}``); ``where`` is the path
    below the field so far (the caller's wording names the field itself)."""
    if isinstance(value, bool):
        if _takes_number(annotation) and not _takes_bool(annotation):
            at = f"{where}: " if where else ""
            return f"{at}{str(value).lower()} is a yes/no value, not a number: write the number"
        return None
    if isinstance(value, dict):
        for member in _members(annotation, dict):
            inner = get_args(member)[1] if len(get_args(member)) == 2 else Any
            for key, item in value.items():
                if problem := bool_for_number(inner, item, f"{where}.{key}".lstrip(".")):
                    return problem
    if isinstance(value, list):
        for member in _members(annotation, list):
            inner = get_args(member)[0] if get_args(member) else Any
            for index, item in enumerate(value):
                if problem := bool_for_number(inner, item, f"{where}.{index}".lstrip(".")):
                    return problem
    return None


class StrictModel(BaseModel):
    """A model read from YAML: unknown keys refused, frozen, no ``true`` for a number."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_number(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if field is not None and (problem := bool_for_number(field.annotation, value, "")):
            raise ValueError(problem)
        return value
