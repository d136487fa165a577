"""Scans of an export's raw text in blocks: over-long lines and mixed line endings."""

from __future__ import annotations

import io

import pytest

import analysis.data.client_exports.textscan as textscan
from analysis.data.client_exports.textscan import (
    LineScan,
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
