# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The logic of the redfish_power module.

A requested power state becomes a plan: the ResetTypes to send, with waits for Off between
them when a request is composed of several resets.  Only ResetTypes the BMC allows are
used.  A graceful request is never turned into a forced one silently: it is composed from
graceful steps, or fails listing the allowed values, or (only with ``force_fallback``)
falls back to a forced reset and reports that in the result.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.aifactory.infra.plugins.module_utils.errors import (
    InvalidInputError,
    RedfishBadRequestError,
    WaitTimeoutError,
)
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.actions import (
    action_parameter_values,
    post_action,
    require_action,
)
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.runner import Outcome
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.system import find_system
from ansible_collections.aifactory.infra.plugins.module_utils.retry import RetryPolicy
from ansible_collections.aifactory.infra.plugins.module_utils.waiter import wait_for

RESET_ACTION = "#ComputerSystem.Reset"
STATES = ("on", "off", "graceful_off", "restart", "graceful_restart", "power_cycle")

# ResetTypes that power a system on, in order of preference.  PushPowerButton toggles, so
# it only stands for "on" while the system is off.
POWER_ON_TYPES = ("On", "ForceOn", "PushPowerButton")

ON_STATES = ("On", "PoweringOn")
OFF_STATES = ("Off", "PoweringOff")

# After a power-off some BMCs reject a power-on with 409 Conflict for a few seconds.
CONFLICT = 409


class PowerPlan:
    """The steps that take a system to a requested power state.

    ``steps`` holds ``("reset", ResetType)`` and ``("wait", PowerState)`` tuples;
    ``final_state`` is the PowerState to wait for at the end; ``composed`` is True when
    one request became several resets, ``forced`` when a graceful request fell back to a
    forced reset.
    """

    def __init__(self, steps, final_state, composed=False, forced=False):
        self.steps = steps
        self.final_state = final_state
        self.composed = composed
        self.forced = forced

    @property
    def reset_types(self):
        return [value for kind, value in self.steps if kind == "reset"]


class NotAllowedError(InvalidInputError):
    """The BMC allows no ResetType that can carry out the request."""


def plan_power(state, power_state, allowed, force_fallback=False):
    """Return the PowerPlan that takes a system in ``power_state`` to ``state``.

    ``allowed`` is the list of ResetTypes the BMC allows, or None when it does not say
    (then every standard ResetType is tried as needed).  Raises NotAllowedError.
    """
    if state not in STATES:
        raise InvalidInputError("Invalid power state %r." % (state,), hint="Use one of %s." % ", ".join(STATES))

    def ok(reset_type):
        return allowed is None or reset_type in allowed

    def power_on_type():
        for reset_type in POWER_ON_TYPES:
            if ok(reset_type):
                return reset_type
        return None

    is_off = power_state in OFF_STATES
    is_on = power_state in ON_STATES

    if state == "on" or (is_off and state in ("restart", "graceful_restart", "power_cycle")):
        # A restart of a system that is off powers it on, as a person at the console would.
        if is_on:
            return PowerPlan([], "On")
        reset_type = power_on_type()
        if reset_type is None:
            raise _not_allowed(state, ("On", "ForceOn", "PushPowerButton"), allowed)
        return PowerPlan([("reset", reset_type)], "On")

    if state in ("off", "graceful_off"):
        if is_off:
            return PowerPlan([], "Off")
        if state == "off":
            if ok("ForceOff"):
                return PowerPlan([("reset", "ForceOff")], "Off")
            raise _not_allowed(state, ("ForceOff",), allowed)
        if ok("GracefulShutdown"):
            return PowerPlan([("reset", "GracefulShutdown")], "Off")
        if force_fallback and ok("ForceOff"):
            return PowerPlan([("reset", "ForceOff")], "Off", forced=True)
        raise _not_allowed(state, ("GracefulShutdown",), allowed, forced_option=ok("ForceOff"))

    on_type = power_on_type()
    if state == "restart":
        if ok("ForceRestart"):
            return PowerPlan([("reset", "ForceRestart")], "On")
        if ok("ForceOff") and on_type:
            return _composed("ForceOff", on_type)
        raise _not_allowed(state, ("ForceRestart", "ForceOff and On"), allowed)

    if state == "power_cycle":
        if ok("PowerCycle"):
            return PowerPlan([("reset", "PowerCycle")], "On")
        if ok("ForceOff") and on_type:
            return _composed("ForceOff", on_type)
        raise _not_allowed(state, ("PowerCycle", "ForceOff and On"), allowed)

    # graceful_restart
    if ok("GracefulRestart"):
        return PowerPlan([("reset", "GracefulRestart")], "On")
    if ok("GracefulShutdown") and on_type:
        return _composed("GracefulShutdown", on_type)
    if force_fallback and ok("ForceRestart"):
        return PowerPlan([("reset", "ForceRestart")], "On", forced=True)
    if force_fallback and ok("ForceOff") and on_type:
        plan = _composed("ForceOff", on_type)
        plan.forced = True
        return plan
    raise _not_allowed(state, ("GracefulRestart", "GracefulShutdown and On"), allowed,
                       forced_option=ok("ForceRestart") or (ok("ForceOff") and on_type is not None))


