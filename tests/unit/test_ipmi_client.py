"""The IPMI client without a network: input checks, error translation, retries and deadlines."""

import time

import pytest
from pyghmi import exceptions as pyghmi_exceptions

from ansible_collections.aifactory.infra.plugins.module_utils.errors import InvalidInputError
from ansible_collections.aifactory.infra.plugins.module_utils.ipmi import (
    IpmiClient,
    IpmiRetryPolicy,
    check_credentials,
    decode_kg,
)
from ansible_collections.aifactory.infra.plugins.module_utils.ipmi_endpoints import (
    ipmi_url,
    normalise_cipher_suite,
    parse_ipmi_url,
)
from ansible_collections.aifactory.infra.plugins.module_utils.ipmi_errors import (
    IpmiAuthError,
    IpmiBusyError,
    IpmiCommandError,
    IpmiConnectionError,
    IpmiError,
    IpmiTimeoutError,
    IpmiUnsupportedError,
)


class FakeCommand:
    """Stands for pyghmi's Command: raw_command returns the scripted responses in turn."""

    def __init__(self, responses):
        self.responses = list(responses)
        self.requests = []

    def raw_command(self, netfn, command, data=()):
        self.requests.append((netfn, command, list(data)))
        response = self.responses.pop(0)
        if isinstance(response, Exception):
            raise response
        return response


def make_client(responses=(), timeout=5, attempts=4, sleeps=None):
    client = IpmiClient("10.0.0.5", "admin", "password", timeout=timeout,
                        retry_policy=IpmiRetryPolicy(attempts=attempts, budget=60,
                                                     sleep=(sleeps if sleeps is not None else []).append))
    client._command = FakeCommand(responses)
    return client


def ok(data=b""):
    return {"netfn": 1, "command": 1, "code": 0, "data": bytearray(data)}


def failed(code):
    return {"netfn": 1, "command": 1, "code": code, "error": "completion code %d" % code, "data": bytearray()}


# Input


@pytest.mark.parametrize("url, expected", [
    ("ipmi://10.1.0.21", ("10.1.0.21", 623)),
    ("IPMI://10.1.0.21:6230", ("10.1.0.21", 6230)),
    ("ipmi://bmc-7.example.net/", ("bmc-7.example.net", 623)),
    ("ipmi://[fd00::21]:624", ("fd00::21", 624)),
])
def test_parse_ipmi_url_valid(url, expected):
    assert parse_ipmi_url(url) == expected


@pytest.mark.parametrize("url, reason", [
    ("https://10.1.0.21", "Give ipmi://HOST"),
    ("ipmi://admin:hunter2@10.1.0.21", "it contains credentials"),
    ("ipmi://10.1.0.21/redfish/v1", "it has a path or a query"),
    ("ipmi://10.1.0.21:70000", "the port is not a number"),
    ("ipmi://10.1.0.21:0", "the port is not a number"),
    ("https://admin:hunter2@10.1.0.21", "Invalid IPMI endpoint 'https://...@10.1.0.21'"),
    ("ipmi://", "the host is missing"),
])
def test_parse_ipmi_url_invalid(url, reason):
    with pytest.raises(InvalidInputError) as error:
        parse_ipmi_url(url)

    assert reason in str(error.value)
    assert "hunter2" not in str(error.value)


def test_ipmi_url_brackets_ipv6():
    assert ipmi_url("fd00::21", 623) == "ipmi://[fd00::21]:623"
    assert ipmi_url("10.0.0.5", 6230) == "ipmi://10.0.0.5:6230"


def test_decode_kg_forms():
    assert decode_kg(None) is None
    assert decode_kg("") is None
    assert decode_kg("0x4b6731") == b"Kg1"
    assert decode_kg("0X4B6731") == b"Kg1"
    assert decode_kg("plain text key") == b"plain text key"


def test_decode_kg_invalid_hex_hides_value():
    with pytest.raises(InvalidInputError) as error:
        decode_kg("0xnot-hex-secret")

    assert "not an even number of hexadecimal digits" in str(error.value)
    assert "secret" not in str(error.value)


def test_check_credentials_limits():
    check_credentials("a" * 16, "p" * 20)
    with pytest.raises(InvalidInputError, match="at most 16 bytes"):
        check_credentials("a" * 17, "password")
    with pytest.raises(InvalidInputError) as error:
        check_credentials("admin", "very-long-password-of-secret-length")
    assert "35 bytes long" in str(error.value)
    assert "secret" not in str(error.value)
    with pytest.raises(InvalidInputError, match="username is missing"):
        check_credentials("", "password")


@pytest.mark.parametrize("value, expected", [(None, None), ("auto", None), ("", None), (17, 17),
                                             ("3", 3), (3, 3)])
def test_normalise_cipher_suite(value, expected):
    assert normalise_cipher_suite(value) == expected


def test_normalise_cipher_suite_invalid():
    with pytest.raises(InvalidInputError, match="Invalid cipher_suite 1"):
        normalise_cipher_suite(1)


