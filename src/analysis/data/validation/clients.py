"""Client exports for validation: which folders, their canonical tables, and their rejections.

Each mapping file in ``raw_dir()/clients/<client>/`` is loaded through
``analysis.data.client_exports.load_export`` (the canonical Parquet cache the KPI engine reads). An
export the loader refuses (``DataValidationError``: unparseable value, missing required value,
duplicate id...) or a mapping it cannot read (``ConfigError``) becomes a critical ``Finding``
naming the export file, column, rule, line and value, instead of a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from analysis.data.client_exports import CanonicalTable, load_export, read_mapping
from analysis.data.client_exports.mapping import export_file
from analysis.data.rfp import read_rfp
from analysis.errors import ConfigError, DataValidationError, UnsafeInputError
from analysis.paths import contained

from .report import CRITICAL, Finding

MAPPING_GLOBS = ("*.yaml", "*.yml")
RFP_FOLDER = "rfp"

# The loader's rejection messages: "<path>: line <n>, column '<col>' [(→ canonical)]: value
# '<value>' <reason>[ (<k> row(s) in all)]". The reason says which rule was broken.
_REJECTION = re.compile(
    r"^(?P<path>.+?): (?:line|row) (?P<line>\d+), column '(?P<column>[^']*)'"
    r"(?: \(→ (?P<canonical>\w+)\))?"
    r": value '(?P<value>.*?)' (?P<reason>.+?)(?: \((?P<count>\d+) row\(s\) in all\))?$",
    re.DOTALL,
)
_RULE_OF_REASON = (
    ("missing but required", "not_null"),
    ("is not one of the mapped values", "mapped_values"),
    ("is not one of", "allowed_values"),
    ("below the minimum", "minimum"),
    ("above the maximum", "maximum"),
    ("duplicate id", "unique_id"),
    ("csat scale", "csat_scale"),
    ("negative duration", "minimum"),
)


@dataclass(frozen=True)
class ClientTable:
    """One export that loaded: its client, the file label used in messages, and the table."""

    client: str
    file: str
    table: CanonicalTable
    mapping: Path

    @property
    def dataset(self) -> str:
        """``<client>/<kind>``: the table's name in the report and the Data Docs."""
        return f"{self.client}/{self.table.kind}"


def client_names(raw_dir: Path, clients: Sequence[str] | None) -> list[str]:
    """The client exports to validate: those given, else every folder in ``raw_dir/clients``;
    either way without folders that hold only RFP responses (they have no export)."""
    folder = raw_dir / "clients"
    if clients is not None:
        return [c for c in clients if not (folder / c).is_dir() or not _rfp_only(folder / c)]
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and not _rfp_only(p))


def _rfp_only(folder: Path) -> bool:
    """A client folder holding only RFP responses (``rfp/``, read and checked by
    ``analysis.data.rfp`` when the vendor report is planned) has no operations export."""
    entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
    return bool(entries) and all(p.is_dir() and p.name == RFP_FOLDER for p in entries)


def rfp_findings(raw_dir: Path, clients: Sequence[str] | None) -> list[Finding]:
    """A critical finding for each client RFP folder (``clients/<client>/rfp/``) that
    ``analysis.data.rfp`` refuses, naming its file, line, column and rule."""
    folder = raw_dir / "clients"
    names = clients if clients is not None else (
        sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else [])
    findings = []
    for client in names:
        rfp = folder / client / RFP_FOLDER
        if not rfp.is_dir():
            continue
        try:
            read_rfp(rfp)
        except DataValidationError as error:
            findings.append(Finding(_label(raw_dir, rfp), None, "rfp_responses",
                                    str(error), CRITICAL))
    return findings


def _label(raw_dir: Path, path: Path) -> str:
    """A file as messages name it: relative to ``raw_dir`` when it lies inside."""
    try:
        return str(path.resolve().relative_to(raw_dir.resolve()))
    except ValueError:
        return str(path)


def _export_label(raw_dir: Path, mapping_path: Path) -> str:
    """The export a mapping names, as messages name it (the mapping itself when it cannot be
    read): a lake location exactly as written, not joined to the client folder as a path
    (P9-E08: 's3a://bucket/...' was shown as 'clients/x/s3a:/bucket/...')."""
    from analysis.data.client_exports.spark_parse import is_uri

    try:
        mapping = read_mapping(mapping_path)
        if is_uri(mapping.file):
            return mapping.file
        return _label(raw_dir, export_file(mapping, mapping_path))
    except ConfigError:
        return _label(raw_dir, mapping_path)


def rejection_finding(error: Exception, file: str) -> Finding:
    """A loader or mapping error as one critical finding, with column, rule, line and value."""
    text = str(error)
    match = _REJECTION.match(text)
    if isinstance(error, UnsafeInputError):
        return Finding(file, None, "contained", text, CRITICAL)
    if isinstance(error, ConfigError):
        return Finding(file, None, "mapping", f"the mapping cannot be used: {text}", CRITICAL)
    if match is None:
        return Finding(file, None, "export_readable", text.split(": ", 1)[-1], CRITICAL)
    reason = match["reason"]
    rule = next((r for phrase, r in _RULE_OF_REASON if phrase in reason.lower()), "parseable")
    column = match["canonical"] or match["column"]
    source = f" (export column '{match['column']}')" if match["canonical"] else ""
    count = int(match["count"]) if match["count"] else None
    return Finding(
        file, column, rule, f"the export was rejected: the value {reason}{source}", CRITICAL,
        bad_rows=count, sample=((None, match["value"]),), lines=(int(match["line"]),),
    )


def load_client_exports(
    raw_dir: Path, client: str, engine: str = "duckdb"
) -> tuple[list[ClientTable], list[Finding]]:
    """Every export of one client folder that loads, and a finding for each that does not.

    ``engine``: where the exports are parsed (``duckdb``, or ``spark`` for a client whose
    config says ``engine: spark``).
    """
    folder = raw_dir / "clients" / client
    mappings = sorted({p for pattern in MAPPING_GLOBS for p in folder.glob(pattern)})
    label = _label(raw_dir, folder)
    if not folder.is_dir():
        return [], [Finding(label, None, "client_folder", "client folder not found", CRITICAL)]
    try:  # a client folder that is a symlink to elsewhere is not data/raw's to read
        contained(folder, raw_dir / "clients", where=label, key="(client folder)")
    except UnsafeInputError as error:
        return [], [Finding(label, None, "contained", str(error), CRITICAL)]
    if not mappings:
        return [], [Finding(label, None, "mapping", "no mapping file (*.yaml) in the client "
                            "folder: add one per export", CRITICAL)]
    tables: list[ClientTable] = []
    findings: list[Finding] = []
    for mapping in mappings:
        file = _export_label(raw_dir, mapping)
        try:
            contained(mapping, folder, where=label, key=mapping.name)  # no symlinked mapping
            table = load_export(mapping, engine=engine)
        except (DataValidationError, ConfigError) as error:
            findings.append(rejection_finding(error, file))
            continue
        if any(t.table.kind == table.kind for t in tables):
            findings.append(Finding(file, None, "one_export_per_kind", f"a second "
                                    f"{table.kind} export in {label}: keep one", CRITICAL))
            continue
        tables.append(ClientTable(client, file, table, mapping))
    return tables, findings


# Parquet integers and booleans with nulls read as nullable pandas types, not float/object.
ARROW_TO_PANDAS = {pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}
