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

import re
from dataclasses import dataclass, field
from typing import Any

from analysis.data.client_exports.constants import constant_literal
from analysis.data.client_exports.mapping import (
    DATE_FORMATS,
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
class ReaderPlan:
    """Which source columns DuckDB's CSV reader parses itself (typed ``read_csv``).

    ``types``: source column -> ``DOUBLE``, ``DATE`` or ``TIMESTAMP`` (every other column is
    read as text and parsed by the SQL of ``parse_expression``). ``dateformat`` and
    ``timestampformat`` are the reader's (one each per file). ``time_parts``: canonical column ->
    (date source, time source, time format) for a date + time pair whose date part the reader
    parses and whose time part stays text. Only formats whose typed parse accepts exactly what
    the text route accepts are typed; a value the reader cannot parse makes the parse fall back
    to the text route, which names it.
    """

    types: dict[str, str] = field(default_factory=dict)
    dateformat: str | None = None
    timestampformat: str | None = None
    time_parts: dict[str, tuple[str, str, str]] = field(default_factory=dict)


TEXT_PLAN = ReaderPlan()
"""Every column read as text: the route that names any bad value exactly."""

_TIME_DIRECTIVES = set("HIMSpfz")
_DATE_DIRECTIVES = set("dmYybBj")


def _directives(fmt: str) -> set[str]:
    return {fmt[i + 1] for i in range(len(fmt) - 1) if fmt[i] == "%"}


def reader_plan(mapping: ExportMapping) -> ReaderPlan:
    """The typed-reader plan of a CSV mapping (``TEXT_PLAN`` when nothing can be typed).

    Typed natively: a single-column ``strftime`` timestamp (``TIMESTAMP``) and the date of a
    date + time pair (``DATE``), when the format names no year. Not typed, because the reader's
    parse is not as strict as the mapping's rule (both routes must accept exactly the same
    text): numbers (the reader's DOUBLE reads '0_5' as 5.0), formats with ``%Y``/``%y`` (it
    reads '06/01/25' under ``%Y`` as the year 25), ``H:MM:SS`` (DuckDB's INTERVAL cast
    reads '3:45' as 3 h 45 min and accepts '01:02:03 ago'), ``M:SS``, value maps, yes/no words,
    percentages, ``YYMMDD``, decimal comma. Untyped columns still go through the one pass,
    parsed by the text route's SQL. A column an exclusion rule reads, or one read two
    ways, stays text; so does every column when a missing marker holds a digit (the reader
    matches markers untrimmed, so ' -1 ' could read as a number).
    """
    if not mapping.missing or any(any(ch.isdigit() for ch in m) for m in mapping.missing):
        # No marker: DuckDB's reader would take an empty cell as missing by default.
        return TEXT_PLAN
    schema = CANONICAL_SCHEMAS[mapping.kind]
    wanted: dict[str, set[str]] = {}
    dateformats: set[str] = set()
    stampformats: set[str] = set()
    time_parts: dict[str, tuple[str, str, str]] = {}
    for col in schema.columns:
        spec = mapping.spec(col.name)
        if spec is None:
            continue
        typed = None
        fmt = spec.format
        # Numbers are never typed: the reader's DOUBLE takes '0_5' as 5.0 (P3-T03). Nor is a
        # format with a year: the reader takes '25' under %Y as the year 25 (P3-T04).
        if spec.values is not None:
            pass
        elif col.type == "timestamp" and fmt and fmt.lower() not in DATE_FORMATS and \
                "%" in fmt and not _directives(fmt) & {"z", "Z", "Y", "y"}:
            if len(spec.sources) == 1:
                typed = {spec.sources[0]: "TIMESTAMP"}
                stampformats.add(fmt)
            elif len(spec.sources) == 2 and fmt.count(" ") == 1:
                day, time = fmt.split(" ")
                if (_directives(day) and _directives(day) <= _DATE_DIRECTIVES
                        and _directives(time) and _directives(time) <= _TIME_DIRECTIVES):
                    typed = {spec.sources[0]: "DATE"}
                    dateformats.add(day)
                    time_parts[col.name] = (spec.sources[0], spec.sources[1], time)
        for name in spec.sources:
            wanted.setdefault(name, set()).add((typed or {}).get(name, "VARCHAR"))
    for rule in mapping.exclude:
        wanted.setdefault(rule.column, set()).add("VARCHAR")
    # The reader takes one date and one timestamp format per file: more than one stays text.
    if len(dateformats) > 1:
        dateformats.clear()
    if len(stampformats) > 1:
        stampformats.clear()
    types = {}
    for name, kinds in wanted.items():
        (kind,) = kinds if len(kinds) == 1 else ("VARCHAR",)
        if (kind == "DATE" and not dateformats) or (kind == "TIMESTAMP" and not stampformats):
            kind = "VARCHAR"
        if kind != "VARCHAR":
            types[name] = kind
    time_parts = {c: parts for c, parts in time_parts.items() if types.get(parts[0]) == "DATE"
                  and parts[1] not in types}
    if not types:
        return TEXT_PLAN
    return ReaderPlan(types, next(iter(dateformats), None), next(iter(stampformats), None),
                      time_parts)


@dataclass(frozen=True)
class Parsed:
    """One mapped column, as layered SQL so each step is computed once per row.

    ``text`` reads the source columns (trimmed, missing markers NULL) into ``_t<i>``;
    ``mapped`` applies the value map to ``_t<i>`` into ``_m<i>``; ``parsed`` reads ``_m<i>``
    into ``_p<i>``; ``value`` is the canonical value from ``_p<i>``; ``checks`` are the
    conditions that make a row bad, in the order they are judged, each with its code in
    ``reasons``: 1 a map miss, 2 text present but unparsed, 3 the column's extra rule (a
    negative duration, a fraction in a whole-number column), 4 a number or timestamp that
    parsed to no finite value (``NOT_FINITE``).
    """

    column: str
    sources: tuple[str, ...]
    index: int
    text: str
    mapped: str
    parsed: str
    value: str
    checks: tuple[tuple[int, str], ...]
    reasons: tuple[str, str, str, str]
    carried: str = ""
    """Extra ``, expr AS name`` columns of the text layer (a typed date beside its time text)."""

    @property
    def bad(self) -> str:
        """SQL: 0 for a good row, else the code of the first check it fails."""
        return ("CASE " + "".join(f"WHEN {cond} THEN {code} " for code, cond in self.checks)
                + "ELSE 0 END")

    @property
    def failing(self) -> str:
        """SQL: whether the row fails any check (the typed route's guard: ORs cost less than
        the CASE that picks the code, and only the exact route needs the code)."""
        live = [cond for _code, cond in self.checks if cond != "FALSE"]
        return f"({' OR '.join(f'({c})' for c in live)})" if live else "FALSE"


def _checks(map_bad: str, m: str, p: str, col: ColumnSchema,
            extra: str) -> tuple[tuple[int, str], ...]:
    """A map miss first, then text present but unparsed, a value that is not finite, then the
    column's extra rule. Finiteness is judged on the parsed column of its own layer, so the
    cast is not repeated (a second TRY_CAST costs 40 % of the cast; ``isfinite`` ~3 %)."""
    finite = ((4, f"{p} IS NOT NULL AND NOT isfinite({p})"),) if col.type in (
        "float", "int", "timestamp") else ()
    return ((1, map_bad), (2, f"{m} IS NOT NULL AND {p} IS NULL"), *finite,
            (3, f"coalesce({extra}, FALSE)"))


def trimmed(cell: str) -> str:
    """SQL: the text cell ``cell`` without its leading and trailing spaces, '' when NULL.

    The same as ``trim(coalesce(cell, ''))`` (DuckDB's trim takes Unicode space separators off
    both ends: U+0020 and non-ASCII ones) without its cost on the usual cell: when the first
    character is printable ASCII and the cell is all ASCII and does not end in a space, there
    is nothing to take off. trim makes a copy of every cell, and this is most of a parse.
    """
    return (f"CASE WHEN ascii({cell}) BETWEEN 33 AND 126 AND NOT ends_with({cell}, ' ') "
            f"AND strlen({cell}) = length({cell}) THEN {cell} ELSE trim(coalesce({cell}, '')) END")


def source_text(spec: ColumnSpec, mapping: ExportMapping) -> str:
    """The trimmed source text of a spec, missing markers as NULL; joined parts by a space."""
    markers = sorted({m.strip() for m in mapping.missing})
    parts = []
    for name in spec.sources:
        trimmed_text = trimmed(ident(name))
        parts.append(f"CASE WHEN {_in(trimmed_text, markers)} THEN NULL ELSE {trimmed_text} END")
    # ``||`` is NULL when any part is: a joined value (date + time) is missing when a part is.
    return " || ' ' || ".join(f"({p})" for p in parts)


def _plain_double(text: str) -> str:
    """``text`` as a DOUBLE, NULL when it is not a number: DuckDB's cast alone also takes '_'
    as a digit separator ('0_5' -> 5.0), which Spark and every reader of the file would not."""
    return f"CASE WHEN NOT contains({text}, '_') THEN TRY_CAST({text} AS DOUBLE) END"


def _number(text: str, decimal: str, thousands: str | None) -> str:
    if thousands:
        text = f"replace({text}, {literal(thousands)}, '')"
    if decimal != ".":
        text = f"replace({text}, {literal(decimal)}, '.')"
    return _plain_double(text)


_NUMERIC_DIRECTIVES = {"Y": r"\d{4}", "y": r"\d{2}", "f": r"\d+"}


def _format_shape(fmt: str) -> str | None:
    """A regular expression for the text a ``strftime`` format with a year may match, or None.

    DuckDB's ``strptime`` reads '25' under ``%Y`` as the year 25 and '5' under ``%y``; Python
    and Spark want four and two digits. The shape pins the year's digits; every other
    directive is matched loosely and left to ``strptime`` to judge."""
    if not _directives(fmt) & {"Y", "y"}:
        return None
    shape, i = [], 0
    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt):
            code = fmt[i + 1]
            shape.append("%" if code == "%" else _NUMERIC_DIRECTIVES.get(
                code, r"\d+" if code in "dmHIMSj" else ".+?"))
            i += 2
        else:
            shape.append(re.escape(fmt[i]))
            i += 1
    return "".join(shape)


