# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The logic of the redfish_boot module: boot source override, boot mode and boot order.

Changes go to the system's settings object when the BMC advertises one (whatever the
vendor); otherwise to the system.  Only the properties that differ are sent, plus the ones
a BMC needs with them: ``BootSourceOverrideEnabled`` always travels with
``BootSourceOverrideTarget``, because some BMCs reset it to Once when a PATCH leaves it
out.  After a PATCH the values are read back and checked.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.aifactory.infra.plugins.module_utils.errors import (
    InvalidInputError,
    RedfishResponseError,
)
from ansible_collections.aifactory.infra.plugins.module_utils.redfish import etag as etag_util
from ansible_collections.aifactory.infra.plugins.module_utils.redfish import settings as settings_util
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.actions import allowable_values
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.runner import Outcome
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.shapes import link
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.system import find_system

TARGETS = {
    "none": "None",
    "pxe": "Pxe",
    "hdd": "Hdd",
    "cd": "Cd",
    "usb": "Usb",
    "uefi_http": "UefiHttp",
    "uefi_target": "UefiTarget",
    "bios_setup": "BiosSetup",
}
ENABLED = {"once": "Once", "continuous": "Continuous", "disabled": "Disabled"}
MODES = {"uefi": "UEFI", "legacy": "Legacy"}

TARGET = "BootSourceOverrideTarget"
ENABLED_PROP = "BootSourceOverrideEnabled"
MODE = "BootSourceOverrideMode"
UEFI_TARGET = "UefiTargetBootSourceOverride"
HTTP_URI = "HttpBootUri"
ORDER = "BootOrder"

# The order in which properties appear in diffs and PATCH bodies.
PROPERTIES = (ENABLED_PROP, TARGET, MODE, UEFI_TARGET, HTTP_URI, ORDER)


def desired_boot(params):
    """Return the Boot properties the module parameters ask for, checked for consistency."""
    target = params.get("override_target")
    enabled = params.get("override_enabled")
    if target and not enabled:
        enabled = "once"
    if enabled and enabled != "disabled" and not target:
        raise InvalidInputError(
            "override_enabled %s needs override_target." % enabled,
            hint="Give override_target, or set override_enabled to disabled.")
    if target == "uefi_target" and not params.get("uefi_device_path"):
        raise InvalidInputError("override_target uefi_target needs uefi_device_path.",
                                hint="Give the UEFI device path of the boot target.")
    if params.get("http_boot_uri") and target != "uefi_http":
        raise InvalidInputError("http_boot_uri is only used with override_target uefi_http.",
                                hint="Set override_target to uefi_http or drop http_boot_uri.")
    if params.get("uefi_device_path") and target != "uefi_target":
        raise InvalidInputError("uefi_device_path is only used with override_target uefi_target.",
                                hint="Set override_target to uefi_target or drop uefi_device_path.")

    desired = {}
    if enabled:
        desired[ENABLED_PROP] = ENABLED[enabled]
    if target:
        desired[TARGET] = TARGETS[target]
    if params.get("boot_mode"):
        desired[MODE] = MODES[params["boot_mode"]]
    if params.get("uefi_device_path"):
        desired[UEFI_TARGET] = params["uefi_device_path"]
    if params.get("http_boot_uri"):
        desired[HTTP_URI] = params["http_boot_uri"]
    if params.get("boot_order"):
        desired[ORDER] = list(params["boot_order"])
    if not desired:
        raise InvalidInputError("Nothing to set.",
                                hint="Give override_target, override_enabled, boot_mode or boot_order.")
    return desired


class BootState:
    """The system's Boot object, the pending one of its settings object, and the PATCH target."""

    def __init__(self, system, current, pending, target):
        self.system = system
        self.current = current
        self.pending = pending
        self.target = target

    def effective(self, prop):
        """Return the value the system will boot with: the pending one, else the current."""
        if prop in self.pending:
            return self.pending[prop]
        return self.current.get(prop)

    def allowed(self, prop):
        """Return the allowed values of ``prop`` from the system or its settings object."""
        values = allowable_values(self.current, prop)
        if values is None:
            values = allowable_values(self.pending, prop)
        return values

    def has(self, prop):
        return prop in self.current or prop in self.pending


def read_boot(client, system):
    """Return the BootState of a system (a SystemRef)."""
    response, payload = client.get_response(system.uri)
    tag = etag_util.etag_of(response, payload)
    target = settings_util.read_target(client, system.uri, payload, tag)
    pending = target.pending.get("Boot") if isinstance(target.pending.get("Boot"), dict) else {}
    current = payload.get("Boot") if isinstance(payload.get("Boot"), dict) else {}
    return BootState(system, current, pending, target)


