"""The hardware model on captures of real BMCs, read through the discovery walk."""

import pytest

from captures import EXPECTED, check_hosts
from recorded import RecordedBmc
from ansible_collections.aifactory.infra.plugins.module_utils.introspection import build_hosts
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.snapshot import take_snapshot


def discover(folder, expand=True):
    source = RecordedBmc(folder, expand=expand)
    snapshot = take_snapshot(source)
    return build_hosts(snapshot.resources), snapshot, source


@pytest.mark.parametrize("expand", [True, False], ids=["expand", "no-expand"])
@pytest.mark.parametrize("capture", sorted(EXPECTED))
def test_capture_hosts_and_devices(mockup, capture, expand):
    hosts, snapshot = discover(mockup(capture), expand)[:2]

    assert snapshot.warnings == []
    check_hosts(hosts, capture)


def test_dell_gpu_counted_once(mockup):
    hosts = discover(mockup("dell"))[0]
    gpu = hosts[0]["gpus"][0]
    assert gpu["source"] == "processor"
    assert gpu["model"] == "NVIDIA H100 PCIe"
    assert gpu["serial"] == "1654422007043"


def test_dell_nics(mockup):
    hosts = discover(mockup("dell"))[0]
    nics = {nic["location"]: nic for nic in hosts[0]["nics"]}
    assert set(nics) == {"NIC.Embedded.1", "NIC.Integrated.1", "InfiniBand.Slot.7"}
    assert nics["InfiniBand.Slot.7"]["link_type"] == "infiniband"
    assert nics["NIC.Integrated.1"]["link_type"] == "ethernet"
    assert hosts[0]["dpus"][0]["part_number"] == "MBF2H5"
    assert hosts[0]["dpus"][0]["location"] == "NIC.Slot.5"


def test_dell_system_fields(mockup):
    hardware = discover(mockup("dell"))[0][0]
    assert hardware["vendor"] == "Dell Inc."
    assert hardware["model"] == "PowerEdge R750"
    assert hardware["serial"] == "CNIVC0014M0388"
    assert hardware["uuid"] == "4c4c4544-0035-3410-8050-c6c04f314733"
    assert hardware["bios_version"] == "1.8.2"
    assert hardware["bmc_firmware_version"] == "6.00.30.00"
    assert hardware["cpu_count"] == 2
    assert hardware["memory_gib"] == 512
    assert hardware["power_state"] == "On"
    assert hardware["health"] == "OK"
    assert hardware["boot_macs"][0] == "70:b5:e8:f0:52:dc"
    assert len(hardware["disks"]) == 3


def test_lenovo_gpu_model_from_pcie_device(mockup):
    gpus = discover(mockup("lenovo_sr670"))[0][0]["gpus"]
    assert [gpu["model"] for gpu in gpus] == ["NVIDIA Quadro RTX A6000"] * 2
    assert all(gpu["source"] == "processor" for gpu in gpus)


def test_supermicro_gpus_from_pcie_devices(mockup):
    hardware = discover(mockup("supermicro"))[0][0]
    assert {gpu["source"] for gpu in hardware["gpus"]} == {"pcie_device"}
    assert all(gpu["memory_gib"] == 80 for gpu in hardware["gpus"])
    assert hardware["dpus"][0]["part_number"] == "MBF2M516C-CECOT"
    assert len(hardware["nics"]) == 9


def test_gh200_baseboard_merged(mockup):
    hosts = discover(mockup("nvidia_gh200"))[0]
    assert len(hosts) == 1
    assert hosts[0]["system_id"] == "System_0"
    assert hosts[0]["systems"] == ["System_0", "HGX_Baseboard_0"]
    assert hosts[0]["cpu_count"] == 2
    assert hosts[0]["vendor"] == "NVIDIA"


def test_bluefield_bmc_is_dpu_host(mockup):
    hardware = discover(mockup("nvidia_dpu"))[0][0]
    assert hardware["kind"] == "dpu"
    assert hardware["system_id"] == "Bluefield"
    assert hardware["dpu_mode"] == "DpuMode"
    assert hardware["dpus"] == []


def test_fpga_is_not_gpu(mockup):
    hardware = discover(mockup("dmtf-rackmount1"))[0][0]
    assert hardware["gpus"] == []
    assert [disk["size_gb"] for disk in hardware["disks"]] == [8000.0, 4000.0]


def test_smartnic_soc_is_own_host(mockup):
    hosts = {h["system_id"]: h for h in discover(mockup("dmtf-smartnic"))[0]}
    assert hosts["Card1-SoC"]["kind"] == "dpu"
    assert [d["part_number"] for d in hosts["437XR1138R2"]["dpus"]] == ["SC2000-CNT5"]


def test_expand_saves_requests(mockup):
    expanded = discover(mockup("supermicro"), expand=True)[2]
    plain = discover(mockup("supermicro"), expand=False)[2]
    assert len(expanded.requests) < len(plain.requests)
