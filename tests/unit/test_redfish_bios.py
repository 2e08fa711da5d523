"""redfish_bios on scripted BMCs: pending values, the attribute registry, apply times, ETags."""

import pytest

from lifecycle_bmc import SYSTEM_URI, Resource, client, error, routes, sent, systems
from scripted_bmc import ROOT, ScriptedBmc, collection, ok
from ansible_collections.aifactory.infra.plugins.module_utils.errors import (
    InvalidInputError,
    RedfishBadRequestError,
)
from ansible_collections.aifactory.infra.plugins.module_utils.redfish import etag as etag_util
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.bios import set_bios

BIOS_URI = SYSTEM_URI + "/Bios"
SETTINGS_URI = BIOS_URI + "/SD"
REGISTRIES_URI = "/redfish/v1/Registries"
REGISTRY_URI = "/redfish/v1/Registries/BiosAttributeRegistry.v1_0_0/registry.json"

CURRENT = {"SriovGlobalEnable": "Disabled", "ProcVirtualization": "Enabled", "MmioAbove4Gb": "Disabled",
           "NumaNodesPerSocket": 1, "SerialNumber": "ABC123", "QuietBoot": True}

REGISTRY = {"@odata.id": REGISTRY_URI, "Id": "BiosAttributeRegistry.v1_0_0", "RegistryEntries": {"Attributes": [
    {"AttributeName": "SriovGlobalEnable", "Type": "Enumeration",
     "Value": [{"ValueName": "Enabled"}, {"ValueName": "Disabled"}]},
    {"AttributeName": "ProcVirtualization", "Type": "Enumeration",
     "Value": [{"ValueName": "Enabled"}, {"ValueName": "Disabled"}]},
    {"AttributeName": "MmioAbove4Gb", "Type": "Enumeration",
     "Value": [{"ValueName": "Enabled"}, {"ValueName": "Disabled"}]},
    {"AttributeName": "NumaNodesPerSocket", "Type": "Integer", "LowerBound": 1, "UpperBound": 4},
    {"AttributeName": "SerialNumber", "Type": "String", "ReadOnly": True},
    {"AttributeName": "QuietBoot", "Type": "Boolean"},
    {"AttributeName": "AdminPassword", "Type": "Password"},
]}}


def params(attributes=None, **extra):
    values = {"system_id": None, "attributes": attributes, "apply_time": None, "maintenance_window_start": None,
              "maintenance_window_duration": None, "reset_to_defaults": False}
    values.update(extra)
    return values


def bios_resources(pending=None, apply_times=None, etag=None, require_etag=False):
    settings = {"SettingsObject": {"@odata.id": SETTINGS_URI}}
    if apply_times is not None:
        settings["SupportedApplyTimes"] = apply_times
    bios = Resource(BIOS_URI, {"Id": "Bios", "AttributeRegistry": "BiosAttributeRegistry.v1_0_0",
                               "Attributes": dict(CURRENT), "@Redfish.Settings": settings,
                               "Actions": {"#Bios.ResetBios": {"target": BIOS_URI + "/Actions/Bios.ResetBios"}}})
    sd = Resource(SETTINGS_URI, {"Id": "SD", "Attributes": dict(pending or {})}, etag=etag, require_etag=require_etag)
    return bios, sd


def run(resources, parameters, check_mode=False, with_registry=True, extra=None):
    system = Resource(SYSTEM_URI, {"Id": "1", "Bios": {"@odata.id": BIOS_URI},
                                   "Actions": {"#ComputerSystem.Reset": {"target": "x"}}})
    table = systems()
    if with_registry:
        table[("GET", "/redfish/v1/")] = [ok(dict(ROOT, Registries={"@odata.id": REGISTRIES_URI}))]
        table[("GET", REGISTRIES_URI)] = [ok(collection(REGISTRIES_URI, [REGISTRIES_URI + "/BiosAttributeRegistry"]))]
        table[("GET", REGISTRIES_URI + "/BiosAttributeRegistry")] = [ok({
            "@odata.id": REGISTRIES_URI + "/BiosAttributeRegistry", "Id": "BiosAttributeRegistry",
            "Registry": "BiosAttributeRegistry.1.0", "Location": [{"Language": "en", "Uri": REGISTRY_URI}]})]
        table[("GET", REGISTRY_URI)] = [ok(REGISTRY)]
    table.update(extra or {})
    with ScriptedBmc(routes(system, *resources, extra=table)) as bmc:
        with client(bmc) as redfish:
            outcome = set_bios(redfish, parameters, check_mode)
    return bmc, outcome


