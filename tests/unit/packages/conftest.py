"""Shared fixtures of the package tests: a copy of a starter package to change."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

COURSES = Path(__file__).resolve().parents[3] / "courses"


@pytest.fixture
def potato(tmp_path):
    """A copy of the starter package potato-seed-and-yield that a test may edit."""
    folder = tmp_path / "potato"
    shutil.copytree(COURSES / "potato-seed-and-yield", folder)
    return folder
