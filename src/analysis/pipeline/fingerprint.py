"""Fingerprints of what a report depends on, so an unchanged report is not executed again.

A report's fingerprint has five parts, kept apart so a rebuild can say *which* input moved:

- ``notebook``: the notebook file's bytes;
- ``code``: every file of the ``analysis`` package (``*.py`` and templates). Coarse on purpose:
  any code change rebuilds every report, which is always safe and costs one full build;
- ``data``: each data file the report declares in the registry (``ReportSpec.inputs``; by
  default all of ``data/raw`` plus the client's folder), path -> sha256;
- ``parameters``: the notebook parameters and the page settings (title, client name, accent);
- ``dependencies``: the installed versions of the package's requirements and Python.

Only the standard library is imported here: the no-op refresh must stay well under a second.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from analysis.paths import project_root, raw_dir

# The whole ``analysis`` package (this file is analysis/pipeline/fingerprint.py).
PACKAGE_DIR = Path(__file__).resolve().parents[1]
DISTRIBUTION = "bpo-research"
# Inputs of a report that does not declare its own: every research table plus its client folder.
DEFAULT_INPUTS = ("*", "clients/{client}/**")
# Labels, not inputs: a run id changes every run and must not force a rebuild.
UNFINGERPRINTED_PARAMETERS = frozenset({"run_id"})
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def file_digest(path: Path) -> str:
    """sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: the same value always gives the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def digest_of(value: Any) -> str:
    """sha256 of a JSON-able value in canonical form (sorted keys)."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def _tree_files(root: Path, patterns: Iterable[str]) -> list[Path]:
    # "dir/**" yields only folders before Python 3.13: ask for the files under them.
    patterns = [p + "/*" if p.endswith("**") else p for p in patterns]
    found = {
        path
        for pattern in patterns
        for path in root.glob(pattern)
        if path.is_file() and "__pycache__" not in path.parts
    }
    return sorted(found)


@lru_cache(maxsize=1)
def code_digest() -> str:
    """One hash over every source and template file of the ``analysis`` package."""
    files = _tree_files(PACKAGE_DIR, ("**/*.py", "**/templates/**/*"))
    return digest_of({str(p.relative_to(PACKAGE_DIR)): file_digest(p) for p in files})


@lru_cache(maxsize=1)
def dependency_versions() -> dict[str, str]:
    """Installed version of each runtime requirement of the package, and of Python."""
    versions = {"python": platform.python_version()}
    try:
        requirements = metadata.requires(DISTRIBUTION) or []
    except metadata.PackageNotFoundError:
        requirements = []
    for requirement in requirements:
        if "extra ==" in requirement:
            continue  # dev tools do not change a report
        match = _REQUIREMENT_NAME.match(requirement)
        if not match:
            continue
        name = match.group(1).lower()
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "missing"
    return versions


def resolve_inputs(patterns: Iterable[str], values: Mapping[str, Any]) -> list[Path]:
    """Data files matching ``patterns``: globs under ``data/raw`` (or absolute paths), with
    ``{client}`` and any parameter name in braces filled from ``values``; ``a|b|c`` takes the
    first alternative that matches at least one file."""
    found: set[Path] = set()
    for pattern in patterns:
        for alternative in pattern.split("|"):
            matched = _matching(alternative.format_map(_Blank(values)))
            if matched:
                found.update(matched)
                break
    return sorted(found)


def _matching(pattern: str) -> list[Path]:
    path = Path(pattern)
    if not path.is_absolute():
        return _tree_files(raw_dir(), [pattern])
    if path.is_file():
        return [path]
    return _tree_files(path, ["**/*"]) if path.is_dir() else []


class _Blank(dict):
    """``format_map`` helper: a placeholder without a value matches nothing rather than fail."""

    def __missing__(self, key: str) -> str:
        return "\x00missing"


@dataclass(frozen=True)
class Fingerprint:
    """A report's fingerprint: ``key`` changes whenever any component does."""

    key: str
    components: dict[str, Any]


def _portable(value: Any, root: Path) -> Any:
    """A parameter value as the fingerprint sees it: a path inside the project relative to its
    root (``<project>/data/raw/...``), so a copied project or a CI checkout restored from a cache
    elsewhere does not rebuild reports that did not change (R01, R04)."""
    if isinstance(value, str):
        prefix = str(root).rstrip("/\\") + os.sep
        return "<project>/" + value[len(prefix):] if value.startswith(prefix) else value
    if isinstance(value, dict):
        return {key: _portable(item, root) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_portable(item, root) for item in value]
    return value


def report_fingerprint(
    notebook: Path,
    inputs: Iterable[Path],
    parameters: Mapping[str, Any],
    page: Mapping[str, Any] | None = None,
) -> Fingerprint:
    """Fingerprint one report: notebook bytes, package code, data files, parameters, versions."""
    root = project_root()
    data = {}
    for path in inputs:
        label = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
        data[label] = file_digest(path)
    kept = {k: _portable(v, root) for k, v in parameters.items()
            if k not in UNFINGERPRINTED_PARAMETERS}
    components = {
        "notebook": file_digest(notebook),
        "code": code_digest(),
        "data": data,
        "parameters": {"notebook": kept, "page": dict(page or {})},
        "dependencies": dependency_versions(),
    }
    return Fingerprint(digest_of(components), components)


def describe_changes(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[str]:
    """What differs between two fingerprints' components, one short phrase per change."""
    if not old:
        return ["first build (no previous fingerprint)"]
    changes = []
    if old.get("notebook") != new.get("notebook"):
        changes.append("notebook edited")
    if old.get("code") != new.get("code"):
        changes.append("package code changed")
    old_data, new_data = old.get("data", {}), new.get("data", {})
    for path in sorted(set(old_data) | set(new_data)):
        if path not in old_data:
            changes.append(f"data added: {path}")
        elif path not in new_data:
            changes.append(f"data removed: {path}")
        elif old_data[path] != new_data[path]:
            changes.append(f"data changed: {path}")
    for part in ("notebook", "page"):
        before = old.get("parameters", {}).get(part, {})
        after = new.get("parameters", {}).get(part, {})
        for key in sorted(set(before) | set(after)):
            if before.get(key) != after.get(key):
                changes.append(f"parameter {key}: {before.get(key)!r} -> {after.get(key)!r}")
    before, after = old.get("dependencies", {}), new.get("dependencies", {})
    for name in sorted(set(before) | set(after)):
        if before.get(name) != after.get(name):
            changes.append(f"dependency {name}: {before.get(name)} -> {after.get(name)}")
    return changes


def data_tree_digest() -> str:
    """One hash over every file under ``data/raw`` and the package code (the validation key)."""
    root = raw_dir()
    files = _tree_files(root, ("**/*",))
    return digest_of(
        {"code": code_digest(), "data": {str(p.relative_to(root)): file_digest(p) for p in files}}
    )
