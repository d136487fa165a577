"""Report sets: run ids, staging, atomic publication and the index pages.

Layout::

    reports/index.html                      every client and run, newest first
    reports/<client>/<run_id>/<report>.html one page per report of the set
    reports/<client>/<run_id>/index.html    the set's cover page
    reports/<client>/<run_id>/run.json      manifest: parameters, timings, key figures
    reports/<client>/latest -> <run_id>     symlink to the newest published run

A run is built in ``build/staging/<run_id>/`` and moved into ``reports/`` with one rename only
once every report succeeded; ``latest`` is then swapped with another rename. A failed run never
touches ``reports/``.
"""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analysis.errors import BuildError
from analysis.paths import build_dir, is_valid_id, reports_dir
from analysis.pipeline.config import check_client_id
from analysis.views.inert_text import inert_html

MANIFEST = "run.json"
LATEST = "latest"
_HEX_COLOUR_RE = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_RUN_ID_RE = re.compile(r"\d{8}-\d{6}-\d{3}[0-9a-f]")
_REPORT_FILE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,80}\.html")
_TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class PublishedRun:
    """One published run as read back from its manifest."""

    client: str
    run_id: str
    path: Path
    manifest: dict[str, Any]

    @property
    def reports(self) -> list[dict[str, Any]]:
        return list(self.manifest.get("reports", []))


def new_run_id(now: datetime | None = None) -> str:
    """``YYYYMMDD-HHMMSS-mmmr``: UTC time, milliseconds and one random hex digit.

    Sorting run ids as strings sorts them in time; the random digit keeps two runs started in
    the same millisecond apart (the staging folder is created exclusively as a second guard).
    """
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%d-%H%M%S}-{now.microsecond // 1000:03d}{secrets.randbelow(16):x}"


def create_staging(run_id: str) -> Path:
    """Create the empty staging folder ``build/staging/<run_id>`` (exclusively)."""
    stage = build_dir() / "staging" / run_id
    stage.parent.mkdir(parents=True, exist_ok=True)
    try:
        stage.mkdir()
    except FileExistsError as error:
        raise BuildError(
            f"staging folder {stage} already exists: another run with this id?"
        ) from error
    return stage


def discard_staging(stage: Path) -> None:
    """Remove a staging folder of a failed run (executed notebooks live elsewhere)."""
    shutil.rmtree(stage, ignore_errors=True)


def _jinja() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(_TEMPLATES), str(_TEMPLATES / "bpo_report")]),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_run_index(stage: Path, manifest: dict[str, Any]) -> Path:
    """Write the manifest and the cover page (``index.html``) of a staged run."""
    (stage / MANIFEST).write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
    accent = str(manifest.get("accent") or "")
    page = (
        _jinja()
        .get_template("run_index.html.j2")
        .render(run=manifest, accent=accent if _HEX_COLOUR_RE.match(accent) else None)
    )
    out = stage / "index.html"
    out.write_text(inert_html(page), encoding="utf-8")
    return out


def _move_into(stage: Path, dest: Path) -> None:
    try:
        os.replace(stage, dest)
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
        # build/ on another filesystem: copy next to the destination, then rename there.
        incoming = dest.with_name(f".incoming-{dest.name}")
        shutil.copytree(stage, incoming)
        os.replace(incoming, dest)
        shutil.rmtree(stage, ignore_errors=True)


def point_latest(client_dir: Path, run_id: str) -> None:
    """Swap ``<client>/latest`` to ``run_id`` in one rename (temp symlink + ``os.replace``)."""
    latest = client_dir / LATEST
    tmp = client_dir / f".{LATEST}-{run_id}.tmp"
    try:
        tmp.unlink(missing_ok=True)
        os.symlink(run_id, tmp, target_is_directory=True)
        os.replace(tmp, latest)
    except OSError:
        # No symlinks here (some Windows/CIFS setups): a redirect page does the same job.
        tmp.unlink(missing_ok=True)
        latest.mkdir(exist_ok=True)
        (latest / "run_id").write_text(run_id + "\n", encoding="utf-8")
        _write_atomic(
            latest / "index.html",
            f'<!DOCTYPE html><meta charset="utf-8"><meta http-equiv="refresh" '
            f'content="0; url=../{run_id}/index.html"><a href="../{run_id}/index.html">'
            f"{run_id}</a>\n",
        )


def latest_run_id(client: str) -> str | None:
    """The run ``<client>/latest`` points at, if any."""
    latest = reports_dir() / client / LATEST
    if latest.is_symlink():
        return os.readlink(latest)
    marker = latest / "run_id"
    return marker.read_text(encoding="utf-8").strip() if marker.exists() else None


def publish_run(
    stage: Path, client: str, on_skip: Callable[[str], None] | None = None
) -> Path:
    """Move a fully built staging folder into ``reports/<client>/<run_id>`` and update links.

    Order: the complete folder is renamed into place, then ``latest`` is swapped (one rename),
    then the site index is rewritten; a kill at any instant leaves ``latest`` on a complete run
    (an already-moved run newer than ``latest`` is an orphan, removed by the next run)."""
    check_client_id(client)
    run_id = stage.name
    if not (stage / MANIFEST).exists():
        raise BuildError(f"staging folder {stage} has no {MANIFEST}: refusing to publish it")
    client_dir = reports_dir() / client
    client_dir.mkdir(parents=True, exist_ok=True)
    dest = client_dir / run_id
    if dest.exists():
        raise BuildError(f"run {run_id} is already published at {dest}")
    _move_into(stage, dest)
    point_latest(client_dir, run_id)
    write_site_index(on_skip)
    return dest


