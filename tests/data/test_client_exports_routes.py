"""The typed one-pass route and the exact text route parse every export to the same rows.

A good CSV export goes through DuckDB's typed reader in one pass; anything the pass stops on
(a bad value, a malformed line) is parsed again by the exact route, which names it. These
tests pin both halves: identical canonical rows on good exports (demo, benchmark format, typed
numbers and timestamps), and the exact route's message on bad ones, including values DuckDB's
own casts would accept but the mapping's rule does not.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis import paths
from analysis.data.client_exports import read_mapping
from analysis.data.client_exports.demo import INTERACTIONS_MAPPING
from analysis.data.client_exports.mapping import ExportMapping, export_file
from analysis.data.client_exports.parse import parse_export
from analysis.data.client_exports.query import TEXT_PLAN, reader_plan
from analysis.errors import DataValidationError

DEMO = paths.raw_dir() / "clients" / "demo"
HEADER = "Call ID;Start Date;Start Time;Queue;Media;Agent;Wait;Talk;Hold;ACW;Result;FCR;CSAT"
GOOD = [
    "B1;14/11/2025;15:07:50;Billing;Voice;AG1;0:03:50;0:08:17;0:00:00;0:01:32;ANS;Y;4",
    "B2;14/11/2025;15:08:00;Billing;Voice;;0:00:40;?;?;?;ABN;?;?",
    "B3;15/11/2025;07:00:01;QA Test;Chat;AG2;0:00:01;0:00:10;0:00:00;?;ANS;N;5",
    "B4;15/11/2025; 9:00:00;Sales;Chat;AG3;10:00:00;1:02:03.5;0:00:00;0:00:01;ANS;N;3",
]
EXCLUDING = INTERACTIONS_MAPPING.replace(
    "file: EXAMPLE_synthetic_interactions.csv.gz", "file: calls.csv").replace(
    "columns:\n", "exclude:\n  - {column: Queue, values: [QA Test], reason: test}\ncolumns:\n", 1)


@pytest.fixture(autouse=True)
def _tmp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BPO_ROOT", str(tmp_path / "root"))


def _export(folder: Path, rows: list[str], mapping: str = EXCLUDING) -> tuple[Path, ExportMapping]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "calls.csv").write_text("EXAMPLE banner\n" + HEADER + "\n" + "\n".join(rows) + "\n",
                                      encoding="utf-8")
    (folder / "m.yaml").write_text(mapping, encoding="utf-8")
    return folder / "calls.csv", read_mapping(folder / "m.yaml")


def _both(source: Path, mapping: ExportMapping, tmp_path: Path) -> tuple[pd.DataFrame, str]:
    """Parse with each route; assert identical rows and counts; return the rows and route."""
    typed = parse_export(source, mapping, tmp_path / "typed.parquet")
    exact = parse_export(source, mapping, tmp_path / "exact.parquet", exact=True)
    assert exact.route == "exact"
    assert (typed.rows, typed.excluded) == (exact.rows, exact.excluded)
    left = pd.read_parquet(tmp_path / "typed.parquet")
    pd.testing.assert_frame_equal(left, pd.read_parquet(tmp_path / "exact.parquet"))
    return left, typed.route


def test_the_demo_export_takes_the_typed_route_with_the_exact_routes_rows(tmp_path: Path) -> None:
    mapping = read_mapping(DEMO / "interactions.yaml")
    rows, route = _both(export_file(mapping, DEMO / "interactions.yaml"), mapping, tmp_path)
    assert route == "typed" and len(rows) > 1000
    # Its CSAT numbers and %Y dates are parsed by the text route's SQL in the one pass: the
    # reader's own parse is more lenient (P3-T03, P3-T04).
    assert reader_plan(mapping) == TEXT_PLAN


def test_benchmark_format_with_a_row_filter_agrees_row_by_row(tmp_path: Path) -> None:
    source, mapping = _export(tmp_path / "x", GOOD)
    rows, route = _both(source, mapping, tmp_path)
    assert route == "typed"
    assert rows["source_line"].tolist() == [3, 4, 6]
    assert rows["talk_seconds"].tolist()[2] == 3723.5
    assert rows["arrived_at"].tolist()[2] == pd.Timestamp("2025-11-15 09:00:00")


def test_a_decimal_comma_in_a_duration_keeps_its_fraction_on_both_routes(tmp_path: Path) -> None:
    """DuckDB's INTERVAL cast reads '0:01:02,5' as 62 s (it drops ',5'): the comma is made a
    point first, wherever one is."""
    rows = [GOOD[0].replace("0:03:50", "0:01:02,5"), GOOD[3].replace("1:02:03.5", "1:02:03,25")]
    frame, route = _both(*_export(tmp_path / "x", rows), tmp_path)
    assert route == "typed"
    assert frame["wait_seconds"].tolist()[0] == 62.5
    assert frame["talk_seconds"].tolist()[1] == 3723.25


def test_typed_timestamps_numbers_and_durations_agree(tmp_path: Path) -> None:
    mapping = """kind: interactions
