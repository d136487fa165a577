"""A mapping compiled to DuckDB SQL: one expression per canonical column, with its error check.

Every rule of the mapping (missing markers, value maps, yes/no words, timestamp patterns,
durations, percentages, decimal comma, thousands separator, constants) becomes a SQL expression
over the export's text columns, so DuckDB parses the export while streaming it and Python never
holds its rows. Each parsed column also gets a *bad* condition (the text was present but did not
parse) and the reason shown in the error message; ``parse.py`` runs the query.

Every name and value here comes from a mapping file and is treated as hostile: identifiers and
literals are quoted by ``ident`` and ``literal`` only, and a NUL character is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from analysis.data.client_exports.mapping import (
    DURATION_FORMATS,
    PERCENT_FORMATS,
    ColumnSpec,
    ExportMapping,
)
from analysis.data.client_exports.schema import CANONICAL_SCHEMAS, ColumnSchema
from analysis.errors import ConfigError

SQL_TYPES = {"str": "VARCHAR", "timestamp": "TIMESTAMP", "float": "DOUBLE", "int": "BIGINT",
             "bool": "BOOLEAN"}
"""The DuckDB type each canonical column type is stored as."""

SOURCE_LINE = "source_line"
"""Canonical-table column: the export's physical line (or sheet row) each record came from."""


def literal(value: object) -> str:
    """A SQL string literal for any text from a mapping (quotes doubled, NUL refused)."""
    text = str(value)
    if "\x00" in text:
        raise ConfigError(f"a NUL character cannot appear in a mapping value: {text!r}")
    return "'" + text.replace("'", "''") + "'"


def ident(name: str) -> str:
    """A quoted SQL identifier for a source column name from an export header."""
    if "\x00" in name:
        raise ConfigError(f"a NUL character cannot appear in a column name: {name!r}")
    return '"' + name.replace('"', '""') + '"'


def _in(expr: str, values: list[str]) -> str:
    return f"{expr} IN ({', '.join(literal(v) for v in values)})" if values else "FALSE"


@dataclass(frozen=True)
class Parsed:
    """One mapped column, as layered SQL so each step is computed once per row.

    ``text`` reads the source columns (trimmed, missing markers NULL) into ``_t<i>``;
    ``mapped`` applies the value map to ``_t<i>`` into ``_m<i>``; ``parsed`` reads ``_m<i>``
    into ``_p<i>``; ``value`` is the canonical value from ``_p<i>``; ``bad`` is 0 for a good
    row, else the code of ``reasons``: 1 a map miss, 2 text present but unparsed, 3 the
    column's extra rule (a negative duration, a fraction in a whole-number column).
    """

    column: str
    sources: tuple[str, ...]
    index: int
    text: str
    mapped: str
    parsed: str
    value: str
    bad: str
    reasons: tuple[str, str, str]


def source_text(spec: ColumnSpec, mapping: ExportMapping) -> str:
    """The trimmed source text of a spec, missing markers as NULL; joined parts by a space."""
    markers = sorted({m.strip() for m in mapping.missing})
    parts = []
    for name in spec.sources:
        trimmed = f"trim(coalesce({ident(name)}, ''))"
        parts.append(f"CASE WHEN {_in(trimmed, markers)} THEN NULL ELSE {trimmed} END")
    # ``||`` is NULL when any part is: a joined value (date + time) is missing when a part is.
    return " || ' ' || ".join(f"({p})" for p in parts)


def _number(text: str, decimal: str, thousands: str | None) -> str:
    if thousands:
        text = f"replace({text}, {literal(thousands)}, '')"
    if decimal != ".":
        text = f"replace({text}, {literal(decimal)}, '.')"
    return f"TRY_CAST({text} AS DOUBLE)"


_HMS = r"\d+:[0-5]?\d:[0-5]?\d([.,]\d+)?"
_MS = r"\d+:[0-5]?\d([.,]\d+)?"


def _part(text: str, index: int) -> str:
    return f"CAST(replace(split_part({text}, ':', {index}), ',', '.') AS DOUBLE)"


