"""Parse a client export into canonical Parquet inside DuckDB, streaming, with exact lines.

The mapping is compiled (``query.py``) into one query that DuckDB runs over the export; its rows
stream out one batch at a time into a Parquet writer (``_write_rows``), so the export never sits
in Python memory and memory stays flat in rows.
Each output row carries ``source_line``, the export's physical line, so every error (and every
validation sample later) names the line an analyst opens the file at.

Two routes, one set of rules. The typed route (``_fast_parse``) reads a CSV export once with
DuckDB's typed reader (``query.reader_plan``: what the reader parses natively), applies the
mapping's SQL to the rest, and stops at the first row any check would flag (DuckDB's
``error()`` as a guard). The query runs on every core and its rows stream out in file order; the
writer numbers the lines as they pass (``_Lines``: a row number in the query would hold the
whole parse to one thread) and keeps the rows no filter excluded. A good export is read once
and written once. When the typed route
stops, or does not apply (Excel, Parquet, a transcoded encoding), the exact route
(``_exact_parse``) writes the canonical columns plus compact check columns (which parse or rule
failed, the first bad text, which exclusion rule matched) to a staging file; one aggregate over
those finds the first problem of each kind and how many rows share it, and names it. Either
way the table is written under a temporary name and renamed into place only when complete: a
failed parse leaves no file behind.

Excel workbooks are read with openpyxl (a sheet holds at most about a million rows) and go
through the same query.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import os
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import duckdb

from analysis import paths
from analysis.data.client_exports.mapping import WIDE_ENCODINGS, ExportMapping, text_encoding
from analysis.data.client_exports.query import (
    SOURCE_LINE,
    TEXT_PLAN,
    Parsed,
    ReaderPlan,
    canonical_select,
    derive_interactions,
    ident,
    literal,
    reader_plan,
    repeated_key_rows,
    repeated_keys_possible,
    trimmed,
)
from analysis.data.client_exports.schema import CANONICAL_SCHEMAS, TableSchema
from analysis.data.client_exports.strict_order import StrictOrder
from analysis.data.client_exports.textscan import (
    MAX_LINE_BYTES,
    LineScan,
    cr_only_message,
    first_lone_cr,
    first_long_line,
    first_mixed_line_ending,
    has_lone_cr,
    lone_cr_message,
    long_line_message,
    wide_text_shape,
)
from analysis.data.client_exports.workbook_limits import check_workbook_parts
from analysis.data.progress import Every, progress
from analysis.errors import ConfigError, DataValidationError, reraise_if_interrupted
from analysis.settings import setting


def duckdb_memory_limit() -> str:
    """DuckDB's memory cap for a parse (``BPO_DUCKDB_MEMORY_LIMIT``, checked; default 400MB);
    it spills to ``build/duckdb_tmp`` beyond it."""
    return str(setting("BPO_DUCKDB_MEMORY_LIMIT"))

REJECTS_LIMIT = 10_000
"""Malformed lines DuckDB records per file; more are counted as "at least"."""

# DuckDB reads these natively; any other declared encoding is transcoded line by line first.
_NATIVE_ENCODINGS = {"utf8": "utf-8", "utf8sig": "utf-8", "latin1": "latin-1",
                     "iso88591": "latin-1", "utf16": "utf-16"}
# The canonical table: zstd's fastest level. Level 3 (DuckDB's default) cost 22 % more CPU in
# the write for a file 4 % smaller (10M benchmark rows: 6.9 vs 5.6 CPU-s, 263 vs 275 MB).
# Staging files are read once, straight away: lz4.
_CANONICAL = "FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1"
_CANONICAL_ARROW: dict[str, Any] = {"compression": "zstd", "compression_level": 1}
_STAGING_ARROW: dict[str, Any] = {"compression": "lz4"}


@dataclass(frozen=True)
class ParseResult:
    """What a parse wrote: rows kept and rows left out by each exclusion rule (by label)."""

    rows: int
    excluded: dict[str, int] = field(default_factory=dict)
    route: str = "typed"
    """``typed``: the one-pass typed reader; ``exact``: the text route with check columns (an
    export the typed route does not read, or one with a problem to name)."""


def _norm(encoding: str) -> str:
    return encoding.lower().replace("-", "").replace("_", "")


def _is_wide(encoding: str) -> bool:
    """UTF-16 or UTF-32 (any byte order): a line end is not the byte 0x0A, so the file is read
    through a text decoder instead of being split into byte lines."""
    return text_encoding(encoding) in WIDE_ENCODINGS


def duckdb_connection() -> duckdb.DuckDBPyConnection:
    """A fresh in-memory DuckDB with a memory cap, spilling inside the project's ``build/``."""
    spill = paths.build_dir() / "duckdb_tmp"
    spill.mkdir(parents=True, exist_ok=True)
    # Insertion order kept (DuckDB's default, pinned): a parse numbers its rows by their
    # position in the query's output (``_Lines``), so they must stream out in file order.
    # No DuckDB progress bar: it writes carriage-return frames into logs and pipes (a CI log
    # of a long parse was one line of bars); long parses say where they are through
    # ``analysis.data.progress`` instead, a line at a time.
    con = duckdb.connect(config={"memory_limit": duckdb_memory_limit(),
                                 "temp_directory": str(spill),
                                 "preserve_insertion_order": True})
    # In a Jupyter kernel DuckDB draws no text bar and refuses the setting (no ipywidgets).
    with suppress(duckdb.InvalidInputException):
        con.execute("SET enable_progress_bar = false")
    con.execute(f"SET threads = {max(1, min(os.cpu_count() or 1, 4))}")
    return con


_GZIP_MAGIC = b"\x1f\x8b"  # the first two bytes of every gzip member (RFC 1952)


def _is_gzip(source: Path) -> bool:
    return source.name.lower().endswith(".gz")


def _open_binary(source: Path) -> io.BufferedIOBase:
    return gzip.open(source, "rb") if _is_gzip(source) else open(source, "rb")  # noqa: SIM115


