"""``bpo``: the project's command line (``make report`` / ``make validate`` call it).

    bpo report [--client ID] [-p KEY=VALUE ...] [--reports NAME ...]   (default: every client
                                                                       in config/clients/)
                     [--force] [--workers N]   (rebuilds only what changed)
                     [--no-pdf]   (no PDFs: HTML and data-pack.xlsx only)
    bpo refresh [same options]   (scheduled: also exit 3 when nothing changed; build/logs/)
                [--nothing-to-do-ok]   (exit 0 instead of 3: what `make refresh` passes)
    bpo validate
    bpo curate [ARGS ...]
    bpo runs [--client ID] [--refreshes]

Exit codes: 0 ok, 1 input validation failed (bad data; an input naming a path outside its
folder), 2 build failed (bad parameters, notebook error, publication error, unwritable or full
output disk), 3 (refresh only) nothing to do, 4 another report/refresh is running,
130 interrupted (Ctrl-C), 143 stopped by SIGTERM.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any

# Only light modules at import time: the pipeline takes seconds to import (pandas, GX,
# papermill), and a Ctrl-C during a module-level import would escape as a traceback before
# ``main`` can catch it, so each command imports what it needs inside ``main``'s guard.
from analysis.data.progress import show_progress
from analysis.data.text_rules import escaped
from analysis.errors import (
    BpoError,
    ConfigError,
    DataValidationError,
    interrupt_seen,
    terminated,
    watch_interrupts,
)
from analysis.settings import check_environment

if TYPE_CHECKING:
    from analysis.pipeline.plan import BuildRequest

EXIT_OK, EXIT_VALIDATION, EXIT_BUILD = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM, what a scheduler or a shell reports for a kill


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
        """Print one line. Control and direction-changing characters are printed as escapes
        (``\\x1b``, ``\\n``): a line may quote data (an exclusion's reason, a value), and no
        data may clear the screen or start a line that looks like the program's own (P5-M11).
        """
        text = escaped(text)
        if self._console is None:
            print(text, flush=True)
        else:
            self._console.print(text, style=style or None, markup=False)

    def lines(self, text: str, style: str = "") -> None:
        """Print a message the program wrote over several lines (a validation failure lists
        one finding per line), each line escaped as ``line`` does."""
        for part in text.split("\n"):
            self.line(part, style)

    def working(self, text: str) -> Any:
        """A spinner while something runs (nothing in plain mode)."""
        return nullcontext() if self._console is None else self._console.status(text)


# --------------------------------------------------------------------------- commands


def split_params(text: str) -> list[str]:
    """``KEY=VALUE`` items of one string as a shell would split them (``make report P=...``):
    quotes group a value with spaces, and nothing in it is ever run."""
    try:
        return shlex.split(text)
    except ValueError as error:  # an unclosed quote
        raise ConfigError(f"--params {text!r}: {error}") from None


def _at_least_one(text: str) -> int:
    """A whole number of at least 1 (papermill reads a timeout of -1 as "never")."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def _request(args: argparse.Namespace) -> BuildRequest:
    from analysis.pipeline.config import check_client_id
    from analysis.pipeline.plan import BuildRequest

    if args.client is not None:  # "" is a typo, not "every client"
        check_client_id(args.client, "--client")
    params = [*split_params(args.params or ""), *args.param]
    return BuildRequest(
        client=args.client, params=tuple(params), timeout=args.timeout, force=args.force,
        reports=tuple(args.reports) if args.reports else None, workers=args.workers,
        pdf=not args.no_pdf,
    )


def cmd_report(args: argparse.Namespace, out: Output) -> int:
    """Validate, then build what changed (``--force``: everything) and publish."""
    from analysis.paths import reports_dir
    from analysis.pipeline.refresh import EXIT_NOTHING, report

    code = report(_request(args), out.line)
    if code == EXIT_NOTHING:
        out.line("every report is up to date; `bpo report --force` rebuilds them anyway")
        code = EXIT_OK
    if code == EXIT_OK:
        out.line(str(reports_dir() / "index.html"))
    return code


def cmd_refresh(args: argparse.Namespace, out: Output) -> int:
    """The scheduler's entry point: its exit code is the refresh's (0/1/2/3/4).

    ``--nothing-to-do-ok`` turns "nothing to do" (3) into 0 for callers that only see success
    or failure (``make refresh``, a cron mail on non-zero); the run record keeps 3.
    """
    from analysis.pipeline.refresh import EXIT_NOTHING, refresh

    code = refresh(_request(args), out.line)
    if code == EXIT_NOTHING and args.nothing_to_do_ok:
        out.line("nothing to do: no input changed, nothing published (exit 0)")
        return EXIT_OK
    return code


def cmd_validate(args: argparse.Namespace, out: Output) -> int:
    from analysis.pipeline.config import configured_clients, export_engines
    from analysis.pipeline.validate import validate

    # Which engine checks each export comes from the client configs: a config that cannot be
    # read stops here naming it (exit 2), never skipped so its export is checked on DuckDB.
    # No config at all is fine here: the data contracts do not need one.
    if configured_clients():
        export_engines()
    with out.working("validating inputs"):
        passed, _ = validate(out.line, use_cache=False)
    return EXIT_OK if passed else EXIT_VALIDATION


def cmd_curate(args: argparse.Namespace, out: Output) -> int:
    from analysis.data.curate import main as curate_main

    return int(curate_main(args.args) or 0)


def cmd_runs(args: argparse.Namespace, out: Output) -> int:
    from analysis.pipeline.config import check_client_id
    from analysis.pipeline.publish import latest_run_id, list_runs, orphaned_runs

    if args.refreshes:
        return cmd_refreshes(out)
    if args.client is not None:
        check_client_id(args.client, "--client")
    runs = list_runs(args.client, on_skip=out.line)
    if not runs:
        out.line("no published runs")
        return EXIT_OK
    latest = {run.client: latest_run_id(run.client) for run in runs}
    for run in runs:
        names = ", ".join(report["name"] for report in run.reports)
        reused = sum(1 for report in run.reports if report.get("reused_from"))
        details = f"  [built {len(run.reports) - reused}, reused {reused}"
        changes, git = run.manifest.get("changes"), run.manifest.get("git")
        if isinstance(changes, dict) and "figures_changed" in changes:
            details += f", {changes['figures_changed']} figure(s) moved"
        commit = git.get("commit") if isinstance(git, dict) else None
        details += f", commit {commit[:9]}]" if isinstance(commit, str) else "]"
        marker = "  (latest)" if latest[run.client] == run.run_id else ""
        if run.path in orphaned_runs(run.client):
            marker = "  (interrupted publication: never latest; the next run removes it)"
        out.line(f"{run.client:<12} {run.run_id}  {names}{details}{marker}")
    return EXIT_OK


def cmd_refreshes(out: Output) -> int:
    """Every refresh, published or not (from ``build/logs``), newest first."""
    from analysis.pipeline.manifest import list_refreshes

    records = list_refreshes()
    if not records:
        out.line("no refresh has run yet")
    for record in records:
        out.line(record.line)
    return EXIT_OK


def _add_build_options(parser: argparse.ArgumentParser, handler: Any) -> None:
    """The options ``bpo report`` and ``bpo refresh`` share."""
    parser.add_argument(
        "--client", help="one client's config/clients/<id>.yaml (default: every configured client)"
    )
    parser.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="notebook parameter; VALUE is read as YAML (2025 is an int); repeatable",
    )
    parser.add_argument(
        "--params", metavar="'K=V K2=\"V 2\"'", default="",
        help="several KEY=VALUE items in one string, split like a shell would (make's P)",
    )
    parser.add_argument("--reports", nargs="+", metavar="NAME", help="only these reports")
    parser.add_argument(
        "--timeout", type=_at_least_one, default=600,
        help="seconds allowed per cell (default 600)"
    )
    parser.add_argument("--force", action="store_true",
                        help="rebuild every report even if its inputs did not change")
    parser.add_argument("--workers", type=_at_least_one, default=None, metavar="N",
                        help="notebooks run at once (default: the number of cores)")
    parser.add_argument("--no-pdf", action="store_true",
                        help="skip the PDFs (HTML and the Excel data pack are still made)")
    parser.set_defaults(handler=handler)


