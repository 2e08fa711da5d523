# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The normalised hardware model, built from the Redfish resources of one BMC.

``build_hosts(resources)`` is a pure function: it takes a dict from ``@odata.id`` to payload
(a snapshot read from a live BMC, or recorded payloads) and returns one plain dict per host,
in the shape documented in docs/hardware-model.md.  Real BMCs report the same hardware in
different places; each device is counted once whichever places report it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.aifactory.infra.plugins.module_utils import device_catalog as catalog
from ansible_collections.aifactory.infra.plugins.module_utils.redfish import shapes

KIND_SERVER = "server"
KIND_DPU = "dpu"


def build_hosts(resources):
    """Return the hardware model of every server and DPU host in ``resources``."""
    all_systems = shapes.systems(resources)
    processors = {shapes_id(system): _members(resources, shapes.link(system, "Processors"))
                  for system in all_systems}

    baseboards = [system for system in all_systems
                  if shapes.is_gpu_baseboard_shape(system, has_gpus=any(
                      _is_gpu_processor(p) for p in processors[shapes_id(system)]))]
    hosts = [system for system in all_systems if system not in baseboards]

    # A GPU baseboard belongs to the server of the same BMC.  With several servers
    # (a blade BMC) it goes to the first, because nothing in the payloads links them.
    servers = [system for system in hosts if not _is_dpu_system(system)]
    merged = {shapes_id(system): [] for system in hosts}
    for board in baseboards:
        if servers:
            merged[shapes_id(servers[0])].append(board)

    return [_build_host(resources, system, merged[shapes_id(system)], processors)
            for system in hosts]


def shapes_id(payload):
    return (payload.get("@odata.id") or "").rstrip("/")


def _members(resources, collection_uri):
    if not collection_uri:
        return []
    collection = resources.get(collection_uri.rstrip("/"))
    if not isinstance(collection, dict):
        return []
    found = []
    for member in collection.get("Members") or []:
        uri = member.get("@odata.id", "").rstrip("/") if isinstance(member, dict) else ""
        payload = resources.get(uri)
        if isinstance(payload, dict):
            found.append(payload)
    return found


def _is_dpu_system(system):
    if system.get("SystemType") == "DPU":
        return True
    return catalog.looks_like_bluefield(system.get("Model")) or catalog.looks_like_bluefield(
        system.get("Id"))


def _is_gpu_processor(processor):
    return processor.get("ProcessorType") == "GPU"


def _health(status):
    if not isinstance(status, dict):
        return None
    return status.get("HealthRollup") or status.get("Health")


def _build_host(resources, system, baseboards, processors):
    kind = KIND_DPU if _is_dpu_system(system) else KIND_SERVER
    own_processors = processors[shapes_id(system)]
    gpu_processors = [p for p in own_processors if _is_gpu_processor(p)]
    for board in baseboards:
        gpu_processors.extend(p for p in processors[shapes_id(board)] if _is_gpu_processor(p))

    chassis = _host_chassis(resources, system)
    manager = _manager(resources, system)
    pcie_devices = _pcie_devices(resources, system, chassis)
    adapters = _network_adapters(resources, chassis)

    gpus = _gpus(resources, gpu_processors, pcie_devices)
    dpus, nics = _dpus_and_nics(resources, adapters, kind)
    cpu_count, cpu_model, cpu_cores = _cpus(system, own_processors)

    hardware = {
        "kind": kind,
        "system_id": system.get("Id"),
        "systems": [system.get("Id")] + [board.get("Id") for board in baseboards],
        "vendor": _vendor(system, chassis, baseboards),
        "model": catalog.clean(system.get("Model")),
        "serial": catalog.clean(system.get("SerialNumber")),
        "uuid": catalog.clean(system.get("UUID")),
        "sku": catalog.clean(system.get("SKU")),
        "power_state": system.get("PowerState"),
        "health": _health(system.get("Status")),
        "bios_version": catalog.clean(system.get("BiosVersion")),
        "bmc_firmware_version": catalog.clean(manager.get("FirmwareVersion")),
        "bmc_model": catalog.clean(manager.get("Model")),
        "cpu_count": cpu_count,
        "cpu_model": cpu_model,
        "cpu_cores": cpu_cores,
        "memory_gib": _memory_gib(resources, system),
        "gpu_count": len(gpus),
        "gpus": gpus,
        "dpus": dpus,
        "nics": nics,
        "disks": _disks(resources, system),
        "boot_macs": _boot_macs(resources, system),
        "dpu_mode": _dpu_mode(resources, system) if kind == KIND_DPU else None,
    }
    return hardware


