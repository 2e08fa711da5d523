#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: redfish_firmware
short_description: Read the firmware inventory of a BMC, and update firmware, over Redfish
version_added: 0.1.0
description:
  - Without O(image_uri) and O(image_path) the module returns the firmware inventory.
  - With one of them it updates firmware through the BMC's UpdateService, by
    C(SimpleUpdate) (the BMC fetches O(image_uri)) or by a multipart HTTP push (the host
    that runs the module uploads O(image_path), or O(image_uri) fetched first when the BMC
    takes only pushes). With O(method=auto) the module chooses from what the BMC offers.
  - The module follows the task the BMC starts, honouring its C(Retry-After), until it
    completes, fails or O(wait_timeout) passes. Many BMCs delete the task monitor right after
    completion; the module then confirms the update through the firmware inventory.
  - With O(version), components that already run it are left alone, so a second run reports
    C(changed=false). Without O(version) every run starts an update.
author:
  - aifactory.infra maintainers (@aifactory)
extends_documentation_fragment:
  - aifactory.infra.redfish
attributes:
  check_mode:
    support: full
    description: In check mode the module reads the inventory and reports whether it would start an update.
  diff_mode:
    support: full
    description: The diff shows the versions of the targeted components before and after.
options:
  image_uri:
    description:
      - URL of the firmware image. The BMC fetches it for C(SimpleUpdate); with a multipart push
        the host that runs the module fetches it.
      - When the BMC lists the transfer protocols it takes, the URL's scheme must be one of them.
    type: str
  image_path:
    description: Path of the firmware image on the host that runs the module, uploaded with a multipart push.
    type: path
  method:
    description: V(simple_update) or V(multipart) to force a method; V(auto) chooses from the BMC's offer.
    type: str
    default: auto
    choices: [auto, simple_update, multipart]
  targets:
    description: Firmware inventory Ids or URIs of the components to update; by default the BMC decides from the image.
    type: list
    elements: str
  version:
    description:
      - The version the image installs. Targets that already run it are not updated, and the
        inventory is checked for it when the task monitor disappears.
    type: str
  apply_time:
    description:
      - When the BMC applies the update (C(@Redfish.OperationApplyTime)); checked against the
        UpdateService's supported values. Left unset the BMC's default applies.
    type: str
    choices: [immediate, on_reset, maintenance_window_start, maintenance_window_on_reset]
  transfer_protocol:
    description: C(TransferProtocol) for C(SimpleUpdate), such as V(HTTPS); by default derived from O(image_uri) where the BMC needs it.
    type: str
  image_username:
    description: User name for the server that holds O(image_uri).
    type: str
  image_password:
    description: Password for the server that holds O(image_uri).
    type: str
  wait:
    description: Follow the update task until it ends.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to follow the update task.
    type: int
    default: 1800
  poll_interval:
    description: Seconds between two polls of the task when the BMC sends no C(Retry-After).
    type: float
    default: 10.0
"""

EXAMPLES = r"""
- name: Read the firmware inventory
  aifactory.infra.redfish_firmware:
    baseurl: "{{ bmc_url }}"
    username: "{{ bmc_username }}"
    password: "{{ bmc_password }}"
  delegate_to: localhost
  register: firmware

- name: Update the BMC firmware from the image server
  aifactory.infra.redfish_firmware:
    baseurl: "{{ bmc_url }}"
    username: "{{ bmc_username }}"
    password: "{{ bmc_password }}"
    image_uri: https://files.example.com/bmc/bmc-7.10.30.fwpkg
    version: 7.10.30
    targets: [BMC]
    apply_time: immediate
  delegate_to: localhost
"""

RETURN = r"""
inventory:
  description: The firmware inventory (after the update, when the module waited for it).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The component's Id.
      type: str
    name:
      description: The component's name.
      type: str
    version:
      description: The installed version.
      type: str
    updateable:
      description: Whether the BMC can update the component.
      type: bool
    software_id:
      description: The vendor's identifier of the firmware.
      type: str
    uri:
      description: The inventory entry's URI.
      type: str
method:
  description: The update method used, C(simple_update) or C(multipart).
  returned: when an update was requested
  type: str
targets:
  description: The inventory URIs of the targets.
  returned: when an update was requested
  type: list
  elements: str
task_uri:
  description: The task (or task monitor) of the update.
  returned: when an update started
  type: str
task_state:
  description: The task's final state.
  returned: when the module waited for the task
  type: str
task_messages:
  description: The task's messages.
  returned: when the module waited for the task
  type: list
  elements: str
confirmed_by:
  description: C(inventory) when the task monitor disappeared and the inventory confirmed the update.
  returned: when the task monitor disappeared
  type: str
reboot_required:
  description: True when the update applies at a later reset (an O(apply_time) other than V(immediate)).
  returned: when an update started
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.aifactory.infra.plugins.module_utils.redfish.firmware import (
    METHODS,
    update_firmware,
)
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.module_args import (
    redfish_argument_spec,
)
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.runner import run_module
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.settings import APPLY_TIMES


def main():
    module = AnsibleModule(
        argument_spec=redfish_argument_spec(
            image_uri={"type": "str"},
            image_path={"type": "path"},
            method={"type": "str", "default": "auto", "choices": list(METHODS)},
            targets={"type": "list", "elements": "str"},
            version={"type": "str"},
            apply_time={"type": "str", "choices": list(APPLY_TIMES)},
            transfer_protocol={"type": "str"},
            image_username={"type": "str"},
            image_password={"type": "str", "no_log": True},
            wait={"type": "bool", "default": True},
            wait_timeout={"type": "int", "default": 1800},
            poll_interval={"type": "float", "default": 10.0},
        ),
        mutually_exclusive=[("image_uri", "image_path")],
        supports_check_mode=True,
    )
    run_module(module, update_firmware)


if __name__ == "__main__":
    main()
