"""Limits a workbook (a zip of XML parts) must meet before openpyxl opens it.

openpyxl inflates a sheet part as it reads it, so a zip bomb (a few MB that inflate to GBs)
ties up the run for minutes and its memory. The zip's central directory states each part's
compressed and inflated size: it is read first, and a part over either limit is refused by
name. Python's ``zipfile`` never inflates a part past the size its directory states, so the
stated size is a real bound.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from analysis.errors import DataValidationError

MAX_PART_BYTES = 1 << 30
"""Largest inflated part (1 GiB): a full sheet of 1,048,576 rows of a typical export is a few
hundred MB of XML."""

MAX_RATIO = 200
"""Largest inflated/compressed ratio of a part over ``RATIO_FROM_BYTES``: sheet XML compresses
about 5-20:1, a zip bomb by 1,000:1 or more."""

RATIO_FROM_BYTES = 1 << 20
"""Parts smaller than this inflated are not judged by ratio (tiny XML compresses very well)."""


def check_workbook_parts(source: Path) -> None:
    """``DataValidationError`` (one line, naming the part) for a part too big or too
    compressed; a file that is not a zip is left to openpyxl's own message."""
    try:
        with zipfile.ZipFile(source) as book:
            parts = book.infolist()
    except (zipfile.BadZipFile, OSError):
        return
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        too_big = part.file_size > MAX_PART_BYTES
        if too_big or (part.file_size > RATIO_FROM_BYTES and ratio > MAX_RATIO):
            raise DataValidationError(
                f"{source}: workbook part '{part.filename[:200]}' inflates to "
                f"{part.file_size:,} bytes from {part.compress_size:,} ({ratio:,.0f}:1); a part "
                f"may be at most {MAX_PART_BYTES:,} bytes and {MAX_RATIO}:1, so the workbook "
                "was not opened (a zip bomb or a damaged file)")
