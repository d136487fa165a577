"""Test suite set-up: the tests mirror the package's layers (``data/``, ``research/``,
``views/``, ``pipeline/``); cross-cutting tests (CLI, packaging, layering, browser) sit here.

``helpers.py`` is shared by every folder, so this folder goes on ``sys.path`` whatever import
mode pytest runs in.
"""

from __future__ import annotations

import sys
from pathlib import Path

_TESTS = str(Path(__file__).resolve().parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)
