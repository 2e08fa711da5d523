"""NVIDIA BlueField-3 DPU BMC flavour.

The DPU's Arm SoC is `Systems/Bluefield`, its BMC `Managers/Bluefield_BMC`; the card is
`Chassis/Card1` (model, part number, network ports) and the BMC's own board
`Chassis/Bluefield_BMC`. The DPU mode (`DpuMode`, `NicMode`) is read from
`Systems/Bluefield/Oem/Nvidia` and changed with its `Mode.Set` action; the BIOS attribute
`NicMode` mirrors it.
"""

from __future__ import annotations

from lab.flavours import common
from lab.flavours.common import status
from lab.identity import Identity
from lab.profiles import Profile
from lab.redfish.store import SERVICE_ROOT, ResourceStore, ref, refs

SYSTEM = f"{SERVICE_ROOT}/Systems/Bluefield"
CARD = f"{SERVICE_ROOT}/Chassis/Card1"
BMC_CHASSIS = f"{SERVICE_ROOT}/Chassis/Bluefield_BMC"
MANAGER = f"{SERVICE_ROOT}/Managers/Bluefield_BMC"
ADAPTER = f"{CARD}/NetworkAdapters/NvidiaNetworkAdapter"

RESET_TYPES = ["ForceOff", "PowerCycle", "Nmi", "GracefulShutdown", "On", "ForceOn", "GracefulRestart", "ForceRestart"]
MODES = ["NicMode", "DpuMode"]

VERSIONS = {
    "ServiceRoot": "v1_15_0",
    "SessionService": "v1_1_8",
    "ComputerSystem": "v1_20_0",
    "EthernetInterface": "v1_9_0",
    "Bios": "v1_2_0",
    "BootOption": "v1_0_4",
    "Chassis": "v1_22_0",
    "NetworkAdapter": "v1_9_0",
    "Port": "v1_6_0",
    "NetworkDeviceFunction": "v1_9_0",
    "Manager": "v1_14_0",
    "ActionInfo": "v1_1_2",
    "UpdateService": "v1_11_0",
    "SoftwareInventory": "v1_4_0",
}


def _t(kind: str) -> str:
    return f"#{kind}.{VERSIONS[kind]}.{kind}"


def _ct(kind: str) -> str:
    return f"#{kind}Collection.{kind}Collection"


