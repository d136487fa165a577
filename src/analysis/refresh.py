"""Incremental, parallel, atomic builds: ``bpo refresh`` (scheduled) and ``bpo report``.

    fingerprint every report of every deliverable -> execute only the changed ones, in a
    process pool, while the inputs are validated (cached on the inputs) -> once validation
    passed, convert to HTML in process -> publish each deliverable atomically -> write the run
    manifest and the what-changed summary -> exit code for the scheduler

Nothing is converted or published before validation passed; notebooks that ran on inputs
that then fail it are discarded. (``bpo report`` validates first, then builds.)

A deliverable is one client's report set. A report whose fingerprint matches the one recorded
in the client's latest published run is not executed again: its HTML is carried over into the
new run folder. When nothing changed anywhere, nothing is published (exit 3).

Exit codes: 0 published, 1 validation failed (nothing published), 2 a build failed or the
configuration is wrong (nothing published), 3 nothing to do, 4 another refresh holds the lock.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analysis.errors import BpoError, BuildError
from analysis.fingerprint import (
    DEFAULT_INPUTS,
    Fingerprint,
    data_tree_digest,
    declared_parameters,
    report_fingerprint,
    resolve_inputs,
)
from analysis.lock import LockHeldError, refresh_lock
from analysis.manifest import logs_dir, provenance, write_refresh_record
from analysis.paths import build_dir, project_root, reports_dir

EXIT_OK, EXIT_VALIDATION, EXIT_BUILD, EXIT_NOTHING, EXIT_LOCKED = 0, 1, 2, 3, 4
VALIDATION_CACHE = "validation/last_success.json"


# --------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class ReportJob:
    """One notebook run: a report of a client's deliverable with its parameters."""

    client: str
    name: str
    title: str
    notebook: Path
    parameters: dict[str, Any]
    inputs: tuple[Path, ...]
    page: dict[str, Any]
    timeout: int = 600


@dataclass
class Deliverable:
    """One client's report set, and what the build decided and did for it."""

    client: str
    client_name: str
    parameters: dict[str, Any]
    jobs: list[ReportJob]
    meta: dict[str, Any] = field(default_factory=dict)
    previous: dict[str, Any] | None = None
    fingerprints: dict[str, Fingerprint] = field(default_factory=dict)
    reuse: dict[str, dict[str, Any]] = field(default_factory=dict)
    run_id: str | None = None
    stage: Path | None = None
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    published: Path | None = None

    @property
    def to_build(self) -> list[ReportJob]:
        return [job for job in self.jobs if job.name not in self.reuse]

    @property
    def up_to_date(self) -> bool:
        previous_names = [entry["name"] for entry in (self.previous or {}).get("reports", [])]
        return not self.to_build and previous_names == [job.name for job in self.jobs]


def path_parameters(values: Mapping[str, Any]) -> list[Path]:
    """Files named by parameter values (a client's KPI export, say): they are inputs too."""
    root = project_root()
    found: list[Path] = []
    for value in values.values():
        if not isinstance(value, str) or not value or len(value) > 4096:
            continue
        path = Path(value) if Path(value).is_absolute() else root / value
        try:
            if path.is_file():
                found.append(path)
            elif path.is_dir() and path.resolve().is_relative_to(root):
                found += sorted(p for p in path.rglob("*") if p.is_file())
        except OSError:
            continue
    return found


def _defaults(notebook: Path) -> dict[str, Any]:
    """The declared parameters' default values (literals only) of a notebook."""
    values = {}
    for name, info in declared_parameters(notebook).items():
        try:
            values[name] = ast.literal_eval(str(info.get("default")))
        except (ValueError, SyntaxError):
            continue
    return values


