"""``bpo``: the project's command line (``make report`` / ``make validate`` call it).

    bpo report [--client ID] [-p KEY=VALUE ...] [--reports NAME ...]   (default: every client
                                                                       in config/clients/)
                     [--force] [--workers N]   (rebuilds only what changed)
    bpo refresh [same options]   (scheduled: also exit 3 when nothing changed; build/logs/)
    bpo validate
    bpo curate [ARGS ...]
    bpo runs [--client ID] [--refreshes]

Exit codes: 0 ok, 1 input validation failed, 2 build failed (bad parameters, notebook error,
publication error), 3 (refresh only) nothing to do, 4 another report/refresh is running.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import re
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Any, Protocol

from analysis.errors import BpoError, ConfigError, DataValidationError

EXIT_OK, EXIT_VALIDATION, EXIT_BUILD = 0, 1, 2
_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ValidationOutcome(Protocol):
    """What ``analysis.validation.validate_all()`` returns (contract with the validation module)."""

    success: bool
    summary_lines: list[str]
    warnings: list[Any]
    result_dir: Path


# --------------------------------------------------------------------------- output


class Output:
    """Progress lines: rich on a terminal, plain text under CI or when piped."""

    def __init__(self) -> None:
        self.plain = bool(os.environ.get("CI")) or not sys.stdout.isatty()
        self._console = None
        if not self.plain:
            from rich.console import Console

            self._console = Console(highlight=False)

    def line(self, text: str, style: str = "") -> None:
        if self._console is None:
            print(text, flush=True)
        else:
            self._console.print(text, style=style or None, markup=False)

    def working(self, text: str) -> Any:
        """A spinner while something runs (nothing in plain mode)."""
        return nullcontext() if self._console is None else self._console.status(text)


# --------------------------------------------------------------------------- parameters


def parse_parameter(item: str) -> tuple[str, Any]:
    """``KEY=VALUE`` with VALUE read as a YAML scalar (``2025`` -> int, ``true`` -> bool)."""
    import yaml

    key, sep, raw = item.partition("=")
    key = key.strip()
    if not sep or not _KEY_RE.match(key):
        raise ConfigError(f"parameter {item!r} must look like KEY=VALUE with KEY a Python name")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    if isinstance(value, dt.date | dt.datetime):
        value = value.isoformat()  # a notebook parameter cell cannot hold a date object literal
    if isinstance(value, dict | list):
        value = raw  # only scalars: "a, b" style text stays text
    return key, value


# --------------------------------------------------------------------------- validation


def run_validation() -> ValidationOutcome | None:
    """Call ``analysis.validation.validate_all()``; None when the module is not there yet."""
    try:
        module = importlib.import_module("analysis.validation")
    except ModuleNotFoundError as error:
        if error.name in {"analysis.validation", "analysis"}:
            return None
        raise
    validate_all = getattr(module, "validate_all", None)
    return validate_all() if callable(validate_all) else None


def _report_validation(out: Output) -> tuple[bool, ValidationOutcome | None]:
    """Run validation and print its outcome; (passed, outcome for the data-quality appendix)."""
    try:
        with out.working("validating inputs"):
            outcome = run_validation()
    except DataValidationError as error:
        out.line(f"validation failed: {error}", style="bold red")
        return False, None
    if outcome is None:
        out.line("validation module not installed: inputs were NOT validated", style="yellow")
        return True, None
    for text in outcome.summary_lines:
        out.line(text)
    warnings = list(outcome.warnings or [])
    status = "passed" if outcome.success else "FAILED"
    out.line(
        f"validation {status} ({len(warnings)} warning(s)); results in {outcome.result_dir}",
        style="green" if outcome.success else "bold red",
    )
    return bool(outcome.success), outcome


# --------------------------------------------------------------------------- commands


def _data_vintage() -> str:
    """Data vintage for the title block, if the catalog can tell (``catalog.data_vintage()``)."""
    try:
        from analysis.catalog import data_vintage  # type: ignore[attr-defined]
    except (ImportError, AttributeError):
        return "not recorded"
    try:
        return str(data_vintage())
    except (BpoError, OSError, ValueError):
        return "not recorded"


def _key_figure_sources() -> list[dict[str, Any]]:
    """Rows of ``sources.csv`` for the key-figure sources appendix (empty if unreadable)."""
    try:
        from analysis import catalog

        return catalog.load("sources").to_dict("records")
    except (BpoError, OSError, ValueError):
        return []


def cmd_report(args: argparse.Namespace, out: Output) -> int:
    """Validate, then build what changed (``--force``: everything) and publish; 0 when up to
    date. Same engine as ``bpo refresh`` (``analysis.refresh``), without its log file."""
    from analysis.lock import LockHeldError, refresh_lock
    from analysis.paths import reports_dir
    from analysis.refresh import (
        EXIT_LOCKED,
        EXIT_NOTHING,
        RunLog,
        build_deliverables,
        plan_deliverables,
        validate,
    )

    given = dict(parse_parameter(item) for item in args.param)
    log = RunLog(out.line)
    try:
        with refresh_lock("report"):
            # Every config and parameter set is checked before anything slow runs.
            deliverables = plan_deliverables(args.client, given, args.reports, args.timeout)
            passed, validation = validate(log, use_cache=False)
            if not passed:
                return EXIT_VALIDATION
            code = build_deliverables(
                deliverables, log, force=args.force, workers=args.workers, validation=validation
            )
    except LockHeldError as error:
        out.line(f"error: {error}", style="bold red")
        return EXIT_LOCKED
    if code == EXIT_NOTHING:
        out.line("every report is up to date; `bpo report --force` rebuilds them anyway")
        code = EXIT_OK
    if code == EXIT_OK:
        out.line(str(reports_dir() / "index.html"))
    return code


def cmd_validate(args: argparse.Namespace, out: Output) -> int:
    return EXIT_OK if _report_validation(out)[0] else EXIT_VALIDATION


def cmd_curate(args: argparse.Namespace, out: Output) -> int:
    try:
        from analysis.curate import main as curate_main
    except ImportError:
        out.line("curation module not installed (analysis.curate.main)", style="yellow")
        return EXIT_BUILD
    return int(curate_main(args.args) or 0)


def cmd_runs(args: argparse.Namespace, out: Output) -> int:
    from analysis.publish import latest_run_id, list_runs

    if args.refreshes:
        return cmd_refreshes(out)
    runs = list_runs(args.client)
    if not runs:
        out.line("no published runs")
        return EXIT_OK
    latest = {run.client: latest_run_id(run.client) for run in runs}
    for run in runs:
        names = ", ".join(report["name"] for report in run.reports)
        reused = sum(1 for report in run.reports if report.get("reused_from"))
        details = f"  [built {len(run.reports) - reused}, reused {reused}"
        if run.manifest.get("changes"):
            details += f", {run.manifest['changes']['figures_changed']} figure(s) moved"
        commit = (run.manifest.get("git") or {}).get("commit")
        details += f", commit {commit[:9]}]" if commit else "]"
        marker = "  (latest)" if latest[run.client] == run.run_id else ""
        out.line(f"{run.client:<12} {run.run_id}  {names}{details}{marker}")
    return EXIT_OK


def cmd_refreshes(out: Output) -> int:
    """Every refresh, published or not (from ``build/logs``), newest first."""
    from analysis.manifest import list_refreshes

    records = list_refreshes()
    if not records:
        out.line("no refresh has run yet")
    for record in records:
        out.line(record.line)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    from analysis.refresh import add_build_options
    from analysis.refresh import add_parser as add_refresh_parser

    parser = argparse.ArgumentParser(prog="bpo", description="bpo-research command line")
    commands = parser.add_subparsers(dest="command", required=True)

    report = commands.add_parser("report", help="validate inputs, execute and publish reports")
    report.add_argument(
        "--client", help="one client's config/clients/<id>.yaml (default: every configured client)"
    )
    report.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="notebook parameter; VALUE is read as YAML (2025 is an int); repeatable",
    )
    report.add_argument("--reports", nargs="+", metavar="NAME", help="only these reports")
    report.add_argument(
        "--timeout", type=int, default=600, help="seconds allowed per cell (default 600)"
    )
    add_build_options(report)
    report.set_defaults(handler=cmd_report)
    add_refresh_parser(commands)

    validate = commands.add_parser("validate", help="run every data contract on data/raw")
    validate.set_defaults(handler=cmd_validate)

    curate = commands.add_parser("curate", help="rebuild data/raw from the upstream research")
    curate.add_argument("args", nargs=argparse.REMAINDER, help="passed to analysis.curate.main")
    curate.set_defaults(handler=cmd_curate)

    runs = commands.add_parser("runs", help="list published runs, newest first")
    runs.add_argument("--client", help="only this client")
    runs.add_argument(
        "--refreshes", action="store_true", help="list every refresh run (build/logs) instead"
    )
    runs.set_defaults(handler=cmd_runs)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``bpo`` script; returns the exit code."""
    args = build_parser().parse_args(argv)
    out = Output()
    try:
        return args.handler(args, out)
    except DataValidationError as error:
        out.line(f"error: {error}", style="bold red")
        return EXIT_VALIDATION
    except BpoError as error:
        out.line(f"error: {error}", style="bold red")
        return EXIT_BUILD


if __name__ == "__main__":
    sys.exit(main())
