"""Mapping constants: one value for a whole export, converted with its column's type at load time.

A constant (``constants: {csat_scale: 5}``) used to reach the SQL as ``TRY_CAST('<text>' AS
<type>)``, so a value that did not convert (``.inf`` for an integer, ``five``) became NULL without
a word and the report lost the column (P4-M08). Now every constant is converted here when the
mapping is read, with the column's type and value rules from ``schema.py``, and a value that does
not convert, is not finite, or breaks the column's bounds or allowed values is refused naming
``constants.<name>``, the value and the rule. The DuckDB and Spark routes then write the already
typed value with ``constant_literal`` (one rule for both).
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

from analysis.data.client_exports.schema import ColumnSchema
from analysis.data.text_rules import FORBIDDEN_WORDING, first_forbidden

Constant = str | int | float | bool | datetime | None
"""A converted constant: the Python value of the column's type (None for a YAML null)."""

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_NON_FINITE_WORDS = {"nan", ".nan", "inf", ".inf", "infinity", "+inf", "+.inf", "+infinity",
                     "-inf", "-.inf", "-infinity"}
_TRUE, _FALSE = ("true", "yes"), ("false", "no")


class ConstantError(ValueError):
    """A mapping constant that cannot be used; ``key`` is ``constants.<name>``."""

    def __init__(self, name: str, value: Any, rule: str, why: str) -> None:
        self.key = f"constants.{name}"
        shown = repr(value) if not isinstance(value, str) else repr(value[:80])
        super().__init__(f"{shown} {why} [{rule}]")


def _number(col: ColumnSchema, value: Any) -> float:
    """``value`` as a finite float, or ``ConstantError`` (non-finite and non-numbers refused)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ConstantError(col.name, value, "number", f"is not a number ({col.type} column)")
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in _NON_FINITE_WORDS:
            raise ConstantError(col.name, value, "finite", "is not a finite number")
        if not _NUMBER.fullmatch(text):
            raise ConstantError(col.name, value, "number", f"is not a number ({col.type} column)")
        number = float(text)
        if math.isfinite(number):
            # A number column takes a number: '5' in quotes is text, and accepting it would
            # make a mapping the one input that coerces types silently (configs refuse them,
            # P4-M05; P5-M12). YAML also reads 1e3 (no dot) as text, so the message says so.
            raise ConstantError(col.name, value, "number",
                                f"is text, not a number ({col.type} column): write the number "
                                "without quotes (YAML reads 1e3 as text: write 1000)")
    else:
        number = float(value)
    if not math.isfinite(number):  # .nan, .inf, -.inf, and 1e999 (read as text, overflows)
        raise ConstantError(col.name, value, "finite", "is not a finite number")
    return number


def _bounded(col: ColumnSchema, value: Any, number: float) -> None:
    if col.min_value is not None and number < col.min_value:
        raise ConstantError(col.name, value, "minimum", f"is below the minimum {col.min_value:g}")
    if col.max_value is not None and number > col.max_value:
        raise ConstantError(col.name, value, "maximum", f"is above the maximum {col.max_value:g}")


def typed_constant(col: ColumnSchema, value: Any) -> Constant:
    """``value`` converted to ``col``'s type and checked against its rules.

    ``ConstantError`` (a ``ValueError``) names ``constants.<name>``, the value and the rule.
    """
    if value is None:
        if not col.nullable:
            raise ConstantError(col.name, value, "required", "is empty: the column is required")
        return None
    if col.type in ("int", "float"):
        number = _number(col, value)
        if col.type == "int" and not number.is_integer():
            raise ConstantError(col.name, value, "whole_number", "is not a whole number")
        _bounded(col, value, number)
        return int(number) if col.type == "int" else number
    if col.type == "bool":
        text = str(value).strip().lower() if not isinstance(value, bool) else ""
        if isinstance(value, bool):
            return value
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        raise ConstantError(col.name, value, "boolean", "is not true or false")
    if col.type == "timestamp":
        if isinstance(value, datetime):
            return value
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day)
        try:
            return datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise ConstantError(col.name, value, "timestamp",
                                "is not an ISO 8601 date or timestamp") from None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ConstantError(col.name, value, "text", "is not a text value")
    text = str(value).strip()
    if not text and not col.nullable:
        raise ConstantError(col.name, value, "required", "is empty: the column is required")
    bad = first_forbidden(text)
    if bad is not None:
        raise ConstantError(col.name, value, "no_control_characters",
                            f"contains {bad[1]} at position {bad[0]}: text must not contain "
                            f"{FORBIDDEN_WORDING}")
    if col.allowed is not None and text not in col.allowed:
        raise ConstantError(col.name, value, "allowed_values",
                            f"is not one of {', '.join(col.allowed)}")
    return text


def constant_literal(value: Constant) -> str | None:
    """The text both routes cast to the column's type (None for a null): one spelling for SQL
    and Spark, written from the already converted value so the cast cannot fail."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value)
