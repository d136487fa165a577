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
from pathlib import Path
from typing import Any

from analysis.errors import ConfigError

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


def escaped(text: str) -> str:
    """``text`` with every forbidden character written as its escape (``\\x1b``, ``\\n``,
    ``\\u202e``): what a terminal prints of text that came from data, so no escape sequence
    runs and no newline starts a line that looks like the program's own."""
    return FORBIDDEN.sub(lambda found: found.group().encode("unicode_escape").decode("ascii"),
                         text)


def forbidden_in_tree(data: Any, allowed: frozenset[str] = frozenset(),
                      _key: str = "") -> tuple[str, int, str] | None:
    """The first forbidden character in any key or text value of a loaded YAML document, as
    ``(dotted key, 1-based position, 'U+XXXX')``, or None (the key itself escaped).

    Every text of a mapping or a config may end up printed or published (a reason, a label, a
    sheet name, a map key), so every one is checked, whatever its key; ``allowed`` names the
    dotted keys whose value may hold such a character on purpose (a tab ``delimiter``).
    """
    if isinstance(data, dict):
        for name, value in data.items():
            key = f"{_key}.{name}" if _key else str(name)
            if isinstance(name, str) and (found := first_forbidden(name)):
                return escaped(key), *found
            if key not in allowed and (found_in := forbidden_in_tree(value, allowed, key)):
                return found_in
    elif isinstance(data, list):
        for index, value in enumerate(data):
            if found_in := forbidden_in_tree(value, allowed, f"{_key}.{index}"):
                return found_in
    elif isinstance(data, str) and (found := first_forbidden(data)):
        return escaped(_key) or "(top level)", *found
    return None


def refuse_control_text(data: Any, path: Path, allowed: frozenset[str] = frozenset()) -> None:
    """``ConfigError`` naming the file, the key and the character when any text of a loaded
    mapping or config holds a control or direction-changing character (text_rules.py).

    Any of that text can be printed (``bpo validate`` states each exclusion's reason) or
    published (labels, names): an escape sequence would rewrite the terminal and a newline
    would forge a line of its own (P5-M11), so it is refused before anything reads it.
    """
    found = forbidden_in_tree(data, allowed)
    if found is not None:
        key, position, code = found
        raise ConfigError(f"{path}: key '{key}': contains the control or formatting character "
                          f"{code} at position {position} [no_control_characters]: text in a "
                          f"mapping or config is printed and published, so it must not contain "
                          f"{FORBIDDEN_WORDING}")
