"""playbooks/tasks: choosing Redfish or IPMI per host, and the IPMI path of power and boot.

One lab serves a Redfish BMC and two IPMI BMCs; a static inventory describes four hosts the
ways users do (a URL of each kind, an address only, an explicit bmc_protocol), and the
playbook records what select_bmc_protocol.yml chose before ipmi_power_boot.yml PXE-boots
the IPMI hosts.
"""

import json

import yaml

from helpers import REPO, run_playbook
from ipmi_playbooks import ensure_ipmi_peers
from lab import runner
from lab.testing import free_port

FACTORY = {
    "control_port": 0,
    "defaults": {"base_port": 0},
    "bmcs": [
        {"name": "redfish-node", "profile": "cpu-mgmt", "flavour": "dell"},
        {"name": "ipmi-node", "protocol": "ipmi", "profile": "cpu-mgmt", "flavour": "supermicro", "port": 0},
        {"name": "ipmi-node-2", "protocol": "ipmi", "cipher_suites": [3], "power_state": "Off", "port": 0},
    ],
}


def test_protocol_selection_and_ipmi_path(tmp_path):
    ensure_ipmi_peers()
    with runner.running(FACTORY, state_dir=tmp_path / "lab") as lab:
        username, password = lab.credentials("redfish-node")
        ipmi_port = lab.endpoint("ipmi-node")["port"]
        ipmi_port_2 = lab.endpoint("ipmi-node-2")["port"]
        hosts = {
            # Redfish found by the probe.
            "by-probe-redfish": {"bmc_url": lab.endpoint("redfish-node")["url"], "bmc_ca_path": str(lab.ca)},
            # IPMI from the URL's scheme.
            "by-url-ipmi": {"bmc_url": "ipmi://127.0.0.1:%d" % ipmi_port},
            # Nothing answers HTTPS there, so IPMI at bmc_ipmi_port.
            "by-probe-ipmi": {"bmc_url": "https://127.0.0.1:%d" % free_port(), "bmc_ipmi_port": ipmi_port_2,
                              "bmc_probe_timeout": 3},
            # bmc_protocol decides even where Redfish would answer.
            "by-setting": {"bmc_protocol": "ipmi", "bmc_address": "127.0.0.1", "bmc_ipmi_port": ipmi_port},
        }
        inventory = tmp_path / "hosts.yml"
        inventory.write_text(yaml.safe_dump({"all": {
            "vars": {"bmc_username": username, "bmc_password": password, "ansible_connection": "local",
                     "bmc_boot_device": "network", "bmc_power_state": "reset"},
            "hosts": hosts}}))
        output = tmp_path / "chosen.json"
        play = {
            "hosts": "all",
            "gather_facts": False,
            "tasks": [
                {"name": "Choose the protocol",
                 "ansible.builtin.include_tasks": str(REPO / "playbooks" / "tasks" / "select_bmc_protocol.yml")},
                {"name": "Provision over IPMI",
                 "ansible.builtin.include_tasks": str(REPO / "playbooks" / "tasks" / "ipmi_power_boot.yml"),
                 "when": "bmc_protocol == 'ipmi'"},
                {"name": "Report",
                 "ansible.builtin.copy": {
                     "dest": str(output),
                     "content": "{{ dict(ansible_play_hosts | zip(ansible_play_hosts | map('extract', hostvars)"
                                " | map(attribute='bmc_protocol'))) | to_json }}"},
                 "run_once": True,
                 "delegate_to": "localhost"},
            ],
        }
        completed = run_playbook([play], tmp_path, extra_args=["-i", str(inventory)], inventory=str(inventory))
        boots = [json.loads((tmp_path / "lab" / ("ipmi-%s.json" % name)).read_text())["boots"]
                 for name in ("ipmi-node", "ipmi-node-2")]

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert json.loads(output.read_text()) == {
        "by-probe-redfish": "redfish",
        "by-url-ipmi": "ipmi",
        "by-probe-ipmi": "ipmi",
        "by-setting": "ipmi",
    }
    # ipmi-node was reset by two hosts (by-url-ipmi and by-setting), both with the override.
    assert [boot["device"] for boot in boots[0]] == ["network", "network"]
    assert all(boot["uefi"] for boot in boots[0])
    # ipmi-node-2 was off, so the reset powered it on, booting from the network.
    assert [boot["device"] for boot in boots[1]] == ["network"]


def test_selection_rejects_unknown_protocol(tmp_path):
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(yaml.safe_dump({"all": {"hosts": {"bad": {
        "bmc_protocol": "snmp", "bmc_address": "127.0.0.1", "ansible_connection": "local"}}}}))
    play = {"hosts": "all", "gather_facts": False, "tasks": [
        {"name": "Choose the protocol",
         "ansible.builtin.include_tasks": str(REPO / "playbooks" / "tasks" / "select_bmc_protocol.yml")}]}

    completed = run_playbook([play], tmp_path, inventory=str(inventory))

    assert completed.returncode != 0
    assert "bad: set bmc_url" in completed.stdout
    assert "(it is snmp)" in completed.stdout