def _vendor(system, chassis, baseboards):
    vendor = catalog.clean(system.get("Manufacturer"))
    if vendor and "://" not in vendor:
        return vendor
    # Some BMCs leave the system's Manufacturer empty or put a web address there; the
    # chassis or the GPU baseboard then names the maker.
    for payload in list(chassis) + list(baseboards):
        candidate = catalog.clean(payload.get("Manufacturer"))
        if candidate and "://" not in candidate:
            return candidate
    return vendor


def _manager(resources, system):
    for uri in shapes.links(system.get("Links"), "ManagedBy"):
        payload = resources.get(uri)
        if isinstance(payload, dict):
            return payload
    return {}


def _host_chassis(resources, system):
    """Return the chassis that hold this system's hardware.

    These are the chassis the system links to and everything they contain.  When the
    system links to none, every chassis of the BMC counts.
    """
    start = shapes.links(system.get("Links"), "Chassis")
    if not start:
        return [payload for payload in resources.values() if shapes.is_chassis(payload)]
    found = []
    queue = list(start)
    seen = set()
    while queue:
        uri = queue.pop(0)
        if uri in seen:
            continue
        seen.add(uri)
        payload = resources.get(uri)
        if not isinstance(payload, dict):
            continue
        found.append(payload)
        queue.extend(shapes.links(payload.get("Links"), "Contains"))
    return found


def _pcie_devices(resources, system, chassis):
    devices = []
    for payload in chassis:
        devices.extend(_members(resources, shapes.link(payload, "PCIeDevices")))
    if devices:
        return devices
    devices = _members(resources, shapes.link(system, "PCIeDevices"))
    if devices:
        return devices
    return [resources[uri] for uri in shapes.links(system, "PCIeDevices") if uri in resources]


def _pcie_functions(resources, device):
    functions = _members(resources, shapes.link(device, "PCIeFunctions"))
    if functions:
        return functions
    return [resources[uri] for uri in shapes.links(device.get("Links"), "PCIeFunctions")
            if uri in resources]


def _location(payload):
    location = payload.get("Location") if isinstance(payload.get("Location"), dict) else {}
    part = location.get("PartLocation") if isinstance(location.get("PartLocation"), dict) else {}
    label = catalog.clean(part.get("ServiceLabel"))
    if label:
        return label
    slot = payload.get("Slot") if isinstance(payload.get("Slot"), dict) else {}
    slot_location = slot.get("Location") if isinstance(slot.get("Location"), dict) else {}
    part = slot_location.get("PartLocation") if isinstance(slot_location.get("PartLocation"), dict) else {}
    label = catalog.clean(part.get("ServiceLabel"))
    if label:
        return label
    # Lenovo XCC puts the slot into an OEM block.
    oem_location = (((payload.get("Oem") or {}).get("Lenovo") or {}).get("Location") or {})
    if isinstance(oem_location, dict):
        label = catalog.clean(((oem_location.get("PartLocation") or {}).get("ServiceLabel")))
        if label:
            return label
    return payload.get("Id")


def _gpu_pcie_device(resources, device):
    """Return the GPU vendor when ``device`` is a GPU, else None."""
    functions = _pcie_functions(resources, device)
    for function in functions:
        if catalog.is_gpu_function(function):
            return catalog.gpu_vendor_from_id(function.get("VendorId"))
    if functions:
        return None
    text = " ".join(str(device.get(key) or "") for key in ("Model", "Name"))
    if not catalog.gpu_model_in(text):
        return None
    oem_vendor = None
    for block in (device.get("Oem") or {}).values():
        if isinstance(block, dict) and block.get("GPUVendor"):
            oem_vendor = block["GPUVendor"]
    return (catalog.gpu_vendor_from_name(device.get("Manufacturer")) or catalog.gpu_vendor_from_name(text)
            or catalog.clean(oem_vendor) or "unknown")


def _gpu_model(payload):
    model = catalog.clean(payload.get("Model"))
    if model:
        return model
    name = catalog.clean(payload.get("Name"))
    if name and catalog.gpu_model_in(name):
        return name
    return None


