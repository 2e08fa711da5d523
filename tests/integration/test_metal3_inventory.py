"""The metal3 inventory plugin against a real kube-apiserver with Metal3's CRDs.

No baremetal-operator runs in the lab, so the tests write what Ironic inspection would have
reported, derived from the hardware model that Redfish discovery built: status.hardware through
the status subresource, and HardwareData objects. The inventory must give back that hardware.
"""

import json
import os
import subprocess

import pytest
import yaml
from kubernetes import client, dynamic

from helpers import BIN, free_port, group_hosts, hostvars
from metal3_hosts_data import METAL3_CRDS, apply_metal3_crds, capture_servers, lab_servers
from ansible_collections.aifactory.infra.plugins.module_utils import metal3

NAMESPACE = "metal3-inventory"
GROUP, VERSION = "metal3.io", "v1alpha1"
BLUEFIELD_DEVICE_IDS = {"BlueField-2": "0xa2d6", "BlueField-3": "0xa2dc"}

pytestmark = pytest.mark.skipif(not METAL3_CRDS.is_dir(), reason="baremetal-operator CRDs not found")


def ipoib_address(guid):
    """Return the 20-byte hardware address Linux gives the IPoIB interface of an InfiniBand port GUID."""
    digits = guid.replace(":", "")
    return "00:00:10:49:fe:80:00:00:00:00:00:00:" + ":".join(digits[index:index + 2] for index in range(0, 16, 2))


def inspection_details(hardware):
    """Return status.hardware as Ironic inspection and baremetal-operator would write it for ``hardware``."""
    nics = []
    bus = 0x10
    boot_macs = hardware.get("boot_macs") or []
    adapter_macs = [mac for nic in hardware.get("nics") or [] for mac in nic["macs"]]
    # Onboard ports that carry the boot MACs but are no adapter of the model.
    onboard = [mac for mac in boot_macs if mac not in adapter_macs]
    adapters = [("0x14e4 0x165f", "eno", onboard, 1)] if onboard else []
    for nic in hardware.get("nics") or []:
        model = "0x15b3 0x1021" if "Mellanox" in (nic.get("vendor") or "") or "NVIDIA" in (nic.get("vendor") or "") \
            else "0x8086 0x159b"
        prefix = "ibp" if nic["link_type"] == "infiniband" else "ens"
        adapters.append((model, prefix, nic["macs"], nic.get("speed_gbps") or 0))
    for dpu in hardware.get("dpus") or []:
        adapters.append(("0x15b3 %s" % BLUEFIELD_DEVICE_IDS.get(dpu.get("generation"), "0x1021"), "ens",
                         dpu.get("macs") or [], 200))
    for model, prefix, macs, speed in adapters:
        for function, mac in enumerate(macs):
            if prefix == "ibp" and len(mac.split(":")) == 4:
                mac = ipoib_address(mac)
            nics.append({"name": "%s%ds0f%d" % (prefix, bus, function), "mac": mac, "model": model,
                         "speedGbps": speed, "pxe": bool(boot_macs) and mac == boot_macs[0],
                         "pciAddress": "0000:%02x:00.%d" % (bus, function), "ip": ""})
        bus += 1

    storage = []
    for index, disk in enumerate(hardware.get("disks") or []):
        nvme = disk.get("protocol") == "NVMe"
        entry = {"name": "/dev/nvme%dn1" % index if nvme else "/dev/sd%s" % chr(ord("a") + index),
                 "sizeBytes": int(round(disk["size_gb"] * 1e9)), "rotational": disk.get("media") == "HDD",
                 "type": "NVME" if nvme else ("HDD" if disk.get("media") == "HDD" else "SSD")}
        if disk.get("model"):
            entry["model"] = disk["model"]
        if disk.get("serial"):
            entry["serialNumber"] = disk["serial"]
        storage.append(entry)

    details = {
        "systemVendor": {"manufacturer": hardware.get("vendor") or "", "productName": hardware.get("model") or "",
                         "serialNumber": hardware.get("serial") or ""},
        "firmware": {"bios": {"vendor": hardware.get("vendor") or "", "version": hardware.get("bios_version") or ""}},
        "cpu": {"arch": "x86_64", "model": hardware.get("cpu_model") or "",
                "count": 2 * (hardware.get("cpu_cores") or 1), "clockMegahertz": 2000.0},
        "nics": nics,
        "storage": storage,
        "hostname": "localhost",
    }
    if hardware.get("memory_gib"):
        details["ramMebibytes"] = int(hardware["memory_gib"] * 1024)
    return details


