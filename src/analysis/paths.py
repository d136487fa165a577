"""Every project path, derived from one root so nothing is typed twice.

The root is the repository checkout, or ``$BPO_ROOT`` when set: tests and benchmarks point it at
a temporary copy so they never touch the real ``data/raw`` or ``reports``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from analysis.errors import UnsafeInputError
from analysis.settings import setting

_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def project_root() -> Path:
    """The project root: ``$BPO_ROOT`` if set, else the checkout this package lives in.

    Always absolute: a relative ``BPO_ROOT`` is taken from the current folder of this process.
    Kernels run in ``notebooks/``, so they are handed ``kernel_environment()``, never the
    relative text (P5-R11: one run read two roots).
    """
    override = setting("BPO_ROOT")
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
    override = setting("BPO_SHARED_RESEARCH")
    return Path(override).resolve() if override else project_root().parent / "shared" / "research"


def kernel_environment() -> dict[str, str]:
    """The path settings a child process (a report kernel) must see, made absolute here.

    A child may run in another folder (a kernel runs in ``notebooks/``): it gets the root this
    process resolved, so validation and the notebooks read the same files.
    """
    env = {"BPO_ROOT": str(project_root())}
    if setting("BPO_SHARED_RESEARCH"):
        env["BPO_SHARED_RESEARCH"] = str(shared_research_dir())
    return env


# --------------------------------------------------------------------------- containment

# Ids become folder and file names: a lowercase slug, judged on the whole string (``fullmatch``:
# ``re.match`` with ``$`` would also accept a trailing newline).
ID_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,40}")
ID_RULE = (
    "a lowercase slug of letters, digits and '-' starting with a letter or digit, "
    "at most 41 characters"
)


def is_valid_id(value: object) -> bool:
    """Whether ``value`` may become a folder or file name (a client id, say)."""
    return isinstance(value, str) and ID_RE.fullmatch(value) is not None


def contained(
    path: str | os.PathLike[str], root: Path, *, where: str, key: str, base: Path | None = None
) -> Path:
    """``path`` resolved (symlinks included) and checked to lie inside ``root``.

    The one containment rule every input that names a path goes through: a mapping's ``file``
    and ``client``, a ``kpi_export`` from a config, a report parameter or ``-p``, a notebook's
    ``client`` parameter, a logo. A relative ``path`` is taken from ``base`` (default ``root``).
    Anything that escapes (``..``, an absolute path elsewhere, a symlink pointing out, a NUL
    byte) raises ``UnsafeInputError`` naming ``where`` (the file or option) and ``key``.
    """
    text = os.fspath(path)
    if not text or "\0" in text or len(text) > 4096:
        raise UnsafeInputError(f"{where}: key '{key}': {text[:80]!r} is not a usable path")
    allowed = Path(root).resolve()
    candidate = Path(text)
    if not candidate.is_absolute():
        candidate = Path(base if base is not None else allowed) / candidate
    try:
        resolved = candidate.resolve()
    except (OSError, RuntimeError) as error:  # a symlink loop, say
        raise UnsafeInputError(
            f"{where}: key '{key}': {text!r} cannot be resolved: {error}"
        ) from None
    if resolved != allowed and not resolved.is_relative_to(allowed):
        raise UnsafeInputError(
            f"{where}: key '{key}': {text!r} resolves to {resolved}, outside {allowed} "
            "(inputs may only name paths inside their own folder)"
        )
    return resolved
