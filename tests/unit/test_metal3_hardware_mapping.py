"""Mapping BareMetalHosts and HardwareData to the hardware model (plugins/module_utils/metal3_inventory.py)."""

import pytest

from ansible_collections.aifactory.infra.plugins.module_utils import metal3_inventory as inventory

DETAILS = {
    "systemVendor": {"manufacturer": "Dell Inc.", "productName": "PowerEdge XE9680", "serialNumber": "7XH3Q14"},
    "firmware": {"bios": {"vendor": "Dell Inc.", "version": "2.3.5", "date": "04/01/2025"}},
    "ramMebibytes": 2097152,
    "cpu": {"arch": "x86_64", "model": "Intel(R) Xeon(R) Platinum 8480+", "count": 224, "clockMegahertz": 3800},
    "nics": [
        {"name": "eno8303", "mac": "C2:7F:D3:E3:11:01", "model": "0x14e4 0x165f", "pxe": True, "speedGbps": 1,
         "pciAddress": "0000:04:00.0"},
        {"name": "eno8403", "mac": "c2:7f:d3:e3:11:02", "model": "0x14e4 0x165f", "pxe": False, "speedGbps": 0,
         "pciAddress": "0000:04:00.1"},
        {"name": "ens5f0np0", "mac": "08:c0:eb:00:00:01", "model": "0x15b3 0xa2dc", "speedGbps": 200,
         "pciAddress": "0000:31:00.0"},
        {"name": "ens5f1np1", "mac": "08:c0:eb:00:00:02", "model": "0x15b3 0xa2dc", "speedGbps": 200,
         "pciAddress": "0000:31:00.1"},
        {"name": "ibp75s0", "mac": "08:c0:eb:00:01:01", "model": "0x15b3 0x1021", "speedGbps": 400,
         "pciAddress": "0000:4b:00.0"},
        {"name": "enp1s0", "mac": "aa:bb:cc:00:00:01", "model": "virtio"},
    ],
    "storage": [
        {"name": "/dev/nvme0n1", "sizeBytes": 960197124096, "model": "SAMSUNG MZ1L2960HCJR-00A07",
         "serialNumber": "K5Z73X9ZWWN3", "type": "NVME", "rotational": False},
        {"name": "/dev/sda", "sizeBytes": 480103981056, "model": "MTFDDAK480TGA", "serialNumber": "RZ8Q",
         "type": "SSD", "rotational": False},
        {"name": "/dev/sdb", "sizeBytes": 4000787030016, "model": "ST4000NM", "type": "HDD", "rotational": True},
    ],
}


def bmh(status=None, labels=None, address="idrac-virtualmedia://10.0.0.5/redfish/v1/Systems/System.Embedded.1"):
    return {
        "apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHost",
        "metadata": {"name": "gpu-node-01", "namespace": "metal3", "uid": "u1",
                     "labels": labels if labels is not None else {"aifactory.io/gpu-count": "8"}},
        "spec": {"online": True, "bootMACAddress": "c2:7f:d3:e3:11:01", "bootMode": "UEFI",
                 "bmc": {"address": address, "credentialsName": "gpu-node-01-bmc-secret"}},
        "status": status if status is not None else {},
    }


@pytest.mark.parametrize("address, expected", [
    ("idrac-virtualmedia://10.0.0.5/redfish/v1/Systems/System.Embedded.1",
     ("idrac-virtualmedia", "https://10.0.0.5", "System.Embedded.1", "redfish")),
    ("redfish-virtualmedia+http://127.0.0.1:8443/redfish/v1/Systems/1",
     ("redfish-virtualmedia", "http://127.0.0.1:8443", "1", "redfish")),
    ("redfish+https://bmc:443/redfish/v1/Systems/a%20b/", ("redfish", "https://bmc:443", "a b", "redfish")),
    ("ipmi://10.0.0.6:6230", ("ipmi", "ipmi://10.0.0.6:6230", None, "ipmi")),
    ("10.0.0.6:623", ("ipmi", "ipmi://10.0.0.6:623", None, "ipmi")),
    ("irmc://10.0.0.7", ("irmc", "https://10.0.0.7", None, "irmc")),
    ("", (None, None, None, None)),
])
def test_parse_bmc_address(address, expected):
    assert inventory.parse_bmc_address(address) == expected


def test_hardware_from_inspection():
    hardware = inventory.hardware_model(bmh({"poweredOn": True}), DETAILS)
    assert hardware["kind"] == "server"
    assert hardware["vendor"] == "Dell Inc."
    assert hardware["model"] == "PowerEdge XE9680"
    assert hardware["serial"] == "7XH3Q14"
    assert hardware["bios_version"] == "2.3.5"
    assert hardware["memory_gib"] == 2048
    assert hardware["cpu_model"] == "Intel(R) Xeon(R) Platinum 8480+"
    assert hardware["power_state"] == "On"
    assert hardware["system_id"] == "System.Embedded.1"
    assert hardware["systems"] == ["System.Embedded.1"]
    assert hardware["gpu_count"] == 8
    assert hardware["boot_macs"] == ["c2:7f:d3:e3:11:01"]


def test_fields_metal3_does_not_report_stay_null():
    hardware = inventory.hardware_model(bmh(), DETAILS)
    for field in ("uuid", "sku", "health", "bmc_firmware_version", "bmc_model", "cpu_count", "cpu_cores",
                  "dpu_mode", "power_state"):
        assert hardware[field] is None, field
    assert hardware["gpus"] == []


