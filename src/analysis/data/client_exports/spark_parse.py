"""Parse a client export into canonical Parquet on Spark, from the same mapping file.

The DuckDB path (``parse.py`` with ``query.py``) is the one-machine engine; this is its Spark
twin for exports past one machine (``engine: spark``). It reads the same ``ExportMapping`` and
follows the same rules (missing markers, value maps, yes/no words, timestamp patterns, ``YYMMDD``,
durations, percentages, decimal comma, thousands separator, constants, row filters, the
derived interaction fields, the schema's row rules, unique ids), and writes the same canonical
columns and types; ``tests/data/test_spark_engine.py`` holds both engines to identical rows.

Spark differs from DuckDB in ways the notes (``../shared/notes/scale-routes.md`` Q2) measured:

- no skip-lines option: the file is read headerless as text columns and the preamble and
  header lines are dropped by content (a row equal to one of them, field for field);
- ANSI mode raises on a bad cast: every parse uses ``try_cast`` / ``try_to_timestamp``;
- no line numbers: the happy path never computes them. Only when a check fails does a second
  pass number the file's physical lines (``zipWithIndex`` over its text) to name the first bad
  line; ``source_line`` in the canonical table is therefore empty on this engine.

Every name and value from a mapping goes in through the DataFrame API (``lit``), never pasted
into SQL text; the export's columns are addressed by position (``_c0``, ``_c1``, ...).
"""

from __future__ import annotations

import csv
import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from analysis import paths
from analysis.data.client_exports.constants import constant_literal
from analysis.data.client_exports.mapping import (
    DURATION_FORMATS,
    PERCENT_FORMATS,
    REMOTE_SCHEMES,
    ColumnSpec,
    ExportMapping,
)
from analysis.data.client_exports.parse import (
    ParseResult,
    _rule_checks,
    _shown,
    check_header_not_blank,
    check_unique_names,
    lone_cr_line,
    read_header,
)
from analysis.data.client_exports.query import NOT_FINITE, SOURCE_LINE
from analysis.data.client_exports.schema import CANONICAL_SCHEMAS, ColumnSchema
from analysis.data.client_exports.textscan import lone_cr_message
from analysis.data.progress import progress
from analysis.errors import ConfigError, DataValidationError, reraise_if_interrupted
from analysis.settings import setting

SPARK_TYPES = {"str": "string", "timestamp": "timestamp_ntz", "float": "double",
               "int": "bigint", "bool": "boolean"}
"""The Spark type of each canonical column type (naive timestamps, as DuckDB writes them)."""

URI_SCHEMES = REMOTE_SCHEMES
"""An export named with one of these is handed to Spark as is (see README: engine: spark)."""

# Encodings Spark's CSV reader decodes the same way Python does; others: engine duckdb.
_SPARK_ENCODINGS = {"utf8": "UTF-8", "utf8sig": "UTF-8", "latin1": "ISO-8859-1",
                    "iso88591": "ISO-8859-1", "cp1252": "windows-1252",
                    "windows1252": "windows-1252"}
_STRFTIME = {"%Y": "yyyy", "%y": "yy", "%m": "M", "%d": "d", "%H": "H", "%I": "h", "%M": "m",
             "%S": "s", "%f": "SSSSSS", "%p": "a", "%b": "MMM", "%B": "MMMM", "%a": "EEE",
             "%A": "EEEE", "%j": "D"}
_FIXED = {"M": "MM", "d": "dd", "H": "HH", "h": "hh", "m": "mm", "s": "ss", "D": "DDD"}
_HMS = r"^\d+:[0-5]?\d:[0-5]?\d([.,]\d+)?$"
_MS = r"^\d+:[0-5]?\d([.,]\d+)?$"
_CORRUPT = "_corrupt"


def is_uri(file: str) -> bool:
    """Whether a mapping's ``file`` names a location Spark reads itself (``s3a://``, ...)."""
    return file.lower().startswith(URI_SCHEMES)


def java_pattern(strftime: str) -> str:
    """A ``strftime`` pattern as a Spark datetime pattern (literal text quoted).

    A field between separators is one letter (``d``, ``M``, ``H``: one or two digits, as
    DuckDB's ``%d`` reads them); fields written back to back (``%y%m%d``) are fixed-width.
    ``ConfigError`` for a directive Spark has no equivalent of.
    """
    tokens: list[tuple[bool, str]] = []  # (is a directive, text)
    i = 0
    while i < len(strftime):
        two = strftime[i:i + 2]
        if two.startswith("%") and two != "%%":
            if two not in _STRFTIME:
                raise ConfigError(f"timestamp format '{strftime}': directive {two!r} is not "
                                  "supported on engine spark (use engine duckdb)")
            tokens.append((True, _STRFTIME[two]))
            i += 2
            continue
        char = "%" if two == "%%" else strftime[i]
        i += 2 if two == "%%" else 1
        if tokens and not tokens[-1][0]:
            tokens[-1] = (False, tokens[-1][1] + char)
        else:
            tokens.append((False, char))
    out = []
    for k, (directive, text) in enumerate(tokens):
        if directive:
            adjacent = any(0 <= j < len(tokens) and tokens[j][0] for j in (k - 1, k + 1))
            out.append(_FIXED.get(text, text) if adjacent else text)
        elif any(c.isalpha() or c == "'" or c == "%" for c in text):
            out.append("'" + text.replace("'", "''") + "'")
        else:
            out.append(text)
    return "".join(out)


