from __future__ import annotations

import duckdb

from analysis.data.text_rules import FORBIDDEN_RANGES, FORBIDDEN_RE2, first_forbidden

EDGES = sorted({c for lo, hi in FORBIDDEN_RANGES for c in (lo - 1, lo, hi, hi + 1) if c >= 0})


def test_python_and_duckdb_refuse_exactly_the_same_characters():
    """One set, two spellings: the pandas/config check and DuckDB's RE2 check must agree."""
    values = [f"a{chr(c)}b" for c in EDGES]
    rows = duckdb.sql("SELECT regexp_matches(v, ?) FROM unnest(?) AS t(v)",
                      params=[FORBIDDEN_RE2, values]).fetchall()
    in_set = [any(lo <= c <= hi for lo, hi in FORBIDDEN_RANGES) for c in EDGES]
    assert [bool(r[0]) for r in rows] == in_set
    assert [first_forbidden(v) is not None for v in values] == in_set
    assert in_set.count(False) >= 4  # the characters just outside each range pass


def test_first_forbidden_names_the_character_and_its_position():
    assert first_forbidden("Billing\u202eecnavda") == (8, "U+202E")
    assert first_forbidden("Acme\x85Corp") == (5, "U+0085")
    assert first_forbidden("Contact centre é") is None
