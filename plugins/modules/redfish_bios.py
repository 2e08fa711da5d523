#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: redfish_bios
short_description: Set BIOS attributes, or reset them to defaults, over Redfish
version_added: 0.1.0
description:
  - Sets BIOS attributes of a system through its Bios settings object, with an apply time.
  - Each desired value is compared with the value the system will run after its next reset,
    the pending one from the settings object where there is one, else the current one. A value
    already pending reports C(changed=false) with C(reboot_required=true), and nothing is sent.
  - When the BMC offers the BIOS attribute registry the Bios resource names, every name and
    value is checked against it (type, allowed values, bounds, read-only) before anything is
    sent; without it names are checked against the current attributes.
  - Password attributes cannot be set here (the BMC never returns them to compare); use the
    BMC's C(ChangePassword) action.
author:
  - aifactory.infra maintainers (@aifactory)
extends_documentation_fragment:
  - aifactory.infra.redfish
  - aifactory.infra.redfish.system
attributes:
  check_mode:
    support: full
    description: In check mode the module reads the attributes and reports the ones it would send.
  diff_mode:
    support: full
    description: The diff shows the desired attributes' values before and after.
options:
  attributes:
    description:
      - The desired attributes by their registry name (C(AttributeName)), for example
        V(SriovGlobalEnable) set to V(Enabled).
      - Values are converted to the registry's type (an integer for C(Integer), true or false for
        C(Boolean)).
    type: dict
  apply_time:
    description:
      - When the BMC applies the change. Left unset the BMC's default applies, usually the next
        reset.
      - The values the BMC lists in C(@Redfish.Settings.SupportedApplyTimes) are checked first.
        V(maintenance_window_start) applies at the start of the window,
        V(maintenance_window_on_reset) at the first reset within it.
    type: str
    choices: [immediate, on_reset, maintenance_window_start, maintenance_window_on_reset]
  maintenance_window_start:
    description: Start of the maintenance window, an ISO 8601 date and time such as V(2030-01-31T02:00:00Z).
    type: str
  maintenance_window_duration:
    description: Length of the maintenance window in seconds.
    type: int
  reset_to_defaults:
    description:
      - Reset every BIOS attribute to its default with the C(Bios.ResetBios) action, applied at the next reset on most BMCs.
      - This always reports a change, because no BMC reports whether the attributes equal their defaults.
    type: bool
"""

EXAMPLES = r"""
- name: Prepare a GPU server's BIOS for virtualisation and large BARs
  aifactory.infra.redfish_bios:
    baseurl: "{{ bmc_url }}"
    username: "{{ bmc_username }}"
    password: "{{ bmc_password }}"
    attributes:
      ProcVirtualization: Enabled
      SriovGlobalEnable: Enabled
      MmioAbove4Gb: Enabled
    apply_time: on_reset
  delegate_to: localhost
  register: bios

- name: Reboot when a change waits for it
  aifactory.infra.redfish_power:
    baseurl: "{{ bmc_url }}"
    username: "{{ bmc_username }}"
    password: "{{ bmc_password }}"
    state: graceful_restart
  delegate_to: localhost
  when: bios.reboot_required
"""

RETURN = r"""
system_id:
  description: The Redfish Id of the system acted on.
  returned: always
  type: str
attributes:
  description: The attributes sent (or, in check mode, that would be sent).
  returned: always
  type: dict
pending:
  description: The desired attributes that wait for the next reset, with their pending values.
  returned: always
  type: dict
reboot_required:
  description: True when a desired value waits for a reset of the system.
  returned: always
  type: bool
registry_checked:
  description: True when names and values were checked against the BIOS attribute registry.
  returned: when O(attributes) is given
  type: bool
settings_uri:
  description: Where changes go, the Bios settings object or the Bios resource itself.
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.aifactory.infra.plugins.module_utils.redfish.bios import set_bios
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.module_args import (
    redfish_argument_spec,
)
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.runner import run_module
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.settings import APPLY_TIMES


def main():
    module = AnsibleModule(
        argument_spec=redfish_argument_spec(
            system_id={"type": "str"},
            attributes={"type": "dict"},
            apply_time={"type": "str", "choices": list(APPLY_TIMES)},
            maintenance_window_start={"type": "str"},
            maintenance_window_duration={"type": "int"},
            reset_to_defaults={"type": "bool"},
        ),
        required_one_of=[("attributes", "reset_to_defaults")],
        mutually_exclusive=[("attributes", "reset_to_defaults")],
        supports_check_mode=True,
    )
    run_module(module, set_bios)


if __name__ == "__main__":
    main()
