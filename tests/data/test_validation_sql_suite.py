"""One definition, two executors: the client suite on Great Expectations and compiled to SQL.

The GX suite is the definition of the row-level rules; ``sql_suite`` compiles it to one DuckDB
query. Here both run on the same canonical tables with injected faults and must report the
same unexpected count, and the same first rows, for every expectation; an expectation type the
compiler does not know is refused, not skipped.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from analysis.data.client_exports import CANONICAL_SCHEMAS
from analysis.data.validation._gx import ephemeral_context, gxe
from analysis.data.validation.client_suites import build_suite, prepare
from analysis.data.validation.clients import ARROW_TO_PANDAS
from analysis.data.validation.sql_suite import UnsupportedExpectation, run_suite

ROWS = 400


def _table(path: Path, kind: str, base: dict[str, object],
           faults: dict[int, dict[str, object]]) -> pd.DataFrame:
    schema = CANONICAL_SCHEMAS[kind]
    frame = pd.DataFrame({name: [value] * ROWS for name, value in base.items()})
    for column in schema.columns:
        if column.name not in frame:
            frame[column.name] = pd.Series(None, index=frame.index, dtype=column.pandas_dtype)
    frame = frame[schema.names].astype({c.name: c.pandas_dtype for c in schema.columns})
    for row, changes in faults.items():
        for column, value in changes.items():
            frame.loc[row - 1, column] = value
    frame["source_line"] = range(3, ROWS + 3)
    frame.to_parquet(path, index=False)
    return frame


def _gx_counts(kind: str, path: Path, expectations: list) -> dict[tuple, tuple[int, list]]:
    schema = CANONICAL_SCHEMAS[kind]
    table = pq.read_table(path).drop(["source_line"]).to_pandas(types_mapper=ARROW_TO_PANDAS.get)
    frame = prepare(schema, table)
    source = ephemeral_context().data_sources.add_pandas("p")
    batch = source.add_dataframe_asset(name="t").add_batch_definition_whole_dataframe(
        "all").get_batch(batch_parameters={"dataframe": frame})
    import great_expectations as gx

    suite = gx.ExpectationSuite(name="s", expectations=expectations)
    result = batch.validate(suite, result_format={"result_format": "SUMMARY",
                                                  "partial_unexpected_count": 20})
    return {_key(r.expectation_config): (
        (r.result or {}).get("unexpected_count"),
        [i["row"] if isinstance(i, dict) else i
         for i in (r.result or {}).get("partial_unexpected_index_list") or []],
        bool(r.success)) for r in result.results}


def _sql_counts(kind: str, path: Path, expectations: list) -> dict[tuple, tuple[int, list]]:
    results, _lines = run_suite(path, CANONICAL_SCHEMAS[kind], expectations)
    return {_key(r.expectation_config): (r.result.get("unexpected_count"),
                                         r.result.get("partial_unexpected_index_list") or [],
                                         r.success) for r in results}


def _key(config: object) -> tuple:
    kw = config.kwargs
    return (config.type, kw.get("column") or (kw.get("column_A"), kw.get("column_B")))


def _suite(kind: str, path: Path) -> list:
    schema = CANONICAL_SCHEMAS[kind]
    empty = pq.read_schema(path).empty_table().drop(["source_line"]).to_pandas(
        types_mapper=ARROW_TO_PANDAS.get)
    return build_suite(schema, kind, prepare(schema, empty)).expectations


def test_interactions_suite_counts_the_same_on_gx_and_in_sql(tmp_path: Path) -> None:
    start = pd.Timestamp("2025-01-06 08:00")
    path = tmp_path / "t.parquet"
    _table(path, "interactions", {
        "interaction_id": "c", "channel": "voice", "queue": "Billing", "arrived_at": start,
        "answered_at": start + pd.Timedelta(seconds=10), "ended_at": start + pd.Timedelta(
            minutes=5), "wait_seconds": 10.0, "handle_seconds": 290.0, "talk_seconds": 200.0,
        "outcome": "answered", "csat": 4.0, "csat_scale": 5}, {
        3: {"queue": None}, 40: {"queue": None},                      # not null
        5: {"channel": "fax"}, 6: {"outcome": "hung up"},             # in set
        7: {"wait_seconds": -1.0}, 8: {"csat": -2.0}, 9: {"csat_scale": 0},  # between
        10: {"answered_at": start - pd.Timedelta(seconds=5)},         # answered before arrival
        11: {"ended_at": start + pd.Timedelta(seconds=2)},            # ended before answer
        12: {"csat": 9.0}, 399: {"csat": 7.0},                        # above its scale
        13: {"csat_scale": None},                                     # score without scale
        14: {"interaction_id": "x-14"}, 15: {"talk_seconds": 400.0},  # regex, pair (added)
        16: {"arrived_at": pd.Timestamp("0001-06-01 07:04:28")},       # before 1990 (P5-T12)
        17: {"ended_at": pd.Timestamp("2999-01-01")},                  # in the future
    })
    expectations = [*_suite("interactions", path),
                    gxe.ExpectColumnValuesToMatchRegex(column="interaction_id", regex=r"^c$"),
                    gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                        column_A="handle_seconds", column_B="talk_seconds", or_equal=True)]

    on_gx = _gx_counts("interactions", path, expectations)
    in_sql = _sql_counts("interactions", path, expectations)

    assert in_sql == on_gx
    failing = {key: count for key, (count, _rows, ok) in in_sql.items() if not ok}
    # Every injected fault is seen, so the equality above is not two zeros agreeing.
    assert failing[("expect_column_values_to_not_be_null", "queue")] == 2, failing
    # rows 12 and 399, and row 9 whose scale is 0
    assert failing[("expect_column_values_to_be_null", "_check__csat_scale")] == 3
    assert failing[("expect_column_values_to_be_null", "_check__plausible_arrived_at")] == 1
    assert failing[("expect_column_values_to_be_null", "_check__plausible_ended_at")] == 1
    assert len(failing) == 14, sorted(failing)


def test_interval_suite_counts_the_same_on_gx_and_in_sql(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    _table(path, "interval_aggregates", {
        "interval_start": pd.Timestamp("2025-01-06 08:00"), "interval_minutes": 30,
        "queue": "Billing", "channel": "chat", "offered": 10, "answered": 8, "abandoned": 2,
        "short_abandoned": 1, "answered_within_sl": 6, "service_level_pct": 75.0}, {
        2: {"abandoned": 11}, 3: {"answered": 12}, 4: {"short_abandoned": 3},
        5: {"answered_within_sl": 9}, 6: {"service_level_pct": 101.0},
        7: {"interval_minutes": 0}, 8: {"channel": None},
    })
    expectations = _suite("interval_aggregates", path)

    in_sql = _sql_counts("interval_aggregates", path, expectations)

    assert in_sql == _gx_counts("interval_aggregates", path, expectations)
    assert sum(not ok for _count, _rows, ok in in_sql.values()) >= 8


def test_an_expectation_the_compiler_does_not_know_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    _table(path, "interval_aggregates", {"queue": "Billing"}, {})
    unknown = gxe.ExpectColumnValueLengthsToBeBetween(column="queue", min_value=1,
                                                      meta={"rule": "short", "column": "queue"})

    with pytest.raises(UnsupportedExpectation, match="rule 'short' on 'queue': expectation type "
                       "'expect_column_value_lengths_to_be_between' has no SQL compilation"):
        run_suite(path, CANONICAL_SCHEMAS["interval_aggregates"], [unknown])
    with pytest.raises(UnsupportedExpectation, match="'mostly'"):
        run_suite(path, CANONICAL_SCHEMAS["interval_aggregates"],
                  [gxe.ExpectColumnValuesToNotBeNull(column="queue", mostly=0.9)])
