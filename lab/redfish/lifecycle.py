"""Behaviours for the lifecycle operations: settings objects, BIOS, secure boot, firmware.

They reproduce what real BMCs do when a client provisions a server, including the quirks
that break naive clients. Each is off unless a BMC's factory entry names it:

- `bios_settings`: a Bios settings object with apply times, pending values applied at the
  next boot, `Bios.ResetBios`, and a BIOS attribute registry that the PATCH is checked against.
- `boot_settings`: the system's Boot properties change only through its settings object,
  and a PATCH of Boot on the system itself is rejected (Dell iDRAC 10).
- `boot_quirks`: boot override quirks of HPE iLO 5 (boot mode not writable, success inside
  an `error` object) and Supermicro X10 (no boot mode, a PATCH without Enabled resets it
  to Once).
- `virtual_media_quirks`: slots without actions (PATCH only, Lenovo XCC), a stale image
  name on a free slot, InsertMedia that rejects Inserted/WriteProtected (Supermicro X12)
  or requires credentials (NVIDIA DGX).
- `secure_boot`: SecureBoot with SecureBootEnable applied at the next boot and ResetKeys.
- `update_service`: SimpleUpdate and multipart push with task monitors that report progress
  and Retry-After, and optionally disappear once the task completes.
"""

from __future__ import annotations

import copy
import email.parser
import email.policy
import itertools
import json
import re
from typing import TYPE_CHECKING

from lab.redfish.behaviours import BEHAVIOURS, Behaviour
from lab.redfish.errors import RedfishError, error_body, message
from lab.redfish.patching import boolean, one_of, text
from lab.redfish.store import SERVICE_ROOT, Call, Reply, ref, refs

if TYPE_CHECKING:
    from lab.redfish.service import Bmc

DEFAULT_APPLY_TIMES = ["OnReset", "AtMaintenanceWindowStart", "InMaintenanceWindowOnReset", "Immediate"]
RESET_KEYS_TYPES = ["ResetAllKeysToDefault", "DeleteAllKeys", "DeletePK"]
TERMINAL = ("Completed", "Exception")

# BIOS attributes a GPU server's profile sets, added where the flavour has none of that name.
GPU_BIOS_ATTRIBUTES = {
    "ProcVirtualization": "Disabled",
    "IommuSupport": "Disabled",
    "SriovGlobalEnable": "Disabled",
    "MmioAbove4Gb": "Disabled",
    "NumaNodesPerSocket": 1,
}
# Attribute -> (registry entry fields) for the attributes whose type is not Enabled/Disabled.
REGISTRY_HINTS = {
    "BootMode": {"Type": "Enumeration", "Value": [{"ValueName": "Uefi"}, {"ValueName": "Bios"}]},
    "NumaNodesPerSocket": {"Type": "Integer", "LowerBound": 1, "UpperBound": 4},
    "SystemServiceTag": {"Type": "String", "ReadOnly": True, "MaxLength": 16},
}


class RelatedError(RedfishError):
    """A RedfishError whose message names the JSON pointers of the properties at fault."""

    def __init__(self, status: int, key: str, *args: object, related: list[str]):
        super().__init__(status, key, *args)
        self.related = related

    def body(self) -> dict:
        body = error_body(self.key, *self.args_)
        body["error"]["@Message.ExtendedInfo"][0]["RelatedProperties"] = list(self.related)
        return body


def _systems_with(bmc: Bmc, link: str):
    for uri in bmc.store.facts.get("systems", []):
        system = bmc.store.get(uri)
        target = (system.get(link) or {}).get("@odata.id") if isinstance(system.get(link), dict) else None
        yield uri, system, target


def _ensure_root_link(bmc: Bmc, name: str, uri: str) -> None:
    root = bmc.store.get(SERVICE_ROOT)
    root.setdefault(name, ref(uri))


def _wrap_patcher(bmc: Bmc, uri: str, wrapper) -> None:
    """Replace the PATCH handler of `uri` by `wrapper(call, original)`."""
    key = bmc.store.resolve(uri)
    original = bmc.store.patchers.get(key)
    if original is None:
        raise ValueError(f"{bmc.name}: {uri} takes no PATCH to wrap; enable boot_override first")
    bmc.store.patchers[key] = lambda call: wrapper(call, original)


# --- BIOS -----------------------------------------------------------------------------------


