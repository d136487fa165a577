from __future__ import annotations

import duckdb
import pytest

from analysis.data.text_rules import (
    FORBIDDEN_RANGES,
    FORBIDDEN_RE2,
    escaped,
    first_forbidden,
    forbidden_in_tree,
    refuse_control_text,
)
from analysis.errors import ConfigError

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


def test_escaped_writes_every_forbidden_character_as_an_escape():
    """P5-M11: what the CLI prints of data text: no ESC, no newline, no override survives."""
    shown = escaped("\x1b[2J\x1b[31mPWNED\nCRITICAL fake\u202eline\x85é\t")
    assert shown == "\\x1b[2J\\x1b[31mPWNED\\nCRITICAL fake\\u202eline\\x85é\\t"
    assert first_forbidden(shown) is None
    assert escaped("Contact centre é") == "Contact centre é"


def test_forbidden_in_tree_names_the_dotted_key_of_any_text_or_key():
    """P5-M11: every text of a mapping or config, at any depth, keys included."""
    data = {"kind": "interactions", "exclude": [{"column": "Queue", "values": ["Billing"],
                                                 "reason": "\x1b[2JPWNED\nCRITICAL"}]}
    assert forbidden_in_tree(data) == ("exclude.0.reason", 1, "U+001B")
    assert forbidden_in_tree({"columns": {"queue": {"values": {"a\u202eb": "x"}}}}) == (
        "columns.queue.values.a\\u202eb", 2, "U+202E")
    assert forbidden_in_tree({"sheet": ["ok", "Sheet\x851"]}) == ("sheet.1", 6, "U+0085")
    # a tab delimiter is a control character on purpose; only the keys named are exempt
    assert forbidden_in_tree({"delimiter": "\t"}, frozenset({"delimiter"})) is None
    assert forbidden_in_tree({"delimiter": "\t"}) == ("delimiter", 1, "U+0009")
    assert forbidden_in_tree({"n": 5, "ok": [True, None, "Contact centre é"]}) is None


def test_refuse_control_text_is_one_config_error_naming_file_key_and_character(tmp_path):
    with pytest.raises(ConfigError) as caught:
        refuse_control_text({"exclude": [{"reason": "a\nb"}]}, tmp_path / "m.yaml")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{tmp_path / 'm.yaml'}: key 'exclude.0.reason': contains the "
                              "control or formatting character U+000A at position 2")
