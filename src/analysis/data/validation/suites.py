"""One expectation suite per curated dataset, derived from the catalog's declarations.

Columns, types, keys and allowed values come from ``analysis.data.catalog`` (declared once there);
this module adds the ranges and the cross-table rules and versions the result. Every
expectation carries ``meta``: ``severity`` (``critical`` blocks, ``warning`` is reported),
``rule`` (a short id), ``column`` (the file's column it judges) and ``description``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from analysis.data.text_rules import FORBIDDEN_WORDING, first_forbidden

from . import rules
from ._gx import gx, gxe
from .contracts import TableSpec
from .report import CRITICAL, WARNING

SUITE_VERSION = "1.0"

YEAR_RANGE = (1990, 2040)
CAGR_BAND = (-50.0, 100.0)
CAGR_PLAUSIBLE = (-10.0, 40.0)
YEAR_COLUMNS = ("year", "cagr_start_year", "cagr_end_year")
VALUE_COLUMNS = ("value", "value_low", "value_high")
URL_PATTERN = r"^https?://[^\s/$.?#][^\s]*$"
_FORMATS = {
    "int": (r"^-?\d+$", "must be a whole number (no decimals, no thousands separators)"),
    "float": (
        r"^-?\d+(?:\.\d+)?$", "must be a plain number ('.' decimal, no thousands separators)"
    ),
    "bool": (r"^(?:true|false)$", "must be true or false"),
}
# Figures that may legitimately be negative, recognised by a marker in their unit or metric:
# NPS and NPS gaps, time-zone offsets, growth rates.
SIGNED_MARKERS = ("nps", "minus", "offset", "growth", "yoy")
# Percent units that are shares of a whole (0-100); rates per period and growth are not, nor
# are ratios to a reference such as a cost index against in-house cost (105 % is valid).
COLUMN_SET_RULE = "columns_match_catalog"
PERCENT_UNIT_PREFIX = "percent"
UNBOUNDED_PERCENT_MARKERS = ("percent_per_", "percent_yoy", "relative_cost", "index")
# Units that are money (a price, cost, wage or market value): a currency code, then a per-unit,
# a one-time basis or a scale, e.g. usd_per_hour, gbp_one_time, eur_billion, zar. A money value
# must be strictly positive: zero or a sign typo would publish a free or negative cost.
MONEY_UNIT = r"^[a-z]{3}(?:_per_|_one_time|_(?:100_)?(?:thousand|million|billion|trillion)|$)"


@dataclass(frozen=True)
class References:
    """Key values of every readable single-key table, for the catalog's ``references``."""

    keys: dict[str, tuple[str, frozenset[str]]]

    @classmethod
    def of(cls, specs: dict[str, TableSpec], tables: dict[str, pd.DataFrame]) -> References:
        """Collect the key values of each table in ``frames`` that has a one-column key."""
        return cls(
            {
                name: (specs[name].key[0], frozenset(frame[specs[name].key[0]].dropna()))
                for name, frame in tables.items()
                if len(specs[name].key) == 1 and specs[name].key[0] in frame.columns
            }
        )


def _meta(severity: str, rule: str, about: str | None, description: str) -> dict[str, str]:
    return {"severity": severity, "rule": rule, "column": about or "", "description": description}


class SuiteBuilder:
    """Collects expectations with their meta; one builder per dataset.

    An expectation over a column the frame lacks is skipped (and listed in ``skipped``): the
    missing column is already reported once by the table's column-set expectation.
    """

    def __init__(self, name: str, available: set[str]) -> None:
        self.name = f"{name}.v{SUITE_VERSION}"
        self.expectations: list[object] = []
        self.available = available
        self.skipped: list[str] = []

    @property
    def suite(self) -> gx.ExpectationSuite:
        """The suite, built in one go (``add_expectation`` compares each new one to all)."""
        return gx.ExpectationSuite(name=self.name, expectations=self.expectations)

    def add(
        self,
        expectation: type,
        *,
        severity: str,
        rule: str,
        about: str | None,
        description: str,
        **kwargs: object,
    ) -> None:
        """Add one expectation; ``about`` names the file column it judges (meta only)."""
        needed = [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs]
        needed += list(kwargs.get("column_list", []))
        if not set(needed) <= self.available:
            self.skipped.append(f"{rule} on {about}")
            return
        self.expectations.append(
            expectation(**kwargs, meta=_meta(severity, rule, about, description))
        )


def text_column(column: str) -> str:
    """Name of the helper column holding a typed column's cells exactly as written."""
    return f"{column}__text"


