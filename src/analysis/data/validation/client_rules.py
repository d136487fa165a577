"""Consistency rules of the canonical client tables that no single-column expectation covers.

Row rules look at one row at a time. Like ``rules``, each is a pure pandas function of a batch of
the canonical table returning one cell per row: missing when the row is fine, otherwise a short
explanation ("answered 07:04:20 before arrival 07:04:28"). The suite asserts those cells are
null, so a broken rule reports its rows, count and explanations through the same result
structure as every other expectation, batch after batch.

Table rules compare rows with each other (a ticket's events with its created event): a batch
cannot judge them, so each is one DuckDB query over the whole table (``TABLE_RULES``) returning
the bad rows' ``row`` (1-based position in the table) and ``explanation``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from .report import CRITICAL, WARNING


def _explain(
    frame: pd.DataFrame, bad: pd.Series, text: Callable[[pd.DataFrame], pd.Series]
) -> pd.Series:
    """Explanations for the rows where ``bad`` holds (built for those rows only), else null."""
    out = pd.Series(None, index=frame.index, dtype="str")
    bad = bad.fillna(False).astype(bool)
    if bad.any():
        out[bad] = text(frame[bad]).astype("str")
    return out


def _when(values: pd.Series) -> pd.Series:
    return values.dt.strftime("%Y-%m-%d %H:%M:%S")


def _not_before(later: str, earlier: str, verb: str) -> Callable[[pd.DataFrame], pd.Series]:
    """Rows whose ``later`` timestamp lies before their ``earlier`` one."""

    def rule(frame: pd.DataFrame) -> pd.Series:
        return _explain(
            frame, frame[later] < frame[earlier],
            lambda bad: f"{verb} " + _when(bad[later]) + f" before {earlier.removesuffix('_at')} "
            + _when(bad[earlier]),
        )

    return rule


def _at_most(part: str, whole: str) -> Callable[[pd.DataFrame], pd.Series]:
    """Rows whose count ``part`` exceeds the count ``whole`` it is part of."""

    def rule(frame: pd.DataFrame) -> pd.Series:
        return _explain(
            frame, frame[part] > frame[whole],
            lambda bad: f"{part} " + bad[part].astype("str") + f" > {whole} "
            + bad[whole].astype("str"),
        )

    return rule


def csat_above_scale(frame: pd.DataFrame) -> pd.Series:
    """Scores above the top of their own CSAT scale (a 9 on a 1-5 survey)."""
    return _explain(
        frame, frame["csat"] > frame["csat_scale"],
        lambda bad: "csat " + bad["csat"].map("{:g}".format) + " on a 1-"
        + bad["csat_scale"].astype("str") + " scale",
    )


def csat_without_scale(frame: pd.DataFrame) -> pd.Series:
    """Scores given without the scale they are on (cannot be compared with a benchmark)."""
    return _explain(
        frame, frame["csat"].notna() & frame["csat_scale"].isna(),
        lambda bad: "csat " + bad["csat"].map("{:g}".format) + " has no csat_scale",
    )


def answered_plus_abandoned_over_offered(frame: pd.DataFrame) -> pd.Series:
    """Intervals whose answered and abandoned contacts add up to more than were offered."""
    total = frame["answered"] + frame["abandoned"]
    return _explain(
        frame, total > frame["offered"],
        lambda bad: "answered + abandoned " + (bad["answered"] + bad["abandoned"]).astype("str")
        + " > offered " + bad["offered"].astype("str"),
    )


_WHEN_SQL = "strftime({}, '%Y-%m-%d %H:%M:%S')"


def events_before_creation_sql(table: str) -> str:
    """Ticket events dated before the same ticket's ``created`` event (one query)."""
    return (
        "SELECT row, event || ' ' || " + _WHEN_SQL.format("event_at") + " || ' before ticket ' "
        "|| ticket_id || ' was created ' || " + _WHEN_SQL.format("created") + " AS explanation "
        "FROM (SELECT file_row_number + 1 AS row, event, event_at, ticket_id, "
        "min(event_at) FILTER (event = 'created') OVER (PARTITION BY ticket_id) AS created "
        f"FROM {table}) WHERE event_at < created"
    )


def tickets_without_creation_sql(table: str) -> str:
    """Events of tickets the log never shows being created (turnaround has no start)."""
    return (
        "SELECT row, 'ticket ' || ticket_id || ' has no created event' AS explanation "
        "FROM (SELECT file_row_number + 1 AS row, ticket_id, "
        "bool_or(event = 'created') OVER (PARTITION BY ticket_id) AS has_created "
        f"FROM {table}) WHERE NOT coalesce(has_created, FALSE)"
    )


@dataclass(frozen=True)
class Rule:
    """One consistency rule: its id, the column it speaks about, wording, severity, function."""

    rule: str
    column: str
    description: str
    severity: str
    check: Callable[[pd.DataFrame], pd.Series]


CLIENT_RULES: dict[str, tuple[Rule, ...]] = {
    "interactions": (
        Rule("answered_after_arrival", "answered_at", "must not be before arrived_at", CRITICAL,
             _not_before("answered_at", "arrived_at", "answered")),
        Rule("ended_after_answer", "ended_at", "must not be before answered_at", CRITICAL,
             _not_before("ended_at", "answered_at", "ended")),
        Rule("ended_after_arrival", "ended_at", "must not be before arrived_at", CRITICAL,
             _not_before("ended_at", "arrived_at", "ended")),
        Rule("csat_scale", "csat", "must not exceed its csat_scale (the top of the survey's scale)",
             CRITICAL, csat_above_scale),
        Rule("csat_has_scale", "csat_scale", "a csat score needs its scale", WARNING,
             csat_without_scale),
    ),
    "interval_aggregates": (
        Rule("abandoned_within_offered", "abandoned", "must not exceed offered", CRITICAL,
             _at_most("abandoned", "offered")),
        Rule("answered_within_offered", "answered", "must not exceed offered", CRITICAL,
             _at_most("answered", "offered")),
        Rule("short_within_abandoned", "short_abandoned", "must not exceed abandoned", CRITICAL,
             _at_most("short_abandoned", "abandoned")),
        Rule("sl_within_answered", "answered_within_sl", "must not exceed answered", CRITICAL,
             _at_most("answered_within_sl", "answered")),
        Rule("outcomes_within_offered", "offered",
             "answered + abandoned should not exceed offered", WARNING,
             answered_plus_abandoned_over_offered),
    ),
}
"""Row rules per canonical kind; ids are the ``[rule]`` shown in messages."""


@dataclass(frozen=True)
class TableRule:
    """One rule judged over the whole table: id, column, wording, severity, its query.

    ``query(table)`` is DuckDB SQL over ``table`` (a ``read_parquet(..., file_row_number =
    true)``) selecting ``row`` and ``explanation`` of every bad row.
    """

    rule: str
    column: str
    description: str
    severity: str
    query: Callable[[str], str]


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
