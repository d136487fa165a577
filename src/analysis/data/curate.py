"""Curate the upstream research tables into the cited, typed tables in ``data/raw``.

``python -m analysis.data.curate [--source DIR] [--dest DIR]`` reads
``market_sources.csv``, ``kpi_benchmarks.csv`` and ``location_costs.csv`` and the second
collection round in ``additions/`` (same columns plus ``note``, and ``fx_rates.csv``), and writes
``sources.csv``, ``market_estimates.csv``, ``kpi_benchmarks.csv``, ``location_costs.csv``,
``exchange_rates.csv``, ``workforce_planning.csv`` (from ``additions/workforce.csv``) and
``excluded_rows.csv``. Each output :class:`Table` lists the upstream
files (:class:`Origin`) it is curated from; additions rows follow the primary ones with their
own id prefix, so existing ids stay stable. The run is deterministic: same input,
byte-identical output. Numbers are carried as written upstream (never rounded); each row keeps
its source, the errata of ``curation_rules.ERRATA`` are applied with a ``curation_note``, and
rows without any usable number are listed in ``excluded_rows.csv`` with file, line and reason.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from analysis.data import curation_rules as rules
from analysis.errors import CurationError
from analysis.paths import raw_dir, shared_research_dir

ADDITIONS = "additions"

SOURCE_COLUMNS = (
    "source_id", "publisher", "relayed_by", "attribution", "title", "url", "year",
    "reliability_tier", "year_basis",
)  # fmt: skip
MARKET_COLUMNS = (
    "estimate_id", "source_id", "metric", "geography", "segment_type", "segment",
    "segment_as_stated", "definition", "year", "value", "value_low", "value_high", "unit",
    "unit_as_stated", "share_of", "qualifier", "is_forecast", "cagr_pct", "cagr_pct_high",
    "cagr_period", "cagr_start_year", "cagr_end_year", "superseded_by", "cagr_qualifier",
    "evidence_group", "curation_note",
)  # fmt: skip
KPI_COLUMNS = (
    "benchmark_id", "source_id", "kpi", "series", "unit", "direction", "channel", "industry",
    "region", "population", "statistic", "value", "year", "value_as_stated", "qualifier",
    "evidence_group", "curation_note",
)  # fmt: skip
LOCATION_COLUMNS = (
    "location_id", "source_id", "country", "metric", "role", "value", "value_low", "value_high",
    "unit", "unit_as_stated", "qualifier", "pay_basis", "currency", "pay_period", "year",
    "year_approx", "evidence_group", "curation_note",
)  # fmt: skip
WORKFORCE_COLUMNS = (
    "planning_id", "source_id", "parameter", "component", "unit", "direction", "channel",
    "industry", "region", "population", "statistic", "value", "year", "judgement",
    "counts_for_default", *rules.WORKFORCE_NOTE_NUMBERS,
)  # fmt: skip
EXCHANGE_RATE_COLUMNS = (
    "rate_id", "source_id", "currency", "year", "rate", "quote", "basis", "usable",
    "curation_note",
)  # fmt: skip
EXCLUDED_COLUMNS = ("upstream_file", "upstream_row", "upstream_line", "reason", "publisher", "url")

Row = dict[str, str]
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_NUMBER_WITH_NOTE = re.compile(r"(-?\d+(?:\.\d+)?)\s*\(([^()]+)\)")
_MIN_SEC = re.compile(r"(\d+):([0-5]\d)")
_CJK_NUMERALS = re.compile(r"[兆億亿万]")
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


# A dated URL path ("/2022/05/30/", "/2024/06/slug"): the page's publication date, as blogs and
# news sites write it. Year and month must both be there, so "/2030/" in a slug is not a date.
_URL_DATE = re.compile(r"^https?://[^/?#]+(?:/[^/?#]*)*?/((?:19|20)\d{2})/(0[1-9]|1[0-2])(?:/|$)")


def source_year(attribution: str, title: str, url: str = "") -> tuple[str, str]:
    """Publication year of a page and what established it, first match wins: the one year named
    in the attribution (``attribution``), else a dated title suffix (``title``), else a
    ``/YYYY/MM/`` date in the URL path (``url_date``); ``("", "")`` when none states one."""
    years = set(_YEAR.findall(attribution))
    if len(years) == 1 and not re.search(r"(?:19|20)\d{2}\s*[-/]\s*\d{2,4}", attribution):
        return years.pop(), "attribution"
    dated = re.search(r"\((?:updated\s+)?[A-Z][a-z]{2,8}\s+((?:19|20)\d{2})\)$", title)
    if dated:
        return dated.group(1), "title"
    in_url = _URL_DATE.match(url.strip())
    return (in_url.group(1), "url_date") if in_url else ("", "")


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

    def register(
        self, attribution: str, url: str, title: str = "", low_reliability: bool = False
    ) -> str:
        """The ``source_id`` of a source, registering it on first sight.

        ``low_reliability`` (an upstream note marks the page unreliable) puts the source in the
        lowest tier, whatever its attribution says.
        """
        key = (attribution.strip(), url.strip(), title.strip())
        if key in self._rows:
            if low_reliability:
                self._rows[key]["reliability_tier"] = "aggregator"
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
            "reliability_tier": "aggregator" if low_reliability else parsed.tier,
        }
        self._rows[key]["year"], self._rows[key]["year_basis"] = source_year(
            key[0], key[2], key[1])
        return source_id

    def register_row(self, row: Row, title: str = "") -> str:
        """Register the source of one upstream row (publisher, url and the row's note)."""
        low = bool(rules.LOW_RELIABILITY_NOTE.search(row.get("note", "")))
        low = low or row["url"].strip() in rules.LOW_RELIABILITY_URLS
        return self.register(row["publisher"], row["url"], title, low_reliability=low)

    def year_of(self, source_id: str) -> str:
        """Publication year of a registered source ('' when the source states none)."""
        for row in self._rows.values():
            if row["source_id"] == source_id:
                return row["year"]
        raise CurationError(f"unknown source_id {source_id!r}")

    def rows(self) -> list[Row]:
        return sorted(self._rows.values(), key=lambda row: row["source_id"])


# ---------------------------------------------------------------------------- numbers
def _number(text: str, what: str) -> str:
    """A number exactly as written upstream (validated, never reformatted)."""
    text = text.strip()
    if text and not _NUMBER.fullmatch(text):
        raise CurationError(f"{what}: {text!r} is not a number")
    return text


def number_note(text: str) -> tuple[str, str]:
    """``"10 (about)"`` -> ("10", "about"); a plain number keeps an empty qualifier."""
    match = _NUMBER_WITH_NOTE.fullmatch(text.strip())
    if match:
        return match.group(1), _qualifier_of([match.group(2)])
    return text.strip(), ""


def parse_min_sec(text: str) -> str:
    """A ``min:sec`` duration as whole seconds: ``"9:13"`` -> ``"553"`` (not 9.13 minutes)."""
    match = _MIN_SEC.fullmatch(text.strip())
    if not match:
        raise CurationError(f"{text!r} is not a min:sec duration")
    return str(int(match.group(1)) * 60 + int(match.group(2)))


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
    "roughly": "approx",
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
    "USD trillion": "usd_trillion",
    "USD billion": "usd_billion",
    # 億 / 亿 = 10^8: the figure stays as written, the unit says the scale
    "USD 億": "usd_100_million",
    "USD 亿": "usd_100_million",
    "JPY 億": "jpy_100_million",
    "CNY 亿": "cny_100_million",
    "EUR billion": "eur_billion",
    "EUR million": "eur_million",
    "GBP billion": "gbp_billion",
    "million": "million_employees",
    "jobs": "jobs",
    "%": "percent",
    "% YoY revenue": "percent_yoy",
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
    if re.fullmatch(r"(?:through|to)\s+(?:19|20)\d{2}", core):
        return "", "", ""  # a CAGR row naming its period where the unit goes: no unit
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
    "seats": "seats",
    "operators": "agents",
    "young people employed": "employees",
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
    "x contract price": "multiple",
    "x contract rate": "multiple",
    "x national minimum wage": "multiple",
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
    if re.match(r"^%\s*over six months", core):
        return LocationUnit("percent_per_half_year", qualifier)
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


@dataclass(frozen=True)
class Origin:
    """One upstream file a curated table reads: its label (path under the research folder,
    as ``excluded_rows.csv`` names it) and the id prefix of its rows (``MKT-`` -> ``MKT-0001``,
    ``MKT-A`` -> ``MKT-A0001``)."""

    label: str
    id_prefix: str

    def row_id(self, index: int) -> str:
        return f"{self.id_prefix}{index:04d}"


@contextmanager
def _at(what: str) -> Iterator[None]:
    """Prefix a curation error with the upstream file and line it concerns."""
    try:
        yield
    except CurationError as error:
        raise CurationError(f"{what}: {error}") from error


def _erratum(origin: Origin, index: int, row: Row) -> tuple[Row, rules.Erratum | None]:
    """The upstream row with its erratum's corrections applied, and the erratum (if any).

    An erratum names its row by file and line and states values the row must hold, so a
    shifted or edited upstream file stops curation instead of correcting the wrong row.
    """
    erratum = rules.ERRATA.get((origin.label, index + 1))
    if erratum is None:
        return row, None
    for column, expected in erratum.expect.items():
        if row.get(column, "").strip() != expected:
            raise CurationError(
                f"{origin.label} line {index + 1}: erratum expects {column}={expected!r}, "
                f"found {row.get(column, '')!r}; check curation_rules.ERRATA"
            )
    return {**row, **erratum.upstream}, erratum


def _finish_row(record: Row, origin: Origin, index: int, erratum: rules.Erratum | None) -> Row:
    """Apply an erratum's corrections of curated columns; keep the row's origin for later rules."""
    notes = []
    if erratum is not None:
        record.update(erratum.curated)
        notes.append(erratum.reason)
    record["curation_note"] = "; ".join(notes)
    record["evidence_group"] = ""
    record["_origin"], record["_line"] = origin.label, str(index + 1)
    return record


def _kept_rows(
    rows: Sequence[Row], origin: Origin, excluded: list[Row]
) -> Iterator[tuple[int, str, Row, rules.Erratum | None]]:
    """Each upstream row with its errata applied, as (index, "file line N", row, erratum);
    a row an erratum excludes goes to ``excluded`` with its reason instead."""
    for index, raw in enumerate(rows, start=1):
        row, erratum = _erratum(origin, index, raw)
        if erratum is not None and erratum.exclude:
            excluded.append(_excluded(origin.label, index, erratum.reason, row))
            continue
        yield index, f"{origin.label} line {index + 1}", row, erratum


def curate_market(
    rows: Sequence[Row], sources: SourceRegistry, origin: Origin
) -> tuple[list[Row], list[Row]]:
    """Market rows of one upstream file -> (curated estimates, excluded rows)."""
    curated: list[Row] = []
    excluded: list[Row] = []
    for index, what, row, erratum in _kept_rows(rows, origin, excluded):
        if _CJK_NUMERALS.search(row["value"]):
            excluded.append(_excluded(origin.label, index, rules.REASON_CJK_MIXED_UNITS, row))
            continue
        value_text, value_qualifier = number_note(row["value"])
        cagr_text, cagr_qualifier = number_note(row["cagr_pct"])
        value, low, high = split_value(value_text, what)
        point, cagr_low, cagr_high = split_value(cagr_text, what)
        cagr = point or cagr_low  # "7-12": the low end is cagr_pct, the high end beside it
        if not any((value, low, high, cagr, cagr_high)):
            excluded.append(_excluded(origin.label, index, "no number", row))
            continue
        with _at(what):
            segment_type, segment = classify_segment(row["segment"])
            unit, share_of, qualifier = parse_market_unit(row["unit"])
        start, end = parse_cagr_period(row["forecast_period"], row["year"])
        record = {
            "estimate_id": origin.row_id(index),
            "source_id": sources.register_row(row, row["report_or_page"]),
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
            "qualifier": qualifier or value_qualifier or _segment_qualifier(row["segment"]),
            "is_forecast": _bool(row["is_forecast"], what),
            "cagr_pct": cagr,
            "cagr_pct_high": cagr_high,
            "cagr_period": row["forecast_period"].strip(),
            "cagr_start_year": start,
            "cagr_end_year": end,
            "superseded_by": "",
            "cagr_qualifier": cagr_qualifier,
        }
        curated.append(_finish_row(record, origin, index, erratum))
    return curated, excluded


def finish_market(estimates: list[Row], sources: SourceRegistry) -> None:
    """Rules across every market origin: restatements, estimates vs forecasts, evidence groups."""
    _flag_restatements(estimates, sources)
    for row in estimates:
        published = sources.year_of(row["source_id"])
        own_year_or_earlier = bool(row["year"] and published) and int(row["year"]) <= int(
            published or 0
        )
        if row["is_forecast"] == "true" and own_year_or_earlier:  # an estimate, not a forecast
            row["is_forecast"] = "false"
            _add_note(row, rules.NOTE_ESTIMATE_NOT_FORECAST)
    assign_evidence_groups(estimates)


def _add_note(row: Row, note: str) -> None:
    row["curation_note"] = "; ".join(n for n in (row["curation_note"], note) if n)


def assign_evidence_groups(rows: list[Row]) -> None:
    """``evidence_group``: the rows' source unless ``rules.EVIDENCE_GROUPS`` says several rows
    (or several sources) are one piece of evidence; analyses count a group once."""
    placed = {(origin, line): group for group, members in rules.EVIDENCE_GROUPS.items()
              for origin, line in members}
    found: set[tuple[str, int]] = set()
    for row in rows:
        key = (row["_origin"], int(row["_line"]))
        group = placed.get(key)
        if group is not None:
            found.add(key)
        row["evidence_group"] = group or row["source_id"]
    tables = {row["_origin"] for row in rows}
    missing = sorted(k for k in placed if k[0] in tables and k not in found)
    if missing:
        raise CurationError(f"evidence groups name rows that are not curated: {missing}")


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
    # a ``min:sec`` handle time is curated in seconds: the same definition, another unit
    ("average_handle_time", "seconds"): "aht_handle",
    ("average_talk_time", "minutes"): "aht_talk_only",
    ("average_talk_time", "seconds"): "aht_talk_only",
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


def _benchmark_fields(row: Row, value: str, what: str) -> Row:
    """The columns a KPI benchmark and a workforce-planning figure share: direction, segment
    (channel, industry, region and population), statistic, value and year."""
    region, population = split_region(row["region"])
    return {
        "direction": row["direction"].strip(),
        "channel": row["channel"].strip(),
        "industry": row["industry"].strip(),
        "region": region,
        "population": population,
        "statistic": row["statistic"].strip(),
        "value": value,
        "year": _year(row["year"], what),
    }


def curate_kpi(
    rows: Sequence[Row], sources: SourceRegistry, origin: Origin
) -> tuple[list[Row], list[Row]]:
    """KPI rows of one upstream file -> (curated benchmarks, excluded rows)."""
    curated: list[Row] = []
    excluded: list[Row] = []
    for index, what, row, erratum in _kept_rows(rows, origin, excluded):
        unit = row["unit"].strip()
        if unit == "min:sec":  # "9:13" is 9 min 13 s: carried as whole seconds
            with _at(what):
                value, unit = parse_min_sec(row["value"]), "seconds"
        else:
            value = _number(row["value"], what)
        if not value:
            excluded.append(_excluded(origin.label, index, "no number", row))
            continue
        record = {
            "benchmark_id": origin.row_id(index),
            "source_id": sources.register_row(row),
            "kpi": row["kpi"].strip(),
            "series": kpi_series({**row, "unit": unit}),
            "unit": unit.lower(),
            **_benchmark_fields(row, value, what),
            "value_as_stated": row["value"].strip() if value != row["value"].strip() else "",
            "qualifier": "",
        }
        curated.append(_finish_row(record, origin, index, erratum))
    return curated, excluded


def finish_evidence(rows: list[Row], sources: SourceRegistry) -> None:
    """Rules across every origin of a KPI or location table: evidence groups."""
    assign_evidence_groups(rows)


# ---------------------------------------------------------------------------- location
def role_label(role: str) -> str:
    """Short role label: the text before any parenthetical attribution or note."""
    head, _ = _outside_parens(role)
    while "(" in head:
        head, _ = _outside_parens(head)
    return head.strip(" ,;")


def curate_location(
    rows: Sequence[Row], sources: SourceRegistry, origin: Origin
) -> tuple[list[Row], list[Row]]:
    """Location rows of one upstream file -> (curated location figures, excluded rows)."""
    curated: list[Row] = []
    excluded: list[Row] = []
    for index, what, row, erratum in _kept_rows(rows, origin, excluded):
        numbers = [_number(row[c], what) for c in ("value", "value_low", "value_high")]
        if not any(numbers):
            excluded.append(_excluded(origin.label, index, "no number", row))
            continue
        with _at(what):
            unit = parse_location_unit(row["unit"])
        year = row["year"].strip()
        approx = year.startswith("c.")
        currency = row["currency"].strip() or unit.currency
        if unit.currency and currency != unit.currency:
            raise CurationError(f"{what}: currency {currency} disagrees with unit {row['unit']!r}")
        record = {
            "location_id": origin.row_id(index),
            "source_id": sources.register_row(row),
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
        curated.append(_finish_row(record, origin, index, erratum))
    return curated, excluded


# ---------------------------------------------------------------------------- exchange rates
def curate_exchange_rates(
    rows: Sequence[Row], sources: SourceRegistry, origin: Origin
) -> tuple[list[Row], list[Row]]:
    """Official exchange rates (``currency,per_usd,year,basis,...``) -> cited rate rows.

    The rate is carried as written. ``quote`` says which way it reads (GBP and EUR are stated
    as USD per unit on the Federal Reserve table), ``basis`` whether it is an annual average;
    only annual averages are ``usable`` for converting an annual or monthly wage.
    """
    curated: list[Row] = []
    for index, raw in enumerate(rows, start=1):
        what = f"{origin.label} line {index + 1}"
        row, erratum = _erratum(origin, index, raw)
        currency = row["currency"].strip()
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise CurationError(f"{what}: currency {currency!r} is not an ISO 4217 code")
        basis, basis_note = rules.FX_BASIS.get(currency, ("annual_average", ""))
        if basis == "annual_average" and row["basis"].strip() != "annual average":
            raise CurationError(f"{what}: basis {row['basis']!r} has no rule in FX_BASIS")
        quote = "usd_per_local" if currency in rules.FX_USD_PER_UNIT else "local_per_usd"
        record = {
            "rate_id": origin.row_id(index),
            "source_id": sources.register_row(row),
            "currency": currency,
            "year": _year(row["year"], what),
            "rate": _number(row["per_usd"], what),
            "quote": quote,
            "basis": basis,
            "usable": "true" if basis == "annual_average" else "false",
        }
        _finish_row(record, origin, index, erratum)
        if basis_note:
            _add_note(record, basis_note)
        curated.append(record)
    return curated, []


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


def curate_workforce(
    rows: Sequence[Row], sources: SourceRegistry, origin: Origin
) -> tuple[list[Row], list[Row]]:
    """additions/workforce.csv -> (planning parameters with their sources, excluded rows).

    Same columns as the KPI table plus the judgement (does the figure count towards a planning
    default?) and the worked-example inputs parsed from the note; the note's text is not kept.
    """
    curated: list[Row] = []
    excluded: list[Row] = []
    for index, row in enumerate(rows, start=1):
        what = f"{origin.label} line {index + 1}"
        value = _number(row["value"], what)
        if not value:
            excluded.append(_excluded(origin.label, index, "no number", row))
            continue
        inputs = note_inputs(row.get("note", ""), what)
        judgement = workforce_judgement(row)
        curated.append(
            {
                "planning_id": origin.row_id(index),
                "source_id": sources.register(row["publisher"], row["url"]),
                "parameter": row["kpi"].strip(),
                "component": inputs.pop("component"),
                "unit": row["unit"].strip().lower(),
                **_benchmark_fields(row, value, what),
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
        "upstream_line": str(index + 1),
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


Curator = Callable[[Sequence[Row], SourceRegistry, Origin], tuple[list[Row], list[Row]]]
Finisher = Callable[[list[Row], SourceRegistry], None]


@dataclass(frozen=True)
class Table:
    """One curated output: the upstream files it reads (in order), how a file's rows are
    curated, and the rules that need every origin's rows at once (``finish``)."""

    output: str
    columns: tuple[str, ...]
    curator: Curator
    origins: tuple[Origin, ...]
    finish: Finisher | None = None


# A new curated table is one more entry here (its origins, curator and columns).
TABLES: tuple[Table, ...] = (
    Table("market_estimates.csv", MARKET_COLUMNS, curate_market,
          (Origin("market_sources.csv", "MKT-"),
           Origin(f"{ADDITIONS}/market_sources.csv", "MKT-A")), finish_market),
    Table("kpi_benchmarks.csv", KPI_COLUMNS, curate_kpi,
          (Origin("kpi_benchmarks.csv", "KPI-"),
           Origin(f"{ADDITIONS}/kpi_benchmarks.csv", "KPI-A")), finish_evidence),
    Table("location_costs.csv", LOCATION_COLUMNS, curate_location,
          (Origin("location_costs.csv", "LOC-"),
           Origin(f"{ADDITIONS}/location_costs.csv", "LOC-A")), finish_evidence),
    Table("exchange_rates.csv", EXCHANGE_RATE_COLUMNS, curate_exchange_rates,
          (Origin(f"{ADDITIONS}/fx_rates.csv", "FX-A"),)),
    Table("workforce_planning.csv", WORKFORCE_COLUMNS, curate_workforce,
          (Origin(f"{ADDITIONS}/workforce.csv", "WFP-"),)),
)  # fmt: skip


def curate(source_dir: Path, dest_dir: Path) -> dict[str, int]:
    """Curate every table of :data:`TABLES` from ``source_dir`` into ``dest_dir``; row counts.

    Nothing is written until every table has curated, so a failure leaves ``dest_dir`` as it was.
    """
    sources = SourceRegistry()
    counts: dict[str, int] = {}
    excluded: list[Row] = []
    outputs: list[tuple[str, tuple[str, ...], list[Row]]] = []
    rows: dict[str, list[Row]] = {table.output: [] for table in TABLES}
    # Round by round (every table's first origin, then every second one...), so sources keep
    # the ids they had before a later collection round was added.
    for round_ in range(max(len(table.origins) for table in TABLES)):
        for table in TABLES:
            if round_ >= len(table.origins):
                continue
            origin = table.origins[round_]
            curated, dropped = table.curator(
                read_upstream(Path(source_dir) / origin.label), sources, origin
            )
            rows[table.output].extend(curated)
            excluded.extend(dropped)
    for table in TABLES:
        if table.finish is not None:
            table.finish(rows[table.output], sources)
        outputs.append((table.output, table.columns, rows[table.output]))
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