def read_manifest(path: Path) -> dict[str, Any]:
    """A run's ``run.json``; ``BuildError`` (one line) when it is unreadable or malformed."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BuildError(f"{path}: unreadable run manifest ({type(error).__name__}: "
                         f"{' '.join(str(error).split())[:120]})") from None
    reports = manifest.get("reports") if isinstance(manifest, dict) else None
    if not isinstance(reports, list) or not all(
        isinstance(entry, dict) and isinstance(entry.get("name"), str)
        and isinstance(entry.get("file"), str) and _REPORT_FILE_RE.fullmatch(entry["file"])
        for entry in reports
    ):
        raise BuildError(f"{path}: malformed run manifest (no valid 'reports' list)")
    return manifest


def list_runs(
    client: str | None = None, on_skip: Callable[[str], None] | None = None
) -> list[PublishedRun]:
    """Published runs (of one client, or all), newest first.

    A run whose ``run.json`` cannot be read is skipped, never fatal; ``on_skip`` hears why.
    Folders that are not client ids or run ids (nothing this project wrote) are ignored.
    """
    root = reports_dir()
    if not root.is_dir():
        return []
    names = [client] if client else sorted(p.name for p in root.iterdir() if p.is_dir())
    runs = []
    for name in names:
        client_dir = root / name
        if not is_valid_id(name) or not client_dir.is_dir() or client_dir.is_symlink():
            continue
        for run_dir in client_dir.iterdir():
            manifest_path = run_dir / MANIFEST
            if run_dir.is_symlink() or not _RUN_ID_RE.fullmatch(run_dir.name):
                continue
            if manifest_path.exists():
                try:
                    manifest = read_manifest(manifest_path)
                except BuildError as error:
                    if on_skip is not None:
                        on_skip(f"warning: skipped run {name}/{run_dir.name}: {error}")
                    continue
                runs.append(PublishedRun(name, run_dir.name, run_dir, manifest))
    return sorted(runs, key=lambda run: run.run_id, reverse=True)


def orphaned_runs(client: str) -> list[Path]:
    """Complete run folders newer than ``latest``: a publication killed between moving the run
    into place and swapping ``latest``. They were never announced; the next run removes them."""
    latest = latest_run_id(client)
    client_dir = reports_dir() / client
    if not latest or not (client_dir / latest / MANIFEST).is_file():
        return []  # without a sound latest, no folder can be judged an orphan
    return sorted(
        run_dir for run_dir in client_dir.iterdir()
        if not run_dir.is_symlink() and run_dir.is_dir()
        and _RUN_ID_RE.fullmatch(run_dir.name) and run_dir.name > latest
    )


MIN_FREE_BYTES = 64 * 1024 * 1024
"""Space a build needs in ``reports/`` and ``build/`` before it starts (pages, notebooks)."""


def check_output_writable(folders: Iterable[Path] = ()) -> None:
    """``BuildError`` (one line) unless ``reports/``, ``build/`` and ``folders`` (the plan's own
    outputs: ``reports/<client>``, ``data/processed/...``) can be written and have room.

    Checked before a build starts, so a read-only folder, a file where a folder should be or a
    full disk never costs a whole build. A folder that does not exist yet is judged by the
    nearest one that does (where it would be created); only ``reports/`` and ``build/`` are
    created here.
    """
    for folder in (reports_dir(), build_dir(), *folders):
        existing = folder
        try:
            if folder in (reports_dir(), build_dir()):
                folder.mkdir(parents=True, exist_ok=True)
            while not existing.exists() and not existing.is_symlink():
                existing = existing.parent
            if not existing.is_dir():
                raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(existing))
            probe = existing / f".write-probe-{os.getpid()}-{secrets.token_hex(4)}.tmp"
            probe.write_bytes(b"x")
            probe.unlink()
            free = shutil.disk_usage(existing).free
        except OSError as error:
            at = "" if existing == folder else f" at {existing}"
            raise BuildError(f"{folder} is not writable ({error.strerror or error}{at}): "
                             "nothing was built; fix its permissions or free the disk") from None
        if free < MIN_FREE_BYTES:
            raise BuildError(f"{folder}: only {free // 2**20} MiB free, a build needs "
                             f"{MIN_FREE_BYTES // 2**20} MiB: nothing was built")


def write_site_index(on_skip: Callable[[str], None] | None = None) -> Path:
    """Rewrite ``reports/index.html``: every client with its runs, newest first."""
    runs = list_runs(on_skip=on_skip)
    clients: dict[str, list[PublishedRun]] = {}
    for run in runs:
        clients.setdefault(run.client, []).append(run)
    listing = [
        {
            "id": client,
            "name": client_runs[0].manifest.get("client_name", client),
            "latest": latest_run_id(client),
            "runs": client_runs,
        }
        for client, client_runs in sorted(clients.items())
    ]
    page = (
        _jinja()
        .get_template("site_index.html.j2")
        .render(clients=listing, generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))
    )
    out = reports_dir() / "index.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(out, inert_html(page))
    return out
