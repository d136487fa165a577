"""Consistency rules of the canonical client tables that no single-column expectation covers.

Row rules look at one row at a time. Each is one DuckDB SQL expression over the row's columns
giving one cell: missing when the row is fine, otherwise a short explanation ("answered
07:04:20 before arrival 07:04:28"). Both executors of the client suite compute the same
expression (``client_suites.prepare`` over a pandas frame for Great Expectations, the SQL
compilation of the suite over the Parquet file), and the suite asserts those cells are null, so
a broken rule reports its rows, count and explanations through the same result structure as
every other expectation. One definition of each rule, two executors.

Table rules compare rows with each other (a ticket's events with its created event): a row
cannot judge them, so each is one query over the whole table (``TABLE_RULES``), written once
for DuckDB and Spark SQL (``Spelling``), returning the bad rows' ``row`` (1-based position in
the table, DuckDB only) and ``explanation``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from analysis.data.client_exports.schema import CANONICAL_SCHEMAS

from .report import CRITICAL, WARNING

_WHEN = "strftime({}, '%Y-%m-%d %H:%M:%S')"


def _not_before(later: str, earlier: str, verb: str) -> str:
    """Rows whose ``later`` timestamp lies before their ``earlier`` one."""
    return (f"CASE WHEN {later} < {earlier} THEN '{verb} ' || {_WHEN.format(later)} || "
            f"' before {earlier.removesuffix('_at')} ' || {_WHEN.format(earlier)} END")


def _at_most(part: str, whole: str) -> str:
    """Rows whose count ``part`` exceeds the count ``whole`` it is part of."""
    return (f"CASE WHEN {part} > {whole} THEN '{part} ' || CAST({part} AS VARCHAR) || "
            f"' > {whole} ' || CAST({whole} AS VARCHAR) END")


CSAT_ABOVE_SCALE = ("CASE WHEN csat > csat_scale THEN 'csat ' || printf('%g', csat) || ' on a 1-' "
                    "|| CAST(csat_scale AS VARCHAR) || ' scale' END")
"""Scores above the top of their own CSAT scale (a 9 on a 1-5 survey)."""

CSAT_WITHOUT_SCALE = ("CASE WHEN csat IS NOT NULL AND csat_scale IS NULL THEN 'csat ' || "
                      "printf('%g', csat) || ' has no csat_scale' END")
"""Scores given without the scale they are on (cannot be compared with a benchmark)."""

OUTCOMES_OVER_OFFERED = (
    "CASE WHEN answered + abandoned > offered THEN 'answered + abandoned ' || "
    "CAST(answered + abandoned AS VARCHAR) || ' > offered ' || CAST(offered AS VARCHAR) END")
"""Intervals whose answered and abandoned contacts add up to more than were offered."""


@dataclass(frozen=True)
class Spelling:
    """What the whole-table rules spell differently on DuckDB and Spark SQL.

    Everything else in those queries is a subset both engines run verbatim (``||``, ``CASE``,
    window aggregates over ``PARTITION BY``), so each rule is written once.
    """

    row: str
    """The row's 1-based position in the table (Spark has none: NULL there)."""
    time_format: str
    """``strftime`` on DuckDB, ``date_format`` on Spark, with its own pattern."""

    def when(self, column: str) -> str:
        """A timestamp as ``YYYY-MM-DD HH:MM:SS`` text."""
        return self.time_format.format(column)


DUCKDB = Spelling(row="file_row_number + 1", time_format=_WHEN)
SPARK = Spelling(row="CAST(NULL AS BIGINT)",
                 time_format="date_format({}, 'yyyy-MM-dd HH:mm:ss')")


def events_before_creation_sql(table: str, spelling: Spelling = DUCKDB) -> str:
    """Ticket events dated before the same ticket's ``created`` event (one query)."""
    return (
        f"SELECT row, event || ' ' || {spelling.when('event_at')} || ' before ticket ' "
        f"|| ticket_id || ' was created ' || {spelling.when('created')} AS explanation "
        f"FROM (SELECT {spelling.row} AS row, event, event_at, ticket_id, "
        "min(CASE WHEN event = 'created' THEN event_at END) OVER (PARTITION BY ticket_id) "
        f"AS created FROM {table}) WHERE event_at < created"
    )


def tickets_without_creation_sql(table: str, spelling: Spelling = DUCKDB) -> str:
    """Events of tickets the log never shows being created (turnaround has no start)."""
    return (
        "SELECT row, 'ticket ' || ticket_id || ' has no created event' AS explanation "
        f"FROM (SELECT {spelling.row} AS row, ticket_id, "
        "max(CASE WHEN event = 'created' THEN 1 ELSE 0 END) OVER (PARTITION BY ticket_id) "
        f"AS has_created FROM {table}) WHERE has_created = 0"
    )


# Plausible dates (P5-T12: a call dated 0001-06-01 in a 2025 export passed every check and cut
# the sized workload by ~4x). A stated rule, not a measured one: no export this project reads
# predates 1990 (ACD and ticketing systems that keep per-contact history are younger), and the
# usual typos land far before it (year 1, 1025 for 2025, 1900 from a spreadsheet's zero date).
# An export records what has happened, so nothing lies in the future; the two days of slack are
# time zones: timestamps are the client's local time, up to 26 h ahead of this machine's clock
# (UTC+14 against UTC-12). A deadline (sla_due_at) may lie ahead, so only its lower bound holds.
EARLIEST_DATE = "1990-01-01"
FUTURE_SLACK_DAYS = 2
_UNBOUNDED_FUTURE = ("sla_due_at",)


