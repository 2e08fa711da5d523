"""Each profile, in each flavour, serves the hardware its `expected:` table promises."""

from __future__ import annotations

import pytest

from lab import profiles, runner
from lab.testing import Client

COMBINATIONS = [(name, flavour) for name in profiles.names() for flavour in profiles.load(name).flavours]
BLUEFIELD_PARTS = ("900-9D3B6", "900-9D3B4", "MBF2")


def bmc_name(profile: str, flavour: str) -> str:
    return f"{profile}-{flavour}"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    bmcs = [{"name": bmc_name(p, f), "profile": p, "flavour": f} for p, f in COMBINATIONS]
    bmcs.append({"name": "twin-a", "profile": "hgx-h100", "flavour": "dell"})
    factory = {"control_port": 0, "defaults": {"base_port": 0}, "bmcs": bmcs}
    with runner.running(factory, tmp_path_factory.mktemp("lab-profiles")) as running_lab:
        yield running_lab


class Served:
    """What one BMC serves, gathered by walking its Redfish tree."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.systems = client.members("/redfish/v1/Systems")
        self.chassis = client.members("/redfish/v1/Chassis")

    def collection(self, resource: dict, name: str) -> list[dict]:
        link = resource.get(name)
        return self.client.members(link["@odata.id"]) if link else []

    def gpu_processors(self) -> list[dict]:
        return [p for s in self.systems for p in self.collection(s, "Processors") if p["ProcessorType"] == "GPU"]

    def cpu_processors(self) -> list[dict]:
        return [p for s in self.systems for p in self.collection(s, "Processors") if p["ProcessorType"] == "CPU"]

    def pcie_functions(self) -> list[dict]:
        functions = []
        for chassis in self.chassis:
            for device in self.collection(chassis, "PCIeDevices"):
                functions += self.collection(device, "PCIeFunctions")
        return functions

    def gpu_pcie_functions(self) -> list[dict]:
        return [
            f for f in self.pcie_functions()
            if f["VendorId"] == "0x10de" and f["DeviceClass"] in ("DisplayController", "ProcessingAccelerators")
        ]

    def adapters(self) -> list[dict]:
        return [a for c in self.chassis for a in self.collection(c, "NetworkAdapters")]

    def port_technologies(self, adapter: dict) -> set[str]:
        ports = self.collection(adapter, "Ports") or self.collection(adapter, "NetworkPorts")
        found = set()
        for port in ports:
            found.add(port.get("LinkNetworkTechnology") or port.get("ActiveLinkTechnology"))
        return found


@pytest.mark.parametrize(("profile", "flavour"), COMBINATIONS)
def test_profile_serves_expected(lab, profile, flavour):
    expected = profiles.load(profile).expected
    client = Client(lab, bmc_name(profile, flavour))
    served = Served(client)

    assert len(served.systems) == expected["systems"][flavour]
    if expected["kind"] == "dpu":
        check_dpu(client, expected)
        return

    host = served.systems[0]
    assert host["ProcessorSummary"]["Count"] == expected["cpus"]
    assert len(served.cpu_processors()) == expected["cpus"]
    assert sum(cpu["TotalCores"] for cpu in served.cpu_processors()) == expected["cpu_cores"]
    assert host["MemorySummary"]["TotalSystemMemoryGiB"] == expected["memory_gib"]
    dimms = served.collection(host, "Memory")
    assert sum(d["CapacityMiB"] for d in dimms) // 1024 == expected["memory_gib"]

    check_gpus(served, flavour, expected)

    adapters = served.adapters()
    dpus = [a for a in adapters if (a.get("PartNumber") or "").startswith(BLUEFIELD_PARTS) or "BlueField" in (a.get("Model") or "")]
    nics = [a for a in adapters if a not in dpus]
    assert len(dpus) == expected["dpus"]
    assert len(nics) == expected["nics"]
    assert sum(1 for a in nics if served.port_technologies(a) == {"InfiniBand"}) == expected["ib_nics"]
    assert sum(1 for a in nics if served.port_technologies(a) == {"Ethernet"}) == expected["eth_nics"]
    if flavour == "supermicro":
        assert all(a["Model"] is None for a in dpus)

    drives = [d for storage in served.collection(host, "Storage") for d in storage["Drives"]]
    assert len(drives) == expected["disks"]

    interfaces = served.collection(host, "EthernetInterfaces")
    assert sum(1 for i in interfaces if i["InterfaceEnabled"]) == expected["boot_macs"]
    assert len({i["MACAddress"] for i in interfaces}) == len(interfaces)


def check_gpus(served: Served, flavour: str, expected: dict) -> None:
    processors = served.gpu_processors()
    functions = served.gpu_pcie_functions()
    if flavour == "supermicro":
        assert processors == []
        assert len(functions) == expected["gpus"]
        return
    assert len(processors) == expected["gpus"]
    assert len(functions) == expected["gpus"]
    for processor in processors:
        assert expected["gpu_model"] in processor["Model"]
        assert processor["ProcessorMemory"][0]["CapacityMiB"] == expected["gpu_memory_gib"] * 1024
        device = served.client.json(processor["Links"]["PCIeDevice"]["@odata.id"])
        assert device["SerialNumber"] == processor["SerialNumber"]
    if flavour == "nvidia" and expected["gpus"] and len(served.systems) == 2:
        baseboard = served.systems[1]
        assert baseboard["Id"] == "HGX_Baseboard_0"
        assert "Bios" not in baseboard
        assert "Actions" not in baseboard
        assert [p["Id"] for p in processors] == [f"GPU_SXM_{n}" for n in range(1, expected["gpus"] + 1)]


def check_dpu(client: Client, expected: dict) -> None:
    system = client.json("/redfish/v1/Systems/Bluefield")
    assert system["Id"] == "Bluefield"
    assert client.json("/redfish/v1/Systems/Bluefield/Oem/Nvidia")["Mode"] == expected["dpu_mode"]
    assert client.json("/redfish/v1/Systems/Bluefield/Bios")["Attributes"]["NicMode"] == expected["dpu_mode"]
    assert client.json("/redfish/v1/Chassis/Card1")["PartNumber"] == expected["part_number"]
    assert client.json("/redfish/v1/Managers/Bluefield_BMC")["ManagerType"] == "BMC"


def test_identity_follows_name(lab):
    first = Client(lab, bmc_name("hgx-h100", "dell")).json("/redfish/v1/Systems/System.Embedded.1")
    twin = Client(lab, "twin-a").json("/redfish/v1/Systems/System.Embedded.1")
    assert first["SerialNumber"] != twin["SerialNumber"]
    assert first["UUID"] != twin["UUID"]
    assert first["Model"] == twin["Model"]


def test_identity_stable_across_starts(tmp_path):
    factory = {"control_port": 0, "bmcs": [{"name": "same-name", "profile": "l40s-pcie", "flavour": "nvidia", "port": 0}]}
    seen = []
    for attempt in range(2):
        with runner.running(factory, tmp_path / f"run{attempt}") as lab:
            client = Client(lab, "same-name")
            serial = client.json("/redfish/v1/Systems/System_0")["SerialNumber"]
            macs = [i["MACAddress"] for i in client.members("/redfish/v1/Systems/System_0/EthernetInterfaces")]
            seen.append((serial, macs))
    assert seen[0] == seen[1]
