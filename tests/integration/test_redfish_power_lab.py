"""redfish_power against the lab: four steps, and a graceful restart the BMC cannot do directly."""

import pytest

from four_steps import assert_idempotent, four_step_runs, run_tasks
from lifecycle_lab import connection, lifecycle_lab, requests_to

RESET = "/redfish/v1/Systems/System.Embedded.1/Actions/ComputerSystem.Reset"
# An iDRAC 9 that offers no GracefulRestart, and rejects a power-on for a second after a power-off.
NO_GRACEFUL_RESTART = ["On", "ForceOff", "ForceRestart", "GracefulShutdown", "PushPowerButton", "Nmi"]
BMCS = [
    {"name": "idrac", "profile": "cpu-mgmt", "flavour": "dell", "behaviours": {"power": {
        "transition_seconds": 0.2, "reset_types": NO_GRACEFUL_RESTART, "on_conflict_seconds": 1.5}}},
    {"name": "hgx", "profile": "hgx-h100", "flavour": "nvidia", "behaviours": {"power": {"transition_seconds": 0.2}}},
    {"name": "forced", "profile": "cpu-mgmt", "flavour": "supermicro", "behaviours": {"power": {
        "transition_seconds": 0.2, "reset_types": ["On", "ForceOff", "ForceRestart"]}}},
]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with lifecycle_lab(tmp_path_factory.mktemp("lab-power"), BMCS) as running_lab:
        yield running_lab


def test_power_four_steps_lab(lab, tmp_path):
    runs = []
    for name in ("idrac", "hgx"):
        options = connection(lab, name, wait_timeout=20, poll_interval=0.2)
        runs.append(("%s off" % name, "aifactory.infra.redfish_power", dict(options, state="off")))
        runs.append(("%s on" % name, "aifactory.infra.redfish_power", dict(options, state="on")))
    results = four_step_runs(runs, tmp_path)
    for label, steps in results.items():
        assert_idempotent(steps)
    assert results["idrac off"][1]["power_state"] == "Off"
    assert results["idrac on"][1]["power_state"] == "On"
    # The HGX BMC has a GPU baseboard system next to the server: the server is chosen.
    assert results["hgx on"][1]["system_id"] == "System_0"


def test_power_graceful_restart_composed_lab(lab, tmp_path):
    before = requests_to(lab, "idrac", "POST", RESET)
    options = connection(lab, "idrac", wait_timeout=20, poll_interval=0.2)
    results, process = run_tasks([{"aifactory.infra.redfish_power": dict(options, state="graceful_restart"),
                                   "register": "restart"}], tmp_path, "restart")
    assert process.returncode == 0, process.stdout[-4000:]
    restart = results["restart"]
    assert restart["changed"] is True
    assert restart["composed"] is True
    assert restart["forced"] is False
    assert restart["reset_types"] == ["GracefulShutdown", "On"]
    assert restart["power_state"] == "On"
    # The power-on right after the power-off met the BMC's 409 and was sent again.
    assert requests_to(lab, "idrac", "POST", RESET) - before >= 3


def test_power_graceful_off_not_allowed_lab(lab, tmp_path):
    options = connection(lab, "forced", wait_timeout=20, poll_interval=0.2)
    tasks = [
        {"aifactory.infra.redfish_power": dict(options, state="graceful_off"), "register": "rejected",
         "ignore_errors": True},
        {"aifactory.infra.redfish_power": dict(options, state="graceful_off", force_fallback=True),
         "register": "forced"},
    ]
    results, process = run_tasks(tasks, tmp_path, "graceful-off")
    assert process.returncode == 0, process.stdout[-4000:]

    rejected = results["rejected"]
    assert rejected["failed"] is True
    assert "GracefulShutdown" in rejected["msg"]
    assert "it allows On, ForceOff, ForceRestart" in rejected["msg"]
    assert "force_fallback" in rejected["msg"]

    forced = results["forced"]
    assert forced["forced"] is True
    assert forced["reset_types"] == ["ForceOff"]
    assert forced["power_state"] == "Off"
    assert any("forced reset (ForceOff)" in warning for warning in forced["warnings"])