def read_header(source: Path, mapping: ExportMapping) -> list[str]:
    """The export's column names (stripped), after ``header_offset`` preamble lines.

    ``DataValidationError`` naming the file and line for an unreadable file, text not in the
    declared encoding (UTF-16/UTF-32 text read as an 8-bit encoding is named as such), lines
    ended by CR alone, a missing header, or two columns with the same name (both named). The
    Spark engine reads a local export's header here too: one wording on both engines.
    """
    encoding = "utf-8-sig" if _norm(mapping.encoding) in ("utf8", "utf8sig") else mapping.encoding
    line_no, line = 0, ""
    try:
        "".encode(encoding)
    except LookupError:
        raise ConfigError(
            f"{source}: unknown encoding '{mapping.encoding}' in the mapping") from None
    if not _is_gzip(source):
        try:
            with open(source, "rb") as raw:
                magic = raw.read(2)
        except OSError:
            magic = b""
        if magic == _GZIP_MAGIC:
            # Read as text it was "line 1: text is not valid utf-8" (P7-A26).
            raise DataValidationError(
                f"{source}: the file holds gzip-compressed data but its name does not end in "
                f".gz: name it {source.name}.gz (and the mapping's 'file' with it)")
    try:
        with _open_binary(source) as raw:
            # Line by line, so a decoding error names its line (UTF-16 needs a text reader).
            text = (io.TextIOWrapper(raw, encoding=encoding, newline="")
                    if _is_wide(encoding) else None)
            for line_no in range(1, mapping.header_offset + 2):
                # Bounded: a file without a line feed (CR-only ends) is not read whole.
                chunk = text.readline() if text else raw.readline(MAX_LINE_BYTES + 1)
                if isinstance(chunk, bytes):
                    _check_raw_line(source, mapping, chunk, line_no)
                if not chunk:
                    # 8-bit text read as UTF-16 has no line ends at all (E11): hint at it.
                    hint = (f" (read as {mapping.encoding}: a file in another encoding, such "
                            "as UTF-8, reads as one line; check the mapping's encoding)"
                            if text else "")
                    raise DataValidationError(
                        f"{source}: ends at line {line_no - 1}, before the header on line "
                        f"{mapping.header_offset + 1}{hint}")
                line = chunk if isinstance(chunk, str) else chunk.decode(
                    encoding if line_no == 1 else encoding.replace("-sig", ""))
    except UnicodeError as exc:  # UTF-16 without a BOM is a UnicodeError, not a decode error
        raise DataValidationError(
            f"{source}: line {max(line_no, 1)}: text is not valid {mapping.encoding} "
            f"({getattr(exc, 'reason', exc)})") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise DataValidationError(f"{source}: cannot be read: {_why(exc)}") from None
    check_header_not_blank(source, line, mapping.header_offset)
    try:
        names = [c.strip() for c in next(csv.reader([line.rstrip("\r\n")],
                                                    delimiter=mapping.delimiter))]
    except csv.Error as exc:  # a CR alone inside an unquoted header name
        why = (lone_cr_message(mapping.header_offset + 1) if "\r" in line.rstrip("\r\n")
               else f"line {mapping.header_offset + 1}: the header cannot be split into "
                    f"columns ({exc})")
        raise DataValidationError(f"{source}: {why}") from None
    check_unique_names(source, names, mapping.header_offset + 1)
    return names


def _check_raw_line(source: Path, mapping: ExportMapping, chunk: bytes, line_no: int) -> None:
    """What the raw bytes of a preamble or header line already show about the whole file:
    UTF-16/UTF-32 text declared as an 8-bit encoding (P7-A17: its NULs were blamed on the
    mapping), lines ended by CR alone (P7-A14: "ends at line 1, before the header"), or a first
    line longer than any export line (the file is not read whole to find its end)."""
    if line_no == 1 and (shape := wide_text_shape(chunk)):
        looks, declare = shape
        raise DataValidationError(
            f"{source}: line 1: the export looks like {looks} text (a NUL byte beside every "
            f"character), not {mapping.encoding} as the mapping reads it: set 'encoding: "
            f"{declare}' in the mapping, or save the export as UTF-8")
    if b"\n" not in chunk and has_lone_cr(chunk):
        raise DataValidationError(f"{source}: {cr_only_message(line_no)}")
    if len(chunk) > MAX_LINE_BYTES:
        with _open_binary(source) as handle:
            found = first_long_line(handle)
        if found is not None:
            raise DataValidationError(f"{source}: {long_line_message(*found)}")


def check_header_not_blank(source: Path | str, line: str, header_offset: int) -> None:
    """A blank line where the header belongs is said as such, not as every mapped column
    missing from an empty header (P5-E16: a double-spaced export)."""
    if not line.strip():
        raise DataValidationError(
            f"{source}: line {header_offset + 1}: the header line is blank (the mapping's "
            f"header_offset is {header_offset}, so the column names belong on line "
            f"{header_offset + 1}; an export with a blank line after every line has one "
            "there)")


def check_unique_names(source: Path, names: list[str], line: int) -> None:
    """Two header columns with one name would make the mapping ambiguous: name both. A name
    must also be there and hold no NUL (an export's fault, not the mapping's)."""
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if "\x00" in name:
            # It reached the SQL quoting as "a NUL character cannot appear in a mapping value".
            raise DataValidationError(
                f"{source}: line {line}: column {position} of the header holds a NUL byte "
                f"(U+0000 at character {name.index(chr(0)) + 1}): a damaged or binary file, "
                "or text in another encoding; remove it from the export, or check the "
                "mapping's encoding")
        if not name:
            # DuckDB refused it as "zero-length delimited identifier", naming nothing (P7-A19).
            raise DataValidationError(
                f"{source}: line {line}: column {position} of the header has no name (a line "
                "that ends with the delimiter has one more, blank, column): name the column "
                "in the export, or remove the trailing delimiter")
        if name in seen:
            raise DataValidationError(
                f"{source}: line {line}: the header names column '{name}' twice (columns "
                f"{seen[name]} and {position}); rename one in the export")
        seen[name] = position


def _why(exc: BaseException) -> str:
    if isinstance(exc, EOFError) or "end of GZIP stream" in str(exc):
        return "the compressed file is truncated (ends before its end-of-stream marker)"
    if isinstance(exc, gzip.BadGzipFile | zlib.error):
        return f"the compressed file is corrupt ({exc})"
    if isinstance(exc, duckdb.OutOfMemoryException):
        # The cap is the setting's, not the file's fault (P5-R05): name it.
        return (f"{str(exc).splitlines()[0]} (DuckDB's memory cap BPO_DUCKDB_MEMORY_LIMIT="
                f"{duckdb_memory_limit()} is too small for this export: raise it)")
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


