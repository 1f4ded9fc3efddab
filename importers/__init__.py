"""Importers turning external activity data into Rapport CloudEvents.

* ``importers.linkedin.parse_export`` — LinkedIn data exports.
* ``importers.crm.parse_crm`` — CRM opportunity CSVs.
* ``importers.people.person_key`` — the contract's person key, reused by the platform.
"""

from importers.crm import CrmMapping, parse_crm
from importers.linkedin import parse_export
from importers.people import person_key
from importers.result import FileStats, ImportResult, Rejection

__all__ = [
    "CrmMapping",
    "FileStats",
    "ImportResult",
    "Rejection",
    "parse_crm",
    "parse_export",
    "person_key",
]
