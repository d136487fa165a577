"""strict_yaml: safe types, a repeated key named with both lines, merges still allowed."""

from __future__ import annotations

import pytest
import yaml

from analysis.data import strict_yaml


def test_a_key_given_twice_names_both_lines_at_any_depth():
    with pytest.raises(yaml.YAMLError, match=r"key 'target' is given twice \(lines 2 and 3\)"):
        strict_yaml.load("sla:\n  target: 80\n  target: 90\n")


def test_merges_and_ordinary_mappings_still_load():
    text = "base: &b {a: 1, b: 2}\nchild:\n  <<: *b\n  b: 3\n"
    assert strict_yaml.load(text)["child"] == {"a": 1, "b": 3}


def test_only_safe_types():
    with pytest.raises(yaml.YAMLError):
        strict_yaml.load("!!python/object/apply:os.system ['true']")
