#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: redfish_power
short_description: Power a server on or off, or restart it, through its BMC over Redfish
version_added: 0.1.0
description:
  - Brings a system to O(state) with the ComputerSystem.Reset action, using only the
    ResetTypes the BMC allows (its C(ResetType@Redfish.AllowableValues) or the action's
    ActionInfo), and waits until the BMC reports the final power state.
  - V(on), V(off) and V(graceful_off) are states (quote V(on) and V(off) in YAML, which
    otherwise reads them as booleans). Nothing is sent when the system is already there, so a
    second run reports C(changed=false).
  - V(restart), V(graceful_restart) and V(power_cycle) are actions and act on every run; on a
    system that is off they power it on.
  - A graceful request is never turned into a forced one silently. When the BMC does not allow
    C(GracefulRestart), V(graceful_restart) is composed of C(GracefulShutdown), a wait for
    C(Off) and C(On). When no graceful way exists the task fails listing the allowed
    ResetTypes, unless O(force_fallback) allows a forced reset, which the result reports.
  - Some BMCs reject a power-on with HTTP 409 for a few seconds after a power-off; the module
    retries it a bounded number of times.
author:
  - aifactory.infra maintainers (@aifactory)
extends_documentation_fragment:
  - aifactory.infra.redfish
  - aifactory.infra.redfish.system
attributes:
  check_mode:
    support: full
    description: In check mode the module reads the power state and the allowed ResetTypes and reports the ResetTypes it would send.
  diff_mode:
    support: full
    description: The diff shows the power state before and after.
options:
  state:
    description:
      - V(on) powers the system up (ResetType C(On), C(ForceOn) or C(PushPowerButton)).
      - V(off) powers it down at once (C(ForceOff)); V(graceful_off) asks the operating
        system to shut down (C(GracefulShutdown)).
      - V(restart) is a forced restart (C(ForceRestart), or C(ForceOff) then C(On));
        V(graceful_restart) asks the operating system to restart; V(power_cycle) removes and
        restores power (C(PowerCycle), or C(ForceOff) then C(On)).
    type: str
    required: true
    choices: ["on", "off", graceful_off, restart, graceful_restart, power_cycle]
  force_fallback:
    description:
      - Allow a forced reset when the BMC offers no graceful way for V(graceful_off) or
        V(graceful_restart). The result then has C(forced=true) and a warning.
    type: bool
    default: false
  wait:
    description:
      - Wait until the BMC reports the final power state (C(On), or C(Off) for V(off) and
        V(graceful_off)). A composed request always waits for C(Off) between its resets.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for each power state.
    type: int
    default: 300
  poll_interval:
    description: Seconds between two reads of the power state while waiting.
    type: float
    default: 2.0
"""

EXAMPLES = r"""
- name: Power the server on
  aifactory.infra.redfish_power:
    baseurl: "{{ bmc_url }}"
    username: "{{ bmc_username }}"
    password: "{{ bmc_password }}"
    state: "on"
  delegate_to: localhost

- name: Restart the operating system cleanly, composing it from graceful steps where needed
  aifactory.infra.redfish_power:
    baseurl: "{{ bmc_url }}"
    username: "{{ bmc_username }}"
    password: "{{ bmc_password }}"
    system_id: "{{ bmc_system_id }}"
    state: graceful_restart
    wait_timeout: 600
  delegate_to: localhost
"""

RETURN = r"""
system_id:
  description: The Redfish Id of the system acted on.
  returned: always
  type: str
  sample: System.Embedded.1
power_state:
  description: The system's PowerState at the end (the state found, in check mode).
  returned: always
  type: str
  sample: "On"
reset_types:
  description: The ResetTypes sent (or, in check mode, that would be sent), in order.
  returned: always
  type: list
  elements: str
  sample: [GracefulShutdown, "On"]
composed:
  description: True when the request was carried out as several resets.
  returned: always
  type: bool
forced:
  description: True when a graceful request fell back to a forced reset (only with O(force_fallback)).
  returned: always
  type: bool
allowed_reset_types:
  description: The ResetTypes the BMC allows, or null when it does not list them.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.aifactory.infra.plugins.module_utils.redfish.module_args import (
    redfish_argument_spec,
)
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.power import STATES, set_power
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.runner import run_module


def main():
    module = AnsibleModule(
        argument_spec=redfish_argument_spec(
            system_id={"type": "str"},
            state={"type": "str", "required": True, "choices": list(STATES)},
            force_fallback={"type": "bool", "default": False},
            wait={"type": "bool", "default": True},
            wait_timeout={"type": "int", "default": 300},
            poll_interval={"type": "float", "default": 2.0},
        ),
        supports_check_mode=True,
    )
    run_module(module, set_power)


if __name__ == "__main__":
    main()
