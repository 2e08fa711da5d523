"""ipmi_power, ipmi_boot and ipmi_facts against the lab's IPMI BMCs, checked with ipmitool.

Every change runs in the four-step pattern (check, apply, check unchanged, apply unchanged)
in one playbook.  Between the steps ipmitool, an IPMI client this project did not write,
reads the BMC, so each step is checked against what the BMC itself reports.
"""

import json

import pytest

from helpers import run_playbook
from ipmi_playbooks import (
    ensure_ipmi_peers,
    free_udp_port,
    ipmitool_argv,
    run_four_steps,
    run_task,
    run_tasks,
    run_timed_task,
)
from ipmi_playbooks import ipmitool as run_ipmitool
from lab.ipmi.process import IpmiLabProcess

USERNAME = "lab-admin"
PASSWORD = "lab-only-password"
KG = "0x4b67206b6579206f6620746865206c6162"  # hex of "Kg key of the lab"


LAB = {
    "defaults": {"username": USERNAME, "password": PASSWORD},
    "bmcs": [
        {"name": "power-node", "profile": "cpu-mgmt", "flavour": "dell", "power_state": "On"},
        {"name": "boot-node", "profile": "l40s-pcie", "flavour": "supermicro"},
        {"name": "suite3-node", "cipher_suites": [3], "power_state": "Off"},
        {"name": "keyed-node", "kg": bytes.fromhex(KG[2:]).decode()},
        {"name": "busy-node", "faults": {"initializing": 2}},
        {"name": "stuck-node", "faults": {"initializing": 1000}},
        {"name": "silent-node", "faults": {"timeout": True}},
        {"name": "expiring-node", "boot_flag_timeout": 1},
        {"name": "stubborn-node", "faults": {"ignore_soft_off": True}},
        {"name": "critical-node", "faults": {"sensor_health": "Critical"}},
    ],
}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    ensure_ipmi_peers()
    with IpmiLabProcess(LAB, tmp_path_factory.mktemp("ipmi-lab")) as process:
        yield process


def ipmitool(port, *command, cipher_suite=17):
    return run_ipmitool(port, USERNAME, PASSWORD, *command, cipher_suite=cipher_suite)


def observe(port, *command, cipher_suite=None):
    return ipmitool_argv(port, USERNAME, *command, cipher_suite=cipher_suite)


def connection(lab, name, **extra):
    args = {"host": "127.0.0.1", "port": lab.port(name), "username": USERNAME, "password": PASSWORD}
    args.update(extra)
    return args


# Power


def test_power_off_four_steps(lab, tmp_path):
    port = lab.port("power-node")
    steps, observed = run_four_steps(tmp_path, "aifactory.infra.ipmi_power",
                                     connection(lab, "power-node", state="off"),
                                     observe(port, "chassis", "power", "status"), PASSWORD)

    assert [step["changed"] for step in steps] == [True, True, False, False]
    assert observed == ["Chassis Power is on", "Chassis Power is off", "Chassis Power is off",
                        "Chassis Power is off"]
    assert steps[0]["diff"] == {"before": {"power_state": "On"}, "after": {"power_state": "Off"}}
    assert steps[1]["power_state"] == "Off"
    assert steps[1]["cipher_suite"] == 17
    assert steps[3]["action"] is None


def test_power_on_four_steps(lab, tmp_path):
    port = lab.port("suite3-node")
    steps, observed = run_four_steps(tmp_path, "aifactory.infra.ipmi_power",
                                     connection(lab, "suite3-node", state="on"),
                                     observe(port, "chassis", "power", "status", cipher_suite=3), PASSWORD)

    assert [step["changed"] for step in steps] == [True, True, False, False]
    assert observed == ["Chassis Power is off", "Chassis Power is on", "Chassis Power is on",
                        "Chassis Power is on"]
    assert steps[1]["cipher_suite"] == 3
    assert lab.state("suite3-node")["boots"][-1]["device"] == "default"


def test_power_reset_always_acts(lab, tmp_path):
    boots_before = len(lab.state("stubborn-node")["boots"])
    result = run_task(tmp_path, "aifactory.infra.ipmi_power", connection(lab, "stubborn-node", state="reset"))

    assert result["changed"] is True
    assert result["action"] == "reset"
    assert result["power_state"] == "On"
    assert len(lab.state("stubborn-node")["boots"]) == boots_before + 1


def test_power_soft_off_timeout(lab, tmp_path):
    result, elapsed = run_timed_task(tmp_path, "aifactory.infra.ipmi_power",
                                     connection(lab, "stubborn-node", state="soft_off", wait_timeout=3))

    assert result["failed"] is True
    assert "Timed out after 3s waiting for power state Off on BMC 127.0.0.1:%d" % lab.port("stubborn-node") in result["msg"]
    assert elapsed < 30


# Boot