def report_job(
    client: str, name: str, spec: Any, parameters: dict[str, Any], page: dict[str, Any],
    timeout: int = 600,
) -> ReportJob:
    """A job for report ``name`` (registry ``spec``) with its resolved data inputs.

    Inputs: the globs the registry declares (``spec.inputs``; default every research table),
    plus any file a parameter value or a parameter default names.
    """
    notebook = spec.notebook_path()
    values = {**_defaults(notebook), **parameters}
    patterns = tuple(getattr(spec, "inputs", ()) or DEFAULT_INPUTS)
    inputs = resolve_inputs(patterns, {"client": client, **values})
    inputs += [p for p in path_parameters(values) if p not in inputs]
    return ReportJob(
        client, name, spec.title, notebook, dict(parameters), tuple(inputs), page, timeout
    )


def plan_deliverables(
    client: str | None, given: Mapping[str, Any], report_names: list[str] | None,
    timeout: int = 600,
) -> list[Deliverable]:
    """Every configured client's deliverable (or one client's), parameters checked."""
    from analysis.config import load_clients, plan_client
    from analysis.reports import REPORTS, select_reports

    if report_names:
        select_reports(report_names)  # unknown names fail here, before anything runs
    deliverables = []
    for loaded in load_clients(client):
        if report_names and not set(report_names) & set(loaded.report_names()):
            continue  # a client without the requested reports is left alone
        plan = plan_client(loaded, given, {"client": loaded.id, "run_id": None}, report_names)
        page = {"client_name": loaded.display_name, "accent": loaded.accent}
        meta = dict(page)
        if loaded.config.branding.logo:
            page["logo"] = loaded.config.branding.logo
            meta["logo"] = loaded.logo_data_uri()
        jobs = [
            report_job(loaded.id, name, REPORTS[name], params,
                       {"title": REPORTS[name].title, **page}, timeout)
            for name, params in plan.items()
        ]
        deliverables.append(Deliverable(loaded.id, loaded.display_name, dict(given), jobs, meta))
    return deliverables


# --------------------------------------------------------------------------- log


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


# --------------------------------------------------------------------------- validation


