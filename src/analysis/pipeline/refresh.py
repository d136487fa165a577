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

import contextlib
import logging
import os
import shutil
import signal
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analysis.errors import BpoError, BuildError, DataValidationError, reraise_if_interrupted
from analysis.paths import build_dir, is_valid_id, processed_dir, project_root, reports_dir
from analysis.pipeline.changes import CHANGES_HTML, compare_runs, write_changes
from analysis.pipeline.datapack import (
    DATA_PACK,
    DATA_SUFFIX,
    read_report_data,
    report_data,
    section_titles,
    write_data_pack,
    write_report_data,
)
from analysis.pipeline.execute import execute_notebook
from analysis.pipeline.fingerprint import report_fingerprint
from analysis.pipeline.lock import LockHeldError, refresh_lock
from analysis.pipeline.manifest import logs_dir, provenance, write_refresh_record
from analysis.pipeline.pdf import BOUND_PDF, bound_pdf, report_pdf
from analysis.pipeline.plan import BuildRequest, Deliverable, ReportJob, plan_request
from analysis.pipeline.publish import (
    MANIFEST,
    check_output_writable,
    create_staging,
    discard_staging,
    latest_run_id,
    new_run_id,
    orphaned_runs,
    publish_run,
    read_manifest,
    write_run_index,
)
from analysis.pipeline.render import cited_sources, data_vintage, notebook_to_html
from analysis.pipeline.runlog import RunLog
from analysis.pipeline.validate import clients_read_by, validate
from analysis.views.report_kit import load_tables

EXIT_OK, EXIT_VALIDATION, EXIT_BUILD, EXIT_NOTHING, EXIT_LOCKED = 0, 1, 2, 3, 4


# --------------------------------------------------------------------------- execution


def _die_with_parent() -> None:
    """Pool worker initializer: a worker whose refresh is killed dies too (Linux only), so no
    orphan keeps writing into a staging folder the next run is cleaning.

    Ctrl-C reaches the whole process group: a worker interrupted inside nbclient's event loop
    lets asyncio log the dying kernel's "Task exception was never retrieved" traceback before
    the parent's kill lands (S01, seen under load). Notebook failures reach the parent as
    results, never through that logger, so a worker silences it."""
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def execute_job(job: ReportJob, run_id: str) -> dict:
    """Execute one report notebook (runs in a pool worker); its HTML is made in process."""
    started = time.time()
    executed = build_dir() / "runs" / run_id / f"{job.name}.ipynb"
    parameters = dict(job.parameters)
    if "run_id" in parameters:
        parameters["run_id"] = run_id
    try:
        t0 = time.perf_counter()
        # Builds run after the validation gate: their kernels read validated exports only.
        result = execute_notebook(job.notebook, executed, parameters, timeout=job.timeout,
                                  validated_only=True)
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
        "tables": str(result.tables) if result.tables else None,
        "parameters": parameters,
    }


def convert_job(deliverable: Deliverable, job: ReportJob, result: dict[str, Any]) -> None:
    """Convert an executed notebook into the deliverable's staged HTML (in this process), and
    keep the data of its tables and charts (``<report>.data.json``) for the data pack."""
    started = time.perf_counter()
    executed = Path(result["executed"])
    notebook_to_html(
        executed, deliverable.stage / f"{job.name}.html", title=job.title,
        meta={**deliverable.meta, "figures": result["figures"]},
    )
    tables = load_tables(Path(result["tables"])) if result.get("tables") else []
    write_report_data(deliverable.stage / f"{job.name}{DATA_SUFFIX}", job.name, job.title,
                      report_data(tables, section_titles(executed)))
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
    # Announced only once validation passed: a refused run never says it is building.
    announce = f"building {len(work)} report(s) with {workers} worker(s)"
    if workers == 1 and not overlap:
        if not prepare():
            return VALIDATION_FAILED
        log(announce)
        for deliverable, job in work:
            failure = _finish(deliverable, job, log, many,
                              lambda d=deliverable, j=job: execute_job(j, d.run_id))
            if failure:
                return failure
        return None
    pool = ProcessPoolExecutor(workers, initializer=_die_with_parent)
    try:
        submitted = time.perf_counter()
        futures: dict[Future, tuple[Deliverable, ReportJob]] = {
            pool.submit(execute_job, job, d.run_id): (d, job) for d, job in work
        }
        pending = set(futures)
        failure = None if prepare() else VALIDATION_FAILED
        if failure is None:
            log(announce)
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
    except KeyboardInterrupt:
        _stop_now(pool)
        raise
    finally:
        pool.shutdown(wait=True)  # returns at once after _stop_now


