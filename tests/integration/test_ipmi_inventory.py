"""The redfish inventory plugin with ipmi:// endpoints: lab BMCs, ipmi_sim and failing BMCs."""

import pytest

from helpers import group_hosts, hostvars, run_inventory
from ipmi_playbooks import ensure_ipmi_peers, free_udp_port
from lab.ipmi.ipmi_sim import IpmiSim
from lab.ipmi.process import IpmiLabProcess

USERNAME = "lab-admin"
PASSWORD = "lab-only-password"
LAB = {
    "defaults": {"username": USERNAME, "password": PASSWORD},
    "bmcs": [
        {"name": "dell-node", "profile": "cpu-mgmt", "flavour": "dell"},
        {"name": "old-node", "profile": "cpu-mgmt", "flavour": "supermicro", "cipher_suites": [3],
         "power_state": "Off"},
        {"name": "hot-node", "faults": {"sensor_health": "Critical"}},
        {"name": "silent-node", "faults": {"timeout": True}},
    ],
}


@pytest.fixture(scope="module")
def peers(tmp_path_factory):
    ensure_ipmi_peers()
    workdir = tmp_path_factory.mktemp("ipmi-inventory")
    with IpmiLabProcess(LAB, workdir) as lab:
        with IpmiSim(workdir, free_udp_port(), username=USERNAME, password=PASSWORD,
                     fru={"product_manufacturer": "Acme Servers", "product_name": "Legacy 1U",
                          "product_serial": "ACME-0002"}) as sim:
            yield lab, sim


def endpoint(lab, name):
    return {"url": "ipmi://127.0.0.1:%d" % lab.port(name), "name": name}


def test_ipmi_endpoints(peers, tmp_path):
    lab, sim = peers
    config = {
        "plugin": "aifactory.infra.redfish",
        "endpoints": [
            endpoint(lab, "dell-node"),
            endpoint(lab, "old-node"),
            endpoint(lab, "hot-node"),
            {"url": "ipmi://127.0.0.1:%d" % sim.port, "name": "ipmi-sim"},
            endpoint(lab, "silent-node"),
            {"url": "ipmi://127.0.0.1:%d" % free_udp_port(), "name": "nothing-listening"},
            dict(endpoint(lab, "dell-node"), name="wrong-password", password="not-the-password"),
        ],
        "username": USERNAME,
        "password": PASSWORD,
        "timeout": 3,
        "keyed_groups": [{"key": "hardware.health", "prefix": "health"},
                         {"key": "bmc_protocol", "prefix": "protocol"}],
    }
    inventory, completed = run_inventory(config, tmp_path)

    assert completed.returncode == 0, completed.stderr
    variables = hostvars(inventory)
    assert group_hosts(inventory, "servers") == ["dell-node", "hot-node", "ipmi-sim", "old-node"]
    assert group_hosts(inventory, "bmc_error") == ["nothing-listening", "silent-node", "wrong-password"]
    assert group_hosts(inventory, "protocol_ipmi") == ["dell-node", "hot-node", "ipmi-sim", "old-node"]
    assert group_hosts(inventory, "health_Critical") == ["hot-node"]
    assert group_hosts(inventory, "gpu_servers") == []

    dell = variables["dell-node"]["hardware"]
    assert variables["dell-node"]["bmc_url"] == "ipmi://127.0.0.1:%d" % lab.port("dell-node")
    assert variables["dell-node"]["bmc_protocol"] == "ipmi"
    assert dell["vendor"] == "Dell Inc."
    assert dell["model"] == "PowerEdge R6625"
    assert dell["power_state"] == "On"
    assert dell["uuid"]
    for unknown in ("cpu_count", "memory_gib", "gpu_count", "bios_version", "system_id"):
        assert dell[unknown] is None, unknown
    assert dell["gpus"] == []
    assert dell["nics"] == []
    assert dell["disks"] == []

    assert variables["old-node"]["hardware"]["vendor"] == "Supermicro"
    assert variables["old-node"]["hardware"]["power_state"] == "Off"
    assert variables["ipmi-sim"]["hardware"]["serial"] == "ACME-0002"
    assert variables["ipmi-sim"]["hardware"]["bmc_firmware_version"] == "9.08"

    reasons = {name: variables[name]["bmc_error_reason"] for name in group_hosts(inventory, "bmc_error")}
    assert "open session failed: no response within 3s" in reasons["silent-node"]
    assert "open session failed: no response within 3s" in reasons["nothing-listening"]
    assert "the BMC rejected the login: Incorrect password provided" in reasons["wrong-password"]
    assert "not-the-password" not in completed.stdout + completed.stderr


def test_ipmi_endpoint_errors(tmp_path):
    bad_urls = {
        "ipmi://admin:secret@10.0.0.5": "it contains credentials",
        "ipmi://10.0.0.5/path": "it has a path or a query",
        "ipmi://10.0.0.5:99999": "the port is not a number from 1 to 65535",
    }
    for url, reason in bad_urls.items():
        config = {"plugin": "aifactory.infra.redfish", "endpoints": [url], "username": "u", "password": "p"}
        completed = run_inventory(config, tmp_path, extra_args=["-vvv"])[1]

        assert reason in completed.stderr + completed.stdout, url
        assert "secret" not in completed.stderr + completed.stdout, url