class _SourceScan(threading.Thread):
    """Reads a text export to its end alongside DuckDB (bounded memory): a corrupt .gz member
    fails its CRC here, and ``LineScan`` finds a line too long for DuckDB, which drops a line
    longer than its read buffer without a word."""

    def __init__(self, source: Path) -> None:
        super().__init__(daemon=True)
        self.source = source
        self.error: str | None = None
        self.lines = LineScan()

    def run(self) -> None:
        try:
            with _open_binary(self.source) as handle:
                while block := handle.read(1 << 22):
                    self.lines.feed(block)
        except (OSError, EOFError, zlib.error) as exc:
            self.error = _why(exc)

    def one_row_per_line(self, lines: int) -> bool:
        """Whether the file has exactly ``lines`` lines, each ended by LF or each by CRLF (so
        no line the reader skipped or joined to another: see ``_fast_parse``). False when the
        scan failed or found a line too long: the caller then looks closer."""
        self.join()
        return not self.error and self.lines.physical_lines() == lines and (
            self.lines.crs in (0, self.lines.newlines))

    def problem(self) -> str | None:
        """What the scan found, as the message's text after the file name, or None."""
        self.join()
        if self.error:
            return f"cannot be read: {self.error}"
        long_line = self.lines.finish()
        return long_line_message(*long_line) if long_line else None


def lone_cr_line(source: Path) -> int | None:
    """On the error path only: the line (counted by LF) of the first carriage return that ends
    nothing in a local text export (plain or .gz), or None (also when it cannot be read)."""
    try:
        with _open_binary(source) as handle:
            return first_lone_cr(handle)
    except (OSError, EOFError, zlib.error):
        return None


def mixed_endings(source: Path) -> str | None:
    """On the error path only: the first line whose ending differs from the first line's, or
    the first line holding a carriage return that ends nothing (a lone CR)."""
    try:
        with _open_binary(source) as handle:
            found = first_mixed_line_ending(handle)
    except (OSError, EOFError, zlib.error):
        return None
    if found is None and (lone := lone_cr_line(source)) is not None:
        return lone_cr_message(lone)
    if found is None:
        return None
    line, kind, first = found
    return (f"line {line}: the line endings are mixed: this line ends with {kind}, the lines "
            f"before it with {first}; save the file with one kind of line ending")


def _transcode(source: Path, mapping: ExportMapping, target: Path) -> None:
    """A copy of a non-native-encoding export in UTF-8, decoded line by line (exact lines)."""
    with _open_binary(source) as raw, open(target, "wb") as out:
        if _is_wide(mapping.encoding):
            # UTF-16LE writes a line end as 0A 00: split into byte lines, every line after the
            # first would start with the NUL of the one before. Decoded whole, kept verbatim.
            try:
                text = io.TextIOWrapper(raw, encoding=mapping.encoding, newline="")
                while chunk := text.read(1 << 20):
                    out.write(chunk.encode("utf-8"))
            except UnicodeError as exc:
                raise DataValidationError(
                    f"{source}: text is not valid {mapping.encoding} "
                    f"({getattr(exc, 'reason', exc)})") from None
            return
        for number, line in enumerate(raw, start=1):
            try:
                out.write(line.decode(mapping.encoding).encode("utf-8"))
            except UnicodeError as exc:
                raise DataValidationError(
                    f"{source}: line {number}: text is not valid {mapping.encoding} "
                    f"({getattr(exc, 'reason', exc)})") from None


def _blank_thresholds(con: duckdb.DuckDBPyConnection, source_sql: str, encoding: str,
                      compression: str, first: int) -> list[tuple[int, int]]:
    """(b_i - i, i) for the i-th physical line b_i after line ``first`` that starts no row.

    Two kinds: an empty line (DuckDB skips it) and a line that continues a quoted field from
    the line before (a field holding a line break). The j-th row sits at physical line
    j + #{i : b_i - i < j}. A line with an odd number of quote characters opens or closes a
    quoted field (a doubled quote inside one counts two), so the lines after an opening one, up
    to its closing one, continue a row (P6-A03: every line after such a field was one short).
    """
    quotes = "length(coalesce(l, '')) - length(replace(coalesce(l, ''), '\"', ''))"
    rows = con.sql(
        f"SELECT rn, l IS NULL FROM (SELECT row_number() OVER () AS rn, l "
        f"FROM read_csv({source_sql}, "
        f"columns={{'l': 'VARCHAR'}}, header=false, delim='\x01', quote='', escape='', "
        f"auto_detect=false, encoding={literal(encoding)}, compression={literal(compression)}, "
        f"strict_mode=false, null_padding=true, ignore_errors=true)) "
        f"WHERE rn > {first} AND (l IS NULL OR (contains(l, '\"') AND ({quotes}) % 2 = 1)) "
        "ORDER BY rn"
    ).fetchall()
    skipped: set[int] = set()
    opened: int | None = None
    for line, empty in rows:
        if opened is not None:
            skipped.update(range(opened + 1, line + 1))  # inside the field, up to its close
            if not empty:
                opened = None
        elif empty:
            skipped.add(line)
        else:
            opened = line
    return [(b - i, i) for i, b in enumerate(sorted(skipped), start=1)]


def _reader(path: Path, mapping: ExportMapping, names: list[str], encoding: str,
            plan: ReaderPlan = TEXT_PLAN) -> str:
    """DuckDB ``read_csv`` of the export's data rows, strict, malformed lines to the rejects.

    With ``TEXT_PLAN`` every column is text. A typed ``plan`` has the reader parse its columns
    itself (explicit types, ``dateformat``/``timestampformat``, the mapping's missing markers
    as ``nullstr`` for the typed columns only: text columns keep their cells for the SQL).
    """
    compression = "gzip" if _is_gzip(path) else "none"
    types = {n: plan.types.get(n, "VARCHAR") for n in names}
    columns = "{" + ", ".join(f"{literal(n)}: {literal(t)}" for n, t in types.items()) + "}"
    typed = ""
    if plan.types:
        markers = sorted({m.strip() for m in mapping.missing})
        text = [n for n, t in types.items() if t == "VARCHAR"]
        typed = (f", nullstr=[{', '.join(literal(m) for m in markers)}]"
                 + (f", force_not_null=[{', '.join(literal(n) for n in text)}]" if text else "")
                 + (f", dateformat={literal(plan.dateformat)}" if plan.dateformat else "")
                 + (f", timestampformat={literal(plan.timestampformat)}"
                    if plan.timestampformat else ""))
    return (
        f"read_csv({literal(str(path))}, columns={columns}, header=false, "
        f"skip={mapping.header_offset + 1}, delim={literal(mapping.delimiter)}, quote='\"', "
        f"escape='\"', auto_detect=false, encoding={literal(encoding)}, "
        f"compression={literal(compression)}, strict_mode=true, max_line_size={MAX_LINE_BYTES}, "
        f"store_rejects=true, rejects_limit={REJECTS_LIMIT}{typed})"
    )


