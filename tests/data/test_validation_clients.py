"""Client exports pass a GX suite derived from ``CANONICAL_SCHEMAS`` before any KPI: the demo
passes, and each corruption of a temp copy stops with exit 1 and a message naming the export
file, the canonical column and the rule, leaving ``data/raw`` and ``reports`` untouched."""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import snapshot, write_notebook

from analysis import paths
from analysis.data.client_exports import CANONICAL_SCHEMAS
from analysis.data.validation import main, validate_clients
from analysis.data.validation.client_suites import GX_TYPES

DEMO = paths.raw_dir() / "clients" / "demo"
CALLS = "clients/demo/EXAMPLE_synthetic_interactions.csv.gz"
INTERVALS = "clients/demo/EXAMPLE_synthetic_intervals.csv.gz"
TICKETS = "clients/demo/EXAMPLE_synthetic_ticket_events.csv.gz"
TIMED = "clients/acme/calls.csv"
# Small copies keep each case well under a second; the full demo is validated once.
KEEP_ROWS = 300

TIMED_MAPPING = """kind: interactions
file: calls.csv
columns:
  interaction_id: id
  arrived_at: {source: arrived, format: iso}
  answered_at: {source: answered, format: iso}
  ended_at: {source: ended, format: iso}
  queue: queue
  channel: channel
  wait_seconds: {source: wait, format: seconds}
  handle_seconds: {source: handle, format: seconds}
  outcome: outcome
  csat: csat
constants:
  csat_scale: 5
"""
TIMED_ROWS = [
    "id,arrived,answered,ended,queue,channel,wait,handle,outcome,csat",
    "A1,2025-03-03 09:00:00,2025-03-03 09:00:20,2025-03-03 09:05:20,Sales,voice,20,300,answered,4",
    "A2,2025-03-03 09:01:00,2025-03-03 09:01:40,2025-03-03 09:04:40,Sales,voice,40,180,answered,5",
    "A3,2025-03-03 09:02:00,,2025-03-03 09:02:30,Sales,voice,30,,abandoned,",
]