def _gpus(resources, gpu_processors, pcie_devices):
    """Merge GPU Processors and GPU PCIe devices into one entry per physical GPU.

    A Processor and a PCIe device are the same GPU when the Processor links to the device,
    or when both carry the same serial number.
    """
    gpus = []
    by_device = {}
    by_serial = {}
    for processor in gpu_processors:
        vendor = catalog.gpu_vendor_from_name(processor.get("Manufacturer"))
        gpu = {
            "vendor": vendor or catalog.clean(processor.get("Manufacturer")),
            "model": _gpu_model(processor),
            "memory_gib": _processor_memory_gib(processor),
            "location": _location(processor),
            "serial": catalog.clean(processor.get("SerialNumber")),
            "part_number": catalog.clean(processor.get("PartNumber")),
            "source": "processor",
        }
        gpus.append(gpu)
        device_uri = shapes.link(processor.get("Links") or {}, "PCIeDevice")
        if device_uri:
            by_device[device_uri.rsplit("/", 1)[-1]] = gpu
        if gpu["serial"]:
            by_serial[gpu["serial"]] = gpu

    for device in pcie_devices:
        vendor = _gpu_pcie_device(resources, device)
        if vendor is None:
            continue
        serial = catalog.clean(device.get("SerialNumber"))
        gpu = by_device.get(str(device.get("Id") or shapes_id(device).rsplit("/", 1)[-1]))
        if gpu is None and serial:
            gpu = by_serial.get(serial)
        if gpu is None:
            gpu = {"vendor": None, "model": None, "memory_gib": None, "location": _location(device),
                   "serial": serial, "part_number": None, "source": "pcie_device"}
            gpus.append(gpu)
        # The Processor's own fields win; the PCIe device fills what it left empty.
        gpu["vendor"] = gpu["vendor"] or vendor
        gpu["model"] = gpu["model"] or _gpu_model(device)
        gpu["serial"] = gpu["serial"] or serial
        gpu["part_number"] = gpu["part_number"] or catalog.clean(device.get("PartNumber"))

    for gpu in gpus:
        if gpu["memory_gib"] is None:
            gpu["memory_gib"] = catalog.memory_gib_from_model(gpu["model"])
        if gpu["vendor"] is None and gpu["model"]:
            gpu["vendor"] = catalog.gpu_vendor_from_name(gpu["model"])
    return gpus


def _processor_memory_gib(processor):
    memory = processor.get("ProcessorMemory")
    if isinstance(memory, list):
        total = sum(item.get("CapacityMiB") or 0 for item in memory if isinstance(item, dict))
        if total:
            return round(total / 1024.0, 1)
    summary = processor.get("MemorySummary") or {}
    total_mib = summary.get("TotalMemorySizeMiB") if isinstance(summary, dict) else None
    if total_mib:
        return round(total_mib / 1024.0, 1)
    return None


def _network_adapters(resources, chassis):
    """Return ``(adapter, chassis)`` pairs for the network adapters of these chassis."""
    pairs = []
    for payload in chassis:
        for adapter in _members(resources, shapes.link(payload, "NetworkAdapters")):
            pairs.append((adapter, payload))
    return pairs


def _chassis_has_dpu_system(resources, chassis):
    for uri in shapes.links(chassis.get("Links"), "ComputerSystems"):
        system = resources.get(uri)
        if isinstance(system, dict) and _is_dpu_system(system):
            return True
    return False


def _ports(resources, adapter):
    return (_members(resources, shapes.link(adapter, "Ports"))
            or _members(resources, shapes.link(adapter, "NetworkPorts")))


def _port_link_type(port):
    technology = port.get("LinkNetworkTechnology") or port.get("ActiveLinkTechnology")
    if technology == "InfiniBand":
        return "infiniband"
    if technology == "Ethernet":
        return "ethernet"
    return None


def _port_speed_gbps(port):
    if port.get("CurrentSpeedGbps"):
        return port["CurrentSpeedGbps"]
    if port.get("CurrentLinkSpeedMbps"):
        return port["CurrentLinkSpeedMbps"] / 1000.0
    speeds = []
    for capability in port.get("SupportedLinkCapabilities") or []:
        if isinstance(capability, dict) and capability.get("LinkSpeedMbps"):
            speeds.append(capability["LinkSpeedMbps"] / 1000.0)
    if port.get("MaxSpeedGbps"):
        speeds.append(port["MaxSpeedGbps"])
    return max(speeds) if speeds else None


def _port_macs(port):
    macs = list(port.get("AssociatedNetworkAddresses") or [])
    ethernet = port.get("Ethernet") if isinstance(port.get("Ethernet"), dict) else {}
    macs.extend(ethernet.get("AssociatedMACAddresses") or [])
    return [mac.lower() for mac in macs if isinstance(mac, str) and catalog.clean(mac)
            and mac.strip("0:") != ""]


def _adapter_port_count(adapter, ports):
    if ports:
        return len(ports)
    for controller in adapter.get("Controllers") or []:
        capabilities = controller.get("ControllerCapabilities") if isinstance(controller, dict) else None
        if isinstance(capabilities, dict) and capabilities.get("NetworkPortCount"):
            return capabilities["NetworkPortCount"]
    return None