def status_for(hardware, state, details):
    status = {"operationalStatus": "OK", "errorCount": 0, "errorMessage": "",
              "poweredOn": hardware.get("power_state") == "On",
              "provisioning": {"ID": "3f2c1d", "state": state, "bootMode": "UEFI"}}
    if details is not None:
        status["hardware"] = details
    return status


@pytest.fixture(scope="module")
def inspected(kube_api_client):
    """Register every lab server and capture, and write their inspection data three ways.

    Lab servers get status.hardware and a HardwareData object, captures HardwareData only,
    and mgmt-01 status.hardware only, as an operator from before HardwareData would.
    """
    apply_metal3_crds(kube_api_client)
    client.CoreV1Api(kube_api_client).create_namespace({"metadata": {"name": NAMESPACE}})
    servers = dict(lab_servers())
    captures = capture_servers()
    servers.update(captures)

    resources = dynamic.DynamicClient(kube_api_client).resources
    hosts = resources.get(api_version="%s/%s" % (GROUP, VERSION), kind="BareMetalHost")
    hardware_data = resources.get(api_version="%s/%s" % (GROUP, VERSION), kind="HardwareData")
    custom = client.CustomObjectsApi(kube_api_client)

    expected = {}
    for index, (name, variables) in enumerate(sorted(servers.items())):
        hardware = variables["hardware"]
        manifest = metal3.baremetalhost(name, NAMESPACE, hardware, variables["bmc_url"],
                                        system_id=variables["bmc_system_id"], warnings=[])
        object_name = manifest["metadata"]["name"]
        hosts.server_side_apply(body=manifest, namespace=NAMESPACE, field_manager="metal3-inventory-test")

        details = inspection_details(hardware)
        state = "provisioned" if name in captures else ("available" if index % 2 else "inspecting")
        in_status = name not in captures
        custom.patch_namespaced_custom_object_status(
            GROUP, VERSION, NAMESPACE, "baremetalhosts", object_name,
            {"status": status_for(hardware, state, details if in_status else None)})
        if name != "mgmt-01":
            hardware_data.create(body={"apiVersion": "%s/%s" % (GROUP, VERSION), "kind": "HardwareData",
                                       "metadata": {"name": object_name, "namespace": NAMESPACE},
                                       "spec": {"hardware": details}}, namespace=NAMESPACE)
        expected[object_name] = {"hardware": hardware, "state": state, "bmc_url": variables["bmc_url"],
                                 "source": "HardwareData" if name != "mgmt-01" else "status"}
    return expected


def run_inventory(kubeconfig, workdir, env=None, **options):
    config = {"plugin": "aifactory.infra.metal3", "kubeconfig": str(kubeconfig), "namespaces": [NAMESPACE]}
    config.update(options)
    path = workdir / "cluster.metal3.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    environment = {key: value for key, value in os.environ.items() if not key.startswith("K8S_AUTH_")}
    environment.update(env or {})
    completed = subprocess.run([str(BIN / "ansible-inventory"), "-i", str(path), "--list"], capture_output=True,
                               text=True, env=environment, cwd=str(workdir), timeout=300, check=False)
    inventory = json.loads(completed.stdout) if completed.returncode == 0 else None
    return inventory, completed