class _Compiler:
    """The mapping as Spark column expressions over positional text columns ``_c<i>``."""

    def __init__(self, mapping: ExportMapping, names: list[str], source: str) -> None:
        from pyspark.sql import functions as F  # noqa: N812 (Spark's own convention)

        self.F = F
        self.mapping = mapping
        self.names = names
        self.position = {name: i for i, name in enumerate(names)}
        self.source = source
        self.schema = CANONICAL_SCHEMAS[mapping.kind]

    def raw(self, name: str) -> Any:
        return self.F.col(f"_c{self.position[name]}")

    def text(self, spec: ColumnSpec) -> Any:
        """Trimmed source text, missing markers NULL; joined parts by one space (NULL if any)."""
        F = self.F
        markers = sorted({m.strip() for m in self.mapping.missing})
        parts = []
        for name in spec.sources:
            trimmed = F.trim(F.coalesce(self.raw(name), F.lit("")))
            parts.append(F.when(trimmed.isin(markers), F.lit(None)).otherwise(trimmed)
                         if markers else trimmed)
        if len(parts) == 1:
            return parts[0]
        joined = []
        for part in parts:
            joined += [part, F.lit(" ")]
        return F.concat(*joined[:-1])  # NULL when any part is

    def number(self, text: Any) -> Any:
        F = self.F
        if self.mapping.thousands:
            text = F.replace(text, F.lit(self.mapping.thousands), F.lit(""))
        if self.mapping.decimal != ".":
            text = F.replace(text, F.lit(self.mapping.decimal), F.lit("."))
        return text.try_cast("double")

    def _part(self, text: Any, index: int) -> Any:
        F = self.F
        return F.replace(F.split_part(text, F.lit(":"), F.lit(index)), F.lit(","),
                         F.lit(".")).try_cast("double")

    def duration(self, m: Any, fmt: str, p: str) -> tuple[Any, Any, str, str]:
        """(seconds, extra bad condition, its reason, the unparsed reason) for a format."""
        F = self.F
        if fmt == "hms":
            value = F.when(m.rlike(_HMS), self._part(m, 1) * 3600 + self._part(m, 2) * 60
                           + self._part(m, 3))
            return value, F.lit(False), "", "not a H:MM:SS duration"
        if fmt == "ms":
            value = F.when(m.rlike(_MS), self._part(m, 1) * 60 + self._part(m, 2))
            return value, F.lit(False), "", "not a M:SS duration"
        scale = {"seconds": 1.0, "minutes": 60.0, "day_fraction": 86400.0}[fmt]
        return (self.number(m) * F.lit(scale), F.col(p) < 0, "negative duration",
                "not a number")

    def timestamp(self, m: Any, fmt: str | None) -> tuple[Any, str]:
        F = self.F
        name = (fmt or "iso").lower()
        if name in ("yymmdd", "yyyymmdd"):
            width = 6 if name == "yymmdd" else 8
            digits = F.lpad(F.regexp_replace(m, r"\.0$", ""), width, "0")
            full = digits
            if width == 6:  # DuckDB's %y: 69-99 are 19xx, 00-68 are 20xx
                full = F.concat(F.when(F.substring(digits, 1, 2) >= "69", F.lit("19"))
                                .otherwise(F.lit("20")), digits)
            value = F.when(digits.rlike(rf"^\d{{{width}}}$"),
                           F.try_to_timestamp(full, F.lit("yyyyMMdd")))
            return value.cast("timestamp_ntz"), f"not a {name.upper()} date"
        if name == "iso":
            return m.try_cast("timestamp_ntz"), "not a ISO 8601 timestamp"
        parsed = F.try_to_timestamp(m, F.lit(java_pattern(fmt or "")))
        return parsed.cast("timestamp_ntz"), f"not a timestamp in format '{fmt}'"

    def column(self, col: ColumnSchema, spec: ColumnSpec, index: int) -> dict[str, Any]:
        """The layered expressions of one mapped column (text, mapped, parsed, value, bad)."""
        F = self.F
        t, m, p = F.col(f"_t{index}"), F.col(f"_m{index}"), f"_p{index}"
        extra, extra_reason = F.lit(False), ""
        if spec.values is not None:
            mapped = None
            for key, value in spec.values.items():
                mapped = (F.when(t == F.lit(key), F.lit(value)) if mapped is None
                          else mapped.when(t == F.lit(key), F.lit(value)))
            map_bad = t.isNotNull() & mapped.isNull()
            map_reason = f"not one of the mapped values {sorted(spec.values)}"
        else:
            mapped, map_bad, map_reason = t, F.lit(False), ""
        if col.type == "timestamp":
            parsed, reason = self.timestamp(m, spec.format)
        elif col.type == "bool":
            trues = sorted({v.lower() for v in spec.true_values})
            falses = sorted({v.lower() for v in spec.false_values})
            parsed = (F.when(F.lower(m).isin(trues), F.lit(True))
                      .when(F.lower(m).isin(falses), F.lit(False)))
            reason = f"not a yes/no value (true: {trues}, false: {falses})"
        elif col.type == "str":
            parsed, reason = m, ""
        elif spec.format in DURATION_FORMATS:
            parsed, extra, extra_reason, reason = self.duration(m, spec.format, p)
        elif spec.format in PERCENT_FORMATS:
            stripped = F.replace(F.trim(F.replace(F.replace(m, F.lit("%"), F.lit("")),
                                                  F.lit("\u00a0"), F.lit(""))),
                                 F.lit(","), F.lit("."))
            parsed = stripped.try_cast("double")
            if spec.format == "fraction":
                parsed = parsed * F.lit(100.0)
            reason = "not a percentage"
        elif spec.format is None:
            parsed, reason = self.number(m), "not a number"
        else:
            raise ConfigError(f"column '{col.name}': format '{spec.format}' does not apply to "
                              f"a {col.type} column")
        value = F.col(p)
        # NaN and the infinities ('nan', 'inf', '1e400') parse as doubles on Spark as on
        # DuckDB: refused the same way (query.NOT_FINITE), before the column's extra rule.
        numeric = col.type in ("float", "int")
        infinite = F.abs(F.col(p)) == F.lit(float("inf"))
        not_finite = (F.col(p).isNotNull() & (F.isnan(F.col(p)) | infinite) if numeric
                      else F.lit(False))
        if col.type == "int":
            # Casting an infinity to bigint raises in ANSI mode: it is refused as not finite.
            value = F.when(~infinite, F.col(p)).cast("bigint")
            extra, extra_reason = F.col(p) % 1 != 0, "not a whole number"
        bad = (F.when(map_bad, F.lit(1)).when(m.isNotNull() & F.col(p).isNull(), F.lit(2))
               .when(not_finite, F.lit(4))
               .when(F.coalesce(extra, F.lit(False)), F.lit(3)).otherwise(F.lit(0)))
        return {"column": col.name, "sources": tuple(spec.sources),
                "text": self.text(spec), "mapped": mapped, "parsed": parsed,
                "value": value.cast(SPARK_TYPES[col.type]), "bad": bad,
                "reasons": (map_reason, reason, extra_reason, NOT_FINITE)}

    def constant(self, col: ColumnSchema, value: Any) -> Any:
        # The same literal as the DuckDB route (query.constant_expression), from the value
        # typed_constant converted when the mapping was read; a plain cast, never try_cast.
        F = self.F
        text = constant_literal(value)
        if text is None:
            return F.lit(None).cast(SPARK_TYPES[col.type])
        return F.lit(text).cast(SPARK_TYPES[col.type])


