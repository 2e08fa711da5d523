"""redfish_boot on scripted BMCs, including the boot faults seen on real BMCs."""

import pytest

from lifecycle_bmc import SYSTEM_URI, Resource, client, error, routes, sent, systems
from scripted_bmc import ScriptedBmc, ok
from ansible_collections.aifactory.infra.plugins.module_utils.errors import (
    InvalidInputError,
    RedfishBadRequestError,
    RedfishResponseError,
)
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.boot import desired_boot, set_boot

SETTINGS_URI = SYSTEM_URI + "/Settings"


def params(**extra):
    values = {"system_id": None, "override_target": None, "override_enabled": None, "boot_mode": None,
              "http_boot_uri": None, "uefi_device_path": None, "boot_order": None}
    values.update(extra)
    return values


def system_payload(boot, **extra):
    payload = {"Id": "1", "PowerState": "On", "Boot": boot,
               "Actions": {"#ComputerSystem.Reset": {"target": SYSTEM_URI + "/Actions/ComputerSystem.Reset"}}}
    payload.update(extra)
    return payload


def run(resources, parameters, check_mode=False, extra=None):
    table = systems()
    table.update(extra or {})
    with ScriptedBmc(routes(*resources, extra=table)) as bmc:
        with client(bmc) as redfish:
            outcome = set_boot(redfish, parameters, check_mode)
    return bmc, outcome


def test_boot_override_via_settings_object():
    # Dell iDRAC 10 refuses Boot on the system and takes it through its settings object.
    system = Resource(SYSTEM_URI, system_payload(
        {"BootSourceOverrideEnabled": "Disabled", "BootSourceOverrideTarget": "None"},
        **{"@Redfish.Settings": {"SettingsObject": {"@odata.id": SETTINGS_URI}}}),
        on_patch=lambda body, headers: error(400, "Base.1.12.PropertyNotWritable", "Boot is not writable"))
    settings = Resource(SETTINGS_URI, {"Id": "Settings", "Boot": {
        "BootSourceOverrideTarget@Redfish.AllowableValues": ["None", "Pxe", "Hdd", "Cd"]}})

    bmc, outcome = run([system, settings], params(override_target="pxe"))
    assert sent(bmc, "PATCH", SYSTEM_URI) == []
    assert settings.patches == [{"Boot": {"BootSourceOverrideEnabled": "Once", "BootSourceOverrideTarget": "Pxe"}}]
    assert outcome.changed
    assert outcome.result["reboot_required"] is True
    assert outcome.result["settings_uri"] == SETTINGS_URI

    # The second run finds the values pending and sends nothing.
    bmc, outcome = run([system, settings], params(override_target="pxe"))
    assert not outcome.changed
    assert outcome.result["reboot_required"] is True
    assert sent(bmc, "PATCH") == []


def test_boot_settings_object_allowable_values_checked():
    system = Resource(SYSTEM_URI, system_payload(
        {"BootSourceOverrideEnabled": "Disabled", "BootSourceOverrideTarget": "None"},
        **{"@Redfish.Settings": {"SettingsObject": {"@odata.id": SETTINGS_URI}}}))
    settings = Resource(SETTINGS_URI, {"Boot": {"BootSourceOverrideTarget@Redfish.AllowableValues": ["None", "Pxe"]}})
    with pytest.raises(InvalidInputError) as caught:
        run([system, settings], params(override_target="usb"))
    assert "BootSourceOverrideTarget Usb" in str(caught.value)
    assert "None, Pxe" in str(caught.value)