def _duration(text: str, fmt: str, decimal: str) -> tuple[str, str, str]:
    """(seconds, extra bad condition over ``{p}``, its reason) for a duration format."""
    if fmt == "hms":
        # The pattern decides what is a duration; DuckDB's INTERVAL cast then reads it fast
        # (alone it is lenient: it would take "1 day" or "-0:00:05").
        value = (f"CASE WHEN regexp_full_match({text}, '{_HMS}') THEN "
                 f"epoch(TRY_CAST(replace({text}, ',', '.') AS INTERVAL)) END")
        return value, "FALSE", "not a H:MM:SS duration"
    if fmt == "ms":
        value = (f"CASE WHEN regexp_full_match({text}, '{_MS}') THEN {_part(text, 1)} * 60 + "
                 f"{_part(text, 2)} END")
        return value, "FALSE", "not a M:SS duration"
    scale = {"seconds": "1.0", "minutes": "60.0", "day_fraction": "86400.0"}[fmt]
    return f"({_number(text, decimal, None)} * {scale})", "{p} < 0", "negative duration"


def _timestamp(text: str, fmt: str | None) -> tuple[str, str]:
    name = (fmt or "iso").lower()
    if name in ("yymmdd", "yyyymmdd"):
        width = 6 if name == "yymmdd" else 8
        # Integer dates lose their leading zero (050101 → 50101); pad back before parsing.
        digits = f"lpad(regexp_replace({text}, '\\.0$', ''), {width}, '0')"
        pattern = "%y%m%d" if width == 6 else "%Y%m%d"
        value = (f"CASE WHEN regexp_full_match({digits}, '\\d{{{width}}}') "
                 f"THEN try_strptime({digits}, '{pattern}') END")
        return value, f"not a {name.upper()} date"
    if name == "iso":
        return f"TRY_CAST({text} AS TIMESTAMP)", "not a ISO 8601 timestamp"
    return f"try_strptime({text}, {literal(fmt)})", f"not a timestamp in format '{fmt}'"


def parse_expression(col: ColumnSchema, spec: ColumnSpec, mapping: ExportMapping,
                     index: int) -> Parsed:
    """The layered SQL that reads one mapped canonical column (``index``: its layer names)."""
    t, m, p = f"_t{index}", f"_m{index}", f"_p{index}"
    extra, extra_reason = "FALSE", ""
    if spec.values is not None:
        cases = " ".join(f"WHEN {literal(k)} THEN {literal(v)}" for k, v in spec.values.items())
        mapped = f"CASE {t} {cases} END"
        map_bad = f"{t} IS NOT NULL AND {m} IS NULL"
        map_reason = f"not one of the mapped values {sorted(spec.values)}"
    else:
        mapped, map_bad, map_reason = t, "FALSE", ""
    if col.type == "timestamp":
        parsed, reason = _timestamp(m, spec.format)
    elif col.type == "bool":
        trues = sorted({v.lower() for v in spec.true_values})
        falses = sorted({v.lower() for v in spec.false_values})
        parsed = (f"CASE WHEN {_in(f'lower({m})', trues)} THEN TRUE "
                  f"WHEN {_in(f'lower({m})', falses)} THEN FALSE END")
        reason = f"not a yes/no value (true: {trues}, false: {falses})"
    elif col.type == "str":
        parsed, reason = m, ""
    elif spec.format in DURATION_FORMATS:
        parsed, negative, extra_reason = _duration(m, spec.format, mapping.decimal)
        extra = negative.format(p=p)
        reason = {"hms": "not a H:MM:SS duration", "ms": "not a M:SS duration"}.get(
            spec.format, "not a number")
    elif spec.format in PERCENT_FORMATS:
        # "85,0 %" carries a decimal comma even in files whose numbers otherwise use a dot.
        stripped = f"replace(trim(replace(replace({m}, '%', ''), chr(160), '')), ',', '.')"
        parsed = f"TRY_CAST({stripped} AS DOUBLE)"
        if spec.format == "fraction":
            parsed = f"({parsed} * 100)"
        reason = "not a percentage"
    elif spec.format is None:
        parsed, reason = _number(m, mapping.decimal, mapping.thousands), "not a number"
    else:
        raise ConfigError(f"column '{col.name}': format '{spec.format}' does not apply to a "
                          f"{col.type} column")
    value = p
    if col.type == "int":
        value = f"CAST({p} AS BIGINT)"
        extra, extra_reason = f"{p} % 1 <> 0", "not a whole number"
    # A map miss first, then text present but unparsed, then the column's extra rule.
    bad = (f"CASE WHEN {map_bad} THEN 1 WHEN {m} IS NOT NULL AND {p} IS NULL THEN 2 "
           f"WHEN coalesce({extra}, FALSE) THEN 3 ELSE 0 END")
    return Parsed(col.name, tuple(spec.sources), index, source_text(spec, mapping), mapped,
                  parsed, value, bad, (map_reason, reason, extra_reason))