def test_client_rejects_bad_settings():
    with pytest.raises(InvalidInputError, match="Invalid port"):
        IpmiClient("10.0.0.5", "admin", "password", port=70000)
    with pytest.raises(InvalidInputError, match="Invalid timeout"):
        IpmiClient("10.0.0.5", "admin", "password", timeout=0)
    with pytest.raises(InvalidInputError, match="BMC host is missing"):
        IpmiClient("", "admin", "password")


# Commands and error translation


def test_command_returns_data():
    client = make_client([ok(b"\x01\x02")])

    assert client.command(0x00, 0x01, operation="Get Chassis Status") == bytearray(b"\x01\x02")
    assert client._command.requests == [(0x00, 0x01, [])]


def test_busy_command_is_retried():
    sleeps = []
    client = make_client([failed(0xD2), failed(0xC0), ok(b"\x01")], sleeps=sleeps)

    assert client.command(0x00, 0x01) == bytearray(b"\x01")
    assert len(client._command.requests) == 3
    assert len(sleeps) == 2
    assert sleeps[1] > sleeps[0]


def test_busy_command_gives_up():
    client = make_client([failed(0xD2)] * 3, attempts=3)

    with pytest.raises(IpmiBusyError) as error:
        client.command(0x00, 0x01, operation="Get Chassis Status")

    assert "BMC 10.0.0.5:623 (IPMI): Get Chassis Status failed: the BMC returned completion code 0xD2" in str(error.value)
    assert len(client._command.requests) == 3


@pytest.mark.parametrize("code, error_type", [
    (0xC1, IpmiUnsupportedError),
    (0xD4, IpmiAuthError),
    (0xCC, IpmiCommandError),
    (0x83, IpmiCommandError),
])
def test_completion_codes(code, error_type):
    client = make_client([failed(code)])

    with pytest.raises(error_type) as error:
        client.command(0x00, 0x02, operation="Chassis Control (on)")

    assert error.value.code == code
    assert "0x%02X" % code in str(error.value)


@pytest.mark.parametrize("raised, error_type, text", [
    (pyghmi_exceptions.IpmiException("Incorrect password provided"), IpmiAuthError, "rejected the login"),
    (pyghmi_exceptions.IpmiException("Unauthorized name in RAKP2"), IpmiAuthError, "rejected the login"),
    (pyghmi_exceptions.IpmiException("Invalid RAKP4 integrity code (wrong Kg?)"), IpmiAuthError, "wrong Kg"),
    (pyghmi_exceptions.IpmiException(None), IpmiConnectionError, "did not respond"),
    (pyghmi_exceptions.IpmiException("Session no longer connected"), IpmiConnectionError, "did not respond"),
    (pyghmi_exceptions.IpmiException("BMC initialization in progress"), IpmiBusyError, "0xD2"),
    (pyghmi_exceptions.IpmiException("Node Busy"), IpmiBusyError, "0xC0"),
    (pyghmi_exceptions.IpmiException("text", code=0xCB), IpmiCommandError, "0xCB"),
    (ValueError("unpack requires a buffer"), IpmiConnectionError, "could not decode"),
    (RuntimeError("surprise"), IpmiError, "unexpected RuntimeError: surprise"),
])
def test_pyghmi_errors_become_typed(raised, error_type, text):
    client = make_client([raised], attempts=1)

    with pytest.raises(error_type) as error:
        client.command(0x06, 0x01, operation="Get Device ID")

    assert text in str(error.value)
    assert str(error.value).startswith("BMC 10.0.0.5:623 (IPMI): Get Device ID failed:")


def test_timeout_abandons_session():
    client = make_client(timeout=0.2)
    started = time.monotonic()

    with pytest.raises(IpmiTimeoutError) as error:
        client.call("Get Sensor Reading", lambda command: time.sleep(2))

    assert time.monotonic() - started < 1.5
    assert "no response within 0.2s" in str(error.value)
    with pytest.raises(IpmiConnectionError, match="left the session unusable"):
        client.command(0x00, 0x01)


def test_device_id_and_guid():
    device = bytes([0x20, 0x81, 0x07, 0x25, 0x02, 0x8B, 0xA2, 0x02, 0x00, 0x00, 0x01])
    guid = bytes.fromhex("33221100554477668899aabbccddeeff")
    client = make_client([ok(device), ok(guid), failed(0xC1)])

    identity = client.device_id()
    assert identity["firmware_version"] == "7.25"
    assert identity["manufacturer_id"] == 674
    assert identity["product_id"] == 0x0100
    assert identity["ipmi_version"] == "2.0"
    assert identity["device_revision"] == 1
    assert client.system_guid() == "00112233-4455-6677-8899-aabbccddeeff"
    assert client.system_guid() is None  # the BMC has no Get System GUID


def test_power_state_bit():
    client = make_client([ok(b"\x01\x00\x00"), ok(b"\x60\x00\x00")])

    assert client.power_state() == "On"
    assert client.power_state() == "Off"