def _derive_interactions(df: Any, mapped: set[str]) -> Any:
    """The Spark twin of ``query.derive_interactions``: fill implied fields, never overwrite."""
    from pyspark.sql import functions as F  # noqa: N812

    def secs(a: str, b: str) -> Any:
        return ((F.unix_micros(F.col(b).cast("timestamp"))
                 - F.unix_micros(F.col(a).cast("timestamp"))) / F.lit(1e6))

    def after(t: str, s: str) -> Any:
        micros = F.round(F.col(s) * F.lit(1e6)).cast("bigint")
        return F.timestamp_micros(F.unix_micros(F.col(t).cast("timestamp")) + micros).cast(
            "timestamp_ntz")

    if "outcome" not in mapped:
        df = df.withColumn("outcome", F.when(F.col("answered_at").isNotNull()
                                             | F.col("handle_seconds").isNotNull(),
                                             F.lit("answered")).otherwise(F.lit("abandoned")))
    answered = F.coalesce(F.col("outcome") == F.lit("answered"), F.lit(False))
    df = df.withColumn("wait_seconds", F.coalesce(
        F.col("wait_seconds"), secs("arrived_at", "answered_at"),
        F.when(~answered, secs("arrived_at", "ended_at"))))
    df = df.withColumn("answered_at", F.coalesce(
        F.col("answered_at"), F.when(answered, after("arrived_at", "wait_seconds"))))
    summed = F.when(F.col("talk_seconds").isNotNull(),
                    F.col("talk_seconds") + F.coalesce(F.col("hold_seconds"), F.lit(0.0))
                    + F.coalesce(F.col("wrap_seconds"), F.lit(0.0)))
    df = df.withColumn("handle_seconds", F.coalesce(
        F.col("handle_seconds"), F.when(answered, summed), secs("answered_at", "ended_at")))
    return df.withColumn("ended_at", F.coalesce(
        F.col("ended_at"), after("answered_at", "handle_seconds"),
        F.when(~answered, after("arrived_at", "wait_seconds"))))


