"""The mapping file: how one client export turns into a canonical table.

A mapping is a small YAML file next to the export. It names the file and its quirks (delimiter,
encoding, preamble lines, missing markers, decimal comma, Excel sheet) and, per canonical column,
the source column and how to read it. Unknown keys are rejected so a typo never silently drops a
column.

Example::

    kind: interactions
    file: calls.csv.gz
    delimiter: ";"
    header_offset: 1          # one preamble line before the header
    missing: ["?"]
    exclude:                  # rows that must not count; each rule's count is reported
      - {column: Result, values: [PHANTOM], reason: phantom calls}
    columns:
      interaction_id: Call ID
      arrived_at: {source: [Date, Time], format: "%d/%m/%Y %H:%M:%S"}
      wait_seconds: {source: Wait, format: hms}
      outcome: {source: Result, values: {ANS: answered, ABN: abandoned}}
    constants:
      channel: voice
      csat_scale: 5
"""

from __future__ import annotations

import codecs
import re
import string
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from analysis.data import strict_yaml
from analysis.data.client_exports.constants import ConstantError, typed_constant
from analysis.data.client_exports.schema import CANONICAL_SCHEMAS, ExportKind
from analysis.data.strict_model import StrictModel
from analysis.data.text_rules import first_forbidden, refuse_control_text
from analysis.errors import ConfigError, UnsafeInputError
from analysis.paths import ID_RULE, contained, is_valid_id

DURATION_FORMATS = ("seconds", "minutes", "hms", "ms", "day_fraction")
"""Duration formats: plain seconds, minutes, ``H:MM:SS``, ``M:SS``, or a fraction of a day."""

PERCENT_FORMATS = ("percent", "fraction")
"""``percent``: 0-100, with or without ``%`` ("85%", "85,0 %"); ``fraction``: 0-1."""

DATE_FORMATS = ("iso", "yymmdd", "yyyymmdd")
"""Named timestamp formats; anything else is a ``strftime`` pattern such as ``%d/%m/%Y %H:%M``."""

DATE_DIRECTIVES = frozenset("YyGmbBdjcx")
"""``strftime`` directives that name a year, month or day (``%c``, ``%x``: a whole date): a
timestamp pattern holds at least one (``%%`` is a literal percent, not a directive)."""


WIDE_ENCODINGS = ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be")
"""Text encodings whose line end is not the byte 0x0A: read through a text decoder, whole."""

# Every ASCII character, and the escapes a codec may interpret (\\u, \\x, UTF-7's '+'): a
# byte-oriented text encoding must write and read each of them as the same single byte, or
# splitting the file at 0x0A would not give its lines, and the delimiter, quote and digits of
# the mapping would not be the file's bytes.
_ASCII_PROBE = string.printable + "\\u0041\\x41+-"


def text_encoding(name: str) -> str:
    """The codec name of a mapping's ``encoding`` if the parse can read an export in it.

    It must be a text encoding (``rot13`` and ``base64`` are codecs Python knows that do not
    turn bytes into text), and either one of the UTF-16/UTF-32 family (decoded whole) or
    ASCII-compatible (decoded line by line). ``ValueError`` says which rule failed.
    """
    try:
        info = codecs.lookup(name)
    except LookupError:
        raise ValueError(f"'{name[:80]}' is not an encoding this project knows: name the "
                         "export's character encoding (utf-8, latin-1, cp1252, utf-16, ...)"
                         ) from None
    if not info._is_text_encoding:  # noqa: SLF001 - the codec registry's own flag
        raise ValueError(f"'{name}' is a codec that transforms data ({info.name}), not a text "
                         "encoding: name the export's character encoding (utf-8, latin-1, "
                         "cp1252, utf-16, ...)")
    if info.name in WIDE_ENCODINGS or info.name == "utf-8-sig":  # the BOM is not ASCII
        return info.name
    try:
        same = (_ASCII_PROBE.encode(info.name) == _ASCII_PROBE.encode("ascii")
                and _ASCII_PROBE.encode("ascii").decode(info.name) == _ASCII_PROBE)
    except (UnicodeError, ValueError):
        same = False
    if not same:
        raise ValueError(f"'{name}' ({info.name}) does not write plain ASCII letters, digits "
                         "and line ends as themselves, so an export cannot be split into "
                         "lines and fields in it: convert the export to UTF-8")
    return info.name


