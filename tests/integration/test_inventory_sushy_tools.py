"""The redfish inventory against sushy-tools, a Redfish implementation this project did not write."""

from contextlib import ExitStack

import pytest

from captures import EXPECTED, check_hosts
from helpers import BIN, MOCKUPS, BackgroundServer, free_port, group_hosts, hostvars, run_inventory

pytestmark = pytest.mark.skipif(not MOCKUPS.is_dir(), reason="captures of real BMCs not found")


def bmc_hosts(variables, name):
    """Return the hardware models of the hosts that came from endpoint ``name``."""
    return [v["hardware"] for host, v in sorted(variables.items())
            if host == name or host.startswith(name + "-")]


@pytest.fixture(scope="module")
def sushy_static(tmp_path_factory):
    """One sushy-static server per capture; yields {capture: url}."""
    logs = tmp_path_factory.mktemp("sushy-static")
    urls = {}
    with ExitStack() as stack:
        for capture in sorted(EXPECTED):
            port = free_port()
            url = "http://127.0.0.1:%d" % port
            stack.enter_context(BackgroundServer(
                [str(BIN / "sushy-static"), "-i", "127.0.0.1", "-p", str(port),
                 "-m", str(MOCKUPS / capture / "redfish" / "v1")],
                url + "/redfish/v1/", logs / ("%s.log" % capture)))
            urls[capture] = url
        yield urls


def test_captures_through_sushy_static(sushy_static, tmp_path):
    config = {
        "plugin": "aifactory.infra.redfish",
        "endpoints": [{"url": url, "name": capture} for capture, url in sushy_static.items()],
        "username": "admin",
        "password": "static-password",
        "timeout": 10,
    }
    inventory, completed = run_inventory(config, tmp_path)
    assert completed.returncode == 0, completed.stderr

    variables = hostvars(inventory)
    assert group_hosts(inventory, "bmc_error") == []
    for capture in EXPECTED:
        check_hosts(bmc_hosts(variables, capture), capture)
    assert "nvidia_dpu" in group_hosts(inventory, "dpus")
    assert "dmtf-smartnic-Card1-SoC" in group_hosts(inventory, "dpus")
    assert "supermicro" in group_hosts(inventory, "gpu_servers")
    assert variables["dell"]["bmc_url"] == sushy_static["dell"]
    assert variables["dell"]["bmc_system_id"] == "System.Embedded.1"


def test_sushy_emulator_fake_driver(tmp_path):
    port = free_port()
    url = "http://127.0.0.1:%d" % port
    with BackgroundServer([str(BIN / "sushy-emulator"), "--fake", "-i", "127.0.0.1", "-p", str(port)],
                          url + "/redfish/v1/", tmp_path / "emulator.log"):
        config = {
            "plugin": "aifactory.infra.redfish",
            "endpoints": [{"url": url, "name": "fake"}],
            "username": "admin",
            "password": "emulator-password",
            # The fake driver answers 500 for storage it does not model: keep retries short.
            "retry_budget": 2,
            "keyed_groups": [{"key": "hardware.power_state", "prefix": "power"}],
        }
        inventory, completed = run_inventory(config, tmp_path)

    assert completed.returncode == 0, completed.stderr
    variables = hostvars(inventory)
    assert group_hosts(inventory, "servers") == ["fake"]
    hardware = variables["fake"]["hardware"]
    assert hardware["kind"] == "server"
    assert hardware["power_state"] in ("On", "Off")
    assert group_hosts(inventory, "power_" + hardware["power_state"]) == ["fake"]
    assert hardware["uuid"] == hardware["system_id"]
    assert len(hardware["boot_macs"]) >= 1
    # Parts the fake driver cannot serve are reported, not fatal.
    assert variables["fake"]["bmc_warnings"]