def validate(log: RunLog, *, use_cache: bool) -> tuple[bool, dict[str, Any]]:
    """Run the data contracts unless the same inputs and code already passed them."""
    from analysis import cli

    cache = build_dir() / VALIDATION_CACHE
    key = data_tree_digest() if use_cache else None
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
        outcome = cli.run_validation()
    except BpoError as error:
        log(f"validation failed: {error}")
        return False, {"status": "failed", "error": str(error)}
    if outcome is None:
        log("validation module not installed: inputs were NOT validated")
        return True, {"status": "not validated"}
    for line in outcome.summary_lines:
        log(line)
    warnings = list(outcome.warnings or [])
    ok = bool(outcome.success)
    summary = {
        "status": "passed" if ok else "failed",
        "warnings": [str(getattr(w, "line", w)) for w in warnings],
        "datasets": dict(getattr(outcome, "datasets", {}) or {}),
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


# --------------------------------------------------------------------------- execution


def _die_with_parent() -> None:
    """Pool worker initializer: a worker whose refresh is killed dies too (Linux only), so no
    orphan keeps writing into a staging folder the next run is cleaning."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def execute_job(job: ReportJob, run_id: str) -> dict:
    """Execute one report notebook (runs in a pool worker); its HTML is made in process."""
    from analysis.build import execute_notebook

    started = time.time()
    executed = build_dir() / "runs" / run_id / f"{job.name}.ipynb"
    parameters = dict(job.parameters)
    if "run_id" in parameters:
        parameters["run_id"] = run_id
    try:
        t0 = time.perf_counter()
        result = execute_notebook(job.notebook, executed, parameters, timeout=job.timeout)
        elapsed = time.perf_counter() - t0
    except BpoError:
        raise
    except Exception as error:  # a worker must hand back something picklable and readable
        raise BuildError(f"{job.name}: {type(error).__name__}: {error}") from None
    return {
        "started_utc": datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds"),
        "execute_s": round(elapsed, 2),
        "pid": os.getpid(),
        "executed": str(executed),
        "figures": result.figures,
        "parameters": parameters,
    }


def convert_job(deliverable: Deliverable, job: ReportJob, result: dict[str, Any]) -> None:
    """Convert an executed notebook into the deliverable's staged HTML (in this process)."""
    from analysis.build import notebook_to_html

    started = time.perf_counter()
    notebook_to_html(
        Path(result["executed"]), deliverable.stage / f"{job.name}.html", title=job.title,
        meta={**deliverable.meta, "figures": result["figures"]},
    )
    result["convert_s"] = round(time.perf_counter() - started, 2)
    result["elapsed_s"] = round(result["execute_s"] + result["convert_s"], 2)


def _label(job: ReportJob, many: bool) -> str:
    return f"{job.client}/{job.name}" if many else job.name


VALIDATION_FAILED = "validation failed"


def run_jobs(
    work: list[tuple[Deliverable, ReportJob]], workers: int, log: RunLog, many: bool,
    prepare: Callable[[], bool], overlap: bool = False,
) -> str | None:
    """Execute the jobs and convert each to HTML; None, or what failed.

    ``prepare`` (validation, page metadata) runs in this process before any conversion; with
    ``overlap`` the pool is already executing notebooks meanwhile. Nothing is published from
    here, so a notebook run on inputs that then fail validation is only discarded
    (``VALIDATION_FAILED`` is returned).
    """
    workers = max(1, min(workers, len(work)))
    log(f"building {len(work)} report(s) with {workers} worker(s)")
    if workers == 1 and not overlap:
        if not prepare():
            return VALIDATION_FAILED
        for deliverable, job in work:
            failure = _finish(deliverable, job, log, many,
                              lambda d=deliverable, j=job: execute_job(j, d.run_id))
            if failure:
                return failure
        return None
    with ProcessPoolExecutor(workers, initializer=_die_with_parent) as pool:
        submitted = time.perf_counter()
        futures: dict[Future, tuple[Deliverable, ReportJob]] = {
            pool.submit(execute_job, job, d.run_id): (d, job) for d, job in work
        }
        pending = set(futures)
        failure = None if prepare() else VALIDATION_FAILED
        while pending and failure is None:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                deliverable, job = futures[future]
                failure = failure or _finish(
                    deliverable, job, log, many, future.result, submitted
                )
        if failure:
            for future in pending:
                future.cancel()
            wait(pending)  # running notebooks finish; their output is discarded with the stage
        return failure


def _finish(
    deliverable: Deliverable, job: ReportJob, log: RunLog, many: bool,
    get: Callable[[], dict[str, Any]], started: float | None = None,
) -> str | None:
    started = time.perf_counter() if started is None else started
    try:
        result = get()
        convert_job(deliverable, job, result)
    except BpoError as error:
        log(f"FAIL {_label(job, many)} ({time.perf_counter() - started:.1f} s)")
        log(str(error))
        return str(error)
    deliverable.results[job.name] = result
    log(f"ok   {_label(job, many)} ({result['elapsed_s']:.1f} s)")
    log(f"     executed {result['execute_s']} s, converted {result['convert_s']} s, "
        f"started {result['started_utc']}, pid {result['pid']}", echo=False)
    return None


# --------------------------------------------------------------------------- publication


def latest_manifest(client: str) -> tuple[dict[str, Any] | None, Path | None]:
    """The manifest and folder of a client's latest published run, if any."""
    from analysis.publish import MANIFEST, latest_run_id

    run_id = latest_run_id(client)
    if not run_id:
        return None, None
    folder = reports_dir() / client / run_id
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8")), folder
    except (OSError, json.JSONDecodeError):
        return None, None


def decide(deliverable: Deliverable, force: bool) -> None:
    """Fingerprint each report and mark the unchanged ones for reuse."""
    previous, folder = latest_manifest(deliverable.client)
    deliverable.previous = previous
    before = {entry["name"]: entry for entry in (previous or {}).get("reports", [])}
    for job in deliverable.jobs:
        fingerprint = report_fingerprint(job.notebook, job.inputs, job.parameters, job.page)
        deliverable.fingerprints[job.name] = fingerprint
        entry = before.get(job.name)
        if force or not entry or folder is None:
            continue
        if entry.get("fingerprint_key") == fingerprint.key and (folder / entry["file"]).is_file():
            deliverable.reuse[job.name] = {
                **entry, "reused_from": entry.get("reused_from") or previous["run_id"],
                "source": folder / entry["file"],
            }


def _carry_over(source: Path, dest: Path) -> None:
    try:
        os.link(source, dest)  # same bytes, no copy: published files are never edited in place
    except OSError:
        shutil.copy2(source, dest)


def assemble(deliverable: Deliverable, common: dict[str, Any], refresh_id: str) -> Path:
    """Finish the staged run folder (carried-over reports, manifest, changes) and publish it."""
    from analysis.changes import CHANGES_HTML, compare_runs, write_changes
    from analysis.publish import publish_run, write_run_index

    stage = deliverable.stage
    entries = []
    for job in deliverable.jobs:
        fingerprint = deliverable.fingerprints[job.name]
        entry = {
            "name": job.name, "title": job.title, "file": f"{job.name}.html",
            "notebook": str(job.notebook.relative_to(project_root()))
            if job.notebook.is_relative_to(project_root()) else str(job.notebook),
            "fingerprint_key": fingerprint.key, "fingerprint": fingerprint.components,
        }
        if job.name in deliverable.reuse:
            old = deliverable.reuse[job.name]
            _carry_over(old["source"], stage / entry["file"])
            entry.update({k: old.get(k) for k in ("parameters", "elapsed_s", "figures",
                                                  "timings", "reused_from")})
        else:
            result = deliverable.results[job.name]
            entry.update({
                "parameters": result["parameters"], "elapsed_s": result["elapsed_s"],
                "figures": result["figures"], "reused_from": None,
                "timings": {k: result[k] for k in ("started_utc", "execute_s", "convert_s")},
                "outputs": {"html": entry["file"], "executed_notebook": result["executed"]},
            })
        entries.append(entry)
    now = datetime.now(UTC)
    manifest = {
        "run_id": deliverable.run_id, "refresh_id": refresh_id, "client": deliverable.client,
        "client_name": deliverable.client_name, "accent": deliverable.meta.get("accent"),
        "created_utc": now.isoformat(timespec="seconds"),
        "date": deliverable.meta.get("date"), "data_vintage": deliverable.meta.get("data_vintage"),
        "parameters": deliverable.parameters, "reports": entries, **common,
    }
    summary = compare_runs(deliverable.previous, manifest)
    write_changes(stage, summary)
    manifest["changes"] = {"page": CHANGES_HTML, "figures_changed": summary["figures_changed"],
                           "previous_run_id": summary["previous_run_id"]}
    write_run_index(stage, manifest)
    return publish_run(stage, deliverable.client)


def clean_stale_work() -> list[str]:
    """Remove what a killed run left behind (call with the lock held: no run is live)."""
    removed = []
    staging = build_dir() / "staging"
    if staging.is_dir():
        for folder in staging.iterdir():
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(str(folder))
    root = reports_dir()
    if root.is_dir():
        for leftover in [*root.glob("*/.incoming-*"), *root.glob("*/.latest-*.tmp")]:
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)
            removed.append(str(leftover))
    return removed