DELIMITER_NOT_ALLOWED = frozenset({"\u2028", "\u2029"})
"""Line and paragraph separators: not C0/C1 controls, but line breaks to many readers (Python's
``splitlines``, spreadsheets), so no more a delimiter than ``\n`` is."""


class _Strict(StrictModel):
    """Unknown keys refused, frozen, no true/false for a number (``data.strict_model``)."""


class ColumnSpec(_Strict):
    """Where one canonical column comes from and how to read it."""

    source: str | list[str] = Field(
        description="Source column, or several joined with a space (e.g. a date and a time)."
    )
    format: str | None = Field(
        default=None,
        description="Timestamp pattern or name, duration format, or percent format.",
    )
    values: dict[str, str] | None = Field(
        default=None, description="Source value → canonical value (e.g. outcome codes)."
    )
    true_values: list[str] = Field(default_factory=lambda: ["1", "true", "yes", "y", "t"])
    false_values: list[str] = Field(default_factory=lambda: ["0", "false", "no", "n", "f"])

    @property
    def sources(self) -> list[str]:
        """The source columns as a list."""
        return [self.source] if isinstance(self.source, str) else list(self.source)


class RowFilter(_Strict):
    """Rows to leave out: those whose source ``column`` holds one of ``values`` (trimmed)."""

    column: str = Field(description="Source column (export header name) the rule looks at.")
    values: list[str] = Field(min_length=1, description="Values that mark a row to exclude.")
    reason: str | None = Field(default=None, description="Why, as the report states it.")

    @field_validator("values")
    @classmethod
    def _trimmed(cls, values: list[str]) -> list[str]:
        # Cells are trimmed before they are compared (every engine), so the values are too:
        # ' SAB ' excluded nothing (P3-M02).
        return [value.strip() for value in values]

    @field_validator("reason")
    @classmethod
    def _said_reason(cls, reason: str | None) -> str | None:
        # The reason is what `bpo validate` prints and the data-quality appendix states for the
        # rows left out: a blank one said nothing ("excluded 12 row(s) of evil/interactions:",
        # P8-M18). Leaving the key out is fine: the rule then names itself ("Result is SAB").
        if reason is not None and not reason.strip():
            raise ValueError("the reason is blank: say why these rows do not count (the report "
                             "states it), or leave the key out to name the rule instead")
        return reason

    @property
    def label(self) -> str:
        """How the data-quality appendix names the rule."""
        shown = ", ".join(self.values)
        return self.reason or f"{self.column} is {shown}"


REMOTE_SCHEMES = ("s3a://", "s3://", "hdfs://", "abfss://", "gs://", "wasbs://", "dbfs:/")
"""A mapping ``file`` starting with one of these names a lake location Spark reads itself.
No local scheme (``file:``) is among them: a file on this machine is named relative to its
mapping and stays inside the mapping's folder (``export_file``)."""

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


