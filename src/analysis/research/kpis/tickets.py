"""Ticket KPIs from canonical ticket event logs, computed in DuckDB.

Each ticket is first reduced to one row (created, first response, last resolution, reopens,
reassignments, SLA outcome), then grouped by the day or week it was created, queue, channel or
priority.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import pandas as pd

from analysis.research.kpis.engine import TableSource, group_expressions, parquet_path, run_grouped

TicketGroupKey = Literal["day", "week", "month", "queue", "channel", "priority"]


def ticket_kpis(table: TableSource, by: Sequence[TicketGroupKey] = ()) -> pd.DataFrame:
    """Tickets, time to first response and to resolve (median, p90, hours), SLA attainment,
    reopen and reassignment rates.

    Time to resolve runs to the *last* resolution, so a reopened ticket counts its whole life.
    SLA attainment uses the latest ``sla_met`` flag the source gives for a ticket, else whether
    it was resolved by ``sla_due_at``; tickets with neither are left out of that rate.
    """
    per_ticket = f"""(
        SELECT ticket_id,
            coalesce(min(event_at) FILTER (event = 'created'), min(event_at)) AS created_at,
            min(event_at) FILTER (event = 'first_response') AS first_response_at,
            coalesce(max(event_at) FILTER (event = 'resolved'),
                     min(event_at) FILTER (event = 'closed')) AS resolved_at,
            count(*) FILTER (event = 'reopened') AS reopens,
            count(*) FILTER (event = 'reassigned') AS reassignments,
            arg_max(sla_met, event_at) FILTER (sla_met IS NOT NULL) AS sla_flag,
            max(sla_due_at) AS sla_due_at,
            arg_min(queue, event_at) FILTER (queue IS NOT NULL) AS queue,
            arg_min(channel, event_at) FILTER (channel IS NOT NULL) AS channel,
            arg_max(priority, event_at) FILTER (priority IS NOT NULL) AS priority
        FROM read_parquet('{parquet_path(table)}') GROUP BY ticket_id)"""
    hours = "epoch(first_response_at - created_at) / 3600.0"
    resolve = "epoch(resolved_at - created_at) / 3600.0"
    sla = "coalesce(sla_flag, resolved_at <= sla_due_at)"
    select = f"""
        count(*) AS tickets,
        quantile_cont({hours}, 0.5) AS first_response_median_hours,
        quantile_cont({hours}, 0.9) AS first_response_p90_hours,
        quantile_cont({resolve}, 0.5) AS resolve_median_hours,
        quantile_cont({resolve}, 0.9) AS resolve_p90_hours,
        100.0 * count(*) FILTER ({sla}) / NULLIF(count({sla}), 0) AS sla_attainment,
        100.0 * count(*) FILTER (reopens > 0 AND resolved_at IS NOT NULL)
            / NULLIF(count(resolved_at), 0) AS reopen_rate,
        100.0 * count(*) FILTER (reassignments > 0) / count(*) AS reassignment_rate
    """
    groups = group_expressions(by, "created_at", 30, extra=("priority",))
    return run_grouped(select, per_ticket, groups)
