"""The bmc_provision role: its molecule scenario, and playbooks/provision.yml over the redfish inventory."""

import json
import os
import subprocess

import pytest
import yaml

from helpers import BIN, REPO
from lifecycle_lab import FAST_POWER, lifecycle_lab

ROLE = REPO / "roles" / "bmc_provision"


def ansible_environment():
    environment = dict(os.environ, ANSIBLE_NOCOLOR="1", NO_COLOR="1", PY_COLORS="0")
    # molecule starts ansible-playbook and ansible-config from PATH.
    environment["PATH"] = "%s%s%s" % (BIN, os.pathsep, environment.get("PATH", ""))
    return environment


def test_molecule_default_scenario(tmp_path):
    # molecule keeps its state, and this scenario its lab, under one directory per role; a run
    # of its own keeps two test runs on the same machine from stopping each other's lab.
    environment = dict(ansible_environment(), MOLECULE_EPHEMERAL_DIRECTORY=str(tmp_path / "molecule"))
    completed = subprocess.run([str(BIN / "molecule"), "test", "--scenario-name", "default"], cwd=str(ROLE),
                               env=environment, capture_output=True, text=True, timeout=900, check=False)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-8000:]
    # converge changed the BMCs, the second converge changed nothing, verify ran its checks.
    assert "idempotence" in output
    assert "Check power, BIOS and secure boot" in output


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    behaviours = {"power": FAST_POWER, "bios_settings": {}, "secure_boot": {}}
    bmcs = [
        {"name": "gpu-node-01", "profile": "hgx-h100", "flavour": "dell", "behaviours": behaviours},
        {"name": "gpu-node-02", "profile": "hgx-h100", "flavour": "nvidia", "behaviours": behaviours},
        {"name": "gpu-node-03", "profile": "hgx-h100", "flavour": "dell", "behaviours": behaviours},
    ]
    with lifecycle_lab(tmp_path_factory.mktemp("lab-provision"), bmcs) as running_lab:
        yield running_lab


def run_provision(lab, tmp_path, extra_vars):
    inventory = tmp_path / "bmc.redfish.yml"
    inventory.write_text(yaml.safe_dump({
        "plugin": "aifactory.infra.redfish",
        "endpoints": [{"url": lab.url(name), "name": name} for name in ("gpu-node-01", "gpu-node-02", "gpu-node-03")],
        "username": "lab-admin",
        "password": "lab-only-password",
        "ca_path": str(lab.ca),
    }), encoding="utf-8")
    variables = {"bmc_username": "lab-admin", "bmc_password": "lab-only-password", "bmc_ca_path": str(lab.ca),
                 "bmc_provision_report_dir": str(tmp_path / "report"), "bmc_provision_poll_interval": 1,
                 "bmc_provision_wait_timeout": 60, "ansible_python_interpreter": str(BIN / "python")}
    variables.update(extra_vars)
    extra = tmp_path / "extra-vars.json"
    extra.write_text(json.dumps(variables), encoding="utf-8")
    return subprocess.run([str(BIN / "ansible-playbook"), "-i", str(inventory), "-e", "@%s" % extra,
                           str(REPO / "playbooks" / "provision.yml")],
                          env=ansible_environment(), capture_output=True, text=True, timeout=600, check=False)


def test_provision_playbook_rolls_over_inventory(lab, tmp_path):
    completed = run_provision(lab, tmp_path, {"aifactory_provision_serial": 1})
    assert completed.returncode == 0, completed.stdout[-6000:]
    # One host per batch: three plays of the same name.
    assert completed.stdout.count("PLAY [Provision servers through their BMCs]") == 3

    for name, vendor in (("gpu-node-01", "Dell Inc."), ("gpu-node-02", "NVIDIA"), ("gpu-node-03", "Dell Inc.")):
        report = json.loads((tmp_path / "report" / ("%s.json" % name)).read_text())
        assert report["vendor"] == vendor
        assert report["power_state"] == "On"
        assert report["installer"] == {"boot_source": "pxe", "image": ""}
        assert report["system_id"] in ("System.Embedded.1", "System_0")

    again = run_provision(lab, tmp_path, {"aifactory_provision_serial": 1})
    assert again.returncode == 0, again.stdout[-6000:]
    assert "changed=0" in again.stdout
    assert "changed=1" not in again.stdout


def test_site_playbook_leaves_provisioning_out_by_default(tmp_path):
    completed = subprocess.run([str(BIN / "ansible-playbook"), "--syntax-check", "-i", "localhost,",
                                str(REPO / "playbooks" / "site.yml")],
                               env=ansible_environment(), capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    site = yaml.safe_load((REPO / "playbooks" / "site.yml").read_text())
    guarded = [play for play in site if play.get("ansible.builtin.import_playbook") == "provision.yml"]
    assert len(guarded) == 1
    assert guarded[0]["when"] == "aifactory_provision | default(false) | bool"

    # The same guarded import, run without aifactory_provision: every task of the role is
    # skipped, so no BMC is contacted (the URL points at a closed port) and nothing is written.
    playbook = tmp_path / "site.yml"
    playbook.write_text(yaml.safe_dump([dict(guarded[0], **{
        "ansible.builtin.import_playbook": str(REPO / "playbooks" / "provision.yml")})]), encoding="utf-8")
    inventory = tmp_path / "hosts.ini"
    inventory.write_text("[servers]\nnode-1 bmc_url=https://127.0.0.1:9 bmc_username=u bmc_password=p\n",
                         encoding="utf-8")
    completed = subprocess.run([str(BIN / "ansible-playbook"), "-i", str(inventory), str(playbook),
                                "-e", "bmc_provision_report_dir=%s" % (tmp_path / "report")],
                               env=ansible_environment(), capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stdout[-4000:]
    assert "ok=0    changed=0" in completed.stdout
    assert not (tmp_path / "report").exists()
