"""Benchmark: a naive report build vs ``bpo refresh`` (full from clean, and the no-op rebuild).

    .venv/bin/python bench/bench_build.py [--client house] [--workers N]

On a temporary copy of ``data/``, ``notebooks/`` and ``config/`` (``$BPO_ROOT``), one session:

1. naive: for each report of the client's deliverable, the ``papermill`` CLI then the
   ``jupyter nbconvert --to html`` CLI, one after the other (no validation, no publication);
2. ours, full build from clean (no ``build/``, no ``reports/``): ``bpo refresh`` as a scheduler
   runs it: validation, every notebook in a process pool, in-process HTML, atomic publication,
   manifest and what-changed page;
3. ours, no-op: ``bpo refresh`` again with nothing changed (exit 3).

Prints wall times and the ratios (targets: full <= 0.5 x naive, no-op < 1 s). Both sides get
the same warm-up (one import of papermill and nbconvert) so disk caches do not favour either.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def copy_project(dest: Path) -> Path:
    """A throwaway project root holding copies of the inputs (never the real reports/)."""
    for folder in ("data/raw", "notebooks", "config"):
        shutil.copytree(REPO / folder, dest / folder)
    return dest


def timed(command: list[str], env: dict[str, str], ok: tuple[int, ...] = (0,)) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode not in ok:
        sys.exit(f"{' '.join(command)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return elapsed


def planned_reports(root: Path, client: str) -> dict[str, tuple[Path, dict]]:
    """Notebook and parameters of each report of ``client``, as the build plans them."""
    os.environ["BPO_ROOT"] = str(root)
    from analysis.pipeline.config import load_clients, plan_client
    from analysis.pipeline.reports import REPORTS

    (loaded,) = load_clients(client)
    plan = plan_client(loaded, {}, {"client": loaded.id, "run_id": "naive"})
    return {name: (REPORTS[name].notebook_path(), params) for name, params in plan.items()}


def naive_build(root: Path, client: str, env: dict[str, str]) -> float:
    out = root / "naive"
    out.mkdir()
    total = 0.0
    for name, (notebook, params) in planned_reports(root, client).items():
        executed = out / f"{name}.ipynb"
        command = [str(BIN / "papermill"), str(notebook), str(executed), "-k", "bpo-research",
                   "--cwd", str(notebook.parent), "--no-progress-bar"]
        for key, value in params.items():
            command += ["-y", json.dumps({key: value})]
        total += timed(command, env)
        total += timed([str(BIN / "jupyter"), "nbconvert", "--to", "html", str(executed)], env)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--client", default="house", help="deliverable to build (default house)")
    parser.add_argument("--workers", type=int, help="pool size for ours (default: core count)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        root = copy_project(Path(tmp))
        env = {**os.environ, "BPO_ROOT": str(root), "CI": "true"}
        timed([sys.executable, "-c", "import papermill, nbconvert"], env)  # same warm-up
        reports = planned_reports(root, args.client)
        naive = naive_build(root, args.client, env)
        refresh = [str(BIN / "bpo"), "refresh", "--client", args.client]
        if args.workers:
            refresh += ["--workers", str(args.workers)]
        # From clean, as after `make clean`: no build/, no data/processed/ (the naive run
        # filled the KPI export cache there).
        shutil.rmtree(root / "build", ignore_errors=True)
        shutil.rmtree(root / "data" / "processed", ignore_errors=True)
        full = timed(refresh, env)
        (record_path,) = (root / "build" / "logs").glob("*.json")
        record = json.loads(record_path.read_text())
        validation = float(record.get("validation", {}).get("elapsed_s", 0.0))
        noop = timed(refresh, env, ok=(3,))
    print(f"machine: {os.cpu_count()} cores; deliverable {args.client!r}: "
          f"{len(reports)} reports ({', '.join(reports)})")
    print(f"naive (papermill CLI + nbconvert CLI, sequential): {naive:7.1f} s")
    print(f"ours, full build from clean (bpo refresh):          {full:7.1f} s"
          f"  (includes validation, {validation:.1f} s alongside the notebooks)")
    print(f"ours, no-op rebuild (bpo refresh, exit 3):          {noop:7.2f} s")
    print(f"full / naive = {full / naive:.2f}  (target <= 0.50)")
    print(f"no-op = {noop:.2f} s (target < 1 s)")


if __name__ == "__main__":
    main()
