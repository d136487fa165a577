"""The characters no name, id or text from data may hold: one definition for every check.

C0 controls and DEL break terminals and CSV lines; C1 controls (U+0080-U+009F: NEL, CSI, ...)
are read as line breaks or escape sequences by some terminals and viewers; bidirectional
overrides and isolates (U+202A-U+202E, U+2066-U+2069) make text display in an order other than
the one stored, so ``Billing\\u202eecnavda`` reads as another name (a spoofing trick). The
client name (``pipeline/config.py``), research CSV text (``validation/suites.py``) and client
export text columns (``client_exports/schema.py``, checked in DuckDB) all use this set.
"""

from __future__ import annotations

import re

FORBIDDEN_RANGES: tuple[tuple[int, int], ...] = (
    (0x0000, 0x001F),  # C0 controls
    (0x007F, 0x009F),  # DEL and the C1 controls
    (0x202A, 0x202E),  # bidirectional embeddings and overrides
    (0x2066, 0x2069),  # bidirectional isolates
)

FORBIDDEN_WORDING = ("control or direction-changing characters (U+0000 to U+001F, U+007F to "
                     "U+009F, U+202A to U+202E, U+2066 to U+2069)")
"""How a refusal names the set."""

FORBIDDEN_RE2 = "[" + "".join(f"\\x{{{lo:X}}}-\\x{{{hi:X}}}" for lo, hi in FORBIDDEN_RANGES) + "]"
"""The set as an RE2 character class (DuckDB's ``regexp_matches``)."""

FORBIDDEN = re.compile(
    "[" + "".join(f"\\u{lo:04X}-\\u{hi:04X}" for lo, hi in FORBIDDEN_RANGES) + "]")
"""The set as a Python regular expression."""


def first_forbidden(text: str) -> tuple[int, str] | None:
    """``(1-based position, 'U+XXXX')`` of the first forbidden character of ``text``, or None."""
    found = FORBIDDEN.search(text)
    if found is None:
        return None
    return found.start() + 1, f"U+{ord(found.group()):04X}"
