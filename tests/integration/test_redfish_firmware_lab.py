"""redfish_firmware against the lab: SimpleUpdate and multipart push with task monitors."""

import pytest

from four_steps import assert_idempotent, four_step_runs, run_tasks
from lifecycle_lab import connection, lifecycle_lab, requests_to

BMCS = [
    # The task monitor returns 202 with Retry-After twice, then disappears once the task completed.
    {"name": "gone", "profile": "cpu-mgmt", "flavour": "dell",
     "behaviours": {"update_service": {"polls": 2, "retry_after": 1, "monitor_gone": True}}},
    # Only multipart push; the monitor stays and reports the completed task.
    {"name": "push", "profile": "cpu-mgmt", "flavour": "supermicro",
     "behaviours": {"update_service": {"simple_update": False, "polls": 1, "retry_after": 1}}},
    # A task that keeps running (progress and Retry-After) far longer than the module waits.
    {"name": "slow", "profile": "cpu-mgmt", "flavour": "nvidia",
     "behaviours": {"update_service": {"polls": 1000, "retry_after": 1}}},
]
MONITOR = "/redfish/v1/TaskService/TaskMonitors/1"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with lifecycle_lab(tmp_path_factory.mktemp("lab-firmware"), BMCS) as running_lab:
        yield running_lab


def test_firmware_four_steps_lab(lab, tmp_path):
    image = tmp_path / "bios-3.4.5.bin"
    image.write_bytes(b"\x7fFIRMWARE" * 512)
    module = "aifactory.infra.redfish_firmware"
    runs = [
        ("simple update", module, dict(connection(lab, "gone"), image_uri="https://files.lab.invalid/bmc-7.10.30.bin",
                                       version="7.10.30", targets=["BMC"], poll_interval=0.5)),
        ("multipart push", module, dict(connection(lab, "push"), image_path=str(image), version="3.4.5",
                                        targets=["BIOS"], apply_time="immediate", poll_interval=0.5)),
    ]
    results = four_step_runs(runs, tmp_path)
    for steps in results.values():
        assert_idempotent(steps)

    simple = results["simple update"][1]
    assert simple["method"] == "simple_update"
    assert simple["confirmed_by"] == "inventory"
    assert {entry["id"]: entry["version"] for entry in simple["inventory"]}["BMC"] == "7.10.30"
    # Two 202 responses with Retry-After, then the 404 of the vanished monitor.
    assert requests_to(lab, "gone", "GET", MONITOR) == 3

    push = results["multipart push"][1]
    assert push["method"] == "multipart"
    assert push["task_state"] == "Completed"
    assert push["diff"] == {"before": {"versions": {"BIOS": push["diff"]["before"]["versions"]["BIOS"]}},
                            "after": {"versions": {"BIOS": "3.4.5"}}}


def test_firmware_timeout_lab(lab, tmp_path):
    arguments = dict(connection(lab, "slow"), image_uri="https://files.lab.invalid/bmc-9.9.9.bin", wait_timeout=2)
    results, process = run_tasks([{"aifactory.infra.redfish_firmware": arguments, "register": "slow",
                                   "ignore_errors": True}], tmp_path, "timeout")
    assert process.returncode == 0
    assert results["slow"]["failed"] is True
    message = results["slow"]["msg"]
    assert "did not finish within 2s" in message
    assert "/redfish/v1/TaskService/Tasks/1" in message
    assert "Running" in message
    assert "% complete" in message