def test_bios_pending_value_reports_no_change():
    # The desired value already waits in the settings object: nothing is sent.
    bios, sd = bios_resources(pending={"SriovGlobalEnable": "Enabled"})
    bmc, outcome = run([bios, sd], params({"SriovGlobalEnable": "Enabled"}))
    assert not outcome.changed
    assert outcome.result["reboot_required"] is True
    assert outcome.result["pending"] == {"SriovGlobalEnable": "Enabled"}
    assert sent(bmc, "PATCH") == []


def test_bios_current_value_reports_nothing_pending():
    bios, sd = bios_resources()
    bmc, outcome = run([bios, sd], params({"ProcVirtualization": "Enabled", "NumaNodesPerSocket": "1"}))
    assert not outcome.changed
    assert outcome.result["reboot_required"] is False
    assert sent(bmc, "PATCH") == []


def test_bios_sends_only_changes_to_settings_object():
    bios, sd = bios_resources(apply_times=["OnReset", "AtMaintenanceWindowStart"])
    _bmc, outcome = run([bios, sd], params({"SriovGlobalEnable": "Enabled", "MmioAbove4Gb": "Enabled",
                                            "ProcVirtualization": "Enabled", "NumaNodesPerSocket": "2"},
                                           apply_time="on_reset"))
    assert sd.patches == [{"Attributes": {"SriovGlobalEnable": "Enabled", "MmioAbove4Gb": "Enabled",
                                          "NumaNodesPerSocket": 2},
                           "@Redfish.SettingsApplyTime": {"ApplyTime": "OnReset"}}]
    assert bios.patches == []
    assert outcome.changed
    assert outcome.result["reboot_required"] is True
    assert outcome.before["SriovGlobalEnable"] == "Disabled"
    assert outcome.after["SriovGlobalEnable"] == "Enabled"

    # The values are now pending: the same request changes nothing.
    _bmc, outcome = run([bios, sd], params({"SriovGlobalEnable": "Enabled", "MmioAbove4Gb": "Enabled"}))
    assert not outcome.changed
    assert outcome.result["reboot_required"] is True


def test_bios_maintenance_window():
    bios, sd = bios_resources(apply_times=["OnReset", "AtMaintenanceWindowStart"])
    run([bios, sd], params({"SriovGlobalEnable": "Enabled"}, apply_time="maintenance_window_start",
                           maintenance_window_start="2030-01-01T02:00:00Z", maintenance_window_duration=3600))
    assert sd.patches[0]["@Redfish.SettingsApplyTime"] == {
        "ApplyTime": "AtMaintenanceWindowStart", "MaintenanceWindowStartTime": "2030-01-01T02:00:00Z",
        "MaintenanceWindowDurationInSeconds": 3600}


def test_bios_unsupported_apply_time_lists_supported():
    bios, sd = bios_resources(apply_times=["OnReset"])
    with pytest.raises(InvalidInputError) as caught:
        run([bios, sd], params({"SriovGlobalEnable": "Enabled"}, apply_time="immediate"))
    assert "Immediate" in str(caught.value)
    assert "apply_time on_reset" in str(caught.value)
    assert sd.patches == []


def test_bios_registry_rejects_bad_names_and_values():
    bios, sd = bios_resources()
    with pytest.raises(InvalidInputError) as caught:
        run([bios, sd], params({"SriovGlobalEnabled": "Enabled", "MmioAbove4Gb": "On", "NumaNodesPerSocket": 8,
                                "SerialNumber": "X", "AdminPassword": "secret"}))
    message = str(caught.value)
    assert "unknown attribute SriovGlobalEnabled (did you mean SriovGlobalEnable?)" in message
    assert "MmioAbove4Gb must be one of Enabled, Disabled, not 'On'" in message
    assert "NumaNodesPerSocket must be between 1 and 4" in message
    assert "SerialNumber is read-only" in message
    assert "AdminPassword is a password" in message
    assert "secret" not in message
    assert sd.patches == []


