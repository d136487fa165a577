"""A client's RFP responses: criteria, each vendor's answers and rate cards, read and checked.

An RFP folder (``data/raw/clients/<client>/rfp/``) holds three CSV files; a file may carry a
prefix such as ``EXAMPLE_`` (example data says so in its name):

* ``*criteria.csv``: ``criterion, label, kind, scale_min, scale_max, description``; ``kind`` is
  ``score`` (a number on ``scale_min``-``scale_max``) or a gate kind: ``yes_no`` (a
  certification, GDPR readiness), ``all_of`` / ``any_of`` (``;``-separated lists: languages,
  delivery locations), ``minimum`` (a number: capacity in FTE);
* ``*responses.csv``: ``vendor, criterion, value, evidence``: one answer per vendor and
  criterion, with the evidence the score rests on;
* ``*rate_cards.csv``: ``vendor, location, rate_usd_hour, share, evidence``: the vendor's price
  per agent hour in each delivery location and the share of the work it proposes there (shares
  sum to 1 per vendor).

Anything wrong is a ``DataValidationError`` naming the file, line, column and rule. Nothing is
written anywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.data.text_rules import FORBIDDEN_WORDING, first_forbidden
from analysis.errors import DataValidationError
from analysis.paths import contained

SCORE = "score"
KINDS = ("score", "yes_no", "all_of", "any_of", "minimum")
FILES = {
    "criteria": ("criterion", "label", "kind", "scale_min", "scale_max", "description"),
    "responses": ("vendor", "criterion", "value", "evidence"),
    "rate_cards": ("vendor", "location", "rate_usd_hour", "share", "evidence"),
}
MAX_BYTES = 5 * 1024 * 1024
YES_NO = ("yes", "no")


@dataclass(frozen=True)
class Rfp:
    """One client's RFP: the three tables and the files they came from."""

    folder: Path
    criteria: pd.DataFrame
    responses: pd.DataFrame
    rate_cards: pd.DataFrame
    files: dict[str, Path]

    @property
    def vendors(self) -> list[str]:
        return list(dict.fromkeys(self.responses["vendor"]))

    @property
    def score_criteria(self) -> list[str]:
        return list(self.criteria.loc[self.criteria["kind"] == SCORE, "criterion"])

    @property
    def is_example(self) -> bool:
        """Example data says so in its file names."""
        return any(p.name.lower().startswith("example") for p in self.files.values())

    def scores(self) -> pd.DataFrame:
        """Score answers as numbers, with the criterion's label and scale."""
        rows = self.responses[self.responses["criterion"].isin(self.score_criteria)]
        merged = rows.merge(self.criteria, on="criterion")
        return merged.assign(value=merged["value"].astype(float))


def _fail(file: Path, line: int | None, column: str | None, rule: str, detail: str) -> None:
    where = f"{file}" + (f": line {line}" if line else "") + (
        f", column '{column}'" if column else "")
    raise DataValidationError(f"{where}: {detail} (rule: {rule})")


def _find(folder: Path, kind: str) -> Path:
    found = sorted(folder.glob(f"*{kind}.csv"))
    if len(found) != 1:
        _fail(folder, None, None, "one_file_per_table",
              f"expected one *{kind}.csv, found {len(found)}")
    # A symlink out of the folder (to /etc/passwd, say) is refused like an export's (P4-V09).
    return contained(found[0], folder, where=str(found[0]), key=f"{kind} file")


