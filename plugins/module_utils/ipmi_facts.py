# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Facts of an IPMI BMC and the hardware model built from them.

IPMI reports much less than Redfish: the FRU inventory (vendor, product, serials), the
BMC's device id and firmware revision, the system GUID, the power state and the sensors.
The hardware model built here (see docs/hardware-model.md) fills what these give and leaves
every other field null or an empty list; nothing is guessed.

Shared by the ipmi_facts module and the ``redfish`` inventory plugin's ``ipmi://``
endpoints (through ipmi_discovery), so that both report the same model.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import binascii

try:
    from pyghmi import constants as pyghmi_constants
    from pyghmi.ipmi import fru as pyghmi_fru
except ImportError:  # IpmiClient reports the missing library before these are used
    pyghmi_constants = None
    pyghmi_fru = None

from ansible_collections.aifactory.infra.plugins.module_utils import device_catalog as catalog
from ansible_collections.aifactory.infra.plugins.module_utils.ipmi_errors import (
    IpmiAuthError,
    IpmiCommandError,
    IpmiConnectionError,
    IpmiError,
)

# pyghmi's names of the system FRU fields -> the names this collection returns.
FRU_FIELDS = (
    ("Chassis type", "chassis_type"),
    ("Chassis part number", "chassis_part_number"),
    ("Chassis serial number", "chassis_serial"),
    ("Board manufacture date", "board_manufacture_date"),
    ("Board manufacturer", "board_manufacturer"),
    ("Board product name", "board_product"),
    ("Board serial number", "board_serial"),
    ("Board model", "board_part_number"),
    ("Manufacturer", "product_manufacturer"),
    ("Product name", "product_name"),
    ("Model", "product_part_number"),
    ("Hardware Version", "product_version"),
    ("Serial Number", "product_serial"),
    ("Asset Number", "product_asset_tag"),
)

# The hardware model fields that IPMI cannot report (see docs/hardware-model.md).
UNKNOWN_FIELDS = ("system_id", "sku", "bios_version", "bmc_model", "cpu_count", "cpu_model", "cpu_cores",
                  "memory_gib", "gpu_count", "dpu_mode")
UNKNOWN_LISTS = ("systems", "gpus", "dpus", "nics", "disks", "boot_macs")

_HEALTH_NAMES = ("OK", "Warning", "Critical")

NETFN_STORAGE = 0x0A
CMD_GET_FRU_AREA_INFO = 0x10
CMD_READ_FRU_DATA = 0x11
# Completion codes of a Read FRU Data request that asked for too many bytes: request data
# length invalid, field length limit exceeded, parameter out of range, cannot return the
# requested number of bytes.
FRU_LENGTH_CODES = (0xC7, 0xC8, 0xC9, 0xCA)
FRU_FIRST_CHUNK = 224
FRU_SMALLEST_CHUNK = 8


def _text(value):
    """Return a FRU value as JSON-safe text: bytes become hex, blanks become None."""
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray)):
        return binascii.hexlify(bytes(value)).decode() or None
    return catalog.clean(str(value))


def read_fru_image(client, fru_id=0):
    """Return the raw bytes of a FRU device, read in the largest chunks the BMC accepts.

    BMCs limit the size of one Read FRU Data response differently and report it with one
    of four completion codes.  Each of them halves the chunk, down to 8 bytes.
    """
    info = client.command(NETFN_STORAGE, CMD_GET_FRU_AREA_INFO, (fru_id,),
                          operation="Get FRU Inventory Area Info (FRU %d)" % fru_id)
    if len(info) < 3:
        raise IpmiCommandError(client.bmc, "Get FRU Inventory Area Info", "the BMC returned %d bytes" % len(info))
    size = info[0] | (info[1] << 8)
    unit = 2 if info[2] & 0x01 else 1  # word access counts offsets and lengths in 16-bit words

    image = bytearray()
    chunk = FRU_FIRST_CHUNK
    while len(image) < size:
        offset = len(image) // unit
        count = min(chunk, size - len(image)) // unit or 1
        try:
            data = client.command(NETFN_STORAGE, CMD_READ_FRU_DATA,
                                  (fru_id, offset & 0xFF, offset >> 8, count),
                                  operation="Read FRU Data (FRU %d, offset %d)" % (fru_id, offset))
        except IpmiCommandError as exc:
            if exc.code in FRU_LENGTH_CODES and chunk > FRU_SMALLEST_CHUNK:
                chunk //= 2
                continue
            raise
        returned = data[0] * unit if data else 0
        if returned == 0:
            break
        image += data[1:1 + returned]
    return bytes(image[:size])


