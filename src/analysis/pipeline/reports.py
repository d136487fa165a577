"""The report registry: which notebooks make up a report set, and their default titles.

Add a report by adding one entry; ``bpo report`` builds every entry unless ``--reports`` picks
some. Notebook paths are relative to the project root (so ``$BPO_ROOT`` copies work).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from analysis.errors import ConfigError
from analysis.paths import project_root


@dataclass(frozen=True)
class ReportSpec:
    """One report: the notebook that produces it and the title on its cover.

    ``inputs``: globs under ``data/raw`` of the files the report reads (``{client}`` and
    parameter names in braces are filled in; ``a|b`` means the first alternative that matches
    any file); they key its incremental rebuild. Empty means every research table. A file named
    by a parameter (a client's KPI export) always counts.
    """

    notebook: str
    title: str
    inputs: tuple[str, ...] = ()
    client_only: bool = False
    """Built only for a client whose config lists it (it needs the client's own inputs)."""

    def notebook_path(self) -> Path:
        return project_root() / self.notebook


# Every report also reads sources.csv (citations). The KPI report reads, like
# kpi_view.resolve_export: the export its config names, else the client's folder, else the demo.
REPORTS: dict[str, ReportSpec] = {
    "market_size": ReportSpec(
        "notebooks/market_size.ipynb",
        "BPO market size and growth",
        inputs=("market_estimates.csv", "sources.csv"),
    ),
    "service_categories": ReportSpec(
        "notebooks/service_categories.ipynb",
        "BPO service categories and outsourcing fit",
        inputs=("service_taxonomy.csv", "market_estimates.csv", "sources.csv",
                "process_catalogue.csv"),
    ),
    "sourcing_models": ReportSpec(
        "notebooks/sourcing_models.ipynb",
        "Sourcing models and total cost of ownership",
        inputs=("location_costs.csv", "fx_rates.csv", "exchange_rates.csv", "sources.csv",
                "workforce_planning.csv", "{kpi_export}|clients/{client}/**|clients/demo/**"),
    ),
    "kpi_benchmarks": ReportSpec(
        "notebooks/kpi_benchmarks.ipynb",
        "KPI benchmarks and client positioning",
        inputs=("kpi_benchmarks.csv", "sources.csv",
                "{kpi_export}|clients/{client}/**|clients/demo/**"),
    ),
    "vendor_lifecycle": ReportSpec(
        "notebooks/vendor_lifecycle.ipynb",
        "Vendor lifecycle: selection, transition and SLA governance",
        inputs=("location_costs.csv", "fx_rates.csv", "sources.csv", "workforce_planning.csv",
                "clients/{client}/rfp/**", "{kpi_export}|clients/demo/**"),
        client_only=True,
    ),
}


def select_reports(names: list[str] | None = None) -> dict[str, ReportSpec]:
    """The registry entries to build, in registry order unless names are given."""
    if not names:
        return dict(REPORTS)
    unknown = [name for name in names if name not in REPORTS]
    if unknown:
        raise ConfigError(
            f"unknown report {', '.join(map(repr, unknown))}; known: {', '.join(REPORTS)}"
        )
    return {name: REPORTS[name] for name in dict.fromkeys(names)}
