"""One expectation suite per canonical client table, derived from ``CANONICAL_SCHEMAS``.

The schema declares each column once (name, type, nullability, allowed values, minimum); the
loader enforces it at parse time and this module turns the same declaration into a GX suite, so
a canonical table is judged again, as stored, before any KPI is computed. Percentages and the
row rules of ``client_rules`` are added here; whole-table checks live in ``client_tables``.
"""

from __future__ import annotations

import pandas as pd

from analysis.data.client_exports.schema import TableSchema

from ._gx import gxe
from .client_rules import CLIENT_RULES
from .report import CRITICAL
from .suites import SuiteBuilder, check_column

# GX names the pandas dtypes by their numpy kind: nullable ``Int64`` is observed as ``int64``.
GX_TYPES = {"str": "str", "timestamp": "datetime64", "float": "float64", "int": "int64",
            "bool": "bool"}
PERCENT_SUFFIX = "_pct"


def rule_columns(schema: TableSchema, available: set[str]) -> list[tuple[str, str]]:
    """(helper column, SQL explanation) of each row rule whose columns the table has."""
    return [(check_column(rule.rule), rule.sql) for rule in CLIENT_RULES.get(schema.kind, ())
            if set(rule.needs) <= available]


def prepare(schema: TableSchema, table: pd.DataFrame, first_row: int = 1) -> pd.DataFrame:
    """The frame Great Expectations judges: the table with one explanation column per row rule.

    The explanations are the rules' own SQL (``client_rules``), run by DuckDB over the frame,
    so the GX executor and the SQL one compute the very same cells. The index is the 1-based
    row of the canonical table (``first_row`` for the first row of a batch), so GX samples name
    rows, not offsets.
    """
    import duckdb

    frame = table.copy()
    frame.index = pd.RangeIndex(first_row, first_row + len(frame), name="row")
    rules = rule_columns(schema, set(frame.columns))
    if rules:
        with duckdb.connect() as con:
            con.register("_frame", table.reset_index(drop=True))
            cells = con.sql("SELECT " + ", ".join(f"CAST({sql} AS VARCHAR) AS {name}"
                                                  for name, sql in rules)
                            + " FROM _frame").df()
        for name, _sql in rules:
            frame[name] = pd.Series(cells[name].to_numpy(), index=frame.index, dtype="str")
    return frame


def build_suite(schema: TableSchema, name: str, frame: pd.DataFrame) -> SuiteBuilder:
    """The row-level suite of one canonical table (``.suite``), run batch by batch.

    What a batch cannot judge (row count, column set, uniqueness, rules across rows) is not in
    it: ``client_tables`` runs each of those as one query over the whole table.
    """
    builder = SuiteBuilder(name, set(frame.columns))
    for column in schema.columns:
        _column_expectations(builder, column)
    for rule in CLIENT_RULES.get(schema.kind, ()):
        builder.add(
            gxe.ExpectColumnValuesToBeNull, severity=rule.severity, rule=rule.rule,
            about=rule.column, description=rule.description, column=check_column(rule.rule),
        )
    return builder


def _column_expectations(builder: SuiteBuilder, column: object) -> None:
    name = column.name
    builder.add(
        gxe.ExpectColumnValuesToBeOfType, severity=CRITICAL, rule=f"type_{column.type}",
        about=name, description=f"must be of type {column.type} ({column.pandas_dtype})",
        column=name, type_=GX_TYPES[column.type],
    )
    if not column.nullable:
        builder.add(
            gxe.ExpectColumnValuesToNotBeNull, severity=CRITICAL, rule="not_null", about=name,
            description="must not be empty", column=name,
        )
    if column.allowed:
        builder.add(
            gxe.ExpectColumnValuesToBeInSet, severity=CRITICAL, rule="allowed_values",
            about=name, description=f"must be one of: {', '.join(column.allowed)}",
            column=name, value_set=list(column.allowed),
        )
    low, high = column.min_value, column.max_value
    if column.max_why:
        # A plausibility bound (a contact of more than 24 hours) is a rule of its own, with its
        # reason; the minimum keeps its own rule id.
        builder.add(
            gxe.ExpectColumnValuesToBeBetween, severity=CRITICAL, rule="maximum", about=name,
            description=f"must be <= {high:g} ({column.max_why})", column=name,
            max_value=high,
        )
        high = None
    if name.endswith(PERCENT_SUFFIX):
        low, high = (0 if low is None else low), (100 if high is None else high)
    if low is not None or high is not None:
        rule = "percent_range" if name.endswith(PERCENT_SUFFIX) else (
            "minimum" if high is None else "range"
        )
        span = f"{low:g}-{high:g}" if low is not None and high is not None else None
        description = (
            f"must lie within {span}" if span else
            f"must be >= {low:g}" if low is not None else f"must be <= {high:g}"
        )
        builder.add(
            gxe.ExpectColumnValuesToBeBetween, severity=CRITICAL, rule=rule, about=name,
            description=description, column=name, min_value=low, max_value=high,
        )
