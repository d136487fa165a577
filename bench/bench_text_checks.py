"""Benchmark: what the issue-14 guards on client-export text cost, against what is already paid.

    .venv/bin/python bench/bench_text_checks.py [--rows 5000000]

1. The whole-table text checks (no control character, at most 1,000 characters, on every free
   text column of a canonical interactions table) against the existing unique-id check over the
   same generated Parquet file (the baseline: one whole-table query already run per export).
2. ``textscan.LineScan`` over a generated text export against reading the same file in the same
   blocks and doing nothing (the baseline: the I/O a scan cannot avoid).

Prints wall and CPU seconds (CPU counts every DuckDB thread), the ratios and peak memory (max
RSS). The files are generated in a temporary folder and removed.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def timed(work: Callable[[], object]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-text-") as folder:
        os.environ["BPO_ROOT"] = folder  # DuckDB spills inside this throwaway project
        from analysis.data.client_exports.parse import duckdb_connection
        from analysis.data.client_exports.query import literal
        from analysis.data.client_exports.schema import CANONICAL_SCHEMAS
        from analysis.data.client_exports.textscan import LineScan
        from analysis.data.validation.client_tables import table_checks, text_checks

        path = Path(folder) / "interactions.parquet"
        with duckdb_connection() as con:
            con.execute(
                "COPY (SELECT 'c' || i AS interaction_id, 'voice' AS channel, "
                "['Billing', 'Tech Support', 'Sales', 'Retention'][1 + i % 4] AS queue, "
                "'answered' AS outcome, 'agent-' || (i % 300) AS agent_id, i AS source_line "
                f"FROM range({args.rows}) t(i)) TO {literal(str(path))} (FORMAT parquet)")
        schema = CANONICAL_SCHEMAS["interactions"]
        table = f"read_parquet({literal(str(path))}, file_row_number = true)"
        unique = [c for c in table_checks(schema) if c.rule == "unique_id"]
        text = text_checks(schema)

        def run(checks: list) -> Callable[[], None]:
            def work() -> None:
                with duckdb_connection() as con:
                    for check in checks:
                        con.sql(f"SELECT count(*) FROM ({check.query(table)})").fetchall()
            return work

        base_wall, base_cpu = timed(run(unique))
        new_wall, new_cpu = timed(run(text))
        columns = len({c.column for c in text})
        print(f"{args.rows:,} canonical rows")
        print(f"unique-id check (baseline): {base_wall:.2f} s wall, {base_cpu:.2f} s CPU")
        print(f"text checks ({columns} columns x 2 rules): {new_wall:.2f} s wall, "
              f"{new_cpu:.2f} s CPU ({new_cpu / base_cpu:.2f}x the baseline's CPU)")

        export = Path(folder) / "calls.csv"
        line = b"c1234567;05/02/2025;08:51:10;Tech Support;0:00:12;ANS\n"
        with open(export, "wb") as out:
            block = line * 100_000
            for _ in range(max(1, args.rows // 100_000)):
                out.write(block)
        size = export.stat().st_size

        def read_only() -> None:
            with open(export, "rb") as handle:
                while handle.read(1 << 22):
                    pass

        def scan() -> None:
            lines = LineScan()
            with open(export, "rb") as handle:
                while block := handle.read(1 << 22):
                    lines.feed(block)
            assert lines.finish() is None

        read_wall, read_cpu = timed(read_only)
        scan_wall, scan_cpu = timed(scan)
        print(f"text export {size / 1e9:.2f} GB: read alone (baseline) {read_wall:.2f} s wall, "
              f"{read_cpu:.2f} s CPU; read + LineScan {scan_wall:.2f} s wall, {scan_cpu:.2f} s "
              f"CPU ({scan_cpu / size * 1e9:.2f} s CPU per GB, "
              f"{scan_cpu / max(read_cpu, 1e-9):.1f}x the read's CPU)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
