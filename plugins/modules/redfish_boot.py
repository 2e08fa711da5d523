#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: redfish_boot
short_description: Set a server's boot source override, boot mode and boot order over Redfish
version_added: 0.1.0
description:
  - Sets the boot source override (the device the system boots from next, once or on every
    boot), the override's boot mode and the persistent boot order of a system.
  - When the system advertises a settings object (C(@Redfish.Settings)), the change goes there,
    whatever the vendor, and applies at the next reset; the result then has
    C(reboot_required=true). A value that is already pending there counts as set.
  - Only the properties that differ are sent, plus C(BootSourceOverrideEnabled) with every
    change of C(BootSourceOverrideTarget) (some BMCs reset it to C(Once) otherwise). A boot
    mode equal to the current one is not sent, because some BMCs reject it as not writable.
  - After the change the module reads the values back and fails when the BMC reports other
    values than the ones it accepted.
author:
  - aifactory.infra maintainers (@aifactory)
extends_documentation_fragment:
  - aifactory.infra.redfish
  - aifactory.infra.redfish.system
attributes:
  check_mode:
    support: full
    description: In check mode the module reads the boot settings and reports the properties it would send.
  diff_mode:
    support: full
    description: The diff shows the Boot properties before and after.
options:
  override_target:
    description:
      - The device to boot from. V(none) clears the target.
      - V(uefi_http) boots from O(http_boot_uri) (or the URI the DHCP server gives);
        V(uefi_target) boots the UEFI device path O(uefi_device_path); V(bios_setup) enters
        the firmware setup.
      - The BMC's allowed values (C(BootSourceOverrideTarget@Redfish.AllowableValues)) are
        checked before anything is sent.
    type: str
    choices: [none, pxe, hdd, cd, usb, uefi_http, uefi_target, bios_setup]
  override_enabled:
    description:
      - V(once) for the next boot only, V(continuous) for every boot, V(disabled) to remove the
        override.
      - Defaults to V(once) when O(override_target) is given. A BMC resets a V(once) override
        after the next boot, so a later run sets it again.
    type: str
    choices: [once, continuous, disabled]
  boot_mode:
    description:
      - The override's boot mode (C(BootSourceOverrideMode)). On a system that has no such
        property the module warns and leaves it out.
    type: str
    choices: [uefi, legacy]
  http_boot_uri:
    description: The URI to boot from with O(override_target=uefi_http).
    type: str
  uefi_device_path:
    description: The UEFI device path to boot with O(override_target=uefi_target).
    type: str
  boot_order:
    description:
      - The boot options to put first in the persistent boot order, each a
        C(BootOptionReference) such as V(Boot0003) or a boot option's C(DisplayName) or
        C(Alias). The options not named keep their order after them.
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: Boot from the network once
  aifactory.infra.redfish_boot:
    baseurl: "{{ bmc_url }}"
    username: "{{ bmc_username }}"
    password: "{{ bmc_password }}"
    override_target: pxe
    override_enabled: once
  delegate_to: localhost

- name: Boot an installer over UEFI HTTP
  aifactory.infra.redfish_boot:
    baseurl: "{{ bmc_url }}"
    username: "{{ bmc_username }}"
    password: "{{ bmc_password }}"
    override_target: uefi_http
    http_boot_uri: http://10.0.0.2/ipxe.efi
    boot_mode: uefi
  delegate_to: localhost

- name: Put the first NIC first in the boot order
  aifactory.infra.redfish_boot:
    baseurl: "{{ bmc_url }}"
    username: "{{ bmc_username }}"
    password: "{{ bmc_password }}"
    boot_order: ["PXE IPv4 Mellanox Network Adapter - 1"]
  delegate_to: localhost
"""

RETURN = r"""
system_id:
  description: The Redfish Id of the system acted on.
  returned: always
  type: str
boot:
  description: The Boot properties the module set or compared, with the values they have now.
  returned: always
  type: dict
  sample: {BootSourceOverrideEnabled: Once, BootSourceOverrideTarget: Pxe}
settings_uri:
  description: Where changes go, the system's settings object or the system itself.
  returned: always
  type: str
reboot_required:
  description: True when the values wait in the settings object for the next reset.
  returned: always
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.aifactory.infra.plugins.module_utils.redfish.boot import (
    ENABLED,
    MODES,
    TARGETS,
    set_boot,
)
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.module_args import (
    redfish_argument_spec,
)
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.runner import run_module


def main():
    module = AnsibleModule(
        argument_spec=redfish_argument_spec(
            system_id={"type": "str"},
            override_target={"type": "str", "choices": list(TARGETS)},
            override_enabled={"type": "str", "choices": list(ENABLED)},
            boot_mode={"type": "str", "choices": list(MODES)},
            http_boot_uri={"type": "str"},
            uefi_device_path={"type": "str"},
            boot_order={"type": "list", "elements": "str"},
        ),
        required_one_of=[("override_target", "override_enabled", "boot_mode", "boot_order")],
        required_if=[("override_target", "uefi_target", ("uefi_device_path",))],
        supports_check_mode=True,
    )
    run_module(module, set_boot)


if __name__ == "__main__":
    main()