def test_bios_without_registry_checks_names_against_current():
    bios, sd = bios_resources()
    with pytest.raises(InvalidInputError) as caught:
        run([bios, sd], params({"Sriov": "Enabled"}), with_registry=False)
    assert "unknown attribute Sriov" in str(caught.value)

    _bmc, outcome = run([bios, sd], params({"QuietBoot": "false"}), with_registry=False)
    assert sd.patches == [{"Attributes": {"QuietBoot": False}}]
    assert outcome.result["registry_checked"] is False


def test_bios_check_mode_sends_nothing():
    bios, sd = bios_resources()
    bmc, outcome = run([bios, sd], params({"SriovGlobalEnable": "Enabled"}), check_mode=True)
    assert outcome.changed
    assert outcome.result["reboot_required"] is True
    assert sent(bmc, "PATCH") == []


def test_bios_reset_to_defaults():
    bios, sd = bios_resources()
    reset = BIOS_URI + "/Actions/Bios.ResetBios"
    bmc, outcome = run([bios, sd], params(reset_to_defaults=True), extra={("POST", reset): [(204, "", {})]})
    assert len(sent(bmc, "POST", reset)) == 1
    assert outcome.changed
    assert outcome.result["reboot_required"] is True


def test_etag_weak_validator():
    # A Gigabyte BMC sends a weak ETag and rejects an If-Match with its quotes stripped.
    bios, sd = bios_resources(etag='W/"1682532272"', require_etag=True)
    bmc, outcome = run([bios, sd], params({"SriovGlobalEnable": "Enabled"}))
    assert [r[2].get("If-Match") for r in sent(bmc, "PATCH")] == ['W/"1682532272"']
    assert outcome.changed


def etag_bmc(accept):
    """A BMC whose Bios/SD PATCH succeeds only for If-Match values ``accept(value)`` likes."""
    state = {"patches": []}

    def patch(method, path, headers, body):
        value = headers.get("If-Match")
        state["patches"].append(value)
        if accept(value):
            return (204, "", {})
        return error(412, "Base.1.12.PreconditionFailed", "ETag mismatch")

    table = {
        ("GET", SETTINGS_URI): [(200, {"@odata.id": SETTINGS_URI, "Attributes": {}}, {"ETag": 'W/"77"'})],
        ("PATCH", SETTINGS_URI): [patch],
    }
    return table, state


def patch_with(table, tag):
    with ScriptedBmc(routes(extra=table)) as bmc:
        with client(bmc) as redfish:
            etag_util.patch(redfish, SETTINGS_URI, {"Attributes": {"A": 1}}, tag)
    return bmc


def test_etag_412_retries_fresh_then_strong():
    table, state = etag_bmc(lambda value: value == '"77"')
    patch_with(table, 'W/"76"')
    assert state["patches"] == ['W/"76"', 'W/"77"', '"77"']


def test_etag_412_last_try_without_if_match():
    table, state = etag_bmc(lambda value: value is None)
    patch_with(table, 'W/"77"')
    assert state["patches"] == ['W/"77"', '"77"', None]


def test_etag_412_gives_up_with_message_id():
    table, state = etag_bmc(lambda value: False)
    with pytest.raises(RedfishBadRequestError) as caught:
        patch_with(table, '"1"')
    assert state["patches"] == ['"1"', 'W/"77"', '"77"', None]
    assert "Base.1.12.PreconditionFailed" in str(caught.value)
    assert SETTINGS_URI in str(caught.value)


def test_etag_strong_form_rules():
    assert etag_util.strong_form('W/"1682532272"') == '"1682532272"'
    assert etag_util.strong_form('"1682532272"') is None
    assert etag_util.strong_form("W/1682532272") is None
