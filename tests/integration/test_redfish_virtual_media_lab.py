"""redfish_virtual_media against the lab: four steps on slots with the quirks of real BMCs."""

import pytest

from four_steps import assert_idempotent, four_step_runs
from lifecycle_lab import bmc_state, connection, lifecycle_lab

# The lab never fetches images, so the URLs point at a reserved name that never resolves.
IMAGE = "https://images.lab.invalid/ubuntu-24.04-live-server-amd64.iso"
BMCS = [
    # As on Supermicro X12: free slots still show an old image name; InsertMedia rejects the defaults.
    {"name": "x12", "profile": "l40s-pcie", "flavour": "dell", "behaviours": {
        "virtual_media_quirks": {"stale_image": "old.iso", "reject_default_parameters": True}}},
    # NVIDIA DGX: InsertMedia requires credentials even for an anonymous share.
    {"name": "dgx", "profile": "hgx-h100", "flavour": "nvidia", "behaviours": {
        "virtual_media_quirks": {"require_credentials": True}}},
    # Lenovo XCC: slots without actions take the image by PATCH, with If-Match.
    {"name": "xcc", "profile": "cpu-mgmt", "flavour": "dell", "behaviours": {
        "virtual_media_quirks": {"patch_only": True}, "require_if_match": True}},
]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with lifecycle_lab(tmp_path_factory.mktemp("lab-media"), BMCS) as running_lab:
        yield running_lab


def test_virtual_media_four_steps_lab(lab, tmp_path):
    module = "aifactory.infra.redfish_virtual_media"
    runs = []
    for name in ("x12", "dgx", "xcc"):
        arguments = dict(connection(lab, name), image_url=IMAGE, media_type="cd")
        runs.append(("%s present" % name, module, arguments))
        runs.append(("%s absent" % name, module, dict(arguments, state="absent")))
    results = four_step_runs(runs, tmp_path)
    for steps in results.values():
        assert_idempotent(steps)

    for name in ("x12", "dgx", "xcc"):
        present = results["%s present" % name][1]
        assert present["image"] == IMAGE
        assert present["ejected"] == []
        assert results["%s absent" % name][1]["ejected"] == [IMAGE]
    assert results["x12 present"][1]["slot"] == "CD"
    assert results["xcc present"][1]["slot"] == "CD"


def test_virtual_media_left_inserted_lab(lab, tmp_path):
    arguments = dict(connection(lab, "dgx"), image_url=IMAGE)
    results = four_step_runs([("dgx", "aifactory.infra.redfish_virtual_media", arguments)], tmp_path)
    assert_idempotent(results["dgx"])
    slots = bmc_state(lab, "dgx")["virtual_media"]
    assert [slot["Image"] for slot in slots.values() if slot["Inserted"]] == [IMAGE]
