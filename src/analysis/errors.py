"""One exception type per failure family, each with a message an analyst can act on."""

from __future__ import annotations


class BpoError(Exception):
    """Base class: every error the project raises on purpose."""


class DataValidationError(BpoError):
    """An input file breaks its data contract (file-level check or expectation suite)."""


class ConfigError(BpoError):
    """A client config or a parameter set is invalid."""


class BuildError(BpoError):
    """A notebook failed to execute or a report failed to publish."""


class CurationError(BpoError):
    """The upstream research tables could not be curated into ``data/raw``."""


class StaffingError(BpoError):
    """The staffing model cannot size a queue (bad input, or no finite staffing meets it)."""
