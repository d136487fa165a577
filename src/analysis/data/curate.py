"""Curate the upstream research tables into the cited, typed tables in ``data/raw``.

``python -m analysis.data.curate [--source DIR] [--dest DIR]`` reads
``market_sources.csv``, ``kpi_benchmarks.csv``, ``location_costs.csv`` and
``additions/workforce.csv`` and writes ``sources.csv``, ``market_estimates.csv``,
``kpi_benchmarks.csv``, ``location_costs.csv``, ``workforce_planning.csv`` and
``excluded_rows.csv``. The run is deterministic: same input, byte-identical output. Numbers are
carried as written upstream (never rounded); each row keeps its source, and rows without any
usable number are listed in ``excluded_rows.csv`` with the reason.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from analysis.data import curation_rules as rules
from analysis.errors import CurationError
from analysis.paths import raw_dir, shared_research_dir

UPSTREAM = {
    "market": "market_sources.csv",
    "kpi": "kpi_benchmarks.csv",
    "location": "location_costs.csv",
    "workforce": "additions/workforce.csv",
}

SOURCE_COLUMNS = (
    "source_id", "publisher", "relayed_by", "attribution", "title", "url", "year",
    "reliability_tier",
)  # fmt: skip
MARKET_COLUMNS = (
    "estimate_id", "source_id", "metric", "geography", "segment_type", "segment",
    "segment_as_stated", "definition", "year", "value", "value_low", "value_high", "unit",
    "unit_as_stated", "share_of", "qualifier", "is_forecast", "cagr_pct", "cagr_pct_high",
    "cagr_period", "cagr_start_year", "cagr_end_year", "superseded_by",
)  # fmt: skip
KPI_COLUMNS = (
    "benchmark_id", "source_id", "kpi", "series", "unit", "direction", "channel", "industry",
    "region", "population", "statistic", "value", "year",
)  # fmt: skip
LOCATION_COLUMNS = (
    "location_id", "source_id", "country", "metric", "role", "value", "value_low", "value_high",
    "unit", "unit_as_stated", "qualifier", "pay_basis", "currency", "pay_period", "year",
    "year_approx",
)  # fmt: skip
WORKFORCE_COLUMNS = (
    "planning_id", "source_id", "parameter", "component", "unit", "direction", "channel",
    "industry", "region", "population", "statistic", "value", "year", "judgement",
    "counts_for_default", *rules.WORKFORCE_NOTE_NUMBERS,
)  # fmt: skip
EXCLUDED_COLUMNS = ("upstream_file", "upstream_row", "reason", "publisher", "url")

Row = dict[str, str]
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_RANGE = re.compile(r"(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


# ---------------------------------------------------------------------------- attribution
@dataclass(frozen=True)
class Attribution:
    """Who produced a figure, which page relayed it, and how far it can be trusted."""

    publisher: str
    relayed_by: str
    tier: str


def _outside_parens(text: str) -> tuple[str, str]:
    """Split ``"X (inner) rest"`` into head ``"X rest"`` and the first parenthesised ``inner``."""
    depth, start = 0, -1
    for i, char in enumerate(text):
        if char == "(":
            if depth == 0:
                start = i
            depth += 1
        elif char == ")" and depth:
            depth -= 1
            if depth == 0:
                head = (text[:start] + text[i + 1 :]).strip()
                return re.sub(r"\s+", " ", head), text[start + 1 : i].strip()
    return text.strip(), ""


def _strip_date(text: str) -> str:
    """Drop a trailing publication date (", May 2025", ", 2007", "c.2008") from a page name."""
    months = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
    text = re.sub(rf",\s*(?:c\.)?(?:(?:{months})[a-z]*\s+)?(?:19|20)\d{{2}}$", "", text.strip())
    return text.strip(" ,;")


def _first_part(text: str) -> str:
    return re.split(r"[;,]", text, maxsplit=1)[0].strip()


def parse_attribution(raw: str) -> Attribution:
    """Read an upstream ``publisher`` string into publisher, relaying page and reliability tier.

    ``X (via Y)`` and ``Y (citing X)`` are relayed quotes: X produced the number, Y's page was
    read. A note that only describes X's own publication keeps X primary (see
    ``curation_rules.PRIMARY_WITH_NOTE``).
    """
    text = raw.strip()
    lowered = text.lower()
    aggregator = any(marker in lowered for marker in rules.AGGREGATOR_MARKERS)
    text = text.replace("[LOW RELIABILITY aggregator]", "").strip()
    head, inner = _outside_parens(text)
    publisher, relayed_by = head, ""

    outer = re.match(r"^(.*?)(?:,\s*|\s+)(via|citing)\s+(.+)$", head)
    if outer:  # "X (..) via Y" / "Y (..), citing X": the relation sits outside the brackets
        left, verb, right = outer.groups()
        if verb == "via":
            publisher, relayed_by = left.strip(" ,"), right
        else:
            publisher, relayed_by = right, left.strip(" ,")
    parts = [part.strip() for part in re.split(r"[;,]", inner) if part.strip()]
    via = next((p for p in parts if re.search(r"(?:^|\s)via\s", p)), None)
    cited = re.search(r"\b(?:citing|quoting|attributing to|summarising|composite of)\s+(.+)", inner)

    if via is not None:
        relayed_by = _strip_date(re.split(r"(?:^|\s)via\s", via, maxsplit=1)[1])
    elif cited and not outer:
        publisher, relayed_by = _strip_date(_first_part(cited.group(1))), head
    elif inner and not outer and not _is_note(text, inner):
        publisher, relayed_by = _first_part(inner), head

    if aggregator:
        tier = "aggregator"
    elif head.lower().startswith("unattributed") or _mentions(lowered, rules.UNATTRIBUTED_MARKERS):
        tier = "unattributed"
        if head.lower().startswith("unattributed"):
            publisher, relayed_by = "Unattributed", _strip_date(_first_part(inner))
    elif relayed_by:
        tier = "relayed"
    else:
        tier = "primary"
    if tier == "unattributed" and publisher != "Unattributed" and cited:
        publisher, relayed_by = head, ""  # the cited party is unnamed: the page is the source
    return Attribution(publisher.strip(), relayed_by.strip(), tier)


def _is_note(raw: str, inner: str) -> bool:
    """Whether a parenthesis describes the publisher's own page rather than naming a producer."""
    if raw in rules.PRIMARY_WITH_NOTE or raw in rules.WORKFORCE_PRIMARY_WITH_NOTE:
        return True
    markers = rules.NOTE_WORDS + rules.UNATTRIBUTED_MARKERS + rules.AGGREGATOR_MARKERS
    return _mentions(inner.lower(), markers + ("roundup",))


