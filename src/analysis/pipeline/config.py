"""Client configs: ``config/clients/<client>.yaml`` read into typed, strictly checked models.

Every config and every parameter set is checked before any notebook runs: unknown keys, wrong
types, out-of-range values, unknown report names and parameters a notebook does not declare are
all a ``ConfigError`` naming the file, the key and what is allowed. Layout of a config::

    display_name: Acme Insurance            # shown on every page
    reports: [market_size]                  # optional; default: every report in the registry
    parameters:                             # optional; per report, checked against the notebook
      market_size: {geography: India, base_year: 2025}
    branding: {logo: logos/acme.svg, accent: "#0b6e4f"}   # logo path relative to config/
    kpi_export: data/raw/clients/acme       # optional; this client's KPI export (its own only)
    engine: duckdb                          # optional; spark parses and validates it on Spark
    staffing: {service_level_pct: 80, threshold_seconds: 20, shrinkage_pct: 30}   # optional

``house.yaml`` is the house report (no client); ``example-client.yaml`` shows every option.
"""

from __future__ import annotations

import ast
import base64
import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
)

from analysis.data import strict_yaml
from analysis.data.strict_model import StrictModel
from analysis.data.text_rules import first_forbidden, refuse_control_text
from analysis.errors import BpoError, ConfigError, UnsafeInputError
from analysis.paths import ID_RULE, config_dir, contained, is_valid_id, project_root, raw_dir
from analysis.pipeline import reports as registry
from analysis.research.plausibility import (
    LATEST_PLAN_YEAR,
    plausibility_problem,
    plausible_date_problem,
)

HOUSE_CLIENT = "house"
DEFAULT_ACCENT = "#1f4e79"
LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg"}
MAX_LOGO_BYTES = 256 * 1024
# Parameters the build fills in itself for every notebook that declares them.
AUTO_PARAMETERS = ("client", "run_id", "kpi_export", "staffing", "selection", "transition", "sla",
                   "internal_owner")
# Parameters whose value becomes a path: checked by ``check_path_parameter`` wherever they come
# from (a config's ``kpi_export``, its per-report parameters, ``-p``).
PATH_PARAMETERS = ("client", "kpi_export")
VENDOR_REPORT = "vendor_lifecycle"
VENDOR_BLOCKS = ("selection", "transition", "sla")

_Year = Annotated[int, Field(ge=1990, le=LATEST_PLAN_YEAR)]
# Every number with a physical meaning is finite (YAML's .inf / .nan are floats too) and bounded.
_Percent = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
_Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
_Weight = Annotated[float, Field(ge=0, allow_inf_nan=False)]
_PositiveUsd = Annotated[float, Field(gt=0, allow_inf_nan=False)]
_Weeks = Annotated[float, Field(ge=0, le=104, allow_inf_nan=False)]
SHARE_SUM_TOLERANCE = 1e-6
_Hour = Annotated[int, Field(ge=0, le=24)]
_Score = Annotated[float, Field(ge=0, le=100)]
def _shown_as_written(text: str) -> str:
    """A name printed on every page and in the terminal: no control or direction-changing
    characters (an escape sequence or a right-to-left override could spoof it)."""
    found = first_forbidden(text)  # the set every text check refuses (text_rules.py)
    if found:
        raise ValueError(f"contains the control or formatting character {found[1]} "
                         f"at position {found[0]}")
    # A name is printed on every page, so it is held to more: no format, private-use or
    # separator character either (a zero-width space would make two names look equal).
    for position, char in enumerate(text):
        if unicodedata.category(char) in {"Cc", "Cf", "Co", "Cs", "Zl", "Zp"}:
            raise ValueError(f"contains the control or formatting character U+{ord(char):04X} "
                             f"at position {position + 1}")
    if not text.strip():
        # "Prepared for" followed by blanks on every page (A02): as empty as the empty string.
        raise ValueError("must not be blank (only spaces)")
    return text


_Name = Annotated[str, Field(min_length=1, max_length=120), AfterValidator(_shown_as_written)]
_Tier = Literal["primary", "relayed", "unattributed", "aggregator"]
FROM_EXPORT = "from_export"


def _workload(value: int | str) -> int | str:
    if value == FROM_EXPORT or (isinstance(value, int) and 1 <= value <= 1_000_000):
        return value
    raise ValueError(f"must be a whole number of paid FTE from 1 to 1,000,000 or "
                     f"{FROM_EXPORT!r} (size the client's export)")

