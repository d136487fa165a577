"""lock: exclusive, names its holder, and a lock left by a dead process is cleared."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from analysis.pipeline.lock import (
    LockHeldError,
    acquire,
    lock_path,
    read_lock,
    refresh_lock,
    release,
)


@pytest.fixture(autouse=True)
def root(tmp_path, monkeypatch):
    monkeypatch.setenv("BPO_ROOT", str(tmp_path))


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_lock_is_exclusive_and_released():
    with refresh_lock() as note:
        assert note is None
        assert read_lock()["pid"] == os.getpid()
        with pytest.raises(LockHeldError, match=f"pid {os.getpid()}"):
            acquire()
    assert not lock_path().exists()


def test_lock_of_a_live_process_is_respected():
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        lock_path().parent.mkdir(parents=True)
        lock_path().write_text(json.dumps({"pid": holder.pid, "started_utc": "t"}))
        with pytest.raises(LockHeldError, match="another refresh is running"):
            acquire()
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize("content", ["{pid}", "not json (killed mid-write)"])
def test_stale_lock_is_cleared(content):
    pid = dead_pid()
    lock_path().parent.mkdir(parents=True)
    lock_path().write_text(json.dumps({"pid": pid}) if content == "{pid}" else content)
    path, note = acquire()
    assert "stale lock" in note
    assert read_lock(path)["pid"] == os.getpid()
    release(path)
    assert not path.exists()


def test_release_leaves_someone_elses_lock():
    lock_path().parent.mkdir(parents=True)
    lock_path().write_text(json.dumps({"pid": 1}))
    release()
    assert lock_path().exists()


def test_a_lock_whose_pid_was_reused_is_stale(tmp_path):
    import socket

    from analysis.pipeline.lock import acquire, process_start

    path = tmp_path / "refresh.lock"
    path.write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                 "process_start": "1", "started_utc": "then"}))
    taken, note = acquire("refresh", path)
    assert taken == path and "stale" in note
    assert json.loads(path.read_text())["process_start"] == process_start(os.getpid())
