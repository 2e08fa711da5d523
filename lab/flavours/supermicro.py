"""Supermicro (AMI MegaRAC based) flavour.

Resource ids are plain numbers (`Systems/1`, `Chassis/1`, `Managers/1`). GPUs appear only
as PCIe devices (`Chassis/1/PCIeDevices/GPU<n>`), never as Processors. Network adapters
report the board vendor as Manufacturer and the part number as Model, and a BlueField DPU
shows only its part number, as the AMI firmware does. `$expand` is not implemented, and the
reset types come from a ResetActionInfo resource.
"""

from __future__ import annotations

from lab.flavours.common import status
from lab.flavours.plan import Adapter, Gpu
from lab.flavours.server import ServerRenderer
from lab.redfish.store import SERVICE_ROOT


class SupermicroRenderer(ServerRenderer):
    flavour = "supermicro"
    versions = {
        "ServiceRoot": "v1_11_0",
        "SessionService": "v1_1_8",
        "ComputerSystem": "v1_16_0",
        "Processor": "v1_11_0",
        "Memory": "v1_11_0",
        "EthernetInterface": "v1_8_0",
        "Storage": "v1_11_0",
        "Drive": "v1_13_0",
        "Bios": "v1_1_0",
        "BootOption": "v1_0_4",
        "Chassis": "v1_14_0",
        "NetworkAdapter": "v1_8_0",
        "Port": "v1_6_0",
        "NetworkDeviceFunction": "v1_7_0",
        "PCIeDevice": "v1_9_0",
        "PCIeFunction": "v1_2_3",
        "Manager": "v1_11_0",
        "VirtualMedia": "v1_4_0",
        "ActionInfo": "v1_1_2",
    }
    redfish_version = "1.11.0"
    vendor = "Supermicro"
    system_id = "1"
    chassis_id = "1"
    manager_id = "1"
    expand = False
    reset_action_info = True
    reset_types = ["On", "ForceOff", "GracefulShutdown", "GracefulRestart", "ForceRestart", "Nmi", "ForceOn", "PowerCycle"]
    override_targets = ["None", "Pxe", "Floppy", "Cd", "Usb", "Hdd", "BiosSetup", "UsbCd", "UefiBootNext", "UefiHttp"]
    gpus_as_processors = False
    gpus_as_pcie_devices = True
    use_network_ports = False
    virtual_media_ids = ["VirtualMedia1", "VirtualMedia2"]

    def storage_id(self, protocol: str) -> str:
        return "NVMeSSD" if protocol == "NVMe" else "SATA"

    def pcie_function_id(self, device_id: str, function: int) -> str:
        return str(function + 1)

    def adapter_pcie_id(self, adapter: Adapter) -> str:
        return f"NIC{adapter.index}"

    def adapter_identity(self, adapter: Adapter):
        part_number = adapter.spec.get("part_number")
        if adapter.kind == "dpu":
            return "Supermicro", None, part_number
        if adapter.onboard:
            return adapter.spec.get("manufacturer"), adapter.spec.get("model"), part_number
        return "Supermicro", part_number, part_number

    def gpu_pcie_model(self, gpu: Gpu) -> str:
        return gpu.spec.get("short_model", gpu.spec["model"])

    def gpu_location(self, gpu: Gpu) -> dict:
        return {"ServiceLabel": f"GPU{gpu.index}", "LocationType": "Slot", "LocationOrdinalValue": gpu.index}

    def chassis_uris(self) -> list[str]:
        uris = [self.chassis_uri]
        if self.has_gpu_baseboard():
            uris.append(f"{SERVICE_ROOT}/Chassis/UBB_1")
        return uris

    def has_gpu_baseboard(self) -> bool:
        return bool(self.plan.gpus) and self.data["gpus"].get("form_factor") == "sxm"

    def render_chassis(self) -> None:
        super().render_chassis()
        if self.has_gpu_baseboard():
            baseboard = self.data["gpus"]["baseboard"]
            self.store.add(
                f"{SERVICE_ROOT}/Chassis/UBB_1",
                {
                    "@odata.type": self.t("Chassis"),
                    "Id": "UBB_1",
                    "Name": "GPU Baseboard",
                    "ChassisType": "Zone",
                    "Manufacturer": "NVIDIA",
                    "Model": baseboard["model"].replace(" ", "_").replace("-", "_"),
                    "PartNumber": baseboard["part_number"],
                    "SerialNumber": self.identity.serial("baseboard", digits_only=True, length=13),
                    "Status": status(rollup=True),
                    "Links": {"ContainedBy": {"@odata.id": self.chassis_uri}},
                },
            )

    def bios_attributes(self) -> dict:
        return {
            "BootModeSelect": "UEFI",
            "SRIOVSupport": "Enabled",
            "IntelVirtualizationTechnology": "Enable",
            "Above4GDecoding": "Enabled",
            "ReSizeBARSupport": "Enabled",
            "IPv4PXESupport": "Enabled",
            "SecureBootEnable": "Disabled",
        }

    def oem_system(self) -> dict:
        return {"Supermicro": {"@odata.type": "#SmcSystemExtensions.v1_0_0.System"}}

    def oem_chassis(self) -> dict:
        return {
            "Supermicro": {
                "@odata.type": "#SmcChassisExtensions.v1_0_0.Chassis",
                "BoardSerialNumber": self.identity.serial("board", prefix="OM", length=10),
                "BoardID": "0x1d14",
            }
        }

    def oem_pcie_device(self, gpu, adapter) -> dict | None:
        if gpu is None:
            return None
        return {
            "Supermicro": {
                "@odata.type": "#SmcGPUExtensions.v1_0_0.GPU",
                "GPUSlot": gpu.index,
                "GPUVendor": "NVIDIA",
            }
        }


def render(profile, spec):
    return SupermicroRenderer(profile, spec)
