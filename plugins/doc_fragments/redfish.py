# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """Options every module that talks to a Redfish BMC shares."""

    DOCUMENTATION = r"""
options:
  baseurl:
    description:
      - The BMC's base URL, such as V(https://10.1.0.11). A trailing C(/redfish/v1) is accepted.
    type: str
    required: true
  username:
    description: User name on the BMC.
    type: str
    required: true
  password:
    description: Password on the BMC.
    type: str
    required: true
  validate_certs:
    description: Verify the BMC's TLS certificate. Turn off only for a BMC you trust.
    type: bool
    default: true
  ca_path:
    description: A CA bundle file used to verify the BMC's certificate instead of the system store.
    type: path
  timeout:
    description: Seconds to wait for each HTTP response from the BMC.
    type: int
    default: 30
  auth:
    description:
      - V(auto) opens a Redfish session and falls back to HTTP basic authentication when the
        BMC has no usable session service; V(session) and V(basic) force one method.
    type: str
    default: auto
    choices: [auto, session, basic]
  retries:
    description:
      - Attempts per request (counting the first) for failures that go away by themselves
        (connection refused, HTTP 5xx, 503 with Retry-After, vendor "busy" messages).
    type: int
    default: 4
requirements:
  - "sushy >= 4.0 on the host that runs the module, usually the controller"
notes:
  - "The module talks to the BMC over HTTPS from the host it runs on; run it on the controller
    with C(delegate_to: localhost) or C(connection: local)."
"""

    # Options of the modules that act on one ComputerSystem of the BMC.
    SYSTEM = r"""
options:
  system_id:
    description:
      - The Redfish C(Id) of the system to act on, such as V(System.Embedded.1), when the BMC has
        several systems.
      - By default the first system that can be reset or configured (with a Reset action or a
        Bios resource) is chosen, so never the GPU baseboard system of an HGX BMC. The result's
        C(system_id) names the system that was used.
    type: str
"""
