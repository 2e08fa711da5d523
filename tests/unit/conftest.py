"""Fixtures for unit tests: the recorded captures of real BMCs."""

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("AIFACTORY_SHARED", REPO.parent / "shared"))
MOCKUPS = SHARED / "mockups"

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _collections_root():
    """Make ``ansible_collections.aifactory.infra`` importable from this checkout."""
    root = REPO / ".build" / "collections"
    link = root / "ansible_collections" / "aifactory" / "infra"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(REPO, target_is_directory=True)
    return root


if str(_collections_root()) not in sys.path:
    sys.path.insert(0, str(_collections_root()))


@pytest.fixture
def mockup():
    """Return the folder of a capture under the shared mockups, or skip without them."""
    def find(name):
        folder = MOCKUPS / name
        if not folder.is_dir():
            pytest.skip("captures of real BMCs not found at %s" % MOCKUPS)
        return folder
    return find
