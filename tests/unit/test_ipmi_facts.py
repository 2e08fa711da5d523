"""IPMI facts and the hardware model built from them, with FRU images from the lab's encoder."""

import sys
from pathlib import Path

import pytest
from pyghmi import constants as pyghmi_constants

from ansible_collections.aifactory.infra.plugins.module_utils.ipmi_errors import IpmiCommandError
from ansible_collections.aifactory.infra.plugins.module_utils.ipmi_facts import (
    UNKNOWN_FIELDS,
    UNKNOWN_LISTS,
    build_hardware,
    read_fru_image,
    read_sensor_health,
    read_system_fru,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from lab.ipmi.fru import encode_fru  # noqa: E402  (the lab lives outside the collection)

FRU_FIELDS = {
    "product_manufacturer": "Supermicro",
    "product_name": "SYS-421GE-TNRT",
    "product_serial": "S451200001",
    "chassis_serial": "C451200001",
    "board_manufacturer": "Supermicro",
    "board_product": "X13DEG-OAD",
    "board_serial": "OM23AS000123",
}


class FruBmc:
    """Serves FRU 0 and rejects Read FRU Data requests larger than ``max_chunk`` with ``limit_code``."""

    bmc = "10.0.0.5:623"

    def __init__(self, image, max_chunk=255, limit_code=0xC8, word_access=False):
        self.image = image
        self.max_chunk = max_chunk
        self.limit_code = limit_code
        self.word_access = word_access
        self.reads = []

    def command(self, netfn, command, data=(), operation=None):
        unit = 2 if self.word_access else 1
        if (netfn, command) == (0x0A, 0x10):
            return bytearray([len(self.image) & 0xFF, len(self.image) >> 8, 1 if self.word_access else 0])
        if (netfn, command) == (0x0A, 0x11):
            offset = (data[1] | (data[2] << 8)) * unit
            count = data[3] * unit
            self.reads.append(count)
            if count > self.max_chunk:
                raise IpmiCommandError(self.bmc, operation, "too long", code=self.limit_code)
            chunk = self.image[offset:offset + count]
            return bytearray([len(chunk) // unit]) + chunk
        raise AssertionError("unexpected command")


class Reading:
    def __init__(self, name, health=0, value=None, unavailable=0, states=()):
        self.name = name
        self.type = "Temperature"
        self.health = health
        self.value = value
        self.units = "°C"
        self.states = list(states)
        self.unavailable = unavailable


class SensorBmc:
    bmc = "10.0.0.5:623"

    def __init__(self, readings=None, error=None):
        self.readings = readings or []
        self.error = error

    def call(self, operation, function):
        if self.error:
            raise self.error
        return self.readings


@pytest.mark.parametrize("limit_code", [0xC7, 0xC8, 0xC9, 0xCA])
def test_fru_read_shrinks_chunks(limit_code):
    image = encode_fru(FRU_FIELDS)
    bmc = FruBmc(image, max_chunk=32, limit_code=limit_code)

    assert len(image) == 128
    assert read_fru_image(bmc) == image
    # The whole image first, then chunks of half the previous limit until one is accepted.
    assert bmc.reads[:4] == [128, 112, 56, 28]
    assert max(bmc.reads[4:]) == 28


def test_fru_read_word_access():
    image = encode_fru(FRU_FIELDS)
    if len(image) % 2:
        image += b"\x00"
    bmc = FruBmc(image, word_access=True)

    assert read_fru_image(bmc) == image


def test_fru_read_gives_up_at_small_chunks():
    bmc = FruBmc(encode_fru(FRU_FIELDS), max_chunk=4)

    with pytest.raises(IpmiCommandError):
        read_fru_image(bmc)
    assert min(bmc.reads) == 7


def test_system_fru_fields():
    warnings = []
    fru = read_system_fru(FruBmc(encode_fru(FRU_FIELDS)), warnings)

    assert warnings == []
    assert fru["product_name"] == "SYS-421GE-TNRT"
    assert fru["board_product"] == "X13DEG-OAD"
    assert fru["chassis_type"] == "Rack Mount Chassis"
    assert fru["product_asset_tag"] is None


def test_malformed_fru_is_a_warning():
    image = bytearray(encode_fru(FRU_FIELDS))
    image[8] = 0x07  # chassis area with an unknown format version
    warnings = []

    assert read_system_fru(FruBmc(bytes(image)), warnings) == {}
    assert "the system FRU is malformed" in warnings[0]


def test_sensor_health_summary():
    readings = [
        Reading("CPU1 Temp", pyghmi_constants.Health.Warning, 88.0, states=["upper non-critical threshold"]),
        Reading("CPU2 Temp", pyghmi_constants.Health.Ok, 50.0),
        Reading("PSU1", pyghmi_constants.Health.Failed, None, states=["Failure detected"]),
        Reading("GPU Temp", unavailable=1),
    ]

    summary = read_sensor_health(SensorBmc(readings), [])

    assert summary["count"] == 4
    assert summary["unavailable"] == 1
    assert summary["health"] == "Critical"
    assert [problem["name"] for problem in summary["problems"]] == ["CPU1 Temp", "PSU1"]
    assert summary["problems"][1]["health"] == "Critical"


def test_no_readable_sensor_means_unknown_health():
    assert read_sensor_health(SensorBmc([Reading("GPU Temp", unavailable=1)]), [])["health"] is None
    warnings = []
    failed = read_sensor_health(SensorBmc(error=IpmiCommandError("10.0.0.5:623", "Get SDR", "0xCB", code=0xCB)),
                                warnings)
    assert failed["health"] is None
    assert "The sensors could not be read" in warnings[0]


def test_hardware_model_from_facts():
    facts = {
        "fru": {"product_manufacturer": None, "board_manufacturer": "Acme Boards", "product_name": "Legacy 1U",
                "product_serial": None, "chassis_serial": "CH-1"},
        "uuid": "00112233-4455-6677-8899-aabbccddeeff",
        "power_state": "Off",
        "sensors": {"health": "Warning"},
        "bmc_firmware_version": "9.08",
    }

    hardware = build_hardware(facts)

    assert hardware["kind"] == "server"
    assert hardware["vendor"] == "Acme Boards"
    assert hardware["model"] == "Legacy 1U"
    assert hardware["serial"] == "CH-1"
    assert hardware["health"] == "Warning"
    assert hardware["bmc_firmware_version"] == "9.08"
    for field in UNKNOWN_FIELDS:
        assert hardware[field] is None, field
    for field in UNKNOWN_LISTS:
        assert hardware[field] == [], field


def test_hardware_model_without_fru():
    hardware = build_hardware({"fru": {}, "uuid": None, "power_state": "On", "sensors": {}})

    assert hardware["vendor"] is None
    assert hardware["model"] is None
    assert hardware["serial"] is None
    assert hardware["health"] is None
