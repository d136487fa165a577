"""The validation gate every build passes: run the data contracts once per run, outside the
report kernels (importing Great Expectations takes seconds), and cache a success on the inputs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from analysis.errors import BpoError
from analysis.paths import build_dir, raw_dir
from analysis.pipeline.fingerprint import data_tree_digest

VALIDATION_CACHE = "validation/last_success.json"


class ValidationOutcome(Protocol):
    """What ``analysis.data.validation.validate_all()`` returns."""

    success: bool
    summary_lines: list[str]
    warnings: list[Any]
    result_dir: Path


def run_validation(clients: Sequence[str] | None = None) -> ValidationOutcome | None:
    """Run every data contract on ``data/raw`` (``analysis.data.validation.validate_all``).

    ``clients``: the client export folders to validate (default every one). A client whose
    config says ``engine: spark`` has its export parsed and validated on Spark.
    """
    from analysis.data.validation import validate_all

    engines = _engines()
    if engines:
        return validate_all(clients=clients, engines=engines)
    return validate_all(clients=clients)


def _engines() -> dict[str, str]:
    """Export folder -> engine from the client configs (none readable: every export on DuckDB;
    a bad config is reported by the plan, which runs next)."""
    from analysis.errors import ConfigError
    from analysis.pipeline.config import export_engines

    try:
        return export_engines()
    except ConfigError:
        return {}


def clients_read_by(jobs: Iterable[Any]) -> list[str]:
    """The client export folders (``data/raw/clients/<name>``) any of these jobs reads."""
    base = raw_dir() / "clients"
    found = set()
    for job in jobs:
        for path in getattr(job, "inputs", ()):
            try:
                parts = Path(path).resolve().relative_to(base.resolve()).parts
            except ValueError:
                continue
            if len(parts) > 1:
                found.add(parts[0])
    return sorted(found)


def validate(log: Callable[[str], None], *, use_cache: bool,
             clients: Sequence[str] | None = None) -> tuple[bool, dict[str, Any]]:
    """Run the data contracts unless the same inputs and code already passed them.

    ``clients``: only these client exports are validated (those the build reads: a bad export
    of one client does not stop another's reports); default every one. Returns (passed,
    summary for the data-quality appendix and the run manifest); every line of the outcome
    goes to ``log``.
    """
    cache = build_dir() / VALIDATION_CACHE
    scope = "all" if clients is None else ",".join(sorted(clients))
    spark = ",".join(sorted(_engines())) if use_cache else ""
    key = f"{data_tree_digest()}|clients={scope}|spark={spark}" if use_cache else None
    if key is not None and cache.is_file():
        try:
            cached = json.loads(cache.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            cached = {}
        if cached.get("key") == key:
            log(f"validation: inputs unchanged since {cached.get('validated_utc')}, passed then "
                f"({cached.get('warnings', 0)} warning(s)); not re-run")
            return True, {**cached.get("summary", {}), "cached": True}
    started = time.perf_counter()
    try:
        outcome = run_validation(clients)
    except BpoError as error:
        log(f"validation failed: {error}")
        return False, {"status": "failed", "error": str(error)}
    if outcome is None:
        log("validation module not installed: inputs were NOT validated")
        return True, {"status": "not validated"}
    for line in [*outcome.summary_lines, *(getattr(outcome, "notes", None) or [])]:
        log(line)
    warnings = list(outcome.warnings or [])
    ok = bool(outcome.success)
    summary = {
        "status": "passed" if ok else "failed",
        "warnings": [str(getattr(w, "line", w)) for w in warnings],
        "datasets": dict(getattr(outcome, "datasets", {}) or {}),
        "excluded": dict(getattr(outcome, "excluded", {}) or {}),
        "skipped_clients": list(getattr(outcome, "skipped", []) or []),
        "result_dir": str(outcome.result_dir),
        "run_id": str(getattr(outcome, "run_id", "") or ""),
        "elapsed_s": round(time.perf_counter() - started, 2),
    }
    log(f"validation {'passed' if ok else 'FAILED'} ({len(warnings)} warning(s)) in "
        f"{summary['elapsed_s']} s; results in {outcome.result_dir}")
    if ok and key is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        record = {"key": key, "validated_utc": datetime.now(UTC).isoformat(timespec="seconds"),
                  "warnings": len(warnings), "summary": summary}
        cache.write_text(json.dumps(record, indent=2), encoding="utf-8")
    return ok, summary