def _head_lines(spark: Any, source: str, mapping: ExportMapping, local: bool) -> list[str]:
    """The preamble lines and the header line, as text (BOM removed)."""
    wanted = mapping.header_offset + 1
    if local:
        import gzip

        opener = gzip.open if source.lower().endswith(".gz") else open
        encoding = "utf-8-sig" if _spark_encoding(mapping) == "UTF-8" else mapping.encoding
        with opener(source, "rt", encoding=encoding, errors="replace", newline="") as handle:
            lines = [handle.readline() for _ in range(wanted)]
    else:
        lines = [r[0] for r in spark.read.option("encoding", _spark_encoding(mapping))
                 .text(source).limit(wanted).collect()]
    return [line.rstrip("\r\n").lstrip("\ufeff") for line in lines]


def _norm(encoding: str) -> str:
    return encoding.lower().replace("-", "").replace("_", "")


def _spark_encoding(mapping: ExportMapping) -> str:
    encoding = _SPARK_ENCODINGS.get(_norm(mapping.encoding))
    if encoding is None:
        raise ConfigError(
            f"encoding '{mapping.encoding}' is not read on engine spark (it reads UTF-8, "
            "Latin-1 and Windows-1252): convert the export to UTF-8, or use engine duckdb")
    return encoding


def _csv_options(mapping: ExportMapping, width: int) -> dict[str, str]:
    return {"sep": mapping.delimiter, "quote": '"', "escape": '"', "header": "false",
            "mode": "PERMISSIVE", "columnNameOfCorruptRecord": _CORRUPT,
            "encoding": _spark_encoding(mapping), "ignoreLeadingWhiteSpace": "false",
            "ignoreTrailingWhiteSpace": "false", "nullValue": "", "emptyValue": "",
            "maxColumns": str(max(width + 16, 20480))}


def _text_schema(width: int, corrupt: bool = True) -> Any:
    from pyspark.sql.types import StringType, StructField, StructType

    fields = [StructField(f"_c{i}", StringType()) for i in range(width)]
    if corrupt:
        fields.append(StructField(_CORRUPT, StringType()))
    return StructType(fields)