@dataclass(frozen=True)
class _Lines:
    """How the n-th row the CSV reader returned maps to its physical line.

    The reader's rows carry no position, and numbering them in the query (``row_number() OVER
    ()``) holds the whole pass to one thread. So the query's rows stream out in file order
    (DuckDB keeps insertion order, pinned in the connection) and ``_write_rows`` numbers them
    as they pass: row n (from 0) sits at line n + ``first``, plus one for each line before it
    that starts no row (``blanks``, see ``_blank_thresholds``).
    """

    first: int
    blanks: list[tuple[int, int]]

    def numbers(self, start: int, count: int) -> Any:
        """The physical lines (an int64 array) of reader rows ``start`` .. ``start+count-1``.

        With ``blanks`` = [(t_i, i)], t_i = b_i - i non-decreasing, the row at position p sits
        at line a + #{i : t_i < a} for a = p + ``first`` (one sorted search per batch).
        """
        import numpy as np

        at = np.arange(start + self.first, start + self.first + count, dtype=np.int64)
        if self.blanks:
            at += np.searchsorted(self._thresholds, at, side="left")
        return at

    @cached_property
    def _thresholds(self) -> Any:
        import numpy as np

        return np.fromiter((t for t, _i in self.blanks), dtype=np.int64, count=len(self.blanks))


class _RowsStopped(Exception):
    """The query behind ``_write_rows`` failed while its rows were read (a guard or a cast)."""


_BATCH_ROWS = 122_880  # DuckDB's own row-group size: one written row group per batch
_STREAM_BUFFER = "64MB"  # lets DuckDB compute ahead while Python writes a batch


def _statistics_columns(kind: str) -> list[str]:
    """Columns whose Parquet statistics readers use (row-group skipping by time, a line looked
    up by its number); min/max of free text serve no query and cost 0.5 CPU-s per 10M rows."""
    return [c.name for c in CANONICAL_SCHEMAS[kind].columns if c.type != "str"] + [SOURCE_LINE]


def _write_rows(con: duckdb.DuckDBPyConnection, sql: str, lines: _Lines | None, target: Path,
                *, compression: dict[str, Any], kind: str, drop_excluded: bool,
                order: StrictOrder | None = None, label: str = "") -> dict[int, int]:
    """Stream ``sql``'s rows (in file order) into Parquet at ``target``, numbering them.

    ``sql`` returns a ``source_line`` column (NULL for a CSV, filled in here from ``lines``;
    Excel and Parquet sources number their rows themselves: ``lines`` None) and ``_excluded``
    (-1 an empty row, 0 kept, k the k-th exclusion rule). With ``drop_excluded`` only kept
    rows are written, without ``_excluded``. ``order``, if given, is fed the written rows'
    ``interaction_id`` values. ``label`` names the export in progress lines (``progress``:
    rows read so far, every few seconds of a long pass). Returns rows per ``_excluded`` value.
    Memory is one batch. Raises ``_RowsStopped`` when the query fails while read.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    con.execute(f"SET streaming_buffer_size = '{_STREAM_BUFFER}'")
    try:
        reader = con.sql(sql).to_arrow_reader(_BATCH_ROWS)
    except duckdb.Error as exc:
        raise _RowsStopped(str(exc)) from exc
    schema = reader.schema
    at = schema.get_field_index(SOURCE_LINE)
    flags = schema.get_field_index("_excluded")
    if drop_excluded:
        schema = schema.remove(flags)
    counts = np.zeros(0, dtype=np.int64)
    position = 0
    every = Every()
    # source_line counts up: delta encoding stores it in a few bits a row.
    with pq.ParquetWriter(str(target), schema, use_dictionary=_dictionary_columns(kind),
                          write_statistics=_statistics_columns(kind),
                          column_encoding={SOURCE_LINE: "DELTA_BINARY_PACKED"},
                          **compression) as writer:
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            except (duckdb.Error, OSError, pa.ArrowException) as exc:
                reraise_if_interrupted(exc)
                raise _RowsStopped(str(exc)) from exc
            excluded = batch.column(flags).to_numpy(zero_copy_only=False)
            found = np.bincount(excluded + 1)
            counts = np.pad(counts, (0, max(0, len(found) - len(counts))))
            counts[:len(found)] += found
            if lines is not None:
                numbers = pa.array(lines.numbers(position, batch.num_rows))
                batch = batch.set_column(at, SOURCE_LINE, numbers)
            position += batch.num_rows
            if drop_excluded:
                batch = batch.filter(pa.array(excluded == 0)).drop_columns(["_excluded"])
            if order is not None:
                order.add(batch.column(batch.schema.get_field_index("interaction_id")))
            writer.write_batch(batch, row_group_size=_BATCH_ROWS)
            if label and every.due():
                progress(f"{label}: {position:,} rows read ({position / every.elapsed():,.0f} "
                         "rows/s)")
    return {k - 1: int(n) for k, n in enumerate(counts) if n}


def _csv_lines(con: duckdb.DuckDBPyConnection, path: Path, mapping: ExportMapping,
               encoding: str) -> _Lines:
    """How the reader's rows of a CSV export map to its physical lines (one scan of it)."""
    compression = "gzip" if _is_gzip(path) else "none"
    header_lines = mapping.header_offset + 1
    blanks = _blank_thresholds(con, literal(str(path)), encoding, compression, header_lines)
    return _Lines(first=header_lines + 1, blanks=blanks)


def _csv_relation(path: Path, mapping: ExportMapping, names: list[str], encoding: str,
                  plan: ReaderPlan = TEXT_PLAN) -> str:
    """SQL for the export's rows (``_reader``) with an empty ``_line`` (``_write_rows`` fills
    it in)."""
    reader = _reader(path, mapping, names, encoding, plan)
    return f"(SELECT *, CAST(NULL AS BIGINT) AS _line FROM {reader})"


