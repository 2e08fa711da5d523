"""Rendering of a server profile into a Redfish resource tree.

`ServerRenderer` builds the parts every vendor shows (service root, system, processors,
memory, Ethernet interfaces, storage, BIOS, chassis, network adapters, PCIe devices,
manager, virtual media). A vendor flavour subclasses it and changes the resource ids, the
schema versions, which ways a device is shown (a GPU as a Processor, a PCIe device or
both) and the OEM sections.
"""

from __future__ import annotations

import datetime

from lab.flavours import common
from lab.flavours.common import status
from lab.flavours.plan import Adapter, Disk, Gpu, Plan, Port, make_plan
from lab.profiles import Profile
from lab.redfish.store import SERVICE_ROOT, ResourceStore, ref, refs

RESET_TYPES = ["On", "ForceOff", "GracefulShutdown", "GracefulRestart", "ForceRestart", "Nmi", "PowerCycle"]

# The date every synthetic BMC reports as its last reset, so payloads stay deterministic.
LAST_RESET = datetime.datetime(2025, 1, 6, 8, 0, tzinfo=datetime.timezone.utc).isoformat()


class ServerRenderer:
    """Render one server profile; subclasses set the vendor's ids, versions and OEM data."""

    flavour = ""
    versions: dict[str, str] = {}
    redfish_version = "1.17.0"
    vendor = ""
    product = ""
    system_id = "1"
    chassis_id = "1"
    manager_id = "1"
    expand = True
    reset_action_info = True  # False: AllowableValues inline in the action, as iDRAC does
    reset_types = RESET_TYPES
    override_targets = ["None", "Pxe", "Cd", "Usb", "Hdd", "BiosSetup", "UefiHttp"]
    gpus_as_processors = True
    gpus_as_pcie_devices = True
    use_network_ports = False  # the deprecated NetworkPorts collection instead of Ports
    virtual_media_ids = ["CD"]
    default_behaviours: dict = {}

    def __init__(self, profile: Profile, spec: dict) -> None:
        self.profile = profile
        self.spec = spec
        self.data = profile.data
        self.plan: Plan = make_plan(profile, spec["name"])
        self.identity = self.plan.identity
        self.store = ResourceStore()

    # --- helpers ------------------------------------------------------------------------

    def t(self, kind: str) -> str:
        """Return the versioned `@odata.type` of resource `kind` for this flavour."""
        return f"#{kind}.{self.versions[kind]}.{kind}"

    @staticmethod
    def ct(kind: str) -> str:
        return f"#{kind}Collection.{kind}Collection"

    def system_value(self, key: str):
        return self.profile.system_value(key, self.flavour)

    @property
    def system_uri(self) -> str:
        return f"{SERVICE_ROOT}/Systems/{self.system_id}"

    @property
    def chassis_uri(self) -> str:
        return f"{SERVICE_ROOT}/Chassis/{self.chassis_id}"

    @property
    def manager_uri(self) -> str:
        return f"{SERVICE_ROOT}/Managers/{self.manager_id}"

    # --- ids a flavour overrides ----------------------------------------------------------

    def cpu_id(self, socket: int) -> str:
        return str(socket)

    def gpu_processor_id(self, gpu: Gpu) -> str:
        return f"GPU{gpu.index}"

    def dimm_id(self, dimm) -> str:
        return str(dimm.index)

    def adapter_id(self, adapter: Adapter) -> str:
        return str(adapter.index)

    def port_id(self, adapter: Adapter, port: Port) -> str:
        return str(port.number)

    def function_id(self, adapter: Adapter, port: Port) -> str:
        return str(port.number)

    def interface_id(self, adapter: Adapter, port: Port) -> str:
        return f"{adapter.index}-{port.number}"

    def gpu_pcie_id(self, gpu: Gpu) -> str:
        return f"GPU{gpu.index}"

    def adapter_pcie_id(self, adapter: Adapter) -> str:
        return f"NIC{adapter.index}"

    def pcie_function_id(self, device_id: str, function: int) -> str:
        return str(function)

    def storage_id(self, protocol: str) -> str:
        return protocol

    def drive_id(self, disk: Disk) -> str:
        return f"Disk.Bay.{disk.bay}"

    def gpu_pcie_uri(self, gpu: Gpu) -> str:
        return f"{self.chassis_uri}/PCIeDevices/{self.gpu_pcie_id(gpu)}"

    def adapter_pcie_uri(self, adapter: Adapter) -> str:
        return f"{self.chassis_uri}/PCIeDevices/{self.adapter_pcie_id(adapter)}"

    def pcie_link(self, device_uri: str) -> str:
        """Return the URI other resources use to link a PCIe device (Dell links a Systems alias)."""
        return device_uri

    def adapter_chassis_uri(self, adapter: Adapter) -> str:
        return self.chassis_uri

    # --- OEM hooks ------------------------------------------------------------------------

    def oem_root(self) -> dict | None:
        return None

    def oem_system(self) -> dict | None:
        return None

    def oem_chassis(self) -> dict | None:
        return None

    def oem_manager(self) -> dict | None:
        return None

    def oem_processor(self, cpu_socket: int | None, gpu: Gpu | None) -> dict | None:
        return None

    def oem_pcie_device(self, gpu: Gpu | None, adapter: Adapter | None) -> dict | None:
        return None

    def adapter_identity(self, adapter: Adapter) -> tuple[str | None, str | None, str | None]:
        """Return the (Manufacturer, Model, PartNumber) a NetworkAdapter reports."""
        spec = adapter.spec
        return spec.get("manufacturer"), spec.get("model"), spec.get("part_number")

    def gpu_pcie_model(self, gpu: Gpu) -> str:
        return gpu.spec["model"]

    def bios_attributes(self) -> dict:
        return {"BootMode": "Uefi", "ProcVirtualization": "Enabled", "SriovGlobalEnable": "Enabled"}

    # --- rendering ------------------------------------------------------------------------

    def render(self) -> ResourceStore:
        self.render_service()
        self.render_system()
        self.render_chassis()
        self.render_manager()
        self.store.facts["systems"] = [self.system_uri]
        return self.store

    def render_service(self) -> None:
        common.service_root(
            self.store,
            self.t("ServiceRoot"),
            redfish_version=self.redfish_version,
            uuid=self.identity.uuid("service-root"),
            vendor=self.vendor,
            product=self.product or self.system_value("model"),
            expand=self.expand,
            oem=self.oem_root(),
        )
        common.session_service(self.store, self.t("SessionService"), self.spec["session_timeout"])
        self.store.add_collection(SERVICE_ROOT + "/Systems", self.ct("ComputerSystem"), "Computer System Collection", self.system_uris())
        self.store.add_collection(SERVICE_ROOT + "/Chassis", self.ct("Chassis"), "Chassis Collection", self.chassis_uris())
        self.store.add_collection(SERVICE_ROOT + "/Managers", self.ct("Manager"), "Manager Collection", self.manager_uris())

    def system_uris(self) -> list[str]:
        return [self.system_uri]

    def chassis_uris(self) -> list[str]:
        return [self.chassis_uri]

    def manager_uris(self) -> list[str]:
        return [self.manager_uri]

    def render_system(self) -> None:
        data = self.data
        uri = self.system_uri
        cpus = data.get("cpus", {})
        memory = data.get("memory", {})
        reset: dict = {"target": f"{uri}/Actions/ComputerSystem.Reset"}
        if self.reset_action_info:
            info_uri = f"{uri}/ResetActionInfo"
            reset["@Redfish.ActionInfo"] = info_uri
            common.action_info(self.store, info_uri, self.t("ActionInfo"), "ResetType", self.reset_types)
        else:
            reset["ResetType@Redfish.AllowableValues"] = list(self.reset_types)

        system = {
            "@odata.type": self.t("ComputerSystem"),
            "Id": self.system_id,
            "Name": "System",
            "Description": "Computer System",
            "SystemType": "Physical",
            "Manufacturer": self.system_value("manufacturer"),
            "Model": self.system_value("model"),
            "SerialNumber": self.identity.serial("system", length=12),
            "SKU": self.identity.serial("service-tag", length=7),
            "PartNumber": self.identity.serial("system-part", length=9),
            "UUID": self.identity.uuid("system"),
            "AssetTag": "",
            "HostName": "",
            "BiosVersion": self.system_value("bios_version"),
            "PowerState": "On",
            "LastResetTime": LAST_RESET,
            "Status": status(rollup=True),
            "ProcessorSummary": {
                "Count": cpus.get("count", 0),
                "CoreCount": cpus.get("count", 0) * cpus.get("cores", 0),
                "LogicalProcessorCount": cpus.get("count", 0) * cpus.get("threads", 0),
                "Model": cpus.get("model"),
                "Status": status(rollup=True),
            },
            "MemorySummary": {
                "TotalSystemMemoryGiB": memory.get("dimms", 0) * memory.get("dimm_gib", 0),
                "MemoryMirroring": "System",
                "Status": status(rollup=True),
            },
            "Boot": {
                "BootSourceOverrideEnabled": "Disabled",
                "BootSourceOverrideMode": "UEFI",
                "BootSourceOverrideTarget": "None",
                "BootSourceOverrideTarget@Redfish.AllowableValues": list(self.override_targets),
                "BootOrder": ["Boot0001", "Boot0002"],
                "BootOptions": ref(f"{uri}/BootOptions"),
            },
            "Processors": ref(f"{uri}/Processors"),
            "Memory": ref(f"{uri}/Memory"),
            "EthernetInterfaces": ref(f"{uri}/EthernetInterfaces"),
            "Storage": ref(f"{uri}/Storage"),
            "Bios": ref(f"{uri}/Bios"),
            "Links": {
                "Chassis": [ref(self.chassis_uri)],
                "ManagedBy": [ref(self.manager_uri)],
            },
            "Actions": {"#ComputerSystem.Reset": reset},
        }
        pcie_links = self.system_pcie_links()
        if pcie_links:
            system["PCIeDevices"] = refs(pcie_links)
            system["PCIeDevices@odata.count"] = len(pcie_links)
        oem = self.oem_system()
        if oem:
            system["Oem"] = oem
        self.store.add(uri, system)

        self.render_processors()
        self.render_memory()
        self.render_ethernet_interfaces()
        self.render_storage()
        self.render_bios()
        self.render_boot_options()

    def system_pcie_links(self) -> list[str]:
        return []

    def render_processors(self) -> None:
        uri = f"{self.system_uri}/Processors"
        members = []
        cpus = self.data.get("cpus")
        if cpus:
            for socket in range(1, cpus["count"] + 1):
                members.append(self.render_cpu(uri, socket))
        if self.gpus_as_processors and not self.gpus_on_baseboard():
            for gpu in self.plan.gpus:
                members.append(self.render_gpu_processor(uri, gpu, self.system_uri))
        self.store.add_collection(uri, self.ct("Processor"), "Processors Collection", members)

    def gpus_on_baseboard(self) -> bool:
        return False

    def render_cpu(self, collection: str, socket: int) -> str:
        cpus = self.data["cpus"]
        cpu_id = self.cpu_id(socket)
        uri = f"{collection}/{cpu_id}"
        intel = "Intel" in cpus["manufacturer"]
        payload = {
            "@odata.type": self.t("Processor"),
            "Id": cpu_id,
            "Name": f"CPU {socket}",
            "ProcessorType": "CPU",
            "ProcessorArchitecture": "x86",
            "InstructionSet": cpus.get("instruction_set", "x86-64"),
            "Manufacturer": cpus["manufacturer"],
            "Model": cpus["model"],
            "MaxSpeedMHz": cpus.get("max_speed_mhz"),
            "TotalCores": cpus["cores"],
            "TotalEnabledCores": cpus["cores"],
            "TotalThreads": cpus["threads"],
            "Socket": f"CPU {socket}",
            "ProcessorId": {"VendorId": "GenuineIntel" if intel else "AuthenticAMD"},
            "Status": status(),
            "Links": {"Chassis": ref(self.chassis_uri)},
        }
        oem = self.oem_processor(socket, None)
        if oem:
            payload["Oem"] = oem
        self.store.add(uri, payload)
        return uri

    def render_gpu_processor(self, collection: str, gpu: Gpu, system_uri: str) -> str:
        spec = gpu.spec
        gpu_id = self.gpu_processor_id(gpu)
        uri = f"{collection}/{gpu_id}"
        payload = {
            "@odata.type": self.t("Processor"),
            "Id": gpu_id,
            "Name": gpu_id,
            "ProcessorType": "GPU",
            "Manufacturer": spec["manufacturer"],
            "Model": spec["model"],
            "PartNumber": spec.get("part_number"),
            "SerialNumber": gpu.serial,
            "UUID": gpu.uuid,
            "FirmwareVersion": spec.get("firmware_version"),
            "ProcessorMemory": [
                {
                    "CapacityMiB": common.gib_to_mib(spec["memory_gib"]),
                    "MemoryType": spec.get("memory_type", "HBM3"),
                    "IntegratedMemory": True,
                }
            ],
            "Location": {"PartLocation": self.gpu_location(gpu)},
            "Status": status(),
            "Links": self.gpu_processor_links(gpu),
        }
        oem = self.oem_processor(None, gpu)
        if oem:
            payload["Oem"] = oem
        self.store.add(uri, payload)
        return uri

    def gpu_location(self, gpu: Gpu) -> dict:
        return {"ServiceLabel": f"GPU {gpu.index}", "LocationType": "Slot", "LocationOrdinalValue": gpu.slot}

    def gpu_processor_links(self, gpu: Gpu) -> dict:
        links: dict = {"Chassis": ref(self.chassis_uri)}
        if self.gpus_as_pcie_devices:
            device = self.gpu_pcie_uri(gpu)
            links["PCIeDevice"] = ref(self.pcie_link(device))
            links["PCIeFunctions"] = [ref(f"{self.pcie_link(device)}/PCIeFunctions/{self.pcie_function_id(self.gpu_pcie_id(gpu), 0)}")]
        return links

    def render_memory(self) -> None:
        memory = self.data.get("memory")
        uri = f"{self.system_uri}/Memory"
        members = []
        for dimm in self.plan.dimms:
            dimm_id = self.dimm_id(dimm)
            member = f"{uri}/{dimm_id}"
            self.store.add(
                member,
                {
                    "@odata.type": self.t("Memory"),
                    "Id": dimm_id,
                    "Name": f"DIMM {dimm.socket}{dimm.channel}{dimm.slot}",
                    "CapacityMiB": common.gib_to_mib(memory["dimm_gib"]),
                    "MemoryDeviceType": memory["type"],
                    "MemoryType": "DRAM",
                    "BaseModuleType": "RDIMM",
                    "ErrorCorrection": "MultiBitECC",
                    "OperatingSpeedMhz": memory["speed_mhz"],
                    "AllowedSpeedsMHz": [memory["speed_mhz"]],
                    "RankCount": 2,
                    "DataWidthBits": 64,
                    "BusWidthBits": 80,
                    "Manufacturer": memory["manufacturer"],
                    "PartNumber": memory["part_number"],
                    "SerialNumber": dimm.serial,
                    "DeviceLocator": self.dimm_locator(dimm),
                    "MemoryLocation": {"Socket": dimm.socket, "Channel": dimm.slot - 1, "Slot": dimm.slot},
                    "Status": status(),
                },
            )
            members.append(member)
        self.store.add_collection(uri, self.ct("Memory"), "Memory Collection", members)

    def dimm_locator(self, dimm) -> str:
        return f"P{dimm.socket}-DIMM{dimm.channel}1"

    def render_ethernet_interfaces(self) -> None:
        uri = f"{self.system_uri}/EthernetInterfaces"
        members = []
        for adapter, port in self.plan.boot_ports():
            interface_id = self.interface_id(adapter, port)
            member = f"{uri}/{interface_id}"
            self.store.add(
                member,
                {
                    "@odata.type": self.t("EthernetInterface"),
                    "Id": interface_id,
                    "Name": f"{adapter.spec['model']} port {port.number}",
                    "Description": "Ethernet interface of the host",
                    "MACAddress": port.mac,
                    "PermanentMACAddress": port.mac,
                    "SpeedMbps": port.speed_gbps * 1000,
                    "FullDuplex": True,
                    "AutoNeg": True,
                    "InterfaceEnabled": True,
                    "LinkStatus": "LinkUp",
                    "Status": status(),
                },
            )
            members.append(member)
        self.store.add_collection(uri, self.ct("EthernetInterface"), "Ethernet Interface Collection", members)

    def render_storage(self) -> None:
        uri = f"{self.system_uri}/Storage"
        by_protocol: dict[str, list[Disk]] = {}
        for disk in self.plan.disks:
            by_protocol.setdefault(disk.spec["protocol"], []).append(disk)
        members = []
        for protocol, disks in by_protocol.items():
            storage_id = self.storage_id(protocol)
            storage_uri = f"{uri}/{storage_id}"
            drives = []
            for disk in disks:
                drive_uri = f"{storage_uri}/Drives/{self.drive_id(disk)}"
                self.store.add(drive_uri, self.drive_payload(disk, drive_uri))
                drives.append(drive_uri)
            self.store.add(
                storage_uri,
                {
                    "@odata.type": self.t("Storage"),
                    "Id": storage_id,
                    "Name": f"{protocol} storage",
                    "Drives": refs(drives),
                    "Drives@odata.count": len(drives),
                    "Status": status(rollup=True),
                    "Links": {"Enclosures": [ref(self.chassis_uri)]},
                },
            )
            members.append(storage_uri)
        self.store.add_collection(uri, self.ct("Storage"), "Storage Collection", members)

    def drive_payload(self, disk: Disk, uri: str) -> dict:
        spec = disk.spec
        return {
            "@odata.type": self.t("Drive"),
            "Id": uri.rsplit("/", 1)[-1],
            "Name": f"{spec['protocol']} SSD in bay {disk.bay}",
            "Manufacturer": spec["manufacturer"],
            "Model": spec["model"],
            "SerialNumber": disk.serial,
            "CapacityBytes": spec["capacity_bytes"],
            "MediaType": spec["media"],
            "Protocol": spec["protocol"],
            "Revision": "GDC7402Q" if spec["protocol"] == "NVMe" else "D3MU001",
            "PhysicalLocation": {"PartLocation": {"LocationType": "Bay", "LocationOrdinalValue": disk.bay}},
            "Status": status(),
            "Links": {"Chassis": ref(self.chassis_uri)},
        }

    def render_bios(self) -> None:
        self.store.add(
            f"{self.system_uri}/Bios",
            {
                "@odata.type": self.t("Bios"),
                "Id": "Bios",
                "Name": "BIOS Configuration Current Settings",
                "AttributeRegistry": "BiosAttributeRegistry.v1_0_0",
                "Attributes": self.bios_attributes(),
            },
        )

    def render_boot_options(self) -> None:
        uri = f"{self.system_uri}/BootOptions"
        members = []
        boot_ports = self.plan.boot_ports()
        entries = []
        if boot_ports:
            adapter, port = boot_ports[0]
            entries.append(("Boot0001", f"UEFI PXEv4 (MAC:{port.mac.replace(':', '').upper()})", f"PciRoot(0x0)/Pci(0x1,0x0)/Pci(0x0,0x0)/MAC({port.mac.replace(':', '').upper()},0x1)/IPv4(0.0.0.0)"))
        if self.plan.disks:
            disk = self.plan.disks[0]
            entries.append(("Boot0002", f"UEFI OS ({disk.spec['model']})", "PciRoot(0x0)/Pci(0x3,0x0)/Pci(0x0,0x0)/NVMe(0x1,00-00-00-00-00-00-00-00)/HD(1,GPT)"))
        for option_id, display, path in entries:
            member = f"{uri}/{option_id}"
            self.store.add(
                member,
                {
                    "@odata.type": self.t("BootOption"),
                    "Id": option_id,
                    "Name": display,
                    "BootOptionReference": option_id,
                    "DisplayName": display,
                    "BootOptionEnabled": True,
                    "UefiDevicePath": path,
                },
            )
            members.append(member)
        self.store.add_collection(uri, self.ct("BootOption"), "Boot Options Collection", members)
        self.store.get(self.system_uri)["Boot"]["BootOrder"] = [entry[0] for entry in entries]

    # --- chassis, adapters and PCIe devices ------------------------------------------------

    def render_chassis(self) -> None:
        chassis = {
            "@odata.type": self.t("Chassis"),
            "Id": self.chassis_id,
            "Name": "Computer System Chassis",
            "ChassisType": "RackMount",
            "Manufacturer": self.system_value("manufacturer"),
            "Model": self.system_value("model"),
            "SerialNumber": self.identity.serial("chassis", length=12),
            "PartNumber": self.identity.serial("chassis-part", length=9),
            "PowerState": "On",
            "Status": status(rollup=True),
            "NetworkAdapters": ref(f"{self.chassis_uri}/NetworkAdapters"),
            "PCIeDevices": ref(f"{self.chassis_uri}/PCIeDevices"),
            "Links": {
                "ComputerSystems": [ref(self.system_uri)],
                "ManagedBy": [ref(self.manager_uri)],
            },
        }
        oem = self.oem_chassis()
        if oem:
            chassis["Oem"] = oem
        self.store.add(self.chassis_uri, chassis)
        self.render_network_adapters()
        self.render_pcie_devices()

    def render_network_adapters(self) -> None:
        uri = f"{self.chassis_uri}/NetworkAdapters"
        members = [self.render_adapter(uri, adapter) for adapter in self.plan.adapters]
        self.store.add_collection(uri, self.ct("NetworkAdapter"), "Network Adapter Collection", members)

    def render_adapter(self, collection: str, adapter: Adapter) -> str:
        spec = adapter.spec
        adapter_id = self.adapter_id(adapter)
        uri = f"{collection}/{adapter_id}"
        ports_name = "NetworkPorts" if self.use_network_ports else "Ports"
        port_uris = []
        function_uris = []
        for port in adapter.ports:
            port_uri = f"{uri}/{ports_name}/{self.port_id(adapter, port)}"
            function_uri = f"{uri}/NetworkDeviceFunctions/{self.function_id(adapter, port)}"
            if self.use_network_ports:
                self.store.add(port_uri, self.network_port_payload(adapter, port, port_uri, function_uri))
            else:
                self.store.add(port_uri, self.port_payload(adapter, port, port_uri))
            self.store.add(function_uri, self.function_payload(adapter, port, function_uri, port_uri))
            port_uris.append(port_uri)
            function_uris.append(function_uri)
        self.store.add_collection(f"{uri}/{ports_name}", self.ct("NetworkPort" if self.use_network_ports else "Port"), "Port Collection", port_uris)
        self.store.add_collection(f"{uri}/NetworkDeviceFunctions", self.ct("NetworkDeviceFunction"), "Network Device Function Collection", function_uris)

        manufacturer, model, part_number = self.adapter_identity(adapter)
        controller_links: dict = {
            "PCIeDevices": [ref(self.pcie_link(self.adapter_pcie_uri(adapter)))],
            ports_name: refs(port_uris),
            "NetworkDeviceFunctions": refs(function_uris),
        }
        payload = {
            "@odata.type": self.t("NetworkAdapter"),
            "Id": adapter_id,
            "Name": "Network Adapter",
            "Manufacturer": manufacturer,
            "Model": model,
            "PartNumber": part_number,
            "SerialNumber": adapter.serial,
            "Status": status(rollup=True),
            "Controllers": [
                {
                    "FirmwarePackageVersion": spec.get("firmware_version"),
                    "ControllerCapabilities": {
                        "NetworkPortCount": len(port_uris),
                        "NetworkDeviceFunctionCount": len(function_uris),
                    },
                    "Links": controller_links,
                    "Location": {"PartLocation": self.adapter_location(adapter)},
                }
            ],
            ports_name: ref(f"{uri}/{ports_name}"),
            "NetworkDeviceFunctions": ref(f"{uri}/NetworkDeviceFunctions"),
        }
        self.store.add(uri, payload)
        return uri

    def adapter_location(self, adapter: Adapter) -> dict:
        if adapter.onboard:
            return {"ServiceLabel": "Onboard LOM", "LocationType": "Embedded"}
        return {"ServiceLabel": f"PCIe slot {adapter.slot}", "LocationType": "Slot", "LocationOrdinalValue": adapter.slot}

    def port_payload(self, adapter: Adapter, port: Port, uri: str) -> dict:
        payload = {
            "@odata.type": self.t("Port"),
            "Id": uri.rsplit("/", 1)[-1],
            "Name": f"Port {port.number}",
            "PortId": str(port.number),
            "PortProtocol": port.link,
            "PortType": "BidirectionalPort",
            "LinkNetworkTechnology": port.link,
            "CurrentSpeedGbps": port.speed_gbps,
            "MaxSpeedGbps": port.speed_gbps,
            "LinkStatus": "LinkUp",
            "LinkState": "Enabled",
            "Status": status(),
        }
        if port.link == "InfiniBand":
            payload["InfiniBand"] = {"AssociatedPortGUIDs": [port.guid]}
        else:
            payload["Ethernet"] = {"AssociatedMACAddresses": [port.mac]}
        return payload

    def network_port_payload(self, adapter: Adapter, port: Port, uri: str, function_uri: str) -> dict:
        return {
            "@odata.type": self.t("NetworkPort"),
            "Id": uri.rsplit("/", 1)[-1],
            "Name": "Network Port View",
            "PhysicalPortNumber": str(port.number),
            "ActiveLinkTechnology": port.link,
            "AssociatedNetworkAddresses": [port.guid if port.link == "InfiniBand" else port.mac.upper()],
            "CurrentLinkSpeedMbps": port.speed_gbps * 1000,
            "LinkStatus": "Up",
            "SupportedLinkCapabilities": [
                {"LinkNetworkTechnology": port.link, "LinkSpeedMbps": port.speed_gbps * 1000}
            ],
            "Status": status(rollup=True),
        }

    def function_payload(self, adapter: Adapter, port: Port, uri: str, port_uri: str) -> dict:
        device_uri = self.pcie_link(self.adapter_pcie_uri(adapter))
        function_number = port.number - 1 if len(adapter.ports) > 1 else 0
        links: dict = {
            "PCIeFunction": ref(f"{device_uri}/PCIeFunctions/{self.pcie_function_id(self.adapter_pcie_id(adapter), function_number)}"),
        }
        if self.use_network_ports:
            links["PhysicalPortAssignment"] = ref(port_uri)
        else:
            links["PhysicalNetworkPortAssignment"] = ref(port_uri)
        payload = {
            "@odata.type": self.t("NetworkDeviceFunction"),
            "Id": uri.rsplit("/", 1)[-1],
            "Name": "Network Device Function",
            "DeviceEnabled": True,
            "NetDevFuncType": port.link,
            "NetDevFuncCapabilities": [port.link],
            "Links": links,
            "Status": status(),
        }
        if port.link == "InfiniBand":
            payload["InfiniBand"] = {"PortGUID": port.guid, "PermanentPortGUID": port.guid, "MTUSize": 4096}
        else:
            payload["Ethernet"] = {"MACAddress": port.mac, "PermanentMACAddress": port.mac, "MTUSize": 1500}
        return payload

    def render_pcie_devices(self) -> None:
        members = []
        if self.gpus_as_pcie_devices and not self.gpus_on_baseboard():
            for gpu in self.plan.gpus:
                members.append(self.render_gpu_pcie_device(gpu, self.gpu_pcie_uri(gpu)))
        for adapter in self.plan.adapters:
            members.append(self.render_adapter_pcie_device(adapter))
        self.store.add_collection(f"{self.chassis_uri}/PCIeDevices", self.ct("PCIeDevice"), "PCIe Device Collection", members)

    def pcie_device_payload(self, uri: str, *, name: str, manufacturer, model, part_number, serial, firmware, lanes: int, gen: str, chassis_uri: str, functions: int, oem: dict | None) -> dict:
        payload = {
            "@odata.type": self.t("PCIeDevice"),
            "Id": uri.rsplit("/", 1)[-1],
            "Name": name,
            "Manufacturer": manufacturer,
            "Model": model,
            "PartNumber": part_number,
            "SerialNumber": serial,
            "FirmwareVersion": firmware,
            "DeviceType": "MultiFunction" if functions > 1 else "SingleFunction",
            "PCIeInterface": {"PCIeType": gen, "MaxPCIeType": gen, "LanesInUse": lanes, "MaxLanes": lanes},
            "Status": status(rollup=True),
            "PCIeFunctions": ref(f"{uri}/PCIeFunctions"),
            "Links": {"Chassis": [ref(chassis_uri)]},
        }
        if oem:
            payload["Oem"] = oem
        return payload

    def pcie_function_payload(self, uri: str, device_uri: str, number: int, pci: dict, name: str, extra_links: dict | None = None) -> dict:
        links = {"PCIeDevice": ref(self.pcie_link(device_uri))}
        links.update(extra_links or {})
        return {
            "@odata.type": self.t("PCIeFunction"),
            "Id": uri.rsplit("/", 1)[-1],
            "Name": name,
            "FunctionId": number,
            "FunctionType": "Physical",
            "DeviceClass": pci.get("device_class", "NetworkController"),
            "ClassCode": pci["class_code"],
            "VendorId": pci["vendor_id"],
            "DeviceId": pci["device_id"],
            "SubsystemVendorId": pci.get("subsystem_vendor_id", pci["vendor_id"]),
            "SubsystemId": pci.get("subsystem_id", "0x0001"),
            "Status": status(),
            "Links": links,
        }

    def render_gpu_pcie_device(self, gpu: Gpu, uri: str, chassis_uri: str | None = None) -> str:
        spec = gpu.spec
        device_id = uri.rsplit("/", 1)[-1]
        self.store.add(
            uri,
            self.pcie_device_payload(
                uri,
                name=f"GPU {gpu.index}",
                manufacturer=spec["manufacturer"],
                model=self.gpu_pcie_model(gpu),
                part_number=spec.get("part_number"),
                serial=gpu.serial,
                firmware=spec.get("firmware_version"),
                lanes=16,
                gen="Gen5",
                chassis_uri=chassis_uri or self.chassis_uri,
                functions=1,
                oem=self.oem_pcie_device(gpu, None),
            ),
        )
        function_uri = f"{uri}/PCIeFunctions/{self.pcie_function_id(device_id, 0)}"
        self.store.add(function_uri, self.pcie_function_payload(function_uri, uri, 0, spec["pci"], f"GPU {gpu.index}"))
        self.store.add_collection(f"{uri}/PCIeFunctions", self.ct("PCIeFunction"), "PCIe Function Collection", [function_uri])
        self.register_pcie_alias(uri)
        return uri

    def render_adapter_pcie_device(self, adapter: Adapter) -> str:
        spec = adapter.spec
        uri = self.adapter_pcie_uri(adapter)
        device_id = uri.rsplit("/", 1)[-1]
        manufacturer, model, part_number = self.adapter_identity(adapter)
        functions = len(adapter.ports) if len(adapter.ports) > 1 else 1
        self.store.add(
            uri,
            self.pcie_device_payload(
                uri,
                name=spec.get("model") or "Network adapter",
                manufacturer=manufacturer,
                model=model,
                part_number=part_number,
                serial=adapter.serial,
                firmware=spec.get("firmware_version"),
                lanes=16 if spec["speed_gbps"] >= 100 else 8,
                gen="Gen5" if spec["speed_gbps"] >= 200 else "Gen4",
                chassis_uri=self.adapter_chassis_uri(adapter),
                functions=functions,
                oem=self.oem_pcie_device(None, adapter),
            ),
        )
        function_uris = []
        for number in range(functions):
            function_uri = f"{uri}/PCIeFunctions/{self.pcie_function_id(device_id, number)}"
            self.store.add(function_uri, self.pcie_function_payload(function_uri, uri, number, spec["pci"], f"{spec.get('model')} function {number}"))
            function_uris.append(function_uri)
        self.store.add_collection(f"{uri}/PCIeFunctions", self.ct("PCIeFunction"), "PCIe Function Collection", function_uris)
        self.register_pcie_alias(uri)
        return uri

    def register_pcie_alias(self, uri: str) -> None:
        """Serve a PCIe device (and its functions) under the URI other resources link."""
        link = self.pcie_link(uri)
        if link == uri:
            return
        self.store.alias(link, uri)
        self.store.alias(f"{link}/PCIeFunctions", f"{uri}/PCIeFunctions")
        for member in (self.store.get(f"{uri}/PCIeFunctions") or {}).get("Members", []):
            function_id = member["@odata.id"].rsplit("/", 1)[-1]
            self.store.alias(f"{link}/PCIeFunctions/{function_id}", member["@odata.id"])

    # --- manager ---------------------------------------------------------------------------

    def render_manager(self) -> None:
        uri = self.manager_uri
        manager = {
            "@odata.type": self.t("Manager"),
            "Id": self.manager_id,
            "Name": "Manager",
            "Description": "Baseboard Management Controller",
            "ManagerType": "BMC",
            "Model": self.system_value("bmc_model"),
            "FirmwareVersion": self.system_value("bmc_firmware"),
            "UUID": self.identity.uuid("manager"),
            "PowerState": "On",
            "Status": status(),
            "EthernetInterfaces": ref(f"{uri}/EthernetInterfaces"),
            "VirtualMedia": ref(f"{uri}/VirtualMedia"),
            "Links": {
                "ManagerForServers": [ref(self.system_uri)],
                "ManagerForChassis": [ref(self.chassis_uri)],
            },
        }
        oem = self.oem_manager()
        if oem:
            manager["Oem"] = oem
        self.store.add(uri, manager)

        interface_uri = f"{uri}/EthernetInterfaces/{self.manager_interface_id()}"
        self.store.add(
            interface_uri,
            {
                "@odata.type": self.t("EthernetInterface"),
                "Id": self.manager_interface_id(),
                "Name": "Manager Ethernet Interface",
                "Description": "BMC dedicated network interface",
                "MACAddress": self.identity.mac("bmc"),
                "PermanentMACAddress": self.identity.mac("bmc"),
                "SpeedMbps": 1000,
                "InterfaceEnabled": True,
                "LinkStatus": "LinkUp",
                "Status": status(),
            },
        )
        self.store.add_collection(f"{uri}/EthernetInterfaces", self.ct("EthernetInterface"), "Manager Ethernet Interfaces", [interface_uri])
        self.render_virtual_media(f"{uri}/VirtualMedia")

    def manager_interface_id(self) -> str:
        return "1"

    def render_virtual_media(self, collection: str) -> None:
        members = []
        for media_id in self.virtual_media_ids:
            uri = f"{collection}/{media_id}"
            self.store.add(
                uri,
                {
                    "@odata.type": self.t("VirtualMedia"),
                    "Id": media_id,
                    "Name": "Virtual CD" if "CD" in media_id else "Virtual Removable Disk",
                    "MediaTypes": ["CD", "DVD"] if "CD" in media_id else ["USBStick"],
                    "ConnectedVia": "NotConnected",
                    "Inserted": False,
                    "WriteProtected": True,
                    "TransferProtocolType": "HTTPS",
                    "Actions": {
                        "#VirtualMedia.InsertMedia": {"target": f"{uri}/Actions/VirtualMedia.InsertMedia"},
                        "#VirtualMedia.EjectMedia": {"target": f"{uri}/Actions/VirtualMedia.EjectMedia"},
                    },
                },
            )
            members.append(uri)
        self.store.add_collection(collection, self.ct("VirtualMedia"), "Virtual Media Collection", members)
        self.store.facts.setdefault("virtual_media", []).extend(members)
