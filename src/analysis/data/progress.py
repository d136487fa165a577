"""Progress lines for long data work: a 100M-row export parses for minutes, and a run that says
nothing for that long looks hung.

Silent unless a caller turns it on: the ``bpo`` command does (its own output lines); library
callers, tests and report kernels see nothing. Long loops say where they are at most every
``PROGRESS_SECONDS`` (``Every``), so a short run never prints a line.
"""

from __future__ import annotations

import time
from collections.abc import Callable

PROGRESS_SECONDS = 10.0

_sink: Callable[[str], None] | None = None


def show_progress(sink: Callable[[str], None] | None) -> None:
    """Send progress lines to ``sink`` (None: silence them again)."""
    global _sink
    _sink = sink


def progress(message: str) -> None:
    """One progress line, if anyone listens."""
    if _sink is not None:
        _sink(message)


class Every:
    """A throttle for a loop: ``due()`` is true at most once every ``seconds``."""

    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = PROGRESS_SECONDS if seconds is None else seconds
        self.started = self._last = time.monotonic()

    def due(self) -> bool:
        now = time.monotonic()
        if _sink is None or now - self._last < self.seconds:
            return False
        self._last = now
        return True

    def elapsed(self) -> float:
        return time.monotonic() - self.started