def test_boot_network_four_steps(lab, tmp_path):
    port = lab.port("boot-node")
    args = connection(lab, "boot-node", device="network", uefi=True)
    steps, observed = run_four_steps(tmp_path, "aifactory.infra.ipmi_boot", args,
                                     observe(port, "chassis", "bootparam", "get", "5"), PASSWORD)

    assert [step["changed"] for step in steps] == [True, True, False, False]
    assert "Force PXE" not in observed[0]
    for text in observed[1:]:
        assert "Boot Flag Valid" in text
        assert "Force PXE" in text
        assert "BIOS EFI boot" in text
        assert "Options apply to only next boot" in text
    assert steps[0]["diff"]["before"] == {"device": "default", "persistent": False, "uefi": False}
    assert steps[1]["boot_override"] == {"device": "network", "persistent": False, "uefi": True}


def test_boot_persistent_disk_then_default(lab, tmp_path):
    persistent = connection(lab, "boot-node", device="disk", persistent=True)
    first, second = [pair[0] for pair in run_tasks(tmp_path, ("aifactory.infra.ipmi_boot", persistent, False),
                                                   ("aifactory.infra.ipmi_boot", persistent, False))]
    bootparam = ipmitool(lab.port("boot-node"), "chassis", "bootparam", "get", "5").stdout
    cleared = run_task(tmp_path, "aifactory.infra.ipmi_boot", connection(lab, "boot-node", device="default"))

    assert first["changed"] is True
    assert second["changed"] is False
    assert "Options apply to all future boots" in bootparam
    assert "Force Boot from default Hard-Drive" in bootparam
    assert cleared["changed"] is True
    assert cleared["boot_override"]["device"] == "default"


def test_boot_override_expires_and_is_set_again(lab, tmp_path):
    """A once-only override the BMC dropped after its timer is set again before the reset."""
    override = {"device": "network", "uefi": True}
    boot = ("aifactory.infra.ipmi_boot", connection(lab, "expiring-node", **override), False)
    pause = ("ansible.builtin.pause", {"seconds": 2}, False)  # longer than the BMC's 1 s timer
    results = run_tasks(
        tmp_path,
        boot, pause,
        ("aifactory.infra.ipmi_boot", connection(lab, "expiring-node", **override), True),
        # Without the boot option, the reset boots with no override: the BMC dropped it.
        ("aifactory.infra.ipmi_power", connection(lab, "expiring-node", state="reset"), False),
        boot, pause,
        ("aifactory.infra.ipmi_power", connection(lab, "expiring-node", state="reset", boot=override), False))
    set_first, expired, reset = results[0][0], results[2][0], results[6][0]
    unasserted, asserted = lab.state("expiring-node")["boots"][-2:]

    assert set_first["changed"] is True
    assert expired["changed"] is True
    assert expired["diff"]["before"]["device"] == "default"
    assert unasserted["device"] == "default"
    assert reset["changed"] is True
    assert reset["boot_override"] == {"device": "network", "persistent": False, "uefi": True}
    assert asserted["device"] == "network"
    assert asserted["uefi"] is True


# Facts


def test_facts_match_ipmitool(lab, tmp_path):
    port = lab.port("power-node")
    result = run_task(tmp_path, "aifactory.infra.ipmi_facts", connection(lab, "power-node"))
    fru = ipmitool(port, "fru", "print", "0").stdout
    mc_info = ipmitool(port, "mc", "info").stdout

    hardware = result["hardware"]
    assert result["changed"] is False
    assert hardware["vendor"] == "Dell Inc."
    assert hardware["model"] == "PowerEdge R6625"
    assert "Product Serial        : %s" % hardware["serial"] in fru
    assert "Firmware Revision         : %s" % hardware["bmc_firmware_version"] in mc_info
    assert "Manufacturer ID           : 674" in mc_info
    assert result["device"]["manufacturer_id"] == 674
    assert hardware["cpu_count"] is None
    assert hardware["gpus"] == []
    assert result["sensors"]["count"] == 5
    assert result["ansible_facts"]["hardware"] == hardware


def test_facts_report_critical_sensor(lab, tmp_path):
    result = run_task(tmp_path, "aifactory.infra.ipmi_facts", connection(lab, "critical-node"))
    sdr = ipmitool(lab.port("critical-node"), "sdr", "list").stdout

    assert result["hardware"]["health"] == "Critical"
    assert result["sensors"]["problems"][0]["name"] == "CPU1 Temp"
    assert result["sensors"]["problems"][0]["value"] == 97.0
    assert "CPU1 Temp        | 97 degrees C      | cr" in sdr


def test_facts_with_kg_key(lab, tmp_path):
    good, missing = [pair[0] for pair in run_tasks(
        tmp_path,
        ("aifactory.infra.ipmi_facts", connection(lab, "keyed-node", kg=KG), False),
        ("aifactory.infra.ipmi_facts", connection(lab, "keyed-node", timeout=5), False))]

    assert good["failed"] is False
    assert good["power_state"] == "On"
    assert missing["failed"] is True
    assert "BMC 127.0.0.1:%d (IPMI): open session failed" % lab.port("keyed-node") in missing["msg"]


# Cipher suites