_PADDED_DIGITS = {"d": 2, "m": 2, "H": 2, "I": 2, "M": 2, "S": 2, "j": 3, "Y": 4, "y": 2}
_GLOB_SPECIAL = set("*?[]\\")


def _format_glob(fmt: str) -> str | None:
    """A GLOB for the zero-padded form of a format's text ('05/02/2025 08:01:10'), or None.

    Every text it matches also matches ``_format_shape``'s expression (fixed digits where the
    shape takes one or more, the year's exact digits, the same literals), so a GLOB match can
    stand in for the regular expression, which costs three times as much on every row
    (``_matching``). None when the format has a directive without a fixed width (``%b``,
    ``%f``, ``%-d``) or a literal GLOB would read as a pattern."""
    glob, i = [], 0
    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt):
            code = fmt[i + 1]
            if code == "%":
                glob.append("%")
            elif code in _PADDED_DIGITS:
                glob.append("[0-9]" * _PADDED_DIGITS[code])
            else:
                return None
            i += 2
        elif fmt[i] in _GLOB_SPECIAL or fmt[i] == "%":
            return None
        else:
            glob.append(fmt[i])
            i += 1
    return "".join(glob)


def _matching(text: str, pattern: str, quick: tuple[str, ...] = ()) -> str:
    """SQL: ``text`` fully matches the regular expression ``pattern``. ``quick``: GLOBs whose
    every match also matches ``pattern`` (the usual zero-padded forms), tried first: a row they
    settle never runs the regular expression."""
    full = f"regexp_full_match({text}, {literal(pattern)})"
    if not quick:
        return full
    return (f"CASE WHEN {' OR '.join(f'{text} GLOB {literal(g)}' for g in quick)} THEN TRUE "
            f"ELSE {full} END")