class BiosSettings(Behaviour):
    """Bios settings object, apply times, pending values, ResetBios and the attribute registry.

    Options: `apply_times` (SupportedApplyTimes), `pending` (attributes pending at start),
    `full_copy` (the settings object lists every attribute, as HPE and Lenovo do, instead of
    only the pending ones, as Dell does), `registry` (serve the registry, default true).
    """

    name = "bios_settings"
    options_schema = {"apply_times": list, "pending": dict, "full_copy": bool, "registry": bool}

    def install(self, bmc: Bmc) -> None:
        self.pending: dict[str, dict] = {}
        self.defaults: dict[str, dict] = {}
        self.entries: dict[str, dict] = {}
        for uri, system, bios_uri in _systems_with(bmc, "Bios"):
            if not bios_uri or bios_uri not in bmc.store:
                continue
            self._install_bios(bmc, uri, system, bios_uri)

    def _install_bios(self, bmc: Bmc, system_uri_: str, system: dict, bios_uri: str) -> None:
        bios = bmc.store.get(bios_uri)
        attributes = bios.setdefault("Attributes", {})
        for name, value in GPU_BIOS_ATTRIBUTES.items():
            attributes.setdefault(name, value)
        attributes.setdefault("SystemServiceTag", (system.get("SKU") or "LAB0001")[:16])
        self.defaults[bios_uri] = dict(attributes)
        self.entries[bios_uri] = _registry_entries(attributes)

        settings_uri = bios_uri + "/Settings"
        apply_times = list(self.options.get("apply_times", DEFAULT_APPLY_TIMES))
        bios["@Redfish.Settings"] = {
            "@odata.type": "#Settings.v1_3_5.Settings",
            "SettingsObject": ref(settings_uri),
            "SupportedApplyTimes": apply_times,
        }
        reset_target = bios_uri + "/Actions/Bios.ResetBios"
        bios.setdefault("Actions", {})["#Bios.ResetBios"] = {"target": reset_target}

        self.pending[bios_uri] = dict(self.options.get("pending") or {})
        bmc.store.provide(settings_uri, lambda: self._settings(bios_uri, settings_uri, bios))
        bmc.store.patchers[bmc.store.resolve(settings_uri)] = self._patch_handler(bios_uri, bios, apply_times)
        bmc.store.actions[bmc.store.resolve(reset_target)] = self._reset_handler(bios_uri)
        bmc.on_boot.append(lambda uri: self._apply(bmc, uri, system_uri_, bios_uri, bios))
        if self.options.get("registry", True):
            _serve_registry(bmc, bios.get("AttributeRegistry") or "BiosAttributeRegistry.v1_0_0",
                            self.entries[bios_uri])

    def _settings(self, bios_uri: str, settings_uri: str, bios: dict) -> dict:
        pending = self.pending[bios_uri]
        attributes = dict(bios["Attributes"], **pending) if self.options.get("full_copy") else dict(pending)
        return {
            "@odata.id": settings_uri,
            "@odata.type": bios.get("@odata.type", "#Bios.v1_2_0.Bios"),
            "Id": "Settings",
            "Name": "BIOS Configuration Pending Settings",
            "AttributeRegistry": bios.get("AttributeRegistry"),
            "Attributes": attributes,
        }

    def _patch_handler(self, bios_uri: str, bios: dict, apply_times: list[str]):
        def patch(call: Call) -> Reply:
            body = call.body if isinstance(call.body, dict) else {}
            for key in body:
                if key not in ("Attributes", "@Redfish.SettingsApplyTime"):
                    raise RedfishError(400, "PropertyUnknown", key)
            changes = body.get("Attributes")
            if not isinstance(changes, dict) or not changes:
                raise RedfishError(400, "UnrecognizedRequestBody")
            apply_time = (body.get("@Redfish.SettingsApplyTime") or {}).get("ApplyTime", "OnReset")
            if apply_time not in apply_times:
                raise RedfishError(400, "PropertyValueNotInList", apply_time, "@Redfish.SettingsApplyTime/ApplyTime")
            checked = {name: _check_attribute(self.entries[bios_uri], name, value) for name, value in changes.items()}

            if apply_time == "Immediate":
                bios["Attributes"].update(checked)
                for name in checked:
                    self.pending[bios_uri].pop(name, None)
            else:
                self.pending[bios_uri].update(checked)
            return Reply(204)

        return patch

    def _reset_handler(self, bios_uri: str):
        def reset_bios(call: Call) -> Reply:
            self.pending[bios_uri] = dict(self.defaults[bios_uri])
            return Reply(204)

        return reset_bios

    def _apply(self, bmc: Bmc, booted: str, system_uri_: str, bios_uri: str, bios: dict) -> None:
        if bmc.store.resolve(booted) != bmc.store.resolve(system_uri_):
            return
        bios["Attributes"].update(self.pending[bios_uri])
        self.pending[bios_uri] = {}

    def state(self, bmc: Bmc) -> dict:
        return {"bios": {uri: {"attributes": dict(bmc.store.get(uri)["Attributes"]), "pending": dict(pending)}
                         for uri, pending in self.pending.items()}}

    def set_state(self, bmc: Bmc, document: dict) -> None:
        for uri, values in (document.get("bios") or {}).items():
            if uri in self.pending and "pending" in values:
                self.pending[uri] = dict(values["pending"])
            if uri in self.pending and "attributes" in values:
                bmc.store.get(uri)["Attributes"].update(values["attributes"])


