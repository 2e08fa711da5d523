"""The bmc_provision role on a mixed fleet: Redfish and IPMI BMCs through the same playbook.

One lab serves a Redfish BMC and two IPMI BMCs; the redfish inventory lists all three, and
playbooks/provision.yml provisions them. The role chooses the protocol per host and boots
the IPMI servers from the network; the lab's state files record each boot.
"""

import json
import os
import subprocess

import pytest
import yaml

from helpers import BIN, REPO, run_playbook
from ipmi_playbooks import ensure_ipmi_peers
from lab.testing import free_port
from lifecycle_lab import FAST_POWER, lifecycle_lab

REDFISH_BEHAVIOURS = {"power": FAST_POWER, "bios_settings": {}, "secure_boot": {}}
BMCS = [
    {"name": "redfish-node", "profile": "cpu-mgmt", "flavour": "dell", "behaviours": REDFISH_BEHAVIOURS},
    {"name": "ipmi-node", "protocol": "ipmi", "profile": "cpu-mgmt", "flavour": "supermicro", "port": 0,
     "soft_off_seconds": 0.2, "cycle_seconds": 0.2},
    {"name": "ipmi-node-off", "protocol": "ipmi", "cipher_suites": [3], "power_state": "Off", "port": 0},
]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    ensure_ipmi_peers()
    workdir = tmp_path_factory.mktemp("ipmi-role")
    with lifecycle_lab(workdir, BMCS) as running_lab:
        yield running_lab, workdir


def boots(workdir, name):
    return json.loads((workdir / ("ipmi-%s.json" % name)).read_text())["boots"]


def run_provision(lab, tmp_path):
    inventory = tmp_path / "bmc.redfish.yml"
    inventory.write_text(yaml.safe_dump({
        "plugin": "aifactory.infra.redfish",
        "endpoints": [{"url": lab.url(bmc["name"]), "name": bmc["name"]} for bmc in BMCS],
        "username": "lab-admin",
        "password": "lab-only-password",
        "ca_path": str(lab.ca),
    }), encoding="utf-8")
    variables = {"bmc_username": "lab-admin", "bmc_password": "lab-only-password", "bmc_ca_path": str(lab.ca),
                 "bmc_provision_report_dir": str(tmp_path / "report"), "bmc_provision_poll_interval": 1,
                 "bmc_provision_wait_timeout": 60, "ansible_python_interpreter": str(BIN / "python")}
    extra = tmp_path / "extra-vars.json"
    extra.write_text(json.dumps(variables), encoding="utf-8")
    return subprocess.run([str(BIN / "ansible-playbook"), "-i", str(inventory), "-e", "@%s" % extra,
                           str(REPO / "playbooks" / "provision.yml")],
                          env=dict(os.environ, ANSIBLE_NOCOLOR="1"), capture_output=True, text=True, timeout=600,
                          check=False)


def report(tmp_path, name):
    return json.loads((tmp_path / "report" / ("%s.json" % name)).read_text())


def test_mixed_fleet_provision(lab, tmp_path):
    running_lab, workdir = lab
    first = run_provision(running_lab, tmp_path)
    again = run_provision(running_lab, tmp_path)

    assert first.returncode == 0, first.stdout[-6000:]
    redfish = report(tmp_path, "redfish-node")
    assert redfish["protocol"] == "redfish"
    assert redfish["system_id"] == "System.Embedded.1"
    assert redfish["secure_boot"] is True
    for name in ("ipmi-node", "ipmi-node-off"):
        ipmi = report(tmp_path, name)
        assert ipmi["protocol"] == "ipmi", name
        assert ipmi["power_state"] == "On", name
        assert ipmi["installer"] == {"boot_source": "pxe", "image": ""}, name
        assert ipmi["system_id"] is None, name
        assert ipmi["bios_attributes"] == {}, name
        assert ipmi["secure_boot"] is None, name
        assert boots(workdir, name)[-1]["device"] == "network", name
        assert boots(workdir, name)[-1]["uefi"] is True, name
    assert "BIOS attributes and secure boot are left as they are" in first.stdout

    # The second run finds the installer booted and every server on: nothing changes.
    assert again.returncode == 0, again.stdout[-6000:]
    assert "changed=0" in again.stdout
    assert "changed=1" not in again.stdout
    assert len(boots(workdir, "ipmi-node")) == 1


def test_protocol_choice(lab, tmp_path):
    running_lab, workdir = lab
    ipmi_port = running_lab.endpoint("ipmi-node")["port"]
    hosts = {
        # Redfish found by the probe.
        "by-probe-redfish": {"bmc_url": running_lab.url("redfish-node")},
        # IPMI from the URL's scheme.
        "by-url-ipmi": {"bmc_url": "ipmi://127.0.0.1:%d" % ipmi_port},
        # Nothing serves HTTPS there, so IPMI at bmc_provision_ipmi_port.
        "by-probe-ipmi": {"bmc_url": "https://127.0.0.1:%d" % free_port(), "bmc_provision_ipmi_port": ipmi_port,
                          "bmc_provision_timeout": 3},
        # bmc_protocol decides even where the probe would find Redfish.
        "by-setting": {"bmc_url": running_lab.url("redfish-node"), "bmc_protocol": "ipmi"},
    }
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(yaml.safe_dump({"all": {
        "vars": {"bmc_username": "lab-admin", "bmc_password": "lab-only-password", "bmc_ca_path": str(running_lab.ca),
                 "ansible_connection": "local"},
        "hosts": hosts}}))
    output = tmp_path / "chosen.json"
    play = {"hosts": "all", "gather_facts": False, "tasks": [
        {"name": "Choose the protocol", "ansible.builtin.include_role": {
            "name": "aifactory.infra.bmc_provision", "tasks_from": "protocol"}},
        {"name": "Report", "run_once": True, "delegate_to": "localhost", "ansible.builtin.copy": {
            "dest": str(output),
            "content": "{{ dict(ansible_play_hosts | zip(ansible_play_hosts | map('extract', hostvars)"
                       " | map(attribute='bmc_provision_protocol'))) | to_json }}"}},
    ]}

    completed = run_playbook([play], tmp_path, inventory=str(inventory))

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert json.loads(output.read_text()) == {
        "by-probe-redfish": "redfish",
        "by-url-ipmi": "ipmi",
        "by-probe-ipmi": "ipmi",
        "by-setting": "ipmi",
    }


def test_protocol_choice_rejects_unknown(tmp_path):
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(yaml.safe_dump({"all": {"hosts": {"bad": {
        "bmc_protocol": "snmp", "bmc_url": "https://127.0.0.1:1", "bmc_username": "u", "bmc_password": "p",
        "ansible_connection": "local"}}}}))
    play = {"hosts": "all", "gather_facts": False, "tasks": [
        {"name": "Choose the protocol", "ansible.builtin.include_role": {
            "name": "aifactory.infra.bmc_provision", "tasks_from": "protocol"}}]}

    completed = run_playbook([play], tmp_path, inventory=str(inventory))

    assert completed.returncode != 0
    assert "bad: bmc_provision_protocol (or bmc_protocol) must be redfish, ipmi or empty; it is snmp" in completed.stdout
