"""engine: spark: the same mapping parsed on Spark gives the DuckDB path's canonical rows.

Golden tests against the DuckDB parse (the demo's three exports, a generated messy 200k-row
export through both engines with its KPIs), and the errors a bad export gets on Spark: file,
physical line (found by the second pass only when something failed), column, value and count.
Every test that takes ``spark`` shares one local session (tests/conftest.py).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analysis.data.client_exports import CANONICAL_SCHEMAS, read_mapping
from analysis.data.client_exports.mapping import export_file
from analysis.data.client_exports.parse import parse_export
from analysis.data.client_exports.spark_parse import (
    java_pattern,
    parse_export_spark,
    with_position,
)
from analysis.errors import ConfigError, DataValidationError
from analysis.research.kpis import aggregate_kpis, interaction_kpis, ticket_kpis

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "raw" / "clients" / "demo"
QUANTILE_RTOL = 1e-12
"""Exact quantiles on both engines interpolate the same two values; the arithmetic may differ in
the last bit (DuckDB ``quantile_cont`` vs Spark ``percentile``). ``percentile_approx`` would be
off by whole seconds."""


@pytest.fixture(autouse=True)
def _tmp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BPO_ROOT", str(tmp_path / "root"))


def _both(source: Path, mapping_path: Path, tmp_path: Path) -> tuple[Path, Path, tuple, tuple]:
    mapping = read_mapping(mapping_path)
    duck, spark_out = tmp_path / "duckdb.parquet", tmp_path / "spark.parquet"
    first = parse_export(source, mapping, duck)
    second = parse_export_spark(source, mapping, spark_out)
    return duck, spark_out, (first.rows, first.excluded), (second.rows, second.excluded)


def assert_same_canonical(duck: Path, spark_out: Path, kind: str) -> None:
    """Same column names and types; same rows in the same order on every canonical column."""
    described = [duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{p}')").fetchall()
                 for p in (duck, spark_out)]
    assert [c[:2] for c in described[0]] == [c[:2] for c in described[1]]
    names = CANONICAL_SCHEMAS[kind].names
    frames = [pd.read_parquet(p, columns=names) for p in (duck, spark_out)]
    pd.testing.assert_frame_equal(frames[0], frames[1], check_exact=True)
    ordered = [f.sort_values(names, kind="stable", ignore_index=True) for f in frames]
    pd.testing.assert_frame_equal(ordered[0], ordered[1], check_exact=True)
    assert pd.read_parquet(spark_out, columns=["source_line"])["source_line"].isna().all()


def assert_same_kpis(first: pd.DataFrame, second: pd.DataFrame) -> None:
    """Counts and means identical; quantile columns equal to ``QUANTILE_RTOL``."""
    assert list(first.columns) == list(second.columns)
    quantiles = [c for c in first.columns if "median" in c or "p90" in c]
    rest = [c for c in first.columns if c not in quantiles]
    pd.testing.assert_frame_equal(first[rest], second[rest], check_exact=True)
    pd.testing.assert_frame_equal(first[quantiles], second[quantiles], check_exact=False,
                                  rtol=QUANTILE_RTOL, atol=0)


def test_strftime_patterns_become_spark_patterns():
    assert java_pattern("%d/%m/%Y %H:%M:%S") == "d/M/yyyy H:m:s"
    assert java_pattern("%y%m%d %H:%M") == "yyMMdd H:m"  # back to back: fixed width
    assert java_pattern("%Y-%m-%dT%H:%M") == "yyyy-M-d'T'H:m"
    with pytest.raises(ConfigError, match="'%Z'"):
        java_pattern("%d %Z")


@pytest.mark.parametrize("name,kind", [("interactions", "interactions"),
                                       ("intervals", "interval_aggregates"),
                                       ("tickets", "ticket_events")])
def test_demo_exports_parse_identically(spark, tmp_path, name, kind):
    mapping_path = DEMO / f"{name}.yaml"
    source = export_file(read_mapping(mapping_path), mapping_path)
    duck, spark_out, first, second = _both(source, mapping_path, tmp_path)
    assert first == second
    assert_same_canonical(duck, spark_out, kind)
    # The KPIs the notebooks show, computed by each engine on its own table.
    kpis = {"interactions": interaction_kpis, "interval_aggregates": aggregate_kpis,
            "ticket_events": ticket_kpis}[kind]
    for by in [(), ("day", "queue")]:
        assert_same_kpis(kpis(duck, by=by), kpis(spark_out, by=by, engine="spark"))


def _bench_module():
    spec = importlib.util.spec_from_file_location("bench_exports",
                                                  ROOT / "bench" / "bench_exports.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_messy_200k_export_same_rows_and_kpis_on_both_engines(spark, tmp_path, monkeypatch):
    """The benchmark's generator (banner, ``;``, day-first dates, H:MM:SS, ``?``, a test queue
    the mapping excludes): identical canonical rows and KPIs on both engines."""
    bench = _bench_module()
    cached = bench.CACHE / "calls_200000.csv"
    if not cached.is_file():  # a fresh clone: generate it (deterministic) in tmp, not bench/
        monkeypatch.setattr(bench, "CACHE", tmp_path / "cache")
    export = bench.generate(200_000)
    mapping_path = tmp_path / "interactions.yaml"
    mapping_path.write_text(bench.MAPPING, encoding="utf-8")
    duck, spark_out, first, second = _both(export, mapping_path, tmp_path)
    assert first == second and first[0] > 190_000 and first[1]["internal test queue"] > 0
    assert_same_canonical(duck, spark_out, "interactions")
    for by in [("day", "queue"), ("interval",), ("time_of_day", "channel"), ("week",)]:
        assert_same_kpis(interaction_kpis(duck, by=by),
                         interaction_kpis(spark_out, by=by, engine="spark"))


HEADER = "Call ID;Date;Time;Queue;Wait;Talk;Result;Resolved;CSAT"
MAPPING = """\
kind: interactions
file: calls.csv
delimiter: ";"
header_offset: 1
missing: ["?", ""]
exclude:
  - {column: Queue, values: [QA Test], reason: test queue}