def _registry_entries(attributes: dict) -> dict:
    entries = {}
    for name, value in attributes.items():
        entry = {"AttributeName": name, "DisplayName": name, "ReadOnly": False}
        if name in REGISTRY_HINTS:
            entry.update(copy.deepcopy(REGISTRY_HINTS[name]))
        elif value in ("Enabled", "Disabled"):
            entry.update(Type="Enumeration", Value=[{"ValueName": "Enabled"}, {"ValueName": "Disabled"}])
        elif value in ("Enable", "Disable"):
            entry.update(Type="Enumeration", Value=[{"ValueName": "Enable"}, {"ValueName": "Disable"}])
        elif isinstance(value, bool):
            entry["Type"] = "Boolean"
        elif isinstance(value, int):
            entry.update(Type="Integer", LowerBound=0, UpperBound=65535)
        else:
            entry.update(Type="String", MaxLength=64)
        entries[name] = entry
    return entries


def _check_attribute(entries: dict, name: str, value):
    """Return `value` when the registry entry of `name` accepts it; raise a Base error otherwise."""
    entry = entries.get(name)
    where = f"Attributes/{name}"
    if entry is None:
        raise RelatedError(400, "PropertyUnknown", where, related=[f"#/{where}"])
    if entry.get("ReadOnly"):
        raise RelatedError(400, "PropertyNotWritable", where, related=[f"#/{where}"])
    kind = entry["Type"]
    if kind == "Enumeration":
        if value not in [item["ValueName"] for item in entry["Value"]]:
            raise RelatedError(400, "PropertyValueNotInList", value, where, related=[f"#/{where}"])
    elif kind == "Integer":
        if not isinstance(value, int) or isinstance(value, bool):
            raise RelatedError(400, "PropertyValueTypeError", value, where, related=[f"#/{where}"])
        if not entry.get("LowerBound", value) <= value <= entry.get("UpperBound", value):
            raise RelatedError(400, "PropertyValueNotInList", value, where, related=[f"#/{where}"])
    elif kind == "Boolean" and not isinstance(value, bool):
        raise RelatedError(400, "PropertyValueTypeError", value, where, related=[f"#/{where}"])
    elif kind == "String" and not isinstance(value, str):
        raise RelatedError(400, "PropertyValueTypeError", value, where, related=[f"#/{where}"])
    return value


def _serve_registry(bmc: Bmc, registry_id: str, entries: dict) -> None:
    """Serve the attribute registry under /redfish/v1/Registries, as the Bios names it."""
    collection = SERVICE_ROOT + "/Registries"
    file_uri = f"{collection}/{registry_id}"
    registry_uri = f"{file_uri}/{registry_id}.json"
    bmc.store.add(registry_uri, {
        "@odata.type": "#AttributeRegistry.v1_3_6.AttributeRegistry",
        "Id": registry_id,
        "Name": "BIOS Attribute Registry",
        "Language": "en",
        "OwningEntity": "aifactory lab",
        "RegistryVersion": "1.0.0",
        "RegistryEntries": {"Attributes": list(entries.values())},
    })
    bmc.store.add(file_uri, {
        "@odata.type": "#MessageRegistryFile.v1_1_3.MessageRegistryFile",
        "Id": registry_id,
        "Name": "BIOS Attribute Registry File",
        "Registry": registry_id,
        "Languages": ["en"],
        "Location": [{"Language": "en", "Uri": registry_uri}],
    })
    if collection in bmc.store:
        bmc.store.append_member(collection, file_uri)
    else:
        bmc.store.add_collection(collection, "#MessageRegistryFileCollection.MessageRegistryFileCollection",
                                 "Registry File Collection", [file_uri])
    _ensure_root_link(bmc, "Registries", collection)


