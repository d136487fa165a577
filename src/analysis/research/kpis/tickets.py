"""Ticket KPIs from canonical ticket event logs, computed in DuckDB (or Spark: same SQL).

Each ticket is first reduced to one row (created, first response, last resolution, reopens,
reassignments, SLA outcome), then grouped by the day or week it was created, queue, channel or
priority.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import pandas as pd

from analysis.research.kpis.dialect import DIALECTS, Engine
from analysis.research.kpis.engine import (
    TableSource,
    _pct,
    group_expressions,
    run_grouped,
    table_sql,
)

TicketGroupKey = Literal["day", "week", "month", "queue", "channel", "priority"]


def ticket_kpis(table: TableSource, by: Sequence[TicketGroupKey] = (),
                engine: Engine = "duckdb") -> pd.DataFrame:
    """Tickets, time to first response and to resolve (median, p90, hours), SLA attainment,
    reopen and reassignment rates.

    Time to resolve runs to the *last* resolution, so a reopened ticket counts its whole life.
    SLA attainment uses the latest ``sla_met`` flag the source gives for a ticket, else whether
    it was resolved by ``sla_due_at``; tickets with neither are left out of that rate.
    ``engine``: ``duckdb`` or ``spark`` (the same SQL text on the Spark session).
    """
    dialect = DIALECTS[engine]
    per_ticket = f"""(
        SELECT ticket_id,
            coalesce(min(event_at) FILTER (WHERE event = 'created'), min(event_at)) AS created_at,
            min(event_at) FILTER (WHERE event = 'first_response') AS first_response_at,
            coalesce(max(event_at) FILTER (WHERE event = 'resolved'),
                     min(event_at) FILTER (WHERE event = 'closed')) AS resolved_at,
            count(*) FILTER (WHERE event = 'reopened') AS reopens,
            count(*) FILTER (WHERE event = 'reassigned') AS reassignments,
            max_by(sla_met, event_at) FILTER (WHERE sla_met IS NOT NULL) AS sla_flag,
            max(sla_due_at) AS sla_due_at,
            min_by(queue, event_at) FILTER (WHERE queue IS NOT NULL) AS queue,
            min_by(channel, event_at) FILTER (WHERE channel IS NOT NULL) AS channel,
            max_by(priority, event_at) FILTER (WHERE priority IS NOT NULL) AS priority
        FROM {table_sql(table, engine)} GROUP BY ticket_id)"""
    hours = f"{dialect.seconds_between('created_at', 'first_response_at')} / 3600.0"
    resolve = f"{dialect.seconds_between('created_at', 'resolved_at')} / 3600.0"
    sla = "coalesce(sla_flag, resolved_at <= sla_due_at)"
    select = f"""
        count(*) AS tickets,
        {dialect.quantile(hours, 0.5)} AS first_response_median_hours,
        {dialect.quantile(hours, 0.9)} AS first_response_p90_hours,
        {dialect.quantile(resolve, 0.5)} AS resolve_median_hours,
        {dialect.quantile(resolve, 0.9)} AS resolve_p90_hours,
        {_pct(f"count(*) FILTER (WHERE {sla})", f"count({sla})")} AS sla_attainment,
        {_pct("count(*) FILTER (WHERE reopens > 0 AND resolved_at IS NOT NULL)",
              "count(resolved_at)")} AS reopen_rate,
        {_pct("count(*) FILTER (WHERE reassignments > 0)", "count(*)")} AS reassignment_rate
    """
    groups = group_expressions(by, "created_at", 30, extra=("priority",), dialect=dialect)
    return run_grouped(select, per_ticket, groups, engine=engine)
