"""The few SQL spellings DuckDB and Spark do not share, so each KPI is written once.

Every KPI query in ``engine.py`` and ``tickets.py`` is one text in a portable subset both
engines run verbatim (``count(*) FILTER (WHERE ...)``, ``avg``, ``sum``, ``NULLIF``,
``coalesce``, ``CAST(... AS DATE)``, ``date_trunc``, ``max_by``/``min_by``), with the rest asked
of a ``Dialect``: exact quantiles (DuckDB ``quantile_cont``, Spark ``percentile``, never
``percentile_approx``), interval buckets, seconds between two timestamps and how a Parquet
table is named. SQLGlot is deliberately not used: it turns ``quantile_cont`` into calls Spark
rejects and ``WITHIN GROUP`` into an approximate percentile (``../shared/notes/scale-routes.md``
Q3); ``tests/research/test_kpi_engines.py`` holds both engines to the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Engine = Literal["duckdb", "spark"]
ENGINES: tuple[Engine, ...] = ("duckdb", "spark")


@dataclass(frozen=True)
class Dialect:
    """How one engine spells what the portable subset lacks."""

    name: Engine

    def quantiles(self, column: str, probabilities: list[float]) -> str:
        """Exact (interpolated) quantiles as one list/array value."""
        ps = ", ".join(repr(float(p)) for p in probabilities)
        if self.name == "spark":
            return f"percentile({column}, array({ps}))"
        return f"quantile_cont({column}, [{ps}])"

    def quantile(self, column: str, probability: float) -> str:
        """One exact (interpolated) quantile."""
        function = "percentile" if self.name == "spark" else "quantile_cont"
        return f"{function}({column}, {float(probability)!r})"

    def bucket(self, minutes: int, column: str) -> str:
        """The start of the ``minutes``-long slot (aligned on midnight) a timestamp falls in."""
        if self.name == "spark":
            width = int(minutes) * 60
            return (f"CAST(timestamp_seconds(floor(unix_seconds(CAST({column} AS TIMESTAMP)) / "
                    f"{width}) * {width}) AS TIMESTAMP_NTZ)")
        return f"time_bucket(INTERVAL '{int(minutes)} minutes', {column})"

    def time_of_day(self, timestamp: str) -> str:
        """The clock time of a timestamp (Spark: text ``HH:mm:ss``, made a time afterwards)."""
        if self.name == "spark":
            return f"date_format({timestamp}, 'HH:mm:ss')"
        return f"CAST({timestamp} AS TIME)"

    def sum_counts(self, column: str) -> str:
        """The sum of an integer column, typed as DuckDB types it (a 128-bit integer, which
        pandas receives as float64); Spark's BIGINT sum is widened to match."""
        if self.name == "spark":
            return f"CAST(sum({column}) AS DECIMAL(38, 0))"
        return f"sum({column})"

    def seconds_between(self, start: str, end: str) -> str:
        """``end - start`` in seconds, as a double (microsecond precision)."""
        if self.name == "spark":
            return (f"((unix_micros(CAST({end} AS TIMESTAMP)) - "
                    f"unix_micros(CAST({start} AS TIMESTAMP))) / 1e6)")
        return f"epoch({end} - {start})"


DIALECTS: dict[Engine, Dialect] = {name: Dialect(name) for name in ENGINES}
