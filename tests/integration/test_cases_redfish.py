"""Redfish faults seen on real BMCs, reproduced by the lab, with the behaviour the modules must show.

Each test is one fault. The discovery faults (a session login that rejects an Authorization
header, 503 with ServiceTemporarilyUnavailable, null Members, a rejected $expand, a BMC with
a GPU baseboard system) are tested in tests/unit/test_redfish_client.py and
tests/unit/test_introspection_captures.py.
"""

import time

import pytest

from lab.testing import Client
from lifecycle_lab import FAST_POWER, bmc_state, lifecycle_lab, requests_to
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.boot import set_boot
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.bios import set_bios
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.client import RedfishClient
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.firmware import UpdateOptions, update_firmware
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.power import PowerOptions, set_power
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.virtual_media import set_virtual_media
from ansible_collections.aifactory.infra.plugins.module_utils.retry import RetryPolicy

DELL = "/redfish/v1/Systems/System.Embedded.1"
NVIDIA = "/redfish/v1/Systems/System_0"
SMC = "/redfish/v1/Systems/1"
IMAGE = "https://images.lab.invalid/install.iso"
NO_GRACEFUL_RESTART = ["On", "ForceOff", "ForceRestart", "GracefulShutdown", "PushPowerButton", "Nmi"]

BMCS = [
    {"name": "idrac10", "profile": "cpu-mgmt", "flavour": "dell", "behaviours": {"boot_settings": True}},
    {"name": "ilo5", "profile": "cpu-mgmt", "flavour": "nvidia",
     "behaviours": {"boot_quirks": {"mode_read_only": True, "success_in_error": True}}},
    {"name": "x10", "profile": "cpu-mgmt", "flavour": "supermicro",
     "behaviours": {"boot_quirks": {"no_mode": True, "target_resets_enabled": True}}},
    {"name": "x12", "profile": "cpu-mgmt", "flavour": "dell",
     "behaviours": {"virtual_media_quirks": {"stale_image": "old.iso", "reject_default_parameters": True}}},
    {"name": "dgx", "profile": "hgx-h100", "flavour": "nvidia",
     "behaviours": {"virtual_media_quirks": {"require_credentials": True}}},
    {"name": "idrac9", "profile": "cpu-mgmt", "flavour": "dell", "behaviours": {"power": dict(
        FAST_POWER, reset_types=NO_GRACEFUL_RESTART, on_conflict_seconds=1.0)}},
    {"name": "gigabyte", "profile": "cpu-mgmt", "flavour": "supermicro",
     "behaviours": {"bios_settings": {"registry": False}, "require_if_match": {"weak": True}}},
    {"name": "bf3", "profile": "cpu-mgmt", "flavour": "nvidia",
     "behaviours": {"update_service": {"protocols": ["SCP"], "nested_protocols": True, "polls": 1,
                                       "retry_after": 1}}},
]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with lifecycle_lab(tmp_path_factory.mktemp("lab-cases"), BMCS) as running_lab:
        yield running_lab


@pytest.fixture
def bmc(lab):
    """Return a function that opens a RedfishClient on a lab BMC (closed after the test)."""
    opened = []

    def connect(name):
        username, password = lab.credentials(name)
        client = RedfishClient(lab.url(name), username, password, ca_path=str(lab.ca), timeout=15,
                               retry_policy=RetryPolicy(attempts=3, budget=20))
        client.open()
        opened.append(client)
        return client

    yield connect
    for client in opened:
        client.close()


def boot_params(**values):
    params = {"system_id": None, "override_target": None, "override_enabled": None, "boot_mode": None,
              "http_boot_uri": None, "uefi_device_path": None, "boot_order": None}
    params.update(values)
    return params


def media_params(**values):
    params = {"system_id": None, "state": "present", "image_url": IMAGE, "media_type": "cd", "slot": None,
              "image_username": None, "image_password": None, "transfer_protocol": None, "transfer_method": None,
              "write_protected": True}
    params.update(values)
    return params


def test_boot_override_via_settings_object(lab, bmc):
    outcome = set_boot(bmc("idrac10"), boot_params(override_target="pxe", override_enabled="once"), False)
    assert outcome.changed
    assert outcome.result["reboot_required"] is True
    assert outcome.result["settings_uri"] == DELL + "/Settings"
    assert requests_to(lab, "idrac10", "PATCH", DELL) == 0
    assert bmc_state(lab, "idrac10")["boot_settings"][DELL] == {"BootSourceOverrideEnabled": "Once",
                                                                "BootSourceOverrideTarget": "Pxe"}

    again = set_boot(bmc("idrac10"), boot_params(override_target="pxe", override_enabled="once"), False)
    assert not again.changed
    assert again.result["reboot_required"] is True