_HMS = r"\d+:[0-5]?\d:[0-5]?\d([.,]\d+)?"
_HMS_PADDED = ("[0-9]:[0-5][0-9]:[0-5][0-9]", "[0-9][0-9]:[0-5][0-9]:[0-5][0-9]")
"""'H:MM:SS' and 'HH:MM:SS': each matches ``_HMS``."""
_MS = r"\d+:[0-5]?\d([.,]\d+)?"


def _part(text: str, index: int) -> str:
    return f"CAST(replace(split_part({text}, ':', {index}), ',', '.') AS DOUBLE)"


def _duration(text: str, fmt: str, decimal: str) -> tuple[str, str, str]:
    """(seconds, extra bad condition over ``{p}``, its reason) for a duration format."""
    if fmt == "hms":
        # The pattern decides what is a duration; DuckDB's INTERVAL cast then reads it (alone
        # it is lenient: it would take "1 day" or "-0:00:05", and drop ",5"). Under 24 hours
        # with a decimal point, the TIME cast reads the same text to the same seconds at a
        # fifth of the cost (0.35 CPU-s per 10M rows and four durations); it reads nothing
        # else the pattern lets through (tests/data/test_durations.py). A decimal comma is
        # replaced only where there is one: a copy of every cell costs 0.8 CPU-s.
        point = f"CASE WHEN contains({text}, ',') THEN replace({text}, ',', '.') ELSE {text} END"
        value = (f"CASE WHEN {_matching(text, _HMS, _HMS_PADDED)} THEN coalesce("
                 f"epoch(TRY_CAST({text} AS TIME)), epoch(TRY_CAST({point} AS INTERVAL))) END")
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
    parsed = f"try_strptime({text}, {literal(fmt)})"
    shape = _format_shape(fmt or "")
    if shape is not None:
        quick = _format_glob(fmt or "")
        parsed = (f"CASE WHEN {_matching(text, shape, (quick,) if quick else ())} THEN "
                  f"{parsed} END")
    return parsed, f"not a timestamp in format '{fmt}'"


