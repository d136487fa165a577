"""The dataset catalog: every curated table in ``data/raw`` declared once and loaded by name.

``load("market_estimates")`` returns a typed frame (``str`` text, nullable ``Int64`` years,
``float64`` numbers, ``boolean`` flags). The declarations (columns, dtypes, keys, non-null
columns and closed vocabularies) are also what the validation suites are built from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.errors import DataValidationError
from analysis.paths import raw_dir

TEXT, YEAR, NUMBER, FLAG = "str", "Int64", "float64", "boolean"

RELIABILITY_TIERS = frozenset({"primary", "relayed", "unattributed", "aggregator"})

ALLOWED: dict[str, frozenset[str]] = {
    "reliability_tier": RELIABILITY_TIERS,
    "year_basis": frozenset({"attribution", "title", "url_date"}),
    "segment_type": frozenset(
        {
            "total_bpo", "service", "region", "vertical", "org_size", "sourcing_model",
            "sub_market", "country_industry", "broad_outsourcing", "provider", "survey",
        }
    ),
    "definition": frozenset(
        {
            "market_research", "third_party", "third_party_incl_bpaas", "idc", "idc_broad",
            "gartner", "potential_market", "academic_range", "unspecified", "aberdeen",
        }
    ),
    "metric": frozenset(
        {
            "market_size", "industry_revenue", "revenue_share", "segment_cagr", "headcount",
            "country_share", "exports", "growth_rate", "gdp_share", "penetration",
            "provider_revenue", "contract_acv", "contract_value", "survey_share",
            "headcount_added", "growth_share", "addressable_market", "market_growth_increment",
        }
    ),
    "market_unit": frozenset(
        {
            "usd_billion", "usd_million", "percent", "percent_yoy", "employees",
            "million_employees", "agents", "positions", "jobs", "specialists", "usd_trillion",
            "usd_100_million", "jpy_100_million", "cny_100_million", "eur_billion", "eur_million",
            "gbp_billion",
        }
    ),
    "qualifier": frozenset(
        {
            "over", "more_than", "approx", "about", "nearly", "estimate", "expected", "target",
            "up_to", "as_low_as", "less_than", "just_over", "just_under", "average", "median",
            "preliminary",
        }
    ),
    "statistic": frozenset(
        {
            "mean", "median", "p25", "p75", "top_quartile", "range_low", "range_high", "target",
            "typical", "upper_bound", "lower_bound",
        }
    ),
    "direction": frozenset({"lower_is_better", "higher_is_better", "target"}),
    "pay_period": frozenset({"hour", "day", "month", "year"}),
    "pay_basis": frozenset({"gross", "net"}),
    "upstream_file": frozenset(
        {
            "market_sources.csv", "kpi_benchmarks.csv", "location_costs.csv",
            "additions/market_sources.csv", "additions/kpi_benchmarks.csv",
            "additions/location_costs.csv", "additions/fx_rates.csv", "additions/workforce.csv",
        }
    ),
    "fx_quote": frozenset({"local_per_usd", "usd_per_local"}),
    "fx_basis": frozenset({"annual_average", "atlas_conversion_factor", "end_of_period"}),
    "planning_parameter": frozenset(
        {
            "shrinkage", "shrinkage_component", "shrinkage_component_primary_share",
            "shrinkage_component_secondary", "shrinkage_planned", "shrinkage_unplanned",
            "chat_concurrency", "occupancy", "erlang_c_example",
        }
    ),
    "judgement": frozenset(
        {
            "independent", "forum_post", "unsourced_tool", "opinion", "worked_example_input",
            "single_client", "example_setting",
        }
    ),
}  # fmt: skip


@dataclass(frozen=True)
class Dataset:
    """One curated table: where it lives, its typed columns, keys and closed vocabularies."""

    name: str
    filename: str
    columns: dict[str, str]
    keys: tuple[str, ...]
    description: str
    required: tuple[str, ...] = ()
    allowed: dict[str, frozenset[str]] = field(default_factory=dict)
    references: dict[str, str] = field(default_factory=dict)
    # Rates, prices and amounts: a zero or negative one is a typo that would publish a negative
    # cost, so validation requires them strictly positive (a critical finding naming the row).
    positive: tuple[str, ...] = ()

    @property
    def path(self) -> Path:
        """Location under ``analysis.paths.raw_dir()`` (so ``$BPO_ROOT`` is honoured)."""
        return raw_dir() / self.filename


def _allowed(**columns: str) -> dict[str, frozenset[str]]:
    return {column: ALLOWED[vocabulary] for column, vocabulary in columns.items()}


DATASETS: dict[str, Dataset] = {
    dataset.name: dataset
    for dataset in (
        Dataset(
            name="sources",
            filename="sources.csv",
            columns={
                "source_id": TEXT,
                "publisher": TEXT,
                "relayed_by": TEXT,
                "attribution": TEXT,
                "title": TEXT,
                "url": TEXT,
                "year": YEAR,
                "reliability_tier": TEXT,
                "year_basis": TEXT,
            },  # fmt: skip
            keys=("source_id",),
            required=("source_id", "publisher", "attribution", "url", "reliability_tier"),
            allowed=_allowed(reliability_tier="reliability_tier", year_basis="year_basis"),
            description="One row per cited source (attribution x URL x title) with its tier.",
        ),
        Dataset(
            name="market_estimates",
            filename="market_estimates.csv",
            columns={
                "estimate_id": TEXT,
                "source_id": TEXT,
                "metric": TEXT,
                "geography": TEXT,
                "segment_type": TEXT,
                "segment": TEXT,
                "segment_as_stated": TEXT,
                "definition": TEXT,
                "year": YEAR,
                "value": NUMBER,
                "value_low": NUMBER,
                "value_high": NUMBER,
                "unit": TEXT,
                "unit_as_stated": TEXT,
                "share_of": TEXT,
                "qualifier": TEXT,
                "is_forecast": FLAG,
                "cagr_pct": NUMBER,
                "cagr_pct_high": NUMBER,
                "cagr_period": TEXT,
                "cagr_start_year": YEAR,
                "cagr_end_year": YEAR,
                "superseded_by": TEXT,
                "cagr_qualifier": TEXT,
                "evidence_group": TEXT,
                "curation_note": TEXT,
            },  # fmt: skip
            keys=("estimate_id",),
            required=(
                "estimate_id",
                "source_id",
                "metric",
                "geography",
                "segment_type",
                "segment",
                "is_forecast",
            ),  # fmt: skip
            allowed=_allowed(
                metric="metric",
                segment_type="segment_type",
                definition="definition",
                unit="market_unit",
                qualifier="qualifier",
                cagr_qualifier="qualifier",
            ),
            references={"source_id": "sources", "superseded_by": "market_estimates"},
            description="Market sizes, shares, CAGRs and country-industry figures, one per row.",
        ),
        Dataset(
            name="kpi_benchmarks",
            filename="kpi_benchmarks.csv",
            columns={
                "benchmark_id": TEXT,
                "source_id": TEXT,
                "kpi": TEXT,
                "series": TEXT,
                "unit": TEXT,
                "direction": TEXT,
                "channel": TEXT,
                "industry": TEXT,
                "region": TEXT,
                "population": TEXT,
                "statistic": TEXT,
                "value": NUMBER,
                "year": YEAR,
                "value_as_stated": TEXT,
                "qualifier": TEXT,
                "evidence_group": TEXT,
                "curation_note": TEXT,
            },  # fmt: skip
            keys=("benchmark_id",),
            required=(
                "benchmark_id",
                "source_id",
                "kpi",
                "series",
                "unit",
                "direction",
                "statistic",
                "value",
            ),  # fmt: skip
            allowed=_allowed(direction="direction", statistic="statistic", qualifier="qualifier"),
            references={"source_id": "sources"},
            description="Contact-centre and back-office KPI benchmarks; never mix series.",
        ),
        Dataset(
            name="location_costs",
            filename="location_costs.csv",
            columns={
                "location_id": TEXT,
                "source_id": TEXT,
                "country": TEXT,
                "metric": TEXT,
                "role": TEXT,
                "value": NUMBER,
                "value_low": NUMBER,
                "value_high": NUMBER,
                "unit": TEXT,
                "unit_as_stated": TEXT,
                "qualifier": TEXT,
                "pay_basis": TEXT,
                "currency": TEXT,
                "pay_period": TEXT,
                "year": YEAR,
                "year_approx": FLAG,
                "evidence_group": TEXT,
                "curation_note": TEXT,
            },  # fmt: skip
            keys=("location_id",),
            required=("location_id", "source_id", "country", "metric", "unit", "year_approx"),
            allowed=_allowed(qualifier="qualifier", pay_period="pay_period", pay_basis="pay_basis"),
            references={"source_id": "sources"},
            description="Per-country rates, wages, headcount, rankings and general cost figures.",
        ),
        Dataset(
            name="workforce_planning",
            filename="workforce_planning.csv",
            columns={
                "planning_id": TEXT,
                "source_id": TEXT,
                "parameter": TEXT,
                "component": TEXT,
                "unit": TEXT,
                "direction": TEXT,
                "channel": TEXT,
                "industry": TEXT,
                "region": TEXT,
                "population": TEXT,
                "statistic": TEXT,
                "value": NUMBER,
                "year": YEAR,
                "judgement": TEXT,
                "counts_for_default": FLAG,
                "calls_per_interval": NUMBER,
                "interval_minutes": NUMBER,
                "aht_seconds": NUMBER,
                "target_sl_pct": NUMBER,
                "target_seconds": NUMBER,
                "stated_sl_pct": NUMBER,
                "stated_delayed_pct": NUMBER,
                "stated_asa_s": NUMBER,
            },  # fmt: skip
            keys=("planning_id",),
            required=("planning_id", "source_id", "parameter", "unit", "statistic", "value",
                      "judgement", "counts_for_default"),
            allowed=_allowed(parameter="planning_parameter", statistic="statistic",
                             judgement="judgement"),
            references={"source_id": "sources"},
            positive=("calls_per_interval", "interval_minutes", "aht_seconds", "target_seconds"),
            description="Staffing-model planning parameters (shrinkage, occupancy caps, chat "
            "concurrency) and published Erlang C worked examples, with whether each figure "
            "counts towards a default.",
        ),
        Dataset(
            name="excluded_rows",
            filename="excluded_rows.csv",
            columns={
                "upstream_file": TEXT,
                "upstream_row": YEAR,
                "upstream_line": YEAR,
                "reason": TEXT,
                "publisher": TEXT,
                "url": TEXT,
            },  # fmt: skip
            keys=("upstream_file", "upstream_row"),
            required=("upstream_file", "upstream_row", "reason"),
            allowed=_allowed(upstream_file="upstream_file"),
            description="Upstream rows left out of curation (no usable number), with the reason.",
        ),
        Dataset(
            name="exchange_rates",
            filename="exchange_rates.csv",
            columns={
                "rate_id": TEXT,
                "source_id": TEXT,
                "currency": TEXT,
                "year": YEAR,
                "rate": NUMBER,
                "quote": TEXT,
                "basis": TEXT,
                "usable": FLAG,
                "curation_note": TEXT,
            },  # fmt: skip
            keys=("rate_id",),
            required=("rate_id", "source_id", "currency", "year", "rate", "quote", "basis",
                      "usable"),
            allowed=_allowed(quote="fx_quote", basis="fx_basis"),
            references={"source_id": "sources"},
            positive=("rate",),
            description="Cited official exchange rates (annual averages usable for conversion; "
            "rate as stated, quote says which way it reads).",
        ),
        Dataset(
            name="service_taxonomy",
            filename="service_taxonomy.csv",
            columns={
                "category_id": TEXT,
                "category": TEXT,
                "family": TEXT,
                "scope": TEXT,
                "verticals": TEXT,
                "department": TEXT,
                "example_processes": TEXT,
                "market_segments": TEXT,
            },  # fmt: skip
            keys=("category_id",),
            required=("category_id", "category", "family", "scope", "department"),
            allowed={
                "family": frozenset({"front_office", "back_office", "kpo", "lpo"}),
                "scope": frozenset({"horizontal", "vertical_specific"}),
            },
            description="BPO service categories: family, scope, department, example processes "
            "and the market segments (segment_type:segment) whose figures cover them.",
        ),
        Dataset(
            name="process_catalogue",
            filename="process_catalogue.csv",
            columns={
                "process_id": TEXT,
                "process": TEXT,
                "category_id": TEXT,
                "repeatable": NUMBER,
                "documented": NUMBER,
                "measurable": NUMBER,
                "volume": NUMBER,
                "trainable": NUMBER,
                "judgment_heavy": NUMBER,
                "regulatory_sensitivity": NUMBER,
                "brand_sensitivity": NUMBER,
                "change_frequency": NUMBER,
                "strategic_value": NUMBER,
                "complexity": NUMBER,
                "assessment": TEXT,
                "rationale": TEXT,
            },  # fmt: skip
            keys=("process_id",),
            required=("process_id", "process", "category_id", "assessment"),
            allowed={"assessment": frozenset({"analyst assessment"})},
            references={"category_id": "service_taxonomy"},
            description="Common processes rated 1-5 on the outsourcing-fit criteria (analyst "
            "assessment, not a sourced figure).",
        ),
        Dataset(
            name="fx_rates",
            filename="fx_rates.csv",
            columns={
                "currency": TEXT,
                "year": YEAR,
                "local_amount": NUMBER,
                "usd_amount": NUMBER,
                "source_id": TEXT,
                "local_location_id": TEXT,
                "usd_location_id": TEXT,
                "note": TEXT,
            },  # fmt: skip
            keys=("currency", "source_id"),
            required=("currency", "local_amount", "usd_amount", "source_id"),
            references={"source_id": "sources"},
            positive=("local_amount", "usd_amount"),
            description="Exchange rates implied where one source states the same amount in local "
            "currency and USD (rate = local_amount / usd_amount).",
        ),
    )
}


def dataset(name: str) -> Dataset:
    """The declaration of dataset ``name``."""
    try:
        return DATASETS[name]
    except KeyError:
        known = ", ".join(sorted(DATASETS))
        raise DataValidationError(f"unknown dataset {name!r}; known datasets: {known}") from None


def path(name: str) -> Path:
    """Where dataset ``name`` lives (under ``analysis.paths.raw_dir()``)."""
    return dataset(name).path


def load(name: str) -> pd.DataFrame:
    """Dataset ``name`` with its declared dtypes; names the file if it or a column is missing."""
    spec = dataset(name)
    file = spec.path
    if not file.is_file():
        raise DataValidationError(
            f"{name}: file {file} is missing; run `make curate` to rebuild data/raw"
        )
    raw = pd.read_csv(file, dtype=str, keep_default_na=False, na_values=[""])
    missing = [column for column in spec.columns if column not in raw.columns]
    if missing:
        raise DataValidationError(f"{name}: file {file} lacks declared column(s) {missing}")
    return _typed(raw[list(spec.columns)], spec, file)


def _typed(frame: pd.DataFrame, spec: Dataset, file: Path) -> pd.DataFrame:
    typed = {}
    for column, dtype in spec.columns.items():
        values = frame[column]
        try:
            if dtype == FLAG:
                typed[column] = values.map({"true": True, "false": False}).astype(FLAG)
            elif dtype in (YEAR, NUMBER):
                typed[column] = pd.to_numeric(values, errors="raise").astype(dtype)
            else:
                typed[column] = values.astype(TEXT)
        except (ValueError, TypeError) as error:
            raise DataValidationError(
                f"{spec.name}: column {column!r} in {file} is not {dtype}: {error}"
            ) from error
    return pd.DataFrame(typed, index=frame.index)


def data_vintage() -> str:
    """How recent the curated data is, for report title blocks.

    The latest year with an actual (not forecast) market figure, and the latest publication
    year among the sources.
    """
    estimates = load("market_estimates")
    actual = estimates.loc[~estimates["is_forecast"].fillna(False).astype(bool), "year"].max()
    published = load("sources")["year"].max()
    parts = []
    if not pd.isna(actual):
        parts.append(f"market figures to {int(actual)}")
    if not pd.isna(published):
        parts.append(f"sources published to {int(published)}")
    return "; ".join(parts) or "not recorded"