def reference_column(column: str) -> str:
    """Name of the helper column holding the values of ``column`` its target table lacks."""
    return f"_check__known_reference__{column}"


def forbidden_column(column: str) -> str:
    """Name of the helper column saying which forbidden character a text cell holds, where."""
    return f"_check__no_control_characters__{column}"


def _forbidden_characters(text: pd.Series) -> pd.Series:
    """Per cell: None, or 'U+XXXX at character N' (never the text around it, which may spoof)."""
    def shown(value: object) -> str | None:
        found = first_forbidden(value) if isinstance(value, str) else None
        return None if found is None else f"{found[1]} at character {found[0]}"

    return text.map(shown).astype(object)


def check_column(rule: str) -> str:
    """Name of the helper column holding one rule's per-row explanations."""
    return f"_check__{rule}"


def _typed(spec: TableSpec, table: pd.DataFrame) -> pd.DataFrame:
    """Cast the declared columns; keep each cast column's text for the format expectations."""
    typed = table.copy()
    for column in spec.columns:
        if column.name not in table.columns or column.dtype == "str":
            continue
        text = table[column.name]
        typed[text_column(column.name)] = text
        if column.dtype == "bool":
            typed[column.name] = text.map({"true": True, "false": False}).astype("boolean")
        else:
            typed[column.name] = pd.to_numeric(text, errors="coerce")
    return typed


def _labels(frame: pd.DataFrame) -> pd.Series:
    """``unit metric`` per row: the text the sign and percent markers are looked up in."""
    parts = [frame[c].fillna("").str.lower() for c in ("unit", "metric") if c in frame.columns]
    return parts[0] + " " + parts[1] if len(parts) == 2 else parts[0]


def _has_marker(labels: pd.Series, markers: tuple[str, ...]) -> pd.Series:
    return labels.str.contains("|".join(markers), regex=True)


# Label columns a report groups by: each spelling of one label must be the same (P5-U01).
LABEL_COLUMNS: dict[str, tuple[str, ...]] = {
    "kpi_benchmarks": ("kpi", "unit", "channel", "industry", "region"),
    "workforce_planning": ("parameter", "unit", "channel", "industry", "region"),
    "market_estimates": ("metric", "geography", "segment_type", "segment", "unit"),
    "location_costs": ("country", "metric", "role", "unit"),
}


def _label_rule(column: str) -> tuple[str, str, str, str, RuleFn]:
    return ("label_variants", column,
            "a label must be spelled one way: no two labels of the column may differ only by "
            "case or spaces", CRITICAL, lambda frame: rules.label_variants(frame, column))


# Rules needing more than one column: (rule id, column it speaks about, description, severity,
# function of the typed frame). Each becomes a helper column asserted to be null.
RuleFn = Callable[[pd.DataFrame], pd.Series]
_TABLE_RULES: dict[str, list[tuple[str, str, str, str, RuleFn]]] = {
    "market_estimates": [
        (
            "share_split_sum", "value",
            f"one source's shares of one split must sum to at most "
            f"100 % + {rules.SHARE_TOLERANCE_PP:g} pp",
            CRITICAL, rules.share_split_totals,
        ),
        (
            "cagr_vs_endpoints", "cagr_pct",
            f"a stated CAGR must agree with the source's own start and end values within "
            f"{rules.CAGR_CRITICAL_PP:g} pp",
            CRITICAL, lambda f: rules.cagr_gaps(f, rules.CAGR_CRITICAL_PP),
        ),
        (
            "cagr_rounding", "cagr_pct",
            f"a stated CAGR differs from the source's own start and end values by more than "
            f"{rules.CAGR_WARNING_PP:g} pp",
            WARNING,
            lambda f: rules.cagr_gaps(f, rules.CAGR_WARNING_PP).where(
                rules.cagr_gaps(f, rules.CAGR_CRITICAL_PP).isna()
            ),
        ),
        (
            "plausible_magnitude", "value",
            "a value must be plausible for its unit (e.g. at most "
            f"{rules.PLAUSIBLE_MAXIMUM['usd_billion']:,.0f} USD bn)",
            CRITICAL, rules.implausible_magnitudes,
        ),
        (
            "forecast_after_base", "year",
            "a forecast row must lie after the latest actual year of the same series",
            CRITICAL, rules.forecasts_before_base,
        ),
    ],
    "kpi_benchmarks": [
        (
            "range_order", "value",
            "a range_low row must not exceed its range_high row",
            CRITICAL, rules.range_statistics_inverted,
        ),
    ],
}