def plan_boot(client, desired, state):
    """Return ``(changes, warnings)``: the Boot properties to send, or {} when none differ."""
    warnings = []
    where = "BMC %s: %s" % (client.base_url, state.system.uri)
    desired = dict(desired)

    if MODE in desired and not state.has(MODE):
        # Some boards (Supermicro X10) have no boot mode property; the mode is a BIOS setting.
        warnings.append("%s has no BootSourceOverrideMode; boot_mode %s was not set." % (where, desired[MODE]))
        del desired[MODE]
    for prop in (UEFI_TARGET, HTTP_URI):
        if prop in desired and not state.has(prop):
            raise InvalidInputError("%s has no Boot property %s." % (where, prop),
                                    hint="This BMC cannot boot from that kind of target.")

    for prop in (TARGET, ENABLED_PROP, MODE):
        allowed = state.allowed(prop)
        if prop in desired and allowed is not None and desired[prop] not in allowed:
            raise InvalidInputError(
                "%s does not allow %s %s; it allows %s." % (where, prop, desired[prop], ", ".join(allowed)),
                hint="Choose one of the allowed values.")

    if ORDER in desired:
        desired[ORDER] = full_boot_order(client, state, desired[ORDER])

    differs = [prop for prop in desired if not _same(prop, state.effective(prop), desired[prop])]
    if not differs:
        return {}, warnings

    changes = {prop: desired[prop] for prop in differs}
    if TARGET in desired and (TARGET in changes or ENABLED_PROP in changes or UEFI_TARGET in changes
                              or HTTP_URI in changes):
        changes[TARGET] = desired[TARGET]
        changes[ENABLED_PROP] = desired[ENABLED_PROP]
    return {prop: changes[prop] for prop in PROPERTIES if prop in changes}, warnings


def full_boot_order(client, state, requested):
    """Return the complete BootOrder that starts with ``requested``.

    Entries are BootOptionReferences (``Boot0003``) or a boot option's DisplayName or Alias;
    options not named keep their relative order after the named ones, because BMCs
    require the complete list.
    """
    current = list(state.effective(ORDER) or [])
    names = {}
    unknown = [entry for entry in requested if entry not in current]
    if unknown:
        names = _boot_option_names(client, state)
    resolved = []
    for entry in requested:
        reference = entry if entry in current else names.get(entry)
        if reference is None:
            raise InvalidInputError(
                "BMC %s: %s has no boot option %r." % (client.base_url, state.system.uri, entry),
                hint="Use one of: %s." % ", ".join(current + sorted(names)))
        if reference not in resolved:
            resolved.append(reference)
    return resolved + [reference for reference in current if reference not in resolved]


def _boot_option_names(client, state):
    uri = link(state.current, "BootOptions")
    if not uri:
        return {}
    _collection, members, missing = client.get_collection(uri)
    members = members + [client.get(member) for member in missing]
    names = {}
    for option in members:
        reference = option.get("BootOptionReference")
        for key in ("DisplayName", "Alias", "Id"):
            if reference and option.get(key):
                names.setdefault(option[key], reference)
    return names


def _same(prop, current, desired):
    if prop == MODE and isinstance(current, str):
        # Some BMCs report the mode as "Uefi"; Redfish defines "UEFI".
        return current.lower() == desired.lower()
    return current == desired


def set_boot(client, params, check_mode):
    """Run redfish_boot for the module ``params`` and return its Outcome."""
    desired = desired_boot(params)
    system = find_system(client, params.get("system_id"))
    state = read_boot(client, system)
    changes, warnings = plan_boot(client, desired, state)

    before = {prop: state.effective(prop) for prop in PROPERTIES if prop in desired or prop in changes}
    after = dict(before, **changes)
    result = {
        "system_id": system.system_id,
        "settings_uri": state.target.uri,
        "boot": after if changes else before,
        "reboot_required": state.target.uses_settings_object and _pending(state, desired),
    }
    if not changes:
        return Outcome(False, before, after, warnings, **result)

    result["reboot_required"] = state.target.uses_settings_object
    if check_mode:
        return Outcome(True, before, after, warnings, **result)

    etag_util.patch(client, state.target.uri, {"Boot": changes}, state.target.etag)
    result["boot"] = _verify(client, state, changes)
    return Outcome(True, before, after, warnings, **result)


def _pending(state, desired):
    """True when a desired value is pending in the settings object and not yet current."""
    return any(prop in state.pending and state.pending[prop] != state.current.get(prop)
               for prop in desired)


def _verify(client, state, changes):
    """Read the PATCH target back and raise when a sent value did not stick."""
    payload = client.get(state.target.uri)
    boot = payload.get("Boot") if isinstance(payload.get("Boot"), dict) else {}
    wrong = [prop for prop, value in changes.items()
             if prop in boot and not _same(prop, boot[prop], value)]
    if wrong:
        raise RedfishResponseError(
            client.base_url, state.target.uri,
            "the BMC accepted the PATCH but reports %s" % ", ".join(
                "%s %r instead of %r" % (prop, boot[prop], changes[prop]) for prop in wrong),
            method="PATCH", hint="The BMC may not support this combination; check its documentation.")
    seen = {prop: boot.get(prop) for prop in changes if prop in boot}
    return dict({prop: state.effective(prop) for prop in PROPERTIES if prop in changes}, **seen)
