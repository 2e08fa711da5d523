# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The logic of the redfish_bios module.

Desired attributes are compared with what the system will run after its next reset: the
pending value from the settings object where there is one, else the current value.  So a
value that is already pending reports no change (and ``reboot_required``) and sends
nothing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.aifactory.infra.plugins.module_utils.errors import (
    InvalidInputError,
    RedfishResponseError,
)
from ansible_collections.aifactory.infra.plugins.module_utils.redfish import etag as etag_util
from ansible_collections.aifactory.infra.plugins.module_utils.redfish import settings as settings_util
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.actions import (
    post_action,
    require_action,
)
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.bios_registry import (
    check_attributes,
    read_registry,
    same_value,
)
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.runner import Outcome
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.shapes import link
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.system import find_system

RESET_BIOS = "#Bios.ResetBios"


class BiosState:
    """The Bios resource's current attributes, the pending ones and the PATCH target."""

    def __init__(self, uri, bios, current, pending, target):
        self.uri = uri
        self.bios = bios
        self.current = current
        self.pending = pending
        self.target = target

    def effective(self, name):
        """Return the value the system will run after its next reset."""
        if name in self.pending:
            return self.pending[name]
        return self.current.get(name)

    def is_pending(self, name):
        return name in self.pending and not same_value(self.current.get(name), self.pending[name])


def read_bios(client, system):
    """Return the BiosState of a system (a SystemRef)."""
    uri = link(system.payload, "Bios")
    if not uri:
        raise InvalidInputError("BMC %s: system %s has no Bios resource." % (client.base_url, system.uri),
                                hint="This system's BIOS cannot be configured over Redfish.")
    response, bios = client.get_response(uri)
    target = settings_util.read_target(client, uri, bios, etag_util.etag_of(response, bios))
    current = bios.get("Attributes") if isinstance(bios.get("Attributes"), dict) else {}
    pending = {}
    if target.uses_settings_object and isinstance(target.pending.get("Attributes"), dict):
        pending = target.pending["Attributes"]
    return BiosState(uri, bios, current, pending, target)


def plan_bios(state, desired):
    """Return the attributes of ``desired`` whose effective value differs."""
    return {name: value for name, value in desired.items()
            if not same_value(state.effective(name), value)}


def set_bios(client, params, check_mode):
    """Run redfish_bios for the module ``params`` and return its Outcome."""
    system = find_system(client, params.get("system_id"))
    state = read_bios(client, system)
    result = {"system_id": system.system_id, "settings_uri": state.target.uri}

    if params.get("reset_to_defaults"):
        return _reset_to_defaults(client, state, check_mode, result)

    warnings = []
    registry, warning = read_registry(client, state.bios)
    if warning:
        warnings.append(warning)
    where = "BMC %s: %s" % (client.base_url, state.uri)
    desired = check_attributes(params["attributes"] or {}, registry, state.current, where)
    changes = plan_bios(state, desired)

    before = {name: state.effective(name) for name in desired}
    after = dict(before, **changes)
    result.update(attributes=changes, registry_checked=registry is not None,
                  pending={name: state.pending[name] for name in desired if state.is_pending(name)})
    if not changes:
        result["reboot_required"] = bool(result["pending"])
        return Outcome(False, before, after, warnings, **result)

    annotation = settings_util.apply_time_annotation(
        client, state.target, params.get("apply_time"), params.get("maintenance_window_start"),
        params.get("maintenance_window_duration"))
    result["reboot_required"] = params.get("apply_time") != "immediate"
    result["pending"].update(changes)
    if check_mode:
        return Outcome(True, before, after, warnings, **result)

    body = {"Attributes": changes}
    body.update(annotation)
    etag_util.patch(client, state.target.uri, body, state.target.etag)
    if state.target.uses_settings_object:
        # Without a settings object the BMC may show the new values only after the reset.
        _verify_pending(client, state, changes)
    return Outcome(True, before, after, warnings, **result)


def _verify_pending(client, state, changes):
    """Raise when the PATCH target shows another value for an attribute that was sent."""
    payload = client.get(state.target.uri)
    attributes = payload.get("Attributes") if isinstance(payload.get("Attributes"), dict) else {}
    wrong = [name for name, value in changes.items()
             if name in attributes and not same_value(attributes[name], value)]
    if wrong:
        raise RedfishResponseError(
            client.base_url, state.target.uri,
            "the BMC accepted the PATCH but shows %s" % ", ".join(
                "%s=%r instead of %r" % (name, attributes[name], changes[name]) for name in wrong),
            method="PATCH", hint="The attribute may depend on another one; check the BIOS attribute registry.")


def _reset_to_defaults(client, state, check_mode, result):
    """Ask the BMC to reset the BIOS to its defaults (at the next reset on most BMCs).

    No BMC reports whether the attributes already equal their defaults, so the reset
    always reports a change.
    """
    action = require_action(client, state.bios, RESET_BIOS)
    result.update(attributes={}, pending={}, reboot_required=True, reset_to_defaults=True)
    if not check_mode:
        post_action(client, action, {})
    return Outcome(True, {"reset_to_defaults": False}, {"reset_to_defaults": True}, **result)
