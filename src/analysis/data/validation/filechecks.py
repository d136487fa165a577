"""File-level checks that run before Great Expectations, each with its own message.

A suite can only judge a table that parsed; these checks catch what makes parsing lie (a
semicolon file read as one column, a Latin-1 file decoded into mojibake, a BOM glued to the
first column name) and say what to fix in the file itself.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

_BOMS = {
    b"\xef\xbb\xbf": "UTF-8",
    b"\xff\xfe": "UTF-16 LE",
    b"\xfe\xff": "UTF-16 BE",
}
_WRONG_DELIMITERS = {";": "semicolon", "\t": "tab", "|": "pipe"}
# A header cell that is a number, a date or a URL means the first line is data, not names.
_DATA_LIKE = re.compile(r"^(-?[\d.,]+%?|\d{4}-\d{2}-\d{2}|https?://.*)$")


@dataclass(frozen=True)
class FileProblem:
    """One file-level defect: which file, which check, and what to do about it."""

    file: str
    check: str
    description: str
    column: str | None = None
    line: int | None = None

    @property
    def message(self) -> str:
        """The whole line: file, what is wrong, the check's id."""
        return f"{self.file}: {self.description} [{self.check}]"

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready form for ``results.json``."""
        return {
            "file": self.file,
            "check": self.check,
            "column": self.column,
            "line": self.line,
            "message": self.message,
        }


def _problem(path: Path, check: str, message: str, **where: object) -> list[FileProblem]:
    return [FileProblem(path.name, check, message, **where)]


def _decode(path: Path, data: bytes) -> tuple[str | None, list[FileProblem]]:
    for bom, name in _BOMS.items():
        if data.startswith(bom):
            return None, _problem(
                path, "byte_order_mark",
                f"starts with a {name} byte-order mark; save it as UTF-8 without BOM",
                line=1,
            )
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        bad = data[err.start : err.start + 4]
        return None, _problem(
            path, "encoding",
            f"is not UTF-8 (byte {bad!r} on line {line}, likely Latin-1/Windows-1252); "
            "re-save it as UTF-8",
            line=line,
        )


def _check_header(path: Path, header: list[str], columns: Sequence[str]) -> list[FileProblem]:
    raw_header = ",".join(header)
    for sep, name in _WRONG_DELIMITERS.items():
        by_sep = raw_header.split(sep)
        if len(header) < len(by_sep) and len(set(by_sep) & set(columns)) > len(
            set(header) & set(columns)
        ):
            return _problem(
                path, "delimiter",
                f"is {name}-delimited; the contract is comma-delimited CSV", line=1,
            )
    declared = set(columns)
    if not declared & set(header):
        looks_like_data = sum(bool(_DATA_LIKE.match(cell.strip())) for cell in header)
        why = "the first line looks like data" if looks_like_data else "no declared column"
        return _problem(
            path, "missing_header",
            f"has no header row ({why}); the first line must name the columns: "
            + ", ".join(columns),
            line=1,
        )
    seen: set[str] = set()
    for name in header:
        if name in seen:
            return _problem(
                path, "duplicate_column",
                f"column '{name}' appears twice in the header", column=name, line=1,
            )
        seen.add(name)
    return []


def _check_rows(path: Path, rows: Iterator[list[str]], width: int) -> tuple[int, list[FileProblem]]:
    """Count the data rows, stopping at the first whose field count differs from the header."""
    count = 0
    for row in rows:
        if not row:
            continue
        count += 1
        if len(row) != width and any(cell.strip() for cell in row):
            return count, _problem(
                path, "ragged_row",
                f"row {count} (line {count + 1}) has {len(row)} fields but the header has "
                f"{width}; an unquoted comma (e.g. a thousands separator) splits a value",
                line=count + 1,
            )
    return count, []


def read_checked(
    path: Path, columns: Sequence[str], may_be_empty: bool = False
) -> tuple[pd.DataFrame | None, list[FileProblem]]:
    """Read ``path`` as text cells (read-only) after the file-level checks.

    Returns the table (every cell a string, empty cell = missing, index = 1-based data row)
    or ``None`` with the problems that stop it from being judged by a suite.
    """
    if not path.is_file():
        return None, _problem(path, "missing_file", f"file not found at {path}")
    data = path.read_bytes()
    if not data.strip():
        return None, _problem(path, "empty_file", "is empty (0 bytes or only blank space)")
    text, problems = _decode(path, data)
    if text is None:
        return None, problems
    # Streamed: the rows are only counted here; pandas parses the table once, below.
    rows = csv.reader(io.StringIO(text, newline=""))
    header = next((row for row in rows if row), [])
    problems = _check_header(path, header, columns)
    if problems:
        return None, problems
    count, problems = _check_rows(path, rows, len(header))
    if problems:
        return None, problems
    if count == 0 and not may_be_empty:
        return None, _problem(path, "header_only", "has a header but no data rows")
    table = pd.read_csv(
        io.StringIO(text), dtype="str", keep_default_na=False, na_values=[""], index_col=False
    )
    table.index = pd.RangeIndex(1, len(table) + 1, name="row")
    return table, []