def _stop_now(pool: ProcessPoolExecutor) -> None:
    """Ctrl-C: stop the workers now instead of waiting for their notebooks to end (a kernel
    exits with its worker); nothing is published from an interrupted run."""
    pool.shutdown(wait=False, cancel_futures=True)
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        for child in _children(process.pid):  # its kernels: they would outlive a killed worker
            with contextlib.suppress(OSError):  # it may have gone already
                os.kill(child, signal.SIGKILL)
        process.kill()


def _children(pid: int | None) -> list[int]:
    """Direct child processes of ``pid`` (Linux ``/proc``; elsewhere none are found)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The field after the parenthesised name is the state, then the parent pid.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if pid is not None and fields[1:2] == [str(pid)]:
            children.append(int(stat.parent.name))
    return children


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
    run_id = latest_run_id(client)
    if not run_id:
        return None, None
    folder = reports_dir() / client / run_id
    try:
        return read_manifest(folder / MANIFEST), folder
    except BuildError:  # unreadable: nothing is reused, every report is rebuilt
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
    if previous is None or folder is None:
        return
    # ``--reports`` builds part of a client's set: the rest of the set is carried over from the
    # previous run as it was published, so ``latest`` keeps the whole deliverable (R06).
    building = {job.name for job in deliverable.jobs}
    for entry in previous.get("reports", []):
        name = entry.get("name")
        if (name in building or name not in deliverable.configured
                or entry.get("file") != f"{name}.html" or not (folder / entry["file"]).is_file()):
            continue
        deliverable.kept[name] = {
            **entry, "reused_from": entry.get("reused_from") or previous["run_id"],
            "source": folder / entry["file"],
        }


def _carry_over(source: Path, dest: Path) -> None:
    try:
        os.link(source, dest)  # same bytes, no copy: published files are never edited in place
    except OSError:
        shutil.copy2(source, dest)


def _carry_over_extras(source: Path, stage: Path, name: str) -> None:
    """A reused report's PDF and table data come along with its page, when it has them."""
    for suffix in (".pdf", DATA_SUFFIX):
        old = source.with_name(f"{name}{suffix}")
        if old.is_file():
            _carry_over(old, stage / old.name)


def make_documents(
    deliverable: Deliverable, manifest: dict[str, Any], log: Callable[[str], None], pdf: bool
) -> None:
    """Per-report PDFs, the bound PDF and the data pack, into the staged run folder.

    Reused reports keep their carried-over PDF; a report without one (built with ``--no-pdf``
    before) gets it from its HTML now. Any failure raises ``BuildError`` naming the report and
    the step; nothing of the run is published then.
    """
    stage = deliverable.stage
    paper = str(deliverable.meta.get("paper") or "A4")
    documents: dict[str, str] = {}
    for entry in manifest["reports"]:
        if pdf:
            target = stage / f"{entry['name']}.pdf"
            if not target.is_file():
                started = time.perf_counter()
                report_pdf(stage / entry["file"], target, paper,
                           f"{deliverable.client}/{entry['name']}")
                log(f"pdf  {deliverable.client}/{entry['name']} "
                    f"({time.perf_counter() - started:.1f} s)")
            entry["pdf"] = target.name
    if pdf:
        started = time.perf_counter()
        bound_pdf(stage, manifest, paper, deliverable.meta.get("logo"))
        documents["bound_pdf"] = BOUND_PDF
        log(f"pdf  {deliverable.client}/{BOUND_PDF} ({time.perf_counter() - started:.1f} s)")
    started = time.perf_counter()
    reports = [read_report_data(stage / f"{e['name']}{DATA_SUFFIX}") for e in manifest["reports"]]
    definitions, conventions = definition_rows()
    write_data_pack(stage / DATA_PACK, manifest, reports, deliverable.meta.get("sources") or [],
                    definitions, conventions)
    documents["data_pack"] = DATA_PACK
    log(f"xlsx {deliverable.client}/{DATA_PACK} ({time.perf_counter() - started:.1f} s)")
    manifest["documents"] = documents


def definition_rows() -> tuple[list[list[Any]], list[list[Any]]]:
    """The data pack's Definitions sheet: every KPI's definition, and the named conventions."""
    from analysis.research.kpis import KPI_DEFINITIONS
    from analysis.research.kpis.conventions import (
        AbandonmentBase,
        Conventions,
        PhantomHandling,
        ServiceLevelBase,
    )
    from analysis.research.market import TIER_ORDER

    better = {"lower_is_better": "lower", "higher_is_better": "higher", "target": "on target"}
    kpis = [[d.label, d.definition, d.unit, better.get(d.direction, d.direction)]
            for d in KPI_DEFINITIONS.values()]
    conventions = [[f"{kind.__name__}: {', '.join(m.value for m in kind)}",
                    " ".join((kind.__doc__ or "").split())]
                   for kind in (ServiceLevelBase, AbandonmentBase, PhantomHandling)]
    conventions.append(["KPI report defaults", Conventions().describe()])
    conventions.append(["Reliability tiers (best first)", " > ".join(TIER_ORDER)])
    return kpis, conventions


