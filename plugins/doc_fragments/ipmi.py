# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """Options every module that talks to a BMC over IPMI shares."""

    DOCUMENTATION = r"""
options:
  host:
    description: Address or DNS name of the BMC.
    type: str
    required: true
  port:
    description: UDP port of the BMC's IPMI-over-LAN service.
    type: int
    default: 623
  username:
    description: User name of an IPMI account on the BMC (at most 16 bytes).
    type: str
    required: true
  password:
    description: Password of that account (at most 20 bytes, the IPMI 2.0 limit).
    type: str
    required: true
  kg:
    description:
      - The BMC key (Kg) when the BMC has one set; without it the password serves as the key,
        as IPMI 2.0 specifies.
      - V(0x) followed by hexadecimal digits gives the key as bytes, the form BMC web
        interfaces show; any other value is used as text.
    type: str
  cipher_suite:
    description:
      - The RMCP+ cipher suite. V(17) is RAKP-HMAC-SHA256 with HMAC-SHA256-128 integrity and
        AES-CBC-128; V(3) is RAKP-HMAC-SHA1 with HMAC-SHA1-96 and AES-CBC-128.
      - Unset, cipher suite 17 is proposed and the session falls back to 3 when the BMC rejects
        it. V(17) fails on a BMC without it; V(3) never proposes 17, for BMCs that accept the
        proposal and then fail the handshake.
    type: int
    choices: [3, 17]
  timeout:
    description:
      - Seconds to wait for each IPMI operation, opening the session included. A BMC that does
        not answer within this time fails the task with a timeout error.
    type: int
    default: 20
  retries:
    description:
      - Attempts per command (counting the first) while the BMC answers node busy (0xC0) or
        initialization in progress (0xD2), with exponential backoff from one second and at most
        60 seconds of waiting in all.
    type: int
    default: 4
requirements:
  - "pyghmi >= 1.5.60 on the host that runs the module, usually the controller"
notes:
  - "The module talks to the BMC over UDP from the host it runs on; run it on the controller
    with C(delegate_to: localhost) or C(connection: local)."
  - The password and the Kg key never appear in results, warnings or error messages.
"""