# --- boot -----------------------------------------------------------------------------------


class BootSettings(Behaviour):
    """Boot properties change only through the system's settings object (Dell iDRAC 10).

    The pending Boot values apply at the next boot; a PATCH of Boot on the system itself
    gets 400 PropertyNotWritable.
    """

    name = "boot_settings"

    def install(self, bmc: Bmc) -> None:
        self.settings: dict[str, str] = {}
        for uri in bmc.store.facts.get("systems", []):
            system = bmc.store.get(uri)
            boot = system.get("Boot")
            if not isinstance(boot, dict):
                continue
            settings_uri = uri + "/Settings"
            self.settings[uri] = settings_uri
            system["@Redfish.Settings"] = {
                "@odata.type": "#Settings.v1_3_5.Settings",
                "SettingsObject": ref(settings_uri),
                "SupportedApplyTimes": ["OnReset"],
            }
            bmc.store.add(settings_uri, {
                "@odata.type": system.get("@odata.type"),
                "Id": "Settings",
                "Name": "System Pending Settings",
                "Boot": {},
            })

            def allowable(key, default, live=boot):
                return lambda resource: live.get(f"{key}@Redfish.AllowableValues", default)

            bmc.patch_rules.allow(settings_uri, ("Boot", "BootSourceOverrideTarget"),
                                  one_of(allowable("BootSourceOverrideTarget", None)))
            bmc.patch_rules.allow(settings_uri, ("Boot", "BootSourceOverrideEnabled"),
                                  one_of(allowable("BootSourceOverrideEnabled", ["Once", "Continuous", "Disabled"])))
            if "BootSourceOverrideMode" in boot:
                bmc.patch_rules.allow(settings_uri, ("Boot", "BootSourceOverrideMode"),
                                      one_of(allowable("BootSourceOverrideMode", ["UEFI", "Legacy"])))
            if "BootOrder" in boot:
                bmc.patch_rules.allow(settings_uri, ("Boot", "BootOrder"), _boot_order(boot))
            _wrap_patcher(bmc, uri, _reject_boot)
        # The pending values apply during the reset, before the boot uses a Once override.
        bmc.on_boot.insert(0, lambda uri: self._apply(bmc, uri))

    def _apply(self, bmc: Bmc, booted: str) -> None:
        for uri, settings_uri in self.settings.items():
            if bmc.store.resolve(uri) != bmc.store.resolve(booted):
                continue
            pending = bmc.store.get(settings_uri)["Boot"]
            bmc.store.get(uri)["Boot"].update(pending)
            pending.clear()

    def state(self, bmc: Bmc) -> dict:
        return {"boot_settings": {uri: dict(bmc.store.get(settings_uri)["Boot"])
                                  for uri, settings_uri in self.settings.items()}}


def _reject_boot(call: Call, original) -> Reply:
    if isinstance(call.body, dict) and "Boot" in call.body:
        raise RelatedError(400, "PropertyNotWritable", "Boot", related=["#/Boot"])
    return original(call)


def _boot_order(boot: dict):
    def check(value, resource, name):
        known = list(boot.get("BootOrder") or [])
        if not isinstance(value, list) or sorted(value) != sorted(known):
            raise RedfishError(400, "PropertyValueNotInList", value, name)
        return list(value)

    return check


