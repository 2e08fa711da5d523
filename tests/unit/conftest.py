"""Fixtures for unit tests: the recorded captures of real BMCs."""

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("AIFACTORY_SHARED", REPO.parent / "shared"))
MOCKUPS = SHARED / "mockups"

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture
def mockup():
    """Return the folder of a capture under the shared mockups, or skip without them."""
    def find(name):
        folder = MOCKUPS / name
        if not folder.is_dir():
            pytest.skip("captures of real BMCs not found at %s" % MOCKUPS)
        return folder
    return find
