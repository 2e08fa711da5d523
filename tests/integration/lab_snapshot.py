"""The `ansible-inventory --list` output of inventories/lab against the demo lab.

Shared by the test that compares it with the saved copy and by
scripts/regenerate-lab-inventory.py, which rewrites that copy.  The lab runs on free ports
so that it never collides with a lab started by hand; the URLs in the output are mapped back
to the ports of lab/factory.yml, which inventories/lab uses.
"""

import json
import shutil
import tempfile
from pathlib import Path

import yaml

from helpers import REPO, run_inventory

from lab import runner

SAVED = Path(__file__).resolve().parent / "data" / "lab-inventory.json"


def current_output():
    """Start the demo lab on free ports and return the normalised inventory as text."""
    factory = yaml.safe_load((REPO / "lab" / "factory.yml").read_text())
    original_urls = {}
    for bmc in factory["bmcs"]:
        original_urls[bmc["name"]] = "https://127.0.0.1:%d" % bmc.pop("port")
    factory["defaults"]["base_port"] = 0
    factory["control_port"] = 0

    workdir = Path(tempfile.mkdtemp(prefix="lab-inventory-"))
    try:
        with runner.running(factory, state_dir=workdir / "lab") as lab:
            actual_urls = {endpoint["name"]: endpoint["url"] for endpoint in lab.endpoints}
            config = yaml.safe_load((REPO / "inventories" / "lab" / "bmc.redfish.yml").read_text())
            for endpoint in config["endpoints"]:
                endpoint["url"] = actual_urls[endpoint["name"]]
            config["ca_path"] = str(lab.ca)
            inventory_dir = workdir / "inventory"
            shutil.copytree(REPO / "inventories" / "lab", inventory_dir)
            (inventory_dir / "bmc.redfish.yml").unlink()
            inventory, completed = run_inventory(config, inventory_dir, source=inventory_dir)
        if inventory is None:
            raise RuntimeError("ansible-inventory failed:\n" + completed.stderr)
        text = json.dumps(inventory, indent=2, sort_keys=True)
        for name, url in actual_urls.items():
            text = text.replace('"%s"' % url, '"%s"' % original_urls[name])
        return text + "\n"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