class BootQuirks(Behaviour):
    """Boot override quirks of real BMCs, each switched on by an option.

    `mode_read_only`: a PATCH that contains BootSourceOverrideMode gets 400
    PropertyNotWritable (HPE iLO 5). `success_in_error`: a successful PATCH returns 200 with
    an `error` object that carries only a Success message (HPE iLO 5). `no_mode`: the system
    has no BootSourceOverrideMode (Supermicro X10). `target_resets_enabled`: a PATCH of the
    target without BootSourceOverrideEnabled sets it to Once (Supermicro X10).
    """

    name = "boot_quirks"
    options_schema = {"mode_read_only": bool, "success_in_error": bool, "no_mode": bool,
                      "target_resets_enabled": bool}

    def install(self, bmc: Bmc) -> None:
        options = self.options
        for uri in bmc.store.facts.get("systems", []):
            boot = bmc.store.get(uri).get("Boot")
            if not isinstance(boot, dict):
                continue
            if options.get("no_mode"):
                boot.pop("BootSourceOverrideMode", None)
                boot.pop("BootSourceOverrideMode@Redfish.AllowableValues", None)

            def quirky(call: Call, original, live=boot) -> Reply:
                requested = (call.body or {}).get("Boot") if isinstance(call.body, dict) else None
                requested = requested if isinstance(requested, dict) else {}
                if "BootSourceOverrideMode" in requested and (options.get("mode_read_only") or options.get("no_mode")):
                    key = "PropertyNotWritable" if options.get("mode_read_only") else "PropertyUnknown"
                    raise RelatedError(400, key, "Boot/BootSourceOverrideMode", related=["#/Boot/BootSourceOverrideMode"])
                reply = original(call)
                if (options.get("target_resets_enabled") and "BootSourceOverrideTarget" in requested
                        and "BootSourceOverrideEnabled" not in requested):
                    live["BootSourceOverrideEnabled"] = "Once"
                if options.get("success_in_error"):
                    success = message("Success")
                    return Reply(200, {"error": {"code": "iLO.0.10.ExtendedInfo",
                                                 "message": "See @Message.ExtendedInfo for more information.",
                                                 "@Message.ExtendedInfo": [success]}})
                return reply

            _wrap_patcher(bmc, uri, quirky)


# --- virtual media --------------------------------------------------------------------------


class VirtualMediaQuirks(Behaviour):
    """Virtual media quirks of real BMCs, each switched on by an option.

    `patch_only`: slots have no actions and take Image/Inserted by PATCH (Lenovo XCC).
    `stale_image`: free slots still show this ImageName (Supermicro X12).
    `reject_default_parameters`: InsertMedia with Inserted or WriteProtected gets 400
    (Supermicro X12). `require_credentials`: InsertMedia without UserName or Password gets
    400 ActionParameterMissing (NVIDIA DGX).
    """

    name = "virtual_media_quirks"
    options_schema = {"patch_only": bool, "stale_image": str, "reject_default_parameters": bool,
                      "require_credentials": bool}

    def install(self, bmc: Bmc) -> None:
        for uri in bmc.store.facts.get("virtual_media", []):
            media = bmc.store.get(uri)
            if self.options.get("stale_image") and not media.get("Inserted"):
                media["ImageName"] = self.options["stale_image"]
                media["ConnectedVia"] = "NotConnected"
            actions = media.get("Actions") or {}
            insert = (actions.get("#VirtualMedia.InsertMedia") or {}).get("target")
            if self.options.get("patch_only"):
                media.pop("Actions", None)
                self._allow_patch(bmc, uri, media)
            elif insert:
                key = bmc.store.resolve(insert)
                bmc.store.actions[key] = self._checked_insert(insert, bmc.store.actions[key])

    def _checked_insert(self, target: str, original):
        options = self.options

        def insert(call: Call):
            body = call.body if isinstance(call.body, dict) else {}
            if options.get("reject_default_parameters"):
                for name in ("Inserted", "WriteProtected"):
                    if name in body:
                        raise RelatedError(400, "ActionParameterUnknown", "VirtualMedia.InsertMedia", name,
                                           related=[f"#/{name}"])
            if options.get("require_credentials"):
                for name in ("UserName", "Password"):
                    if name not in body:
                        raise RelatedError(400, "ActionParameterMissing", target, name, related=[f"#/{name}"])
            return original(call)

        return insert

    @staticmethod
    def _allow_patch(bmc: Bmc, uri: str, media: dict) -> None:
        rules = bmc.patch_rules
        rules.allow(uri, ("Image",), text(2048, nullable=True))
        rules.allow(uri, ("Inserted",), boolean())
        rules.allow(uri, ("WriteProtected",), boolean())
        rules.allow(uri, ("TransferProtocolType",), text(16, nullable=True))
        rules.allow(uri, ("TransferMethod",), text(16, nullable=True))
        rules.allow(uri, ("UserName",), text(64, nullable=True))
        rules.allow(uri, ("Password",), text(64, nullable=True))

        def patch(call: Call, original) -> Reply:
            reply = original(call)
            inserted = bool(media.get("Inserted")) and bool(media.get("Image"))
            media["ConnectedVia"] = "URI" if inserted else "NotConnected"
            media["ImageName"] = media["Image"].rstrip("/").rsplit("/", 1)[-1] if inserted else None
            if not inserted:
                media["Image"] = None
                media["Inserted"] = False
            # A BMC never returns the password it was given.
            media["Password"] = None
            return reply

        _wrap_patcher(bmc, uri, patch)


