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


class UnsafeInputError(DataValidationError, ConfigError):
    """An input names a path outside its allowed root (or an id that cannot be a file name).

    A ``DataValidationError`` on purpose: it is bad input, so ``bpo`` exits 1 and builds nothing;
    also a ``ConfigError``, so code that reports bad configs reports it the same way.
    """