def _expected_seconds(item: tuple[Deliverable, ReportJob]) -> float:
    """Sort key: longest previous run first (a never-timed report counts as longest), so the
    pool does not end waiting on one slow notebook started last."""
    deliverable, job = item
    for entry in (deliverable.previous or {}).get("reports", []):
        if entry["name"] == job.name and entry.get("elapsed_s"):
            return -float(entry["elapsed_s"])
    return -float("inf")


def build_deliverables(
    deliverables: list[Deliverable], log: RunLog, *, force: bool = False,
    workers: int | None = None, validation: dict[str, Any] | None = None,
    validate_during: Callable[[], tuple[bool, dict[str, Any]]] | None = None,
    refresh_id: str | None = None,
) -> int:
    """Build what changed, publish every deliverable atomically; returns an exit code.

    ``validation``: the summary of a validation already passed; or ``validate_during``: run
    the validation here, while the pool already executes the changed notebooks (nothing is
    converted or published before it passed).
    """
    from analysis import cli
    from analysis.publish import create_staging, discard_staging, new_run_id

    for deliverable in deliverables:
        decide(deliverable, force)
    many = len(deliverables) > 1
    changed = [d for d in deliverables if not d.up_to_date]
    for deliverable in deliverables:
        for name, old in deliverable.reuse.items():
            label = f"{deliverable.client}/{name}" if many else name
            log(f"skip {label} (unchanged since run {old['reused_from']})")
    checked = {"summary": validation or {}}

    def prepare() -> bool:
        if validate_during is not None:
            passed, checked["summary"] = validate_during()
            if not passed:
                return False
        vintage, sources = cli._data_vintage(), cli._key_figure_sources()
        for deliverable in changed:
            deliverable.meta.update({"data_vintage": vintage, "sources": sources,
                                     "data_quality": checked["summary"]})
        return True

    if not changed:
        # Inputs no report reads may still have changed: the scheduler hears about bad data.
        if validate_during is not None and not validate_during()[0]:
            return EXIT_VALIDATION
        log("nothing to do: every report is up to date")
        return EXIT_NOTHING
    today = datetime.now(UTC).strftime("%d %B %Y")
    used: set[str] = set()
    try:
        for deliverable in changed:
            # Ids drawn in the same millisecond differ only by one random digit: draw again.
            while (run_id := new_run_id()) in used:
                pass
            used.add(run_id)
            deliverable.run_id = run_id
            deliverable.stage = create_staging(run_id)
            deliverable.meta.update({"date": today, "run_id": run_id})
        work = sorted(((d, job) for d in changed for job in d.to_build), key=_expected_seconds)
        failure = run_jobs(work, workers or os.cpu_count() or 1, log, many, prepare,
                           overlap=validate_during is not None)
        if failure == VALIDATION_FAILED:
            log("nothing published: fix the inputs and run again")
            return EXIT_VALIDATION
        if failure:
            log(f"nothing published; {reports_dir()} is unchanged")
            return EXIT_BUILD
        common = provenance(checked["summary"])
        for deliverable in changed:
            deliverable.published = assemble(deliverable, common, refresh_id or "")
            log(f"published {deliverable.published}")
    finally:
        for deliverable in changed:
            if deliverable.published is None and deliverable.stage is not None:
                discard_staging(deliverable.stage)
    return EXIT_OK