def _mentions(text: str, words: Iterable[str]) -> bool:
    return any(re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text) for word in words)


def source_year(attribution: str, title: str) -> str:
    """Publication year: the one year named in the attribution, else a dated title suffix."""
    years = set(_YEAR.findall(attribution))
    if len(years) == 1 and not re.search(r"(?:19|20)\d{2}\s*[-/]\s*\d{2,4}", attribution):
        return years.pop()
    dated = re.search(r"\((?:updated\s+)?[A-Z][a-z]{2,8}\s+((?:19|20)\d{2})\)$", title)
    return dated.group(1) if dated else ""


def slugify(text: str, limit: int = 48) -> str:
    """Lowercase ASCII slug, cut at a word boundary."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower().replace("&", " and ")).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0]
    return slug or "source"


class SourceRegistry:
    """Assigns one stable ``source_id`` per (attribution, url, title) in first-seen order."""

    def __init__(self) -> None:
        self._rows: dict[tuple[str, str, str], Row] = {}
        self._taken: set[str] = set()

    def register(self, attribution: str, url: str, title: str = "") -> str:
        key = (attribution.strip(), url.strip(), title.strip())
        if key in self._rows:
            return self._rows[key]["source_id"]
        if not re.match(r"^https?://", key[1]):
            raise CurationError(f"source {attribution!r} has no http(s) URL: {url!r}")
        parsed = parse_attribution(key[0])
        base = slugify(parsed.publisher)
        if parsed.relayed_by:
            base = f"{base}--{slugify(parsed.relayed_by, 32)}"
        source_id, n = base, 1
        while source_id in self._taken:
            n += 1
            source_id = f"{base}-{n}"
        self._taken.add(source_id)
        self._rows[key] = {
            "source_id": source_id,
            "publisher": parsed.publisher,
            "relayed_by": parsed.relayed_by,
            "attribution": key[0],
            "title": key[2],
            "url": key[1],
            "year": source_year(key[0], key[2]),
            "reliability_tier": parsed.tier,
        }
        return source_id

    def rows(self) -> list[Row]:
        return sorted(self._rows.values(), key=lambda row: row["source_id"])


# ---------------------------------------------------------------------------- numbers
def _number(text: str, what: str) -> str:
    """A number exactly as written upstream (validated, never reformatted)."""
    text = text.strip()
    if text and not _NUMBER.fullmatch(text):
        raise CurationError(f"{what}: {text!r} is not a number")
    return text


def split_value(text: str, what: str) -> tuple[str, str, str]:
    """``"122-154"`` -> ("", "122", "154"); ``"436.37"`` -> ("436.37", "", "")."""
    text = text.strip()
    match = _RANGE.fullmatch(text)
    if match:
        return "", match.group(1), match.group(2)
    return _number(text, what), "", ""


def _bool(text: str, what: str) -> str:
    value = text.strip().lower()
    if value not in {"true", "false"}:
        raise CurationError(f"{what}: {text!r} is not true/false")
    return value


def _year(text: str, what: str) -> str:
    text = text.strip()
    if text and not re.fullmatch(r"(?:19|20)\d{2}", text):
        raise CurationError(f"{what}: {text!r} is not a year")
    return text


# ---------------------------------------------------------------------------- units
QUALIFIERS = {
    "over": "over",
    "more than": "more_than",
    "more than half": "more_than",
    "approx.": "approx",
    "approx": "approx",
    "approximately": "approx",
    "about": "about",
    "around": "about",
    "nearly": "nearly",
    "almost": "nearly",
    "estimate": "estimate",
    "estimated": "estimate",
    "expected": "expected",
    "projected": "expected",
    "forecast": "expected",
    "target": "target",
    "up to": "up_to",
    "as much as": "up_to",
    "as high as": "up_to",
    "as low as": "as_low_as",
    "less than": "less_than",
    "just over": "just_over",
    "just under": "just_under",
    "exceeded": "over",
    "exceeds": "over",
    "sometimes exceeding": "over",
    "average": "average",
    "median": "median",
    "preliminary": "preliminary",
    "some": "about",
}


def _qualifier_of(notes: Iterable[str]) -> str:
    for note in notes:
        key = note.strip().lower()
        if key in QUALIFIERS:
            return QUALIFIERS[key]
        for phrase, code in QUALIFIERS.items():
            if key.startswith(phrase + " ") or key.startswith(phrase + ":"):
                return code
    return ""


def _unit_notes(unit: str) -> tuple[str, list[str]]:
    core, inner = _outside_parens(unit)
    return core, [part.strip() for part in re.split(r"[;,]", inner) if part.strip()]


MARKET_UNITS: dict[str, str] = {
    "USD billion": "usd_billion",
    "USD billion ACV": "usd_billion",
    "USD million": "usd_million",
    "million employees": "million_employees",
    "employees": "employees",
    "employees added": "employees",
    "agents": "agents",
    "agent positions": "positions",
    "formal jobs": "jobs",
    "specialists": "specialists",
    "% YoY": "percent_yoy",
    "% market share": "percent",
}


def parse_market_unit(unit: str) -> tuple[str, str, str]:
    """Upstream market unit -> (unit code, share_of, qualifier)."""
    if not unit.strip():
        return "", "", ""
    core, notes = _unit_notes(unit)
    qualifier = _qualifier_of(notes)
    if core in MARKET_UNITS:
        return MARKET_UNITS[core], "", qualifier
    if core.startswith("% of "):
        kept = [n for n in notes if not _qualifier_of([n])]
        share_of = core[5:] + (f" ({'; '.join(kept)})" if kept else "")
        return "percent", share_of, qualifier
    raise CurationError(f"market unit {unit!r} has no canonical code; add it to MARKET_UNITS")


_PER_PERIOD = {"hour": "hour", "month": "month", "year": "year", "day": "day"}
COUNT_UNITS: dict[str, str] = {
    "employees": "employees",
    "workers": "employees",
    "jobs": "jobs",
    "direct jobs": "jobs",
    "formal jobs": "jobs",
    "positions": "positions",
    "agent positions": "positions",
    "agents": "agents",
    "freelancers": "freelancers",
    "specialists": "specialists",
    "centres": "centres",
    "graduates per year": "graduates_per_year",
    "hours": "hours",
    "hours ahead": "hours",
    "hours difference vs continental US": "hours",
    "hours vs Washington DC": "hours",
    "months": "months",
    "months of performance baseline needed": "months",
    "weeks": "weeks",
    "years": "years",
    "rank": "rank",
    "rank of": "rank",
    "rank band": "rank_band",
    "% rating": "percent",
    "x base wage": "multiple",
    "x salary": "multiple",
    "x cheaper": "multiple",
    "x lower": "multiple",
    "ratio to UK agent salary": "ratio",
}


@dataclass(frozen=True)
class LocationUnit:
    """A location unit split into its canonical parts."""

    unit: str
    qualifier: str = ""
    pay_basis: str = ""
    currency: str = ""
    pay_period: str = ""


def parse_location_unit(unit: str) -> LocationUnit:
    """Upstream location unit -> canonical code, qualifier, gross/net, currency and pay period."""
    core, notes = _unit_notes(unit)
    core = core.split(";")[0].strip()
    qualifier = _qualifier_of(notes)
    basis = re.search(r"\b(gross|net)\b", core)
    core = re.sub(r"\s+\b(gross|net)\b", "", core).strip()
    if core.startswith("EF EPI score"):
        scale = "ef_epi_score_100" if "0-100" in unit else "ef_epi_score_800"
        return LocationUnit(scale)
    money = re.match(r"^([A-Z]{3})(?=\b)\s*(.*)$", core)
    if money:
        currency, rest = money.groups()
        return _money_unit(currency, rest, qualifier, basis.group(1) if basis else "")
    if core.startswith("%"):
        per_year = re.search(r"%\s*(?:/|per)\s*year|% terminated per year", core)
        return LocationUnit("percent_per_year" if per_year else "percent", qualifier)
    for prefix in sorted(COUNT_UNITS, key=len, reverse=True):
        if core == prefix or core.startswith(prefix + " "):
            return LocationUnit(COUNT_UNITS[prefix], qualifier)
    raise CurationError(f"location unit {unit!r} has no canonical code; add it to COUNT_UNITS")


def _money_unit(currency: str, rest: str, qualifier: str, basis: str) -> LocationUnit:
    code = currency.lower()
    rest = rest.replace(" per year", "/year").replace("per ", "per_").strip()
    scale = re.match(r"^(billion|million)\b\s*(.*)$", rest)
    if scale:
        code, rest = f"{code}_{scale.group(1)}", scale.group(2).strip()
    period = re.match(r"^/(hour|month|year|day)\b\s*(.*)$", rest)
    if period:
        per = _PER_PERIOD[period.group(1)]
        return LocationUnit(f"{code}_per_{per}", qualifier, basis, currency, per)
    suffix = slugify(rest.replace("/", " per "), 40).replace("-", "_")
    code = f"{code}_{suffix}" if suffix != "source" else code
    return LocationUnit(code, qualifier, basis, currency)


# ---------------------------------------------------------------------------- market
def classify_segment(segment: str) -> tuple[str, str]:
    """Upstream segment -> (segment_type, canonical segment)."""
    prefix = re.match(r"^(Service|Region|Vertical|Org size|Sourcing model):\s*(.+)$", segment)
    if prefix:
        family, label = prefix.groups()
        return rules.PREFIX_TYPES[family], rules.PREFIXED_LABELS.get(label, label)
    if segment in rules.SEGMENTS:
        return rules.SEGMENTS[segment]
    raise CurationError(
        f"market segment {segment!r} is not classified; add it to curation_rules.SEGMENTS"
    )


def total_bpo_definition(segment: str, publisher: str) -> str:
    """Market-definition family of a total-BPO figure."""
    if segment in rules.TOTAL_BPO_SEGMENT_DEFINITIONS:
        return rules.TOTAL_BPO_SEGMENT_DEFINITIONS[segment]
    for prefix, definition in rules.TOTAL_BPO_PUBLISHER_DEFINITIONS:
        if publisher.startswith(prefix):
            return definition
    return rules.DEFAULT_TOTAL_BPO_DEFINITION


def parse_cagr_period(period: str, year: str) -> tuple[str, str]:
    """``2026-2031`` / ``through 2031`` / ``to 2010`` / ``since 2003`` -> (start, end) years."""
    period = period.strip()
    span = re.match(r"^((?:19|20)\d{2})\s*-\s*((?:19|20)\d{2})\b", period)
    if span:
        return span.group(1), span.group(2)
    until = re.match(r"^(?:through|to)\s+((?:19|20)\d{2})$", period)
    if until:
        return "", until.group(1)
    since = re.match(r"^since\s+((?:19|20)\d{2})$", period)
    if since:  # "since 2003" runs to the figure's own year
        return since.group(1), year
    start = re.search(r"\(from\s+((?:19|20)\d{2})\)", period)
    return (start.group(1), "") if start else ("", "")


def _segment_qualifier(segment: str) -> str:
    _, inner = _outside_parens(segment)
    for word in ("preliminary", "target", "estimate", "potential"):
        if word in inner.lower():
            return "expected" if word == "potential" else word
    return ""


def curate_market(rows: Sequence[Row], sources: SourceRegistry) -> tuple[list[Row], list[Row]]:
    """Market rows -> (curated estimates, excluded rows)."""
    curated: list[Row] = []
    excluded: list[Row] = []
    for index, row in enumerate(rows, start=1):
        what = f"market_sources.csv row {index}"
        value, low, high = split_value(row["value"], what)
        point, cagr_low, cagr_high = split_value(row["cagr_pct"], what)
        cagr = point or cagr_low  # "7-12": the low end is cagr_pct, the high end beside it
        if not any((value, low, high, cagr, cagr_high)):
            excluded.append(_excluded("market_sources.csv", index, "no number", row))
            continue
        segment_type, segment = classify_segment(row["segment"])
        unit, share_of, qualifier = parse_market_unit(row["unit"])
        start, end = parse_cagr_period(row["forecast_period"], row["year"])
        curated.append(
            {
                "estimate_id": f"MKT-{index:04d}",
                "source_id": sources.register(row["publisher"], row["url"], row["report_or_page"]),
                "metric": row["metric"].strip(),
                "geography": row["geography"].strip(),
                "segment_type": segment_type,
                "segment": segment,
                "segment_as_stated": row["segment"].strip(),
                "definition": total_bpo_definition(row["segment"], row["publisher"])
                if segment_type == "total_bpo"
                else "",
                "year": _year(row["year"], what),
                "value": value,
                "value_low": low,
                "value_high": high,
                "unit": unit,
                "unit_as_stated": row["unit"].strip(),
                "share_of": share_of,
                "qualifier": qualifier or _segment_qualifier(row["segment"]),
                "is_forecast": _bool(row["is_forecast"], what),
                "cagr_pct": cagr,
                "cagr_pct_high": cagr_high,
                "cagr_period": row["forecast_period"].strip(),
                "cagr_start_year": start,
                "cagr_end_year": end,
                "superseded_by": "",
            }
        )
    _flag_restatements(curated, sources)
    return curated, excluded


def _flag_restatements(estimates: list[Row], sources: SourceRegistry) -> None:
    publisher_of = {row["source_id"]: row["publisher"] for row in sources.rows()}
    for prefix, geography, year, old, new in rules.RESTATEMENTS:

        def matching(value: str, prefix=prefix, geography=geography, year=year) -> list[Row]:
            return [
                row
                for row in estimates
                if publisher_of[row["source_id"]].startswith(prefix)
                and row["geography"] == geography
                and row["year"] == str(year)
                and row["value"] == value
            ]

        olds, news = matching(old), matching(new)
        if len(olds) != 1 or len(news) != 1:
            raise CurationError(
                f"restatement {prefix} {geography} {year}: expected one row with {old} and one"
                f" with {new}, found {len(olds)} and {len(news)}"
            )
        olds[0]["superseded_by"] = news[0]["estimate_id"]


# ---------------------------------------------------------------------------- kpi
REGIONS = {
    "US": "United States",
    "UK": "United Kingdom",
    "global": "Global",
    "UK/US": "United States/United Kingdom",
    "US/UK": "United States/United Kingdom",
    "US/Canada": "United States/Canada",
    "nearshore": "Nearshore",
    "offshore": "Offshore",
}


def split_region(region: str) -> tuple[str, str]:
    """``"global (Zendesk customers)"`` -> ("Global", "Zendesk customers")."""
    head, inner = _outside_parens(region)
    for suffix in (" consumers",):  # "UK consumers": the region is the UK, the population consumers
        if head.endswith(suffix):
            head, inner = head[: -len(suffix)], suffix.strip()
    return REGIONS.get(head, head), inner


# Definition variants that must never be averaged together, keyed by (kpi, unit).
SERIES: dict[tuple[str, str], str] = {
    ("customer_satisfaction", "percent_top_box"): "csat_top_box",
    ("customer_satisfaction", "percent_good_ratings"): "csat_percent_positive",
    ("customer_satisfaction", "percent_satisfied"): "csat_percent_positive",
    ("customer_satisfaction", "percent_rating_3plus_of_5"): "csat_percent_3plus_of_5",
    ("customer_satisfaction", "percent"): "csat_percent_unspecified",
    ("customer_satisfaction_acsi", "ACSI_0_100"): "csat_acsi_index",
    ("customer_satisfaction_index", "JDP_index_1000pt"): "csat_jdpower_index",
    ("agent_attrition", "percent_per_year"): "attrition_annual_unspecified",
    ("agent_attrition", "percent_per_24_months"): "attrition_per_24_months",
    ("agent_attrition_total", "percent_per_year"): "attrition_total_annual",
    ("agent_attrition_total", "percent_per_half_year"): "attrition_total_half_year",
    ("agent_attrition_voluntary", "percent_per_year"): "attrition_voluntary_annual",
    ("agent_attrition_voluntary", "percent_per_half_year"): "attrition_voluntary_half_year",
    ("agent_attrition_involuntary", "percent_per_year"): "attrition_involuntary_annual",
    ("average_handle_time", "minutes"): "aht_handle",
    ("average_talk_time", "minutes"): "aht_talk_only",
    ("outsourced_billing_rate", "USD_per_hour"): "price_per_agent_hour",
    ("outsourced_price_per_minute", "USD_per_minute"): "price_per_minute",
    ("cost_per_agent_hour", "USD_per_productive_hour"): "cost_per_productive_hour",
    ("cost_per_agent_seat", "USD_per_seat_per_month"): "cost_per_seat_month",
    ("agent_base_wage", "USD_per_hour"): "cost_wage_hourly",
    ("agent_salary", "PHP_per_month"): "cost_wage_monthly",
}
_OUTSOURCED = re.compile(r"outsourc|vendor|bpo")


def kpi_series(row: Row) -> str:
    """The definition family of a KPI figure (see ``data/raw/README.md``)."""
    kpi, unit = row["kpi"].strip(), row["unit"].strip()
    if kpi == "average_speed_of_answer":
        ring_only = "ring time only" in row["region"] or "Talkdesk" in row["publisher"]
        return "asa_ring_only" if ring_only else "asa_queue_inclusive"
    if kpi in {"cost_per_agent_hour", "cost_per_contact"} and (kpi, unit) not in SERIES:
        # what an outsourcer charges is a price; what a centre spends running itself is a cost
        basis = "price" if _OUTSOURCED.search(row["industry"]) else "cost"
        stem = "per_agent_hour" if kpi == "cost_per_agent_hour" else "per_contact"
        loaded = "_fully_loaded" if unit.endswith("fully_loaded") else ""
        return f"{basis}_{stem}{loaded}"
    return SERIES.get((kpi, unit), f"{kpi}:{unit.lower()}")


def curate_kpi(rows: Sequence[Row], sources: SourceRegistry) -> tuple[list[Row], list[Row]]:
    """KPI rows -> (curated benchmarks, excluded rows)."""
    curated: list[Row] = []
    excluded: list[Row] = []
    for index, row in enumerate(rows, start=1):
        what = f"kpi_benchmarks.csv row {index}"
        value = _number(row["value"], what)
        if not value:
            excluded.append(_excluded("kpi_benchmarks.csv", index, "no number", row))
            continue
        region, population = split_region(row["region"])
        curated.append(
            {
                "benchmark_id": f"KPI-{index:04d}",
                "source_id": sources.register(row["publisher"], row["url"]),
                "kpi": row["kpi"].strip(),
                "series": kpi_series(row),
                "unit": row["unit"].strip().lower(),
                "direction": row["direction"].strip(),
                "channel": row["channel"].strip(),
                "industry": row["industry"].strip(),
                "region": region,
                "population": population,
                "statistic": row["statistic"].strip(),
                "value": value,
                "year": _year(row["year"], what),
            }
        )
    return curated, excluded


# ---------------------------------------------------------------------------- location
def role_label(role: str) -> str:
    """Short role label: the text before any parenthetical attribution or note."""
    head, _ = _outside_parens(role)
    while "(" in head:
        head, _ = _outside_parens(head)
    return head.strip(" ,;")


def curate_location(rows: Sequence[Row], sources: SourceRegistry) -> tuple[list[Row], list[Row]]:
    """Location rows -> (curated location figures, excluded rows)."""
    curated: list[Row] = []
    excluded: list[Row] = []
    for index, row in enumerate(rows, start=1):
        what = f"location_costs.csv row {index}"
        numbers = [_number(row[c], what) for c in ("value", "value_low", "value_high")]
        if not any(numbers):
            excluded.append(_excluded("location_costs.csv", index, "no number", row))
            continue
        unit = parse_location_unit(row["unit"])
        year = row["year"].strip()
        approx = year.startswith("c.")
        currency = row["currency"].strip() or unit.currency
        if unit.currency and currency != unit.currency:
            raise CurationError(f"{what}: currency {currency} disagrees with unit {row['unit']!r}")
        curated.append(
            {
                "location_id": f"LOC-{index:04d}",
                "source_id": sources.register(row["publisher"], row["url"]),
                "country": row["country"].strip(),
                "metric": row["metric"].strip(),
                "role": role_label(row["role"]),
                "value": numbers[0],
                "value_low": numbers[1],
                "value_high": numbers[2],
                "unit": unit.unit,
                "unit_as_stated": row["unit"].strip(),
                "qualifier": unit.qualifier,
                "pay_basis": unit.pay_basis,
                "currency": currency,
                "pay_period": unit.pay_period,
                "year": _year(year[2:] if approx else year, what),
                "year_approx": "true" if approx else "false",
            }
        )
    return curated, excluded


# ---------------------------------------------------------------------------- workforce
def note_inputs(note: str, what: str) -> dict[str, str]:
    """The ``key=value`` inputs a workforce note states (only the keys the rules name)."""
    out = {key: "" for key in (*rules.WORKFORCE_NOTE_NUMBERS, *rules.WORKFORCE_NOTE_SLUGS)}
    for key, value in re.findall(r"\b([a-z_]+)=([^;,\s]+)", note):
        if key in rules.WORKFORCE_NOTE_NUMBERS:
            out[key] = _number(value.rstrip("."), f"{what} note {key}")
        elif key in rules.WORKFORCE_NOTE_SLUGS:
            out[key] = slugify(value, 60).replace("-", "_")
    return out


def workforce_judgement(row: Row) -> str:
    """The curation's code for a workforce row (``independent`` unless a rule names it)."""
    url, statistic = row["url"].strip(), row["statistic"].strip()
    return rules.WORKFORCE_JUDGEMENTS.get(
        (url, statistic), rules.WORKFORCE_JUDGEMENTS.get((url, "*"), rules.WORKFORCE_INDEPENDENT))