def _read(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    if path.stat().st_size > MAX_BYTES:
        _fail(path, None, None, "size", f"file is over {MAX_BYTES // 1024 // 1024} MB")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except UnicodeDecodeError as error:
        # P6-E07: the codec's own words ("can't decode byte 0xff") said nothing of the fix.
        _fail(path, None, None, "utf8", f"the file is not UTF-8 text (byte {error.start + 1} "
              "cannot be read as UTF-8; a UTF-16 save starts with 0xFF 0xFE): save it as "
              "'CSV UTF-8'")
    except pd.errors.ParserError as error:
        _fail(path, None, None, "readable_csv", " ".join(str(error).split()))
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        _fail(path, 1, missing[0], "header", f"missing column; header must be "
              f"{', '.join(columns)}")
    frame = frame[list(columns)].apply(lambda s: s.str.strip())
    frame.insert(0, "line", range(2, len(frame) + 2))
    for column in columns:
        # Every text is published (HTML, PDF, data pack): the one forbidden set of
        # ``text_rules`` applies here as to configs, mappings and exports (P6-E04).
        for line, value in zip(frame["line"], frame[column], strict=True):
            if found := first_forbidden(value):
                _fail(path, line, column, "no_control_characters",
                      f"contains {FORBIDDEN_WORDING}: {found[1]} at character {found[0]}")
    return frame


def _number(path: Path, row: pd.Series, column: str) -> float:
    try:
        value = float(row[column])
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        _fail(path, int(row["line"]), column, "number", f"value {row[column]!r} is not a "
              "finite number")
    return value


def _exact(value: float) -> str:
    """A number as short as it can be shown without changing it: 5.0000001 rounded to "5" by
    ``:g`` made "score 5 ... is outside the scale 1-5" contradict itself (P7-E04)."""
    short = f"{value:g}"
    return short if float(short) == value else repr(value)


def _check_criteria(path: Path, frame: pd.DataFrame) -> pd.DataFrame:
    seen: set[str] = set()
    lows, highs = [], []
    for _, row in frame.iterrows():
        line = int(row["line"])
        if not row["criterion"]:
            _fail(path, line, "criterion", "not_null", "criterion is empty")
        if row["criterion"] in seen:
            _fail(path, line, "criterion", "unique", f"criterion {row['criterion']!r} repeats")
        seen.add(row["criterion"])
        if row["kind"] not in KINDS:
            _fail(path, line, "kind", "allowed_values", f"kind {row['kind']!r} is not one of "
                  f"{', '.join(KINDS)}")
        low = high = math.nan
        if row["kind"] == SCORE:
            low, high = _number(path, row, "scale_min"), _number(path, row, "scale_max")
            if high <= low:
                _fail(path, line, "scale_max", "scale",
                      f"scale {_exact(low)}-{_exact(high)} is empty")
        lows.append(low)
        highs.append(high)
    return frame.assign(scale_min=lows, scale_max=highs)


def _check_responses(path: Path, frame: pd.DataFrame, criteria: pd.DataFrame) -> None:
    by_name = criteria.set_index("criterion")
    seen: set[tuple[str, str]] = set()
    for _, row in frame.iterrows():
        line = int(row["line"])
        if not row["vendor"]:
            _fail(path, line, "vendor", "not_null", "vendor is empty")
        if row["criterion"] not in by_name.index:
            _fail(path, line, "criterion", "known_criterion", f"criterion {row['criterion']!r} "
                  "is not in the criteria file")
        key = (row["vendor"], row["criterion"])
        if key in seen:
            _fail(path, line, "criterion", "unique", f"{key[0]} answers {key[1]!r} twice")
        seen.add(key)
        spec = by_name.loc[row["criterion"]]
        if spec["kind"] == SCORE:
            value = _number(path, row, "value")
            if not spec["scale_min"] <= value <= spec["scale_max"]:
                _fail(path, line, "value", "scale", f"score {row['value'].strip()} for "
                      f"{row['criterion']!r} is outside the stated scale "
                      f"{_exact(spec['scale_min'])}-{_exact(spec['scale_max'])}")
        elif spec["kind"] == "minimum":
            _number(path, row, "value")
        elif spec["kind"] == "yes_no" and row["value"].lower() not in YES_NO:
            _fail(path, line, "value", "yes_no", f"value {row['value']!r} must be yes or no")
    vendors = dict.fromkeys(frame["vendor"])
    for vendor in vendors:
        answered = set(frame.loc[frame["vendor"] == vendor, "criterion"])
        missing = [c for c in by_name.index if c not in answered]
        if missing:
            _fail(path, None, "criterion", "complete", f"vendor {vendor!r} has no answer for "
                  f"{', '.join(missing)}")


def _check_rates(path: Path, frame: pd.DataFrame, vendors: list[str]) -> pd.DataFrame:
    rates, shares = [], []
    for _, row in frame.iterrows():
        line = int(row["line"])
        if row["vendor"] not in vendors:
            _fail(path, line, "vendor", "known_vendor", f"vendor {row['vendor']!r} has no RFP "
                  "responses")
        rate, share = _number(path, row, "rate_usd_hour"), _number(path, row, "share")
        if rate <= 0:
            _fail(path, line, "rate_usd_hour", "positive", f"rate {_exact(rate)} must be above 0")
        if not 0 <= share <= 1:
            _fail(path, line, "share", "share", f"share {_exact(share)} must be between 0 and 1")
        rates.append(rate)
        shares.append(share)
    frame = frame.assign(rate_usd_hour=rates, share=shares)
    for vendor in vendors:
        total = frame.loc[frame["vendor"] == vendor, "share"].sum()
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            _fail(path, None, "share", "shares_sum_to_1", f"vendor {vendor!r}'s shares sum to "
                  f"{total:.10g}, not 1")  # a sum: its last digits are float noise
    return frame


def read_rfp(folder: Path) -> Rfp:
    """Read and check one RFP folder (see the module docstring for its files)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataValidationError(f"{folder}: RFP folder not found (rule: exists)")
    files = {kind: _find(folder, kind) for kind in FILES}
    criteria = _check_criteria(files["criteria"], _read(files["criteria"], FILES["criteria"]))
    responses = _read(files["responses"], FILES["responses"])
    _check_responses(files["responses"], responses, criteria)
    vendors = list(dict.fromkeys(responses["vendor"]))
    rates = _check_rates(files["rate_cards"], _read(files["rate_cards"], FILES["rate_cards"]),
                         vendors)
    return Rfp(folder, criteria, responses, rates, files)