def test_boot_override_mode_not_writable(lab, bmc):
    outcome = set_boot(bmc("ilo5"), boot_params(override_target="pxe"), False)
    assert outcome.changed
    assert outcome.result["boot"] == {"BootSourceOverrideEnabled": "Once", "BootSourceOverrideTarget": "Pxe"}
    boot = bmc_state(lab, "ilo5")["systems"]["System_0"]["Boot"]
    assert boot["BootSourceOverrideTarget"] == "Pxe"
    assert boot["BootSourceOverrideMode"] == "UEFI"


def test_boot_override_without_mode_property(lab, bmc):
    outcome = set_boot(bmc("x10"), boot_params(override_target="hdd", override_enabled="continuous"), False)
    assert outcome.changed
    boot = bmc_state(lab, "x10")["systems"]["1"]["Boot"]
    assert boot["BootSourceOverrideEnabled"] == "Continuous"
    assert boot["BootSourceOverrideTarget"] == "Hdd"
    assert "BootSourceOverrideMode" not in boot

    again = set_boot(bmc("x10"), boot_params(override_target="hdd", override_enabled="continuous"), False)
    assert not again.changed


def test_virtual_media_slot_not_connected(lab, bmc):
    outcome = set_virtual_media(bmc("x12"), media_params(), False)
    assert outcome.changed
    assert outcome.result["slot"] == "CD"
    # The slot showed old.iso but was not connected: nothing was ejected.
    assert outcome.result["ejected"] == []
    eject = "/redfish/v1/Managers/iDRAC.Embedded.1/VirtualMedia/CD/Actions/VirtualMedia.EjectMedia"
    assert requests_to(lab, "x12", "POST", eject) == 0
    slots = bmc_state(lab, "x12")["virtual_media"]
    assert slots["/redfish/v1/Managers/iDRAC.Embedded.1/VirtualMedia/CD"] == {"Inserted": True, "Image": IMAGE}


def test_virtual_media_credentials_required(lab, bmc):
    outcome = set_virtual_media(bmc("dgx"), media_params(image_url="http://images.lab.invalid/install.iso"), False)
    assert outcome.changed
    inserted = [slot for slot in bmc_state(lab, "dgx")["virtual_media"].values() if slot["Inserted"]]
    assert inserted == [{"Inserted": True, "Image": "http://images.lab.invalid/install.iso"}]


def test_reset_type_not_allowed(lab, bmc):
    options = PowerOptions(wait=True, timeout=20, interval=0.2)
    params = {"system_id": None, "state": "graceful_restart"}
    outcome = set_power(bmc("idrac9"), params, False, options)
    assert outcome.result["reset_types"] == ["GracefulShutdown", "On"]
    assert outcome.result["composed"] is True
    assert outcome.result["forced"] is False
    assert outcome.result["power_state"] == "On"
    assert "GracefulRestart" not in outcome.result["allowed_reset_types"]


def test_etag_weak_validator(lab, bmc):
    settings = SMC + "/Bios/Settings"
    client = Client(lab, "gigabyte")
    tag = client.get(settings).headers["ETag"]
    assert tag.startswith('W/"')
    # The lab rejects a weak tag whose quotes were stripped, as the BMC did.
    mangled = client.patch(settings, {"Attributes": {"MmioAbove4Gb": "Enabled"}},
                           headers={"If-Match": tag[2:].strip('"')})
    assert mangled.status_code == 412
    client.close()

    params = {"system_id": None, "attributes": {"MmioAbove4Gb": "Enabled"}, "apply_time": None,
              "maintenance_window_start": None, "maintenance_window_duration": None, "reset_to_defaults": None}
    outcome = set_bios(bmc("gigabyte"), params, False)
    assert outcome.changed
    # The module sent one PATCH (the other is the mangled one above): the tag went out as received.
    assert requests_to(lab, "gigabyte", "PATCH", settings) == 2
    assert bmc_state(lab, "gigabyte")["bios"][SMC + "/Bios"]["pending"] == {"MmioAbove4Gb": "Enabled"}


def test_nested_allowable_values(lab, bmc):
    params = {"image_uri": "scp://files.lab.invalid/bf3/bmc-24.04.bin", "image_path": None, "targets": ["BMC"],
              "version": "24.04", "apply_time": None, "transfer_protocol": None, "method": "auto",
              "image_username": None, "image_password": None}
    started = time.monotonic()
    outcome = update_firmware(bmc("bf3"), params, False, UpdateOptions(timeout=20, interval=0.5))
    assert outcome.changed
    assert outcome.result["method"] == "simple_update"
    assert outcome.result["task_state"] == "Completed"
    assert {entry["id"]: entry["version"] for entry in outcome.result["inventory"]}["BMC"] == "24.04"
    assert time.monotonic() - started < 15