def _plausible_date(value: date | None) -> date | None:
    problem = None if value is None else plausible_date_problem(value)
    if problem:
        raise ValueError(problem)
    return value


_Date = Annotated[date, AfterValidator(_plausible_date)]
"""Every date a client config types: refused at load when implausible (P7-C25)."""


def _plausible_month(value: str | None) -> str | None:
    # The date rule, on the month's first day, said of the month as written (P9-C03:
    # sla.last_month 2041-01 passed and the run stopped on a month with no data instead).
    problem = None if value is None else plausible_date_problem(
        date(int(value[:4]), int(value[5:7]), 1))
    if problem:
        raise ValueError(problem.replace(f"{value}-01", value, 1))
    return value


_Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$"),
                   AfterValidator(_plausible_month)]
"""Every year-month a client config types (``YYYY-MM``): the same rule as ``_Date``."""


def _plausible(name: str) -> AfterValidator:
    """The plausibility rule of ``research.plausibility`` for setting ``name``, as a validator:
    one rule for the client config's staffing block and the ``-p`` parameters alike."""

    def check(value: float | None) -> float | None:
        problem = None if value is None else plausibility_problem(name, value)
        if problem:
            raise ValueError(problem)
        return value

    return AfterValidator(check)


def _distinct(values: list[str] | None) -> list[str] | None:
    if values == []:
        # An empty list prices nothing (P5-P07: the notebook failed at its second cell).
        raise ValueError("names no location: name at least one, or leave it out to price "
                         "every country with a billing rate")
    repeated = sorted({v for v in values or [] if (values or []).count(v) > 1})
    if repeated:
        raise ValueError(f"lists {', '.join(repeated)} more than once: name each once")
    return values


# Ranges and types of the parameters report notebooks share; checked in strict mode so "2025"
# is not silently an int. A parameter without a rule must match the type of its default.
PARAMETER_RULES: dict[str, Any] = {
    "base_year": _Year,
    "first_year": _Year,
    "min_year": _Year,
    "horizon_years": Annotated[int, Field(ge=1, le=15)],
    "recent_years": Annotated[int, Field(ge=0, le=50)],
    "min_reliability": _Tier,
    "geography": _Name,
    "segment": _Name,
    "definition": _Name | None,
    "home_country": _Name,
    # A typed number of agents, or "from_export": the staffing model sizes the client's export.
    "workload_fte": Annotated[int | str, AfterValidator(_workload)],
    "contract_years": Annotated[int, Field(ge=1, le=15)],
    "candidate_locations": Annotated[list[_Name] | None, AfterValidator(_distinct)],
    "multi_shore": dict[str, _Share],
    "hours_per_week": Annotated[float, Field(gt=0, le=80), _plausible("hours_per_week")],
    "weeks_per_year": Annotated[float, Field(gt=0, le=53), _plausible("weeks_per_year")],
    "client_hours": Annotated[list[_Hour], Field(min_length=2, max_length=2)],
    "local_hours": Annotated[list[_Hour], Field(min_length=2, max_length=2)],
    "nearshore_max_hours": Annotated[float, Field(ge=0, le=12)],
    "fx_max_year_gap": Annotated[int, Field(ge=0, le=10)],
    "official_fx_max_year_gap": Annotated[int, Field(ge=0, le=10)],
    "weights": dict[str, _Weight] | None,
    "outsource_now_threshold": _Score | None,
    "pilot_first_threshold": _Score | None,
    "assumption_overrides": dict[str, float],  # each key bounded by ASSUMPTION_BOUNDS
    "include_undated": bool,
    "channel": _Name | None,
    "industry": _Name | None,
    "region": _Name | None,
    "sl_threshold_seconds": Annotated[int, Field(ge=1, le=600)],
    "service_level_convention": Literal["offered", "answered", "offered_excluding_short_abandons"],
    "abandonment_convention": Literal["offered", "queued"],
    "phantom_convention": Literal["exclude_from_handle_time", "exclude", "keep"],
}
# TCO assumption overrides (``analysis.research.tco.ASSUMPTION_SPECS``): what each may be.
ASSUMPTION_BOUNDS: dict[str, Any] = {
    "loaded_multiplier": Annotated[float, Field(ge=1, le=20, allow_inf_nan=False)],
    "home_attrition_pct": _Percent,
    "replacement_cost_usd": _PositiveUsd,
    "training_weeks": _Weeks,
    "transition_cost_per_seat_usd": Annotated[float, Field(ge=0, allow_inf_nan=False)],
    "ramp_weeks": _Weeks,
    "governance_pct": _Percent,
}
# Parameters whose values are shares of one whole: they must sum to 1.
SHARE_PARAMETERS = ("multi_shore",)

