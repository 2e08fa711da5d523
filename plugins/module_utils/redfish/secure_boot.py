# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The logic of the redfish_secure_boot module.

``SecureBootEnable`` is the setting the firmware applies at the next boot, and
``SecureBootCurrentBoot`` reports whether the running boot used secure boot.  When the two
disagree a reset is pending, which the module reports.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.aifactory.infra.plugins.module_utils.errors import InvalidInputError
from ansible_collections.aifactory.infra.plugins.module_utils.redfish import etag as etag_util
from ansible_collections.aifactory.infra.plugins.module_utils.redfish import settings as settings_util
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.actions import (
    action_parameter_values,
    post_action,
    require_action,
)
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.runner import Outcome
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.shapes import link
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.system import find_system

RESET_KEYS = "#SecureBoot.ResetKeys"
ENABLE = "SecureBootEnable"

# Module choices and the ResetKeysType values for them.
RESET_KEYS_TYPES = {
    "default": "ResetAllKeysToDefault",
    "delete_all": "DeleteAllKeys",
    "delete_pk": "DeletePK",
}


def pending_reset(enable, current_boot):
    """True when the setting differs from what the running boot used."""
    if current_boot not in ("Enabled", "Disabled") or enable is None:
        return False
    return bool(enable) != (current_boot == "Enabled")


def set_secure_boot(client, params, check_mode):
    """Run redfish_secure_boot for the module ``params`` and return its Outcome."""
    if params.get("enabled") is None and not params.get("reset_keys"):
        raise InvalidInputError("Nothing to do.", hint="Give enabled, reset_keys or both.")
    system = find_system(client, params.get("system_id"))
    uri = link(system.payload, "SecureBoot")
    if not uri:
        raise InvalidInputError("BMC %s: system %s has no SecureBoot resource." % (client.base_url, system.uri),
                                hint="This system's secure boot cannot be managed over Redfish.")
    response, secure_boot = client.get_response(uri)
    target = settings_util.read_target(client, uri, secure_boot, etag_util.etag_of(response, secure_boot))

    enable = target.pending.get(ENABLE, secure_boot.get(ENABLE))
    current_boot = secure_boot.get("SecureBootCurrentBoot")
    before = {"enabled": enable}
    after = dict(before)
    steps = []

    if params.get("reset_keys"):
        action = require_action(client, secure_boot, RESET_KEYS)
        reset_type = RESET_KEYS_TYPES[params["reset_keys"]]
        allowed = action_parameter_values(client, action, "ResetKeysType")
        if allowed is not None and reset_type not in allowed:
            raise InvalidInputError(
                "BMC %s: %s does not allow ResetKeysType %s; it allows %s." % (
                    client.base_url, uri, reset_type, ", ".join(allowed)),
                hint="Choose another reset_keys value.")
        # Resetting keys cannot be compared with a current state: it always counts as a change.
        steps.append(("reset_keys", action, reset_type))
        before["keys_reset"] = None
        after["keys_reset"] = reset_type

    desired = params.get("enabled")
    if desired is not None and (enable is None or bool(enable) != desired):
        steps.append(("patch", None, desired))
        after["enabled"] = desired

    result = {
        "system_id": system.system_id,
        "enabled": after["enabled"],
        "current_boot": current_boot,
        "secure_boot_mode": secure_boot.get("SecureBootMode"),
        "pending_reset": pending_reset(after["enabled"], current_boot) or any(
            step[0] == "reset_keys" for step in steps),
    }
    if check_mode or not steps:
        return Outcome(bool(steps), before, after, **result)

    for kind, action, value in steps:
        if kind == "reset_keys":
            post_action(client, action, {"ResetKeysType": value})
        else:
            etag_util.patch(client, target.uri, {ENABLE: value}, target.etag)
    return Outcome(True, before, after, **result)
