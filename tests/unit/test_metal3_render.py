"""BareMetalHost and Secret rendering from the hardware model (plugins/module_utils/metal3.py)."""

import base64
import re

import pytest

from captures import EXPECTED
from recorded import RecordedBmc
from ansible_collections.aifactory.infra.plugins.module_utils import metal3
from ansible_collections.aifactory.infra.plugins.module_utils.errors import InvalidInputError
from ansible_collections.aifactory.infra.plugins.module_utils.introspection import build_hosts
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.snapshot import take_snapshot

LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
OBJECT_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def server(**fields):
    """Return a hardware model of a server with the given fields replaced."""
    hardware = {
        "kind": "server", "system_id": "1", "vendor": "Supermicro", "model": "SYS-821GE-TNHR",
        "bmc_model": "ASPEED", "gpu_count": 8,
        "gpus": [{"vendor": "NVIDIA", "model": "NVIDIA H100 80GB HBM3"}] * 8,
        "dpus": [{"generation": "BlueField-3"}, {"generation": "BlueField-3"}],
        "disks": [
            {"model": "SAMSUNG MZQL23T8HCLS-00A07", "serial": "DATA1", "size_gb": 3840.8, "media": "SSD", "protocol": "NVMe"},
            {"model": "SAMSUNG MZ1L2960HCJR-00A07", "serial": "BOOT1", "size_gb": 960.2, "media": "SSD", "protocol": "NVMe"},
            {"model": "SAMSUNG MZ1L2960HCJR-00A07", "serial": "BOOT2", "size_gb": 960.2, "media": "SSD", "protocol": "NVMe"},
        ],
        "boot_macs": ["0C:42:A1:00:00:01", "0c:42:a1:00:00:02"],
    }
    hardware.update(fields)
    return hardware


def capture_servers(mockup, capture):
    snapshot = take_snapshot(RecordedBmc(mockup(capture)))
    return [host for host in build_hosts(snapshot.resources) if host["kind"] == "server"]


@pytest.mark.parametrize("vendor, bmc_model, protocol, method, expected", [
    ("Dell Inc.", "16G Monolithic", "redfish", "virtualmedia", "idrac-virtualmedia"),
    ("Dell Inc.", "16G Monolithic", "redfish", "network", "idrac-redfish"),
    ("Dell Inc.", "16G Monolithic", "redfish", "uefihttp", "redfish-uefihttp"),
    ("HPE", "iLO 5", "redfish", "virtualmedia", "ilo5-virtualmedia"),
    ("HPE", "iLO 5", "redfish", "network", "ilo5-redfish"),
    ("HPE", "iLO 6", "redfish", "virtualmedia", "redfish-virtualmedia"),
    ("Supermicro", "ASPEED", "redfish", "virtualmedia", "redfish-virtualmedia"),
    ("NVIDIA", "OpenBmc", "redfish", "network", "redfish"),
    ("Dell Inc.", None, "ipmi", "virtualmedia", "ipmi"),
])
def test_driver_fits_vendor_and_protocol(vendor, bmc_model, protocol, method, expected):
    hardware = {"vendor": vendor, "bmc_model": bmc_model}
    assert metal3.select_driver(hardware, protocol, method) == expected


def test_explicit_driver_is_checked():
    assert metal3.select_driver({"vendor": "Dell Inc."}, "redfish", driver="redfish") == "redfish"
    with pytest.raises(InvalidInputError, match="Unknown Metal3 BMC driver 'irmc'"):
        metal3.select_driver({}, "redfish", driver="irmc")
    with pytest.raises(InvalidInputError, match="does not fit a BMC reached over ipmi"):
        metal3.select_driver({}, "ipmi", driver="redfish-virtualmedia")
    with pytest.raises(InvalidInputError, match="Invalid boot method 'pxe'"):
        metal3.select_driver({}, "redfish", boot_method="pxe")