def constant_expression(col: ColumnSchema, value: Any) -> str:
    """A mapping constant as a typed SQL literal (``NULL`` for a YAML null)."""
    if value is None:
        return f"CAST(NULL AS {SQL_TYPES[col.type]})"
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return f"TRY_CAST({literal(text)} AS {SQL_TYPES[col.type]})"


def canonical_select(mapping: ExportMapping) -> tuple[list[Parsed], list[str]]:
    """Mapped columns (parsed) and ``expr AS name`` for every canonical column, in order."""
    schema = CANONICAL_SCHEMAS[mapping.kind]
    parsed: list[Parsed] = []
    select: list[str] = []
    for col in schema.columns:
        spec = mapping.spec(col.name)
        if spec is not None:
            p = parse_expression(col, spec, mapping, len(parsed))
            parsed.append(p)
            select.append(f"{p.value} AS {col.name}")
        elif col.name in mapping.constants:
            select.append(f"{constant_expression(col, mapping.constants[col.name])} AS {col.name}")
        else:
            select.append(f"CAST(NULL AS {SQL_TYPES[col.type]}) AS {col.name}")
    return parsed, select


def repeated_key_rows(table: str, key: tuple[str, ...], columns: str) -> str:
    """SQL selecting ``columns`` of every row of ``table`` whose ``key`` occurs more than once.

    A GROUP BY over the whole table (a hash aggregate that spills to disk), then only the rows
    of repeated keys: uniqueness is judged on the whole table, never per batch. The loader and
    the validation's whole-table check both use it.
    """
    cols = ", ".join(ident(k) for k in key)
    # No CTE: DuckDB would materialise one read twice, the whole table in memory.
    return (f"SELECT {columns} FROM {table} AS _t SEMI JOIN (SELECT {cols} FROM {table} "
            f"GROUP BY ALL HAVING count(*) > 1) AS _repeated USING ({cols})")


def derive_interactions(mapped: set[str]) -> str:
    """SELECT list filling interaction fields a source leaves out but implies.

    Exports give different subsets: some give timestamps, some durations, some both. Only gaps
    are filled; a value the source gives is never overwritten. Reads a relation ``c`` holding
    the canonical columns (``source_line`` included) and returns the same columns.
    """
    outcome = ("outcome" if "outcome" in mapped else
               "CASE WHEN answered_at IS NOT NULL OR handle_seconds IS NOT NULL THEN 'answered' "
               "ELSE 'abandoned' END")
    answered = "coalesce(outcome = 'answered', FALSE)"
    secs = "date_diff('microsecond', {a}, {b}) / 1e6"
    after = "{t} + to_microseconds(CAST(round({s} * 1e6) AS BIGINT))"
    wait = (f"coalesce(wait_seconds, {secs.format(a='arrived_at', b='answered_at')}, "
            f"CASE WHEN NOT {answered} THEN {secs.format(a='arrived_at', b='ended_at')} END)")
    ans_at = (f"coalesce(answered_at, CASE WHEN {answered} THEN "
              f"{after.format(t='arrived_at', s='wait_seconds')} END)")
    # Hold and wrap are often absent from an export; talk alone then is the handle time.
    summed = ("CASE WHEN talk_seconds IS NOT NULL THEN talk_seconds + coalesce(hold_seconds, 0) "
              "+ coalesce(wrap_seconds, 0) END")
    handle = (f"coalesce(handle_seconds, CASE WHEN {answered} THEN {summed} END, "
              f"{secs.format(a='answered_at', b='ended_at')})")
    ended = (f"coalesce(ended_at, {after.format(t='answered_at', s='handle_seconds')}, "
             f"CASE WHEN NOT {answered} THEN {after.format(t='arrived_at', s='wait_seconds')} "
             "END)")
    steps = [
        f"SELECT * REPLACE ({outcome} AS outcome) FROM c",
        f"SELECT * REPLACE ({wait} AS wait_seconds) FROM d1",
        f"SELECT * REPLACE ({ans_at} AS answered_at) FROM d2",
        f"SELECT * REPLACE ({handle} AS handle_seconds) FROM d3",
        f"SELECT * REPLACE ({ended} AS ended_at) FROM d4",
    ]
    ctes = ", ".join(f"d{i + 1} AS ({step})" for i, step in enumerate(steps))
    return f"WITH {ctes} SELECT * FROM d5"