def test_inventory_reproduces_hardware(inspected, kube_cluster, tmp_path):
    inventory, completed = run_inventory(kube_cluster.kubeconfig, tmp_path)
    assert completed.returncode == 0, completed.stderr
    variables = hostvars(inventory)
    assert sorted(variables) == sorted(inspected)

    for name, want in inspected.items():
        original = want["hardware"]
        found = variables[name]["hardware"]
        for field in ("vendor", "model", "serial", "bios_version", "cpu_model", "memory_gib", "system_id"):
            assert found[field] == original[field], (name, field)
        assert found["kind"] == "server", name
        assert found["gpu_count"] == original["gpu_count"], name
        assert found["power_state"] == original["power_state"], name
        for field in ("cpu_count", "cpu_cores", "uuid", "health", "bmc_firmware_version", "bmc_model"):
            assert found[field] is None, (name, field)

        assert len(found["disks"]) == len(original["disks"]), name
        for got, disk in zip(found["disks"], original["disks"]):
            assert (got["model"], got["serial"], got["size_gb"]) == (disk["model"], disk["serial"], disk["size_gb"]), name
            if disk["media"] in ("SSD", "HDD"):
                assert got["media"] == disk["media"], name
            if disk["protocol"] == "NVMe":
                assert got["protocol"] == "NVMe", name

        # Inspection tells BlueField DPUs by PCI device id, which only a known generation has.
        known = [dpu["generation"] for dpu in original["dpus"] if dpu["generation"]]
        assert [dpu["generation"] for dpu in found["dpus"]] == known, name
        found_macs = [set(nic["macs"]) for nic in found["nics"]]
        # Inspection lists network interfaces by address; an adapter the BMC reports without any
        # address cannot be matched.
        for nic in (nic for nic in original["nics"] if nic["macs"]):
            assert set(nic["macs"]) in found_macs, (name, nic["location"])
            if nic["link_type"] == "infiniband":
                assert any(set(nic["macs"]) == set(item["macs"]) and item["link_type"] == "infiniband"
                           for item in found["nics"]), name
        if original["boot_macs"]:
            assert found["boot_macs"][0] == original["boot_macs"][0], name

        assert variables[name]["bmc_url"] == want["bmc_url"], name
        assert variables[name]["metal3"]["hardware_source"] == want["source"], name
        assert variables[name]["metal3"]["provisioning_state"] == want["state"], name