def curate_workforce(rows: Sequence[Row], sources: SourceRegistry) -> tuple[list[Row], list[Row]]:
    """additions/workforce.csv -> (planning parameters with their sources, excluded rows).

    Same columns as the KPI table plus the judgement (does the figure count towards a planning
    default?) and the worked-example inputs parsed from the note; the note's text is not kept.
    """
    curated: list[Row] = []
    excluded: list[Row] = []
    for index, row in enumerate(rows, start=1):
        what = f"workforce.csv row {index}"
        value = _number(row["value"], what)
        if not value:
            excluded.append(_excluded("workforce.csv", index, "no number", row))
            continue
        region, population = split_region(row["region"])
        inputs = note_inputs(row.get("note", ""), what)
        judgement = workforce_judgement(row)
        curated.append(
            {
                "planning_id": f"WFP-{index:04d}",
                "source_id": sources.register(row["publisher"], row["url"]),
                "parameter": row["kpi"].strip(),
                "component": inputs.pop("component"),
                "unit": row["unit"].strip().lower(),
                "direction": row["direction"].strip(),
                "channel": row["channel"].strip(),
                "industry": row["industry"].strip(),
                "region": region,
                "population": population,
                "statistic": row["statistic"].strip(),
                "value": value,
                "year": _year(row["year"], what),
                "judgement": judgement,
                "counts_for_default": str(judgement == rules.WORKFORCE_INDEPENDENT).lower(),
                **inputs,
            }
        )
    return curated, excluded