# --------------------------------------------------------------------------- command


def cmd_refresh(args: argparse.Namespace, out: Any) -> int:
    """``bpo refresh``: the scheduler's entry point (see the module docstring for exit codes)."""
    from analysis.publish import new_run_id

    refresh_id = new_run_id()
    started = time.perf_counter()
    try:
        with refresh_lock("refresh") as stale_note:
            log = RunLog(out.line, logs_dir() / f"{refresh_id}.log")
            record: dict[str, Any] = {"refresh_id": refresh_id, "deliverables": []}
            try:
                code = _refresh(args, log, record, stale_note)
            except Exception:  # a crash must not exit 1, which means "validation failed"
                import traceback

                log(traceback.format_exc())
                record.update({"exit_code": EXIT_BUILD, "outcome": "crashed"})
                code = EXIT_BUILD
            finally:
                elapsed = time.perf_counter() - started
                record["elapsed_s"] = round(elapsed, 2)
                write_refresh_record(refresh_id, record)
                log(f"refresh {refresh_id} finished in {elapsed:.1f} s: exit "
                    f"{record.get('exit_code')} ({record.get('outcome')}); log {log.path}")
                log.close()
            return code
    except LockHeldError as error:
        out.line(f"refresh not started: {error}")
        write_refresh_record(refresh_id, {
            "refresh_id": refresh_id, "exit_code": EXIT_LOCKED, "outcome": "locked",
            "error": str(error), "elapsed_s": round(time.perf_counter() - started, 2),
        })
        return EXIT_LOCKED


