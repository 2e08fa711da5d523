"""The lab's IPMI pieces: FRU and SDR encodings read back by pyghmi, the spec, the cipher suite choice."""

import sys
from pathlib import Path

import pytest
from pyghmi.ipmi import fru as pyghmi_fru
from pyghmi.ipmi import sdr as pyghmi_sdr
from pyghmi.ipmi.oem import generic as pyghmi_generic

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from lab.ipmi import fru, sdr  # noqa: E402  (the lab lives outside the collection)
from lab.ipmi.bmc import LabBmc, firmware_revision, system_fru_fields  # noqa: E402
from lab.ipmi.session import choose_cipher_suite  # noqa: E402
from lab.ipmi.spec import SpecError, resolve, resolve_all  # noqa: E402
from lab.identity import Identity  # noqa: E402


def open_session_request(auth, integrity, confidentiality):
    """Return an RMCP+ Open Session Request payload proposing the three algorithms."""
    return bytes([1, 4, 0, 0, 1, 2, 3, 4,
                  0, 0, 0, 8, auth, 0, 0, 0,
                  1, 0, 0, 8, integrity, 0, 0, 0,
                  2, 0, 0, 8, confidentiality, 0, 0, 0])


def test_fru_round_trip_through_pyghmi():
    fields = {
        "chassis_part_number": "CP-1", "chassis_serial": "CS-1",
        "board_manufacturer": "Acme Boards", "board_product": "A1-MB", "board_serial": "BS-1",
        "board_part_number": "BP-1", "product_manufacturer": "Acme", "product_name": "Legacy 1U",
        "product_part_number": "PP-1", "product_version": "2.0", "product_serial": "PS-1",
        "product_asset_tag": "Rack 4",
    }
    image = fru.encode_fru(fields)

    info = pyghmi_fru.FRU(rawdata=image).info

    assert len(image) % 8 == 0
    assert sum(image[:8]) % 256 == 0
    assert info["Chassis type"] == "Rack Mount Chassis"
    assert info["Chassis serial number"] == "CS-1"
    assert info["Board manufacturer"] == "Acme Boards"
    assert info["Board product name"] == "A1-MB"
    assert info["Board model"] == "BP-1"
    assert info["Manufacturer"] == "Acme"
    assert info["Product name"] == "Legacy 1U"
    assert info["Model"] == "PP-1"
    assert info["Hardware Version"] == "2.0"
    assert info["Serial Number"] == "PS-1"
    assert info["Asset Number"] == "Rack 4"


def test_fru_areas_checksum_to_zero():
    image = fru.encode_fru({"product_name": "x" * 80})  # longer than a field can hold

    offsets = [image[index] * 8 for index in (2, 3, 4)]
    for offset in offsets:
        length = image[offset + 1] * 8
        assert sum(image[offset:offset + length]) % 256 == 0
    assert pyghmi_fru.FRU(rawdata=image).info["Product name"] == "x" * 63


def test_sdr_record_decoded_by_pyghmi():
    sensor = sdr.Sensor(0x20, "FAN1", sdr.SENSOR_FAN, sdr.ENTITY_FAN, sdr.UNIT_RPM, 84, 250, 254, multiplier=100)
    entry = pyghmi_sdr.SDREntry(sensor.record(7), pyghmi_generic.event_const)

    reading = entry.decode_sensor_reading(None, sensor.reading(host_powered=True))

    assert entry.sensor_name == "FAN1"
    assert entry.sensor_number == 0x20
    assert entry.sensor_type == "Fan"
    assert reading.value == 8400.0
    assert reading.units == "RPM"
    assert reading.health == 0


def test_sensor_thresholds_and_power():
    hot = sdr.default_sensors("Critical")[0]
    warm = sdr.default_sensors("Warning")[0]
    inlet = sdr.default_sensors()[2]

    assert hot.reading(True)[2] == sdr.UPPER_NON_CRITICAL | sdr.UPPER_CRITICAL
    assert warm.reading(True)[2] == sdr.UPPER_NON_CRITICAL
    assert hot.reading(False)[1] & 0x20  # reading unavailable while the host is off
    assert inlet.reading(False)[1] == 0xC0  # the inlet sensor reads with the host off


def test_sdr_repository_walk():
    repository = sdr.Repository(sdr.default_sensors(), modified=1234)

    record_id, walked = 0, []
    while record_id != 0xFFFF:
        answer = repository.get(record_id, 0, 0xFF)
        walked.append(answer[2:])
        record_id = answer[0] | (answer[1] << 8)

    assert len(walked) == 5
    assert repository.get(99, 0, 0xFF) is None
    assert repository.info()[1] == 5
    assert repository.get(1, 5, 4) == bytes([2, 0]) + repository.records[0][5:9]


