"""The canonical client tables, described as data.

One ``TableSchema`` per export kind. The loader enforces it at parse time (types, required
columns, allowed values, minimums) and the validation package can derive an expectation suite
from the same description, so the two never drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from analysis.data.text_rules import FORBIDDEN_RE2

ExportKind = Literal["interactions", "interval_aggregates", "ticket_events"]
ColumnType = Literal["str", "timestamp", "float", "int", "bool"]

SCHEMA_VERSION = 3
"""Bumped whenever a canonical schema changes, so cached Parquet files are rebuilt."""

PANDAS_DTYPES: dict[ColumnType, str] = {
    "str": "str",
    "timestamp": "datetime64[us]",
    "float": "float64",
    "int": "Int64",
    "bool": "boolean",
}
"""The pandas dtype each canonical column type has in a loaded table."""


@dataclass(frozen=True)
class ColumnSchema:
    """One canonical column: name, type, whether it may be missing, and value rules."""

    name: str
    type: ColumnType
    nullable: bool = True
    description: str = ""
    allowed: tuple[str, ...] | None = None
    min_value: float | None = None
    max_value: float | None = None
    max_why: str = ""
    """Why ``max_value`` is the bound, said with every refusal (a plausibility rule)."""

    @property
    def pandas_dtype(self) -> str:
        """The dtype this column has in a canonical pandas frame."""
        return PANDAS_DTYPES[self.type]


@dataclass(frozen=True)
class TableSchema:
    """A canonical table: its kind, columns in order, and a short description."""

    kind: ExportKind
    description: str
    columns: tuple[ColumnSchema, ...] = field(default_factory=tuple)

    def column(self, name: str) -> ColumnSchema:
        """The column called ``name``; ``KeyError`` if the schema has none."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        """Column names in canonical order."""
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        """Columns that must be present and non-null in every row."""
        return [c.name for c in self.columns if not c.nullable]


CHANNELS = ("voice", "chat", "email", "messaging", "social", "video", "other")
OUTCOMES = ("answered", "abandoned", "short_abandon")
TICKET_EVENTS = (
    "created",
    "assigned",
    "reassigned",
    "first_response",
    "status_change",
    "resolved",
    "reopened",
    "closed",
)

MAX_TEXT_CHARS = 1_000
"""The longest text a canonical text column (ids, queue and agent names, codes) may hold.
Longer text is not a name: it is a broken export (a field swallowing the rest of the file),
and it would be carried into pages, tables and the data pack."""

CONTROL_CHARACTERS = FORBIDDEN_RE2
"""The forbidden characters of ``data/text_rules.py`` (C0 and C1 controls, DEL, bidirectional
overrides and isolates) as an RE2 class: never in a name or id. A NUL inside a queue name is a
sign of a corrupt file, and would make a queue of its own; an override spoofs a name."""

_S = ColumnSchema

MAX_CONTACT_SECONDS = 24 * 3600
"""The longest wait, talk, hold, wrap or handle time one contact may have (P8-A13: a talk time
of 800:00:00 passed and moved the published AHT and the Erlang sizing). A stated rule, not a
measured one: ACD and chat platforms end an idle session within hours, a day is longer than
any shift, and the typos it catches (hours typed as minutes, a day count in the hours field)
land far above it; the same bound holds for an interval's per-contact averages."""
_PER_CONTACT = {"max_value": MAX_CONTACT_SECONDS,
                "max_why": "24 hours: a longer time is not one contact's (a typo?)"}