class _Plan:
    """Everything one parse needs: the source rows as text plus the compiled checks."""

    def __init__(self, spark: Any, source: str, mapping: ExportMapping, local: bool) -> None:
        from pyspark.sql import functions as F  # noqa: N812

        self.spark, self.source, self.mapping, self.F = spark, source, mapping, F
        self.local = local
        self.is_parquet = mapping.is_parquet
        self.unit = "row" if self.is_parquet else "line"
        if self.is_parquet:
            frame = spark.read.parquet(source)
            self.names = list(frame.columns)
            check_unique_names(Path(source), self.names, 0)
            self.head: list[list[str]] = []
            self.head_text: list[str] = []
        else:
            if local:
                self.names = read_header(Path(source), mapping)
            self.head_text = _head_lines(spark, source, mapping, local)
            self.head = [[c.strip() for c in next(csv.reader([line],
                                                             delimiter=mapping.delimiter))]
                         if line else [] for line in self.head_text]
            if not local:
                if self.head_text:
                    check_header_not_blank(source, self.head_text[-1], mapping.header_offset)
                self.names = self.head[-1]
                check_unique_names(Path(source), self.names, mapping.header_offset + 1)
        self.width = len(self.names)
        self.compiler = _Compiler(mapping, self.names, source)
        for spec_name in mapping.columns:
            spec = mapping.spec(spec_name)
            missing = [c for c in spec.sources if c not in self.names]
            if missing:
                raise DataValidationError(
                    f"{source}: column(s) {missing} mapped to '{spec_name}' not in the header "
                    f"(found: {self.names})")
        for rule in mapping.exclude:
            if rule.column not in self.names:
                raise DataValidationError(
                    f"{source}: exclude rule column '{rule.column}' not in the header "
                    f"(found: {self.names})")
        self.rules = _rule_checks(CANONICAL_SCHEMAS[mapping.kind])

    def rows(self) -> Any:
        """The export's data rows as ``_c<i>`` text plus ``_malformed`` (first pass)."""
        F = self.F
        if self.is_parquet:
            frame = self.spark.read.parquet(self.source)
            return frame.select(*[F.col(f"`{n}`").cast("string").alias(f"_c{i}")
                                  for i, n in enumerate(self.names)],
                                F.lit(False).alias("_malformed"))
        frame = (self.spark.read.options(**_csv_options(self.mapping, self.width))
                 .schema(_text_schema(self.width)).csv(self.source))
        return self._drop_head(frame)

    def numbered_rows(self) -> Any:
        """The same rows with ``_line`` (physical line or 1-based row): the slow second pass."""
        F = self.F
        if self.is_parquet:
            return with_position(self.spark, self.rows(), "_line")
        text = with_position(self.spark, self.spark.read.option(
            "encoding", _spark_encoding(self.mapping)).text(self.source), "_line")
        options = {k: v for k, v in _csv_options(self.mapping, self.width).items()
                   if k not in ("header", "encoding")}
        parsed = text.select(
            "_line", "value",
            F.from_csv("value", _text_schema(self.width).simpleString(), options).alias("r"))
        frame = parsed.select(*[F.col(f"r._c{i}").alias(f"_c{i}") for i in range(self.width)],
                              F.col("r._corrupt").alias(_CORRUPT), "value", "_line")
        # By position here: the first lines are the preamble and the header.
        frame = frame.where((F.col("_line") > self.mapping.header_offset + 1)
                            & (F.length("value") > 0))
        return self._drop_head(frame, by_content=False)

    def lone_cr_line(self) -> int | None:
        """On the error path: the line (counted by LF, as DuckDB and an editor count) of the
        first CR not followed by LF, or None. Spark's line reader ends a line at a CR alone, so
        such a CR splits its line into two malformed ones and shifts every later line number.

        A local file is scanned raw (``textscan``); a lake URI is read again by Spark with LF
        alone as the line separator (a CRLF line then ends in its CR, so a CR before the last
        character ends nothing), numbered by ``with_position`` (DataFrame functions only, so
        Spark Connect runs it too). None when that read fails: the malformed lines are then
        named by Spark's own count.
        """
        if self.is_parquet:
            return None
        if self.local:
            return lone_cr_line(Path(self.source))
        F = self.F
        try:
            lines = with_position(self.spark, self.spark.read.option(
                "encoding", _spark_encoding(self.mapping)).option("lineSep", "\n").text(
                self.source), "_line")
            body = F.expr("substring(value, 1, length(value) - 1)")
            (found,) = lines.where(F.instr(body, "\r") > 0).agg(F.min("_line")).collect()[0]
        except Exception as error:  # noqa: BLE001 - Py4J/Connect errors have no common base
            reraise_if_interrupted(error)
            return None
        return int(found) if found is not None else None

    def _drop_head(self, frame: Any, by_content: bool = True) -> Any:
        F = self.F
        malformed = F.col(_CORRUPT).isNotNull()
        if by_content:
            first = F.trim(F.coalesce(F.col("_c0"), F.lit("")))
            for fields, line in zip(self.head, self.head_text, strict=True):
                same = F.coalesce(F.col(_CORRUPT).isin(line, "\ufeff" + line), F.lit(False))
                if len(fields) == self.width and self.width:
                    # Cheap test first (the first cell), the whole row only where it matches.
                    rest = F.lit(True)
                    for i, value in enumerate(fields[1:], start=1):
                        rest = rest & (F.trim(F.coalesce(F.col(f"_c{i}"), F.lit("")))
                                       == F.lit(value))
                    starts = first.isin(fields[0], "\ufeff" + fields[0])
                    same = same | (~malformed & F.when(starts, rest).otherwise(F.lit(False)))
                frame = frame.where(~same)
        return frame.withColumn("_malformed", malformed).drop(_CORRUPT)

    def parsed_frame(self, rows: Any, keep: tuple[str, ...] = ()) -> tuple[Any, list[dict]]:
        """Mapped columns parsed (``_b<i>``: their bad codes), constants, ``_excluded``.

        This is the expensive step (text functions, patterns); the first pass writes its result
        so that everything after it (derived fields, rules, uniqueness) reads typed columns.
        """
        F, mapping = self.F, self.mapping
        names = [f"_c{i}" for i in range(self.width)]
        if names:
            # A row is blank when every cell is; most rows show a non-blank first cell at once.
            every = F.lit(True)
            for name in names:
                every = every & (F.trim(F.coalesce(F.col(name), F.lit(""))) == F.lit(""))
            first_blank = F.trim(F.coalesce(F.col(names[0]), F.lit(""))) == F.lit("")
            frame = rows.where(~F.when(first_blank, every).otherwise(F.lit(False)))
        else:
            frame = rows
        excluded = F.lit(0)
        if mapping.exclude:
            excluded = None
            for i, rule in enumerate(mapping.exclude, start=1):
                hit = F.trim(F.coalesce(self.compiler.raw(rule.column), F.lit(""))).isin(
                    rule.values)
                excluded = F.when(hit, F.lit(i)) if excluded is None else excluded.when(
                    hit, F.lit(i))
            excluded = excluded.otherwise(F.lit(0))
        frame = frame.withColumn("_excluded", excluded)
        parsed: list[dict] = []
        select: list[Any] = []
        for col in CANONICAL_SCHEMAS[mapping.kind].columns:
            spec = mapping.spec(col.name)
            if spec is not None:
                parsed.append(self.compiler.column(col, spec, len(parsed)))
            elif col.name in mapping.constants:
                select.append(self.compiler.constant(col, mapping.constants[col.name])
                              .alias(col.name))
            else:
                select.append(F.lit(None).cast(SPARK_TYPES[col.type]).alias(col.name))
        carried = ["_excluded", "_malformed", *keep]
        frame = frame.select(*carried, *[p["text"].alias(f"_t{i}") for i, p in enumerate(parsed)])
        frame = frame.select("*", *[p["mapped"].alias(f"_m{i}") for i, p in enumerate(parsed)])
        frame = frame.select("*", *[p["parsed"].alias(f"_p{i}") for i, p in enumerate(parsed)])
        judged_ok = (F.col("_excluded") == 0) & ~F.col("_malformed")
        frame = frame.select("*", *[F.when(judged_ok, p["bad"]).otherwise(F.lit(0))
                                    .alias(f"_b{i}") for i, p in enumerate(parsed)])
        # The texts serve only error messages: kept on the numbered (second) pass alone.
        texts = [F.col(f"_t{i}") for i in range(len(parsed))] if keep else []
        frame = frame.select(*[p["value"].alias(p["column"]) for p in parsed], *select, *carried,
                             *[F.col(f"_b{i}") for i in range(len(parsed))], *texts)
        return frame, parsed

    def finish(self, frame: Any, parsed: int, keep: tuple[str, ...] = ()) -> Any:
        """Derived interaction fields, then the schema's row rules as ``_r<j>`` flags."""
        F = self.F
        if self.mapping.kind == "interactions":
            frame = _derive_interactions(
                frame, set(self.mapping.columns) | set(self.mapping.constants))
        judged_ok = (F.col("_excluded") == 0) & ~F.col("_malformed")
        rule_flags = [F.when(judged_ok, F.coalesce(F.expr(cond), F.lit(False)))
                      .otherwise(F.lit(False)).alias(f"_r{j}")
                      for j, (_c, cond, _w) in enumerate(self.rules)]
        texts = [F.col(f"_t{i}") for i in range(parsed)] if keep else []
        return frame.select(*CANONICAL_SCHEMAS[self.mapping.kind].names,
                            F.lit(None).cast("bigint").alias(SOURCE_LINE),
                            "_excluded", "_malformed", *keep,
                            *[F.col(f"_b{i}") for i in range(parsed)], *texts, *rule_flags)

    def judged(self, rows: Any, keep: tuple[str, ...] = ()) -> tuple[Any, list[dict]]:
        """Both steps at once (the numbered second pass, which is not staged)."""
        frame, parsed = self.parsed_frame(rows, keep)
        return self.finish(frame, len(parsed), keep), parsed


