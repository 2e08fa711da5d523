#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: redfish_facts
short_description: Read the normalised hardware model of one BMC over Redfish
version_added: 0.1.0
description:
  - Walks one BMC over Redfish and returns the same hardware model that the
    M(aifactory.infra.redfish) inventory plugin puts into the C(hardware) host variable, for
    playbooks that do not use that inventory plugin.
  - Returns one model per server or DPU system of the BMC in RV(hosts), and the chosen host
    in RV(hardware) (and as the C(hardware) fact).
author:
  - aifactory.infra maintainers (@aifactory)
extends_documentation_fragment:
  - aifactory.infra.redfish
attributes:
  check_mode:
    support: full
    description: The module only reads; it runs the same in check mode.
  diff_mode:
    support: none
    description: The module changes nothing.
options:
  system_id:
    description:
      - The Redfish C(Id) of the system to return in RV(hardware) when the BMC has several
        servers or DPUs. By default the first server is chosen, and the result says which.
    type: str
  workers:
    description: How many requests the BMC receives at the same time.
    type: int
    default: 4
"""

EXAMPLES = r"""
- name: Read the hardware of a GPU server
  aifactory.infra.redfish_facts:
    baseurl: https://10.1.0.11
    username: admin
    password: "{{ vault_bmc_password }}"
  delegate_to: localhost
  register: facts

- name: Show the GPUs
  ansible.builtin.debug:
    msg: "{{ facts.hardware.gpu_count }} x {{ facts.hardware.gpus | map(attribute='model') | first }}"
"""

RETURN = r"""
hardware:
  description: The hardware model of the chosen system (see docs/hardware-model.md).
  returned: success
  type: dict
  sample:
    kind: server
    system_id: System.Embedded.1
    vendor: Dell Inc.
    model: PowerEdge R750
    gpu_count: 1
    gpus: [{vendor: NVIDIA, model: NVIDIA H100 PCIe, memory_gib: 80, location: Video.Slot.2-1}]
hosts:
  description: The hardware model of every server and DPU system of the BMC.
  returned: success
  type: list
  elements: dict
system_id:
  description: The Redfish Id of the system returned in RV(hardware).
  returned: success
  type: str
warnings:
  description: Parts of the BMC that could not be read (broken links, unsupported collections).
  returned: always
  type: list
  elements: str
requests:
  description: How many HTTP requests the BMC received.
  returned: success
  type: int
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.aifactory.infra.plugins.module_utils.errors import AifactoryError
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.facts import read_facts
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.module_args import (
    redfish_argument_spec,
)


def main():
    module = AnsibleModule(
        argument_spec=redfish_argument_spec(
            system_id={"type": "str"},
            workers={"type": "int", "default": 4},
        ),
        supports_check_mode=True,
    )
    try:
        result = read_facts(module.params)
    except AifactoryError as exc:
        module.fail_json(msg=str(exc))
    for warning in result["warnings"]:
        module.warn(warning)
    module.exit_json(changed=False, ansible_facts={"hardware": result["hardware"]}, **result)


if __name__ == "__main__":
    main()
