"""One exception type per failure family, each with a message an analyst can act on."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any


class BpoError(Exception):
    """Base class: every error the project raises on purpose."""


class DataValidationError(BpoError):
    """An input file breaks its data contract (file-level check or expectation suite)."""


class ConfigError(BpoError):
    """A client config or a parameter set is invalid."""


class BuildError(BpoError):
    """A notebook failed to execute or a report failed to publish."""


class CurationError(BpoError):
    """The upstream research tables could not be curated into ``data/raw``."""


class StaffingError(BpoError):
    """The staffing model cannot size a queue (bad input, or no finite staffing meets it)."""


class NoQueueToSizeError(StaffingError):
    """No queue of an export can be sized: none has an answered contact with a handle time.

    Its own type so that a report showing staffing beside other findings (the KPI report) can
    go on without it, while the staffing report itself refuses in one line. ``left_out``: the
    queues left out (``staffing.ProfileSplit.left_out``), for that report to say which.
    """

    def __init__(self, message: str, left_out: object = None) -> None:
        super().__init__(message)
        self.left_out = left_out


class UnsafeInputError(DataValidationError, ConfigError):
    """An input names a path outside its allowed root (or an id that cannot be a file name).

    A ``DataValidationError`` on purpose: it is bad input, so ``bpo`` exits 1 and builds nothing;
    also a ``ConfigError``, so code that reports bad configs reports it the same way.
    """


# --------------------------------------------------------------------------- interrupts
# Ctrl-C reaches Python as KeyboardInterrupt, but a library busy in native code when it arrives
# turns it into its own error: DuckDB raises ``RuntimeError: Query interrupted`` (or its
# ``InterruptException``), Spark and Py4J, pyarrow and GX wrap or swallow it likewise (P5-K02).
# No list of exception types can be complete, so the signal itself is recorded: whatever error
# surfaces after a SIGINT is the interrupt, and code that turns broad errors into messages asks
# ``reraise_if_interrupted`` first.

_sigint_seen = threading.Event()
_sigterm_seen = threading.Event()


def interrupt_seen() -> bool:
    """Whether SIGINT (or SIGTERM) arrived while ``watch_interrupts`` was active."""
    return _sigint_seen.is_set()


def terminated() -> bool:
    """Whether the interrupt was a SIGTERM (a scheduler's timeout, ``systemctl stop``, kill)."""
    return _sigterm_seen.is_set()


def reraise_if_interrupted(error: BaseException) -> None:
    """Raise ``KeyboardInterrupt`` (chained to ``error``) when a SIGINT arrived: ``error`` is
    then a library's wrapping of the interrupt, not a fault of the input."""
    if isinstance(error, KeyboardInterrupt) or interrupt_seen():
        raise KeyboardInterrupt from error


@contextmanager
def watch_interrupts() -> Iterator[None]:
    """Record every SIGINT while the block runs; the previous handler still runs (so Python's
    default one still raises ``KeyboardInterrupt``). SIGTERM, when it has its default handler
    (which would end the process at once, silently, skipping every ``finally``: P8-E05), is
    turned into the same ``KeyboardInterrupt``, so staging and the lock are cleaned up as on
    Ctrl-C and ``terminated()`` tells the two apart. Outside the main thread nothing is changed;
    an ignored signal stays ignored."""
    _sigint_seen.clear()
    _sigterm_seen.clear()
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    previous_term = signal.getsignal(signal.SIGTERM)

    def record(signum: int, frame: FrameType | None) -> Any:
        _sigint_seen.set()
        return previous(signum, frame)

    def on_term(signum: int, frame: FrameType | None) -> Any:
        _sigterm_seen.set()
        _sigint_seen.set()  # an error a library makes of it is the stop, as for Ctrl-C
        raise KeyboardInterrupt

    if callable(previous):
        signal.signal(signal.SIGINT, record)
    if previous_term is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        if callable(previous):
            signal.signal(signal.SIGINT, previous)
        if previous_term is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, previous_term)
