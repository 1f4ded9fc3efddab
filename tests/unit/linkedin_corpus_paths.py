"""Where the test data lives: all of it is committed under tests/fixtures, so the tests read only
the repository. ``linkedin/corpus`` is the real-export corpus with its personal data anonymised
(``python -m importers.anonymise``, docs/imports.md); ``crm/maven`` is the Maven Analytics sample
(a fictional public data set) as published. A missing fixture FAILS the test, it is never skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LINKEDIN_FIXTURES = FIXTURES / "linkedin"
LINKEDIN_CORPUS = LINKEDIN_FIXTURES / "corpus"
CRM_FIXTURES = FIXTURES / "crm"
MAVEN_PIPELINE = CRM_FIXTURES / "maven" / "sales_pipeline.csv"


def fixture(path: Path) -> Path:
    """``path``, failing the calling test when it is missing."""
    if not path.exists():
        pytest.fail(f"test fixture missing: {path}", pytrace=False)
    return path


def linkedin_corpus_folders() -> list[Path]:
    """Every export folder of the anonymised LinkedIn corpus (one per source export)."""
    root = fixture(LINKEDIN_CORPUS)
    folders = sorted(path for path in root.iterdir() if path.is_dir())
    if not folders:
        pytest.fail(f"no export folders under {root}", pytrace=False)
    return folders