def _first(spark_frame: Any, condition: Any, *columns: str) -> tuple | None:
    """The values of ``columns`` on the lowest ``_line`` where ``condition`` holds."""
    from pyspark.sql import functions as F  # noqa: N812

    rows = (spark_frame.where(condition).orderBy(F.col("_line")).select("_line", *columns)
            .limit(1).collect())
    return tuple(rows[0]) if rows else None


def _raise_problems(plan: _Plan, staged: Any, parsed: list[dict], say: Callable[[str], None]
                    ) -> dict[int, int]:
    """First pass counts from the staged table; a second, numbered pass only on failure."""
    F = plan.F
    aggregates = [F.count(F.when(F.col("_malformed"), 1)).alias("malformed"),
                  F.count(F.when((F.col("_excluded") == 0) & ~F.col("_malformed"), 1))
                  .alias("kept")]
    aggregates += [F.count(F.when(F.col(f"_b{i}") != 0, 1)).alias(f"b{i}")
                   for i in range(len(parsed))]
    aggregates += [F.count(F.when(F.col(f"_r{j}"), 1)).alias(f"r{j}")
                   for j in range(len(plan.rules))]
    stats = staged.agg(*aggregates).collect()[0].asDict()
    where = f"{plan.source}: {plan.unit}"
    numbered: Any = None

    def second_pass() -> Any:
        nonlocal numbered
        if numbered is None:
            say("spark: a check failed; numbering the export's lines to name it (slow pass)")
            numbered, _ = plan.judged(plan.numbered_rows(), keep=("_line",))
        return numbered

    if stats["malformed"] and (lone := plan.lone_cr_line()) is not None:
        # Spark split the line at the CR (P8-A22): name the CR, by the line an editor shows.
        raise DataValidationError(f"{plan.source}: {lone_cr_message(lone, spark=True)}")
    if stats["malformed"]:
        found = second_pass().where(F.col("_malformed")).orderBy("_line").select("_line").limit(
            5).collect()
        lines = ", ".join(str(r[0]) for r in found)
        first = found[0][0] if found else "?"
        raise DataValidationError(
            f"{plan.source}: {plan.unit} {first}: malformed line, not the header's "
            f"{plan.width} fields ({stats['malformed']} malformed line(s) in all, at lines "
            f"{lines}{', ...' if stats['malformed'] > 5 else ''})")
    for i, p in enumerate(parsed):
        if stats[f"b{i}"]:
            line, code, text = _first(second_pass(), F.col(f"_b{i}") != 0, f"_b{i}", f"_t{i}")
            raise DataValidationError(
                f"{where} {line}, column '{'+'.join(p['sources'])}' (→ {p['column']}): value "
                f"'{text}' is {p['reasons'][int(code) - 1]} ({stats[f'b{i}']} row(s) in all)")
    order = list(range(len(plan.rules)))
    csat_last = [j for j in order if plan.rules[j][1] == "csat > csat_scale"]
    for j in [j for j in order if j not in csat_last]:
        _raise_rule(plan, second_pass, stats[f"r{j}"], j, where)
    if plan.mapping.kind == "interactions":
        _raise_duplicates(plan, staged, second_pass, where)
    for j in csat_last:
        _raise_rule(plan, second_pass, stats[f"r{j}"], j, where)
    counts = {i: 0 for i in range(1, len(plan.mapping.exclude) + 1)}
    for row in staged.where(F.col("_excluded") > 0).groupBy("_excluded").count().collect():
        counts[int(row[0])] = int(row[1])
    counts[0] = int(stats["kept"])
    return counts


