"""KPI engine against hand-computed answers on tiny canonical fixtures, for every convention."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analysis.data.client_exports import CANONICAL_SCHEMAS
from analysis.errors import ConfigError
from analysis.research.kpis import (
    KPI_DEFINITIONS,
    AbandonmentBase,
    Conventions,
    PhantomHandling,
    ServiceLevelBase,
    aggregate_kpis,
    interaction_kpis,
    ticket_kpis,
)
from analysis.research.kpis import engine as kpi_engine

T0 = pd.Timestamp("2025-03-03 09:00:00")


def canonical_parquet(path: Path, kind: str, rows: list[dict]) -> Path:
    """Write rows as a canonical table (absent columns null) and return the file."""
    schema = CANONICAL_SCHEMAS[kind]
    frame = pd.DataFrame(rows).reindex(columns=schema.names)
    frame = frame.astype({c.name: c.pandas_dtype for c in schema.columns})
    frame.to_parquet(path)
    return path


def call(i: int, outcome: str, wait: float, handle: float | None = None, *, queue: str = "A",
         minutes: int = 0, resolved: bool | None = None, csat: float | None = None) -> dict:
    return {"interaction_id": f"c{i}", "channel": "voice", "queue": queue,
            "arrived_at": T0 + pd.Timedelta(minutes=minutes), "wait_seconds": wait,
            "handle_seconds": handle, "outcome": outcome, "resolved": resolved, "csat": csat,
            "csat_scale": 5}


# Queue A: 8 offered, 5 answered (one a zero-length phantom), 3 abandoned of which 2 short
# (one under the 5 s cut, one marked short by the source).
CALLS = [
    call(1, "answered", 10, 100, resolved=True, csat=5),
    call(2, "answered", 30, 200, resolved=False, csat=3),
    call(3, "answered", 0, 0),
    call(4, "answered", 15, 300, resolved=True, csat=4, minutes=20),
    call(5, "abandoned", 3, minutes=20),
    call(6, "short_abandon", 2, minutes=40),
    call(7, "abandoned", 60, minutes=40),
    call(8, "answered", 25, 400, minutes=50),
]


@pytest.fixture
def calls(tmp_path: Path) -> Path:
    return canonical_parquet(tmp_path / "calls.parquet", "interactions", CALLS)


def one(frame: pd.DataFrame) -> pd.Series:
    assert len(frame) == 1
    return frame.iloc[0]


def test_default_conventions(calls: Path) -> None:
    row = one(interaction_kpis(calls))
    assert (row.offered, row.answered, row.abandoned, row.short_abandoned) == (8, 5, 3, 2)
    assert row.abandonment_rate == pytest.approx(100 * 3 / 8)
    assert row.service_level == pytest.approx(100 * 3 / 8)  # calls 1, 3, 4 within 20 s
    assert row.asa_seconds == pytest.approx((10 + 30 + 0 + 15 + 25) / 5)
    # Phantom (call 3) left out of handle time: 100, 200, 300, 400.
    assert row.aht_seconds == pytest.approx(250)
    assert row.handle_median_seconds == pytest.approx(250)
    assert row.handle_p90_seconds == pytest.approx(300 + 0.7 * 100)
    assert row.fcr == pytest.approx(100 * 2 / 3)
    assert row.csat_mean == pytest.approx(4) and row.csat_responses == 3
    assert row.csat_top2_box == pytest.approx(100 * 2 / 3)
    assert pd.isna(row.occupancy)


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        (ServiceLevelBase.OFFERED, 3 / 8),
        (ServiceLevelBase.ANSWERED, 3 / 5),
        (ServiceLevelBase.OFFERED_EXCLUDING_SHORT_ABANDONS, 3 / 6),
    ],
)
def test_service_level_conventions(calls: Path, base: ServiceLevelBase, expected: float) -> None:
    result = interaction_kpis(calls, conventions=Conventions(service_level=base))
    assert one(result).service_level == pytest.approx(100 * expected)
    assert result.attrs["conventions"]["service_level"] == base.value


def test_service_level_threshold_is_a_parameter(calls: Path) -> None:
    row = one(interaction_kpis(calls, conventions=Conventions(sl_threshold_seconds=30)))
    assert row.service_level == pytest.approx(100 * 5 / 8)
    assert "30 s" in interaction_kpis(calls, conventions=Conventions(sl_threshold_seconds=30)
                                      ).attrs["conventions_text"]


@pytest.mark.parametrize(
    ("base", "cut", "expected"),
    [
        (AbandonmentBase.OFFERED, 5, 3 / 8),
        (AbandonmentBase.QUEUED, 5, (3 - 2) / (8 - 2)),
        # A 1 s cut leaves only the source-marked short abandon (call 6).
        (AbandonmentBase.QUEUED, 1, (3 - 1) / (8 - 1)),
    ],
)
def test_abandonment_conventions(calls: Path, base: AbandonmentBase, cut: float,
                                 expected: float) -> None:
    conv = Conventions(abandonment=base, short_abandon_seconds=cut)
    assert one(interaction_kpis(calls, conventions=conv)).abandonment_rate == pytest.approx(
        100 * expected)


def test_phantom_conventions(calls: Path) -> None:
    keep = one(interaction_kpis(calls, conventions=Conventions(phantom=PhantomHandling.KEEP)))
    assert keep.aht_seconds == pytest.approx(200)
    assert keep.handle_median_seconds == pytest.approx(200)
    assert keep.handle_p90_seconds == pytest.approx(300 + 0.6 * 100)
    drop = one(interaction_kpis(calls, conventions=Conventions(phantom="exclude")))
    assert (drop.offered, drop.answered) == (7, 4)
    assert drop.asa_seconds == pytest.approx((10 + 30 + 15 + 25) / 4)
    assert drop.service_level == pytest.approx(100 * 2 / 7)
    assert drop.aht_seconds == pytest.approx(250)


def test_grouping_by_queue_interval_and_time_of_day(tmp_path: Path) -> None:
    rows = [*CALLS, call(9, "answered", 5, 60, queue="B", minutes=1445)]
    path = canonical_parquet(tmp_path / "c.parquet", "interactions", rows)
    by_queue = interaction_kpis(path, by=["queue"])
    assert by_queue["queue"].tolist() == ["A", "B"]
    assert by_queue["offered"].tolist() == [8, 1]
    for minutes, counts in ((15, [3, 2, 2, 1, 1]), (30, [5, 3, 1]), (60, [8, 1])):
        frame = interaction_kpis(path, by=["interval"], interval_minutes=minutes)
        assert frame["offered"].tolist() == counts
    by_day = interaction_kpis(path, by=["day"])
    assert by_day["offered"].tolist() == [8, 1]
    # Call 9 arrives at 09:05 the next day: pooled with day one's 09:00 slot by time of day.
    profile = interaction_kpis(path, by=["time_of_day"], interval_minutes=60)
    assert profile["offered"].tolist() == [9]
    with pytest.raises(ConfigError, match="cannot group by 'agent'"):
        interaction_kpis(path, by=["agent"])  # type: ignore[list-item]
    with pytest.raises(ConfigError, match="15, 30 or 60"):
        interaction_kpis(path, by=["interval"], interval_minutes=20)  # type: ignore[arg-type]


def test_occupancy_from_staffed_time(calls: Path, tmp_path: Path) -> None:
    staffed = canonical_parquet(tmp_path / "s.parquet", "interval_aggregates", [
        {"interval_start": T0, "interval_minutes": 30, "queue": "A", "channel": "voice",
         "offered": 0, "answered": 0, "staffed_seconds": 1200.0},
        {"interval_start": T0 + pd.Timedelta(minutes=30), "interval_minutes": 30, "queue": "A",
         "channel": "voice", "offered": 0, "answered": 0, "staffed_seconds": 800.0},
    ])
    total = one(interaction_kpis(calls, staffed=staffed))
    assert total.occupancy == pytest.approx(100 * 1000 / 2000)
    per_slot = interaction_kpis(calls, by=["interval"], staffed=staffed)
    # First half hour: calls 1, 2, 4 (phantom 3 excluded) = 600 s over 1200 s staffed.
    assert per_slot["occupancy"].tolist() == pytest.approx([50.0, 50.0])


AGG = [
    {"interval_start": T0, "interval_minutes": 30, "queue": "A", "channel": "voice",
     "offered": 10, "answered": 8, "abandoned": 2, "short_abandoned": 1,
     "answered_within_sl": 6, "asa_seconds": 10.0, "aht_seconds": 100.0,
     "staffed_seconds": 3600.0},
    {"interval_start": T0 + pd.Timedelta(minutes=30), "interval_minutes": 30, "queue": "A",
     "channel": "voice", "offered": 20, "answered": 18, "abandoned": 2, "short_abandoned": 0,
     "answered_within_sl": 15, "asa_seconds": 20.0, "aht_seconds": 200.0,
     "staffed_seconds": 3600.0},
]


@pytest.mark.parametrize(
    ("sl", "ab", "sl_expected", "ab_expected"),
    [
        ("offered", "offered", 21 / 30, 4 / 30),
        ("answered", "queued", 21 / 26, 3 / 29),
        ("offered_excluding_short_abandons", "offered", 21 / 29, 4 / 30),
    ],
)
def test_aggregate_kpis_reweight_and_follow_conventions(
    tmp_path: Path, sl: str, ab: str, sl_expected: float, ab_expected: float
) -> None:
    path = canonical_parquet(tmp_path / "a.parquet", "interval_aggregates", AGG)
    row = one(aggregate_kpis(path, conventions=Conventions(service_level=sl, abandonment=ab)))
    assert row.service_level == pytest.approx(100 * sl_expected)
    assert row.abandonment_rate == pytest.approx(100 * ab_expected)
    assert row.asa_seconds == pytest.approx((10 * 8 + 20 * 18) / 26)
    assert row.aht_seconds == pytest.approx((100 * 8 + 200 * 18) / 26)
    assert row.occupancy == pytest.approx(100 * (100 * 8 + 200 * 18) / 7200)


def test_aggregate_service_level_falls_back_to_reported_percentage(tmp_path: Path) -> None:
    rows = [{**r, "answered_within_sl": None, "service_level_pct": pct}
            for r, pct in zip(AGG, (60.0, 90.0), strict=True)]
    path = canonical_parquet(tmp_path / "a.parquet", "interval_aggregates", rows)
    frame = aggregate_kpis(path)
    assert one(frame).service_level == pytest.approx((60 * 10 + 90 * 20) / 30)
    assert "reported percentage" in frame.attrs["service_level_source"]


def ev(ticket: str, hours: float, event: str, **extra: object) -> dict:
    return {"ticket_id": ticket, "event_at": T0 + pd.Timedelta(hours=hours), "event": event,
            "priority": "P2", **extra}


def test_ticket_kpis(tmp_path: Path) -> None:
    events = [
        ev("T1", 0, "created"), ev("T1", 1, "first_response"), ev("T1", 2, "reassigned"),
        ev("T1", 5, "resolved", sla_met=True),
        ev("T2", 0, "created", sla_due_at=T0 + pd.Timedelta(hours=15)),
        ev("T2", 3, "first_response"), ev("T2", 10, "resolved"), ev("T2", 12, "reopened"),
        ev("T2", 20, "resolved"),
        ev("T3", 0, "created"), ev("T3", 2, "first_response"),
    ]
    path = canonical_parquet(tmp_path / "t.parquet", "ticket_events", events)
    row = one(ticket_kpis(path))
    assert row.tickets == 3
    assert row.first_response_median_hours == pytest.approx(2)
    assert row.first_response_p90_hours == pytest.approx(2 + 0.8 * 1)
    # T2's resolve time runs to its last resolution (20 h), not the first (10 h).
    assert row.resolve_median_hours == pytest.approx((5 + 20) / 2)
    assert row.resolve_p90_hours == pytest.approx(5 + 0.9 * 15)
    assert row.sla_attainment == pytest.approx(50)  # T1 flag met, T2 missed due, T3 unknown
    assert row.reopen_rate == pytest.approx(50)
    assert row.reassignment_rate == pytest.approx(100 / 3)
    assert ticket_kpis(path, by=["priority"])["priority"].tolist() == ["P2"]


def test_every_result_column_is_defined(calls: Path) -> None:
    frame = interaction_kpis(calls, by=["queue"])
    undefined = set(frame.columns) - {"queue"} - set(KPI_DEFINITIONS)
    assert not undefined
    for definition in KPI_DEFINITIONS.values():
        assert definition.definition and definition.unit
        assert (definition.target_band is not None) <= (definition.direction == "target")


def test_conventions_reject_unknown_names() -> None:
    with pytest.raises(ValueError):
        Conventions(service_level="over_the_moon")


@pytest.mark.parametrize("by", [["day", "queue"], ["queue", "interval"], ["time_of_day"]])
def test_large_tables_run_in_partitions_with_the_same_result(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, by: list[str]) -> None:
    # Past PARTITION_ROWS a grouped query runs once per run of first-key values (bounded
    # memory for exact quantiles); the frame must be the one a single pass gives.
    rows = [call(100 + i, "answered" if i % 4 else "abandoned", i % 37, 30 + (i * 7) % 301,
                 queue="ABC"[i % 3], minutes=i * 53, resolved=bool(i % 2), csat=1 + i % 5)
            for i in range(300)]
    rows.append({**call(999, "answered", 4, 50), "queue": None})
    path = canonical_parquet(tmp_path / "many.parquet", "interactions", rows)
    whole = interaction_kpis(path, by=by)
    monkeypatch.setattr(kpi_engine, "PARTITION_ROWS", 40)
    chunks = kpi_engine._partitions(duckdb.connect(), f"read_parquet('{path}')",
                                    kpi_engine.group_expressions(by, "arrived_at", 30), "TRUE")
    assert len(chunks) > 3  # it really partitioned
    parted = interaction_kpis(path, by=by)
    pd.testing.assert_frame_equal(parted, whole)
