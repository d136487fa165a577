"""Run every data contract once: file checks, then one GX suite per dataset, then the outputs.

``validate_all`` never writes to ``data/raw`` (files are only read) and writes each run's full
result (``results.json``) and offline Data Docs (``index.html``) under
``build/validation/<run_id>/``; a failed run's folder is kept like any other.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from analysis import paths

from .client_tables import judge_table
from .clients import (
    ARROW_TO_PANDAS,
    ClientTable,
    client_names,
    load_client_exports,
    rfp_findings,
)
from .contracts import TableSpec
from .docs import render_html
from .filechecks import read_checked
from .report import CRITICAL, SAMPLE_SIZE, Finding, ValidationReport

_RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": 20}


def _run_id() -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    return f"{stamp}-{os.getpid()}"


def _plain(value: Any) -> Any:
    """A JSON- and message-friendly scalar (numpy floats print as 3.0, not np.float64(3.0))."""
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, float) and value.is_integer():
        return value
    return value


_HEADER_MISMATCHES = (
    ("missing", "required_column", "required column is missing from the header"),
    ("unexpected", "unexpected_column", "column is not declared in the catalog"),
)


def _row_number(index: Any) -> int | None:
    """GX gives the frame index (a dict when the index is named): the 1-based data row."""
    if isinstance(index, dict):
        index = index.get("row")
    return int(index) if isinstance(index, int | float) else None


def _outcome(file: str, result: Any) -> tuple[dict[str, Any], list[Finding]]:
    """One expectation's result as a docs row, and the findings it raises when it failed."""
    config = result.expectation_config
    meta = config.meta or {}
    details = result.result or {}
    column = meta.get("column") or None
    base = {
        "file": file,
        "column": column,
        "rule": meta.get("rule", config.type),
        "description": meta.get("description", config.type),
        "severity": meta.get("severity", CRITICAL),
    }
    row = {**base, "expectation": config.type, "success": bool(result.success)}
    if result.success:
        return {**row, "bad_rows": 0, "sample": []}, []
    exception = (result.exception_info or {}).get("exception_message")
    if exception:
        base["description"] += f" (could not be checked: {exception})"
    if config.type == "expect_table_columns_to_match_set":
        mismatched = details.get("details", {}).get("mismatched", {})
        findings = [
            Finding(**{**base, "column": name, "rule": rule, "description": description})
            for key, rule, description in _HEADER_MISMATCHES
            for name in mismatched.get(key) or []
        ]
        return {**row, "bad_rows": len(findings), "sample": [f.column for f in findings]}, findings
    if config.type == "expect_column_values_to_be_of_type":
        observed = details.get("observed_value")
        base["description"] += f", found {observed}"
    indexes = details.get("partial_unexpected_index_list") or []
    values = _plain(details.get("partial_unexpected_list") or [])
    sample = tuple(
        (_row_number(index), value)
        for index, value in zip(indexes or [None] * len(values), values, strict=False)
    )
    count = details.get("unexpected_count")
    if config.type == "expect_table_row_count_to_be_between":
        count, sample = None, ((None, f"{details.get('observed_value')} rows"),)
    finding = Finding(**base, bad_rows=count, sample=sample[:SAMPLE_SIZE])
    return {**row, "bad_rows": count, "sample": [list(s) for s in sample]}, [finding]


