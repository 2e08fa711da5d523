"""ipmi_power, ipmi_boot and ipmi_facts against OpenIPMI's ipmi_sim, a BMC this project did not write.

ipmi_sim offers cipher suite 3 but not 17, and reads the boot flags back without the valid
bit, so boot tasks against it use ignore_valid_bit.  ipmitool checks each step.
"""

import pytest

from ipmi_playbooks import (
    ensure_ipmi_peers,
    free_udp_port,
    ipmitool,
    ipmitool_argv,
    run_four_steps,
    run_task,
    run_tasks,
)
from lab.ipmi.ipmi_sim import IpmiSim

USERNAME = "sim-admin"
PASSWORD = "sim-only-password"
FRU = {
    "product_manufacturer": "Acme Servers",
    "product_name": "Legacy 1U",
    "product_serial": "ACME-0001",
    "chassis_serial": "CH-0001",
    "board_manufacturer": "Acme Boards",
    "board_product": "A1-MB",
}


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    ensure_ipmi_peers()
    with IpmiSim(tmp_path_factory.mktemp("ipmi-sim"), free_udp_port(), username=USERNAME, password=PASSWORD,
                 fru=FRU, sensor_health="Warning") as process:
        yield process


def connection(sim, **extra):
    args = {"host": "127.0.0.1", "port": sim.port, "username": USERNAME, "password": PASSWORD}
    args.update(extra)
    return args


def observe(sim, *command):
    return ipmitool_argv(sim.port, USERNAME, *command, cipher_suite=3)


def test_sim_power_on_four_steps(sim, tmp_path):
    sim.set_power_state("Off")
    steps, observed = run_four_steps(tmp_path, "aifactory.infra.ipmi_power", connection(sim, state="on"),
                                     observe(sim, "chassis", "power", "status"), PASSWORD)

    assert [step["changed"] for step in steps] == [True, True, False, False]
    assert observed == ["Chassis Power is off", "Chassis Power is on", "Chassis Power is on",
                        "Chassis Power is on"]
    assert steps[1]["cipher_suite"] == 3
    assert sim.power_state() == "On"


def test_sim_soft_off_four_steps(sim, tmp_path):
    sim.set_power_state("On")
    steps, observed = run_four_steps(tmp_path, "aifactory.infra.ipmi_power",
                                     connection(sim, state="soft_off", wait_timeout=30),
                                     observe(sim, "chassis", "power", "status"), PASSWORD)

    assert [step["changed"] for step in steps] == [True, True, False, False]
    assert observed == ["Chassis Power is on", "Chassis Power is off", "Chassis Power is off",
                        "Chassis Power is off"]
    assert "shutdown" in sim.events()


def test_sim_boot_four_steps(sim, tmp_path):
    args = connection(sim, device="network", ignore_valid_bit=True)
    steps, observed = run_four_steps(tmp_path, "aifactory.infra.ipmi_boot", args,
                                     observe(sim, "chassis", "bootparam", "get", "5"), PASSWORD)

    assert [step["changed"] for step in steps] == [True, True, False, False]
    assert "Force PXE" not in observed[0]
    for text in observed[1:]:
        assert "Force PXE" in text
    assert sim.boot_device() == "pxe"


def test_sim_boot_without_ignore_valid_bit(sim, tmp_path):
    """ipmi_sim never reports the valid bit, so without the option the override looks unset."""
    result = run_task(tmp_path, "aifactory.infra.ipmi_boot", connection(sim, device="network"), check=True)

    assert result["changed"] is True
    assert result["diff"]["before"]["device"] == "default"


def test_sim_reset_with_boot_override(sim, tmp_path):
    sim.set_power_state("On")
    result = run_task(tmp_path, "aifactory.infra.ipmi_power",
                      connection(sim, state="reset", boot={"device": "cdrom"}, ignore_valid_bit=True))

    assert result["changed"] is True
    assert result["boot_override"]["device"] == "cdrom"
    assert sim.boot_device() == "cdrom"
    assert "reset" in sim.events()


def test_sim_facts(sim, tmp_path):
    sim.set_power_state("On")
    result = run_task(tmp_path, "aifactory.infra.ipmi_facts", connection(sim))
    fru = ipmitool(sim.port, USERNAME, PASSWORD, "fru", "print", "0", cipher_suite=3).stdout

    hardware = result["hardware"]
    assert hardware["vendor"] == "Acme Servers"
    assert hardware["model"] == "Legacy 1U"
    assert hardware["serial"] == "ACME-0001"
    assert "Product Serial        : ACME-0001" in fru
    assert result["fru"]["board_product"] == "A1-MB"
    assert result["device"]["manufacturer_id"] == 0x1291
    assert hardware["bmc_firmware_version"] == "9.08"
    assert hardware["power_state"] == "On"
    assert hardware["health"] == "Warning"
    assert result["sensors"]["problems"][0]["name"] == "CPU1 Temp"
    assert result["cipher_suite"] == 3


def test_sim_rejects_bad_logins(sim, tmp_path):
    results = run_tasks(
        tmp_path,
        ("aifactory.infra.ipmi_facts", connection(sim, password="not-the-password"), False),
        ("aifactory.infra.ipmi_facts", connection(sim, cipher_suite=17), False))
    wrong_password, suite_17 = [pair[0] for pair in results]

    assert wrong_password["failed"] is True
    assert "BMC 127.0.0.1:%d (IPMI): open session failed: the BMC rejected the login" % sim.port in wrong_password["msg"]
    assert suite_17["failed"] is True
    assert "cipher suite 17 was required" in suite_17["msg"]
