# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The argument spec every IPMI module shares (documented in the ipmi doc fragment)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.aifactory.infra.plugins.module_utils.ipmi_boot import BOOT_DEVICES
from ansible_collections.aifactory.infra.plugins.module_utils.ipmi import IpmiClient, IpmiRetryPolicy
from ansible_collections.aifactory.infra.plugins.module_utils.ipmi_endpoints import CIPHER_SUITES, DEFAULT_PORT

# Seconds a command may spend waiting between its retries while the BMC is busy.
RETRY_BUDGET = 60.0


def ipmi_argument_spec(**extra):
    """Return the connection options merged with a module's own ``extra`` options."""
    spec = {
        "host": {"type": "str", "required": True},
        "port": {"type": "int", "default": DEFAULT_PORT},
        "username": {"type": "str", "required": True},
        "password": {"type": "str", "required": True, "no_log": True},
        "kg": {"type": "str", "no_log": True},
        "cipher_suite": {"type": "int", "choices": list(CIPHER_SUITES)},
        "timeout": {"type": "int", "default": 20},
        "retries": {"type": "int", "default": 4},
    }
    spec.update(extra)
    return spec


def boot_override_spec():
    """Return the options of a boot override: ipmi_boot's own, ipmi_power's ``boot`` suboptions."""
    return {
        "device": {"type": "str", "required": True, "choices": sorted(BOOT_DEVICES)},
        "persistent": {"type": "bool", "default": False},
        "uefi": {"type": "bool", "default": False},
    }


def client_from_params(params):
    """Return an IpmiClient (not yet connected) for a module's parameters."""
    policy = IpmiRetryPolicy(attempts=max(1, params["retries"]), budget=RETRY_BUDGET)
    return IpmiClient(params["host"], params["username"], params["password"], port=params["port"],
                      kg=params["kg"], cipher_suite=params["cipher_suite"], timeout=params["timeout"],
                      retry_policy=policy)
