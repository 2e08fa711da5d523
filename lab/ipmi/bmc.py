"""A stateful IPMI BMC of the lab, built on pyghmi's BMC server classes.

pyghmi's ``Bmc`` gives the UDP socket, the session framing and encryption; this subclass
keeps the state of one server and responds to the commands the collection and common IPMI
clients (ipmitool, pyghmi) send:

* Get Device ID and Get System GUID (application);
* Get Chassis Status, Chassis Control, Set/Get System Boot Options (chassis);
* Get FRU Inventory Area Info, Read FRU Data, Get SDR Repository Info, Reserve SDR
  Repository, Get SDR (storage) and Get Sensor Reading (sensor).

The boot flags behave like those of many real BMCs: a once-only override loses its valid
bit ``boot_flag_timeout`` seconds after it was set (60 in the specification) whatever the
client asked with parameter 3, and when the server boots with it.  Power transitions that
take time (cycle, soft off) and expiries are applied lazily at the next request, so the
BMC needs no timer thread.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import re
import struct
import time
import traceback
import uuid
from pathlib import Path

from pyghmi.ipmi import bmc as pyghmi_bmc
from pyghmi.ipmi.private import session as pyghmi_session

from lab import profiles
from lab.identity import Identity
from lab.ipmi import fru as fru_encoding
from lab.ipmi import sdr
from lab.ipmi.session import CIPHER_SUITES, LabServerSession

LOG = logging.getLogger("lab.ipmi")

# IANA enterprise numbers the lab's flavours report in Get Device ID.
MANUFACTURER_IDS = {"dell": 674, "supermicro": 10876, "nvidia": 5703}

# Completion codes (IPMI 2.0, table 5-2).
CC_OK = 0x00
CC_PARAMETER_NOT_SUPPORTED = 0x80
CC_INVALID_COMMAND = 0xC1
CC_RESERVATION_INVALID = 0xC5
CC_NOT_PRESENT = 0xCB
CC_INVALID_DATA = 0xCC
CC_INITIALIZING = 0xD2
CC_NOT_IN_PRESENT_STATE = 0xD5
CC_UNSPECIFIED = 0xFF

BOOT_FLAGS = 0x05
BOOT_VALID_BIT_CLEARING = 0x03
KEEP_VALID_BIT = 0x08


def firmware_revision(version: str) -> tuple[int, int]:
    """Return the (major, BCD minor) of Get Device ID for a version such as ``7.00.60.00``."""
    numbers = re.findall(r"\d+", str(version or "1.0"))
    major = int(numbers[0]) & 0x7F if numbers else 1
    minor = int(numbers[1][:2]) if len(numbers) > 1 else 0
    return major, ((minor // 10) << 4) | (minor % 10)


def system_fru_fields(spec: dict, identity: Identity) -> dict:
    """Return the FRU fields of a BMC spec: from its profile, overridden by its ``fru`` mapping."""
    fields: dict = {
        "chassis_part_number": identity.serial("chassis-part", length=9),
        "chassis_serial": identity.serial("chassis", length=12),
        "board_serial": identity.serial("board", length=10),
        "board_part_number": identity.serial("board-part", length=9),
        "board_manufactured": datetime.datetime(2024, 1, 15, 8, 0, tzinfo=datetime.timezone.utc),
        "product_serial": identity.serial("system", length=12),
        "product_part_number": identity.serial("system-part", length=9),
        "product_version": "1.0",
        "product_asset_tag": None,
    }
    if spec.get("profile"):
        profile = profiles.load(spec["profile"])
        flavour = spec.get("flavour") or profile.flavours[0]
        fields.update(
            product_manufacturer=profile.system_value("manufacturer", flavour),
            product_name=profile.system_value("model", flavour),
            board_manufacturer=profile.system_value("manufacturer", flavour),
            board_product=None,
        )
    fields.update(spec.get("fru") or {})
    return fields


class LabBmc(pyghmi_bmc.Bmc):
    """One emulated IPMI BMC; ``spec`` is a resolved lab.ipmi.spec entry."""

    def __init__(self, spec: dict, state_dir: Path | None = None, clock=time.monotonic) -> None:
        self.name = spec["name"]
        self.spec = spec
        self.clock = clock
        identity = Identity(spec["name"])
        super().__init__({spec["username"]: spec["password"]}, port=spec["port"],
                         bmcuuid=uuid.UUID(identity.uuid("system")), address=spec["address"])
        # Port 0 asks the kernel for a free port; sessions are routed by the real one.
        self.port = self.serversocket.getsockname()[1]
        if spec.get("kg"):
            self.set_kg(spec["kg"])

        self.state_dir = Path(state_dir) if state_dir else None
        self.cipher_suites = [suite for suite in spec["cipher_suites"] if suite in CIPHER_SUITES]
        self.faults = dict(spec.get("faults") or {})
        self.busy_left = int(self.faults.get("initializing", 0))
        self.boot_flag_timeout = float(spec["boot_flag_timeout"])
        self.honour_keep_valid_bit = bool(spec["honour_keep_valid_bit"])
        self.soft_off_seconds = float(spec["soft_off_seconds"])
        self.cycle_seconds = float(spec["cycle_seconds"])

        self.power = spec["power_state"]
        self.boot_flags = {"valid": False, "persistent": False, "uefi": False, "selector": 0}
        self.keep_valid_bit = False
        self.boot_valid_until: float | None = None
        self.pending: tuple[float, str] | None = None  # (when, "On" or "Off")
        self.boots: list[dict] = []
        self.requests = 0
        self.sessions_opened = 0

        major, minor = firmware_revision(spec.get("bmc_firmware") or self._profile_value("bmc_firmware"))
        self.firmwaremajor = major
        self.firmwareminor = minor
        self.mfgid = spec.get("manufacturer_id")
        if self.mfgid is None:
            self.mfgid = MANUFACTURER_IDS.get(spec.get("flavour"), 0)
        self.prodid = spec.get("product_id")
        if self.prodid is None:
            self.prodid = 0x0100
        self.fru_image = fru_encoding.encode_fru(system_fru_fields(spec, identity))
        modified = int.from_bytes(identity.serial("sdr", length=4, digits_only=True).encode(), "little")
        self.repository = sdr.Repository(sdr.default_sensors(self.faults.get("sensor_health", "OK")), modified)
        self.reservation = 1

        self.handlers = {
            (0x06, 0x01): self._get_device_id,
            (0x06, 0x02): self._cold_reset,
            (0x06, 0x37): self._get_system_guid,
            (0x06, 0x54): self._get_channel_cipher_suites,
            (0x00, 0x01): self._get_chassis_status,
            (0x00, 0x02): self._chassis_control,
            (0x00, 0x08): self._set_boot_options,
            (0x00, 0x09): self._get_boot_options,
            (0x0A, 0x10): self._get_fru_area_info,
            (0x0A, 0x11): self._read_fru_data,
            (0x0A, 0x20): self._get_sdr_repository_info,
            (0x0A, 0x22): self._reserve_sdr_repository,
            (0x0A, 0x23): self._get_sdr,
            (0x04, 0x2D): self._get_sensor_reading,
        }
        self.save_state()

    def _profile_value(self, key: str):
        if not self.spec.get("profile"):
            return None
        profile = profiles.load(self.spec["profile"])
        return profile.system_value(key, self.spec.get("flavour") or profile.flavours[0])

    def log(self, message: str) -> None:
        LOG.info("%s (udp/%d): %s", self.name, self.port, message)

    # Session setup, before any session exists

    def sessionless_data(self, data, sockaddr):
        if self.faults.get("timeout"):
            return  # a BMC that never responds: every packet is dropped
        data = bytearray(data)
        is_open_session = (len(data) >= 22 and data[0] == 6 and data[2:4] == b"\xff\x07"
                           and data[4] == 6 and data[5] == 0x10)
        if is_open_session:
            LabServerSession(self.authdata, self.kg, sockaddr, self.serversocket, data[16:], self.uuid, bmc=self)
            return
        super().sessionless_data(data, sockaddr)

    def cipher_suite_records(self, index: int) -> bytes:
        """Return part ``index`` (16 bytes each) of the Get Channel Cipher Suites records.

        Each record is 0xC0, the suite id, and the three algorithms tagged 00b, 01b and
        10b in their top bits.
        """
        records = bytearray()
        for suite in self.cipher_suites:
            authentication, integrity, confidentiality = CIPHER_SUITES[suite]
            records += bytes([0xC0, suite, authentication, 0x40 | integrity, 0x80 | confidentiality])
        return bytes(records[index * 16:(index + 1) * 16])

    def send_cipher_suites(self, myaddr, mylun, clientaddr, clientlun, clientseq, data, sockaddr):
        # Sent before a session exists, so the response is framed here (IPMI 2.0, no session).
        index = data[22] & 0x3F if len(data) > 22 else 0
        message = bytearray([clientaddr, clientlun | (7 << 2)])
        message.append(_checksum(message))
        body = bytearray([myaddr, mylun | (clientseq << 2), 0x54, CC_OK, 0x01]) + self.cipher_suite_records(index)
        body.append(_checksum(body))
        message += body
        header = bytearray(b"\x06\x00\xff\x07\x06\x00\x00\x00\x00\x00\x00\x00\x00\x00")
        header += struct.pack("<H", len(message))
        pyghmi_session._io_sendto(self.serversocket, header + message, sockaddr)

    # Commands inside a session

    def handle_raw_request(self, request, session):
        self.requests += 1
        self.advance()
        if self.faults.get("timeout"):
            return
        if self.busy_left > 0:
            self.busy_left -= 1
            self.log("answered 0xD2 (initialization in progress), %d more to come" % self.busy_left)
            session.send_ipmi_response(code=CC_INITIALIZING)
            return

        handler = self.handlers.get((request["netfn"], request["command"]))
        if handler is None:
            session.send_ipmi_response(code=CC_INVALID_COMMAND)
            return
        try:
            code, data = handler(bytes(request["data"]))
        except Exception:  # pylint: disable=broad-except
            # A bug in the emulator must not kill the BMC; the client sees "unspecified error".
            LOG.error("%s: netfn 0x%02X cmd 0x%02X failed:\n%s", self.name, request["netfn"],
                      request["command"], traceback.format_exc())
            code, data = CC_UNSPECIFIED, b""
        session.send_ipmi_response(data=list(data), code=code)
        self.save_state()

    def _get_device_id(self, data):
        manufacturer = self.mfgid.to_bytes(3, "little")
        product = self.prodid.to_bytes(2, "little")
        # Additional device support: chassis, FRU inventory, SDR repository, sensor device.
        return CC_OK, bytes([0x20, 0x01, self.firmwaremajor, self.firmwareminor, 0x02, 0x8B]) + manufacturer + product

    def _cold_reset(self, data):
        self.log("cold reset requested (the lab BMC keeps its state)")
        return CC_OK, b""

    def _get_system_guid(self, data):
        return CC_OK, self.uuid.bytes_le

    def _get_channel_cipher_suites(self, data):
        index = data[2] & 0x3F if len(data) > 2 else 0
        return CC_OK, bytes([0x01]) + self.cipher_suite_records(index)

    def _get_chassis_status(self, data):
        return CC_OK, bytes([0x01 if self.power == "On" else 0x00, 0x00, 0x00])

    def _chassis_control(self, data):
        if not data:
            return CC_INVALID_DATA, b""
        directive = data[0] & 0x0F
        now = self.clock()
        if directive == 0x00:
            self.pending = None
            self._set_power("Off", "power off")
        elif directive == 0x01:
            if self.power == "Off":
                self.pending = None
                self._set_power("On", "power on")
        elif directive in (0x02, 0x03):
            if self.power != "On":
                return CC_NOT_IN_PRESENT_STATE, b""
            if directive == 0x03:
                self.log("hard reset")
                self._boot()
            else:
                self._set_power("Off", "power cycle: off")
                self.pending = (now + self.cycle_seconds, "On")
        elif directive == 0x05:
            if self.power == "On" and not self.faults.get("ignore_soft_off"):
                self.log("soft off: the operating system shuts down")
                self.pending = (now + self.soft_off_seconds, "Off")
            else:
                self.log("soft off requested; nothing happens")
        else:
            return CC_INVALID_DATA, b""
        return CC_OK, b""

    def _set_boot_options(self, data):
        if not data:
            return CC_INVALID_DATA, b""
        parameter = data[0] & 0x7F
        if parameter == BOOT_FLAGS:
            if len(data) < 3:
                return CC_INVALID_DATA, b""
            flags = {
                "valid": bool(data[1] & 0x80),
                "persistent": bool(data[1] & 0x40),
                "uefi": bool(data[1] & 0x20),
                "selector": (data[2] >> 2) & 0x0F,
            }
            self.boot_flags = flags
            keeps = self.keep_valid_bit and self.honour_keep_valid_bit
            if flags["valid"] and not flags["persistent"] and not keeps:
                self.boot_valid_until = self.clock() + self.boot_flag_timeout
            else:
                self.boot_valid_until = None
            self.log("boot flags set: %s" % flags)
        elif parameter == BOOT_VALID_BIT_CLEARING:
            if len(data) < 2:
                return CC_INVALID_DATA, b""
            self.keep_valid_bit = bool(data[1] & KEEP_VALID_BIT)
        elif parameter not in (0x00, 0x04):  # set in progress and boot info acknowledge are accepted
            return CC_PARAMETER_NOT_SUPPORTED, b""
        return CC_OK, b""

    def _get_boot_options(self, data):
        if len(data) < 3:
            return CC_INVALID_DATA, b""
        parameter = data[0] & 0x7F
        if parameter == BOOT_FLAGS:
            flags = self.boot_flags
            first = 0
            if flags["valid"]:
                first |= 0x80
            if flags["persistent"]:
                first |= 0x40
            if flags["uefi"]:
                first |= 0x20
            return CC_OK, bytes([0x01, BOOT_FLAGS, first, flags["selector"] << 2, 0x00, 0x00, 0x00])
        if parameter == BOOT_VALID_BIT_CLEARING:
            return CC_OK, bytes([0x01, parameter, KEEP_VALID_BIT if self.keep_valid_bit else 0x00])
        if parameter == 0x00:  # set in progress: "set complete"
            return CC_OK, bytes([0x01, parameter, 0x00])
        if parameter == 0x04:  # boot info acknowledge: nothing acknowledged
            return CC_OK, bytes([0x01, parameter, 0x00, 0x00])
        return CC_PARAMETER_NOT_SUPPORTED, b""

    def _get_fru_area_info(self, data):
        if not data or data[0] != 0:
            return CC_NOT_PRESENT, b""
        return CC_OK, struct.pack("<HB", len(self.fru_image), 0x00)

    def _read_fru_data(self, data):
        if len(data) < 4 or data[0] != 0:
            return CC_NOT_PRESENT, b""
        offset = data[1] | (data[2] << 8)
        chunk = self.fru_image[offset:offset + data[3]]
        return CC_OK, bytes([len(chunk)]) + chunk

    def _get_sdr_repository_info(self, data):
        return CC_OK, self.repository.info()

    def _reserve_sdr_repository(self, data):
        self.reservation = (self.reservation % 0xFFFF) + 1
        return CC_OK, struct.pack("<H", self.reservation)

    def _get_sdr(self, data):
        if len(data) < 6:
            return CC_INVALID_DATA, b""
        reservation = data[0] | (data[1] << 8)
        offset = data[4]
        if offset and reservation != self.reservation:
            return CC_RESERVATION_INVALID, b""
        answer = self.repository.get(data[2] | (data[3] << 8), offset, data[5])
        if answer is None:
            return CC_NOT_PRESENT, b""
        return CC_OK, answer

    def _get_sensor_reading(self, data):
        sensor = self.repository.sensors.get(data[0]) if data else None
        if sensor is None:
            return CC_NOT_PRESENT, b""
        return CC_OK, sensor.reading(self.power == "On")

    # State

    def advance(self) -> None:
        """Apply the expiries and power transitions that are due."""
        now = self.clock()
        if self.boot_valid_until is not None and now >= self.boot_valid_until:
            self.boot_flags = dict(self.boot_flags, valid=False)
            self.boot_valid_until = None
            self.log("boot flags expired: the valid bit is clear")
        if self.pending is not None and now >= self.pending[0]:
            target = self.pending[1]
            self.pending = None
            self._set_power(target, "power %s (delayed)" % target.lower())

    def _set_power(self, target: str, reason: str) -> None:
        if self.power == target:
            return
        self.power = target
        self.log(reason)
        if target == "On":
            self._boot()

    def _boot(self) -> None:
        """Record a boot with the override in effect, and use up a once-only override."""
        flags = self.boot_flags
        device = flags["selector"] if flags["valid"] else 0
        self.boots.append({
            "device": {0: "default", 1: "network", 2: "disk", 5: "cdrom", 6: "bios_setup"}.get(device, device),
            "uefi": flags["uefi"] if flags["valid"] else False,
            "time": time.time(),
        })
        if flags["valid"] and not flags["persistent"]:
            self.boot_flags = dict(flags, valid=False)
            self.boot_valid_until = None
        self.log("system boots from %s" % self.boots[-1]["device"])

    def state(self) -> dict:
        return {
            "name": self.name,
            "protocol": "ipmi",
            "address": self.spec["address"],
            "port": self.port,
            "power_state": self.power,
            "boot_flags": dict(self.boot_flags),
            "boots": list(self.boots),
            "cipher_suites": list(self.cipher_suites),
            "requests": self.requests,
            "sessions_opened": self.sessions_opened,
        }

    def save_state(self) -> None:
        """Write the state to ``<state_dir>/ipmi-<name>.json`` for tests and `lab status`."""
        if self.state_dir is None:
            return
        path = self.state_dir / ("ipmi-%s.json" % self.name)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.state(), indent=2), encoding="utf-8")
        os.replace(temporary, path)


def _checksum(data: bytes) -> int:
    return (-sum(data)) & 0xFF