def test_nics_grouped_by_pci_device():
    hardware = inventory.hardware_model(bmh(), DETAILS)
    nics = {nic["location"]: nic for nic in hardware["nics"]}
    assert set(nics) == {"0000:04:00", "0000:4b:00", "enp1s0"}
    assert nics["0000:04:00"]["port_count"] == 2
    assert nics["0000:04:00"]["macs"] == ["c2:7f:d3:e3:11:01", "c2:7f:d3:e3:11:02"]
    assert nics["0000:04:00"]["vendor"] == "Broadcom"
    assert nics["0000:04:00"]["speed_gbps"] == 1
    assert nics["0000:04:00"]["link_type"] == "unknown"
    assert nics["0000:4b:00"]["link_type"] == "infiniband"
    assert nics["0000:4b:00"]["speed_gbps"] == 400
    assert nics["enp1s0"]["vendor"] is None
    assert nics["enp1s0"]["speed_gbps"] is None


def test_bluefield_ports_become_dpus():
    dpus = inventory.hardware_model(bmh(), DETAILS)["dpus"]
    assert len(dpus) == 1
    assert dpus[0]["generation"] == "BlueField-3"
    assert dpus[0]["macs"] == ["08:c0:eb:00:00:01", "08:c0:eb:00:00:02"]
    assert dpus[0]["location"] == "0000:31:00"


def test_disks():
    disks = inventory.hardware_model(bmh(), DETAILS)["disks"]
    assert disks[0] == {"model": "SAMSUNG MZ1L2960HCJR-00A07", "serial": "K5Z73X9ZWWN3", "size_gb": 960.2,
                        "media": "SSD", "protocol": "NVMe"}
    assert disks[1]["media"] == "SSD"
    assert disks[1]["protocol"] is None
    assert disks[2]["media"] == "HDD"
    assert disks[2]["serial"] is None
    assert disks[2]["size_gb"] == 4000.8


def test_hardware_data_wins_over_status():
    status = {"poweredOn": False, "provisioning": {"state": "available"},
              "hardware": dict(DETAILS, firmware={"bios": {"version": "old"}})}
    hardware_data = {"metadata": {"name": "gpu-node-01", "namespace": "metal3"}, "spec": {"hardware": DETAILS}}
    host = inventory.host_from_objects(bmh(status), hardware_data)
    assert host["hardware"]["bios_version"] == "2.3.5"
    assert host["metal3"]["hardware_source"] == "HardwareData"
    assert host["hardware"]["power_state"] == "Off"

    host = inventory.host_from_objects(bmh(status))
    assert host["hardware"]["bios_version"] == "old"
    assert host["metal3"]["hardware_source"] == "status"


def test_host_before_inspection():
    host = inventory.host_from_objects(bmh(labels={}))
    assert host["metal3"]["hardware_source"] is None
    assert host["metal3"]["provisioning_state"] is None
    assert host["hardware"]["vendor"] is None
    assert host["hardware"]["gpu_count"] is None
    assert host["hardware"]["disks"] == []
    assert host["hardware"]["boot_macs"] == ["c2:7f:d3:e3:11:01"]
    assert host["bmc_url"] == "https://10.0.0.5"
    assert host["bmc_protocol"] == "redfish"
    assert host["bmc_system_id"] == "System.Embedded.1"


def test_metal3_facts():
    status = {"poweredOn": True, "operationalStatus": "error", "errorType": "inspection error",
              "errorMessage": "timeout", "provisioning": {"state": "inspecting"}}
    resource = bmh(status)
    resource["spec"]["consumerRef"] = {"kind": "Metal3Machine", "name": "worker-0"}
    facts = inventory.metal3_facts(resource, "status")
    assert facts["provisioning_state"] == "inspecting"
    assert facts["operational_status"] == "error"
    assert facts["error_type"] == "inspection error"
    assert facts["error_message"] == "timeout"
    assert facts["consumer"] == "Metal3Machine/worker-0"
    assert facts["online"] is True
    assert facts["labels"] == {"aifactory.io/gpu-count": "8"}


@pytest.mark.parametrize("value, expected", [
    ("externally provisioned", "externally_provisioned"),
    ("available", "available"),
    ("", "unknown"),
    ("powering off before delete", "powering_off_before_delete"),
])
def test_group_suffix(value, expected):
    assert inventory.group_suffix(value) == expected


@pytest.mark.parametrize("message, reason", [
    ("HTTPSConnectionPool(host='127.0.0.1', port=1): Max retries exceeded (Connection refused)",
     "connection refused"),
    ("Failed to find exact match for metal3.io/v1alpha1.BareMetalHost by [kind, name]",
     "the cluster does not serve BareMetalHost (metal3.io/v1alpha1)"),
    ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed", "TLS certificate not trusted"),
    ("(401) Reason: Unauthorized", "credentials rejected (HTTP 401)"),
    ("something else", "something else"),
])
def test_describe_failure(message, reason):
    assert inventory.describe_failure(message)[0] == reason


def test_missing_kubeconfig(tmp_path):
    with pytest.raises(inventory.KubeAccessError, match="The kubeconfig %s/nope was not found" % tmp_path):
        inventory.load_client(str(tmp_path / "nope"))


def test_kubeconfig_with_unknown_context(tmp_path):
    path = tmp_path / "kubeconfig"
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: a\n"
        "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:6443'}}]\n"
        "users: [{name: u, user: {token: t}}]\n"
        "contexts: [{name: a, context: {cluster: c, user: u}}]\n")
    api_client, endpoint = inventory.load_client(str(path))
    api_client.close()
    assert endpoint == "https://127.0.0.1:6443"
    with pytest.raises(inventory.KubeAccessError, match="context missing"):
        inventory.load_client(str(path), "missing")
