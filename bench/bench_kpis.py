"""Benchmark: the DuckDB KPI engine vs a straightforward pandas version of the same KPIs.

    .venv/bin/python bench/bench_kpis.py [--rows 10000000]

Generates synthetic canonical interactions once (cached in ``bench/.cache/``, git-ignored), then
runs each engine in its own fresh subprocess so peak memory (max RSS) is not shared, and prints
wall time, rows/s, peak memory and the ratios. Both compute KPIs by day × queue under the default
conventions; the results are compared so a fast wrong answer cannot win.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

CACHE = Path(__file__).resolve().parent / ".cache"
GROUPS = ["day", "queue"]


def generate(rows: int, path: Path, seed: int = 11) -> float:
    """Write ``rows`` synthetic canonical interactions to Parquet; returns seconds taken."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    chunk = 1_000_000
    queues = np.array(["Billing", "Tech Support", "Sales", "Retention", "Web Chat"])
    writer = None
    for offset in range(0, rows, chunk):
        n = min(chunk, rows - offset)
        ids = pc.binary_join_element_wise(
            "B", pc.cast(pa.array(np.arange(offset, offset + n)), pa.string()), "")
        day = rng.integers(0, 90, n)
        second = np.clip(rng.normal(13.5 * 3600, 3 * 3600, n), 7 * 3600, 21 * 3600 - 1)
        arrived = (np.datetime64("2025-01-06T00:00:00", "us")
                   + (day * 86400 + second.astype(np.int64)).astype("timedelta64[s]"))
        queue = queues[rng.integers(0, len(queues), n)]
        roll = rng.random(n)
        outcome = np.where(roll < 0.9, "answered", np.where(roll < 0.98, "abandoned",
                                                             "short_abandon"))
        answered = outcome == "answered"
        wait = rng.exponential(25, n)
        handle = np.where(answered, rng.lognormal(np.log(330), 0.6, n), np.nan)
        handle[answered & (rng.random(n) < 0.003)] = 0.0
        resolved = np.where(answered & (rng.random(n) < 0.9), rng.random(n) < 0.72, None)
        csat = np.where(answered & (rng.random(n) < 0.25), rng.integers(1, 6, n), np.nan)
        table = pa.table({
            "interaction_id": ids,
            "channel": pa.array(np.where(queue == "Web Chat", "chat", "voice")),
            "queue": pa.array(queue),
            "arrived_at": pa.array(arrived),
            "wait_seconds": pa.array(wait),
            "handle_seconds": pa.array(handle, from_pandas=True),
            "talk_seconds": pa.array(handle * 0.8, from_pandas=True),
            "outcome": pa.array(outcome),
            "resolved": pa.array(resolved, type=pa.bool_()),
            "csat": pa.array(csat, from_pandas=True),
            "csat_scale": pa.array(np.full(n, 5, dtype=np.int64)),
        })
        writer = writer or pq.ParquetWriter(tmp, table.schema, compression="zstd")
        writer.write_table(table, row_group_size=chunk)
    if writer is not None:
        writer.close()
    tmp.replace(path)
    return time.perf_counter() - start


def kpis_duckdb(path: Path):
    """The package engine."""
    from analysis.research.kpis import interaction_kpis

    return interaction_kpis(path, by=GROUPS)


def kpis_pandas(path: Path):
    """Straightforward pandas: load the needed columns, flag rows, group and aggregate."""
    import pandas as pd

    df = pd.read_parquet(path, columns=[
        "queue", "arrived_at", "wait_seconds", "handle_seconds", "talk_seconds", "outcome",
        "resolved", "csat", "csat_scale"])
    df["day"] = df["arrived_at"].dt.normalize().dt.date
    answered = df["outcome"] == "answered"
    short = (df["outcome"] == "short_abandon") | ((df["outcome"] == "abandoned")
                                                 & (df["wait_seconds"] < 5))
    phantom = answered & (df["handle_seconds"].fillna(0) <= 0)
    in_handle = answered & df["handle_seconds"].notna() & ~phantom
    df["answered"] = answered
    df["abandoned"] = ~answered
    df["short"] = short
    df["within"] = answered & (df["wait_seconds"] <= 20)
    df["ans_wait"] = df["wait_seconds"].where(answered)
    df["handle"] = df["handle_seconds"].where(in_handle)
    df["talk"] = df["talk_seconds"].where(in_handle)
    flagged = answered & df["resolved"].notna()
    df["fcr_n"] = flagged
    df["fcr_yes"] = flagged & df["resolved"].fillna(False).astype(bool)
    df["top2"] = df["csat"] >= df["csat_scale"] - 1
    g = df.groupby(GROUPS, sort=True)
    out = g.agg(
        offered=("outcome", "size"), answered=("answered", "sum"),
        abandoned=("abandoned", "sum"), short_abandoned=("short", "sum"),
        asa_seconds=("ans_wait", "mean"), aht_seconds=("handle", "mean"),
        handle_median_seconds=("handle", "median"), talk_mean_seconds=("talk", "mean"),
        within=("within", "sum"), fcr_yes=("fcr_yes", "sum"), fcr_n=("fcr_n", "sum"),
        csat_mean=("csat", "mean"), csat_responses=("csat", "count"), top2=("top2", "sum"),
    )
    out["handle_p90_seconds"] = g["handle"].quantile(0.9)
    out["abandonment_rate"] = 100 * out["abandoned"] / out["offered"]
    out["service_level"] = 100 * out["within"] / out["offered"]
    out["fcr"] = 100 * out["fcr_yes"] / out["fcr_n"]
    out["csat_top2_box"] = 100 * out["top2"] / out["csat_responses"]
    return out.drop(columns=["within", "fcr_yes", "fcr_n", "top2"]).reset_index()


