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


@pytest.mark.parametrize(
    "text",
    [
        "display_name: Acme\nx: " + "[" * 100_000 + "]" * 100_000,  # A17
        "parameters:\n  market_size: {geography: " + "[" * 100_000 + "]" * 100_000 + "}",  # A18
        "a:\n" + "".join("  " * depth + f"k{depth}:\n" for depth in range(1, 60)) + "  x: 1\n",
    ],
)
def test_deep_nesting_is_refused_before_pyyaml_recurses(text):
    with pytest.raises(strict_yaml.YamlLimitError, match=r"line \d+, column \d+: nested more "
                       rf"than {strict_yaml.MAX_DEPTH} levels deep \[max_depth\]"):
        strict_yaml.load(text)


def test_nesting_up_to_the_limit_loads():
    depth = strict_yaml.MAX_DEPTH - 1  # the top-level mapping is the first level
    value = strict_yaml.load("a: " + "[" * depth + "]" * depth)["a"]
    for _ in range(depth - 1):
        assert len(value) == 1
        value = value[0]
    assert value == []


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("# " + "x" * strict_yaml.MAX_BYTES + "\n")
    with pytest.raises(strict_yaml.YamlLimitError, match=r"bytes \[max_size\]"):
        strict_yaml.load_file(big)


@pytest.mark.parametrize(("text", "says"), [
    ("display_name: Acme\n? [a, b]\n: 1\n", "line 2, column 3: a key must be a plain name, "
     "not a list [scalar_key]"),
    ("a: {? {x: 1} : 2}\n", "line 1, column 7: a key must be a plain name, not a mapping"),
    ("transition:\n  start: 2026-02-30\n", "line 2, column 10: '2026-02-30' is not a real date "
     "(day is out of range for month) [valid_date]"),
])
def test_a_complex_key_or_an_impossible_date_is_one_positioned_line(text, says):
    """Issue 14, P3-C04 and P3-C11: PyYAML raised TypeError / ValueError (a traceback)."""
    with pytest.raises(yaml.YAMLError) as caught:
        strict_yaml.load(text)
    assert says in str(caught.value)


def test_real_dates_still_load_as_dates():
    import datetime as dt

    assert strict_yaml.load("start: 2028-02-29\n") == {"start": dt.date(2028, 2, 29)}


def test_an_alias_bomb_is_refused_at_its_first_alias():
    """P7-M14/C01: nine levels of nine aliases hung every reader (9**9 values)."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    with pytest.raises(yaml.YAMLError, match=r"line 2, column 1[0-9]: a YAML alias .*"
                                             r"\[no_aliases\]"):
        strict_yaml.load("\n".join(lines) + "\n")


@pytest.mark.parametrize(("text", "says"), [
    ("a:\n  b: 1\n\tc: 2\n", "line 3, column 1: a tab cannot indent YAML; use spaces"),
    ("\ta: 1\n", "line 1, column 1: a tab cannot indent YAML; use spaces"),
    ("a: [1,\t2]\n", "line 1, column 7: a tab cannot separate YAML values here; use spaces"),
])
def test_a_tab_is_said_in_the_projects_words(text, says):
    """P9-M17, P9-C07: PyYAML's 'while scanning for the next token found character' is
    replaced by what to do, for a config and a mapping alike."""
    with pytest.raises(yaml.YAMLError) as caught:
        strict_yaml.load(text)
    said = strict_yaml.said(caught.value, "config")
    assert said == f"not valid YAML: {says}" and "scanning" not in said
