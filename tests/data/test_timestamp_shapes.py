"""A timestamp format with a year reads the same whether a GLOB or the shape's expression
admits the text.

``_format_shape`` pins the year's digits with a regular expression; ``_format_glob`` admits the
usual zero-padded form first, far more cheaply, and leaves every other text to the expression.
These tests hold the result to the expression alone over texts near each format.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from helpers import near_misses

from analysis.data.client_exports.query import _format_glob, _format_shape, _timestamp, literal

ALPHABET = [*"0123456789/:-. TZ*?[", "\u0663", "\uff11"]
FORMATS = ["%d/%m/%Y %H:%M:%S", "%Y-%m-%d %H:%M", "%m/%d/%y %H:%M:%S", "%Y%m%d%H%M%S",
           "%d.%m.%Y %I:%M %p", "%Y-%j %H:%M:%S"]


def _near(fmt: str) -> list[str]:
    """Seeded: padded and unpadded texts of the format, each with a character inserted,
    dropped or replaced, and short random strings."""
    base = []
    for stamp in ("2025-02-05 08:01:09", "1999-12-31 23:59:59", "2024-02-29 00:00:00"):
        for pad in (True, False):
            text = dt.datetime.fromisoformat(stamp).strftime(fmt)
            base.append(text if pad else text.replace("/0", "/").lstrip("0"))
    return near_misses(base, ALPHABET, fmt, edits=150, randoms=3000, longest=20)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_timestamp_reads_as_the_shape_expression_alone_reads_it(fmt: str) -> None:
    shape = _format_shape(fmt)
    assert shape is not None  # every format here has a year: the shape applies
    value, _why = _timestamp("t", fmt)
    reference = (f"CASE WHEN regexp_full_match(t, {literal(shape)}) THEN "
                 f"try_strptime(t, {literal(fmt)}) END")
    with duckdb.connect() as con:
        con.execute("CREATE TABLE v (t VARCHAR)")
        con.executemany("INSERT INTO v VALUES (?)", [[t] for t in _near(fmt)])
        rows = con.sql(f"SELECT t, {value}, {reference} FROM v").fetchall()
    assert [(t, got, want) for t, got, want in rows if got != want] == []
    assert sum(want is not None for _t, _got, want in rows) >= 3  # some texts do read


@pytest.mark.parametrize(("fmt", "glob"), [
    ("%d/%m/%Y %H:%M:%S", "[0-9][0-9]/[0-9][0-9]/[0-9][0-9][0-9][0-9] "
                          "[0-9][0-9]:[0-9][0-9]:[0-9][0-9]"),
    ("%y%m%d", "[0-9]" * 6),
    ("%Y-%j 100%%", "[0-9][0-9][0-9][0-9]-[0-9][0-9][0-9] 100%"),
    ("%d %b %Y", None),            # a month name has no fixed width
    ("%Y-%m-%d %H:%M:%S.%f", None),
    ("%-d/%m/%Y", None),
    ("[%Y]", None),                # a bracket would read as a GLOB class
])
def test_the_quick_glob_is_the_zero_padded_form_or_none(fmt: str, glob: str | None) -> None:
    assert _format_glob(fmt) == glob
