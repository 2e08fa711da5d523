"""The redfish inventory against the project's lab: synthetic hardware, captures, faults."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from captures import EXPECTED, check_hosts
from helpers import MOCKUPS, REPO, group_hosts, hostvars, run_inventory

from lab import runner

PASSWORD = "lab-test-password-7f3a"
PROFILES = {
    "hgx-h100": ("dell", "supermicro", "nvidia"),
    "l40s-pcie": ("dell", "supermicro", "nvidia"),
    "cpu-mgmt": ("dell", "supermicro", "nvidia"),
    "bf3-dpu": (None,),
}


def profile_expectations(profile):
    data = yaml.safe_load((REPO / "lab" / "profiles" / ("%s.yml" % profile)).read_text())
    return data["expected"]


def inventory_config(lab, names=None, **options):
    endpoints = [{"url": e["url"], "name": e["name"]} for e in lab.endpoints
                 if names is None or e["name"] in names]
    config = {
        "plugin": "aifactory.infra.redfish",
        "endpoints": endpoints,
        "username": "admin",
        "password": PASSWORD,
        "ca_path": str(lab.ca),
        "timeout": 5,
    }
    config.update(options)
    return config


@pytest.fixture(scope="module")
def synthetic_lab(tmp_path_factory):
    bmcs = []
    for profile, flavours in PROFILES.items():
        for flavour in flavours:
            entry = {"name": "%s-%s" % (profile, flavour or "bmc"), "profile": profile}
            if flavour:
                entry["flavour"] = flavour
            bmcs.append(entry)
    factory = {"defaults": {"username": "admin", "password": PASSWORD, "base_port": 0},
               "control_port": 0, "bmcs": bmcs}
    with runner.running(factory, state_dir=tmp_path_factory.mktemp("lab-synthetic")) as lab:
        yield lab


def test_every_profile_and_flavour(synthetic_lab, tmp_path):
    inventory, completed = run_inventory(inventory_config(synthetic_lab), tmp_path)
    assert completed.returncode == 0, completed.stderr
    variables = hostvars(inventory)
    assert group_hosts(inventory, "bmc_error") == []

    for profile, flavours in PROFILES.items():
        expected = profile_expectations(profile)
        for flavour in flavours:
            name = "%s-%s" % (profile, flavour or "bmc")
            hardware = variables[name]["hardware"]
            assert hardware["kind"] == expected["kind"], name
            assert hardware["gpu_count"] == expected["gpus"], name
            if expected["kind"] == "dpu":
                assert hardware["dpu_mode"] == expected["dpu_mode"], name
                assert name in group_hosts(inventory, "dpus")
                continue
            assert hardware["cpu_count"] == expected["cpus"], name
            assert hardware["memory_gib"] == expected["memory_gib"], name
            assert len(hardware["dpus"]) == expected["dpus"], name
            assert len(hardware["nics"]) == expected["nics"], name
            infiniband = [n for n in hardware["nics"] if n["link_type"] == "infiniband"]
            assert len(infiniband) == expected["ib_nics"], name
            for gpu in hardware["gpus"]:
                assert expected["gpu_model"] in gpu["model"], name
                assert gpu["vendor"] == expected["gpu_vendor"], name
                # A PCIe device reports no memory size; the model name may carry it.
                if gpu["source"] != "pcie_device" or gpu["memory_gib"] is not None:
                    assert gpu["memory_gib"] == expected["gpu_memory_gib"], name
            for dpu in hardware["dpus"]:
                assert dpu["generation"] == expected["dpu_generation"], name
            assert hardware["boot_macs"], name
            assert (name in group_hosts(inventory, "gpu_servers")) == (expected["gpus"] > 0)


def test_nvidia_flavour_merges_baseboard(synthetic_lab, tmp_path):
    inventory, completed = run_inventory(inventory_config(synthetic_lab, ["hgx-h100-nvidia"]), tmp_path)
    assert completed.returncode == 0, completed.stderr
    hardware = hostvars(inventory)["hgx-h100-nvidia"]["hardware"]
    assert len(hardware["systems"]) == 2
    assert group_hosts(inventory, "servers") == ["hgx-h100-nvidia"]


@pytest.mark.skipif(not MOCKUPS.is_dir(), reason="captures of real BMCs not found")
def test_captures_served_by_lab(tmp_path):
    bmcs = [{"name": capture, "mockup": str(MOCKUPS / capture)} for capture in sorted(EXPECTED)]
    factory = {"defaults": {"username": "admin", "password": PASSWORD, "base_port": 0},
               "control_port": 0, "bmcs": bmcs}
    with runner.running(factory, state_dir=tmp_path / "lab") as lab:
        inventory, completed = run_inventory(inventory_config(lab), tmp_path)
    assert completed.returncode == 0, completed.stderr
    variables = hostvars(inventory)
    assert group_hosts(inventory, "bmc_error") == []
    for capture in EXPECTED:
        hosts = [v["hardware"] for host, v in sorted(variables.items())
                 if host == capture or host.startswith(capture + "-")]
        check_hosts(hosts, capture)


@pytest.fixture(scope="module")
def faulty_lab(tmp_path_factory):
    bmcs = [
        {"name": "healthy-1", "profile": "hgx-h100", "flavour": "dell"},
        {"name": "healthy-2", "profile": "l40s-pcie", "flavour": "supermicro"},
        {"name": "hangs", "profile": "cpu-mgmt", "faults": {"timeout": True}},
        {"name": "broken", "profile": "cpu-mgmt", "faults": {"error_status": 500}},
        {"name": "locked", "profile": "cpu-mgmt", "faults": {"reject_credentials": True}},
        {"name": "garbage", "profile": "cpu-mgmt", "faults": {"malformed_json": True}},
        {"name": "busy", "profile": "cpu-mgmt",
         "faults": {"error_burst": {"status": 503, "count": 2, "retry_after": 1}}},
    ]
    factory = {"defaults": {"username": "admin", "password": PASSWORD, "base_port": 0},
               "control_port": 0, "bmcs": bmcs}
    with runner.running(factory, state_dir=tmp_path_factory.mktemp("lab-faults")) as lab:
        yield lab


def test_faults_land_in_bmc_error(faulty_lab, tmp_path):
    config = inventory_config(faulty_lab, timeout=3, retry_budget=5)
    inventory, completed = run_inventory(config, tmp_path)

    assert completed.returncode == 0, completed.stderr
    assert "Traceback" not in completed.stderr
    assert group_hosts(inventory, "bmc_error") == ["broken", "garbage", "hangs", "locked"]
    assert group_hosts(inventory, "servers") == ["busy", "healthy-1", "healthy-2"]

    variables = hostvars(inventory)
    reasons = {name: variables[name]["bmc_error_reason"] for name in group_hosts(inventory, "bmc_error")}
    assert "no answer within 3s" in reasons["hangs"]
    assert "HTTP 500" in reasons["broken"]
    assert "HTTP 401" in reasons["locked"]
    assert "password" in reasons["locked"]
    assert "not valid JSON" in reasons["garbage"]
    for name, reason in reasons.items():
        assert variables[name]["bmc_url"] in reason, name
    assert variables["healthy-1"]["hardware"]["gpu_count"] == 8


def test_strict_fails_on_broken_bmc(faulty_lab, tmp_path):
    config = inventory_config(faulty_lab, ["healthy-1", "broken"], strict=True, retry_budget=2)

    # Ansible turns a failed inventory source into a warning and an empty inventory...
    inventory, completed = run_inventory(config, tmp_path)
    assert hostvars(inventory) == {}
    assert "1 BMC(s) could not be read" in completed.stderr

    # ...and into a failed command when unparsed sources are errors.
    inventory, completed = run_inventory(config, tmp_path, env={"ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "true"})
    assert inventory is None
    assert completed.returncode != 0
    assert "1 BMC(s) could not be read" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_password_never_in_output_or_cache(faulty_lab, tmp_path):
    cache_dir = tmp_path / "cache"
    config = inventory_config(faulty_lab, timeout=3, retry_budget=2, cache=True,
                              cache_plugin="ansible.builtin.jsonfile", cache_connection=str(cache_dir),
                              cache_timeout=3600)
    inventory, completed = run_inventory(config, tmp_path, extra_args=["-vvvv"])
    assert completed.returncode == 0, completed.stderr
    cached = list(cache_dir.iterdir())
    assert cached, "the inventory cache was not written"
    for text in [completed.stdout, completed.stderr] + [p.read_text() for p in cached]:
        assert PASSWORD not in text

    # A second run reads the cache: same hosts although the BMCs are not asked again.
    before = faulty_lab.control("GET", "/lab/v1/requests")
    again, completed = run_inventory(config, tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert sorted(hostvars(again)) == sorted(hostvars(inventory))
    assert faulty_lab.control("GET", "/lab/v1/requests") == before


def test_wrong_ca_is_tls_error(synthetic_lab, tmp_path):
    config = inventory_config(synthetic_lab, ["cpu-mgmt-dell"])
    del config["ca_path"]
    inventory, completed = run_inventory(config, tmp_path)
    assert completed.returncode == 0, completed.stderr
    reason = hostvars(inventory)["cpu-mgmt-dell"]["bmc_error_reason"]
    assert "TLS error" in reason
    assert "ca_path" in reason


def test_redfish_facts_module(synthetic_lab, tmp_path):
    endpoint = synthetic_lab.endpoint("hgx-h100-supermicro")
    playbook = tmp_path / "facts.yml"
    playbook.write_text(yaml.safe_dump([{
        "hosts": "localhost", "gather_facts": False,
        "tasks": [
            {"aifactory.infra.redfish_facts": {
                "baseurl": endpoint["url"], "username": "admin", "password": PASSWORD,
                "ca_path": str(synthetic_lab.ca)}, "register": "facts"},
            {"ansible.builtin.copy": {"content": "{{ facts | to_json }}", "dest": str(tmp_path / "facts.json"),
                                      "mode": "0600"}},
        ]}]))
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", "-c", "local",
         "-e", "ansible_python_interpreter=%s" % sys.executable, "-vvv", str(playbook)],
        capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert PASSWORD not in completed.stdout + completed.stderr
    facts = json.loads((tmp_path / "facts.json").read_text())
    assert facts["changed"] is False
    assert facts["hardware"]["gpu_count"] == 8
    assert facts["ansible_facts"]["hardware"]["system_id"] == facts["system_id"]


def test_relative_ca_path_and_missing_ca(synthetic_lab, tmp_path):
    inventory_dir = tmp_path / "inventory"
    inventory_dir.mkdir()
    (tmp_path / "lab-ca.pem").write_bytes(Path(synthetic_lab.ca).read_bytes())
    config = inventory_config(synthetic_lab, ["cpu-mgmt-dell"], ca_path="../lab-ca.pem")
    config["endpoints"].append({"url": config["endpoints"][0]["url"], "name": "no-ca",
                                "ca_path": "missing-ca.pem"})
    (inventory_dir / "lab.redfish.yml").write_text(yaml.safe_dump(config))

    # The working directory is not the inventory's: relative paths follow the inventory file.
    inventory, completed = run_inventory(config, tmp_path, source=inventory_dir / "lab.redfish.yml")

    assert completed.returncode == 0, completed.stderr
    assert group_hosts(inventory, "servers") == ["cpu-mgmt-dell"]
    reason = hostvars(inventory)["no-ca"]["bmc_error_reason"]
    assert "CA bundle %s not found" % (inventory_dir / "missing-ca.pem") in reason


def test_cidr_range_is_probed(synthetic_lab, tmp_path):
    port = int(synthetic_lab.url("cpu-mgmt-dell").rsplit(":", 1)[1])
    config = inventory_config(synthetic_lab, ["l40s-pcie-nvidia"])
    # 127.0.0.1 serves the lab BMC; nothing listens on 127.0.0.2 and .3 at that port.
    config["endpoints"].append({"cidr": "127.0.0.0/30", "port": port})
    inventory, completed = run_inventory(config, tmp_path)

    assert completed.returncode == 0, completed.stderr
    # Named after the address, with the port because another endpoint shares the address.
    name = "127.0.0.1-%d" % port
    assert group_hosts(inventory, "servers") == [name, "l40s-pcie-nvidia"]
    assert group_hosts(inventory, "bmc_error") == []
    assert hostvars(inventory)[name]["bmc_url"] == "https://127.0.0.1:%d" % port


def test_cidr_too_large_is_rejected(synthetic_lab, tmp_path):
    config = inventory_config(synthetic_lab, ["cpu-mgmt-dell"])
    config["endpoints"].append({"cidr": "10.0.0.0/8"})
    inventory, completed = run_inventory(config, tmp_path)
    assert hostvars(inventory) == {}
    assert "more than the 4096 a range may have" in completed.stderr
