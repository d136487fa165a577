"""Time ``validate_all`` on the bundled data and on a synthetic 1M-row market table.

Reproduce: ``.venv/bin/python bench/bench_validation.py`` (or ``make bench``); ``--rows N``
changes the synthetic size. Everything runs in a temporary copy; ``data/raw`` is only read.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import paths

MARKET = "market_estimates.csv"


def synthetic_market(bundled: pd.DataFrame, rows: int, seed: int = 7) -> pd.DataFrame:
    """A market_estimates-shaped table of ``rows`` rows drawn from the bundled rows.

    Ids are made unique and each share row gets its own base, so the table passes the same
    suite the bundled one does (a benchmark of a failing run would time the error reporting).
    """
    rng = np.random.default_rng(seed)
    big = bundled.iloc[rng.integers(0, len(bundled), rows)].reset_index(drop=True)
    big["estimate_id"] = [f"MKT-{i:07d}" for i in range(1, rows + 1)]
    big["superseded_by"] = ""
    shares = big["unit"] == "percent"
    big.loc[shares, "share_of"] = "synthetic base " + big.index[shares].astype(str)
    return big


def _time_run(root: Path) -> tuple[float, int, bool]:
    from analysis.data.validation import validate_all

    os.environ["BPO_ROOT"] = str(root)
    start = time.perf_counter()
    report = validate_all()
    seconds = time.perf_counter() - start
    return seconds, sum(report.datasets.values()), report.success


def main(argv: list[str] | None = None) -> int:
    """Print seconds and rows/s for the bundled data and the synthetic table, and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    raw = paths.raw_dir()
    with tempfile.TemporaryDirectory(prefix="bench-validation-") as tmp:
        small, large = Path(tmp) / "bundled", Path(tmp) / "synthetic"
        for root in (small, large):
            shutil.copytree(raw, root / "data" / "raw")
        bundled = pd.read_csv(raw / MARKET, dtype="str", keep_default_na=False)
        synthetic_market(bundled, args.rows).to_csv(large / "data" / "raw" / MARKET, index=False)

        start = time.perf_counter()
        import analysis.data.validation._gx  # noqa: F401  (import cost reported apart)

        print(f"GX import: {time.perf_counter() - start:.2f} s (once per process)")
        _time_run(small)  # warm-up: first-run caches inside GX and pandas
        results = {}
        for label, root in (("bundled", small), (f"synthetic {args.rows:,}-row market", large)):
            seconds, rows, success = _time_run(root)
            results[label] = seconds
            print(
                f"{label:>32}: {seconds:7.2f} s  {rows:>9,} rows  {rows / seconds:>10,.0f} rows/s"
                f"  {'passed' if success else 'FAILED'}"
            )
    first, second = results.values()
    print(f"{'ratio synthetic/bundled':>32}: {second / first:7.1f}x time")
    print("reproduce: .venv/bin/python bench/bench_validation.py [--rows N]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