file: calls.csv
header_offset: 1
delimiter: ";"
missing: ["?", ""]
columns:
  interaction_id: Call ID
  arrived_at: {source: Start Date, format: "%d/%m/%Y"}
  queue: Queue
  channel: {source: Media, values: {Voice: voice, Chat: chat}}
  wait_seconds: {source: CSAT, format: minutes}
  outcome: {source: Result, values: {ANS: answered, ABN: abandoned}}
  csat_scale: CSAT
"""
    source, parsed = _export(tmp_path / "x", [GOOD[0], GOOD[2], GOOD[3]], mapping)
    assert reader_plan(parsed) == TEXT_PLAN
    year_free = read_mapping_text(tmp_path / "y", mapping.replace("%d/%m/%Y", "%d/%m"))
    assert reader_plan(year_free).types == {"Start Date": "TIMESTAMP"}
    rows, route = _both(source, parsed, tmp_path)
    assert route == "typed" and rows["wait_seconds"].tolist()[0] == 240.0


@pytest.mark.parametrize(("cell", "why"), [
    ("3:45", "not a H:MM:SS duration"),          # DuckDB's INTERVAL cast: 3 h 45 min
    ("01:02:03 ago", "not a H:MM:SS duration"),  # DuckDB's INTERVAL cast: 3,723 s
    ("1 day", "not a H:MM:SS duration"),
])
def test_lenient_interval_text_is_still_rejected_by_the_mapping_rule(
    tmp_path: Path, cell: str, why: str
) -> None:
    rows = [*GOOD[:2], GOOD[3].replace("10:00:00", cell)]
    source, mapping = _export(tmp_path / "x", rows)
    with pytest.raises(DataValidationError) as error:
        parse_export(source, mapping, tmp_path / "out.parquet")
    assert f"line 5, column 'Wait' (→ wait_seconds): value '{cell}' is {why} (1 row(s) in all)" \
        in str(error.value)
    assert not (tmp_path / "out.parquet").exists()


def read_mapping_text(folder: Path, text: str) -> ExportMapping:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "m.yaml").write_text(text, encoding="utf-8")
    return read_mapping(folder / "m.yaml")


PERCENT_CSAT = EXCLUDING.replace("  csat: CSAT", "  csat: {source: CSAT, format: percent}")


@pytest.mark.parametrize(("old", "new", "shown", "mapping"), [
    (";4", ";0_5", "column 'CSAT' (→ csat): value '0_5' is not a number", EXCLUDING),
    (";4", ";1_0", "column 'CSAT' (→ csat): value '1_0' is not a percentage", PERCENT_CSAT),
    ("14/11/2025", "14/11/25", "column 'Start Date+Start Time' (→ arrived_at): value "
     "'14/11/25 15:07:50' is not a timestamp in format '%d/%m/%Y %H:%M:%S'", EXCLUDING),
    ("14/11/2025", "14/11/025", "column 'Start Date+Start Time' (→ arrived_at): value "
     "'14/11/025 15:07:50' is not a timestamp", EXCLUDING),
])
def test_text_duckdb_casts_accept_but_the_rule_does_not_fails_both_routes_alike(
    tmp_path: Path, old: str, new: str, shown: str, mapping: str
) -> None:
    """P3-T03/P3-T04: '0_5' (DuckDB: 5.0) and '25' under %Y (DuckDB: year 25) are refused by
    both routes with the same line, as Spark refuses them."""
    rows = [GOOD[0].replace(old, new), *GOOD[1:]]
    source, parsed = _export(tmp_path / "x", rows, mapping)
    messages = []
    for exact in (False, True):
        with pytest.raises(DataValidationError) as error:
            parse_export(source, parsed, tmp_path / f"out{exact}.parquet", exact=exact)
        messages.append(str(error.value))
        assert not (tmp_path / f"out{exact}.parquet").exists()
    assert messages[0] == messages[1]
    assert f"line 3, {shown}" in messages[0], messages[0]


def test_a_value_the_typed_reader_refuses_is_named_by_the_exact_route(tmp_path: Path) -> None:
    rows = [*GOOD[:3], GOOD[3].replace("15/11/2025", "31/02/2025"), GOOD[0].replace("B1", "B9")]
    source, mapping = _export(tmp_path / "x", rows)
    with pytest.raises(DataValidationError, match=r"line 6, column 'Start Date\+Start Time' "
                       r"\(→ arrived_at\): value '31/02/2025 9:00:00' is not a timestamp"):
        parse_export(source, mapping, tmp_path / "out.parquet")


def test_a_padded_marker_in_a_number_column_parses_in_the_one_pass(tmp_path: Path) -> None:
    # CSAT is read as text (numbers are not typed): the text route's trimmed marker match
    # takes ' ? ' as missing without a second pass.
    rows = [*GOOD[:3], GOOD[3].replace(";3", "; ? ")]
    source, mapping = _export(tmp_path / "x", rows)
    result = parse_export(source, mapping, tmp_path / "out.parquet")
    assert result.route == "typed" and result.rows == 3
    assert pd.read_parquet(tmp_path / "out.parquet")["csat"].isna().tolist()[2]


def test_a_missing_marker_with_a_digit_keeps_every_column_text(tmp_path: Path) -> None:
    _source, mapping = _export(tmp_path / "x", GOOD, EXCLUDING.replace(
        'missing: ["?", ""]', 'missing: ["?", "", "-1"]'))
    assert reader_plan(mapping) == TEXT_PLAN


def test_no_missing_marker_keeps_every_column_text(tmp_path: Path) -> None:
    # DuckDB's reader would read an empty cell as missing; the mapping says it is not.
    _source, mapping = _export(tmp_path / "x", GOOD, EXCLUDING.replace(
        'missing: ["?", ""]', "missing: []"))
    assert reader_plan(mapping) == TEXT_PLAN


def test_a_padded_exclude_value_matches_like_the_trimmed_cells(tmp_path: Path) -> None:
    """P3-M02: ' QA Test ' excluded 0 rows, since cells are trimmed and values were not."""
    padded = EXCLUDING.replace("values: [QA Test]", "values: [' QA Test ']")
    source, mapping = _export(tmp_path / "x", GOOD, padded)
    assert mapping.exclude[0].values == ["QA Test"]
    rows, _route = _both(source, mapping, tmp_path)
    assert rows["source_line"].tolist() == [3, 4, 6]


def test_the_typed_route_gives_each_row_its_physical_line_when_read_on_every_core(
        tmp_path: Path) -> None:
    """The rows are parsed on every core and numbered afterwards from their staged position:
    each kept row's source_line is the line it sits on, after blank lines, rows of empty cells
    and excluded rows anywhere in a file big enough (35 MB) to be read in parallel."""
    rows, kept = [], 0
    for n in range(400_000):
        if n % 90_001 == 7:
            rows.append("")  # DuckDB skips a blank line: the numbering must not
        elif n % 70_001 == 11:
            rows.append(";" * 12)  # a row of empty cells: skipped, never judged
        else:
            queue = "QA Test" if n % 997 == 0 else "Billing"
            kept += queue != "QA Test"
            rows.append(f"L{n + 3};14/11/2025;15:07:50;{queue};Voice;AG1;0:03:50;0:08:17;"
                        "0:00:00;0:01:32;ANS;Y;4")
    source, mapping = _export(tmp_path / "c", rows)
    result = parse_export(source, mapping, tmp_path / "t.parquet")
    assert (result.route, result.rows) == ("typed", kept)
    assert result.excluded == {"test": sum(n % 997 == 0 for n in range(400_000)
                                           if n % 90_001 != 7 and n % 70_001 != 11)}
    frame = pd.read_parquet(tmp_path / "t.parquet", columns=["interaction_id", "source_line"])
    # banner = line 1, header = line 2, rows[n] on line n + 3.
    assert (frame["interaction_id"] == "L" + frame["source_line"].astype(str)).all()
    assert frame["source_line"].is_monotonic_increasing
