"""``python -m analysis.data.validation``: validate data/raw, exit 1 on a critical failure."""

from __future__ import annotations

import sys

from .runner import main

sys.exit(main())
