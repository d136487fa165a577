"""An ``H:MM:SS`` duration reads to the same seconds whichever DuckDB cast reads it.

The pattern decides what is a duration; the seconds come from DuckDB's TIME cast where it reads
the text (under 24 hours) and from its INTERVAL cast otherwise. The TIME cast is lenient in its
own ways ('3:45', '1:02:03+02', ' 8:', '0:20:8.'), so these tests hold the expression to the
pattern-then-INTERVAL reading it replaced, over every shape near a duration.
"""

from __future__ import annotations

import duckdb
import pytest
from helpers import near_misses

from analysis.data.client_exports.query import _HMS, _duration

REFERENCE = (f"CASE WHEN regexp_full_match(t, '{_HMS}') THEN epoch(TRY_CAST(CASE WHEN "
             "contains(t, ',') THEN replace(t, ',', '.') ELSE t END AS INTERVAL)) END")
ALPHABET = [*"0123456789::::..,+- TaZzeE_/\t", "\u0663", "\u00a0", "\uff11", "\u00b2"]


def _near_durations() -> list[str]:
    """Seeded: well-formed durations, each with a character inserted, dropped or replaced,
    and short random strings over the characters durations and times are made of."""
    base = [f"{h}:{m}:{s}" for h in ("0", "00", "1", "9", "12", "23", "24", "25", "99", "0023")
            for m in ("0", "00", "5", "59", "60", "07")
            for s in ("0", "00", "59", "60", "5.5", "05,25", "07.123456", "07.1234567", "7.",
                      "59.9999999")]
    return near_misses(base, ALPHABET, 20261127, edits=6, randoms=30_000, longest=12)


def _read(texts: list[str]) -> list[tuple[str, float | None, float | None]]:
    value, _extra, _why = _duration("t", "hms", ".")
    with duckdb.connect() as con:
        con.execute("CREATE TABLE v (t VARCHAR)")
        con.executemany("INSERT INTO v VALUES (?)", [[t] for t in texts])
        return con.sql(f"SELECT t, {value}, {REFERENCE} FROM v ORDER BY t").fetchall()


def test_every_text_near_a_duration_reads_as_the_interval_reading_did() -> None:
    rows = _read(_near_durations())
    differ = [(t, got, want) for t, got, want in rows if got != want]
    assert differ == []
    # The set holds both kinds, so the comparison means something: read and refused texts.
    read = sum(want is not None for _t, _got, want in rows)
    assert read > 1000 and len(rows) - read > 10_000


@pytest.mark.parametrize(("text", "seconds"), [
    ("1:02:03", 3723.0), ("01:02:03.5", 3723.5), ("0:00:01,25", 1.25),
    ("23:59:59.9999999", 86399.9999999), ("25:00:00", 90000.0), ("100:00:00", 360000.0),
    ("3:45", None), ("1:02:03+02", None), ("0:20:8.", None), ("-0:00:05", None),
    ("1 day", None), ("1:60:00", None),
])
def test_a_duration_reads_to_its_seconds_or_to_nothing(text: str, seconds: float | None) -> None:
    ((_t, got, want),) = _read([text])
    assert got == want
    assert got == pytest.approx(seconds) if seconds is not None else got is None
