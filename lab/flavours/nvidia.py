"""NVIDIA OpenBMC flavour (DGX/HGX style).

The host is `Systems/System_0` in chassis `BMC_0`, managed by `Managers/BMC_0`. SXM GPUs
belong to a second system, `Systems/HGX_Baseboard_0`, as Processors `GPU_SXM_1..N`. Each
GPU has its own module chassis `HGX_GPU_SXM_<n>` with its PCIe device. The baseboard has
no BIOS and no Reset action. PCIe GPUs are Processors of `System_0`.
"""

from __future__ import annotations

from lab.flavours import common
from lab.flavours.common import status
from lab.flavours.plan import Adapter, Gpu, Port
from lab.flavours.server import ServerRenderer
from lab.redfish.store import SERVICE_ROOT, ref, refs

BASEBOARD_SYSTEM = "HGX_Baseboard_0"
BASEBOARD_CHASSIS = "HGX_Chassis_0"
BASEBOARD_MANAGER = "HGX_BMC_0"


class NvidiaRenderer(ServerRenderer):
    flavour = "nvidia"
    versions = {
        "ServiceRoot": "v1_15_0",
        "SessionService": "v1_1_8",
        "ComputerSystem": "v1_20_0",
        "Processor": "v1_18_0",
        "Memory": "v1_17_0",
        "EthernetInterface": "v1_9_0",
        "Storage": "v1_13_0",
        "Drive": "v1_17_0",
        "Bios": "v1_2_0",
        "BootOption": "v1_0_4",
        "Chassis": "v1_21_0",
        "NetworkAdapter": "v1_9_0",
        "Port": "v1_9_0",
        "NetworkDeviceFunction": "v1_9_0",
        "PCIeDevice": "v1_11_0",
        "PCIeFunction": "v1_5_0",
        "Manager": "v1_14_0",
        "VirtualMedia": "v1_5_0",
        "ActionInfo": "v1_3_0",
    }
    redfish_version = "1.17.0"
    vendor = "NVIDIA"
    system_id = "System_0"
    chassis_id = "BMC_0"
    manager_id = "BMC_0"
    expand = True
    reset_action_info = True
    reset_types = ["On", "ForceOff", "ForceOn", "ForceRestart", "GracefulRestart", "GracefulShutdown", "PowerCycle"]
    override_targets = ["None", "Pxe", "Hdd", "Cd", "Diags", "BiosSetup", "Usb", "UefiHttp"]
    gpus_as_processors = True
    gpus_as_pcie_devices = True
    use_network_ports = False
    virtual_media_ids = ["CD0"]

    def gpus_on_baseboard(self) -> bool:
        return bool(self.plan.gpus) and self.data["gpus"].get("form_factor") == "sxm"

    # --- ids ------------------------------------------------------------------------------

    def cpu_id(self, socket: int) -> str:
        return f"CPU_{socket - 1}"

    def gpu_processor_id(self, gpu: Gpu) -> str:
        return f"GPU_SXM_{gpu.index}" if self.gpus_on_baseboard() else f"GPU_{gpu.index - 1}"

    def dimm_id(self, dimm) -> str:
        return f"DIMM_{dimm.index - 1}"

    def adapter_id(self, adapter: Adapter) -> str:
        if adapter.kind == "dpu":
            position = [a.index for a in self.plan.dpus].index(adapter.index)
            return f"DPU_{position}"
        position = [a.index for a in self.plan.nics].index(adapter.index)
        return f"NIC_{position}"

    def port_id(self, adapter: Adapter, port: Port) -> str:
        return f"Port_{port.number - 1}"

    def function_id(self, adapter: Adapter, port: Port) -> str:
        return f"Function_{port.number - 1}"

    def interface_id(self, adapter: Adapter, port: Port) -> str:
        return f"{self.adapter_id(adapter).lower()}p{port.number - 1}"

    def gpu_pcie_id(self, gpu: Gpu) -> str:
        return self.gpu_processor_id(gpu)

    def adapter_pcie_id(self, adapter: Adapter) -> str:
        return self.adapter_id(adapter)

    def gpu_pcie_uri(self, gpu: Gpu) -> str:
        if self.gpus_on_baseboard():
            return f"{SERVICE_ROOT}/Chassis/HGX_GPU_SXM_{gpu.index}/PCIeDevices/GPU_SXM_{gpu.index}"
        return f"{self.chassis_uri}/PCIeDevices/{self.gpu_pcie_id(gpu)}"

    def storage_id(self, protocol: str) -> str:
        return f"{protocol}_0"

    def drive_id(self, disk) -> str:
        return f"Drive_{disk.bay}"

    def manager_interface_id(self) -> str:
        return "eth0"

    @property
    def baseboard_uri(self) -> str:
        return f"{SERVICE_ROOT}/Systems/{BASEBOARD_SYSTEM}"

    # --- collections ------------------------------------------------------------------------

    def system_uris(self) -> list[str]:
        uris = [self.system_uri]
        if self.gpus_on_baseboard():
            uris.append(self.baseboard_uri)
        return uris

    def chassis_uris(self) -> list[str]:
        uris = [self.chassis_uri]
        if self.gpus_on_baseboard():
            uris.append(f"{SERVICE_ROOT}/Chassis/{BASEBOARD_CHASSIS}")
            uris += [f"{SERVICE_ROOT}/Chassis/HGX_GPU_SXM_{gpu.index}" for gpu in self.plan.gpus]
        return uris

    def manager_uris(self) -> list[str]:
        uris = [self.manager_uri]
        if self.gpus_on_baseboard():
            uris.append(f"{SERVICE_ROOT}/Managers/{BASEBOARD_MANAGER}")
        return uris

    # --- rendering ----------------------------------------------------------------------------

    def render_service(self) -> None:
        super().render_service()
        root = self.store.get(SERVICE_ROOT)
        root["Links"]["ManagerProvidingService"] = ref(self.manager_uri)

    def render(self):
        store = super().render()
        if self.gpus_on_baseboard():
            self.render_baseboard()
        return store

    def render_chassis(self) -> None:
        super().render_chassis()
        chassis = self.store.get(self.chassis_uri)
        chassis["ChassisType"] = "Component"
        chassis["Name"] = self.chassis_id

    def render_baseboard(self) -> None:
        """Render the HGX baseboard: its system, GPU processors, chassis and manager."""
        gpu_spec = self.data["gpus"]
        baseboard = gpu_spec["baseboard"]
        uri = self.baseboard_uri
        chassis_uri = f"{SERVICE_ROOT}/Chassis/{BASEBOARD_CHASSIS}"
        manager_uri = f"{SERVICE_ROOT}/Managers/{BASEBOARD_MANAGER}"

        processors = []
        memories = []
        gpu_chassis = []
        for gpu in self.plan.gpus:
            gpu_id = self.gpu_processor_id(gpu)
            module_uri = f"{SERVICE_ROOT}/Chassis/HGX_GPU_SXM_{gpu.index}"
            processor_uri = self.render_gpu_processor(f"{uri}/Processors", gpu, uri)
            processor = self.store.get(processor_uri)
            processor["Links"]["Chassis"] = ref(module_uri)
            dram_uri = f"{uri}/Memory/{gpu_id}_DRAM_0"
            processor["Links"]["Memory"] = [ref(dram_uri)]
            processor["Location"] = {"PartLocation": {"LocationType": "Embedded", "ServiceLabel": f"SXM{gpu.index}"}}
            self.store.add(
                dram_uri,
                {
                    "@odata.type": self.t("Memory"),
                    "Id": f"{gpu_id}_DRAM_0",
                    "Name": f"{gpu_id} DRAM",
                    "CapacityMiB": common.gib_to_mib(gpu_spec["memory_gib"]),
                    "MemoryDeviceType": gpu_spec.get("memory_type", "HBM3"),
                    "MemoryType": "DRAM",
                    "Status": status(),
                    "Links": {"Processors": [ref(processor_uri)]},
                },
            )
            self.store.add(
                module_uri,
                {
                    "@odata.type": self.t("Chassis"),
                    "Id": f"HGX_GPU_SXM_{gpu.index}",
                    "Name": f"GPU_SXM_{gpu.index}",
                    "ChassisType": "Module",
                    "Manufacturer": gpu_spec["manufacturer"],
                    "Model": gpu_spec["model"],
                    "PartNumber": gpu_spec.get("part_number"),
                    "SerialNumber": gpu.serial,
                    "UUID": gpu.uuid,
                    "Status": status(rollup=True),
                    "PCIeDevices": ref(f"{module_uri}/PCIeDevices"),
                    "Links": {
                        "ComputerSystems": [ref(uri)],
                        "ContainedBy": ref(chassis_uri),
                        "ManagedBy": [ref(manager_uri)],
                        "Processors": [ref(processor_uri)],
                    },
                    "Oem": self.oem_chassis(),
                },
            )
            device = self.render_gpu_pcie_device(gpu, self.gpu_pcie_uri(gpu), chassis_uri=module_uri)
            self.store.add_collection(f"{module_uri}/PCIeDevices", self.ct("PCIeDevice"), "PCIe Device Collection", [device])
            processors.append(processor_uri)
            memories.append(dram_uri)
            gpu_chassis.append(module_uri)

        self.store.add_collection(f"{uri}/Processors", self.ct("Processor"), "Processor Collection", processors)
        self.store.add_collection(f"{uri}/Memory", self.ct("Memory"), "Memory Collection", memories)
        self.store.add(
            uri,
            {
                "@odata.type": self.t("ComputerSystem"),
                "Id": BASEBOARD_SYSTEM,
                "Name": BASEBOARD_SYSTEM,
                "Description": "Computer System",
                "SystemType": "Physical",
                "Manufacturer": "NVIDIA",
                "Model": baseboard["model"],
                "PartNumber": baseboard["part_number"],
                "SerialNumber": self.identity.serial("baseboard", digits_only=True, length=13),
                "UUID": self.identity.uuid("baseboard"),
                "PowerState": "On",
                "Status": status(rollup=True),
                "ProcessorSummary": {"Count": len(processors), "Status": status(rollup=True)},
                "MemorySummary": {
                    "TotalSystemMemoryGiB": len(processors) * gpu_spec["memory_gib"],
                    "Status": status(rollup=True),
                },
                "Boot": {
                    "BootSourceOverrideEnabled@Redfish.AllowableValues": ["Once", "Continuous", "Disabled"],
                    "BootSourceOverrideTarget@Redfish.AllowableValues": list(self.override_targets),
                },
                "Processors": ref(f"{uri}/Processors"),
                "Memory": ref(f"{uri}/Memory"),
                "Links": {"Chassis": [ref(chassis_uri)], "ManagedBy": [ref(manager_uri)]},
                "Oem": self.oem_system(),
            },
        )
        self.store.add(
            chassis_uri,
            {
                "@odata.type": self.t("Chassis"),
                "Id": BASEBOARD_CHASSIS,
                "Name": BASEBOARD_CHASSIS,
                "ChassisType": "Module",
                "Manufacturer": "NVIDIA",
                "Model": baseboard["model"],
                "PartNumber": baseboard["part_number"],
                "SerialNumber": self.identity.serial("baseboard", digits_only=True, length=13),
                "Status": status(rollup=True),
                "Links": {
                    "ComputerSystems": [ref(uri)],
                    "Contains": refs(gpu_chassis),
                    "ManagedBy": [ref(manager_uri)],
                },
                "Oem": self.oem_chassis(),
            },
        )
        self.store.add(
            manager_uri,
            {
                "@odata.type": self.t("Manager"),
                "Id": BASEBOARD_MANAGER,
                "Name": "HGX BMC",
                "Description": "Baseboard Management Controller of the HGX baseboard",
                "ManagerType": "BMC",
                "Model": "OpenBmc",
                "FirmwareVersion": f"HGX-{self.system_value('bmc_firmware')}",
                "UUID": self.identity.uuid("baseboard-manager"),
                "Status": status(),
                "Links": {
                    "ManagerForServers": [ref(uri)],
                    "ManagerForChassis": [ref(chassis_uri)] + refs(gpu_chassis),
                },
                "Oem": self.oem_manager(),
            },
        )

    def bios_attributes(self) -> dict:
        return {
            "BootMode": "UEFI",
            "SriovEnable": True,
            "VTdSupport": True,
            "PxeIPv4Enable": True,
            "SecureBootEnable": False,
        }

    def oem_system(self) -> dict:
        return {"Nvidia": {"@odata.type": "#NvidiaComputerSystem.v1_0_0.NvidiaComputerSystem", "ISTModeEnabled": False}}

    def oem_processor(self, cpu_socket, gpu) -> dict | None:
        if gpu is None:
            return None
        return {"Nvidia": {"@odata.type": "#NvidiaProcessor.v1_0_0.NvidiaProcessor", "MIGModeEnabled": False}}

    def oem_chassis(self) -> dict:
        return {"Nvidia": {"@odata.type": "#NvidiaChassis.v1_0_0.NvidiaChassis"}}

    def oem_manager(self) -> dict:
        return {"Nvidia": {"@odata.type": "#NvidiaManager.v1_4_0.NvidiaManager", "OTPProvisioned": False}}


def render(profile, spec):
    return NvidiaRenderer(profile, spec)
