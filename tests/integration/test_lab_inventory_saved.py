"""The lab's inventory output equals the saved copy (regenerate it on purpose only)."""

import difflib

from lab_snapshot import SAVED, current_output


def test_lab_inventory_matches_saved_output():
    current = current_output()
    saved = SAVED.read_text(encoding="utf-8")
    diff = "".join(difflib.unified_diff(saved.splitlines(True), current.splitlines(True),
                                        "saved", "current", n=2))
    assert current == saved, (
        "The inventory output of inventories/lab changed. If the change is intended, run "
        "scripts/regenerate-lab-inventory.py and commit the new file.\n" + diff[:6000])
