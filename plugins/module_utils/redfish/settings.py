# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Redfish settings objects (``@Redfish.Settings``) and apply times.

A resource that advertises a settings object takes its changes there: the BMC applies them
at the next reset (or at the apply time the request names), and until then the settings
object contains the pending values.  Some BMCs return only the pending properties in it,
others a full copy of the resource; a pending value counts only where it is present.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.aifactory.infra.plugins.module_utils.errors import (
    InvalidInputError,
    RedfishNotFoundError,
)
from ansible_collections.aifactory.infra.plugins.module_utils.redfish import etag as etag_util
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.shapes import link

# Module choices and the Redfish ApplyTime values they stand for.
APPLY_TIMES = {
    "immediate": "Immediate",
    "on_reset": "OnReset",
    "maintenance_window_start": "AtMaintenanceWindowStart",
    "maintenance_window_on_reset": "InMaintenanceWindowOnReset",
}


class SettingsTarget:
    """The PATCH target of a resource's changes, and the values pending there.

    ``uri`` is the PATCH target (the settings object, or the resource itself), ``pending``
    the settings object's payload ({} without one), ``etag`` the tag of the PATCH target,
    and ``supported_apply_times`` the ApplyTime values the resource lists (None when it
    lists none).
    """

    def __init__(self, resource_uri, uri, pending, etag, supported_apply_times):
        self.resource_uri = resource_uri
        self.uri = uri
        self.pending = pending
        self.etag = etag
        self.supported_apply_times = supported_apply_times

    @property
    def uses_settings_object(self):
        return self.uri != self.resource_uri


def settings_object_uri(resource):
    """Return the URI of the resource's settings object, or None."""
    settings = resource.get("@Redfish.Settings") if isinstance(resource, dict) else None
    if not isinstance(settings, dict):
        return None
    return link(settings, "SettingsObject")


def read_target(client, resource_uri, resource, resource_etag=None):
    """Return the SettingsTarget of a resource already read (``resource``)."""
    settings = resource.get("@Redfish.Settings")
    supported = None
    if isinstance(settings, dict) and isinstance(settings.get("SupportedApplyTimes"), list):
        supported = list(settings["SupportedApplyTimes"])

    uri = settings_object_uri(resource)
    if not uri or uri == resource_uri.rstrip("/"):
        return SettingsTarget(resource_uri, resource_uri, {}, resource_etag, supported)
    try:
        pending, tag = etag_util.read_with_etag(client, uri)
    except RedfishNotFoundError:
        # Some BMCs create the settings object only when a change is pending, and a PATCH
        # to its URI creates it.
        pending, tag = {}, None
    return SettingsTarget(resource_uri, uri, pending, tag, supported)


def apply_time_annotation(client, target, apply_time, window_start=None, window_seconds=None):
    """Return the ``@Redfish.SettingsApplyTime`` to add to a PATCH, or {}.

    ``apply_time`` is a module choice (a key of APPLY_TIMES) or None for the BMC's default.
    Raises InvalidInputError when the resource lists its apply times and the choice is
    not among them.
    """
    if not apply_time:
        return {}
    value = APPLY_TIMES[apply_time]
    supported = target.supported_apply_times
    if supported is not None and value not in supported:
        choices = [key for key, name in APPLY_TIMES.items() if name in supported]
        raise InvalidInputError(
            "BMC %s: %s does not support apply time %s (%s); it supports %s." % (
                client.base_url, target.resource_uri, apply_time, value, ", ".join(supported) or "none"),
            hint="Use apply_time %s, or leave it unset for the BMC's default." % (
                " or ".join(choices) if choices else "unset"))

    annotation = {"ApplyTime": value}
    if value in ("AtMaintenanceWindowStart", "InMaintenanceWindowOnReset"):
        if window_start:
            annotation["MaintenanceWindowStartTime"] = window_start
        if window_seconds:
            annotation["MaintenanceWindowDurationInSeconds"] = window_seconds
    return {"@Redfish.SettingsApplyTime": annotation}