@dataclass
class _Judged:
    """What the suites of one run produced: docs rows, findings and raw GX results."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)

    def run(self, source: Any, name: str, file: str, frame: pd.DataFrame, built: Any) -> None:
        """Validate one prepared frame against its suite and keep what it found."""
        batch = (
            source.add_dataframe_asset(name=name)
            .add_batch_definition_whole_dataframe("whole_table")
            .get_batch(batch_parameters={"dataframe": frame})
        )
        result = batch.validate(built.suite, result_format=_RESULT_FORMAT)
        self.raw[name] = {**result.to_json_dict(), "skipped_expectations": built.skipped}
        for expectation_result in result.results:
            row, found = _outcome(file, expectation_result)
            self.rows.append({"dataset": name, **row})
            self.findings.extend(found)


def _validate_tables(
    specs: dict[str, TableSpec], tables: dict[str, pd.DataFrame], exports: list[ClientTable]
) -> _Judged:
    """Run one suite per readable research table and per loaded client export."""
    from . import suites  # GX import: seconds, so only when a validation runs
    from ._gx import ephemeral_context

    judged = _Judged()
    context = ephemeral_context()
    source = context.data_sources.add_pandas("data_raw")
    refs = suites.References.of(specs, tables)
    prepared = {name: suites.prepare(specs[name], table, refs) for name, table in tables.items()}
    for name, frame in prepared.items():
        built = suites.build_suite(specs[name], frame, list(tables[name].columns), refs)
        judged.run(source, name, specs[name].file, frame, built)
    for export in exports:
        judge_export(judged, export)
    return judged


def judge_export(judged: _Judged, export: ClientTable) -> None:
    """Validate one canonical client table without loading it into Python.

    The row-level suite (built by ``client_suites``, the rules' one definition) is compiled to
    one DuckDB aggregate query over the Parquet file (``sql_suite``): counts and samples with
    their export lines, memory flat in rows. Whole-table checks (row count, column set,
    uniqueness, rules across rows) run as one query each (``client_tables``).
    """
    from . import client_suites  # GX import: only when a validation runs
    from .sql_suite import run_suite

    schema, path = export.table.schema, export.table.path
    rows, findings = judge_table(path, schema, export.file,
                                 sum(export.table.excluded.values()))
    arrow = pq.read_schema(path)
    present = [c for c in schema.names if c in arrow.names]
    empty = arrow.empty_table().select(present).to_pandas(types_mapper=ARROW_TO_PANDAS.get)
    built = client_suites.build_suite(schema, export.dataset,
                                      client_suites.prepare(schema, empty))
    results, lines = run_suite(path, schema, built.expectations)
    judged.raw[export.dataset] = {
        "executor": "duckdb_sql", "skipped_expectations": built.skipped,
        "whole_table_checks": rows,
    }
    for one in results:
        row, found = _outcome(export.file, one)
        judged.rows.append({"dataset": export.dataset, **row})
        findings.extend(found)
    judged.rows.extend({"dataset": export.dataset, **row} for row in rows)
    judged.findings.extend(_with_export_lines(f, lines) for f in findings)


def _with_export_lines(finding: Finding, lines: dict[int, int]) -> Finding:
    """A finding of one client table with the export's own line for each sampled row."""
    if finding.lines or not any(row is not None for row, _value in finding.sample):
        return finding
    return replace(finding, lines=tuple(
        lines.get(row) if row is not None else None for row, _value in finding.sample))


def _write(out_dir: Path, payload: dict[str, Any], html: str) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results.json").write_text(
        json.dumps(payload, indent=2, default=str, ensure_ascii=False), encoding="utf-8"
    )
    (out_dir / "index.html").write_text(html, encoding="utf-8")


def _import_gx_meanwhile() -> None:
    """Start importing Great Expectations on a background thread.

    The import takes seconds of one core, and the client exports are parsed first, in DuckDB,
    which lets go of the GIL: the two overlap. The suites' own import later waits for this one
    (Python's import lock) or finds it done; an error here is raised there again, so this
    thread swallows it.
    """
    def run() -> None:
        with contextlib.suppress(Exception):  # the caller's own import reports it
            from . import suites  # noqa: F401

    threading.Thread(target=run, name="import-great-expectations", daemon=True).start()


