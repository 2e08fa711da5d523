"""redfish_bios against the lab: four steps through a settings object, pending values, the registry."""

import pytest

from four_steps import assert_idempotent, four_step_runs, run_tasks
from lifecycle_lab import FAST_POWER, bmc_state, connection, lifecycle_lab

BIOS = "/redfish/v1/Systems/System.Embedded.1/Bios"
GPU_PROFILE = {"ProcVirtualization": "Enabled", "IommuSupport": "Enabled", "SriovGlobalEnable": "Enabled",
               "MmioAbove4Gb": "Enabled", "NumaNodesPerSocket": 2}
BMCS = [
    # Weak ETags required on PATCH, and a burst of 503 responses with Retry-After at the start.
    {"name": "bios", "profile": "hgx-h100", "flavour": "dell",
     "faults": {"error_burst": {"status": 503, "count": 2, "retry_after": 1}},
     "behaviours": {"power": FAST_POWER, "bios_settings": {"full_copy": True}, "require_if_match": {"weak": True}}},
]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with lifecycle_lab(tmp_path_factory.mktemp("lab-bios"), BMCS) as running_lab:
        yield running_lab


def test_bios_four_steps_lab(lab, tmp_path):
    arguments = dict(connection(lab, "bios"), attributes=GPU_PROFILE, apply_time="on_reset")
    results = four_step_runs([("gpu profile", "aifactory.infra.redfish_bios", arguments)], tmp_path)
    steps = results["gpu profile"]
    assert_idempotent(steps)
    # The Dell flavour has virtualisation and SR-IOV on already: only the rest is sent.
    assert steps[1]["attributes"] == {"IommuSupport": "Enabled", "MmioAbove4Gb": "Enabled", "NumaNodesPerSocket": 2}
    assert steps[1]["registry_checked"] is True
    assert [step["reboot_required"] for step in steps] == [True, True, True, True]
    assert bmc_state(lab, "bios")["bios"][BIOS]["pending"]["MmioAbove4Gb"] == "Enabled"
    # The first two requests got 503 with Retry-After and were retried.
    assert lab.control("GET", "/lab/v1/bmcs/bios/faults")["burst_used"] == 2


def test_bios_applied_after_restart_lab(lab, tmp_path):
    power = dict(connection(lab, "bios"), state="restart", wait_timeout=20, poll_interval=0.2)
    bios = dict(connection(lab, "bios"), attributes=GPU_PROFILE)
    tasks = [
        {"aifactory.infra.redfish_bios": bios, "register": "before"},
        {"aifactory.infra.redfish_power": power, "register": "restart"},
        {"ansible.builtin.pause": {"seconds": 1}},
        {"aifactory.infra.redfish_bios": bios, "register": "after"},
    ]
    results, process = run_tasks(tasks, tmp_path, "restart")
    assert process.returncode == 0, process.stdout[-4000:]
    assert results["before"]["changed"] is False
    assert results["before"]["reboot_required"] is True
    assert results["after"]["changed"] is False
    assert results["after"]["reboot_required"] is False
    assert results["after"]["pending"] == {}
    assert bmc_state(lab, "bios")["bios"][BIOS]["attributes"]["IommuSupport"] == "Enabled"


def test_bios_registry_rejects_lab(lab, tmp_path):
    arguments = dict(connection(lab, "bios"), attributes={"MmioAbove4GB": "Enabled", "NumaNodesPerSocket": 9,
                                                          "SystemServiceTag": "X"})
    results, process = run_tasks([{"aifactory.infra.redfish_bios": arguments, "register": "rejected",
                                   "ignore_errors": True}], tmp_path, "rejected")
    assert process.returncode == 0
    message = results["rejected"]["msg"]
    assert results["rejected"]["failed"] is True
    assert "unknown attribute MmioAbove4GB (did you mean MmioAbove4Gb?)" in message
    assert "NumaNodesPerSocket must be between 1 and 4" in message
    assert "SystemServiceTag is read-only" in message
    assert lab.url("bios") in message