_OUTCOMES = {EXIT_OK: "published", EXIT_VALIDATION: "validation failed",
             EXIT_BUILD: "build failed", EXIT_NOTHING: "nothing to do"}


def _refresh(
    args: argparse.Namespace, log: RunLog, record: dict[str, Any], stale_note: str | None
) -> int:
    from analysis.cli import parse_parameter

    def done(code: int) -> int:
        record.update({"exit_code": code, "outcome": _OUTCOMES[code]})
        return code

    log(f"refresh {record['refresh_id']} started (pid {os.getpid()}, root {project_root()})")
    if stale_note:
        log(stale_note)
    for leftover in clean_stale_work():
        log(f"removed leftover of an interrupted run: {leftover}")
    try:
        given = dict(parse_parameter(item) for item in args.param)
        deliverables = plan_deliverables(args.client, given, args.reports, args.timeout)
    except BpoError as error:
        log(f"configuration error: {error}")
        return done(EXIT_BUILD)

    def validate_now() -> tuple[bool, dict[str, Any]]:
        passed, record["validation"] = validate(log, use_cache=not args.force)
        return passed, record["validation"]

    try:
        # Validation runs while the pool starts on the changed notebooks: it gates every
        # conversion and publication, and a failed one discards what ran (exit 1).
        code = build_deliverables(
            deliverables, log, force=args.force, workers=args.workers,
            validate_during=validate_now, refresh_id=record["refresh_id"],
        )
    except BpoError as error:
        log(f"FAIL {error}")
        log(f"nothing published; {reports_dir()} is unchanged")
        code = EXIT_BUILD
    record["deliverables"] = [
        {"client": d.client, "run_id": d.run_id, "published": str(d.published or ""),
         "built": [j.name for j in d.to_build] if not d.up_to_date else [],
         "reused": sorted(d.reuse)}
        for d in deliverables
    ]
    return done(code)


def add_build_options(parser: argparse.ArgumentParser) -> None:
    """``--force`` and ``--workers``, shared by ``bpo report`` and ``bpo refresh``."""
    parser.add_argument("--force", action="store_true",
                        help="rebuild every report even if its inputs did not change")
    parser.add_argument("--workers", type=int, default=None, metavar="N",
                        help="notebooks run at once (default: the number of cores)")


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Register ``refresh`` on the ``bpo`` sub-command parsers."""
    parser = commands.add_parser(
        "refresh",
        help="validate, rebuild what changed, publish, summarise (exit 0/1/2/3/4, see docs)",
    )
    parser.add_argument("--client", help="only this client (default: every configured client)")
    parser.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE",
                        help="notebook parameter for every report that declares it; repeatable")
    parser.add_argument("--reports", nargs="+", metavar="NAME", help="only these reports")
    parser.add_argument("--timeout", type=int, default=600,
                        help="seconds allowed per cell (default 600)")
    add_build_options(parser)
    parser.set_defaults(handler=cmd_refresh)
    return parser


def main(argv: list[str] | None = None) -> int:
    """``python -m analysis.refresh``: the same as ``bpo refresh``."""
    import sys

    from analysis.cli import Output

    root = argparse.ArgumentParser(prog="bpo")
    add_parser(root.add_subparsers(dest="command", required=True))
    args = root.parse_args(["refresh", *(sys.argv[1:] if argv is None else argv)])
    return int(args.handler(args, Output()))


if __name__ == "__main__":
    raise SystemExit(main())
