"""redfish_secure_boot against the lab: four steps, the pending reset, key resets."""

import pytest

from four_steps import assert_idempotent, four_step_runs, run_tasks
from lifecycle_lab import FAST_POWER, bmc_state, connection, lifecycle_lab

BMCS = [{"name": "secure", "profile": "hgx-h100", "flavour": "dell",
         "behaviours": {"power": FAST_POWER, "secure_boot": True, "require_if_match": True}}]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with lifecycle_lab(tmp_path_factory.mktemp("lab-secure-boot"), BMCS) as running_lab:
        yield running_lab


def test_secure_boot_four_steps_lab(lab, tmp_path):
    results = four_step_runs([("enable", "aifactory.infra.redfish_secure_boot",
                               dict(connection(lab, "secure"), enabled=True))], tmp_path)
    steps = results["enable"]
    assert_idempotent(steps)
    assert steps[0]["diff"] == {"before": {"enabled": False}, "after": {"enabled": True}}
    assert [step["pending_reset"] for step in steps] == [True, True, True, True]
    assert steps[3]["current_boot"] == "Disabled"


def test_secure_boot_after_restart_and_key_reset_lab(lab, tmp_path):
    power = dict(connection(lab, "secure"), state="restart", wait_timeout=20, poll_interval=0.2)
    tasks = [
        {"aifactory.infra.redfish_secure_boot": dict(connection(lab, "secure"), enabled=True), "register": "enable"},
        {"aifactory.infra.redfish_power": power},
        {"ansible.builtin.pause": {"seconds": 1}},
        {"aifactory.infra.redfish_secure_boot": dict(connection(lab, "secure"), enabled=True), "register": "after"},
        {"aifactory.infra.redfish_secure_boot": dict(connection(lab, "secure"), reset_keys="delete_pk"),
         "register": "keys"},
    ]
    results, process = run_tasks(tasks, tmp_path, "secure-boot")
    assert process.returncode == 0, process.stdout[-4000:]
    assert results["after"]["changed"] is False
    assert results["after"]["current_boot"] == "Enabled"
    assert results["after"]["pending_reset"] is False
    assert results["keys"]["changed"] is True
    assert bmc_state(lab, "secure")["secure_boot"]["System.Embedded.1"]["SecureBootMode"] == "SetupMode"
