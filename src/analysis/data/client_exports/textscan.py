"""Raw text of a client export, read in blocks (bounded memory, no loop per line on the
happy path): lines too long to be an export's, mixed line endings, carriage returns that end
nothing, and the byte shape of UTF-16/UTF-32 text read as an 8-bit encoding.

DuckDB rejects a line longer than its ``max_line_size`` when it can hold it, but drops a line
longer than its read buffer (about 32 MB) without recording it: a row would vanish and every
line number after it would be off by one. ``LineScan`` runs beside the parse and finds both.
"""

from __future__ import annotations

import io
from typing import BinaryIO

MAX_LINE_BYTES = 2_000_000
"""The longest line a client export may have (DuckDB's own default limit). DuckDB rejects longer
lines it can hold, but silently drops a line longer than its read buffer (32 MB): ``LineScan``
finds both kinds before any row is trusted."""

_SCAN_BLOCK = 1 << 20


class LineScan:
    """Feed it a text export's bytes block by block; it finds the first line longer than
    ``limit`` bytes (its physical line number and full length) without a loop per line.

    A line longer than a block must cross a block boundary, so only the run of bytes without a
    newline across boundaries is measured; lines inside one block are shorter than the limit.
    """

    def __init__(self, limit: int = MAX_LINE_BYTES) -> None:
        self.limit = limit
        self.newlines = 0
        self.crs = 0  # carriage returns: a CR-only line end is a line DuckDB sees, not us
        self._run = 0  # bytes since the last newline
        self._long: tuple[int, int] | None = None  # (line, bytes so far) of a long line
        self.long_line: tuple[int, int] | None = None  # (line, length) once known

    def feed(self, block: bytes) -> None:
        """Scan the next block of the stream (of any size)."""
        if len(block) > self.limit:  # a long line must cross a boundary: blocks <= limit
            for start in range(0, len(block), self.limit):
                self._feed(block[start:start + self.limit])
        else:
            self._feed(block)

    def _feed(self, block: bytes) -> None:
        if self.long_line is not None:
            return
        self.crs += block.count(b"\r")
        first = block.find(b"\n")
        if first == -1:
            self._run += len(block)
            if self._run > self.limit:
                self._long = (self.newlines + 1, self._run)
            return
        if self._run + first > self.limit:
            self.long_line = (self.newlines + 1, self._run + first)
            return
        self.newlines += block.count(b"\n")
        self._run = len(block) - block.rfind(b"\n") - 1

    def physical_lines(self) -> int | None:
        """Lines seen so far (a last line without a newline counts), or None once a line
        too long was found (counting stopped there)."""
        if self.long_line is not None or self._long is not None:
            return None
        return self.newlines + (1 if self._run else 0)

    def finish(self) -> tuple[int, int] | None:
        """The first over-long line as (line, length in bytes), or None."""
        if self.long_line is None and self._long is not None:
            self.long_line = (self._long[0], self._run)  # the file ends inside it
        return self.long_line


def first_long_line(stream: BinaryIO, limit: int = MAX_LINE_BYTES) -> tuple[int, int] | None:
    """(line, bytes) of the first line of ``stream`` longer than ``limit``, or None."""
    scan = LineScan(limit)
    while (block := stream.read(_SCAN_BLOCK)) and scan.long_line is None:
        scan.feed(block)
    return scan.finish()


def long_line_message(line: int, length: int, limit: int = MAX_LINE_BYTES) -> str:
    """The one wording of the line-length rule (the line itself is never echoed)."""
    return (f"line {line}: the line is {length:,} bytes long, more than the {limit:,} bytes a "
            "line may have (a field this long is not an export value; the line is not shown)")


def first_mixed_line_ending(stream: BinaryIO) -> tuple[int, str, str] | None:
    """(line, its ending, the file's first ending) for the first line whose ending (CRLF or LF)
    differs from the first line's, or None. Read in blocks; meant for the error path only (it
    loops over lines)."""
    line, first, after_cr = 1, None, False
    while block := stream.read(_SCAN_BLOCK):
        start = 0
        while (end := block.find(b"\n", start)) != -1:
            crlf = block[end - 1] == 0x0D if end else after_cr
            kind = "CRLF" if crlf else "LF"
            if first is None:
                first = kind
            elif kind != first:
                return line, kind, first
            line += 1
            start = end + 1
        after_cr = block.endswith(b"\r")
    return None


