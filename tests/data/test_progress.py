"""Long parses say where they are; short ones and library callers print nothing.

A 100M-row export parses for minutes: the ``bpo`` command shows a line every
``PROGRESS_SECONDS`` with the rows read so far. Nothing listens unless a caller asks.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import small_export, small_row

from analysis.data import progress as progress_module
from analysis.data.client_exports import parse as parse_module
from analysis.data.client_exports import read_mapping
from analysis.data.client_exports.parse import parse_export


@pytest.fixture
def export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BPO_ROOT", str(tmp_path / "root"))
    source, _mapping = small_export(tmp_path, [small_row(f"c{n:03d}") for n in range(1, 11)])
    monkeypatch.setattr(parse_module, "_BATCH_ROWS", 3)  # four batches
    return source


def test_a_long_parse_says_its_rows_so_far(export: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    said: list[str] = []
    monkeypatch.setattr(progress_module, "PROGRESS_SECONDS", 0.0)  # every batch is "long"
    progress_module.show_progress(said.append)
    try:
        parse_export(export, read_mapping(export.with_name("m.yaml")), export.with_name("t.pq"))
    finally:
        progress_module.show_progress(None)
    counts = [int(m.group(1).replace(",", "")) for line in said
              if (m := re.fullmatch(rf"{re.escape(str(export))}: ([\d,]+) rows read "
                                    r"\([\d,]+ rows/s\)", line))]
    assert counts == [3, 6, 9, 10] and len(said) == 4


def test_nothing_is_said_unless_someone_listens_or_the_parse_is_long(
        export: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    said: list[str] = []
    mapping = read_mapping(export.with_name("m.yaml"))
    monkeypatch.setattr(progress_module, "PROGRESS_SECONDS", 0.0)
    parse_export(export, mapping, export.with_name("a.pq"))  # no listener: silent
    monkeypatch.setattr(progress_module, "PROGRESS_SECONDS", 3600.0)
    progress_module.show_progress(said.append)
    try:
        parse_export(export, mapping, export.with_name("b.pq"))  # listened to, but short
    finally:
        progress_module.show_progress(None)
    assert said == []

