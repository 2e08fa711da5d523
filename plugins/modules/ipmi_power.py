#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ipmi_power
short_description: Power a server on, off, or restart it through its BMC over IPMI
version_added: 0.1.0
description:
  - Sends the IPMI Chassis Control request that brings the server to O(state), and waits until
    the BMC reports the final power state.
  - V(on), V(off) and V(soft_off) are states (quote V(on) and V(off) in YAML, which otherwise
    reads them as booleans); nothing is sent when the server is already there,
    so a second run reports C(changed=false). V(reset) and V(cycle) are actions and always act;
    on a server that is off they power it on.
  - With O(boot), the boot override is set again and read back right before a request that
    boots the server (V(on), V(reset), V(cycle)). Many BMCs drop a once-only override about
    60 seconds after it was set, so an override set earlier in the play may be gone by then.
author:
  - aifactory.infra maintainers (@aifactory)
extends_documentation_fragment:
  - aifactory.infra.ipmi
attributes:
  check_mode:
    support: full
    description: In check mode the module reads the power state and reports what it would send.
  diff_mode:
    support: full
    description: The diff shows the power state before and after.
options:
  state:
    description:
      - V(on) powers the server up. V(off) powers it down at once, without waiting for the
        operating system.
      - V(soft_off) asks the operating system to shut down (ACPI) and waits until the server is
        off; an operating system that ignores the request makes the wait time out.
      - V(reset) is a hard reset; V(cycle) powers the server down and up again after the BMC's
        power-cycle interval.
    type: str
    required: true
    choices: ["on", "off", soft_off, reset, cycle]
  wait:
    description: Wait until the BMC reports the final power state (On, or Off for V(off) and V(soft_off)).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for the final power state.
    type: int
    default: 300
  boot:
    description:
      - A boot override to set again and verify right before a request that boots the server.
      - The task fails before the power request when the BMC does not report the override back.
    type: dict
    suboptions:
      device:
        description: As O(aifactory.infra.ipmi_boot#module:device).
        type: str
        required: true
        choices: [network, disk, cdrom, bios_setup, default]
      persistent:
        description: As O(aifactory.infra.ipmi_boot#module:persistent).
        type: bool
        default: false
      uefi:
        description: As O(aifactory.infra.ipmi_boot#module:uefi).
        type: bool
        default: false
  ignore_valid_bit:
    description:
      - Accept the boot device the BMC reports when verifying O(boot), even when the boot-flags
        valid bit is clear. Only for BMCs that never set that bit in their response, such as
        OpenIPMI's ipmi_sim; see M(aifactory.infra.ipmi_boot).
    type: bool
    default: false
seealso:
  - module: aifactory.infra.ipmi_boot
  - module: aifactory.infra.ipmi_facts
"""

EXAMPLES = r"""
- name: Power the server on
  aifactory.infra.ipmi_power:
    host: 10.1.0.21
    username: admin
    password: "{{ vault_ipmi_password }}"
    state: "on"
  delegate_to: localhost

- name: PXE boot once - set the override, then reset with the override asserted again
  aifactory.infra.ipmi_power:
    host: 10.1.0.21
    username: admin
    password: "{{ vault_ipmi_password }}"
    kg: "{{ vault_ipmi_kg }}"
    state: reset
    boot:
      device: network
      uefi: true
  delegate_to: localhost

- name: Shut the operating system down cleanly
  aifactory.infra.ipmi_power:
    host: 10.1.0.21
    username: admin
    password: "{{ vault_ipmi_password }}"
    state: soft_off
    wait_timeout: 600
  delegate_to: localhost
"""

RETURN = r"""
action:
  description: The Chassis Control request sent (or that would be sent in check mode); null when none was needed.
  returned: always
  type: str
  sample: reset
power_state:
  description: The power state at the end (On or Off); in check mode, the state before.
  returned: success
  type: str
  sample: On
boot_override:
  description: The boot override read back right before the power request, when O(boot) was given and a request was sent.
  returned: success
  type: dict
  sample: {device: network, persistent: false, uefi: true}
cipher_suite:
  description: The cipher suite of the session (17 or 3).
  returned: success
  type: int
  sample: 17
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.aifactory.infra.plugins.module_utils.errors import AifactoryError
from ansible_collections.aifactory.infra.plugins.module_utils.ipmi import HAS_PYGHMI, PYGHMI_IMPORT_ERROR
from ansible_collections.aifactory.infra.plugins.module_utils.ipmi_boot import desired_boot_override
from ansible_collections.aifactory.infra.plugins.module_utils.ipmi_module_args import (
    boot_override_spec,
    client_from_params,
    ipmi_argument_spec,
)
from ansible_collections.aifactory.infra.plugins.module_utils.ipmi_power import POWER_STATES, set_power


def main():
    module = AnsibleModule(
        argument_spec=ipmi_argument_spec(
            state={"type": "str", "required": True, "choices": list(POWER_STATES)},
            wait={"type": "bool", "default": True},
            wait_timeout={"type": "int", "default": 300},
            boot={"type": "dict", "options": boot_override_spec()},
            ignore_valid_bit={"type": "bool", "default": False},
        ),
        supports_check_mode=True,
    )
    if not HAS_PYGHMI:
        module.fail_json(msg=missing_required_lib("pyghmi"), exception=str(PYGHMI_IMPORT_ERROR))

    params = module.params
    try:
        boot = params["boot"] and desired_boot_override(**params["boot"])
        with client_from_params(params) as client:
            result = set_power(client, params["state"], check_mode=module.check_mode, wait=params["wait"],
                               wait_timeout=params["wait_timeout"], boot=boot,
                               ignore_valid_bit=params["ignore_valid_bit"])
            result["cipher_suite"] = client.cipher_suite
    except AifactoryError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