def test_groups_by_provisioning_and_power(inspected, kube_cluster, tmp_path):
    inventory, completed = run_inventory(kube_cluster.kubeconfig, tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert group_hosts(inventory, "baremetalhosts") == sorted(inspected)
    for state in ("provisioned", "available", "inspecting"):
        want = sorted(name for name, item in inspected.items() if item["state"] == state)
        assert group_hosts(inventory, "metal3_provisioning_%s" % state) == want, state
    powered = sorted(name for name, item in inspected.items() if item["hardware"]["power_state"] == "On")
    assert group_hosts(inventory, "metal3_power_on") == powered
    assert sorted(group_hosts(inventory, "metal3_power_on") + group_hosts(inventory, "metal3_power_off")) == \
        sorted(inspected)


def test_label_selector_and_constructed_groups(inspected, kube_cluster, tmp_path):
    options = {
        "label_selector": "aifactory.io/gpu-count=8",
        "keyed_groups": [{"key": "metal3.labels['aifactory.io/dpu-generation'] | default('none')", "prefix": "dpu"}],
        "compose": {"gpu_total": "hardware.gpu_count"},
        "groups": {"h100": "'H100' in metal3.labels['aifactory.io/gpu-model']"},
    }
    inventory, completed = run_inventory(kube_cluster.kubeconfig, tmp_path, **options)
    assert completed.returncode == 0, completed.stderr
    eight = sorted(name for name, item in inspected.items() if item["hardware"]["gpu_count"] == 8)
    assert sorted(hostvars(inventory)) == eight
    assert group_hosts(inventory, "h100") == eight
    assert group_hosts(inventory, "dpu_BlueField_3") == ["gpu-node-01", "gpu-node-02", "gpu-node-03", "gpu-node-04"]
    assert all(variables["gpu_total"] == 8 for variables in hostvars(inventory).values())


def test_status_only_when_hardware_data_is_off(inspected, kube_cluster, tmp_path):
    inventory, completed = run_inventory(kube_cluster.kubeconfig, tmp_path, hardware_data=False)
    assert completed.returncode == 0, completed.stderr
    variables = hostvars(inventory)
    # Captures have their inspection data in HardwareData only.
    capture = next(name for name in inspected if name.startswith("capture-"))
    assert variables[capture]["metal3"]["hardware_source"] is None
    assert variables[capture]["hardware"]["vendor"] is None
    assert variables["gpu-node-01"]["metal3"]["hardware_source"] == "status"
    assert variables["gpu-node-01"]["hardware"]["vendor"] == inspected["gpu-node-01"]["hardware"]["vendor"]


def test_cache_answers_without_cluster(inspected, kube_cluster, tmp_path):
    cache = {"cache": True, "cache_plugin": "ansible.builtin.jsonfile",
             "cache_connection": str(tmp_path / "cache"), "cache_timeout": 600}
    first, completed = run_inventory(kube_cluster.kubeconfig, tmp_path, **cache)
    assert completed.returncode == 0, completed.stderr

    stopped = stopped_kubeconfig(kube_cluster, tmp_path)
    config = yaml.safe_load((tmp_path / "cluster.metal3.yml").read_text())
    # The cache key covers the inventory file's path, so the same file reads the cache.
    config["kubeconfig"] = str(stopped)
    (tmp_path / "cluster.metal3.yml").write_text(yaml.safe_dump(config))
    environment = {key: value for key, value in os.environ.items() if not key.startswith("K8S_AUTH_")}
    again = subprocess.run([str(BIN / "ansible-inventory"), "-i", str(tmp_path / "cluster.metal3.yml"), "--list"],
                           capture_output=True, text=True, env=environment, cwd=str(tmp_path), timeout=300,
                           check=False)
    assert again.returncode == 0, again.stderr
    assert sorted(hostvars(json.loads(again.stdout))) == sorted(hostvars(first))


def stopped_kubeconfig(kube_cluster, tmp_path):
    """Return a copy of the lab kubeconfig whose server is a port where nothing listens."""
    config = yaml.safe_load(open(kube_cluster.kubeconfig, encoding="utf-8"))
    port = free_port()
    for cluster in config["clusters"]:
        cluster["cluster"]["server"] = "https://127.0.0.1:%d" % port
    path = tmp_path / "stopped.kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return path


def test_stopped_api_server_names_endpoint(kube_cluster, tmp_path):
    kubeconfig = stopped_kubeconfig(kube_cluster, tmp_path)
    server = yaml.safe_load(kubeconfig.read_text())["clusters"][0]["cluster"]["server"]

    inventory, completed = run_inventory(kubeconfig, tmp_path, request_timeout=5)
    assert completed.returncode == 0
    assert hostvars(inventory) == {}
    message = "Cannot reach the Kubernetes API server at %s: connection refused" % server
    assert message in " ".join(completed.stderr.split())

    inventory, completed = run_inventory(kubeconfig, tmp_path, env={"ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "true"})
    assert completed.returncode != 0
    assert server in completed.stderr
    assert "Traceback" not in completed.stderr


@pytest.mark.parametrize("case", ["missing-file", "unknown-context"])
def test_wrong_kubeconfig_is_named(case, kube_cluster, tmp_path):
    if case == "missing-file":
        kubeconfig, options, message = tmp_path / "absent.kubeconfig", {}, "was not found"
    else:
        kubeconfig, options, message = kube_cluster.kubeconfig, {"context": "no-such-context"}, "no-such-context"
    inventory, completed = run_inventory(kubeconfig, tmp_path, env={"ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "true"},
                                         **options)
    assert inventory is None
    text = " ".join(completed.stderr.split())
    assert message in text
    assert "Metal3 inventory" in text
    if case == "missing-file":
        assert str(kubeconfig) in text
    assert "Traceback" not in completed.stderr
