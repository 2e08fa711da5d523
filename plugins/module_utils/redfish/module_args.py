# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The argument spec every Redfish module shares (documented in the redfish doc fragment)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.aifactory.infra.plugins.module_utils.redfish.client import RedfishClient
from ansible_collections.aifactory.infra.plugins.module_utils.retry import RetryPolicy


def redfish_argument_spec(**extra):
    """Return the connection options merged with a module's own ``extra`` options."""
    spec = {
        "baseurl": {"type": "str", "required": True},
        "username": {"type": "str", "required": True},
        "password": {"type": "str", "required": True, "no_log": True},
        "validate_certs": {"type": "bool", "default": True},
        "ca_path": {"type": "path"},
        "timeout": {"type": "int", "default": 30},
        "auth": {"type": "str", "default": "auto", "choices": ["auto", "session", "basic"]},
        "retries": {"type": "int", "default": 4},
    }
    spec.update(extra)
    return spec


def client_from_params(params, pool_size=4):
    """Return a RedfishClient (not yet logged in) for a module's parameters."""
    return RedfishClient(
        params["baseurl"], params["username"], params["password"],
        validate_certs=params["validate_certs"], ca_path=params["ca_path"],
        timeout=params["timeout"], auth=params["auth"],
        retry_policy=RetryPolicy(attempts=max(1, params["retries"])), pool_size=pool_size)