def _raise_rule(plan: _Plan, second_pass: Callable[[], Any], count: int, j: int,
                where: str) -> None:
    if not count:
        return
    column, _cond, why = plan.rules[j]
    line, value = _first(second_pass(), plan.F.col(f"_r{j}"), column)
    raise DataValidationError(f"{where} {line}, column '{column}': value "
                              f"'{_shown(value, column)}' {why} ({count} row(s) in all)")


def _raise_duplicates(plan: _Plan, staged: Any, second_pass: Callable[[], Any],
                      where: str) -> None:
    """One aggregate over the whole table: an id seen twice anywhere in the file is found."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F  # noqa: N812

    kept = staged.where((F.col("_excluded") == 0) & ~F.col("_malformed"))
    extra = kept.agg((F.count("*") - F.count_distinct("interaction_id")).alias("n")).collect()[
        0][0]
    if not extra:
        return
    numbered = second_pass().where((F.col("_excluded") == 0) & ~F.col("_malformed"))
    ranked = numbered.select("interaction_id", "_line", F.row_number().over(
        Window.partitionBy("interaction_id").orderBy("_line")).alias("k"))
    line, value = ranked.where(F.col("k") == 2).orderBy("_line").select(
        "_line", "interaction_id").limit(1).collect()[0]
    raise DataValidationError(
        f"{where} {line}, column 'interaction_id': value '{value}' is a duplicate id "
        f"({extra} row(s) in all)")


_RECORD_BITS = 33  # monotonically_increasing_id: partition id << 33, plus the record's index


def with_position(spark: Any, frame: Any, name: str) -> Any:
    """``frame`` with ``name``: each row's 1-based position in the frame's own order (a file
    read: its lines in order).

    What ``rdd.zipWithIndex`` does, in DataFrame functions only, so Spark Connect runs it too
    (it has no RDDs): one job counts the rows of each partition (a row per partition comes
    back), and a row's position is the rows of the partitions before its own plus its index
    in its partition, both read from ``monotonically_increasing_id``. Both jobs read the
    same splits in the same order.
    """
    from pyspark.sql import functions as F

    tagged = frame.withColumn("_mid", F.monotonically_increasing_id())
    part = F.shiftright(F.col("_mid"), _RECORD_BITS)
    counts = sorted((int(r[0]), int(r[1])) for r in tagged.groupBy(part.alias("_part"))
                    .agg(F.count(F.lit(1))).collect())
    offsets, before = [], 0
    for partition, rows in counts:
        offsets.append((partition, before))
        before += rows
    starts = spark.createDataFrame(offsets or [(0, 0)], "_part long, _before long")
    index = F.col("_mid") - F.shiftleft(F.col("_part"), _RECORD_BITS)
    return (tagged.withColumn("_part", part).join(F.broadcast(starts), "_part")
            .withColumn(name, F.col("_before") + index + 1)
            .drop("_mid", "_part", "_before"))


def staging_root() -> str:
    """Where Spark writes its intermediate tables: ``BPO_SPARK_STAGING``, else ``build/spark``.

    On a cluster this must be a location every executor and the driver reach (``hdfs://``,
    ``s3a://`` or a shared mount); locally it is inside the project's ``build/``.
    """
    return setting("BPO_SPARK_STAGING") or str(paths.build_dir() / "spark")


def parse_export_spark(source: str | Path, mapping: ExportMapping, out: Path,
                       say: Callable[[str], None] | None = None) -> ParseResult:
    """Parse ``source`` through ``mapping`` on Spark into canonical Parquet at ``out``.

    ``source`` is a local path or a URI Spark reads (``s3a://``, ``hdfs://``). ``out`` is one
    local Parquet file with exactly the columns and types the DuckDB path writes (and an empty
    ``source_line``), written under a temporary name and renamed when complete. Raises
    ``DataValidationError`` naming the file, physical line, column and value (and how many rows
    share the problem); nothing is written then. ``say`` takes the progress lines (default:
    ``analysis.data.progress``, which the ``bpo`` command shows).
    """
    from analysis.data.spark_session import java_message, spark_session, unavailable_reason

    if reason := unavailable_reason():  # before pyspark is imported (P6-D09)
        raise ConfigError(f"engine: spark cannot start: {reason}")
    from pyspark.sql import functions as F  # noqa: N812

    say = say or progress
    if mapping.is_excel:
        raise ConfigError(f"{source}: engine spark reads delimited text (.csv, .gz) and Parquet; "
                          "save the workbook as CSV, or use engine duckdb (Excel sheets fit one "
                          "machine)")
    text = str(source)
    local = not is_uri(text)
    if local and any(ch in text for ch in "*?[]{}"):
        raise ConfigError(f"{source}: an export path must not contain any of * ? [ ] {{ }} "
                          "(rename the file)")
    if not mapping.is_parquet:
        _spark_encoding(mapping)  # refused before a session starts
    spark = spark_session()
    try:
        plan = _Plan(spark, text, mapping, local)  # the first read of the source
    except (ConfigError, DataValidationError):
        raise
    except Exception as error:  # noqa: BLE001 - Py4J/Connect errors have no common base
        reraise_if_interrupted(error)
        if local:
            raise
        raise ConfigError(_uri_failure(text, error)) from None
    tag = f"{os.getpid()}-{threading.get_ident()}-{out.stem}"
    stage_dir = f"{staging_root().rstrip('/')}/{tag}"
    out.parent.mkdir(parents=True, exist_ok=True)
    partial_dir = out.with_name(f".{out.stem}.spark-{os.getpid()}-{threading.get_ident()}")
    try:
        parsed_rows, parsed = plan.parsed_frame(plan.rows())
        say(f"spark: parsing {text} ({spark_master_label(spark)})")
        parsed_rows.write.mode("overwrite").option("compression", "zstd").parquet(
            f"{stage_dir}/staged")
        staged = plan.finish(spark.read.parquet(f"{stage_dir}/staged"), len(parsed))
        counts = _raise_problems(plan, staged, parsed, say)
        names = [*CANONICAL_SCHEMAS[mapping.kind].names, SOURCE_LINE]
        # One file, in the export's order (partitions are read back in file order), so the
        # notebooks and the DuckDB KPI engine read it exactly as the DuckDB path's table.
        (staged.where((F.col("_excluded") == 0) & ~F.col("_malformed")).select(*names)
         .coalesce(1).write.mode("overwrite").option("compression", "zstd")
         .parquet(str(partial_dir)))
        parts = sorted(partial_dir.glob("part-*.parquet"))
        if not parts:
            # The write ran where Spark's executors are: on a cluster (or a remote Spark
            # Connect server) that is another machine's disk, unless the folder is shared.
            raise ConfigError(
                f"engine: spark wrote the canonical table of {text} on the machine its "
                f"executors run on ({spark_master_label(spark)}), not here: {out.parent} "
                "must be a folder this machine and every executor share (a network mount), "
                "or use engine: duckdb on a copy of the export")
        if len(parts) != 1:
            raise DataValidationError(f"{source}: Spark wrote {len(parts)} files, expected one")
        parts[0].replace(out)  # atomic: a reader never sees a half-written table
    except (ConfigError, DataValidationError):
        raise
    except Exception as error:  # noqa: BLE001 - Py4J/Connect errors have no common base
        # A source that fails while it is read (a cut-off .gz: P6-D04) is one line naming
        # the file and Java's reason, never a Py4J traceback.
        reraise_if_interrupted(error)
        raise DataValidationError(f"{source}: cannot be read on Spark: "
                                  f"{java_message(error)}") from None
    finally:
        shutil.rmtree(partial_dir, ignore_errors=True)
        _remove(spark, stage_dir)
    excluded = {rule.label: int(counts.get(i, 0))
                for i, rule in enumerate(mapping.exclude, start=1)}
    return ParseResult(rows=int(counts[0]), excluded=excluded)


def _uri_failure(source: str, error: BaseException) -> str:
    """One line for a URI Spark could not open: a missing file system connector (``s3a://``
    needs the hadoop-aws jar, which pyspark does not ship) says how to add it."""
    from analysis.data.spark_session import java_message

    why = java_message(error)
    scheme = source.split(":", 1)[0].lower()
    if "ClassNotFoundException" in why or "No FileSystem for scheme" in why:
        package = "the connector of that file system"
        if scheme in ("s3a", "s3"):
            package = f"org.apache.hadoop:hadoop-aws:{_hadoop_version()}"
        return (f"{source}: Spark has no file system for '{scheme}://' ({why}): add "
                f"{package} to spark.jars.packages (in $SPARK_CONF_DIR/spark-defaults.conf, "
                f"or PYSPARK_SUBMIT_ARGS='--packages {package} pyspark-shell') and give the "
                f"store's credentials, or copy the export into data/raw/clients/")
    return f"{source}: Spark cannot read it: {why}"


def _hadoop_version() -> str:
    """The Hadoop version pyspark bundles (hadoop-aws must match it), else a placeholder."""
    import pyspark

    jars = Path(pyspark.__file__).parent / "jars"
    for jar in sorted(jars.glob("hadoop-client-api-*.jar")):
        return jar.name.removeprefix("hadoop-client-api-").removesuffix(".jar")
    return "<your Hadoop version>"


def spark_master_label(spark: Any) -> str:
    """Where the session runs, for progress lines."""
    try:
        return spark.sparkContext.master
    except Exception:  # Spark Connect has no SparkContext
        return os.environ.get("SPARK_REMOTE", "spark connect")


def _remove(spark: Any, location: str) -> None:
    """Delete a staging folder, locally or through Hadoop's file system for a URI."""
    if not is_uri(location):
        shutil.rmtree(location, ignore_errors=True)
        return
    try:
        jvm = spark.sparkContext._jvm
        path = jvm.org.apache.hadoop.fs.Path(location)
        path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).delete(path, True)
    except Exception:  # Connect: no JVM access; the staging folder is left for its owner
        return