def _plausible_date(column: str) -> str:
    """Rows whose timestamp ``column`` is before 1990 or (an event) in the future."""
    too_early = (f"WHEN {column} < TIMESTAMP '{EARLIEST_DATE}' THEN '{column} ' || "
                 f"{_WHEN.format(column)} || ' is before {EARLIEST_DATE} (a mistyped year?)'")
    if column in _UNBOUNDED_FUTURE:
        return f"CASE {too_early} END"
    return (f"CASE {too_early} WHEN {column} > current_localtimestamp() + INTERVAL "
            f"{FUTURE_SLACK_DAYS} DAY THEN '{column} ' || {_WHEN.format(column)} || "
            "' is in the future (an export records what has happened)' END")


def _date_rules(kind: str) -> tuple[Rule, ...]:
    """One plausible-date rule per timestamp column of ``kind`` (every kind, every column)."""
    return tuple(
        Rule(f"plausible_{column.name}", column.name,
             f"must be on or after {EARLIEST_DATE}" + (
                 "" if column.name in _UNBOUNDED_FUTURE else
                 f" and at most {FUTURE_SLACK_DAYS} days after today"),
             CRITICAL, _plausible_date(column.name), (column.name,))
        for column in CANONICAL_SCHEMAS[kind].columns if column.type == "timestamp")


@dataclass(frozen=True)
class Rule:
    """One consistency rule: id, the column it speaks about, wording, severity, its SQL.

    ``sql`` is the explanation expression (NULL for a good row); ``needs`` the columns it reads
    (a table lacking one is reported once by the column set, and the rule is not run).
    """

    rule: str
    column: str
    description: str
    severity: str
    sql: str
    needs: tuple[str, ...]


CLIENT_RULES: dict[str, tuple[Rule, ...]] = {
    "interactions": (
        Rule("answered_after_arrival", "answered_at", "must not be before arrived_at", CRITICAL,
             _not_before("answered_at", "arrived_at", "answered"), ("answered_at", "arrived_at")),
        Rule("ended_after_answer", "ended_at", "must not be before answered_at", CRITICAL,
             _not_before("ended_at", "answered_at", "ended"), ("ended_at", "answered_at")),
        Rule("ended_after_arrival", "ended_at", "must not be before arrived_at", CRITICAL,
             _not_before("ended_at", "arrived_at", "ended"), ("ended_at", "arrived_at")),
        Rule("csat_scale", "csat", "must not exceed its csat_scale (the top of the survey's scale)",
             CRITICAL, CSAT_ABOVE_SCALE, ("csat", "csat_scale")),
        Rule("csat_has_scale", "csat_scale", "a csat score needs its scale", WARNING,
             CSAT_WITHOUT_SCALE, ("csat", "csat_scale")),
    ),
    "interval_aggregates": (
        Rule("abandoned_within_offered", "abandoned", "must not exceed offered", CRITICAL,
             _at_most("abandoned", "offered"), ("abandoned", "offered")),
        Rule("answered_within_offered", "answered", "must not exceed offered", CRITICAL,
             _at_most("answered", "offered"), ("answered", "offered")),
        Rule("short_within_abandoned", "short_abandoned", "must not exceed abandoned", CRITICAL,
             _at_most("short_abandoned", "abandoned"), ("short_abandoned", "abandoned")),
        Rule("sl_within_answered", "answered_within_sl", "must not exceed answered", CRITICAL,
             _at_most("answered_within_sl", "answered"), ("answered_within_sl", "answered")),
        Rule("outcomes_within_offered", "offered",
             "answered + abandoned should not exceed offered", WARNING,
             OUTCOMES_OVER_OFFERED, ("answered", "abandoned", "offered")),
    ),
}
for _kind in ("interactions", "interval_aggregates", "ticket_events"):
    CLIENT_RULES[_kind] = (*_date_rules(_kind), *CLIENT_RULES.get(_kind, ()))
"""Row rules per canonical kind; ids are the ``[rule]`` shown in messages."""


@dataclass(frozen=True)
class TableRule:
    """One rule judged over the whole table: id, column, wording, severity, its query.

    ``query(table, spelling)`` selects ``row`` and ``explanation`` of every bad row of
    ``table``: on DuckDB (``DUCKDB``, the default) a ``read_parquet(..., file_row_number =
    true)``, on Spark (``SPARK``) a temporary view. ``needs``: the columns it reads.
    """

    rule: str
    column: str
    description: str
    severity: str
    query: Callable[..., str]
    needs: tuple[str, ...] = ("ticket_id", "event", "event_at")


TABLE_RULES: dict[str, tuple[TableRule, ...]] = {
    "ticket_events": (
        TableRule("events_after_creation", "event_at",
                  "a ticket's events must not be dated before its created event", CRITICAL,
                  events_before_creation_sql),
        TableRule("ticket_created", "ticket_id", "every ticket should have a created event",
                  WARNING, tickets_without_creation_sql),
    ),
}
"""Whole-table rules per canonical kind."""