def test_boot_mode_not_writable_success_with_error_key():
    # HPE iLO 5 rejects BootSourceOverrideMode in the body and reports success inside "error".
    def reject_mode(body, headers):
        if "BootSourceOverrideMode" in body.get("Boot", {}):
            return error(400, "Base.1.4.PropertyNotWritable", "BootSourceOverrideMode is read-only",
                         related=["#/Boot/BootSourceOverrideMode"])
        return (200, {"error": {"code": "iLO.0.10.ExtendedInfo", "message": "See @Message.ExtendedInfo",
                                "@Message.ExtendedInfo": [{"MessageId": "Base.1.4.Success"}]}}, {})

    system = Resource(SYSTEM_URI, system_payload({
        "BootSourceOverrideEnabled": "Disabled", "BootSourceOverrideTarget": "None",
        "BootSourceOverrideMode": "UEFI"}), on_patch=reject_mode)
    bmc, outcome = run([system], params(override_target="pxe"))
    patch = sent(bmc, "PATCH", SYSTEM_URI)
    assert len(patch) == 1
    assert b"BootSourceOverrideMode" not in patch[0][3]
    assert outcome.changed
    assert outcome.result["boot"]["BootSourceOverrideTarget"] == "Pxe"


def test_boot_mode_same_as_current_not_sent():
    system = Resource(SYSTEM_URI, system_payload({
        "BootSourceOverrideEnabled": "Disabled", "BootSourceOverrideTarget": "None",
        "BootSourceOverrideMode": "UEFI"}))
    run([system], params(override_target="pxe", boot_mode="uefi"))
    assert system.patches == [{"Boot": {"BootSourceOverrideEnabled": "Once", "BootSourceOverrideTarget": "Pxe"}}]


def test_boot_override_without_mode_property():
    # Supermicro X10: no BootSourceOverrideMode; a PATCH without Enabled resets it to Once.
    def supermicro(body, headers):
        boot = body.get("Boot", {})
        if "BootSourceOverrideEnabled" not in boot:
            system.payload["Boot"]["BootSourceOverrideEnabled"] = "Once"
        return None

    system = Resource(SYSTEM_URI, system_payload({
        "BootSourceOverrideEnabled": "Disabled", "BootSourceOverrideTarget": "None",
        "BootSourceOverrideTarget@Redfish.AllowableValues": ["None", "Pxe", "Hdd", "Cd", "UsbCd"]}),
        on_patch=supermicro)
    bmc, outcome = run([system], params(override_target="hdd", override_enabled="continuous", boot_mode="uefi"))
    assert system.patches == [{"Boot": {"BootSourceOverrideEnabled": "Continuous", "BootSourceOverrideTarget": "Hdd"}}]
    assert outcome.changed
    assert any("no BootSourceOverrideMode" in warning for warning in outcome.warnings)
    # Read back after the PATCH.
    assert [r[0] for r in bmc.requests if r[1] == SYSTEM_URI][-2:] == ["PATCH", "GET"]

    bmc, outcome = run([system], params(override_target="hdd", override_enabled="continuous"))
    assert not outcome.changed
    assert sent(bmc, "PATCH") == []


def test_boot_read_back_mismatch_fails():
    # A BMC that keeps "Continuous" whatever is sent (as sushy-tools' libvirt driver does).
    def keep_continuous(body, headers):
        body["Boot"]["BootSourceOverrideEnabled"] = "Continuous"
        return None

    system = Resource(SYSTEM_URI, system_payload({
        "BootSourceOverrideEnabled": "Continuous", "BootSourceOverrideTarget": "Hdd"}), on_patch=keep_continuous)
    with pytest.raises(RedfishResponseError) as caught:
        run([system], params(override_target="pxe", override_enabled="once"))
    assert "BootSourceOverrideEnabled 'Continuous' instead of 'Once'" in str(caught.value)


def test_boot_disable_sends_only_enabled():
    system = Resource(SYSTEM_URI, system_payload({
        "BootSourceOverrideEnabled": "Continuous", "BootSourceOverrideTarget": "Pxe"}))
    _bmc, outcome = run([system], params(override_enabled="disabled"))
    assert system.patches == [{"Boot": {"BootSourceOverrideEnabled": "Disabled"}}]
    assert outcome.before == {"BootSourceOverrideEnabled": "Continuous"}
    assert outcome.after == {"BootSourceOverrideEnabled": "Disabled"}