columns:
  interaction_id: Call ID
  arrived_at: {source: [Date, Time], format: "%d/%m/%Y %H:%M:%S"}
  queue: Queue
  wait_seconds: {source: Wait, format: hms}
  talk_seconds: {source: Talk, format: hms}
  outcome: {source: Result, values: {ANS: answered, ABN: abandoned}}
  resolved: Resolved
  csat: CSAT
constants: {channel: voice, csat_scale: 5}
"""
GOOD = [
    "c1;05/02/2025;08:01:10;Billing;0:00:12;0:04:00;ANS;1;5",
    "c2;05/02/2025;08:02:00;Billing;0:01:30;?;ABN;?;?",
    "c3;13/02/2025;09:00:00;QA Test;junk;junk;XXX;?;?",
    "c4;13/02/2025;09:00:00;Sales;0:00:03;0:02:00;ANS;0;4",
]


def _export(folder: Path, rows: list[str], *, bom: bool = False) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    text = "EXPORTED 2025-02-14;;;;\n" + HEADER + "\n" + "\n".join(rows) + "\n"
    (folder / "calls.csv").write_bytes(("\ufeff" if bom else "").encode() + text.encode())
    (folder / "m.yaml").write_text(MAPPING, encoding="utf-8")
    return folder / "calls.csv", folder / "m.yaml"


def test_preamble_bom_blank_lines_and_row_filters(spark, tmp_path):
    source, mapping_path = _export(tmp_path / "x", [*GOOD[:2], "", *GOOD[2:]], bom=True)
    duck, spark_out, first, second = _both(source, mapping_path, tmp_path)
    assert first == second == (3, {"test queue": 1})
    assert_same_canonical(duck, spark_out, "interactions")


@pytest.mark.parametrize("rows,expected", [
    ([*GOOD, "c5;14/02/2025;10:00:00;Sales;0:0x:46;?;ABN;?;?",
      "c6;14/02/2025;10:00:00;Sales;0:0y:46;?;ABN;?;?"],
     r"calls.csv: line 7, column 'Wait' \(→ wait_seconds\): value '0:0x:46' is not a H:MM:SS "
     r"duration \(2 row\(s\) in all\)"),
    ([*GOOD, "c5;31/02/2025;10:00:00;Sales;0:00:01;?;ABN;?;?"],
     r"line 7, column 'Date\+Time' \(→ arrived_at\): value '31/02/2025 10:00:00' is not a "
     r"timestamp"),
    ([*GOOD, "c5;14/02/2025;10:00:00;Sales;0:00:01;?;HUNG;?;?"],
     r"line 7, column 'Result' \(→ outcome\): value 'HUNG' is not one of the mapped values"),
    ([*GOOD, "c1;14/02/2025;10:00:00;Sales;0:00:01;?;ABN;?;?"],
     r"line 7, column 'interaction_id': value 'c1' is a duplicate id \(1 row\(s\) in all\)"),
    # What DuckDB's casts accept but the rule does not: refused on both engines (P3-T03/T04).
    ([*GOOD, "c5;14/02/2025;10:00:00;Sales;0:00:01;0:01:00;ANS;1;0_5"],
     r"line 7, column 'CSAT' \(→ csat\): value '0_5' is not a number"),
    ([*GOOD, "c5;14/02/25;10:00:00;Sales;0:00:01;?;ABN;?;?"],
     r"line 7, column 'Date\+Time' \(→ arrived_at\): value '14/02/25 10:00:00' is not a "
     r"timestamp"),
    ([*GOOD, "c5;14/02/2025;10:00:00;Sales;0:00:01;0:01:00;ANS;1;9"],
     r"line 7, column 'csat': value '9' is above the CSAT scale maximum"),
    # NaN and infinity parse as doubles on Spark too: refused as on DuckDB (P7-A05/A34).
    ([*GOOD, "c5;14/02/2025;10:00:00;Sales;0:00:01;0:01:00;ANS;1;nan"],
     r"line 7, column 'CSAT' \(→ csat\): value 'nan' is not a finite number"),
    ([*GOOD, "c5;14/02/2025;10:00:00;Sales;0:00:01;0:01:00;ANS;1;1e400"],
     r"line 7, column 'CSAT' \(→ csat\): value '1e400' is not a finite number"),
    # One contact cannot talk for 800 hours (P8-A13): the schema's bound, on both engines.
    ([*GOOD, "c5;14/02/2025;10:00:00;Sales;0:00:01;800:00:00;ANS;1;4"],
     r"line 7, column '(talk|handle)_seconds': value '800:00:00' is above the maximum 86400 "
     r"\(24 hours"),
    ([*GOOD[:2], "c9;14/02/2025;10:00:00;Sales;0:00:01;?;ABN;?;?;EXTRA", *GOOD[2:]],
     r"calls.csv: line 5: malformed line, not the header's 9 fields \(1 malformed line\(s\) in "
     r"all, at lines 5\)"),
])
def test_bad_export_names_file_line_column_value_and_count(spark, tmp_path, rows, expected):
    source, mapping_path = _export(tmp_path / "bad", rows)
    out = tmp_path / "out.parquet"
    with pytest.raises(DataValidationError, match=expected):
        parse_export_spark(source, read_mapping(mapping_path), out)
    assert not out.exists()
    assert not list(out.parent.glob(".out*"))  # no partial file left behind


def test_excel_and_unsupported_encodings_are_refused_with_the_way_out(tmp_path):
    mapping = read_mapping(_export(tmp_path / "x", GOOD)[1])
    with pytest.raises(ConfigError, match="engine spark reads delimited text"):
        parse_export_spark(tmp_path / "a.xlsx", mapping.model_copy(update={"file": "a.xlsx"}),
                           tmp_path / "o.parquet")
    with pytest.raises(ConfigError, match="encoding 'utf-16' is not read on engine spark"):
        parse_export_spark(tmp_path / "x" / "calls.csv",
                           mapping.model_copy(update={"encoding": "utf-16"}),
                           tmp_path / "o.parquet")


def test_a_uri_export_is_read_by_spark_as_is_and_cached_on_the_mapping(spark, tmp_path,
                                                                        monkeypatch):
    """A lake URI (s3a://, hdfs://): no containment rule, no hash of the bytes, parsed on Spark
    whatever the engine asked, then cached. No lake is reachable here, so this test alone
    admits ``file:`` as a lake scheme (a mapping may never name one: P3-S01)."""
    from analysis.data.client_exports import load_export, spark_parse
    from analysis.data.client_exports import mapping as mapping_module

    lake_schemes = (*mapping_module.REMOTE_SCHEMES, "file:/")
    monkeypatch.setattr(mapping_module, "REMOTE_SCHEMES", lake_schemes)
    monkeypatch.setattr(spark_parse, "URI_SCHEMES", lake_schemes)

    lake = tmp_path / "lake"
    source, _ = _export(lake, GOOD)
    folder = tmp_path / "root" / "data" / "raw" / "clients" / "acme"
    folder.mkdir(parents=True)
    mapping_path = folder / "calls.yaml"
    mapping_path.write_text(MAPPING.replace("file: calls.csv", f"file: {source.as_uri()}"),
                            encoding="utf-8")
    table = load_export(mapping_path)
    assert (table.rows, table.excluded) == (3, {"test queue": 1})
    assert list(table.to_pandas()["interaction_id"]) == ["c1", "c2", "c4"]
    source.unlink()  # the cached table is used: the lake is not read again
    assert load_export(mapping_path).rows == 3


def test_an_s3a_export_without_the_hadoop_aws_jar_is_one_line_with_the_way_out(spark,
                                                                               tmp_path):
    """P3-S10: the README's s3a:// example gave a Py4J ClassNotFoundException traceback."""
    mapping = read_mapping(_export(tmp_path / "x", GOOD)[1])
    source = "s3a://no-such-bucket-bpo/calls/calls.csv"
    with pytest.raises(ConfigError) as error:
        parse_export_spark(source, mapping, tmp_path / "out.parquet")
    message = str(error.value)
    assert message.startswith(f"{source}: Spark has no file system for 's3a://' ("), message
    assert "org.apache.hadoop:hadoop-aws:" in message and "spark.jars.packages" in message
    assert "\n" not in message and len(message) < 700


def test_a_cut_off_gzip_export_is_one_line_on_spark(spark, tmp_path):
    """P6-D04: a .gz cut off part-way was a Py4J traceback (EOFException) with exit 1."""
    import gzip

    source, mapping_path = _export(tmp_path / "gz", GOOD * 2000)
    data = gzip.compress(source.read_bytes())
    cut = source.with_name("calls.csv.gz")
    cut.write_bytes(data[: int(len(data) * 0.6)])
    mapping = read_mapping(mapping_path).model_copy(update={"file": "calls.csv.gz"})
    out = tmp_path / "out.parquet"
    with pytest.raises(DataValidationError, match=r"calls.csv.gz: cannot be read on Spark: .*"):
        parse_export_spark(cut, mapping, out)
    assert not out.exists()


def test_a_table_written_on_another_machine_is_said_as_such(spark, tmp_path, monkeypatch):
    """On a cluster (or a remote Connect server) the last write runs on an executor: a local
    ``data/processed`` there is another machine's disk. Simulated by sending the write of the
    canonical table elsewhere: one line on what to do, not "Spark wrote 0 files"."""
    from pyspark.sql.readwriter import DataFrameWriter

    source, mapping_path = _export(tmp_path / "far", GOOD)
    real = DataFrameWriter.parquet
    elsewhere = tmp_path / "executor-disk"

    def on_an_executor(self, path, *args, **kwargs):
        if ".spark-" in str(path):  # the canonical table's partial folder under out's parent
            path = str(elsewhere / Path(path).name)
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(DataFrameWriter, "parquet", on_an_executor)
    out = tmp_path / "processed" / "out.parquet"
    with pytest.raises(ConfigError, match=r"engine: spark wrote the canonical table of .*calls"
                       r"\.csv on the machine its executors run on \(.*\), not here: .*processed "
                       r"must be a folder this machine and every executor share"):
        parse_export_spark(source, read_mapping(mapping_path), out)
    assert not out.exists() and any(elsewhere.iterdir())


def test_positions_count_on_across_partitions_in_order(spark, tmp_path):
    """``with_position`` (the second pass's line numbers, RDD-free for Spark Connect) numbers
    rows 1..n in the frame's order however many partitions hold them."""
    ranged = with_position(spark, spark.range(0, 1000, 1, 7), "_line").collect()
    assert sorted((r["id"] + 1, r["_line"]) for r in ranged) == [(n, n) for n in range(1, 1001)]
    text = tmp_path / "lines.txt"
    text.write_text("".join(f"line {n:05d}\n" for n in range(1, 5001)), encoding="utf-8")
    before = spark.conf.get("spark.sql.files.maxPartitionBytes")
    spark.conf.set("spark.sql.files.maxPartitionBytes", "4096")  # about ten splits
    try:
        frame = spark.read.text(str(text))
        assert frame.rdd.getNumPartitions() > 5
        numbered = with_position(spark, frame, "_line").collect()
    finally:
        spark.conf.set("spark.sql.files.maxPartitionBytes", before)
    assert sorted((int(r["value"].split()[1]), r["_line"]) for r in numbered) == [
        (n, n) for n in range(1, 5001)]


def test_a_lone_carriage_return_is_named_by_its_line_on_spark(spark, tmp_path, monkeypatch):
    """P8-A22 on Spark: its line reader ends a line at a CR alone, so a CR inside a value split
    line 5 into two malformed lines ("at lines 5, 6"). The refusal names the CR by the line an
    editor shows (counted by LF), for a local file (raw scan) and a lake URI (Spark reads it
    again split at LF alone); a CRLF lake file with a malformed line is not blamed on CR. An
    old-Mac (CR-only) local file gets DuckDB's wording (P7-A14): both read its header alike."""
    from analysis.data.client_exports import mapping as mapping_module
    from analysis.data.client_exports import spark_parse
    from analysis.data.client_exports.parse import parse_export as parse_on_duckdb

    lone = [*GOOD[:2], "c9;14/02/2025;10:00:00;Bill\ring;0:00:01;?;ABN;?;?", *GOOD[2:]]
    source, mapping_path = _export(tmp_path / "lone", lone)
    mapping, out = read_mapping(mapping_path), tmp_path / "out.parquet"
    says = (r"calls.csv: line 5: a carriage return \(CR\) that is not followed by a line feed: "
            r"Spark ends a line at a CR alone")
    with pytest.raises(DataValidationError, match=says):
        parse_export_spark(source, mapping, out)
    with pytest.raises(DataValidationError, match=r"calls.csv: line 5: a carriage return \(CR\)"
                       r" that is not followed by a line feed: a CR inside a value"):
        parse_on_duckdb(source, mapping, out)  # the same line on the DuckDB route

    lake_schemes = (*mapping_module.REMOTE_SCHEMES, "file:/")  # as the URI test above
    monkeypatch.setattr(mapping_module, "REMOTE_SCHEMES", lake_schemes)
    monkeypatch.setattr(spark_parse, "URI_SCHEMES", lake_schemes)
    with pytest.raises(DataValidationError, match=says):
        parse_export_spark(source.as_uri(), mapping, out)
    crlf, _ = _export(tmp_path / "crlf", [*GOOD[:3], "c9;x", GOOD[3]])
    crlf.write_bytes(crlf.read_bytes().replace(b"\n", b"\r\n"))
    with pytest.raises(DataValidationError, match=r"line 6: malformed line, not the header's 9 "
                       r"fields \(1 malformed line\(s\) in all, at lines 6\)"):
        parse_export_spark(crlf.as_uri(), mapping, out)

    cr_only, _ = _export(tmp_path / "cr", GOOD)
    cr_only.write_bytes(cr_only.read_bytes().replace(b"\n", b"\r"))
    for parse in (parse_export_spark, parse_on_duckdb):
        with pytest.raises(DataValidationError, match=r"calls.csv: line 1: the file's lines end "
                           r"with a carriage return only \(CR, old Mac style\), not LF or CRLF: "
                           r"save it with LF or CRLF line ends$"):
            parse(cr_only, mapping, out)
    assert not out.exists()
