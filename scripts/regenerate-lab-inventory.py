#!/usr/bin/env python
"""Rewrite tests/integration/data/lab-inventory.json from the current code and lab.

Run it from the repository root with the project's virtualenv after a change that is meant
to alter the inventory output, and review the diff before committing:

    .venv/bin/python scripts/regenerate-lab-inventory.py && git diff --stat
"""

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "tests" / "integration"))
os.environ.setdefault("ANSIBLE_CONFIG", str(REPO / "ansible.cfg"))
os.environ.setdefault("ANSIBLE_COLLECTIONS_PATH", str(REPO / ".build" / "collections"))

from conftest import REPO_ROOT  # noqa: E402  (importing it links the collection into .build/collections)
from lab_snapshot import SAVED, current_output  # noqa: E402


def main():
    text = current_output()
    SAVED.parent.mkdir(parents=True, exist_ok=True)
    SAVED.write_text(text, encoding="utf-8")
    print("wrote %s (%d bytes)" % (SAVED.relative_to(REPO_ROOT), len(text)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
