"""The one place Great Expectations is imported: telemetry off, progress bars off.

Importing GX takes seconds, so only the runner imports this module, lazily, inside
``validate_all``; ``import analysis`` and report kernels never pay for it.
"""

from __future__ import annotations

import logging
import os
import warnings

# Must be set before the first GX import: GX reads it at import time.
os.environ["GX_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("TQDM_DISABLE", "1")

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.data_context.types.base import ProgressBarsConfig

logging.getLogger("great_expectations").setLevel(logging.ERROR)

__all__ = ["gx", "gxe", "ephemeral_context"]


def ephemeral_context() -> gx.data_context.AbstractDataContext:
    """An in-memory context (nothing written to disk) with every progress bar disabled."""
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(
        globally=False, metric_calculations=False
    )
    return context