@pytest.mark.parametrize("url, driver, system_id, expected", [
    ("https://10.0.0.5", "idrac-virtualmedia", "System.Embedded.1",
     "idrac-virtualmedia://10.0.0.5/redfish/v1/Systems/System.Embedded.1"),
    ("https://127.0.0.1:8443", "redfish-virtualmedia", "1",
     "redfish-virtualmedia://127.0.0.1:8443/redfish/v1/Systems/1"),
    ("http://bmc.example.com:8000", "redfish", "System_0",
     "redfish+http://bmc.example.com:8000/redfish/v1/Systems/System_0"),
    ("https://[fd00::5]", "ilo5-virtualmedia", "1", "ilo5-virtualmedia://[fd00::5]/redfish/v1/Systems/1"),
    ("https://10.0.0.5", "redfish", "a b/c", "redfish://10.0.0.5/redfish/v1/Systems/a%20b%2Fc"),
    ("ipmi://10.0.0.6", "ipmi", None, "ipmi://10.0.0.6"),
    ("ipmi://10.0.0.6:623", "ipmi", None, "ipmi://10.0.0.6"),
    ("ipmi://127.0.0.1:6230", "ipmi", None, "ipmi://127.0.0.1:6230"),
])
def test_bmc_address(url, driver, system_id, expected):
    assert metal3.bmc_address(url, driver, system_id) == expected


@pytest.mark.parametrize("url, driver, system_id, message", [
    ("10.0.0.5", "redfish", "1", "Invalid BMC URL '10.0.0.5'"),
    ("https://admin:pw@10.0.0.5", "redfish", "1", r"https://\*\*\*@10.0.0.5"),
    ("https://10.0.0.5", "redfish", None, "system id of BMC https://10.0.0.5 is missing"),
    ("https://10.0.0.5", "ipmi", None, "not an ipmi:// endpoint"),
    ("ipmi://10.0.0.5", "redfish", "1", "does not fit the Redfish driver redfish"),
    ("https://10.0.0.5:99999", "redfish", "1", "port is not a number"),
])
def test_bmc_address_rejects(url, driver, system_id, message):
    with pytest.raises(InvalidInputError, match=message) as raised:
        metal3.bmc_address(url, driver, system_id)
    assert "pw" not in str(raised.value)


def test_root_hints_pick_smallest_ssd():
    assert metal3.root_device_hints(server()["disks"]) == {"serialNumber": "BOOT1"}


def test_root_hints_skip_small_and_rotating_disks():
    disks = [
        {"model": "SATADOM", "serial": "DOM", "size_gb": 64.0, "media": "SSD"},
        {"model": "HDD", "serial": "H1", "size_gb": 1000.2, "media": "HDD"},
        {"model": "SSD", "serial": "S1", "size_gb": 1920.4, "media": "SSD"},
    ]
    assert metal3.root_device_hints(disks) == {"serialNumber": "S1"}
    assert metal3.root_device_hints(disks[:2]) == {"serialNumber": "H1"}
    assert metal3.root_device_hints(disks, min_size_gb=32) == {"serialNumber": "DOM"}


def test_root_hints_without_serial_use_model_and_size():
    disks = [{"model": "3000GT7", "serial": None, "size_gb": 4000.0, "media": "HDD"}]
    hints = metal3.root_device_hints(disks)
    assert hints == {"model": "3000GT7", "minSizeGigabytes": 3725, "rotational": True}
    # The hint must not exceed the disk: 3725 GiB is below 4000.0 GB.
    assert hints["minSizeGigabytes"] * 2 ** 30 <= 4000.0e9


def test_root_hints_none_policy_and_no_disks():
    assert metal3.root_device_hints(server()["disks"], policy="none") is None
    assert metal3.root_device_hints([]) is None
    assert metal3.root_device_hints(None) is None
    with pytest.raises(InvalidInputError, match="Invalid root device policy 'largest'"):
        metal3.root_device_hints([], policy="largest")


def test_hardware_labels():
    labels = metal3.hardware_labels(server())
    assert labels == {
        "aifactory.io/gpu-count": "8",
        "aifactory.io/gpu-vendor": "NVIDIA",
        "aifactory.io/gpu-model": "NVIDIA-H100-80GB-HBM3",
        "aifactory.io/dpu-count": "2",
        "aifactory.io/dpu-generation": "BlueField-3",
    }


def test_hardware_labels_of_cpu_server_and_mixed_gpus():
    labels = metal3.hardware_labels(server(gpus=[], gpu_count=0, dpus=[]))
    assert labels == {"aifactory.io/gpu-count": "0", "aifactory.io/dpu-count": "0"}

    mixed = [{"vendor": "NVIDIA", "model": "L40S"}, {"vendor": "NVIDIA", "model": "H100"},
             {"vendor": "NVIDIA", "model": "H100"}]
    labels = metal3.hardware_labels(server(gpus=mixed, gpu_count=3), prefix="")
    assert labels["gpu-model"] == "H100"
    assert labels["gpu-count"] == "3"


