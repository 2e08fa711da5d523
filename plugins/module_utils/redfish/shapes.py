# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Small readers for the shapes of Redfish payloads, shared by discovery and modules."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.aifactory.infra.plugins.module_utils import device_catalog


def link(payload, key):
    """Return the ``@odata.id`` of the navigation property ``key``, or None."""
    if not isinstance(payload, dict):
        return None
    value = payload.get(key)
    if isinstance(value, dict) and isinstance(value.get("@odata.id"), str):
        return value["@odata.id"].rstrip("/")
    return None


def links(container, key):
    """Return the ``@odata.id`` values of the link array ``key`` (a single link counts too)."""
    if not isinstance(container, dict):
        return []
    value = container.get(key)
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return []
    return [item["@odata.id"].rstrip("/") for item in value
            if isinstance(item, dict) and isinstance(item.get("@odata.id"), str)]


def odata_type(payload):
    """Return the unversioned type name, such as ``ComputerSystem``, or ''."""
    value = payload.get("@odata.type") if isinstance(payload, dict) else None
    if not isinstance(value, str):
        return ""
    return value.lstrip("#").split(".", 1)[0]


def is_chassis(payload):
    return odata_type(payload) == "Chassis"


def systems(resources):
    """Return the ComputerSystem payloads of a snapshot, in the BMC's order."""
    order = []
    collection = resources.get("/redfish/v1/Systems")
    if isinstance(collection, dict):
        order = [item.get("@odata.id", "").rstrip("/") for item in collection.get("Members") or []
                 if isinstance(item, dict)]
    found = [resources[uri] for uri in order if uri in resources]
    for uri, payload in resources.items():
        if odata_type(payload) == "ComputerSystem" and payload not in found:
            found.append(payload)
    return found


def has_reset_action(system):
    actions = system.get("Actions") if isinstance(system, dict) else None
    return isinstance(actions, dict) and "#ComputerSystem.Reset" in actions


def is_gpu_baseboard_shape(system, has_gpus=False):
    """True for a system that is a GPU baseboard rather than a server or DPU.

    HGX, GH200 and GB200 BMCs expose the GPU board as a ComputerSystem of its own.  It
    cannot be reset or configured (no Reset action, no Bios), and either its Id or Name
    says baseboard or it carries GPUs (``has_gpus``, known once its Processors are read).
    """
    if not isinstance(system, dict):
        return False
    if has_reset_action(system) or link(system, "Bios"):
        return False
    identity = "%s %s" % (system.get("Id") or "", system.get("Name") or "")
    return has_gpus or "baseboard" in identity.lower()


def oem_system_links(system):
    """Return extra URIs worth reading for a system, keyed by vendor capability.

    NVIDIA BlueField BMCs report the DPU's operating mode (DPU, NIC or zero-trust) in a
    separate ``Oem/Nvidia`` resource of the system.
    """
    oem = system.get("Oem") if isinstance(system, dict) else None
    uris = []
    if isinstance(oem, dict) and device_catalog.looks_like_bluefield(system.get("Model")):
        nvidia_uri = link(oem, "Nvidia")
        if nvidia_uri:
            uris.append(nvidia_uri)
    return uris


def pcie_device_needs_functions(device):
    """True when only the PCIe functions (vendor id, class) can tell if a device is a GPU.

    Devices whose model or name already names a GPU, and devices from vendors that make
    no GPUs, are decided without the extra requests.
    """
    if not isinstance(device, dict):
        return False
    text = " ".join(str(device.get(key) or "") for key in ("Model", "Name"))
    if device_catalog.gpu_model_in(text):
        return False
    manufacturer = device.get("Manufacturer")
    if not manufacturer or manufacturer in ("N/A", "Unknown"):
        return True
    return device_catalog.is_gpu_vendor_name(manufacturer) or device_catalog.is_gpu_vendor_name(text)