INTERACTIONS = TableSchema(
    kind="interactions",
    description="One row per offered contact (call, chat, email): timing, outcome and quality.",
    columns=(
        _S("interaction_id", "str", False, "Unique contact id from the source system."),
        _S("channel", "str", False, "Contact channel.", allowed=CHANNELS),
        _S("queue", "str", False, "Queue, skill or split the contact was offered to."),
        _S("arrived_at", "timestamp", False, "When the contact entered the queue."),
        _S("answered_at", "timestamp", True, "When an agent answered; missing if abandoned."),
        _S("ended_at", "timestamp", True, "When the contact ended (after wrap-up if known)."),
        _S("wait_seconds", "float", False, "Queue time until answer or abandon.", min_value=0,
           **_PER_CONTACT),
        _S(
            "handle_seconds",
            "float",
            True,
            "Talk + hold + after-contact work; missing if not answered.",
            min_value=0,
            **_PER_CONTACT,
        ),
        _S("talk_seconds", "float", True, "Talk time only.", min_value=0, **_PER_CONTACT),
        _S("hold_seconds", "float", True, "Hold time.", min_value=0, **_PER_CONTACT),
        _S("wrap_seconds", "float", True, "After-contact work (wrap-up).", min_value=0,
           **_PER_CONTACT),
        _S("outcome", "str", False, "How the contact ended in the queue.", allowed=OUTCOMES),
        _S("agent_id", "str", True, "Agent who handled it."),
        _S("resolved", "bool", True, "Resolved at first contact, per the source's flag."),
        _S("csat", "float", True, "Post-contact satisfaction score on `csat_scale`.", min_value=0),
        # A scale has at least two points (a "top" of 1 rates nothing); the widest in use is a
        # 0-100 score, so a larger top is a mistake (a count or a pasted percentage), not a
        # survey scale. The same bounds hold for a mapped column and a mapping constant.
        _S("csat_scale", "int", True, "Top of the CSAT scale (e.g. 5 for 1-5).", min_value=2,
           max_value=100),
    ),
)

INTERVAL_AGGREGATES = TableSchema(
    kind="interval_aggregates",
    description="One row per interval (or day) × queue: counts and averages from an ACD report.",
    columns=(
        _S("interval_start", "timestamp", False, "Start of the interval (midnight for daily)."),
        _S("interval_minutes", "int", False, "Interval length (1440 for daily).", min_value=1),
        _S("queue", "str", False, "Queue, skill or split."),
        _S("channel", "str", False, "Contact channel.", allowed=CHANNELS),
        _S("offered", "int", False, "Contacts offered.", min_value=0),
        _S("answered", "int", False, "Contacts answered.", min_value=0),
        _S("abandoned", "int", True, "Contacts abandoned (incl. short abandons).", min_value=0),
        _S("short_abandoned", "int", True, "Abandons under the short-abandon cut.", min_value=0),
        _S("answered_within_sl", "int", True, "Answered within the SL threshold.", min_value=0),
        _S("sl_threshold_seconds", "int", True, "Threshold the source used for SL.", min_value=0),
        _S("service_level_pct", "float", True, "Service level as reported (0-100).", min_value=0),
        _S("asa_seconds", "float", True, "Average speed of answer.", min_value=0, **_PER_CONTACT),
        _S("aht_seconds", "float", True, "Average handle time.", min_value=0, **_PER_CONTACT),
        _S("talk_seconds_avg", "float", True, "Average talk time.", min_value=0, **_PER_CONTACT),
        _S("staffed_seconds", "float", True, "Agent staffed (logged-in) time.", min_value=0),
    ),
)

TICKET_EVENTS_SCHEMA = TableSchema(
    kind="ticket_events",
    description="One row per ticket event (created, responded, reassigned, resolved, ...).",
    columns=(
        _S("ticket_id", "str", False, "Ticket id."),
        _S("event_at", "timestamp", False, "When the event happened."),
        _S("event", "str", False, "What happened.", allowed=TICKET_EVENTS),
        _S("status", "str", True, "Ticket status after the event, as the source names it."),
        _S("priority", "str", True, "Ticket priority."),
        _S("queue", "str", True, "Queue or group."),
        _S("channel", "str", True, "Channel the ticket came in on.", allowed=CHANNELS),
        _S("agent_id", "str", True, "Agent or assignee after the event."),
        _S("sla_met", "bool", True, "Source's own SLA flag, if it has one."),
        _S("sla_due_at", "timestamp", True, "Resolution deadline, if the source gives one."),
    ),
)

CANONICAL_SCHEMAS: dict[ExportKind, TableSchema] = {
    s.kind: s for s in (INTERACTIONS, INTERVAL_AGGREGATES, TICKET_EVENTS_SCHEMA)
}
"""Every canonical table by kind; the contract the loader and the GX suites share."""
