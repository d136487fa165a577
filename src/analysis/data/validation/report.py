"""What a validation run found, in plain language: findings, the report object, its lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from analysis.data.text_rules import escaped
from analysis.errors import DataValidationError

CRITICAL = "critical"
WARNING = "warning"
SAMPLE_SIZE = 5


@dataclass(frozen=True)
class Finding:
    """One failed expectation or file-level check, ready to print or to put in an appendix."""

    file: str
    column: str | None
    rule: str
    description: str
    severity: str
    bad_rows: int | None = None
    sample: tuple[tuple[int | None, object], ...] = ()
    # The file line of each sampled row when it is not row + 1 (a client export's preamble,
    # dropped blank lines); empty for the research tables, whose header is line 1.
    lines: tuple[int | None, ...] = ()

    @property
    def line(self) -> str:
        """One line an analyst can act on: file, column, rule, count and sample of bad rows."""
        where = f"{self.file}, column '{self.column}'" if self.column else self.file
        text = f"{self.severity.upper()} {where}: {self.description} [{self.rule}]"
        if self.bad_rows:
            noun = "row" if self.bad_rows == 1 else "rows"
            text += f": {self.bad_rows} bad {noun}"
        if self.sample:
            shown = "; ".join(
                f"row {row} (line {line}) = {value!r}" if row is not None
                else f"line {line} = {value!r}" if line is not None else repr(value)
                for (row, value), line in zip(self.sample[:SAMPLE_SIZE], self._lines, strict=True)
            )
            text += f", e.g. {shown}"
        return text

    @property
    def _lines(self) -> list[int | None]:
        """The file line of each sampled row (row + 1 unless ``lines`` says otherwise)."""
        if self.lines:
            return list(self.lines[: len(self.sample)])
        return [row + 1 if row is not None else None for row, _value in self.sample]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (also the structured warning for the data-quality appendix)."""
        return {
            "file": self.file,
            "column": self.column,
            "rule": self.rule,
            "description": self.description,
            "severity": self.severity,
            "bad_rows": self.bad_rows,
            "sample": [
                {"row": row, "line": line, "value": value}
                for (row, value), line in zip(self.sample, self._lines, strict=True)
            ],
            "message": self.line,
        }


@dataclass
class ValidationReport:
    """The outcome of ``validate_all``: success means no critical finding."""

    findings: list[Finding]
    result_dir: Path
    run_id: str
    datasets: dict[str, int] = field(default_factory=dict)
    excluded: dict[str, dict[str, int]] = field(default_factory=dict)
    """Client exports' rows left out by their mapping's exclusion rules: dataset -> rule -> rows."""
    skipped: list[str] = field(default_factory=list)
    """Client folders not validated in this run (not among the clients being built)."""

    @property
    def success(self) -> bool:
        """True when nothing critical failed (warnings do not block)."""
        return not any(f.severity == CRITICAL for f in self.findings)

    @property
    def critical(self) -> list[Finding]:
        """Findings that block every downstream step."""
        return [f for f in self.findings if f.severity == CRITICAL]

    @property
    def warnings(self) -> list[Finding]:
        """Findings kept for the report's data-quality appendix."""
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def summary_lines(self) -> list[str]:
        """One plain-language line per failed expectation or file check, critical first."""
        return [f.line for f in self.critical + self.warnings]

    @property
    def notes(self) -> list[str]:
        """Lines that are not findings: rows left out by exclusion rules, clients skipped."""
        lines = [f"excluded {rows} row(s) of {dataset}: {rule}"
                 for dataset, rules in sorted(self.excluded.items())
                 for rule, rows in sorted(rules.items())]
        if self.skipped:
            lines.append("client exports not validated (not being built): "
                         + ", ".join(self.skipped))
        return lines

    def raise_for_failure(self) -> None:
        """Raise ``DataValidationError`` listing every critical finding, if there is one."""
        if not self.success:
            # One finding per line: a newline inside a finding is escaped, so none can start a
            # line of its own (escaped, text_rules.py); the CLI prints the rest line by line.
            lines = "\n".join(escaped(f.line) for f in self.critical)
            raise DataValidationError(
                f"data validation failed ({len(self.critical)} critical); fix data/raw:\n{lines}"
                f"\nfull results: {self.result_dir / 'index.html'}"
            )
