#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ipmi_boot
short_description: Set the boot device override of a server through its BMC over IPMI
version_added: 0.1.0
description:
  - Reads the boot flags of the BMC (System Boot Options, parameter 5), sets the override when
    it differs from the requested one, and reads it back to verify it.
  - The override applies to the next boot only, or to every boot with O(persistent=true).
    Nothing restarts the server; use M(aifactory.infra.ipmi_power) with its C(boot) option for
    that, so that the override is set again right before the restart.
  - Many BMCs clear the boot-flags valid bit about 60 seconds after a once-only override was
    set, or once the server has booted with it. The module then reports the override as gone
    and sets it again, which is a change.
author:
  - aifactory.infra maintainers (@aifactory)
extends_documentation_fragment:
  - aifactory.infra.ipmi
attributes:
  check_mode:
    support: full
    description: In check mode the module reads the boot flags and reports whether it would set them.
  diff_mode:
    support: full
    description: The diff shows the override before and after.
options:
  device:
    description:
      - V(network) is PXE, V(disk) the default hard disk, V(cdrom) a CD or DVD drive (virtual
        media included on most BMCs), V(bios_setup) the firmware setup.
      - V(default) removes the override, so that the firmware's own boot order applies.
    type: str
    required: true
    choices: [network, disk, cdrom, bios_setup, default]
  persistent:
    description: Keep the override for every later boot instead of the next one only.
    type: bool
    default: false
  uefi:
    description: Ask for a UEFI boot rather than a legacy BIOS boot.
    type: bool
    default: false
  ignore_valid_bit:
    description:
      - Treat the boot device the BMC reports as the current override even when the boot-flags
        valid bit is clear.
      - Only for BMCs that never set that bit in their response, such as OpenIPMI's ipmi_sim. On
        other BMCs a clear bit means the override has expired or was used, and has to be set
        again.
      - Such BMCs usually do not report the persistent and UEFI bits either, so use it with
        O(persistent=false) and O(uefi=false) to keep the task idempotent.
    type: bool
    default: false
seealso:
  - module: aifactory.infra.ipmi_power
"""

EXAMPLES = r"""
- name: Boot from the network (PXE, UEFI) at the next boot
  aifactory.infra.ipmi_boot:
    host: 10.1.0.21
    username: admin
    password: "{{ vault_ipmi_password }}"
    device: network
    uefi: true
  delegate_to: localhost

- name: Always boot from disk
  aifactory.infra.ipmi_boot:
    host: 10.1.0.21
    username: admin
    password: "{{ vault_ipmi_password }}"
    device: disk
    persistent: true
  delegate_to: localhost

- name: Remove the override
  aifactory.infra.ipmi_boot:
    host: 10.1.0.21
    username: admin
    password: "{{ vault_ipmi_password }}"
    device: default
  delegate_to: localhost
"""

RETURN = r"""
boot_override:
  description: The override in effect at the end (in check mode, the one that would be).
  returned: success
  type: dict
  contains:
    device:
      description: The boot device, V(default) when there is no override.
      type: str
      sample: network
    persistent:
      description: Whether the override applies to every boot.
      type: bool
      sample: false
    uefi:
      description: Whether a UEFI boot is requested.
      type: bool
      sample: true
cipher_suite:
  description: The cipher suite of the session (17 or 3).
  returned: success
  type: int
  sample: 17
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.aifactory.infra.plugins.module_utils.errors import AifactoryError
from ansible_collections.aifactory.infra.plugins.module_utils.ipmi import HAS_PYGHMI, PYGHMI_IMPORT_ERROR
from ansible_collections.aifactory.infra.plugins.module_utils.ipmi_boot import (
    apply_boot_override,
    desired_boot_override,
)
from ansible_collections.aifactory.infra.plugins.module_utils.ipmi_module_args import (
    boot_override_spec,
    client_from_params,
    ipmi_argument_spec,
)


def main():
    module = AnsibleModule(
        argument_spec=ipmi_argument_spec(ignore_valid_bit={"type": "bool", "default": False},
                                         **boot_override_spec()),
        supports_check_mode=True,
    )
    if not HAS_PYGHMI:
        module.fail_json(msg=missing_required_lib("pyghmi"), exception=str(PYGHMI_IMPORT_ERROR))

    params = module.params
    try:
        desired = desired_boot_override(params["device"], params["persistent"], params["uefi"])
        with client_from_params(params) as client:
            outcome = apply_boot_override(client, desired, check_mode=module.check_mode,
                                          ignore_valid_bit=params["ignore_valid_bit"])
            cipher_suite = client.cipher_suite
    except AifactoryError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=outcome["changed"], boot_override=outcome["after"], cipher_suite=cipher_suite,
                     diff={"before": outcome["before"], "after": outcome["after"]})


if __name__ == "__main__":
    main()
