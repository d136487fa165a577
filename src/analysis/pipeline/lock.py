"""One refresh at a time: an exclusive lock file holding the owner's host, pid and start time.

``build/refresh.lock`` is created with ``O_CREAT | O_EXCL``, so of two processes racing for it
exactly one wins. A lock whose pid no longer runs (the owner was killed, even with SIGKILL), or
whose pid now belongs to a process started at another time (the pid was reused), is stale: the
next run clears it and takes the lock. The lock only guards processes on one host;
``build/`` on a shared network drive would need more.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analysis.errors import BpoError
from analysis.paths import build_dir

LOCK_NAME = "refresh.lock"


class LockHeldError(BpoError):
    """Another refresh (or report build) is running in this project."""


def lock_path() -> Path:
    """Where the lock lives: ``build/refresh.lock``."""
    return build_dir() / LOCK_NAME


def pid_alive(pid: int) -> bool:
    """True when a process with this pid exists (zombies count as dead)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    stat = Path(f"/proc/{pid}/stat")
    try:
        # A killed child not yet reaped by its parent is a zombie: it holds nothing.
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def process_start(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot, from ``/proc``), or None when that
    cannot be told. With the pid it names one process: a pid reused after a reboot or by a
    later process has another start time."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return fields[19]  # field 22 of stat; fields[0] is field 3 (the state)
    except (OSError, IndexError):
        return None


def read_lock(path: Path | None = None) -> dict[str, Any] | None:
    """The lock's content (pid, started_utc, host, command), or None when there is no lock."""
    path = path or lock_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        # A lock file cut short by a kill between create and write: nobody can own it.
        return {"pid": -1, "started_utc": "?", "host": socket.gethostname(), "command": "?"}
    return data if isinstance(data, dict) else {"pid": -1}


def _is_stale(info: dict[str, Any]) -> bool:
    """A lock is stale when its owner is gone: judged by host, pid and the pid's start time."""
    if info.get("host") not in (None, socket.gethostname()):
        return False  # cannot see another host's processes: never steal its lock
    try:
        pid = int(info.get("pid", -1))
    except (TypeError, ValueError):
        return True  # a lock nobody can own
    if not pid_alive(pid):
        return True
    recorded, current = info.get("process_start"), process_start(pid)
    # The pid runs, but a process started at another time holds it now: the owner is gone.
    return recorded is not None and current is not None and str(recorded) != current


def acquire(command: str = "refresh", path: Path | None = None) -> tuple[Path, str | None]:
    """Take the lock or raise ``LockHeldError``; returns the path and a note on a cleared
    stale lock (None when there was none)."""
    path = path or lock_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    note = None
    for _ in range(3):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            info = read_lock(path)
            if info is None:
                continue  # released between our open and our read
            if not _is_stale(info):
                raise LockHeldError(
                    f"another {info.get('command', 'refresh')} is running (pid {info.get('pid')}, "
                    f"started {info.get('started_utc')}); lock file {path}. "
                    "Nothing was done; try again when it has finished."
                ) from None
            note = (
                f"cleared a stale lock left by pid {info.get('pid')} "
                f"(started {info.get('started_utc')}), which is no longer running"
            )
            # Rename first: of two runs clearing the same stale lock only one rename succeeds.
            grave = path.with_name(f"{path.name}.stale-{os.getpid()}")
            try:
                os.replace(path, grave)
                grave.unlink(missing_ok=True)
            except FileNotFoundError:
                pass
            continue
        info = {
            "pid": os.getpid(),
            "started_utc": datetime.now(UTC).isoformat(timespec="seconds"),
            "host": socket.gethostname(),
            "command": command,
            "process_start": process_start(os.getpid()),
        }
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(info))
        return path, note
    raise LockHeldError(f"could not take the lock {path}: it keeps changing hands")


def release(path: Path | None = None) -> None:
    """Remove the lock if this process owns it."""
    path = path or lock_path()
    info = read_lock(path)
    if info is not None and info.get("pid") == os.getpid():
        path.unlink(missing_ok=True)


@contextmanager
def refresh_lock(command: str = "refresh") -> Iterator[str | None]:
    """Hold the project lock for the block; yields the stale-lock note (or None)."""
    path, note = acquire(command)
    try:
        yield note
    finally:
        release(path)