def _cell_text(value: object, decimal: str) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.time):
        return f"{value.hour}:{value.minute:02d}:{value.second:02d}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value.total_seconds())
    if isinstance(value, float):
        text = str(int(value)) if value.is_integer() else repr(value)
        return text.replace(".", decimal)
    return str(value)


def _excel_relation(con: duckdb.DuckDBPyConnection, source: Path,
                    mapping: ExportMapping) -> tuple[str, list[str]]:
    """The chosen sheet as an Arrow table of text plus ``_line`` (sheet row), registered."""
    import openpyxl
    import pyarrow as pa

    check_workbook_parts(source)  # before openpyxl inflates anything
    try:
        book = openpyxl.load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for broken files
        reraise_if_interrupted(exc)
        raise DataValidationError(
            f"{source}: cannot open as an Excel workbook: {_why(exc)}") from None
    try:
        sheet_key = mapping.sheet if mapping.sheet is not None else 0
        if isinstance(sheet_key, int):
            if not 0 <= sheet_key < len(book.worksheets):
                raise DataValidationError(f"{source}: no sheet number {sheet_key} (the workbook "
                                          f"has {len(book.worksheets)})")
            sheet = book.worksheets[sheet_key]
        elif sheet_key in book.sheetnames:
            sheet = book[sheet_key]
        else:
            raise DataValidationError(
                f"{source}: no sheet '{sheet_key}' (sheets: {', '.join(book.sheetnames)})")
        try:
            rows = list(sheet.iter_rows(min_row=mapping.header_offset + 1, values_only=True))
        except Exception as exc:  # a damaged sheet part fails only when it is read
            reraise_if_interrupted(exc)
            raise DataValidationError(
                f"{source}: cannot read sheet '{sheet.title}': {_why(exc)}") from None
    finally:
        book.close()
    if not rows:
        raise DataValidationError(f"{source}: the sheet has no header row")
    names = [_cell_text(v, ".").strip() for v in rows[0]]
    check_unique_names(source, names, mapping.header_offset + 1)
    first = mapping.header_offset + 2
    data = {name: [_cell_text(r[i] if i < len(r) else None, mapping.decimal) for r in rows[1:]]
            for i, name in enumerate(names)}
    table = pa.table({**data, "_line": list(range(first, first + len(rows) - 1))})
    con.register("_sheet", table)
    return "_sheet", names