# --- secure boot ----------------------------------------------------------------------------


class SecureBoot(Behaviour):
    """SecureBoot with SecureBootEnable applied at the next boot, and SecureBoot.ResetKeys.

    Option `enabled`: the initial setting (default false).
    """

    name = "secure_boot"
    options_schema = {"enabled": bool}

    def install(self, bmc: Bmc) -> None:
        self.resources: dict[str, str] = {}
        for uri, system, secure_uri in _systems_with(bmc, "SecureBoot"):
            secure_uri = secure_uri or uri + "/SecureBoot"
            enabled = bool(self.options.get("enabled", False))
            resource = bmc.store.get(secure_uri) if secure_uri in bmc.store else None
            if resource is None:
                resource = bmc.store.add(secure_uri, {
                    "@odata.type": "#SecureBoot.v1_1_0.SecureBoot",
                    "Id": "SecureBoot",
                    "Name": "UEFI Secure Boot",
                })
                system["SecureBoot"] = ref(secure_uri)
            reset_target = secure_uri + "/Actions/SecureBoot.ResetKeys"
            resource.update({
                "SecureBootEnable": enabled,
                "SecureBootCurrentBoot": "Enabled" if enabled else "Disabled",
                "SecureBootMode": "UserMode",
                "Actions": {"#SecureBoot.ResetKeys": {
                    "target": reset_target, "ResetKeysType@Redfish.AllowableValues": list(RESET_KEYS_TYPES)}},
            })
            self.resources[uri] = secure_uri
            bmc.patch_rules.allow(secure_uri, ("SecureBootEnable",), boolean())
            bmc.store.actions[bmc.store.resolve(reset_target)] = self._reset_keys(resource)
        bmc.on_boot.append(lambda booted: self._apply(bmc, booted))

    @staticmethod
    def _reset_keys(resource: dict):
        def reset_keys(call: Call) -> Reply:
            body = call.body if isinstance(call.body, dict) else {}
            reset_type = body.get("ResetKeysType")
            if reset_type is None:
                raise RedfishError(400, "ActionParameterMissing", "SecureBoot.ResetKeys", "ResetKeysType")
            if reset_type not in RESET_KEYS_TYPES:
                raise RedfishError(400, "ActionParameterValueNotInList", reset_type, "ResetKeysType", "SecureBoot.ResetKeys")
            resource["SecureBootMode"] = "UserMode" if reset_type == "ResetAllKeysToDefault" else "SetupMode"
            return Reply(204)

        return reset_keys

    def _apply(self, bmc: Bmc, booted: str) -> None:
        for uri, secure_uri in self.resources.items():
            if bmc.store.resolve(uri) == bmc.store.resolve(booted):
                resource = bmc.store.get(secure_uri)
                resource["SecureBootCurrentBoot"] = "Enabled" if resource["SecureBootEnable"] else "Disabled"

    def state(self, bmc: Bmc) -> dict:
        section = {}
        for uri, secure_uri in self.resources.items():
            resource = bmc.store.get(secure_uri)
            section[uri.rsplit("/", 1)[-1]] = {key: resource.get(key) for key in (
                "SecureBootEnable", "SecureBootCurrentBoot", "SecureBootMode")}
        return {"secure_boot": section}


# --- firmware -------------------------------------------------------------------------------