def validate_all(
    raw_dir: Path | None = None,
    out_dir: Path | None = None,
    *,
    clients: Sequence[str] | None = None,
    research: bool = True,
    engines: Mapping[str, str] | None = None,
) -> ValidationReport:
    """Validate every catalog dataset in ``raw_dir`` (default ``data/raw``) and client exports.

    ``clients``: the folders of ``raw_dir/clients`` whose exports are validated (default every
    one; ``[]`` none). ``research=False`` skips the catalog datasets. ``engines``: client
    folder -> ``spark`` for the clients whose exports are parsed and validated on Spark
    (``spark_tables``); every other client uses DuckDB. Results go to ``out_dir``
    when given, else ``build/validation/<run_id>/``. Never raises on bad data: check
    ``.success`` (or call ``.raise_for_failure()``).
    """
    from .contracts import load_contracts

    _import_gx_meanwhile()
    raw_dir = raw_dir or paths.raw_dir()
    run_id = _run_id()
    result_dir = out_dir or paths.build_dir() / "validation" / run_id
    specs = load_contracts() if research else {}
    tables: dict[str, pd.DataFrame] = {}
    findings: list[Finding] = []
    file_problems = []
    for name, spec in specs.items():
        table, problems = read_checked(raw_dir / spec.file, spec.column_names, spec.may_be_empty)
        file_problems.extend(problems)
        findings.extend(
            # A finding's line adds the file and the rule itself: only the description here.
            Finding(p.file, p.column, p.check, p.description, CRITICAL) for p in problems
        )
        if table is not None:
            tables[name] = table
    exports: list[ClientTable] = []
    chosen = client_names(raw_dir, clients)
    skipped = [c for c in client_names(raw_dir, None) if c not in chosen]
    engines = dict(engines or {})
    on_spark: list[ClientTable] = []
    for client in chosen:
        engine = engines.get(client, "duckdb")
        loaded, rejected = load_client_exports(raw_dir, client, engine)
        (on_spark if engine == "spark" else exports).extend(loaded)
        findings.extend(rejected)
    findings.extend(rfp_findings(raw_dir, clients))
    judged = _validate_tables(specs, tables, exports) if tables or exports else _Judged()
    for export in on_spark:
        from .spark_tables import judge_spark_table  # pyspark: only for a Spark client

        rows, found = judge_spark_table(str(export.table.path), export.table.schema,
                                        export.file, export.dataset, _outcome)
        judged.rows.extend({"dataset": export.dataset, **row} for row in rows)
        judged.findings.extend(found)
    exports.extend(on_spark)
    findings.extend(judged.findings)
    datasets = {name: len(table) for name, table in tables.items()}
    datasets.update({export.dataset: export.table.rows for export in exports})
    excluded = {e.dataset: dict(e.table.excluded) for e in exports if e.table.excluded}
    report = ValidationReport(
        findings=findings, result_dir=result_dir, run_id=run_id, datasets=datasets,
        excluded=excluded, skipped=skipped,
    )
    payload = {
        "run_id": run_id,
        "raw_dir": str(raw_dir),
        "success": report.success,
        "datasets": report.datasets,
        "excluded_rows": report.excluded,
        "skipped_clients": report.skipped,
        "client_exports": {e.dataset: {"file": e.file, "canonical": str(e.table.path)}
                           for e in exports},
        "file_checks": [p.to_dict() for p in file_problems],
        "findings": [f.to_dict() for f in findings],
        "expectations": judged.rows,
        "great_expectations": judged.raw,
    }
    _write(result_dir, payload, render_html(report, judged.rows))
    return report


def validate_clients(
    clients: Sequence[str] | None = None, out_dir: Path | None = None,
    raw_dir: Path | None = None,
) -> ValidationReport:
    """Validate client exports only: those of ``clients`` (default every client folder)."""
    return validate_all(raw_dir, out_dir, clients=clients, research=False)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m analysis.data.validation``: 0 when nothing critical failed, 1 otherwise."""
    parser = argparse.ArgumentParser(
        prog="python -m analysis.data.validation",
        description="Validate every dataset in data/raw and every client export in "
        "data/raw/clients against its data contract.",
    )
    parser.add_argument("--raw-dir", type=Path, help="folder of the CSV files (default data/raw)")
    parser.add_argument(
        "--out-dir", type=Path, help="result folder (default build/validation/<run_id>)"
    )
    parser.add_argument(
        "--client", action="append", dest="clients", metavar="NAME",
        help="validate only this client's exports (repeatable; default every client folder)",
    )
    parser.add_argument(
        "--clients-only", action="store_true", help="skip the research tables"
    )
    args = parser.parse_args(argv)
    report = validate_all(
        args.raw_dir, args.out_dir, clients=args.clients, research=not args.clients_only
    )
    for line in [*report.summary_lines, *report.notes]:
        print(line)
    rows = sum(report.datasets.values())
    status = "passed" if report.success else "FAILED"
    print(
        f"validation {status}: {len(report.datasets)} datasets, {rows} rows, "
        f"{len(report.critical)} critical, {len(report.warnings)} warnings; "
        f"details in {report.result_dir / 'index.html'}"
    )
    return 0 if report.success else 1