def test_boot_check_mode_sends_nothing():
    system = Resource(SYSTEM_URI, system_payload({
        "BootSourceOverrideEnabled": "Disabled", "BootSourceOverrideTarget": "None"}))
    bmc, outcome = run([system], params(override_target="cd"), check_mode=True)
    assert outcome.changed
    assert outcome.after["BootSourceOverrideTarget"] == "Cd"
    assert sent(bmc, "PATCH") == []


def test_boot_order_by_display_name():
    options_uri = SYSTEM_URI + "/BootOptions"
    members = {
        "Boot0001": {"BootOptionReference": "Boot0001", "DisplayName": "Hard disk"},
        "Boot0002": {"BootOptionReference": "Boot0002", "DisplayName": "PXE IPv4 NIC 1"},
        "Boot0003": {"BootOptionReference": "Boot0003", "DisplayName": "UEFI HTTP"},
    }
    extra = {("GET", options_uri): [ok({"@odata.id": options_uri, "Members": [
        {"@odata.id": "%s/%s" % (options_uri, key)} for key in members]})]}
    for key, option in members.items():
        extra[("GET", "%s/%s" % (options_uri, key))] = [ok(dict(option, **{"@odata.id": "%s/%s" % (options_uri, key)}))]
    system = Resource(SYSTEM_URI, system_payload({
        "BootSourceOverrideEnabled": "Disabled", "BootSourceOverrideTarget": "None",
        "BootOrder": ["Boot0001", "Boot0002", "Boot0003"], "BootOptions": {"@odata.id": options_uri}}))
    _bmc, outcome = run([system], params(boot_order=["PXE IPv4 NIC 1"]), extra=extra)
    assert system.patches == [{"Boot": {"BootOrder": ["Boot0002", "Boot0001", "Boot0003"]}}]
    assert outcome.changed

    _bmc, outcome = run([system], params(boot_order=["Boot0002"]), extra=extra)
    assert not outcome.changed


def test_boot_order_unknown_option_lists_known():
    system = Resource(SYSTEM_URI, system_payload({"BootOrder": ["Boot0001", "Boot0002"]}))
    with pytest.raises(InvalidInputError) as caught:
        run([system], params(boot_order=["Boot0009"]))
    assert "Boot0009" in str(caught.value)
    assert "Boot0001, Boot0002" in str(caught.value)


def test_boot_etag_required():
    system = Resource(SYSTEM_URI, system_payload({
        "BootSourceOverrideEnabled": "Disabled", "BootSourceOverrideTarget": "None"}),
        etag='"42"', require_etag=True)
    bmc, _outcome = run([system], params(override_target="pxe"))
    assert [r[2].get("If-Match") for r in sent(bmc, "PATCH")] == ['"42"']


def test_boot_patch_rejected_names_message_id():
    system = Resource(SYSTEM_URI, system_payload({
        "BootSourceOverrideEnabled": "Disabled", "BootSourceOverrideTarget": "None"}),
        on_patch=lambda body, headers: error(400, "Base.1.12.PropertyValueNotInList", "Pxe is not allowed"))
    with pytest.raises(RedfishBadRequestError) as caught:
        run([system], params(override_target="pxe"))
    assert "Base.1.12.PropertyValueNotInList" in str(caught.value)
    assert SYSTEM_URI in str(caught.value)


def test_desired_boot_validates_combinations():
    with pytest.raises(InvalidInputError):
        desired_boot(params(override_enabled="continuous"))
    with pytest.raises(InvalidInputError):
        desired_boot(params(override_target="uefi_target"))
    with pytest.raises(InvalidInputError):
        desired_boot(params(override_target="pxe", http_boot_uri="http://images/boot.efi"))
    assert desired_boot(params(override_target="uefi_http", http_boot_uri="http://images/boot.efi")) == {
        "BootSourceOverrideEnabled": "Once", "BootSourceOverrideTarget": "UefiHttp",
        "HttpBootUri": "http://images/boot.efi"}