@pytest.mark.parametrize("version, expected", [("7.00.60.00", (7, 0x00)), ("01.01.24", (1, 0x01)),
                                               ("24.06.04", (24, 0x06)), (None, (1, 0x00)), ("3", (3, 0x00))])
def test_firmware_revision(version, expected):
    assert firmware_revision(version) == expected


def test_fru_fields_from_profile_match_redfish_identity():
    spec = resolve({"name": "gpu-node-09", "profile": "cpu-mgmt", "flavour": "dell"})
    identity = Identity("gpu-node-09")

    fields = system_fru_fields(spec, identity)

    assert fields["product_manufacturer"] == "Dell Inc."
    assert fields["product_name"] == "PowerEdge R6625"
    assert fields["product_serial"] == identity.serial("system", length=12)


@pytest.mark.parametrize("proposal, offered, expected", [
    ((3, 4, 1), [17, 3], 17),
    ((1, 1, 1), [17, 3], 3),
    ((3, 4, 1), [3], None),
    ((1, 1, 0), [17, 3], None),
])
def test_cipher_suite_choice(proposal, offered, expected):
    assert choose_cipher_suite(open_session_request(*proposal), offered) == expected


def test_cipher_suite_choice_any():
    request = bytearray(open_session_request(0, 0, 0))
    for offset in (11, 19, 27):
        request[offset] = 0  # a zero-length record lets the BMC choose

    assert choose_cipher_suite(bytes(request), [3]) == 3


@pytest.mark.parametrize("entry, message", [
    ({"name": "n", "port": 70000}, "is not a UDP port number"),
    ({"name": "n", "cipher_suites": [2]}, "must be a non-empty list of [3, 17]"),
    ({"name": "n", "power_state": "on"}, "must be On or Off"),
    ({"name": "n", "faults": {"melt": True}}, "unknown fault(s) melt"),
    ({"name": "n", "faults": {"sensor_health": "Bad"}}, "must be OK, Warning or Critical"),
    ({"name": "n", "password": "x" * 21}, "longer than the 20 bytes"),
    ({"name": "n", "colour": "red"}, "unknown key(s) colour"),
])
def test_spec_errors(entry, message):
    with pytest.raises(SpecError) as error:
        resolve(entry)

    assert message in str(error.value)
    assert str(error.value).startswith("IPMI BMC n:")


def test_spec_defaults_and_duplicates():
    specs = resolve_all({"defaults": {"password": "other-password"}, "bmcs": [{"name": "a"}, {"name": "b", "port": 6230}]})

    assert specs[0]["password"] == "other-password"
    assert specs[0]["cipher_suites"] == [17, 3]
    assert specs[0]["boot_flag_timeout"] == 60
    assert specs[1]["port"] == 6230
    with pytest.raises(SpecError, match="repeated: a"):
        resolve_all({"bmcs": [{"name": "a"}, {"name": "a"}]})


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_lab_bmc_boot_flags_expire_and_are_used(tmp_path):
    clock = FakeClock()
    bmc = LabBmc(resolve({"name": "unit-bmc", "boot_flag_timeout": 60}), tmp_path, clock=clock)

    assert bmc._set_boot_options(bytes([0x05, 0xA0, 0x04, 0, 0, 0])) == (0x00, b"")
    clock.now += 59
    bmc.advance()
    valid_before = bmc._get_boot_options(bytes([5, 0, 0]))[1][2]
    clock.now += 2
    bmc.advance()
    valid_after = bmc._get_boot_options(bytes([5, 0, 0]))[1][2]

    bmc._set_boot_options(bytes([0x05, 0x80, 0x04, 0, 0, 0]))
    bmc._chassis_control(bytes([0x03]))

    assert valid_before == 0xA0
    assert valid_after == 0x20  # the valid bit cleared, the other bits kept
    assert bmc.boots[-1]["device"] == "network"
    assert bmc.boot_flags["valid"] is False  # a once-only override is used up
    assert bmc.state()["boots"][-1]["device"] == "network"


def test_lab_bmc_power_transitions(tmp_path):
    clock = FakeClock()
    bmc = LabBmc(resolve({"name": "unit-bmc-2", "cycle_seconds": 2, "soft_off_seconds": 1}), tmp_path, clock=clock)

    assert bmc._chassis_control(bytes([0x02])) == (0x00, b"")
    assert bmc.power == "Off"
    clock.now += 2
    bmc.advance()
    assert bmc.power == "On"
    bmc._chassis_control(bytes([0x05]))
    assert bmc.power == "On"
    clock.now += 1
    bmc.advance()
    assert bmc.power == "Off"
    assert bmc._chassis_control(bytes([0x03])) == (0xD5, b"")  # no reset while off