def _composed(off_type, on_type):
    return PowerPlan([("reset", off_type), ("wait", "Off"), ("reset", on_type)], "On", composed=True)


def _not_allowed(state, needed, allowed, forced_option=False):
    hint = "Choose a state the BMC can carry out."
    if forced_option:
        hint = ("Set force_fallback to true to accept a forced reset instead, or choose "
                "another state.")
    return NotAllowedError(
        "Power state %s needs ResetType %s, which the BMC does not allow; it allows %s." % (
            state, " or ".join(needed), ", ".join(allowed or []) or "none"),
        hint=hint)


class PowerOnConflictPolicy(RetryPolicy):
    """Retries a power-on that the BMC rejects with 409 Conflict right after a power-off.

    Only 409 is retried here: the client's own policy already retries 5xx and connection
    failures inside each attempt.
    """

    def is_retryable(self, error):
        return isinstance(error, RedfishBadRequestError) and error.status == CONFLICT


class PowerOptions:
    """The module options that steer waiting, and the clock used (replaced in tests)."""

    def __init__(self, wait=True, timeout=300, interval=2.0, force_fallback=False,
                 conflict_attempts=8, sleep=time.sleep, clock=time.monotonic):
        self.wait = wait
        self.timeout = timeout
        self.interval = interval
        self.force_fallback = force_fallback
        self.conflict_attempts = conflict_attempts
        self.sleep = sleep
        self.clock = clock


def allowed_reset_types(client, system_payload):
    """Return the ResetTypes the BMC allows for the system, or None when it does not list them."""
    action = require_action(client, system_payload, RESET_ACTION)
    return action_parameter_values(client, action, "ResetType")


def set_power(client, params, check_mode, options=None):
    """Run redfish_power for the module ``params`` and return its Outcome."""
    options = options or PowerOptions(
        wait=params["wait"], timeout=params["wait_timeout"], interval=params["poll_interval"],
        force_fallback=params["force_fallback"])
    system = find_system(client, params.get("system_id"))
    power_state = system.payload.get("PowerState")
    allowed = allowed_reset_types(client, system.payload)
    try:
        plan = plan_power(params["state"], power_state, allowed, options.force_fallback)
    except NotAllowedError as exc:
        raise NotAllowedError("BMC %s: system %s: %s" % (client.base_url, system.uri, exc.message), hint=exc.hint)

    warnings = []
    if plan.forced:
        warnings.append("BMC %s does not allow a graceful %s; a forced reset (%s) was %s "
                        "because force_fallback is true." % (
                            client.base_url, params["state"].replace("graceful_", ""),
                            ", ".join(plan.reset_types), "planned" if check_mode else "sent"))

    before = {"power_state": power_state}
    after = {"power_state": plan.final_state if plan.steps else power_state}
    result = {
        "system_id": system.system_id,
        "power_state": power_state,
        "reset_types": plan.reset_types,
        "composed": plan.composed,
        "forced": plan.forced,
        "allowed_reset_types": allowed,
    }
    if not plan.steps or check_mode:
        return Outcome(bool(plan.steps), before, after, warnings, **result)

    action = require_action(client, system.payload, RESET_ACTION)
    for kind, value in plan.steps:
        if kind == "wait":
            _wait_for_state(client, system.uri, value, options)
        else:
            _reset(client, action, value, options)

    final = power_state
    if options.wait:
        final = _wait_for_state(client, system.uri, plan.final_state, options)
    else:
        final = client.get(system.uri).get("PowerState")
    result["power_state"] = final
    return Outcome(True, before, {"power_state": final}, warnings, **result)


def _reset(client, action, reset_type, options):
    body = {"ResetType": reset_type}
    if reset_type in POWER_ON_TYPES:
        policy = PowerOnConflictPolicy(attempts=options.conflict_attempts,
                                       budget=min(60.0, float(options.timeout)),
                                       base_delay=1.0, max_delay=5.0, sleep=options.sleep,
                                       clock=options.clock)
        return policy.call(lambda: post_action(client, action, body))
    return post_action(client, action, body)


def _wait_for_state(client, system_uri, target, options):
    try:
        return wait_for(lambda: client.get(system_uri).get("PowerState"),
                        ready=lambda state: state == target, timeout=options.timeout,
                        interval=options.interval, clock=options.clock, sleep=options.sleep,
                        description="PowerState %s" % target)
    except WaitTimeoutError as exc:
        raise WaitTimeoutError("BMC %s: system %s: %s" % (client.base_url, system_uri, exc.message),
                               hint="Raise wait_timeout if the system is only slow, or check "
                                    "its console.")
