#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: redfish_secure_boot
short_description: Enable or disable UEFI secure boot, or reset its keys, over Redfish
version_added: 0.1.0
description:
  - Sets C(SecureBootEnable) of a system's SecureBoot resource (through its settings object
    when it has one), and resets the secure boot keys with the C(SecureBoot.ResetKeys) action.
  - The firmware applies C(SecureBootEnable) at the next boot. The result's RV(pending_reset)
    is true while the setting differs from C(SecureBootCurrentBoot), the state of the running
    boot.
author:
  - aifactory.infra maintainers (@aifactory)
extends_documentation_fragment:
  - aifactory.infra.redfish
  - aifactory.infra.redfish.system
attributes:
  check_mode:
    support: full
    description: In check mode the module reads the SecureBoot resource and reports what it would change.
  diff_mode:
    support: full
    description: The diff shows C(SecureBootEnable) before and after, and the key reset.
options:
  enabled:
    description: Whether secure boot is enabled from the next boot on.
    type: bool
  reset_keys:
    description:
      - Reset the secure boot keys, before O(enabled) is applied. V(default) restores the
        manufacturer's keys (C(ResetAllKeysToDefault)), V(delete_all) deletes every key
        (C(DeleteAllKeys), which puts the firmware into setup mode), V(delete_pk) deletes
        the platform key (C(DeletePK)).
      - A key reset always reports a change, because the BMC does not report whether the keys
        already equal the defaults.
    type: str
    choices: [default, delete_all, delete_pk]
"""

EXAMPLES = r"""
- name: Enable secure boot with the manufacturer's keys
  aifactory.infra.redfish_secure_boot:
    baseurl: "{{ bmc_url }}"
    username: "{{ bmc_username }}"
    password: "{{ bmc_password }}"
    enabled: true
  delegate_to: localhost
  register: secure_boot

- name: Show whether a reset is still needed
  ansible.builtin.debug:
    msg: "Secure boot applies at the next reset: {{ secure_boot.pending_reset }}"
"""

RETURN = r"""
system_id:
  description: The Redfish Id of the system acted on.
  returned: always
  type: str
enabled:
  description: C(SecureBootEnable) after the module ran (or would run, in check mode).
  returned: always
  type: bool
current_boot:
  description: C(SecureBootCurrentBoot), whether the running boot used secure boot (C(Enabled) or C(Disabled)).
  returned: always
  type: str
secure_boot_mode:
  description: C(SecureBootMode), such as C(UserMode), C(SetupMode) or C(DeployedMode).
  returned: always
  type: str
pending_reset:
  description: True when the setting or a key reset waits for the next reset of the system.
  returned: always
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.aifactory.infra.plugins.module_utils.redfish.module_args import (
    redfish_argument_spec,
)
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.runner import run_module
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.secure_boot import (
    RESET_KEYS_TYPES,
    set_secure_boot,
)


def main():
    module = AnsibleModule(
        argument_spec=redfish_argument_spec(
            system_id={"type": "str"},
            enabled={"type": "bool"},
            reset_keys={"type": "str", "choices": list(RESET_KEYS_TYPES)},
        ),
        required_one_of=[("enabled", "reset_keys")],
        supports_check_mode=True,
    )
    run_module(module, set_secure_boot)


if __name__ == "__main__":
    main()
