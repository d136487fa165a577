"""Run records: what a run was built from and what it did.

Two records per refresh:

- each published deliverable's ``reports/<client>/<run_id>/run.json`` (written by
  ``publish.write_run_index``) gets the fields of ``provenance()``: git commit, package versions,
  validation summary; each report entry carries its fingerprint, timing and outputs;
- every refresh, published or not, leaves ``build/logs/<refresh_id>.json`` next to its log,
  with its outcome and exit code, so ``bpo runs --refreshes`` can list failed and no-op runs too.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.paths import build_dir, project_root
from analysis.pipeline.fingerprint import dependency_versions


def logs_dir() -> Path:
    """``build/logs``: one ``<refresh_id>.log`` and one ``<refresh_id>.json`` per run."""
    return build_dir() / "logs"


def git_commit() -> dict[str, Any]:
    """The checkout's commit and whether the work tree had uncommitted changes."""
    root = project_root()

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", *args], cwd=root, capture_output=True, text=True, timeout=10, check=True
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip()

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no") if commit else None
    return {"commit": commit, "dirty": bool(status) if status is not None else None}


def provenance(validation: dict[str, Any]) -> dict[str, Any]:
    """The manifest fields shared by every deliverable of one refresh."""
    return {
        "git": git_commit(),
        "package_versions": dependency_versions(),
        "validation": validation,
    }


def write_refresh_record(refresh_id: str, record: dict[str, Any]) -> Path:
    """Write ``build/logs/<refresh_id>.json`` (outcome of one refresh, whatever it was)."""
    path = logs_dir() / f"{refresh_id}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2, default=str), encoding="utf-8")
    return path


@dataclass(frozen=True)
class RefreshRecord:
    """One past refresh as read back from ``build/logs``."""

    refresh_id: str
    record: dict[str, Any]
    problem: str | None = None  # why the log could not be read (it is listed, not dropped)

    @property
    def line(self) -> str:
        if self.problem is not None:
            return f"{self.refresh_id}  unreadable log, skipped: {self.problem}"
        r = self.record
        built = sum(len(d.get("built", [])) for d in r.get("deliverables", []))
        reused = sum(len(d.get("reused", [])) for d in r.get("deliverables", []))
        published = ", ".join(
            f"{d['client']}/{d['run_id']}" for d in r.get("deliverables", []) if d.get("published")
        )
        return (
            f"{self.refresh_id}  exit {r.get('exit_code')} {r.get('outcome', '?'):<17} "
            f"{r.get('elapsed_s', 0):>6.1f} s  built {built}, reused {reused}"
            + (f"  -> {published}" if published else "")
        )


def list_refreshes(limit: int | None = None) -> list[RefreshRecord]:
    """Past refreshes, newest first."""
    folder = logs_dir()
    if not folder.is_dir():
        return []
    records = []
    for path in sorted(folder.glob("*.json"), reverse=True)[:limit]:
        # A corrupt log is listed as unreadable (R03): a refresh never silently disappears.
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            problem = f"{path.name}: {' '.join(str(error).split())[:160]}"
            records.append(RefreshRecord(path.stem, {}, problem))
            continue
        if not isinstance(record, dict) or not isinstance(record.get("deliverables", []), list):
            records.append(RefreshRecord(path.stem, {}, f"{path.name}: not a refresh record"))
            continue
        records.append(RefreshRecord(path.stem, record))
    return records
