"""The data contracts: every corruption of a bundled file stops the run with a message that
names the file, the column and the rule, and leaves ``data/raw`` and ``reports`` untouched."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import snapshot

from analysis import paths
from analysis.data.validation import main, validate_all

BUNDLED_RAW = paths.raw_dir()


# --- helpers: read/write a CSV as header + rows, find rows by content --------------------------
def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    return rows[0], rows[1:]


def _write(path: Path, header: list[str], rows: list[list[str]], **csv_options: str) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n", **csv_options).writerows([header, *rows])
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _edit(file: str, where: Callable[[dict[str, str]], bool], **changes: str) -> Callable:
    """A corruption setting ``changes`` on the first row of ``file`` matching ``where``."""

    def corrupt(raw: Path) -> None:
        header, rows = _read(raw / file)
        for row in rows:
            record = dict(zip(header, row, strict=True))
            if where(record):
                for column, value in changes.items():
                    row[header.index(column)] = value
                break
        else:
            raise AssertionError(f"no row of {file} matches the corruption's condition")
        _write(raw / file, header, rows)

    return corrupt


def _any(record: dict[str, str]) -> bool:
    return True


def _has(column: str) -> Callable[[dict[str, str]], bool]:
    return lambda record: record[column] != ""


def _drop_column(file: str, column: str) -> Callable:
    def corrupt(raw: Path) -> None:
        header, rows = _read(raw / file)
        i = header.index(column)
        _write(raw / file, header[:i] + header[i + 1 :], [r[:i] + r[i + 1 :] for r in rows])

    return corrupt


def _rename_column(file: str, old: str, new: str) -> Callable:
    def corrupt(raw: Path) -> None:
        header, rows = _read(raw / file)
        header[header.index(old)] = new
        _write(raw / file, header, rows)

    return corrupt


def _extra_column(file: str, column: str) -> Callable:
    def corrupt(raw: Path) -> None:
        header, rows = _read(raw / file)
        _write(raw / file, [*header, column], [[*r, "x"] for r in rows])

    return corrupt


def _duplicate_key(file: str) -> Callable:
    def corrupt(raw: Path) -> None:
        header, rows = _read(raw / file)
        rows[1][0] = rows[0][0]
        _write(raw / file, header, rows)

    return corrupt


def _shares_of_one_split_sum_to(total: float) -> Callable:
    """Add a second share to a one-source split so the split sums to ``total`` %."""

    def corrupt(raw: Path) -> None:
        header, rows = _read(raw / "market_estimates.csv")
        col = {name: i for i, name in enumerate(header)}
        share = next(
            r for r in rows
            if r[col["metric"]] == "revenue_share" and r[col["unit"]] == "percent"
            and r[col["value"]] and not r[col["superseded_by"]]
        )
        extra = list(share)
        extra[col["estimate_id"]] = "MKT-9999"
        extra[col["segment"]] = "Corrupted segment"
        extra[col["value"]] = f"{total - float(share[col['value']]):.2f}"
        _write(raw / "market_estimates.csv", header, [*rows, extra])

    return corrupt


def _rewrite_bytes(file: str, transform: Callable[[bytes], bytes]) -> Callable:
    def corrupt(raw: Path) -> None:
        (raw / file).write_bytes(transform((raw / file).read_bytes()))

    return corrupt


def _latin1(raw: Path) -> None:
    _edit("sources.csv", _any, title="Étude société café")(raw)
    text = (raw / "sources.csv").read_text(encoding="utf-8")
    (raw / "sources.csv").write_bytes(text.encode("latin-1", errors="replace"))


def _semicolons(raw: Path) -> None:
    header, rows = _read(raw / "location_costs.csv")
    _write(raw / "location_costs.csv", header, rows, delimiter=";")


def _header_only(raw: Path) -> None:
    header, _rows = _read(raw / "kpi_benchmarks.csv")
    _write(raw / "kpi_benchmarks.csv", header, [])


def _no_header(raw: Path) -> None:
    _header, rows = _read(raw / "kpi_benchmarks.csv")
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    (raw / "kpi_benchmarks.csv").write_text(buffer.getvalue(), encoding="utf-8")


def _unquoted_thousands(raw: Path) -> None:
    _edit("market_estimates.csv", _has("value"), value="1,234.5")(raw)
    text = (raw / "market_estimates.csv").read_text(encoding="utf-8")
    (raw / "market_estimates.csv").write_text(text.replace('"1,234.5"', "1,234.5", 1))


def _forecast_before_actual(record: dict[str, str]) -> bool:
    return record["is_forecast"] == "true" and record["estimate_id"] == "MKT-0002"


def _usd_figure(record: dict[str, str]) -> bool:
    return record["unit"] == "usd_billion" and record["value"] != ""


def _percent_figure(record: dict[str, str]) -> bool:
    return record["unit"] == "percent" and record["value"] != ""


def _stated_cagr(record: dict[str, str]) -> bool:
    return record["estimate_id"] == "MKT-0001"


def _stated_range(record: dict[str, str]) -> bool:
    return record["value_low"] != "" and record["value_high"] != ""


M, K, L, S = "market_estimates.csv", "kpi_benchmarks.csv", "location_costs.csv", "sources.csv"
X, F = "exchange_rates.csv", "fx_rates.csv"


def _eur_2023(record: dict[str, str]) -> bool:
    return record["currency"] == "EUR" and record["year"] == "2023"


def _unit(unit: str) -> Callable[[dict[str, str]], bool]:
    return lambda record: record["unit"] == unit and record["value"] != ""

# (corruption, file, column or None, rule id expected in the message)
CORRUPTIONS = [
    pytest.param(_drop_column(M, "unit"), M, "unit", "required_column", id="dropped-column"),
    pytest.param(
        _rename_column(K, "value", "val"), K, "value", "required_column", id="renamed-column"
    ),
    pytest.param(_extra_column(L, "notes"), L, "notes", "unexpected_column", id="extra-column"),
    pytest.param(_edit(M, _has("value"), value="n/a"), M, "value", "type_float", id="text-number"),
    pytest.param(_edit(M, _usd_figure, value="-5"), M, "value", "non_negative", id="negative"),
    pytest.param(
        _edit(M, _percent_figure, value="140"), M, "value", "percent_range", id="percent-140"
    ),
    # Rates, amounts and prices must be strictly positive (issue 14, pass 2: U01, U03, U04).
    pytest.param(_edit(X, _eur_2023, rate="-1.0817"), X, "rate", "positive", id="negative-fx"),
    pytest.param(_edit(X, _any, rate="0"), X, "rate", "positive", id="zero-fx-rate"),
    pytest.param(
        _edit(F, _any, local_amount="-1000"), F, "local_amount", "positive", id="negative-pair"
    ),
    pytest.param(_edit(F, _any, usd_amount="0"), F, "usd_amount", "positive", id="zero-pair"),
    pytest.param(
        _edit("workforce_planning.csv", _has("aht_seconds"), aht_seconds="0"),
        "workforce_planning.csv", "aht_seconds", "positive", id="zero-handle-time",
    ),
    pytest.param(
        _edit(L, _unit("usd_per_hour"), value="0"), L, "value", "positive_money", id="free-wage"
    ),
    pytest.param(
        _edit(K, _unit("usd_per_call"), value="0"), K, "value", "positive_money",
        id="free-call",
    ),
    pytest.param(_edit(K, _has("year"), year="2099"), K, "year", "year_range", id="year-2099"),
    pytest.param(_duplicate_key(S), S, "source_id", "unique_key", id="duplicate-key"),
    pytest.param(
        _edit(M, _any, segment_type="widgets"), M, "segment_type", "allowed_values",
        id="unknown-segment",
    ),
    pytest.param(
        _edit(K, _any, source_id="no-such-source"), K, "source_id", "known_reference",
        id="unknown-source-id",
    ),
    pytest.param(
        _edit(S, _any, url="ftp://example.com/report"), S, "url", "http_url", id="non-http-url"
    ),
    pytest.param(
        _shares_of_one_split_sum_to(130.0), M, "value", "share_split_sum", id="shares-sum-130"
    ),
    pytest.param(
        _edit(M, _stated_cagr, cagr_pct="27.39"), M, "cagr_pct", "cagr_vs_endpoints",
        id="cagr-contradicts-endpoints",
    ),
    pytest.param(
        _edit(L, _stated_range, value_low="999999", value_high="1"), L, "value_low",
        "range_order", id="range-low-above-high",
    ),
    pytest.param(
        _edit(M, _forecast_before_actual, year="2020"), M, "year", "forecast_after_base",
        id="forecast-before-base-year",
    ),
    pytest.param(_rewrite_bytes(S, lambda b: b""), S, None, "empty_file", id="empty-file"),
    pytest.param(_header_only, K, None, "header_only", id="header-only"),
    pytest.param(_latin1, S, None, "encoding", id="latin-1"),
    pytest.param(_semicolons, L, None, "delimiter", id="semicolon-delimiter"),
    pytest.param(
        _rewrite_bytes(M, lambda b: b"\xef\xbb\xbf" + b), M, None, "byte_order_mark", id="bom"
    ),
    pytest.param(
        _edit(M, _has("value"), value="1,234.5"), M, "value", "type_float",
        id="thousands-separator-quoted",
    ),
    pytest.param(_unquoted_thousands, M, None, "ragged_row", id="thousands-separator-unquoted"),
    pytest.param(
        lambda raw: (raw / L).unlink(), L, None, "missing_file", id="missing-file"
    ),
    pytest.param(
        _rename_column(L, "value_low", "value"), L, "value", "duplicate_column",
        id="duplicate-column-name",
    ),
    pytest.param(_no_header, K, None, "missing_header", id="missing-header"),
    pytest.param(
        _edit(M, _any, is_forecast="yes"), M, "is_forecast", "type_bool", id="bool-not-true-false"
    ),
    pytest.param(_edit(K, _any, benchmark_id=""), K, "benchmark_id", "not_null", id="empty-key"),
    pytest.param(
        _edit(M, _any, superseded_by="MKT-9999"), M, "superseded_by", "known_reference",
        id="unknown-restatement",
    ),
    # Research text is shown on pages and in the data pack (issue 14, pass 3: P3-G01).
    pytest.param(_edit(S, _any, publisher="\x1b[31mEVIL"), S, "publisher",
                 "no_control_characters", id="escape-in-publisher"),
    pytest.param(_edit(S, _any, publisher="evil \u202eevil"), S, "publisher",
                 "no_control_characters", id="rtl-override-in-publisher"),
    pytest.param(_edit(S, _any, title="a\u0085b"), S, "title", "no_control_characters",
                 id="c1-control-in-title"),
    # Two spellings of one label split a report's group in two (P5-U01).
    pytest.param(_edit(K, lambda r: r["industry"] == "healthcare", industry="Healthcare "), K,
                 "industry", "label_variants", id="label-case-and-space-variant"),
]


# --- fixtures -----------------------------------------------------------------------------------
@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project root with a copy of the bundled research tables and one published report.

    Client exports are left out: their suites are tested in ``test_validation_clients.py``, and
    loading them here would add seconds to every case of the matrix.
    """
    shutil.copytree(
        BUNDLED_RAW, tmp_path / "data" / "raw", ignore=shutil.ignore_patterns("clients")
    )
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "market.html").write_text("<html>published</html>", encoding="utf-8")
    monkeypatch.setenv("BPO_ROOT", str(tmp_path))
    return tmp_path