class BluefieldRenderer:
    default_behaviours = {"dpu_mode": {}}

    def __init__(self, profile: Profile, spec: dict) -> None:
        self.profile = profile
        self.spec = spec
        self.system = profile.data["system"]
        self.dpu = profile.data["dpu"]
        self.identity = Identity(spec["name"])
        self.store = ResourceStore()
        self.serial = self.identity.serial("card", prefix="MT", length=10)

    def render(self) -> ResourceStore:
        store = self.store
        common.service_root(
            store,
            _t("ServiceRoot"),
            redfish_version="1.17.0",
            uuid=self.identity.uuid("service-root"),
            vendor="Nvidia",
            product="Nvidia-BMCMezz",
            expand=True,
            manager_uri=MANAGER,
            extra_services={"UpdateService": f"{SERVICE_ROOT}/UpdateService"},
        )
        common.session_service(store, _t("SessionService"), self.spec["session_timeout"])
        store.add_collection(f"{SERVICE_ROOT}/Systems", _ct("ComputerSystem"), "Computer System Collection", [SYSTEM])
        store.add_collection(f"{SERVICE_ROOT}/Chassis", _ct("Chassis"), "Chassis Collection", [BMC_CHASSIS, CARD])
        store.add_collection(f"{SERVICE_ROOT}/Managers", _ct("Manager"), "Manager Collection", [MANAGER])

        self._render_system()
        self._render_chassis()
        self._render_manager()
        self._render_firmware_inventory()
        store.facts["systems"] = [SYSTEM]
        store.facts["dpu"] = {"system": SYSTEM, "oem": f"{SYSTEM}/Oem/Nvidia", "bios": f"{SYSTEM}/Bios"}
        return store

    def _port_macs(self) -> list[tuple[str, str]]:
        names = [f"eth{number}" for number in range(self.dpu["ports"])] + ["oob0"]
        return [(name, self.identity.mac(f"dpu/{name}")) for name in names]

    def _render_system(self) -> None:
        store = self.store
        common.action_info(store, f"{SYSTEM}/ResetActionInfo", _t("ActionInfo"), "ResetType", RESET_TYPES)
        mode = self.system.get("mode", "DpuMode")
        store.add(
            SYSTEM,
            {
                "@odata.type": _t("ComputerSystem"),
                "Id": "Bluefield",
                "Name": "Bluefield",
                "Description": "This ComputerSystem resource represents the SoC that is part of the DPU found in Card1",
                "SystemType": "Physical",
                "Manufacturer": self.system["manufacturer"],
                "Model": self.system["model"],
                "SerialNumber": self.serial,
                "UUID": self.identity.uuid("system"),
                "BiosVersion": self.system["bios_version"],
                "PowerState": "On",
                "PowerRestorePolicy": "AlwaysOn",
                "Status": status(),
                "ProcessorSummary": {"Count": 0},
                "MemorySummary": {"TotalSystemMemoryGiB": 0},
                "Boot": {
                    "BootSourceOverrideEnabled": "Disabled",
                    "BootSourceOverrideEnabled@Redfish.AllowableValues": ["Once", "Continuous", "Disabled"],
                    "BootSourceOverrideMode": "UEFI",
                    "BootSourceOverrideMode@Redfish.AllowableValues": ["Legacy", "UEFI"],
                    "BootSourceOverrideTarget": "None",
                    "BootSourceOverrideTarget@Redfish.AllowableValues": ["None", "Pxe", "UefiHttp", "UefiShell", "UefiTarget", "UefiBootNext"],
                    "HttpBootUri": "",
                    "UefiTargetBootSourceOverride": "None",
                    "BootOrder": ["Boot0000", "Boot0001"],
                    "BootOptions": ref(f"{SYSTEM}/BootOptions"),
                },
                "Bios": ref(f"{SYSTEM}/Bios"),
                "EthernetInterfaces": ref(f"{SYSTEM}/EthernetInterfaces"),
                "Processors": ref(f"{SYSTEM}/Processors"),
                "Memory": ref(f"{SYSTEM}/Memory"),
                "Links": {"Chassis": [ref(BMC_CHASSIS)], "ManagedBy": [ref(MANAGER)]},
                "Actions": {
                    "#ComputerSystem.Reset": {
                        "target": f"{SYSTEM}/Actions/ComputerSystem.Reset",
                        "@Redfish.ActionInfo": f"{SYSTEM}/ResetActionInfo",
                    }
                },
                "Oem": {"Nvidia": ref(f"{SYSTEM}/Oem/Nvidia")},
            },
        )
        store.add_collection(f"{SYSTEM}/Processors", "#ProcessorCollection.ProcessorCollection", "Processor Collection", [])
        store.add_collection(f"{SYSTEM}/Memory", "#MemoryCollection.MemoryCollection", "Memory Collection", [])

        interfaces = []
        for name, mac in self._port_macs():
            uri = f"{SYSTEM}/EthernetInterfaces/{name}"
            store.add(
                uri,
                {
                    "@odata.type": _t("EthernetInterface"),
                    "Id": name,
                    "Name": "Host Ethernet Interface",
                    "Description": f"Host Network Interface for port {name}",
                    "MACAddress": mac,
                    "InterfaceEnabled": True,
                    "LinkStatus": "LinkUp",
                    "SpeedMbps": (self.dpu["oob_speed_gbps"] if name == "oob0" else self.dpu["speed_gbps"]) * 1000,
                    "MTUSize": 1500 if name == "oob0" else 9216,
                    "Status": status(health=None),
                },
            )
            interfaces.append(uri)
        store.add_collection(f"{SYSTEM}/EthernetInterfaces", _ct("EthernetInterface"), "Ethernet Network Interface Collection", interfaces)

        options = []
        for option_id, display in (("Boot0000", "NET-OOB-IPV4"), ("Boot0001", "UEFI HTTPv4 (MAC:oob0)")):
            uri = f"{SYSTEM}/BootOptions/{option_id}"
            store.add(
                uri,
                {
                    "@odata.type": _t("BootOption"),
                    "Id": option_id,
                    "Name": display,
                    "BootOptionReference": option_id,
                    "DisplayName": display,
                    "BootOptionEnabled": True,
                },
            )
            options.append(uri)
        store.add_collection(f"{SYSTEM}/BootOptions", _ct("BootOption"), "Boot Option Collection", options)

        store.add(
            f"{SYSTEM}/Bios",
            {
                "@odata.type": _t("Bios"),
                "Id": "BIOS",
                "Name": "BIOS Configuration",
                "Description": "BIOS Configuration Service",
                "Attributes": {
                    "BootPartitionProtection": False,
                    "CurrentUefiPassword": "",
                    "DefaultPasswordPolicy": True,
                    "DisableHEST": False,
                    "DisablePCIe": False,
                    "EnableOPTEE": False,
                    "EnableSMMU": True,
                    "FieldMode": False,
                    "HostPrivilegeLevel": "Restricted",
                    "InternalCPUModel": "Embedded",
                    "NicMode": mode,
                    "ResetEfiVars": False,
                    "SPCR_UART": "Disabled",
                    "UefiPassword": "",
                },
                "ResetBiosToDefaultsPending": False,
            },
        )

        card_mac = self._port_macs()[0][1].replace(":", "")
        store.add(
            f"{SYSTEM}/Oem/Nvidia",
            {
                "@odata.type": "#NvidiaComputerSystem.v1_0_0.NvidiaComputerSystem",
                "Description": self.system["description"],
                "Mode": mode,
                "HostRshim": "Disabled",
                "BaseMAC": card_mac,
                "BaseGUID": card_mac[:6] + "0300" + card_mac[6:],
                "Actions": {
                    "#Mode.Set": {
                        "target": f"{SYSTEM}/Oem/Nvidia/Actions/Mode.Set",
                        "Parameters": [
                            {"Name": "Mode", "Required": True, "DataType": "String", "AllowableValues": list(MODES)}
                        ],
                    }
                },
            },
        )

    def _render_chassis(self) -> None:
        store = self.store
        store.add(
            CARD,
            {
                "@odata.type": _t("Chassis"),
                "Id": "Card1",
                "Name": "Card1",
                "ChassisType": "Card",
                "Manufacturer": self.system["manufacturer"],
                "Model": self.system["model"],
                "PartNumber": self.system["part_number"],
                "SerialNumber": self.serial,
                "PowerState": "On",
                "Status": status(rollup=True),
                "NetworkAdapters": ref(f"{CARD}/NetworkAdapters"),
                "Links": {
                    "ComputerSystems": [ref(SYSTEM)],
                    "Contains": [ref(BMC_CHASSIS)],
                    "ManagedBy": [ref(MANAGER)],
                },
                "Oem": {"Nvidia": {"@odata.type": "#NvidiaChassis.v1_4_0.NvidiaChassis"}},
            },
        )
        store.add(
            BMC_CHASSIS,
            {
                "@odata.type": _t("Chassis"),
                "Id": "Bluefield_BMC",
                "Name": "Bluefield_BMC",
                "ChassisType": "Component",
                "Manufacturer": "Nvidia",
                "Model": "Nvidia-BMCMezz",
                "PartNumber": self.system["part_number"],
                "SerialNumber": self.serial,
                "PowerState": "On",
                "Status": status(rollup=True),
                "Links": {
                    "ComputerSystems": [ref(SYSTEM)],
                    "ContainedBy": ref(CARD),
                    "ManagedBy": [ref(MANAGER)],
                },
            },
        )

        ports = []
        functions = []
        for name, mac in self._port_macs():
            port_uri = f"{ADAPTER}/Ports/{name}"
            function_uri = f"{ADAPTER}/NetworkDeviceFunctions/{name}f0"
            oob = name == "oob0"
            store.add(
                port_uri,
                {
                    "@odata.type": _t("Port"),
                    "Id": name,
                    "Name": "Port",
                    "LinkNetworkTechnology": self.dpu["link"] if not oob else "Ethernet",
                    "CurrentSpeedGbps": self.dpu["oob_speed_gbps"] if oob else self.dpu["speed_gbps"],
                    "LinkStatus": "LinkUp",
                    "Ethernet": {"AssociatedMACAddresses": [mac]},
                },
            )
            store.add(
                function_uri,
                {
                    "@odata.type": _t("NetworkDeviceFunction"),
                    "Id": f"{name}f0",
                    "Name": "NetworkDeviceFunction",
                    "NetDevFuncType": "Ethernet",
                    "NetDevFuncCapabilities": ["Ethernet"] if oob else ["Ethernet", "InfiniBand"],
                    "Ethernet": {"MACAddress": mac, "MTUSize": 1500 if oob else 9216},
                    "Links": {"OffloadSystem": ref(SYSTEM), "PhysicalNetworkPortAssignment": ref(port_uri)},
                },
            )
            ports.append(port_uri)
            functions.append(function_uri)
        store.add_collection(f"{ADAPTER}/Ports", _ct("Port"), "Port Collection", ports)
        store.add_collection(f"{ADAPTER}/NetworkDeviceFunctions", _ct("NetworkDeviceFunction"), "Network Device Function Collection", functions)
        store.add(
            ADAPTER,
            {
                "@odata.type": _t("NetworkAdapter"),
                "Id": "NvidiaNetworkAdapter",
                "Name": "NvidiaNetworkAdapter",
                "Manufacturer": "Nvidia",
                "Model": self.system["model"],
                "PartNumber": self.system["part_number"],
                "SerialNumber": self.serial,
                "Ports": ref(f"{ADAPTER}/Ports"),
                "NetworkDeviceFunctions": ref(f"{ADAPTER}/NetworkDeviceFunctions"),
            },
        )
        store.add_collection(f"{CARD}/NetworkAdapters", _ct("NetworkAdapter"), "Network Adapter Collection", [ADAPTER])

    def _render_manager(self) -> None:
        store = self.store
        interface = f"{MANAGER}/EthernetInterfaces/eth0"
        store.add(
            MANAGER,
            {
                "@odata.type": _t("Manager"),
                "Id": "Bluefield_BMC",
                "Name": "OpenBmc Manager",
                "Description": "Baseboard Management Controller",
                "ManagerType": "BMC",
                "Model": self.system["bmc_model"],
                "FirmwareVersion": self.system["bmc_firmware"],
                "UUID": self.identity.uuid("manager"),
                "PowerState": "On",
                "Status": status(),
                "EthernetInterfaces": ref(f"{MANAGER}/EthernetInterfaces"),
                "Links": {
                    "ManagerForServers": [ref(SYSTEM)],
                    "ManagerForChassis": [ref(BMC_CHASSIS)],
                    "ManagerInChassis": ref(BMC_CHASSIS),
                },
                "Oem": {
                    "Nvidia": {
                        "@odata.type": "#NvidiaManager.v1_4_0.NvidiaManager",
                        "OTPProvisioned": False,
                    }
                },
            },
        )
        store.add(
            interface,
            {
                "@odata.type": _t("EthernetInterface"),
                "Id": "eth0",
                "Name": "Manager Ethernet Interface",
                "Description": "Management Network Interface",
                "MACAddress": self.identity.mac("bmc"),
                "InterfaceEnabled": True,
                "LinkStatus": "LinkUp",
                "SpeedMbps": 1000,
                "Status": status(health=None),
            },
        )
        store.add_collection(f"{MANAGER}/EthernetInterfaces", _ct("EthernetInterface"), "Ethernet Network Interface Collection", [interface])

    def _render_firmware_inventory(self) -> None:
        store = self.store
        inventory = f"{SERVICE_ROOT}/UpdateService/FirmwareInventory"
        entries = {
            "BMC_Firmware": self.system["bmc_firmware"],
            "DPU_NIC": self.system["nic_firmware"],
            "DPU_UEFI": self.system["bios_version"],
        }
        members = []
        for entry_id, version in entries.items():
            uri = f"{inventory}/{entry_id}"
            store.add(
                uri,
                {
                    "@odata.type": _t("SoftwareInventory"),
                    "Id": entry_id,
                    "Name": "Software Inventory",
                    "Version": version,
                    "Updateable": True,
                    "Status": status(),
                },
            )
            members.append(uri)
        store.add_collection(inventory, _ct("SoftwareInventory"), "Software Inventory Collection", members)
        store.add(
            f"{SERVICE_ROOT}/UpdateService",
            {
                "@odata.type": _t("UpdateService"),
                "Id": "UpdateService",
                "Name": "Update Service",
                "ServiceEnabled": True,
                "FirmwareInventory": ref(inventory),
                "Status": status(),
            },
        )
        store.get(MANAGER)["Links"]["ActiveSoftwareImage"] = ref(f"{inventory}/BMC_Firmware")
        store.get(MANAGER)["Links"]["SoftwareImages"] = refs([f"{inventory}/BMC_Firmware"])


def render(profile, spec):
    return BluefieldRenderer(profile, spec)
