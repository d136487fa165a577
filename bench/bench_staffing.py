"""Benchmark: vectorised Erlang C sizing vs sizing one interval at a time.

    .venv/bin/python bench/bench_staffing.py [--intervals 3000]

Sizes ``--intervals`` random intervals (5-2,000 contacts, 120-900 s handle time, 80/20 with an
87 % occupancy cap) with ``research.staffing.required_agents_erlang_c`` (one Erlang B recursion
for every interval at once) and with a per-interval loop over the scalar ``service_level``
(the baseline a spreadsheet-style port would write). Both answers are compared so a fast wrong
answer cannot win. Prints wall time, intervals/s, the ratio and peak memory (max RSS).
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from analysis.research import staffing


def baseline(arrivals: np.ndarray, aht: np.ndarray, target: staffing.Target) -> np.ndarray:
    out = np.zeros(len(arrivals), dtype=np.int64)
    for i, (lam, h) in enumerate(zip(arrivals, aht, strict=True)):
        traffic = lam * h / 1800
        n = max(1, int(traffic))
        while (staffing.service_level(n, traffic, h, target.threshold_seconds)
               < target.service_level_pct / 100
               or traffic / n > target.occupancy_cap_pct / 100):
            n += 1
        out[i] = n
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--intervals", type=int, default=3_000)
    args = parser.parse_args()
    rng = np.random.default_rng(5)
    arrivals = rng.uniform(5, 2000, args.intervals)
    aht = rng.uniform(120, 900, args.intervals)
    target = staffing.Target(80, 20, 87)
    start = time.perf_counter()
    fast = staffing.required_agents_erlang_c(arrivals, aht, 1800, target)["agents"].to_numpy()
    vectorised = time.perf_counter() - start
    start = time.perf_counter()
    slow = baseline(arrivals, aht, target)
    loop = time.perf_counter() - start
    assert (fast == slow).all(), "vectorised and per-interval answers differ"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n = args.intervals
    print(f"{n:,} intervals, up to {fast.max():,} agents each; answers identical")
    print(f"vectorised Erlang C: {vectorised:.2f} s ({n / vectorised:,.0f} intervals/s)")
    print(f"per-interval loop (baseline): {loop:.2f} s ({n / loop:,.0f} intervals/s)")
    print(f"speed-up: {loop / vectorised:.1f}x; peak memory {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
