#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ipmi_facts
short_description: Read the FRU inventory, firmware, power state and sensor health of a BMC over IPMI
version_added: 0.1.0
description:
  - Reads the system FRU (FRU device 0), the BMC's device id and firmware revision, the system
    GUID, the power state and every sensor of the BMC's SDR repository.
  - Returns the hardware model that the M(aifactory.infra.redfish) inventory plugin builds for
    C(ipmi://) endpoints in RV(hardware) (and as the C(hardware) fact). IPMI has no standard
    command for CPUs, memory, GPUs, NICs or disks, so those fields are null or empty lists.
  - A system FRU or sensors that cannot be read give a warning; the other facts are still
    returned.
author:
  - aifactory.infra maintainers (@aifactory)
extends_documentation_fragment:
  - aifactory.infra.ipmi
attributes:
  check_mode:
    support: full
    description: The module only reads; it runs the same in check mode.
  diff_mode:
    support: none
    description: The module changes nothing.
seealso:
  - module: aifactory.infra.redfish_facts
"""

EXAMPLES = r"""
- name: Read the facts of an IPMI-only server
  aifactory.infra.ipmi_facts:
    host: 10.1.0.21
    username: admin
    password: "{{ vault_ipmi_password }}"
  delegate_to: localhost
  register: facts

- name: Stop when a sensor is critical
  ansible.builtin.assert:
    that: facts.sensors.health != 'Critical'
    fail_msg: "{{ facts.sensors.problems | map(attribute='name') | join(', ') }}"
"""

RETURN = r"""
hardware:
  description: The hardware model of the server (see docs/hardware-model.md).
  returned: success
  type: dict
  sample:
    kind: server
    vendor: Supermicro
    model: SYS-421GE-TNRT
    serial: S45120000A1
    power_state: On
    health: OK
    bmc_firmware_version: "1.05"
    gpu_count: null
    gpus: []
fru:
  description: The system FRU fields; a field the FRU does not have is null, and it is empty when the FRU could not be read.
  returned: success
  type: dict
  sample:
    chassis_type: Rack Mount Chassis
    chassis_serial: C123
    board_manufacturer: Supermicro
    board_product: X13DEG-OAD
    board_serial: B456
    board_part_number: null
    board_manufacture_date: "2024-03-01T08:00"
    product_manufacturer: Supermicro
    product_name: SYS-421GE-TNRT
    product_part_number: null
    product_version: "1.0"
    product_serial: S45120000A1
    product_asset_tag: null
    chassis_part_number: null
device:
  description: The Get Device ID response of the BMC.
  returned: success
  type: dict
  contains:
    device_id:
      description: The device id.
      type: int
    device_revision:
      description: The device revision.
      type: int
    firmware_version:
      description: The firmware revision, major.minor.
      type: str
      sample: "1.05"
    ipmi_version:
      description: The IPMI version the BMC implements.
      type: str
      sample: "2.0"
    manufacturer_id:
      description: The IANA enterprise number of the BMC's manufacturer.
      type: int
      sample: 10876
    product_id:
      description: The manufacturer's product id.
      type: int
    additional_device_support:
      description: The device support bit mask (sensor device, SDR repository, SEL, FRU inventory and others).
      type: int
bmc_firmware_version:
  description: The BMC firmware revision (the same as RV(device.firmware_version)).
  returned: success
  type: str
uuid:
  description: The system GUID as a UUID, null when the BMC has none.
  returned: success
  type: str
power_state:
  description: On or Off.
  returned: success
  type: str
sensors:
  description: The summary of the sensors.
  returned: success
  type: dict
  contains:
    count:
      description: How many sensors the SDR repository lists.
      type: int
    unavailable:
      description: How many of them gave no reading (a powered-off server has many).
      type: int
    health:
      description: The worst health of the readable sensors, OK, Warning or Critical; null without readable sensors.
      type: str
    problems:
      description: The sensors whose health is not OK, with name, type, health, value, units and states.
      type: list
      elements: dict
cipher_suite:
  description: The cipher suite of the session (17 or 3).
  returned: success
  type: int
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.aifactory.infra.plugins.module_utils.errors import AifactoryError
from ansible_collections.aifactory.infra.plugins.module_utils.ipmi import HAS_PYGHMI, PYGHMI_IMPORT_ERROR
from ansible_collections.aifactory.infra.plugins.module_utils.ipmi_facts import read_facts
from ansible_collections.aifactory.infra.plugins.module_utils.ipmi_module_args import (
    client_from_params,
    ipmi_argument_spec,
)


def main():
    module = AnsibleModule(argument_spec=ipmi_argument_spec(), supports_check_mode=True)
    if not HAS_PYGHMI:
        module.fail_json(msg=missing_required_lib("pyghmi"), exception=str(PYGHMI_IMPORT_ERROR))

    try:
        with client_from_params(module.params) as client:
            facts = read_facts(client)
    except AifactoryError as exc:
        module.fail_json(msg=str(exc))
    for warning in facts.pop("warnings"):
        module.warn(warning)
    module.exit_json(changed=False, ansible_facts={"hardware": facts["hardware"]}, **facts)


if __name__ == "__main__":
    main()
