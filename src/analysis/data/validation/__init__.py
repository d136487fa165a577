"""Data contracts: file-level checks and one Great Expectations suite per dataset and per
client export's canonical table.

Importing this package is cheap: Great Expectations is imported only when ``validate_all`` runs.
"""

from __future__ import annotations

from .report import Finding, ValidationReport
from .runner import main, validate_all, validate_clients

__all__ = ["Finding", "ValidationReport", "main", "validate_all", "validate_clients"]