def _dpus_and_nics(resources, adapters, kind):
    dpus = []
    nics = []
    for adapter, chassis in adapters:
        model = catalog.clean(adapter.get("Model"))
        part_number = catalog.clean(adapter.get("PartNumber"))
        ports = _ports(resources, adapter)
        macs = []
        for port in ports:
            macs.extend(_port_macs(port))

        is_dpu = (catalog.looks_like_bluefield(model)
                  or catalog.bluefield_generation(part_number=part_number) is not None
                  or _chassis_has_dpu_system(resources, chassis))
        # A DPU's own BMC lists the DPU's ports as its adapters: there they are NICs.
        if is_dpu and kind == KIND_SERVER:
            dpus.append({
                "vendor": catalog.clean(adapter.get("Manufacturer")),
                "model": model or part_number,
                "generation": catalog.bluefield_generation(model, part_number),
                "part_number": part_number,
                "serial": catalog.clean(adapter.get("SerialNumber")),
                "location": adapter.get("Id"),
                "macs": macs,
            })
            continue

        link_types = set(filter(None, (_port_link_type(port) for port in ports)))
        if len(link_types) == 1:
            link_type = link_types.pop()
        else:
            link_type = catalog.link_type_hint(model, adapter.get("Id"), part_number) or (
                "ethernet" if macs else "unknown")
        speeds = list(filter(None, (_port_speed_gbps(port) for port in ports)))
        nics.append({
            "vendor": catalog.clean(adapter.get("Manufacturer")),
            "model": model or part_number,
            "part_number": part_number,
            "serial": catalog.clean(adapter.get("SerialNumber")),
            "port_count": _adapter_port_count(adapter, ports),
            "link_type": link_type,
            "speed_gbps": max(speeds) if speeds else None,
            "macs": macs,
            "location": adapter.get("Id"),
        })
    return dpus, nics


def _cpus(system, processors):
    cpus = [p for p in processors if p.get("ProcessorType") in ("CPU", None)
            and (p.get("Status") or {}).get("State") != "Absent"]
    summary = system.get("ProcessorSummary") if isinstance(system.get("ProcessorSummary"), dict) else {}
    count = summary.get("Count") if summary.get("Count") is not None else (len(cpus) or None)
    model = None
    for cpu in cpus:
        model = catalog.clean(cpu.get("Model"))
        if model:
            break
    model = model or catalog.clean(summary.get("Model"))
    cores = summary.get("CoreCount")
    if cores is None:
        cores = sum(cpu.get("TotalCores") or 0 for cpu in cpus) or None
    return count, model, cores


def _memory_gib(resources, system):
    summary = system.get("MemorySummary") if isinstance(system.get("MemorySummary"), dict) else {}
    if summary.get("TotalSystemMemoryGiB") is not None:
        return summary["TotalSystemMemoryGiB"]
    modules = _members(resources, shapes.link(system, "Memory"))
    total_mib = sum(module.get("CapacityMiB") or 0 for module in modules)
    return round(total_mib / 1024.0, 1) if total_mib else None


def _disks(resources, system):
    disks = []
    seen = set()
    for storage in _members(resources, shapes.link(system, "Storage")):
        for uri in shapes.links(storage, "Drives"):
            drive = resources.get(uri)
            if not isinstance(drive, dict) or uri in seen:
                continue
            seen.add(uri)
            if (drive.get("Status") or {}).get("State") == "Absent":
                continue
            size = drive.get("CapacityBytes")
            disks.append({
                "model": catalog.clean(drive.get("Model")),
                "serial": catalog.clean(drive.get("SerialNumber")),
                "size_gb": round(size / 1e9, 1) if size else None,
                "media": drive.get("MediaType"),
                "protocol": drive.get("Protocol"),
            })
    if disks or shapes.link(system, "Storage"):
        return disks

    for controller in _members(resources, shapes.link(system, "SimpleStorage")):
        for device in controller.get("Devices") or []:
            if not isinstance(device, dict) or (device.get("Status") or {}).get("State") == "Absent":
                continue
            size = device.get("CapacityBytes")
            disks.append({
                "model": catalog.clean(device.get("Model")) or catalog.clean(device.get("Name")),
                "serial": None,
                "size_gb": round(size / 1e9, 1) if size else None,
                "media": None,
                "protocol": None,
            })
    return disks


def _boot_macs(resources, system):
    macs = []
    for interface in _members(resources, shapes.link(system, "EthernetInterfaces")):
        if interface.get("InterfaceEnabled") is False:
            continue
        if (interface.get("Status") or {}).get("State") in ("Disabled", "Absent"):
            continue
        mac = catalog.clean(interface.get("MACAddress")) or catalog.clean(interface.get("PermanentMACAddress"))
        if mac and mac.lower() not in macs and mac.strip("0:") != "":
            macs.append(mac.lower())
    return macs


def _dpu_mode(resources, system):
    for uri in shapes.oem_system_links(system):
        payload = resources.get(uri)
        if isinstance(payload, dict):
            mode = payload.get("Mode") or payload.get("DpuMode")
            if mode:
                return mode
    return None
