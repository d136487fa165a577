"""Ids that strictly rise or fall down an export prove themselves unique as they stream past.

The typed parse skips the whole-table duplicate count only when ``StrictOrder`` proves every
id distinct; these tests pin the proof (within a batch, across batch boundaries, after the row
filters) and that a duplicate is still found, with its line, whatever the order.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from helpers import small_export, small_row

from analysis.data.client_exports import parse as parse_module
from analysis.data.client_exports import read_mapping
from analysis.data.client_exports.parse import ParseResult, parse_export
from analysis.data.client_exports.strict_order import StrictOrder
from analysis.errors import DataValidationError


def _fed(*batches: list[str | None]) -> StrictOrder:
    order = StrictOrder()
    for values in batches:
        order.add(pa.array(values, type=pa.string()))
    return order


@pytest.mark.parametrize(("batches", "distinct"), [
    ([["a", "b"], ["c"], [], ["d", "e"]], True),            # rising, an empty batch between
    ([["e", "d"], ["c", "b"], ["a"]], True),                # falling (newest first)
    ([["a"], ["b"], ["c"]], True),                          # one value a batch
    ([["a", "b"], ["b", "c"]], False),                      # equal across a boundary
    ([["a", "b", "b", "c"]], False),                        # equal within a batch
    ([["b", "a"], ["c"]], False),                           # falls, then rises at the boundary
    ([["a", "c", "b"]], False),                             # neither
    ([["a", None, "c"]], False),                            # a missing id proves nothing
    ([["c2", "c10"], ["c1"]], True),                        # text order: falls bytewise
    ([["c1", "c10", "c2"]], True),                          # ... and rises bytewise
    ([["Z", "a", "é"]], True),                              # UTF-8 bytes order
])
def test_strict_order_proves_distinct_only_for_a_strict_order(
        batches: list[list[str | None]], distinct: bool) -> None:
    assert _fed(*batches).proves_distinct is distinct


@pytest.fixture
def tiny_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Batches of three rows, so ids meet at batch boundaries; counts whole-table counts."""
    monkeypatch.setenv("BPO_ROOT", str(tmp_path / "root"))
    monkeypatch.setattr(parse_module, "_BATCH_ROWS", 3)
    counted: list[int] = []
    real = parse_module._raise_duplicates

    def counting(*args: object) -> None:
        counted.append(1)
        real(*args)

    monkeypatch.setattr(parse_module, "_raise_duplicates", counting)
    return counted


def _parse(tmp_path: Path, rows: list[str]) -> ParseResult:
    source, mapping = small_export(tmp_path, rows)
    return parse_export(source, read_mapping(mapping), tmp_path / "out" / "t.parquet")


def test_rising_ids_skip_the_whole_table_count(tmp_path: Path, tiny_batches: list[int]) -> None:
    result = _parse(tmp_path, [small_row(f"c{n:03d}") for n in range(1, 11)])
    assert (result.route, result.rows, tiny_batches) == ("typed", 10, [])


def test_falling_ids_skip_it_and_unordered_ones_pay_for_it(
        tmp_path: Path, tiny_batches: list[int]) -> None:
    _parse(tmp_path / "falling", [small_row(f"c{n:03d}") for n in range(10, 0, -1)])
    assert tiny_batches == []
    _parse(tmp_path / "unordered", [small_row(f"c{n:03d}") for n in (1, 3, 2, 4, 5)])
    assert tiny_batches == [1]


def test_a_repeat_at_a_batch_boundary_is_found_with_its_line(
        tmp_path: Path, tiny_batches: list[int]) -> None:
    # Lines 2-4 are the first batch, 5-7 the second: c003 ends one and starts the next.
    rows = [small_row(f"c{n:03d}") for n in (1, 2, 3, 3, 4, 5)]
    with pytest.raises(DataValidationError, match=r"calls\.csv: line 5, column 'interaction_id'"
                       r": value 'c003' is a duplicate id \(1 row\(s\) in all\)"):
        _parse(tmp_path, rows)
    assert not (tmp_path / "out" / "t.parquet").exists()


def test_an_excluded_row_breaks_no_order_and_counts_for_no_repeat(
        tmp_path: Path, tiny_batches: list[int]) -> None:
    # Excluded rows are not in the table: an internal call reusing an id, out of order, is
    # neither a duplicate nor a reason to count.
    rows = [small_row("c001"), small_row("c002"), small_row("c001", "Internal"),
            small_row("c003"), small_row("c004")]
    result = _parse(tmp_path, rows)
    assert (result.rows, result.excluded, tiny_batches) == (4, {"internal": 1}, [])
