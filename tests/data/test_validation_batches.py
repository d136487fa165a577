"""Client tables are validated on the engine: row-level rules as one compiled SQL query,
whole-table rules as one query each, never in batches.

A duplicate id far from its first row, and row-level problems far apart, must be found with
their total counts and export lines.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.data.client_exports import CANONICAL_SCHEMAS, CanonicalTable
from analysis.data.validation import runner
from analysis.data.validation.clients import ClientTable

ROWS = 1_000


def canonical(path: Path, edit: dict[int, dict[str, object]]) -> ClientTable:
    """A valid canonical interactions table of ``ROWS`` rows, with ``edit`` applied by row."""
    schema = CANONICAL_SCHEMAS["interactions"]
    start = pd.Timestamp("2025-01-06 08:00")
    frame = pd.DataFrame({
        "interaction_id": [f"c{i}" for i in range(1, ROWS + 1)],
        "channel": "voice", "queue": "Billing",
        "arrived_at": [start + pd.Timedelta(minutes=i) for i in range(ROWS)],
        "wait_seconds": 10.0, "outcome": "abandoned", "csat": 4.0, "csat_scale": 5,
    })
    for column in schema.columns:
        if column.name not in frame:
            frame[column.name] = pd.Series(None, index=frame.index, dtype=column.pandas_dtype)
    frame = frame[schema.names].astype({c.name: c.pandas_dtype for c in schema.columns})
    frame["answered_at"] = frame["arrived_at"]
    frame["ended_at"] = frame["arrived_at"] + pd.Timedelta(seconds=10)
    frame["source_line"] = range(3, ROWS + 3)  # a banner and a header before the rows
    for row, changes in edit.items():
        for column, value in changes.items():
            frame.loc[row - 1, column] = value
    frame.to_parquet(path, index=False)
    table = CanonicalTable("acme", "interactions", path, path, "x", ROWS)
    return ClientTable("acme", "clients/acme/calls.csv", table, path)


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BPO_ROOT", str(tmp_path))


def test_a_duplicate_id_far_apart_is_found(tmp_path: Path, small_batches: None) -> None:
    export = canonical(tmp_path / "t.parquet", {950: {"interaction_id": "c10"}})

    judged = runner._validate_tables({}, {}, [export])

    (found,) = judged.findings
    assert found.rule == "unique_id" and found.bad_rows == 2
    assert found.sample == ((10, "c10"), (950, "c10"))
    assert found.lines == (12, 952)
    assert judged.raw["acme/interactions"]["executor"] == "duckdb_sql"


def test_row_problems_far_apart_add_up_with_their_lines(
    tmp_path: Path, small_batches: None
) -> None:
    export = canonical(tmp_path / "t.parquet", {5: {"csat": 9.0}, 777: {"csat": 8.0},
                                                 420: {"wait_seconds": -1.0}})

    judged = runner._validate_tables({}, {}, [export])

    by_rule = {f.rule: f for f in judged.findings}
    assert set(by_rule) == {"csat_scale", "minimum"}
    assert by_rule["csat_scale"].bad_rows == 2
    assert [row for row, _ in by_rule["csat_scale"].sample] == [5, 777]
    assert by_rule["csat_scale"].lines == (7, 779)
    assert by_rule["minimum"].column == "wait_seconds" and by_rule["minimum"].lines == (422,)


def test_a_clean_table_passes(tmp_path: Path, small_batches: None) -> None:
    judged = runner._validate_tables({}, {}, [canonical(tmp_path / "t.parquet", {})])
    assert judged.findings == []
    assert {r["rule"] for r in judged.rows} >= {"unique_id", "has_rows", "not_null"}


def _padded(path: Path, edit: dict[int, dict[str, object]]) -> ClientTable:
    """The same table with ids that rise as text (c0001 ... c1000), ``edit`` applied after."""
    ids = {row: {"interaction_id": f"c{row:04d}"} for row in range(1, ROWS + 1)}
    for row, changes in edit.items():
        ids[row] = {**ids[row], **changes}
    return canonical(path, ids)


@pytest.mark.parametrize(("edit", "ordered", "repeated"), [
    ({}, True, ()),
    ({k: {"interaction_id": f"c{ROWS + 1 - k:04d}"} for k in range(1, ROWS + 1)}, True, ()),
    ({7: {"interaction_id": "c0006"}}, False, (6, 7)),      # a repeat inside a batch
    ({65: {"interaction_id": "c0064"}}, False, (64, 65)),   # where two batches meet (64 rows)
    ({500: {"interaction_id": "c9999"}}, False, ()),        # out of order, yet unique
])
def test_ids_in_strict_order_are_proved_unique_batch_by_batch(
        tmp_path: Path, small_batches: None, monkeypatch: pytest.MonkeyPatch,
        edit: dict[int, dict[str, object]], ordered: bool, repeated: tuple[int, ...]) -> None:
    import pyarrow.parquet as pq

    from analysis.data.validation import client_tables

    monkeypatch.setattr(client_tables, "_ORDER_BATCH", 64)
    export = _padded(tmp_path / "t.parquet", edit)
    assert client_tables._strictly_ordered(pq.ParquetFile(export.table.path),
                                           "interaction_id") is ordered
    judged = runner._validate_tables({}, {}, [export])
    repeats = [f for f in judged.findings if f.rule == "unique_id"]
    if not repeated:
        assert repeats == []
    else:
        (found,) = repeats
        assert found.bad_rows == 2 and [row for row, _ in found.sample] == list(repeated)
        assert found.lines == tuple(r + 2 for r in repeated)  # a banner and a header before
