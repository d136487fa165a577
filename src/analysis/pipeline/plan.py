"""What a build will do: one deliverable per client, one job per report, parameters checked.

Planning reads configs, the report registry and the notebooks' declared parameters; it runs
nothing, so every bad config or parameter fails here, before anything slow starts.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analysis.errors import BpoError, ConfigError
from analysis.paths import project_root
from analysis.pipeline import reports as registry
from analysis.pipeline.config import load_clients, plan_client
from analysis.pipeline.fingerprint import DEFAULT_INPUTS, Fingerprint, resolve_inputs
from analysis.pipeline.parameters import declared_parameters, parse_parameters


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
    # Every report the client's config asks for, in order (``--reports`` may build fewer), and
    # those of them the new run carries over untouched from the previous one.
    configured: list[str] = field(default_factory=list)
    kept: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def to_build(self) -> list[ReportJob]:
        return [job for job in self.jobs if job.name not in self.reuse]

    @property
    def run_reports(self) -> list[str]:
        """The reports the new run holds: built, reused and kept, in the configured order."""
        names = [job.name for job in self.jobs] + list(self.kept)
        order = {name: index for index, name in enumerate(self.configured)}
        return sorted(names, key=lambda name: order.get(name, len(order)))

    @property
    def up_to_date(self) -> bool:
        previous_names = [entry["name"] for entry in (self.previous or {}).get("reports", [])]
        return not self.to_build and previous_names == self.run_reports


def path_parameters(values: Mapping[str, Any]) -> list[Path]:
    """Files named by parameter values (a client's KPI export, say): they are inputs too."""
    root = project_root().resolve()
    found: list[Path] = []
    for value in values.values():
        if not isinstance(value, str) or not value or len(value) > 4096 or "\0" in value:
            continue
        path = Path(value) if Path(value).is_absolute() else root / value
        try:
            if not path.resolve().is_relative_to(root):
                continue  # never read a file outside the project (containment rejects it)
            if path.is_file():
                found.append(path)
            elif path.is_dir():
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


def check_against_data(job: ReportJob, where: str) -> None:
    """``ConfigError`` when a report's parameters together select nothing in the data.

    Each value alone is checked with the config; a combination (``segment="Contact centre"``
    with the default ``definition``) can still have no figures, and would fail only inside the
    notebook, after other reports were built. The market-size view is built here the way the
    notebook builds it (one function), on the curated data.
    """
    values = {**_defaults(job.notebook), **job.parameters}
    if "home_country" in values:
        _check_home_country(job, values["home_country"], where)
    if job.name != "market_size":
        return
    from analysis.views.market_view import VIEW_PARAMETERS, check_selection

    try:
        check_selection(values)
    except ValueError as error:
        given = ", ".join(f"{k}={values[k]!r}" for k in VIEW_PARAMETERS
                          if k in job.parameters) or "the defaults"
        raise ConfigError(f"{where}: {job.name} with {given}: {error}") from None


def _check_home_country(job: ReportJob, home: Any, where: str) -> None:
    """The home country must have a time-zone offset in the curated data, as the notebook's
    shore classification needs (B11): judged by that same function, before any notebook."""
    from analysis.data import catalog
    from analysis.research.sourcing import classify_shore, timezone_offsets

    if not isinstance(home, str):
        return  # the schema has already refused it
    try:
        offsets = timezone_offsets(catalog.load("location_costs"))
    except (BpoError, OSError, ValueError, KeyError):
        return  # data that cannot be loaded is left to validation, which names the file
    try:
        classify_shore(offsets, home)
    except ConfigError as error:
        raise ConfigError(f"{where}: {job.name} with home_country={home!r}: {error}") from None


def plan_deliverables(
    client: str | None, given: Mapping[str, Any], report_names: list[str] | None,
    timeout: int = 600,
) -> list[Deliverable]:
    """Every configured client's deliverable (or one client's), parameters checked."""

    if report_names:
        registry.select_reports(report_names)  # unknown names fail here, before anything runs
    deliverables = []
    for loaded in load_clients(client):
        if report_names and not set(report_names) & set(loaded.report_names()):
            continue  # a client without the requested reports is left alone
        plan = plan_client(loaded, given, {"client": loaded.id, "run_id": None}, report_names)
        page = {"client_name": loaded.display_name, "accent": loaded.accent,
                "paper": loaded.config.paper}
        meta = dict(page)
        if loaded.config.branding.logo:
            page["logo"] = loaded.config.branding.logo
            meta["logo"] = loaded.logo_data_uri()
        jobs = [
            report_job(loaded.id, name, registry.REPORTS[name], params,
                       {"title": registry.REPORTS[name].title, **page}, timeout)
            for name, params in plan.items()
        ]
        for job in jobs:
            check_against_data(job, str(loaded.file.name))
        deliverables.append(Deliverable(loaded.id, loaded.display_name, dict(given), jobs, meta,
                                        configured=loaded.report_names()))
    if report_names and not deliverables:
        # Nothing to build is not "up to date" (P5-P10): say that no client has the reports.
        asked = ", ".join(report_names)
        if client is not None:
            (loaded,) = load_clients(client)
            raise ConfigError(f"client {client!r} has none of the reports asked for ({asked}); "
                              f"its reports: {', '.join(loaded.report_names())}")
        raise ConfigError(f"no configured client has any of the reports asked for ({asked})")
    return deliverables



@dataclass(frozen=True)
class BuildRequest:
    """What a caller asks to build: the command line's options, unparsed parameters included."""

    client: str | None = None
    params: tuple[str, ...] = ()  # KEY=VALUE items, as typed
    reports: tuple[str, ...] | None = None
    timeout: int = 600
    force: bool = False
    workers: int | None = None
    pdf: bool = True  # per-report and bound PDFs beside the HTML (``--no-pdf`` skips them)


def plan_request(request: BuildRequest) -> list[Deliverable]:
    """``plan_deliverables`` for a request: its ``KEY=VALUE`` parameters parsed and checked."""
    given = parse_parameters(request.params)
    names = list(request.reports) if request.reports else None
    return plan_deliverables(request.client, given, names, request.timeout)