def build_parser() -> argparse.ArgumentParser:
    """The ``bpo`` argument parser with every sub-command."""
    parser = argparse.ArgumentParser(prog="bpo", description="bpo-research command line")
    commands = parser.add_subparsers(dest="command", required=True)

    report_parser = commands.add_parser(
        "report", help="validate inputs, execute and publish reports"
    )
    _add_build_options(report_parser, cmd_report)
    refresh_parser = commands.add_parser(
        "refresh",
        help="validate, rebuild what changed, publish, summarise (exit 0/1/2/3/4, see docs)",
    )
    _add_build_options(refresh_parser, cmd_refresh)
    refresh_parser.add_argument(
        "--nothing-to-do-ok", action="store_true",
        help="exit 0 instead of 3 when no input changed (make refresh passes this)",
    )

    validate_parser = commands.add_parser("validate", help="run every data contract on data/raw")
    validate_parser.set_defaults(handler=cmd_validate)

    curate = commands.add_parser("curate", help="rebuild data/raw from the upstream research")
    curate.add_argument(
        "args", nargs=argparse.REMAINDER, help="passed to analysis.data.curate.main"
    )
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
    with watch_interrupts():
        try:
            # Every BPO_* setting, before any work: a typo is one line naming it (exit 2).
            check_environment()
            # Long parses say where they are (a 100M-row export takes minutes).
            show_progress(lambda message: out.line(message, style="dim"))
            # Set by a build for its report kernels only: in bpo itself it would make the
            # validation gate refuse every export as "changed after validation" (P7-R06).
            os.environ.pop("BPO_VALIDATED_EXPORTS_ONLY", None)
            code = args.handler(args, out)
        except KeyboardInterrupt:
            return _interrupted(out)
        except Exception as error:
            # After Ctrl-C, whatever error surfaces is the interrupt as a library wrapped it
            # (DuckDB's "Query interrupted", P5-K02): one line, exit 130, never a traceback.
            if interrupt_seen():
                return _interrupted(out)
            return _failed(error, out)
        finally:
            show_progress(None)  # this command's output only (main is called again in tests)
        if code != EXIT_OK and interrupt_seen():
            return _interrupted(out)  # a finding or failure made of the interrupt
        return code


