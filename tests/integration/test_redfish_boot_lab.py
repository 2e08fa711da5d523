"""redfish_boot against the lab: four steps on BMCs with and without settings objects and quirks."""

import time

import pytest

from four_steps import assert_idempotent, four_step_runs
from lab.testing import Client
from lifecycle_lab import FAST_POWER, bmc_state, connection, lifecycle_lab

BMCS = [
    # Dell iDRAC 10: Boot changes only through the system's settings object.
    {"name": "settings", "profile": "cpu-mgmt", "flavour": "dell",
     "behaviours": {"power": FAST_POWER, "boot_settings": True}},
    {"name": "plain", "profile": "hgx-h100", "flavour": "nvidia", "behaviours": {"power": FAST_POWER}},
    # Supermicro X10: no boot mode; a PATCH without Enabled resets it to Once.
    {"name": "x10", "profile": "cpu-mgmt", "flavour": "supermicro",
     "behaviours": {"boot_quirks": {"no_mode": True, "target_resets_enabled": True}}},
    # HPE iLO 5: the boot mode is not writable; success comes inside an "error" object.
    {"name": "ilo", "profile": "cpu-mgmt", "flavour": "nvidia",
     "behaviours": {"boot_quirks": {"mode_read_only": True, "success_in_error": True}, "require_if_match": True}},
]
DELL_SYSTEM = "/redfish/v1/Systems/System.Embedded.1"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with lifecycle_lab(tmp_path_factory.mktemp("lab-boot"), BMCS) as running_lab:
        yield running_lab


def test_boot_four_steps_lab(lab, tmp_path):
    module = "aifactory.infra.redfish_boot"
    runs = [
        ("settings pxe once", module, dict(connection(lab, "settings"), override_target="pxe")),
        ("plain pxe once uefi", module, dict(connection(lab, "plain"), override_target="pxe", boot_mode="uefi")),
        ("x10 hdd continuous", module, dict(connection(lab, "x10"), override_target="hdd",
                                            override_enabled="continuous")),
        ("ilo cd once", module, dict(connection(lab, "ilo"), override_target="cd")),
        ("settings boot order", module, dict(connection(lab, "settings"), boot_order=["Boot0002"])),
    ]
    results = four_step_runs(runs, tmp_path)
    for steps in results.values():
        assert_idempotent(steps)

    settings = results["settings pxe once"]
    assert settings[1]["settings_uri"] == DELL_SYSTEM + "/Settings"
    assert [step["reboot_required"] for step in settings] == [True, True, True, True]
    assert results["plain pxe once uefi"][1]["boot"]["BootSourceOverrideTarget"] == "Pxe"
    assert results["x10 hdd continuous"][1]["boot"] == {"BootSourceOverrideEnabled": "Continuous",
                                                        "BootSourceOverrideTarget": "Hdd"}
    assert results["settings boot order"][1]["boot"]["BootOrder"] == ["Boot0002", "Boot0001"]


def test_boot_settings_apply_on_reset_lab(lab, tmp_path):
    results = four_step_runs([("settings", "aifactory.infra.redfish_boot",
                               dict(connection(lab, "settings"), override_target="cd", override_enabled="continuous"))],
                             tmp_path)
    assert_idempotent(results["settings"])
    current = bmc_state(lab, "settings")["systems"]["System.Embedded.1"]["Boot"]
    assert current["BootSourceOverrideTarget"] != "Cd"

    client = Client(lab, "settings")
    response = client.post(DELL_SYSTEM + "/Actions/ComputerSystem.Reset", {"ResetType": "ForceRestart"})
    assert response.status_code == 204
    client.close()

    # The restart (0.2 s in this lab) moves the pending values into the system.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        current = bmc_state(lab, "settings")["systems"]["System.Embedded.1"]["Boot"]
        if current["BootSourceOverrideTarget"] == "Cd":
            break
        time.sleep(0.1)
    assert current["BootSourceOverrideTarget"] == "Cd"
    assert current["BootSourceOverrideEnabled"] == "Continuous"
