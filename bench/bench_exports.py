"""Benchmark: a client export end to end (parse -> validate -> KPIs) on the DuckDB path.

    .venv/bin/python bench/bench_exports.py [--rows 10000000] [--large-rows 100000000]
                                            [--baseline-rows 2000000]

Generates contact-centre exports in the demo's messy format (banner line, ``;``, day-first
dates, ``H:MM:SS`` durations, ``?`` for missing, outcome codes, a test queue the mapping
excludes) once per size, cached in ``bench/.cache/`` (git-ignored). Then, each in its own fresh
subprocess so peak memory (max RSS of that process) is its own:

(a) baseline: pandas ``read_csv(dtype=str)`` with vectorised parsing and ``to_parquet`` (the
    route the loader used before it parsed in DuckDB) on ``--baseline-rows``;
(b) the project's path on ``--rows`` and ``--large-rows``: ``parse_export`` alone (the typed
    one-pass route; the route taken is printed), then end to end ``validate_clients`` (hash,
    parse, the GX suite compiled to one DuckDB query, whole-table checks) and
    ``interaction_kpis`` by day x queue;
(c) ``--spark-rows N`` (its own stage; ``--spark-only`` skips (a) and (b)): Spark local[2] end
    to end on the same export (``parse_export_spark``, the GX suite on GX's Spark source,
    ``interaction_kpis(engine="spark")`` by day x queue), against the DuckDB path's parse and
    KPIs measured in the same run; peak RSS is that of the whole process tree (the JVM too),
    sampled every 0.2 s.

Prints rows/s and peak RSS of each and the ratios against the baseline of the same run.
Targets (2 cores): end to end >= 500,000 rows/s on 10M rows, parse alone >= 1,000,000 rows/s,
peak RSS <= 1 GB at 10M and 100M rows.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from analysis.data.client_exports.demo import INTERACTIONS_MAPPING

CACHE = Path(__file__).resolve().parent / ".cache" / "exports"
CLIENT = "bench"
# The demo's own mapping, pointed at the benchmark export, plus a row filter (one mapping
# format, written once: analysis.data.client_exports.demo).
MAPPING = (
    INTERACTIONS_MAPPING
    .replace("client: demo", f"client: {CLIENT}")
    .replace("file: EXAMPLE_synthetic_interactions.csv.gz", "file: calls.csv")
    .replace("columns:\n", "exclude:\n  - {column: Queue, values: [QA Test], "
             "reason: internal test queue}\ncolumns:\n", 1)
)
HEADER = "Call ID;Start Date;Start Time;Queue;Media;Agent;Wait;Talk;Hold;ACW;Result;FCR;CSAT"


def _hms(seconds: str) -> str:
    return (f"printf('%d:%02d:%02d', ({seconds}) // 3600, (({seconds}) % 3600) // 60, "
            f"({seconds}) % 60)")


def generate(rows: int) -> Path:
    """The cached export of ``rows`` contacts (written once, by DuckDB, then a banner added)."""
    import duckdb

    path = CACHE / f"calls_{rows}.csv"
    if path.is_file():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    body = path.with_suffix(".body")
    answered = "(h1 % 100) < 88"
    sql = f"""
    COPY (
      SELECT 'B' || lpad(CAST(i AS VARCHAR), 10, '0') AS "Call ID",
        strftime(ts, '%d/%m/%Y') AS d, strftime(ts, '%H:%M:%S') AS t,
        queue, CASE WHEN queue = 'Web Chat' THEN 'Chat' ELSE 'Voice' END AS media,
        CASE WHEN {answered} THEN 'AG' || lpad(CAST(h2 % 500 AS VARCHAR), 3, '0') ELSE '' END,
        {_hms('h2 % 240')},
        CASE WHEN {answered} THEN {_hms('45 + h1 % 900')} ELSE '?' END,
        CASE WHEN {answered} THEN {_hms('(h2 % 7) * (h2 % 5) * 3')} ELSE '?' END,
        CASE WHEN {answered} AND h2 % 100 <> 0 THEN {_hms('h1 % 180')} ELSE '?' END,
        CASE WHEN {answered} THEN 'ANS' WHEN (h1 % 100) < 96 THEN 'ABN' ELSE 'SAB' END,
        CASE WHEN {answered} THEN (CASE WHEN h2 % 10 < 7 THEN 'Y' ELSE 'N' END) ELSE '?' END,
        CASE WHEN {answered} AND h2 % 4 = 0 THEN CAST(1 + h1 % 5 AS VARCHAR) ELSE '?' END
      FROM (
        SELECT i, h1, h2,
          TIMESTAMP '2025-01-01 07:00:00' + to_days(CAST(h1 % 365 AS INTEGER))
            + to_seconds(CAST(h2 % 50400 AS BIGINT)) AS ts,
          CASE WHEN h2 % 1000 = 7 THEN 'QA Test'
               ELSE ['Billing', 'Tech Support', 'Sales', 'Retention', 'Web Chat'][
                      CAST(1 + (h1 // 7) % 5 AS INTEGER)] END AS queue
        FROM (SELECT range AS i, hash(range) AS h1, hash(range * 7919 + 13) AS h2
              FROM range(1, {rows + 1})))
    ) TO '{body}' (FORMAT csv, DELIMITER ';', QUOTE '', HEADER false)
    """
    with duckdb.connect() as con:
        con.execute("SET preserve_insertion_order = true")
        con.execute(sql)
    with open(path.with_suffix(".tmp"), "wb") as out, open(body, "rb") as rest:
        out.write(b"SYNTHETIC BENCHMARK EXPORT - bench/bench_exports.py - not a real client\n")
        out.write(HEADER.encode() + b"\n")
        shutil.copyfileobj(rest, out, 1 << 24)
    body.unlink()
    path.with_suffix(".tmp").replace(path)
    print(f"generated {rows:,} rows in {time.perf_counter() - started:.1f} s: {path} "
          f"({path.stat().st_size / 1e9:.2f} GB)", flush=True)
    return path


def _project(rows: int, export: Path) -> Path:
    """A throwaway project root whose only client is the benchmark export (hard-linked: a
    symlink out of the client folder is refused by the export containment rule, and a copy of
    a 9 GB file would cost minutes)."""
    root = CACHE / f"root_{rows}"
    shutil.rmtree(root, ignore_errors=True)
    folder = root / "data" / "raw" / "clients" / CLIENT
    folder.mkdir(parents=True)
    os.link(export, folder / "calls.csv")
    (folder / "interactions.yaml").write_text(MAPPING, encoding="utf-8")
    return root


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _cpu_s() -> float:
    """CPU seconds of this process, every thread (DuckDB's included): robust to a busy box."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child_pandas(export: Path) -> dict:
    """The baseline: pandas reads every cell as text, parses vectorised, writes Parquet."""
    import pandas as pd

    started, cpu = time.perf_counter(), _cpu_s()
    raw = pd.read_csv(export, sep=";", skiprows=1, dtype=str, keep_default_na=False)
    raw = raw[raw["Queue"] != "QA Test"]

    def missing(col: str) -> pd.Series:
        text = raw[col].str.strip()
        return text.where(~text.isin(["?", ""]))

    def hms(col: str) -> pd.Series:
        parts = missing(col).str.extract(r"^(\d+):([0-5]\d):([0-5]\d)$").astype("float64")
        return parts[0] * 3600 + parts[1] * 60 + parts[2]

    out = pd.DataFrame({
        "interaction_id": raw["Call ID"],
        "arrived_at": pd.to_datetime(raw["Start Date"] + " " + raw["Start Time"],
                                     format="%d/%m/%Y %H:%M:%S"),
        "queue": raw["Queue"],
        "channel": raw["Media"].map({"Voice": "voice", "Chat": "chat"}),
        "agent_id": missing("Agent"),
        "wait_seconds": hms("Wait"), "talk_seconds": hms("Talk"),
        "hold_seconds": hms("Hold"), "wrap_seconds": hms("ACW"),
        "outcome": raw["Result"].map({"ANS": "answered", "ABN": "abandoned",
                                      "SAB": "short_abandon"}),
        "resolved": missing("FCR").map({"Y": True, "N": False}),
        "csat": pd.to_numeric(missing("CSAT")),
    })
    target = CACHE / "baseline.parquet"
    out.to_parquet(target, compression="zstd")
    seconds = time.perf_counter() - started
    target.unlink()
    return {"seconds": seconds, "cpu_s": _cpu_s() - cpu, "rows": len(out), "peak_mb": _peak_mb()}


def child_project(rows: int, export: Path, parse_only: bool = False,
                  end_to_end_only: bool = False) -> dict:
    """Parse alone, then end to end (validate_clients parses again from scratch, then KPIs).

    ``end_to_end_only`` skips the parse-alone measurement (it doubles a 100M-row run)."""
    root = _project(rows, export)
    os.environ["BPO_ROOT"] = str(root)
    from analysis import paths
    from analysis.data.client_exports.mapping import read_mapping
    from analysis.data.client_exports.parse import parse_export
    from analysis.data.validation import validate_clients
    from analysis.research.kpis import interaction_kpis

    mapping_path = paths.raw_dir() / "clients" / CLIENT / "interactions.yaml"
    mapping = read_mapping(mapping_path)
    parse_s = parse_cpu = float("nan")
    parsed = None
    if not end_to_end_only:
        started, cpu = time.perf_counter(), _cpu_s()
        parsed = parse_export(export, mapping, CACHE / f"parse_only_{rows}.parquet")
        parse_s, parse_cpu = time.perf_counter() - started, _cpu_s() - cpu
        (CACHE / f"parse_only_{rows}.parquet").unlink()
    if parse_only:
        return {"rows": parsed.rows, "excluded": parsed.excluded, "parse_s": parse_s,
                "parse_cpu": parse_cpu, "route": parsed.route, "peak_mb": _peak_mb()}

    started, cpu = time.perf_counter(), _cpu_s()
    report = validate_clients([CLIENT])
    validated_s = time.perf_counter() - started
    if not report.success:
        raise SystemExit("benchmark export failed validation: " + "; ".join(report.summary_lines))
    from analysis.data.client_exports import load_export

    table = load_export(mapping_path)  # cached now: what a report's kernel does
    kpis = interaction_kpis(table, by=["day", "queue"])
    total_s, total_cpu = time.perf_counter() - started, _cpu_s() - cpu
    return {"rows": table.rows, "excluded": table.excluded, "parse_s": parse_s,
            "parse_cpu": parse_cpu, "route": parsed.route if parsed else "not measured",
            "total_cpu": total_cpu,
            "validate_s": validated_s, "kpi_s": total_s - validated_s, "total_s": total_s,
            "groups": len(kpis), "offered": int(kpis["offered"].sum()), "peak_mb": _peak_mb()}


class _TreeRss:
    """Peak RSS of this process and all its children (Spark's JVM), sampled every 0.2 s."""

    def __init__(self) -> None:
        import threading

        import psutil

        self.peak = 0
        self._me = psutil.Process()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        import psutil

        while not self._stop.is_set():
            total = 0
            for proc in [self._me, *self._me.children(recursive=True)]:
                try:
                    total += proc.memory_info().rss
                except psutil.Error:
                    continue
            self.peak = max(self.peak, total)
            self._stop.wait(0.2)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak / 1e6


def child_engine(engine: str, rows: int, export: Path) -> dict:
    """Stage (c): one engine end to end on the export: parse, validate (Spark), KPIs."""
    sampler = _TreeRss()
    root = CACHE / f"root_c_{engine}_{rows}"
    shutil.rmtree(root, ignore_errors=True)
    os.environ["BPO_ROOT"] = str(root)
    mapping_path = root / "interactions.yaml"
    root.mkdir(parents=True)
    mapping_path.write_text(MAPPING, encoding="utf-8")
    from analysis.data.client_exports.mapping import read_mapping
    from analysis.research.kpis import interaction_kpis

    mapping = read_mapping(mapping_path)
    out = root / "canonical.parquet"
    timings = {}
    started = time.perf_counter()
    if engine == "spark":
        from analysis.data.client_exports.schema import CANONICAL_SCHEMAS
        from analysis.data.client_exports.spark_parse import parse_export_spark
        from analysis.data.spark_session import spark_session
        from analysis.data.validation.runner import _outcome
        from analysis.data.validation.spark_tables import judge_spark_table

        spark_session()
        timings["session_s"] = time.perf_counter() - started
        mark = time.perf_counter()
        parsed = parse_export_spark(export, mapping, out)
        timings["parse_s"] = time.perf_counter() - mark
        mark = time.perf_counter()
        _rows, findings = judge_spark_table(str(out), CANONICAL_SCHEMAS["interactions"],
                                            "calls.csv", "bench", _outcome)
        timings["validate_s"] = time.perf_counter() - mark
        if any(f.severity == "critical" for f in findings):
            raise SystemExit("benchmark export failed validation on Spark: "
                             + "; ".join(f.line for f in findings))
    else:
        from analysis.data.client_exports.parse import parse_export

        parsed = parse_export(export, mapping, out)
        timings["parse_s"] = time.perf_counter() - started
    mark = time.perf_counter()
    kpis = interaction_kpis(out, by=["day", "queue"], engine=engine)
    timings["kpi_s"] = time.perf_counter() - mark
    timings["total_s"] = time.perf_counter() - started
    shutil.rmtree(root, ignore_errors=True)
    return {"rows": parsed.rows, **timings, "groups": len(kpis),
            "offered": int(kpis["offered"].sum()), "peak_mb": max(sampler.stop(), _peak_mb())}


def stage_spark(rows: int) -> None:
    """Stage (c): Spark local[2] end to end against the DuckDB path, in one run."""
    export = generate(rows)
    duck = _run("--child", "duckdb-c", "--rows", str(rows), "--export", str(export))
    spark = _run("--child", "spark-c", "--rows", str(rows), "--export", str(export))
    if (duck["rows"], duck["offered"]) != (spark["rows"], spark["offered"]):
        raise SystemExit(f"engines disagree: DuckDB {duck} vs Spark {spark}")
    duck_pk = duck["parse_s"] + duck["kpi_s"]
    spark_pk = spark["parse_s"] + spark["kpi_s"]
    print(f"(c) Spark local[2], {spark['rows']:,} rows kept (same rows and offered totals as "
          f"DuckDB):\n"
          f"    session start {spark['session_s']:.1f} s, parse {spark['parse_s']:.1f} s = "
          f"{spark['rows'] / spark['parse_s']:,.0f} rows/s, GX suite on Spark "
          f"{spark['validate_s']:.1f} s, KPIs by day x queue {spark['kpi_s']:.1f} s "
          f"({spark['groups']:,} groups)\n"
          f"    end to end {spark['total_s']:.1f} s = {spark['rows'] / spark['total_s']:,.0f} "
          f"rows/s; peak RSS of the process tree (JVM included) {spark['peak_mb']:,.0f} MB\n"
          f"    DuckDB path, same run: parse {duck['parse_s']:.1f} s + KPIs {duck['kpi_s']:.1f} s"
          f" = {duck['rows'] / duck_pk:,.0f} rows/s, peak RSS {duck['peak_mb']:,.0f} MB\n"
          f"    ratio (parse + KPIs): Spark takes {spark_pk / duck_pk:.1f}x DuckDB's time at "
          f"{spark['peak_mb'] / duck['peak_mb']:.1f}x its peak memory", flush=True)


def _run(*args: str) -> dict:
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--large-rows", type=int, default=100_000_000,
                        help="second size for the flat-memory check (0 skips it)")
    parser.add_argument("--baseline-rows", type=int, default=2_000_000)
    parser.add_argument("--large-parse-only", action="store_true",
                        help="at --large-rows, measure the parse alone (hours less on a busy box)")
    parser.add_argument("--large-end-to-end-only", action="store_true",
                        help="at --large-rows, skip the parse-alone measurement")
    parser.add_argument("--parse-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--end-to-end-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--spark-rows", type=int, default=0,
                        help="stage (c): Spark local[2] end to end on this many rows (0 skips)")
    parser.add_argument("--spark-only", action="store_true",
                        help="run only stage (c) (with --spark-rows)")
    parser.add_argument("--child", choices=["pandas", "project", "duckdb-c", "spark-c"],
                        help=argparse.SUPPRESS)
    parser.add_argument("--export", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "pandas":
        print(json.dumps(child_pandas(args.export)))
        return
    if args.child == "project":
        print(json.dumps(child_project(args.rows, args.export, args.parse_only,
                                       args.end_to_end_only)))
        return
    if args.child in ("duckdb-c", "spark-c"):
        print(json.dumps(child_engine(args.child.removesuffix("-c"), args.rows, args.export)))
        return
    if args.spark_only:
        stage_spark(args.spark_rows or args.rows)
        return

    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}", flush=True)
    base = _run("--child", "pandas", "--export", str(generate(args.baseline_rows)))
    base_rate = base["rows"] / base["seconds"]
    base_cpu_rate = base["rows"] / base["cpu_s"]
    print(f"(a) pandas baseline, {base['rows']:,} rows: {base['seconds']:.1f} s, "
          f"{base_rate:,.0f} rows/s ({base['cpu_s']:.1f} CPU-s, {base_cpu_rate:,.0f} rows per "
          f"CPU-s), peak {base['peak_mb']:,.0f} MB", flush=True)
    for rows in [r for r in (args.rows, args.large_rows) if r]:
        export = generate(rows)
        parse_only = args.large_parse_only and rows == args.large_rows
        e2e_only = args.large_end_to_end_only and rows == args.large_rows
        got = _run("--child", "project", "--rows", str(rows), "--export", str(export),
                   *(["--parse-only"] if parse_only else []),
                   *(["--end-to-end-only"] if e2e_only else []))
        parse_rate = got["rows"] / got["parse_s"]
        parse_cpu_rate = got["rows"] / got["parse_cpu"]
        if parse_only:
            print(f"(b) DuckDB path, {got['rows']:,} rows kept, parse alone ({got['route']} "
                  f"route): {got['parse_s']:.1f} "
                  f"s = {parse_rate:,.0f} rows/s; {got['parse_cpu']:.1f} CPU-s = "
                  f"{parse_cpu_rate:,.0f} rows per CPU-s; peak RSS {got['peak_mb']:,.0f} MB",
                  flush=True)
            continue
        total_rate = got["rows"] / got["total_s"]
        total_cpu_rate = got["rows"] / got["total_cpu"]
        parse_line = ("parse alone: not measured (--large-end-to-end-only)" if e2e_only else
                      f"parse alone ({got['route']} route) {got['parse_s']:.1f} s = "
                      f"{parse_rate:,.0f} rows/s "
                      f"({parse_rate / base_rate:.1f}x the baseline's rows/s); "
                      f"{got['parse_cpu']:.1f} CPU-s = {parse_cpu_rate:,.0f} rows per CPU-s "
                      f"({parse_cpu_rate / base_cpu_rate:.1f}x the baseline's)")
        print(f"(b) DuckDB path, {got['rows']:,} rows kept ({got['excluded']} excluded):\n"
              f"    {parse_line}\n"
              f"    end to end {got['total_s']:.1f} s = {total_rate:,.0f} rows/s "
              f"({total_rate / base_rate:.1f}x); {got['total_cpu']:.1f} CPU-s = "
              f"{total_cpu_rate:,.0f} rows per CPU-s ({total_cpu_rate / base_cpu_rate:.1f}x): "
              f"validate (hash + parse + suite as one SQL query + "
              f"whole-table checks) {got['validate_s']:.1f} s, KPIs by day x queue "
              f"{got['kpi_s']:.1f} s ({got['groups']:,} groups, {got['offered']:,} offered)\n"
              f"    peak RSS {got['peak_mb']:,.0f} MB ({got['peak_mb'] / base['peak_mb']:.2f}x "
              f"the baseline's at {base['rows']:,} rows)", flush=True)
    if args.spark_rows:
        stage_spark(args.spark_rows)
    else:
        print("(c) Spark local[2]: not run (--spark-rows N runs it)")


if __name__ == "__main__":
    main()