def _lines(path: Path) -> list[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
        return handle.read().splitlines()


def _write_lines(path: Path, lines: list[str]) -> None:
    text = "\n".join(lines) + "\n"
    if path.suffix == ".gz":
        # mtime=0: the same content gives the same bytes, whatever the clock.
        path.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    else:
        path.write_text(text, encoding="utf-8")


def _header_line(file: str) -> int:
    """0-based index of the header (the demo's call and interval exports have a banner)."""
    return 0 if "ticket" in file or file == TIMED else 1


def _edit(file: str, row: int, **changes: str) -> Callable[[Path], None]:
    """A corruption setting ``changes`` (export column -> text) in data row ``row`` (1-based)."""

    def corrupt(raw: Path) -> None:
        lines = _lines(raw / file)
        at = _header_line(file)
        delimiter = ";" if ";" in lines[at] else ","
        header = lines[at].split(delimiter)
        cells = lines[at + row].split(delimiter)
        for column, value in changes.items():
            cells[header.index(column)] = value
        lines[at + row] = delimiter.join(cells)
        _write_lines(raw / file, lines)

    return corrupt


def _duplicate_first_id(raw: Path) -> None:
    lines = _lines(raw / CALLS)
    first, second = lines[2].split(";"), lines[3].split(";")
    lines[3] = ";".join([first[0], *second[1:]])
    _write_lines(raw / CALLS, lines)


def _copy_clients(raw: Path, rows: int | None) -> None:
    """The demo client (its first ``rows`` records, or all) and a small timed client."""
    shutil.copytree(DEMO, raw / "clients" / "demo")
    if rows is not None:
        for file in (CALLS, INTERVALS, TICKETS):
            lines = _lines(raw / file)
            _write_lines(raw / file, lines[: _header_line(file) + 1 + rows])
    (raw / "clients" / "acme").mkdir(parents=True)
    (raw / "clients" / "acme" / "calls.yaml").write_text(TIMED_MAPPING, encoding="utf-8")
    _write_lines(raw / TIMED, TIMED_ROWS)


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project root with small copies of the client exports and one published report."""
    _copy_clients(tmp_path / "data" / "raw", KEEP_ROWS)
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "kpi.html").write_text("<html>published</html>", encoding="utf-8")
    monkeypatch.setenv("BPO_ROOT", str(tmp_path))
    return tmp_path


def _snapshot(root: Path) -> tuple[dict[str, bytes | str], dict[str, bytes | str]]:
    return snapshot(root / "data" / "raw"), snapshot(root / "reports")


# (corruption, export file, canonical column, rule id expected in the message)
CORRUPTIONS = [
    pytest.param(
        _edit(TIMED, 2, answered="2025-03-03 09:00:30", ended="2025-03-03 09:03:30"), TIMED,
        "answered_at", "answered_after_arrival", id="answered-before-arrival",
    ),
    pytest.param(
        _edit(TIMED, 1, ended="2025-03-03 09:00:10"), TIMED, "ended_at", "ended_after_answer",
        id="ended-before-answer",
    ),
    pytest.param(_edit(TIMED, 1, handle="-30"), TIMED, "handle_seconds", "minimum",
                 id="negative-duration-seconds"),
    pytest.param(_edit(CALLS, 5, Talk="-0:01:00"), CALLS, "talk_seconds", "parseable",
                 id="negative-duration-hms"),
    pytest.param(_edit(TIMED, 3, channel="fax"), TIMED, "channel", "allowed_values",
                 id="unknown-channel"),
    pytest.param(_edit(CALLS, 4, Media="Fax"), CALLS, "channel", "mapped_values",
                 id="unmapped-channel"),
    pytest.param(_edit(CALLS, 1, CSAT="9"), CALLS, "csat", "csat_scale", id="csat-9-of-5"),
    pytest.param(_duplicate_first_id, CALLS, "interaction_id", "unique_id", id="duplicate-id"),
    pytest.param(_edit(INTERVALS, 3, Offered="1", Handled="0", Abandoned="4"), INTERVALS,
                 "abandoned", "abandoned_within_offered", id="abandoned-over-offered"),
    pytest.param(_edit(INTERVALS, 2, **{"SL 20s": "140,0 %"}), INTERVALS, "service_level_pct",
                 "percent_range", id="service-level-140"),
    pytest.param(_edit(TICKETS, 2, Date="241201"), TICKETS, "event_at",
                 "events_after_creation", id="ticket-event-before-creation"),
    pytest.param(_edit(TIMED, 2, queue="Tech\x00Support"), TIMED, "queue",
                 "no_control_characters", id="nul-in-queue-name"),
    pytest.param(_edit(CALLS, 3, Agent="a\x1bb"), CALLS, "agent_id", "no_control_characters",
                 id="escape-in-agent-id"),
    # C1 controls and direction overrides are refused like C0 (issue 14, P3-E01, P3-E03).
    pytest.param(_edit(TIMED, 2, queue="Billing\u202eecnavda"), TIMED, "queue",
                 "no_control_characters", id="rtl-override-in-queue-name"),
    pytest.param(_edit(CALLS, 3, Agent="a\u009bb"), CALLS, "agent_id", "no_control_characters",
                 id="c1-csi-in-agent-id"),
    pytest.param(_edit(TIMED, 2, queue="T" * 5000), TIMED, "queue", "text_length",
                 id="queue-name-of-5000-characters"),
    # P5-T12: a year-1 call in a 2025 export (the parse accepts it: it is a real date).
    pytest.param(_edit(CALLS, 3, **{"Start Date": "06/01/0001"}), CALLS, "arrived_at",
                 "plausible_arrived_at", id="call-dated-year-1"),
    pytest.param(_edit(TIMED, 1, arrived="2999-03-03 09:00:00", answered="2999-03-03 09:00:10",
                       ended="2999-03-03 09:05:00"), TIMED, "arrived_at",
                 "plausible_arrived_at", id="call-dated-2999"),
    pytest.param(_edit(INTERVALS, 2, Interval="01/01/1900 07:00"), INTERVALS, "interval_start",
                 "plausible_interval_start", id="interval-on-a-spreadsheet-zero-date"),
]


@pytest.mark.parametrize(("value", "shown"), [
    ("Tech\x00Support", "row 2 (line 3) = 'U+0000 at character 5'"),
    ("T" * 200_000, "row 2 (line 3) = '200,000 characters'"),
])
def test_bad_text_is_named_by_line_and_column_never_echoed(
    sandbox: Path, value: str, shown: str
) -> None:
    """A NUL (E06) or an over-long name (E07): file, line, column, what is wrong, no value."""
    _edit(TIMED, 2, queue=value)(sandbox / "data" / "raw")

    report = validate_clients(["acme"])

    (line,) = [f.line for f in report.critical]
    assert line.startswith(f"CRITICAL {TIMED}, column 'queue'") and shown in line, line
    assert len(line) < 300


@pytest.mark.parametrize(("corrupt", "file", "column", "rule"), CORRUPTIONS)
def test_corrupt_export_stops_with_file_column_and_rule(
    sandbox: Path, capsys: pytest.CaptureFixture[str], corrupt: Callable, file: str,
    column: str, rule: str,
) -> None:
    raw = sandbox / "data" / "raw"
    corrupt(raw)
    before = _snapshot(sandbox)

    code = main(["--clients-only"])

    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("CRITICAL")]
    assert code == 1
    assert any(
        line.startswith(f"CRITICAL {file}, column '{column}'") and f"[{rule}]" in line
        for line in lines
    ), lines
    assert _snapshot(sandbox) == before


def test_the_untouched_copies_pass(sandbox: Path) -> None:
    report = validate_clients()

    assert report.success, report.summary_lines
    assert set(report.datasets) == {
        "demo/interactions", "demo/interval_aggregates", "demo/ticket_events", "acme/interactions",
    }


def test_named_lines_hold_the_bad_value(sandbox: Path) -> None:
    """Sampled rows are mapped to the export's own lines (after its banner and header)."""
    raw = sandbox / "data" / "raw"
    _edit(INTERVALS, 7, Abandoned="99")(raw)
    _edit(CALLS, 9, CSAT="7")(raw)

    report = validate_clients(["demo"])

    by_rule = {f.rule: f for f in report.critical}
    gx_found, rejected = by_rule["abandoned_within_offered"], by_rule["csat_scale"]
    assert gx_found.bad_rows == 1 and gx_found.sample[0][0] == 7
    assert "99" in _lines(raw / INTERVALS)[gx_found.lines[0] - 1].split(";")
    assert f"line {gx_found.lines[0]}" in gx_found.line
    assert rejected.sample == ((None, "7"),)
    assert _lines(raw / CALLS)[rejected.lines[0] - 1].split(";")[-1] == "7"


def test_a_mapping_that_cannot_be_read_is_a_finding_not_a_traceback(sandbox: Path) -> None:
    (sandbox / "data" / "raw" / "clients" / "acme" / "calls.yaml").write_text(
        "kind: interactions\nfile: calls.csv\ncolumns: {interaction_id: id, colour: x}\n",
        encoding="utf-8",
    )

    report = validate_clients(["acme"])

    (finding,) = report.critical
    # The mapping is what needs fixing, so the message names it and the unknown key.
    assert finding.rule == "mapping" and finding.file == "clients/acme/calls.yaml"
    assert "colour" in finding.description


def test_a_lake_export_is_named_by_its_uri_as_written(sandbox: Path) -> None:
    """P9-E08: 's3a://bucket/...' was shown joined to the client folder as a path."""
    (sandbox / "data" / "raw" / "clients" / "acme" / "lake.yaml").write_text(
        "kind: interactions\nfile: s3a://no-such-bucket/calls/part-0.csv\n"
        "columns: {interaction_id: id}\n", encoding="utf-8")

    report = validate_clients(["acme"])

    files = {f.file for f in report.critical}
    assert "s3a://no-such-bucket/calls/part-0.csv" in files
    assert not any("s3a:/no-such-bucket" in f for f in files)


def test_suites_are_derived_from_the_canonical_schemas() -> None:
    import pandas as pd

    from analysis.data.validation.client_suites import build_suite, prepare

    for kind, schema in CANONICAL_SCHEMAS.items():
        empty = pd.DataFrame({c.name: pd.Series(dtype=c.pandas_dtype) for c in schema.columns})
        frame = prepare(schema, empty)
        built = build_suite(schema, kind, frame)
        judged = {(e.meta["column"], e.meta["rule"]) for e in built.expectations}
        assert not built.skipped
        for column in schema.columns:
            assert (column.name, f"type_{column.type}") in judged
            assert ((column.name, "not_null") in judged) == (not column.nullable)
            assert ((column.name, "allowed_values") in judged) == bool(column.allowed)
        assert set(GX_TYPES) >= {c.type for c in schema.columns}


def test_full_demo_passes_and_bpo_validate_includes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from analysis.cli import main as bpo

    shutil.copytree(paths.raw_dir(), tmp_path / "data" / "raw",
                    ignore=shutil.ignore_patterns("clients"))
    _copy_clients(tmp_path / "data" / "raw", None)
    monkeypatch.setenv("BPO_ROOT", str(tmp_path))

    assert bpo(["validate"]) == 0
    assert "CRITICAL" not in capsys.readouterr().out
    _edit(CALLS, 1, CSAT="9")(tmp_path / "data" / "raw")

    assert bpo(["validate"]) == 1
    critical = [line for line in capsys.readouterr().out.splitlines() if "CRITICAL" in line]
    assert len(critical) == 1 and critical[0].startswith(f"CRITICAL {CALLS}, column 'csat'")


def test_bpo_report_stops_on_a_bad_client_export_before_any_notebook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import analysis.pipeline.reports as reports
    from analysis.cli import main as bpo
    from analysis.pipeline.reports import ReportSpec

    shutil.copytree(paths.raw_dir(), tmp_path / "data" / "raw",
                    ignore=shutil.ignore_patterns("clients"))
    _copy_clients(tmp_path / "data" / "raw", KEEP_ROWS)
    _edit(INTERVALS, 3, Offered="1", Handled="0", Abandoned="4")(tmp_path / "data" / "raw")
    (tmp_path / "config" / "clients").mkdir(parents=True)
    (tmp_path / "config" / "clients" / "house.yaml").write_text("display_name: BPO Research\n")
    # A notebook that fails when executed: reaching it at all would be exit 2, not 1.
    write_notebook(tmp_path / "notebooks" / "kpi.ipynb", "client = 'house'",
                   ["raise RuntimeError('a notebook ran')"])
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "index.html").write_text("<html>published</html>", encoding="utf-8")
    monkeypatch.setenv("BPO_ROOT", str(tmp_path))
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr(reports, "REPORTS", {"kpi": ReportSpec("notebooks/kpi.ipynb", "KPI",
                                                               inputs=("clients/demo/**",))})
    before = _snapshot(tmp_path)

    code = bpo(["report", "--reports", "kpi"])

    out = capsys.readouterr().out
    assert code == 1, out
    assert f"CRITICAL {INTERVALS}, column 'abandoned'" in out
    assert "[abandoned_within_offered]" in out
    assert _snapshot(tmp_path) == before


def test_only_the_clients_being_built_are_validated_and_the_rest_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from analysis.pipeline.validate import clients_read_by, validate

    shutil.copytree(paths.raw_dir(), tmp_path / "data" / "raw",
                    ignore=shutil.ignore_patterns("clients"))
    _copy_clients(tmp_path / "data" / "raw", KEEP_ROWS)
    _edit(TIMED, 1, handle="-30")(tmp_path / "data" / "raw")  # acme's export is broken
    monkeypatch.setenv("BPO_ROOT", str(tmp_path))

    class Job:
        inputs = (tmp_path / "data" / "raw" / CALLS, tmp_path / "data" / "raw" / "sources.csv")

    logged: list[str] = []
    assert clients_read_by([Job()]) == ["demo"]
    passed, summary = validate(logged.append, use_cache=False, clients=["demo"])

    assert passed and summary["skipped_clients"] == ["acme"]
    assert any("not validated (not being built): acme" in line for line in logged)
    passed, _ = validate(logged.append, use_cache=False, clients=["acme", "demo"])
    assert not passed
