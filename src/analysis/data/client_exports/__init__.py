"""Client operations exports: mapping files, messy-format parsing, canonical Parquet tables."""

from analysis.data.client_exports.loader import (
    CanonicalTable,
    load_client,
    load_export,
    load_folder,
)
from analysis.data.client_exports.mapping import ColumnSpec, ExportMapping, read_mapping
from analysis.data.client_exports.schema import CANONICAL_SCHEMAS, ColumnSchema, TableSchema

__all__ = [
    "CANONICAL_SCHEMAS",
    "CanonicalTable",
    "ColumnSchema",
    "ColumnSpec",
    "ExportMapping",
    "TableSchema",
    "load_client",
    "load_export",
    "load_folder",
    "read_mapping",
]
