"""The IPMI password and Kg key never appear in ansible-playbook or ansible-inventory output, even with -vvv."""

import pytest
import yaml

from helpers import run_inventory, run_playbook
from ipmi_playbooks import ensure_ipmi_peers, free_udp_port
from lab.ipmi.process import IpmiLabProcess

USERNAME = "lab-admin"
PASSWORD = "Pw-7431-q9Zx-secret"  # 19 bytes, within the IPMI 2.0 limit of 20
WRONG_PASSWORD = "Pw-5521-wrong-guess"
KG_TEXT = "Kg-Secret-99x1-lab"
KG_HEX = "0x" + KG_TEXT.encode().hex()
WRONG_KG = "Kg-Wrong-8812-lab"
SECRETS = (PASSWORD, WRONG_PASSWORD, KG_TEXT, KG_HEX, KG_HEX[2:], WRONG_KG)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    ensure_ipmi_peers()
    config = {"bmcs": [{"name": "keyed-node", "username": USERNAME, "password": PASSWORD, "kg": KG_TEXT}]}
    with IpmiLabProcess(config, tmp_path_factory.mktemp("ipmi-secrets")) as process:
        yield process


def assert_no_secret(text):
    for secret in SECRETS:
        assert secret not in text, "a secret appears in the output"


def test_playbook_output_at_vvv(lab, tmp_path):
    port = lab.port("keyed-node")
    good = {"host": "127.0.0.1", "port": port, "username": USERNAME, "password": "{{ ipmi_password }}",
            "kg": "{{ ipmi_kg }}", "timeout": 5}
    tasks = [
        {"name": "facts", "aifactory.infra.ipmi_facts": good},
        {"name": "boot", "aifactory.infra.ipmi_boot": dict(good, device="network"), "diff": True},
        {"name": "power", "aifactory.infra.ipmi_power": dict(good, state="reset", boot={"device": "network"})},
        {"name": "wrong password", "aifactory.infra.ipmi_facts": dict(good, password=WRONG_PASSWORD),
         "ignore_errors": True},
        {"name": "wrong kg", "aifactory.infra.ipmi_power": dict(good, kg=WRONG_KG, state="on"),
         "ignore_errors": True},
        {"name": "invalid kg", "aifactory.infra.ipmi_boot": dict(good, kg="0x" + WRONG_KG, device="disk"),
         "ignore_errors": True},
        {"name": "nothing listening", "aifactory.infra.ipmi_facts": dict(good, port=free_udp_port(), timeout=2),
         "ignore_errors": True},
    ]
    # The secrets sit in a vars file, as they would in a vault file: ansible-core 2.19 prints
    # the playbook lines around a failed task, so secrets written into the playbook itself
    # would show up whatever the module does.
    secrets = tmp_path / "secrets.yml"
    secrets.write_text(yaml.safe_dump({"ipmi_password": PASSWORD, "ipmi_kg": KG_HEX}), encoding="utf-8")
    play = {"hosts": "localhost", "connection": "local", "gather_facts": False, "vars_files": [str(secrets)],
            "tasks": tasks}
    completed = run_playbook([play], tmp_path, extra_args=["-vvv", "--diff"])
    output = completed.stdout + completed.stderr

    assert completed.returncode == 0, output
    assert "ok=7" in output
    assert "ignored=4" in output
    assert "Incorrect password provided" in output
    assert "wrong Kg" in output
    assert "Invalid kg: it starts with 0x but the rest is not an even number of hexadecimal digits" in output
    assert "Traceback" not in output
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in output  # -vvv printed the module arguments
    assert_no_secret(output)


def test_inventory_output_at_vvv(lab, tmp_path):
    config = {
        "plugin": "aifactory.infra.redfish",
        "endpoints": [
            {"url": "ipmi://127.0.0.1:%d" % lab.port("keyed-node"), "name": "keyed"},
            {"url": "ipmi://127.0.0.1:%d" % lab.port("keyed-node"), "name": "wrong-kg", "kg": WRONG_KG},
            {"url": "ipmi://127.0.0.1:%d" % lab.port("keyed-node"), "name": "wrong-password",
             "password": WRONG_PASSWORD},
        ],
        "username": USERNAME,
        "password": PASSWORD,
        "kg": KG_HEX,
        "timeout": 5,
    }
    inventory, completed = run_inventory(config, tmp_path, extra_args=["-vvv"])
    output = completed.stdout + completed.stderr

    assert completed.returncode == 0, output
    assert sorted(inventory["bmc_error"]["hosts"]) == ["wrong-kg", "wrong-password"]
    assert inventory["servers"]["hosts"] == ["keyed"]
    assert_no_secret(output)