def stage_run(
    deliverable: Deliverable, common: dict[str, Any], refresh_id: str,
    log: Callable[[str], None], pdf: bool = True,
) -> dict[str, Any]:
    """Finish the staged run folder: carried-over reports, PDFs, data pack, manifest, changes."""
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
            _carry_over_extras(old["source"], stage, job.name)
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
    for name, old in deliverable.kept.items():
        _carry_over(old["source"], stage / f"{name}.html")
        _carry_over_extras(old["source"], stage, name)
        entries.append({key: value for key, value in old.items() if key not in ("source", "pdf")})
    order = deliverable.run_reports
    entries.sort(key=lambda entry: order.index(entry["name"]))
    now = datetime.now(UTC)
    manifest = {
        "run_id": deliverable.run_id, "refresh_id": refresh_id, "client": deliverable.client,
        "client_name": deliverable.client_name, "accent": deliverable.meta.get("accent"),
        "created_utc": now.isoformat(timespec="seconds"),
        "date": deliverable.meta.get("date"), "data_vintage": deliverable.meta.get("data_vintage"),
        "parameters": deliverable.parameters, "reports": entries, **common,
    }
    make_documents(deliverable, manifest, log, pdf)
    summary = compare_runs(deliverable.previous, manifest)
    write_changes(stage, summary)
    manifest["changes"] = {"page": CHANGES_HTML, "figures_changed": summary["figures_changed"],
                           "previous_run_id": summary["previous_run_id"]}
    write_run_index(stage, manifest)
    return manifest


def clean_stale_work() -> list[str]:
    """Remove what a killed run left behind (call with the lock held: no run is live):
    staging folders, temporary files and half-moved folders, and complete runs that were moved
    into ``reports/`` but never became ``latest`` (``publish.orphaned_runs``)."""
    removed = []
    staging = build_dir() / "staging"
    if staging.is_dir():
        for folder in staging.iterdir():
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(str(folder))
    root = reports_dir()
    if root.is_dir():
        clients = [p.name for p in root.iterdir()
                   if p.is_dir() and not p.is_symlink() and is_valid_id(p.name)]
        orphans = [run for client in clients for run in orphaned_runs(client)]
        for leftover in [*root.glob("*/.incoming-*"), *root.glob("*/.latest-*.tmp"),
                         *root.glob(".*.tmp"), *root.glob("*/*/.*.tmp"), *orphans]:
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
    refresh_id: str | None = None, pdf: bool = True,
) -> int:
    """Build what changed, publish every deliverable atomically; returns an exit code.

    ``validation``: the summary of a validation already passed; or ``validate_during``: run
    the validation here, while the pool already executes the changed notebooks (nothing is
    converted or published before it passed).
    """
    for deliverable in deliverables:
        decide(deliverable, force)
    many = len(deliverables) > 1
    changed = [d for d in deliverables if not d.up_to_date]
    for deliverable in deliverables:
        for name, old in deliverable.reuse.items():
            label = f"{deliverable.client}/{name}" if many else name
            log(f"skip {label} (unchanged since run {old['reused_from']})")
        for name, old in deliverable.kept.items():
            label = f"{deliverable.client}/{name}" if many else name
            log(f"keep {label} as published in run {old['reused_from']} (not in --reports)")
    checked = {"summary": validation or {}}

    def prepare() -> bool:
        if validate_during is not None:
            passed, checked["summary"] = validate_during()
            if not passed:
                return False
        vintage, sources = data_vintage(), cited_sources()
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
        # Every run folder is complete (PDFs, data pack) before the first one is published.
        for deliverable in changed:
            try:
                stage_run(deliverable, common, refresh_id or "", log, pdf)
            except OSError as error:  # disk full or permissions changed mid-run: one line
                raise BuildError(f"staging {deliverable.client} failed: {error}") from None
        for deliverable in changed:
            try:
                deliverable.published = publish_run(deliverable.stage, deliverable.client, log)
            except OSError as error:  # disk full or permissions changed mid-run: one line
                raise BuildError(f"publishing {deliverable.client} failed: {error}") from None
            log(f"published {deliverable.published}")
    finally:
        for deliverable in changed:
            if deliverable.published is None and deliverable.stage is not None:
                discard_staging(deliverable.stage)
    return EXIT_OK