# ---------------------------------------------------------------------------- i/o
def _excluded(filename: str, index: int, reason: str, row: Row) -> Row:
    return {
        "upstream_file": filename,
        "upstream_row": str(index),
        "reason": reason,
        "publisher": row.get("publisher", ""),
        "url": row.get("url", ""),
    }


def read_upstream(path: Path) -> list[Row]:
    """Rows of an upstream CSV as stripped strings, in file order."""
    if not path.is_file():
        raise CurationError(f"upstream table {path} is missing; is ../shared/research present?")
    with path.open(newline="", encoding="utf-8") as handle:
        return [{k: (v or "") for k, v in row.items()} for row in csv.DictReader(handle)]


def write_table(path: Path, columns: Sequence[str], rows: Iterable[Row]) -> int:
    """Write rows with a fixed column order, ``\\n`` line ends and minimal quoting."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row[column] for column in columns])
            count += 1
    return count


Curator = Callable[[Sequence[Row], SourceRegistry], tuple[list[Row], list[Row]]]
_TABLES: tuple[tuple[str, str, Curator, tuple[str, ...]], ...] = (
    ("market", "market_estimates.csv", curate_market, MARKET_COLUMNS),
    ("kpi", "kpi_benchmarks.csv", curate_kpi, KPI_COLUMNS),
    ("location", "location_costs.csv", curate_location, LOCATION_COLUMNS),
    # Last, so its sources never renumber the other tables' source ids.
    ("workforce", "workforce_planning.csv", curate_workforce, WORKFORCE_COLUMNS),
)


def curate(source_dir: Path, dest_dir: Path) -> dict[str, int]:
    """Curate the upstream tables from ``source_dir`` into ``dest_dir``; row counts."""
    sources = SourceRegistry()
    counts: dict[str, int] = {}
    excluded: list[Row] = []
    outputs: list[tuple[str, tuple[str, ...], list[Row]]] = []
    for key, filename, curator, columns in _TABLES:
        rows, dropped = curator(read_upstream(Path(source_dir) / UPSTREAM[key]), sources)
        outputs.append((filename, columns, rows))
        excluded.extend(dropped)
    dest = Path(dest_dir)
    for filename, columns, rows in outputs:
        counts[filename.removesuffix(".csv")] = write_table(dest / filename, columns, rows)
    counts["sources"] = write_table(dest / "sources.csv", SOURCE_COLUMNS, sources.rows())
    counts["excluded_rows"] = write_table(dest / "excluded_rows.csv", EXCLUDED_COLUMNS, excluded)
    return counts


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m analysis.data.curate [--source DIR] [--dest DIR]``."""
    parser = argparse.ArgumentParser(prog="python -m analysis.data.curate", description=__doc__)
    parser.add_argument("--source", type=Path, default=None, help="upstream research folder")
    parser.add_argument("--dest", type=Path, default=None, help="output folder (data/raw)")
    args = parser.parse_args(argv)
    try:
        counts = curate(args.source or shared_research_dir(), args.dest or raw_dir())
    except CurationError as error:
        print(f"curation failed: {error}", file=sys.stderr)
        return 1
    for table, count in counts.items():
        print(f"{table}: {count} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