def _table_rules(table: str) -> list[tuple[str, str, str, str, RuleFn]]:
    """The table's multi-column rules and a label rule per label column."""
    return [*_TABLE_RULES.get(table, []),
            *(_label_rule(column) for column in LABEL_COLUMNS.get(table, ()))]


def prepare(spec: TableSpec, table: pd.DataFrame, refs: References) -> pd.DataFrame:
    """The frame a suite judges: typed columns, their text, and one column per table rule."""
    typed = _typed(spec, table)
    for column in spec.columns:
        if column.dtype == "str" and column.name in typed.columns:
            typed[forbidden_column(column.name)] = _forbidden_characters(typed[column.name])
    # References are checked in pandas, not with ExpectColumnValuesToBeInSet: GX re-serialises
    # a value_set of ~600 source ids thousands of times per run, doubling the run time.
    for column, target in spec.references.items():
        if column in typed.columns and target in refs.keys:
            typed[reference_column(column)] = rules.unknown_references(
                typed[column], refs.keys[target][1], f"{target}.csv"
            )
    for rule, column, *_rest, function in _table_rules(spec.name):
        if column in typed.columns:
            try:
                typed[check_column(f"{rule}__{column}")] = function(typed)
            except KeyError:
                # A rule over a missing column: the missing column is reported on its own.
                continue
    if "unit" in typed.columns:
        labels = _labels(typed)
        signed = _has_marker(labels, SIGNED_MARKERS)
        share = typed["unit"].fillna("").str.startswith(PERCENT_UNIT_PREFIX) & ~_has_marker(
            labels, UNBOUNDED_PERCENT_MARKERS
        )
        money = typed["unit"].fillna("").str.match(MONEY_UNIT)
        for column in VALUE_COLUMNS:
            if column in typed.columns and pd.api.types.is_numeric_dtype(typed[column]):
                typed[f"{column}__unsigned"] = typed[column].where(~signed)
                typed[f"{column}__percent"] = typed[column].where(share)
                typed[f"{column}__money"] = typed[column].where(money)
    # GX filters the whole frame once per expectation; Arrow-backed ``str`` columns make each
    # filter copy every string (pyarrow ``take``), numpy object columns only copy pointers:
    # about 20 % faster on a 200k-row table. Values and nulls are unchanged.
    text = typed.select_dtypes(include="str").columns
    return typed.astype(dict.fromkeys(text, object))


def _column_expectations(builder: SuiteBuilder, spec: TableSpec, refs: References) -> None:
    for column in spec.columns:
        name = column.name
        if column.dtype in _FORMATS:
            regex, description = _FORMATS[column.dtype]
            builder.add(
                gxe.ExpectColumnValuesToMatchRegex, severity=CRITICAL,
                rule=f"type_{column.dtype}", about=name, description=description,
                column=text_column(name), regex=regex,
            )
        if column.dtype == "str":
            builder.add(
                gxe.ExpectColumnValuesToBeNull, severity=CRITICAL, rule="no_control_characters",
                about=name, description=f"text must not contain {FORBIDDEN_WORDING}",
                column=forbidden_column(name),
            )
        if not column.nullable:
            builder.add(
                gxe.ExpectColumnValuesToNotBeNull, severity=CRITICAL, rule="not_null",
                about=name, description="must not be empty", column=name,
            )
        if column.allowed:
            shown = ", ".join(sorted(column.allowed)[:12])
            more = ", …" if len(column.allowed) > 12 else ""
            builder.add(
                gxe.ExpectColumnValuesToBeInSet, severity=CRITICAL, rule="allowed_values",
                about=name, description=f"must be one of: {shown}{more}",
                column=name, value_set=sorted(column.allowed),
            )
        if column.pattern:
            builder.add(
                gxe.ExpectColumnValuesToMatchRegex, severity=CRITICAL, rule="pattern",
                about=name, description=f"must match {column.pattern}",
                column=name, regex=column.pattern,
            )
        target = spec.references.get(name)
        if target in refs.keys:
            builder.add(
                gxe.ExpectColumnValuesToBeNull, severity=CRITICAL, rule="known_reference",
                about=name, description=f"must be a {refs.keys[target][0]} listed in "
                f"{target}.csv", column=reference_column(name),
            )
        if name in spec.positive:
            builder.add(
                gxe.ExpectColumnValuesToBeBetween, severity=CRITICAL, rule="positive",
                about=name, description="must be > 0 (a rate, amount or duration)",
                column=name, min_value=0, strict_min=True,
            )
        _range_expectations(builder, name)