def first_lone_cr(stream: BinaryIO) -> int | None:
    """The physical line (lines end at LF) of the first carriage return not followed by a line
    feed, or None. A lone CR inside an unquoted value stops DuckDB's reader with "the CSV
    Parser state machine reached an invalid state" and no line (P8-A22). Read in blocks; meant
    for the error path only (it loops over the CRs)."""
    line, pending = 1, False  # pending: the block before ended with a CR
    while block := stream.read(_SCAN_BLOCK):
        if pending:
            if block[:1] != b"\n":
                return line
            pending = False
        start = 0
        while (cr := block.find(b"\r", start)) != -1:
            if cr + 1 == len(block):
                pending = True
                break
            if block[cr + 1] != 0x0A:
                return line + block.count(b"\n", 0, cr)
            start = cr + 1
        line += block.count(b"\n")
    return line if pending else None


def lone_cr_message(line: int, *, spark: bool = False) -> str:
    """The one wording of a carriage return inside a line (after the file's name), both engines.

    The line is counted by LF on both. The advice differs because the readers do: DuckDB
    reads a CR inside a quoted field, while Spark's line reader ends a line at a CR alone,
    quoted or not (the line is split in two: two malformed lines, P8-A22 on Spark).
    """
    start = f"line {line}: a carriage return (CR) that is not followed by a line feed: "
    if spark:
        return (start + "Spark ends a line at a CR alone, even inside a quoted value, so lines "
                "must end with LF or CRLF and no value may hold a CR; remove the CR (engine "
                "duckdb reads one inside a quoted field)")
    return (start + "a CR inside a value must be in a quoted field, and lines end with LF or "
            "CRLF; quote the value or remove the CR")


def cr_only_message(line: int) -> str:
    """The one wording of a file whose lines end with CR alone (P7-A14): read by LF it is one
    line, so "ends before the header" was true but useless."""
    return (f"line {line}: the file's lines end with a carriage return only (CR, old Mac "
            "style), not LF or CRLF: save it with LF or CRLF line ends")


def has_lone_cr(line: bytes) -> bool:
    """Whether one raw line (as ``readline`` returns it) holds a CR not followed by LF."""
    return first_lone_cr(io.BytesIO(line)) is not None


_BOMS = {b"\xff\xfe\x00\x00": "utf-32", b"\x00\x00\xfe\xff": "utf-32",
         b"\xff\xfe": "utf-16", b"\xfe\xff": "utf-16"}


def wide_text_shape(line: bytes) -> tuple[str, str] | None:
    """(what it looks like, the ``encoding`` to declare) when the first raw line of a file
    opened as 8-bit text has the shape of UTF-32 or UTF-16 text, else None.

    The shape: the NUL bytes of ASCII characters written as 4- or 2-byte units, at one
    position in every unit (at least half the units; the character's own byte never NUL).
    A NUL here and there (a damaged UTF-8 file) is not that shape. With a byte-order mark the
    BOM-reading codec (``utf-16``) is named, since ``utf-16-le`` would keep the mark as text.
    """
    body = line[:-1] if line.endswith(b"\n") else line
    bom = next((name for mark, name in _BOMS.items() if body.startswith(mark)), None)
    for width, family in ((4, "UTF-32"), (2, "UTF-16")):
        units = len(body) // width
        if units < 2:
            continue
        nuls = [body[i:units * width:width].count(0) for i in range(width)]
        for order, own in (("little-endian", 0), ("big-endian", width - 1)):
            others = min(n for i, n in enumerate(nuls) if i != own)
            if nuls[own] == 0 and others * 2 >= units:
                suffix = "le" if own == 0 else "be"
                declare = bom or f"{family.lower()}-{suffix}"
                return f"{family} ({order}{', with a byte-order mark' if bom else ''})", declare
    return None