@pytest.mark.parametrize("text, expected", [
    ("NVIDIA H100 80GB HBM3", "NVIDIA-H100-80GB-HBM3"),
    ("(GH200) 96GB", "GH200-96GB"),
    ("x" * 80, "x" * 63),
    ("a" * 62 + " b", "a" * 62),
    ("---", ""),
])
def test_label_value(text, expected):
    value = metal3.label_value(text)
    assert value == expected
    assert LABEL_VALUE.match(value)


@pytest.mark.parametrize("text, expected", [
    ("gpu-node-01", "gpu-node-01"),
    ("GPU_Node_01", "gpu-node-01"),
    ("nvidia_gh200", "nvidia-gh200"),
    ("node-01.rack-3.example.com", "node-01.rack-3.example.com"),
    ("-a-..-b-", "a.b"),
])
def test_resource_name(text, expected):
    assert metal3.resource_name(text) == expected


def test_resource_name_rejects_empty():
    with pytest.raises(InvalidInputError, match="Cannot make a Kubernetes object name from '__'"):
        metal3.resource_name("__")


def test_baremetalhost_manifest():
    bmh = metal3.baremetalhost("GPU_Node_01", "metal3", server(), "https://10.0.0.5:8443",
                               labels={"rack": "r12"}, annotations={"owner": "team-a"})
    assert bmh["apiVersion"] == "metal3.io/v1alpha1"
    assert bmh["kind"] == "BareMetalHost"
    assert bmh["metadata"]["name"] == "gpu-node-01"
    assert bmh["metadata"]["namespace"] == "metal3"
    assert bmh["metadata"]["labels"]["rack"] == "r12"
    assert bmh["metadata"]["labels"]["aifactory.io/gpu-count"] == "8"
    assert bmh["metadata"]["annotations"] == {"owner": "team-a"}
    spec = bmh["spec"]
    assert spec["bmc"] == {"address": "redfish-virtualmedia://10.0.0.5:8443/redfish/v1/Systems/1",
                           "credentialsName": "gpu-node-01-bmc-secret"}
    assert spec["bootMACAddress"] == "0c:42:a1:00:00:01"
    assert spec["bootMode"] == "UEFI"
    assert spec["online"] is False
    assert spec["rootDeviceHints"] == {"serialNumber": "BOOT1"}
    assert spec["description"] == "Supermicro SYS-821GE-TNHR, 8 x NVIDIA H100 80GB HBM3, 2 x BlueField-3"
    assert "automatedCleaningMode" not in spec


def test_baremetalhost_options():
    bmh = metal3.baremetalhost(
        "n1", "metal3", server(), "https://10.0.0.5", boot_mode="UEFISecureBoot", online=True,
        disable_certificate_verification=True, boot_mac="0c:42:a1:00:00:09",
        root_hints={"deviceName": "/dev/sda"}, paused=True, automated_cleaning_mode="disabled",
        credentials_name="shared-bmc-credentials", description="spare")
    spec = bmh["spec"]
    assert spec["bootMode"] == "UEFISecureBoot"
    assert spec["online"] is True
    assert spec["bmc"]["disableCertificateVerification"] is True
    assert spec["bmc"]["credentialsName"] == "shared-bmc-credentials"
    assert spec["bootMACAddress"] == "0c:42:a1:00:00:09"
    assert spec["rootDeviceHints"] == {"deviceName": "/dev/sda"}
    assert spec["automatedCleaningMode"] == "disabled"
    assert spec["description"] == "spare"
    assert bmh["metadata"]["annotations"] == {"baremetalhost.metal3.io/paused": "true"}


def test_missing_boot_mac_falls_back_to_network_boot():
    warnings = []
    bmh = metal3.baremetalhost("n1", "metal3", server(boot_macs=[], vendor="Dell Inc."),
                               "https://10.0.0.5", warnings=warnings)
    assert bmh["spec"]["bmc"]["address"].startswith("idrac-redfish://")
    assert "bootMACAddress" not in bmh["spec"]
    assert len(warnings) == 1
    assert "idrac-virtualmedia" in warnings[0]
    assert "metal3_hosts_boot_mac_address" in warnings[0]


def test_missing_boot_mac_with_explicit_driver_fails():
    with pytest.raises(InvalidInputError, match="Host n1 has no boot MAC address, which the redfish-virtualmedia"):
        metal3.baremetalhost("n1", "metal3", server(boot_macs=[]), "https://10.0.0.5",
                             driver="redfish-virtualmedia")


