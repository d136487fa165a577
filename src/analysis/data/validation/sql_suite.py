"""A client table's row-level expectation suite compiled to one DuckDB aggregate query.

The Great Expectations suite (``client_suites.build_suite``) stays THE definition of the rules:
this module reads its expectation configurations (type and kwargs) and turns each into the SQL
condition that makes a row unexpected, exactly as GX's pandas executor judges it (nulls are
not judged except by the null expectations). One query over the canonical Parquet file counts
the unexpected rows of every expectation and keeps the first ``SAMPLE_ROWS`` of each (value,
table row, export line) with a bounded aggregate, so memory stays flat in rows; a test runs GX
itself and this compilation on the same faulty table and asserts the same counts.

An expectation type this module cannot compile is refused with ``UnsupportedExpectation``,
never skipped: adding an expectation to the suite without its SQL fails loudly.

Results have the attributes the runner reads from a GX result (``expectation_config``,
``success``, ``result``, ``exception_info``), so messages do not tell the executors apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.data.client_exports.parse import duckdb_connection
from analysis.data.client_exports.query import SOURCE_LINE, ident, literal
from analysis.data.client_exports.schema import TableSchema
from analysis.errors import ConfigError

from .client_suites import rule_columns

SAMPLE_ROWS = 20
"""Unexpected values kept per expectation (GX's ``partial_unexpected_count``)."""

ROW = "_row"

# GX type names (``client_suites.GX_TYPES``) -> DuckDB column types that satisfy them.
_TYPES = {"str": ("VARCHAR",), "datetime64": ("TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS",
                                                 "TIMESTAMP_S"),
          "float64": ("DOUBLE",), "int64": ("BIGINT",), "bool": ("BOOLEAN",)}
# DuckDB column type -> the pandas dtype the GX executor observes for it.
_OBSERVED = {"VARCHAR": "str", "DOUBLE": "float64", "BIGINT": "Int64", "BOOLEAN": "boolean",
             "TIMESTAMP": "datetime64[us]", "TIMESTAMP_NS": "datetime64[ns]",
             "INTEGER": "int32", "FLOAT": "float32", "DATE": "object"}


class UnsupportedExpectation(ConfigError):
    """An expectation in a client suite that the SQL compilation does not know."""


@dataclass
class SqlResult:
    """One expectation's outcome, shaped like a GX ``ExpectationValidationResult``."""

    expectation_config: Any
    success: bool
    result: dict[str, Any]
    exception_info: dict[str, Any] | None = None


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return literal(value)


def _between(kw: dict[str, Any]) -> str:
    column = ident(kw["column"])
    low, high = kw.get("min_value"), kw.get("max_value")
    if low is None and high is None:
        raise UnsupportedExpectation("expect_column_values_to_be_between needs a bound")
    bad = []
    if low is not None:
        bad.append(f"{column} {'<=' if kw.get('strict_min') else '<'} {_value(low)}")
    if high is not None:
        bad.append(f"{column} {'>=' if kw.get('strict_max') else '>'} {_value(high)}")
    return f"{column} IS NOT NULL AND ({' OR '.join(bad)})"


def _pair(kw: dict[str, Any]) -> str:
    a, b = ident(kw["column_A"]), ident(kw["column_B"])
    ignore = kw.get("ignore_row_if", "both_values_are_missing")
    judged = {"both_values_are_missing": f"NOT ({a} IS NULL AND {b} IS NULL)",
              "either_value_is_missing": f"{a} IS NOT NULL AND {b} IS NOT NULL",
              "neither": "TRUE"}.get(ignore)
    if judged is None:
        raise UnsupportedExpectation(f"ignore_row_if '{ignore}' has no SQL compilation")
    compare = ">=" if kw.get("or_equal") else ">"
    return f"({judged}) AND NOT coalesce({a} {compare} {b}, FALSE)"


_CONDITIONS: dict[str, Callable[[dict[str, Any]], str]] = {
    "expect_column_values_to_not_be_null": lambda kw: f"{ident(kw['column'])} IS NULL",
    "expect_column_values_to_be_null": lambda kw: f"{ident(kw['column'])} IS NOT NULL",
    "expect_column_values_to_be_in_set": lambda kw: (
        f"{ident(kw['column'])} IS NOT NULL AND {ident(kw['column'])} NOT IN "
        f"({', '.join(_value(v) for v in kw['value_set']) or 'NULL'})"),
    "expect_column_values_to_be_between": _between,
    "expect_column_values_to_match_regex": lambda kw: (
        f"{ident(kw['column'])} IS NOT NULL AND NOT regexp_matches({ident(kw['column'])}, "
        f"{literal(kw['regex'])})"),
    "expect_column_values_to_not_match_regex": lambda kw: (
        f"{ident(kw['column'])} IS NOT NULL AND regexp_matches({ident(kw['column'])}, "
        f"{literal(kw['regex'])})"),
    "expect_column_pair_values_a_to_be_greater_than_b": _pair,
}
"""Row-level expectation type -> SQL condition that makes a row unexpected."""

_COLUMN_LEVEL = {"expect_column_values_to_be_of_type"}
_SAMPLE_VALUE = {"expect_column_pair_values_a_to_be_greater_than_b":
                 lambda kw: f"[CAST({ident(kw['column_A'])} AS VARCHAR), "
                            f"CAST({ident(kw['column_B'])} AS VARCHAR)]"}


def _config(expectation: Any) -> tuple[str, dict[str, Any]]:
    config = expectation.configuration if hasattr(expectation, "configuration") else expectation
    return config.type, dict(config.kwargs)


def compile_condition(expectation: Any) -> str | None:
    """The SQL condition of an unexpected row (None for a column-level type check).

    ``UnsupportedExpectation`` for a type, ``mostly`` or ``row_condition`` it cannot compile.
    """
    kind, kw = _config(expectation)
    meta = getattr(expectation, "meta", None) or {}
    where = f"rule '{meta.get('rule', kind)}' on '{meta.get('column', kw.get('column', ''))}'"
    if kw.get("mostly") not in (None, 1, 1.0):
        raise UnsupportedExpectation(f"{where}: 'mostly' has no SQL compilation")
    if kw.get("row_condition"):
        raise UnsupportedExpectation(f"{where}: 'row_condition' has no SQL compilation")
    if kind in _COLUMN_LEVEL:
        return None
    if kind not in _CONDITIONS:
        raise UnsupportedExpectation(
            f"{where}: expectation type '{kind}' has no SQL compilation (known: "
            f"{', '.join(sorted([*_CONDITIONS, *_COLUMN_LEVEL]))}); add it to "
            "analysis/data/validation/sql_suite.py")
    return _CONDITIONS[kind](kw)


def table_relation(path: Path, schema: TableSchema, names: list[str]) -> str:
    """The canonical table with its 1-based ``_row`` and every row rule's explanation."""
    rules = "".join(f", CAST({sql} AS VARCHAR) AS {name}"
                    for name, sql in rule_columns(schema, set(names)))
    line = "" if SOURCE_LINE in names else f", CAST(NULL AS BIGINT) AS {SOURCE_LINE}"
    return (f"(SELECT *, file_row_number + 1 AS {ROW}{line}{rules} "
            f"FROM read_parquet({literal(str(path))}, file_row_number = true))")


def run_suite(path: Path, schema: TableSchema,
              expectations: list[Any]) -> tuple[list[SqlResult], dict[int, int]]:
    """Every expectation over the whole Parquet file in one aggregate query.

    Returns one result per expectation (in suite order) and the export line of each sampled
    table row. Raises ``UnsupportedExpectation`` before reading anything if one cannot compile.
    """
    conditions = [compile_condition(e) for e in expectations]
    with duckdb_connection() as con:
        types = dict(con.sql(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "
                             f"read_parquet({literal(str(path))}))").fetchall())
        table = table_relation(path, schema, list(types))
        judged = [(e, c) for e, c in zip(expectations, conditions, strict=True) if c is not None]
        # One pass of counts (all a good table costs), then the first rows of the failing
        # expectations only: cheap per row and bounded in memory.
        aggregates = ["count(*)", *(f"count(*) FILTER ({c})" for _e, c in judged)]
        found = con.sql(f"SELECT {', '.join(aggregates)} FROM {table}").fetchall()[0]
        rows, counts = int(found[0]), [int(n) for n in found[1:]]
        failing = [i for i, n in enumerate(counts) if n]
        firsts: dict[int, list[int]] = {}
        if failing:
            picked = con.sql("SELECT " + ", ".join(
                f"min({ROW}, {SAMPLE_ROWS}) FILTER ({judged[i][1]})" for i in failing)
                + f" FROM {table}").fetchall()[0]
            firsts = {i: sorted(int(r) for r in rows_ or []) for i, rows_ in zip(
                failing, picked, strict=True)}
        sampled = sorted({r for rows_ in firsts.values() for r in rows_})
        values: dict[int, tuple] = {}
        if sampled:
            # The sampled rows' values and export lines, fetched once for every expectation.
            shown = [_SAMPLE_VALUE.get(_config(e)[0], lambda k: ident(k["column"]))(
                _config(e)[1]) for e, _c in judged]
            values = {int(r[0]): r[1:] for r in con.sql(
                f"SELECT {ROW}, {SOURCE_LINE}, {', '.join(shown)} FROM {table} "
                f"WHERE {ROW} IN ({', '.join(str(int(r)) for r in sampled)})").fetchall()}
    results, lines = [], {}
    position = 0
    for expectation, condition in zip(expectations, conditions, strict=True):
        config = expectation.configuration
        if condition is None:
            wanted = _TYPES.get(config.kwargs["type_"], ())
            observed = types.get(config.kwargs["column"])
            results.append(SqlResult(config, observed in wanted, {
                "observed_value": _OBSERVED.get(str(observed), str(observed).lower())}))
            continue
        count, sample = counts[position], firsts.get(position, [])
        for row in sample:
            if values[row][0] is not None:
                lines[int(row)] = int(values[row][0])
        results.append(SqlResult(config, count == 0, {
            "element_count": rows, "unexpected_count": count,
            "partial_unexpected_list": [values[row][1 + position] for row in sample],
            "partial_unexpected_index_list": [int(row) for row in sample],
        }))
        position += 1
    return results, lines
