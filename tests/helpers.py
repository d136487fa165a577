"""Helpers shared by test modules (importable: ``tests/conftest.py`` puts tests/ on sys.path)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

KERNEL = "bpo-research"


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every file's bytes and every symlink's target under ``folder``: "nothing changed" checks."""
    state: dict[str, bytes | str] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            key = str(path.relative_to(folder))
            if path.is_symlink():
                state[key] = "->" + os.readlink(path)
            elif path.is_file():
                state[key] = path.read_bytes()
    return state


def write_notebook(path: Path, parameters: str, cells: list[str]) -> Path:
    """A notebook with a ``parameters``-tagged cell followed by ``cells``.

    A cell starting with ``md:`` is Markdown, anything else is code.
    """
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": KERNEL, "language": "python"}
    params = nbformat.v4.new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    body = [
        nbformat.v4.new_markdown_cell(cell[3:])
        if cell.startswith("md:")
        else nbformat.v4.new_code_cell(cell)
        for cell in cells
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("# Test report"), params, *body]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@dataclass
class FakeValidation:
    """Stands in for ``validate_all()``'s outcome where the real contracts are not the subject."""

    success: bool = True
    summary_lines: list[str] = field(default_factory=lambda: ["raw/sources.csv: 12 rows ok"])
    warnings: list[str] = field(default_factory=list)
    result_dir: Path = Path("build/validation/x")


def ctrl_c_when(process: subprocess.Popen, ready: Callable[[], object], settle: float,
                sig: int = signal.SIGINT) -> str:
    """Send SIGINT to ``process``'s group (what Ctrl-C sends; or ``sig``: SIGTERM is what a
    scheduler sends) once ``ready()`` returns and ``settle`` seconds have passed; its output.
    A process still alive afterwards (or after a failed wait) is killed, so a test never
    leaves one behind."""
    try:
        ready()
        time.sleep(settle)
        os.killpg(process.pid, sig)
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return output


def near_misses(base: list[str], alphabet: list[str], seed: object, *, edits: int,
                randoms: int, longest: int) -> list[str]:
    """Seeded texts near ``base``: each text with a character inserted, dropped or replaced
    (``edits`` draws per text), plus ``randoms`` strings of 1..``longest`` characters of
    ``alphabet``. For holding a fast expression to a reference one over every shape near
    the texts it must read."""
    import random

    rng = random.Random(seed)
    texts = set(base)
    for text in base:
        for _ in range(edits):
            i = rng.randrange(len(text) + 1)
            ch = rng.choice(alphabet)
            texts.update({text[:i] + ch + text[i:], text[:i] + text[i + 1:],
                          text[:i] + ch + text[i + 1:]})
    for _ in range(randoms):
        texts.add("".join(rng.choice(alphabet) for _ in range(rng.randint(1, longest))))
    return sorted(texts)


SMALL_EXPORT_MAPPING = """\
kind: interactions
file: calls.csv
delimiter: ";"
missing: ["?", ""]
exclude:
  - {column: Queue, values: [Internal], reason: internal}
columns:
  interaction_id: Call ID
  arrived_at: {source: [Date, Time], format: "%d/%m/%Y %H:%M:%S"}
  queue: Queue
  wait_seconds: {source: Wait, format: hms}
  outcome: {source: Result, values: {ANS: answered, ABN: abandoned}}
constants: {channel: voice, csat_scale: 5}
"""
"""A small semicolon export's mapping (``small_export``): the typed route, a row filter."""


def small_row(call_id: str, queue: str = "Billing") -> str:
    """One abandoned contact of ``small_export`` (its queue ``Internal`` is excluded)."""
    return f"{call_id};05/02/2025;08:01:10;{queue};0:00:12;ABN"


def small_export(folder: Path, rows: list[str]) -> tuple[Path, Path]:
    """Write ``calls.csv`` (header + ``rows``) and its mapping ``m.yaml``; return both."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "calls.csv").write_text("Call ID;Date;Time;Queue;Wait;Result\n"
                                      + "\n".join(rows) + "\n", encoding="utf-8")
    (folder / "m.yaml").write_text(SMALL_EXPORT_MAPPING, encoding="utf-8")
    return folder / "calls.csv", folder / "m.yaml"
