"""Load a client export through its mapping into a cached canonical Parquet table."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from analysis import paths
from analysis.data.client_exports import parsers
from analysis.data.client_exports.derive import derive_interactions
from analysis.data.client_exports.mapping import (
    DURATION_FORMATS,
    PERCENT_FORMATS,
    ColumnSpec,
    ExportMapping,
    client_name,
    export_file,
    read_mapping,
)
from analysis.data.client_exports.schema import (
    CANONICAL_SCHEMAS,
    SCHEMA_VERSION,
    ColumnSchema,
    ExportKind,
    TableSchema,
)
from analysis.errors import ConfigError, DataValidationError

LINE = "_line"
"""Internal column: the 1-based line (or sheet row) each record came from in the export."""


@dataclass(frozen=True)
class CanonicalTable:
    """A client export in canonical form, stored as Parquet under ``processed_dir()``."""

    client: str
    kind: ExportKind
    path: Path
    source_file: Path
    content_hash: str
    rows: int

    @property
    def schema(self) -> TableSchema:
        """The canonical schema this table follows."""
        return CANONICAL_SCHEMAS[self.kind]

    def to_pandas(self) -> pd.DataFrame:
        """The whole table as a DataFrame with canonical dtypes (for small tables and tests)."""
        frame = pd.read_parquet(self.path)
        return frame.astype({c.name: c.pandas_dtype for c in self.schema.columns})


def load_export(mapping_path: Path) -> CanonicalTable:
    """Parse the export a mapping file describes into canonical Parquet (cached by content).

    The cache file lives in ``processed_dir()/clients/<client>/`` and is keyed on the hashes of
    the export, the mapping and the schema version, so editing any of them rebuilds it. Raises
    ``ConfigError`` for a bad mapping and ``DataValidationError`` naming the file, line, column
    and value for anything the mapping cannot parse.
    """
    mapping_path = Path(mapping_path)
    mapping = read_mapping(mapping_path)
    source = export_file(mapping, mapping_path)
    client = client_name(mapping, mapping_path)
    if not source.is_file():
        raise DataValidationError(f"{mapping_path}: export file not found: {source}")
    digest = hashlib.sha256()
    digest.update(source.read_bytes())
    digest.update(mapping_path.read_bytes())
    digest.update(str(SCHEMA_VERSION).encode())
    key = digest.hexdigest()
    out = paths.contained(
        Path(client) / f"{mapping_path.stem}-{key[:16]}.parquet",
        paths.processed_dir() / "clients", where=str(mapping_path), key="client",
    )
    if not out.exists():
        frame = canonicalise(read_raw(source, mapping), mapping, source)
        _write_parquet(frame, out, source, key)
    rows = pq.ParquetFile(out).metadata.num_rows
    return CanonicalTable(client, mapping.kind, out, source, key, rows)


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


def read_raw(source: Path, mapping: ExportMapping) -> pd.DataFrame:
    """The export as all-string columns plus ``_line``, blank rows dropped."""
    if mapping.is_excel:
        frame = _read_excel(source, mapping)
    else:
        try:
            frame = pd.read_csv(
                source,
                sep=mapping.delimiter,
                encoding=_bom_safe(mapping.encoding),
                skiprows=mapping.header_offset,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                skip_blank_lines=False,
                compression="infer",
            )
        except (UnicodeDecodeError, pd.errors.ParserError, ValueError) as exc:
            raise DataValidationError(f"{source}: cannot read as delimited text: {exc}") from exc
        frame.columns = [str(c).strip() for c in frame.columns]
    # Header sits on line header_offset + 1; data rows follow. Multi-line quoted cells would
    # shift this, which ACD and ticket exports do not use.
    frame[LINE] = range(mapping.header_offset + 2, mapping.header_offset + 2 + len(frame))
    blank = frame.drop(columns=LINE).apply(lambda c: c.str.strip().eq("")).all(axis=1)
    return frame.loc[~blank].reset_index(drop=True)


def _bom_safe(encoding: str) -> str:
    # utf-8-sig reads files with and without a byte-order mark alike.
    return "utf-8-sig" if encoding.lower().replace("-", "").replace("_", "") in (
        "utf8", "utf8sig") else encoding


def _cell_text(value: object, decimal: str) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.time):
        return f"{value.hour}:{value.minute:02d}:{value.second:02d}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value.total_seconds())
    if isinstance(value, float):
        text = str(int(value)) if value.is_integer() else repr(value)
        return text.replace(".", decimal)
    return str(value)


def _read_excel(source: Path, mapping: ExportMapping) -> pd.DataFrame:
    import openpyxl

    try:
        book = openpyxl.load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for broken files
        raise DataValidationError(f"{source}: cannot open as an Excel workbook: {exc}") from exc
    try:
        sheet_key = mapping.sheet if mapping.sheet is not None else 0
        if isinstance(sheet_key, int):
            sheet = book.worksheets[sheet_key]
        elif sheet_key in book.sheetnames:
            sheet = book[sheet_key]
        else:
            raise DataValidationError(
                f"{source}: no sheet '{sheet_key}' (sheets: {', '.join(book.sheetnames)})"
            )
        rows = list(sheet.iter_rows(min_row=mapping.header_offset + 1, values_only=True))
    finally:
        book.close()
    if not rows:
        raise DataValidationError(f"{source}: the sheet has no header row")
    header = [_cell_text(v, ".").strip() for v in rows[0]]
    body = [[_cell_text(v, mapping.decimal) for v in r] for r in rows[1:]]
    return pd.DataFrame(body, columns=header, dtype="str")


def _source_text(raw: pd.DataFrame, spec: ColumnSpec, mapping: ExportMapping, source: Path,
                 canonical: str) -> pd.Series:
    missing_cols = [c for c in spec.sources if c not in raw.columns]
    if missing_cols:
        raise DataValidationError(
            f"{source}: column(s) {missing_cols} mapped to '{canonical}' not in the header "
            f"(found: {[c for c in raw.columns if c != LINE]})"
        )
    markers = {m.strip() for m in mapping.missing}
    parts = []
    for name in spec.sources:
        col = raw[name].astype("str").str.strip()
        parts.append(col.where(~col.isin(markers)))
    text = parts[0]
    for part in parts[1:]:
        # A joined value (date + time) is missing when any part is.
        text = (text + " " + part).where(text.notna() & part.notna())
    return text


def _parse(text: pd.Series, col: ColumnSchema, spec: ColumnSpec, m: ExportMapping) -> pd.Series:
    if spec.values is not None:
        text = parsers.map_values(text, spec.values)
    if col.type == "timestamp":
        return parsers.parse_timestamp(text, spec.format)
    if col.type == "bool":
        return parsers.parse_bool(text, spec)
    if col.type == "str":
        return text.astype("str")
    if spec.format in DURATION_FORMATS:
        number = parsers.parse_duration(text, spec.format, m.decimal)
    elif spec.format in PERCENT_FORMATS:
        number = parsers.parse_percent(text, spec.format, m.decimal)
    elif spec.format is None:
        number = parsers.parse_number(text, m.decimal, m.thousands)
    else:
        raise ValueError(f"format '{spec.format}' does not apply to a {col.type} column")
    if col.type == "int":
        fractional = (number.notna() & (number % 1 != 0)).to_numpy()
        if fractional.any():
            pos = int(fractional.argmax())
            raise parsers.UnparseableValue(pos, str(text.iloc[pos]), "not a whole number")
        return number.astype("Int64")
    return number


def canonicalise(raw: pd.DataFrame, mapping: ExportMapping, source: Path) -> pd.DataFrame:
    """Turn a raw string frame into the canonical table, rejecting what cannot be parsed."""
    schema = CANONICAL_SCHEMAS[mapping.kind]
    out = pd.DataFrame(index=raw.index)
    for col in schema.columns:
        spec = mapping.spec(col.name)
        if spec is not None:
            text = _source_text(raw, spec, mapping, source, col.name)
            try:
                out[col.name] = _parse(text, col, spec, mapping)
            except parsers.UnparseableValue as bad:
                raise DataValidationError(
                    f"{source}: line {raw[LINE].iloc[bad.position]}, column "
                    f"'{'+'.join(spec.sources)}' (→ {col.name}): value '{bad.value}' is "
                    f"{bad.reason}"
                ) from None
            except ValueError as exc:
                raise DataValidationError(f"{source}: column '{col.name}': {exc}") from None
        elif col.name in mapping.constants:
            out[col.name] = pd.Series([mapping.constants[col.name]] * len(raw),
                                      index=raw.index).astype(col.pandas_dtype)
        else:
            out[col.name] = pd.Series(None, index=raw.index, dtype=col.pandas_dtype)
    if mapping.kind == "interactions":
        out = derive_interactions(out, mapped=set(mapping.columns) | set(mapping.constants))
    out[LINE] = raw[LINE].to_numpy()
    check_rules(out, schema, source)
    return out


def _reject(frame: pd.DataFrame, mask: pd.Series, source: Path, column: str, why: str) -> None:
    bad = mask.fillna(False).to_numpy(dtype=bool)
    if bad.any():
        pos = int(bad.argmax())
        value = frame[column].iloc[pos]
        shown = "" if pd.isna(value) else f"{value:g}" if isinstance(value, float) else value
        raise DataValidationError(
            f"{source}: line {frame[LINE].iloc[pos]}, column '{column}': value "
            f"'{shown}' {why} ({int(bad.sum())} row(s) in all)"
        )


def check_rules(frame: pd.DataFrame, schema: TableSchema, source: Path) -> None:
    """Required values present, allowed values only, minimums respected, ids unique."""
    for col in schema.columns:
        series = frame[col.name]
        if not col.nullable:
            _reject(frame, series.isna(), source, col.name, "is missing but required")
        if col.allowed is not None:
            _reject(frame, series.notna() & ~series.isin(col.allowed), source, col.name,
                    f"is not one of {list(col.allowed)}")
        if col.min_value is not None:
            _reject(frame, series < col.min_value, source, col.name,
                    f"is below the minimum {col.min_value:g}")
        if col.max_value is not None:
            _reject(frame, series > col.max_value, source, col.name,
                    f"is above the maximum {col.max_value:g}")
    if schema.kind == "interactions":
        _reject(frame, frame["interaction_id"].duplicated(), source, "interaction_id",
                "is a duplicate id")
        over = frame["csat"] > frame["csat_scale"]
        _reject(frame, over, source, "csat", "is above the CSAT scale maximum")


def _write_parquet(frame: pd.DataFrame, out: Path, source: Path, key: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(frame.drop(columns=LINE), preserve_index=False)
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), b"bpo.source": str(source).encode(),
         b"bpo.content_hash": key.encode()}
    )
    tmp = out.with_suffix(f".tmp{os.getpid()}")
    pq.write_table(table, tmp, compression="zstd")
    tmp.replace(out)  # atomic: a reader never sees a half-written cache file
