"""Scans of an export's raw text in blocks: over-long lines and mixed line endings."""

from __future__ import annotations

import io

import pytest

import analysis.data.client_exports.textscan as textscan
from analysis.data.client_exports.textscan import (
    LineScan,
    first_lone_cr,
    first_long_line,
    first_mixed_line_ending,
)


@pytest.mark.parametrize(("data", "expected"), [
    (b"ab\ncdef\nij", None),          # exactly the limit
    (b"ab\ncdefg\nij\n", (2, 5)),     # one byte over, inside one block
    (b"abcdefghij", (1, 10)),         # the file ends inside the long line
    (b"a\nb\nc\nd\nefghijklmnop\nq", (5, 12)),
    (b"\n\n\n", None),
])
@pytest.mark.parametrize("block", [1, 2, 3, 7, 64])
def test_long_line_is_found_whatever_the_block_boundaries(data, expected, block, monkeypatch):
    monkeypatch.setattr(textscan, "_SCAN_BLOCK", block)
    assert first_long_line(io.BytesIO(data), limit=4) == expected
    scan = LineScan(limit=4)  # fed in blocks larger than the limit, too
    scan.feed(data)
    assert scan.finish() == expected


@pytest.mark.parametrize(("data", "expected"), [
    (b"a\nb\nc\r\nd\n", (3, "CRLF", "LF")),
    (b"a\r\nb\r\nc\nd\r\n", (3, "LF", "CRLF")),
    (b"a\r\nb\r\nc\r\n", None),
    (b"a\nb\nc", None),
])
@pytest.mark.parametrize("block", [1, 2, 5, 64])
def test_first_line_whose_ending_differs(data, expected, block, monkeypatch):
    monkeypatch.setattr(textscan, "_SCAN_BLOCK", block)
    assert first_mixed_line_ending(io.BytesIO(data)) == expected


@pytest.mark.parametrize(("data", "lines", "crs"), [
    (b"a\nb\nc\n", 3, 0),
    (b"a\nb\nc", 3, 0),            # a last line without its newline still counts
    (b"a\r\nb\r\n", 2, 2),
    (b"a\rb\n", 1, 1),             # a CR-only end: lines the reader sees and the count does not
    (b"", 0, 0),
    (b"abcdefghij\nb\n", None, 0),  # a line too long: counting stopped, nothing to trust
])
@pytest.mark.parametrize("block", [1, 3, 64])
def test_physical_lines_and_carriage_returns_whatever_the_block_boundaries(data, lines, crs,
                                                                             block):
    """The typed parse numbers rows one per line when these counts say the file allows it."""
    scan = LineScan(limit=4)
    for start in range(0, len(data), block):
        scan.feed(data[start:start + block])
    assert scan.physical_lines() == lines
    if lines is not None:
        assert scan.crs == crs


@pytest.mark.parametrize(("data", "expected"), [
    (b"a\nb\rx\nc\n", 2),          # P8-A22: a lone CR inside line 2 of an LF file
    (b"a\r\nb\r\nc\rd\r\n", 3),   # inside a CRLF file
    (b"a\rb\rc\r", 1),             # CR-only line ends: the first line already has one
    (b"a\r\nb\r\n", None),
    (b"a\nb\n", None),
    (b"a\nb\r", 2),                # the file ends with a CR alone
])
@pytest.mark.parametrize("block", [1, 2, 3, 64])
def test_first_lone_carriage_return(data, expected, block, monkeypatch):
    monkeypatch.setattr(textscan, "_SCAN_BLOCK", block)
    assert first_lone_cr(io.BytesIO(data)) == expected
