"""Where the test data lives: committed fixtures, and the real corpus in ``shared/`` beside the
repository (never copied into it). A missing corpus FAILS the test, it is never skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LINKEDIN_FIXTURES = FIXTURES / "linkedin"
CRM_FIXTURES = FIXTURES / "crm"
SHARED = Path(__file__).resolve().parents[2].parent / "shared"


def shared_data(*parts: str) -> Path:
    """A path under ``shared/data``; fails the calling test when it is missing."""
    path = SHARED.joinpath("data", *parts)
    if not path.exists():
        pytest.fail(
            f"real-data corpus not found at {path}: the shared/ folder must sit beside the "
            "repository clone (CI provides it)",
            pytrace=False,
        )
    return path


def linkedin_corpus_folders() -> list[Path]:
    """Every export folder of the LinkedIn corpus (one per source repository)."""
    root = shared_data("linkedin")
    folders = sorted(path for path in root.iterdir() if path.is_dir())
    if not folders:
        pytest.fail(f"no export folders under {root}", pytrace=False)
    return folders
