"""Contact KPIs computed in DuckDB (or Spark) straight over canonical Parquet (no pandas load).

Results are small pandas frames: one row per group, one column per KPI (named as in
``KPI_DEFINITIONS``), with the conventions used in ``frame.attrs["conventions"]`` and the
sentence to print in ``frame.attrs["conventions_text"]``.

Each KPI query is written once, in SQL both engines run (``dialect.py`` spells the few
differences); ``engine="spark"`` runs the same text on the process's Spark session and the
result goes through the same conversion to pandas, so both engines give the same frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import duckdb
import numpy as np
import pandas as pd

from analysis.data.client_exports.loader import CanonicalTable
from analysis.errors import ConfigError
from analysis.research.kpis.conventions import (
    AbandonmentBase,
    Conventions,
    PhantomHandling,
    ServiceLevelBase,
)
from analysis.research.kpis.dialect import DIALECTS, Dialect, Engine
from analysis.settings import setting

GroupKey = Literal["day", "week", "month", "interval", "time_of_day", "queue", "channel"]
"""``day``/``week``/``month``: calendar buckets; ``interval``: each 15/30/60-minute slot;
``time_of_day``: slots pooled across days (the intraday profile); ``queue``; ``channel``."""

IntervalMinutes = Literal[15, 30, 60]

TableSource = CanonicalTable | Path | str


def parquet_path(source: TableSource) -> str:
    """The Parquet file behind a canonical table (or a path given directly)."""
    path = source.path if isinstance(source, CanonicalTable) else Path(source)
    if not path.exists():
        raise ConfigError(f"no such table file: {path}")
    return str(path).replace("'", "''")


def table_sql(source: TableSource, engine: Engine = "duckdb") -> str:
    """How a query names the Parquet table behind ``source`` on ``engine``.

    Spark gets a temporary view over the file (the path never goes into SQL text).
    """
    path = parquet_path(source)
    if engine == "duckdb":
        return f"read_parquet('{path}')"
    from analysis.data.spark_session import spark_session

    original = (source.path if isinstance(source, CanonicalTable) else Path(source))
    view = f"_bpo_table_{abs(hash(str(original))):x}"
    spark_session().read.parquet(str(original)).createOrReplaceTempView(view)
    return view


def group_expressions(by: Sequence[str], time_column: str, interval_minutes: int,
                      extra: Sequence[str] = (), dialect: Dialect = DIALECTS["duckdb"],
                      ) -> list[tuple[str, str]]:
    """(SQL expression, output name) per group key; ``ConfigError`` for an unknown key."""
    if interval_minutes not in (15, 30, 60):
        raise ConfigError(f"interval_minutes must be 15, 30 or 60, not {interval_minutes}")
    bucket = dialect.bucket(interval_minutes, time_column)
    known = {
        "day": f"CAST({time_column} AS DATE)",
        "week": f"CAST(date_trunc('week', {time_column}) AS DATE)",
        "month": f"CAST(date_trunc('month', {time_column}) AS DATE)",
        "interval": bucket,
        "time_of_day": dialect.time_of_day(bucket),
        "queue": "queue",
        "channel": "channel",
        **{k: k for k in extra},
    }
    exprs = []
    for key in by:
        if key not in known:
            raise ConfigError(f"cannot group by '{key}' (choose from {', '.join(known)})")
        exprs.append((known[key], "interval_start" if key == "interval" else key))
    return exprs


def run_grouped(sql_select: str, source_sql: str, groups: list[tuple[str, str]],
                where: str = "TRUE", engine: Engine = "duckdb") -> pd.DataFrame:
    """Run one grouped aggregate and return it sorted by group (NULL groups last).

    DuckDB: a fresh in-memory connection. Spark: the same text on the process's session; its
    Arrow result is handed to DuckDB for the conversion to pandas, so dtypes match too.
    """
    cols = ", ".join(f"{e} AS {n}" for e, n in groups)
    select = f"{cols}, {sql_select}" if groups else sql_select
    names = [n for _, n in groups]
    group_by = (f"GROUP BY {', '.join(names)} ORDER BY "
                + ", ".join(f"{n} ASC NULLS LAST" for n in names)) if groups else ""
    sql = f"SELECT {select} FROM {source_sql} WHERE {where} {group_by}"
    if engine == "spark":
        from analysis.data.spark_session import spark_session

        result = spark_session().sql(sql).toArrow()  # noqa: F841 (DuckDB reads it by name)
        with duckdb.connect() as con:
            frame = con.sql("SELECT * FROM result").df()
        if "time_of_day" in frame.columns:  # Spark has no TIME type: HH:mm:ss text here
            frame["time_of_day"] = pd.to_datetime(frame["time_of_day"], format="%H:%M:%S").dt.time
        return frame
    with duckdb.connect() as con:
        chunks = _partitions(con, source_sql, groups, where) if groups else []
        if len(chunks) <= 1:
            return con.sql(sql).df()
        # Exact quantiles hold every value of a group in memory and do not spill: past
        # PARTITION_ROWS the query runs once per range of the first group key, so each group
        # is whole in exactly one pass and memory is bounded by the largest pass, not the table.
        first = groups[0][0]
        for i, chunk in enumerate(chunks):
            con.execute("CREATE OR REPLACE TEMP TABLE _bpo_keys AS SELECT unnest(?) AS k",
                        [chunk])
            keys = (f"{first} IS NULL" if chunk == [None]
                    else f"{first} IN (SELECT k FROM _bpo_keys)")
            part = f"SELECT {select} FROM {source_sql} WHERE ({where}) AND {keys} {group_by}"
            # Results gather in DuckDB, so the frame's dtypes are those of a single query.
            con.execute(f"INSERT INTO _bpo_out {part}" if i else
                        f"CREATE TEMP TABLE _bpo_out AS {part}")
        order = ", ".join(f"{n} ASC NULLS LAST" for n in names)
        return con.sql(f"SELECT * FROM _bpo_out ORDER BY {order}").df()


PARTITION_ROWS: int = setting("BPO_KPI_PARTITION_ROWS")
"""Rows per pass of a grouped KPI query on DuckDB (see ``run_grouped``)."""


def _partitions(con: duckdb.DuckDBPyConnection, source_sql: str,
                groups: list[tuple[str, str]], where: str) -> list[list[object]]:
    """Values of the first group key, in runs of at most ``PARTITION_ROWS`` rows (one run for a
    table that fits; a key with more rows than that is a run of its own). NULL is its own run."""
    (total,) = con.sql(f"SELECT count(*) FROM {source_sql} WHERE {where}").fetchall()[0]
    if total <= PARTITION_ROWS:
        return []
    counts = con.sql(f"SELECT {groups[0][0]} AS k, count(*) FROM {source_sql} WHERE {where} "
                     "GROUP BY k ORDER BY k NULLS LAST").fetchall()
    chunks: list[list[object]] = []
    size = 0
    for key, n in counts:
        if key is None:
            chunks.append([None])
            size = PARTITION_ROWS  # nothing joins the NULL run
        elif chunks and chunks[-1] != [None] and size + n <= PARTITION_ROWS:
            chunks[-1].append(key)
            size += n
        else:
            chunks.append([key])
            size = n
    return chunks


def _tag(frame: pd.DataFrame, conventions: Conventions) -> pd.DataFrame:
    frame.attrs["conventions"] = conventions.as_dict()
    frame.attrs["conventions_text"] = conventions.describe()
    return frame


def _pct(numerator: str, denominator: str) -> str:
    # A double before the division: Spark would keep 100.0 * count as a rounded decimal.
    return f"100.0 * CAST(({numerator}) AS DOUBLE) / NULLIF({denominator}, 0)"


def interaction_kpis(
    table: TableSource,
    by: Sequence[GroupKey] = (),
    conventions: Conventions | None = None,
    interval_minutes: IntervalMinutes = 30,
    staffed: TableSource | None = None,
    engine: Engine = "duckdb",
) -> pd.DataFrame:
    """Offered, answered, abandons, rates, ASA, handle time, service level, FCR, CSAT per group.

    ``table`` is a canonical interactions table. Occupancy needs agent time: pass ``staffed``,
    an ``interval_aggregates`` table with ``staffed_seconds``; it is matched on the same group
    keys (``channel`` and ``queue`` must be in both). Without it occupancy is missing.
    ``engine``: ``duckdb`` (one machine) or ``spark`` (the same SQL on the Spark session).
    """
    conv = conventions or Conventions()
    dialect = DIALECTS[engine]
    t, s = conv.sl_threshold_seconds, conv.short_abandon_seconds
    short = (f"(outcome = 'short_abandon' OR (outcome = 'abandoned' AND wait_seconds < {s}))")
    answered = "outcome = 'answered'"
    phantom = f"({answered} AND coalesce(handle_seconds, 0) <= {conv.phantom_seconds})"
    in_handle = f"{answered} AND handle_seconds IS NOT NULL"
    if conv.phantom is not PhantomHandling.KEEP:
        in_handle += f" AND NOT {phantom}"
    where = f"NOT {phantom}" if conv.phantom is PhantomHandling.EXCLUDE else "TRUE"
    sl_base = {
        ServiceLevelBase.OFFERED: "count(*)",
        ServiceLevelBase.ANSWERED: f"count(*) FILTER (WHERE {answered})",
        ServiceLevelBase.OFFERED_EXCLUDING_SHORT_ABANDONS: f"count(*) FILTER (WHERE NOT {short})",
    }[conv.service_level]
    abandoned = "count(*) FILTER (WHERE outcome <> 'answered')"
    ab_rate = {
        AbandonmentBase.OFFERED: _pct(abandoned, "count(*)"),
        AbandonmentBase.QUEUED: _pct(f"{abandoned} - count(*) FILTER (WHERE {short})",
                                     f"count(*) FILTER (WHERE NOT {short})"),
    }[conv.abandonment]
    top2 = "csat IS NOT NULL AND csat >= coalesce(csat_scale, 5) - 1"
    select = f"""
        count(*) AS offered,
        count(*) FILTER (WHERE {answered}) AS answered,
        {abandoned} AS abandoned,
        count(*) FILTER (WHERE {short}) AS short_abandoned,
        {ab_rate} AS abandonment_rate,
        avg(wait_seconds) FILTER (WHERE {answered}) AS asa_seconds,
        avg(handle_seconds) FILTER (WHERE {in_handle}) AS aht_seconds,
        {dialect.quantiles("handle_seconds", [0.5, 0.9])} FILTER (WHERE {in_handle})
            AS handle_quantiles,
        sum(handle_seconds) FILTER (WHERE {in_handle}) AS handle_total_seconds,
        avg(talk_seconds) FILTER (WHERE {in_handle}) AS talk_mean_seconds,
        {_pct(f"count(*) FILTER (WHERE {answered} AND wait_seconds <= {t})", sl_base)}
            AS service_level,
        {_pct(f"count(*) FILTER (WHERE {answered} AND resolved)",
              f"count(*) FILTER (WHERE {answered} AND resolved IS NOT NULL)")} AS fcr,
        avg(csat) AS csat_mean,
        {_pct(f"count(*) FILTER (WHERE {top2})", "count(csat)")} AS csat_top2_box,
        count(csat) AS csat_responses
    """
    groups = group_expressions(by, "arrived_at", interval_minutes, dialect=dialect)
    frame = run_grouped(select, table_sql(table, engine), groups, where, engine)
    # One sort serves both quantiles; split the [median, p90] pair here on the small result.
    pairs = [tuple(q) if isinstance(q, list | tuple | np.ndarray) else (None, None)
             for q in frame.pop("handle_quantiles")]
    position = frame.columns.get_loc("aht_seconds") + 1
    frame.insert(position, "handle_median_seconds", [p[0] for p in pairs])
    frame.insert(position + 1, "handle_p90_seconds", [p[1] for p in pairs])
    frame[["handle_median_seconds", "handle_p90_seconds"]] = frame[
        ["handle_median_seconds", "handle_p90_seconds"]].astype("float64")
    frame["occupancy"] = _occupancy(frame, staffed, by, interval_minutes, engine)
    return _tag(frame.drop(columns="handle_total_seconds"), conv)


def _occupancy(frame: pd.DataFrame, staffed: TableSource | None, by: Sequence[str],
               interval_minutes: int, engine: Engine = "duckdb") -> pd.Series:
    if staffed is None:
        return pd.Series(float("nan"), index=frame.index)
    groups = group_expressions(by, "interval_start", interval_minutes, dialect=DIALECTS[engine])
    agent_time = run_grouped("sum(staffed_seconds) AS staffed_seconds",
                             table_sql(staffed, engine), groups, engine=engine)
    keys = [n for _, n in groups]
    if keys:
        merged = frame[keys].merge(agent_time, on=keys, how="left")
        staffed_seconds = merged["staffed_seconds"].to_numpy()
    else:
        staffed_seconds = agent_time["staffed_seconds"].to_numpy()
    return pd.Series(100.0 * frame["handle_total_seconds"].to_numpy() / staffed_seconds,
                     index=frame.index).where(lambda x: x.notna())


def aggregate_kpis(
    table: TableSource,
    by: Sequence[GroupKey] = (),
    conventions: Conventions | None = None,
    interval_minutes: IntervalMinutes = 30,
    engine: Engine = "duckdb",
) -> pd.DataFrame:
    """The same KPIs from an ``interval_aggregates`` table (counts and averages re-weighted).

    Averages are re-weighted by answered contacts, never averaged across rows. Service level
    uses ``answered_within_sl`` with the convention's base when the export gives it; otherwise
    the reported percentage weighted by offered (the source's own threshold and base apply, and
    ``attrs["service_level_source"]`` says so). Interval groupings coarser than the export's
    own interval are fine; finer ones are not meaningful.
    """
    conv = conventions or Conventions()
    dialect = DIALECTS[engine]
    short = "coalesce(short_abandoned, 0)"
    sl_base = {
        ServiceLevelBase.OFFERED: "sum(offered)",
        ServiceLevelBase.ANSWERED: "sum(answered)",
        ServiceLevelBase.OFFERED_EXCLUDING_SHORT_ABANDONS: f"sum(offered - {short})",
    }[conv.service_level]
    ab_rate = {
        AbandonmentBase.OFFERED: _pct("sum(abandoned)", "sum(offered)"),
        AbandonmentBase.QUEUED: _pct(f"sum(abandoned - {short})", f"sum(offered - {short})"),
    }[conv.abandonment]
    select = f"""
        {dialect.sum_counts("offered")} AS offered, {dialect.sum_counts("answered")} AS answered,
        {dialect.sum_counts("coalesce(abandoned, offered - answered)")} AS abandoned,
        {dialect.sum_counts("short_abandoned")} AS short_abandoned,
        {ab_rate} AS abandonment_rate,
        sum(asa_seconds * answered)
            / NULLIF(sum(answered) FILTER (WHERE asa_seconds IS NOT NULL), 0) AS asa_seconds,
        sum(aht_seconds * answered)
            / NULLIF(sum(answered) FILTER (WHERE aht_seconds IS NOT NULL), 0) AS aht_seconds,
        sum(talk_seconds_avg * answered)
            / NULLIF(sum(answered) FILTER (WHERE talk_seconds_avg IS NOT NULL), 0)
            AS talk_mean_seconds,
        coalesce({_pct("sum(answered_within_sl)", sl_base)},
                 sum(service_level_pct * offered)
                 / NULLIF(sum(offered) FILTER (WHERE service_level_pct IS NOT NULL), 0))
            AS service_level,
        count(answered_within_sl) AS sl_rows_with_counts,
        {_pct("sum(aht_seconds * answered) FILTER (WHERE staffed_seconds IS NOT NULL)",
              "sum(staffed_seconds) FILTER (WHERE aht_seconds IS NOT NULL)")} AS occupancy
    """
    groups = group_expressions(by, "interval_start", interval_minutes, dialect=dialect)
    frame = run_grouped(select, table_sql(table, engine), groups, engine=engine)
    frame.attrs["service_level_source"] = (
        "counts answered within threshold" if frame["sl_rows_with_counts"].gt(0).all()
        else "reported percentage (source's own threshold and base)"
    )
    return _tag(frame.drop(columns="sl_rows_with_counts"), conv)