class ExportMapping(_Strict):
    """One export file and how its columns map onto a canonical table."""

    kind: ExportKind
    file: str = Field(description="Export file name, relative to the mapping file.")
    client: str | None = Field(default=None, description="Defaults to the folder name.")
    delimiter: str = ","
    encoding: str = "utf-8"
    header_offset: int = Field(default=0, ge=0, description="Preamble lines before the header.")
    sheet: str | int | None = Field(default=None, description="Excel sheet name or index.")
    decimal: str = "."
    thousands: str | None = None
    missing: list[str] = Field(default_factory=lambda: [""], description="Missing-value markers.")
    columns: dict[str, str | ColumnSpec]
    constants: dict[str, Any] = Field(
        default_factory=dict, description="Canonical columns with one value for the whole file."
    )
    exclude: list[RowFilter] = Field(
        default_factory=list,
        description="Rows that must not count (test calls, internal queues), counted per rule.",
    )

    @field_validator("file")
    @classmethod
    def _local_or_lake(cls, v: str) -> str:
        if v != v.strip():
            # 'calls.csv ' names a file nobody can see is different from calls.csv: the
            # not-found message looked wrong (P5-M08). No export name starts or ends so.
            raise ValueError(f"{v[:80]!r} starts or ends with a space or line break: write "
                             f"{v.strip()[:80]!r}")
        if _SCHEME.match(v) and not v.lower().startswith(REMOTE_SCHEMES):
            raise ValueError(
                f"'{v[:80]}' names a location by a scheme this project does not read: name a "
                "local export relative to the mapping file (it must be inside the mapping's "
                f"folder), or a lake location Spark reads ({', '.join(REMOTE_SCHEMES)})")
        return v

    @field_validator("constants")
    @classmethod
    def _typed_constants(cls, v: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        # Converted here, once, with the column's type and rules (constants.py): a value that
        # does not convert is refused now, never turned into a silent NULL by the engine (P4-M08).
        kind = info.data.get("kind")
        if kind is None:
            return v  # the kind itself was refused; that is the error to show
        schema = CANONICAL_SCHEMAS[kind]
        names = set(schema.names)
        # Unknown names are left for _known_columns, which lists the known ones.
        return {name: typed_constant(schema.column(name), value) if name in names else value
                for name, value in v.items()}

    @field_validator("encoding")
    @classmethod
    def _readable_encoding(cls, v: str) -> str:
        # Checked here, not when the export is parsed: 'rot13' or 'base64' named a codec that
        # is not a text encoding and the parse did something else than the mapping said
        # (P7-M02, P7-M03).
        text_encoding(v)
        return v

    @field_validator("delimiter")
    @classmethod
    def _one_char(cls, v: str) -> str:
        if v == "\\t":
            return "\t"
        if len(v) != 1:
            raise ValueError("delimiter must be a single character")
        if v in DELIMITER_NOT_ALLOWED or (v != "\t" and first_forbidden(v)):
            # Lines are split at line breaks before fields are split at the delimiter, so a
            # line break (or any control character but a tab) cannot separate fields: "\n"
            # passed here and failed later as "Call ID not in the header" (P8-M04).
            raise ValueError(f"{v!r} cannot separate fields: a line break or control "
                             "character is not a delimiter (a tab is the only one that is; "
                             "write \\t)")
        return v

    @model_validator(mode="after")
    def _known_columns(self) -> ExportMapping:
        names = set(CANONICAL_SCHEMAS[self.kind].names)
        # The message names the key where it is written (constants.answer_bonus), not the
        # mapping's top level (P5-M13); read_mapping shows it as it is.
        for section, keys in (("columns", self.columns), ("constants", self.constants)):
            for key in keys:
                if key not in names:
                    raise ValueError(
                        f"key '{section}.{key}': unknown canonical column '{key}' for kind "
                        f"{self.kind} (known: {', '.join(sorted(names))})"
                    )
        both = set(self.columns) & set(self.constants)
        if both:
            raise ValueError(f"keys 'columns' and 'constants': column(s) both mapped and "
                             f"constant: {', '.join(sorted(both))}")
        return self

    @model_validator(mode="after")
    def _settings_that_must_differ(self) -> ExportMapping:
        # Two settings with one value make the file ambiguous, and which one wins was left to
        # the order of the parse's code (P7-M05, M06, M08): refused, naming both keys.
        marks = [("delimiter", self.delimiter), ("quote character (always '\"')", '"'),
                 ("decimal", self.decimal)]
        if self.thousands is not None:
            marks.append(("thousands", self.thousands))
        for key, value in (("decimal", self.decimal), ("thousands", self.thousands)):
            if value is not None and (len(value) != 1 or value.isdigit()):
                raise ValueError(f"key '{key}': {value[:20]!r} must be one character that is "
                                 "not a digit")
        for i, (key_a, a) in enumerate(marks):
            for key_b, b in marks[i + 1:]:
                if a == b:
                    raise ValueError(f"keys '{key_a}' and '{key_b}': both are {a!r}: each "
                                     "must be its own character (the delimiter separates "
                                     "fields, the quote encloses them, decimal and thousands "
                                     "mark numbers)")
        markers = {m.strip(): m for m in self.missing}
        for name in self.columns:
            spec = self.spec(name)
            col = CANONICAL_SCHEMAS[self.kind].column(name)
            where = f"columns.{name}"
            words: list[tuple[str, list[str]]] = []
            if col.type == "bool":
                words = [("true_values", spec.true_values), ("false_values", spec.false_values)]
            if spec.values is not None:
                words.append(("values", list(spec.values)))
            # Cells are trimmed and yes/no words compared without case (query.parse_expression).
            if col.type == "bool":
                yes = {v.strip().lower(): v for v in spec.true_values}
                both = [v for v in spec.false_values if v.strip().lower() in yes]
                if both:
                    raise ValueError(f"keys '{where}.true_values' and '{where}.false_values': "
                                     f"{both[0]!r} is in both: a value cannot mean yes and no")
            for key, values in words:
                fold = (lambda v: v.strip().lower()) if key != "values" else (lambda v: v)
                hit = [m for m in markers if any(fold(m) == fold(v) for v in values)]
                if hit:
                    # A missing marker is taken out before any word is looked at.
                    raise ValueError(f"keys 'missing' and '{where}.{key}': {markers[hit[0]]!r} "
                                     "is in both: a missing marker is never read as a value")
        return self

    @model_validator(mode="after")
    def _formats_apply(self) -> ExportMapping:
        # Found when the mapping is read, naming the key, not as the engine's error when the
        # export is parsed (P7-M10).
        for name in self.columns:
            spec = self.spec(name)
            if spec.format is None:
                continue
            col = CANONICAL_SCHEMAS[self.kind].column(name)
            problem = format_problem(col.type, spec.format)
            if problem:
                raise ValueError(f"key 'columns.{name}.format': {problem}")
        return self

    def spec(self, name: str) -> ColumnSpec | None:
        """The column spec for canonical column ``name`` (shorthand strings expanded)."""
        raw = self.columns.get(name)
        if raw is None:
            return None
        return ColumnSpec(source=raw) if isinstance(raw, str) else raw

    @property
    def is_excel(self) -> bool:
        """Whether the export is an Excel workbook."""
        return self.file.lower().endswith((".xlsx", ".xlsm"))

    @property
    def is_parquet(self) -> bool:
        """Whether the export is a Parquet file (a data lake's usual format)."""
        return self.file.lower().endswith((".parquet", ".pq"))


def format_problem(column_type: str, fmt: str) -> str | None:
    """Why ``fmt`` cannot read a column of ``column_type``, or None.

    A timestamp takes a named format or a ``strftime`` pattern holding at least one directive,
    every directive one DuckDB's ``strptime`` (both DuckDB routes) knows: DuckDB itself is
    asked, so the rule is the parser's own. Durations and percentages take their named formats.
    """
    allowed = {"timestamp": DATE_FORMATS, "float": DURATION_FORMATS + PERCENT_FORMATS,
               "int": DURATION_FORMATS + PERCENT_FORMATS}.get(column_type, ())
    if column_type != "timestamp":
        if fmt in allowed:
            return None
        said = ", ".join(allowed) if allowed else "none: remove the key"
        return f"{fmt[:80]!r} does not apply to a {column_type} column (formats: {said})"
    if fmt.lower() in DATE_FORMATS:
        return None
    if not DATE_DIRECTIVES & set(re.findall(r"%-?(.)", fmt)):
        # '%%' is a literal percent and '%H:%M' a time of no day: either read every row as
        # bad or as 1900-01-01, found at parse instead of here (P9-M07).
        return (f"{fmt[:80]!r} is neither a named format ({', '.join(DATE_FORMATS)}) nor a "
                "strftime pattern with a date directive (year, month or day, such as "
                "'%d/%m/%Y %H:%M')")
    import duckdb  # the parse's own engine; imported here, once a pattern needs it

    with duckdb.connect() as con:
        try:
            con.execute("SELECT try_strptime('', '" + fmt.replace("'", "''") + "')")
        except duckdb.Error as exc:
            why = str(exc).splitlines()[0].split(f"{fmt}: ", 1)[-1]
            return f"{fmt[:80]!r} is not a strftime pattern the parse reads ({why})"
    return None


TEXT_CONTROL_ALLOWED = frozenset({"delimiter"})
"""Mapping keys whose value may be a control character: a tab-separated export's delimiter."""


def read_mapping(path: Path) -> ExportMapping:
    """Read and validate a mapping YAML; ``ConfigError`` names the file and the bad key."""
    try:
        data = strict_yaml.load_file(path)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read mapping file: {exc}") from exc
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: {strict_yaml.said(exc, 'mapping')}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a mapping file must be a YAML mapping of keys to values")
    refuse_control_text(data, path, allowed=TEXT_CONTROL_ALLOWED)
    try:
        return ExportMapping.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in _in_mapping_terms(exc.errors()):
            where = ".".join(str(p) for p in err["loc"])
            cause = err.get("ctx", {}).get("error")
            if err["type"] == "extra_forbidden":
                problems.append(f"unknown key '{where}'")
            elif isinstance(cause, ConstantError):
                problems.append(f"key '{cause.key}': {cause}")
            elif not where and isinstance(cause, ValueError):
                problems.append(str(cause))  # a whole-mapping rule names its own keys
            else:
                problems.append(f"key '{where or '(top level)'}': {_said(err)}")
        raise ConfigError(f"{path}: invalid mapping: " + "; ".join(problems)) from None


_BRANCHES = {"str": (str, "text"), "ColumnSpec": (dict, "a block such as {source: ...}"),
             "list[str]": (list, "a list of texts"), "int": (int, "a whole number")}
"""Union members pydantic puts into an error's location (``columns.csat.ColumnSpec``): the
type a value written as that member has, and how a message names it."""

_MISSING = object()


def _in_mapping_terms(errors: list[Any]) -> list[Any]:
    """The errors with pydantic's union members taken out of their locations, keeping only the
    member the value was written as (a ``{source: ...}`` block is a column spec, not a
    misspelt string): ``columns.csat.values.5``, never ``columns.csat.ColumnSpec...`` (P5-M16).
    A value written as none of the members is one error saying what it may be.
    """
    kept: list[Any] = []
    unmatched: dict[tuple[Any, ...], tuple[Any, list[str]]] = {}
    for err in errors:
        loc, clean, dropped = tuple(err["loc"]), [], False
        for index, part in enumerate(loc):
            if part not in _BRANCHES:
                clean.append(part)
                continue
            written = _value_at(errors, loc[:index])
            if written is not _MISSING and not isinstance(written, _BRANCHES[part][0]):
                members = unmatched.setdefault(tuple(clean), (written, []))[1]
                members.append(_BRANCHES[part][1])
                dropped = True
                break
        if not dropped:
            kept.append({**err, "loc": tuple(clean)})
    deeper = [*(tuple(err["loc"]) for err in kept), *unmatched]
    for prefix, (written, members) in unmatched.items():
        # said once, at the deepest place: a member that matched has its own errors below
        if not any(len(loc) > len(prefix) and loc[:len(prefix)] == prefix for loc in deeper):
            kept.append({"type": "no_member", "loc": prefix, "input": written,
                         "msg": f"{repr(written)[:80]} must be "
                                + " or ".join(dict.fromkeys(members))})
    return kept


def _value_at(errors: list[Any], loc: tuple[Any, ...]) -> Any:
    """The value written at ``loc``: the input of an error located right at one of its union
    members (pydantic reports the whole value there), else unknown."""
    for err in errors:
        here = tuple(err["loc"])
        if len(here) == len(loc) + 1 and here[:len(loc)] == loc and here[-1] in _BRANCHES:
            return err["input"]
    return _MISSING


def _said(err: Any) -> str:
    """Pydantic's message in the mapping's words: the value and what it should be."""
    if err["type"] == "string_type" and isinstance(err["input"], int | float):
        return f"{err['input']!r} must be text: put it in quotes ('{err['input']}')"
    if err["type"] == "string_type":
        return f"{str(err['input'])[:80]!r} must be text"
    if err["type"] == "value_error" and "error" in err.get("ctx", {}):
        return str(err["ctx"]["error"])  # the rule's own sentence, without "Value error, "
    return str(err["msg"])


def client_name(mapping: ExportMapping, mapping_path: Path) -> str:
    """The client a mapping belongs to: its ``client`` key, else its folder name.

    The name becomes a folder under ``data/processed/clients/``, so it must be a valid id as a
    whole (``UnsafeInputError`` naming the mapping file and the key otherwise).
    """
    name = mapping.client if mapping.client is not None else mapping_path.resolve().parent.name
    if not is_valid_id(name):
        key = "client" if mapping.client is not None else "(folder name)"
        raise UnsafeInputError(f"{mapping_path}: key '{key}': {name!r} is not a valid client id "
                               f"({ID_RULE})")
    return name


def export_file(mapping: ExportMapping, mapping_path: Path) -> Path:
    """The export a mapping names, resolved and kept inside the mapping's own folder."""
    return contained(mapping.file, Path(mapping_path).parent, where=str(mapping_path), key="file")