def _failed(error: Exception, out: Output) -> int:
    """The one-line message and exit code of an error the command did not handle itself."""
    if isinstance(error, DataValidationError):
        out.lines(f"error: {error}", style="bold red")
        return EXIT_VALIDATION
    if isinstance(error, BpoError):
        out.line(f"error: {error}", style="bold red")
        return EXIT_BUILD
    if isinstance(error, OSError):  # a disk or permission problem the checks could not foresee
        where = f"{error.filename}: " if error.filename else ""
        out.line(f"error: {where}{error.strerror or error} (nothing was published)",
                 style="bold red")
        return EXIT_BUILD
    raise error


def _interrupted(out: Output) -> int:
    # Ctrl-C: one line, the shell's exit code for SIGINT, no traceback (S01). Staging and the
    # lock are released on the way out; a published run is always complete.
    # SIGTERM (a scheduler's timeout, systemctl stop) is cleaned up the same way and said so,
    # with the exit code a killed process has (P8-E05: it ended silently).
    what, code = (("stopped (SIGTERM)", EXIT_TERMINATED) if terminated()
                  else ("interrupted", EXIT_INTERRUPTED))
    out.line(f"{what}: nothing more was published; reports/ keeps its last complete runs "
             "(run again to finish)", style="bold red")
    return code


if __name__ == "__main__":
    sys.exit(main())
