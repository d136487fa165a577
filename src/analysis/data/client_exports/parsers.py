"""Vectorised readers for messy export values: timestamps, durations, percentages, numbers.

Each reader takes a string Series (missing already ``NA``) and returns the typed Series. A value
that is present but unreadable raises ``UnparseableValue`` with its position, so the loader can
name the file line.
"""

from __future__ import annotations

import pandas as pd

from analysis.data.client_exports.mapping import DURATION_FORMATS, PERCENT_FORMATS, ColumnSpec


class UnparseableValue(ValueError):
    """A present value a reader could not read; ``position`` is its 0-based row position."""

    def __init__(self, position: int, value: str, reason: str) -> None:
        super().__init__(reason)
        self.position = position
        self.value = value
        self.reason = reason


def _reject_failures(raw: pd.Series, parsed: pd.Series, reason: str) -> pd.Series:
    bad = raw.notna().to_numpy() & parsed.isna().to_numpy()
    if bad.any():
        pos = int(bad.argmax())
        raise UnparseableValue(pos, str(raw.iloc[pos]), reason)
    return parsed


def parse_number(raw: pd.Series, decimal: str = ".", thousands: str | None = None) -> pd.Series:
    """Numbers with an optional decimal comma and thousands separator."""
    text = raw.str.strip()
    if thousands:
        text = text.str.replace(thousands, "", regex=False)
    if decimal != ".":
        text = text.str.replace(decimal, ".", regex=False)
    parsed = pd.to_numeric(text, errors="coerce").astype("float64")
    return _reject_failures(raw, parsed, "not a number")


_HMS = r"^\s*(\d+):([0-5]?\d):([0-5]?\d(?:[.,]\d+)?)\s*$"
_MS = r"^\s*(\d+):([0-5]?\d(?:[.,]\d+)?)\s*$"


def parse_duration(raw: pd.Series, fmt: str, decimal: str = ".") -> pd.Series:
    """Durations in seconds from ``seconds``, ``minutes``, ``hms``, ``ms`` or ``day_fraction``."""
    if fmt not in DURATION_FORMATS:
        raise ValueError(f"unknown duration format '{fmt}' (use one of {DURATION_FORMATS})")
    if fmt in ("hms", "ms"):
        parts = raw.str.extract(_HMS if fmt == "hms" else _MS)
        parts = parts.apply(lambda c: pd.to_numeric(c.str.replace(",", "."), errors="coerce"))
        if fmt == "hms":
            seconds = parts[0] * 3600 + parts[1] * 60 + parts[2]
        else:
            seconds = parts[0] * 60 + parts[1]
        label = "H:MM:SS" if fmt == "hms" else "M:SS"
        return _reject_failures(raw, seconds.astype("float64"), f"not a {label} duration")
    number = parse_number(raw, decimal)
    scale = {"seconds": 1.0, "minutes": 60.0, "day_fraction": 86400.0}[fmt]
    seconds = number * scale
    negative = (seconds < 0).fillna(False).to_numpy()
    if negative.any():
        pos = int(negative.argmax())
        raise UnparseableValue(pos, str(raw.iloc[pos]), "negative duration")
    return seconds


def parse_percent(raw: pd.Series, fmt: str = "percent", decimal: str = ".") -> pd.Series:
    """Percentages on a 0-100 scale from text like ``85%``, ``85,0 %`` or ``0.85`` (fraction)."""
    if fmt not in PERCENT_FORMATS:
        raise ValueError(f"unknown percent format '{fmt}' (use one of {PERCENT_FORMATS})")
    text = raw.str.replace("%", "", regex=False).str.replace("\u00a0", "", regex=False)
    # "85,0 %" carries a decimal comma even in files whose numbers otherwise use a dot.
    text = text.str.strip().str.replace(",", ".", regex=False)
    value = pd.to_numeric(text, errors="coerce").astype("float64")
    value = _reject_failures(raw, value, "not a percentage")
    return value * 100 if fmt == "fraction" else value


def parse_timestamp(raw: pd.Series, fmt: str | None) -> pd.Series:
    """Timestamps from a ``strftime`` pattern, ``iso``, or integer ``yymmdd`` / ``yyyymmdd``."""
    text = raw.str.strip()
    name = (fmt or "iso").lower()
    if name in ("yymmdd", "yyyymmdd"):
        width = 6 if name == "yymmdd" else 8
        # Integer dates lose their leading zero (050101 → 50101); pad back before parsing.
        digits = text.str.replace(r"\.0$", "", regex=True).str.zfill(width)
        ok = digits.str.fullmatch(rf"\d{{{width}}}").fillna(False)
        pattern = "%y%m%d" if width == 6 else "%Y%m%d"
        parsed = pd.to_datetime(digits.where(ok), format=pattern, errors="coerce")
        label = name.upper() + " date"
    elif name == "iso":
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
        label = "ISO 8601 timestamp"
    else:
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
        label = f"timestamp in format '{fmt}'"
    parsed = parsed.astype("datetime64[us]")
    return _reject_failures(raw, parsed, f"not a {label}")


def parse_bool(raw: pd.Series, spec: ColumnSpec) -> pd.Series:
    """Booleans from the spec's true/false spellings (case-insensitive)."""
    low = raw.str.strip().str.lower()
    trues = {v.lower() for v in spec.true_values}
    falses = {v.lower() for v in spec.false_values}
    out = pd.Series(pd.NA, index=raw.index, dtype="boolean")
    out[low.isin(trues).fillna(False)] = True
    out[low.isin(falses).fillna(False)] = False
    return _reject_failures(raw, out, f"not a yes/no value (true: {sorted(trues)}, false: "
                            f"{sorted(falses)})")


def map_values(raw: pd.Series, values: dict[str, str]) -> pd.Series:
    """Apply a value mapping; an unmapped present value is rejected, not passed through."""
    key = raw.str.strip()
    mapped = key.map(values).astype("str")
    mapped = mapped.where(key.notna() & key.isin(list(values)))
    return _reject_failures(raw, mapped, f"not one of the mapped values {sorted(values)}")