def _range_expectations(builder: SuiteBuilder, name: str) -> None:
    if name in YEAR_COLUMNS:
        low, high = YEAR_RANGE
        builder.add(
            gxe.ExpectColumnValuesToBeBetween, severity=CRITICAL, rule="year_range",
            about=name, description=f"year must lie within {low}-{high}",
            column=name, min_value=low, max_value=high,
        )
    if name == "url":
        builder.add(
            gxe.ExpectColumnValuesToMatchRegex, severity=CRITICAL, rule="http_url",
            about=name, description="must be an http(s) URL", column=name, regex=URL_PATTERN,
        )
    if name in VALUE_COLUMNS:
        builder.add(
            gxe.ExpectColumnValuesToBeBetween, severity=CRITICAL, rule="non_negative",
            about=name, description="must be >= 0 (only NPS, offsets and growth may be negative)",
            column=f"{name}__unsigned", min_value=0,
        )
        builder.add(
            gxe.ExpectColumnValuesToBeBetween, severity=CRITICAL, rule="percent_range",
            about=name, description="a percentage must lie within 0-100",
            column=f"{name}__percent", min_value=0, max_value=100,
        )
        builder.add(
            gxe.ExpectColumnValuesToBeBetween, severity=CRITICAL, rule="positive_money",
            about=name, description="a price, cost or amount of money must be > 0",
            column=f"{name}__money", min_value=0, strict_min=True,
        )
    if name in ("cagr_pct", "cagr_pct_high"):
        for severity, (low, high), rule, what in (
            (CRITICAL, CAGR_BAND, "cagr_band", "must lie within"),
            (WARNING, CAGR_PLAUSIBLE, "cagr_plausible", "is unusual outside"),
        ):
            builder.add(
                gxe.ExpectColumnValuesToBeBetween, severity=severity, rule=rule, about=name,
                description=f"a CAGR {what} {low:g} to {high:g} %", column=name,
                min_value=low, max_value=high,
            )


_ORDERED_PAIRS = (
    ("value_low", "value_high", "range_order", "value_low must not exceed value_high"),
    ("cagr_pct", "cagr_pct_high", "range_order", "cagr_pct must not exceed cagr_pct_high"),
    (
        "cagr_start_year", "cagr_end_year", "period_order",
        "cagr_start_year must not be after cagr_end_year",
    ),
)


def build_suite(
    spec: TableSpec, frame: pd.DataFrame, file_columns: list[str], refs: References
) -> SuiteBuilder:
    """The expectation suite of one dataset (``.suite``) and what it skipped (``.skipped``).

    ``file_columns`` are the columns as read from the file: anything else in ``frame`` is a
    helper column added by ``prepare`` and is exempt from the no-unexpected-columns rule.
    """
    builder = SuiteBuilder(spec.name, set(frame.columns))
    declared = spec.column_names
    if not spec.may_be_empty:
        builder.add(
            gxe.ExpectTableRowCountToBeBetween, severity=CRITICAL, rule="has_rows", about=None,
            description="must have at least one data row", min_value=1,
        )
    # One expectation for the header; the runner reports each missing column as
    # ``required_column`` and each extra one as ``unexpected_column``.
    builder.add(
        gxe.ExpectTableColumnsToMatchSet, severity=CRITICAL, rule=COLUMN_SET_RULE,
        about=None, description="the header must list exactly the catalog's columns",
        column_set=declared + [c for c in frame.columns if c not in set(file_columns)],
        exact_match=True,
    )
    _column_expectations(builder, spec, refs)
    if len(spec.key) == 1:
        builder.add(
            gxe.ExpectColumnValuesToBeUnique, severity=CRITICAL, rule="unique_key",
            about=spec.key[0], description="key must be unique", column=spec.key[0],
        )
    elif spec.key:
        builder.add(
            gxe.ExpectCompoundColumnsToBeUnique, severity=CRITICAL, rule="unique_key",
            about=", ".join(spec.key), description="key must be unique",
            column_list=list(spec.key),
        )
    for low, high, rule, description in _ORDERED_PAIRS:
        if low in declared and high in declared:
            builder.add(
                gxe.ExpectColumnPairValuesAToBeGreaterThanB, severity=CRITICAL, rule=rule,
                about=low, description=description, column_A=high, column_B=low,
                or_equal=True, ignore_row_if="either_value_is_missing",
            )
    for rule, column, description, severity, _function in _table_rules(spec.name):
        builder.add(
            gxe.ExpectColumnValuesToBeNull, severity=severity, rule=rule, about=column,
            description=description, column=check_column(f"{rule}__{column}"),
        )
    return builder
