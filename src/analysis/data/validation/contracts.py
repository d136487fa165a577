"""The validation view of ``analysis.data.catalog``: what each dataset's file must contain.

The catalog declares every dataset once (columns, types, keys, allowed values); this module only
reads those declarations into the small shape the suites need, so nothing is declared twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ColumnSpec:
    """One declared column: its type (``str``, ``int``, ``float``, ``bool``) and value rules."""

    name: str
    dtype: str
    nullable: bool = True
    allowed: frozenset[str] | None = None
    pattern: str | None = None


@dataclass(frozen=True)
class TableSpec:
    """One curated dataset: its file name in ``data/raw``, declared columns and key."""

    name: str
    file: str
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...] = ()
    references: dict[str, str] = field(default_factory=dict)
    may_be_empty: bool = False
    positive: tuple[str, ...] = ()  # rates, prices and amounts: strictly above zero

    @property
    def column_names(self) -> list[str]:
        """Declared column names in file order."""
        return [c.name for c in self.columns]


# Catalog dtypes (pandas names) -> the text format a cell must have in the CSV.
_FORMAT_OF_DTYPE = {"str": "str", "Int64": "int", "float64": "float", "boolean": "bool"}
# Tables that are legitimately empty when curation had nothing to report.
MAY_BE_EMPTY = frozenset({"excluded_rows"})


def load_contracts() -> dict[str, TableSpec]:
    """Every catalog dataset as a ``TableSpec``, in catalog order."""
    from analysis.data import catalog

    return {name: table_spec(entry) for name, entry in catalog.DATASETS.items()}


def table_spec(dataset: object) -> TableSpec:
    """Read one ``analysis.data.catalog.Dataset`` declaration into the suites' shape."""
    required = set(dataset.required) | set(dataset.keys)
    columns = tuple(
        ColumnSpec(
            name=name,
            dtype=_FORMAT_OF_DTYPE.get(dtype, "str"),
            nullable=name not in required,
            allowed=dataset.allowed.get(name),
        )
        for name, dtype in dataset.columns.items()
    )
    return TableSpec(
        name=dataset.name,
        file=dataset.filename,
        columns=columns,
        key=tuple(dataset.keys),
        references=dict(dataset.references),
        may_be_empty=dataset.name in MAY_BE_EMPTY,
        positive=tuple(dataset.positive),
    )
