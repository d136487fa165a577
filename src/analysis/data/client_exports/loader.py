"""Load a client export through its mapping into a cached canonical Parquet table."""

from __future__ import annotations

import glob
import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from analysis import paths
from analysis.data.client_exports.mapping import client_name, export_file, read_mapping
from analysis.data.client_exports.parse import parse_export
from analysis.data.client_exports.query import SOURCE_LINE
from analysis.data.client_exports.schema import (
    CANONICAL_SCHEMAS,
    SCHEMA_VERSION,
    ExportKind,
    TableSchema,
)
from analysis.errors import ConfigError, DataValidationError
from analysis.settings import setting

Engine = Literal["duckdb", "spark"]
"""Where an export is parsed: DuckDB on this machine (default) or Spark (``engine: spark``)."""

EXCLUDED_SUFFIX = ".excluded.json"
"""Beside each cached table: rows each of its mapping's exclusion rules left out."""


@dataclass(frozen=True)
class CanonicalTable:
    """A client export in canonical form, stored as Parquet under ``processed_dir()``."""

    client: str
    kind: ExportKind
    path: Path
    source_file: Path
    content_hash: str
    rows: int
    excluded: dict[str, int] = field(default_factory=dict)
    """Rows left out by each of the mapping's ``exclude`` rules (label -> rows)."""

    @property
    def schema(self) -> TableSchema:
        """The canonical schema this table follows."""
        return CANONICAL_SCHEMAS[self.kind]

    def to_pandas(self, *, with_lines: bool = False) -> pd.DataFrame:
        """The whole table as a DataFrame with canonical dtypes (for small tables and tests).

        ``with_lines`` adds ``source_line``: the export line each row came from.
        """
        columns = self.schema.names + ([SOURCE_LINE] if with_lines else [])
        frame = pd.read_parquet(self.path, columns=columns)
        return frame.astype({c.name: c.pandas_dtype for c in self.schema.columns})


def _not_a_file(source: Path) -> str:
    """Why an export path cannot be read as a file: missing, a folder, or something else (a
    named pipe would block a reader forever, a device has no end: neither is opened)."""
    import stat

    try:
        mode = source.stat().st_mode
    except OSError:
        return "export file not found"
    if stat.S_ISDIR(mode):
        return "the export is a folder, not a file (name the file inside it)"
    kind = "a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a device or socket"
    return f"the export is {kind}, not a regular file: it was not opened"


def load_export(mapping_path: Path, engine: Engine = "duckdb") -> CanonicalTable:
    """Parse the export a mapping file describes into canonical Parquet (cached by content).

    The cache file lives in ``processed_dir()/clients/<client>/`` and is keyed on the hashes of
    the export, the mapping and the schema version, so editing any of them rebuilds it. Raises
    ``ConfigError`` for a bad mapping and ``DataValidationError`` naming the file, line, column
    and value for anything the mapping cannot parse.

    ``engine="spark"`` parses on Spark (``spark_parse``) into the same canonical table. A
    mapping whose ``file`` is a URI Spark reads (``s3a://``, ``hdfs://``) is always parsed on
    Spark, the URI passed as is; it cannot be hashed, so its table is cached on the mapping's
    text alone (``make clean`` makes the next build read the lake again).
    """
    mapping_path = Path(mapping_path)
    mapping = read_mapping(mapping_path)
    client = client_name(mapping, mapping_path)
    remote = _is_uri(mapping.file)
    if remote:
        engine = "spark"
        source = mapping.file
        key = hashlib.sha256(mapping_path.read_bytes() + str(SCHEMA_VERSION).encode()
                             ).hexdigest()
    else:
        source = export_file(mapping, mapping_path)
        if not source.is_file():
            raise DataValidationError(f"{mapping_path}: {_not_a_file(source)}: {source} "
                                      f"(key 'file': {mapping.file!r})")
        key = content_key(source, mapping_path)
    # The mapping's ``client`` key names the cache folder: it must stay inside it.
    out = paths.contained(
        Path(client) / f"{mapping_path.stem}-{key[:16]}.parquet",
        paths.processed_dir() / "clients", where=str(mapping_path), key="client",
    )
    counts = out.with_name(out.name + EXCLUDED_SUFFIX)
    rows = _cached_rows(out) if counts.is_file() else None
    if rows is None and setting("BPO_VALIDATED_EXPORTS_ONLY"):
        # A report kernel parses nothing itself: the run's validation gate parsed and judged
        # every export it reads. No table for these contents means the export (or its
        # mapping) changed after the gate (P6-F14: a year-1 date slipped in mid-build).
        changed = _what_changed(out, source, mapping_path)
        raise DataValidationError(
            f"{changed}: changed after this run validated it (no validated table for its "
            "current contents): run the build again, so the new contents are validated first")
    if rows is None:
        if engine == "spark":
            from analysis.data.client_exports.spark_parse import parse_export_spark

            result = parse_export_spark(source, mapping, out)
        else:
            result = parse_export(source, mapping, out)
        # Written after the table: a table without its counts is parsed again.
        if not remote:
            _write_json(out.with_name(out.name + INPUTS_SUFFIX), {
                "export": _export_digest(source),
                "mapping": hashlib.sha256(mapping_path.read_bytes()).hexdigest()})
        _write_json(counts, result.excluded)
        rows = result.rows
    excluded = json.loads(counts.read_text(encoding="utf-8"))
    return CanonicalTable(client, mapping.kind, out, Path(source) if not remote else
                          Path(mapping_path), key, rows, excluded)


