"""Scans of an export's raw text in blocks: over-long lines, mixed line endings, lone carriage
returns, and the byte shape of UTF-16/UTF-32 text."""

from __future__ import annotations

import io

import pytest

import analysis.data.client_exports.textscan as textscan
from analysis.data.client_exports.textscan import (
    LineScan,
    first_lone_cr,
    first_long_line,
    first_mixed_line_ending,
    has_lone_cr,
    wide_text_shape,
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


@pytest.mark.parametrize(("line", "expected"), [
    (b"a;b\rc;d\re", True),   # CR-only line ends: the file's first "line" holds them all
    (b"a;b\r\n", False),
    (b"a;b\n", False),
    (b"a;b\r", True),          # the file ends with a CR alone
])
def test_a_raw_line_with_a_carriage_return_alone(line, expected):
    assert has_lone_cr(line) is expected


@pytest.mark.parametrize(("encoding", "expected"), [
    ("utf-16-le", ("UTF-16 (little-endian)", "utf-16-le")),
    ("utf-16-be", ("UTF-16 (big-endian)", "utf-16-be")),
    ("utf-16", ("UTF-16 (little-endian, with a byte-order mark)", "utf-16")),
    ("utf-32-le", ("UTF-32 (little-endian)", "utf-32-le")),
    ("utf-32-be", ("UTF-32 (big-endian)", "utf-32-be")),
    ("utf-8", None),
    ("cp1252", None),
])
@pytest.mark.parametrize("text", ["EXPORTED 2025-02-14;;;\r\n", "Call ID;Queue;Café\n"])
def test_the_first_line_of_wide_text_read_as_bytes_is_named(encoding, expected, text):
    data = text.encode(encoding)
    first = data[:data.index(b"\n") + 1]  # what readline() gives an 8-bit reader
    assert wide_text_shape(first) == expected


@pytest.mark.parametrize("line", [
    b"Call ID;Qu\x00eue;Wait\n",  # one NUL in a UTF-8 header: damaged, not UTF-16
    b"\x00\n", b"a\x00\n", b"",
    "呼叫;队列;等待\n".encode(),
])
def test_a_nul_here_and_there_is_not_wide_text(line):
    assert wide_text_shape(line) is None