# Values that must exist in a curated table (checked only when a report declares them).
DATA_VOCABULARIES: dict[str, tuple[str, str]] = {
    "geography": ("market_estimates", "geography"),
    "segment": ("market_estimates", "segment"),
    "channel": ("kpi_benchmarks", "channel"),
    "industry": ("kpi_benchmarks", "industry"),
    "region": ("kpi_benchmarks", "region"),
}


class _Strict(StrictModel):
    """Unknown keys refused, frozen, no true/false for a number (``data.strict_model``)."""


class Branding(_Strict):
    """How the client's pages look: a logo (path relative to ``config/``) and an accent colour."""

    logo: str | None = None
    accent: str = Field(DEFAULT_ACCENT, pattern=r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")

    @field_validator("logo")
    @classmethod
    def _logo_type(cls, value: str | None) -> str | None:
        if value is not None and Path(value).suffix.lower() not in LOGO_TYPES:
            raise ValueError(f"logo must be one of {', '.join(LOGO_TYPES)} files")
        return value


class StaffingSettings(_Strict):
    """How the staffing model sizes this client's export (unset: the cited default)."""

    # Mathematical bounds first (a percentage), then plausibility (research/plausibility.py):
    # shrinkage 99.9999999 % is below 100 but published 8 bn paid FTE (P4-C06).
    service_level_pct: Annotated[float, Field(gt=0, lt=100, allow_inf_nan=False),
                                 _plausible("service_level_pct")] = 80.0
    threshold_seconds: float = Field(20.0, gt=0, le=3600)
    shrinkage_pct: Annotated[float | None, Field(ge=0, lt=100, allow_inf_nan=False),
                             _plausible("shrinkage_pct")] = None
    occupancy_cap_pct: Annotated[float | None, Field(gt=0, le=100, allow_inf_nan=False),
                                 _plausible("occupancy_cap_pct")] = None
    chat_concurrency: float | None = Field(None, ge=1, le=20)
    model: Literal["erlang_c", "erlang_a"] = "erlang_c"
    interval_minutes: Literal[15, 30, 60] = 30
    turnaround_hours: float | None = Field(None, gt=0, le=168)


def _weights(value: dict[str, float]) -> dict[str, float]:
    bad = [k for k, w in value.items() if not math.isfinite(w) or w < 0]
    if bad:
        raise ValueError(f"weight of {bad[0]!r} must be a finite number at or above 0 "
                         f"(got {value[bad[0]]!r})")
    total = sum(value.values())
    if not math.isclose(total, 1.0, abs_tol=1e-6):
        raise ValueError(f"weights must sum to 1 (they sum to {total:g})")
    return value


def _gates(value: dict[str, Any]) -> dict[str, Any]:
    # A number is a "minimum" gate (capacity_fte: 60): at or below 0 every vendor passes it,
    # so it gates nothing (P3-C10); .inf would fail every vendor.
    for key, gate in value.items():
        if isinstance(gate, float | int) and not isinstance(gate, bool) and (
                not math.isfinite(gate) or gate <= 0):
            raise ValueError(f"gate {key!r}: a minimum must be a finite number above 0 "
                             f"(got {gate!r})")
    return value


class SelectionSettings(_Strict):
    """Vendor selection: criterion weights and must-have gates over the client's RFP responses
    (``data/raw/clients/<client>/rfp/``, see :mod:`analysis.data.rfp`)."""

    weights: Annotated[dict[str, float], Field(min_length=1), AfterValidator(_weights)]
    gates: Annotated[dict[str, bool | float | list[_Name]], AfterValidator(_gates)] = Field(
        default_factory=dict)
    chosen: _Name | None = None
    """The vendor the client intends to pick, if any (checked for the rate-alone pitfall)."""
    sensitivity_draws: int = Field(2000, ge=100, le=100_000)
    sensitivity_spread_pct: float = Field(25.0, ge=0, lt=100)
    sensitivity_seed: int = Field(15, ge=0)


class TransitionSettings(_Strict):
    """The transition plan's inputs; unset training_days and go_live take cited defaults."""

    start: _Date
    go_live: _Date | None = None
    waves: int = Field(ge=1, le=20)
    wave_interval_weeks: float = Field(0.0, ge=0, le=52)
    nesting_weeks: float = Field(ge=0, le=26)
    training_days: float | None = Field(None, ge=0, le=130)
    kt_experts: float = Field(ge=0, le=500)
    travel_usd: float = Field(ge=0, le=1e8)

    @field_validator("go_live")
    @classmethod
    def _after_start(cls, value: date | None, info: Any) -> date | None:
        from analysis.research.vendors import check_go_live

        start = info.data.get("start")
        if value is not None and start is not None:
            try:
                check_go_live(start, value)
            except ConfigError as error:
                raise ValueError(str(error)) from None
        return value


class SlaConventions(_Strict):
    """How a KPI is measured (the KPI report's conventions)."""

    sl_threshold_seconds: float = Field(20.0, gt=0, le=600)
    service_level: Literal["offered", "answered", "offered_excluding_short_abandons"] = "offered"
    abandonment: Literal["offered", "queued"] = "offered"
    phantom: Literal["exclude_from_handle_time", "exclude", "keep"] = "exclude_from_handle_time"


class SlaKpi(_Strict):
    """One KPI's service level: target, direction, share of the at-risk pool, how measured."""

    target: float = Field(allow_inf_nan=False)
    comparison: Literal["at_least", "at_most"] | None = None
    weight: float = Field(ge=0, le=1, allow_inf_nan=False)
    window: Literal["month"] | None = None
    conventions: SlaConventions | None = None


class SlaSettings(_Strict):
    """SLA governance: per-KPI terms, the monthly fee, the at-risk share and the earn-back."""

    kpis: dict[str, SlaKpi] = Field(min_length=1)
    monthly_fee_usd: float = Field(gt=0, allow_inf_nan=False)
    at_risk_pct: float = Field(gt=0, le=100)
    earn_back_months: int | None = Field(None, ge=1, le=12)
    first_month: _Month | None = None
    last_month: _Month | None = None

    @field_validator("kpis")
    @classmethod
    def _known_kpis(cls, value: dict[str, SlaKpi]) -> dict[str, SlaKpi]:
        from analysis.research.kpis import KPI_DEFINITIONS
        from analysis.research.kpis.definitions import value_problem

        unknown = [k for k in value if k not in KPI_DEFINITIONS]
        if unknown:
            raise ValueError(f"unknown KPI {unknown[0]!r}; allowed: {', '.join(KPI_DEFINITIONS)}")
        # A target the KPI cannot take (service_level 150 %) is refused by the KPI's unit.
        for key, kpi in value.items():
            if problem := value_problem(key, kpi.target):
                raise ValueError(f"kpis.{key}.target: {problem}")
        # Each weight is a share of the one at-risk amount (H12): like every other set of
        # shares they sum to 1, or the at-risk cap silently hides the excess.
        total = sum(kpi.weight for kpi in value.values())
        if abs(total - 1.0) > SHARE_SUM_TOLERANCE:
            shares = " + ".join(f"{kpi.weight:g}" for kpi in value.values())
            raise ValueError(f"KPI weights are shares of the at-risk amount and must sum to 1 "
                             f"(they sum to {total:g}: {shares})")
        return value


class ClientConfig(_Strict):
    """The contents of one ``config/clients/<client>.yaml``."""

    display_name: _Name
    reports: list[str] | None = Field(None, min_length=1)
    parameters: dict[str, dict[str, Any]] = Field(default_factory=dict)
    branding: Branding = Field(default_factory=Branding)
    paper: Literal["A4", "Letter"] = "A4"
    kpi_export: str | None = None
    engine: Literal["duckdb", "spark"] = "duckdb"
    """Where ``kpi_export`` is parsed and validated: DuckDB on this machine, or Spark
    (``pip install -e '.[spark]'``; master from ``SPARK_REMOTE`` / ``BPO_SPARK_MASTER`` /
    ``spark.master``, default ``local[2]``)."""
    staffing: StaffingSettings = Field(default_factory=StaffingSettings)
    selection: SelectionSettings | None = None
    transition: TransitionSettings | None = None
    sla: SlaSettings | None = None
    internal_owner: _Name | None = None
    """The one named person accountable for the provider (the vendor lifecycle report checks)."""

    @field_validator("reports")
    @classmethod
    def _known_reports(cls, value: list[str] | None) -> list[str] | None:
        unknown = [name for name in value or [] if name not in registry.REPORTS]
        if unknown:
            raise ValueError(f"unknown report {', '.join(map(repr, unknown))}")
        return value

    @field_validator("parameters")
    @classmethod
    def _known_parameter_reports(cls, value: dict[str, Any]) -> dict[str, Any]:
        unknown = [name for name in value if name not in registry.REPORTS]
        if unknown:
            raise ValueError(f"parameters for unknown report {', '.join(map(repr, unknown))}")
        return value


@dataclass(frozen=True)
class Client:
    """A loaded, checked client: its id, the file it came from and its config."""

    id: str
    file: Path
    config: ClientConfig

    @property
    def display_name(self) -> str:
        return self.config.display_name

    @property
    def accent(self) -> str:
        return self.config.branding.accent

    def report_names(self) -> list[str]:
        """The reports this client gets, in registry order."""
        if self.config.reports is not None:
            return [name for name in registry.REPORTS if name in self.config.reports]
        # A report that needs a client's own inputs is built only where a config asks for it.
        return [name for name, spec in registry.REPORTS.items() if not spec.client_only]

    def logo_data_uri(self) -> str | None:
        """The logo embedded as a ``data:`` URI (reports load nothing from outside the file)."""
        logo = self.config.branding.logo
        if logo is None:
            return None
        path = _logo_path(self.file, logo)
        encoded = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"data:{LOGO_TYPES[path.suffix.lower()]};base64,{encoded}"

    def kpi_export_path(self) -> Path | None:
        """This client's KPI export (absolute, contained in ``data/raw/clients``), if any."""
        export = self.config.kpi_export
        return None if export is None else kpi_export_path(export, str(self.file), "kpi_export")


# --------------------------------------------------------------------------- ids and files


def check_client_id(client: str, where: str = "client id") -> str:
    """Client ids become folder names: a lowercase slug as a whole string (no ``/``, no ``..``,
    no trailing newline); ``UnsafeInputError`` naming ``where`` otherwise."""
    if not is_valid_id(client):
        raise UnsafeInputError(
            f"{where}: {client!r} is not allowed: use {ID_RULE} (e.g. 'acme-bank')"
        )
    return client


def kpi_export_path(export: str, where: str, key: str) -> Path:
    """A ``kpi_export`` value resolved and contained: a client folder or mapping file under
    ``data/raw/clients/`` (relative to the project root), never anything else."""
    base = raw_dir() / "clients"
    path = contained(export, base, where=where, key=key, base=project_root())
    if path == base.resolve():
        raise UnsafeInputError(
            f"{where}: key '{key}': {export!r} must name one client's folder or mapping file "
            f"under {base}, not the folder of every client"
        )
    return path


def check_path_parameter(name: str, value: Any, where: str) -> None:
    """Containment of a parameter that becomes a path (``PATH_PARAMETERS``)."""
    if value is None:
        return
    if name == "client":
        check_client_id(value, f"{where}.client")
    elif name == "kpi_export":
        if not isinstance(value, str):
            raise ConfigError(f"{where}.kpi_export: must be a path (got {value!r})")
        _check_kpi_export(where, value)


def clients_dir() -> Path:
    """Where client configs live."""
    return config_dir() / "clients"


def configured_clients() -> list[str]:
    """Ids of every ``config/clients/*.yaml``, sorted (house first).

    A config whose file name is not a valid id stops the run, naming the file: silently
    skipping it would drop a client's deliverable.
    """
    folder = clients_dir()
    files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    for path in files:
        check_client_id(path.stem, f"{path}: the file name")
    ids = [path.stem for path in files]
    return sorted(ids, key=lambda client: (client != HOUSE_CLIENT, client))


def _where(error: Mapping[str, Any]) -> str:
    return ".".join(str(part) for part in error["loc"]) or "(top level)"


def _describe(error: Mapping[str, Any]) -> str:
    """One pydantic error as 'key: problem; allowed: ...'."""
    kind, message = error["type"], error["msg"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "literal_error":
        return f"{error['input']!r} is not allowed; {message[0].lower()}{message[1:]}"
    if "input" not in error:
        return message
    got = repr(error["input"])
    # A 2 MB value is refused in one line, not echoed in full.
    return f"{message} (got {got if len(got) <= 120 else got[:117] + '...'})"


def _logo_path(file: Path, logo: str) -> Path:
    path = contained(logo, config_dir(), where=str(file), key="branding.logo")
    if not path.is_file():
        raise ConfigError(f"{file}: branding.logo {logo!r} not found (looked for {path})")
    if path.stat().st_size > MAX_LOGO_BYTES:
        raise ConfigError(f"{file}: branding.logo {logo!r} is over {MAX_LOGO_BYTES // 1024} KB")
    if path.suffix.lower() == ".svg":
        # Embedded in every page and PDF: an SVG must be a drawing, nothing that runs or loads
        # (A22). Refused here, at plan time, rather than at the PDF step after the notebooks.
        from analysis.views.inert_text import svg_problem

        problem = svg_problem(path.read_bytes())
        if problem:
            raise ConfigError(f"{file}: branding.logo {logo!r} is not an inert SVG: {problem} "
                              "[inert_logo]")
    return path


def _check_kpi_export(where: str | Path, export: str) -> None:
    """A ``kpi_export`` (config key or ``-p``) names an existing client folder or mapping."""
    path = kpi_export_path(export, str(where), "kpi_export")
    if not path.exists():
        raise ConfigError(f"{where}: kpi_export {export!r} not found (looked for {path})")
    if path.is_file() and path.suffix.lower() not in (".yaml", ".yml"):
        # The export itself named instead of its mapping (P5-C01: the notebook failed later).
        raise ConfigError(f"{where}: kpi_export {export!r} is not a mapping file (*.yaml): "
                          "name the client's folder or the mapping that describes the export")


def load_client(client: str) -> Client:
    """Read and check ``config/clients/<client>.yaml`` (structure, branding, every parameter)."""
    import yaml

    check_client_id(client, "--client")
    file = clients_dir() / f"{client}.yaml"
    if file.is_dir():  # listed as known by name, so "not found" would contradict itself
        raise ConfigError(f"{file} is a folder, not a file: a client config is a YAML file "
                          f"config/clients/{client}.yaml")
    if not file.is_file():
        known = ", ".join(configured_clients()) or "none"
        raise ConfigError(f"no config for client {client!r} ({file} not found); known: {known}")
    # A config that is a symlink out of config/clients/ is refused before it is read, so no
    # error message can echo another file's contents.
    contained(file, clients_dir(), where=str(file), key="config file")
    try:
        data = strict_yaml.load_file(file)
    except (UnicodeDecodeError, yaml.YAMLError) as error:
        raise ConfigError(f"{file}: {strict_yaml.said(error, 'config')}") from None
    refuse_control_text(data, file)
    try:
        config = ClientConfig.model_validate(data if data is not None else {})
    except ValidationError as error:
        # A misspelt key is also a missing one: name the misspelling first.
        errors = sorted(error.errors(), key=lambda item: item["type"] != "extra_forbidden")
        first = errors[0]
        allowed = ""
        if first["type"] == "extra_forbidden" and len(first["loc"]) <= 2:
            fields = {"branding": Branding.model_fields,
                      "staffing": StaffingSettings.model_fields,
                      "selection": SelectionSettings.model_fields,
                      "transition": TransitionSettings.model_fields,
                      "sla": SlaSettings.model_fields}.get(str(first["loc"][0]))
            allowed = f"; allowed: {', '.join(fields or ClientConfig.model_fields)}"
        elif first["loc"] and first["loc"][0] in ("reports", "parameters"):
            allowed = f"; allowed reports: {', '.join(registry.REPORTS)}"
        raise ConfigError(f"{file}: {_where(first)}: {_describe(first)}{allowed}") from None
    loaded = Client(client, file, config)
    if VENDOR_REPORT in loaded.report_names():
        missing = [name for name in VENDOR_BLOCKS if getattr(config, name) is None]
        if missing:
            raise ConfigError(f"{file}: {missing[0]}: missing; the {VENDOR_REPORT} report needs "
                              f"the {', '.join(VENDOR_BLOCKS)} blocks (see example-client.yaml)")
    if config.branding.logo:
        _logo_path(file, config.branding.logo)
    if config.kpi_export:
        _check_kpi_export(file, config.kpi_export)
    for report, parameters in config.parameters.items():
        if report not in loaded.report_names():
            raise ConfigError(
                f"{file}: parameters.{report}: report is not in this client's reports "
                f"({', '.join(loaded.report_names())})"
            )
        check_report_parameters(report, parameters, where=f"{file}: parameters.{report}")
    return loaded


def load_clients(client: str | None = None) -> list[Client]:
    """One client's config, or every configured client's; all checked before returning."""
    ids = [client] if client else configured_clients()
    if not ids:
        raise ConfigError(f"no client config in {clients_dir()}: add at least house.yaml")
    clients = [load_client(name) for name in ids]
    exports: dict[Path, str] = {}
    for loaded in clients:
        export = loaded.kpi_export_path()
        if export is not None and export in exports:
            raise ConfigError(
                f"{loaded.file}: kpi_export is also {exports[export]}'s: a client's KPI export "
                "must be its own"
            )
        if export is not None:
            exports[export] = loaded.id
    return clients


def export_engines() -> dict[str, str]:
    """Client export folder (``data/raw/clients/<folder>``) -> ``spark`` for every configured
    client whose config says ``engine: spark``; the validation gate parses those on Spark."""
    base = (raw_dir() / "clients").resolve()
    engines: dict[str, str] = {}
    for loaded in load_clients():
        export = loaded.kpi_export_path()
        if loaded.config.engine != "spark" or export is None:
            continue
        parts = export.resolve().relative_to(base).parts
        if parts:
            engines[parts[0]] = "spark"
    return engines


# --------------------------------------------------------------------------- parameters


@cache
def _rule(name: str) -> TypeAdapter[Any]:
    return TypeAdapter(PARAMETER_RULES[name])


def _default_type(default: str) -> Any:
    """The type a parameter's default literal implies (Any when unknown or None)."""
    try:
        value = ast.literal_eval(default)
    except (ValueError, SyntaxError):
        return Any
    if value is None:
        return Any
    if isinstance(value, float):
        return float
    return type(value)


def _vocabulary(dataset: str, column: str) -> frozenset[str]:
    """Values of a curated column; empty (no check) when the data cannot be read: validation,
    which runs next, reports that with the file and the reason."""
    return _cached_vocabulary(dataset, column, raw_dir())


@cache
def _cached_vocabulary(dataset: str, column: str, _raw: Path) -> frozenset[str]:
    from analysis.data import catalog

    try:
        return frozenset(catalog.load(dataset)[column].dropna().astype(str))
    except BpoError:
        return frozenset()


def check_parameter(name: str, value: Any, default: str | None, where: str) -> None:
    """Check one parameter value's type and range (``where`` prefixes the error message)."""
    if name in PATH_PARAMETERS:
        check_path_parameter(name, value, where)
    if name in PARAMETER_RULES:
        adapter = _rule(name)
    else:
        adapter = TypeAdapter(_default_type(default or "None"))
    try:
        adapter.validate_python(value, strict=True)
    except ValidationError as error:
        first = error.errors()[0]
        inner = ".".join(str(part) for part in first["loc"])
        key = f"{name}.{inner}" if inner else name
        raise ConfigError(f"{where}.{key}: {_describe(first)}") from None
    _check_physical(name, value, where)
    if name in DATA_VOCABULARIES and isinstance(value, str):
        known = _vocabulary(*DATA_VOCABULARIES[name])
        if known and value not in known:
            shown = ", ".join(sorted(known)[:25]) + (", ..." if len(known) > 25 else "")
            raise ConfigError(f"{where}.{name}: {value!r} is not in the data; allowed: {shown}")


def _check_physical(name: str, value: Any, where: str) -> None:
    """Rules across a parameter's items: assumption overrides within their bounds, shares
    summing to 1 (the type rules above check each number alone)."""
    if name == "assumption_overrides" and isinstance(value, Mapping):
        for key, number in value.items():
            rule = ASSUMPTION_BOUNDS.get(key)
            if rule is None:
                raise ConfigError(f"{where}.{name}.{key}: unknown TCO assumption; allowed: "
                                  f"{', '.join(ASSUMPTION_BOUNDS)}")
            try:
                TypeAdapter(rule).validate_python(number)
            except ValidationError as error:
                raise ConfigError(f"{where}.{name}.{key}: {_describe(error.errors()[0])}") from None
    if name in SHARE_PARAMETERS and isinstance(value, Mapping) and value:
        total = sum(float(v) for v in value.values())
        if abs(total - 1.0) > SHARE_SUM_TOLERANCE:
            raise ConfigError(f"{where}.{name}: shares must sum to 1 (got {total:g})")


def check_report_parameters(report: str, parameters: Mapping[str, Any], where: str) -> None:
    """Reject parameters the report's notebook does not declare, then check each value."""
    from analysis.pipeline.parameters import check_parameters

    declared = check_parameters(registry.REPORTS[report].notebook_path(), parameters, where)
    for name, value in parameters.items():
        check_parameter(name, value, declared[name].get("default"), where)


def vendor_parameters(client: Client) -> dict[str, Any]:
    """The vendor lifecycle report's inputs from the client config, checked against the data
    they point at (the RFP responses, the KPI export) so bad input stops the run at plan time:
    one line naming the file, the key and the rule."""
    from analysis.views.vendor_view import check_inputs

    config = client.config
    values = {name: getattr(config, name).model_dump(mode="json") for name in VENDOR_BLOCKS
              if getattr(config, name) is not None}
    export = client.kpi_export_path()
    try:
        check_inputs(client.id, values.get("selection"), values.get("transition"),
                     values.get("sla"), export)
    except ConfigError as error:
        raise ConfigError(f"{client.file}: {error}") from None
    return {**values, "internal_owner": config.internal_owner}


def plan_client(
    client: Client,
    given: Mapping[str, Any],
    auto: Mapping[str, Any],
    reports: list[str] | None = None,
) -> dict[str, dict[str, Any]]:
    """Per report of ``client``: automatic values, then the config's, then the command line's.

    ``reports`` narrows the client's reports (``--reports``). Only parameters a notebook
    declares reach it; a command-line parameter that none of the planned reports declares is an
    error (a typo, usually). Every value is checked.
    """
    from analysis.pipeline.parameters import declared_parameters

    names = [name for name in client.report_names() if reports is None or name in reports]
    if not names:
        raise ConfigError(
            f"{client.file}: none of the requested reports ({', '.join(reports or [])}) is in "
            f"this client's reports ({', '.join(client.report_names())})"
        )
    specs = {name: registry.REPORTS[name] for name in names}
    if "client" in given:
        check_path_parameter("client", given["client"], "command line -p")
    for key in ("client", "run_id"):  # the build's own: another client's data never leaks in
        if key in given and given[key] != auto.get(key):
            raise ConfigError(f"command line -p {key}: set by the build ({auto.get(key)!r} for "
                              f"{client.file.name}); choose a client with --client instead")
    automatic = dict(auto)
    export = client.kpi_export_path()
    if export is not None:  # without one, a KPI notebook keeps its own (synthetic demo) default
        automatic["kpi_export"] = str(export)
    # One set of staffing settings per client: every report that sizes the export gets the same.
    automatic["staffing"] = client.config.staffing.model_dump(exclude_defaults=True)
    if VENDOR_REPORT in names:
        automatic.update(vendor_parameters(client))
    plan: dict[str, dict[str, Any]] = {}
    declared_anywhere: set[str] = set()
    for name, spec in specs.items():
        declared = declared_parameters(spec.notebook_path())
        declared_anywhere |= set(declared)
        params = {key: value for key, value in automatic.items() if key in declared}
        params.update(client.config.parameters.get(name, {}))
        from_command_line = {key: value for key, value in given.items() if key in declared}
        for key, value in from_command_line.items():
            check_parameter(key, value, declared[key].get("default"), "command line -p")
        params.update(from_command_line)
        plan[name] = params
    unknown = sorted(set(given) - declared_anywhere)
    if unknown:
        raise ConfigError(
            f"command line -p: unknown parameter {', '.join(map(repr, unknown))}: none of "
            f"{client.id}'s reports ({', '.join(specs)}) declares it; allowed: "
            f"{', '.join(sorted(declared_anywhere - set(AUTO_PARAMETERS)))}"
        )
    return plan


def planned_parameters(client: str, report: str) -> dict[str, Any]:
    """The parameters ``bpo report --client <client>`` passes to ``report``'s notebook.

    For a notebook opened by hand in JupyterLab that needs a client's config blocks: it gets
    exactly what the build would pass (checked the same way), not a second copy of them.
    """
    return plan_client(load_client(client), {}, {"client": client, "run_id": None},
                       [report])[report]
