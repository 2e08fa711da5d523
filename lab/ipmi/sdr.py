"""Sensor data records and sensor readings of the lab's IPMI BMCs (IPMI 2.0, sections 35 and 43).

Every sensor is a threshold sensor described by a full sensor record (type 01h) with a
linear reading (value = M x raw, B = 0, no exponents), so the raw byte times M is the value
in the sensor's unit.  A reading above a threshold sets the matching bit of the threshold status, which
is what IPMI clients turn into a Warning or Critical health.
"""

from __future__ import annotations

from dataclasses import dataclass

SDR_VERSION = 0x51
RECORD_TYPE_FULL = 0x01
OWNER_BMC = 0x20
EVENT_READING_THRESHOLD = 0x01

# Sensor types (table 42-3) and units (table 43-15).
SENSOR_TEMPERATURE = 0x01
SENSOR_VOLTAGE = 0x02
SENSOR_FAN = 0x04
UNIT_DEGREES_C = 1
UNIT_VOLTS = 4
UNIT_RPM = 18

# Entity ids (table 43-13).
ENTITY_PROCESSOR = 0x03
ENTITY_SYSTEM_BOARD = 0x07
ENTITY_FAN = 0x1D
ENTITY_AIR_INLET = 0x37

# Threshold status bits of Get Sensor Reading, byte 3.
UPPER_NON_CRITICAL = 0x08
UPPER_CRITICAL = 0x10


@dataclass
class Sensor:
    number: int
    name: str
    sensor_type: int
    entity: int
    unit: int
    value: int
    upper_non_critical: int
    upper_critical: int
    needs_host_power: bool = True  # host sensors give no reading while the server is off
    multiplier: int = 1  # M of the linear formula, at most 511 (10-bit two's complement)

    def record(self, record_id: int) -> bytes:
        """Return the full sensor record with its 5-byte header."""
        name = self.name.encode("ascii")[:16]
        body = bytearray()
        body += bytes([OWNER_BMC, 0x00, self.number, self.entity, 0x01])
        body += bytes([0x7F])  # sensor initialisation: scanning, events, thresholds, hysteresis, type
        body += bytes([0x44])  # capabilities: auto re-arm, thresholds readable
        body += bytes([self.sensor_type, EVENT_READING_THRESHOLD])
        body += bytes([0x00, 0x00])  # assertion event mask / lower threshold reading mask
        body += bytes([0x00, 0x18])  # deassertion mask / upper non-critical and critical readable
        body += bytes([0x18, 0x18])  # settable / readable threshold mask
        body += bytes([0x00, self.unit, 0x00])  # unsigned, base unit, no modifier unit
        body += bytes([0x00])  # linear
        # M (10 bits split over two bytes), tolerance 0, B = 0, accuracy 0, exponents 0.
        body += bytes([self.multiplier & 0xFF, ((self.multiplier >> 8) & 0x03) << 6, 0x00, 0x00, 0x00, 0x00])
        body += bytes([0x00, 0x00, 0x00, 0x00])  # analog flags, nominal, normal max, normal min
        body += bytes([0xFF, 0x00])  # sensor maximum and minimum reading
        body += bytes([0x00, self.upper_critical, self.upper_non_critical])  # upper NR, C, NC
        body += bytes([0x00, 0x00, 0x00])  # lower NR, C, NC
        body += bytes([0x00, 0x00, 0x00, 0x00, 0x00])  # hysteresis +/-, reserved, OEM
        body += bytes([0xC0 | len(name)]) + name
        header = bytes([record_id & 0xFF, record_id >> 8, SDR_VERSION, RECORD_TYPE_FULL, len(body)])
        return header + bytes(body)

    def reading(self, host_powered: bool) -> bytes:
        """Return the Get Sensor Reading response data: value, flags, threshold status."""
        if self.needs_host_power and not host_powered:
            return bytes([0x00, 0x60, 0x00])  # scanning enabled, reading unavailable
        status = 0
        if self.value >= self.upper_non_critical:
            status |= UPPER_NON_CRITICAL
        if self.value >= self.upper_critical:
            status |= UPPER_CRITICAL
        return bytes([self.value & 0xFF, 0xC0, status])


def default_sensors(health: str = "OK") -> list[Sensor]:
    """Return the sensors of a lab server; ``health`` puts the CPU temperature over a threshold."""
    cpu_temperature = {"OK": 52, "Warning": 88, "Critical": 97}[health]
    return [
        Sensor(0x01, "CPU1 Temp", SENSOR_TEMPERATURE, ENTITY_PROCESSOR, UNIT_DEGREES_C, cpu_temperature, 85, 95),
        Sensor(0x02, "CPU2 Temp", SENSOR_TEMPERATURE, ENTITY_PROCESSOR, UNIT_DEGREES_C, 50, 85, 95),
        Sensor(0x10, "Inlet Temp", SENSOR_TEMPERATURE, ENTITY_AIR_INLET, UNIT_DEGREES_C, 24, 40, 45,
               needs_host_power=False),
        Sensor(0x20, "FAN1", SENSOR_FAN, ENTITY_FAN, UNIT_RPM, 84, 250, 254, multiplier=100),
        Sensor(0x30, "12V", SENSOR_VOLTAGE, ENTITY_SYSTEM_BOARD, UNIT_VOLTS, 12, 14, 15),
    ]


class Repository:
    """The SDR repository: records in order, with the record ids Get SDR walks through."""

    def __init__(self, sensors: list[Sensor], modified: int) -> None:
        self.sensors = {sensor.number: sensor for sensor in sensors}
        self.records = [sensor.record(index + 1) for index, sensor in enumerate(sensors)]
        # Timestamps of the last addition and erase; IPMI clients cache the SDR per value,
        # so two BMCs with different sensors must not share it.
        self.modified = modified

    def info(self) -> bytes:
        """Return the Get SDR Repository Info response data."""
        count = len(self.records)
        stamp = self.modified.to_bytes(4, "little")
        return bytes([SDR_VERSION, count & 0xFF, count >> 8, 0xFF, 0xFF]) + stamp + stamp + bytes([0x02])

    def get(self, record_id: int, offset: int, count: int) -> bytes | None:
        """Return the Get SDR response data (next record id, then the bytes), or None when absent."""
        index = 0 if record_id == 0 else record_id - 1
        if not 0 <= index < len(self.records):
            return None
        record = self.records[index]
        next_id = index + 2 if index + 1 < len(self.records) else 0xFFFF
        chunk = record[offset:] if count == 0xFF else record[offset:offset + count]
        return bytes([next_id & 0xFF, next_id >> 8]) + chunk
