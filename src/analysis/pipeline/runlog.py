"""A run's log: timestamped lines to ``build/logs/<id>.log`` (optional), echoed to the console."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path


class RunLog:
    """Timestamped lines to ``build/logs/<id>.log`` (optional), echoed to the console."""

    def __init__(self, echo: Callable[[str], None], path: Path | None = None) -> None:
        self.echo = echo
        self.path = path
        self._handle = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = path.open("a", encoding="utf-8", buffering=1)

    def __call__(self, text: str, echo: bool = True) -> None:
        if self._handle is not None:
            stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"
            for line in str(text).splitlines() or [""]:
                self._handle.write(f"{stamp} {line}\n")
        if echo:
            self.echo(text)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()

