"""Compare two published runs of the same deliverable: same files, same key figures, same pages.

    .venv/bin/python scripts/compare_deliverables.py BEFORE_RUN_DIR AFTER_RUN_DIR

Made for refactors that must not change what a client sees (e.g. the layered package): build
the deliverable before and after, then compare the two run folders
(``reports/<client>/<run_id>/``). Run ids, dates, timings, fingerprints and other run
bookkeeping are masked; everything else must match. Exit 0 when the runs match, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

# Text that legitimately differs between two runs of the same inputs.
_MASKS = (
    (re.compile(r"\b\d{8}-\d{6}-[0-9a-f]{4}\b"), "<run-id>"),
    (re.compile(r"\b\d{8}T\d{6}\.\d+Z-[0-9a-f]{4}\b"), "<validation-run-id>"),
    (re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?(\+00:00| UTC|Z)?"), "<time>"),
    (re.compile(r"\b\d{1,2} (January|February|March|April|May|June|July|August|September|"
                r"October|November|December) \d{4}\b"), "<date>"),
    (re.compile(r"\b\d+(\.\d+)? s\b"), "<seconds>"),
    (re.compile(r"\bT_[0-9a-f]{5}(?=[_\"\s])"), "T_<styler-uuid>"),  # pandas Styler table ids
)
_BOOKKEEPING = {"recorded_at"}


def _masked(text: str) -> str:
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return text


def figures(run: Path) -> dict[str, dict[str, Any]]:
    """Every recorded key figure of a run, as ``report/name`` -> its value, unit, label, sources."""
    manifest = json.loads((run / "run.json").read_text(encoding="utf-8"))
    return {
        f"{report['name']}/{name}": {k: v for k, v in figure.items() if k not in _BOOKKEEPING}
        for report in manifest["reports"]
        for name, figure in (report.get("figures") or {}).items()
    }


def files(run: Path) -> list[str]:
    """The published files of a run, relative to its folder."""
    return sorted(str(p.relative_to(run)) for p in run.rglob("*") if p.is_file())


def _first_difference(old: str, new: str, context: int = 60) -> str:
    """Where two texts first differ: line number and a short excerpt of each side."""
    at = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b),
              min(len(old), len(new)))
    line = old.count("\n", 0, at) + 1
    start = max(0, at - context)
    return f"line {line}: {old[start:at + context]!r} -> {new[start:at + context]!r}"


def differences(before: Path, after: Path) -> list[str]:
    """One line per difference between two run folders (empty: the runs match)."""
    found = []
    old_files, new_files = files(before), files(after)
    for name in sorted(set(old_files) ^ set(new_files)):
        found.append(f"file only in {'before' if name in old_files else 'after'}: {name}")
    old_figures, new_figures = figures(before), figures(after)
    for key in sorted(set(old_figures) | set(new_figures)):
        if old_figures.get(key) != new_figures.get(key):
            found.append(f"figure {key}: {old_figures.get(key)} -> {new_figures.get(key)}")
    for name in sorted(set(old_files) & set(new_files)):
        if not name.endswith(".html") or name == "changes.html":
            continue  # the what-changed page compares with each run's own predecessor
        old_page = _masked((before / name).read_text(encoding="utf-8"))
        new_page = _masked((after / name).read_text(encoding="utf-8"))
        if old_page != new_page:
            found.append(f"page {name} differs: {_first_difference(old_page, new_page)}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="run folder built before the change")
    parser.add_argument("after", type=Path, help="run folder built after the change")
    args = parser.parse_args(argv)
    found = differences(args.before.resolve(), args.after.resolve())
    n_figures = len(figures(args.after))
    n_files = len(files(args.after))
    for line in found:
        print(line)
    verdict = "MATCH" if not found else f"{len(found)} difference(s)"
    print(f"{verdict}: {n_files} published files, {n_figures} key figures compared "
          f"({args.before} vs {args.after})")
    return 0 if not found else 1


if __name__ == "__main__":
    sys.exit(main())
