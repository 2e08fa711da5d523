"""IPMI BMCs in the factory file, started and stopped by `python -m lab up|down`."""

import subprocess
import sys

import pytest
import yaml

from ipmi_playbooks import ensure_ipmi_peers, ipmitool
from lab.factory import FactoryError, load_factory
from lab.runner import REPO_ROOT
from lab.testing import free_port

USERNAME = "lab-admin"
PASSWORD = "lab-only-password"


def run_lab(*args):
    return subprocess.run([sys.executable, "-m", "lab", *args], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=120, check=False)


def test_lab_up_serves_ipmi_and_redfish(tmp_path):
    ensure_ipmi_peers()
    factory = tmp_path / "factory.yml"
    factory.write_text(yaml.safe_dump({
        "control_port": free_port(),
        "defaults": {"base_port": 0},
        "bmcs": [
            {"name": "redfish-01", "profile": "cpu-mgmt", "flavour": "dell"},
            {"name": "ipmi-{index:02d}", "count": 2, "protocol": "ipmi", "profile": "cpu-mgmt", "flavour": "dell",
             "port": 0},
            {"name": "ipmi-old", "protocol": "ipmi", "cipher_suites": [3], "power_state": "Off", "port": 0},
        ],
    }))
    state = tmp_path / "state"

    up = run_lab("-f", str(factory), "--state-dir", str(state), "up")
    try:
        assert up.returncode == 0, up.stderr
        status = run_lab("--state-dir", str(state), "status")
        endpoints = {endpoint["name"]: endpoint
                     for endpoint in yaml.safe_load((state / "endpoints.json").read_text())}
        power = ipmitool(endpoints["ipmi-01"]["port"], USERNAME, PASSWORD, "chassis", "power", "status",
                         cipher_suite=17)
        fru = ipmitool(endpoints["ipmi-02"]["port"], USERNAME, PASSWORD, "fru", "print", "0").stdout
        old = ipmitool(endpoints["ipmi-old"]["port"], USERNAME, PASSWORD, "chassis", "power", "status",
                       cipher_suite=3)
    finally:
        down = run_lab("--state-dir", str(state), "down")

    assert "ipmi://127.0.0.1:%d" % endpoints["ipmi-01"]["port"] in up.stdout
    assert "IPMI cpu-mgmt (dell)" in up.stdout
    assert endpoints["ipmi-02"]["protocol"] == "ipmi"
    assert endpoints["redfish-01"]["protocol"] == "redfish"
    assert "ipmi-old" in status.stdout
    assert power.stdout.strip() == "Chassis Power is on"
    assert "Product Name          : PowerEdge R6625" in fru
    assert old.stdout.strip() == "Chassis Power is off"
    assert down.returncode == 0
    assert (state / "ipmi-ipmi-01.json").is_file()


@pytest.mark.parametrize("entry, message", [
    ({"name": "x", "protocol": "ipmi", "tls": False}, "unknown key(s) tls"),
    ({"name": "x", "protocol": "ipmi", "cipher_suites": [1]}, "cipher_suites [1] must be a non-empty list of [3, 17]"),
    ({"name": "x", "protocol": "ipmi", "profile": "cpu-mgmt", "flavour": "bluefield"}, "has no flavour 'bluefield'"),
    ({"name": "x", "protocol": "ipmi", "faults": {"error_status": 500}}, "unknown fault(s) error_status"),
    ({"name": "x", "protocol": "snmp"}, "protocol 'snmp' is not served by this lab"),
])
def test_factory_rejects_bad_ipmi_entries(entry, message):
    with pytest.raises(FactoryError) as error:
        load_factory({"bmcs": [entry]})

    assert message in str(error.value)
    assert "bmcs[0] (x)" in str(error.value)