class UpdateService(Behaviour):
    """An UpdateService whose updates run as tasks behind task monitors.

    Options: `simple_update` and `multipart` (offer each method, default true),
    `protocols` (TransferProtocol values SimpleUpdate lists, default HTTP and HTTPS),
    `nested_protocols` (list them nested, `[["HTTP", ...]]`, as a BlueField BMC does),
    `polls` (how many monitor reads answer 202 before the task completes, default 2),
    `retry_after` (seconds in the monitor's Retry-After, default 1), `monitor_gone` (the
    monitor and the task disappear once the task completed), `version` (the version an
    update installs; by default the first version number in the image's file name).
    """

    name = "update_service"
    options_schema = {"simple_update": bool, "multipart": bool, "protocols": list, "nested_protocols": bool,
                      "polls": int, "retry_after": int, "monitor_gone": bool, "version": str}

    def install(self, bmc: Bmc) -> None:
        self.counter = itertools.count(1)
        self.tasks: dict[str, dict] = {}
        service_uri = SERVICE_ROOT + "/UpdateService"
        inventory_uri = service_uri + "/FirmwareInventory"
        if service_uri not in bmc.store:
            self._render_inventory(bmc, inventory_uri)
            bmc.store.add(service_uri, {
                "@odata.type": "#UpdateService.v1_11_0.UpdateService",
                "Id": "UpdateService",
                "Name": "Update Service",
                "ServiceEnabled": True,
                "FirmwareInventory": ref(inventory_uri),
            })
        _ensure_root_link(bmc, "UpdateService", service_uri)
        service = bmc.store.get(service_uri)
        service["@Redfish.OperationApplyTimeSupport"] = {"SupportedValues": ["Immediate", "OnReset"]}
        if self.options.get("simple_update", True):
            protocols = list(self.options.get("protocols", ["HTTP", "HTTPS"]))
            target = service_uri + "/Actions/UpdateService.SimpleUpdate"
            service.setdefault("Actions", {})["#UpdateService.SimpleUpdate"] = {
                "target": target,
                "TransferProtocol@Redfish.AllowableValues": [protocols] if self.options.get("nested_protocols") else protocols,
            }
            bmc.store.actions[bmc.store.resolve(target)] = self._simple_update(bmc, inventory_uri, protocols)
        if self.options.get("multipart", True):
            push_uri = service_uri + "/update-multipart"
            service["MultipartHttpPushUri"] = push_uri
            bmc.store.creators[bmc.store.resolve(push_uri)] = self._multipart(bmc, inventory_uri)

        tasks_uri = SERVICE_ROOT + "/TaskService/Tasks"
        if SERVICE_ROOT + "/TaskService" not in bmc.store:
            bmc.store.add(SERVICE_ROOT + "/TaskService", {
                "@odata.type": "#TaskService.v1_2_0.TaskService", "Id": "TaskService", "Name": "Task Service",
                "ServiceEnabled": True, "Tasks": ref(tasks_uri)})
            bmc.store.provide(tasks_uri, lambda: {
                "@odata.id": tasks_uri, "@odata.type": "#TaskCollection.TaskCollection", "Name": "Task Collection",
                "Members": refs(sorted(self.tasks)), "Members@odata.count": len(self.tasks)})
            _ensure_root_link(bmc, "Tasks", SERVICE_ROOT + "/TaskService")

    @staticmethod
    def _render_inventory(bmc: Bmc, inventory_uri: str) -> None:
        system = bmc.store.get(bmc.store.facts["systems"][0]) if bmc.store.facts.get("systems") else {}
        entries = {"BMC": "1.0.0", "BIOS": system.get("BiosVersion") or "1.0.0"}
        members = []
        for entry_id, version in entries.items():
            uri = f"{inventory_uri}/{entry_id}"
            bmc.store.add(uri, {
                "@odata.type": "#SoftwareInventory.v1_10_0.SoftwareInventory",
                "Id": entry_id,
                "Name": f"{entry_id} firmware",
                "Version": version,
                "Updateable": True,
                "Status": {"State": "Enabled", "Health": "OK"},
            })
            members.append(uri)
        bmc.store.add_collection(inventory_uri, "#SoftwareInventoryCollection.SoftwareInventoryCollection",
                                 "Firmware Inventory Collection", members)

    def _simple_update(self, bmc: Bmc, inventory_uri: str, protocols: list[str]):
        def simple_update(call: Call) -> Reply:
            body = call.body if isinstance(call.body, dict) else {}
            image = body.get("ImageURI")
            if not isinstance(image, str) or not image:
                raise RedfishError(400, "ActionParameterMissing", "UpdateService.SimpleUpdate", "ImageURI")
            scheme = image.split("://", 1)[0].upper() if "://" in image else body.get("TransferProtocol")
            if scheme not in protocols:
                raise RedfishError(400, "ActionParameterValueNotInList", scheme, "TransferProtocol",
                                   "UpdateService.SimpleUpdate")
            return self._start(bmc, inventory_uri, image, body.get("Targets"))

        return simple_update

    def _multipart(self, bmc: Bmc, inventory_uri: str):
        def push(call: Call) -> Reply:
            if not isinstance(call.body, bytes):
                raise RedfishError(400, "UnrecognizedRequestBody")
            content_type = call.headers.get("Content-Type", "")
            parsed = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + call.body)
            parameters, file_name = {}, None
            for part in parsed.iter_parts():
                name = part.get_param("name", header="content-disposition")
                if name == "UpdateParameters":
                    parameters = json.loads(part.get_content() if isinstance(part.get_content(), str)
                                            else part.get_content().decode())
                elif name == "UpdateFile":
                    file_name = part.get_filename()
            if not file_name:
                raise RedfishError(400, "ActionParameterMissing", "MultipartHttpPushUri", "UpdateFile")
            return self._start(bmc, inventory_uri, file_name, parameters.get("Targets"))

        return push

    def _start(self, bmc: Bmc, inventory_uri: str, image: str, targets) -> Reply:
        version = self.options.get("version") or _version_in(image)
        target_uris = list(targets or []) or [f"{inventory_uri}/BMC"]
        for uri in target_uris:
            if uri not in bmc.store:
                raise RedfishError(400, "ActionParameterValueNotInList", uri, "Targets", "UpdateService")
        task_id = str(next(self.counter))
        task_uri = f"{SERVICE_ROOT}/TaskService/Tasks/{task_id}"
        monitor_uri = f"{SERVICE_ROOT}/TaskService/TaskMonitors/{task_id}"
        task = {"@odata.id": task_uri, "@odata.type": "#Task.v1_7_0.Task", "Id": task_id, "Name": "Firmware update",
                "TaskState": "Running", "TaskStatus": "OK", "PercentComplete": 0, "TaskMonitor": monitor_uri,
                "Messages": []}
        self.tasks[task_uri] = task
        polls = {"left": int(self.options.get("polls", 2))}

        def finish() -> None:
            task.update(TaskState="Completed", PercentComplete=100,
                        Messages=[message("Success")])
            for uri in target_uris:
                bmc.store.get(uri)["Version"] = version

        def read(call: Call) -> Reply:
            if task["TaskState"] in TERMINAL and self.options.get("monitor_gone"):
                raise RedfishError(404, "ResourceNotFound", "TaskMonitor", task_id)
            if polls["left"] > 0:
                polls["left"] -= 1
                task["PercentComplete"] = min(95, task["PercentComplete"] + 40)
                retry = str(int(self.options.get("retry_after", 1)))
                return Reply(202, copy.deepcopy(task), {"Retry-After": retry, "Location": monitor_uri})
            if task["TaskState"] not in TERMINAL:
                finish()
                if self.options.get("monitor_gone"):
                    # The BMC drops the monitor and the task as soon as the task completes.
                    self.tasks.pop(task_uri, None)
                    bmc.store.remove(task_uri)
                    raise RedfishError(404, "ResourceNotFound", "TaskMonitor", task_id)
            return Reply(200, copy.deepcopy(task))

        bmc.store.provide(task_uri, lambda: task)
        bmc.store.getters[monitor_uri] = read
        return Reply(202, copy.deepcopy(task), {"Location": monitor_uri})

    def state(self, bmc: Bmc) -> dict:
        return {"tasks": {uri: {"TaskState": task["TaskState"], "PercentComplete": task["PercentComplete"]}
                          for uri, task in self.tasks.items()}}


def _version_in(image: str) -> str:
    name = image.rstrip("/").rsplit("/", 1)[-1]
    match = re.search(r"\d+(?:\.\d+)+", name)
    return match.group(0) if match else "updated"


LIFECYCLE_BEHAVIOURS = (BiosSettings, BootSettings, BootQuirks, VirtualMediaQuirks, SecureBoot, UpdateService)

# lab.redfish.behaviours imports this module at its end, so these names are known wherever
# BEHAVIOURS is, whichever of the two modules is imported first.
BEHAVIOURS.update({behaviour.name: behaviour for behaviour in LIFECYCLE_BEHAVIOURS})
