"""Setup shared by every test group: make the collection importable from this checkout.

Tests import the collection as ``ansible_collections.aifactory.infra`` and run Ansible
commands that resolve ``aifactory.infra.*`` names. Both need the repository under an
``ansible_collections/aifactory/infra`` path, so this file links the repository root there,
inside ``.build/collections`` (the ``collections_path`` of ansible.cfg). Through the link the
tests always see the current files, without rebuilding the collection. The demo installs
the built artifact in a separate directory (see scripts/install-collection.sh).
"""

import os
import shutil
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
COLLECTIONS_ROOT = REPO_ROOT / ".build" / "collections"


def _link_collection():
    """Point .build/collections/ansible_collections/aifactory/infra at the repository root."""
    link = COLLECTIONS_ROOT / "ansible_collections" / "aifactory" / "infra"

    if link.is_symlink() and link.resolve() == REPO_ROOT:
        return

    # Anything else at that path is an earlier build output: a stale copy of the collection
    # there would shadow the source under test.
    if link.is_symlink() or link.is_file():
        link.unlink()
    elif link.is_dir():
        shutil.rmtree(link)

    link.parent.mkdir(parents=True, exist_ok=True)
    try:
        link.symlink_to(REPO_ROOT, target_is_directory=True)
    except FileExistsError:
        # Another pytest-xdist worker created it first.
        pass


_link_collection()

if str(COLLECTIONS_ROOT) not in sys.path:
    sys.path.insert(0, str(COLLECTIONS_ROOT))

# The lab emulator (lab/) is a package at the repository root, outside the collection.
if str(REPO_ROOT) not in sys.path:
    sys.path.append(str(REPO_ROOT))

# Ansible commands that the tests start (ansible-playbook, ansible-inventory, ansible-doc)
# find the same linked collection and this repository's settings from any working directory.
os.environ.setdefault("ANSIBLE_COLLECTIONS_PATH", str(COLLECTIONS_ROOT))
os.environ.setdefault("ANSIBLE_CONFIG", str(REPO_ROOT / "ansible.cfg"))

# kube_cluster and kube_api_client: one lab API server for every test of the session that asks
# for them. A test module that imports the two fixtures instead gets a server of its own.
pytest_plugins = ["lab.kube.pytest_fixture"]


@pytest.fixture(scope="session")
def repo_root():
    """Return the repository root, which is also the collection root."""
    return REPO_ROOT
