# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Power control of an IPMI BMC: plan the Chassis Control request, send it, wait.

``on``, ``off`` and ``soft_off`` are states: nothing is sent when the system is already
there.  ``reset`` and ``cycle`` are actions: they always act, and power a system that is
off on, so that the system boots either way.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.aifactory.infra.plugins.module_utils.errors import InvalidInputError
from ansible_collections.aifactory.infra.plugins.module_utils.ipmi_boot import reassert_boot_override
from ansible_collections.aifactory.infra.plugins.module_utils.waiter import wait_for

NETFN_CHASSIS = 0x00
CMD_CHASSIS_CONTROL = 0x02

# Chassis Control data byte (IPMI 2.0, table 28-4).
CHASSIS_CONTROL = {
    "off": 0x00,       # power down, without waiting for the operating system
    "on": 0x01,        # power up
    "cycle": 0x02,     # power down, then up after the BMC's power-cycle interval
    "reset": 0x03,     # hard reset
    "soft_off": 0x05,  # ACPI soft shutdown (the BMC emulates an over-temperature event)
}
POWER_STATES = ("on", "off", "soft_off", "reset", "cycle")
FINAL_STATE = {"on": "On", "reset": "On", "cycle": "On", "off": "Off", "soft_off": "Off"}
BOOTING_ACTIONS = ("on", "reset", "cycle")


def plan_power_action(state, current):
    """Return the Chassis Control action that brings a system in ``current`` to ``state``.

    None means nothing has to be sent.
    """
    if state not in POWER_STATES:
        raise InvalidInputError("Invalid power state %r." % (state,),
                                hint="Use one of: %s." % ", ".join(POWER_STATES))
    if state == "on":
        return "on" if current == "Off" else None
    if state in ("off", "soft_off"):
        return state if current == "On" else None
    # reset and cycle need a running system; a system that is off is powered on instead.
    return state if current == "On" else "on"


def set_power(client, state, check_mode=False, wait=True, wait_timeout=300, boot=None,
              ignore_valid_bit=False, interval=1.0):
    """Bring the system to ``state``; return the module result fields.

    ``boot`` is a desired override (from ipmi_boot.desired_boot_override) that is set
    again and verified right before a request that boots the system, because the BMC may
    have dropped it since it was set.
    """
    before = client.power_state()
    action = plan_power_action(state, before)
    result = {
        "changed": action is not None,
        "action": action,
        "power_state": before,
        "boot_override": None,
        "diff": {"before": {"power_state": before},
                 "after": {"power_state": FINAL_STATE[state] if action else before}},
    }
    if action is None or check_mode:
        return result

    if boot is not None and action in BOOTING_ACTIONS:
        result["boot_override"] = reassert_boot_override(client, boot, ignore_valid_bit)

    client.command(NETFN_CHASSIS, CMD_CHASSIS_CONTROL, (CHASSIS_CONTROL[action],),
                   operation="Chassis Control (%s)" % action)

    if wait:
        # After reset and cycle the system is On again; IPMI offers no way to observe the
        # restart itself, so the wait only confirms the final state.
        final = FINAL_STATE[state]
        result["power_state"] = wait_for(
            client.power_state, ready=lambda value: value == final, timeout=wait_timeout,
            interval=interval, description="power state %s on BMC %s" % (final, client.bmc))
    else:
        result["power_state"] = client.power_state()
    return result