def parse_expression(col: ColumnSchema, spec: ColumnSpec, mapping: ExportMapping,
                     index: int, plan: ReaderPlan = TEXT_PLAN) -> Parsed:
    """The layered SQL that reads one mapped canonical column (``index``: its layer names).

    With a typed ``plan`` a source the reader already parsed is taken as it comes (missing
    markers are the reader's NULLs); the column's extra rules are applied the same way.
    """
    if col.name in plan.time_parts:
        return _date_and_time(col, spec, mapping, plan, index)
    if spec.sources[0] in plan.types:
        return _typed(col, spec, plan.types[spec.sources[0]], index)
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
        parsed = _plain_double(stripped)
        if spec.format == "fraction":
            parsed = f"({parsed} * 100)"
        reason = "not a percentage"
    elif spec.format is None:
        parsed, reason = _number(m, mapping.decimal, mapping.thousands), "not a number"
    else:
        raise ConfigError(f"column '{col.name}': format '{spec.format}' does not apply to a "
                          f"{col.type} column")
    value, extra, extra_reason = _as_column_type(col, p, extra, extra_reason)
    return Parsed(col.name, tuple(spec.sources), index, source_text(spec, mapping), mapped,
                  parsed, value, _checks(map_bad, m, p, col, extra),
                  (map_reason, reason, extra_reason, NOT_FINITE))


NOT_FINITE = "not a finite number"
"""Why text DuckDB reads as NaN or infinity ('nan', 'inf', '1e400' overflowing a double,
'infinity' as a timestamp) is refused: it is not a measurement, and NaN compared above every
bound ('above the CSAT scale maximum', P7-A05/A34). The message shows the export's own text."""


def _as_column_type(col: ColumnSchema, p: str, extra: str,
                    extra_reason: str) -> tuple[str, str, str]:
    """The parsed value as its column's type, with its extra rule: an int column takes whole
    numbers only (that rule replaces any other)."""
    if col.type == "int":
        # An infinity would stop the cast with an error: it is refused as NOT_FINITE instead.
        return (f"CAST(CASE WHEN isfinite({p}) THEN {p} END AS BIGINT)", f"{p} % 1 <> 0",
                "not a whole number")
    return p, extra, extra_reason