INPUTS_SUFFIX = ".inputs.json"
"""Beside a cached table: the digests of the export and of the mapping it was parsed from, so a
kernel that finds no validated table can say which of the two changed (P8-X05)."""


def _write_json(path: Path, data: object) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    tmp.replace(path)


def _what_changed(out: Path, source: Path | str, mapping_path: Path) -> str:
    """Which input has no validated table: the export, its mapping, or both, judged against
    the newest table parsed from this mapping file (the gate's)."""
    sidecars = sorted(out.parent.glob(f"{glob.escape(mapping_path.stem)}-*.parquet"
                                      f"{INPUTS_SUFFIX}"),
                      key=lambda p: p.stat().st_mtime, reverse=True)
    try:
        before = json.loads(sidecars[0].read_text(encoding="utf-8")) if sidecars else None
        export_now = None if _is_uri(str(source)) else _export_digest(Path(source))
        mapping_now = hashlib.sha256(mapping_path.read_bytes()).hexdigest()
    except (OSError, ValueError):
        before = None
    if not isinstance(before, dict):
        return f"{source} (or its mapping {mapping_path.name})"
    export_same = before.get("export") == export_now
    mapping_same = before.get("mapping") == mapping_now
    if export_same and not mapping_same:
        return f"{mapping_path} (the mapping of {Path(str(source)).name})"
    if mapping_same and not export_same:
        return str(source)
    return f"{source} and its mapping {mapping_path.name}"


def _is_uri(file: str) -> bool:
    from analysis.data.client_exports.spark_parse import is_uri

    return is_uri(file)


_EXPORT_DIGESTS: dict[tuple[str, int, int, int, int, int], str] = {}
"""Export digests this process computed, by the file's identity and stat signature."""


_SEGMENT = 1 << 28  # 256 MiB: the export is hashed in segments, one per core at a time


def _segment_digest(source: Path, start: int) -> bytes:
    digest = hashlib.sha256()
    with open(source, "rb") as handle:
        handle.seek(start)
        left = _SEGMENT
        while left and (block := handle.read(min(1 << 20, left))):
            digest.update(block)
            left -= len(block)
    return digest.digest()


def _export_digest(source: Path) -> str:
    """SHA-256 over the SHA-256 of each 256 MiB segment of an export, the segments hashed on
    every core (hashlib lets go of the GIL); reused within a process while the file's stat
    signature (device, inode, size, modification and change times) is unchanged.

    A run asks for the same export's key more than once (validation, then each report's
    loader), and hashing a 9 GB export on one core takes about 10 s; any write to the file
    changes its mtime/ctime, so a changed file is hashed again.
    """
    info = source.stat()
    signature = (str(source.resolve()), info.st_dev, info.st_ino, info.st_size,
                 info.st_mtime_ns, info.st_ctime_ns)
    if signature not in _EXPORT_DIGESTS:
        starts = range(0, max(info.st_size, 1), _SEGMENT)
        with ThreadPoolExecutor(max_workers=min(len(starts), os.cpu_count() or 1)) as pool:
            parts = list(pool.map(lambda start: _segment_digest(source, start), starts))
        _EXPORT_DIGESTS[signature] = hashlib.sha256(b"".join(parts)).hexdigest()
    return _EXPORT_DIGESTS[signature]


def content_key(source: Path, mapping_path: Path) -> str:
    """Hash of the export, the mapping and the schema version."""
    digest = hashlib.sha256(_export_digest(source).encode())
    digest.update(mapping_path.read_bytes())
    digest.update(str(SCHEMA_VERSION).encode())
    return digest.hexdigest()


def _cached_rows(out: Path) -> int | None:
    """Rows of a cached table, or None when it is missing or unreadable (then rebuilt)."""
    try:
        return pq.ParquetFile(out).metadata.num_rows
    except (OSError, pa.ArrowException):
        return None


def load_client(client: str) -> dict[ExportKind, CanonicalTable]:
    """Every export of a client: each mapping (``*.yaml``) in ``raw_dir()/clients/<client>/``.

    One export per kind; ``ConfigError`` if the folder or its mappings are missing, or two
    mappings claim the same kind.
    """
    return load_folder(paths.raw_dir() / "clients" / client)


def load_folder(folder: Path) -> dict[ExportKind, CanonicalTable]:
    """Every export a folder's mapping files (``*.yaml``) describe, one per kind.

    ``folder`` may also be a single mapping file (a client config's ``kpi_export`` can name
    one). ``ConfigError`` if there are no mappings or two claim the same kind.
    """
    folder = Path(folder)
    if folder.is_file():
        table = load_export(folder)
        return {table.kind: table}
    mappings = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    if not mappings:
        raise ConfigError(f"{folder}: no client mapping files (*.yaml) found")
    tables: dict[ExportKind, CanonicalTable] = {}
    for mapping_path in mappings:
        table = load_export(mapping_path)
        if table.kind in tables:
            raise ConfigError(f"{folder}: two mappings for kind {table.kind}: "
                              f"{tables[table.kind].source_file.name}, {table.source_file.name}")
        tables[table.kind] = table
    return tables