def _parquet_relation(source: Path) -> tuple[str, list[str]]:
    """A Parquet export's columns as text plus ``_line`` (its 1-based row)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        names = list(pq.ParquetFile(source).schema_arrow.names)
    except (OSError, pa.ArrowException) as exc:
        raise DataValidationError(f"{source}: cannot be read as Parquet: {_why(exc)}") from None
    check_unique_names(source, names, 0)
    casts = ", ".join(f"CAST({ident(n)} AS VARCHAR) AS {ident(n)}" for n in names)
    return (f"(SELECT {casts}, file_row_number + 1 AS _line "
            f"FROM read_parquet({literal(str(source))}, file_row_number=true))"), names


def _rule_checks(schema: TableSchema) -> list[tuple[str, str, str]]:
    """(column, SQL bad condition, wording) per row-level rule, in the order they are judged."""
    checks = []
    for col in schema.columns:
        if not col.nullable:
            checks.append((col.name, f"{col.name} IS NULL", "is missing but required"))
        if col.allowed is not None:
            allowed = ", ".join(literal(v) for v in col.allowed)
            checks.append((col.name, f"{col.name} NOT IN ({allowed})",
                           f"is not one of {list(col.allowed)}"))
        if col.min_value is not None:
            checks.append((col.name, f"{col.name} < {col.min_value!r}",
                           f"is below the minimum {col.min_value:g}"))
        if col.max_value is not None:
            checks.append((col.name, f"{col.name} > {col.max_value!r}",
                           f"is above the maximum {col.max_value:g}"
                           + (f" ({col.max_why})" if col.max_why else "")))
    if schema.kind == "interactions":
        checks.append(("csat", "csat > csat_scale", "is above the CSAT scale maximum"))
    return checks


def _bitmask(conditions: list[str]) -> str:
    if not conditions:
        return "CAST(0 AS BIGINT)"
    return " + ".join(f"(CASE WHEN {c} THEN {1 << i} ELSE 0 END)::BIGINT"
                      for i, c in enumerate(conditions))


def _any(conditions: list[str]) -> str:
    return f"({' OR '.join(conditions)})" if conditions else "FALSE"


def _blank_row(names: list[str], plan: ReaderPlan = TEXT_PLAN) -> str:
    """SQL: every cell of the row is empty (such rows are skipped, never judged)."""
    empty = [f"{ident(n)} IS NULL" if n in plan.types else f"{trimmed(ident(n))} = ''"
             for n in names]
    if not empty:
        return "FALSE"
    # Most rows show a non-empty first cell at once: a first character above the space (a
    # cheap test, no trimmed copy) settles it; otherwise every cell is looked at.
    first = ident(names[0])
    quick = (f"ascii(coalesce({first}, '')) > 32" if names[0] not in plan.types
             else f"{first} IS NOT NULL")
    return f"CASE WHEN {quick} THEN FALSE ELSE {' AND '.join(empty)} END"


def _exclusion_rule(mapping: ExportMapping) -> str:
    """SQL: the number (from 1) of the first ``exclude`` rule a row matches, else 0."""
    if not mapping.exclude:
        return "0"
    return "CASE " + " ".join(
        f"WHEN {trimmed(ident(r.column))} IN "
        f"({', '.join(literal(v) for v in r.values)}) THEN {i} "
        for i, r in enumerate(mapping.exclude, start=1)
    ) + "ELSE 0 END"


def compile_query(mapping: ExportMapping, relation: str, names: list[str], source: Path,
                  plan: ReaderPlan = TEXT_PLAN, *, guarded: bool = False,
                  ) -> tuple[str, list[Parsed], list[tuple[str, str, str]]]:
    """The one query from export rows to canonical rows plus check columns.

    ``plan``: the source columns ``relation`` already holds typed (see ``reader_plan``).
    ``guarded``: the typed route's form: the same checks, but only whether any fails, as one
    condition that stops the query at the first row it holds for (DuckDB's ``error()``);
    ``_bad`` and ``_rule`` are then flags, not bitmasks (ORs cost less than summed CASEs).
    """
    flags = _any if guarded else _bitmask
    schema = CANONICAL_SCHEMAS[mapping.kind]
    parsed, select = canonical_select(mapping, plan)
    for p in parsed:
        missing = [c for c in p.sources if c not in names]
        if missing:
            raise DataValidationError(
                f"{source}: column(s) {missing} mapped to '{p.column}' not in the header "
                f"(found: {names})")
    for rule in mapping.exclude:
        if rule.column not in names:
            raise DataValidationError(
                f"{source}: exclude rule column '{rule.column}' not in the header "
                f"(found: {names})")
    blank, excluded = _blank_row(names, plan), _exclusion_rule(mapping)
    # A blank row is skipped, never judged (-1): it stays in the output, so that a row's
    # position is still its reader row (``_Lines``); every writer keeps _excluded = 0. The
    # flag is computed beside the texts so DuckDB trims an exclusion rule's column once.
    kept_flag = f"CASE WHEN {blank} THEN -1 ELSE {excluded} END"
    # One layer per step, so each expression is computed once per row and the checks below
    # only compare columns: text -> mapped -> parsed -> bad code.
    layers = [
        ("texts", f"SELECT _line, {kept_flag} AS _excluded" + "".join(
            f", {p.text} AS _t{p.index}{p.carried}" for p in parsed) + f" FROM {relation}"),
        ("mapped", "SELECT *" + "".join(
            f", {p.mapped} AS _m{p.index}" for p in parsed) + " FROM texts"),
        ("parsed", "SELECT *" + "".join(
            f", {p.parsed} AS _p{p.index}" for p in parsed) + " FROM mapped"),
        ("judged", "SELECT *" + "".join(
            (f", _excluded = 0 AND {p.failing} AS _b{p.index}" if guarded else
             f", CASE WHEN _excluded = 0 THEN {p.bad} ELSE 0 END AS _b{p.index}")
            for p in parsed) + " FROM parsed"),
    ]
    codes = [f"_b{p.index}" for p in parsed]
    first_code = ("CASE " + " ".join(f"WHEN {c} <> 0 THEN {c}" for c in codes) + " ELSE 0 END"
                  if codes and not guarded else "0")
    first_text = ("CASE " + " ".join(f"WHEN _b{p.index} <> 0 THEN CAST(_t{p.index} AS VARCHAR)"
                                     for p in parsed)
                  + " END" if codes and not guarded else "CAST(NULL AS VARCHAR)")
    failed = codes if guarded else [f"{c} <> 0" for c in codes]
    # Excluded rows are neither parsed nor judged: a test call may carry any value.
    canonical = (
        f"SELECT {', '.join(select)}, _line AS {SOURCE_LINE}, _excluded, "
        f"{flags(failed)} AS _bad, {first_code} AS _bad_code, "
        f"{first_text} AS _bad_text FROM judged"
    )
    if mapping.kind == "interactions":
        body = derive_interactions(set(mapping.columns) | set(mapping.constants))
    else:
        body = "SELECT * FROM c"
    rules = _rule_checks(schema)
    if guarded:
        # Whether any rule holds: a NULL condition (a missing value) holds no rule, and one
        # IS TRUE over the OR says so for all of them (a coalesce each costs 0.3 CPU-s).
        rule_mask = f"({_any([cond for _c, cond, _w in rules])} IS TRUE)"
    else:
        rule_mask = _bitmask([f"coalesce({cond}, FALSE)" for _c, cond, _w in rules])
    ctes = ", ".join(f"{name} AS ({body_sql})" for name, body_sql in layers)
    sql = (f"WITH {ctes}, c AS ({canonical}), derived AS ({body}) "
           f"SELECT *, CASE WHEN _excluded = 0 THEN {rule_mask} ELSE {flags([])} END AS _rule "
           "FROM derived")
    if guarded:
        sql = (f"SELECT * EXCLUDE (_bad, _bad_code, _bad_text, _rule) FROM ({sql}) WHERE CASE "
               "WHEN _bad OR _rule THEN error('a row needs the exact route') ELSE TRUE END")
    return sql, parsed, rules


def _shown(value: object, column: str = "") -> str:
    if value is None:
        return ""
    if isinstance(value, float) and column.endswith("_seconds") and 0 <= value < 1e12:
        # A duration as the export writes it, not '2.88e+06' (P8-A13's 800:00:00).
        whole = int(value)
        return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _raise_rejects(con: duckdb.DuckDBPyConnection, source: Path, mapping: ExportMapping,
                   width: int) -> None:
    try:
        # DuckDB may record several errors for one line: each physical line counts once.
        rows = con.sql("SELECT line, first(column_name), first(error_type), first(csv_line), "
                       "first(error_message) FROM reject_errors "
                       "GROUP BY line ORDER BY line").fetchall()
        (errors,) = con.sql("SELECT count(*) FROM reject_errors").fetchall()[0]
    except duckdb.CatalogException:
        return
    if not rows:
        return
    line, column, kind, text, message = rows[0]
    what = {
        "TOO MANY COLUMNS": f"more fields than the header's {width}",
        "MISSING COLUMNS": f"fewer fields than the header's {width}",
        "INVALID ENCODING": f"text is not valid {mapping.encoding}",
        "INVALID UNICODE": f"text is not valid {mapping.encoding}",
        "UNQUOTED VALUE": "a quote opened inside an unquoted field",
    }.get(str(kind), str(message).splitlines()[0] if message else str(kind).lower())
    count = f"at least {len(rows)}" if errors >= REJECTS_LIMIT else str(len(rows))
    lines = ", ".join(str(r[0]) for r in rows[:5])
    shown = (text or "")[:120]
    raise DataValidationError(
        f"{source}: line {line}: malformed line, {what} ({count} malformed line(s) in all, at "
        f"lines {lines}{', ...' if len(rows) > 5 else ''}): {shown!r}")


def _raise_first_problem(con: duckdb.DuckDBPyConnection, staged: str, where: str,
                         parsed: list[Parsed], rules: list[tuple[str, str, str]],
                         kind: str) -> dict[int, int]:
    """Raise for the first parse failure, else rule failure; return rows per exclusion rule.

    ``where`` starts each message: "<file>: line" (or "row" for a Parquet export).
    """
    aggregates = ["count(*) FILTER (_excluded = 0)"]
    for i in range(len(parsed)):
        aggregates += [f"count(*) FILTER (_bad & {1 << i} <> 0)",
                       f"min({SOURCE_LINE}) FILTER (_bad & {1 << i} <> 0)"]
    for i in range(len(rules)):
        aggregates += [f"count(*) FILTER (_rule & {1 << i} <> 0)",
                       f"min({SOURCE_LINE}) FILTER (_rule & {1 << i} <> 0)"]
    row = con.sql(f"SELECT {', '.join(aggregates)} FROM {staged}").fetchall()[0]
    kept_rows, stats = row[0], row[1:]
    for i, p in enumerate(parsed):
        count, line = stats[2 * i], stats[2 * i + 1]
        if count:
            code, text = con.sql(f"SELECT _bad_code, _bad_text FROM {staged} WHERE "
                                 f"{SOURCE_LINE} = {int(line)} LIMIT 1").fetchall()[0]
            raise DataValidationError(
                f"{where} {line}, column '{'+'.join(p.sources)}' (→ {p.column}): value "
                f"'{text}' is {p.reasons[int(code) - 1]} ({count} row(s) in all)")
    offset = 2 * len(parsed)
    order = list(range(len(rules)))
    # Duplicate ids are judged after every column rule and before the CSAT scale, as always.
    csat_last = [i for i in order if rules[i][1] == "csat > csat_scale"]
    for i in [i for i in order if i not in csat_last]:
        _raise_rule(con, staged, where, rules[i], stats[offset + 2 * i], stats[offset + 2 * i + 1])
    if kind == "interactions":
        _raise_duplicates(con, staged, where)
    for i in csat_last:
        _raise_rule(con, staged, where, rules[i], stats[offset + 2 * i], stats[offset + 2 * i + 1])
    excluded = _excluded_rows(con, staged)
    excluded[0] = kept_rows
    return excluded


def _raise_rule(con: duckdb.DuckDBPyConnection, staged: str, where: str,
                rule: tuple[str, str, str], count: int, line: int | None) -> None:
    if not count:
        return
    column, _cond, why = rule
    (value,) = con.sql(f"SELECT {column} FROM {staged} WHERE {SOURCE_LINE} = {int(line)} "
                       "LIMIT 1").fetchall()[0]
    raise DataValidationError(
        f"{where} {line}, column '{column}': value '{_shown(value, column)}' {why} "
        f"({count} row(s) in all)")


def _raise_duplicates(con: duckdb.DuckDBPyConnection, staged: str, where: str) -> None:
    """One query over the whole table: an id seen twice anywhere in the file is found."""
    kept = f"(SELECT interaction_id, {SOURCE_LINE} FROM {staged} WHERE _excluded = 0)"
    (same_hash,) = con.sql(repeated_keys_possible(kept, ("interaction_id",))).fetchall()[0]
    if not same_hash:
        return
    repeated = repeated_key_rows(kept, ("interaction_id",), f"interaction_id, {SOURCE_LINE}")
    found = con.sql(
        f"SELECT count(*) - count(DISTINCT interaction_id), min(second), arg_min(interaction_id, "
        f"second) FROM (SELECT interaction_id, {SOURCE_LINE}, CASE WHEN row_number() OVER "
        f"(PARTITION BY interaction_id ORDER BY {SOURCE_LINE}) = 2 THEN {SOURCE_LINE} END "
        f"AS second FROM ({repeated}))").fetchall()[0]
    extra, line, value = found
    if not extra:
        return
    raise DataValidationError(
        f"{where} {line}, column 'interaction_id': value '{value}' is a duplicate id "
        f"({extra} row(s) in all)")


def _excluded_rows(con: duckdb.DuckDBPyConnection, staged: str) -> dict[int, int]:
    """Rows each ``exclude`` rule left out (by rule number), from the staged rows."""
    return dict(con.sql(f"SELECT _excluded, count(*) FROM {staged} WHERE _excluded > 0 "
                        "GROUP BY ALL").fetchall())


def _dictionary_columns(kind: str) -> list[str]:
    """Canonical text columns whose values repeat (codes, queues, agents): Parquet
    dictionary-encodes them. Not the interactions' id, unique by rule: its dictionary would be
    built and dropped in every row group (0.3 CPU-s per 10M rows, for a larger file)."""
    return [c.name for c in CANONICAL_SCHEMAS[kind].columns
            if c.type == "str" and c.name != "interaction_id"]


def _fast_parse(source: Path, mapping: ExportMapping, partial: Path,
                scan: _SourceScan) -> dict[int, int] | None:
    """Typed reader -> canonical Parquet in one pass, or None to parse exactly.

    DuckDB's typed reader parses what it can natively (``reader_plan``), the SQL of the text
    route the rest, and every row check of the exact route runs as a guard that stops the pass
    at the first problem (DuckDB's ``error()``). No check column is computed for the output:
    the query runs on every core and its rows stream out in file order to ``_write_rows``,
    which numbers the lines (``_Lines``), keeps the rows no filter excluded and writes them. A
    stopped pass, a line the reader rejected, or an export this route does not read (Excel,
    Parquet, a transcoded encoding) returns None: the exact route then parses it again and
    names the first problem with its line, value and count, as precisely as ever (a good
    export never pays for it).

    The rows are numbered one per line after the header at first. ``scan`` (the raw read
    beside DuckDB) then tells whether the file has exactly that many lines; only when it has
    more (an empty line, a quoted field holding a line break) are those lines found
    (``_csv_lines``) and, if any falls before a row, the pass is run again numbered from them.
    Interaction ids that strictly rise or fall down the file are unique (``StrictOrder``);
    only other orders pay for the whole-table duplicate count.
    """
    encoding = _NATIVE_ENCODINGS.get(_norm(mapping.encoding))
    if mapping.is_excel or mapping.is_parquet or encoding is None:
        return None
    names = read_header(source, mapping)
    plan = reader_plan(mapping)
    names_out = ", ".join([*CANONICAL_SCHEMAS[mapping.kind].names, SOURCE_LINE])
    header_lines = mapping.header_offset + 1
    with duckdb_connection() as con:
        try:
            relation = _csv_relation(source, mapping, names, encoding, plan)
            sql, _parsed, _rules = compile_query(mapping, relation, names, source, plan,
                                                 guarded=True)
            query = f"SELECT {names_out}, _excluded FROM ({sql})"
            options = {"compression": _CANONICAL_ARROW, "kind": mapping.kind,
                       "drop_excluded": True}
            lines = _Lines(first=header_lines + 1, blanks=[])
            order = StrictOrder() if mapping.kind == "interactions" else None
            counts = _write_rows(con, query, lines, partial, **options, order=order,
                                 label=str(source))
            (rejected,) = con.sql("SELECT count(*) FROM reject_errors").fetchall()[0]
            if rejected:
                return None
            read = sum(counts.values())
            if not scan.one_row_per_line(header_lines + read):
                lines = _csv_lines(con, source, mapping, encoding)
                if read and lines.numbers(read - 1, 1)[0] != read - 1 + lines.first:
                    # The same rows again, numbered anew: ``order`` has judged them already.
                    progress(f"{source}: a line before a row holds no row; numbering again")
                    counts = _write_rows(con, query, lines, partial, **options,
                                         label=str(source))
        except (duckdb.Error, _RowsStopped) as exc:
            reraise_if_interrupted(exc)  # Ctrl-C, not a reason to take the exact route
            return None
        if order is not None and not order.proves_distinct:
            table = f"(SELECT *, 0 AS _excluded FROM read_parquet({literal(str(partial))}))"
            _raise_duplicates(con, table, f"{source}: line")
    counts.pop(-1, None)  # empty rows: skipped, never counted
    counts.setdefault(0, 0)
    return counts


@contextmanager
def _cleanup(*files: Path) -> Iterator[None]:
    try:
        yield
    finally:
        for file in files:
            file.unlink(missing_ok=True)


def _stage(con: duckdb.DuckDBPyConnection, source: Path, mapping: ExportMapping, utf8: Path,
           staged: Path) -> tuple[list[Parsed], list[tuple[str, str, str]], list[str]]:
    """Run the compiled query over the export into ``staged`` (canonical + check columns, every
    row numbered, empty and excluded rows included)."""
    lines = None
    if mapping.is_excel:
        relation, names = _excel_relation(con, source, mapping)
    elif mapping.is_parquet:
        relation, names = _parquet_relation(source)
    else:
        names = read_header(source, mapping)
        read_from, encoding = source, _NATIVE_ENCODINGS.get(_norm(mapping.encoding))
        if encoding is None:
            _transcode(source, mapping, utf8)
            read_from, encoding = utf8, "utf-8"
        relation = _csv_relation(read_from, mapping, names, encoding)
        lines = _csv_lines(con, read_from, mapping, encoding)
    sql, parsed, rules = compile_query(mapping, relation, names, source)
    _write_rows(con, sql, lines, staged, compression=_STAGING_ARROW, kind=mapping.kind,
                drop_excluded=False, label=f"{source} (exact route)")
    return parsed, rules, names


def _exact_parse(source: Path, mapping: ExportMapping, staged: Path, partial: Path, utf8: Path,
                 check: _SourceScan | None) -> dict[int, int]:
    """The text route with check columns: names the first problem exactly, else writes."""
    text = not (mapping.is_excel or mapping.is_parquet)
    with duckdb_connection() as con:
        try:
            parsed, rules, names = _stage(con, source, mapping, utf8, staged)
        except (duckdb.Error, _RowsStopped) as exc:
            reraise_if_interrupted(exc)
            why = (check.problem() if check is not None else None) or (
                mixed_endings(source) if text else None) or f"cannot be read: {_why(exc)}"
            raise DataValidationError(f"{source}: {why}") from None
        if check is not None and (problem := check.problem()):
            raise DataValidationError(f"{source}: {problem}")
        if text:
            _raise_rejects(con, source, mapping, len(names))
        rows = f"read_parquet({literal(str(staged))})"
        unit = "row" if mapping.is_parquet else "line"
        counts = _raise_first_problem(con, rows, f"{source}: {unit}", parsed, rules,
                                      mapping.kind)
        names_out = [*CANONICAL_SCHEMAS[mapping.kind].names, SOURCE_LINE]
        con.execute(f"COPY (SELECT {', '.join(names_out)} FROM {rows} WHERE _excluded = 0) "
                    f"TO {literal(str(partial))} ({_CANONICAL})")
    return counts


def parse_export(source: Path, mapping: ExportMapping, out: Path, *,
                 exact: bool = False) -> ParseResult:
    """Parse ``source`` through ``mapping`` into canonical Parquet at ``out`` (atomically).

    A CSV export is read in one typed pass (``_fast_parse``); one with a problem is read again
    by the exact text route, which names it. ``exact=True`` takes the text route at once (the
    tests compare the two routes row by row). Raises ``DataValidationError`` naming the file,
    physical line, column and value (and how many rows share the problem) for anything the
    mapping cannot parse or the schema forbids; nothing is written then.
    """
    if any(ch in str(source) for ch in "*?[]{}"):
        # DuckDB expands these as a glob: one mapping must read exactly its one file.
        raise ConfigError(f"{source}: an export path must not contain any of * ? [ ] {{ }} "
                          "(rename the file)")
    out.parent.mkdir(parents=True, exist_ok=True)
    tag = f"{os.getpid()}-{threading.get_ident()}"
    staged = out.with_name(f".{out.stem}.staged-{tag}.parquet")
    partial = out.with_name(f".{out.stem}.partial-{tag}.parquet")
    utf8 = out.with_name(f".{out.stem}.utf8-{tag}.csv")
    with _cleanup(staged, partial, utf8):
        # Beside DuckDB: a corrupt .gz member, or a line too long for DuckDB's buffer.
        check = None if (mapping.is_excel or mapping.is_parquet) else _SourceScan(source)
        if check is not None:
            check.start()
        counts = None if (exact or check is None) else _fast_parse(source, mapping, partial,
                                                                   check)
        route = "typed" if counts is not None else "exact"
        if counts is None:
            counts = _exact_parse(source, mapping, staged, partial, utf8, check)
        elif check is not None and (problem := check.problem()):
            raise DataValidationError(f"{source}: {problem}")
        if check is not None and not any(counts.values()) and (mixed := mixed_endings(source)):
            # Lines alternating CRLF and LF read as no row at all (P7-A35): an empty result
            # from a file with lines says why, instead of "0 rows" later.
            raise DataValidationError(f"{source}: {mixed}")
        partial.replace(out)  # atomic: a reader never sees a half-written table
    excluded = {rule.label: int(counts.get(i, 0))
                for i, rule in enumerate(mapping.exclude, start=1)}
    return ParseResult(rows=int(counts[0]), excluded=excluded, route=route)
