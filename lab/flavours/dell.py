"""Dell iDRAC 9 flavour.

Resource ids follow iDRAC's FQDD scheme (System.Embedded.1, iDRAC.Embedded.1,
CPU.Socket.N, Video.Slot.N-1, NIC.Slot.N, InfiniBand.Slot.N, DIMM.Socket.A1). GPUs show both
as Processors and as PCIe devices; systems link PCIe devices under
`Systems/System.Embedded.1/PCIeDevices/<bus>-0`, an alias of the chassis URI, as iDRAC does.
Network ports use the older NetworkPorts collection. A reset that would not change the
power state returns 409, like iDRAC.
"""

from __future__ import annotations

from lab.flavours.plan import Adapter, Disk, Gpu, Port
from lab.flavours.server import ServerRenderer
from lab.redfish.store import SERVICE_ROOT


class DellRenderer(ServerRenderer):
    flavour = "dell"
    versions = {
        "ServiceRoot": "v1_15_0",
        "SessionService": "v1_1_8",
        "ComputerSystem": "v1_20_0",
        "Processor": "v1_18_0",
        "Memory": "v1_17_0",
        "EthernetInterface": "v1_10_0",
        "Storage": "v1_15_0",
        "Drive": "v1_17_0",
        "Bios": "v1_2_1",
        "BootOption": "v1_0_4",
        "Chassis": "v1_23_0",
        "NetworkAdapter": "v1_9_0",
        "NetworkPort": "v1_4_1",
        "NetworkDeviceFunction": "v1_9_0",
        "PCIeDevice": "v1_11_0",
        "PCIeFunction": "v1_5_0",
        "Manager": "v1_17_0",
        "VirtualMedia": "v1_6_0",
        "ActionInfo": "v1_3_0",
    }
    redfish_version = "1.17.0"
    vendor = "Dell"
    product = "Integrated Dell Remote Access Controller"
    system_id = "System.Embedded.1"
    chassis_id = "System.Embedded.1"
    manager_id = "iDRAC.Embedded.1"
    expand = True
    reset_action_info = False
    reset_types = ["On", "ForceOff", "ForceRestart", "GracefulRestart", "GracefulShutdown", "PushPowerButton", "Nmi", "PowerCycle"]
    override_targets = ["None", "Pxe", "Floppy", "Cd", "Hdd", "BiosSetup", "Utilities", "UefiTarget", "SDCard", "UefiHttp"]
    gpus_as_processors = True
    gpus_as_pcie_devices = True
    use_network_ports = True
    virtual_media_ids = ["CD", "RemovableDisk"]
    default_behaviours = {"power": {"conflict_on_no_op": True}}

    def cpu_id(self, socket: int) -> str:
        return f"CPU.Socket.{socket}"

    def gpu_processor_id(self, gpu: Gpu) -> str:
        return f"Video.Slot.{gpu.slot}-1"

    def dimm_id(self, dimm) -> str:
        return f"DIMM.Socket.{'ABCD'[dimm.socket - 1]}{dimm.slot}"

    def dimm_locator(self, dimm) -> str:
        return self.dimm_id(dimm)

    def adapter_id(self, adapter: Adapter) -> str:
        if adapter.onboard:
            return "NIC.Integrated.1"
        if adapter.infiniband:
            return f"InfiniBand.Slot.{adapter.slot}"
        return f"NIC.Slot.{adapter.slot}"

    def port_id(self, adapter: Adapter, port: Port) -> str:
        return f"{self.adapter_id(adapter)}-{port.number}"

    def function_id(self, adapter: Adapter, port: Port) -> str:
        return f"{self.adapter_id(adapter)}-{port.number}-1"

    def interface_id(self, adapter: Adapter, port: Port) -> str:
        return self.function_id(adapter, port)

    def gpu_pcie_id(self, gpu: Gpu) -> str:
        return f"{gpu.bus}-0"

    def adapter_pcie_id(self, adapter: Adapter) -> str:
        return f"{adapter.bus}-0"

    def pcie_function_id(self, device_id: str, function: int) -> str:
        return f"{device_id}-{function}"

    def pcie_link(self, device_uri: str) -> str:
        return f"{SERVICE_ROOT}/Systems/{self.system_id}/PCIeDevices/{device_uri.rsplit('/', 1)[-1]}"

    def system_pcie_links(self) -> list[str]:
        devices = [self.gpu_pcie_uri(gpu) for gpu in self.plan.gpus]
        devices += [self.adapter_pcie_uri(adapter) for adapter in self.plan.adapters]
        return [self.pcie_link(uri) for uri in devices]

    def storage_id(self, protocol: str) -> str:
        return "CPU.1" if protocol == "NVMe" else "AHCI.Embedded.1-1"

    def drive_id(self, disk: Disk) -> str:
        return f"Disk.Bay.{disk.bay}:Enclosure.Internal.0-1"

    def gpu_pcie_model(self, gpu: Gpu):
        # iDRAC leaves Model empty on a GPU's PCIe device; the Processor carries it.
        return None

    def render_system(self) -> None:
        super().render_system()
        self.store.get(self.system_uri)["Boot"]["UefiTargetBootSourceOverride"] = None

    def bios_attributes(self) -> dict:
        return {
            "BootMode": "Uefi",
            "SysProfile": "PerfOptimized",
            "LogicalProc": "Enabled",
            "ProcVirtualization": "Enabled",
            "SriovGlobalEnable": "Enabled",
            "MemOpMode": "OptimizerMode",
            "PxeDev1EnDis": "Enabled",
            "PxeDev1Interface": "NIC.Integrated.1-1-1",
            "SecureBoot": "Disabled",
        }

    def oem_root(self) -> dict:
        return {
            "Dell": {
                "@odata.type": "#DellServiceRoot.v1_0_0.DellServiceRoot",
                "IsBranded": 0,
                "ManagerMACAddress": self.identity.mac("bmc"),
                "ServiceTag": self.identity.serial("service-tag", length=7),
            }
        }

    def oem_system(self) -> dict:
        cpus = self.data.get("cpus", {})
        memory = self.data.get("memory", {})
        return {
            "Dell": {
                "@odata.type": "#DellOem.v1_3_0.DellOemResources",
                "DellSystem": {
                    "@odata.type": "#DellSystem.v1_4_0.DellSystem",
                    "Id": self.system_id,
                    "Name": "DellSystem",
                    "ChassisServiceTag": self.identity.serial("service-tag", length=7),
                    "NodeID": self.identity.serial("service-tag", length=7),
                    "SystemGeneration": "16G Monolithic",
                    "MaxCPUSockets": cpus.get("count", 0),
                    "MaxDIMMSlots": memory.get("dimms", 0),
                    "PopulatedDIMMSlots": memory.get("dimms", 0),
                    "CPURollupStatus": "OK",
                    "StorageRollupStatus": "OK",
                    "BIOSReleaseDate": "11/12/2024",
                },
            }
        }

    def oem_processor(self, cpu_socket, gpu) -> dict | None:
        if cpu_socket is None:
            return None
        cpus = self.data["cpus"]
        return {
            "Dell": {
                "@odata.type": "#DellOem.v1_3_0.DellOemResources",
                "DellProcessor": {
                    "@odata.type": "#DellProcessor.v1_2_0.DellProcessor",
                    "Id": self.cpu_id(cpu_socket),
                    "Name": "DellProcessor",
                    "CPUFamily": "Intel(R)Xeon(TM)" if "Intel" in cpus["manufacturer"] else "AMD Zen Processor Family",
                    "HyperThreadingEnabled": "Yes",
                    "VirtualizationTechnologyEnabled": "Yes",
                    "TurboModeEnabled": "Yes",
                },
            }
        }

    def oem_manager(self) -> dict:
        return {
            "Dell": {
                "@odata.type": "#DellOem.v1_3_0.DellOemResources",
                "DelliDRACCard": {
                    "@odata.type": "#DelliDRACCard.v1_1_0.DelliDRACCard",
                    "Id": "iDRAC.Embedded.1-1_0x23_IDRACinfo",
                    "Name": "DelliDRACCard",
                    "IPMIVersion": "2.0",
                    "LastSystemInventoryTime": "2025-01-06T08:00:00+00:00",
                },
            }
        }


def render(profile, spec):
    return DellRenderer(profile, spec)