# --------------------------------------------------------------------------- entry points


def preflight(echo: Callable[[str], None]) -> bool:
    """``reports/`` and ``build/`` writable with room to spare; else one line, and False."""
    try:
        check_output_writable()
    except BuildError as error:
        echo(f"error: {error}")
        return False
    return True


def planned_outputs(deliverables: list[Deliverable]) -> list[Path]:
    """Every folder the plan will write besides ``reports/`` and ``build/``: each client's
    ``reports/<client>`` and the canonical-table cache of each client export it reads."""
    exports = clients_read_by(job for d in deliverables for job in d.jobs)
    return [*(reports_dir() / d.client for d in deliverables),
            *(processed_dir() / "clients" / name for name in exports)]


def report(request: BuildRequest, echo: Callable[[str], None]) -> int:
    """``bpo report``: plan, validate, then build what changed (``force``: everything) and
    publish. Same engine as ``refresh``, without its log file; exit 3 when all is up to date."""
    log = RunLog(echo)
    if not preflight(echo):
        return EXIT_BUILD
    try:
        with refresh_lock("report") as stale_note:
            if stale_note:
                log(stale_note)
            for leftover in clean_stale_work():
                log(f"removed leftover of an interrupted run: {leftover}")
            # Every config and parameter set is checked before anything slow runs.
            deliverables = plan_request(request)
            check_output_writable(planned_outputs(deliverables))
            passed, validation = validate(log, use_cache=False, clients=clients_read_by(
                job for d in deliverables for job in d.jobs))
            if not passed:
                return EXIT_VALIDATION
            return build_deliverables(
                deliverables, log, force=request.force, workers=request.workers,
                validation=validation, pdf=request.pdf,
            )
    except LockHeldError as error:
        echo(f"error: {error}")
        return EXIT_LOCKED


def refresh(request: BuildRequest, echo: Callable[[str], None]) -> int:
    """``bpo refresh``: the scheduler's entry point (see the module docstring for exit codes).

    Every refresh, even a refused or crashed one, leaves a record in ``build/logs``.
    """
    refresh_id = new_run_id()
    started = time.perf_counter()
    if not preflight(echo):  # no log either: build/ may be the unwritable one
        return EXIT_BUILD
    try:
        with refresh_lock("refresh") as stale_note:
            log = RunLog(echo, logs_dir() / f"{refresh_id}.log")
            record: dict[str, Any] = {"refresh_id": refresh_id, "deliverables": []}
            try:
                code = _refresh(request, log, record, stale_note)
            except Exception as error:  # a crash must not exit 1 ("validation failed")
                reraise_if_interrupted(error)
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
        echo(f"refresh not started: {error}")
        write_refresh_record(refresh_id, {
            "refresh_id": refresh_id, "exit_code": EXIT_LOCKED, "outcome": "locked",
            "error": str(error), "elapsed_s": round(time.perf_counter() - started, 2),
        })
        return EXIT_LOCKED


_OUTCOMES = {EXIT_OK: "published", EXIT_VALIDATION: "validation failed",
             EXIT_BUILD: "build failed", EXIT_NOTHING: "nothing to do"}


def _refresh(
    request: BuildRequest, log: RunLog, record: dict[str, Any], stale_note: str | None
) -> int:
    def done(code: int) -> int:
        record.update({"exit_code": code, "outcome": _OUTCOMES[code]})
        return code

    log(f"refresh {record['refresh_id']} started (pid {os.getpid()}, root {project_root()})")
    if stale_note:
        log(stale_note)
    for leftover in clean_stale_work():
        log(f"removed leftover of an interrupted run: {leftover}")
    try:
        deliverables = plan_request(request)
    except DataValidationError as error:  # an input that escapes its folder: bad input
        log(f"input error: {error}")
        return done(EXIT_VALIDATION)
    except BpoError as error:
        log(f"configuration error: {error}")
        return done(EXIT_BUILD)
    try:
        check_output_writable(planned_outputs(deliverables))
    except BuildError as error:
        log(f"error: {error}")
        return done(EXIT_BUILD)

    def validate_now() -> tuple[bool, dict[str, Any]]:
        passed, record["validation"] = validate(
            log, use_cache=not request.force,
            clients=clients_read_by(job for d in deliverables for job in d.jobs))
        return passed, record["validation"]

    try:
        # Validation runs while the pool starts on the changed notebooks: it gates every
        # conversion and publication, and a failed one discards what ran (exit 1).
        code = build_deliverables(
            deliverables, log, force=request.force, workers=request.workers,
            validate_during=validate_now, refresh_id=record["refresh_id"], pdf=request.pdf,
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