def peak_rss_mib() -> float:
    """This process's peak resident memory.

    ``/proc/self/status`` VmHWM belongs to the current address space only; ``getrusage`` max
    RSS survives ``exec`` on Linux and would report the parent's peak (e.g. data generation).
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_one(engine: str, path: Path, result: Path) -> None:
    """Child process: time one engine, write its result, print wall time and peak RSS."""
    import pandas  # noqa: F401  imported before the clock starts for both engines

    import analysis.research.kpis  # noqa: F401

    base_mib = peak_rss_mib()
    start = time.perf_counter()
    frame = (kpis_duckdb if engine == "duckdb" else kpis_pandas)(path)
    wall = time.perf_counter() - start
    frame.to_parquet(result)
    print(json.dumps({"wall": wall, "peak_mib": peak_rss_mib(), "base_mib": base_mib,
                      "groups": len(frame)}))


def compare(a_path: Path, b_path: Path) -> float:
    """Largest relative difference over the KPI columns both engines produce."""
    import numpy as np
    import pandas as pd

    a = pd.read_parquet(a_path)
    b = pd.read_parquet(b_path)
    a["day"] = pd.to_datetime(a["day"])
    b["day"] = pd.to_datetime(b["day"])
    a, b = a.set_index(GROUPS).sort_index(), b.set_index(GROUPS).sort_index()
    cols = [c for c in b.columns if c in a.columns]
    x, y = a[cols].astype(float).to_numpy(), b[cols].astype(float).to_numpy()
    both = ~(np.isnan(x) & np.isnan(y))
    return float(np.nanmax(np.abs(x - y)[both] / np.maximum(np.abs(y[both]), 1e-9)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--child", choices=["duckdb", "pandas"], help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_one(args.child, args.data, args.result)
        return
    data = CACHE / f"interactions_{args.rows}.parquet"
    if data.exists():
        print(f"using cached {data} ({data.stat().st_size / 2**20:,.0f} MiB)")
    else:
        took = generate(args.rows, data)
        print(f"generated {args.rows:,} rows in {took:,.1f} s → {data}")
    stats = {}
    for engine in ("duckdb", "pandas"):
        result = CACHE / f"result_{engine}.parquet"
        out = subprocess.run(
            [sys.executable, __file__, "--child", engine, "--data", str(data),
             "--result", str(result)], capture_output=True, text=True, check=True)
        stats[engine] = json.loads(out.stdout.strip().splitlines()[-1])
    diff = compare(CACHE / "result_duckdb.parquet", CACHE / "result_pandas.parquet")
    print(f"\nKPIs by {' × '.join(GROUPS)} over {args.rows:,} interactions "
          f"({stats['duckdb']['groups']:,} groups; max relative difference {diff:.1e})")
    print(f"{'engine':<8} {'wall s':>8} {'rows/s':>14} {'peak MiB':>10} {'after imports':>14}")
    for engine, s in stats.items():
        print(f"{engine:<8} {s['wall']:>8.2f} {args.rows / s['wall']:>14,.0f} "
              f"{s['peak_mib']:>10,.0f} {s['base_mib']:>14,.0f}")
    speed = stats["pandas"]["wall"] / stats["duckdb"]["wall"]
    memory = stats["duckdb"]["peak_mib"] / stats["pandas"]["peak_mib"]
    print(f"\nspeed-up {speed:.1f}× (target ≥ 3×); DuckDB peak memory = {memory:.2f} of pandas "
          f"(target ≤ 0.5)")


if __name__ == "__main__":
    main()