def _snapshot(root: Path) -> tuple[dict[str, bytes | str], dict[str, bytes | str]]:
    return snapshot(root / "data" / "raw"), snapshot(root / "reports")


# --- tests --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("corrupt", "file", "column", "rule"), CORRUPTIONS)
def test_corruption_stops_with_a_message_naming_file_column_and_rule(
    sandbox: Path, capsys: pytest.CaptureFixture[str], corrupt: Callable, file: str,
    column: str | None, rule: str,
) -> None:
    corrupt(sandbox / "data" / "raw")
    before = _snapshot(sandbox)

    code = main([])

    out = capsys.readouterr()
    lines = [line for line in (out.out + out.err).splitlines() if line.startswith("CRITICAL")]
    assert code == 1
    assert any(
        file in line and f"[{rule}]" in line and (column is None or f"column '{column}'" in line)
        for line in lines
    ), lines
    assert _snapshot(sandbox) == before
    runs = list((sandbox / "build" / "validation").iterdir())
    assert len(runs) == 1 and (runs[0] / "results.json").is_file()


def test_a_label_variant_names_the_line_the_value_and_the_label_it_collides_with(
    sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _edit(K, lambda r: r["industry"] == "healthcare", industry="Healthcare ")(
        sandbox / "data" / "raw")
    assert main([]) == 1
    lines = [line for line in capsys.readouterr().out.splitlines() if "[label_variants]" in line]
    assert len(lines) == 1, lines
    assert re.search(r"kpi_benchmarks\.csv, column 'industry'.*1 bad row, e\.g\. row \d+ "
                     r"\(line \d+\) = \"'Healthcare ' is the label 'healthcare' \(\d+ row\(s\)\)",
                     lines[0]), lines[0]


def test_bundled_data_passes_and_writes_offline_results(
    sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _snapshot(sandbox)

    report = validate_all()

    assert report.success, report.summary_lines
    assert main([]) == 0
    assert _snapshot(sandbox) == before
    results = json.loads((report.result_dir / "results.json").read_text(encoding="utf-8"))
    assert results["success"] is True
    assert set(results["datasets"]) >= {"sources", "market_estimates", "kpi_benchmarks"}
    html = (report.result_dir / "index.html").read_text(encoding="utf-8")
    assert "<script" not in html and 'href="http' not in html and "cdn" not in html.lower()
    assert "market_estimates" in html


def test_warnings_are_reported_but_do_not_block(
    sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A CAGR of 45 % is implausible (warning band) but within the hard band and consistent
    # with no endpoints of its own once the endpoints' CAGR columns are cleared.
    _edit(M, _stated_cagr, cagr_pct="45", cagr_start_year="", cagr_end_year="")(
        sandbox / "data" / "raw"
    )
    report = validate_all()

    assert report.success
    flagged = [w for w in report.warnings if w.rule == "cagr_plausible"]
    assert flagged and flagged[0].file == M and flagged[0].column == "cagr_pct"
    assert any(row == 1 for row, _value in flagged[0].sample)
    assert main([]) == 0
    assert "WARNING" in capsys.readouterr().out


def test_messages_give_one_based_row_numbers_and_the_bad_value(sandbox: Path) -> None:
    header, rows = _read(sandbox / "data" / "raw" / K)
    rows[2][header.index("year")] = "2099"
    _write(sandbox / "data" / "raw" / K, header, rows)

    report = validate_all()

    (finding,) = [f for f in report.critical if f.rule == "year_range"]
    assert finding.bad_rows == 1 and finding.sample[0] == (3, 2099.0)
    assert "row 3 (line 4)" in finding.line


def test_importing_the_package_does_not_import_great_expectations() -> None:
    import subprocess
    import sys

    code = "import analysis.data.validation, sys; print('great_expectations' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_implausible_magnitude_names_the_value_unit_and_segment():
    import pandas as pd

    from analysis.data.validation.rules import implausible_magnitudes

    frame = pd.DataFrame({"unit": ["usd_billion", "usd_billion", "percent"],
                          "segment": ["Total BPO", "KPO", "x"],
                          "value": [3_283_000_000.0, 245.0, 50.0],
                          "value_low": [None, None, None], "value_high": [None, 20_000.0, None]})
    flagged = implausible_magnitudes(frame)
    assert "3,283,000,000 usd_billion (Total BPO)" in flagged[0]
    assert "value_high 20,000" in flagged[1]
    assert pd.isna(flagged[2])
