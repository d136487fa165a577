"""Every project path, derived from one root so nothing is typed twice.

The root is the repository checkout, or ``$BPO_ROOT`` when set: tests and benchmarks point it at
a temporary copy so they never touch the real ``data/raw`` or ``reports``.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def project_root() -> Path:
    """The project root: ``$BPO_ROOT`` if set, else the checkout this package lives in."""
    override = os.environ.get("BPO_ROOT")
    return Path(override).resolve() if override else _PACKAGE_ROOT


def raw_dir() -> Path:
    """Immutable inputs: curated, cited research tables and client exports."""
    return project_root() / "data" / "raw"


def processed_dir() -> Path:
    """Derived data (caches, canonical client tables); rebuildable, never committed."""
    return project_root() / "data" / "processed"


def reports_dir() -> Path:
    """Published HTML deliverables; rebuildable, never committed."""
    return project_root() / "reports"


def notebooks_dir() -> Path:
    """Parametrized report notebooks (committed without outputs)."""
    return project_root() / "notebooks"


def config_dir() -> Path:
    """Client and report configuration."""
    return project_root() / "config"


def build_dir() -> Path:
    """Scratch space for runs: staging folders, executed notebooks, validation results, logs."""
    return project_root() / "build"


def shared_research_dir() -> Path:
    """The upstream research folder (``../shared/research``); only curation reads it."""
    override = os.environ.get("BPO_SHARED_RESEARCH")
    return Path(override) if override else project_root().parent / "shared" / "research"
