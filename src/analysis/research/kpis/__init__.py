"""KPI engine (DuckDB over canonical client tables), definitions, conventions and benchmarks."""

from analysis.research.kpis.benchmarks import (
    Position,
    benchmark_bands,
    client_positions,
    convert,
    pick_band,
    position,
)
from analysis.research.kpis.conventions import (
    AbandonmentBase,
    Conventions,
    PhantomHandling,
    ServiceLevelBase,
)
from analysis.research.kpis.definitions import (
    KPI_DEFINITIONS,
    REFERENCE_KPIS,
    KpiDefinition,
    ReferenceKpi,
)
from analysis.research.kpis.engine import aggregate_kpis, interaction_kpis
from analysis.research.kpis.tickets import ticket_kpis

__all__ = [
    "KPI_DEFINITIONS",
    "REFERENCE_KPIS",
    "AbandonmentBase",
    "Conventions",
    "KpiDefinition",
    "PhantomHandling",
    "Position",
    "ReferenceKpi",
    "ServiceLevelBase",
    "aggregate_kpis",
    "benchmark_bands",
    "client_positions",
    "convert",
    "interaction_kpis",
    "pick_band",
    "position",
    "ticket_kpis",
]