def test_ipmi_host_without_mac_or_disks():
    hardware = {"kind": "server", "vendor": "Supermicro", "system_id": None, "boot_macs": [], "disks": [],
                "gpus": [], "dpus": [], "gpu_count": None}
    bmh = metal3.baremetalhost("legacy-ipmi-01", "metal3", hardware, "ipmi://127.0.0.1:6230", protocol="ipmi")
    assert bmh["spec"]["bmc"]["address"] == "ipmi://127.0.0.1:6230"
    assert "bootMACAddress" not in bmh["spec"]
    assert "rootDeviceHints" not in bmh["spec"]
    assert "aifactory.io/gpu-count" not in bmh["metadata"]["labels"]
    assert "aifactory.io/dpu-count" not in bmh["metadata"]["labels"]


@pytest.mark.parametrize("options, message", [
    ({"boot_mode": "BIOS"}, "Invalid boot mode 'BIOS' for host n1"),
    ({"automated_cleaning_mode": "all"}, "Invalid automated cleaning mode 'all'"),
    ({"labels": {"rack": 12}}, "Invalid value 12 of label rack"),
    ({"labels": {"bad key!": "x"}}, "Invalid label key 'bad key!'"),
    ({"annotations": {"note": True}}, "Invalid value True of annotation note"),
    ({"boot_mac": "0c:42:a1"}, "Invalid boot MAC address '0c:42:a1'"),
    ({"label_prefix": "Not_A_Domain"}, "Invalid label prefix 'Not_A_Domain'"),
])
def test_baremetalhost_rejects(options, message):
    with pytest.raises(InvalidInputError, match=re.escape(message)):
        metal3.baremetalhost("n1", "metal3", server(), "https://10.0.0.5", **options)


def test_dpu_and_missing_hardware_rejected():
    with pytest.raises(InvalidInputError, match="Host bf3 is a dpu, not a server"):
        metal3.baremetalhost("bf3", "metal3", {"kind": "dpu"}, "https://10.0.0.7")
    with pytest.raises(InvalidInputError, match="Host n1 has no hardware model"):
        metal3.baremetalhost("n1", "metal3", None, "https://10.0.0.7")


def test_bmc_secret():
    secret = metal3.bmc_secret("gpu-node-01-bmc-secret", "metal3", "admin", "pässword")
    assert secret["kind"] == "Secret"
    assert secret["type"] == "Opaque"
    assert secret["metadata"]["labels"] == {"environment.metal3.io": "baremetal"}
    assert base64.b64decode(secret["data"]["username"]) == b"admin"
    assert base64.b64decode(secret["data"]["password"]).decode("utf-8") == "pässword"
    assert "stringData" not in secret


def test_bmc_secret_requires_credentials():
    with pytest.raises(InvalidInputError, match="The BMC password for Secret metal3/s is missing"):
        metal3.bmc_secret("s", "metal3", "admin", "")


def test_secret_template_has_no_password():
    secret = metal3.bmc_secret_template("s", "metal3", "admin")
    assert secret["stringData"] == {"username": "admin", "password": metal3.PASSWORD_PLACEHOLDER}
    assert "data" not in secret


@pytest.mark.parametrize("capture", sorted(EXPECTED))
def test_every_capture_renders(mockup, capture):
    for hardware in capture_servers(mockup, capture):
        warnings = []
        bmh = metal3.baremetalhost(capture, "metal3", hardware, "https://192.0.2.10", warnings=warnings)
        assert OBJECT_NAME.match(bmh["metadata"]["name"]), capture
        for value in bmh["metadata"]["labels"].values():
            assert LABEL_VALUE.match(value), (capture, value)
        address = bmh["spec"]["bmc"]["address"]
        assert address.endswith("/redfish/v1/Systems/%s" % hardware["system_id"]), capture
        if hardware["boot_macs"]:
            assert bmh["spec"]["bootMACAddress"] == hardware["boot_macs"][0], capture
            assert warnings == [], capture
        else:
            assert "bootMACAddress" not in bmh["spec"], capture
            assert len(warnings) == 1, capture


def test_dell_capture_uses_idrac(mockup):
    bmh = metal3.baremetalhost("dell", "metal3", capture_servers(mockup, "dell")[0], "https://192.0.2.10")
    assert bmh["spec"]["bmc"]["address"] == "idrac-virtualmedia://192.0.2.10/redfish/v1/Systems/System.Embedded.1"
    assert bmh["metadata"]["labels"]["aifactory.io/dpu-generation"] == "BlueField-2"