def read_system_fru(client, warnings):
    """Return FRU device 0 (the system) with the names of FRU_FIELDS; {} when unreadable."""
    try:
        image = read_fru_image(client, 0)
    except (IpmiConnectionError, IpmiAuthError):
        raise
    except IpmiError as exc:
        warnings.append("The system FRU could not be read: %s" % exc)
        return {}
    try:
        info = pyghmi_fru.FRU(rawdata=image).info if image else None
    except Exception as exc:  # pylint: disable=broad-except
        # pyghmi's parser raises several types on malformed areas; the host stays.
        warnings.append("BMC %s: the system FRU is malformed (%s: %s)." % (client.bmc, type(exc).__name__, exc))
        return {}
    if not info:
        warnings.append("BMC %s has no system FRU (FRU 0) or reports it in a format other than "
                        "the IPMI FRU specification 1.0." % client.bmc)
        return {}
    return dict((name, _text(info.get(source))) for source, name in FRU_FIELDS)


def _health_name(pyghmi_health):
    if pyghmi_health & (pyghmi_constants.Health.Critical | pyghmi_constants.Health.Failed):
        return "Critical"
    if pyghmi_health & pyghmi_constants.Health.Warning:
        return "Warning"
    return "OK"


def read_sensor_health(client, warnings):
    """Return the sensor summary: counts, the worst health and the sensors not OK.

    ``health`` is None when the BMC has no readable sensor, because then nothing is known.
    """
    try:
        readings = client.call("Get Sensor Reading (all sensors)",
                               lambda command: list(command.get_sensor_data()))
    except (IpmiConnectionError, IpmiAuthError):
        raise
    except IpmiError as exc:
        warnings.append("The sensors could not be read: %s" % exc)
        return {"count": 0, "unavailable": 0, "health": None, "problems": []}

    available = [reading for reading in readings if not getattr(reading, "unavailable", 0)]
    problems = []
    worst = 0
    for reading in available:
        health = _health_name(reading.health)
        worst = max(worst, _HEALTH_NAMES.index(health))
        if health != "OK":
            problems.append({
                "name": reading.name,
                "type": reading.type,
                "health": health,
                "value": reading.value,
                "units": reading.units or None,
                "states": list(reading.states),
            })
    return {
        "count": len(readings),
        "unavailable": len(readings) - len(available),
        "health": _HEALTH_NAMES[worst] if available else None,
        "problems": problems,
    }


def read_facts(client):
    """Return every fact of the BMC that ipmi_facts reports, and the hardware model."""
    warnings = []
    device = client.device_id()
    facts = {
        "device": device,
        "bmc_firmware_version": device["firmware_version"],
        "uuid": client.system_guid(),
        "power_state": client.power_state(),
        "fru": read_system_fru(client, warnings),
        "sensors": read_sensor_health(client, warnings),
        "cipher_suite": client.cipher_suite,
        "warnings": warnings,
    }
    facts["hardware"] = build_hardware(facts)
    return facts


def build_hardware(facts):
    """Return the hardware model for the facts of one BMC (pure function)."""
    fru = facts.get("fru") or {}
    hardware = {
        "kind": "server",
        "vendor": fru.get("product_manufacturer") or fru.get("board_manufacturer"),
        "model": fru.get("product_name"),
        # The product serial names the system; the chassis serial is the same unit seen
        # from the enclosure.  The board serial belongs to the mainboard only.
        "serial": fru.get("product_serial") or fru.get("chassis_serial"),
        "uuid": facts.get("uuid"),
        "power_state": facts.get("power_state"),
        "health": (facts.get("sensors") or {}).get("health"),
        "bmc_firmware_version": facts.get("bmc_firmware_version"),
    }
    for field in UNKNOWN_FIELDS:
        hardware[field] = None
    for field in UNKNOWN_LISTS:
        hardware[field] = []
    return hardware