def test_cipher_suite_selection(lab, tmp_path):
    results = run_tasks(
        tmp_path,
        ("aifactory.infra.ipmi_facts", connection(lab, "power-node"), False),
        ("aifactory.infra.ipmi_facts", connection(lab, "power-node", cipher_suite=3), False),
        ("aifactory.infra.ipmi_facts", connection(lab, "suite3-node"), False),
        ("aifactory.infra.ipmi_facts", connection(lab, "suite3-node", cipher_suite=17), False))
    default_17, forced_3, fallback_3, required_17 = [pair[0] for pair in results]

    assert default_17["cipher_suite"] == 17
    assert forced_3["cipher_suite"] == 3
    assert fallback_3["cipher_suite"] == 3
    assert required_17["failed"] is True
    assert "cipher suite 17 was required but the BMC accepted only cipher suite 3" in required_17["msg"]


def test_ipmitool_cipher_suites(lab):
    both = lab.port("power-node")
    only_3 = lab.port("suite3-node")

    assert ipmitool(both, "chassis", "power", "status", cipher_suite=17).returncode == 0
    assert ipmitool(both, "chassis", "power", "status", cipher_suite=3).returncode == 0
    assert ipmitool(only_3, "chassis", "power", "status", cipher_suite=3).returncode == 0
    rejected = ipmitool(only_3, "chassis", "power", "status", cipher_suite=17)
    assert rejected.returncode != 0
    assert "no matching cipher suite" in rejected.stderr
    listed = ipmitool(both, "channel", "getciphers", "ipmi", "1").stdout
    assert "17   N/A     hmac_sha256     sha256_128      aes_cbc_128" in listed


# Faults


def test_busy_bmc_is_retried(lab, tmp_path):
    result, elapsed = run_timed_task(tmp_path, "aifactory.infra.ipmi_facts", connection(lab, "busy-node"))

    assert result["failed"] is False
    assert result["power_state"] == "On"
    assert elapsed > 1  # the backoff waited before asking again


def test_busy_bmc_gives_up(lab, tmp_path):
    result, elapsed = run_timed_task(tmp_path, "aifactory.infra.ipmi_facts", connection(lab, "stuck-node", retries=2))

    assert result["failed"] is True
    assert "0xD2 (BMC initialization or initialization agent in progress)" in result["msg"]
    assert "run again in a minute, or raise retries" in result["msg"]
    assert elapsed < 30


def test_failures_are_clear_and_bounded(lab, tmp_path):
    """Each failure names the BMC and the cause, and ends within the task's timeout."""
    cases = [
        ("wrong password", connection(lab, "power-node", password="not-the-password"),
         "open session failed: the BMC rejected the login: Incorrect password provided"),
        ("unknown user", connection(lab, "power-node", username="nobody"),
         "open session failed: the BMC rejected the login: Unauthorized name"),
        ("never answers", connection(lab, "silent-node", timeout=3), "open session failed: no response within 3s"),
        ("nothing listening", dict(connection(lab, "silent-node", timeout=3), port=free_udp_port()),
         "open session failed: no response within 3s"),
    ]
    tasks = [("aifactory.infra.ipmi_power", dict(case[1], state="on"), False) for case in cases]
    results = run_tasks(tmp_path, *tasks)

    for (case, args, expected), (result, seconds) in zip(cases, results):
        assert result["failed"] is True, case
        assert "BMC 127.0.0.1:%d (IPMI)" % args["port"] in result["msg"], case
        assert expected in result["msg"], case
        assert "not-the-password" not in json.dumps(result), case
        # A module starts in well under a second here; the rest is the BMC's timeout.
        assert seconds < args.get("timeout", 20) + 5, case


def test_failing_hosts_leave_others_running(lab, tmp_path):
    """In one play, each broken BMC fails its own host only, with its own reason."""
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(json.dumps({"all": {
        "vars": {"ansible_connection": "local", "ipmi_timeout": 3},
        "hosts": {
            "healthy": {"bmc_port": lab.port("critical-node"), "bmc_password": PASSWORD},
            "wrong-password": {"bmc_port": lab.port("critical-node"), "bmc_password": "not-the-password"},
            "silent": {"bmc_port": lab.port("silent-node"), "bmc_password": PASSWORD},
        }}}))
    facts = {"host": "127.0.0.1", "port": "{{ bmc_port }}", "username": USERNAME, "password": "{{ bmc_password }}",
             "timeout": "{{ ipmi_timeout }}"}
    play = {"hosts": "all", "gather_facts": False, "tasks": [
        {"name": "Read the BMC", "aifactory.infra.ipmi_facts": facts},
        {"name": "Only reached by hosts whose BMC could be read", "ansible.builtin.debug": {"msg": "read"}},
    ]}

    completed = run_playbook([play], tmp_path, inventory=str(inventory))
    output = completed.stdout + completed.stderr

    assert completed.returncode == 2  # some hosts failed
    assert "Traceback" not in output
    assert "fatal: [wrong-password]" in output
    assert "fatal: [silent]" in output
    assert "the BMC rejected the login: Incorrect password provided" in output
    assert "open session failed: no response within 3s" in output
    assert "ok: [healthy] => {\n    \"msg\": \"read\"\n}" in output
    assert "not-the-password" not in output
