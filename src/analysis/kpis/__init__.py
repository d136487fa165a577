"""KPI engine (DuckDB over canonical client tables), definitions, conventions and benchmarks."""

from analysis.kpis.benchmarks import (
    Position,
    benchmark_bands,
    client_positions,
    convert,
    pick_band,
    position,
)
from analysis.kpis.conventions import (
    AbandonmentBase,
    Conventions,
    PhantomHandling,
    ServiceLevelBase,
)
from analysis.kpis.definitions import KPI_DEFINITIONS, KpiDefinition
from analysis.kpis.engine import aggregate_kpis, interaction_kpis
from analysis.kpis.tickets import ticket_kpis

__all__ = [
    "KPI_DEFINITIONS",
    "AbandonmentBase",
    "Conventions",
    "KpiDefinition",
    "PhantomHandling",
    "Position",
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
