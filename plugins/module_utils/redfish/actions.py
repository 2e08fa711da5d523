# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Redfish actions: finding them, reading their allowed parameter values, posting them.

Every write of the lifecycle modules (actions and PATCHes) is judged the same way, by
``check_write_response``: the HTTP status and the MessageIds of the body decide, never the
mere presence of an ``error`` key in a 2xx body.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.aifactory.infra.plugins.module_utils.errors import (
    InvalidInputError,
    RedfishBadRequestError,
    RedfishNotFoundError,
)
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.messages import extended_info
from ansible_collections.aifactory.infra.plugins.module_utils.retry import message_key

# MessageIds that report a failed property or parameter even inside a 2xx response.  A BMC may
# accept a PATCH (200) and still list the properties it did not apply.
FAILED_WRITE_KEYS = (
    "PropertyNotWritable",
    "PropertyValueNotInList",
    "PropertyValueTypeError",
    "PropertyValueFormatError",
    "PropertyUnknown",
    "PropertyMissing",
    "ActionParameterMissing",
    "ActionParameterNotSupported",
    "ActionParameterValueNotInList",
    "ActionParameterValueTypeError",
    "ActionParameterUnknown",
)


def flatten_values(values):
    """Return a flat list of allowed values.

    Some BMCs nest the list (``[["SCP"]]`` from a BlueField BMC); every value counts.
    """
    flat = []
    stack = list(values) if isinstance(values, list) else [values]
    while stack:
        value = stack.pop(0)
        if isinstance(value, list):
            stack[0:0] = value
        elif value is not None and value not in flat:
            flat.append(value)
    return flat


def allowable_values(container, prop):
    """Return the ``<prop>@Redfish.AllowableValues`` of ``container`` flattened, or None."""
    if not isinstance(container, dict):
        return None
    key = "%s@Redfish.AllowableValues" % prop
    if key not in container:
        return None
    return flatten_values(container.get(key))


def find_action(resource, name):
    """Return the action object ``name`` (such as ``#ComputerSystem.Reset``) or None."""
    actions = resource.get("Actions") if isinstance(resource, dict) else None
    if not isinstance(actions, dict):
        return None
    action = actions.get(name)
    if isinstance(action, dict) and isinstance(action.get("target"), str):
        return action
    return None


def require_action(client, resource, name):
    """Return the action object ``name`` or raise an error naming the BMC and resource."""
    action = find_action(resource, name)
    if action is None:
        uri = resource.get("@odata.id") if isinstance(resource, dict) else None
        raise InvalidInputError(
            "BMC %s: %s has no %s action." % (client.base_url, uri or "the resource", name),
            hint="The BMC does not offer this operation on this resource.")
    return action


def action_parameter_values(client, action, parameter):
    """Return the values the BMC allows for an action parameter, or None when it does not list them.

    The values come from ``<parameter>@Redfish.AllowableValues`` on the action, else from
    the parameter's ``AllowableValues`` in the ``@Redfish.ActionInfo`` resource.
    """
    values = allowable_values(action, parameter)
    if values is not None:
        return values
    parameters = action_info_parameters(client, action)
    entry = parameters.get(parameter)
    if entry and entry.get("AllowableValues") is not None:
        return flatten_values(entry.get("AllowableValues"))
    return None


def action_info_parameters(client, action):
    """Return ``{name: parameter}`` from the action's ActionInfo, or {} when it has none."""
    info_uri = action.get("@Redfish.ActionInfo") if isinstance(action, dict) else None
    if not isinstance(info_uri, str):
        return {}
    try:
        info = client.get(info_uri)
    except RedfishNotFoundError:
        # A dangling ActionInfo link gives no parameters, but the action itself still works on
        # the BMCs seen with one.
        return {}
    return {entry.get("Name"): entry for entry in info.get("Parameters") or []
            if isinstance(entry, dict) and entry.get("Name")}


def post_action(client, action, body):
    """POST ``body`` to an action's target and return ``(response, payload)``."""
    response, payload = client.send("POST", action["target"], body=body)
    check_write_response(client, "POST", action["target"], response, payload)
    return response, payload


def check_write_response(client, method, uri, response, payload):
    """Raise RedfishBadRequestError when a 2xx response to a write reports a failed property.

    A 2xx body with an ``error`` object whose messages are all successes (HPE iLO responds to a
    PATCH that way) is a success.
    """
    container = payload.get("error") if isinstance(payload.get("error"), dict) else payload
    messages = _all_messages(container)
    failed = [m for m in messages if message_key(m.get("MessageId")) in FAILED_WRITE_KEYS]
    if not failed:
        return
    worst = failed[0]
    raise RedfishBadRequestError(
        client.base_url, uri, worst.get("Message") or "the BMC did not apply the request",
        status=response.status_code, message_id=worst.get("MessageId"), method=method,
        message_args=worst.get("MessageArgs"), related_properties=worst.get("RelatedProperties"))


def _all_messages(container, depth=0):
    """Return the messages of ``container`` and of its properties' annotations.

    A BMC may report a property it did not apply as ``<Property>@Message.ExtendedInfo``,
    also inside a nested object such as ``Boot``.
    """
    messages = extended_info(container)
    for key, value in container.items():
        if key.endswith("@Message.ExtendedInfo") and key != "@Message.ExtendedInfo":
            messages.extend(extended_info({"@Message.ExtendedInfo": value}))
        elif isinstance(value, dict) and depth < 3:
            messages.extend(_all_messages(value, depth + 1))
    return messages