def _judged(col: ColumnSchema, spec: ColumnSpec, index: int, text: str, parsed: str,
            extra: str, extra_reason: str, reason: str, carried: str = "") -> Parsed:
    m, p = f"_m{index}", f"_p{index}"
    value, extra, extra_reason = _as_column_type(col, p, extra, extra_reason)
    return Parsed(col.name, tuple(spec.sources), index, text, f"_t{index}", parsed, value,
                  _checks("FALSE", m, p, col, extra), ("", reason, extra_reason, NOT_FINITE),
                  carried)


def _typed(col: ColumnSchema, spec: ColumnSpec, kind: str, index: int) -> Parsed:
    """A column the reader parsed (``DOUBLE`` number or duration, ``TIMESTAMP``)."""
    m, p = f"_m{index}", f"_p{index}"
    extra, extra_reason = "FALSE", ""
    parsed = m
    if kind == "DOUBLE" and spec.format in DURATION_FORMATS:
        scale = {"seconds": "1.0", "minutes": "60.0", "day_fraction": "86400.0"}[spec.format]
        parsed, extra, extra_reason = f"({m} * {scale})", f"{p} < 0", "negative duration"
    reason = "not a number" if kind == "DOUBLE" else f"not a timestamp in format '{spec.format}'"
    return _judged(col, spec, index, ident(spec.sources[0]), parsed, extra, extra_reason, reason)


def _date_and_time(col: ColumnSchema, spec: ColumnSpec, mapping: ExportMapping,
                   plan: ReaderPlan, index: int) -> Parsed:
    """A date the reader parsed plus a time still text: missing when either part is."""
    day, time, fmt = plan.time_parts[col.name]
    text = (f"CASE WHEN {ident(day)} IS NULL THEN NULL ELSE "
            f"{source_text(ColumnSpec(source=time), mapping)} END")
    parsed = f"_d{index} + CAST(try_strptime(_m{index}, {literal(fmt)}) AS TIME)"
    return _judged(col, spec, index, text, parsed, "FALSE", "",
                   f"not a timestamp in format '{spec.format}'",
                   carried=f", {ident(day)} AS _d{index}")


def constant_expression(col: ColumnSchema, value: Any) -> str:
    """A mapping constant (already converted by ``constants.typed_constant`` when the mapping
    was read) as a typed SQL literal (``NULL`` for a YAML null). A plain CAST: the value is
    known to convert, and if it ever did not the query fails loudly instead of writing NULL."""
    text = constant_literal(value)
    if text is None:
        return f"CAST(NULL AS {SQL_TYPES[col.type]})"
    return f"CAST({literal(text)} AS {SQL_TYPES[col.type]})"


def canonical_select(mapping: ExportMapping,
                     plan: ReaderPlan = TEXT_PLAN) -> tuple[list[Parsed], list[str]]:
    """Mapped columns (parsed) and ``expr AS name`` for every canonical column, in order.

    ``plan``: which source columns arrive already typed from DuckDB's reader.
    """
    schema = CANONICAL_SCHEMAS[mapping.kind]
    parsed: list[Parsed] = []
    select: list[str] = []
    for col in schema.columns:
        spec = mapping.spec(col.name)
        if spec is not None:
            p = parse_expression(col, spec, mapping, len(parsed), plan)
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


def repeated_keys_possible(table: str, key: tuple[str, ...]) -> str:
    """SQL counting rows of ``table`` minus distinct 64-bit hashes of ``key``.

    0 proves every key distinct, at less memory and CPU than grouping the keys themselves
    (100M interaction ids: 577 vs 802 MB peak); anything else (a repeated key, or a hash
    collision, about 3 in a million at 10M rows) needs ``repeated_key_rows`` to tell.
    """
    cols = ", ".join(ident(k) for k in key)
    return f"SELECT count(*) - count(DISTINCT hash({cols})) FROM {table}"


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
